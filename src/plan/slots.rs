//! Bracketed template slots: the blanks real plan templates leave to fill, such as `[FEATURE]`,
//! `[DATE]`, `[###-feature-name]`, `[e.g., Python 3.11 or NEEDS CLARIFICATION]`,
//! `[Extract from feature spec: …]` or `[Brief description of the change]`.
//!
//! A slot is *strong* when its shape alone says so (capitals, an example, an instruction). Any
//! other bracketed phrase (`[link]`, `[current need]`) is a *weak* slot: one only in a document
//! that already has two bracketed placeholders, i.e. an unfilled template. Ordinary Markdown is
//! never a slot: links, task boxes, footnotes `[^1]`, citations `[1]`, alerts `[!NOTE]`, wiki
//! links `[[x]]`, array indexes `a[i]`.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// A slot found in a piece of inline text (offsets relative to that text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub range: Range<usize>,
    /// What the slot asks for: its text without the brackets.
    pub question: String,
    pub strong: bool,
}

/// Capitalised words that are statuses, labels or log levels, not blanks to fill.
const NOT_SLOTS: &[&str] = &[
    "NOTE",
    "NOTES",
    "WARNING",
    "TIP",
    "IMPORTANT",
    "CAUTION",
    "DRAFT",
    "DONE",
    "BREAKING",
    "DEPRECATED",
    "OPTIONAL",
    "REQUIRED",
    "FIXED",
    "ADDED",
    "CHANGED",
    "REMOVED",
    "SECURITY",
    "BLOCKED",
    "SKIP",
    "SKIPPED",
    "PASS",
    "PASSED",
    "FAIL",
    "FAILED",
    "INFO",
    "WARN",
    "ERROR",
    "DEBUG",
    "TRACE",
    "FATAL",
    "POST",
    "HEAD",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "NULL",
    "NONE",
    "TRUE",
    "FALSE",
    "NEW",
    "OPEN",
    "CLOSED",
    "MERGED",
    "STABLE",
    "BETA",
    "ALPHA",
    "EXPERIMENTAL",
    "COMPLETED",
    "COMPLETE",
    "INCOMPLETE",
    "PENDING",
    "IN PROGRESS",
    "IN-PROGRESS",
    "NOT STARTED",
    "READY",
    "OBSOLETE",
    "SUPERSEDED",
    "CANCELLED",
    "CANCELED",
    "ACCEPTED",
    "REJECTED",
    "PROPOSED",
    "APPROVED",
    "VERIFIED",
    "TESTED",
    "SHIPPED",
    "RESOLVED",
    "UNRESOLVED",
    "PARTIAL",
    "BLOCKER",
    "CRITICAL",
    "HIGH",
    "MEDIUM",
    "LOW",
    "MAJOR",
    "MINOR",
    "FIXME",
];

/// Words an instruction to the plan's author starts with.
const INSTRUCTIONS: &[&str] = &[
    "extract",
    "describe",
    "document",
    "brief",
    "list",
    "insert",
    "fill",
    "explain",
    "specify",
    "provide",
    "summarize",
    "summarise",
    "enter",
    "replace",
    "write",
    "outline",
    "include",
    "identify",
    "define",
    "detail",
    "mention",
    "short",
    "one-line",
    "what",
    "why",
    "which",
    "how",
    "who",
    "when",
    "where",
    "your",
    "add",
    "link",
    "name",
    "summary",
    "description",
    "details",
];

fn bracket_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // One bracketed phrase with no brackets inside, on at most two lines.
    RE.get_or_init(|| {
        Regex::new(r"\[([^\[\]\n]{1,200}(?:\n[^\[\]\n]{1,200})?)\]").expect("valid regex")
    })
}

/// The slots in `text`, outside of whatever the caller excludes. `in_code` is true for code
/// (a span's content or a fenced block): code is full of brackets, so there only `[###-…]` slots
/// are strong and the rest count in an unfilled template only.
pub fn scan(text: &str, in_code: bool) -> Vec<Slot> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for caps in bracket_regex().captures_iter(text) {
        let whole = caps.get(0).expect("group 0 always matches");
        let content = &caps[1];
        let before = whole.start().checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(whole.end()).copied();
        // Links `[a](b)`, `[a][b]`, definitions `[a]: b`, images, wiki links, indexes `a[i]`.
        if matches!(after, Some(b'(' | b'[' | b':'))
            || matches!(
                before,
                Some(b'!' | b'[' | b']' | b'\\' | b'#' | b'@' | b'$')
            )
            // A slot may sit inside a name (`test_[name].py`, `specs/[###-x]/`), not after a
            // letter or digit (`values[i]`).
            || before.is_some_and(|b| b.is_ascii_alphanumeric())
        {
            continue;
        }
        let Some(strong) = kind(content) else {
            continue;
        };
        let strong = strong && (!in_code || content.starts_with("###"));
        out.push(Slot {
            range: whole.range(),
            question: content.split_whitespace().collect::<Vec<_>>().join(" "),
            strong,
        });
    }
    out
}

/// Words the default placeholder syntaxes start with: those are placeholders, not template slots.
const MARKERS: &[&str] = &[
    "NEEDS CLARIFICATION",
    "PLACEHOLDER",
    "CLARIFY",
    "TBD",
    "TODO",
    "QUESTION",
];

/// Whether a placeholder's text is a strong template slot (not a `[NEEDS CLARIFICATION: …]`
/// marker): two of them make a document an unfilled template.
pub fn is_template_slot(placeholder: &str) -> bool {
    let inner = placeholder.trim_start_matches('[');
    !MARKERS.iter().any(|m| inner.starts_with(m))
        && scan(placeholder, false)
            .first()
            .is_some_and(|s| s.strong && s.range.len() == placeholder.len())
}

/// `Some(true)` for a strong slot, `Some(false)` for a weak one, `None` for ordinary Markdown.
fn kind(content: &str) -> Option<bool> {
    let trimmed = content.trim();
    if trimmed.is_empty()
        || trimmed.len() != content.len()
        || trimmed.starts_with(['^', '!', '@', '#'].as_slice()) && !trimmed.starts_with("###")
        || !trimmed.chars().any(char::is_alphabetic)
        || trimmed.eq_ignore_ascii_case("x")
    {
        return None;
    }
    if trimmed.starts_with("###") {
        return Some(true);
    }
    let lower = trimmed.to_lowercase();
    if lower.contains("needs clarification")
        || lower.starts_with("e.g")
        || lower.contains(", e.g.")
        || lower.starts_with("eg.")
    {
        return Some(true);
    }
    if is_all_caps_slot(trimmed) {
        return Some(true);
    }
    if !trimmed.chars().any(char::is_lowercase) {
        return None; // `[P]`, `[US1]`, `[WIP]`: labels, not blanks.
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let first = words[0]
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
        .to_lowercase();
    if words.len() >= 2 && INSTRUCTIONS.contains(&first.as_str()) {
        return Some(true);
    }
    // Code (`[u8; 4]`, `[i]`, `["a", "b"]`), versions (`[1.2.0]`), paths: not blanks.
    let code_like = trimmed.chars().any(|c| "\"'`;=<>{}()*$|".contains(c))
        || trimmed.chars().next().is_some_and(|c| c.is_ascii_digit())
        || (words.len() == 1
            && trimmed.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && trimmed.len() <= 2);
    (!code_like).then_some(false)
}

/// `[FEATURE]`, `[DATE]`, `[PROJECT_NAME]`, `[REMOVE IF UNUSED]`: capitals, at least four letters,
/// not a status word such as `[WIP]` or `[NOTE]`, and not a label with digits such as `[US1]`.
fn is_all_caps_slot(content: &str) -> bool {
    let letters = content.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 4
        && content
            .chars()
            .all(|c| c.is_ascii_uppercase() || " _-/".contains(c))
        && !NOT_SLOTS.contains(&content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, bool)> {
        scan(text, false)
            .into_iter()
            .map(|s| (&text[s.range], s.strong))
            .collect()
    }

    #[test]
    fn template_slots_are_found() {
        assert_eq!(found("# Plan: [FEATURE]"), [("[FEATURE]", true)]);
        assert_eq!(
            found("**Date**: [DATE] | **Spec**: [link]"),
            [("[DATE]", true), ("[link]", false)]
        );
        assert_eq!(
            found("**Language**: [e.g., Python 3.11 or NEEDS CLARIFICATION]"),
            [("[e.g., Python 3.11 or NEEDS CLARIFICATION]", true)]
        );
        assert_eq!(
            found("[Extract from the spec: the main need]"),
            [("[Extract from the spec: the main need]", true)]
        );
        assert_eq!(
            found("[Brief description of the change]"),
            [("[Brief description of the change]", true)]
        );
        assert_eq!(found("- Rationale: [why chosen]"), [("[why chosen]", true)]);
        assert_eq!(found("| [current need] |"), [("[current need]", false)]);
        let in_code = scan(
            "specs/[###-feature-name]/ and test_[name].py and [FEATURE]",
            true,
        );
        let kinds: Vec<bool> = in_code.iter().map(|s| s.strong).collect();
        assert_eq!(kinds, [true, false, false], "only ### is strong in code");
        assert!(is_template_slot("[DATE]"));
        assert!(!is_template_slot("[NEEDS CLARIFICATION: which db?]"));
    }

    #[test]
    fn ordinary_markdown_is_not_a_slot() {
        for text in [
            "[text](https://example.com)",
            "[text][ref]",
            "[ref]: https://example.com",
            "![alt](a.png)",
            "> [!NOTE]",
            "footnote[^1] and [^1]",
            "as shown in [1] and [12, 13]",
            "[[Wiki Link]]",
            "values[i] and map[KEY_NAME]",
            "mark tasks [P] and [US1] and [WIP]",
            "[ERROR] and [INFO] lines",
            "### 1.1 Create the folders [COMPLETED]",
            "args=\"#[PRIMARY] --doc\"",
            "[1.2.0] - 2024-01-01",
            "[x]",
            "type [u8; 4]",
        ] {
            let in_code = text.starts_with('`');
            let found: Vec<_> = scan(text, in_code)
                .into_iter()
                .filter(|s| s.strong)
                .map(|s| text[s.range].to_string())
                .collect();
            assert!(found.is_empty(), "{text}: {found:?}");
        }
        assert!(scan("[Unreleased]", false).iter().all(|s| !s.strong));
    }
}
