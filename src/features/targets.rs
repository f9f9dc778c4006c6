//! What a position in a plan names — a heading, a file or a placeholder — and where the
//! workspace's Markdown names the same thing. References, highlights and rename share it. Other
//! documents come from `workspace::markdown` (the editor's text over the disk, through the
//! door), listed from the index's Markdown files and the open documents, never outside the
//! workspace folders.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use super::heading_links::{self, from_markdown_doc, LinkedDoc, Target};
use crate::plan::{HeadingLink, Placeholder};
use crate::snapshot::Snapshot;
use crate::workspace::files::FileKind;
use crate::workspace::resolve::{self, inside_roots, Resolution};

/// The thing under the cursor.
pub enum Named {
    /// A heading: its document and section.
    Heading(LinkedDoc, usize),
    /// A file of the workspace, as a reference resolves it.
    File(PathBuf),
    /// A placeholder of this plan.
    Placeholder(Placeholder),
}

/// What the position at `offset` names: a heading link or a heading, a placeholder or a
/// mention of its id (`P2`), or a file reference.
pub fn named_at(snapshot: &Snapshot, offset: usize) -> Option<Named> {
    let plan = &snapshot.plan;
    if let Some(link) = plan.heading_link_at(offset) {
        if let Target::Heading(doc, section) = heading_links::target(snapshot, link) {
            return Some(Named::Heading(doc, section));
        }
    }
    if let Some(section) = plan.heading_at(offset) {
        return Some(Named::Heading(LinkedDoc::this(snapshot), section));
    }
    if let Some(p) = plan.placeholder_at(offset) {
        return Some(Named::Placeholder(p.clone()));
    }
    if let Some(p) = id_mention_at(snapshot, offset).and_then(|(_, id)| plan.placeholder_by_id(&id))
    {
        return Some(Named::Placeholder(p.clone()));
    }
    let reference = plan.reference_at(offset)?;
    resolve_file(snapshot, &reference.target.path, snapshot.path.as_deref()).map(Named::File)
}

/// The file a path written in the document at `from` means, when it is one file.
pub fn resolve_file(snapshot: &Snapshot, written: &str, from: Option<&Path>) -> Option<PathBuf> {
    let roots = snapshot.effective_roots();
    match resolve::resolve(written, from, &roots, &snapshot.files, &snapshot.code) {
        Resolution::Found {
            path,
            kind: FileKind::File,
            ..
        } => Some(path),
        _ => None,
    }
}

fn id_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b[Pp][0-9]+\b").expect("valid regex"))
}

/// Mentions of placeholder ids (`P2`) in the plan's prose, outside placeholders and code blocks.
pub fn id_mentions(snapshot: &Snapshot) -> Vec<(Range<usize>, String)> {
    let plan = &snapshot.plan;
    id_regex()
        .find_iter(&plan.text)
        .map(|m| (m.range(), m.as_str().to_uppercase()))
        .filter(|(r, _)| {
            !plan.placeholders.iter().any(|p| p.range.contains(&r.start))
                && !plan
                    .blocks
                    .iter()
                    .any(|b| b.kind == crate::plan::BlockKind::Code && b.range.contains(&r.start))
        })
        .collect()
}

fn id_mention_at(snapshot: &Snapshot, offset: usize) -> Option<(Range<usize>, String)> {
    id_mentions(snapshot)
        .into_iter()
        .find(|(r, _)| r.start <= offset && offset <= r.end)
}

/// Whether `doc` is the document `target` (same URI, or same path).
pub fn same_doc(doc: &LinkedDoc, target: &LinkedDoc) -> bool {
    doc.uri == target.uri || (doc.path.is_some() && doc.path == target.path)
}

/// Whether `link`, written in `from`, points into the document `target`.
pub fn link_points_into(
    snapshot: &Snapshot,
    from: &LinkedDoc,
    link: &HeadingLink,
    target: &LinkedDoc,
) -> bool {
    match &link.path {
        None => same_doc(from, target),
        Some(written) => resolve_file(snapshot, written, from.path.as_deref())
            .is_some_and(|path| target.is_at(&path)),
    }
}

/// Links to section `section` of `doc` written in `from`.
pub fn links_to_heading<'a>(
    snapshot: &'a Snapshot,
    from: &'a LinkedDoc,
    doc: &'a LinkedDoc,
    section: usize,
) -> impl Iterator<Item = &'a HeadingLink> + 'a {
    let slug = &doc.slugs[section];
    from.plan.heading_links.iter().filter(move |link| {
        crate::plan::slug::fragment_names(&link.fragment, slug)
            && link_points_into(snapshot, from, link, doc)
    })
}

/// This document and every other Markdown document of the workspace whose text `wanted`
/// accepts; this one first, as the snapshot has it.
pub fn workspace_docs(snapshot: &Snapshot, wanted: &dyn Fn(&str) -> bool) -> Vec<LinkedDoc> {
    let this = LinkedDoc::this(snapshot);
    let roots = snapshot.effective_roots();
    let door = snapshot.files.door(&roots);
    let mut paths: Vec<PathBuf> = snapshot
        .code
        .markdown_files()
        .into_iter()
        .map(|(_, path, _)| path)
        .collect();
    paths.extend(
        snapshot
            .files
            .markdown
            .open_paths()
            .into_iter()
            .filter(|p| inside_roots(p, &roots) && crate::workspace::markdown::is_markdown_path(p)),
    );
    paths.sort();
    paths.dedup();
    let mut docs = vec![this.clone()];
    for path in paths {
        if this.is_at(&path) {
            continue;
        }
        if let Some(doc) = snapshot
            .files
            .markdown
            .get_if(&door, &path, &snapshot.syntax, wanted)
        {
            docs.push(from_markdown_doc(&doc));
        }
    }
    docs
}

/// A filter for documents that may hold a link fragment naming one of `slugs`.
pub fn may_link_to(slugs: Vec<String>) -> impl Fn(&str) -> bool {
    // Non-ASCII anchors are often written percent-encoded: `#%C3%A9tat`.
    let encoded: Vec<String> = slugs
        .iter()
        .map(|s| {
            s.chars()
                .map(|c| {
                    let mut buf = [0; 4];
                    match c.is_ascii() {
                        true => c.to_string(),
                        false => c
                            .encode_utf8(&mut buf)
                            .bytes()
                            .map(|b| format!("%{b:02x}"))
                            .collect(),
                    }
                })
                .collect()
        })
        .collect();
    move |text: &str| {
        if !text.contains('#') {
            return false;
        }
        let lower = text.to_lowercase();
        slugs.iter().any(|s| lower.contains(s.as_str()))
            || encoded.iter().any(|e| lower.contains(e.as_str()))
    }
}
