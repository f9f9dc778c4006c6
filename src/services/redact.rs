//! Secrets out of text a remote server sent back. Error bodies may echo the request (a GitHub
//! 401 quoting the token, a proxy quoting the `Authorization` header), and that text reaches
//! command errors, hovers and the log.

use std::sync::LazyLock;

use regex::Regex;

const REDACTED: &str = "[redacted]";

/// Credentials after an auth scheme (`Bearer x`, `token x`, `Basic x`).
static AUTH_SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(bearer|token|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}").expect("valid pattern")
});

/// Tokens whose shape gives them away: GitHub's (`ghp_…`, `github_pat_…`) and OpenAI-style keys.
static TOKEN_SHAPES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|sk-[A-Za-z0-9_-]{16,})")
        .expect("valid pattern")
});

/// `api_key=…`, `"token": "…"`, `password: …` and the like.
static SECRET_FIELDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password)("?\s*[:=]\s*"?)[^\s"',;&}]{4,}"#,
    )
    .expect("valid pattern")
});

/// `text` with the `known` secrets (the configured token or key) and anything shaped like a
/// credential replaced by `[redacted]`.
pub fn redact(text: &str, known: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in known.iter().map(|s| s.trim()).filter(|s| s.len() >= 4) {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    // A credential has a digit or punctuation; "token provided" is prose.
    let out = AUTH_SCHEME.replace_all(&out, |c: &regex::Captures| {
        let credential = &c[0][c[1].len() + c[2].len()..];
        if credential.bytes().any(|b| !b.is_ascii_alphabetic()) {
            format!("{}{}{REDACTED}", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    });
    let out = TOKEN_SHAPES.replace_all(&out, REDACTED);
    let out = SECRET_FIELDS.replace_all(&out, format!("${{1}}${{2}}{REDACTED}"));
    out.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_credential_shaped_secrets_go() {
        let body =
            "Bad credentials for my-own-secret-1234 (Authorization: Bearer abc.def-ghi_jkl; \
                    token ghp_0123456789abcdefghij) {\"api_key\": \"sk-proj-0123456789abcdef\"} \
                    password=hunter22";
        let clean = redact(body, &["my-own-secret-1234"]);
        for secret in [
            "my-own-secret-1234",
            "abc.def-ghi_jkl",
            "ghp_0123456789abcdefghij",
            "sk-proj-0123456789abcdef",
            "hunter22",
        ] {
            assert!(!clean.contains(secret), "{secret} in {clean}");
        }
        assert!(
            clean.starts_with("Bad credentials for [redacted]"),
            "{clean}"
        );
        assert!(clean.contains("Bearer [redacted]"), "{clean}");
    }

    #[test]
    fn ordinary_messages_are_left_alone() {
        for text in [
            "Not Found",
            "API rate limit exceeded for user ID 1.",
            "Resource not accessible by personal access token",
            "the token has expired",
            "the token provided is invalid",
        ] {
            assert_eq!(redact(text, &["unrelated"]), text);
        }
    }
}
