//! Folding ranges: sections, code blocks, front matter and wrapper tags.

use tower_lsp::lsp_types::{FoldingRange, FoldingRangeKind};

use crate::plan::BlockKind;
use crate::snapshot::Snapshot;

pub fn folding_ranges(snapshot: &Snapshot) -> Vec<FoldingRange> {
    let rope = &snapshot.rope;
    let line_of = |byte: usize| rope.byte_to_line(byte.min(rope.len_bytes())) as u32;
    let mut out = Vec::new();
    for (index, section) in snapshot.plan.sections.iter().enumerate() {
        let end = snapshot.plan.section_content(index).end;
        push(&mut out, line_of(section.heading.start), line_of(end), None);
    }
    for block in &snapshot.plan.blocks {
        let kind = match block.kind {
            BlockKind::Code => None,
            BlockKind::FrontMatter | BlockKind::Wrapper => Some(FoldingRangeKind::Region),
        };
        let end = block.range.end.saturating_sub(1).max(block.range.start);
        push(&mut out, line_of(block.range.start), line_of(end), kind);
    }
    out.sort_by_key(|f| (f.start_line, std::cmp::Reverse(f.end_line)));
    out
}

fn push(out: &mut Vec<FoldingRange>, start: u32, end: u32, kind: Option<FoldingRangeKind>) {
    if end > start {
        out.push(FoldingRange {
            start_line: start,
            end_line: end,
            kind,
            ..FoldingRange::default()
        });
    }
}
