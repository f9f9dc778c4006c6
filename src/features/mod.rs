//! One module per LSP feature; each is a pure function of a [`Snapshot`](crate::snapshot::Snapshot)
//! and the request's parameters.

pub mod code_action;
pub mod code_lens;
pub mod code_refs;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod folding;
pub mod heading_links;
pub mod highlight;
pub mod hover;
pub mod links;
pub mod reference_fixes;
pub mod references;
pub mod rename;
pub mod selection_range;
pub mod semantic_tokens;
pub mod symbols;
pub mod targets;
pub mod workspace_symbols;

use crate::document::position::OutOfRange;

/// Why a feature could not answer; the server turns it into a JSON-RPC error.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    #[error("{0}")]
    InvalidArgument(String),
}

/// Markdown code-fence language for a file name.
pub fn fence_language(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "rs" => "rust",
        "py" | "pyi" => "python",
        "ts" | "mts" | "cts" => "typescript",
        "tsx" => "tsx",
        "js" | "mjs" | "cjs" => "javascript",
        "jsx" => "jsx",
        "go" => "go",
        "md" | "markdown" => "markdown",
        "toml" => "toml",
        "json" | "jsonc" => "json",
        "yaml" | "yml" => "yaml",
        "sh" | "bash" => "bash",
        "c" | "h" => "c",
        "cc" | "cpp" | "hpp" | "cxx" => "cpp",
        "java" => "java",
        "kt" => "kotlin",
        "rb" => "ruby",
        "lua" => "lua",
        "sql" => "sql",
        "html" => "html",
        "css" => "css",
        _ => "",
    }
}

/// A versioned workspace edit for one change: the editor refuses it if the document moved on.
pub fn workspace_edit(
    snapshot: &crate::snapshot::Snapshot,
    change: &crate::analysis::edits::TextChange,
) -> tower_lsp::lsp_types::WorkspaceEdit {
    use tower_lsp::lsp_types::{
        DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, TextDocumentEdit,
        TextEdit, WorkspaceEdit,
    };
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: snapshot.uri.clone(),
                version: Some(snapshot.version),
            },
            edits: vec![OneOf::Left(TextEdit {
                range: snapshot.range(change.range.clone()),
                new_text: change.new_text.clone(),
            })],
        }])),
        ..WorkspaceEdit::default()
    }
}

/// The client's diagnostics with `code` on exactly `range`: the ones a quick fix resolves.
pub fn diagnostics_on(
    diagnostics: &[tower_lsp::lsp_types::Diagnostic],
    range: tower_lsp::lsp_types::Range,
    code: &str,
) -> Vec<tower_lsp::lsp_types::Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| {
            d.range == range
                && d.code == Some(tower_lsp::lsp_types::NumberOrString::String(code.into()))
        })
        .cloned()
        .collect()
}
