//! Quick fixes for `ambiguous-reference`: one per candidate, each writing that file's full
//! path in place of the basename or partial path, keeping the rest of the reference.

use tower_lsp::lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic};

use super::workspace_edit;
use crate::analysis::edits::TextChange;
use crate::snapshot::Snapshot;

/// Fixes for the ambiguous references in `start..end` (recomputed, not trusted from the client).
pub fn code_actions(
    snapshot: &Snapshot,
    start: usize,
    end: usize,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let text = &snapshot.plan.text;
    super::diagnostics::findings(snapshot)
        .into_iter()
        .filter(|f| f.code == "ambiguous-reference" && f.range.start <= end && start <= f.range.end)
        .flat_map(|f| {
            let written_path = f
                .data
                .get("path")
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_owned();
            let candidates: Vec<String> = f
                .data
                .get("candidates")
                .and_then(|c| c.as_array())
                .map(|c| {
                    c.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let written = &text[f.range.clone()];
            let range = snapshot.range(f.range.clone());
            let matching = super::diagnostics_on(diagnostics, range, "ambiguous-reference");
            let Some(at) = written.find(written_path.as_str()) else {
                return Vec::new();
            };
            candidates
                .into_iter()
                .map(|candidate| {
                    let new_text = format!(
                        "{}{candidate}{}",
                        &written[..at],
                        &written[at + written_path.len()..]
                    );
                    let change = TextChange {
                        range: f.range.clone(),
                        new_text,
                    };
                    CodeActionOrCommand::CodeAction(CodeAction {
                        title: format!("Use {candidate}"),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(matching.clone()),
                        edit: Some(workspace_edit(snapshot, &change)),
                        ..CodeAction::default()
                    })
                })
                .collect()
        })
        .collect()
}
