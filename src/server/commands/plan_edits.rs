//! The plan commands that need no service: insert sections, move a placeholder, report status.

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp::jsonrpc;
use tower_lsp::lsp_types::Url;

use super::placeholder_id;
use crate::analysis::{edits, template_check};
use crate::server::handle::ServerHandle;
use crate::server::rpc_error;

#[derive(Deserialize)]
pub struct UriArgs {
    uri: Url,
}

#[derive(Deserialize)]
pub struct SectionArgs {
    uri: Url,
    section: String,
}

#[derive(Deserialize)]
pub struct PlaceholderArgs {
    uri: Url,
    placeholder: Value,
}

pub async fn insert_missing_sections(
    ctx: &ServerHandle,
    args: UriArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let (change, inserted) =
        edits::insert_all_sections(&snapshot.text(), &snapshot.template, &snapshot.syntax);
    if !inserted.is_empty() {
        ctx.apply_change(&snapshot, &change, "insert missing sections")
            .await
            .map_err(|e| rpc_error::failed(e.to_string()))?;
    }
    Ok(Some(json!({"inserted": inserted})))
}

pub async fn insert_section(
    ctx: &ServerHandle,
    args: SectionArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
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
            rpc_error::invalid_params(format!(
                "section \"{}\" is not missing from this plan",
                args.section
            ))
        })?;
    let change = edits::insert_section(&text, &snapshot.plan, &snapshot.template, missing)
        .ok_or_else(|| {
            rpc_error::failed(format!("could not place section \"{}\"", args.section))
        })?;
    ctx.apply_change(&snapshot, &change, "insert section")
        .await
        .map_err(|e| rpc_error::failed(e.to_string()))?;
    Ok(Some(json!({"inserted": [missing.path.last()]})))
}

pub async fn move_placeholder(
    ctx: &ServerHandle,
    args: PlaceholderArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let id = placeholder_id(&snapshot, &args.placeholder)?;
    let change =
        edits::move_to_open_questions(&snapshot.text(), &snapshot.template, &snapshot.syntax, &id)
            .map_err(rpc_error::invalid_params)?;
    ctx.apply_change(&snapshot, &change, "move placeholder")
        .await
        .map_err(|e| rpc_error::failed(e.to_string()))?;
    Ok(Some(json!({"moved": id})))
}

pub async fn status(ctx: &ServerHandle, args: UriArgs) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
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
        .position(|s| &*s.normalized == "clarifications")
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
        "issueDrift": crate::server::commands::issue_drift(ctx, &snapshot).await,
    })))
}
