//! The plan model: sections, placeholders, file references and front matter, built from the
//! Markdown of a document (tree-sitter-md, chunk by chunk; see `chunks`). All ranges are byte ranges into the document text.

mod blocks;
mod cache;
mod chunks;
pub mod constructs;
pub mod fragments;
pub mod front_matter;
pub mod headings;
mod inline;
pub mod placeholders;
pub mod references;
pub mod slots;
pub mod slug;
pub mod template;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use ropey::Rope;

use blocks::ElementKind;
pub use cache::PlanCache;
pub use front_matter::FrontMatter;
pub use placeholders::PlaceholderSyntax;
use references::{FileTarget, ReferenceForm};

/// A heading and everything under it up to the next heading of the same or a higher level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: Arc<str>,
    pub normalized: Arc<str>,
    /// The heading's anchor before duplicates are numbered (`slug::section_slugs` numbers them).
    pub anchor: Arc<str>,
    pub level: u8,
    /// The heading line(s), without the trailing line break.
    pub heading: Range<usize>,
    /// The heading and its body, subsections included.
    pub range: Range<usize>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Whether the section has text of its own (not counting subsections).
    pub has_content: bool,
}

/// An unresolved placeholder such as `[NEEDS CLARIFICATION: …]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Stable within a version of the document: `P1`, `P2`… in document order.
    pub id: String,
    /// Shared with the chunk facts: building a plan copies no text.
    pub question: Arc<str>,
    pub range: Range<usize>,
    pub section: Option<usize>,
}

/// A reference from the plan to a file (and maybe lines) in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub range: Range<usize>,
    pub target: FileTarget,
    pub form: ReferenceForm,
}

/// A link to a heading: `[see](#status-quo)`, `[x](other.md#heading)`, `[x][label]` with
/// `[label]: #heading`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadingLink {
    /// The link as written; for `[text][label]`, the use.
    pub range: Range<usize>,
    /// The file part, percent-decoded; `None` for a heading of this document.
    pub path: Option<Arc<str>>,
    /// The fragment, percent-decoded, without `#`.
    pub fragment: Arc<str>,
    /// Where the fragment is written, for rename; `None` on a `[text][label]` use, whose
    /// fragment is written in its definition.
    pub fragment_range: Option<Range<usize>>,
}

/// A code span, kept for symbol lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSpan {
    pub range: Range<usize>,
    pub content: Arc<str>,
    /// The content is a file reference (`src/a.rs:3`), already among the references.
    pub is_file_reference: bool,
}

/// A region that folds: code blocks, front matter, wrapper tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub range: Range<usize>,
    pub kind: BlockKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Code,
    FrontMatter,
    Wrapper,
}

/// Everything the features need to know about one version of a plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub front_matter: Option<FrontMatter>,
    pub sections: Vec<Section>,
    pub placeholders: Vec<Placeholder>,
    pub references: Vec<Reference>,
    /// Links to headings, in document order.
    pub heading_links: Vec<HeadingLink>,
    pub code_spans: Vec<CodeSpan>,
    pub blocks: Vec<Block>,
    /// `\r\n` when the document mostly uses it, so inserted text matches.
    pub line_ending: &'static str,
    /// The text this plan was built from, and its line starts, for fast position conversion.
    pub text: std::sync::Arc<str>,
    pub lines: std::sync::Arc<crate::document::line_index::LineIndex>,
    /// The chunks the text was parsed in (see `chunks`): what a chunk holds depends only on its
    /// text and on [`Plan::cross_chunk_digest`].
    pub chunks: Vec<Range<usize>>,
    /// A digest of what chunks see of each other: the headings (the section of everything
    /// below them), the link definitions (`[text][label]` anywhere), and whether the plan is
    /// an unfilled template (its bracketed phrases are blanks).
    pub cross_chunk_digest: u64,
    /// How many bracketed phrases would be placeholders if the plan were an unfilled template.
    weak_slot_count: usize,
}

impl Plan {
    /// Builds the model of `rope`, re-parsing only the chunks that changed since the last build
    /// with the same `cache`.
    pub fn build(rope: &Rope, syntax: &PlaceholderSyntax, cache: &mut PlanCache) -> Plan {
        let text: std::borrow::Cow<'_, str> = rope.slice(..).into();
        Self::build_text(&text, syntax, cache)
    }

    /// Builds the model of a text once (commands, the command line, tests).
    pub fn parse(text: &str, syntax: &PlaceholderSyntax) -> Plan {
        Self::build_text(text, syntax, &mut PlanCache::default())
    }

    fn build_text(text: &str, syntax: &PlaceholderSyntax, cache: &mut PlanCache) -> Plan {
        Self::build_chunks(text, chunks::split(text), syntax, cache)
    }

    fn build_chunks(
        text: &str,
        split: chunks::Split,
        syntax: &PlaceholderSyntax,
        cache: &mut PlanCache,
    ) -> Plan {
        cache.start_pass(&syntax.fingerprint, text);
        let shared: std::sync::Arc<str> = text.into();
        let mut builder = Builder {
            plan: Plan {
                line_ending: detect_line_ending(text),
                text: shared.clone(),
                lines: std::sync::Arc::new(crate::document::line_index::LineIndex::new(text)),
                ..Plan::default()
            },
            open: Vec::new(),
            link_definitions: HashMap::new(),
            reference_links: Vec::new(),
            weak_slots: Vec::new(),
        };
        let facts = cache.facts_all(text, &split.chunks, syntax);
        for (chunk, facts) in split.chunks.iter().zip(&facts) {
            builder.add_chunk(facts, chunk.start);
        }
        cache.end_pass(&shared);
        builder.finish(text, &split)
    }

    /// The model of the start of a long `text`: its first chunks, up to about `budget` bytes;
    /// for a first look at a document before the whole of it is parsed. `None` when what the
    /// rest of the text holds could change the placeholders found there: a link definition
    /// further down naming one of them (it is a link then), or bracketed phrases that are
    /// placeholders only if the document turns out to be an unfilled template.
    pub fn parse_start(text: &str, budget: usize, syntax: &PlaceholderSyntax) -> Option<Plan> {
        let mut cut = text.len().min(budget);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut split = chunks::split(&text[..cut]);
        // The last chunk may go on past the cut: only whole ones.
        split.chunks.pop();
        let end = split.chunks.last()?.end;
        split.wrappers.retain(|(range, _, _)| range.end <= end);
        let start = &text[..end];
        let plan = Self::build_chunks(start, split, syntax, &mut PlanCache::default());
        let bracketed = |p: &&Placeholder| start[p.range.clone()].starts_with('[');
        // Two template slots make the start an unfilled template already, read as such; with
        // fewer, the rest may still make it one, and then its other bracketed phrases are blanks.
        let template_slots = plan
            .placeholders
            .iter()
            .filter(bracketed)
            .filter(|p| slots::is_template_slot(&start[p.range.clone()]))
            .count();
        let blanks_if_template = plan.weak_slot_count > 0
            || plan.blocks.iter().any(|b| {
                b.kind == BlockKind::Code && !slots::scan(&start[b.range.clone()], true).is_empty()
            });
        if template_slots < 2 && blanks_if_template {
            return None;
        }
        let labels: std::collections::HashSet<String> = plan
            .placeholders
            .iter()
            .filter(bracketed)
            .map(|p| inline::normalize_label(&start[p.range.clone()]))
            .collect();
        let defined_later = !labels.is_empty()
            && link_definition_labels(&text[end..])
                .any(|l| labels.contains(&inline::normalize_label(l)));
        (!defined_later).then_some(plan)
    }

    /// The titles from the top section down to `index`.
    pub fn section_path(&self, index: usize) -> Vec<String> {
        let mut path = Vec::new();
        let mut current = Some(index);
        while let Some(i) = current {
            path.push(self.sections[i].title.to_string());
            current = self.sections[i].parent;
        }
        path.reverse();
        path
    }

    /// The innermost section containing `offset`: the last one starting at or before it, or the
    /// nearest of its parents that still contains it (sections nest and are in document order,
    /// so this is a binary search, not a scan: it runs per unresolved reference per keystroke).
    pub fn section_at(&self, offset: usize) -> Option<usize> {
        let contains =
            |s: &Section| s.range.start <= offset && offset < s.range.end.max(s.range.start + 1);
        let mut current = self
            .sections
            .partition_point(|s| s.range.start <= offset)
            .checked_sub(1);
        while let Some(i) = current {
            if contains(&self.sections[i]) {
                return Some(i);
            }
            current = self.sections[i].parent;
        }
        None
    }

    pub fn placeholder_at(&self, offset: usize) -> Option<&Placeholder> {
        self.placeholders
            .iter()
            .find(|p| p.range.start <= offset && offset <= p.range.end)
    }

    pub fn placeholder_by_id(&self, id: &str) -> Option<&Placeholder> {
        self.placeholders
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub fn heading_link_at(&self, offset: usize) -> Option<&HeadingLink> {
        self.heading_links
            .iter()
            .find(|l| l.range.start <= offset && offset <= l.range.end)
    }

    /// The section whose heading line holds `offset`.
    pub fn heading_at(&self, offset: usize) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.heading.start <= offset && offset <= s.heading.end)
    }

    pub fn reference_at(&self, offset: usize) -> Option<&Reference> {
        self.references
            .iter()
            .find(|r| r.range.start <= offset && offset <= r.range.end)
    }

    /// Section `index`'s range without the blank lines that follow it.
    pub fn section_content(&self, index: usize) -> Range<usize> {
        let range = self.sections[index].range.clone();
        range.start..range.start + self.text[range].trim_end().len()
    }

    /// Placeholders inside section `index` or its subsections.
    pub fn placeholders_in(&self, index: usize) -> impl Iterator<Item = &Placeholder> {
        let range = self.sections[index].range.clone();
        self.placeholders
            .iter()
            .filter(move |p| range.contains(&p.range.start))
    }
}

/// The labels of the lines of `text` that look like link definitions (`[label]: …`), loosely:
/// a superset of what the parser would take for one.
fn link_definition_labels(text: &str) -> impl Iterator<Item = &str> {
    memchr::memmem::find_iter(text.as_bytes(), b"]:").filter_map(move |at| {
        let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
        let head = &text[line_start..at];
        let label = head.trim_start_matches([' ', '\t', '>', '-', '*', '+']);
        label.starts_with('[').then(|| &label[1..])
    })
}

fn detect_line_ending(text: &str) -> &'static str {
    // The first line break decides: cheap, and mixed files are rare.
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Assembles chunk facts into the document-wide plan: sections nest by heading level across chunks.
struct Builder {
    plan: Plan,
    /// Sections still open at the current point, outermost first.
    open: Vec<usize>,
    link_definitions: HashMap<String, String>,
    /// `[text][label]` uses, resolved once all definitions are known.
    reference_links: Vec<(Range<usize>, String)>,
    /// Bracketed phrases that are placeholders only in an unfilled template.
    weak_slots: Vec<Placeholder>,
}

impl Builder {
    fn add_chunk(&mut self, facts: &blocks::ChunkFacts, base: usize) {
        let shift = |r: &Range<usize>| r.start + base..r.end + base;
        for element in &facts.elements {
            let range = shift(&element.range);
            match &element.kind {
                ElementKind::Heading {
                    level,
                    title,
                    normalized,
                    anchor,
                } => {
                    while let Some(&top) = self.open.last() {
                        if self.plan.sections[top].level >= *level {
                            self.plan.sections[top].range.end = range.start;
                            self.open.pop();
                        } else {
                            break;
                        }
                    }
                    let index = self.plan.sections.len();
                    let parent = self.open.last().copied();
                    self.plan.sections.push(Section {
                        normalized: normalized.clone(),
                        anchor: anchor.clone(),
                        title: title.clone(),
                        level: *level,
                        heading: range.clone(),
                        range: range.start..usize::MAX,
                        parent,
                        children: Vec::new(),
                        has_content: false,
                    });
                    if let Some(p) = parent {
                        self.plan.sections[p].children.push(index);
                    }
                    self.open.push(index);
                }
                ElementKind::Content => self.mark_content(),
                ElementKind::Code => {
                    self.mark_content();
                    self.plan.blocks.push(Block {
                        range: range.clone(),
                        kind: BlockKind::Code,
                    });
                }
                ElementKind::FrontMatter { text } => {
                    self.plan.front_matter = Some(FrontMatter::parse(text, range.start));
                    self.plan.blocks.push(Block {
                        range: range.clone(),
                        kind: BlockKind::FrontMatter,
                    });
                }
                ElementKind::LinkDefinition {
                    label,
                    destination,
                    destination_range,
                } => {
                    self.mark_content();
                    if let Some(target) = references::link_target(destination) {
                        self.plan.references.push(Reference {
                            range: shift(destination_range),
                            target,
                            form: ReferenceForm::Link,
                        });
                    }
                    if let Some(target) = fragments::parse_destination(destination) {
                        let at = destination_range.start + base;
                        self.plan.heading_links.push(HeadingLink {
                            range: shift(destination_range),
                            fragment_range: Some(
                                at + target.fragment_range.start..at + target.fragment_range.end,
                            ),
                            path: target.path.map(Into::into),
                            fragment: target.fragment.into(),
                        });
                    }
                    self.link_definitions
                        .entry(label.clone())
                        .or_insert_with(|| destination.clone());
                }
            }
            self.absorb(&element.facts, base);
        }
    }

    fn mark_content(&mut self) {
        if let Some(&top) = self.open.last() {
            self.plan.sections[top].has_content = true;
        }
    }

    fn absorb(&mut self, facts: &inline::InlineFacts, base: usize) {
        let section = self.open.last().copied();
        let shift = |r: &Range<usize>| r.start + base..r.end + base;
        for p in &facts.placeholders {
            self.plan.placeholders.push(Placeholder {
                id: String::new(),
                question: p.question.clone(),
                range: shift(&p.range),
                section,
            });
        }
        for p in &facts.weak_slots {
            self.weak_slots.push(Placeholder {
                id: String::new(),
                question: p.question.clone(),
                range: shift(&p.range),
                section,
            });
        }
        for (range, target, form) in &facts.references {
            self.plan.references.push(Reference {
                range: shift(range),
                target: target.clone(),
                form: *form,
            });
        }
        for link in &facts.heading_links {
            self.plan.heading_links.push(HeadingLink {
                range: shift(&link.range),
                fragment_range: link.fragment_range.as_ref().map(shift),
                ..link.clone()
            });
        }
        for (range, content, is_file_reference) in &facts.code_spans {
            self.plan.code_spans.push(CodeSpan {
                range: shift(range),
                content: content.clone(),
                is_file_reference: *is_file_reference,
            });
        }
        for (range, label) in &facts.reference_links {
            self.reference_links.push((shift(range), label.clone()));
        }
    }

    fn cross_chunk_digest(&self, unfilled: bool) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = rustc_hash::FxHasher::default();
        unfilled.hash(&mut hasher);
        for s in &self.plan.sections {
            (s.level, &s.title).hash(&mut hasher);
        }
        let mut definitions: Vec<_> = self.link_definitions.iter().collect();
        definitions.sort_unstable();
        definitions.hash(&mut hasher);
        hasher.finish()
    }

    /// A bracketed phrase that names a link definition is a link. Weak slots count only in an
    /// unfilled template: a document with two bracketed placeholders already. Returns whether
    /// the plan is one.
    fn settle_slots(&mut self, text: &str) -> bool {
        let defined = |p: &Placeholder| {
            text[p.range.clone()].starts_with('[')
                && self
                    .link_definitions
                    .contains_key(&inline::normalize_label(&text[p.range.clone()]))
        };
        if !self.link_definitions.is_empty() {
            let placeholders = std::mem::take(&mut self.plan.placeholders);
            self.plan.placeholders = placeholders.into_iter().filter(|p| !defined(p)).collect();
        }
        // Two template slots make an unfilled template; stop looking at the second (this runs
        // on every build, and a plan may hold thousands of placeholders).
        let unfilled = self
            .plan
            .placeholders
            .iter()
            .filter(|p| text[p.range.clone()].starts_with('['))
            .filter(|p| slots::is_template_slot(&text[p.range.clone()]))
            .nth(1)
            .is_some();
        if !unfilled {
            return false;
        }
        // An unfilled template: its other bracketed phrases are blanks too, in code as well.
        let mut weak: Vec<Placeholder> = std::mem::take(&mut self.weak_slots)
            .into_iter()
            .filter(|p| !defined(p))
            .collect();
        for block in self
            .plan
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Code)
        {
            for slot in slots::scan(&text[block.range.clone()], true) {
                let start = block.range.start + slot.range.start;
                weak.push(Placeholder {
                    id: String::new(),
                    question: slot.question.into(),
                    range: start..block.range.start + slot.range.end,
                    section: self.plan.section_at(start),
                });
            }
        }
        self.plan.placeholders.extend(weak);
        self.plan.placeholders.sort_by_key(|p| p.range.start);
        true
    }

    fn finish(mut self, text: &str, split: &chunks::Split) -> Plan {
        let end = text.len();
        for section in &mut self.plan.sections {
            if section.range.end == usize::MAX {
                section.range.end = end;
            }
        }
        for (range, label) in std::mem::take(&mut self.reference_links) {
            if let Some(destination) = self.link_definitions.get(&label) {
                if let Some(target) = references::link_target(destination) {
                    self.plan.references.push(Reference {
                        range: range.clone(),
                        target,
                        form: ReferenceForm::Link,
                    });
                }
                if let Some(target) = fragments::parse_destination(destination) {
                    self.plan.heading_links.push(HeadingLink {
                        range,
                        path: target.path.map(Into::into),
                        fragment: target.fragment.into(),
                        fragment_range: None,
                    });
                }
            }
        }
        self.plan.references.sort_by_key(|r| r.range.start);
        self.plan.heading_links.sort_by_key(|l| l.range.start);
        self.plan.weak_slot_count = self.weak_slots.len();
        let unfilled = self.settle_slots(text);
        self.plan.cross_chunk_digest = self.cross_chunk_digest(unfilled);
        self.plan.chunks = split.chunks.clone();
        for (i, p) in self.plan.placeholders.iter_mut().enumerate() {
            p.id = format!("P{}", i + 1);
        }
        let mut open: Vec<(&str, usize)> = Vec::new();
        for (range, name, closing) in &split.wrappers {
            if !closing {
                open.push((name, range.start));
            } else if let Some(pos) = open.iter().rposition(|(n, _)| n == name) {
                let (_, begin) = open.remove(pos);
                self.plan.blocks.push(Block {
                    range: begin..range.end,
                    kind: BlockKind::Wrapper,
                });
            }
        }
        self.plan
    }
}

#[cfg(test)]
mod tests;
