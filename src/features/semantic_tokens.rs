//! Semantic tokens for placeholders, so every editor colours them (VS Code's grammar knows only
//! `[NEEDS CLARIFICATION: …]`): every kind the diagnostics report, markers and template slots
//! alike, read from the parsed plan. One token type, `keyword`, which themes and editors colour
//! without configuration, with the modifier `planPlaceholder` to tell ours apart
//! (docs/DESIGN-NOTES.md).

use std::ops::Range;

use tower_lsp::lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};

use crate::snapshot::Snapshot;

/// The modifier every placeholder token carries.
pub const PLACEHOLDER_MODIFIER: &str = "planPlaceholder";

/// What the indices in the tokens mean; sent once, in the capability.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![SemanticTokenType::KEYWORD],
        token_modifiers: vec![SemanticTokenModifier::new(PLACEHOLDER_MODIFIER)],
    }
}

/// Tokens for the placeholders that overlap `within` (the whole document when `None`); costs in
/// proportion to those placeholders, not to the document.
pub fn tokens(snapshot: &Snapshot, within: Option<Range<usize>>) -> SemanticTokens {
    let plan = &snapshot.plan;
    let placeholders = &plan.placeholders;
    let (first, last) = match &within {
        // Placeholders are in document order and do not overlap: only the one before the
        // range's start may reach into it.
        Some(range) => (
            placeholders
                .partition_point(|p| p.range.start < range.start)
                .saturating_sub(1),
            placeholders.partition_point(|p| p.range.start < range.end),
        ),
        None => (0, placeholders.len()),
    };
    let mut ranges: Vec<Range<usize>> = placeholders[first..last.max(first)]
        .iter()
        .map(|p| p.range.clone())
        .filter(|r| {
            within
                .as_ref()
                .is_none_or(|w| r.start < w.end && w.start < r.end)
        })
        .collect();
    ranges.sort_unstable_by_key(|r| r.start);
    let mut data = Vec::with_capacity(ranges.len());
    let mut previous = (0u32, 0u32);
    let mut covered_to = 0;
    for range in ranges {
        if range.start < covered_to {
            continue; // Tokens may not overlap.
        }
        covered_to = range.end;
        for piece in line_pieces(&plan.text, range) {
            let start = plan
                .lines
                .position(&plan.text, piece.start, snapshot.encoding);
            let end = plan
                .lines
                .position(&plan.text, piece.end, snapshot.encoding);
            let delta_line = start.line - previous.0;
            let delta_start = if delta_line == 0 {
                start.character - previous.1
            } else {
                start.character
            };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length: end.character - start.character,
                token_type: 0,
                token_modifiers_bitset: 1,
            });
            previous = (start.line, start.character);
        }
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}

/// `range` cut at line breaks (tokens may not span lines), without empty pieces.
fn line_pieces(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = range.start;
    let bytes = text.as_bytes();
    let mut i = range.start;
    while i < range.end {
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            if start < i {
                pieces.push(start..i);
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < range.end {
        pieces.push(start..range.end);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_stop_at_every_kind_of_line_break() {
        let text = "[a\r\nb\nc\rd]";
        assert_eq!(line_pieces(text, 0..text.len()), [0..2, 4..5, 6..7, 8..10]);
    }
}
