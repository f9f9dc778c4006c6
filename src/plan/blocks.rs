//! The facts of one chunk: its headings and blocks in order, each with the inline facts of its
//! text, with offsets relative to the chunk. Parsed with tree-sitter-md's block grammar.

use std::ops::Range;

use tree_sitter::{Node, Parser};

use super::inline::{self, InlineFacts};
use super::placeholders::PlaceholderSyntax;

#[derive(Debug)]
pub(super) enum ElementKind {
    Heading {
        level: u8,
        title: std::sync::Arc<str>,
        /// The title as template matching compares it, and its anchor before duplicates are
        /// numbered: computed once per chunk, not per keystroke for every heading.
        normalized: std::sync::Arc<str>,
        anchor: std::sync::Arc<str>,
    },
    /// Paragraphs, lists, tables, quotes: text that counts as section content.
    Content,
    Code,
    FrontMatter {
        text: String,
    },
    LinkDefinition {
        label: String,
        destination: String,
        destination_range: Range<usize>,
    },
}

#[derive(Debug)]
pub(super) struct Element {
    pub kind: ElementKind,
    /// For headings, the heading line(s) without the line break.
    pub range: Range<usize>,
    pub facts: InlineFacts,
}

#[derive(Debug, Default)]
pub(super) struct ChunkFacts {
    pub elements: Vec<Element>,
}

/// The parsers a chunk analysis needs, reused across chunks.
pub(super) struct Parsers {
    block: Parser,
    inline: Parser,
}

impl Default for Parsers {
    fn default() -> Self {
        let mut block = Parser::new();
        block
            .set_language(&tree_sitter_md::LANGUAGE.into())
            .expect("the tree-sitter-md block grammar matches the tree-sitter version");
        let mut inline = Parser::new();
        inline
            .set_language(&tree_sitter_md::INLINE_LANGUAGE.into())
            .expect("the tree-sitter-md inline grammar matches the tree-sitter version");
        Parsers { block, inline }
    }
}

/// `at_document_start`: only the document's first chunk may be front matter. Elsewhere a chunk
/// opening with `---` is a thematic break, but tree-sitter-md would read `---` … `---` at the
/// start of what it sees as a document as front matter: that line is parsed as the equivalent
/// `***` instead.
pub(super) fn analyze_chunk(
    parsers: &mut Parsers,
    text: &str,
    syntax: &PlaceholderSyntax,
    at_document_start: bool,
) -> ChunkFacts {
    let masked;
    let text = if !at_document_start && text.starts_with("---") {
        masked = format!("***{}", &text[3..]);
        masked.as_str()
    } else {
        text
    };
    let mut facts = ChunkFacts::default();
    let Some(tree) = parsers.block.parse(text, None) else {
        return facts;
    };
    let mut walker = Walker {
        text,
        syntax,
        inline: &mut parsers.inline,
        out: &mut facts.elements,
    };
    walker.children(tree.root_node());
    // Kept for as long as the chunk is unchanged: without their growth slack (a long plan has
    // tens of thousands of chunks, most with one element in room for four).
    facts.elements.shrink_to_fit();
    for element in &mut facts.elements {
        element.facts.shrink_to_fit();
    }
    facts
}

struct Walker<'a> {
    text: &'a str,
    syntax: &'a PlaceholderSyntax,
    inline: &'a mut Parser,
    out: &'a mut Vec<Element>,
}

impl Walker<'_> {
    fn children(&mut self, node: Node) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            self.block(child);
        }
    }

    /// A block directly under the document or a section.
    fn block(&mut self, node: Node) {
        let range = node.byte_range();
        match node.kind() {
            "section" => self.children(node),
            "atx_heading" | "setext_heading" => {
                let (level, title_node) = heading_level_and_title(node);
                let mut facts = InlineFacts::default();
                let title = match title_node {
                    Some(t) => {
                        self.inline_into(t, &mut facts);
                        clean_heading_title(&self.text[t.byte_range()])
                    }
                    None => String::new(),
                };
                self.out.push(Element {
                    kind: ElementKind::Heading {
                        level,
                        normalized: super::headings::normalize_title(&title).into(),
                        anchor: super::slug::slugify(&super::slug::heading_text(&title)).into(),
                        title: title.into(),
                    },
                    range: trim_trailing_break(self.text, range),
                    facts,
                });
            }
            "minus_metadata" => self.out.push(Element {
                kind: ElementKind::FrontMatter {
                    text: self.text[range.clone()].to_string(),
                },
                range,
                facts: InlineFacts::default(),
            }),
            "fenced_code_block" | "indented_code_block" => self.out.push(Element {
                kind: ElementKind::Code,
                range: trim_trailing_break(self.text, range),
                facts: InlineFacts::default(),
            }),
            "link_reference_definition" => self.link_definition(node),
            kind if node.is_named() && kind != "block_continuation" => {
                let mut facts = InlineFacts::default();
                self.collect_inlines(node, &mut facts);
                self.out.push(Element {
                    kind: ElementKind::Content,
                    range,
                    facts,
                });
            }
            _ => {}
        }
    }

    fn link_definition(&mut self, node: Node) {
        let mut cursor = node.walk();
        let mut label = None;
        let mut destination = None;
        for child in node.children(&mut cursor) {
            match child.kind() {
                "link_label" => {
                    label = Some(inline::normalize_label(&self.text[child.byte_range()]))
                }
                "link_destination" => destination = Some(child.byte_range()),
                _ => {}
            }
        }
        if let (Some(label), Some(destination_range)) = (label, destination) {
            self.out.push(Element {
                kind: ElementKind::LinkDefinition {
                    label,
                    destination: self.text[destination_range.clone()].to_string(),
                    destination_range,
                },
                range: node.byte_range(),
                facts: InlineFacts::default(),
            });
        }
    }

    /// Inline facts of every `inline` node under a block (lists, quotes, tables…).
    fn collect_inlines(&mut self, node: Node, facts: &mut InlineFacts) {
        match node.kind() {
            "inline" | "pipe_table_cell" => self.inline_into(node, facts),
            "fenced_code_block" | "indented_code_block" | "html_block" | "block_continuation" => {}
            "link_reference_definition" => {}
            _ => {
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    if child.is_named() {
                        self.collect_inlines(child, facts);
                    }
                }
            }
        }
    }

    fn inline_into(&mut self, node: Node, facts: &mut InlineFacts) {
        let range = node.byte_range();
        let text = mask_continuation_markers(&self.text[range.clone()]);
        let found = inline::analyze(self.inline, &text, self.syntax);
        facts.extend_shifted(found, range.start);
    }
}

/// Blanks the block quote markers (`>`) that continue a paragraph on its later lines; inside a
/// paragraph a line can only start with `>` as such a marker. Same length, so offsets hold.
fn mask_continuation_markers(text: &str) -> std::borrow::Cow<'_, str> {
    let needs_mask = text.match_indices('\n').any(|(i, _)| {
        text[i + 1..]
            .trim_start_matches([' ', '\t'])
            .starts_with('>')
    });
    if !needs_mask {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index == 0 {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            let Some(after) = trimmed.strip_prefix('>') else {
                break;
            };
            out.extend(std::iter::repeat_n(' ', rest.len() - after.len()));
            rest = after;
        }
        out.push_str(rest);
    }
    std::borrow::Cow::Owned(out)
}

fn heading_level_and_title(heading: Node) -> (u8, Option<Node>) {
    let mut cursor = heading.walk();
    let mut level = 1;
    let mut title = None;
    for child in heading.children(&mut cursor) {
        match child.kind() {
            "atx_h1_marker" | "setext_h1_underline" => level = 1,
            "atx_h2_marker" | "setext_h2_underline" => level = 2,
            "atx_h3_marker" => level = 3,
            "atx_h4_marker" => level = 4,
            "atx_h5_marker" => level = 5,
            "atx_h6_marker" => level = 6,
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

fn trim_trailing_break(text: &str, range: Range<usize>) -> Range<usize> {
    let trimmed = text[range.clone()].trim_end_matches(['\n', '\r']);
    range.start..range.start + trimmed.len()
}
