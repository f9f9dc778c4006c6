//! Document links for every file reference that resolves, with a VS Code style `#L` anchor, and
//! for every heading link that reaches its heading.

use tower_lsp::lsp_types::DocumentLink;

use super::definition::location_of;
use crate::snapshot::Snapshot;

pub fn document_links(snapshot: &Snapshot) -> Vec<DocumentLink> {
    let headings = super::heading_links::document_links(snapshot);
    let mut links: Vec<DocumentLink> = snapshot
        .plan
        .references
        .iter()
        // `other.md#heading` links to the heading rather than to the file's top.
        .filter(|r| {
            let range = snapshot.range(r.range.clone());
            !headings.iter().any(|h| h.range == range)
        })
        .filter_map(|r| {
            let location = location_of(snapshot, &r.target)?;
            let mut target = location.uri;
            if let Some(span) = &r.target.lines {
                let fragment = match (span.end, span.column) {
                    (Some(end), _) if end > span.start => format!("L{}-L{}", span.start, end),
                    (_, Some(col)) => format!("L{},{}", span.start, col),
                    _ => format!("L{}", span.start),
                };
                target.set_fragment(Some(&fragment));
            }
            Some(DocumentLink {
                range: snapshot.range(r.range.clone()),
                target: Some(target),
                tooltip: Some(format!("Open {}", r.target.path)),
                data: None,
            })
        })
        .collect();
    links.extend(headings);
    links.extend(super::code_refs::document_links(snapshot));
    links
}
