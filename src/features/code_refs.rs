//! Code named in a plan: code spans that name a symbol (`Document::apply_change`,
//! `parse_plan()`, `src/doc.rs::apply_change`) get definition, hover and a document link;
//! a name written as a path that matches nothing gets `unknown-symbol`; a symbol reference whose
//! symbol moved to another file, and a line reference whose lines changed since the plan's last
//! commit, get `stale-reference` with a quick fix that rewrites the reference.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use ropey::Rope;
use serde_json::json;
use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, DocumentLink,
    GotoDefinitionResponse, Location, Url,
};

use super::{fence_language, workspace_edit};
use crate::analysis::diagnostics::{starting_in, Finding};
use crate::analysis::edits::TextChange;
use crate::plan::references::LineSpan;
use crate::snapshot::Snapshot;
use crate::workspace::code::CodeIndex;
use crate::workspace::disk::Contents;
use crate::workspace::drift::LineDrift;
use crate::workspace::files::FileKind as FsKind;
use crate::workspace::index::FileLanguage;
use crate::workspace::resolve::{self, Resolution};
use crate::workspace::symbols::{excerpt, separator, SymbolMatch, SymbolQuery};

/// Definitions listed for one reference.
const MAX_MATCHES: usize = 20;
/// Lines of a definition shown on hover.
const HOVER_LINES: usize = 10;

/// A code span read as a symbol reference.
struct SymbolSpan {
    /// The whole span, backticks included.
    range: Range<usize>,
    query: SymbolQuery,
}

fn symbol_spans(snapshot: &Snapshot) -> impl Iterator<Item = SymbolSpan> + '_ {
    symbol_spans_in(snapshot, &(0..usize::MAX))
}

/// The code spans that start in `items` and name a symbol.
fn symbol_spans_in<'a>(
    snapshot: &'a Snapshot,
    items: &Range<usize>,
) -> impl Iterator<Item = SymbolSpan> + 'a {
    let spans = starting_in(&snapshot.plan.code_spans, items, |s| s.range.start);
    spans.iter().filter_map(|span| {
        if span.is_file_reference {
            return None; // A file reference: the core handles it.
        }
        Some(SymbolSpan {
            range: span.range.clone(),
            query: SymbolQuery::parse(&span.content)?,
        })
    })
}

fn symbol_span_at(snapshot: &Snapshot, offset: usize) -> Option<SymbolSpan> {
    symbol_spans(snapshot).find(|s| s.range.start <= offset && offset < s.range.end)
}

fn kind_of(m: &SymbolMatch) -> FileLanguage {
    FileLanguage::from_path(&m.path)
}

/// The location of a definition's name, in the client's position encoding.
fn location(snapshot: &Snapshot, code: &CodeIndex, m: &SymbolMatch) -> Option<Location> {
    let path = code.abs_path(m.file)?;
    let roots = snapshot.effective_roots();
    let text = snapshot.files.door(&roots).read_whole_text(&path).ok()?;
    let rope = Rope::from_str(&text);
    let span = &m.symbol.selection;
    let range = crate::document::position::byte_range_to_range(
        &rope,
        span.start_byte as usize..span.end_byte as usize,
        snapshot.encoding,
    );
    Some(Location {
        uri: Url::from_file_path(&path).ok()?,
        range,
    })
}

/// Definitions of a query. When none match as written, a member reached through a variable or a
/// package (`pool.GetActive()`) is found by the member's name: anywhere when the qualifier names
/// nothing here, in the qualifier's folder or file when it is a module here.
fn find_symbols(code: &CodeIndex, query: &SymbolQuery) -> Vec<SymbolMatch> {
    let found = code.find_symbols(query, MAX_MATCHES);
    if !found.is_empty() || query.path.is_some() || query.segments.len() < 2 {
        return found;
    }
    let member = SymbolQuery {
        path: None,
        segments: vec![query.name().to_owned()],
    };
    let by_name = code.find_symbols(&member, MAX_MATCHES);
    if !code.starts_in_workspace(query) {
        return by_name;
    }
    // `pool.Get()` where `pool` is a package here: a method of one of its types, in its folder.
    let qualifier = &query.segments[query.segments.len() - 2];
    by_name
        .into_iter()
        .filter(|m| {
            m.path
                .split('/')
                .any(|part| part == qualifier || part.split('.').next() == Some(qualifier))
        })
        .collect()
}

/// Go to the definition(s) of the symbol named by the code span at `offset`.
pub fn definition(snapshot: &Snapshot, offset: usize) -> Option<GotoDefinitionResponse> {
    let span = symbol_span_at(snapshot, offset)?;
    let code = &snapshot.code;
    let locations: Vec<Location> = find_symbols(code, &span.query)
        .iter()
        .filter_map(|m| location(snapshot, code, m))
        .collect();
    match locations.len() {
        0 => None,
        1 => locations
            .into_iter()
            .next()
            .map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}

/// Hover for a symbol reference: qualified name, where it is, its signature and first lines.
pub fn hover(snapshot: &Snapshot, offset: usize) -> Option<(String, Range<usize>)> {
    let span = symbol_span_at(snapshot, offset)?;
    let code = &snapshot.code;
    let matches = find_symbols(code, &span.query);
    let first = matches.first()?;
    let roots = snapshot.effective_roots();
    let door = snapshot.files.door(&roots);
    let source = code
        .abs_path(first.file)
        .and_then(|p| door.read_whole_text(&p).ok())
        .unwrap_or_default();
    let body = bounded(excerpt(&source, &first.symbol, HOVER_LINES));
    let fence = if body.contains("```") { "~~~~" } else { "```" };
    let mut markdown = format!(
        "**`{}`** · {} · `{}:{}`\n\n{fence}{}\n{body}\n{fence}",
        first.symbol.qualified,
        first.symbol.kind.label(),
        first.path,
        first.symbol.range.start_line + 1,
        fence_language(&first.path),
    );
    if matches.len() > 1 {
        markdown.push_str(&format!(
            "\n\n{} more definition{}: {}",
            matches.len() - 1,
            if matches.len() == 2 { "" } else { "s" },
            matches[1..]
                .iter()
                .take(5)
                .map(|m| format!("`{}:{}`", m.path, m.symbol.range.start_line + 1))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some((markdown, span.range))
}

/// A definition's lines cut to the excerpt bounds, saying so when cut.
fn bounded(body: String) -> String {
    let contents = Contents {
        len: body.len() as u64,
        bytes: body.into_bytes(),
        real: Default::default(),
    };
    let excerpt = contents.excerpt(1, HOVER_LINES + 1);
    match excerpt.cut {
        Some(cut) => format!("{}\n… (cut: {cut})", excerpt.text),
        None => excerpt.text,
    }
}

/// A link for every symbol reference that resolves, to the definition's line.
pub fn document_links(snapshot: &Snapshot) -> Vec<DocumentLink> {
    let code = &snapshot.code;
    symbol_spans(snapshot)
        .filter_map(|span| {
            let m = code.find_symbols(&span.query, 1).into_iter().next()?;
            let mut target = Url::from_file_path(code.abs_path(m.file)?).ok()?;
            target.set_fragment(Some(&format!("L{}", m.symbol.selection.start_line + 1)));
            Some(DocumentLink {
                range: snapshot.range(span.range.clone()),
                target: Some(target),
                tooltip: Some(format!("Go to {}", m.symbol.qualified)),
                data: None,
            })
        })
        .collect()
}

/// `unknown-symbol` and `stale-reference` findings of the code spans and references that start
/// in `items`. `unknown-symbol` waits for a complete index, so that "not found" means not in
/// the workspace, and is only for paths that start in the workspace (not `std::fs::read`).
pub fn findings(snapshot: &Snapshot, items: &Range<usize>) -> Vec<Finding> {
    let mut out = Vec::new();
    let code = &snapshot.code;
    let text: &str = &snapshot.plan.text;
    for span in symbol_spans_in(snapshot, items).filter(|s| s.query.is_qualified()) {
        if !code.find_symbols(&span.query, 1).is_empty() {
            continue;
        }
        if span.query.path.is_some() {
            let elsewhere = SymbolQuery {
                path: None,
                segments: span.query.segments.clone(),
            };
            if let Some(moved) = code.find_symbols(&elsewhere, 1).into_iter().next() {
                let written = &text[span.range.clone()];
                let replacement = rewrite_symbol_path(written, &moved);
                out.push(Finding::new(
                    "stale-reference",
                    span.range.clone(),
                    format!(
                        "`{}` is no longer in `{}`: it is now in `{}:{}`",
                        span.query.segments.join(separator(kind_of(&moved))),
                        span.query.path.as_deref().unwrap_or_default(),
                        moved.path,
                        moved.symbol.range.start_line + 1
                    ),
                    json!({"replacement": replacement}),
                ));
                continue;
            }
        }
        // Only when certain: the name starts in the workspace and is used in no source file
        // (`tea.Tick()`, `theme.Subtle`: an import's member or a field is used, if not defined).
        if code.is_ready()
            && code.starts_in_workspace(&span.query)
            && !code.used_in_code(span.query.name())
        {
            out.push(Finding::new(
                "unknown-symbol",
                span.range.clone(),
                format!(
                    "No symbol `{}` in the workspace",
                    text[span.range.clone()].trim_matches('`')
                ),
                json!({}),
            ));
        }
    }
    line_drift_findings(snapshot, text, items, &mut out);
    out
}

fn line_drift_findings(
    snapshot: &Snapshot,
    text: &str,
    items: &Range<usize>,
    out: &mut Vec<Finding>,
) {
    let Some(plan_path) = snapshot.path.as_deref() else {
        return;
    };
    // Most plans are not in a git repository, or not committed yet: skip the per-reference work.
    let roots = snapshot.effective_roots();
    let door = snapshot.files.door(&roots);
    if !snapshot.code.drift.tracks(&door, plan_path) {
        return;
    }
    // The same few files are cited many times: resolve each written path once per pass.
    let mut resolved: rustc_hash::FxHashMap<&str, Resolution> = rustc_hash::FxHashMap::default();
    let references = starting_in(&snapshot.plan.references, items, |r| r.range.start);
    for reference in references {
        let Some(lines) = &reference.target.lines else {
            continue;
        };
        let resolution = resolved.entry(&*reference.target.path).or_insert_with(|| {
            resolve::resolve(
                &reference.target.path,
                Some(plan_path),
                &roots,
                &snapshot.files,
                &snapshot.code,
            )
        });
        let Resolution::Found {
            path,
            kind: FsKind::File,
            ..
        } = resolution.clone()
        else {
            continue;
        };
        let end = lines.end.unwrap_or(lines.start);
        let Some(drift) =
            snapshot
                .code
                .drift
                .check_lines(&door, plan_path, &path, lines.start, end)
        else {
            continue;
        };
        let written = &text[reference.range.clone()];
        let cited = if end > lines.start {
            format!("Lines {}–{end}", lines.start)
        } else {
            format!("Line {}", lines.start)
        };
        match drift {
            LineDrift::Unchanged => {}
            LineDrift::Moved { start, end } => {
                let Some(replacement) = rewrite_lines(written, lines, start, end) else {
                    continue;
                };
                out.push(Finding::new(
                    "stale-reference",
                    reference.range.clone(),
                    format!(
                        "{cited} of `{}` moved since this plan was last committed: now {}",
                        reference.target.path,
                        if end > start {
                            format!("lines {start}–{end}")
                        } else {
                            format!("line {start}")
                        }
                    ),
                    json!({"replacement": replacement}),
                ));
            }
            LineDrift::Changed => out.push(Finding::new(
                "stale-reference",
                reference.range.clone(),
                format!(
                    "{cited} of `{}` changed since this plan was last committed",
                    reference.target.path
                ),
                json!({}),
            )),
        }
    }
}

/// A missing file the plan cites that existed when the plan was last committed: deleted or moved
/// since, so `stale-reference` rather than "broken" or "planned".
pub fn deleted_since_commit(snapshot: &Snapshot, written: &str) -> bool {
    let Some(plan_path) = snapshot.path.as_deref() else {
        return false;
    };
    let roots = snapshot.effective_roots();
    let door = snapshot.files.door(&roots);
    if !snapshot.code.drift.tracks(&door, plan_path) {
        return false;
    }
    resolve::candidates(written, Some(plan_path), &roots)
        .into_iter()
        .filter(|c| resolve::inside_roots(c, &roots))
        .any(|c| {
            snapshot
                .code
                .drift
                .existed_at_plan_commit(&door, plan_path, &c)
                == Some(true)
        })
}

/// `src/old.rs::Type::name` → `src/new.rs::Type::name`, keeping the backticks and the rest.
fn rewrite_symbol_path(written: &str, moved: &SymbolMatch) -> String {
    match written.find("::") {
        Some(i) => {
            let ticks = written.len() - written.trim_start_matches('`').len();
            format!("{}{}{}", &written[..ticks], moved.path, &written[i..])
        }
        None => written.to_owned(),
    }
}

fn line_number_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?P<sep>#L|:)(?P<start>\d+)(?P<col>(?:C\d+)?)(?:(?P<dash>-L?)(?P<end>\d+))?")
            .expect("valid regex")
    })
}

/// Rewrites the line numbers of a reference as written (`a.rs:10-20`, `a.rs#L10-L20`,
/// `[x](a.rs#L10)`), keeping its form.
fn rewrite_lines(written: &str, old: &LineSpan, start: u32, end: u32) -> Option<String> {
    let caps = line_number_regex()
        .captures_iter(written)
        .filter(|c| c["start"].parse::<u32>().ok() == Some(old.start))
        .last()?;
    let whole = caps.get(0)?;
    let mut numbers = format!("{}{start}{}", &caps["sep"], &caps["col"]);
    match caps.name("dash") {
        Some(dash) => numbers.push_str(&format!("{}{end}", dash.as_str())),
        None if end > start => {
            let dash = if &caps["sep"] == "#L" { "-L" } else { "-" };
            numbers.push_str(&format!("{dash}{end}"));
        }
        None => {}
    }
    Some(format!(
        "{}{numbers}{}",
        &written[..whole.start()],
        &written[whole.end()..]
    ))
}

/// Quick fixes for `stale-reference` findings in `start..end` (recomputed, not trusted from the
/// client's diagnostic data).
pub fn code_actions(
    snapshot: &Snapshot,
    start: usize,
    end: usize,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    // A finding lies within its item, so no item starting after `end` has one there.
    findings(snapshot, &(0..end.saturating_add(1)))
        .into_iter()
        .filter(|f| f.code == "stale-reference" && f.range.start <= end && start <= f.range.end)
        .filter_map(|f| {
            let replacement = f.data.get("replacement")?.as_str()?.to_owned();
            let range = snapshot.range(f.range.clone());
            let matching = super::diagnostics_on(diagnostics, range, "stale-reference");
            let change = TextChange {
                range: f.range,
                new_text: replacement.clone(),
            };
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Update reference to {}", replacement.trim_matches('`')),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(matching),
                edit: Some(workspace_edit(snapshot, &change)),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: Option<u32>) -> LineSpan {
        LineSpan {
            start,
            end,
            column: None,
        }
    }

    #[test]
    fn line_numbers_are_rewritten_in_the_written_form() {
        assert_eq!(
            rewrite_lines("`src/a.rs:10-20`", &span(10, Some(20)), 12, 22).as_deref(),
            Some("`src/a.rs:12-22`")
        );
        assert_eq!(
            rewrite_lines("[a](src/a.rs#L10-L20)", &span(10, Some(20)), 3, 13).as_deref(),
            Some("[a](src/a.rs#L3-L13)")
        );
        assert_eq!(
            rewrite_lines("src/a.rs#L7", &span(7, None), 9, 9).as_deref(),
            Some("src/a.rs#L9")
        );
        assert_eq!(
            rewrite_lines("[see 10](x/a.rs:10)", &span(10, None), 11, 11).as_deref(),
            Some("[see 10](x/a.rs:11)")
        );
        assert_eq!(rewrite_lines("src/a.rs", &span(1, None), 2, 2), None);
    }
}
