//! End to end over JSON-RPC: the release `plan-lsp` binary is spawned, a plan opened, and for each
//! keystroke the time from writing `textDocument/didChange` to reading the
//! `textDocument/publishDiagnostics` of that version is measured; what an editor waits for. Then
//! the time from a `textDocument/documentSymbol` request to its parsed answer, and how long the
//! first look took: `didOpen` to the first `publishDiagnostics`.
//!
//! `cargo bench --bench roundtrip`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Keystrokes timed per plan; fewer on the giant plans, where each one is the point.
const KEYSTROKES: usize = 300;
const KEYSTROKES_GIANT: usize = 60;
/// documentSymbol requests timed per plan, after the keystrokes; fewer on the giant plans.
const OUTLINE_REQUESTS: usize = 40;
const OUTLINE_REQUESTS_GIANT: usize = 5;

fn send(stdin: &mut impl Write, message: &Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
    stdin.flush().unwrap();
}

fn read(reader: &mut impl BufRead) -> Value {
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// A plan of about `lines` lines: a placeholder every ~30 lines, a file reference every ~6.
fn generate_plan(lines: usize) -> String {
    let mut text = String::from(
        "# Plan\n\n## Status quo\n\nx\n\n## Best Practices\n\nx\n\n## Proposed Implementation\n\n",
    );
    let mut section = 0;
    while text.lines().count() < lines {
        section += 1;
        text.push_str(&format!("### Component {section}\n\n"));
        for p in 0..6 {
            text.push_str(&format!(
                "The handler in `src/file{}.rs:{}` keeps state in memory and answers quickly,\nso the cache stays small.\n\nAnother paragraph explains the trade-offs in plain words.\n\n",
                p % 3,
                p + 1
            ));
        }
        text.push_str(&format!(
            "One open point: [NEEDS CLARIFICATION: question {section}?]\n\n"
        ));
    }
    text
}

/// One bulleted list of about `lines` lines, no blank line: what real plans mostly are. A
/// placeholder every ~30 items and a file reference every ~6.
fn generate_single_list(lines: usize) -> String {
    let mut text = String::from("## Steps\n");
    for i in 1..lines {
        if i % 30 == 0 {
            text.push_str(&format!(
                "- One open point: [NEEDS CLARIFICATION: question {i}?]\n"
            ));
        } else if i % 6 == 0 {
            text.push_str(&format!(
                "- Update the handler in `src/file{}.rs:{}` so the cache stays small\n",
                i % 3,
                i % 9 + 1
            ));
        } else {
            text.push_str(&format!(
                "- Step {i}: keep state in memory and answer quickly\n"
            ));
        }
    }
    text
}

/// `count` placeholders, ten to a paragraph.
fn generate_placeholders(count: usize) -> String {
    let mut text = String::from("# Plan\n\n## Open questions\n\n");
    for i in 0..count {
        text.push_str(&format!(
            "One open point: [NEEDS CLARIFICATION: question {i}?]\n"
        ));
        if i % 10 == 9 {
            text.push('\n');
        }
    }
    text
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    for i in 0..3 {
        std::fs::write(
            root.join(format!("src/file{i}.rs")),
            "fn a() {}\n".repeat(10),
        )
        .unwrap();
    }
    let plans = [
        ("generated", generate_plan(200), KEYSTROKES),
        ("generated", generate_plan(5_000), KEYSTROKES),
        ("generated", generate_plan(50_000), KEYSTROKES),
        ("one bulleted list", generate_single_list(5_000), KEYSTROKES),
        (
            "100,000 placeholders",
            generate_placeholders(100_000),
            KEYSTROKES_GIANT,
        ),
    ];
    println!("| plan | lines | didChange → publishDiagnostics p50 | p95 | max |");
    println!("|---|---|---|---|---|");
    let mut outlines = Vec::new();
    for (name, text, keystrokes) in plans {
        let mut child = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let root_uri = format!("file://{}", root.display());
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"rootUri": root_uri, "capabilities": {}}}),
        );
        while read(&mut stdout).get("id") != Some(&json!(1)) {}
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        );
        let line_count = text.lines().count();
        let uri = format!("{root_uri}/plan.md");
        let opened = Instant::now();
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}}),
        );
        let wait_for = |stdout: &mut BufReader<_>, version: i64| loop {
            let message = read(stdout);
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["version"] == version
            {
                return;
            }
        };
        wait_for(&mut stdout, 1);
        let first_look = opened.elapsed();
        // Type before a placeholder, so its diagnostic moves and is published again each time.
        let target = text
            .lines()
            .enumerate()
            .skip(line_count / 2)
            .find(|(_, l)| l.contains("One open point"))
            .unwrap()
            .0;
        let mut samples = Vec::with_capacity(keystrokes);
        for i in 0..keystrokes {
            let version = i as i64 + 2;
            let change = if i % 2 == 0 {
                json!({"range": {"start": {"line": target, "character": 3}, "end": {"line": target, "character": 3}}, "text": "x"})
            } else {
                json!({"range": {"start": {"line": target, "character": 3}, "end": {"line": target, "character": 4}}, "text": ""})
            };
            let start = Instant::now();
            send(
                &mut stdin,
                &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}),
            );
            wait_for(&mut stdout, version);
            samples.push(start.elapsed());
        }
        samples.sort();
        let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
        println!(
            "| {name} | {line_count} | {} | {} | {} |",
            ms(at(0.5)),
            ms(at(0.95)),
            ms(at(1.0))
        );
        // The outline of the last version, as an editor asks for it: request to parsed answer.
        let requests = if keystrokes < KEYSTROKES {
            OUTLINE_REQUESTS_GIANT
        } else {
            OUTLINE_REQUESTS
        };
        let mut outline = Vec::with_capacity(requests);
        for i in 0..requests {
            let id = 1000 + i as i64;
            let start = Instant::now();
            send(
                &mut stdin,
                &json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": uri}}}),
            );
            while read(&mut stdout).get("id") != Some(&json!(id)) {}
            outline.push(start.elapsed());
        }
        // The first request of a version builds the outline; the others reuse it.
        let first = outline[0];
        outline.sort();
        outlines.push(format!(
            "| {name} | {line_count} | {} | {} | {} | {} |",
            ms(first_look),
            ms(first),
            ms(outline[outline.len() / 2]),
            ms(outline[outline.len() * 95 / 100])
        ));
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        );
        send(&mut stdin, &json!({"jsonrpc": "2.0", "method": "exit"}));
        let _ = child.wait();
    }
    println!();
    println!("| plan | lines | didOpen → first diagnostics | documentSymbol first | p50 | p95 |");
    println!("|---|---|---|---|---|---|");
    for row in outlines {
        println!("{row}");
    }
}
