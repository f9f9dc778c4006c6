//! The outline: sections as a tree, placeholders as their children.

use tower_lsp::lsp_types::{DocumentSymbol, SymbolKind};

use crate::snapshot::Snapshot;

pub fn document_symbols(snapshot: &Snapshot) -> Vec<DocumentSymbol> {
    let plan = &snapshot.plan;
    let top: Vec<usize> = (0..plan.sections.len())
        .filter(|&i| plan.sections[i].parent.is_none())
        .collect();
    let mut out: Vec<DocumentSymbol> = plan
        .placeholders
        .iter()
        .filter(|p| p.section.is_none())
        .map(|p| placeholder_symbol(snapshot, p))
        .collect();
    out.extend(top.into_iter().map(|i| section_symbol(snapshot, i)));
    out
}

#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn section_symbol(snapshot: &Snapshot, index: usize) -> DocumentSymbol {
    let plan = &snapshot.plan;
    let section = &plan.sections[index];
    let mut children: Vec<(usize, DocumentSymbol)> = plan
        .placeholders
        .iter()
        .filter(|p| p.section == Some(index))
        .map(|p| (p.range.start, placeholder_symbol(snapshot, p)))
        .collect();
    children.extend(
        section
            .children
            .iter()
            .map(|&c| (plan.sections[c].range.start, section_symbol(snapshot, c))),
    );
    children.sort_by_key(|(start, _)| *start);
    let open = plan.placeholders_in(index).count();
    let name = if section.title.is_empty() {
        "(untitled)".to_string()
    } else {
        section.title.clone()
    };
    let range = plan.section_content(index);
    DocumentSymbol {
        name,
        detail: (open > 0).then(|| format!("{open} open")),
        kind: SymbolKind::STRING,
        tags: None,
        deprecated: None,
        range: snapshot.range(range),
        selection_range: snapshot.range(section.heading.clone()),
        children: Some(children.into_iter().map(|(_, s)| s).collect()),
    }
}

#[allow(deprecated)]
fn placeholder_symbol(snapshot: &Snapshot, p: &crate::plan::Placeholder) -> DocumentSymbol {
    let range = snapshot.range(p.range.clone());
    DocumentSymbol {
        name: if p.question.is_empty() {
            p.id.clone()
        } else {
            format!("{}: {}", p.id, p.question)
        },
        detail: Some("placeholder".to_string()),
        kind: SymbolKind::KEY,
        tags: None,
        deprecated: None,
        range,
        selection_range: range,
        children: None,
    }
}
