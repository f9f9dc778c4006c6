//! Quick fixes: insert a missing section (one or all), move a placeholder to Open questions; the
//! fixes of references and heading fragments come from their own modules.

use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Diagnostic, NumberOrString,
};

use super::{workspace_edit, FeatureError};
use crate::analysis::template_check;
use crate::analysis::{diagnostics, edits};
use crate::snapshot::Snapshot;

pub fn code_actions(
    snapshot: &Snapshot,
    params: &CodeActionParams,
) -> Result<Vec<CodeActionOrCommand>, FeatureError> {
    let start = snapshot.offset(params.range.start)?;
    let end = snapshot.offset(params.range.end)?;
    let plan = &snapshot.plan;
    let text = snapshot.text();
    let report = template_check::check(plan, &snapshot.template);
    let mut actions = Vec::new();

    let diagnostics_with = |code: &str| -> Vec<&Diagnostic> {
        params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.code == Some(NumberOrString::String(code.to_string())))
            .collect()
    };

    // Missing sections whose diagnostic the request range touches.
    let missing_diagnostics = diagnostics_with("missing-section");
    for missing in &report.missing {
        let anchor = diagnostics::missing_anchor(plan, &snapshot.template, &report, missing);
        let title = missing.path.last().cloned().unwrap_or_default();
        let touched = anchor.start <= end && start <= anchor.end;
        let matching: Vec<Diagnostic> = missing_diagnostics
            .iter()
            .filter(|d| {
                d.data
                    .as_ref()
                    .and_then(|v| v.get("section"))
                    .and_then(|s| s.as_str())
                    == Some(title.as_str())
            })
            .map(|d| (*d).clone())
            .collect();
        if !touched && matching.is_empty() {
            continue;
        }
        if let Some(change) = edits::insert_section(&text, plan, &snapshot.template, missing) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Insert missing section \"{title}\""),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(matching),
                edit: Some(workspace_edit(snapshot, &change)),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    // "Insert all" only beside a missing section's own fix, when there are several.
    if report.missing.len() > 1 && !actions.is_empty() {
        let (change, inserted) =
            edits::insert_all_sections(&text, &snapshot.template, &snapshot.syntax);
        if !inserted.is_empty() {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Insert all missing sections ({})", inserted.len()),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(missing_diagnostics.iter().map(|d| (*d).clone()).collect()),
                edit: Some(workspace_edit(snapshot, &change)),
                ..CodeAction::default()
            }));
        }
    }

    // Placeholders in the range.
    let mut placeholder_actions = Vec::new();
    for p in plan
        .placeholders
        .iter()
        .filter(|p| p.range.start <= end && start <= p.range.end)
    {
        if let Ok(change) =
            edits::move_to_open_questions(&text, &snapshot.template, &snapshot.syntax, &p.id)
        {
            let matching = diagnostics_with("placeholder")
                .into_iter()
                .filter(|d| {
                    d.data
                        .as_ref()
                        .and_then(|v| v.get("id"))
                        .and_then(|s| s.as_str())
                        == Some(p.id.as_str())
                })
                .cloned()
                .collect();
            placeholder_actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Move placeholder {} to Open questions", p.id),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(matching),
                edit: Some(workspace_edit(snapshot, &change)),
                ..CodeAction::default()
            }));
        }
    }
    // The thing under the cursor first: its reference's fixes, its placeholder's move; then the
    // sections; the server adds the commands after them.
    let mut ordered =
        super::code_refs::code_actions(snapshot, start, end, &params.context.diagnostics);
    ordered.extend(super::reference_fixes::code_actions(
        snapshot,
        start,
        end,
        &params.context.diagnostics,
    ));
    ordered.extend(super::heading_links::fragment_fixes(
        snapshot,
        start,
        end,
        &params.context.diagnostics,
    ));
    ordered.extend(placeholder_actions);
    ordered.extend(actions);
    Ok(ordered)
}
