//! Property: the diagnostics of a version computed by reusing the findings of the last one (only
//! the chunks an edit changed are judged again) equal those computed from scratch, over random
//! edits that make and break placeholders, references, headings, link definitions and lists, and
//! files that appear and disappear on disk.

#[path = "support/lsp_client.rs"]
mod lsp_client;
#[path = "support/random_text.rs"]
mod random_text;

use plan_lsp::features::diagnostics::{findings, findings_reusing, Kept};
use plan_lsp::server::state::ServerState;
use random_text::{position_of, Rng};
use serde_json::json;
use tower_lsp::lsp_types::{Range, TextDocumentContentChangeEvent, Url};

/// What gets typed: the constructs whose findings are kept, and what changes their meaning
/// elsewhere in the document (headings, link definitions, fences, template slots).
const PIECES: &[&str] = &[
    "x",
    " ",
    "\n",
    "\n\n",
    "- ",
    "\n- item ",
    "[TBD]",
    "[NEEDS CLARIFICATION: which?]",
    "`src/a.rs:3`",
    "`src/a.rs:40`",
    "`src/gone.rs`",
    "Create `src/new.rs`",
    "[b](src/b.py)",
    "[s](#status-quo)",
    "[n](#nowhere)",
    "[ref][d]",
    "\n[d]: src/missing.md\n",
    "\n## Status quo\n",
    "\n## Risks\n",
    "\n```\n",
    "`",
    "[",
    "]",
    "(",
    "{{owner}}",
    "\n| File | Change |\n|---|---|\n| `src/c.rs` | Add |\n",
];

#[test]
fn reused_findings_equal_findings_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/a.rs"), "1\n2\n3\n4\n5\n").unwrap();
    std::fs::write(root.join("src/b.py"), "def f():\n    pass\n").unwrap();
    let mut start = String::from("# Plan\n\n## Status quo\n\n");
    for i in 0..30 {
        start.push_str(&format!(
            "- step {i} `src/a.rs:{}` [TBD] see [s](#status-quo) and `src/gone{}.rs`\n",
            i % 8,
            i % 3
        ));
    }
    start.push_str("\n## Proposed Implementation\n\nText `src/b.py` [NEEDS CLARIFICATION: who?]\n");
    for seed in [5u64, 23, 99] {
        let state = ServerState::default();
        state.set_roots(vec![root.clone()]);
        let uri = Url::from_file_path(root.join("plan.md")).unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
        let mut model = start.clone();
        state.open(uri.clone(), &model, 1);
        let mut kept: Option<Kept> = None;
        let mut reused_some = false;
        for step in 0..400 {
            let chars = model.chars().count();
            let a = rng.below(chars + 1);
            let b = (a + rng.below(6)).min(chars);
            let (start_pos, end_pos) = (position_of(&model, a), position_of(&model, b));
            let insert: String = (0..rng.below(3))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect();
            let change = json!({"range": {"start": {"line": start_pos.line, "character": start_pos.character}, "end": {"line": end_pos.line, "character": end_pos.character}}, "text": insert});
            model = lsp_client::apply_change(&model, &change);
            let event = TextDocumentContentChangeEvent {
                range: Some(Range::new(start_pos, end_pos)),
                range_length: None,
                text: insert,
            };
            state.change(&uri, step + 2, &[event]).unwrap();
            if rng.below(25) == 0 {
                // A file appears or goes, and the client says so.
                let path = root.join("src/gone1.rs");
                if path.exists() {
                    std::fs::remove_file(&path).unwrap();
                } else {
                    std::fs::write(&path, "a\nb\n").unwrap();
                }
                state.snapshot(&uri).unwrap().files.invalidate(&path);
            }
            let snapshot = state.snapshot(&uri).unwrap();
            let had = kept.is_some();
            let (reused, next) = findings_reusing(&snapshot, kept.take());
            let fresh = findings(&snapshot);
            assert_eq!(reused, fresh, "seed {seed} step {step}\n{model}");
            reused_some |= had;
            kept = Some(next);
        }
        assert!(reused_some);
    }
}
