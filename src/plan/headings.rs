//! Tolerant heading comparison: case, punctuation and numbering do not matter.

/// `## 1. Status Quo:` and `status quo` normalise to the same string.
pub fn normalize_title(title: &str) -> String {
    let trimmed = strip_numbering(title.trim());
    let mut out = String::with_capacity(trimmed.len());
    let mut pending_space = false;
    for c in trimmed.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            // "What We're NOT Doing" keeps "were" together rather than splitting "we re".
        } else {
            pending_space = true;
        }
    }
    out
}

/// Drops a leading section number such as `1.`, `2.3)`, `IV.` or `A.`.
fn strip_numbering(title: &str) -> &str {
    let bytes = title.as_bytes();
    let mut end = 0;
    while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
        end += 1;
    }
    if end > 0 && end < bytes.len() && matches!(bytes[end], b' ' | b')' | b':') {
        return title[end..].trim_start_matches([')', ':']).trim_start();
    }
    if end > 0 && end == bytes.len() {
        return title;
    }
    // Roman numerals and single letters followed by a dot: "IV. Risks", "A. Overview".
    if let Some((head, rest)) = title.split_once(". ") {
        if !head.is_empty()
            && head.len() <= 4
            && head
                .chars()
                .all(|c| c.is_ascii_uppercase() || "ivx".contains(c))
        {
            return rest.trim_start();
        }
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_case_and_punctuation_are_ignored() {
        assert_eq!(normalize_title("1. Status quo"), "status quo");
        assert_eq!(
            normalize_title("2.3) Risks & Mitigations:"),
            "risks mitigations"
        );
        assert_eq!(normalize_title("IV. Open Questions"), "open questions");
        assert_eq!(
            normalize_title("High-level overview"),
            "high level overview"
        );
        assert_eq!(
            normalize_title("What We're NOT Doing"),
            "what were not doing"
        );
        assert_eq!(normalize_title("Phase 2: API"), "phase 2 api");
        assert_eq!(normalize_title("2024"), "2024");
    }
}
