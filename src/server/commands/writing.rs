//! The model-backed writing commands: fill a section, refine a range, suggest an answer, and the
//! plain `answerPlaceholder`. Every edit is computed against the snapshot the command started
//! from and applied version-checked (re-anchored on its text, or refused).

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp::jsonrpc;
use tower_lsp::lsp_types::{Range, Url};

use super::plan_text::{self, find_section, template_section};
use super::{generate, issue_material, prompt_context};
use crate::analysis::edits::{minimal_change, TextChange};
use crate::server::commands::placeholder_id;
use crate::server::handle::ServerHandle;
use crate::server::rpc_error;
use crate::server::service_clients;
use crate::services::prompts::{self, SectionGuide};
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
pub struct FillSectionArgs {
    uri: Url,
    section: String,
    #[serde(default)]
    instruction: Option<String>,
}

#[derive(Deserialize)]
pub struct RefineArgs {
    uri: Url,
    range: Range,
    instruction: String,
}

#[derive(Deserialize)]
pub struct SuggestArgs {
    uri: Url,
    placeholder: Value,
    /// Also write the answer into the plan.
    #[serde(default)]
    apply: bool,
}

#[derive(Deserialize)]
pub struct AnswerArgs {
    uri: Url,
    placeholder: Value,
    answer: String,
}

fn guide<'t>(snapshot: &'t Snapshot, index: usize) -> SectionGuide<'t> {
    let section = &snapshot.plan.sections[index];
    SectionGuide {
        title: &section.title,
        guidance: template_section(&snapshot.plan, &snapshot.template, index)
            .map(|t| t.guidance.as_str())
            .unwrap_or(""),
    }
}

async fn apply(
    ctx: &ServerHandle,
    snapshot: &Snapshot,
    change: &TextChange,
    label: &str,
) -> jsonrpc::Result<()> {
    ctx.apply_change(snapshot, change, label)
        .await
        .map_err(|e| rpc_error::failed(format!("{label}: {e}")))
}

/// `plan.fillSection`: the model writes the section's own body from the issue, the plan and the
/// workspace context; only that body is replaced.
pub async fn fill_section(
    ctx: &ServerHandle,
    args: FillSectionArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let llm = service_clients::llm(&snapshot.settings)?;
    prompt_context::check_document(&snapshot)?;
    let index =
        find_section(&snapshot.plan, &snapshot.template, &args.section).ok_or_else(|| {
            let titles: Vec<&str> = snapshot
                .plan
                .sections
                .iter()
                .map(|s| s.title.as_ref())
                .collect();
            rpc_error::invalid_params(format!(
                "no section \"{}\" in this plan; its sections are: {}",
                args.section,
                titles.join(", ")
            ))
        })?;
    let text = snapshot.text();
    let (issue, files) = tokio::join!(
        issue_material::for_plan(&snapshot),
        prompt_context::gather(&snapshot, &args.section)
    );
    let brief = issue.as_ref().map(|i| i.brief());
    let prompt = prompts::fill_section(
        &guide(&snapshot, index),
        args.instruction.as_deref(),
        &text,
        brief.as_ref(),
        &files,
        snapshot.settings.llm.max_context_bytes,
    );
    let title = format!("Writing \"{}\"", snapshot.plan.sections[index].title);
    let output = generate::stream(ctx, &llm, &title, &prompt).await?;
    let section = &snapshot.plan.sections[index];
    let body = plan_text::nest_headings(
        &prompts::clean_section_body(&output, &section.title),
        section.level,
    );
    if body.is_empty() {
        return Err(rpc_error::failed(
            "the model returned only a heading: nothing was changed; retry",
        ));
    }
    let change = plan_text::replace_section_body(
        &text,
        &snapshot.plan,
        index,
        &body,
        snapshot.plan.line_ending,
    );
    apply(ctx, &snapshot, &change, "fill section").await?;
    Ok(Some(
        json!({"applied": true, "section": snapshot.plan.sections[index].title}),
    ))
}

/// `plan.refine`: the model rewrites the range; the edit touches only it.
pub async fn refine(ctx: &ServerHandle, args: RefineArgs) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let llm = service_clients::llm(&snapshot.settings)?;
    prompt_context::check_document(&snapshot)?;
    if args.instruction.trim().is_empty() {
        return Err(rpc_error::invalid_params(
            "plan.refine needs an instruction: say how to rewrite the selection",
        ));
    }
    let start = snapshot
        .offset(args.range.start)
        .map_err(|e| rpc_error::invalid_params(e.to_string()))?;
    let end = snapshot
        .offset(args.range.end)
        .map_err(|e| rpc_error::invalid_params(e.to_string()))?;
    let (start, end) = (start.min(end), start.max(end));
    let text = snapshot.text();
    let selection = &text[start..end];
    if selection.trim().is_empty() {
        return Err(rpc_error::invalid_params(
            "the range is empty: select the text to refine",
        ));
    }
    let section = snapshot.plan.section_at(start).map(|i| guide(&snapshot, i));
    let prompt = prompts::refine(
        selection,
        &args.instruction,
        section.as_ref(),
        &text,
        snapshot.settings.llm.max_context_bytes,
    );
    let output = generate::stream(ctx, &llm, "Refining the selection", &prompt).await?;
    let rewritten = prompts::clean_section_body(&output, "");
    // Keep the selection's own indentation and line ending so the text around it stays put.
    let leading = &selection[..selection.len() - selection.trim_start().len()];
    let trailing = &selection[selection.trim_end().len()..];
    let change = TextChange {
        range: start..end,
        new_text: format!("{leading}{}{trailing}", rewritten.trim_start()),
    };
    apply(ctx, &snapshot, &change, "refine").await?;
    Ok(Some(json!({"applied": true})))
}

/// `plan.suggestAnswer`: the model proposes an answer to one placeholder; with `apply: true` it
/// is also written in, like `plan.answerPlaceholder`.
pub async fn suggest_answer(
    ctx: &ServerHandle,
    args: SuggestArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let llm = service_clients::llm(&snapshot.settings)?;
    prompt_context::check_document(&snapshot)?;
    let id = placeholder_id(&snapshot, &args.placeholder)?;
    let placeholder = snapshot
        .plan
        .placeholder_by_id(&id)
        .cloned()
        .ok_or_else(|| rpc_error::invalid_params(format!("no placeholder {id} in this plan")))?;
    let text = snapshot.text();
    let (issue, files) = tokio::join!(
        issue_material::for_plan(&snapshot),
        prompt_context::gather(&snapshot, &placeholder.question)
    );
    let brief = issue.as_ref().map(|i| i.brief());
    let section = placeholder.section.map(|i| guide(&snapshot, i));
    let prompt = prompts::suggest_answer(
        &placeholder.question,
        section.as_ref(),
        &text,
        brief.as_ref(),
        &files,
        snapshot.settings.llm.max_context_bytes,
    );
    let answer = prompts::clean_answer(
        &generate::complete(ctx, &llm, &format!("Answering {id}"), &prompt).await?,
    );
    if args.apply {
        write_answers(ctx, &snapshot, &[(placeholder.clone(), answer.clone())]).await?;
    }
    Ok(Some(json!({
        "answer": answer,
        "placeholder": id,
        "question": placeholder.question,
        "applied": args.apply,
    })))
}

/// `plan.answerPlaceholder`: writes the answer in place and records it under Clarifications.
pub async fn answer_placeholder(
    ctx: &ServerHandle,
    args: AnswerArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    if args.answer.trim().is_empty() {
        return Err(rpc_error::invalid_params(
            "the answer is empty: write the answer to record",
        ));
    }
    let id = placeholder_id(&snapshot, &args.placeholder)?;
    let placeholder = snapshot
        .plan
        .placeholder_by_id(&id)
        .cloned()
        .ok_or_else(|| rpc_error::invalid_params(format!("no placeholder {id} in this plan")))?;
    write_answers(ctx, &snapshot, &[(placeholder, args.answer)]).await?;
    Ok(Some(json!({"answered": id})))
}

/// Replaces each placeholder by its answer and records them, as one version-checked edit.
pub async fn write_answers(
    ctx: &ServerHandle,
    snapshot: &Snapshot,
    answers: &[(crate::plan::Placeholder, String)],
) -> jsonrpc::Result<()> {
    let text = snapshot.text();
    let pairs: Vec<(&crate::plan::Placeholder, String)> =
        answers.iter().map(|(p, a)| (p, a.clone())).collect();
    let new_text = plan_text::answer_placeholders(&text, &snapshot.plan, &pairs);
    let change = minimal_change(&text, &new_text);
    apply(ctx, snapshot, &change, "answer placeholder").await
}
