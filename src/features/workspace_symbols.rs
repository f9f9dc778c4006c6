//! Workspace symbols: the sections and open placeholders of every plan in the workspace, so a
//! user can jump to any open question across plans, and the code's definitions whose names
//! start with the query (from the code index). Plans on disk are parsed once per modification
//! time; open plans are read from their live snapshot.

use std::collections::HashMap;
use std::path::PathBuf;

use tower_lsp::lsp_types::{Location, SymbolInformation, SymbolKind, Url};

use crate::document::position::{byte_range_to_range, PositionEncoding};
use crate::document::Document;
use crate::plan::{PlaceholderSyntax, Plan};
use crate::snapshot::Snapshot;
use crate::workspace::code::{CodeIndex, SummaryCache};
use crate::workspace::disk::Door;

/// Most symbols answered at once.
const MAX_SYMBOLS: usize = 500;
/// Most code definitions answered, and most definitions looked up per defined name.
const MAX_CODE_SYMBOLS: usize = 100;
const MAX_PER_NAME: usize = 5;

/// One plan's sections and placeholders, ready to filter.
#[derive(Debug, Default)]
pub struct PlanDigest {
    entries: Vec<SymbolInformation>,
}

#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn digest(
    uri: &Url,
    label: &str,
    plan: &Plan,
    rope: &ropey::Rope,
    enc: PositionEncoding,
) -> PlanDigest {
    let location = |range: std::ops::Range<usize>| Location {
        uri: uri.clone(),
        range: byte_range_to_range(rope, range, enc),
    };
    let mut entries: Vec<SymbolInformation> = plan
        .sections
        .iter()
        .filter(|s| !s.title.is_empty())
        .map(|s| SymbolInformation {
            name: s.title.to_string(),
            kind: SymbolKind::STRING,
            tags: None,
            deprecated: None,
            location: location(s.heading.clone()),
            container_name: Some(label.to_owned()),
        })
        .collect();
    entries.extend(plan.placeholders.iter().map(|p| {
        let section = p
            .section
            .map(|s| plan.sections[s].title.as_ref())
            .unwrap_or_default();
        SymbolInformation {
            name: if p.question.is_empty() {
                p.id.clone()
            } else {
                format!("{}: {}", p.id, p.question)
            },
            kind: SymbolKind::KEY,
            tags: None,
            deprecated: None,
            location: location(p.range.clone()),
            container_name: Some(if section.is_empty() {
                label.to_owned()
            } else {
                format!("{label} › {section}")
            }),
        }
    }));
    PlanDigest { entries }
}

fn digest_of_file(
    door: &Door,
    path: &PathBuf,
    label: &str,
    syntax: &PlaceholderSyntax,
    enc: PositionEncoding,
) -> Option<PlanDigest> {
    let text = door.read_whole_text(path).ok()?;
    let uri = Url::from_file_path(path).ok()?;
    let document = Document::new(&text, 0);
    let plan = Plan::parse(&text, syntax);
    Some(digest(&uri, label, &plan, &document.rope, enc))
}

/// Whether every character of `query` appears in `name` in order, ignoring case.
fn fuzzy_matches(name: &str, query: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|q| chars.any(|c| c == q))
}

/// Sections and placeholders of every plan whose name matches `query`.
pub fn workspace_symbols(
    door: &Door,
    code: &CodeIndex,
    digests: &SummaryCache<PlanDigest>,
    open: &[Snapshot],
    syntax: &PlaceholderSyntax,
    enc: PositionEncoding,
    query: &str,
) -> Vec<SymbolInformation> {
    let mut out = Vec::new();
    let keep = |entries: &[SymbolInformation], out: &mut Vec<SymbolInformation>| {
        out.extend(
            entries
                .iter()
                .filter(|e| fuzzy_matches(&e.name, query))
                .cloned(),
        );
    };
    let open_paths: Vec<PathBuf> = open.iter().filter_map(|s| s.path.clone()).collect();
    for snapshot in open {
        let label = snapshot
            .path
            .as_ref()
            .and_then(|p| code.locate(p))
            .map_or_else(|| snapshot.uri.to_string(), |(_, rel)| rel);
        let d = digest(
            &snapshot.uri,
            &label,
            &snapshot.plan,
            &snapshot.rope,
            snapshot.encoding,
        );
        keep(&d.entries, &mut out);
    }
    for (file, path, mtime) in code.markdown_files() {
        if out.len() >= MAX_SYMBOLS {
            break;
        }
        if open_paths.contains(&path) {
            continue;
        }
        let label = code.locate(&path).map_or_else(String::new, |(_, rel)| rel);
        if let Some(d) = digests.get_or_insert(file, mtime, || {
            digest_of_file(door, &path, &label, syntax, enc)
        }) {
            keep(&d.entries, &mut out);
        }
    }
    out.truncate(MAX_SYMBOLS - MAX_CODE_SYMBOLS);
    out.extend(code_symbols(door, code, enc, query));
    out.truncate(MAX_SYMBOLS);
    out
}

/// The LSP kind of a code definition.
fn lsp_kind(kind: crate::workspace::symbols::SymbolKind) -> SymbolKind {
    use crate::workspace::symbols::SymbolKind as Code;
    match kind {
        Code::Function | Code::Macro => SymbolKind::FUNCTION,
        Code::Method => SymbolKind::METHOD,
        Code::Struct => SymbolKind::STRUCT,
        Code::Class => SymbolKind::CLASS,
        Code::Enum => SymbolKind::ENUM,
        Code::Trait | Code::Interface => SymbolKind::INTERFACE,
        Code::TypeAlias => SymbolKind::TYPE_PARAMETER,
        Code::Module => SymbolKind::MODULE,
        Code::Const | Code::Static => SymbolKind::CONSTANT,
    }
}

/// Definitions in the workspace's code whose names start with the query's last word, as typed
/// or with its first letter in the other case (`doc` finds `Document` too). An empty query
/// lists no code: it would be every definition.
#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn code_symbols(
    door: &Door,
    code: &CodeIndex,
    enc: PositionEncoding,
    query: &str,
) -> Vec<SymbolInformation> {
    let word = query
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
    if word.is_empty() {
        return Vec::new();
    }
    let mut first = word.chars();
    let other_case: String = match first.next() {
        Some(c) if c.is_uppercase() => c.to_lowercase().chain(first).collect(),
        Some(c) => c.to_uppercase().chain(first).collect(),
        None => String::new(),
    };
    let names: Vec<String> = {
        let index = code.read();
        let mut names: Vec<String> = [word, other_case.as_str()]
            .iter()
            .flat_map(|prefix| {
                index
                    .content()
                    .defined_names_with_prefix(prefix, MAX_CODE_SYMBOLS)
            })
            .map(str::to_owned)
            .collect();
        let mut seen = std::collections::HashSet::new();
        names.retain(|n| seen.insert(n.clone()));
        names
    };
    // Files are read (through the door) only to place definitions in the client's encoding.
    let mut texts: HashMap<PathBuf, Option<(String, crate::document::line_index::LineIndex)>> =
        HashMap::new();
    let mut out = Vec::new();
    for name in names {
        let Some(symbol_query) = crate::workspace::symbols::SymbolQuery::parse(&name) else {
            continue;
        };
        for m in code.find_symbols(&symbol_query, MAX_PER_NAME) {
            if out.len() >= MAX_CODE_SYMBOLS {
                return out;
            }
            let Some(path) = code.abs_path(m.file) else {
                continue;
            };
            let Some((text, lines)) = texts
                .entry(path.clone())
                .or_insert_with(|| {
                    let text = door.read_whole_text(&path).ok()?;
                    let lines = crate::document::line_index::LineIndex::new(&text);
                    Some((text, lines))
                })
                .as_ref()
            else {
                continue;
            };
            let Ok(uri) = Url::from_file_path(&path) else {
                continue;
            };
            let span = &m.symbol.selection;
            // The enclosing module or type, when there is one beyond the crate itself.
            let sep = crate::workspace::symbols::separator(
                crate::workspace::index::FileLanguage::from_path(&m.path),
            );
            let parent = m
                .symbol
                .qualified
                .strip_suffix(m.symbol.name.as_str())
                .and_then(|q| q.strip_suffix(sep))
                .filter(|q| !q.is_empty() && *q != "crate");
            out.push(SymbolInformation {
                name: m.symbol.name.clone(),
                kind: lsp_kind(m.symbol.kind),
                tags: None,
                deprecated: None,
                location: Location {
                    uri,
                    range: lines.range(text, span.start_byte as usize..span.end_byte as usize, enc),
                },
                container_name: Some(match parent {
                    Some(parent) => format!("{} › {parent}", m.path),
                    None => m.path.clone(),
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_as_ordered_subsequences() {
        assert!(fuzzy_matches("P2: Which cache policy?", "cache"));
        assert!(fuzzy_matches("Status quo", "stq"));
        assert!(fuzzy_matches("Anything", ""));
        assert!(!fuzzy_matches("Status quo", "quos"));
    }

    #[test]
    fn plans_on_disk_yield_sections_and_placeholders() {
        // An in-memory workspace: the feature reads only through the door.
        let fs = crate::workspace::disk::memory::MemoryFs::default();
        fs.file(
            "/ws/a.plan.md",
            "# Plan\n\n## Open questions\n\n- [NEEDS CLARIFICATION: which cache?]\n",
        );
        let roots = [PathBuf::from("/ws")];
        let path = PathBuf::from("/ws/a.plan.md");
        let d = digest_of_file(
            &Door::new(&fs, &roots, 1 << 20),
            &path,
            "a.plan.md",
            &PlaceholderSyntax::default(),
            PositionEncoding::Utf16,
        )
        .unwrap();
        let names: Vec<&str> = d.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Plan", "Open questions", "P1: which cache?"]);
        assert_eq!(d.entries[2].location.range.start.line, 4);
        assert_eq!(
            d.entries[2].container_name.as_deref(),
            Some("a.plan.md › Open questions")
        );
    }
}
