//! Workspace symbols: the sections and open placeholders of every plan in the workspace, so a
//! user can jump to any open question across plans. Plans on disk are parsed once per
//! modification time; open plans are read from their live snapshot.

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
            name: s.title.clone(),
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
            .map(|s| plan.sections[s].title.as_str())
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
    out.truncate(MAX_SYMBOLS);
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
