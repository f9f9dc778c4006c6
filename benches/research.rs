//! Ranking latency of codebase research (`plan.gatherContext`) on a real repository after
//! indexing: what a user waits for once the index is built. The queries are the repository's own
//! recent commit messages (those of at least 30 words), so no text of it is kept here.
//!
//! ```sh
//! PLAN_LSP_RESEARCH_ROOT=/path/to/checkout cargo bench --bench research
//! ```
//!
//! Reports the index build, the first gathering (it reads the bounded `git log` once per head)
//! and p50/p95/max of the rest (each query gathered `ROUNDS` times).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use plan_lsp::workspace::index::{IndexOptions, WorkspaceIndex};
use plan_lsp::workspace::research::{gather_context, ContextOptions};
use plan_lsp::workspace::symbols::SymbolCache;

/// Commit messages used as queries.
const QUERIES: usize = 40;
/// Times each query is gathered.
const ROUNDS: usize = 5;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let Some(root) = std::env::var_os("PLAN_LSP_RESEARCH_ROOT").map(PathBuf::from) else {
        println!("set PLAN_LSP_RESEARCH_ROOT to a git checkout to measure research latency");
        return;
    };
    let log = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["log", "--no-merges", "-n", "2000", "--format=%B%x1e"])
        .output()
        .expect("git runs");
    let log = String::from_utf8_lossy(&log.stdout);
    let queries: Vec<&str> = log
        .split('\u{1e}')
        .map(str::trim)
        .filter(|m| m.split_whitespace().count() >= 30)
        .take(QUERIES)
        .collect();
    assert!(!queries.is_empty(), "no commit message of 30 words or more");

    let started = Instant::now();
    let index = WorkspaceIndex::build(vec![root.clone()], IndexOptions::default());
    println!(
        "index: {} files in {:.2} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );
    let symbols = SymbolCache::new();
    let options = ContextOptions::default();
    let started = Instant::now();
    gather_context(&index, &symbols, queries[0], None, &options);
    println!(
        "first gathering (reads the git history once): {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        for query in &queries {
            let started = Instant::now();
            let gathered = gather_context(&index, &symbols, query, None, &options);
            times.push(started.elapsed());
            assert!(!gathered.files.is_empty(), "a commit message finds files");
        }
    }
    times.sort();
    println!(
        "gathering ({} queries x {ROUNDS}): p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        queries.len(),
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0,
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1000.0)
    );
}
