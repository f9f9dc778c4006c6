//! Heading links across a workspace: `textDocument/references` and `rename` on a heading of a
//! hub plan that 500 other plans link to, the first time (every plan read and parsed through
//! the door) and after (parsed plans cached), and the diagnostics of a plan whose 400 links
//! point at its own headings and at the hub. Runs the server's own code paths in-process.
//!
//! `cargo bench --bench workspace_links` prints a table; the README quotes it.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use plan_lsp::features;
use plan_lsp::server::state::ServerState;
use plan_lsp::workspace::index::IndexOptions;
use tower_lsp::lsp_types::{Position, Url};

const PLANS: usize = 500;
const TOPICS: usize = 100;
const RUNS: usize = 20;

fn hub() -> String {
    let mut text = String::from("# Hub plan\n\n");
    for t in 0..TOPICS {
        let _ = write!(
            text,
            "## Topic {t}\n\nWhat topic {t} is about, in a paragraph of plain words.\n\n"
        );
    }
    text.push_str("## Links\n\n");
    for i in 0..400 {
        let _ = writeln!(
            text,
            "- [here](#topic-{}) and [there](plans/p{}.md#notes)",
            i % TOPICS,
            i % PLANS
        );
    }
    text
}

fn plan(i: usize) -> String {
    let mut text = format!("# Plan {i}\n\n## Notes\n\n");
    for k in 0..5 {
        let _ = write!(
            text,
            "See [topic](../hub.plan.md#topic-{}) and [notes](#notes) in `src/lib.rs`.\n\n\
             A paragraph of prose that explains the step in plain words, as plans do.\n\n",
            (i + k * 7) % TOPICS
        );
    }
    text
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(workspace.path()).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let hub_text = hub();
    std::fs::write(root.join("hub.plan.md"), &hub_text).unwrap();
    for i in 0..PLANS {
        std::fs::write(root.join(format!("plans/p{i}.md")), plan(i)).unwrap();
    }
    let state = ServerState::default();
    state.set_roots(vec![root.clone()]);
    state
        .code
        .reset(vec![root.clone()], IndexOptions::default());
    state.code.index_all(&AtomicBool::new(false), &|_| {});
    let uri = Url::from_file_path(root.join("hub.plan.md")).unwrap();
    state.open(uri.clone(), &hub_text, 1);
    let snapshot = state.snapshot(&uri).unwrap();
    let line = hub_text.lines().position(|l| l == "## Topic 7").unwrap() as u32;
    let at = Position::new(line, 5);

    let start = Instant::now();
    let first = features::references::references(&snapshot, at, true)
        .unwrap()
        .unwrap_or_default();
    let cold = start.elapsed();
    let references = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                features::references::references(&snapshot, at, true).unwrap();
                start.elapsed()
            })
            .collect(),
    );
    let mut edits = 0;
    let rename = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let edit = features::rename::rename(&snapshot, at, "Topic seven").unwrap();
                let elapsed = start.elapsed();
                edits = match edit.and_then(|e| e.document_changes) {
                    Some(tower_lsp::lsp_types::DocumentChanges::Edits(docs)) => {
                        docs.iter().map(|d| d.edits.len()).sum()
                    }
                    _ => 0,
                };
                elapsed
            })
            .collect(),
    );
    let mut findings = 0;
    let diagnostics = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                findings = features::diagnostics::compute(&snapshot).len();
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "| workspace | references (first) | references | rename | hub diagnostics (400 links) |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| {PLANS} plans + hub ({} locations, {edits} edits, {findings} findings) | {} | {} | {} | {} |",
        first.len(),
        ms(cold),
        ms(references),
        ms(rename),
        ms(diagnostics)
    );
}
