//! `plan-lsp check`: the server's analysis on files, for CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::formats::{self, Format};
use crate::analysis::diagnostics::{Finding, Severity, CODES};
use crate::document::{Document, PositionEncoding};
use crate::plan::{PlaceholderSyntax, Plan};
use crate::settings::Settings;
use crate::snapshot::Snapshot;
use crate::workspace::code::CodeIndex;
use crate::workspace::disk::{read_named_file, FileSystem, RealDisk};
use crate::workspace::files::FileFacts;
use crate::workspace::index::IndexOptions;
use crate::workspace::templates::load_templates;

#[derive(Debug, Default)]
struct Options {
    format: Format,
    strict: bool,
    root: Option<PathBuf>,
    template: Option<String>,
    settings: Option<PathBuf>,
    paths: Vec<PathBuf>,
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
            "--format" => {
                let name = value("--format")?;
                options.format = Format::parse(&name).ok_or_else(|| {
                    format!("unknown format {name:?}: use human, json, github or sarif")
                })?;
            }
            "--json" => options.format = Format::Json,
            "--strict" => options.strict = true,
            "--root" => options.root = Some(PathBuf::from(value("--root")?)),
            "--template" => options.template = Some(value("--template")?),
            "--settings" => options.settings = Some(PathBuf::from(value("--settings")?)),
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown option {flag}"))
            }
            path => options.paths.push(PathBuf::from(path)),
        }
    }
    if options.paths.is_empty() {
        return Err("no plans given: pass files or folders".to_string());
    }
    Ok(options)
}

/// One problem as printed: 1-based lines, 1-based columns counted in characters.
pub struct Reported {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub finding: Finding,
}

pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", super::USAGE);
        return ExitCode::SUCCESS;
    }
    let options = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("plan-lsp check: {e}\n\n{}", super::USAGE);
            return ExitCode::from(2);
        }
    };
    match check(&options) {
        Ok((reports, files)) => {
            print(&options, &reports, files);
            let failing = reports.iter().any(|r| {
                r.finding.severity == Severity::Error
                    || (options.strict && r.finding.severity == Severity::Warning)
            });
            if failing {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("plan-lsp check: {e}");
            ExitCode::from(2)
        }
    }
}

/// The largest settings file read.
const MAX_SETTINGS_BYTES: u64 = 1 << 20;
/// The largest plan checked.
const MAX_PLAN_BYTES: u64 = 64 << 20;

fn check(options: &Options) -> Result<(Vec<Reported>, usize), String> {
    let root = options.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = RealDisk
        .real_path(&root)
        .map_err(|e| format!("root {}: {e}", root.display()))?;
    let mut settings = match &options.settings {
        Some(path) => {
            let contents = read_named_file(path, MAX_SETTINGS_BYTES)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let text = contents.text();
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let (settings, mut problems) = Settings::from_json(&value);
            let codes: Vec<&str> = CODES.iter().map(|(code, _)| *code).collect();
            problems.extend(settings.unknown_severity_codes(&codes));
            if !problems.is_empty() {
                return Err(format!("{}: {}", path.display(), problems.join("\n")));
            }
            settings
        }
        None => Settings::default(),
    };
    if options.template.is_some() {
        settings.template = options.template.clone();
    }
    let (syntax, pattern_errors) = PlaceholderSyntax::new(
        &settings.placeholders.patterns,
        settings.placeholders.disable_defaults,
    );
    if let Some(e) = pattern_errors.first() {
        return Err(e.to_string());
    }
    let (templates, template_errors) = load_templates(std::slice::from_ref(&root));
    if let Some(e) = template_errors.first() {
        return Err(e.to_string());
    }
    if let Some(name) = &settings.template {
        if templates.get(name).is_none() {
            return Err(format!(
                "unknown template {name:?}; known: {}",
                templates.names().join(", ")
            ));
        }
    }
    let files = collect_files(&options.paths)?;
    let settings = Arc::new(settings);
    let syntax = Arc::new(syntax);
    let facts = Arc::new(FileFacts::default());
    facts.set_max_file_bytes(settings.index.max_file_bytes);
    // The same code index and git view as the server, so CI and the editor agree.
    let code = Arc::new(CodeIndex::default());
    code.reset(
        vec![root.clone()],
        IndexOptions {
            max_file_bytes: settings.index.max_file_bytes,
            threads: 0,
        },
    );
    code.index_all(&AtomicBool::new(false), &|_| {});
    let roots = Arc::new(vec![root]);
    let mut reports = Vec::new();
    for path in &files {
        let contents = read_named_file(path, MAX_PLAN_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if contents.is_cut() {
            return Err(format!(
                "{}: larger than {MAX_PLAN_BYTES} bytes, not checked",
                path.display()
            ));
        }
        let bytes = contents.bytes;
        let text =
            String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
        let doc = Document::new(&text, 0);
        let plan = Plan::parse(&text, &syntax);
        let template = templates.for_plan(&plan, settings.template.as_deref(), Some(path));
        let absolute = contents.real.clone();
        let snapshot = Snapshot {
            uri: tower_lsp::lsp_types::Url::from_file_path(&absolute)
                .map_err(|_| format!("{}: bad path", path.display()))?,
            version: 0,
            rope: doc.rope.clone(),
            plan: Arc::new(plan),
            template,
            settings: settings.clone(),
            syntax: syntax.clone(),
            encoding: PositionEncoding::Utf32,
            roots: roots.clone(),
            files: facts.clone(),
            code: code.clone(),
            path: Some(absolute),
            issue_drift: None,
            memo: Default::default(),
        };
        for finding in crate::features::diagnostics::findings(&snapshot) {
            let range = snapshot.range(finding.range.clone());
            reports.push(Reported {
                path: path.display().to_string(),
                line: range.start.line + 1,
                column: range.start.character + 1,
                end_line: range.end.line + 1,
                end_column: range.end.character + 1,
                finding,
            });
        }
    }
    Ok((reports, files.len()))
}

/// Files as given, and `*.md` under folders (honouring `.gitignore`). Any path that cannot be
/// read or is not a regular file fails the check, each with its reason: a CI job must not pass
/// over plans it never saw.
fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => files.push(path.clone()),
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                for entry in ignore::WalkBuilder::new(path).build() {
                    let entry = match entry {
                        Ok(entry) => entry.into_path(),
                        Err(e) => {
                            problems.push(e.to_string());
                            continue;
                        }
                    };
                    if !is_markdown(&entry) {
                        continue;
                    }
                    match std::fs::metadata(&entry) {
                        Ok(meta) if meta.is_file() => found.push(entry),
                        Ok(meta) if meta.is_dir() => {}
                        Ok(_) => problems.push(not_regular(&entry)),
                        Err(e) => problems.push(format!("{}: {e}", entry.display())),
                    }
                }
                found.sort();
                files.extend(found);
            }
            Ok(_) => problems.push(not_regular(path)),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    match problems.as_slice() {
        [] => Ok(files),
        [one] => Err(one.clone()),
        many => Err(format!(
            "{} paths could not be checked:\n  {}",
            many.len(),
            many.join("\n  ")
        )),
    }
}

fn not_regular(path: &Path) -> String {
    format!(
        "{}: not a regular file (a FIFO, socket or device is never read)",
        path.display()
    )
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "md" || e == "markdown")
}

fn print(options: &Options, reports: &[Reported], files: usize) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match options.format {
        Format::Human => formats::human(&mut out, reports),
        Format::Json => formats::json(&mut out, reports),
        Format::GitHub => formats::github(&mut out, reports),
        Format::Sarif => formats::sarif(&mut out, reports),
    };
    if let Err(e) = written {
        eprintln!("plan-lsp check: writing the report failed: {e}");
    }
    let count = |s: Severity| reports.iter().filter(|r| r.finding.severity == s).count();
    eprintln!(
        "{files} plan(s) checked: {} error(s), {} warning(s), {} other",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Information) + count(Severity::Hint)
    );
}
