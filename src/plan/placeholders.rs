//! Placeholder syntaxes: the marks a plan uses for what is not known yet.

use regex::Regex;

/// Patterns recognised out of the box. Each may capture the question in a group named `question`.
pub const DEFAULT_PATTERNS: [&str; 3] = [
    r"\[(?P<kind>NEEDS CLARIFICATION|PLACEHOLDER|CLARIFY|TBD|TODO|QUESTION)(?::[ \t]*(?P<question>[^\]\n]*?))?[ \t]*\]",
    r"\{\{[ \t]*(?P<question>[^{}\n]*?)[ \t]*\}\}",
    r"\bTBD\b",
];

/// One compiled placeholder syntax.
#[derive(Debug, Clone)]
struct Syntax {
    regex: Regex,
}

/// The set of placeholder syntaxes in effect, compiled once per settings change.
#[derive(Debug, Clone)]
pub struct PlaceholderSyntax {
    syntaxes: Vec<Syntax>,
    /// Bracketed template slots (`[FEATURE]`, `[e.g., …]`) count, with the defaults.
    pub slots: bool,
    /// Identifies this set so caches of scan results can tell when it changed.
    pub fingerprint: String,
}

/// A pattern from the settings that is not a valid regex.
#[derive(Debug, Clone, thiserror::Error)]
#[error("placeholder pattern {pattern:?} is not a valid regex: {message}")]
pub struct PatternError {
    pub pattern: String,
    pub message: String,
}

impl Default for PlaceholderSyntax {
    fn default() -> Self {
        Self::new(&[], false).0
    }
}

/// A placeholder found in a piece of inline text (offsets relative to that text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderMatch {
    pub range: std::ops::Range<usize>,
    pub question: std::sync::Arc<str>,
}

/// `{{.Name}}`, `{{if eq .X "y"}}`, `{{end}}`, `{{ context.run_id }}`, `{{ }}`: a template
/// language's code (Go, Jinja, Handlebars), not a question left open.
fn is_template_code(content: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "if", "else", "end", "range", "with", "define", "template", "block", "for", "endfor",
        "endif", "each", "unless", "let", "include", "raw", "endraw",
    ];
    let first = content.split_whitespace().next().unwrap_or("");
    content.is_empty()
        || content.starts_with(['.', '$', '#', '/', '^', '>', '!', '-', '%', '&', '~', '@'])
        || KEYWORDS.contains(&first)
        || (!content.contains(' ') && content.contains('.'))
        || content.contains(['(', '|', '"', '='])
}

impl PlaceholderSyntax {
    /// Compiles the defaults (unless disabled) plus the extra patterns; bad patterns are returned
    /// as errors and left out rather than disabling every placeholder.
    pub fn new(extra: &[String], disable_defaults: bool) -> (Self, Vec<PatternError>) {
        let mut syntaxes = Vec::new();
        let mut errors = Vec::new();
        let defaults = if disable_defaults {
            &[][..]
        } else {
            &DEFAULT_PATTERNS[..]
        };
        for pattern in defaults
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
        {
            match Regex::new(pattern) {
                Ok(regex) => syntaxes.push(Syntax { regex }),
                Err(e) => errors.push(PatternError {
                    pattern: pattern.to_string(),
                    message: e.to_string(),
                }),
            }
        }
        let fingerprint = format!("{disable_defaults}\u{0}{}", extra.join("\u{0}"));
        (
            PlaceholderSyntax {
                syntaxes,
                slots: !disable_defaults,
                fingerprint,
            },
            errors,
        )
    }

    /// Finds placeholders in `text`, leftmost first; where syntaxes overlap the longest wins,
    /// so `[TBD: x]` is one placeholder, not also a bare `TBD`.
    pub fn scan(&self, text: &str) -> Vec<PlaceholderMatch> {
        let mut found: Vec<PlaceholderMatch> = Vec::new();
        for syntax in &self.syntaxes {
            for caps in syntax.regex.captures_iter(text) {
                let whole = caps.get(0).expect("group 0 always matches");
                if whole.is_empty() {
                    continue;
                }
                let question = caps
                    .name("question")
                    .map(|q| q.as_str().trim().to_string())
                    .unwrap_or_default();
                if whole.as_str().starts_with("{{") && is_template_code(&question) {
                    continue;
                }
                // `TBD-team`, `x-TBD`: part of a hyphenated value, not the word.
                let hyphenated = |b: Option<&u8>| b.is_some_and(|b| *b == b'-');
                if whole.as_str() == "TBD"
                    && (hyphenated(text.as_bytes().get(whole.end()))
                        || hyphenated(
                            whole
                                .start()
                                .checked_sub(1)
                                .and_then(|i| text.as_bytes().get(i)),
                        ))
                {
                    continue;
                }
                found.push(PlaceholderMatch {
                    range: whole.range(),
                    question: question.into(),
                });
            }
        }
        found.sort_by(|a, b| {
            a.range
                .start
                .cmp(&b.range.start)
                .then(b.range.end.cmp(&a.range.end))
        });
        let mut kept: Vec<PlaceholderMatch> = Vec::with_capacity(found.len());
        for m in found {
            if kept
                .last()
                .is_some_and(|last| m.range.start < last.range.end)
            {
                continue;
            }
            kept.push(m);
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn questions(text: &str) -> Vec<(String, String)> {
        PlaceholderSyntax::default()
            .scan(text)
            .into_iter()
            .map(|m| (text[m.range].to_string(), m.question.to_string()))
            .collect()
    }

    #[test]
    fn default_syntaxes() {
        assert_eq!(
            questions("a [NEEDS CLARIFICATION: which db?] b"),
            [(
                "[NEEDS CLARIFICATION: which db?]".into(),
                "which db?".into()
            )]
        );
        assert_eq!(
            questions("{{ owner }}"),
            [("{{ owner }}".into(), "owner".into())]
        );
        assert_eq!(
            questions("[TBD] and [PLACEHOLDER]"),
            [
                ("[TBD]".into(), String::new()),
                ("[PLACEHOLDER]".into(), String::new())
            ]
        );
        assert_eq!(
            questions("[TBD: later] TBD"),
            [
                ("[TBD: later]".into(), "later".into()),
                ("TBD".into(), String::new())
            ]
        );
        assert_eq!(questions("[CLARIFY: x] [TODO: y] [QUESTION: z]").len(), 3);
    }

    #[test]
    fn template_code_and_hyphenated_values_are_not_placeholders() {
        for text in [
            "{{.ResumeMode}}",
            "{{if eq .Mode \"manual\"}}",
            "{{end}}",
            "{{ context.run_id }}",
            "{{ }}",
            "{{#each items}}",
            "owner: TBD-team",
            "id: x-TBD",
        ] {
            assert!(questions(text).is_empty(), "{text}");
        }
        assert_eq!(questions("{{ which region? }}").len(), 1);
        assert_eq!(questions("owner: TBD").len(), 1);
    }

    #[test]
    fn task_boxes_and_ordinary_brackets_are_not_placeholders() {
        assert!(questions("- [ ] do it\n- [x] done [link] TBDs").is_empty());
    }

    #[test]
    fn custom_patterns_and_bad_patterns() {
        let (syntax, errors) =
            PlaceholderSyntax::new(&[r"\?\?(?P<question>[^?]+)\?\?".into(), "(".into()], true);
        assert_eq!(errors.len(), 1);
        let found = syntax.scan("x ??who owns it?? [TBD]");
        assert_eq!(found.len(), 1);
        assert_eq!(&*found[0].question, "who owns it");
    }
}
