//! The text the service-backed commands write: a new plan from an issue, section bodies, answered
//! placeholders with their `Clarifications` record, front-matter fields, the questions comment
//! posted on the issue and the answers read back from its replies. Pure functions over text.

use std::ops::Range;

use crate::analysis::issue_drift::{timestamp, UPDATED_AT_KEY};

use crate::analysis::edits::TextChange;
use crate::plan::headings::normalize_title;
use crate::plan::template::{Template, TemplateSection};
use crate::plan::{Placeholder, Plan};
use crate::services::github::{IssueComment, IssueDetails};
use crate::services::prompts::IssueAnalysis;

/// Front-matter key: the issue the plan answers.
pub const ISSUE_KEY: &str = "issue";
/// Front-matter key: the id of the questions comment posted on the issue.
pub const COMMENT_KEY: &str = "questions_comment";
/// Title of the section where answers are recorded.
pub const CLARIFICATIONS: &str = "Clarifications";
/// First line of the questions comment, so it can be recognised later.
pub const COMMENT_MARKER: &str = "<!-- plan-lsp:questions -->";

/// Longest stretch of the issue body quoted into a new plan.
const MAX_QUOTED_BODY: usize = 4000;

/// `12-retry-failed-uploads.md` for issue 12 titled "Retry failed uploads".
pub fn plan_file_name(number: u64, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 50 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("{number}.md")
    } else {
        format!("{number}-{slug}.md")
    }
}

/// Makes text safe inside `[NEEDS CLARIFICATION: …]` (one line, no closing bracket).
pub fn placeholder_text(question: &str) -> String {
    question
        .replace(']', ")")
        .replace('[', "(")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new plan for `issue`, following `template`: front matter, the issue, the analysis when a
/// model wrote one, and every required section with its placeholder prompt. Clarifying questions
/// go to the template's questions section as `[NEEDS CLARIFICATION: …]`.
pub fn new_plan_text(
    issue: &IssueDetails,
    template: &Template,
    analysis: Option<&IssueAnalysis>,
) -> String {
    let mut out = String::new();
    out.push_str("---\n");
    out.push_str(&format!("{ISSUE_KEY}: {}\n", issue.reference));
    out.push_str(&format!(
        "{UPDATED_AT_KEY}: {}\n",
        timestamp(issue.updated_at)
    ));
    out.push_str(&format!("template: {}\n", template.name));
    out.push_str("---\n\n");
    out.push_str(&format!("# {}\n\n", one_line(&issue.title)));
    out.push_str("## Issue\n\n");
    let mut facts = vec![
        format!("[{}]({})", issue.reference, issue.html_url),
        issue.state.clone(),
    ];
    if !issue.labels.is_empty() {
        facts.push(format!("labels: {}", issue.labels.join(", ")));
    }
    facts.push(format!("opened by @{}", issue.author));
    if !issue.comments.is_empty() {
        facts.push(format!("{} comments", issue.comments.len()));
    }
    out.push_str(&facts.join(" · "));
    out.push_str("\n\n");
    match analysis.filter(|a| !a.summary.is_empty()) {
        Some(analysis) => {
            out.push_str(&analysis.summary);
            out.push_str("\n\n");
        }
        None => out.push_str(&quote(&issue.body)),
    }
    let questions: Vec<String> = analysis
        .map(|a| {
            a.questions
                .iter()
                .map(|q| placeholder_text(q))
                .filter(|q| !q.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(analysis) = analysis {
        push_list(&mut out, "### Key components", &analysis.key_components);
        push_list(&mut out, "### Challenges", &analysis.challenges);
    }
    let questions_home = template
        .all_sections()
        .into_iter()
        .filter(|s| s.required)
        .find(|s| normalize_title(&s.title).contains("question"))
        .map(|s| s.title.clone());
    if questions_home.is_none() {
        push_questions(&mut out, "### Clarifying questions", &questions);
    }
    if let Some(tag) = &template.wrapper {
        out.push_str(&format!("<{tag}>\n\n"));
    }
    for section in template.sections.iter().filter(|s| s.required) {
        render_section(&mut out, section, 2, &|s: &TemplateSection| {
            (Some(&s.title) == questions_home.as_ref() && !questions.is_empty()).then(|| {
                questions
                    .iter()
                    .map(|q| format!("- [NEEDS CLARIFICATION: {q}]\n"))
                    .collect::<String>()
            })
        });
    }
    if let Some(tag) = &template.wrapper {
        out.push_str(&format!("</{tag}>\n"));
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn quote(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return "> (The issue has no description.)\n\n".to_string();
    }
    let mut cut = body.len().min(MAX_QUOTED_BODY);
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out: String = body[..cut]
        .lines()
        .map(|l| {
            if l.trim().is_empty() {
                ">\n".to_string()
            } else {
                format!("> {l}\n")
            }
        })
        .collect();
    if cut < body.len() {
        out.push_str("> …\n");
    }
    out.push('\n');
    out
}

fn push_list(out: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(heading);
    out.push_str("\n\n");
    for item in items {
        out.push_str(&format!("- {}\n", one_line(item)));
    }
    out.push('\n');
}

fn push_questions(out: &mut String, heading: &str, questions: &[String]) {
    if questions.is_empty() {
        return;
    }
    out.push_str(heading);
    out.push_str("\n\n");
    for q in questions {
        out.push_str(&format!("- [NEEDS CLARIFICATION: {q}]\n"));
    }
    out.push('\n');
}

/// A template section and its required subsections; `content` may supply a body instead of the
/// placeholder prompt.
fn render_section(
    out: &mut String,
    section: &TemplateSection,
    level: usize,
    content: &dyn Fn(&TemplateSection) -> Option<String>,
) {
    out.push_str(&format!(
        "{} {}\n\n",
        "#".repeat(level.min(6)),
        section.title
    ));
    let children: Vec<&TemplateSection> = section.children.iter().filter(|c| c.required).collect();
    if let Some(body) = content(section) {
        out.push_str(&body);
        out.push('\n');
    } else if children.is_empty() {
        let prompt = if section.prompt.trim().is_empty() {
            format!("Write the {} section.", section.title)
        } else {
            section.prompt.clone()
        };
        out.push_str(&format!("[PLACEHOLDER: {}]\n\n", placeholder_text(&prompt)));
    }
    for child in children {
        render_section(out, child, level + 1, content);
    }
}

/// The section a command names: a title, an alias of its template section, or a path
/// `Parent › Child` (also `Parent > Child` or `Parent/Child`).
pub fn find_section(plan: &Plan, template: &Template, name: &str) -> Option<usize> {
    // A title that itself holds a separator ("Input/Output") is a title first.
    let whole = normalize_title(name);
    if let Some(i) = plan.sections.iter().position(|s| *s.normalized == *whole) {
        return Some(i);
    }
    let parts: Vec<String> = name
        .split(['›', '>', '/'])
        .map(normalize_title)
        .filter(|p| !p.is_empty())
        .collect();
    let wanted = parts.last()?;
    let template_section = template
        .all_sections()
        .into_iter()
        .find(|s| s.matches(wanted));
    let mut candidates = plan.sections.iter().enumerate().filter(|(_, s)| {
        *s.normalized == **wanted || template_section.is_some_and(|t| t.matches(&s.normalized))
    });
    if parts.len() == 1 {
        return candidates.next().map(|(i, _)| i);
    }
    candidates
        .find(|(i, _)| {
            let path: Vec<String> = plan
                .section_path(*i)
                .iter()
                .map(|t| normalize_title(t))
                .collect();
            path.ends_with(&parts)
        })
        .map(|(i, _)| i)
}

/// The template section behind plan section `index` (for its guidance).
pub fn template_section<'t>(
    plan: &Plan,
    template: &'t Template,
    index: usize,
) -> Option<&'t TemplateSection> {
    template.section_at(&plan.section_path(index)).or_else(|| {
        template
            .all_sections()
            .into_iter()
            .find(|s| s.matches(&plan.sections[index].normalized))
    })
}

/// The section's own body: after its heading line, up to its first subsection (or its end),
/// without the blank lines at the end.
pub fn section_body_range(text: &str, plan: &Plan, index: usize) -> Range<usize> {
    let section = &plan.sections[index];
    let mut start = section.heading.end;
    if text[start..].starts_with("\r\n") {
        start += 2;
    } else if text[start..].starts_with('\n') {
        start += 1;
    }
    let end = section
        .children
        .first()
        .map(|&c| plan.sections[c].range.start)
        .unwrap_or(section.range.end)
        .max(start);
    let body = &text[start..end];
    let trimmed_end = start + body.trim_end().len();
    let content_start = start + (body.len() - body.trim_start().len());
    content_start.min(trimmed_end)..trimmed_end
}

/// The change that makes `body` the section's body, keeping one blank line after the heading
/// and before whatever follows.
pub fn replace_section_body(
    text: &str,
    plan: &Plan,
    index: usize,
    body: &str,
    eol: &str,
) -> TextChange {
    let range = section_body_range(text, plan, index);
    let body = body.trim().replace("\r\n", "\n").replace('\n', eol);
    let leading = text[plan.sections[index].heading.end..range.start]
        .matches('\n')
        .count();
    let mut new_text = String::new();
    // A heading followed directly by text gets the blank line Markdown style expects.
    for _ in leading..2 {
        new_text.push_str(eol);
    }
    new_text.push_str(&body);
    let after = &text[range.end..];
    if after.is_empty() {
        new_text.push_str(eol);
    } else if !after.starts_with(['\n', '\r']) {
        new_text.push_str(eol);
        new_text.push_str(eol);
    }
    TextChange { range, new_text }
}

/// Keeps a generated body inside its section: headings at the section's level or above become
/// subsections (`level + 1`, at most `######`); code blocks are left alone.
pub fn nest_headings(body: &str, section_level: u8) -> String {
    let floor = (section_level as usize + 1).min(6);
    let mut fence: Option<&str> = None;
    let mut out: Vec<String> = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            _ => {}
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        let is_heading = fence.is_none()
            && marker.is_none()
            && (1..=6).contains(&hashes)
            && trimmed[hashes..].starts_with([' ', '\t']);
        if is_heading && hashes < floor {
            out.push(format!("{}{}", "#".repeat(floor), &trimmed[hashes..]));
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

/// Applies non-overlapping replacements (in any order) to `text`.
pub fn apply_all(text: &str, changes: &[TextChange]) -> String {
    let mut sorted: Vec<&TextChange> = changes.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.range.start));
    let mut out = text.to_string();
    for change in sorted {
        out.replace_range(change.range.clone(), &change.new_text);
    }
    out
}

/// Answers placeholders: each is replaced by its answer and recorded as `- Q: … → A: …` under
/// `Clarifications` (created at the end of the plan, inside its wrapper, when missing).
pub fn answer_placeholders(text: &str, plan: &Plan, answers: &[(&Placeholder, String)]) -> String {
    let eol = plan.line_ending;
    let mut changes: Vec<TextChange> = answers
        .iter()
        .map(|(p, answer)| TextChange {
            range: p.range.clone(),
            new_text: one_line(answer),
        })
        .collect();
    let records: String = answers
        .iter()
        .map(|(p, answer)| {
            format!(
                "- Q: {} → A: {}{eol}",
                one_line(&p.question),
                one_line(answer)
            )
        })
        .collect();
    let existing = plan
        .sections
        .iter()
        .position(|s| *s.normalized == *normalize_title(CLARIFICATIONS));
    match existing {
        Some(index) => {
            let body = section_body_range(text, plan, index);
            let at = body.end;
            let heading_end = plan.sections[index].heading.end;
            let lead = if at == heading_end {
                format!("{eol}{eol}")
            } else {
                eol.to_string()
            };
            let tail = records.trim_end_matches(['\r', '\n']);
            let after_is_end = text[at..].trim().is_empty() && !text[at..].contains('\n');
            let mut insert = format!("{lead}{tail}");
            if after_is_end {
                insert.push_str(eol);
            }
            changes.push(TextChange {
                range: at..at,
                new_text: insert,
            });
        }
        None => {
            let at = end_inside_wrapper(text, plan);
            let level = top_level(plan);
            let before = &text[..at];
            let mut insert = String::new();
            if !before.is_empty() && !before.ends_with('\n') {
                insert.push_str(eol);
            }
            if !before.trim_end().is_empty()
                && !before.ends_with("\n\n")
                && !before.ends_with("\n\r\n")
            {
                insert.push_str(eol);
            }
            insert.push_str(&format!(
                "{} {CLARIFICATIONS}{eol}{eol}{records}",
                "#".repeat(level)
            ));
            if at < text.len() {
                insert.push_str(eol);
            }
            changes.push(TextChange {
                range: at..at,
                new_text: insert,
            });
        }
    }
    apply_all(text, &changes)
}

/// The level of the plan's top sections (`##` under a single `# Title`).
fn top_level(plan: &Plan) -> usize {
    let tops: Vec<u8> = plan
        .sections
        .iter()
        .filter(|s| s.parent.is_none())
        .map(|s| s.level)
        .collect();
    match tops.as_slice() {
        [] => 2,
        [1] => 2,
        levels => *levels.iter().max().unwrap_or(&2) as usize,
    }
}

/// The end of the document, or the start of the line closing a wrapper tag that ends it.
fn end_inside_wrapper(text: &str, plan: &Plan) -> usize {
    plan.blocks
        .iter()
        .filter(|b| b.kind == crate::plan::BlockKind::Wrapper)
        .filter(|b| text[b.range.end..].trim().is_empty())
        .filter_map(|b| {
            let close = text[b.range.start..b.range.end].trim_end().rfind('\n')?;
            let line_start = b.range.start + close + 1;
            text[line_start..]
                .trim_start()
                .starts_with("</")
                .then_some(line_start)
        })
        .min()
        .unwrap_or(text.len())
}

/// The change setting front-matter fields (replacing existing lines, adding missing ones, or
/// creating the block).
pub fn set_front_matter(text: &str, plan: &Plan, fields: &[(&str, String)]) -> String {
    let eol = plan.line_ending;
    let Some(front) = &plan.front_matter else {
        let mut block = format!("---{eol}");
        for (key, value) in fields {
            block.push_str(&format!("{key}: {value}{eol}"));
        }
        block.push_str(&format!("---{eol}{eol}"));
        return format!("{block}{text}");
    };
    let mut changes = Vec::new();
    let mut added = String::new();
    for (key, value) in fields {
        match front.field(key) {
            Some(field) => changes.push(TextChange {
                range: field.line.clone(),
                new_text: format!("{key}: {value}"),
            }),
            None => added.push_str(&format!("{key}: {value}{eol}")),
        }
    }
    if !added.is_empty() {
        changes.push(TextChange {
            range: front.insert_at..front.insert_at,
            new_text: added,
        });
    }
    apply_all(text, &changes)
}

/// Whether a placeholder is a question for the issue's author (`[NEEDS CLARIFICATION: …]`,
/// `[CLARIFY: …]`, `[QUESTION: …]`, `{{…}}`) rather than writing work left for the plan's author.
pub fn asks_the_author(text: &str, placeholder: &Placeholder) -> bool {
    let raw = text[placeholder.range.clone()]
        .trim_start()
        .to_ascii_uppercase();
    let writing_work = ["[PLACEHOLDER", "[TBD", "[TODO"]
        .iter()
        .any(|kind| raw.starts_with(kind))
        || raw == "TBD";
    !writing_work && !placeholder.question.trim().is_empty()
}

/// The open questions as one issue comment: a numbered checklist with the placeholder ids and
/// how to answer.
pub fn questions_comment(plan_name: &str, questions: &[(String, String)]) -> String {
    let mut out = format!(
        "{COMMENT_MARKER}\n**Open questions from the implementation plan `{plan_name}`**\n\n"
    );
    for (n, (id, question)) in questions.iter().enumerate() {
        out.push_str(&format!(
            "{}. [ ] **{id}**: {}\n",
            n + 1,
            one_line(question)
        ));
    }
    out.push_str(
        "\nPlease reply with one line per answer, starting with the question's id, e.g. `P1: …`.\n",
    );
    out
}

/// The `(id, question)` pairs of a questions comment written by [`questions_comment`].
pub fn parse_questions_comment(body: &str) -> Vec<(String, String)> {
    body.lines()
        .filter_map(|line| {
            let rest = line.trim().split_once(". [")?.1;
            let rest = rest.split_once("] **")?.1;
            let (id, question) = rest.split_once("**:")?;
            Some((id.trim().to_string(), question.trim().to_string()))
        })
        .collect()
}

/// An answer found in a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyAnswer {
    /// The id as the questions comment listed it.
    pub id: String,
    pub answer: String,
    pub author: String,
}

/// Answers in replies: lines `P1: …` (also `- P1 - …`, `**P1**: …`), quoted lines ignored; a
/// later answer to the same id wins.
pub fn parse_answers(replies: &[IssueComment]) -> Vec<ReplyAnswer> {
    let mut found: Vec<ReplyAnswer> = Vec::new();
    for reply in replies {
        for line in reply.body.lines() {
            let line = line.trim();
            if line.starts_with('>') {
                continue;
            }
            let line = line.trim_start_matches(['-', '*', ' ']).trim_start();
            let line = line.strip_prefix("**").unwrap_or(line);
            let Some(rest) = line.strip_prefix(['P', 'p']) else {
                continue;
            };
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                continue;
            }
            let id = format!("P{}", &rest[..digits]);
            let after = rest[digits..].trim_start_matches('*').trim_start();
            let Some(answer) = after.strip_prefix([':', '-', '–', '—', ')']) else {
                continue;
            };
            let answer = one_line(answer);
            if answer.is_empty() {
                continue;
            }
            found.retain(|a| a.id != id);
            found.push(ReplyAnswer {
                id,
                answer,
                author: reply.author.clone(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::edits::plan_of;
    use crate::plan::template::TemplateSet;
    use crate::plan::PlaceholderSyntax;
    use crate::services::issue_ref::IssueRef;
    use chrono::{TimeZone, Utc};

    fn issue() -> IssueDetails {
        IssueDetails {
            reference: IssueRef::parse("acme/rocket#12", None).unwrap(),
            title: "Retry failed uploads".into(),
            body: "Uploads fail on flaky networks.\n\nRetry them.".into(),
            state: "open".into(),
            labels: vec!["bug".into()],
            author: "octocat".into(),
            html_url: "https://github.com/acme/rocket/issues/12".into(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
            comments: vec![],
        }
    }

    fn plan(text: &str) -> Plan {
        plan_of(text, &PlaceholderSyntax::default())
    }

    #[test]
    fn file_names_are_slugs() {
        assert_eq!(
            plan_file_name(12, "Retry failed uploads!"),
            "12-retry-failed-uploads.md"
        );
        assert_eq!(plan_file_name(3, "«»"), "3.md");
        assert_eq!(plan_file_name(4, "  Ünïcode & CAPS  "), "4-n-code-caps.md");
    }

    #[test]
    fn new_plan_without_a_model_has_the_skeleton_and_the_issue_text() {
        let template = TemplateSet::default().get("implementation-plan").unwrap();
        let text = new_plan_text(&issue(), &template, None);
        assert!(text.starts_with("---\nissue: acme/rocket#12\nupdated_at: 2026-11-20T09:30:00Z\n"));
        assert!(text.contains("> Uploads fail on flaky networks.\n>\n> Retry them.\n"));
        assert!(
            text.contains("<implementation_plan>")
                && text.trim_end().ends_with("</implementation_plan>")
        );
        let parsed = plan(&text);
        let report = crate::analysis::template_check::check(&parsed, &template);
        assert!(report.missing.is_empty(), "{:?}", report.missing);
        assert!(!text.contains("NEEDS CLARIFICATION"));
        assert!(
            parsed.placeholders.len() >= 7,
            "one prompt per leaf section"
        );
        assert_eq!(
            parsed.front_matter.unwrap().get("issue"),
            Some("acme/rocket#12")
        );
    }

    #[test]
    fn new_plan_with_analysis_puts_questions_in_open_questions() {
        let template = TemplateSet::default().get("implementation-plan").unwrap();
        let analysis = IssueAnalysis {
            summary: "Uploads should retry.".into(),
            key_components: vec!["upload client".into()],
            challenges: vec!["duplicates".into()],
            questions: vec!["How many [max] retries?".into()],
        };
        let text = new_plan_text(&issue(), &template, Some(&analysis));
        assert!(text.contains("Uploads should retry.\n"));
        assert!(!text.contains("> Uploads fail"));
        assert!(text.contains("### Key components\n\n- upload client\n"));
        let parsed = plan(&text);
        let question = parsed
            .placeholders
            .iter()
            .find(|p| p.question.contains("retries"))
            .unwrap();
        assert_eq!(&*question.question, "How many (max) retries?");
        let section = question.section.unwrap();
        assert_eq!(&*parsed.sections[section].title, "Open questions");
    }

    #[test]
    fn finds_sections_by_title_alias_and_path() {
        let text = "# T\n\n## Proposed Implementation\n\n### Overview\n\nx\n\n## Risks\n\ny\n";
        let template = TemplateSet::default().get("implementation-plan").unwrap();
        let p = plan(text);
        let overview = find_section(&p, &template, "overview").unwrap();
        assert_eq!(&*p.sections[overview].title, "Overview");
        assert_eq!(
            find_section(&p, &template, "High-level overview"),
            Some(overview)
        );
        assert_eq!(
            find_section(&p, &template, "Proposed Implementation › Overview"),
            Some(overview)
        );
        assert_eq!(find_section(&p, &template, "Nope › Overview"), None);
        let slashed = plan("## Input/Output\n\nx\n");
        assert_eq!(find_section(&slashed, &template, "Input/Output"), Some(0));
        assert_eq!(
            template_section(&p, &template, overview).unwrap().title,
            "Overview"
        );
    }

    #[test]
    fn replaces_only_the_sections_own_body() {
        let text =
            "# T\n\n## Approach\n\nold body\nmore\n\n### Sub\n\nkeep\n\n## Next\n\nkeep too\n";
        let p = plan(text);
        let i = p
            .sections
            .iter()
            .position(|s| &*s.title == "Approach")
            .unwrap();
        assert_eq!(&text[section_body_range(text, &p, i)], "old body\nmore");
        let change = replace_section_body(text, &p, i, "\nnew body\n", "\n");
        assert_eq!(
            change.apply(text),
            "# T\n\n## Approach\n\nnew body\n\n### Sub\n\nkeep\n\n## Next\n\nkeep too\n"
        );
        let empty = "## A\n## B\n";
        let p = plan(empty);
        let change = replace_section_body(empty, &p, 0, "filled", "\n");
        assert_eq!(change.apply(empty), "## A\n\nfilled\n\n## B\n");
        let last = "## A\n\nold";
        let p = plan(last);
        assert_eq!(
            replace_section_body(last, &p, 0, "new", "\n").apply(last),
            "## A\n\nnew\n"
        );
    }

    #[test]
    fn generated_headings_stay_below_the_section() {
        let body = "Intro\n## Steps\n#### Detail\n```sh\n# a comment\n```\n#hashtag\n# Top";
        assert_eq!(
            nest_headings(body, 3),
            "Intro\n#### Steps\n#### Detail\n```sh\n# a comment\n```\n#hashtag\n#### Top"
        );
        assert_eq!(nest_headings("# A", 6), "###### A");
    }

    #[test]
    fn answering_records_under_clarifications_creating_it_inside_the_wrapper() {
        let text = "# T\n\n<implementation_plan>\n\n## Risks\n\n- [NEEDS CLARIFICATION: How many retries?]\n\n</implementation_plan>\n";
        let p = plan(text);
        let answered = answer_placeholders(
            text,
            &p,
            &[(&p.placeholders[0], "Three,\nthen fail.".to_string())],
        );
        assert_eq!(
            answered,
            "# T\n\n<implementation_plan>\n\n## Risks\n\n- Three, then fail.\n\n## Clarifications\n\n\
             - Q: How many retries? → A: Three, then fail.\n\n</implementation_plan>\n"
        );
        let again_plan = plan(&answered);
        assert!(again_plan.placeholders.is_empty());
    }

    #[test]
    fn answering_appends_to_an_existing_clarifications_section() {
        let text = "## Risks\n\n[NEEDS CLARIFICATION: Which store?] and TBD\n\n## Clarifications\n\n- Q: a → A: b\n\n## Later\n";
        let p = plan(text);
        let first = p
            .placeholders
            .iter()
            .find(|p| &*p.question == "Which store?")
            .unwrap();
        let answered = answer_placeholders(text, &p, &[(first, "Postgres".to_string())]);
        assert_eq!(
            answered,
            "## Risks\n\nPostgres and TBD\n\n## Clarifications\n\n- Q: a → A: b\n- Q: Which store? → A: Postgres\n\n## Later\n"
        );
    }

    #[test]
    fn front_matter_fields_are_replaced_added_or_created() {
        let text = "---\nissue: a/b#1\nupdated_at: 2020-01-01T00:00:00Z\n---\n# T\n";
        let p = plan(text);
        let changed = set_front_matter(
            text,
            &p,
            &[
                ("updated_at", "2026-01-01T00:00:00Z".into()),
                (COMMENT_KEY, "42".into()),
            ],
        );
        assert_eq!(changed, "---\nissue: a/b#1\nupdated_at: 2026-01-01T00:00:00Z\nquestions_comment: 42\n---\n# T\n");
        let bare = "# T\n";
        assert_eq!(
            set_front_matter(bare, &plan(bare), &[("issue", "a/b#1".into())]),
            "---\nissue: a/b#1\n---\n\n# T\n"
        );
    }

    #[test]
    fn questions_comment_round_trips_and_answers_are_read() {
        let body = questions_comment(
            "plans/12-x.md",
            &[
                ("P1".into(), "How many retries?".into()),
                ("P3".into(), "Which store?".into()),
            ],
        );
        assert!(body.starts_with(COMMENT_MARKER));
        assert!(body.contains("1. [ ] **P1**: How many retries?\n2. [ ] **P3**: Which store?\n"));
        assert_eq!(
            parse_questions_comment(&body),
            [
                ("P1".to_string(), "How many retries?".to_string()),
                ("P3".to_string(), "Which store?".to_string())
            ]
        );
        let reply = |author: &str, body: &str| IssueComment {
            id: 1,
            author: author.into(),
            body: body.into(),
            created_at: Utc::now(),
            html_url: String::new(),
        };
        let answers = parse_answers(&[
            reply(
                "mona",
                "> P1: quoted question\nP1: three\n- **P3**: Postgres",
            ),
            reply("hubot", "p1 - five, actually\nP2 nothing here\nP: no id"),
        ]);
        assert_eq!(
            answers,
            [
                ReplyAnswer {
                    id: "P3".into(),
                    answer: "Postgres".into(),
                    author: "mona".into()
                },
                ReplyAnswer {
                    id: "P1".into(),
                    answer: "five, actually".into(),
                    author: "hubot".into()
                },
            ]
        );
    }

    #[test]
    fn author_questions_exclude_writing_prompts() {
        let text = "[PLACEHOLDER: Write it] [NEEDS CLARIFICATION: Which?] TBD {{ Who owns it? }}";
        let p = plan(text);
        let asked: Vec<&str> = p
            .placeholders
            .iter()
            .filter(|ph| asks_the_author(text, ph))
            .map(|ph| ph.question.as_ref())
            .collect();
        assert_eq!(asked, ["Which?", "Who owns it?"]);
    }
}
