//! Find all references: to a heading (every link to it in the workspace's Markdown), to a file
//! (every reference that resolves to it), and to a placeholder (mentions of its id in the plan,
//! and the same open question in other plans).

use tower_lsp::lsp_types::{Location, Position, Url};

use super::heading_links::LinkedDoc;
use super::targets::{self, Named};
use super::FeatureError;
use crate::plan::Placeholder;
use crate::snapshot::Snapshot;

pub fn references(
    snapshot: &Snapshot,
    position: Position,
    include_declaration: bool,
) -> Result<Option<Vec<Location>>, FeatureError> {
    let offset = snapshot.offset(position)?;
    let Some(named) = targets::named_at(snapshot, offset) else {
        return Ok(None);
    };
    let mut found = match named {
        Named::Heading(doc, section) => heading(snapshot, &doc, section, include_declaration),
        Named::File(path) => file(snapshot, &path, include_declaration),
        Named::Placeholder(p) => placeholder(snapshot, &p, include_declaration),
    };
    found.sort_by(|a, b| {
        (a.uri.as_str(), a.range.start.line, a.range.start.character).cmp(&(
            b.uri.as_str(),
            b.range.start.line,
            b.range.start.character,
        ))
    });
    found.dedup();
    Ok(Some(found))
}

fn location(snapshot: &Snapshot, doc: &LinkedDoc, bytes: std::ops::Range<usize>) -> Location {
    Location {
        uri: doc.uri.clone(),
        range: doc.range(bytes, snapshot.encoding),
    }
}

fn heading(
    snapshot: &Snapshot,
    doc: &LinkedDoc,
    section: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let mut out = Vec::new();
    if include_declaration {
        out.push(location(
            snapshot,
            doc,
            doc.plan.sections[section].heading.clone(),
        ));
    }
    let wanted = targets::may_link_to(vec![doc.slugs[section].clone()]);
    for from in targets::workspace_docs(snapshot, &wanted) {
        out.extend(
            targets::links_to_heading(snapshot, &from, doc, section)
                .map(|link| location(snapshot, &from, link.range.clone())),
        );
    }
    out
}

fn file_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

fn file(snapshot: &Snapshot, path: &std::path::Path, include_declaration: bool) -> Vec<Location> {
    let mut out = Vec::new();
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return out;
    };
    if include_declaration {
        if let Ok(uri) = Url::from_file_path(path) {
            out.push(Location {
                uri,
                range: Default::default(),
            });
        }
    }
    for from in targets::workspace_docs(snapshot, &|text: &str| text.contains(name)) {
        for r in &from.plan.references {
            // Every way of writing the file ends with its name: a cheap test before resolving.
            if file_name(&r.target.path) != name {
                continue;
            }
            let resolved = targets::resolve_file(snapshot, &r.target.path, from.path.as_deref());
            if resolved.as_deref() == Some(path) {
                out.push(location(snapshot, &from, r.range.clone()));
            }
        }
    }
    out
}

fn same_question(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    !a.trim().is_empty() && words(a) == words(b)
}

fn placeholder(snapshot: &Snapshot, p: &Placeholder, include_declaration: bool) -> Vec<Location> {
    let this = LinkedDoc::this(snapshot);
    let mut out = Vec::new();
    if include_declaration {
        out.push(location(snapshot, &this, p.range.clone()));
    }
    out.extend(
        targets::id_mentions(snapshot)
            .into_iter()
            .filter(|(_, id)| *id == p.id)
            .map(|(range, _)| location(snapshot, &this, range)),
    );
    if p.question.trim().is_empty() {
        return out;
    }
    // Ids are per plan; across plans the same open question is the same placeholder.
    let first_word = p
        .question
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let wanted = move |text: &str| text.to_lowercase().contains(&first_word);
    for from in targets::workspace_docs(snapshot, &wanted)
        .into_iter()
        .skip(1)
    {
        out.extend(
            from.plan
                .placeholders
                .iter()
                .filter(|other| same_question(&other.question, &p.question))
                .map(|other| location(snapshot, &from, other.range.clone())),
        );
    }
    out
}
