//! An immutable view of one document and its surroundings at one version. Features read it
//! without holding any lock; ropes and plans are shared, so taking one is cheap.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use ropey::Rope;
use tower_lsp::lsp_types::{Position, Range, Url};

use crate::analysis::diagnostics::Finding;
use crate::document::position::{self, OutOfRange, PositionEncoding};
use crate::plan::template::Template;
use crate::plan::{PlaceholderSyntax, Plan};
use crate::settings::Settings;
use crate::workspace::disk::real_or_given;
use crate::workspace::files::FileFacts;

#[derive(Clone)]
pub struct Snapshot {
    pub uri: Url,
    pub version: i32,
    pub rope: Rope,
    pub plan: Arc<Plan>,
    pub template: Arc<Template>,
    pub settings: Arc<Settings>,
    pub syntax: Arc<PlaceholderSyntax>,
    pub encoding: PositionEncoding,
    /// Workspace folders, canonical.
    pub roots: Arc<Vec<PathBuf>>,
    pub files: Arc<FileFacts>,
    /// The workspace's code index, shared by every snapshot.
    pub code: Arc<crate::workspace::code::CodeIndex>,
    /// The document's path, for `file:` URIs.
    pub path: Option<PathBuf>,
    /// The `issue-drift` finding, from issues the server already fetched (never fetched here).
    pub issue_drift: Option<Finding>,
    /// Answers built once for this analysed version, shared by its snapshots.
    pub memo: Arc<VersionMemo>,
}

/// Answers that depend only on one analysed version of a document: built by the first request
/// that needs them, dropped with the version.
#[derive(Default)]
pub struct VersionMemo {
    /// The outline as JSON (what the client receives), with the position encoding it was built
    /// in.
    pub outline: OnceLock<(PositionEncoding, Arc<[u8]>)>,
}

impl Snapshot {
    /// The byte offset of a client position, or an error naming the bad position.
    pub fn offset(&self, pos: Position) -> Result<usize, OutOfRange> {
        position::position_to_byte(&self.rope, pos, self.encoding)
    }

    /// The LSP range of a byte range of this version.
    pub fn range(&self, bytes: std::ops::Range<usize>) -> Range {
        self.plan.lines.range(&self.plan.text, bytes, self.encoding)
    }

    pub fn text(&self) -> String {
        self.plan.text.to_string()
    }

    /// The roots references may resolve in: the workspace folders, or the document's folder
    /// when the client opened no folder.
    pub fn effective_roots(&self) -> Vec<PathBuf> {
        if !self.roots.is_empty() {
            return self.roots.to_vec();
        }
        self.path
            .as_ref()
            .and_then(|p| p.parent())
            .map(|d| vec![real_or_given(d)])
            .unwrap_or_default()
    }
}

/// The file path of a `file:` URI; other schemes have none.
pub fn uri_path(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() != "file" {
        return None;
    }
    uri.to_file_path().ok()
}
