//! The Markdown constructs around one offset, innermost first: inline spans (code, links,
//! emphasis), the paragraph or heading, list items and lists (nested items outward), quotes,
//! tables, code blocks. For expand-selection, which asks about one place at a time, so only the
//! text between the headings around that place is parsed (the plan model keeps no block tree).

use std::ops::Range;

use tree_sitter::{Node, Parser};

use super::Plan;

/// Block nodes that are no construct of their own: the whole region, or syntax between blocks.
const NOT_CONSTRUCTS: &[&str] = &["document", "section", "block_continuation"];

/// The ranges of the constructs of `plan` that contain `offset`, innermost first, each trimmed
/// of surrounding whitespace. Sections and the document are not among them: the plan has those.
pub fn constructs_at(plan: &Plan, offset: usize) -> Vec<Range<usize>> {
    let text = &plan.text;
    let offset = offset.min(text.len());
    let region = region_around(plan, offset);
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_md::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let Some(tree) = parser.parse(&text[region.clone()], None) else {
        return Vec::new();
    };
    let local = offset - region.start;
    let mut found = Vec::new();
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(local, local)
        .filter(|n| n.kind() != "document");
    while let Some(n) = node {
        if n.kind() == "inline" {
            found.extend(inline_spans(
                text,
                region.start + n.start_byte()..region.start + n.end_byte(),
                offset,
            ));
        }
        if n.is_named() && !NOT_CONSTRUCTS.contains(&n.kind()) {
            push_trimmed(
                &mut found,
                text,
                region.start + n.start_byte()..region.start + n.end_byte(),
            );
        }
        node = n.parent();
    }
    found
}

/// From the heading of the innermost section at `offset` (or the document's start) to the next
/// heading: no block crosses a heading the plan model found.
fn region_around(plan: &Plan, offset: usize) -> Range<usize> {
    let start = plan
        .section_at(offset)
        .map_or(0, |i| plan.sections[i].heading.start);
    // Sections are in document order: the first to start after `offset` is found by bisection.
    let end = plan
        .sections
        .get(plan.sections.partition_point(|s| s.range.start <= offset))
        .map_or(plan.text.len(), |s| s.range.start);
    start..end
}

/// The inline nodes (code spans, links, emphasis…) of one paragraph or heading text that hold
/// `offset`, innermost first.
fn inline_spans(text: &str, inline: Range<usize>, offset: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_md::INLINE_LANGUAGE.into())
        .is_err()
    {
        return out;
    }
    let Some(tree) = parser.parse(&text[inline.clone()], None) else {
        return out;
    };
    let local = offset.saturating_sub(inline.start);
    let mut node: Option<Node> = tree.root_node().descendant_for_byte_range(local, local);
    while let Some(n) = node {
        if n.is_named() && n.parent().is_some() {
            push_trimmed(
                &mut out,
                text,
                inline.start + n.start_byte()..inline.start + n.end_byte(),
            );
        }
        node = n.parent();
    }
    out
}

fn push_trimmed(out: &mut Vec<Range<usize>>, text: &str, range: Range<usize>) {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    if start < end && out.last() != Some(&(start..end)) {
        out.push(start..end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlaceholderSyntax;

    fn texts<'a>(text: &'a str, at: &str) -> Vec<&'a str> {
        let plan = Plan::parse(text, &PlaceholderSyntax::default());
        let offset = text.find(at).unwrap();
        constructs_at(&plan, offset)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn a_nested_item_widens_to_its_item_then_the_outer_item_and_list() {
        let text = "# Plan\n\n## Steps\n\n- first\n  - inner `code` here\n  - other\n- second\n\n## Next\n\nx\n";
        assert_eq!(
            texts(text, "ode`"),
            [
                "`code`",
                "inner `code` here",
                "- inner `code` here",
                "- inner `code` here\n  - other",
                "- first\n  - inner `code` here\n  - other",
                "- first\n  - inner `code` here\n  - other\n- second",
            ]
        );
    }

    #[test]
    fn a_heading_widens_to_its_line_and_a_paragraph_stays_in_its_section() {
        let text = "# Plan\n\n## Status *quo*\n\nOne line\nand two.\n\n## Next\n";
        assert_eq!(
            texts(text, "quo"),
            ["*quo*", "Status *quo*", "## Status *quo*"]
        );
        assert_eq!(texts(text, "two"), ["One line\nand two."]);
    }
}
