//! Findings as LSP diagnostics.
//!
//! A keystroke changes one chunk of a plan, but the findings about its placeholders and
//! references (which resolve paths, count lines and ask git) were all computed again, at a cost
//! that followed the document. [`Kept`] holds the findings of the last analysis of a
//! document; the next analysis computes only those of the items in the chunks that changed and
//! shifts the rest, as long as nothing else they depend on changed (see [`ReuseKey`]).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tower_lsp::lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString};

use crate::analysis;
use crate::analysis::diagnostics::{Finding, PlanInWorkspace, Severity};
use crate::document::common_ends::{common_prefix, common_suffix};
use crate::plan::template::Template;
use crate::plan::{PlaceholderSyntax, Plan};
use crate::settings::Settings;
use crate::snapshot::Snapshot;
use crate::workspace::{no_wait, revision};

/// The diagnostic `source` of everything this server reports.
pub const SOURCE: &str = "plan-lsp";

/// How long kept findings may be reused: the caches' own trust period, after which they check
/// their answers again (a file may have changed on disk without anyone saying so).
const KEEP_FOR: Duration = Duration::from_secs(3);

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
        data: Some(finding.data.into_json()),
        ..Diagnostic::default()
    }
}

/// All diagnostics of a snapshot.
pub fn compute(snapshot: &Snapshot) -> Vec<Diagnostic> {
    to_diagnostics(snapshot, findings(snapshot))
}

/// The placeholders of a snapshot whose plan holds only the start of its document (see
/// `ServerState::first_look`): what a user sees first of a long plan, before every reference
/// is checked and every section read.
pub fn first_look(snapshot: &Snapshot) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    analysis::diagnostics::placeholder_findings(&snapshot.plan, &(0..usize::MAX), &mut findings);
    to_diagnostics(snapshot, finish(snapshot, findings))
}

/// The most diagnostics published for one document: VS Code shows no more than this many per
/// file (the first ones, errors first), and a plan with tens of thousands of open placeholders
/// would otherwise cost every keystroke megabytes of JSON that no editor shows.
pub const MAX_PUBLISHED: usize = 1000;

/// The diagnostics of a snapshot, reusing what `kept` (from an earlier version) still holds;
/// also what to keep for the next version. Past [`MAX_PUBLISHED`], those nearest the last edit
/// (where the user works), in document order; `plan-lsp check` lists every one.
pub fn compute_reusing(snapshot: &Snapshot, kept: Option<Kept>) -> (Vec<Diagnostic>, Kept) {
    let (fresh, kept) = analyse_reusing(snapshot, kept);
    let findings = if fresh.len() + kept.items.len() <= MAX_PUBLISHED {
        fresh
            .into_iter()
            .chain(kept.items.iter().cloned())
            .collect()
    } else {
        near(kept.focus, fresh, &kept.items)
    };
    (to_diagnostics(snapshot, finish(snapshot, findings)), kept)
}

/// At most [`MAX_PUBLISHED`] findings around byte `focus`: a window of the item findings (in
/// order) and the document's own findings that fall in it.
fn near(focus: usize, fresh: Vec<Finding>, items: &[Finding]) -> Vec<Finding> {
    let room = MAX_PUBLISHED - fresh.len().min(MAX_PUBLISHED / 2);
    let at = items.partition_point(|f| f.range.start < focus);
    let end = (at + room / 2).max(room).min(items.len());
    let start = end.saturating_sub(room);
    let window = &items[start..end];
    let (first, last) = match window {
        [first, .., last] => (first.range.start, last.range.start),
        _ => (focus, focus),
    };
    let mut out: Vec<Finding> = fresh
        .into_iter()
        .filter(|f| (first..=last).contains(&f.range.start))
        .take(MAX_PUBLISHED - window.len())
        .collect();
    out.extend(window.iter().cloned());
    out
}

fn to_diagnostics(snapshot: &Snapshot, findings: Vec<Finding>) -> Vec<Diagnostic> {
    findings.into_iter().map(|f| to_lsp(snapshot, f)).collect()
}

/// Every finding for this version, with the configured severities.
pub fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    let roots = snapshot.effective_roots();
    let (mut findings, is_plan) = fresh_findings(snapshot, &roots);
    findings.extend(item_findings(snapshot, &roots, &(0..usize::MAX), is_plan));
    finish(snapshot, findings)
}

/// [`findings`], reusing `kept`; and what to keep for the next version.
pub fn findings_reusing(snapshot: &Snapshot, kept: Option<Kept>) -> (Vec<Finding>, Kept) {
    let (mut findings, kept) = analyse_reusing(snapshot, kept);
    findings.extend(kept.items.iter().cloned());
    (finish(snapshot, findings), kept)
}

/// The findings judged afresh, and what is kept: the item findings, reused where they still
/// hold.
fn analyse_reusing(snapshot: &Snapshot, kept: Option<Kept>) -> (Vec<Finding>, Kept) {
    let roots = snapshot.effective_roots();
    let (findings, is_plan) = fresh_findings(snapshot, &roots);
    // Where the texts start to differ: the edit's place, and where the changed chunks begin.
    let same_start = kept
        .as_ref()
        .map(|k| common_prefix(k.plan.text.as_bytes(), snapshot.plan.text.as_bytes()));
    let focus = match (&kept, same_start) {
        (Some(k), Some(same)) if same == k.plan.text.len() && same == snapshot.plan.text.len() => {
            k.focus
        }
        (_, same) => same.unwrap_or(0),
    };
    let key = ReuseKey::of(snapshot, roots.clone(), is_plan);
    let reused = kept
        .filter(|k| k.key == key && k.made.elapsed() < KEEP_FOR)
        .and_then(|k| {
            let complete = k.complete;
            let same_start = same_start.unwrap_or(0);
            reuse(snapshot, &roots, k, same_start, is_plan)
                .map(|(items, made)| (items, made, complete))
        });
    let (items, made, complete) = reused.unwrap_or_else(|| {
        let all = 0..usize::MAX;
        (
            item_findings(snapshot, &roots, &all, is_plan),
            Instant::now(),
            true,
        )
    });
    let kept = Kept {
        plan: snapshot.plan.clone(),
        items,
        key,
        made,
        focus,
        complete,
    };
    (findings, kept)
}

fn finish(snapshot: &Snapshot, mut findings: Vec<Finding>) -> Vec<Finding> {
    analysis::diagnostics::sort(&mut findings);
    analysis::diagnostics::apply_severity(findings, &snapshot.settings)
}

/// The findings of the last analysis of a document that depend on the disk, git and the code
/// index: those of its placeholders, references and code spans.
pub struct Kept {
    plan: Arc<Plan>,
    /// In order, severities not yet applied.
    items: Vec<Finding>,
    key: ReuseKey,
    /// When the oldest of them was computed.
    made: Instant,
    /// Where the last edit was (a byte of the plan's text).
    focus: usize,
    /// Whether every lookup behind these findings had its answer. Incomplete findings are still
    /// reused while the caches catch up in the background (an analysis then is as incomplete as
    /// the findings it reused, see [`Kept::complete`]); the caches' refresh bumps the workspace
    /// revision, so the analysis after it judges everything again.
    complete: bool,
}

impl Kept {
    /// Marks the findings of an analysis that left lookups out or answered from stale entries.
    pub fn incomplete(mut self) -> Kept {
        self.complete = false;
        self
    }

    /// Whether every finding kept had all its answers: a pass that reused incomplete findings
    /// is incomplete even though it asked the caches nothing for them.
    pub fn complete(&self) -> bool {
        self.complete
    }
}

/// What else than an item's own chunk its findings depend on.
#[derive(PartialEq)]
struct ReuseKey {
    revision: u64,
    /// Headings, link definitions, unfilled template (see `Plan::cross_chunk_digest`).
    cross_chunk: u64,
    /// Whether the document is held to the plan template.
    is_plan: bool,
    path: Option<PathBuf>,
    roots: Vec<PathBuf>,
    template: ByAddress<Template>,
    settings: ByAddress<Settings>,
    syntax: ByAddress<PlaceholderSyntax>,
}

/// An `Arc` compared by address: the same settings, template or syntax object.
struct ByAddress<T>(Arc<T>);

impl<T> PartialEq for ByAddress<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl ReuseKey {
    fn of(snapshot: &Snapshot, roots: Vec<PathBuf>, is_plan: bool) -> ReuseKey {
        ReuseKey {
            revision: revision::current(),
            cross_chunk: snapshot.plan.cross_chunk_digest,
            is_plan,
            path: snapshot.path.clone(),
            roots,
            template: ByAddress(snapshot.template.clone()),
            settings: ByAddress(snapshot.settings.clone()),
            syntax: ByAddress(snapshot.syntax.clone()),
        }
    }
}

/// The item findings of `snapshot` from `kept`'s, computing only those of the chunks that
/// changed; `None` when the placeholders were renumbered (their ids are in the findings).
fn reuse(
    snapshot: &Snapshot,
    roots: &[PathBuf],
    kept: Kept,
    same_start: usize,
    is_plan: bool,
) -> Option<(Vec<Finding>, Instant)> {
    let (old, new) = (&kept.plan, &snapshot.plan);
    let (changed_old, changed_new) = changed_chunks(old, new, same_start);
    let count = |plan: &Plan, range: &Range<usize>| {
        analysis::diagnostics::starting_in(&plan.placeholders, range, |p| p.range.start).len()
    };
    if count(old, &changed_old) != count(new, &changed_new) {
        return None;
    }
    let middle = item_findings(snapshot, roots, &changed_new, is_plan);
    let shift = |at: usize| at + changed_new.end - changed_old.end;
    let mut items = Vec::with_capacity(kept.items.len() + middle.len());
    let mut old_items = kept.items.into_iter().peekable();
    while let Some(f) = old_items.next_if(|f| f.range.start < changed_old.start) {
        items.push(f);
    }
    items.extend(middle);
    items.extend(
        old_items
            .filter(|f| f.range.start >= changed_old.end)
            .map(|mut f| {
                f.range = shift(f.range.start)..shift(f.range.end);
                f
            }),
    );
    Some((items, kept.made))
}

/// The byte ranges, in the old text and in the new, of the chunks between the unchanged ones
/// at the start and at the end (empty at the same place when nothing changed).
fn changed_chunks(old: &Plan, new: &Plan, same_start: usize) -> (Range<usize>, Range<usize>) {
    let (a, b) = (old.text.as_bytes(), new.text.as_bytes());
    let same_end = common_suffix(a, b).min(a.len().min(b.len()) - same_start);
    let leading = old
        .chunks
        .iter()
        .zip(&new.chunks)
        .take_while(|(o, n)| o == n && n.end <= same_start)
        .count();
    let start = leading.checked_sub(1).map_or(0, |i| new.chunks[i].end);
    let trailing = old
        .chunks
        .iter()
        .rev()
        .zip(new.chunks.iter().rev())
        .take(old.chunks.len().min(new.chunks.len()) - leading)
        .take_while(|(o, n)| {
            n.start >= b.len() - same_end
                && o.start + b.len() == n.start + a.len()
                && o.end + b.len() == n.end + a.len()
        })
        .count();
    let new_end = new.chunks.len() - trailing;
    let end_new = new.chunks.get(new_end).map_or(b.len(), |c| c.start);
    let end_old = old
        .chunks
        .get(old.chunks.len() - trailing)
        .map_or(a.len(), |c| c.start);
    (start..end_old.max(start), start..end_new.max(start))
}

/// The findings of the placeholders, references and code spans that start in `items`, in order.
fn item_findings(
    snapshot: &Snapshot,
    roots: &[PathBuf],
    items: &Range<usize>,
    is_plan: bool,
) -> Vec<Finding> {
    let ctx = in_workspace(snapshot, roots);
    let mut findings = analysis::diagnostics::item_findings(&ctx, items, is_plan);
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
    let (code_findings, drift_left_out) =
        no_wait::watch(|| super::code_refs::findings(snapshot, items));
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
    analysis::diagnostics::sort(&mut findings);
    findings
}

/// The findings judged afresh for every version: the document's sections, issue drift, and
/// links to headings (which depend on every heading and anchor of the documents they point
/// into, and cost little); and whether the document is held to the plan template.
fn fresh_findings(snapshot: &Snapshot, roots: &[PathBuf]) -> (Vec<Finding>, bool) {
    let (mut findings, is_plan) =
        analysis::diagnostics::document_findings(&in_workspace(snapshot, roots));
    findings.extend(snapshot.issue_drift.clone());
    findings.extend(super::heading_links::findings(snapshot));
    (findings, is_plan)
}

fn in_workspace<'a>(snapshot: &'a Snapshot, roots: &'a [PathBuf]) -> PlanInWorkspace<'a> {
    PlanInWorkspace {
        plan: &snapshot.plan,
        template: &snapshot.template,
        document_path: snapshot.path.as_deref(),
        roots,
        files: &snapshot.files,
        code: &snapshot.code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: usize, code: &'static str) -> Finding {
        Finding::new(code, start..start + 3, String::new(), serde_json::json!({}))
    }

    #[test]
    fn past_the_limit_the_findings_nearest_the_edit_are_published() {
        let items: Vec<Finding> = (0..3000).map(|i| at(i * 10, "placeholder")).collect();
        let fresh = vec![at(15_001, "missing-section"), at(2, "empty-section")];
        let shown = near(15_000, fresh, &items);
        assert!(shown.len() <= MAX_PUBLISHED, "{}", shown.len());
        let starts: Vec<usize> = shown
            .iter()
            .filter(|f| f.code == "placeholder")
            .map(|f| f.range.start)
            .collect();
        assert!(starts.contains(&15_000));
        assert!(starts.windows(2).all(|w| w[1] == w[0] + 10), "one window");
        assert!(shown.iter().any(|f| f.code == "missing-section"));
        assert!(!shown.iter().any(|f| f.code == "empty-section"));
        // At the ends, the window is as wide as at the middle.
        assert_eq!(near(0, Vec::new(), &items).len(), MAX_PUBLISHED);
        let end = near(usize::MAX, Vec::new(), &items);
        assert_eq!(end.last().unwrap().range.start, 29_990);
        assert_eq!(end.len(), MAX_PUBLISHED);
    }
}
