//! An immutable view of one document and its surroundings at one version. Features read it
//! without holding any lock; ropes and plans are shared, so taking one is cheap.

use std::path::PathBuf;
use std::sync::Arc;

use ropey::Rope;
use tower_lsp::lsp_types::{Position, Range, Url};

use crate::analysis::diagnostics::{self, AnalysisContext, Finding};
use crate::document::position::{self, OutOfRange, PositionEncoding};
use crate::plan::template::Template;
use crate::plan::{PlaceholderSyntax, Plan};
use crate::settings::Settings;
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
            .map(|d| vec![std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf())])
            .unwrap_or_default()
    }

    /// Every finding for this version, with the configured severities.
    pub fn findings(&self) -> Vec<Finding> {
        let roots = self.effective_roots();
        let ctx = AnalysisContext {
            plan: &self.plan,
            template: &self.template,
            document_path: self.path.as_deref(),
            roots: &roots,
            files: &self.files,
            code: &self.code,
        };
        let mut findings = diagnostics::diagnose(&ctx);
        for f in findings
            .iter_mut()
            .filter(|f| f.code == "broken-link" || f.code == "planned-file")
        {
            let path = f.data["path"].as_str().unwrap_or_default().to_owned();
            if crate::features::code_refs::deleted_since_commit(self, &path) {
                *f = Finding::new(
                    "stale-reference",
                    f.range.clone(),
                    format!("{path} was deleted or moved since this plan was last committed"),
                    serde_json::json!({}),
                );
            }
        }
        findings.extend(crate::commands::drift_finding(&self.plan, &self.settings));
        let code_findings = crate::features::code_refs::findings(self);
        // Lines past the end of a file that git shows were there when the plan was committed
        // are drift (`stale-reference`, with its fix), not a wrong line.
        findings.retain(|f| {
            f.code != "line-out-of-range"
                || !code_findings
                    .iter()
                    .any(|s| s.code == "stale-reference" && s.range == f.range)
        });
        findings.extend(code_findings);
        findings.sort_by_key(|f| (f.range.start, f.range.end));
        diagnostics::apply_severity(findings, &self.settings)
    }
}

/// The file path of a `file:` URI; other schemes have none.
pub fn uri_path(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() != "file" {
        return None;
    }
    uri.to_file_path().ok()
}
