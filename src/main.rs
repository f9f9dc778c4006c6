//! The `plan-lsp` binary: the language server on stdio, or `plan-lsp check` for CI.

use std::process::ExitCode;

fn main() -> ExitCode {
    limit_malloc_arenas();
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

/// glibc's malloc gives threads arenas of their own (up to eight per core), and what one thread
/// frees is not reused by another's allocations. The analysis of each version moves between the
/// blocking pool's threads, so each built its plan in another arena and the server grew with every
/// keystroke: on lspbench's 50,000-line plan peak RSS was 175–187 MB, with one arena 106 MB (two:
/// 128 MB), keystroke latency unchanged. Small allocations stay per-thread (glibc's tcache).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: sets one malloc parameter, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
