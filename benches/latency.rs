//! Keystroke-to-diagnostics, hover and definition latency on generated plans of 200, 5,000 and
//! 50,000 lines. Runs the server's own code paths in-process (`ServerState::change` is what
//! `textDocument/didChange` calls; `features::diagnostics::compute` is what gets published).
//!
//! `cargo bench --bench latency` prints a table; the README quotes it.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use plan_lsp::features;
use plan_lsp::server::state::ServerState;
use tower_lsp::lsp_types::{Position, Range, TextDocumentContentChangeEvent, Url};

const KEYSTROKES: usize = 300;

/// How much a generated plan is packed with placeholders and references.
#[derive(Clone, Copy)]
enum Density {
    /// About one placeholder per 30 lines and one file reference per 6: a busy real plan.
    Typical,
    /// A placeholder and three references every three lines: a stress test.
    Dense,
}

/// A plan of about `lines` lines in the house template, with references and placeholders.
fn generate_plan(lines: usize, density: Density) -> String {
    let mut text = String::from(
        "---\nissue: acme/widgets#42\n---\n# Plan: generated\n\n<implementation_plan>\n\n",
    );
    let mut section = 0;
    while text.lines().count() < lines {
        section += 1;
        let title = match section {
            1 => "Status quo".to_string(),
            2 => "Best Practices".to_string(),
            3 => "Proposed Implementation".to_string(),
            n => format!("Component {n}"),
        };
        let level = if section <= 3 { "##" } else { "###" };
        let _ = write!(text, "{level} {title}\n\n");
        for p in 0..6 {
            if let Density::Typical = density {
                let _ = write!(
                    text,
                    "The handler in `src/file{}.rs:{}` keeps 😀 state in memory and answers quickly,\n\
                     so the cache stays small and the design stays simple for now.\n\n\
                     Another paragraph explains the trade-offs of the approach in plain words,\n\
                     without references, as most of a plan reads.\n\n",
                    p % 5,
                    p + 1
                );
                if p == 5 {
                    let _ = write!(
                        text,
                        "One open point: [NEEDS CLARIFICATION: question {section}?]\n\n"
                    );
                }
                continue;
            }
            let _ = write!(
                text,
                "The handler in `src/file{}.rs:{}` calls src/lib.rs:2 and [the server](src/file{}.rs#L1-L3); \
                 it keeps 😀 state in memory and answers quickly.\nA second line with [NEEDS CLARIFICATION: question {section}.{p}?] \
                 and more words about the design.\n\n",
                p % 5,
                p + 1,
                (p + 1) % 5
            );
        }
        text.push_str(
            "- [ ] a task\n- [x] a finished task\n\n```rust\nfn example() -> u32 { 42 }\n```\n\n",
        );
        if section == 3 {
            text.push_str("### Overview\n\nx\n\n### Order of implementation\n\n1. x\n\n### Risks and mitigations\n\n- r\n\n### Open questions\n\n- q\n\n### Components\n\n");
        }
    }
    text.push_str("</implementation_plan>\n");
    text
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(workspace.path()).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    for i in 0..5 {
        std::fs::write(
            root.join(format!("src/file{i}.rs")),
            "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\n",
        )
        .unwrap();
    }
    std::fs::write(root.join("src/lib.rs"), "pub mod a;\npub mod b;\n").unwrap();

    println!("| plan | lines | keystroke → diagnostics p50 | p95 | max | hover p95 | definition p95 | diagnostics |");
    println!("|---|---|---|---|---|---|---|---|");
    let runs = [
        (Density::Typical, 200),
        (Density::Typical, 5_000),
        (Density::Typical, 50_000),
        (Density::Dense, 5_000),
        (Density::Dense, 50_000),
    ];
    for (density, lines) in runs {
        let text = generate_plan(lines, density);
        let line_count = text.lines().count();
        let state = ServerState::default();
        state.set_roots(vec![root.clone()]);
        let uri = Url::from_file_path(root.join("plan.md")).unwrap();
        state.open(uri.clone(), &text, 1);
        let snapshot = state.snapshot(&uri).unwrap();
        let initial = features::diagnostics::compute(&snapshot);

        // Type and delete a character in the middle of a paragraph, alternately.
        let all_lines: Vec<&str> = text.lines().collect();
        let target_line = (line_count / 2..line_count)
            .find(|&l| all_lines[l].starts_with("The handler"))
            .expect("a paragraph line") as u32;
        let placeholder_line = (target_line as usize..line_count)
            .find(|&l| all_lines[l].contains("[NEEDS CLARIFICATION"))
            .expect("a placeholder line") as u32;
        let placeholder_column =
            all_lines[placeholder_line as usize].find("[NEEDS").unwrap() as u32 + 3;
        let mut keystroke = Vec::with_capacity(KEYSTROKES);
        for i in 0..KEYSTROKES {
            let at = Position::new(target_line, 4);
            let change = if i % 2 == 0 {
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(at, at)),
                    range_length: None,
                    text: "x".into(),
                }
            } else {
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(at, Position::new(target_line, 5))),
                    range_length: None,
                    text: String::new(),
                }
            };
            let start = Instant::now();
            state.change(&uri, i as i32 + 2, &[change]).unwrap();
            let snapshot = state.snapshot(&uri).unwrap();
            let diagnostics = features::diagnostics::compute(&snapshot);
            keystroke.push(start.elapsed());
            assert_eq!(diagnostics.len(), initial.len());
        }

        let snapshot = state.snapshot(&uri).unwrap();
        let mut hover = Vec::new();
        let mut definition = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let h = features::hover::hover(
                &snapshot,
                Position::new(placeholder_line, placeholder_column),
                features::hover::CommandNames::default(),
            )
            .unwrap();
            hover.push(start.elapsed());
            assert!(h.is_some());
            let start = Instant::now();
            let d = features::definition::definition(&snapshot, Position::new(target_line, 20))
                .unwrap();
            definition.push(start.elapsed());
            assert!(d.is_some());
        }
        println!(
            "| {} | {line_count} | {} | {} | {} | {} | {} | {} |",
            match density {
                Density::Typical => "typical",
                Density::Dense => "dense",
            },
            micros(percentile(&mut keystroke, 0.5)),
            micros(percentile(&mut keystroke, 0.95)),
            micros(percentile(&mut keystroke, 1.0)),
            micros(percentile(&mut hover, 0.95)),
            micros(percentile(&mut definition, 0.95)),
            initial.len()
        );
    }
}
