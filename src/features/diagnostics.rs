//! Findings as LSP diagnostics.

use tower_lsp::lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString};

use crate::analysis;
use crate::analysis::diagnostics::{AnalysisContext, Finding, Severity};
use crate::snapshot::Snapshot;
use crate::workspace::no_wait;

/// The diagnostic `source` of everything this server reports.
pub const SOURCE: &str = "plan-lsp";

pub fn to_lsp(snapshot: &Snapshot, finding: Finding) -> Diagnostic {
    Diagnostic {
        range: snapshot.range(finding.range),
        severity: Some(match finding.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Information => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(finding.code.to_string())),
        source: Some(SOURCE.to_string()),
        message: finding.message,
        data: Some(finding.data),
        ..Diagnostic::default()
    }
}

/// All diagnostics of a snapshot.
pub fn compute(snapshot: &Snapshot) -> Vec<Diagnostic> {
    findings(snapshot)
        .into_iter()
        .map(|f| to_lsp(snapshot, f))
        .collect()
}

/// Every finding for this version, with the configured severities.
pub fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    let roots = snapshot.effective_roots();
    let ctx = AnalysisContext {
        plan: &snapshot.plan,
        template: &snapshot.template,
        document_path: snapshot.path.as_deref(),
        roots: &roots,
        files: &snapshot.files,
        code: &snapshot.code,
    };
    let mut findings = analysis::diagnostics::diagnose(&ctx);
    findings.retain_mut(|f| {
        if f.code != "broken-link" && f.code != "planned-file" {
            return true;
        }
        let path = f.data["path"].as_str().unwrap_or_default().to_owned();
        let (gone, left_out) =
            no_wait::watch(|| super::code_refs::deleted_since_commit(snapshot, &path));
        if gone {
            *f = Finding::new(
                "stale-reference",
                f.range.clone(),
                format!("{path} was deleted or moved since this plan was last committed"),
                serde_json::json!({}),
            );
        }
        // Until git has said whether the file was there, "broken" may be wrong: say nothing yet.
        !left_out
    });
    findings.extend(snapshot.issue_drift.clone());
    findings.extend(super::heading_links::findings(snapshot));
    let (code_findings, drift_left_out) = no_wait::watch(|| super::code_refs::findings(snapshot));
    // Lines past the end of a file that git shows were there when the plan was committed
    // are drift (`stale-reference`, with its fix), not a wrong line; until git has answered,
    // a line past the end may be either: say nothing yet.
    findings.retain(|f| {
        f.code != "line-out-of-range"
            || (!drift_left_out
                && !code_findings
                    .iter()
                    .any(|s| s.code == "stale-reference" && s.range == f.range))
    });
    findings.extend(code_findings);
    findings.sort_by_key(|f| (f.range.start, f.range.end));
    analysis::diagnostics::apply_severity(findings, &snapshot.settings)
}
