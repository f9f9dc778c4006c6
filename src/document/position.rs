//! The one place where LSP positions meet byte offsets. Everything else speaks bytes.

use ropey::Rope;
use tower_lsp::lsp_types::{Position, PositionEncodingKind, Range};

/// How `Position::character` counts: negotiated at `initialize`, UTF-16 unless the client offers better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

impl PositionEncoding {
    /// Picks the client's preferred encoding we support; UTF-16 is what LSP mandates otherwise.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let Some(offered) = offered else {
            return Self::Utf16;
        };
        for kind in offered {
            if *kind == PositionEncodingKind::UTF8 {
                return Self::Utf8;
            }
            if *kind == PositionEncodingKind::UTF32 {
                return Self::Utf32;
            }
            if *kind == PositionEncodingKind::UTF16 {
                return Self::Utf16;
            }
        }
        Self::Utf16
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
            Self::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// A position that lies past the end of its line or of the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {line}:{character} is outside the document ({lines} lines)")]
pub struct OutOfRange {
    pub line: u32,
    pub character: u32,
    pub lines: usize,
}

/// Char index where `line`'s content ends, before its line break.
fn line_content_end_char(rope: &Rope, line: usize) -> usize {
    let start = rope.line_to_char(line);
    let slice = rope.line(line);
    let mut len = slice.len_chars();
    if len > 0 && slice.char(len - 1) == '\n' {
        len -= 1;
    }
    if len > 0 && slice.char(len - 1) == '\r' {
        len -= 1;
    }
    start + len
}

/// Converts an LSP position to a char index, or reports that it lies outside the document.
/// A character past the end of its line is an error too: clients must not send one.
pub fn to_char_strict(
    rope: &Rope,
    pos: Position,
    enc: PositionEncoding,
) -> Result<usize, OutOfRange> {
    let lines = rope.len_lines();
    let err = OutOfRange {
        line: pos.line,
        character: pos.character,
        lines,
    };
    let line = pos.line as usize;
    if line >= lines {
        // The position just after a final line break is the start of an empty last line, which
        // ropey already counts; anything further is out.
        return Err(err);
    }
    let start = rope.line_to_char(line);
    let end = line_content_end_char(rope, line);
    let index = column_to_char(rope, start, end, pos.character as usize, enc).ok_or(err)?;
    Ok(index)
}

/// Converts an LSP position to a char index, clamping a line or column past the end
/// (LSP: "if the character value is greater than the line length it defaults back to the line length").
pub fn to_char_clamped(rope: &Rope, pos: Position, enc: PositionEncoding) -> usize {
    let lines = rope.len_lines();
    let line = pos.line as usize;
    if line >= lines {
        return rope.len_chars();
    }
    let start = rope.line_to_char(line);
    let end = line_content_end_char(rope, line);
    column_to_char(rope, start, end, pos.character as usize, enc).unwrap_or(end)
}

/// The char index `column` units into the line `[start, end)`, or `None` past its end.
fn column_to_char(
    rope: &Rope,
    start: usize,
    end: usize,
    column: usize,
    enc: PositionEncoding,
) -> Option<usize> {
    let index = match enc {
        PositionEncoding::Utf32 => start + column,
        PositionEncoding::Utf16 => {
            let base = rope.char_to_utf16_cu(start);
            let limit = rope.char_to_utf16_cu(end);
            if base + column > limit {
                return None;
            }
            rope.utf16_cu_to_char(base + column)
        }
        PositionEncoding::Utf8 => {
            let base = rope.char_to_byte(start);
            let limit = rope.char_to_byte(end);
            if base + column > limit {
                return None;
            }
            rope.byte_to_char(base + column)
        }
    };
    (index <= end).then_some(index)
}

/// The LSP position of a char index (clamped to the document).
pub fn char_to_position(rope: &Rope, char_index: usize, enc: PositionEncoding) -> Position {
    let char_index = char_index.min(rope.len_chars());
    let line = rope.char_to_line(char_index);
    let start = rope.line_to_char(line);
    let character = match enc {
        PositionEncoding::Utf32 => char_index - start,
        PositionEncoding::Utf16 => rope.char_to_utf16_cu(char_index) - rope.char_to_utf16_cu(start),
        PositionEncoding::Utf8 => rope.char_to_byte(char_index) - rope.char_to_byte(start),
    };
    Position::new(line as u32, character as u32)
}

/// The LSP position of a byte offset; an offset inside a multi-byte char maps to that char.
pub fn byte_to_position(rope: &Rope, byte: usize, enc: PositionEncoding) -> Position {
    let byte = byte.min(rope.len_bytes());
    char_to_position(rope, rope.byte_to_char(byte), enc)
}

/// The LSP range of a byte range.
pub fn byte_range_to_range(
    rope: &Rope,
    range: std::ops::Range<usize>,
    enc: PositionEncoding,
) -> Range {
    Range::new(
        byte_to_position(rope, range.start, enc),
        byte_to_position(rope, range.end, enc),
    )
}

/// The byte offset of an LSP position, refusing positions outside the document.
pub fn position_to_byte(
    rope: &Rope,
    pos: Position,
    enc: PositionEncoding,
) -> Result<usize, OutOfRange> {
    to_char_strict(rope, pos, enc).map(|c| rope.char_to_byte(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn utf16_counts_surrogate_pairs_as_two() {
        let rope = Rope::from_str("a😀b\nx");
        // 'b' is after 'a' (1) and the emoji (2 UTF-16 units).
        assert_eq!(
            to_char_strict(&rope, pos(0, 3), PositionEncoding::Utf16),
            Ok(2)
        );
        assert_eq!(
            char_to_position(&rope, 2, PositionEncoding::Utf16),
            pos(0, 3)
        );
        assert_eq!(
            char_to_position(&rope, 2, PositionEncoding::Utf8),
            pos(0, 5)
        );
        assert_eq!(
            char_to_position(&rope, 2, PositionEncoding::Utf32),
            pos(0, 2)
        );
    }

    #[test]
    fn crlf_line_ends_are_not_columns() {
        let rope = Rope::from_str("ab\r\ncd\r\n");
        assert_eq!(rope.len_lines(), 3);
        assert_eq!(
            to_char_strict(&rope, pos(0, 2), PositionEncoding::Utf16),
            Ok(2)
        );
        assert!(to_char_strict(&rope, pos(0, 3), PositionEncoding::Utf16).is_err());
        assert_eq!(
            to_char_strict(&rope, pos(1, 0), PositionEncoding::Utf16),
            Ok(4)
        );
        assert_eq!(
            to_char_strict(&rope, pos(2, 0), PositionEncoding::Utf16),
            Ok(8)
        );
    }

    #[test]
    fn unicode_line_separators_are_not_lsp_line_breaks() {
        let rope = Rope::from_str("a\u{2028}b\u{85}c\nd");
        assert_eq!(rope.len_lines(), 2);
        assert_eq!(
            char_to_position(&rope, 4, PositionEncoding::Utf16),
            pos(0, 4)
        );
    }

    #[test]
    fn out_of_range_is_refused_strictly_and_clamped_leniently() {
        let rope = Rope::from_str("héllo\nworld");
        assert!(to_char_strict(&rope, pos(5, 0), PositionEncoding::Utf16).is_err());
        assert!(to_char_strict(&rope, pos(0, 99), PositionEncoding::Utf16).is_err());
        assert_eq!(
            to_char_clamped(&rope, pos(0, 99), PositionEncoding::Utf16),
            5
        );
        assert_eq!(
            to_char_clamped(&rope, pos(9, 0), PositionEncoding::Utf16),
            11
        );
    }

    #[test]
    fn utf8_offsets_inside_a_char_round_down() {
        let rope = Rope::from_str("é!");
        assert_eq!(
            to_char_strict(&rope, pos(0, 1), PositionEncoding::Utf8),
            Ok(0)
        );
        assert_eq!(
            to_char_strict(&rope, pos(0, 2), PositionEncoding::Utf8),
            Ok(1)
        );
    }

    #[test]
    fn negotiation_prefers_the_clients_first_supported_choice() {
        let offered = [
            PositionEncodingKind::new("utf-7"),
            PositionEncodingKind::UTF8,
        ];
        assert_eq!(
            PositionEncoding::negotiate(Some(&offered)),
            PositionEncoding::Utf8
        );
        assert_eq!(PositionEncoding::negotiate(None), PositionEncoding::Utf16);
    }
}
