//! Context gathering (`plan.gatherContext`): the offline counterpart of a codebase locator,
//! analyzer and thoughts locator. Ranks the workspace's source files for a plan's text,
//! outlines the top ones with `path:line` references, and finds prior documents (other plans,
//! ADRs, notes) that share its terms.

use serde::Serialize;

use super::disk::{Door, RealDisk};
use super::index::{FileId, FileInfo, FileLanguage, WorkspaceIndex};
use super::rank::{rank, Bm25, RankQuery};
use super::symbols::{SymbolCache, SymbolKind};

/// Folder names whose Markdown files are prior documents.
const DOCUMENT_FOLDERS: &[&str] = &[
    "docs",
    "doc",
    "plans",
    "thoughts",
    "adr",
    "adrs",
    "decisions",
    "notes",
    "rfcs",
    "design",
];

/// How much to gather.
#[derive(Clone, Debug)]
pub struct ContextOptions {
    /// Source files to list.
    pub max_files: usize,
    /// Prior documents to list.
    pub max_documents: usize,
    /// Symbols per file outline.
    pub max_outline: usize,
}

impl Default for ContextOptions {
    fn default() -> Self {
        Self {
            max_files: 8,
            max_documents: 6,
            max_outline: 10,
        }
    }
}

/// One symbol line of a file outline.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlineEntry {
    /// Name with its enclosing type for methods (`Document::apply_change`).
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// One-based line.
    pub line: u32,
    /// The definition head.
    pub signature: String,
}

/// A relevant source file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedFile {
    /// Path relative to its workspace folder.
    pub path: String,
    /// BM25 score.
    pub score: f32,
    /// Query terms it contains.
    pub matched: Vec<String>,
    /// Its main symbols, matching ones first.
    pub outline: Vec<OutlineEntry>,
}

/// A prior plan, ADR or note.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorDocument {
    /// Path relative to its workspace folder.
    pub path: String,
    /// Its first heading, when it has one.
    pub title: Option<String>,
    /// BM25 score.
    pub score: f32,
    /// Query terms it contains.
    pub matched: Vec<String>,
}

/// The result of gathering: data for the LLM commands and a Markdown rendering for the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatheredContext {
    /// The query terms the workspace knows, most informative first.
    pub terms: Vec<String>,
    /// Relevant source files.
    pub files: Vec<RankedFile>,
    /// Prior documents.
    pub documents: Vec<PriorDocument>,
}

/// Whether a file is a prior document: Markdown under a documents folder, or a `*.plan.md`.
pub fn is_prior_document(info: &FileInfo) -> bool {
    info.kind == FileLanguage::Markdown
        && (info.name.ends_with(".plan.md")
            || info
                .dir
                .split('/')
                .any(|part| DOCUMENT_FOLDERS.contains(&part.to_ascii_lowercase().as_str())))
}

/// Gathers context for `query` (the plan's issue text and headings). `exclude` is the plan
/// itself, which should not be its own prior document.
pub fn gather_context(
    index: &WorkspaceIndex,
    symbols: &SymbolCache,
    query: &str,
    exclude: Option<FileId>,
    options: &ContextOptions,
) -> GatheredContext {
    let query = RankQuery::new(index, query);
    let terms: Vec<String> = query.terms(index).take(12).map(str::to_owned).collect();
    let ranked_files = rank(
        index,
        &query,
        Bm25::default(),
        |info| info.kind.is_source() && Some(info.id) != exclude,
        options.max_files,
    );
    let files = ranked_files
        .into_iter()
        .filter_map(|ranked| {
            let info = index.file(ranked.file)?;
            Some(RankedFile {
                path: info.rel_path(),
                score: ranked.score,
                outline: outline(index, symbols, ranked.file, &terms, options.max_outline),
                matched: ranked.matched,
            })
        })
        .collect();
    let documents = rank(
        index,
        &query,
        Bm25::default(),
        |info| is_prior_document(info) && Some(info.id) != exclude,
        options.max_documents,
    )
    .into_iter()
    .filter_map(|ranked| {
        Some(PriorDocument {
            path: index.file(ranked.file)?.rel_path(),
            title: index
                .abs_path(ranked.file)
                .and_then(|p| first_heading(index, &p)),
            score: ranked.score,
            matched: ranked.matched,
        })
    })
    .collect();
    GatheredContext {
        terms,
        files,
        documents,
    }
}

fn outline(
    index: &WorkspaceIndex,
    symbols: &SymbolCache,
    file: FileId,
    terms: &[String],
    limit: usize,
) -> Vec<OutlineEntry> {
    let Some(parsed) = symbols.file_symbols(index, file) else {
        return Vec::new();
    };
    let mut picked: Vec<(bool, usize)> = parsed
        .symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let lower = s.name.to_ascii_lowercase();
            (terms.iter().any(|t| lower.contains(t.as_str())), i)
        })
        .collect();
    // Matching symbols first, then the rest in source order; shown in source order.
    picked.sort_by_key(|&(hit, i)| (!hit, i));
    picked.truncate(limit);
    picked.sort_by_key(|&(_, i)| i);
    let kind = index.file(file).map_or(FileLanguage::Other, |f| f.kind);
    let sep = super::symbols::separator(kind);
    picked
        .into_iter()
        .map(|(_, i)| {
            let s = &parsed.symbols[i];
            let name = if s.kind == SymbolKind::Method {
                let parts: Vec<&str> = s.qualified.rsplit(sep).take(2).collect();
                parts.into_iter().rev().collect::<Vec<_>>().join(sep)
            } else {
                s.name.clone()
            };
            OutlineEntry {
                name,
                kind: s.kind,
                line: s.range.start_line + 1,
                signature: s.signature.clone(),
            }
        })
        .collect()
}

fn first_heading(index: &WorkspaceIndex, path: &std::path::Path) -> Option<String> {
    let door = Door::new(&RealDisk, index.roots(), index.options().max_file_bytes);
    let contents = door.read(path).ok()?;
    contents
        .text()
        .lines()
        .find_map(|line| line.strip_prefix("# "))
        .map(|t| t.trim().to_owned())
}

/// A link from the directory `from_dir` to `target` (both relative to the same root).
pub fn relative_link(from_dir: &str, target: &str) -> String {
    let from: Vec<&str> = from_dir.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

impl GatheredContext {
    /// Markdown for the plan's **Status quo** section; links are relative to `from_dir` (the
    /// plan's directory relative to the workspace folder) and symbol lines are `path:line`.
    pub fn to_markdown(&self, from_dir: &str) -> String {
        let mut out = String::new();
        if self.files.is_empty() && self.documents.is_empty() {
            out.push_str("_No files or documents in the workspace match this plan's terms._\n");
            return out;
        }
        if !self.files.is_empty() {
            out.push_str("**Relevant files**");
            if !self.terms.is_empty() {
                out.push_str(&format!(" (ranked for: {})", self.terms.join(", ")));
            }
            out.push_str("\n\n");
            for file in &self.files {
                let link = relative_link(from_dir, &file.path);
                out.push_str(&format!("- [`{}`]({link})", file.path));
                if !file.matched.is_empty() {
                    out.push_str(&format!(" — {}", file.matched.join(", ")));
                }
                out.push('\n');
                for entry in &file.outline {
                    out.push_str(&format!(
                        "  - {} `{}` — [{}:{}]({link}#L{})\n",
                        entry.kind.label(),
                        entry.name,
                        file.path,
                        entry.line,
                        entry.line
                    ));
                }
            }
        }
        if !self.documents.is_empty() {
            if !self.files.is_empty() {
                out.push('\n');
            }
            out.push_str("**Prior documents**\n\n");
            for doc in &self.documents {
                let link = relative_link(from_dir, &doc.path);
                match &doc.title {
                    Some(title) => out.push_str(&format!("- [{title}]({link}) — `{}`", doc.path)),
                    None => out.push_str(&format!("- [`{}`]({link})", doc.path)),
                }
                if !doc.matched.is_empty() {
                    out.push_str(&format!(" — {}", doc.matched.join(", ")));
                }
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::index::IndexOptions;

    fn write(root: &std::path::Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn gathers_ranked_outlined_files_and_prior_documents() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/cache/eviction.rs",
            "//! Cache eviction policies.\npub struct LruCache;\nimpl LruCache {\n    pub fn evict(&mut self) {}\n}\npub fn unrelated_helper() {}\n",
        );
        write(root, "src/http.rs", "pub fn serve() {}\n");
        write(
            root,
            "docs/adr/0003-cache.md",
            "# Bounded cache with LRU eviction\n\nWe evict the least recently used entry.\n",
        );
        write(
            root,
            "plans/cache.plan.md",
            "# Plan: cache eviction\n\n## Status quo\n",
        );
        write(root, "README.md", "cache eviction everywhere\n");
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let symbols = SymbolCache::new();
        let plan = index.lookup(0, "plans/cache.plan.md");
        let ctx = gather_context(
            &index,
            &symbols,
            "Evict entries from the LRU cache when it is full",
            plan,
            &ContextOptions::default(),
        );
        assert_eq!(ctx.files[0].path, "src/cache/eviction.rs");
        assert!(ctx.files.iter().all(|f| f.path != "src/http.rs"));
        let outline: Vec<(&str, u32)> = ctx.files[0]
            .outline
            .iter()
            .map(|e| (e.name.as_str(), e.line))
            .collect();
        assert_eq!(
            outline,
            [
                ("LruCache", 2),
                ("LruCache::evict", 4),
                ("unrelated_helper", 6)
            ]
        );
        let docs: Vec<&str> = ctx.documents.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            docs,
            ["docs/adr/0003-cache.md"],
            "not README, not the plan itself"
        );
        assert_eq!(
            ctx.documents[0].title.as_deref(),
            Some("Bounded cache with LRU eviction")
        );

        let md = ctx.to_markdown("plans");
        assert!(
            md.contains("- [`src/cache/eviction.rs`](../src/cache/eviction.rs)"),
            "{md}"
        );
        assert!(
            md.contains(
                "method `LruCache::evict` — [src/cache/eviction.rs:4](../src/cache/eviction.rs#L4)"
            ),
            "{md}"
        );
        assert!(
            md.contains("- [Bounded cache with LRU eviction](../docs/adr/0003-cache.md)"),
            "{md}"
        );
        let json = serde_json::to_value(&ctx).unwrap();
        assert_eq!(json["files"][0]["outline"][1]["kind"], "method");
    }

    #[test]
    fn nothing_matching_says_so() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "src/a.rs", "fn a() {}\n");
        let index = WorkspaceIndex::build(vec![dir.path().to_path_buf()], IndexOptions::default());
        let ctx = gather_context(
            &index,
            &SymbolCache::new(),
            "quantum",
            None,
            &Default::default(),
        );
        assert!(ctx.files.is_empty() && ctx.documents.is_empty());
        assert!(ctx.to_markdown("").starts_with("_No files"));
    }

    #[test]
    fn relative_links_climb_out_of_the_plan_folder() {
        assert_eq!(relative_link("docs/plans", "src/a.rs"), "../../src/a.rs");
        assert_eq!(relative_link("", "src/a.rs"), "src/a.rs");
        assert_eq!(relative_link("src", "src/a.rs"), "a.rs");
    }
}
