//! The outline: sections as a tree, placeholders as their children. Linear in sections and
//! placeholders: each placeholder is filed under its section once, and each section's count of
//! open placeholders is summed up the tree, instead of scanning every placeholder per section.

use std::sync::Arc;

use tower_lsp::lsp_types::{DocumentSymbol, SymbolKind};

use crate::plan::Plan;
use crate::snapshot::Snapshot;

/// The outline of the snapshot's version as JSON, the answer to `textDocument/documentSymbol`:
/// built and serialised once per version (editors ask for it from the outline view, breadcrumbs
/// and sticky scroll alike, and at 50,000 lines it is 2.8 MB of JSON), then shared.
pub fn document_symbols_json(snapshot: &Snapshot) -> Arc<[u8]> {
    let (encoding, outline) = snapshot
        .memo
        .outline
        .get_or_init(|| (snapshot.encoding, to_json(&document_symbols(snapshot))));
    if *encoding == snapshot.encoding {
        outline.clone()
    } else {
        to_json(&document_symbols(snapshot))
    }
}

fn to_json(symbols: &[DocumentSymbol]) -> Arc<[u8]> {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_vec(symbols).unwrap_or_default().into()
}

/// The outline of the snapshot's version.
pub fn document_symbols(snapshot: &Snapshot) -> Vec<DocumentSymbol> {
    let plan = &snapshot.plan;
    let tree = Tree::new(plan);
    let mut out: Vec<DocumentSymbol> = tree
        .outside
        .iter()
        .map(|&p| placeholder_symbol(snapshot, p))
        .collect();
    out.extend(
        (0..plan.sections.len())
            .filter(|&i| plan.sections[i].parent.is_none())
            .map(|i| section_symbol(snapshot, &tree, i)),
    );
    out
}

/// Placeholders filed under their sections, and how many each section holds in all.
struct Tree {
    /// Indices of each section's own placeholders, in document order.
    own: Vec<Vec<usize>>,
    /// Placeholders before the first heading.
    outside: Vec<usize>,
    /// Open placeholders in each section, subsections included.
    open: Vec<usize>,
}

impl Tree {
    fn new(plan: &Plan) -> Tree {
        let count = plan.sections.len();
        let mut own = vec![Vec::new(); count];
        let mut outside = Vec::new();
        for (i, p) in plan.placeholders.iter().enumerate() {
            match p.section.filter(|&s| s < count) {
                Some(s) => own[s].push(i),
                None => outside.push(i),
            }
        }
        let mut open: Vec<usize> = own.iter().map(Vec::len).collect();
        // A child comes after its parent, so summing from the end adds each subtree once.
        for i in (0..count).rev() {
            if let Some(parent) = plan.sections[i].parent {
                open[parent] += open[i];
            }
        }
        Tree { own, outside, open }
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn section_symbol(snapshot: &Snapshot, tree: &Tree, index: usize) -> DocumentSymbol {
    let plan = &snapshot.plan;
    let section = &plan.sections[index];
    let mut children: Vec<(usize, DocumentSymbol)> = tree.own[index]
        .iter()
        .map(|&p| {
            (
                plan.placeholders[p].range.start,
                placeholder_symbol(snapshot, p),
            )
        })
        .collect();
    children.extend(section.children.iter().map(|&c| {
        (
            plan.sections[c].range.start,
            section_symbol(snapshot, tree, c),
        )
    }));
    children.sort_by_key(|(start, _)| *start);
    let open = tree.open[index];
    let name = if section.title.is_empty() {
        "(untitled)".to_string()
    } else {
        section.title.to_string()
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
fn placeholder_symbol(snapshot: &Snapshot, index: usize) -> DocumentSymbol {
    let p = &snapshot.plan.placeholders[index];
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlaceholderSyntax;

    #[test]
    fn each_placeholder_is_filed_once_and_counted_up_the_tree() {
        let text = "TBD before\n\n# Plan\n\n[TODO]\n\n## A\n\n{{a}}\n\n### A1\n\nTBD and TBD\n\n## B\n\n#### B deep\n\n[TBD: x]\n\n## C\n";
        let plan = Plan::parse(text, &PlaceholderSyntax::default());
        let tree = Tree::new(&plan);
        assert_eq!(tree.outside.len(), 1);
        for (i, section) in plan.sections.iter().enumerate() {
            // The plain definitions: placeholders whose section is this one, and those inside
            // its range.
            let own: Vec<usize> = (0..plan.placeholders.len())
                .filter(|&p| plan.placeholders[p].section == Some(i))
                .collect();
            assert_eq!(tree.own[i], own, "{}", section.title);
            assert_eq!(
                tree.open[i],
                plan.placeholders_in(i).count(),
                "{}",
                section.title
            );
        }
        assert_eq!(tree.open, [5, 3, 2, 1, 1, 0]);
    }
}
