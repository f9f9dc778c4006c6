//! Completion in a plan: headings after `#` in a link destination (`](#`, `](other.md#`,
//! `[label]: #`), file paths inside links (relative to the document), code spans and prose words
//! with a `/` (relative to the workspace, or to the document with `./`, `../`), code symbols inside code
//! spans, a placeholder snippet after `[`, and the template's missing sections at the start of
//! a line.

use tower_lsp::lsp_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, CompletionTextEdit, InsertTextFormat,
    Position, TextEdit,
};

use super::FeatureError;
use crate::analysis::{edits, template_check};
use crate::plan::template::TemplateSet;
use crate::snapshot::Snapshot;
use crate::workspace::index::{join_relative, FileLanguage};
use crate::workspace::symbols::{separator, SymbolQuery};

/// Items offered at once.
const MAX_ITEMS: usize = 100;

/// The placeholder snippet and its plain-text fallback.
const PLACEHOLDER_SNIPPET: &str = "[NEEDS CLARIFICATION: ${1:question}]";
const PLACEHOLDER_PLAIN: &str = "[NEEDS CLARIFICATION: question]";

/// Where the cursor is, judged from the text of its line before it.
#[derive(Debug, PartialEq, Eq)]
enum Context<'a> {
    /// `## Sta|` or an empty line.
    LineStart { hashes: usize, typed: &'a str },
    /// Inside a code span; `partial` is what follows the opening backtick.
    CodeSpan { partial: &'a str },
    /// Inside a link destination `](partial`.
    LinkDestination { partial: &'a str },
    /// After `[` (`partial` starts with it) in prose.
    Bracket { partial: &'a str },
    /// A path being typed in prose: a word with a `/` (`see internal/ap`).
    ProsePath { partial: &'a str },
    /// Nothing to offer.
    Other,
}

fn context_of(before: &str) -> Context<'_> {
    let trimmed = before.trim_start();
    if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
        return Context::Other; // A fence's info string, not a code span.
    }
    let rest = trimmed.trim_start_matches('#');
    let heading_typed = rest.is_empty()
        || (rest.len() < trimmed.len() && rest.starts_with(' ') && !rest.contains(['`', '[', '(']));
    if heading_typed {
        let hashes = trimmed.len() - trimmed.trim_start_matches('#').len();
        return Context::LineStart {
            hashes,
            typed: trimmed.trim_start_matches('#').trim_start(),
        };
    }
    if before.matches('`').count() % 2 == 1 {
        let open = before.rfind('`').map_or(0, |i| i + 1);
        return Context::CodeSpan {
            partial: &before[open..],
        };
    }
    if let Some(partial) = definition_destination(trimmed) {
        return Context::LinkDestination { partial };
    }
    if let Some(i) = before.rfind("](") {
        let partial = &before[i + 2..];
        if !partial.contains([')', ' ']) {
            return Context::LinkDestination { partial };
        }
    }
    if let Some(i) = before.rfind('[') {
        let partial = &before[i..];
        let word = partial[1..].to_ascii_uppercase();
        if !word.contains(']') && "NEEDS CLARIFICATION".starts_with(&word) {
            return Context::Bracket { partial };
        }
    }
    let word_start = before
        .rfind(|c: char| c.is_whitespace() || "([\"'".contains(c))
        .map_or(0, |i| i + 1);
    let word = &before[word_start..];
    let path_like = word.contains('/')
        && !word.contains("://")
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "/._-".contains(c));
    if path_like {
        return Context::ProsePath { partial: word };
    }
    Context::Other
}

/// What follows `[label]: ` in a link reference definition being written.
fn definition_destination(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find("]:")?;
    if close == 0 || rest[..close].contains(['[', ']']) {
        return None;
    }
    let partial = rest[close + 2..].trim_start();
    (!partial.contains(char::is_whitespace)).then_some(partial)
}

/// Completion items at `position`.
pub fn completion(
    snapshot: &Snapshot,
    position: Position,
    snippets: bool,
) -> Result<Option<CompletionResponse>, FeatureError> {
    let offset = snapshot.offset(position)?;
    let line = snapshot.rope.byte_to_line(offset);
    let line_start = snapshot.rope.line_to_byte(line);
    let before = snapshot.rope.byte_slice(line_start..offset).to_string();
    let items = match context_of(&before) {
        Context::LineStart { hashes, typed } => {
            absent_headings(snapshot, line_start, offset, hashes, typed)
        }
        Context::CodeSpan { partial } => {
            let mut items = Vec::new();
            let relative_to_document = partial.starts_with("./") || partial.starts_with("../");
            items.extend(paths(snapshot, offset, partial, relative_to_document));
            if !partial.contains('/') {
                items.extend(symbols(snapshot, offset, partial));
            }
            items
        }
        Context::LinkDestination { partial } if partial.contains('#') => {
            super::heading_links::completion(snapshot, offset, partial)
        }
        Context::LinkDestination { partial } => paths(snapshot, offset, partial, true),
        Context::ProsePath { partial } => {
            let relative_to_document = partial.starts_with("./") || partial.starts_with("../");
            paths(snapshot, offset, partial, relative_to_document)
        }
        Context::Bracket { partial } => vec![placeholder(snapshot, offset, partial, snippets)],
        Context::Other => Vec::new(),
    };
    Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
}

fn edit(snapshot: &Snapshot, range: std::ops::Range<usize>, text: String) -> CompletionTextEdit {
    CompletionTextEdit::Edit(TextEdit {
        range: snapshot.range(range),
        new_text: text,
    })
}

fn absent_headings(
    snapshot: &Snapshot,
    line_start: usize,
    offset: usize,
    hashes: usize,
    typed: &str,
) -> Vec<CompletionItem> {
    // A plan that follows no template yet (a new one, most often) is offered the chosen or
    // default template's headings; a detected template offers its own.
    let template = if snapshot.template.sections.is_empty() {
        TemplateSet::built_in().get_or_default(snapshot.settings.template.as_deref())
    } else {
        snapshot.template.clone()
    };
    let report = template_check::check(&snapshot.plan, &template);
    let typed = typed.to_ascii_lowercase();
    absent_sections(&template, &report)
        .into_iter()
        .filter_map(|path| {
            let section = template.section_at(&path)?;
            if !section.title.to_ascii_lowercase().starts_with(&typed) {
                return None;
            }
            let level = if hashes > 0 { hashes } else { path.len() + 1 };
            let markdown = edits::section_markdown(section, level as u8, snapshot.plan.line_ending);
            Some(CompletionItem {
                label: section.title.clone(),
                kind: Some(CompletionItemKind::MODULE),
                detail: Some(format!("Section ({})", path.join(" › "))),
                documentation: (!section.guidance.is_empty())
                    .then(|| tower_lsp::lsp_types::Documentation::String(section.guidance.clone())),
                filter_text: Some(format!("{} {}", "#".repeat(hashes), section.title)),
                text_edit: Some(edit(snapshot, line_start..offset, markdown)),
                ..CompletionItem::default()
            })
        })
        .collect()
}

/// The title paths of the template's sections the plan lacks, required or optional, whose parent
/// it has (or top-level ones), in template order.
fn absent_sections(
    template: &crate::plan::template::Template,
    report: &template_check::TemplateReport,
) -> Vec<Vec<String>> {
    fn walk(
        sections: &[crate::plan::template::TemplateSection],
        parent: &[String],
        report: &template_check::TemplateReport,
        out: &mut Vec<Vec<String>>,
    ) {
        for section in sections {
            let mut path = parent.to_vec();
            path.push(section.title.clone());
            if report.matched_section(&path).is_some() {
                walk(&section.children, &path, report, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&template.sections, &[], report, &mut out);
    out
}

fn paths(
    snapshot: &Snapshot,
    offset: usize,
    partial: &str,
    relative_to_document: bool,
) -> Vec<CompletionItem> {
    let code = &snapshot.code;
    let Some(doc_path) = snapshot.path.as_deref() else {
        return Vec::new();
    };
    let (dir_part, prefix) = match partial.rsplit_once('/') {
        Some((dir, prefix)) => (dir, prefix),
        None => ("", partial),
    };
    let (root, doc_rel) = code.locate(doc_path).unwrap_or_default();
    let doc_dir = doc_rel.rsplit_once('/').map_or("", |(d, _)| d);
    let base = if relative_to_document { doc_dir } else { "" };
    let Some(dir) = join_relative(base, dir_part) else {
        return Vec::new();
    };
    let lookup = if dir.is_empty() {
        prefix.to_owned()
    } else {
        format!("{dir}/{prefix}")
    };
    let index = code.read();
    index
        .complete_path(root, &lookup, MAX_ITEMS)
        .into_iter()
        .map(|entry| {
            let text = if entry.is_dir {
                format!("{}/", entry.name)
            } else {
                entry.name.clone()
            };
            CompletionItem {
                label: text.clone(),
                kind: Some(if entry.is_dir {
                    CompletionItemKind::FOLDER
                } else {
                    CompletionItemKind::FILE
                }),
                detail: Some(if dir.is_empty() {
                    entry.name.clone()
                } else {
                    format!("{dir}/{}", entry.name)
                }),
                text_edit: Some(edit(snapshot, offset - prefix.len()..offset, text)),
                ..CompletionItem::default()
            }
        })
        .collect()
}

fn symbols(snapshot: &Snapshot, offset: usize, partial: &str) -> Vec<CompletionItem> {
    let code = &snapshot.code;
    let (qualifier, prefix) = match (partial.rfind("::"), partial.rfind('.')) {
        (Some(i), _) => (Some(&partial[..i]), &partial[i + 2..]),
        (None, Some(i)) => (Some(&partial[..i]), &partial[i + 1..]),
        (None, None) => (None, partial),
    };
    let replace = offset - prefix.len()..offset;
    match qualifier.and_then(SymbolQuery::parse) {
        // Members of a type or module: `Document::` lists what is defined inside it.
        Some(query) => {
            let index = code.read();
            let mut items = Vec::new();
            for owner in code.symbols().find(&index, &query, 5) {
                let Some(parsed) = code.symbols().file_symbols(&index, owner.file) else {
                    continue;
                };
                let sep = separator(FileLanguage::from_path(&owner.path));
                let scope = format!("{}{sep}", owner.symbol.qualified);
                for s in &parsed.symbols {
                    let Some(rest) = s.qualified.strip_prefix(&scope) else {
                        continue;
                    };
                    if rest.contains(sep) || !s.name.starts_with(prefix) {
                        continue;
                    }
                    items.push(CompletionItem {
                        label: s.name.clone(),
                        kind: Some(CompletionItemKind::METHOD),
                        detail: Some(s.signature.clone()),
                        text_edit: Some(edit(snapshot, replace.clone(), s.name.clone())),
                        ..CompletionItem::default()
                    });
                }
            }
            items.truncate(MAX_ITEMS);
            items
        }
        None if prefix.len() >= 2 => {
            let index = code.read();
            index
                .content()
                .defined_names_with_prefix(prefix, MAX_ITEMS)
                .into_iter()
                .map(|name| CompletionItem {
                    label: name.to_owned(),
                    kind: Some(CompletionItemKind::FUNCTION),
                    detail: Some("defined in the workspace".to_owned()),
                    text_edit: Some(edit(snapshot, replace.clone(), name.to_owned())),
                    ..CompletionItem::default()
                })
                .collect()
        }
        None => Vec::new(),
    }
}

fn placeholder(
    snapshot: &Snapshot,
    offset: usize,
    partial: &str,
    snippets: bool,
) -> CompletionItem {
    CompletionItem {
        label: PLACEHOLDER_PLAIN.to_owned(),
        kind: Some(CompletionItemKind::SNIPPET),
        detail: Some("Open question placeholder".to_owned()),
        filter_text: Some(partial.to_owned()),
        insert_text_format: Some(if snippets {
            InsertTextFormat::SNIPPET
        } else {
            InsertTextFormat::PLAIN_TEXT
        }),
        text_edit: Some(edit(
            snapshot,
            offset - partial.len()..offset,
            if snippets {
                PLACEHOLDER_SNIPPET
            } else {
                PLACEHOLDER_PLAIN
            }
            .to_owned(),
        )),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_context_comes_from_the_line_before_it() {
        assert_eq!(
            context_of("## Sta"),
            Context::LineStart {
                hashes: 2,
                typed: "Sta"
            }
        );
        assert_eq!(
            context_of(""),
            Context::LineStart {
                hashes: 0,
                typed: ""
            }
        );
        assert_eq!(
            context_of("See `src/wor"),
            Context::CodeSpan { partial: "src/wor" }
        );
        assert_eq!(
            context_of("`a` then `Document::ap"),
            Context::CodeSpan {
                partial: "Document::ap"
            }
        );
        assert_eq!(
            context_of("read [the index](../src/"),
            Context::LinkDestination { partial: "../src/" }
        );
        assert_eq!(
            context_of("Ask: [NEE"),
            Context::Bracket { partial: "[NEE" }
        );
        assert_eq!(context_of("Ask: ["), Context::Bracket { partial: "[" });
        assert_eq!(context_of("a [link](x.md) and"), Context::Other);
        assert_eq!(
            context_of("see [it](other.md#sta"),
            Context::LinkDestination {
                partial: "other.md#sta"
            }
        );
        assert_eq!(
            context_of("[sq]: #sta"),
            Context::LinkDestination { partial: "#sta" }
        );
        assert_eq!(context_of("[sq]: #a title"), Context::Other);
        assert_eq!(context_of("`done` and text"), Context::Other);
        assert_eq!(context_of("```ru"), Context::Other);
    }
}
