//! `plan-lsp research` (hidden): ranks a folder's files for a query with the same
//! `workspace::research` code `plan.gatherContext` runs, so the ranking can be scored offline
//! (`benches/research/score.py`) without driving the server.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::workspace::disk::read_named_file;
use crate::workspace::index::{IndexOptions, WorkspaceIndex};
use crate::workspace::research::{gather_context, ContextOptions};
use crate::workspace::symbols::SymbolCache;

/// Queries longer than this are cut: an issue, not a book.
const MAX_QUERY_BYTES: u64 = 256 * 1024;

#[derive(Debug, Default)]
struct Options {
    json: bool,
    root: Option<PathBuf>,
    query_file: Option<PathBuf>,
    max_files: Option<usize>,
    include_tests: Option<bool>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--json" => options.json = true,
            "--root" => options.root = Some(PathBuf::from(value("--root")?)),
            "--query-file" => options.query_file = Some(PathBuf::from(value("--query-file")?)),
            "--max-files" => {
                let n = value("--max-files")?;
                options.max_files = Some(
                    n.parse()
                        .map_err(|_| format!("--max-files {n:?} is not a count"))?,
                );
            }
            "--include-tests" => options.include_tests = Some(true),
            "--no-tests" => options.include_tests = Some(false),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.root.is_none() || options.query_file.is_none() {
        return Err("research needs --root DIR and --query-file FILE".to_string());
    }
    Ok(options)
}

/// Runs the subcommand; exit status 2 on a usage or I/O error.
pub fn run(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("plan-lsp research: {message}");
            return ExitCode::from(2);
        }
    };
    let (Some(root), Some(query_file)) = (options.root, options.query_file) else {
        return ExitCode::from(2);
    };
    let root = match root.canonicalize() {
        Ok(root) if root.is_dir() => root,
        Ok(root) => {
            eprintln!("plan-lsp research: {} is not a folder", root.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("plan-lsp research: {}: {e}", root.display());
            return ExitCode::from(2);
        }
    };
    let query = match read_named_file(&query_file, MAX_QUERY_BYTES) {
        Ok(contents) => contents.text().into_owned(),
        Err(e) => {
            eprintln!("plan-lsp research: {e}");
            return ExitCode::from(2);
        }
    };
    let mut context = ContextOptions::default();
    if let Some(n) = options.max_files {
        context.max_files = n;
    }
    if let Some(include) = options.include_tests {
        context.include_tests = include;
    }
    let index = WorkspaceIndex::build(vec![root], IndexOptions::default());
    let gathered = gather_context(&index, &SymbolCache::new(), &query, None, &context);
    if options.json {
        match serde_json::to_string_pretty(&gathered) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("plan-lsp research: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", gathered.to_markdown(""));
    }
    ExitCode::SUCCESS
}
