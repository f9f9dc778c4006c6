//! Document highlight: everything in this plan that names the same heading, file or placeholder
//! as the cursor.

use tower_lsp::lsp_types::{DocumentHighlight, DocumentHighlightKind, Position};

use super::heading_links::LinkedDoc;
use super::targets::{self, Named};
use super::FeatureError;
use crate::snapshot::Snapshot;

pub fn document_highlights(
    snapshot: &Snapshot,
    position: Position,
) -> Result<Option<Vec<DocumentHighlight>>, FeatureError> {
    let offset = snapshot.offset(position)?;
    let Some(named) = targets::named_at(snapshot, offset) else {
        return Ok(None);
    };
    let this = LinkedDoc::this(snapshot);
    let mark = |range: std::ops::Range<usize>, kind| DocumentHighlight {
        range: snapshot.range(range),
        kind: Some(kind),
    };
    let mut out = Vec::new();
    match named {
        Named::Heading(doc, section) => {
            if targets::same_doc(&doc, &this) {
                out.push(mark(
                    doc.plan.sections[section].heading.clone(),
                    DocumentHighlightKind::WRITE,
                ));
            }
            out.extend(
                targets::links_to_heading(snapshot, &this, &doc, section)
                    .map(|link| mark(link.range.clone(), DocumentHighlightKind::READ)),
            );
        }
        Named::File(path) => {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            out.extend(
                snapshot
                    .plan
                    .references
                    .iter()
                    .filter(|r| r.target.path.ends_with(name))
                    .filter(|r| {
                        targets::resolve_file(snapshot, &r.target.path, snapshot.path.as_deref())
                            .as_deref()
                            == Some(path.as_path())
                    })
                    .map(|r| mark(r.range.clone(), DocumentHighlightKind::READ)),
            );
        }
        Named::Placeholder(p) => {
            out.push(mark(p.range.clone(), DocumentHighlightKind::WRITE));
            out.extend(
                targets::id_mentions(snapshot)
                    .into_iter()
                    .filter(|(_, id)| *id == p.id)
                    .map(|(range, _)| mark(range, DocumentHighlightKind::READ)),
            );
        }
    }
    Ok(Some(out))
}
