//! Splits a plan into independent block chunks, so that an edit re-parses only the chunk it
//! touches: tree-sitter-md re-parses a whole document in about 10 µs per line even incrementally,
//! far too slow for a keystroke on a long plan.
//!
//! A chunk boundary is the start of a line at column 0 after a blank line, or an ATX heading at
//! column 0: CommonMark can carry no block across such a line, except a fenced code block or a raw
//! HTML block, which the splitter follows. Lone wrapper tags (`<implementation_plan>`) sit between
//! chunks and are reported separately.

use std::ops::Range;

use crate::document::mask;

/// A document cut into chunks.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub chunks: Vec<Range<usize>>,
    /// Wrapper tag lines: (line range without its break, tag name, closing?).
    pub wrappers: Vec<(Range<usize>, String, bool)>,
}

/// What kind of multi-line construct the splitter is inside.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Inside {
    Nothing,
    Fence { marker: u8, length: usize },
    Html { end: &'static str },
    FrontMatter,
}

pub fn split(text: &str) -> Split {
    split_with(text, true)
}

/// `item_chunks`: whether list items may start chunks (off only to test that they change
/// nothing).
pub(super) fn split_with(text: &str, item_chunks: bool) -> Split {
    let mut split = Split::default();
    let mut inside = Inside::Nothing;
    let mut chunk_start: Option<usize> = None;
    let mut previous_blank = true;
    let mut offset = 0;
    let bytes = text.as_bytes();
    let mut first = true;
    // The block the current chunk ends with, as far as a list item may start a chunk after it.
    let mut last = LastBlock::Unknown;
    while offset < text.len() {
        let line_end = memchr_newline(bytes, offset)
            .map(|i| i + 1)
            .unwrap_or(text.len());
        let line = &text[offset..line_end];
        let content = line.trim_end_matches(['\n', '\r']);
        let blank = content.trim().is_empty();
        match inside.clone() {
            Inside::Nothing => {
                if first && content == "---" {
                    inside = Inside::FrontMatter;
                    chunk_start = Some(offset);
                } else if content.trim_start().starts_with('<')
                    && mask::is_wrapper_tag_line(content.as_bytes())
                {
                    close(&mut split, &mut chunk_start, offset);
                    if let Some((name, closing)) = mask::wrapper_tag_name(content) {
                        split.wrappers.push((
                            offset..offset + content.len(),
                            name.to_string(),
                            closing,
                        ));
                    }
                    previous_blank = true;
                    offset = line_end;
                    first = false;
                    continue;
                } else {
                    let starts_column_zero = !content.starts_with([' ', '\t']) && !blank;
                    let heading = content.starts_with('#') && is_atx_heading(content);
                    let item = if blank {
                        None
                    } else {
                        ListItem::parse(content)
                    };
                    let mut boundary = starts_column_zero && (previous_blank || heading);
                    if !boundary && !blank && item_chunks {
                        boundary = last.follow(content, item);
                    }
                    if boundary {
                        close(&mut split, &mut chunk_start, offset);
                    }
                    if !blank && chunk_start.is_none() {
                        chunk_start = Some(offset);
                        last = LastBlock::starting(content, item, heading);
                    }
                    // Only lines with a backtick, tilde or `<` can open a fence or raw HTML.
                    if memchr::memchr3(b'`', b'~', b'<', content.as_bytes()).is_some() {
                        inside = opens(content);
                        if inside != Inside::Nothing || content.trim_start().starts_with('<') {
                            // HTML blocks and fences a list item cannot end: no more item chunks.
                            last = LastBlock::Unknown;
                        }
                    }
                }
            }
            Inside::Fence { marker, length } => {
                let trimmed = content.trim();
                if trimmed.len() >= length && trimmed.bytes().all(|b| b == marker) {
                    inside = Inside::Nothing;
                }
            }
            Inside::Html { end } => {
                if content.contains(end) {
                    inside = Inside::Nothing;
                }
            }
            Inside::FrontMatter => {
                if content == "---" || content == "..." {
                    inside = Inside::Nothing;
                    close(&mut split, &mut chunk_start, line_end);
                    previous_blank = true;
                    offset = line_end;
                    first = false;
                    continue;
                }
            }
        }
        previous_blank = blank && inside == Inside::Nothing;
        offset = line_end;
        first = false;
    }
    close(&mut split, &mut chunk_start, text.len());
    split
}

/// A top-level list item line: `- x`, `* x`, `+ x`, `1. x`, `2) x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ListItem {
    kind: ListKind,
    /// Columns before the marker.
    indent: usize,
    /// Where the item's content starts: lines indented this far belong to it.
    content: usize,
    /// Whether text follows the marker (an empty item cannot interrupt a paragraph).
    has_text: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Bullet(u8),
    /// Delimiter (`.` or `)`), and whether the number is 1.
    Ordered(u8, bool),
}

/// The list a chunk is in: the kind of its latest item and that item's content column.
#[derive(Debug, Clone, Copy)]
struct OpenList {
    kind: ListKind,
    content: usize,
}

impl ListItem {
    fn parse(line: &str) -> Option<ListItem> {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        if indent > 3 {
            return None;
        }
        let rest = &bytes[indent..];
        let (kind, marker_width) = match rest.first()? {
            b @ (b'-' | b'*' | b'+') => (ListKind::Bullet(*b), 1),
            b'0'..=b'9' => {
                let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                let delimiter = *rest.get(digits)?;
                if digits > 9 || !matches!(delimiter, b'.' | b')') {
                    return None;
                }
                let number = std::str::from_utf8(&rest[..digits])
                    .ok()?
                    .parse::<u32>()
                    .ok()?;
                (ListKind::Ordered(delimiter, number == 1), digits + 1)
            }
            _ => return None,
        };
        let after = &rest[marker_width..];
        // Tabs are rare here and their columns subtle: such lines are left to other rules.
        let spaces = after.iter().take_while(|&&b| b == b' ').count();
        let has_text = after[spaces..].iter().any(|b| !b.is_ascii_whitespace());
        if has_text && (spaces == 0 || after.get(spaces) == Some(&b'\t')) {
            return None;
        }
        // Five or more spaces: the content is indented code one space after the marker.
        let gap = if (1..=4).contains(&spaces) { spaces } else { 1 };
        Some(ListItem {
            kind,
            indent,
            content: indent + marker_width + gap,
            has_text,
        })
    }

    fn opened(self) -> OpenList {
        OpenList {
            kind: self.kind,
            content: self.content,
        }
    }

    /// Whether this line begins a block whatever came before it: a bullet with text, an ordered
    /// item numbered 1, or a sibling in an ordered list of the same kind (any other item
    /// would be the lazy continuation of a paragraph).
    fn starts_block(self, list: ListKind) -> bool {
        self.has_text
            && match self.kind {
                ListKind::Bullet(_) => true,
                ListKind::Ordered(delimiter, one) => {
                    one || matches!(list, ListKind::Ordered(d, _) if d == delimiter)
                }
            }
    }
}

/// The last top-level block of a chunk, where it tells whether a list item may start a chunk
/// of its own after it (so a keystroke in a long tight list re-parses one item).
#[derive(Debug, Clone, Copy)]
enum LastBlock {
    /// An ATX heading: one line, so the next line starts a block.
    Heading,
    /// Plain paragraph text, which a bullet with text (or an item numbered 1) interrupts.
    Paragraph,
    List(OpenList),
    /// Anything else: no item chunks until the next ordinary chunk boundary.
    Unknown,
}

impl LastBlock {
    /// The block a line that starts a block opens.
    fn starting(line: &str, item: Option<ListItem>, heading: bool) -> LastBlock {
        match item {
            Some(item) => LastBlock::List(item.opened()),
            None if heading => LastBlock::Heading,
            None if is_plain_text(line) => LastBlock::Paragraph,
            None => LastBlock::Unknown,
        }
    }

    /// Follows one more non-blank line of the chunk; `true` when it is a list item at column 0
    /// that must start a block there, whatever came before.
    fn follow(&mut self, line: &str, item: Option<ListItem>) -> bool {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        match *self {
            LastBlock::Unknown => false,
            LastBlock::Heading => {
                if item.is_some_and(|i| i.indent == 0 && i.has_text) {
                    return true;
                }
                *self = LastBlock::starting(line, item, false);
                false
            }
            LastBlock::Paragraph => match item {
                Some(i) if i.starts_block(ListKind::Bullet(b'-')) => {
                    *self = LastBlock::List(i.opened());
                    i.indent == 0
                }
                // Paragraph continuation.
                _ if is_plain_text(line) => false,
                _ => {
                    *self = LastBlock::Unknown;
                    false
                }
            },
            // Inside the current item (nested lists, continuation paragraphs).
            LastBlock::List(open) if indent >= open.content => false,
            LastBlock::List(open) => match item {
                Some(i) if i.starts_block(open.kind) => {
                    *self = LastBlock::List(i.opened());
                    i.indent == 0
                }
                // An empty item, or an ordered one that continues a paragraph: nothing certain.
                Some(_) => false,
                // Paragraph text continuing the item lazily; anything else may end the list.
                None if is_plain_text(line) => false,
                None => {
                    *self = LastBlock::Unknown;
                    false
                }
            },
        }
    }
}

/// Text no block construct starts with: it continues a paragraph, or starts one.
fn is_plain_text(line: &str) -> bool {
    line.trim_start_matches(' ')
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
}

fn close(split: &mut Split, chunk_start: &mut Option<usize>, end: usize) {
    if let Some(start) = chunk_start.take() {
        if end > start {
            split.chunks.push(start..end);
        }
    }
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'\n', &bytes[from..]).map(|i| from + i)
}

fn is_atx_heading(line: &str) -> bool {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes)
        && line[hashes..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

/// Whether `line` opens a construct that may contain blank lines or headings.
fn opens(line: &str) -> Inside {
    let trimmed = line
        .trim_start_matches([' ', '\t', '>', '-', '*', '+'])
        .trim_start();
    // Ordered list markers before a fence: `1. ```rust`.
    let trimmed = trimmed
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches(['.', ')'])
        .trim_start();
    for marker in [b'`', b'~'] {
        let length = trimmed.bytes().take_while(|&b| b == marker).count();
        if length >= 3 && !(marker == b'`' && trimmed[length..].contains('`')) {
            return Inside::Fence { marker, length };
        }
    }
    if !trimmed.starts_with('<') {
        return Inside::Nothing;
    }
    let lower = trimmed.get(..12).unwrap_or(trimmed).to_ascii_lowercase();
    let html: [(&str, &'static str); 6] = [
        ("<!--", "-->"),
        ("<pre", "</pre>"),
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<textarea", "</textarea>"),
        ("<![cdata[", "]]>"),
    ];
    for (start, end) in html {
        if lower.starts_with(start) && !trimmed.to_ascii_lowercase()[start.len()..].contains(end) {
            return Inside::Html { end };
        }
    }
    Inside::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        split(text).chunks.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn splits_at_headings_and_paragraph_starts() {
        let text = "# A\npara\n- list\n\n  more of the item\n\nnext\n## B\ntext\n";
        assert_eq!(
            chunks(text),
            [
                "# A\npara\n",
                "- list\n\n  more of the item\n\n",
                "next\n",
                "## B\ntext\n"
            ]
        );
    }

    #[test]
    fn never_splits_inside_fences_html_or_front_matter() {
        let text = "---\na: 1\n\nb: 2\n---\n```md\n# not a heading\n\nx\n```\n<!--\n\n# hidden\n-->\n\nend\n";
        assert_eq!(
            chunks(text),
            [
                "---\na: 1\n\nb: 2\n---\n",
                "```md\n# not a heading\n\nx\n```\n<!--\n\n# hidden\n-->\n\n",
                "end\n"
            ]
        );
    }

    #[test]
    fn wrapper_tags_sit_between_chunks() {
        let text = "<implementation_plan>\n## A\nx\n</implementation_plan>\n";
        let s = split(text);
        assert_eq!(
            s.chunks
                .iter()
                .map(|r| &text[r.clone()])
                .collect::<Vec<_>>(),
            ["## A\nx\n"]
        );
        assert_eq!(s.wrappers.len(), 2);
        assert!(s.wrappers[1].2);
    }

    #[test]
    fn tight_list_items_at_column_zero_are_chunks() {
        let text = "- one\n  more of one\n  - nested\nlazy text\n- two [TBD]\n* other bullet\n1. first\n2. second\n";
        assert_eq!(
            chunks(text),
            [
                "- one\n  more of one\n  - nested\nlazy text\n",
                "- two [TBD]\n",
                "* other bullet\n",
                "1. first\n",
                "2. second\n"
            ]
        );
        assert_eq!(
            chunks("# Steps\n- one\nSteps:\n- two\n- three\n"),
            ["# Steps\n", "- one\nSteps:\n", "- two\n", "- three\n"]
        );
        assert_eq!(
            chunks("Steps:\nmore\n- one\n1. two\n"),
            ["Steps:\nmore\n", "- one\n", "1. two\n"]
        );
        // An empty item cannot interrupt a paragraph, so it never starts a chunk.
        assert_eq!(chunks("- one\n-\n- three\n"), ["- one\n-\n", "- three\n"]);
    }

    #[test]
    fn items_that_may_continue_something_else_are_not_chunks() {
        for text in [
            // An ordered item other than 1 cannot interrupt a paragraph: lazy text.
            "- one\n2. two\n",
            // Raw HTML runs to the next blank line, items included.
            "- one\n<div>\n- two\n",
            "- one\n  <div>\n- two\n",
            // A fence opened in an item: the splitter does not track containers.
            "- one\n  ```\n- two\n```\n- three\n",
            // A block quote line ends the list; what follows may continue the quote.
            "1. one\n> quote\n2. two\n",
            // A paragraph ordered items other than 1 continue.
            "Steps:\n2. one\n3. two\n",
            // A table row before the list.
            "| a |\n- one\n- two\n",
        ] {
            assert_eq!(chunks(text), [text], "{text:?}");
        }
    }

    #[test]
    fn crlf_lines() {
        assert_eq!(
            chunks("## A\r\nx\r\n\r\ny\r\n"),
            ["## A\r\nx\r\n\r\n", "y\r\n"]
        );
    }
}
