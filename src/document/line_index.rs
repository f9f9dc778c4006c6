//! Line starts of one version of a text, for turning many byte offsets into LSP positions fast:
//! a binary search and a count over one line, instead of walking the rope for each offset.

use tower_lsp::lsp_types::{Position, Range};

use super::position::PositionEncoding;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts; LSP line breaks are `\n`, `\r\n` and `\r`.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                continue; // The `\n` of this `\r\n` ends the line.
            }
            starts.push(i + 1);
        }
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The position of `byte` in `text` (the text this index was built from).
    pub fn position(&self, text: &str, byte: usize, enc: PositionEncoding) -> Position {
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = match self.starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let segment = &text[self.starts[line]..byte];
        let character = match enc {
            PositionEncoding::Utf8 => segment.len(),
            _ if segment.is_ascii() => segment.len(),
            PositionEncoding::Utf16 => segment.encode_utf16().count(),
            PositionEncoding::Utf32 => segment.chars().count(),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, range: std::ops::Range<usize>, enc: PositionEncoding) -> Range {
        Range::new(
            self.position(text, range.start, enc),
            self.position(text, range.end, enc),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::position::byte_to_position;
    use ropey::Rope;

    #[test]
    fn agrees_with_the_rope_conversion_everywhere() {
        let text = "a😀b\r\nc\rd\n\u{2028}é\n\nlast";
        let rope = Rope::from_str(text);
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), rope.len_lines());
        for enc in [
            PositionEncoding::Utf8,
            PositionEncoding::Utf16,
            PositionEncoding::Utf32,
        ] {
            for byte in (0..=text.len()).filter(|b| text.is_char_boundary(*b)) {
                assert_eq!(
                    index.position(text, byte, enc),
                    byte_to_position(&rope, byte, enc),
                    "byte {byte} {enc:?}"
                );
            }
        }
    }
}
