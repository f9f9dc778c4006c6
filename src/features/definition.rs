//! Go to definition from a heading link to the heading, and from a file reference to the file,
//! at its line and column.

use tower_lsp::lsp_types::{GotoDefinitionResponse, Location, Position, Range, Url};

use super::FeatureError;
use crate::plan::references::FileTarget;
use crate::snapshot::Snapshot;
use crate::workspace::files::FileKind;
use crate::workspace::resolve::{self, Resolution};

pub fn definition(
    snapshot: &Snapshot,
    position: Position,
) -> Result<Option<GotoDefinitionResponse>, FeatureError> {
    let offset = snapshot.offset(position)?;
    // `other.md#heading` is also a file reference: the heading is the more precise answer.
    if let Some(location) = super::heading_links::definition(snapshot, offset) {
        return Ok(Some(GotoDefinitionResponse::Scalar(location)));
    }
    let Some(reference) = snapshot.plan.reference_at(offset) else {
        return Ok(super::code_refs::definition(snapshot, offset));
    };
    let mut locations = locations_of(snapshot, &reference.target);
    Ok(match locations.len() {
        0 => None,
        1 => locations.pop().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    })
}

/// The location a file target points at, if it resolves to one file in the workspace.
pub fn location_of(snapshot: &Snapshot, target: &FileTarget) -> Option<Location> {
    let mut locations = locations_of(snapshot, target);
    (locations.len() == 1).then(|| locations.remove(0))
}

/// Every file a target may mean: the one it resolves to, or each candidate of an ambiguous
/// basename.
fn locations_of(snapshot: &Snapshot, target: &FileTarget) -> Vec<Location> {
    let roots = snapshot.effective_roots();
    let paths = match resolve::resolve(
        &target.path,
        snapshot.path.as_deref(),
        &roots,
        &snapshot.files,
        &snapshot.code,
    ) {
        Resolution::Found {
            path,
            kind: FileKind::File,
            ..
        } => vec![path],
        Resolution::Ambiguous { candidates } => candidates,
        _ => Vec::new(),
    };
    paths
        .iter()
        .filter_map(|path| {
            Some(Location {
                uri: Url::from_file_path(path).ok()?,
                range: target_range(target),
            })
        })
        .collect()
}

/// The range in the target file: the line (and column) written, or the start of the file.
pub fn target_range(target: &FileTarget) -> Range {
    match &target.lines {
        None => Range::default(),
        Some(span) => {
            let line = span.start.saturating_sub(1);
            let column = span.column.unwrap_or(1).saturating_sub(1);
            let start = Position::new(line, column);
            let end = match span.end {
                Some(end) if end > span.start => Position::new(end, 0),
                _ => start,
            };
            Range::new(start, end)
        }
    }
}
