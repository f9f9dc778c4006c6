//! `workspace/executeCommand`: the one table of commands (name, argument, what it needs, handler),
//! used by dispatch and by the capabilities the server declares.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp::jsonrpc;

mod ai_actions;
pub mod gather_context;
mod generate;
mod issue_material;
mod issues;
mod plan_edits;
pub mod plan_text;
mod prompt_context;
mod writing;

pub use ai_actions::{ai_code_actions, issue_hover, DEFAULT_REFINE_INSTRUCTION};
pub use issues::{drift_finding, issue_drift, refresh_issue};

use super::handle::ServerHandle;
use super::rpc_error;

/// What a command needs from outside the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Needs {
    Nothing,
    GitHub,
    /// A model; GitHub too when the plan names an issue.
    Llm,
}

type Handler =
    for<'a> fn(&'a ServerHandle, Vec<Value>) -> BoxFuture<'a, jsonrpc::Result<Option<Value>>>;

/// One command of the table.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    /// The Rust type of its one argument object (documented in docs/PROTOCOL.md).
    pub argument: &'static str,
    pub needs: Needs,
    handler: Handler,
}

/// A table row: the handler parses the argument object into `$args` first.
macro_rules! command {
    ($name:literal, $args:ty, $needs:expr, $handler:path) => {
        CommandSpec {
            name: $name,
            argument: stringify!($args),
            needs: $needs,
            handler: |session, arguments| {
                Box::pin(async move {
                    let args: $args = parse_args($name, &arguments)?;
                    $handler(session, args).await
                })
            },
        }
    };
}

/// Every command the server declares and runs; editors expose each.
pub const COMMANDS: &[CommandSpec] = &[
    command!(
        "plan.insertMissingSections",
        plan_edits::UriArgs,
        Needs::Nothing,
        plan_edits::insert_missing_sections
    ),
    command!(
        "plan.insertSection",
        plan_edits::SectionArgs,
        Needs::Nothing,
        plan_edits::insert_section
    ),
    command!(
        "plan.movePlaceholderToOpenQuestions",
        plan_edits::PlaceholderArgs,
        Needs::Nothing,
        plan_edits::move_placeholder
    ),
    command!(
        "plan.status",
        plan_edits::UriArgs,
        Needs::Nothing,
        plan_edits::status
    ),
    command!(
        "plan.gatherContext",
        gather_context::GatherArgs,
        Needs::Nothing,
        gather_context::gather_context
    ),
    command!(
        "plan.newFromIssue",
        issues::NewFromIssueArgs,
        Needs::GitHub,
        issues::new_from_issue
    ),
    command!(
        "plan.fillSection",
        writing::FillSectionArgs,
        Needs::Llm,
        writing::fill_section
    ),
    command!(
        "plan.refine",
        writing::RefineArgs,
        Needs::Llm,
        writing::refine
    ),
    command!(
        "plan.suggestAnswer",
        writing::SuggestArgs,
        Needs::Llm,
        writing::suggest_answer
    ),
    command!(
        "plan.answerPlaceholder",
        writing::AnswerArgs,
        Needs::Nothing,
        writing::answer_placeholder
    ),
    command!(
        "plan.askOnIssue",
        issues::UriArgs,
        Needs::GitHub,
        issues::ask_on_issue
    ),
    command!(
        "plan.syncAnswers",
        issues::SyncArgs,
        Needs::GitHub,
        issues::sync_answers
    ),
];

/// The table as data, for the `initialize` result: `[{name, argument, needs}]`.
pub fn table_json() -> Value {
    COMMANDS
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "argument": c.argument, "needs": c.needs}))
        .collect()
}

/// The command's one argument object, parsed; a clear error names what is missing.
pub fn parse_args<T: for<'de> Deserialize<'de>>(
    command: &str,
    arguments: &[Value],
) -> jsonrpc::Result<T> {
    let first = arguments.first().cloned().unwrap_or(Value::Null);
    serde_json::from_value(first).map_err(|e| {
        rpc_error::invalid_params(format!(
            "{command}: bad arguments ({e}); see docs/PROTOCOL.md"
        ))
    })
}

/// Runs the command named `command` from the table.
pub async fn execute(
    session: &ServerHandle,
    command: &str,
    arguments: Vec<Value>,
) -> jsonrpc::Result<Option<Value>> {
    let Some(spec) = COMMANDS.iter().find(|c| c.name == command) else {
        return Err(rpc_error::invalid_params(format!(
            "unknown command {command}; known: {}",
            COMMANDS
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    (spec.handler)(session, arguments).await
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
            .ok_or_else(|| rpc_error::invalid_params(format!("no placeholder {id} in this plan")));
    }
    let position: tower_lsp::lsp_types::Position =
        serde_json::from_value(which.clone()).map_err(|_| {
            rpc_error::invalid_params(
                "placeholder must be an id like \"P1\" or a position {line, character}",
            )
        })?;
    let offset = snapshot
        .offset(position)
        .map_err(|e| rpc_error::invalid_params(e.to_string()))?;
    snapshot
        .plan
        .placeholder_at(offset)
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            rpc_error::invalid_params(format!(
                "no placeholder at {}:{}",
                position.line, position.character
            ))
        })
}
