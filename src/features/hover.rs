//! Hover: a placeholder's question and what can be done with it; a heading link's section; a
//! file reference's lines.

use std::path::{Path, PathBuf};

use tower_lsp::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::{fence_language, FeatureError};
use crate::plan::references::LineSpan;
use crate::plan::{Placeholder, Reference};
use crate::snapshot::Snapshot;
use crate::workspace::disk::{Door, ReadError};
use crate::workspace::files::{self, FileKind};
use crate::workspace::privacy;
use crate::workspace::resolve::{self, Resolution};

/// Lines shown for a reference without a line number, or around a single line.
const EXCERPT_LINES: usize = 12;

/// Whose commands a hover names: the front end declares itself in the client capabilities
/// (`experimental.planLspCommands`); any other client gets the server's command ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommandNames {
    /// The VS Code extension: `command:` links to its palette commands (it trusts them).
    VsCode,
    /// The Neovim plugin: its `:Plan*` commands and Neovim's default maps.
    Neovim,
    #[default]
    Server,
}

impl CommandNames {
    pub fn from_capability(value: Option<&serde_json::Value>) -> CommandNames {
        match value
            .and_then(|v| v.get("planLspCommands"))
            .and_then(|v| v.as_str())
        {
            Some("vscode") => CommandNames::VsCode,
            Some("neovim") => CommandNames::Neovim,
            _ => CommandNames::Server,
        }
    }
}

pub fn hover(
    snapshot: &Snapshot,
    position: Position,
    names: CommandNames,
) -> Result<Option<Hover>, FeatureError> {
    let offset = snapshot.offset(position)?;
    let plan = &snapshot.plan;
    let (markdown, range) = if let Some(p) = plan.placeholder_at(offset) {
        (placeholder_markdown(snapshot, p, names), p.range.clone())
    } else if let Some(heading) = super::heading_links::hover(snapshot, offset) {
        heading
    } else if let Some(r) = plan.reference_at(offset) {
        (reference_markdown(snapshot, r), r.range.clone())
    } else if let Some(symbol) = super::code_refs::hover(snapshot, offset) {
        symbol
    } else {
        return Ok(None);
    };
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(snapshot.range(range)),
    }))
}

fn placeholder_markdown(snapshot: &Snapshot, p: &Placeholder, names: CommandNames) -> String {
    let plan = &snapshot.plan;
    let raw = snapshot.rope.byte_slice(p.range.clone()).to_string();
    let kind = placeholder_kind(&raw);
    let question = if p.question.is_empty() {
        "*(no question written yet)*".to_string()
    } else {
        format!("**{}**", p.question.trim())
    };
    let location = match p.section {
        Some(s) => format!("In **{}**.", plan.section_path(s).join(" › ")),
        None => "Before the first section.".to_string(),
    };
    let others = match plan.placeholders.len() - 1 {
        0 => "It is the only open placeholder in this plan.".to_string(),
        1 => "1 other placeholder is open in this plan.".to_string(),
        n => format!("{n} other placeholders are open in this plan."),
    };
    let heading = match kind {
        Some(kind) => format!("Open question {} · {kind}", p.id),
        None => format!("Open question {}", p.id),
    };
    format!(
        "**{heading}**\n\n{question}\n\n{location} {others}\n\n{}",
        placeholder_actions(&p.id, names)
    )
}

/// `NEEDS CLARIFICATION` for `[NEEDS CLARIFICATION: …]`, `TBD` for `[TBD]`; none for `{{…}}`.
fn placeholder_kind(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('[')?;
    let kind = inner.split([':', ']']).next().unwrap_or(inner).trim();
    (!kind.is_empty()).then(|| kind.replace('`', ""))
}

/// What can be done with a placeholder, in the words of the editor showing the hover.
fn placeholder_actions(id: &str, names: CommandNames) -> String {
    match names {
        CommandNames::VsCode => {
            let args = percent_encoding::utf8_percent_encode(
                &serde_json::json!([id]).to_string(),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            format!(
                "[Answer placeholder…](command:planLsp.answerPlaceholder?{args} \"Answer it, or leave the answer empty for a suggestion from the model\") · \
                 [Ask open questions on the issue](command:planLsp.askOnIssue) · \
                 [Show plan status](command:planLsp.status)\n\n\
                 Quick fix (Ctrl+.): *Move to Open questions*."
            )
        }
        CommandNames::Neovim => {
            "- `:PlanAnswer` answers it (an empty answer asks the model for a suggestion)\n\
             - `:PlanAsk` asks the open questions on the issue\n\
             - `gra` (code action): *Move to Open questions*"
                .to_string()
        }
        CommandNames::Server => format!(
            "- answer it with the command `plan.answerPlaceholder` (`placeholder: \"{id}\"`), or \
             `plan.suggestAnswer` for a suggestion from the model\n\
             - `plan.askOnIssue` asks the open questions on the issue\n\
             - code action: *Move to Open questions*"
        ),
    }
}

fn reference_markdown(snapshot: &Snapshot, r: &Reference) -> String {
    let roots = snapshot.effective_roots();
    let written = &r.target.path;
    let door = snapshot.files.door(&roots);
    match resolve::resolve(
        written,
        snapshot.path.as_deref(),
        &roots,
        &snapshot.files,
        &snapshot.code,
    ) {
        Resolution::Found {
            path,
            kind: FileKind::Directory,
            ..
        } => {
            let mut names = match door.list_dir(&path) {
                Ok(names) => names,
                Err(error) => return format!("**{written}** (folder)\n\n*{error}*"),
            };
            names.sort();
            names.truncate(30);
            format!(
                "**{written}** (folder)\n\n{}",
                names
                    .iter()
                    .map(|n| format!("- `{n}`"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        Resolution::Found {
            path,
            kind: FileKind::File,
            by_suffix,
        } => file_markdown(written, r, &door, &path, &roots, by_suffix),
        Resolution::Ambiguous { candidates } => format!(
            "**{written}** matches {} files:\n\n{}",
            candidates.len(),
            candidates
                .iter()
                .map(|c| format!(
                    "- `{}`",
                    crate::analysis::diagnostics::relative_to_roots(c, &roots)
                ))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Resolution::NotFound { .. } => format!("**{written}**\n\nFile not found in the workspace."),
        Resolution::OutsideWorkspace => {
            format!("**{written}**\n\nOutside the workspace folders: not read.")
        }
    }
}

/// A file's cited lines, read through the door: confined, capped, and never a secret.
fn file_markdown(
    written: &str,
    r: &Reference,
    door: &Door,
    path: &Path,
    roots: &[PathBuf],
    by_suffix: bool,
) -> String {
    let contents = match door.read(path) {
        Ok(contents) => contents,
        Err(ReadError::OutsideWorkspace(_)) => {
            return format!("**{written}**\n\nOutside the workspace folders: not read.")
        }
        Err(ReadError::NotRegular(_)) => {
            return format!("**{written}**\n\nNot a regular file: not read.")
        }
        Err(_) => return format!("**{written}**\n\n*(could not be read)*"),
    };
    if let Some(pattern) = privacy::secret_pattern_of(path, &contents.real, roots) {
        return format!("**{written}**\n\nMay hold secrets (matches `{pattern}`): not shown.");
    }
    let total = files::count_lines(&contents.bytes);
    let (first, last) = excerpt_bounds(r.target.lines.as_ref(), total);
    if r.target
        .lines
        .as_ref()
        .is_some_and(|l| l.start as usize > total)
        && contents.is_cut()
    {
        return format!(
            "**{written}**\n\nLine {} lies beyond the first {} bytes of this {}-byte file \
             (`index.maxFileBytes`): not read.",
            r.target.lines.as_ref().map_or(0, |l| l.start),
            contents.bytes.len(),
            contents.len
        );
    }
    let excerpt = contents.excerpt(first, last);
    let of_total = if contents.is_cut() {
        String::new()
    } else {
        format!(" of {total}")
    };
    let mut label = match &r.target.lines {
        Some(_) if first == last => format!("line {first}"),
        _ => format!("lines {first}–{last}{of_total}"),
    };
    let asked_end = r.target.lines.as_ref().and_then(|l| l.end).unwrap_or(0) as usize;
    if asked_end > last {
        label.push_str(&format!(" (cut: {asked_end} asked)"));
    }
    if by_suffix {
        let taken = crate::analysis::diagnostics::relative_to_roots(path, roots);
        label.push_str(&format!(" · `{taken}`"));
    }
    let fence = if excerpt.text.contains("```") {
        "~~~~"
    } else {
        "```"
    };
    let cut = excerpt
        .cut
        .map(|cut| format!("\n\n*(cut: {cut})*"))
        .unwrap_or_default();
    format!(
        "**{written}** · {label}\n\n{fence}{}\n{}\n{fence}{cut}",
        fence_language(written),
        excerpt.text
    )
}

/// 1-based inclusive lines to show for a reference, clamped to the file.
fn excerpt_bounds(lines: Option<&LineSpan>, total: usize) -> (usize, usize) {
    let total = total.max(1);
    match lines {
        None => (1, EXCERPT_LINES.min(total)),
        Some(span) => {
            let start = (span.start as usize).clamp(1, total);
            let end = span
                .end
                .map(|e| e as usize)
                .unwrap_or(start)
                .clamp(start, total);
            // A very long range is cut so the hover stays readable.
            (start, end.min(start + 60))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_the_marker_without_brackets() {
        assert_eq!(
            placeholder_kind("[NEEDS CLARIFICATION: Which port?]").as_deref(),
            Some("NEEDS CLARIFICATION")
        );
        assert_eq!(placeholder_kind("[TBD]").as_deref(), Some("TBD"));
        assert_eq!(placeholder_kind("{{Which port?}}"), None);
        assert_eq!(placeholder_kind("TBD"), None);
    }
}
