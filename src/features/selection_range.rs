//! Expand selection: the word, the inline span (placeholder, reference, link, code span,
//! emphasis), the paragraph or heading, list items (nested ones outward) and lists, quotes and
//! other blocks, the section (heading and body), its parent sections, the document.

use std::ops::Range;

use tower_lsp::lsp_types::{Position, SelectionRange};

use super::FeatureError;
use crate::plan::{constructs, Plan};
use crate::snapshot::Snapshot;

/// One chain of ranges per position, in the order asked.
pub fn selection_ranges(
    snapshot: &Snapshot,
    positions: &[Position],
) -> Result<Vec<SelectionRange>, FeatureError> {
    positions
        .iter()
        .map(|&position| {
            let offset = snapshot.offset(position)?;
            Ok(to_lsp(snapshot, &chain(&snapshot.plan, offset)))
        })
        .collect()
}

/// The ranges that hold `offset`, innermost first, each inside the next.
fn chain(plan: &Plan, offset: usize) -> Vec<Range<usize>> {
    let mut candidates: Vec<Range<usize>> = Vec::new();
    candidates.extend(word_at(&plan.text, offset));
    let holds = |r: &Range<usize>| r.start <= offset && offset <= r.end;
    candidates.extend(plan.placeholder_at(offset).map(|p| p.range.clone()));
    candidates.extend(plan.reference_at(offset).map(|r| r.range.clone()));
    candidates.extend(plan.heading_link_at(offset).map(|l| l.range.clone()));
    candidates.extend(
        plan.code_spans
            .iter()
            .filter(|c| holds(&c.range))
            .map(|c| c.range.clone()),
    );
    candidates.extend(constructs::constructs_at(plan, offset));
    let mut section = plan.section_at(offset);
    while let Some(i) = section {
        candidates.push(plan.sections[i].heading.clone());
        candidates.push(plan.section_content(i));
        section = plan.sections[i].parent;
    }
    candidates.push(0..plan.text.len());
    candidates.retain(holds);
    // Shortest first; a range that only overlaps the one before (a placeholder across emphasis
    // marks) is left out, so each range contains the previous one as LSP requires.
    candidates.sort_by_key(|r| (r.len(), r.start));
    let mut out: Vec<Range<usize>> = Vec::new();
    for range in candidates {
        match out.last() {
            Some(last) if *last == range => {}
            Some(last) if !(range.start <= last.start && last.end <= range.end) => {}
            _ => out.push(range),
        }
    }
    out
}

/// The run of letters, digits and `_` around `offset` (also when `offset` is just after it).
fn word_at(text: &str, offset: usize) -> Option<Range<usize>> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then_some(start..end)
}

/// Nests the chain: the innermost range with the rest as its parents.
fn to_lsp(snapshot: &Snapshot, chain: &[Range<usize>]) -> SelectionRange {
    let mut nested: Option<SelectionRange> = None;
    for range in chain.iter().rev() {
        nested = Some(SelectionRange {
            range: snapshot.range(range.clone()),
            parent: nested.map(Box::new),
        });
    }
    // The document range is always in the chain, so this holds something.
    nested.unwrap_or(SelectionRange {
        range: snapshot.range(0..0),
        parent: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlaceholderSyntax;

    #[test]
    fn every_offset_gets_a_nested_chain_ending_at_the_document() {
        let text = "---\r\ntitle: x\r\n---\r\n# Plan ✓\r\n\r\n> quoted *text*\r\n> more\r\n\r\n\
            Setext\r\n======\r\n\r\n| a | b |\r\n|---|---|\r\n| `c` | [TBD] |\r\n\r\n\
            ```rust\r\nfn x() {}\r\n```\r\n\r\n1. one\r\n   - deep **é** [l](#plan)\r\n\r\nend";
        let plan = Plan::parse(text, &PlaceholderSyntax::default());
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            let chain = chain(&plan, offset);
            assert_eq!(chain.last(), Some(&(0..text.len())), "offset {offset}");
            assert!(
                chain[0].start <= offset && offset <= chain[0].end,
                "offset {offset}"
            );
            for pair in chain.windows(2) {
                assert!(
                    pair[1].start <= pair[0].start
                        && pair[0].end <= pair[1].end
                        && pair[0] != pair[1],
                    "offset {offset}: {pair:?}"
                );
            }
        }
    }

    #[test]
    fn a_word_is_found_from_inside_and_from_its_end() {
        let text = "say héllo_2 now";
        assert_eq!(word_at(text, 7), Some(4..12));
        assert_eq!(word_at(text, 12), Some(4..12));
        assert_eq!(word_at(text, 3), Some(0..3));
        assert_eq!(word_at("a  b", 2), None);
    }
}
