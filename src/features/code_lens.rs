//! A lens on each section heading with its open placeholder count.

use serde_json::json;
use tower_lsp::lsp_types::{CodeLens, Command};

use crate::snapshot::Snapshot;

pub fn code_lenses(snapshot: &Snapshot) -> Vec<CodeLens> {
    let plan = &snapshot.plan;
    (0..plan.sections.len())
        .map(|i| {
            let open = plan.placeholders_in(i).count();
            let title = match open {
                0 => "no open placeholders".to_string(),
                1 => "1 open placeholder".to_string(),
                n => format!("{n} open placeholders"),
            };
            CodeLens {
                range: snapshot.range(plan.sections[i].heading.clone()),
                command: Some(Command {
                    title,
                    command: "plan.status".to_string(),
                    arguments: Some(vec![json!({"uri": snapshot.uri})]),
                }),
                data: None,
            }
        })
        .collect()
}
