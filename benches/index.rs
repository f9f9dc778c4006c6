//! Workspace index benchmark: generates a tree of source files in mixed languages and nested
//! folders (100,000 by default; `PLAN_LSP_BENCH_FILES` overrides), then reports the time to a
//! complete index, the memory held (RSS from /proc/self/status), symbol lookup latency (the
//! first, lazily parsing lookup and repeated ones, p50/p95) and a context-gathering ranking.
//!
//! Run with `cargo bench --bench index`. The index is built three times and the fastest build
//! counts (the others are noise from a shared machine). Regressions are checked against a
//! baseline recorded on the same machine:
//!
//! ```sh
//! cargo bench --bench index -- --save benches/index-baseline.json   # record
//! cargo bench --bench index -- --check benches/index-baseline.json  # exit 1 past +10%
//! ```
//!
//! Checked: CPU seconds of the fastest build (less sensitive to other processes than wall time),
//! the memory the index holds and the process's peak RSS.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use plan_lsp::workspace::index::{scan, IndexOptions, WorkspaceIndex};
use plan_lsp::workspace::research::{gather_context, ContextOptions};
use plan_lsp::workspace::symbols::{SymbolCache, SymbolQuery};

const WORDS: &[&str] = &[
    "cache", "index", "parser", "token", "session", "invoice", "render", "buffer", "queue",
    "router", "schema", "ledger", "widget", "socket", "report", "policy", "tenant", "quota",
    "stream", "digest",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn word(&mut self) -> &'static str {
        WORDS[(self.next() % WORDS.len() as u64) as usize]
    }
}

fn camel(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Writes file `i`: the kind cycles through the languages; notes go under `docs/` folders.
fn generate_file(root: &Path, i: usize, rng: &mut Rng) -> std::io::Result<()> {
    let (a, b, c) = (i % 10, (i / 10) % 10, (i / 100) % 100);
    let dir = if i % 8 == 7 {
        root.join(format!("pkg{a}/docs/mod{b}"))
    } else {
        root.join(format!("pkg{a}/mod{b}/part{c}"))
    };
    let (w1, w2) = (rng.word(), rng.word());
    let ty = format!("{}{}{i}", camel(w1), camel(w2));
    let func = format!("{w1}_{w2}_{i}");
    let (name, text) = match i % 8 {
        0 | 1 => (
            format!("{w1}_{i}.rs"),
            format!(
                "//! Handles the {w1} {w2} flow.\nuse std::collections::HashMap;\n\n/// A {w1} holder.\npub struct {ty} {{\n    items: HashMap<String, u64>,\n}}\n\nimpl {ty} {{\n    /// Adds a {w2}.\n    pub fn insert_{w2}(&mut self, key: &str, value: u64) {{\n        self.items.insert(key.to_owned(), value);\n    }}\n}}\n\npub fn {func}(input: &str) -> usize {{\n    input.len() * 2\n}}\n"
            ),
        ),
        2 => (
            format!("{w1}_{i}.py"),
            format!(
                "\"\"\"{w1} and {w2} helpers.\"\"\"\nLIMIT_{i} = 10\n\n\nclass {ty}:\n    # Keeps {w2} entries.\n    def __init__(self):\n        self.items = {{}}\n\n    def add_{w2}(self, key, value):\n        self.items[key] = value\n\n\ndef {func}(text):\n    return len(text) * 2\n"
            ),
        ),
        3 => (
            format!("{w1}{i}.ts"),
            format!(
                "// {w1} {w2} service\nexport interface {ty}Options {{\n  limit: number;\n}}\n\nexport class {ty} {{\n  private items = new Map<string, number>();\n  add{}(key: string, value: number): void {{\n    this.items.set(key, value);\n  }}\n}}\n\nexport function {func}(input: string): number {{\n  return input.length * 2;\n}}\n",
                camel(w2)
            ),
        ),
        4 => (
            format!("{}{i}.tsx", camel(w1)),
            format!(
                "// {w1} view\nexport function {ty}View(props: {{ {w2}: string }}) {{\n  return <div className=\"{w1}\">{{props.{w2}}}</div>;\n}}\n\nexport const {func} = (x: number) => x * 2;\n"
            ),
        ),
        5 => (
            format!("{w1}{i}.js"),
            format!(
                "// {w1} {w2} utilities\nclass {ty} {{\n  constructor() {{ this.items = []; }}\n  push{}(item) {{ this.items.push(item); }}\n}}\n\nfunction {func}(input) {{\n  return input.length * 2;\n}}\n\nmodule.exports = {{ {ty}, {func} }};\n",
                camel(w2)
            ),
        ),
        6 => (
            format!("{w1}_{i}.go"),
            format!(
                "// Package {w1} handles {w2}.\npackage {w1}\n\n// {ty} keeps {w2} entries.\ntype {ty} struct {{\n\titems map[string]int\n}}\n\n// Add{} stores an entry.\nfunc (s *{ty}) Add{}(key string, value int) {{\n\ts.items[key] = value\n}}\n\nfunc {ty}Count(input string) int {{\n\treturn len(input) * 2\n}}\n",
                camel(w2),
                camel(w2)
            ),
        ),
        _ => (
            format!("{w1}-{i}.md"),
            format!(
                "# Notes on {w1} {w2}\n\nThe {w1} component talks to the {w2} layer through `{ty}`.\n\n- [ ] check `{func}`\n"
            ),
        ),
    };
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), text)
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of this process so far (from /proc/self/stat, in clock ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Builds of the index timed; the fastest counts.
const BUILDS: usize = 3;
/// How much worse than the baseline a checked figure may be.
const TOLERANCE: f64 = 0.10;

/// What `--check` compares, as saved by `--save`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Figures {
    files: usize,
    build_seconds: f64,
    build_cpu_seconds: f64,
    index_rss_mib: f64,
    peak_rss_mib: f64,
}

enum Mode {
    Report,
    Save(PathBuf),
    Check(PathBuf),
}

fn mode() -> Result<Mode, String> {
    // `cargo bench` passes `--bench` to harness-less benchmarks.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [] => Ok(Mode::Report),
        [flag, path] if flag == "--save" => Ok(Mode::Save(path.into())),
        [flag, path] if flag == "--check" => Ok(Mode::Check(path.into())),
        other => Err(format!(
            "usage: [--save FILE | --check FILE], got {other:?}"
        )),
    }
}

/// The checked figures that are more than [`TOLERANCE`] worse than `base`, described.
fn regressions(base: &Figures, now: &Figures) -> Vec<String> {
    [
        (
            "build CPU seconds",
            base.build_cpu_seconds,
            now.build_cpu_seconds,
        ),
        (
            "memory held by the index (MiB)",
            base.index_rss_mib,
            now.index_rss_mib,
        ),
        ("peak RSS (MiB)", base.peak_rss_mib, now.peak_rss_mib),
    ]
    .into_iter()
    .filter(|&(_, was, is)| is > was * (1.0 + TOLERANCE))
    .map(|(what, was, is)| {
        format!(
            "{what}: {is:.2} vs {was:.2} (+{:.0}%)",
            (is / was - 1.0) * 100.0
        )
    })
    .collect()
}

fn main() -> std::io::Result<ExitCode> {
    let mode = match mode() {
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(2));
        }
    };
    let count: usize = std::env::var("PLAN_LSP_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let root = dir.path().to_path_buf();
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..count {
        generate_file(&root, i, &mut rng)?;
    }
    println!(
        "generated {count} files in {:.2?} under {}",
        started.elapsed(),
        root.display()
    );

    // The parallel part alone (walk, stat, read, tokenize), batches dropped.
    let started = Instant::now();
    let scanned = AtomicUsize::new(0);
    scan(
        std::slice::from_ref(&root),
        &IndexOptions::default(),
        &AtomicBool::new(false),
        &|batch| {
            scanned.fetch_add(batch.len(), Ordering::Relaxed);
        },
    );
    println!(
        "walk + read + tokenize only: {} files in {:.3} s",
        scanned.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );

    let mut fastest: Option<(Duration, f64)> = None;
    let mut held_kib = 0;
    let mut index = None;
    for _ in 0..BUILDS {
        // The previous index is dropped first, so each build starts from the same memory.
        drop(index.take());
        let rss_before = status_kib("VmRSS:");
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let built = WorkspaceIndex::build(vec![root.clone()], IndexOptions::default());
        let wall = started.elapsed();
        let cpu = cpu_seconds() - cpu_before;
        held_kib = status_kib("VmRSS:").saturating_sub(rss_before);
        if fastest.is_none_or(|(_, best)| cpu < best) {
            fastest = Some((wall, cpu));
        }
        index = Some(built);
    }
    let index = index.expect("at least one build");
    let (build, cpu) = fastest.expect("at least one build");
    println!(
        "complete index: {} files in {:.3} s ({:.0} files/s), {cpu:.2} s of CPU (fastest of {BUILDS})",
        index.len(),
        build.as_secs_f64(),
        index.len() as f64 / build.as_secs_f64()
    );
    let figures = Figures {
        files: index.len(),
        build_seconds: build.as_secs_f64(),
        build_cpu_seconds: cpu,
        index_rss_mib: held_kib as f64 / 1024.0,
        peak_rss_mib: status_kib("VmHWM:") as f64 / 1024.0,
    };
    println!(
        "memory: RSS {:.1} MiB after index ({:.1} MiB held by it), peak {:.1} MiB",
        status_kib("VmRSS:") as f64 / 1024.0,
        figures.index_rss_mib,
        figures.peak_rss_mib
    );

    // Look up the free function of files that are Rust, Python, TS or Go.
    let symbols = SymbolCache::new();
    let mut names = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..count {
        let (w1, w2) = (rng.word(), rng.word());
        if matches!(i % 8, 0 | 2 | 3) && names.len() < 500 && i % 97 == 0 {
            names.push(format!("{w1}_{w2}_{i}()"));
        }
    }
    let queries: Vec<SymbolQuery> = names.iter().filter_map(|n| SymbolQuery::parse(n)).collect();
    let mut cold = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let found = symbols.find(&index, q, 5);
        cold.push(t.elapsed());
        assert_eq!(found.len(), 1, "{q:?} should resolve to one definition");
    }
    let mut warm = Vec::new();
    for _ in 0..20 {
        for q in &queries {
            let t = Instant::now();
            let found = symbols.find(&index, q, 5);
            warm.push(t.elapsed());
            assert_eq!(found.len(), 1);
        }
    }
    cold.sort();
    warm.sort();
    println!(
        "definition lookup ({} symbols): first (parses lazily) p50 {:?} p95 {:?}; cached p50 {:?} p95 {:?}",
        queries.len(),
        percentile(&cold, 0.5),
        percentile(&cold, 0.95),
        percentile(&warm, 0.5),
        percentile(&warm, 0.95)
    );

    let qualified = SymbolQuery::parse("Store::insert_cache").expect("a query");
    let t = Instant::now();
    let hits = symbols.find(&index, &qualified, 50).len();
    println!(
        "qualified lookup `Store::insert_cache` (common method, no such type): {hits} hits in {:?}",
        t.elapsed()
    );

    let t = Instant::now();
    let ctx = gather_context(
        &index,
        &symbols,
        "Evict stale cache entries per tenant quota when the ledger report renders",
        None,
        &ContextOptions::default(),
    );
    println!(
        "gather context: {} files, {} documents in {:?}",
        ctx.files.len(),
        ctx.documents.len(),
        t.elapsed()
    );
    println!(
        "final RSS {:.1} MiB, peak {:.1} MiB",
        status_kib("VmRSS:") as f64 / 1024.0,
        status_kib("VmHWM:") as f64 / 1024.0
    );
    match mode {
        Mode::Report => {}
        Mode::Save(path) => {
            std::fs::write(&path, serde_json::to_string_pretty(&figures)? + "\n")?;
            println!("saved {}", path.display());
        }
        Mode::Check(path) => {
            let base: Figures = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            if base.files != figures.files {
                eprintln!(
                    "{} holds figures for {} files, this run indexed {}",
                    path.display(),
                    base.files,
                    figures.files
                );
                return Ok(ExitCode::from(2));
            }
            let worse = regressions(&base, &figures);
            if !worse.is_empty() {
                eprintln!("regressed by more than {:.0}%:", TOLERANCE * 100.0);
                worse.iter().for_each(|w| eprintln!("  {w}"));
                return Ok(ExitCode::FAILURE);
            }
            println!("within {:.0}% of {}", TOLERANCE * 100.0, path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
