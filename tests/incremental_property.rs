//! Property: thousands of random incremental edits (multi-byte text, CRLF, lone CR, edits that
//! cross lines, positions past the end) leave the server's document equal to the same edits
//! applied to a plain `String`, and the chunk-cached plan equal to a fresh parse of that text.

#[path = "support/lsp_client.rs"]
mod lsp_client;
#[path = "support/random_text.rs"]
mod random_text;

use plan_lsp::plan::{PlaceholderSyntax, Plan};
use plan_lsp::server::state::ServerState;
use random_text::{position_of, Rng};
use serde_json::json;
use tower_lsp::lsp_types::{Position, Range, TextDocumentContentChangeEvent, Url};

const PIECES: &[&str] = &[
    "a",
    "Z",
    " ",
    "\n",
    "\r\n",
    "\r",
    "é",
    "😀",
    "中文",
    "#",
    "## Status quo\n",
    "- [ ] ",
    "`src/a.rs:3`",
    "[NEEDS CLARIFICATION: why?]",
    "{{q}}",
    "[TBD]",
    "```\n",
    "> ",
    "\n\n",
    "<implementation_plan>\n",
    "---\n",
];

#[test]
fn random_edits_keep_text_and_plan_in_step() {
    let start = "# Plan\r\n\r\n## Status quo\n\nText 😀 [TBD: x]\n";
    for seed in [1u64, 7, 42] {
        random_edits(seed, start, PIECES);
    }
}

/// Pieces that make and unmake list items, so chunks start and stop at items.
const LIST_PIECES: &[&str] = &[
    "\n- ",
    "\n* ",
    "\n1. ",
    "\n2) ",
    "\n  - ",
    "\n   ",
    "- ",
    "x",
    "é",
    "`b.md`",
    "[TBD]",
    "{{q}}",
    "\n",
    "\n\n",
    "\n```\n",
    "\n<div>\n",
    "\n> ",
    "\t",
];

#[test]
fn random_edits_in_one_long_list_keep_plan_in_step() {
    let mut start = String::from("## Steps\n");
    for i in 0..60 {
        start.push_str(&format!("- step {i} [TBD]\n  detail `src/a.rs:{i}`\n"));
    }
    start.push_str("1. first\n2. second {{who}}\n");
    for seed in [3u64, 11] {
        random_edits(seed, &start, LIST_PIECES);
    }
}

/// Applies random edits to `start` with `pieces`, checking the server's text and its cached
/// plan against a plain string and a fresh parse.
fn random_edits(seed: u64, start_text: &str, pieces: &[&str]) {
    let syntax = PlaceholderSyntax::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
    let state = ServerState::default();
    let uri = Url::parse("file:///tmp/property.md").unwrap();
    let mut model = String::from(start_text);
    state.open(uri.clone(), &model, 1);
    for step in 0..1500 {
        let chars = model.chars().count();
        let a = rng.below(chars + 1);
        let b = (a + rng.below(12)).min(chars);
        let mut start = position_of(&model, a);
        let mut end = position_of(&model, b);
        let insert: String = (0..rng.below(3))
            .map(|_| pieces[rng.below(pieces.len())])
            .collect();
        if rng.below(40) == 0 {
            // Past the end of the line, or of the document: both sides clamp.
            end = Position::new(end.line + rng.below(3) as u32, end.character + 50);
            if end.line > start.line || (end.line == start.line && end.character > start.character)
            {
            } else {
                start = end;
            }
        }
        let change = json!({"range": {"start": {"line": start.line, "character": start.character}, "end": {"line": end.line, "character": end.character}}, "text": insert});
        model = lsp_client::apply_change(&model, &change);
        let event = TextDocumentContentChangeEvent {
            range: Some(Range::new(start, end)),
            range_length: None,
            text: insert,
        };
        state.change(&uri, step + 2, &[event]).unwrap();
        let snapshot = state.snapshot(&uri).unwrap();
        assert_eq!(snapshot.rope.to_string(), model, "seed {seed} step {step}");
        if step % 5 == 0 {
            let fresh = Plan::parse(&model, &syntax);
            let plan = &snapshot.plan;
            let at = format!("seed {seed} step {step}\n{model:?}");
            assert_eq!(plan.placeholders, fresh.placeholders, "{at}");
            assert_eq!(plan.sections, fresh.sections, "{at}");
            assert_eq!(plan.references, fresh.references, "{at}");
            assert_eq!(plan.code_spans, fresh.code_spans, "{at}");
            assert_eq!(plan.heading_links, fresh.heading_links, "{at}");
            assert_eq!(plan.blocks, fresh.blocks, "{at}");
        }
    }
}
