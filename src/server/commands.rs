//! `workspace/executeCommand`: the core plan commands, and the dispatch to service-backed ones.

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp::jsonrpc;
use tower_lsp::lsp_types::Url;

use super::context::{errors, ServerContext};
use crate::analysis::{edits, template_check};

/// Every command the server declares; editors expose each.
pub const COMMANDS: &[&str] = &[
    "plan.insertMissingSections",
    "plan.insertSection",
    "plan.movePlaceholderToOpenQuestions",
    "plan.status",
    "plan.gatherContext",
    "plan.newFromIssue",
    "plan.fillSection",
    "plan.refine",
    "plan.suggestAnswer",
    "plan.answerPlaceholder",
    "plan.askOnIssue",
    "plan.syncAnswers",
];

#[derive(Deserialize)]
struct UriArgs {
    uri: Url,
}

#[derive(Deserialize)]
struct SectionArgs {
    uri: Url,
    section: String,
}

#[derive(Deserialize)]
struct PlaceholderArgs {
    uri: Url,
    placeholder: Value,
}

/// The command's one argument object, parsed; a clear error names what is missing.
pub fn parse_args<T: for<'de> Deserialize<'de>>(
    command: &str,
    arguments: &[Value],
) -> jsonrpc::Result<T> {
    let first = arguments.first().cloned().unwrap_or(Value::Null);
    serde_json::from_value(first).map_err(|e| {
        errors::invalid_params(format!(
            "{command}: bad arguments ({e}); see docs/PROTOCOL.md"
        ))
    })
}

pub async fn execute(
    ctx: &ServerContext,
    command: &str,
    arguments: Vec<Value>,
) -> jsonrpc::Result<Option<Value>> {
    match command {
        "plan.insertMissingSections" => {
            insert_missing_sections(ctx, parse_args(command, &arguments)?).await
        }
        "plan.insertSection" => insert_section(ctx, parse_args(command, &arguments)?).await,
        "plan.movePlaceholderToOpenQuestions" => {
            move_placeholder(ctx, parse_args(command, &arguments)?).await
        }
        "plan.status" => status(ctx, parse_args(command, &arguments)?).await,
        "plan.gatherContext" => crate::features::gather_context::execute(ctx, &arguments).await,
        other if crate::commands::COMMANDS.contains(&other) => {
            crate::commands::execute(ctx, other, &arguments).await
        }
        other => Err(errors::invalid_params(format!(
            "unknown command {other}; known: {}",
            COMMANDS.join(", ")
        ))),
    }
}

async fn insert_missing_sections(
    ctx: &ServerContext,
    args: UriArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri)?;
    let (change, inserted) =
        edits::insert_all_sections(&snapshot.text(), &snapshot.template, &snapshot.syntax);
    if !inserted.is_empty() {
        ctx.apply_change(&snapshot, &change, "insert missing sections")
            .await
            .map_err(|e| errors::failed(e.to_string()))?;
    }
    Ok(Some(json!({"inserted": inserted})))
}

async fn insert_section(ctx: &ServerContext, args: SectionArgs) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri)?;
    let text = snapshot.text();
    let report = template_check::check(&snapshot.plan, &snapshot.template);
    let wanted = crate::plan::headings::normalize_title(&args.section);
    let missing = report
        .missing
        .iter()
        .find(|m| {
            m.path
                .last()
                .map(|t| crate::plan::headings::normalize_title(t))
                == Some(wanted.clone())
        })
        .ok_or_else(|| {
            errors::invalid_params(format!(
                "section \"{}\" is not missing from this plan",
                args.section
            ))
        })?;
    let change = edits::insert_section(&text, &snapshot.plan, &snapshot.template, missing)
        .ok_or_else(|| errors::failed(format!("could not place section \"{}\"", args.section)))?;
    ctx.apply_change(&snapshot, &change, "insert section")
        .await
        .map_err(|e| errors::failed(e.to_string()))?;
    Ok(Some(json!({"inserted": [missing.path.last()]})))
}

/// A placeholder named by id (`"P3"`) or by position (`{line, character}`).
pub fn placeholder_id(
    snapshot: &crate::snapshot::Snapshot,
    which: &Value,
) -> jsonrpc::Result<String> {
    if let Some(id) = which.as_str() {
        return snapshot
            .plan
            .placeholder_by_id(id)
            .map(|p| p.id.clone())
            .ok_or_else(|| errors::invalid_params(format!("no placeholder {id} in this plan")));
    }
    let position: tower_lsp::lsp_types::Position =
        serde_json::from_value(which.clone()).map_err(|_| {
            errors::invalid_params(
                "placeholder must be an id like \"P1\" or a position {line, character}",
            )
        })?;
    let offset = snapshot
        .offset(position)
        .map_err(|e| errors::invalid_params(e.to_string()))?;
    snapshot
        .plan
        .placeholder_at(offset)
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            errors::invalid_params(format!(
                "no placeholder at {}:{}",
                position.line, position.character
            ))
        })
}

async fn move_placeholder(
    ctx: &ServerContext,
    args: PlaceholderArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri)?;
    let id = placeholder_id(&snapshot, &args.placeholder)?;
    let change =
        edits::move_to_open_questions(&snapshot.text(), &snapshot.template, &snapshot.syntax, &id)
            .map_err(errors::invalid_params)?;
    ctx.apply_change(&snapshot, &change, "move placeholder")
        .await
        .map_err(|e| errors::failed(e.to_string()))?;
    Ok(Some(json!({"moved": id})))
}

async fn status(ctx: &ServerContext, args: UriArgs) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri)?;
    let plan = &snapshot.plan;
    let report = template_check::check(plan, &snapshot.template);
    let placeholders: Vec<Value> = plan
        .placeholders
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "question": p.question,
                "line": snapshot.range(p.range.clone()).start.line,
                "section": p.section.map(|s| plan.section_path(s).join(" › ")),
            })
        })
        .collect();
    let answered = plan
        .sections
        .iter()
        .position(|s| s.normalized == "clarifications")
        .map(|i| {
            let body = snapshot
                .rope
                .byte_slice(plan.sections[i].range.clone())
                .to_string();
            body.lines()
                .filter(|l| l.trim_start().starts_with("- Q:"))
                .count()
        })
        .unwrap_or(0);
    Ok(Some(json!({
        "uri": snapshot.uri,
        "version": snapshot.version,
        "template": snapshot.template.name,
        "open": plan.placeholders.len(),
        "answered": answered,
        "missingSections": report.missing.iter().map(|m| m.path.join(" › ")).collect::<Vec<_>>(),
        "placeholders": placeholders,
        "issue": plan.front_matter.as_ref().and_then(|f| f.get("issue")),
        "issueDrift": crate::commands::issue_drift(ctx, &snapshot).await,
    })))
}
