//! Findings as LSP diagnostics.

use tower_lsp::lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString};

use crate::analysis::diagnostics::{Finding, Severity};
use crate::snapshot::Snapshot;

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
    snapshot
        .findings()
        .into_iter()
        .map(|f| to_lsp(snapshot, f))
        .collect()
}
