//! Context gathering (`plan.gatherContext`): the offline counterpart of a codebase locator,
//! analyzer and thoughts locator. Ranks the workspace's source files for a plan's text — files
//! the text names first, then BM25 — lists tests apart, outlines the top files with
//! `path:line` references, and finds prior documents (other plans, ADRs, notes) that share its
//! terms. Each listed file says why it is there.

use std::sync::Arc;

use serde::Serialize;

use super::content::terms_of;
use super::disk::{Door, RealDisk};

use super::history::{history, History};
use super::index::{FileId, FileInfo, FileLanguage, WorkspaceIndex};
use super::mentions::{mentions, resolve};
use super::rank::{rank, Bm25, CoChange, RankQuery};
use super::symbols::{SymbolCache, SymbolKind};
use crate::settings::ResearchSettings;
use rustc_hash::FxHashMap;

/// Matching symbols named in a file's reason: enough to point into a long file.
const MAX_REASON_SYMBOLS: usize = 4;

/// Folder names whose files are tests, fixtures or snapshots.
const TEST_FOLDERS: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "testing",
    "__tests__",
    "spec",
    "fixture",
    "fixtures",
    "snapshots",
    "__snapshots__",
    "mocks",
];

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
    /// Source files to list (tests not counted).
    pub max_files: usize,
    /// Whether to list tests, fixtures and snapshots (under their own heading).
    pub include_tests: bool,
    /// Tests to list.
    pub max_tests: usize,
    /// Prior documents to list.
    pub max_documents: usize,
    /// Symbols per file outline.
    pub max_outline: usize,
}

impl ContextOptions {
    /// The defaults with the user's `research.*` settings.
    pub fn from_settings(settings: &ResearchSettings) -> Self {
        Self {
            max_files: settings.max_files,
            include_tests: settings.include_tests,
            ..Self::default()
        }
    }
}

impl Default for ContextOptions {
    fn default() -> Self {
        Self {
            max_files: 10,
            include_tests: true,
            max_tests: 5,
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
    /// BM25 score (0 for a named file that shares no term).
    pub score: f32,
    /// Whether the query names this file (a path, `path:line`, a stack-trace frame).
    pub named: bool,
    /// The line the query points at in it, when it names one.
    pub line: Option<u32>,
    /// Query terms it contains.
    pub matched: Vec<String>,
    /// Its symbols whose names contain a query term.
    pub symbols: Vec<String>,
    /// Whether past commits with messages like the text changed it.
    pub history: bool,
    /// The best hit it has often changed together with, when it has.
    pub changes_with: Option<String>,
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
    /// Whether the text names it (such documents come first).
    pub named: bool,
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
    /// Relevant tests, fixtures and snapshots, ranked apart from the sources.
    pub tests: Vec<RankedFile>,
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

/// Whether a file is a test, fixture, snapshot or generated file rather than a source a fix
/// would change.
pub fn is_test_like(info: &FileInfo) -> bool {
    let name = info.name;
    let stem = name.split('.').next().unwrap_or(name);
    info.dir
        .split('/')
        .any(|part| TEST_FOLDERS.contains(&part.to_ascii_lowercase().as_str()))
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem == "tests"
        || stem == "conftest"
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with(".pb.go")
        || stem.ends_with("_generated")
        || stem.starts_with("zz_generated")
}

/// The best hits whose co-changes count: the head of the list, where a fix most likely is.
const CO_CHANGE_HITS: usize = 3;

/// One ranked candidate before it is described: the file, its score, the terms it matched,
/// whether the text names it and the line it points at.
type Candidate = (FileId, f32, Vec<String>, bool, Option<u32>);

/// Gathers context for `query` (the plan's issue text and headings). `exclude` is the plan
/// itself, which should not be its own prior document.
pub fn gather_context(
    index: &WorkspaceIndex,
    symbols: &SymbolCache,
    query: &str,
    exclude: Option<FileId>,
    options: &ContextOptions,
) -> GatheredContext {
    let (named, rest_of_text) = named_files(index, query, exclude);
    let histories: Vec<Option<Arc<History>>> = index.roots().iter().map(|r| history(r)).collect();
    let mut query = RankQuery::new(index, &rest_of_text);
    query.set_history(history_votes(index, &histories, &rest_of_text));
    let is_source =
        |info: &FileInfo| info.kind.is_source() && Some(info.id) != exclude && !is_test_like(info);
    // Files that change with the best hits: a first ranking says which hits those are.
    let co_changes = if histories.iter().any(Option::is_some) {
        let hits = candidates(index, &query, &named, is_source, CO_CHANGE_HITS);
        co_changes(index, &histories, &hits)
    } else {
        FxHashMap::default()
    };
    query.set_co_changes(co_changes.iter().map(|(&f, (co, _))| (f, *co)).collect());
    let terms: Vec<String> = query.terms(index).take(12).map(str::to_owned).collect();
    let gather = |tests: bool, limit: usize| -> Vec<RankedFile> {
        let keep = |info: &FileInfo| {
            info.kind.is_source() && Some(info.id) != exclude && is_test_like(info) == tests
        };
        candidates(index, &query, &named, keep, limit)
            .into_iter()
            .filter_map(|(file, score, matched, named, line)| {
                let info = index.file(file)?;
                let outline = outline(index, symbols, file, &terms, options.max_outline);
                Some(RankedFile {
                    path: info.rel_path(),
                    score,
                    named,
                    line,
                    symbols: matching_symbols(&outline, &terms, query.defined_in(file)),
                    history: query.history_vote(file) > 0.0,
                    changes_with: co_changes.get(&file).map(|(_, with)| with.clone()),
                    matched,
                    outline,
                })
            })
            .collect()
    };
    let files = gather(false, options.max_files);
    let tests = if options.include_tests {
        gather(true, options.max_tests)
    } else {
        Vec::new()
    };
    let is_document = |info: &FileInfo| is_prior_document(info) && Some(info.id) != exclude;
    let documents = candidates(index, &query, &named, is_document, options.max_documents)
        .into_iter()
        .filter_map(|(file, score, matched, named, _)| {
            Some(PriorDocument {
                path: index.file(file)?.rel_path(),
                title: index.abs_path(file).and_then(|p| first_heading(index, &p)),
                score,
                named,
                matched,
            })
        })
        .collect();
    GatheredContext {
        terms,
        files,
        tests,
        documents,
    }
}

/// The files `keep` accepts, best first, at most `limit`: the ones the text names first (in
/// its order), then the rest by score.
fn candidates(
    index: &WorkspaceIndex,
    query: &RankQuery,
    named: &[(FileId, Option<u32>)],
    keep: impl Fn(&FileInfo) -> bool,
    limit: usize,
) -> Vec<Candidate> {
    let pinned: Vec<(FileId, Option<u32>)> = named
        .iter()
        .copied()
        .filter(|(id, _)| index.file(*id).is_some_and(|info| keep(&info)))
        .take(limit)
        .collect();
    let is_pinned = |file: FileId| pinned.iter().any(|(id, _)| *id == file);
    let mut scored_pins = rank(
        index,
        query,
        Bm25::default(),
        |info| is_pinned(info.id),
        pinned.len(),
    );
    let mut out: Vec<Candidate> = pinned
        .iter()
        .map(|&(file, line)| {
            let at = scored_pins.iter().position(|r| r.file == file);
            let (score, matched) = at.map_or((0.0, Vec::new()), |at| {
                let r = scored_pins.swap_remove(at);
                (r.score, r.matched)
            });
            (file, score, matched, true, line)
        })
        .collect();
    let rest = rank(
        index,
        query,
        Bm25::default(),
        |info| keep(info) && !is_pinned(info.id),
        limit - pinned.len(),
    );
    out.extend(
        rest.into_iter()
            .map(|r| (r.file, r.score, r.matched, false, None)),
    );
    out
}

/// Votes of the workspace folders' git histories for their files (none outside git).
fn history_votes(
    index: &WorkspaceIndex,
    histories: &[Option<Arc<History>>],
    text: &str,
) -> FxHashMap<FileId, f32> {
    let mut words = terms_of(text);
    words.sort_unstable();
    words.dedup();
    let mut out = FxHashMap::default();
    for (root_ix, history) in histories.iter().enumerate() {
        let Some(history) = history else {
            continue;
        };
        for (path, vote) in history.votes(&words) {
            if let Some(file) = index.lookup(root_ix, &path) {
                out.insert(file, vote);
            }
        }
    }
    out
}

/// Files that change together with `hits` in their folder's history, with the association,
/// the lowest score of the hits as their ceiling (a hit the text names has none: it is listed
/// first anyway) and the hit they go with.
fn co_changes(
    index: &WorkspaceIndex,
    histories: &[Option<Arc<History>>],
    hits: &[Candidate],
) -> FxHashMap<FileId, (CoChange, String)> {
    let ceiling = hits
        .iter()
        .map(|&(_, score, _, named, _)| if named { f32::INFINITY } else { score })
        .fold(f32::INFINITY, f32::min);
    let mut out = FxHashMap::default();
    for (root_ix, history) in histories.iter().enumerate() {
        let Some(history) = history else {
            continue;
        };
        let paths: Vec<String> = hits
            .iter()
            .filter_map(|hit| index.file(hit.0))
            .filter(|info| info.root == root_ix)
            .map(|info| info.rel_path())
            .collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        for (path, (association, with)) in history.co_changes(&paths) {
            if let Some(file) = index.lookup(root_ix, &path) {
                out.insert(
                    file,
                    (
                        CoChange {
                            association,
                            ceiling,
                        },
                        with,
                    ),
                );
            }
        }
    }
    out
}

/// The files the text names, in the order it names them, with the line it points at; and the
/// text without the names that resolved, so `src`, `rs` and folder words do not also rank
/// every file under them.
fn named_files(
    index: &WorkspaceIndex,
    text: &str,
    exclude: Option<FileId>,
) -> (Vec<(FileId, Option<u32>)>, String) {
    let mut out: Vec<(FileId, Option<u32>)> = Vec::new();
    let mut rest = text.to_owned();
    for mention in mentions(text) {
        let files = resolve(index, &mention);
        if !files.is_empty() {
            // Mentions are ASCII, so the span is whole characters; blanks keep later spans valid.
            rest.replace_range(mention.span.clone(), &" ".repeat(mention.span.len()));
        }
        for file in files {
            if Some(file) != exclude && !out.iter().any(|(f, _)| *f == file) {
                out.push((file, mention.line));
            }
        }
    }
    (out, rest)
}

/// The code names the text spells out that the file defines, then the outline entries whose
/// names contain a query term: which part of the file matched.
fn matching_symbols(outline: &[OutlineEntry], terms: &[String], defined: &[String]) -> Vec<String> {
    let mut out: Vec<String> = defined.to_vec();
    for entry in outline {
        let lower = entry.name.to_ascii_lowercase();
        let named = out.iter().any(|d| entry.name.ends_with(d.as_str()));
        if !named && terms.iter().any(|t| lower.contains(t.as_str())) {
            out.push(entry.name.clone());
        }
    }
    out.truncate(MAX_REASON_SYMBOLS);
    out
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
        if self.files.is_empty() && self.tests.is_empty() && self.documents.is_empty() {
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
                file.push_markdown(from_dir, &mut out);
            }
        }
        if !self.tests.is_empty() {
            if !self.files.is_empty() {
                out.push('\n');
            }
            out.push_str("**Related tests**\n\n");
            for file in &self.tests {
                file.push_markdown(from_dir, &mut out);
            }
        }
        if !self.documents.is_empty() {
            if !self.files.is_empty() || !self.tests.is_empty() {
                out.push('\n');
            }
            out.push_str("**Prior documents**\n\n");
            for doc in &self.documents {
                let link = relative_link(from_dir, &doc.path);
                match &doc.title {
                    Some(title) => out.push_str(&format!("- [{title}]({link}) — `{}`", doc.path)),
                    None => out.push_str(&format!("- [`{}`]({link})", doc.path)),
                }
                let mut why: Vec<String> = Vec::new();
                if doc.named {
                    why.push("named in the text".to_owned());
                }
                if !doc.matched.is_empty() {
                    why.push(format!("matches {}", doc.matched.join(", ")));
                }
                if !why.is_empty() {
                    out.push_str(&format!(" — {}", why.join("; ")));
                }
                out.push('\n');
            }
        }
        out
    }
}

impl RankedFile {
    /// Why this file is listed, in words: named by the text, matched terms, matching symbols.
    pub fn reason(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.named {
            parts.push(match self.line {
                Some(line) => format!("named in the text (line {line})"),
                None => "named in the text".to_owned(),
            });
        }
        if !self.matched.is_empty() {
            parts.push(format!("matches {}", self.matched.join(", ")));
        }
        if !self.symbols.is_empty() {
            let names: Vec<String> = self.symbols.iter().map(|s| format!("`{s}`")).collect();
            parts.push(format!("in {}", names.join(", ")));
        }
        if self.history {
            parts.push("changed by past commits like this".to_owned());
        }
        if let Some(with) = &self.changes_with {
            parts.push(format!("often changed with `{with}`"));
        }
        parts.join("; ")
    }

    fn push_markdown(&self, from_dir: &str, out: &mut String) {
        let link = relative_link(from_dir, &self.path);
        out.push_str(&format!("- [`{}`]({link})", self.path));
        let reason = self.reason();
        if !reason.is_empty() {
            out.push_str(&format!(" — {reason}"));
        }
        out.push('\n');
        for entry in &self.outline {
            out.push_str(&format!(
                "  - {} `{}` — [{}:{}]({link}#L{})\n",
                entry.kind.label(),
                entry.name,
                self.path,
                entry.line,
                entry.line
            ));
        }
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

    fn paths(files: &[RankedFile]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    /// A parser with its tests, fixtures and snapshots all saying "parser".
    fn parser_workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/parser.rs", "pub fn parse_header() {}\n");
        write(root, "src/lexer.rs", "pub fn header_token() {}\n");
        write(root, "src/parser_test.go", "func TestParserHeader() {}\n");
        write(
            root,
            "tests/parser_header.rs",
            "fn parser_header_parser() {}\n",
        );
        write(root, "tests/fixtures/header.py", "parser = header = 1\n");
        write(
            root,
            "src/test_parser.py",
            "def test_parser_header(): pass\n",
        );
        write(root, "src/deep/unrelated.rs", "fn nothing_here() {}\n");
        dir
    }

    #[test]
    fn tests_fixtures_and_snapshots_are_ranked_apart_after_the_sources() {
        let dir = parser_workspace();
        let index = WorkspaceIndex::build(vec![dir.path().to_path_buf()], IndexOptions::default());
        let symbols = SymbolCache::new();
        let query = "The parser rejects a valid header";
        let ctx = gather_context(&index, &symbols, query, None, &ContextOptions::default());
        assert_eq!(paths(&ctx.files), ["src/parser.rs", "src/lexer.rs"]);
        let mut tests = paths(&ctx.tests);
        tests.sort_unstable();
        assert_eq!(
            tests,
            [
                "src/parser_test.go",
                "src/test_parser.py",
                "tests/fixtures/header.py",
                "tests/parser_header.rs"
            ]
        );
        let md = ctx.to_markdown("");
        let sources_at = md.find("**Relevant files**").unwrap();
        let tests_at = md.find("**Related tests**").unwrap();
        assert!(sources_at < tests_at, "{md}");
        assert!(md[tests_at..].contains("tests/parser_header.rs"), "{md}");
        assert!(!md[..tests_at].contains("tests/"), "{md}");

        let without = ContextOptions {
            include_tests: false,
            ..ContextOptions::default()
        };
        let ctx = gather_context(&index, &symbols, query, None, &without);
        assert!(ctx.tests.is_empty());
        assert!(!ctx.to_markdown("").contains("Related tests"));
        let one = ContextOptions {
            max_files: 1,
            max_tests: 1,
            ..ContextOptions::default()
        };
        let ctx = gather_context(&index, &symbols, query, None, &one);
        assert_eq!((ctx.files.len(), ctx.tests.len()), (1, 1));
    }

    #[test]
    fn files_the_text_names_come_first_with_their_line() {
        let dir = parser_workspace();
        let index = WorkspaceIndex::build(vec![dir.path().to_path_buf()], IndexOptions::default());
        let query = "The parser panics:\nthread 'main' panicked at src/deep/unrelated.rs:42:7\n\
            and see tests/parser_header.rs";
        let ctx = gather_context(
            &index,
            &SymbolCache::new(),
            query,
            None,
            &ContextOptions::default(),
        );
        assert_eq!(
            paths(&ctx.files)[..2],
            ["src/deep/unrelated.rs", "src/parser.rs"]
        );
        let named = &ctx.files[0];
        assert!(named.named && named.line == Some(42) && named.matched.is_empty());
        assert!(!ctx.files[1].named);
        assert_eq!(
            ctx.tests[0].path, "tests/parser_header.rs",
            "named tests lead the tests"
        );
        let md = ctx.to_markdown("");
        assert!(
            md.contains("- [`src/deep/unrelated.rs`](src/deep/unrelated.rs) — named in the text (line 42)\n"),
            "{md}"
        );
    }

    #[test]
    fn each_listed_file_says_why() {
        let dir = parser_workspace();
        let index = WorkspaceIndex::build(vec![dir.path().to_path_buf()], IndexOptions::default());
        let ctx = gather_context(
            &index,
            &SymbolCache::new(),
            "parse the header",
            None,
            &ContextOptions::default(),
        );
        let parser = ctx
            .files
            .iter()
            .find(|f| f.path == "src/parser.rs")
            .unwrap();
        assert_eq!(parser.symbols, ["parse_header"]);
        let reason = parser.reason();
        assert!(reason.starts_with("matches "), "{reason}");
        assert!(
            reason.contains("header") && reason.ends_with("in `parse_header`"),
            "{reason}"
        );
        assert!(ctx
            .to_markdown("")
            .contains(&format!("(src/parser.rs) — {reason}\n")));
    }

    fn git(dir: &std::path::Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap()
            .status;
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn files_past_commits_like_the_text_changed_rank_higher_and_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        write(root, "src/store.rs", "fn keep() {}\n");
        write(root, "src/report.rs", "fn render() {}\n");
        write(
            root,
            "src/sorting.rs",
            "// keeps things in order\nfn sort() {}\n",
        );
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "Start"]);
        write(root, "src/store.rs", "fn keep() { drop_oldest() }\n");
        git(
            root,
            &[
                "commit",
                "-q",
                "-am",
                "Eviction drops the oldest entries first",
            ],
        );
        write(root, "src/report.rs", "fn render() { title() }\n");
        git(root, &["commit", "-q", "-am", "Report gets a title"]);
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let ctx = gather_context(
            &index,
            &SymbolCache::new(),
            "Eviction order of entries is wrong",
            None,
            &ContextOptions::default(),
        );
        assert_eq!(paths(&ctx.files), ["src/store.rs", "src/sorting.rs"]);
        assert!(ctx.files[0].history && !ctx.files[1].history);
        assert!(ctx.files[0].matched.is_empty(), "history alone found it");
        assert!(ctx
            .to_markdown("")
            .contains("changed by past commits like this"));
    }

    #[test]
    fn files_that_change_with_the_best_hits_are_listed_and_say_with_which() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        write(root, "src/parser.rs", "fn parse_header() {}\n");
        write(root, "src/lonely.rs", "struct Lonely;\n");
        git(root, &["add", "."]);
        git(root, &["commit", "-q", "-m", "Start"]);
        for (k, also) in [(1, "src/ast.rs"), (2, "src/ast.rs"), (3, "src/once.rs")] {
            write(
                root,
                "src/parser.rs",
                &format!("fn parse_header() {{ {k} }}\n"),
            );
            write(root, also, &format!("struct Node{k};\n"));
            git(root, &["add", "."]);
            git(root, &["commit", "-q", "-m", "Refactor"]);
        }
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let ctx = gather_context(
            &index,
            &SymbolCache::new(),
            "The header is parsed twice",
            None,
            &ContextOptions::default(),
        );
        assert_eq!(
            paths(&ctx.files),
            ["src/parser.rs", "src/ast.rs"],
            "once.rs shares one commit"
        );
        let ast = &ctx.files[1];
        assert_eq!(ast.changes_with.as_deref(), Some("src/parser.rs"));
        assert!(
            ast.matched.is_empty() && !ast.history,
            "co-change alone found it"
        );
        assert_eq!(
            ctx.files[0].changes_with, None,
            "parser.rs changed with no hit"
        );
        assert!(ctx
            .to_markdown("")
            .contains("(src/ast.rs) — often changed with `src/parser.rs`\n"));
    }

    #[test]
    fn prior_documents_are_ranked_like_files_and_those_the_text_names_lead() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/cache.rs", "fn evict() {}\n");
        write(
            root,
            "docs/adr/0001-eviction.md",
            "# LRU eviction\n\nEviction drops the least recently used entry; eviction runs when full.\n",
        );
        write(
            root,
            "docs/notes/aging.md",
            "# Notes\n\nWe evicted old items by age.\n",
        );
        write(
            root,
            "docs/adr/0002-logging.md",
            "# Logging\n\nLog lines are JSON.\n",
        );
        write(root, "notes.md", "eviction eviction eviction\n");
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let gather = |text: &str| {
            gather_context(
                &index,
                &SymbolCache::new(),
                text,
                None,
                &ContextOptions::default(),
            )
        };
        let ctx = gather("Eviction of cache entries");
        let docs: Vec<&str> = ctx.documents.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            docs,
            ["docs/adr/0001-eviction.md", "docs/notes/aging.md"],
            "a word form (`evicted`) counts; a root note is no prior document; logging is unrelated"
        );
        assert!(
            ctx.files.iter().all(|f| !f.path.ends_with(".md")),
            "shown apart from code"
        );
        let ctx = gather("Eviction of cache entries, as decided in docs/adr/0002-logging.md");
        assert_eq!(ctx.documents[0].path, "docs/adr/0002-logging.md");
        assert!(ctx.documents[0].named && !ctx.documents[1].named);
        let md = ctx.to_markdown("");
        let docs_at = md.find("**Prior documents**").unwrap();
        assert!(
            md[docs_at..].contains("- [Logging](docs/adr/0002-logging.md) — `docs/adr/0002-logging.md` — named in the text\n"),
            "{md}"
        );
        assert!(
            md[docs_at..].contains("0001-eviction.md` — matches entry, eviction\n"),
            "{md}"
        );
    }

    #[test]
    fn settings_choose_how_many_files_and_whether_tests_are_listed() {
        let settings = ResearchSettings {
            max_files: 3,
            include_tests: false,
        };
        let options = ContextOptions::from_settings(&settings);
        assert_eq!((options.max_files, options.include_tests), (3, false));
        assert_eq!(ContextOptions::default().max_files, 10);
    }
}
