//! What the server adds to features from the services: the `#123` hover, the quick fix for
//! `issue-drift`, and the code actions that offer the AI commands.

use serde_json::{json, Value};
use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Hover, HoverContents, MarkupContent,
    MarkupKind, Position, Range,
};

use crate::services::issue_ref::find_issue_mentions;
use crate::snapshot::Snapshot;

use super::plan_text;
use crate::server::service_clients;

/// The instruction a "Refine with AI…" code action carries; editors may ask the user for another.
pub const DEFAULT_REFINE_INSTRUCTION: &str =
    "Rewrite this passage to be clearer and more concrete, keeping every fact and reference.";

/// Hover on `#123`, `owner/repo#123` or an issue URL: the issue's title, state and labels
/// (cached for two minutes). `None` when the position is on no issue mention.
pub async fn issue_hover(snapshot: &Snapshot, position: Position) -> Option<Hover> {
    let offset = snapshot.offset(position).ok()?;
    let line_index = snapshot.rope.byte_to_line(offset);
    let line_start = snapshot.rope.line_to_byte(line_index);
    let line = snapshot.rope.line(line_index).to_string();
    let roots = snapshot.effective_roots();
    let front_issue = snapshot
        .plan
        .front_matter
        .as_ref()
        .and_then(|f| f.get(plan_text::ISSUE_KEY));
    let repo = service_clients::default_repo(front_issue, &roots);
    let within = offset - line_start;
    let mention = find_issue_mentions(&line, repo.as_ref())
        .into_iter()
        .find(|m| m.range.start <= within && within <= m.range.end)?;
    let markdown = match service_clients::cached_issue(&snapshot.settings, &mention.issue).await {
        Ok(issue) => {
            let labels = if issue.labels.is_empty() {
                String::new()
            } else {
                format!(
                    "\n\nLabels: {}",
                    issue
                        .labels
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "**{}** · {}\n\n[{}]({}) · updated {}{labels}",
                issue.title.replace('*', "\\*"),
                issue.state,
                issue.reference,
                issue.html_url,
                crate::analysis::issue_drift::timestamp(issue.updated_at),
            )
        }
        Err(error) => format!("{}: {error}", mention.issue),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(
            snapshot.range(line_start + mention.range.start..line_start + mention.range.end),
        ),
    })
}

/// Code actions for the AI commands, when a model is configured: "Suggest an answer" on a
/// placeholder, "Fill section with AI" on a section heading, "Refine with AI…" on a selection.
pub fn ai_code_actions(snapshot: &Snapshot, range: Range) -> Vec<CodeActionOrCommand> {
    let (Ok(start), Ok(end)) = (snapshot.offset(range.start), snapshot.offset(range.end)) else {
        return Vec::new();
    };
    let mut actions: Vec<CodeActionOrCommand> =
        drift_fix(snapshot, start, end).into_iter().collect();
    // Without a model they would only answer "not configured".
    if !service_clients::llm_configured(&snapshot.settings) {
        return actions;
    }
    let uri = &snapshot.uri;
    let action = |title: String, command: &str, arguments: Value, kind: CodeActionKind| {
        CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(kind),
            command: Some(Command {
                title,
                command: command.to_string(),
                arguments: Some(vec![arguments]),
            }),
            ..CodeAction::default()
        })
    };
    if let Some(placeholder) = snapshot.plan.placeholder_at(start) {
        actions.push(action(
            format!("Suggest an answer to {}", placeholder.id),
            "plan.suggestAnswer",
            json!({"uri": uri, "placeholder": placeholder.id, "apply": true}),
            CodeActionKind::QUICKFIX,
        ));
    }
    if let Some(index) = snapshot
        .plan
        .sections
        .iter()
        .position(|s| s.heading.start <= start && start <= s.heading.end)
    {
        let path = snapshot.plan.section_path(index).join(" › ");
        actions.push(action(
            format!(
                "Fill section \"{}\" with AI",
                snapshot.plan.sections[index].title
            ),
            "plan.fillSection",
            json!({"uri": uri, "section": path}),
            CodeActionKind::REFACTOR_REWRITE,
        ));
    }
    let selected = snapshot
        .rope
        .byte_slice(start.min(end)..end.max(start))
        .to_string();
    if !selected.trim().is_empty() {
        actions.push(action(
            "Refine with AI…".to_string(),
            "plan.refine",
            json!({"uri": uri, "range": range, "instruction": DEFAULT_REFINE_INSTRUCTION}),
            CodeActionKind::REFACTOR_REWRITE,
        ));
    }
    actions
}

/// On an `issue-drift` finding: record the issue's current `updated_at`, once the plan has been
/// checked against the changed issue.
fn drift_fix(snapshot: &Snapshot, start: usize, end: usize) -> Option<CodeActionOrCommand> {
    let finding = snapshot.issue_drift.clone()?;
    if !(finding.range.start <= end && start <= finding.range.end) {
        return None;
    }
    let current = finding.data["current"].as_str()?;
    let change = crate::analysis::edits::TextChange {
        range: finding.range.clone(),
        new_text: format!(
            "{}: {current}",
            crate::analysis::issue_drift::UPDATED_AT_KEY
        ),
    };
    let issue = finding.data["issue"].as_str().unwrap_or("the issue");
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Mark the plan as up to date with {issue} ({current})"),
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(crate::features::workspace_edit(snapshot, &change)),
        ..CodeAction::default()
    }))
}
