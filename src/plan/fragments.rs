//! Links to headings: `#status-quo` in this document, `other.md#heading` in another. A line
//! anchor (`#L10`) is a place in a file, not a heading, and is left to file references.

use std::ops::Range;

use super::slug::is_line_anchor;

/// The heading part of a link destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentTarget {
    /// The file part, percent-decoded; `None` for this document.
    pub path: Option<String>,
    /// The fragment, percent-decoded, without `#`.
    pub fragment: String,
    /// Where the fragment is written in the destination (after `#`).
    pub fragment_range: Range<usize>,
}

/// The heading a link destination points at, if it points at one: not a URL, not a line
/// anchor, not an empty fragment.
pub fn parse_destination(destination: &str) -> Option<FragmentTarget> {
    let lead = destination.len() - destination.trim_start().len();
    let mut text = destination.trim();
    let mut start = lead;
    if let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        text = inner;
        start += 1;
    }
    let hash = text.find('#')?;
    let (path, raw_fragment) = (&text[..hash], &text[hash + 1..]);
    if has_scheme(path) {
        return None;
    }
    let fragment = decode(raw_fragment)?;
    if fragment.is_empty() || is_line_anchor(&fragment) {
        return None;
    }
    let path = path.split('?').next().unwrap_or(path);
    let path = if path.is_empty() {
        None
    } else {
        Some(decode(path)?)
    };
    Some(FragmentTarget {
        path,
        fragment,
        fragment_range: start + hash + 1..start + text.len(),
    })
}

fn decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// `https:`, `mailto:`, `vscode:`: a link elsewhere. A single letter is a drive, not a scheme.
fn has_scheme(path: &str) -> bool {
    path.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// A fragment as written in a link: spaces and the characters a destination cannot hold
/// percent-encoded, everything else (non-ASCII letters included) as is, as editors write them.
pub fn encode_fragment(slug: &str) -> String {
    let mut out = String::with_capacity(slug.len());
    for c in slug.chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '#' | '%' | '"' | '\\' | '`' => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(destination: &str) -> Option<(Option<String>, String, String)> {
        parse_destination(destination).map(|t| {
            let written = destination[t.fragment_range.clone()].to_string();
            (t.path, t.fragment, written)
        })
    }

    #[test]
    fn fragments_of_this_and_other_documents() {
        assert_eq!(
            parsed("#status-quo"),
            Some((None, "status-quo".into(), "status-quo".into()))
        );
        assert_eq!(
            parsed("other.md#next-steps"),
            Some((
                Some("other.md".into()),
                "next-steps".into(),
                "next-steps".into()
            ))
        );
        assert_eq!(
            parsed("<docs/a b.md#%C3%A9tat>"),
            Some((
                Some("docs/a b.md".into()),
                "état".into(),
                "%C3%A9tat".into()
            ))
        );
        assert_eq!(
            parsed("../plans/p.md?plain=1#risks"),
            Some((Some("../plans/p.md".into()), "risks".into(), "risks".into()))
        );
    }

    #[test]
    fn urls_line_anchors_and_bare_files_are_not_heading_links() {
        for destination in [
            "https://example.com/a.md#intro",
            "mailto:a@b.c#x",
            "src/a.rs#L10",
            "other.md#L3-L9",
            "#L42",
            "other.md",
            "#",
        ] {
            assert_eq!(parse_destination(destination), None, "{destination}");
        }
    }

    #[test]
    fn fragments_are_written_back_safely() {
        assert_eq!(encode_fragment("status-quo"), "status-quo");
        assert_eq!(encode_fragment("état-des-lieux"), "état-des-lieux");
        assert_eq!(encode_fragment("a(b)"), "a%28b%29");
    }
}
