//! Inline analysis of one paragraph or heading (code spans, links, placeholders, file references),
//! parsed with tree-sitter-md's inline grammar. Results are cached with their chunk (`cache`).

use std::ops::Range;
use tree_sitter::{Node, Parser};

use super::fragments;
use super::placeholders::{PlaceholderMatch, PlaceholderSyntax};
use super::references::{self, FileTarget, ReferenceForm};
use super::slots;
use super::HeadingLink;

/// What one piece of inline text contains, with ranges relative to its start.
#[derive(Debug, Default, Clone)]
pub(super) struct InlineFacts {
    pub placeholders: Vec<PlaceholderMatch>,
    /// Bracketed phrases that are placeholders only in an unfilled template (`slots`).
    pub weak_slots: Vec<PlaceholderMatch>,
    pub references: Vec<(Range<usize>, FileTarget, ReferenceForm)>,
    /// Each code span, its content, and whether that content is a file reference.
    pub code_spans: Vec<(Range<usize>, std::sync::Arc<str>, bool)>,
    /// `[text][label]`, `[label][]` and `[label]` links, by normalised label.
    pub reference_links: Vec<(Range<usize>, String)>,
    /// Inline links to headings (`[see](#status-quo)`, `[x](other.md#y)`).
    pub heading_links: Vec<HeadingLink>,
}

impl InlineFacts {
    pub(super) fn shrink_to_fit(&mut self) {
        self.placeholders.shrink_to_fit();
        self.weak_slots.shrink_to_fit();
        self.references.shrink_to_fit();
        self.code_spans.shrink_to_fit();
        self.reference_links.shrink_to_fit();
        self.heading_links.shrink_to_fit();
    }
}

/// Ranges in which placeholders and prose paths are not looked for.
struct Exclusions {
    /// Code spans, link destinations, autolinks, raw HTML: no placeholders start here.
    literal: Vec<Range<usize>>,
    /// Whole links and code spans: no prose paths here.
    structured: Vec<Range<usize>>,
}

impl InlineFacts {
    /// Appends `other`, whose offsets are relative to `base`.
    pub(super) fn extend_shifted(&mut self, other: InlineFacts, base: usize) {
        let shift = |r: Range<usize>| r.start + base..r.end + base;
        self.placeholders
            .extend(other.placeholders.into_iter().map(|mut p| {
                p.range = shift(p.range);
                p
            }));
        self.weak_slots
            .extend(other.weak_slots.into_iter().map(|mut p| {
                p.range = shift(p.range);
                p
            }));
        self.references.extend(
            other
                .references
                .into_iter()
                .map(|(r, t, f)| (shift(r), t, f)),
        );
        self.code_spans.extend(
            other
                .code_spans
                .into_iter()
                .map(|(r, c, f)| (shift(r), c, f)),
        );
        self.reference_links.extend(
            other
                .reference_links
                .into_iter()
                .map(|(r, l)| (shift(r), l)),
        );
        self.heading_links
            .extend(other.heading_links.into_iter().map(|link| HeadingLink {
                range: shift(link.range),
                fragment_range: link.fragment_range.map(shift),
                ..link
            }));
    }
}

/// `[Foo  Bar]` and `foo bar` name the same link reference.
pub(super) fn normalize_label(label: &str) -> String {
    label
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub(super) fn analyze(parser: &mut Parser, text: &str, syntax: &PlaceholderSyntax) -> InlineFacts {
    let mut facts = InlineFacts::default();
    let mut exclusions = Exclusions {
        literal: Vec::new(),
        structured: Vec::new(),
    };
    // Only code spans, links and raw HTML or autolinks matter here, and each starts with one of
    // these bytes: most lines of prose have none and need no inline parse.
    let structured = memchr::memchr3(b'`', b'[', b'<', text.as_bytes()).is_some();
    if let Some(tree) = structured.then(|| parser.parse(text, None)).flatten() {
        collect(tree.root_node(), text, &mut facts, &mut exclusions);
    }
    let starts_inside =
        |ranges: &[Range<usize>], at: usize| ranges.iter().any(|r| r.start <= at && at < r.end);
    facts.placeholders = syntax
        .scan(text)
        .into_iter()
        .filter(|m| !starts_inside(&exclusions.literal, m.range.start))
        .collect();
    if syntax.slots {
        add_slots(text, &exclusions, &mut facts);
    }
    for (range, target) in references::prose_targets(text) {
        let overlaps = exclusions
            .structured
            .iter()
            .chain(&exclusions.literal)
            .any(|r| r.start < range.end && range.start < r.end);
        if !overlaps {
            facts.references.push((range, target, ReferenceForm::Prose));
        }
    }
    facts.references.sort_by_key(|(r, _, _)| r.start);
    facts
}

/// Template slots outside code, and `[###-…]` slots inside code spans, that no other placeholder
/// syntax already took.
fn add_slots(text: &str, exclusions: &Exclusions, facts: &mut InlineFacts) {
    let mut found: Vec<slots::Slot> = slots::scan(text, false)
        .into_iter()
        .filter(|s| {
            !exclusions
                .literal
                .iter()
                .any(|r| r.start < s.range.end && s.range.start < r.end)
        })
        .collect();
    for (range, _, _) in &facts.code_spans {
        found.extend(
            slots::scan(&text[range.clone()], true)
                .into_iter()
                .map(|mut s| {
                    s.range = s.range.start + range.start..s.range.end + range.start;
                    s
                }),
        );
    }
    for slot in found {
        let taken = facts
            .placeholders
            .iter()
            .any(|p| p.range.start < slot.range.end && slot.range.start < p.range.end);
        if taken {
            continue;
        }
        let placeholder = PlaceholderMatch {
            range: slot.range,
            question: slot.question.into(),
        };
        if slot.strong {
            facts.placeholders.push(placeholder);
        } else {
            facts.weak_slots.push(placeholder);
        }
    }
    facts.placeholders.sort_by_key(|p| p.range.start);
}

fn collect(node: Node, text: &str, facts: &mut InlineFacts, exclusions: &mut Exclusions) {
    let range = node.byte_range();
    match node.kind() {
        "code_span" => {
            let content = code_span_content(node, text);
            let mut target = references::code_span_target(&content);
            if let Some(t) = target.as_mut().filter(|t| t.lines.is_none()) {
                let mut listed = references::trailing_lines(&text[range.end..]).into_iter();
                t.lines = listed.next();
                t.more_lines = listed.collect();
            }
            let is_file = target.is_some();
            if let Some(target) = target {
                facts
                    .references
                    .push((range.clone(), target, ReferenceForm::CodeSpan));
            }
            facts
                .code_spans
                .push((range.clone(), content.into(), is_file));
            exclusions.literal.push(range.clone());
            exclusions.structured.push(range);
        }
        "inline_link" | "image" => {
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if child.kind() == "link_destination" {
                    exclusions.literal.push(child.byte_range());
                    let destination = child.byte_range();
                    if let Some(target) = references::link_target(&text[destination.clone()]) {
                        facts
                            .references
                            .push((range.clone(), target, ReferenceForm::Link));
                    }
                    let fragment = (node.kind() == "inline_link")
                        .then(|| fragments::parse_destination(&text[destination.clone()]))
                        .flatten();
                    if let Some(target) = fragment {
                        let at = destination.start;
                        facts.heading_links.push(HeadingLink {
                            range: range.clone(),
                            path: target.path.map(Into::into),
                            fragment: target.fragment.into(),
                            fragment_range: Some(
                                at + target.fragment_range.start..at + target.fragment_range.end,
                            ),
                        });
                    }
                } else if child.kind() == "link_text" || child.kind() == "image_description" {
                    collect(child, text, facts, exclusions);
                }
            }
            exclusions.structured.push(range);
        }
        "full_reference_link" | "collapsed_reference_link" | "shortcut_link" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            let label_node = children
                .iter()
                .find(|c| c.kind() == "link_label")
                .or_else(|| children.iter().find(|c| c.kind() == "link_text"));
            if let Some(label) = label_node {
                let label = normalize_label(&text[label.byte_range()]);
                facts.reference_links.push((range.clone(), label));
            }
            exclusions.structured.push(range);
        }
        "uri_autolink" | "email_autolink" | "html_tag" => {
            exclusions.literal.push(range.clone());
            exclusions.structured.push(range);
        }
        _ => {
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                collect(child, text, facts, exclusions);
            }
        }
    }
}

fn code_span_content(node: Node, text: &str) -> String {
    let mut cursor = node.walk();
    let delimiters: Vec<Range<usize>> = node
        .children(&mut cursor)
        .filter(|c| c.kind() == "code_span_delimiter")
        .map(|c| c.byte_range())
        .collect();
    let (start, end) = match (delimiters.first(), delimiters.last()) {
        (Some(open), Some(close)) if delimiters.len() >= 2 => (open.end, close.start),
        _ => (node.start_byte(), node.end_byte()),
    };
    let content = &text[start..end];
    // CommonMark strips one space on each side when both are present.
    if content.len() >= 2
        && content.starts_with(' ')
        && content.ends_with(' ')
        && !content.trim().is_empty()
    {
        content[1..content.len() - 1].to_string()
    } else {
        content.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node kind `collect` acts on, in any prose without a backtick, `[` or `<`: none
    /// (bare URLs, e-mail addresses, escapes, entities and emphasis included), so skipping the
    /// inline parse for such text loses nothing.
    #[test]
    fn prose_without_backticks_brackets_or_angles_has_nothing_to_collect() {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_md::INLINE_LANGUAGE.into())
            .unwrap();
        let collected = [
            "code_span",
            "inline_link",
            "image",
            "full_reference_link",
            "collapsed_reference_link",
            "shortcut_link",
            "uri_autolink",
            "email_autolink",
            "html_tag",
        ];
        for text in [
            "See https://example.com/a/b.rs and www.example.com/x for TBD.",
            "Mail me@example.com or visit http://x.y/z?q=1&r=2#frag today.",
            "**Bold** _em_ ~~strike~~ \\*escaped\\* &amp; &#35; entity!",
            "A hard break  \nand a path src/a.rs:12 in prose, TODO: owner?",
            "Exclamation! then (parens) and ] a closing bracket alone.",
        ] {
            let tree = parser.parse(text, None).unwrap();
            let mut stack = vec![tree.root_node()];
            while let Some(node) = stack.pop() {
                assert!(
                    !collected.contains(&node.kind()),
                    "{} in {text:?}",
                    node.kind()
                );
                let mut cursor = node.walk();
                stack.extend(node.children(&mut cursor));
            }
            let with = analyze(&mut parser, text, &PlaceholderSyntax::default());
            assert!(with.code_spans.is_empty() && with.heading_links.is_empty());
        }
    }
}
