//! A lens above each section that holds open placeholders of its own (not its subsections'),
//! naming the first question; it runs the editors' "answer placeholder" command. Sections with
//! nothing open get no lens.

use serde_json::json;
use tower_lsp::lsp_types::{CodeLens, Command};

use crate::snapshot::Snapshot;

/// The client-side command both editors register: pick a placeholder (the one at the cursor or
/// from a list), ask for the answer, then run `plan.answerPlaceholder`.
pub const ANSWER_COMMAND: &str = "planLsp.answerPlaceholder";

pub fn code_lenses(snapshot: &Snapshot) -> Vec<CodeLens> {
    let plan = &snapshot.plan;
    (0..plan.sections.len())
        .filter_map(|i| {
            let mut own = plan.placeholders.iter().filter(|p| p.section == Some(i));
            let first = own.next()?;
            let more = own.count();
            let question = if first.question.is_empty() {
                "unanswered".to_string()
            } else {
                first.question.chars().take(60).collect()
            };
            let title = match more {
                0 => format!("{}: {question} — answer…", first.id),
                n => format!("{}: {question} (+{n} more) — answer…", first.id),
            };
            Some(CodeLens {
                range: snapshot.range(plan.sections[i].heading.clone()),
                command: Some(Command {
                    title,
                    command: ANSWER_COMMAND.to_string(),
                    arguments: Some(vec![json!({"uri": snapshot.uri, "placeholder": first.id})]),
                }),
                data: None,
            })
        })
        .collect()
}
