//! How `plan-lsp check` prints its findings: for people, as JSON, as GitHub workflow
//! annotations, or as SARIF 2.1.0 for code scanning.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::check::Reported;
use crate::analysis::diagnostics::{Severity, CODES};

/// The `--format` values.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    #[default]
    Human,
    Json,
    GitHub,
    Sarif,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "human" => Format::Human,
            "json" => Format::Json,
            "github" => Format::GitHub,
            "sarif" => Format::Sarif,
            _ => return None,
        })
    }
}

/// `path:line:col: severity code message`, one per line.
pub fn human(out: &mut impl Write, reports: &[Reported]) -> io::Result<()> {
    for r in reports {
        writeln!(
            out,
            "{}:{}:{}: {} {} {}",
            r.path,
            r.line,
            r.column,
            r.finding.severity.name(),
            r.finding.code,
            r.finding.message
        )?;
    }
    Ok(())
}

/// An array of `{path, line, column, endLine, endColumn, severity, code, message}`.
pub fn json(out: &mut impl Write, reports: &[Reported]) -> io::Result<()> {
    let items: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "path": r.path,
                "line": r.line,
                "column": r.column,
                "endLine": r.end_line,
                "endColumn": r.end_column,
                "severity": r.finding.severity.name(),
                "code": r.finding.code,
                "message": r.finding.message,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

/// GitHub Actions workflow commands (`::error file=…,line=…::message`): the runner turns each
/// into an annotation on the pull request's diff.
pub fn github(out: &mut impl Write, reports: &[Reported]) -> io::Result<()> {
    for r in reports {
        let level = match r.finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information | Severity::Hint => "notice",
        };
        writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&r.path),
            r.line,
            r.end_line,
            r.column,
            r.end_column,
            escape_property(&format!("plan-lsp {}", r.finding.code)),
            escape_data(&r.finding.message)
        )?;
    }
    Ok(())
}

/// A workflow command's message: `%`, CR and LF are escaped (as the runner's toolkit does).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`, which delimit properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// What each diagnostic code means, for SARIF's rule descriptions.
fn rule_description(code: &str) -> &'static str {
    match code {
        "placeholder" => "An unresolved placeholder: a question the plan still has to answer.",
        "missing-section" => "A section the plan's template requires is missing.",
        "empty-section" => "A required section has a heading but no content.",
        "duplicate-section" => "A template section appears more than once.",
        "broken-link" => "A reference to a file that does not exist in the workspace.",
        "line-out-of-range" => "A reference to a line past the end of its file.",
        "unknown-symbol" => "A code symbol that the workspace does not define.",
        "stale-reference" => "A reference whose lines changed since the plan was written.",
        "issue-drift" => "The GitHub issue changed since the plan was written.",
        _ => "A plan-lsp finding.",
    }
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

/// A path as a SARIF artifact URI: relative paths stay relative (to `%SRCROOT%`, the folder
/// `check` ran in), with `/` separators and URI-unsafe characters percent-encoded.
fn artifact_uri(path: &str) -> String {
    const UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    let slashed = path.replace('\\', "/");
    let relative = slashed.strip_prefix("./").unwrap_or(&slashed);
    let encoded = percent_encoding::utf8_percent_encode(relative, UNSAFE).to_string();
    if relative.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// Relative URIs are resolved against `%SRCROOT%`; absolute ones stand alone.
fn artifact_location(path: &str) -> Value {
    let uri = artifact_uri(path);
    if uri.starts_with("file:") {
        json!({ "uri": uri })
    } else {
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
    }
}

/// One SARIF 2.1.0 log with one run: every diagnostic code as a rule, each finding a result.
pub fn sarif(out: &mut impl Write, reports: &[Reported]) -> io::Result<()> {
    let rules: Vec<Value> = CODES
        .iter()
        .map(|(code, severity)| {
            json!({
                "id": code,
                "name": code,
                "shortDescription": {"text": rule_description(code)},
                "defaultConfiguration": {"level": sarif_level(*severity)},
                "helpUri": "https://github.com/plan-lsp/plan-lsp#settings",
            })
        })
        .collect();
    let results: Vec<Value> = reports
        .iter()
        .map(|r| {
            let mut result = json!({
                "ruleId": r.finding.code,
                "level": sarif_level(r.finding.severity),
                "message": {"text": r.finding.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&r.path),
                        "region": {
                            "startLine": r.line,
                            "startColumn": r.column,
                            "endLine": r.end_line,
                            "endColumn": r.end_column,
                        },
                    },
                }],
            });
            if let Some(index) = CODES.iter().position(|(code, _)| *code == r.finding.code) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "plan-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/plan-lsp/plan-lsp",
                "rules": rules,
            }},
            // Columns count characters (code points), as in the human and JSON formats.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn artifact_uris_are_relative_and_encoded() {
        assert_eq!(artifact_uri("plans/a b.md"), "plans/a%20b.md");
        assert_eq!(artifact_uri("./plans/#1.md"), "plans/%231.md");
        assert_eq!(artifact_uri("plans\\win.md"), "plans/win.md");
        assert_eq!(artifact_uri("/abs/p.md"), "file:///abs/p.md");
    }
}
