//! Checks a plan against its template: which required sections are missing, empty or duplicated.

use crate::plan::template::{Template, TemplateSection};
use crate::plan::Plan;

/// A required section the plan lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSection {
    /// Template titles from the top: `["Proposed Implementation", "Overview"]`.
    pub path: Vec<String>,
    /// The plan section it belongs under, when its parent exists.
    pub parent: Option<usize>,
}

/// The result of checking a plan against a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateReport {
    pub missing: Vec<MissingSection>,
    /// Matched sections with no content and no subsections.
    pub empty: Vec<usize>,
    /// `(duplicate, first)` plan section indexes.
    pub duplicates: Vec<(usize, usize)>,
    /// Which plan section each template path matched.
    pub matched: Vec<(Vec<String>, usize)>,
}

impl TemplateReport {
    pub fn matched_section(&self, path: &[String]) -> Option<usize> {
        self.matched
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, i)| *i)
    }
}

/// Whether a Markdown document is a plan, and so held to its template: it says so (front matter
/// `template:` or `issue:`, a `*.plan.md` name, a folder named `plans`, a wrapper tag), or it already
/// has one of the template's top-level sections.
pub fn is_plan(plan: &Plan, report: &TemplateReport, path: Option<&std::path::Path>) -> bool {
    let declared = plan
        .front_matter
        .as_ref()
        .is_some_and(|f| f.get("template").is_some() || f.get("issue").is_some());
    let named = path.is_some_and(|p| {
        p.to_string_lossy().ends_with(".plan.md")
            || p.parent()
                .into_iter()
                .flat_map(|d| d.components())
                .any(|c| {
                    let c = c.as_os_str().to_string_lossy().to_lowercase();
                    c == "plans" || c == "plan"
                })
    });
    let wrapped = plan
        .blocks
        .iter()
        .any(|b| b.kind == crate::plan::BlockKind::Wrapper);
    declared || named || wrapped || report.matched.iter().any(|(path, _)| path.len() == 1)
}

pub fn check(plan: &Plan, template: &Template) -> TemplateReport {
    let mut report = TemplateReport::default();
    walk(plan, &template.sections, None, false, &[], &mut report);
    report
}

/// Sections under `scope` (or all sections at the top), in document order.
fn candidates(plan: &Plan, scope: Option<usize>) -> Vec<usize> {
    match scope {
        None => (0..plan.sections.len()).collect(),
        Some(s) => {
            let mut out = Vec::new();
            let mut stack: Vec<usize> = plan.sections[s].children.iter().rev().copied().collect();
            while let Some(i) = stack.pop() {
                out.push(i);
                stack.extend(plan.sections[i].children.iter().rev().copied());
            }
            out
        }
    }
}

fn walk(
    plan: &Plan,
    sections: &[TemplateSection],
    scope: Option<usize>,
    // Each `Phase N` needs its own subsections: one elsewhere does not count.
    in_repeated: bool,
    path: &[String],
    report: &mut TemplateReport,
) {
    let pool = candidates(plan, scope);
    for ts in sections {
        let mut section_path = path.to_vec();
        section_path.push(ts.title.clone());
        let mut matches: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| ts.matches(&plan.sections[i].normalized))
            .collect();
        // The shallowest match is the one the template means; deeper namesakes are other things.
        let Some(min_level) = matches.iter().map(|&i| plan.sections[i].level).min() else {
            // A section written at another place (`## Open questions` beside its parent rather
            // than under it) is there all the same.
            let elsewhere = scope.is_some()
                && !in_repeated
                && plan.sections.iter().any(|s| ts.matches(&s.normalized));
            if ts.required && !elsewhere {
                report.missing.push(MissingSection {
                    path: section_path,
                    parent: scope,
                });
            }
            continue;
        };
        matches.retain(|&i| plan.sections[i].level == min_level);
        let first = matches[0];
        if !ts.repeats() {
            for &dup in &matches[1..] {
                // Two aliases ("Background", "Current state") are two sections, not one twice.
                if plan.sections[dup].parent == plan.sections[first].parent
                    && plan.sections[dup].normalized == plan.sections[first].normalized
                {
                    report.duplicates.push((dup, first));
                }
            }
            matches.truncate(1);
        }
        for &m in &matches {
            let section = &plan.sections[m];
            if !section.has_content && section.children.is_empty() {
                report.empty.push(m);
            }
            report.matched.push((section_path.clone(), m));
            walk(
                plan,
                &ts.children,
                Some(m),
                ts.repeats(),
                &section_path,
                report,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::template::TemplateSet;
    use crate::plan::PlaceholderSyntax;

    fn report(text: &str, template: &str) -> (Plan, TemplateReport) {
        let plan = Plan::parse(text, &PlaceholderSyntax::default());
        let template = TemplateSet::default().get(template).unwrap();
        let report = check(&plan, &template);
        (plan, report)
    }

    #[test]
    fn missing_empty_and_duplicate_sections() {
        let text = "# Plan\n\n## 1. Status Quo\n\nNow.\n\n## Best practices\n\n## Proposed implementation\n\n### Overview\n\nIdea.\n\n### Overview\n\nAgain.\n\n### Risks & mitigations\n\n- r\n\n## Open questions\n\n- q\n";
        let (plan, report) = report(text, "implementation-plan");
        let missing: Vec<_> = report.missing.iter().map(|m| m.path.join(" > ")).collect();
        // Open questions sits beside Proposed implementation rather than under it: still there.
        assert_eq!(
            missing,
            [
                "Proposed Implementation > Components",
                "Proposed Implementation > Order of implementation",
            ]
        );
        assert_eq!(report.missing[0].parent, Some(3));
        assert_eq!(
            report
                .empty
                .iter()
                .map(|&i| plan.sections[i].title.as_ref())
                .collect::<Vec<_>>(),
            ["Best practices"]
        );
        assert_eq!(report.duplicates.len(), 1);
        assert_eq!(&*plan.sections[report.duplicates[0].0].title, "Overview");
    }

    #[test]
    fn two_aliases_of_one_section_are_not_a_duplicate() {
        let text = "## Background\n\nx\n\n## Current state\n\ny\n";
        let (_, report) = report(text, "implementation-plan");
        assert!(report.duplicates.is_empty());
    }

    #[test]
    fn only_plans_are_held_to_the_template() {
        let (plan, r) = report("# README\n\nHow to build.\n", "implementation-plan");
        assert!(!is_plan(
            &plan,
            &r,
            Some(std::path::Path::new("/ws/README.md"))
        ));
        assert!(is_plan(
            &plan,
            &r,
            Some(std::path::Path::new("/ws/plans/new.md"))
        ));
        assert!(is_plan(
            &plan,
            &r,
            Some(std::path::Path::new("/ws/x.plan.md"))
        ));
        let (plan, r) = report("---\nissue: o/r#1\n---\n# X\n", "implementation-plan");
        assert!(is_plan(&plan, &r, None));
        let (plan, r) = report("## Status quo\n\nx\n", "implementation-plan");
        assert!(is_plan(&plan, &r, None));
    }

    #[test]
    fn repeated_phase_sections_are_checked_each() {
        let text = "## Overview\nx\n## Phase 1: Parser\nx\n### Changes Required\nx\n## Phase 2: Server\nx\n### Phase 2 Success Criteria\n#### Automated Verification\n- [ ] cargo test\n";
        let (_, report) = report(text, "phased-plan");
        let missing: Vec<_> = report.missing.iter().map(|m| m.path.join(" > ")).collect();
        assert!(missing.contains(&"Phase 1 > Success Criteria".to_string()));
        assert!(missing.contains(&"Phase 1 > Changes Required".to_string()));
        // "Phase 2 Success Criteria" is Phase 2's Success Criteria; verification subsections and
        // Testing Strategy are optional.
        assert_eq!(
            missing
                .iter()
                .filter(|m| m.contains("Success Criteria"))
                .count(),
            1
        );
        assert!(!missing
            .iter()
            .any(|m| m.contains("Verification") || m.contains("Testing")));
        assert!(report.duplicates.is_empty());
    }
}
