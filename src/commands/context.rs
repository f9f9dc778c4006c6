//! The codebase context sent with a prompt: the files the plan references (the lines it cites,
//! with some surroundings). Every file passes the context filter first: inside the workspace
//! folders, not gitignored, not a secret.

use std::path::PathBuf;

use tower_lsp::jsonrpc;

use crate::features::gather_context::{gather_for, plan_query};
use crate::server::context::errors;
use crate::services::context_filter::{ContextFilter, Exclusion};
use crate::services::prompts::ContextFile;
use crate::snapshot::Snapshot;
use crate::workspace::resolve::{resolve, Resolution};

/// Most files sent with one prompt.
const MAX_FILES: usize = 8;
/// Lines shown around a cited line span.
const SURROUNDING_LINES: usize = 20;

/// The context for one prompt: excerpts of the files the plan cites, then the outlines (symbol
/// signatures with `path:line`) of the workspace files the code index ranks highest for the plan
/// and `focus`. Every file is cleared by the context filter; each entry is at most a quarter of
/// `planLsp.llm.maxContextBytes`.
pub async fn gather(snapshot: &Snapshot, focus: &str) -> Vec<ContextFile> {
    let roots = snapshot.effective_roots();
    let filter = ContextFilter::new(roots.iter().cloned());
    let per_file = (snapshot.settings.llm.max_context_bytes / 4).max(1);
    let mut files = cited_files(snapshot, &roots, &filter, per_file);
    let worker = snapshot.clone();
    let query = format!("{focus}\n{}", plan_query(snapshot));
    let ranked = match tokio::task::spawn_blocking(move || gather_for(&worker, &query).0).await {
        Ok(gathered) => gathered.files,
        Err(error) => {
            tracing::warn!(%error, "ranking the workspace failed; using cited files only");
            Vec::new()
        }
    };
    for file in ranked {
        if files.len() >= MAX_FILES {
            break;
        }
        if file.outline.is_empty()
            || files
                .iter()
                .any(|f| f.path.split(':').next() == Some(file.path.as_str()))
        {
            continue;
        }
        let allowed = roots
            .iter()
            .map(|root| root.join(&file.path))
            .any(|path| filter.check(&path).is_ok());
        if !allowed {
            continue;
        }
        let outline: String = file
            .outline
            .iter()
            .map(|entry| {
                format!(
                    "{}:{} {} {}\n",
                    file.path,
                    entry.line,
                    entry.kind.label(),
                    entry.signature
                )
            })
            .collect();
        files.push(ContextFile {
            path: format!("{} (outline)", file.path),
            text: cap(&outline, per_file).to_string(),
        });
    }
    files
}

/// Excerpts of the workspace files the plan references, in the order the plan cites them.
fn cited_files(
    snapshot: &Snapshot,
    roots: &[PathBuf],
    filter: &ContextFilter,
    per_file: usize,
) -> Vec<ContextFile> {
    let mut files: Vec<ContextFile> = Vec::new();
    for reference in &snapshot.plan.references {
        if files.len() >= MAX_FILES {
            break;
        }
        let Resolution::Found { path, .. } = resolve(
            &reference.target.path,
            snapshot.path.as_deref(),
            roots,
            &snapshot.files,
            &snapshot.code,
        ) else {
            continue;
        };
        let resolved = match filter.check(&path) {
            Ok(resolved) => resolved,
            Err(exclusion) => {
                tracing::debug!(%exclusion, "kept from the model");
                continue;
            }
        };
        let relative = roots
            .iter()
            .find_map(|r| resolved.strip_prefix(r).ok())
            .unwrap_or(&resolved)
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(text) = std::fs::read_to_string(&resolved) else {
            continue;
        };
        let excerpt = match &reference.target.lines {
            Some(span) => {
                let end = span.end.unwrap_or(span.start);
                excerpt_lines(&text, span.start as usize, end as usize)
            }
            None => text,
        };
        let label = match &reference.target.lines {
            Some(span) => format!("{relative}:{}", span.start),
            None => relative,
        };
        if files.iter().any(|f| f.path == label) {
            continue;
        }
        files.push(ContextFile {
            path: label,
            text: cap(&excerpt, per_file).to_string(),
        });
    }
    files
}

/// Whether the plan itself may go to the model. The user asked for it explicitly, so a plan
/// ignored by `.gitignore` (local notes) or not saved yet is fine; one outside the workspace
/// folders or named like a secret is not.
pub fn check_document(snapshot: &Snapshot) -> jsonrpc::Result<()> {
    let Some(path) = &snapshot.path else {
        return Ok(());
    };
    match ContextFilter::new(snapshot.effective_roots()).check(path) {
        Ok(_) | Err(Exclusion::Gitignored(_)) | Err(Exclusion::Unreadable(_)) => Ok(()),
        Err(exclusion @ Exclusion::OutsideWorkspace(_)) => Err(errors::failed(format!(
            "{exclusion}: open its folder as a workspace folder to use AI on it"
        ))),
        Err(exclusion) => Err(errors::failed(format!(
            "{exclusion}: rename it to use AI on it"
        ))),
    }
}

/// Lines `start..=end` (1-based) with [`SURROUNDING_LINES`] on each side, numbered.
fn excerpt_lines(text: &str, start: usize, end: usize) -> String {
    let first = start.saturating_sub(SURROUNDING_LINES).max(1);
    let last = end.max(start) + SURROUNDING_LINES;
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(n, _)| *n >= first && *n <= last)
        .map(|(n, line)| format!("{n:>5} | {line}\n"))
        .collect()
}

fn cap(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_number_the_lines_around_a_span() {
        let text: String = (1..=100).map(|n| format!("line {n}\n")).collect();
        let excerpt = excerpt_lines(&text, 50, 52);
        assert!(excerpt.starts_with("   30 | line 30\n"));
        assert!(excerpt.ends_with("   72 | line 72\n"));
        assert_eq!(excerpt.lines().count(), 43);
        assert_eq!(cap("héllo", 2), "h");
    }
}
