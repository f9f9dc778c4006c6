//! Diagnostics of a plan: placeholders, template sections, broken references. Pure: the file
//! system is reached only through the [`FileFacts`] cache.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::intent::{self, Intent};
use super::template_check::{self, MissingSection, TemplateReport};
use crate::plan::references::{names_a_file, ReferenceForm};
use crate::plan::template::Template;
use crate::plan::{Plan, Reference};
use crate::settings::Settings;
use crate::workspace::code::CodeIndex;
use crate::workspace::files::{FileFacts, FileKind};
use crate::workspace::resolve::{self, Resolution};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    fn parse(name: &str) -> Option<Option<Severity>> {
        Some(match name.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "information" | "info" => Some(Severity::Information),
            "hint" => Some(Severity::Hint),
            "off" | "none" | "ignore" => None,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

/// The diagnostic codes and their default severities.
pub const CODES: &[(&str, Severity)] = &[
    ("placeholder", Severity::Warning),
    ("missing-section", Severity::Warning),
    ("empty-section", Severity::Warning),
    ("duplicate-section", Severity::Warning),
    ("broken-link", Severity::Error),
    ("line-out-of-range", Severity::Warning),
    ("planned-file", Severity::Information),
    ("ambiguous-reference", Severity::Hint),
    ("unknown-symbol", Severity::Hint),
    ("stale-reference", Severity::Hint),
    ("issue-drift", Severity::Information),
];

/// One problem found in a plan, located by byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub range: Range<usize>,
    pub message: String,
    /// What the quick fix for this finding needs.
    pub data: FindingData,
}

/// A finding's `data`: what its quick fix needs.
#[derive(Debug, Clone, PartialEq)]
pub enum FindingData {
    /// `{"id": …}`: a placeholder's id, kept as the id alone. A JSON object per placeholder cost
    /// about 800 bytes each (a `BTreeMap` node), and a plan may hold 100,000 of them.
    Placeholder(String),
    Json(serde_json::Value),
}

impl FindingData {
    /// The field `key` of a JSON `data` (not of a placeholder's, which has only its id).
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        match self {
            FindingData::Json(value) => value.get(key),
            FindingData::Placeholder(_) => None,
        }
    }

    /// The diagnostic's `data`.
    pub fn into_json(self) -> serde_json::Value {
        match self {
            FindingData::Json(value) => value,
            FindingData::Placeholder(id) => json!({ "id": id }),
        }
    }
}

impl std::ops::Index<&str> for FindingData {
    type Output = serde_json::Value;

    fn index(&self, key: &str) -> &serde_json::Value {
        self.get(key).unwrap_or(&serde_json::Value::Null)
    }
}

impl Finding {
    pub fn new(
        code: &'static str,
        range: Range<usize>,
        message: String,
        data: serde_json::Value,
    ) -> Finding {
        let severity = CODES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, s)| *s)
            .unwrap_or(Severity::Warning);
        Finding {
            code,
            severity,
            range,
            message,
            data: FindingData::Json(data),
        }
    }
}

/// A plan and where it sits: its template, its path, the workspace folders, the file facts and
/// the code index its references are judged against.
pub struct PlanInWorkspace<'a> {
    pub plan: &'a Plan,
    pub template: &'a Template,
    pub document_path: Option<&'a Path>,
    /// Workspace folders, canonical.
    pub roots: &'a [PathBuf],
    pub files: &'a FileFacts,
    /// The code index, for references written as a basename or partial path.
    pub code: &'a CodeIndex,
}

/// The findings about the document as a whole (its sections); and whether it is held to the
/// plan template, which the findings of its items depend on.
pub fn document_findings(ctx: &PlanInWorkspace) -> (Vec<Finding>, bool) {
    let mut findings = Vec::new();
    let report = template_check::check(ctx.plan, ctx.template);
    // A README or notes file is not held to the plan template; placeholders and references are
    // still checked in any Markdown file.
    let is_plan = template_check::is_plan(ctx.plan, &report, ctx.document_path);
    if is_plan {
        section_findings(ctx.plan, ctx.template, &report, &mut findings);
    }
    (findings, is_plan)
}

/// The findings about the placeholders and references that start in `items`, in order.
pub fn item_findings(ctx: &PlanInWorkspace, items: &Range<usize>, is_plan: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    placeholder_findings(ctx.plan, items, &mut findings);
    reference_findings(ctx, items, is_plan, &mut findings);
    sort(&mut findings);
    findings
}

/// The order findings are reported in: by place, then code and message, so that the same
/// findings always come in the same order, however they were gathered.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.code, &a.message).cmp(&(
            b.range.start,
            b.range.end,
            b.code,
            &b.message,
        ))
    });
}

/// The items of a plan that start in `items`, of a list in document order.
pub fn starting_in<'a, T>(
    list: &'a [T],
    items: &Range<usize>,
    start: impl Fn(&T) -> usize,
) -> &'a [T] {
    let from = list.partition_point(|t| start(t) < items.start);
    let to = list.partition_point(|t| start(t) < items.end);
    &list[from..to.max(from)]
}

/// Applies the `severity` settings: a new severity per code, or `off` to drop the code.
pub fn apply_severity(findings: Vec<Finding>, settings: &Settings) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut f| {
            match settings
                .severity
                .get(f.code)
                .and_then(|s| Severity::parse(s))
            {
                Some(Some(severity)) => {
                    f.severity = severity;
                    Some(f)
                }
                Some(None) => None,
                None => Some(f),
            }
        })
        .collect()
}

/// The `placeholder` findings of the placeholders that start in `items`.
pub fn placeholder_findings(plan: &Plan, items: &Range<usize>, out: &mut Vec<Finding>) {
    for p in starting_in(&plan.placeholders, items, |p| p.range.start) {
        let message = if p.question.is_empty() {
            // Quote the mark, so a bare `TBD` in a long paragraph can be found.
            let written: String = plan.text[p.range.clone()].chars().take(40).collect();
            format!("Unresolved placeholder \"{written}\"")
        } else {
            p.question.to_string()
        };
        // Only the id: the message holds the question, and this runs for every placeholder on
        // every keystroke.
        out.push(Finding {
            data: FindingData::Placeholder(p.id.clone()),
            ..Finding::new(
                "placeholder",
                p.range.clone(),
                message,
                serde_json::Value::Null,
            )
        });
    }
}

fn section_findings(
    plan: &Plan,
    template: &Template,
    report: &TemplateReport,
    out: &mut Vec<Finding>,
) {
    for missing in &report.missing {
        let title = missing.path.last().cloned().unwrap_or_default();
        let under = missing
            .parent
            .map(|p| format!(" under \"{}\"", plan.sections[p].title))
            .unwrap_or_default();
        out.push(Finding::new(
            "missing-section",
            missing_anchor(plan, template, report, missing),
            format!("Missing required section \"{title}\"{under}"),
            json!({"section": title, "path": missing.path}),
        ));
    }
    for &i in &report.empty {
        let s = &plan.sections[i];
        out.push(Finding::new(
            "empty-section",
            s.heading.clone(),
            format!("Section \"{}\" is empty", s.title),
            json!({"section": s.title, "path": plan.section_path(i)}),
        ));
    }
    for &(dup, first) in &report.duplicates {
        let s = &plan.sections[dup];
        out.push(Finding::new(
            "duplicate-section",
            s.heading.clone(),
            format!(
                "Section \"{}\" appears twice (first: \"{}\")",
                s.title, plan.sections[first].title
            ),
            json!({"section": s.title, "first": plan.sections[first].heading.start}),
        ));
    }
}

/// Where a missing section belongs: the heading of the template sibling it would go before, else
/// of the one it would follow, else of its parent. The plan's title only when nothing else is
/// there, so a missing section does not read as a wrong title.
pub fn missing_anchor(
    plan: &Plan,
    template: &Template,
    report: &TemplateReport,
    missing: &MissingSection,
) -> Range<usize> {
    let parent_path = &missing.path[..missing.path.len().saturating_sub(1)];
    let siblings = match parent_path {
        [] => &template.sections[..],
        path => template
            .section_at(path)
            .map_or(&[][..], |s| &s.children[..]),
    };
    let matched = |title: &String| {
        let mut path = parent_path.to_vec();
        path.push(title.clone());
        report.matched_section(&path)
    };
    let position = siblings
        .iter()
        .position(|s| Some(&s.title) == missing.path.last());
    let (before, after) = match position {
        Some(i) => (&siblings[..i], &siblings[i + 1..]),
        None => (&[][..], &[][..]),
    };
    after
        .iter()
        .find_map(|s| matched(&s.title))
        .or_else(|| before.iter().rev().find_map(|s| matched(&s.title)))
        .or(missing.parent)
        .or_else(|| (!plan.sections.is_empty()).then_some(0))
        .map_or(0..0, |i| plan.sections[i].heading.clone())
}

/// `is_plan`: paths in code spans and prose are the plan's references; in other Markdown (a
/// README, a CHANGELOG) they often name files of the reader's project, so only links count there.
fn reference_findings(
    ctx: &PlanInWorkspace,
    items: &Range<usize>,
    is_plan: bool,
    out: &mut Vec<Finding>,
) {
    // Plans cite the same few files many times: resolve each written path once per pass.
    let mut resolved: rustc_hash::FxHashMap<&str, (Resolution, Option<usize>)> =
        rustc_hash::FxHashMap::default();
    for r in starting_in(&ctx.plan.references, items, |r| r.range.start) {
        let (resolution, line_count) = resolved
            .entry(&*r.target.path)
            .or_insert_with(|| {
                let resolution = resolve::resolve(
                    &r.target.path,
                    ctx.document_path,
                    ctx.roots,
                    ctx.files,
                    ctx.code,
                );
                let count = match &resolution {
                    Resolution::Found {
                        path,
                        kind: FileKind::File,
                        ..
                    } => ctx.files.line_count(path),
                    _ => None,
                };
                (resolution, count)
            })
            .clone();
        match resolution {
            Resolution::Found { kind, path, .. } => {
                let (Some(count), FileKind::File) = (line_count, kind) else {
                    continue;
                };
                let Some(last) = r
                    .target
                    .all_lines()
                    .map(|l| l.end.unwrap_or(l.start).max(l.start))
                    .max()
                else {
                    continue;
                };
                let zero = r.target.all_lines().any(|l| l.start == 0);
                if zero || last as usize > count {
                    let shown = shown_path(&r.target.path, &path, ctx.roots);
                    out.push(Finding::new(
                        "line-out-of-range",
                        r.range.clone(),
                        format!("{shown} has {count} lines; line {last} does not exist"),
                        json!({"path": r.target.path, "lines": count, "line": last}),
                    ));
                }
            }
            // A bare name that several files share is a hint only where it matters: a link,
            // or lines of one of them.
            Resolution::Ambiguous { .. }
                if r.form != ReferenceForm::Link && r.target.lines.is_none() => {}
            Resolution::Ambiguous { candidates } => {
                let relative: Vec<String> = candidates
                    .iter()
                    .map(|c| relative_to_roots(c, ctx.roots))
                    .collect();
                out.push(Finding::new(
                    "ambiguous-reference",
                    r.range.clone(),
                    format!(
                        "`{}` matches {} files: {}",
                        r.target.path,
                        relative.len(),
                        relative.join(", ")
                    ),
                    json!({"path": r.target.path, "candidates": relative}),
                ));
            }
            Resolution::NotFound { anchored } => missing_file(ctx, r, anchored && is_plan, out),
            // Another machine's file, or a folder the client did not open: not ours to judge.
            Resolution::OutsideWorkspace => {}
        }
    }
}

/// A reference to nothing: a planned file, a deleted one, a statement of absence, something that
/// is not a path at all, or (only when the author clearly pointed into this workspace) a broken one.
fn missing_file(ctx: &PlanInWorkspace, r: &Reference, anchored: bool, out: &mut Vec<Finding>) {
    let pointed_here = match r.form {
        ReferenceForm::Link => true,
        ReferenceForm::CodeSpan | ReferenceForm::Prose => anchored && names_a_file(&r.target.path),
    };
    if !pointed_here {
        return; // A package, a route, a command, another machine's file: not a reference.
    }
    let section = ctx
        .plan
        .section_at(r.range.start)
        .map(|i| ctx.plan.sections[i].title.as_ref());
    match intent::intent(&ctx.plan.text, r.range.clone(), section) {
        Intent::Creates => out.push(Finding::new(
            "planned-file",
            r.range.clone(),
            format!("{} does not exist yet: this plan creates it", r.target.path),
            json!({"path": r.target.path}),
        )),
        Intent::Removes | Intent::Absent => {}
        Intent::Cites => out.push(Finding::new(
            "broken-link",
            r.range.clone(),
            format!("File not found: {}", r.target.path),
            json!({"path": r.target.path}),
        )),
    }
}

/// A path relative to the workspace folder that holds it (the path itself when none does).
pub fn relative_to_roots(path: &Path, roots: &[PathBuf]) -> String {
    roots
        .iter()
        .find_map(|root| path.strip_prefix(root).ok())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The path as written, and the file it was taken for when that differs.
fn shown_path(written: &str, found: &Path, roots: &[PathBuf]) -> String {
    let relative = relative_to_roots(found, roots);
    if relative == written.trim_start_matches("./").trim_start_matches('/') {
        written.to_string()
    } else {
        format!("{written} ({relative})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::template::TemplateSet;
    use crate::plan::PlaceholderSyntax;

    fn findings(text: &str, root: &Path) -> Vec<(String, &'static str, String)> {
        let plan = Plan::parse(text, &PlaceholderSyntax::default());
        let template = TemplateSet::default().get_or_default(None);
        let files = FileFacts::default();
        let code = CodeIndex::default();
        let roots = vec![root.to_path_buf()];
        let doc_path = root.join("plan.md");
        let ctx = PlanInWorkspace {
            plan: &plan,
            template: &template,
            document_path: Some(&doc_path),
            roots: &roots,
            files: &files,
            code: &code,
        };
        let (mut found, is_plan) = document_findings(&ctx);
        found.extend(item_findings(&ctx, &(0..usize::MAX), is_plan));
        sort(&mut found);
        found
            .into_iter()
            .map(|f| (text[f.range.clone()].to_string(), f.code, f.message))
            .collect()
    }

    #[test]
    fn every_core_code() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "1\n2\n3\n").unwrap();
        let text = "# P\n\n## Status quo\n\nSee `src/a.rs:3`, `src/a.rs:4`, `src/nope.rs` [NEEDS CLARIFICATION: db?]\n\n## Best Practices\n";
        let found = findings(text, &root);
        let codes: Vec<_> = found.iter().map(|(t, c, _)| (t.as_str(), *c)).collect();
        assert_eq!(
            codes,
            [
                ("`src/a.rs:4`", "line-out-of-range"),
                ("`src/nope.rs`", "broken-link"),
                ("[NEEDS CLARIFICATION: db?]", "placeholder"),
                ("## Best Practices", "empty-section"),
                // Where the missing section belongs (after Best Practices), not on the title.
                ("## Best Practices", "missing-section"),
            ]
        );
        assert_eq!(found[2].2, "db?");
        assert_eq!(
            found[4].2,
            "Missing required section \"Proposed Implementation\""
        );
    }

    #[test]
    fn severities_are_configurable_and_can_be_turned_off() {
        let findings = vec![
            Finding::new("placeholder", 0..1, "q".into(), json!({})),
            Finding::new("broken-link", 0..1, "b".into(), json!({})),
        ];
        let (settings, _) = Settings::from_json(
            &json!({"severity": {"placeholder": "error", "broken-link": "off"}}),
        );
        let out = apply_severity(findings, &settings);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Error);
    }
}
