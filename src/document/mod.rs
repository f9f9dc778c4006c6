//! Text of an open document: a rope and its version, edited in place by `didChange`.

pub mod common_ends;
pub mod line_index;
pub mod mask;
pub mod position;

use ropey::Rope;
use tower_lsp::lsp_types::TextDocumentContentChangeEvent;

pub use position::PositionEncoding;

/// What happened to an incremental change whose range did not fit the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClampedChange {
    pub message: String,
}

/// One open document. Edits go through [`Document::apply_change`].
pub struct Document {
    pub version: i32,
    pub rope: Rope,
}

impl Document {
    pub fn new(text: &str, version: i32) -> Self {
        Document {
            version,
            rope: Rope::from_str(text),
        }
    }

    /// Applies one `didChange` content change. A range outside the document is clamped to it and
    /// reported, so the caller can log it; the text is never left half-edited.
    pub fn apply_change(
        &mut self,
        change: &TextDocumentContentChangeEvent,
        enc: PositionEncoding,
    ) -> Option<ClampedChange> {
        let Some(range) = change.range else {
            self.rope = Rope::from_str(&change.text);
            return None;
        };
        let strict_start = position::to_char_strict(&self.rope, range.start, enc);
        let strict_end = position::to_char_strict(&self.rope, range.end, enc);
        let mut start = position::to_char_clamped(&self.rope, range.start, enc);
        let mut end = position::to_char_clamped(&self.rope, range.end, enc);
        let described = format!(
            "didChange range {}:{}-{}:{}",
            range.start.line, range.start.character, range.end.line, range.end.character
        );
        let clamped = match (&strict_start, &strict_end) {
            (Ok(_), Ok(_)) if start <= end => None,
            (Ok(_), Ok(_)) => Some(ClampedChange {
                message: format!("{described} ends before it starts; applied from end to start"),
            }),
            _ => Some(ClampedChange {
                message: format!(
                    "{described} lies outside the document ({} lines); clamped to it",
                    self.rope.len_lines()
                ),
            }),
        };
        if end < start {
            std::mem::swap(&mut start, &mut end);
        }
        self.replace_chars(start, end, &change.text);
        clamped
    }

    /// Replaces the chars `[start, end)` with `text`.
    pub fn replace_chars(&mut self, start: usize, end: usize, text: &str) {
        self.rope.remove(start..end);
        self.rope.insert(start, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp::lsp_types::{Position, Range};

    fn change(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edit_inserts_at_the_position() {
        let mut doc = Document::new("# Title\n\nSome text.\n", 1);
        doc.apply_change(&change(2, 4, 2, 4, " more"), PositionEncoding::Utf16);
        assert_eq!(doc.rope.to_string(), "# Title\n\nSome more text.\n");
    }

    #[test]
    fn out_of_range_change_is_clamped_and_reported() {
        let mut doc = Document::new("ab\n", 1);
        let report = doc.apply_change(&change(9, 0, 9, 0, "!"), PositionEncoding::Utf16);
        assert!(report.is_some());
        assert_eq!(doc.rope.to_string(), "ab\n!");
    }

    #[test]
    fn a_reversed_range_is_reported_as_reversed() {
        let mut doc = Document::new("abcd\n", 1);
        let report = doc.apply_change(&change(0, 3, 0, 1, "X"), PositionEncoding::Utf16);
        assert!(report.unwrap().message.contains("ends before it starts"));
        assert_eq!(doc.rope.to_string(), "aXd\n");
    }

    #[test]
    fn emoji_columns_are_utf16() {
        let mut doc = Document::new("😀x\n", 1);
        doc.apply_change(&change(0, 2, 0, 3, "y"), PositionEncoding::Utf16);
        assert_eq!(doc.rope.to_string(), "😀y\n");
    }
}
