//! The plan model: sections, placeholders, file references and front matter, built from the
//! Markdown tree of a document. All ranges are byte ranges into the document text.

pub mod front_matter;
pub mod headings;
mod inline;
pub mod placeholders;
pub mod references;
pub mod template;

use std::collections::HashMap;
use std::ops::Range;

use ropey::Rope;
use tree_sitter::{Node, Tree};

pub use front_matter::FrontMatter;
pub use inline::InlineCache;
use inline::InlineFacts;
pub use placeholders::PlaceholderSyntax;
use references::{FileTarget, ReferenceForm};

/// A heading and everything under it up to the next heading of the same or a higher level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub normalized: String,
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
    pub question: String,
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

/// A code span, kept for symbol lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSpan {
    pub range: Range<usize>,
    pub content: String,
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
    pub code_spans: Vec<CodeSpan>,
    pub blocks: Vec<Block>,
    /// `\r\n` when the document mostly uses it, so inserted text matches.
    pub line_ending: &'static str,
}

impl Plan {
    /// Builds the model of `rope` from its block tree, reusing the inline analysis of unchanged
    /// paragraphs from `cache`.
    pub fn build(
        rope: &Rope,
        tree: Option<&Tree>,
        syntax: &PlaceholderSyntax,
        cache: &mut InlineCache,
    ) -> Plan {
        let mut builder = Builder {
            rope,
            syntax,
            cache,
            plan: Plan {
                line_ending: detect_line_ending(rope),
                ..Plan::default()
            },
            link_definitions: HashMap::new(),
            reference_links: Vec::new(),
        };
        cache_generation_start(builder.cache, syntax);
        if let Some(tree) = tree {
            builder.visit_children(tree.root_node(), None);
        }
        builder.finish()
    }

    /// The titles from the top section down to `index`.
    pub fn section_path(&self, index: usize) -> Vec<String> {
        let mut path = Vec::new();
        let mut current = Some(index);
        while let Some(i) = current {
            path.push(self.sections[i].title.clone());
            current = self.sections[i].parent;
        }
        path.reverse();
        path
    }

    /// The innermost section containing `offset`.
    pub fn section_at(&self, offset: usize) -> Option<usize> {
        self.sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.range.start <= offset && offset < s.range.end.max(s.range.start + 1))
            .max_by_key(|(_, s)| s.level)
            .map(|(i, _)| i)
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

    pub fn reference_at(&self, offset: usize) -> Option<&Reference> {
        self.references
            .iter()
            .find(|r| r.range.start <= offset && offset <= r.range.end)
    }

    pub fn code_span_at(&self, offset: usize) -> Option<&CodeSpan> {
        self.code_spans
            .iter()
            .find(|c| c.range.start <= offset && offset <= c.range.end)
    }

    /// Placeholders inside section `index` or its subsections.
    pub fn placeholders_in(&self, index: usize) -> impl Iterator<Item = &Placeholder> {
        let range = self.sections[index].range.clone();
        self.placeholders
            .iter()
            .filter(move |p| range.contains(&p.range.start))
    }
}

fn detect_line_ending(rope: &Rope) -> &'static str {
    // The first line break decides: cheap, and mixed files are rare.
    for chunk in rope.chunks() {
        if let Some(i) = chunk.find('\n') {
            let crlf = if i > 0 {
                chunk.as_bytes()[i - 1] == b'\r'
            } else {
                false
            };
            return if crlf { "\r\n" } else { "\n" };
        }
    }
    "\n"
}

fn cache_generation_start(cache: &mut InlineCache, syntax: &PlaceholderSyntax) {
    cache.start_pass(&syntax.fingerprint);
}

struct Builder<'a> {
    rope: &'a Rope,
    syntax: &'a PlaceholderSyntax,
    cache: &'a mut InlineCache,
    plan: Plan,
    link_definitions: HashMap<String, (Range<usize>, String)>,
    /// `[text][label]` uses, resolved once all definitions are known.
    reference_links: Vec<(Range<usize>, String)>,
}

impl Builder<'_> {
    fn text(&self, range: Range<usize>) -> String {
        self.rope.byte_slice(range).to_string()
    }

    fn visit_children(&mut self, node: Node, section: Option<usize>) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.visit(child, section);
        }
    }

    fn visit(&mut self, node: Node, section: Option<usize>) {
        match node.kind() {
            "section" => self.visit_section(node, section),
            "minus_metadata" => {
                let range = node.byte_range();
                let text = self.text(range.clone());
                self.plan.front_matter = Some(FrontMatter::parse(&text, range.start));
                self.plan.blocks.push(Block {
                    range,
                    kind: BlockKind::FrontMatter,
                });
            }
            "fenced_code_block" | "indented_code_block" => {
                self.mark_content(section);
                self.plan.blocks.push(Block {
                    range: trim_trailing_break(self.rope, node.byte_range()),
                    kind: BlockKind::Code,
                });
            }
            "inline" | "pipe_table_cell" => {
                self.mark_content(section);
                self.visit_inline(node, section);
            }
            "link_reference_definition" => {
                self.mark_content(section);
                self.visit_link_definition(node);
            }
            "atx_heading" | "setext_heading" => {
                // Headings are handled by their section; a stray one still has inline content.
                self.visit_children(node, section);
            }
            "html_block" | "thematic_break" => self.mark_content(section),
            _ => {
                if node.is_named() && node.kind() != "block_continuation" {
                    self.visit_children(node, section);
                }
            }
        }
    }

    fn mark_content(&mut self, section: Option<usize>) {
        if let Some(i) = section {
            self.plan.sections[i].has_content = true;
        }
    }

    fn visit_section(&mut self, node: Node, parent: Option<usize>) {
        let mut cursor = node.walk();
        let heading = node
            .children(&mut cursor)
            .find(|c| c.kind() == "atx_heading" || c.kind() == "setext_heading");
        let Some(heading) = heading else {
            self.visit_children(node, parent);
            return;
        };
        let (level, title_node) = heading_level_and_title(heading);
        let title = title_node
            .map(|n| clean_heading_title(&self.text(n.byte_range())))
            .unwrap_or_default();
        let index = self.plan.sections.len();
        self.plan.sections.push(Section {
            normalized: headings::normalize_title(&title),
            title,
            level,
            heading: trim_trailing_break(self.rope, heading.byte_range()),
            range: node.byte_range(),
            parent,
            children: Vec::new(),
            has_content: false,
        });
        if let Some(p) = parent {
            self.plan.sections[p].children.push(index);
        }
        if let Some(title_node) = title_node {
            self.visit_inline(title_node, Some(index));
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.id() != heading.id() {
                self.visit(child, Some(index));
            }
        }
    }

    fn visit_link_definition(&mut self, node: Node) {
        let mut cursor = node.walk();
        let mut label = None;
        let mut destination = None;
        for child in node.children(&mut cursor) {
            match child.kind() {
                "link_label" => label = Some(normalize_label(&self.text(child.byte_range()))),
                "link_destination" => destination = Some(child.byte_range()),
                _ => {}
            }
        }
        if let (Some(label), Some(dest_range)) = (label, destination) {
            let dest = self.text(dest_range.clone());
            if let Some(target) = references::link_target(&dest) {
                self.plan.references.push(Reference {
                    range: dest_range.clone(),
                    target,
                    form: ReferenceForm::Link,
                });
            }
            self.link_definitions
                .entry(label)
                .or_insert((dest_range, dest));
        }
    }

    fn visit_inline(&mut self, node: Node, section: Option<usize>) {
        let range = node.byte_range();
        let mut text = self.text(range.clone());
        // Block quote and list continuation markers inside a paragraph are not inline text.
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let r = child.byte_range();
            let (s, e) = (r.start - range.start, r.end - range.start);
            if e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e) {
                text.replace_range(s..e, &" ".repeat(e - s));
            }
        }
        let facts = self.cache.facts(&text, self.syntax);
        self.absorb(&facts, range.start, section);
    }

    fn absorb(&mut self, facts: &InlineFacts, base: usize, section: Option<usize>) {
        let shift = |r: &Range<usize>| r.start + base..r.end + base;
        for p in &facts.placeholders {
            self.plan.placeholders.push(Placeholder {
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
        for (range, content) in &facts.code_spans {
            self.plan.code_spans.push(CodeSpan {
                range: shift(range),
                content: content.clone(),
            });
        }
        for (range, label) in &facts.reference_links {
            self.reference_links.push((shift(range), label.clone()));
        }
    }

    fn finish(mut self) -> Plan {
        for (range, label) in std::mem::take(&mut self.reference_links) {
            if let Some((_, dest)) = self.link_definitions.get(&label) {
                if let Some(target) = references::link_target(dest) {
                    self.plan.references.push(Reference {
                        range,
                        target,
                        form: ReferenceForm::Link,
                    });
                }
            }
        }
        self.plan.references.sort_by_key(|r| r.range.start);
        self.plan.placeholders.sort_by_key(|p| p.range.start);
        for (i, p) in self.plan.placeholders.iter_mut().enumerate() {
            p.id = format!("P{}", i + 1);
        }
        self.collect_wrappers();
        self.cache.end_pass();
        self.plan
    }

    /// Records `<tag>` … `</tag>` wrapper pairs as foldable blocks.
    fn collect_wrappers(&mut self) {
        let mut open: Vec<(String, usize)> = Vec::new();
        for (line_index, line) in self.rope.lines().enumerate() {
            if line.len_bytes() > 200 {
                continue;
            }
            let text = line.to_string();
            let content = text.trim_end_matches(['\n', '\r']);
            if let Some((name, closing)) = crate::document::mask::wrapper_tag_name(content) {
                let start = self.rope.line_to_byte(line_index);
                if !closing {
                    open.push((name.to_string(), start));
                } else if let Some(pos) = open.iter().rposition(|(n, _)| n == name) {
                    let (_, begin) = open.remove(pos);
                    self.plan.blocks.push(Block {
                        range: begin..start + content.len(),
                        kind: BlockKind::Wrapper,
                    });
                }
            }
        }
    }
}

fn heading_level_and_title(heading: Node) -> (u8, Option<Node>) {
    let mut cursor = heading.walk();
    let mut level = 1;
    let mut title = None;
    for child in heading.children(&mut cursor) {
        match child.kind() {
            "atx_h1_marker" => level = 1,
            "atx_h2_marker" => level = 2,
            "atx_h3_marker" => level = 3,
            "atx_h4_marker" => level = 4,
            "atx_h5_marker" => level = 5,
            "atx_h6_marker" => level = 6,
            "setext_h1_underline" => level = 1,
            "setext_h2_underline" => level = 2,
            "inline" => title = Some(child),
            "paragraph" => {
                let mut c = child.walk();
                title = child.children(&mut c).find(|n| n.kind() == "inline");
            }
            _ => {}
        }
    }
    (level, title)
}

/// Drops an ATX closing sequence (`## Title ##`) and surrounding space.
fn clean_heading_title(raw: &str) -> String {
    let trimmed = raw.trim();
    let without_closing = trimmed.trim_end_matches('#');
    if without_closing.len() != trimmed.len()
        && (without_closing.is_empty() || without_closing.ends_with([' ', '\t']))
    {
        without_closing.trim().to_string()
    } else {
        trimmed.to_string()
    }
}

fn normalize_label(label: &str) -> String {
    label
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn trim_trailing_break(rope: &Rope, range: Range<usize>) -> Range<usize> {
    let mut end = range.end;
    while end > range.start {
        let b = rope.byte(end - 1);
        if b == b'\n' || b == b'\r' {
            end -= 1;
        } else {
            break;
        }
    }
    range.start..end
}

#[cfg(test)]
mod tests;
