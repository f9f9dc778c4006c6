//! Where one JSON object or array ends in a byte stream, found without parsing it. The stdin guard
//! trusts this over a frame's `Content-Length`, which clients get wrong; a byte that no JSON text
//! can hold at that point (a header's letters, a raw newline inside a string) ends the scan early,
//! so a broken body never swallows the frame after it.

/// Deeper nesting than any LSP message needs; serde_json (built with `unbounded_depth` here)
/// would recurse on it until the stack overflows.
const MAX_DEPTH: u32 = 512;

/// The outcome of scanning the bytes seen so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Extent {
    /// The value goes on past the bytes seen so far.
    Incomplete,
    /// The value is the first `len` bytes.
    Complete {
        len: usize,
        top_level_members: usize,
    },
    /// The byte at this offset cannot be part of a JSON value here.
    Invalid(usize),
}

/// Scan state, kept between calls so a message arriving in pieces is scanned once.
#[derive(Debug, Default)]
pub struct JsonExtent {
    scanned: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Colons at depth 1: one per member of a top-level object, so duplicated keys show.
    top_level_colons: usize,
}

impl JsonExtent {
    /// Continues the scan over `bytes`, which start at the value's first byte and extend the
    /// bytes passed before.
    pub fn advance(&mut self, bytes: &[u8]) -> Extent {
        let mut i = self.scanned;
        if i == 0 && !bytes.is_empty() && !matches!(bytes[0], b'{' | b'[') {
            return Extent::Invalid(0);
        }
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    if bytes[i] == b'\n' {
                        return Extent::Invalid(i);
                    }
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                let Some(found) = memchr::memchr3(b'"', b'\\', b'\n', &bytes[i..]) else {
                    i = bytes.len();
                    break;
                };
                let at = i + found;
                match bytes[at] {
                    b'"' => self.in_string = false,
                    b'\\' => self.escaped = true,
                    _ => return Extent::Invalid(at),
                }
                i = at + 1;
                continue;
            }
            match bytes[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Extent::Invalid(i);
                    }
                }
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Extent::Complete {
                            len: i + 1,
                            top_level_members: self.top_level_colons,
                        };
                    }
                }
                b':' => {
                    if self.depth == 1 {
                        self.top_level_colons += 1;
                    }
                }
                // Numbers, literals (true, false, null), separators and whitespace.
                b',' | b' ' | b'\t' | b'\r' | b'\n' | b'0'..=b'9' | b'-' | b'+' | b'.' | b'E' => {}
                b't' | b'r' | b'u' | b'e' | b'f' | b'a' | b'l' | b's' | b'n' => {}
                _ => return Extent::Invalid(i),
            }
            i += 1;
        }
        self.scanned = i;
        Extent::Incomplete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Extent {
        JsonExtent::default().advance(text.as_bytes())
    }

    #[test]
    fn a_whole_object_ends_at_its_closing_brace() {
        let text = r#"{"a":"x}\"y","b":[1,{"c":null}],"d":-1.5e3}Content-Length: 9"#;
        assert_eq!(
            scan(text),
            Extent::Complete {
                len: text.find("Content").unwrap(),
                top_level_members: 3
            }
        );
    }

    #[test]
    fn pieces_are_scanned_once_and_give_the_same_end() {
        let text = r#"{"text":"a\\\"b\u00e9","n":[true,false]} "#;
        for cut in 1..text.len() - 1 {
            let mut extent = JsonExtent::default();
            assert_eq!(extent.advance(&text.as_bytes()[..cut]), Extent::Incomplete);
            assert_eq!(
                extent.advance(text.as_bytes()),
                Extent::Complete {
                    len: text.len() - 1,
                    top_level_members: 2
                },
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_header_or_a_raw_newline_ends_a_broken_body() {
        assert_eq!(
            scan("{\"jsonrpc\":\"2.0\"Content-Length: 5\r\n"),
            Extent::Invalid(16)
        );
        assert_eq!(
            scan("{\"text\":\"cut Content-Length: 5\r\n\r\n{}"),
            Extent::Invalid(31)
        );
        assert_eq!(scan("{\"a\":\"\\\n"), Extent::Invalid(7));
        assert_eq!(scan("hello"), Extent::Invalid(0));
        assert_eq!(scan("{\"a\":1,\"b\""), Extent::Incomplete);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH as usize + 1);
        assert_eq!(scan(&deep), Extent::Invalid(MAX_DEPTH as usize));
    }
}
