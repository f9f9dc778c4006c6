//! Text of an open document: a rope, its version and its incrementally parsed Markdown block tree.

pub mod mask;
pub mod position;

use std::borrow::Cow;

use ropey::Rope;
use tower_lsp::lsp_types::TextDocumentContentChangeEvent;
use tree_sitter::{InputEdit, Parser, Point, Tree};

pub use position::PositionEncoding;

/// What happened to an incremental change whose range did not fit the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClampedChange {
    pub message: String,
}

/// One open document. Edits go through [`Document::apply_change`], which keeps the tree in step.
pub struct Document {
    pub version: i32,
    pub rope: Rope,
    tree: Option<Tree>,
    parser: Parser,
}

impl Document {
    pub fn new(text: &str, version: i32) -> Self {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_md::LANGUAGE.into())
            .expect("the tree-sitter-md block grammar matches the tree-sitter version");
        let mut doc = Document {
            version,
            rope: Rope::from_str(text),
            tree: None,
            parser,
        };
        doc.reparse();
        doc
    }

    /// The Markdown block tree, if parsing succeeded.
    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
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
            self.tree = None;
            self.reparse();
            return None;
        };
        let strict_start = position::to_char_strict(&self.rope, range.start, enc);
        let strict_end = position::to_char_strict(&self.rope, range.end, enc);
        let mut start = position::to_char_clamped(&self.rope, range.start, enc);
        let mut end = position::to_char_clamped(&self.rope, range.end, enc);
        let clamped = match (&strict_start, &strict_end) {
            (Ok(_), Ok(_)) if start <= end => None,
            _ => Some(ClampedChange {
                message: format!(
                    "didChange range {}:{}-{}:{} lies outside the document ({} lines); clamped to it",
                    range.start.line,
                    range.start.character,
                    range.end.line,
                    range.end.character,
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

    /// Replaces the chars `[start, end)` with `text`, editing the old tree so the reparse is incremental.
    pub fn replace_chars(&mut self, start: usize, end: usize, text: &str) {
        let start_byte = self.rope.char_to_byte(start);
        let old_end_byte = self.rope.char_to_byte(end);
        let start_position = self.point_of_byte(start_byte);
        let old_end_position = self.point_of_byte(old_end_byte);
        self.rope.remove(start..end);
        self.rope.insert(start, text);
        let new_end_byte = start_byte + text.len();
        let new_end_position = self.point_of_byte(new_end_byte);
        if let Some(tree) = self.tree.as_mut() {
            tree.edit(&InputEdit {
                start_byte,
                old_end_byte,
                new_end_byte,
                start_position,
                old_end_position,
                new_end_position,
            });
        }
        self.reparse();
    }

    fn point_of_byte(&self, byte: usize) -> Point {
        let row = self.rope.byte_to_line(byte);
        Point::new(row, byte - self.rope.line_to_byte(row))
    }

    fn reparse(&mut self) {
        let rope = &self.rope;
        // Hands the parser one line at a time so a lone wrapper tag line can be read as blank.
        let mut read = |byte: usize, _: Point| -> Cow<'_, [u8]> {
            if byte >= rope.len_bytes() {
                return Cow::Borrowed(&[]);
            }
            let line = rope.byte_to_line(byte);
            let line_start = rope.line_to_byte(line);
            let line_end = rope.line_to_byte(line + 1);
            if line_end - line_start < 200 {
                let text: Cow<'_, str> = rope.byte_slice(line_start..line_end).into();
                let content = text.trim_end_matches(['\n', '\r']);
                if mask::is_wrapper_tag_line(content.as_bytes()) {
                    let mut blank = vec![b' '; content.len()];
                    blank.extend_from_slice(&text.as_bytes()[content.len()..]);
                    return Cow::Owned(blank.split_off(byte - line_start));
                }
            }
            let (chunk, chunk_start, _, _) = rope.chunk_at_byte(byte);
            let end = (line_end - chunk_start).min(chunk.len());
            Cow::Borrowed(&chunk.as_bytes()[byte - chunk_start..end])
        };
        let tree = self
            .parser
            .parse_with_options(&mut read, self.tree.as_ref(), None);
        self.tree = tree;
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
    fn incremental_edit_matches_a_fresh_parse() {
        let mut doc = Document::new("# Title\n\nSome text.\n", 1);
        doc.apply_change(&change(2, 4, 2, 4, " more"), PositionEncoding::Utf16);
        assert_eq!(doc.rope.to_string(), "# Title\n\nSome more text.\n");
        let fresh = Document::new(&doc.rope.to_string(), 2);
        assert_eq!(
            doc.tree().unwrap().root_node().to_sexp(),
            fresh.tree().unwrap().root_node().to_sexp()
        );
    }

    #[test]
    fn out_of_range_change_is_clamped_and_reported() {
        let mut doc = Document::new("ab\n", 1);
        let report = doc.apply_change(&change(9, 0, 9, 0, "!"), PositionEncoding::Utf16);
        assert!(report.is_some());
        assert_eq!(doc.rope.to_string(), "ab\n!");
    }

    #[test]
    fn wrapper_tag_lines_do_not_hide_the_headings_after_them() {
        let doc = Document::new("<analysis>\n## Status quo\ntext\n</analysis>\n", 1);
        let sexp = doc.tree().unwrap().root_node().to_sexp();
        assert!(sexp.contains("atx_heading"), "{sexp}");
        assert!(!sexp.contains("html_block"), "{sexp}");
    }

    #[test]
    fn emoji_columns_are_utf16() {
        let mut doc = Document::new("😀x\n", 1);
        doc.apply_change(&change(0, 2, 0, 3, "y"), PositionEncoding::Utf16);
        assert_eq!(doc.rope.to_string(), "😀y\n");
    }
}
