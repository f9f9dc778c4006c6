//! Edits that follow from the analysis: insert missing sections, move a placeholder to Open
//! questions. Each returns one byte-range replacement against the text it was given.

use std::ops::Range;

use super::template_check::{self, MissingSection};
use crate::plan::template::{Template, TemplateSection};
use crate::plan::{BlockKind, PlaceholderSyntax, Plan};

/// Replace `range` of the original text with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    pub range: Range<usize>,
    pub new_text: String,
}

impl TextChange {
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + self.new_text.len());
        out.push_str(&text[..self.range.start]);
        out.push_str(&self.new_text);
        out.push_str(&text[self.range.end..]);
        out
    }
}

/// Parses `text` into a plan (for commands, which work on a snapshot's text).
pub fn plan_of(text: &str, syntax: &PlaceholderSyntax) -> Plan {
    Plan::parse(text, syntax)
}

/// The template sections the path walks through, top first.
fn template_chain<'t>(template: &'t Template, path: &[String]) -> Option<Vec<&'t TemplateSection>> {
    let mut level = &template.sections;
    let mut chain = Vec::new();
    for title in path {
        let section = level.iter().find(|s| &s.title == title)?;
        chain.push(section);
        level = &section.children;
    }
    Some(chain)
}

/// Markdown for a template section and its required subsections, each with a placeholder prompt.
pub fn section_markdown(section: &TemplateSection, level: u8, eol: &str) -> String {
    let mut out = format!(
        "{} {}{eol}",
        "#".repeat(level.clamp(1, 6) as usize),
        section.title
    );
    let required: Vec<&TemplateSection> = section.children.iter().filter(|c| c.required).collect();
    if required.is_empty() {
        let prompt = if section.prompt.is_empty() {
            format!("Write the {} section.", section.title)
        } else {
            section.prompt.clone()
        };
        out.push_str(&format!("{eol}[PLACEHOLDER: {prompt}]{eol}"));
    }
    for child in required {
        out.push_str(eol);
        out.push_str(&section_markdown(child, level + 1, eol));
    }
    out
}

/// Where and what to insert for one missing section, in template order among its siblings.
pub fn insert_section(
    text: &str,
    plan: &Plan,
    template: &Template,
    missing: &MissingSection,
) -> Option<TextChange> {
    let chain = template_chain(template, &missing.path)?;
    let section = *chain.last()?;
    let siblings: &[TemplateSection] = match chain.len() {
        1 => &template.sections,
        n => &chain[n - 2].children,
    };
    let report = template_check::check(plan, template);
    let parent_path = &missing.path[..missing.path.len() - 1];
    let sibling_match = |ts: &TemplateSection| {
        let mut p = parent_path.to_vec();
        p.push(ts.title.clone());
        report.matched_section(&p)
    };
    let position = siblings.iter().position(|s| s.title == section.title)?;
    let before = siblings[..position].iter().rev().find_map(sibling_match);
    let after = siblings[position + 1..].iter().find_map(sibling_match);
    let parent = missing.parent.map(|p| &plan.sections[p]);
    let (offset, level) = if let Some(b) = before {
        (plan.sections[b].range.end, plan.sections[b].level)
    } else if let Some(a) = after {
        (plan.sections[a].range.start, plan.sections[a].level)
    } else if let Some(p) = parent {
        (p.range.end, p.level + 1)
    } else {
        let top_level = plan
            .sections
            .iter()
            .find(|s| s.parent.is_none())
            .map(|s| s.level);
        // Under a single `# Title`, top sections are `##`.
        let level = match top_level {
            Some(1) => 2,
            Some(l) => l,
            None => 2,
        };
        (text.len(), level)
    };
    let offset = before_closing_wrapper(text, plan, offset);
    let eol = plan.line_ending;
    let body = section_markdown(section, level, eol);
    Some(TextChange {
        range: offset..offset,
        new_text: pad_block(text, offset, &body, eol),
    })
}

/// Keeps insertions at a section's end inside `<implementation_plan>` … `</implementation_plan>`.
fn before_closing_wrapper(text: &str, plan: &Plan, offset: usize) -> usize {
    let mut offset = offset;
    for block in plan.blocks.iter().filter(|b| b.kind == BlockKind::Wrapper) {
        let close_line_start = text[..block.range.end]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        if block.range.start < offset
            && offset > close_line_start
            && close_line_start >= block.range.start
        {
            offset = offset.min(close_line_start);
        }
    }
    offset
}

/// Adds the blank lines needed so `block` sits apart from the text around `offset`.
fn pad_block(text: &str, offset: usize, block: &str, eol: &str) -> String {
    let before = &text[..offset];
    let after = &text[offset..];
    let mut out = String::new();
    if !before.is_empty() {
        if !before.ends_with('\n') {
            out.push_str(eol);
            out.push_str(eol);
        } else if !before.trim_end_matches(['\r', '\n']).is_empty()
            && !before.ends_with("\n\n")
            && !before.ends_with("\n\r\n")
        {
            out.push_str(eol);
        }
    }
    out.push_str(block);
    if !after.is_empty() && !after.starts_with(['\n', '\r']) {
        out.push_str(eol);
    }
    out
}

/// The smallest single replacement that turns `old` into `new`.
pub fn minimal_change(old: &str, new: &str) -> TextChange {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    TextChange {
        range: prefix..old.len() - suffix,
        new_text: new[prefix..new.len() - suffix].to_string(),
    }
}

/// Inserts every missing required section, parents with their children, in template order.
/// Returns the change and the titles inserted.
pub fn insert_all_sections(
    text: &str,
    template: &Template,
    syntax: &PlaceholderSyntax,
) -> (TextChange, Vec<String>) {
    let mut current = text.to_string();
    let mut inserted = Vec::new();
    // Each insertion can only remove missing sections, so this ends within the template's size.
    for _ in 0..=template.all_sections().len() {
        let plan = plan_of(&current, syntax);
        let report = template_check::check(&plan, template);
        let Some(missing) = report.missing.first() else {
            break;
        };
        let Some(change) = insert_section(&current, &plan, template, missing) else {
            break;
        };
        inserted.push(missing.path.last().cloned().unwrap_or_default());
        current = change.apply(&current);
    }
    (minimal_change(text, &current), inserted)
}

/// Moves placeholder `id` to the template's Open questions section (created when missing),
/// noting which section it came from.
pub fn move_to_open_questions(
    text: &str,
    template: &Template,
    syntax: &PlaceholderSyntax,
    id: &str,
) -> Result<TextChange, String> {
    let plan = plan_of(text, syntax);
    let placeholder = plan
        .placeholder_by_id(id)
        .ok_or_else(|| format!("no placeholder {id} in this plan"))?;
    let open_path = open_questions_path(template)
        .ok_or_else(|| format!("template {} has no Open questions section", template.name))?;
    let report = template_check::check(&plan, template);
    if let Some(open) = report.matched_section(&open_path) {
        if plan.sections[open].range.contains(&placeholder.range.start) {
            return Err(format!("{id} is already under Open questions"));
        }
    }
    let from = placeholder.section.map(|s| plan.sections[s].title.clone());
    let raw = text[placeholder.range.clone()].to_string();
    let eol = plan.line_ending;
    // Cut the placeholder; a line left with nothing but a list marker goes too.
    let line_start = text[..placeholder.range.start]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let line_end = text[placeholder.range.end..]
        .find('\n')
        .map(|i| placeholder.range.end + i + 1)
        .unwrap_or(text.len());
    let rest = format!(
        "{}{}",
        &text[line_start..placeholder.range.start],
        &text[placeholder.range.end..line_end]
    );
    let rest_trimmed = rest.trim().trim_start_matches(['-', '*', '+']).trim();
    let mut current = if rest_trimmed.is_empty() {
        format!("{}{}", &text[..line_start], &text[line_end..])
    } else {
        let mut s = String::with_capacity(text.len());
        s.push_str(&text[..placeholder.range.start]);
        s.push_str(&format!(
            "(see Open questions: {})",
            short(&placeholder.question)
        ));
        s.push_str(&text[placeholder.range.end..]);
        s
    };
    let item = match from {
        Some(title) => format!("- {raw} (from {title}){eol}"),
        None => format!("- {raw}{eol}"),
    };
    // Make sure the section exists (with its missing ancestors), then append the item at its end.
    let mut plan = plan_of(&current, syntax);
    let mut created = false;
    for depth in 1..=open_path.len() {
        let report = template_check::check(&plan, template);
        if report.matched_section(&open_path[..depth]).is_some() {
            continue;
        }
        let missing = MissingSection {
            path: open_path[..depth].to_vec(),
            parent: (depth > 1)
                .then(|| report.matched_section(&open_path[..depth - 1]))
                .flatten(),
        };
        if let Some(change) = insert_section(&current, &plan, template, &missing) {
            current = change.apply(&current);
            plan = plan_of(&current, syntax);
            created = true;
        }
        break;
    }
    let open = template_check::check(&plan, template)
        .matched_section(&open_path)
        .ok_or("could not create the Open questions section")?;
    let section = &plan.sections[open];
    let end = before_closing_wrapper(&current, &plan, section.range.end);
    let body_text = current[section.heading.end..end].trim_end().to_string();
    let item = item.trim_end_matches(['\r', '\n']);
    if created
        && syntax
            .scan(body_text.trim())
            .first()
            .is_some_and(|m| m.range == (0..body_text.trim().len()))
    {
        // A freshly created section holds only its prompt: the question replaces it.
        let start = section.heading.end + body_text.find(body_text.trim()).unwrap_or(0);
        let stop = section.heading.end + body_text.len();
        current = format!("{}{}{}", &current[..start], item, &current[stop..]);
        return Ok(minimal_change(text, &current));
    }
    let insert_at = section.heading.end + body_text.len();
    let mut new_text = String::new();
    new_text.push_str(eol);
    if body_text.trim().is_empty()
        || !body_text
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .trim_start()
            .starts_with(['-', '*'])
    {
        new_text.push_str(eol);
    }
    new_text.push_str(item);
    current = format!(
        "{}{}{}",
        &current[..insert_at],
        new_text,
        &current[insert_at..]
    );
    Ok(minimal_change(text, &current))
}

fn short(question: &str) -> String {
    let q: String = question.chars().take(60).collect();
    if q.is_empty() {
        "placeholder".to_string()
    } else {
        q
    }
}

fn open_questions_path(template: &Template) -> Option<Vec<String>> {
    fn find(sections: &[TemplateSection], path: &mut Vec<String>) -> bool {
        for s in sections {
            path.push(s.title.clone());
            if s.matches("open questions") || find(&s.children, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = Vec::new();
    find(&template.sections, &mut path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::template::TemplateSet;

    fn house() -> std::sync::Arc<Template> {
        TemplateSet::default().get("implementation-plan").unwrap()
    }

    #[test]
    fn inserts_a_missing_section_between_its_siblings() {
        let text =
            "# Plan\n\n## Status quo\n\nNow.\n\n## Proposed Implementation\n\n### Overview\n\nx\n";
        let template = house();
        let plan = plan_of(text, &PlaceholderSyntax::default());
        let report = template_check::check(&plan, &template);
        let missing = report
            .missing
            .iter()
            .find(|m| m.path == ["Best Practices"])
            .unwrap();
        let change = insert_section(text, &plan, &template, missing).unwrap();
        let out = change.apply(text);
        assert!(out.contains("Now.\n\n## Best Practices\n\n[PLACEHOLDER: Which established practices, libraries or prior art apply here?]\n\n## Proposed Implementation"), "{out}");
    }

    #[test]
    fn insert_all_completes_the_plan_and_keeps_crlf_and_wrapper() {
        let text = "<implementation_plan>\r\n# Plan\r\n\r\n## Status quo\r\n\r\nNow.\r\n</implementation_plan>\r\n";
        let template = house();
        let syntax = PlaceholderSyntax::default();
        let (change, inserted) = insert_all_sections(text, &template, &syntax);
        let out = change.apply(text);
        assert_eq!(inserted.len(), 2, "{inserted:?}");
        let plan = plan_of(&out, &syntax);
        assert!(
            template_check::check(&plan, &template).missing.is_empty(),
            "{out}"
        );
        assert!(
            !out.replace("\r\n", "").contains('\n'),
            "only CRLF line breaks: {out:?}"
        );
        assert!(out.trim_end().ends_with("</implementation_plan>"), "{out}");
        assert!(out.find("### Overview").unwrap() < out.find("### Components").unwrap());
        assert_eq!(&text[..change.range.start], &out[..change.range.start]);
    }

    #[test]
    fn moves_a_placeholder_to_open_questions() {
        let text = "## Status quo\n\n- [NEEDS CLARIFICATION: which db?]\n- known\n\n## Proposed Implementation\n\n### Open questions\n\n- existing?\n";
        let template = house();
        let change =
            move_to_open_questions(text, &template, &PlaceholderSyntax::default(), "P1").unwrap();
        let out = change.apply(text);
        assert_eq!(
            out,
            "## Status quo\n\n- known\n\n## Proposed Implementation\n\n### Open questions\n\n- existing?\n- [NEEDS CLARIFICATION: which db?] (from Status quo)\n"
        );
        assert!(
            move_to_open_questions(&out, &template, &PlaceholderSyntax::default(), "P1")
                .unwrap_err()
                .contains("already")
        );
    }

    #[test]
    fn minimal_change_respects_char_boundaries() {
        let change = minimal_change("a😀b", "a😃b");
        assert_eq!(change.apply("a😀b"), "a😃b");
        assert_eq!(change.range, 1..5);
    }
}
