//! The outside world: GitHub (octocrab) and OpenAI-compatible models (async-openai), the prompts
//! sent to them. Which files a model may see is `workspace::privacy`.

pub mod github;
pub mod issue_ref;
pub mod llm;
pub mod prompts;
pub mod redact;

/// An error and its causes on one line: the HTTP clients' own `Display` is often just a variant
/// name, the useful part being in the sources.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
