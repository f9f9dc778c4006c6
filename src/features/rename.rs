//! Rename a heading, from the heading or from any link to it: the heading's text, and every link
//! fragment in the workspace's Markdown that named an anchor the rename changes, as one
//! workspace edit. Anchors are recomputed for the whole document, so a duplicate heading whose
//! `-1` suffix moves keeps its links too.

use std::ops::Range;

use tower_lsp::lsp_types::{
    DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, Position,
    PrepareRenameResponse, TextDocumentEdit, TextEdit, WorkspaceEdit,
};

use super::heading_links::LinkedDoc;
use super::targets::{self, Named};
use super::FeatureError;
use crate::plan::fragments::encode_fragment;
use crate::plan::slug::{fragment_names, titles_slugs};
use crate::plan::Plan;
use crate::snapshot::Snapshot;

/// Where a heading's title is written, without its `#` marks or closing sequence.
fn title_range(plan: &Plan, section: usize) -> Option<Range<usize>> {
    let s = &plan.sections[section];
    if s.title.is_empty() {
        return None;
    }
    let raw = &plan.text[s.heading.clone()];
    let trimmed = raw.trim_start();
    let skip = if trimmed.starts_with('#') {
        raw.len() - trimmed.trim_start_matches('#').len()
    } else {
        0
    };
    let at = raw[skip..].find(&*s.title)?;
    let start = s.heading.start + skip + at;
    Some(start..start + s.title.len())
}

/// The heading under the cursor and the range the editor should select for the new name.
fn renamed_at(snapshot: &Snapshot, offset: usize) -> Option<(LinkedDoc, usize, Range<usize>)> {
    let Named::Heading(doc, section) = targets::named_at(snapshot, offset)? else {
        return None;
    };
    let range = match snapshot.plan.heading_link_at(offset) {
        Some(link) => link.fragment_range.clone().unwrap_or(link.range.clone()),
        None => title_range(&snapshot.plan, section)?,
    };
    title_range(&doc.plan, section)?;
    Some((doc, section, range))
}

pub fn prepare_rename(
    snapshot: &Snapshot,
    position: Position,
) -> Result<Option<PrepareRenameResponse>, FeatureError> {
    let offset = snapshot.offset(position)?;
    Ok(renamed_at(snapshot, offset).map(|(doc, section, range)| {
        PrepareRenameResponse::RangeWithPlaceholder {
            range: snapshot.range(range),
            placeholder: doc.plan.sections[section].title.to_string(),
        }
    }))
}

pub fn rename(
    snapshot: &Snapshot,
    position: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, FeatureError> {
    let offset = snapshot.offset(position)?;
    let new_title = new_name.trim();
    if new_title.is_empty() || new_title.contains(['\n', '\r']) {
        return Err(FeatureError::InvalidArgument(
            "a heading's new name must be one line of text".to_string(),
        ));
    }
    let Some((target, section, _)) = renamed_at(snapshot, offset) else {
        return Ok(None);
    };
    let old = target.slugs.clone();
    let new = titles_slugs(target.plan.sections.iter().enumerate().map(|(i, s)| {
        if i == section {
            new_title
        } else {
            s.title.as_ref()
        }
    }));
    let moved: Vec<usize> = (0..old.len()).filter(|&i| old[i] != new[i]).collect();
    let mut changes: Vec<(LinkedDoc, Vec<TextEdit>)> = Vec::new();
    let mut add = |doc: &LinkedDoc, bytes: Range<usize>, text: String| {
        let edit = TextEdit {
            range: doc.range(bytes, snapshot.encoding),
            new_text: text,
        };
        match changes.iter_mut().find(|(d, _)| targets::same_doc(d, doc)) {
            Some((_, edits)) => edits.push(edit),
            None => changes.push((doc.clone(), vec![edit])),
        }
    };
    if let Some(range) = title_range(&target.plan, section) {
        add(&target, range, new_title.to_string());
    }
    let wanted = targets::may_link_to(moved.iter().map(|&i| old[i].clone()).collect());
    for from in targets::workspace_docs(snapshot, &wanted) {
        for link in &from.plan.heading_links {
            let Some(written) = &link.fragment_range else {
                continue;
            };
            let Some(&i) = moved
                .iter()
                .find(|&&i| fragment_names(&link.fragment, &old[i]))
            else {
                continue;
            };
            if targets::link_points_into(snapshot, &from, link, &target) {
                add(&from, written.clone(), encode_fragment(&new[i]));
            }
        }
    }
    let edits = changes
        .into_iter()
        .map(|(doc, edits)| TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: doc.uri.clone(),
                version: doc.version,
            },
            edits: edits.into_iter().map(OneOf::Left).collect(),
        })
        .collect();
    Ok(Some(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(edits)),
        ..WorkspaceEdit::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlaceholderSyntax;

    #[test]
    fn the_title_is_found_without_its_marks() {
        let text = "# Plan\n\n## Status quo ##\n\nSetext\n------\n\n##\n";
        let plan = Plan::parse(text, &PlaceholderSyntax::default());
        let titles: Vec<Option<&str>> = (0..plan.sections.len())
            .map(|i| title_range(&plan, i).map(|r| &text[r]))
            .collect();
        assert_eq!(
            titles,
            [Some("Plan"), Some("Status quo"), Some("Setext"), None]
        );
    }
}
