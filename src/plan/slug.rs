//! Heading anchors as GitHub and VS Code make them: the heading as rendered, lowercased,
//! punctuation dropped, each space a `-`, non-ASCII letters kept; a repeated anchor gets `-1`,
//! `-2`… in document order. Fragments in links are compared with them case-insensitively.

use std::collections::HashMap;

use super::Plan;

/// The text a reader sees for a heading written as `title`: links and images by their text,
/// code spans by their content, emphasis marks and HTML tags dropped, escapes resolved.
pub fn heading_text(title: &str) -> String {
    let chars: Vec<char> = title.chars().collect();
    let mut out = String::with_capacity(title.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let run = run_length(&chars, i, '`');
                match find_run(&chars, i + run, '`', run) {
                    Some(close) => {
                        let content: String = chars[i + run..close].iter().collect();
                        out.push_str(content.trim());
                        i = close + run;
                    }
                    None => {
                        out.extend(&chars[i..i + run]);
                        i += run;
                    }
                }
            }
            '!' if chars.get(i + 1) == Some(&'[') => i += 1,
            '[' => match link_end(&chars, i) {
                // The link's text stays; its destination or label goes.
                Some((text_end, after)) => {
                    let inner: String = chars[i + 1..text_end].iter().collect();
                    out.push_str(&heading_text(&inner));
                    i = after;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            '<' => match chars[i..].iter().position(|&c| c == '>') {
                Some(len) if looks_like_tag(&chars[i + 1..i + len]) => i += len + 1,
                _ => {
                    out.push(c);
                    i += 1;
                }
            },
            '*' | '_' | '~' => {
                let run = run_length(&chars, i, c);
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + run).copied();
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                // `snake_case` keeps its underscores; `*emphasis*` and `__strong__` lose their marks.
                if c == '_' && word(before) && word(after) {
                    out.extend(&chars[i..i + run]);
                }
                i += run;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out.trim().to_string()
}

fn run_length(chars: &[char], at: usize, c: char) -> usize {
    chars[at..].iter().take_while(|&&x| x == c).count()
}

/// Where the next run of exactly `len` `c` starts, at or after `from`.
fn find_run(chars: &[char], from: usize, c: char, len: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == c {
            let run = run_length(chars, i, c);
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// For `[` at `open`: the index of its `]` and where the link ends, when it is a link
/// (`[text](dest)`, `[text][label]`) rather than plain brackets.
fn link_end(chars: &[char], open: usize) -> Option<(usize, usize)> {
    let mut depth = 0;
    let mut close = None;
    for (j, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let (opener, closer) = match chars.get(close + 1) {
        Some('(') => ('(', ')'),
        Some('[') => ('[', ']'),
        _ => return None,
    };
    let end = chars[close + 2..].iter().position(|&c| c == closer)? + close + 2;
    debug_assert_eq!(chars[close + 1], opener);
    Some((close, end + 1))
}

fn looks_like_tag(inner: &[char]) -> bool {
    let name = inner.strip_prefix(&['/']).unwrap_or(inner);
    name.first().is_some_and(char::is_ascii_alphabetic)
        && name
            .iter()
            .take_while(|c| !c.is_whitespace() && **c != '/')
            .all(|c| c.is_ascii_alphanumeric() || *c == '-')
}

/// Marks GitHub keeps: combining accents written as separate characters, and the variation
/// selectors that follow an emoji (`▶️ Demo` is `️-demo`).
fn is_kept_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F | 0xE0100..=0xE01EF)
}

/// The anchor of a heading's rendered text, before duplicates are numbered.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_whitespace() {
            out.push('-');
        } else if c.is_alphanumeric() || c == '_' || c == '-' || is_kept_mark(c) {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Numbers repeated anchors as GitHub does: the second `setup` is `setup-1`, the third
/// `setup-2`, skipping any a heading already took.
#[derive(Debug, Default)]
pub struct Slugger {
    seen: HashMap<String, usize>,
}

impl Slugger {
    /// The unique anchor for the next heading whose base anchor is `base`.
    pub fn unique(&mut self, base: String) -> String {
        let mut slug = base.clone();
        while self.seen.contains_key(&slug) {
            let count = self.seen.entry(base.clone()).or_default();
            *count += 1;
            slug = format!("{base}-{count}");
        }
        self.seen.insert(slug.clone(), 0);
        slug
    }
}

/// The anchor of every section of `plan`, in order.
pub fn section_slugs(plan: &Plan) -> Vec<String> {
    let mut slugger = Slugger::default();
    plan.sections
        .iter()
        .map(|s| slugger.unique(s.anchor.to_string()))
        .collect()
}

/// The anchors of headings written as `titles`, in order.
pub fn titles_slugs<'a>(titles: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut slugger = Slugger::default();
    titles
        .into_iter()
        .map(|t| slugger.unique(slugify(&heading_text(t))))
        .collect()
}

/// `L10`, `L3-L9`, `L10C2`, `L10,5`: a line anchor (VS Code's convention), never a heading.
pub fn is_line_anchor(fragment: &str) -> bool {
    let Some(rest) = fragment.strip_prefix('L') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0
        && rest[digits..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, 'C' | 'L' | '-' | ','))
}

/// Whether a link's fragment (already percent-decoded) names the anchor `slug`. GitHub also
/// answers to its `user-content-` prefix.
pub fn fragment_names(fragment: &str, slug: &str) -> bool {
    let fragment = fragment.strip_prefix("user-content-").unwrap_or(fragment);
    fragment == slug || fragment.to_lowercase() == slug
}

/// The first section of each anchor, so that finding the section a fragment names does not
/// compare it with every anchor (a plan with thousands of headings and links did that per link
/// per keystroke).
#[derive(Debug, Default)]
pub struct SlugIndex(rustc_hash::FxHashMap<String, usize>);

impl SlugIndex {
    pub fn new(slugs: &[String]) -> SlugIndex {
        let mut first = rustc_hash::FxHashMap::default();
        for (i, slug) in slugs.iter().enumerate() {
            first.entry(slug.clone()).or_insert(i);
        }
        SlugIndex(first)
    }

    /// The first section whose anchor `fragment` names (see [`fragment_names`]).
    pub fn section_for(&self, fragment: &str) -> Option<usize> {
        let fragment = fragment.strip_prefix("user-content-").unwrap_or(fragment);
        let exact = self.0.get(fragment).copied();
        let lower = fragment.to_lowercase();
        let folded = (lower != fragment)
            .then(|| self.0.get(&lower).copied())
            .flatten();
        exact.into_iter().chain(folded).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(title: &str) -> String {
        slugify(&heading_text(title))
    }

    #[test]
    fn anchors_follow_github() {
        assert_eq!(slug("Status quo"), "status-quo");
        assert_eq!(slug("1. Status Quo:"), "1-status-quo");
        assert_eq!(slug("Risks & Mitigations"), "risks--mitigations");
        assert_eq!(slug("What We're NOT Doing"), "what-were-not-doing");
        assert_eq!(slug("Phase 2: API (v2.1)"), "phase-2-api-v21");
        assert_eq!(slug("  trailing  "), "trailing");
        assert_eq!(slug("already-hyphenated_name"), "already-hyphenated_name");
    }

    #[test]
    fn non_ascii_letters_are_kept_and_lowercased() {
        assert_eq!(slug("Überblick & Ziele"), "überblick--ziele");
        assert_eq!(slug("État des lieux"), "état-des-lieux");
        assert_eq!(slug("計画の概要"), "計画の概要");
        assert_eq!(slug("Résumé 🚀 done"), "résumé--done");
        assert_eq!(slug("Cafe\u{301}"), "cafe\u{301}");
        assert_eq!(slug("▶\u{fe0f} Video Overview"), "\u{fe0f}-video-overview");
    }

    #[test]
    fn markup_is_read_as_rendered() {
        assert_eq!(slug("The `Plan::build` step"), "the-planbuild-step");
        assert_eq!(slug("See [the ADR](docs/adr.md) now"), "see-the-adr-now");
        assert_eq!(
            slug("**Bold** and _em_ and ~~gone~~"),
            "bold-and-em-and-gone"
        );
        assert_eq!(slug("__init__ hooks"), "init-hooks");
        assert_eq!(slug("snake_case_name"), "snake_case_name");
        assert_eq!(slug("Icon ![logo](x.png) here"), "icon-logo-here");
        assert_eq!(slug("A <kbd>Ctrl</kbd> key"), "a-ctrl-key");
        assert_eq!(slug(r"Escaped \*star\*"), "escaped-star");
        assert_eq!(slug("x < y and [brackets]"), "x--y-and-brackets");
    }

    #[test]
    fn duplicates_are_numbered_in_order() {
        assert_eq!(
            titles_slugs(["Setup", "Setup", "Setup-1", "Setup"]),
            ["setup", "setup-1", "setup-1-1", "setup-2"]
        );
        assert_eq!(titles_slugs(["A", "B"]), ["a", "b"]);
    }

    #[test]
    fn line_anchors_are_not_headings() {
        for anchor in ["L10", "L3-L9", "L10C2", "L10,5", "L3-9"] {
            assert!(is_line_anchor(anchor), "{anchor}");
        }
        for fragment in ["l10", "L", "Later", "L10-notes", "status-quo"] {
            assert!(!is_line_anchor(fragment), "{fragment}");
        }
    }

    #[test]
    fn fragments_match_case_insensitively() {
        assert!(fragment_names("status-quo", "status-quo"));
        assert!(fragment_names("Status-Quo", "status-quo"));
        assert!(fragment_names("user-content-status-quo", "status-quo"));
        assert!(fragment_names("ÉTAT", "état"));
        assert!(!fragment_names("status", "status-quo"));
        let slugs: Vec<String> = ["a", "status-quo", "état", "status-quo"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let index = SlugIndex::new(&slugs);
        for fragment in [
            "status-quo",
            "Status-Quo",
            "user-content-status-quo",
            "ÉTAT",
            "status",
        ] {
            assert_eq!(
                index.section_for(fragment),
                slugs.iter().position(|s| fragment_names(fragment, s)),
                "{fragment}"
            );
        }
    }
}
