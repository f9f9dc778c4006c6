//! Word forms and compounds for matching a query's words to a workspace's terms: "quoted"
//! finds `quote`, "completing" finds `completion`, "extract" finds `extractall`. Lexical and
//! small on purpose: a light suffix stripper, not a dictionary, so it stays fast and offline.

use std::borrow::Cow;

/// Shortest stem kept: shorter ones join unrelated words (`us`, `fil`).
const MIN_STEM: usize = 4;

/// Inflection and derivation endings, longest first; `ies`/`ied` become `y`.
const SUFFIXES: &[&str] = &[
    "ations", "ation", "ings", "ions", "ing", "ion", "ers", "ies", "ied", "er", "es", "ed", "ly",
    "s", "e",
];

/// The word without its ending: words with the same stem are forms of one word.
pub fn stem(word: &str) -> Cow<'_, str> {
    for suffix in SUFFIXES {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.len() < MIN_STEM {
                continue;
            }
            if matches!(*suffix, "ies" | "ied") {
                return Cow::Owned(format!("{base}y"));
            }
            return Cow::Borrowed(base);
        }
    }
    Cow::Borrowed(word)
}

/// How `term` splits into a head `head_ok` accepts and a tail `tail_ok` accepts
/// (`extractall` → `extract` + `all`), trying the longest head first.
pub fn split_compound(
    term: &str,
    head_ok: impl Fn(&str) -> bool,
    tail_ok: impl Fn(&str) -> bool,
) -> Option<(&str, &str)> {
    if !term.is_ascii() || term.len() < MIN_STEM + 2 {
        return None;
    }
    (MIN_STEM..=term.len() - 2)
        .rev()
        .map(|at| term.split_at(at))
        .find(|(head, tail)| head_ok(head) && tail_ok(tail))
}

/// The hyphenated words of `text` written as one (`git-credential` → `gitcredential`,
/// `--after-context` → `aftercontext`), lower-case, in order: command and flag names that code
/// spells without the hyphen (a Go package, a module, a type split back by case elsewhere).
pub fn joined_hyphenated(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let parts: Vec<&str> = chunk.split('-').filter(|p| !p.is_empty()).collect();
        if parts.len() >= 2
            && parts
                .iter()
                .all(|p| p.bytes().any(|b| b.is_ascii_alphabetic()))
        {
            out.push(parts.concat().to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_one_word_share_a_stem() {
        for (a, b) in [
            ("quoted", "quote"),
            ("quotes", "quote"),
            ("completing", "completion"),
            ("complete", "completion"),
            ("parser", "parsing"),
            ("files", "file"),
            ("entries", "entry"),
            ("extraction", "extract"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
    }

    #[test]
    fn short_or_unrelated_words_keep_apart() {
        assert_ne!(stem("user"), stem("used"));
        assert_ne!(stem("parse"), stem("part"));
        assert_eq!(stem("is"), "is");
        assert_eq!(stem("cache"), "cach");
        assert_ne!(stem("cache"), stem("catch"));
    }

    #[test]
    fn hyphenated_words_are_also_read_as_one() {
        assert_eq!(
            joined_hyphenated("Fix `gh auth git-credential` with --After-Context, not 2-3 or x-1"),
            ["gitcredential", "aftercontext"]
        );
        assert!(joined_hyphenated("a - b and c-").is_empty());
    }

    #[test]
    fn compounds_split_into_known_words_only() {
        let vocab = ["extract", "all", "read", "line"];
        let known = |w: &str| vocab.contains(&w);
        assert_eq!(
            split_compound("extractall", known, known),
            Some(("extract", "all"))
        );
        assert_eq!(
            split_compound("readline", known, known),
            Some(("read", "line"))
        );
        assert_eq!(split_compound("readline", |w| w == "line", known), None);
        assert_eq!(split_compound("extractor", known, known), None);
        assert_eq!(split_compound("all", known, known), None);
    }
}
