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
    let mut split = Split::default();
    let mut inside = Inside::Nothing;
    let mut chunk_start: Option<usize> = None;
    let mut previous_blank = true;
    let mut offset = 0;
    let bytes = text.as_bytes();
    let mut first = true;
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
                    if starts_column_zero && (previous_blank || heading) {
                        close(&mut split, &mut chunk_start, offset);
                    }
                    if !blank && chunk_start.is_none() {
                        chunk_start = Some(offset);
                    }
                    // Only lines with a backtick, tilde or `<` can open a fence or raw HTML.
                    if memchr::memchr3(b'`', b'~', b'<', content.as_bytes()).is_some() {
                        inside = opens(content);
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
                "# A\npara\n- list\n\n  more of the item\n\n",
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
    fn crlf_lines() {
        assert_eq!(
            chunks("## A\r\nx\r\n\r\ny\r\n"),
            ["## A\r\nx\r\n\r\n", "y\r\n"]
        );
    }
}
