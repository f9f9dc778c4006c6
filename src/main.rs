//! The `plan-lsp` binary: the language server on stdio, or `plan-lsp check` for CI.

use std::process::ExitCode;

fn main() -> ExitCode {
    // reqwest (under octocrab and async-openai) panics without a process-wide crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") | Some("--stdio") => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("plan-lsp: cannot start the async runtime: {e}");
                    return ExitCode::from(2);
                }
            };
            let code = runtime.block_on(plan_lsp::server::run_stdio());
            // The stdin reader is a blocking thread that never returns by itself: don't wait for it.
            runtime.shutdown_timeout(std::time::Duration::from_millis(100));
            ExitCode::from(code)
        }
        Some("check") => plan_lsp::cli::check::run(&args[1..]),
        // Hidden: scores the ranking offline (benches/research/score.py).
        Some("research") => plan_lsp::cli::research::run(&args[1..]),
        Some("--version") | Some("-V") | Some("version") => {
            println!("plan-lsp {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help") | Some("-h") | Some("help") => {
            println!("{}", plan_lsp::cli::USAGE);
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!(
                "plan-lsp: unknown command {other:?}\n\n{}",
                plan_lsp::cli::USAGE
            );
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr (stdout carries the protocol); the level comes from `PLAN_LSP_LOG`: a level
/// (`debug`) or `target=level` pairs (`plan_lsp=debug,warn`); anything else means `warn`.
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let setting = std::env::var("PLAN_LSP_LOG").ok();
    let parsed = setting.as_deref().map(str::parse::<Targets>);
    let filter = match &parsed {
        Some(Ok(targets)) => targets.clone(),
        _ => Targets::new().with_default(LevelFilter::WARN),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .finish()
        .with(filter)
        .init();
    if let (Some(value), Some(Err(error))) = (&setting, parsed) {
        tracing::warn!(
            "PLAN_LSP_LOG={value:?} ignored ({error}): use a level or target=level pairs"
        );
    }
}

/// jemalloc with one arena, on Linux. With glibc's malloc, threads had arenas of their own (up to
/// eight per core) and what one thread freed was not reused by another: each version's plan was
/// built on another thread of the blocking pool (and the one it replaces freed on a thread of its
/// own), so the server grew with every keystroke. lspbench, 50,000-line plan: peak RSS 175-213 MB
/// with glibc, 105-108 MB with one glibc arena (whose lock the freeing thread and the analysis
/// then share: keystrokes 5-13 ms slower), 112-116 MB with jemalloc and one arena, whose
/// keystrokes were the fastest (24-28 ms median against glibc's 35-42).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings (its `malloc_conf`, under the prefix tikv-jemalloc-sys gives its symbols).
#[cfg(target_os = "linux")]
#[used]
#[export_name = "_rjem_malloc_conf"]
static JEMALLOC_CONF: &[u8; 10] = b"narenas:1\0";
