//! `plan.gatherContext {uri, query?}`: ranks the workspace for the plan's text, outlines the top
//! files, finds prior documents, inserts the result under **Status quo** as one undoable edit,
//! and returns it as data for the LLM commands.

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp::jsonrpc;
use tower_lsp::lsp_types::Url;

use crate::analysis::edits::TextChange;
use crate::plan::headings::normalize_title;
use crate::plan::template::TemplateSet;
use crate::server::handle::ServerHandle;
use crate::server::rpc_error;
use crate::snapshot::Snapshot;
use crate::workspace::research::{self, ContextOptions, GatheredContext};

/// Marks the gathered block so that gathering again replaces it rather than piling up.
const BLOCK_START: &str = "<!-- plan-lsp:context -->";
const BLOCK_END: &str = "<!-- /plan-lsp:context -->";
const SECTION: &str = "Status quo";

#[derive(Deserialize)]
pub struct GatherArgs {
    uri: Url,
    query: Option<String>,
}

/// The plan's own words for ranking: its text without front matter, code blocks, placeholders,
/// the templates' own headings (boilerplate every plan shares) and a previous gathering.
pub fn plan_query(snapshot: &Snapshot) -> String {
    let mut text = snapshot.text();
    // Blank out placeholders back to front so earlier ranges stay valid.
    for p in snapshot.plan.placeholders.iter().rev() {
        if p.range.end <= text.len() {
            text.replace_range(p.range.clone(), "");
        }
    }
    let sections = snapshot.template.all_sections();
    let is_template_heading = |line: &str| {
        let title = line.trim_start_matches('#').trim();
        line.starts_with('#') && {
            let normalized = normalize_title(title);
            sections.iter().any(|s| s.matches(&normalized))
                || TemplateSet::built_in().is_known_heading(&normalized)
        }
    };
    let mut out = String::new();
    let mut in_fence = false;
    let mut in_block = false;
    let body_start = snapshot
        .plan
        .front_matter
        .as_ref()
        .map_or(0, |fm| fm.range.end)
        .min(text.len());
    for line in text[body_start..].lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if trimmed.starts_with(BLOCK_START) {
            in_block = true;
        }
        if !in_fence && !in_block && !is_template_heading(trimmed) {
            out.push_str(line);
            out.push('\n');
        }
        if trimmed.starts_with(BLOCK_END) {
            in_block = false;
        }
    }
    out
}

/// The edit that puts `markdown` under Status quo: replacing an earlier gathered block, or at
/// the end of the section's own text, or in a new section at the end of the plan.
pub fn status_quo_change(snapshot: &Snapshot, markdown: &str) -> TextChange {
    let text = snapshot.text();
    let eol = snapshot.plan.line_ending;
    let block = format!(
        "{BLOCK_START}{eol}{}{BLOCK_END}",
        markdown.replace('\n', eol)
    );
    if let (Some(start), Some(end)) = (text.find(BLOCK_START), text.find(BLOCK_END)) {
        if start < end {
            return TextChange {
                range: start..end + BLOCK_END.len(),
                new_text: block,
            };
        }
    }
    let wanted = normalize_title(SECTION);
    let plan = &snapshot.plan;
    match plan.sections.iter().find(|s| *s.normalized == *wanted) {
        Some(section) => {
            let end = section
                .children
                .first()
                .map_or(section.range.end, |&c| plan.sections[c].range.start);
            // After the section's last text, before the blank lines that lead to what follows.
            let at = section.heading.end.max(text[..end].trim_end().len());
            let tail = if text[at..].starts_with(eol) { "" } else { eol };
            TextChange {
                range: at..at,
                new_text: format!("{eol}{eol}{block}{tail}"),
            }
        }
        None => {
            let at = text.trim_end().len();
            TextChange {
                range: at..text.len(),
                new_text: format!("{eol}{eol}## {SECTION}{eol}{eol}{block}{eol}"),
            }
        }
    }
}

/// Gathers context for a plan from the index as it is now (complete or not).
pub fn gather_for(snapshot: &Snapshot, query: &str) -> (GatheredContext, String) {
    let code = &snapshot.code;
    let index = code.read();
    let (exclude, from_dir) = match snapshot.path.as_deref().and_then(|p| index.locate(p)) {
        Some((root, rel)) => (
            index.lookup(root, &rel),
            rel.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_owned()),
        ),
        None => (None, String::new()),
    };
    let gathered = research::gather_context(
        &index,
        code.symbols(),
        query,
        exclude,
        &ContextOptions::from_settings(&snapshot.settings.research),
    );
    let markdown = gathered.to_markdown(&from_dir);
    (gathered, markdown)
}

/// Runs the command.
/// `plan.gatherContext`.
pub async fn gather_context(
    ctx: &ServerHandle,
    args: GatherArgs,
) -> jsonrpc::Result<Option<Value>> {
    let snapshot = ctx.snapshot(&args.uri).await?;
    let query = args.query.unwrap_or_else(|| plan_query(&snapshot));
    let worker = snapshot.clone();
    let (gathered, markdown) = tokio::task::spawn_blocking(move || gather_for(&worker, &query))
        .await
        .map_err(|e| rpc_error::failed(format!("gathering context failed: {e}")))?;
    let change = status_quo_change(&snapshot, &markdown);
    ctx.apply_change(&snapshot, &change, "gather context")
        .await
        .map_err(|e| rpc_error::failed(e.to_string()))?;
    Ok(Some(json!({
        "files": gathered.files,
        "tests": gathered.tests,
        "documents": gathered.documents,
        "terms": gathered.terms,
        "complete": snapshot.code.is_ready(),
        "markdown": markdown,
    })))
}
