//! References, document highlight and rename over JSON-RPC (the server in-process), across two
//! plans and a doc on disk: headings (duplicates and non-ASCII included), files and placeholders.
//! A same-named heading of another plan, a line anchor and a file outside the workspace are the
//! other side of each rule.

#[path = "support/in_process.rs"]
mod in_process;

use std::collections::BTreeMap;
use std::path::PathBuf;

use in_process::InProcess;
use serde_json::{json, Value};

const A: &str = "# Plan

## Status quo

Today: `src/lib.rs` and [the lib](../src/lib.rs).

## Setup

First.

## Setup

Second.

## État des lieux

- [see](#status-quo)
- [first](#setup) and [second](#setup-1)
- [encoded](#%C3%A9tat-des-lieux)
- [NEEDS CLARIFICATION: Which cache?]

Answering P1 decides the rest.
";

const B: &str = "# Other plan

## Status quo

- [a](a.plan.md#status-quo) and [again](./a.plan.md#Status-Quo)
- [own](#status-quo)
- [second setup](a.plan.md#setup-1)
- [a line](a.plan.md#L3)
- Reads `src/lib.rs` too.
- [NEEDS CLARIFICATION: which  cache?]
";

const C: &str = "# Notes

See [the state](../plans/a.plan.md#état-des-lieux).
";

const OUTSIDE: &str = "[out](../ws/plans/a.plan.md#status-quo)\n";

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let root = base.join("ws");
    for (path, text) in [
        ("plans/a.plan.md", A),
        ("plans/b.md", B),
        ("docs/c.md", C),
        ("src/lib.rs", "pub fn f() {}\npub struct CacheStore;\n"),
    ] {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::write(base.join("outside/x.md"), OUTSIDE).unwrap();
    (dir, root)
}

fn at(text: &str, needle: &str) -> Value {
    let start = text.find(needle).unwrap_or_else(|| panic!("{needle}"));
    let at = start + needle.chars().next().unwrap().len_utf8();
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": text[line_start..at].encode_utf16().count()})
}

async fn started() -> (tempfile::TempDir, InProcess, String) {
    let (dir, root) = workspace();
    let server = InProcess::start(&root, json!({})).await;
    server.indexed().await;
    let uri = server.uri("plans/a.plan.md");
    server.open(&uri, A).await;
    (dir, server, uri)
}

/// `file:line` of each location, relative to the workspace, sorted.
fn places(server: &InProcess, locations: &Value) -> Vec<String> {
    let mut out: Vec<String> = locations
        .as_array()
        .unwrap_or_else(|| panic!("{locations}"))
        .iter()
        .map(|l| {
            let uri = l["uri"].as_str().unwrap();
            let rel = uri
                .strip_prefix(&format!("{}/", server.uri("")))
                .unwrap_or(uri);
            format!("{rel}:{:03}", l["range"]["start"]["line"].as_u64().unwrap())
        })
        .collect();
    out.sort();
    out
}

fn line(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap_or_else(|| panic!("{needle}"))]
        .matches('\n')
        .count()
}

async fn references(server: &InProcess, uri: &str, position: Value) -> Vec<String> {
    let found = server
        .request(
            "textDocument/references",
            json!({
                "textDocument": {"uri": uri},
                "position": position,
                "context": {"includeDeclaration": true},
            }),
        )
        .await;
    places(server, &found)
}

#[tokio::test]
async fn references_to_a_heading_come_from_every_plan_that_links_to_it() {
    let (_dir, server, uri) = started().await;
    let expected = vec![
        format!("plans/a.plan.md:{:03}", line(A, "## Status quo")),
        format!("plans/a.plan.md:{:03}", line(A, "[see]")),
        format!("plans/b.md:{:03}", line(B, "[a](a.plan.md")),
        format!("plans/b.md:{:03}", line(B, "[a](a.plan.md")),
    ];
    // From the heading and from a link to it; b.md's own `#status-quo` is another heading.
    assert_eq!(
        references(&server, &uri, at(A, "Status quo")).await,
        expected
    );
    assert_eq!(
        references(&server, &uri, at(A, "#status-quo")).await,
        expected
    );
    // The second of two same-named headings is `#setup-1`, linked from both plans.
    assert_eq!(
        references(&server, &uri, at(A, "#setup-1")).await,
        [
            format!("plans/a.plan.md:{:03}", line(A, "Second.") - 2),
            format!("plans/a.plan.md:{:03}", line(A, "[first]")),
            format!("plans/b.md:{:03}", line(B, "[second setup]")),
        ]
    );
    // Non-ASCII: the encoded link and the other folder's link.
    assert_eq!(
        references(&server, &uri, at(A, "État")).await,
        [
            format!("docs/c.md:{:03}", line(C, "See")),
            format!("plans/a.plan.md:{:03}", line(A, "## État")),
            format!("plans/a.plan.md:{:03}", line(A, "[encoded]")),
        ]
    );
}

#[tokio::test]
async fn references_to_a_file_and_to_a_placeholder() {
    let (_dir, server, uri) = started().await;
    assert_eq!(
        references(&server, &uri, at(A, "src/lib.rs")).await,
        [
            format!("plans/a.plan.md:{:03}", line(A, "Today")),
            format!("plans/a.plan.md:{:03}", line(A, "Today")),
            format!("plans/b.md:{:03}", line(B, "Reads")),
            "src/lib.rs:000".to_string(),
        ]
    );
    let expected = [
        format!("plans/a.plan.md:{:03}", line(A, "[NEEDS")),
        format!("plans/a.plan.md:{:03}", line(A, "Answering P1")),
        format!("plans/b.md:{:03}", line(B, "[NEEDS")),
    ];
    assert_eq!(references(&server, &uri, at(A, "NEEDS")).await, expected);
    assert_eq!(
        references(&server, &uri, at(A, "P1 decides")).await,
        expected
    );
    // Plain prose names nothing.
    let none = server
        .request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": at(A, "Today"),
                   "context": {"includeDeclaration": true}}),
        )
        .await;
    assert_eq!(none, Value::Null);
}

#[tokio::test]
async fn highlights_stay_in_the_plan() {
    let (_dir, server, uri) = started().await;
    let highlights = server
        .request(
            "textDocument/documentHighlight",
            json!({"textDocument": {"uri": uri}, "position": at(A, "#status-quo")}),
        )
        .await;
    let found: Vec<(u64, u64)> = highlights
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["range"]["start"]["line"].as_u64().unwrap(),
                h["kind"].as_u64().unwrap(),
            )
        })
        .collect();
    // The heading is written (3), the link read (2).
    assert_eq!(
        found,
        [
            (line(A, "## Status quo") as u64, 3),
            (line(A, "[see]") as u64, 2)
        ]
    );
    let placeholder = server
        .request(
            "textDocument/documentHighlight",
            json!({"textDocument": {"uri": uri}, "position": at(A, "P1 decides")}),
        )
        .await;
    assert_eq!(placeholder.as_array().unwrap().len(), 2, "{placeholder}");
}

/// Applies LSP edits (UTF-16 positions) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |pos: &Value| {
        let line = pos["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = pos["character"].as_u64().unwrap() as usize;
        let mut byte = start;
        for c in text[start..].chars() {
            if units == 0 {
                break;
            }
            units -= c.len_utf16();
            byte += c.len_utf8();
        }
        byte
    };
    let mut sorted: Vec<&Value> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for edit in sorted {
        let (start, end) = (
            offset(&edit["range"]["start"]),
            offset(&edit["range"]["end"]),
        );
        out.replace_range(start..end, edit["newText"].as_str().unwrap());
    }
    out
}

/// The edited text of each file the edit touches, by relative path, with its version.
async fn renamed(
    server: &InProcess,
    uri: &str,
    position: Value,
    name: &str,
) -> BTreeMap<String, (Value, String)> {
    let edit = server
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": position, "newName": name}),
        )
        .await;
    let mut out = BTreeMap::new();
    for change in edit["documentChanges"]
        .as_array()
        .unwrap_or_else(|| panic!("{edit}"))
    {
        let file_uri = change["textDocument"]["uri"].as_str().unwrap();
        let rel = file_uri
            .strip_prefix(&format!("{}/", server.uri("")))
            .unwrap_or_else(|| panic!("outside the workspace: {file_uri}"))
            .to_string();
        let original = match rel.as_str() {
            "plans/a.plan.md" => A,
            "plans/b.md" => B,
            "docs/c.md" => C,
            other => panic!("unexpected file {other}"),
        };
        let text = apply(original, change["edits"].as_array().unwrap());
        out.insert(rel, (change["textDocument"]["version"].clone(), text));
    }
    out
}

#[tokio::test]
async fn renaming_a_heading_updates_every_link_as_one_edit() {
    let (_dir, server, uri) = started().await;
    let prepared = server
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": uri}, "position": at(A, "Status quo")}),
        )
        .await;
    assert_eq!(prepared["placeholder"], "Status quo");
    assert_eq!(prepared["range"]["start"]["character"], 3);
    assert_eq!(prepared["range"]["end"]["character"], 13);
    let files = renamed(&server, &uri, at(A, "Status quo"), "Current state").await;
    assert_eq!(files.len(), 2, "{files:?}");
    let (version, a) = &files["plans/a.plan.md"];
    assert_eq!(*version, json!(1), "the open plan's version");
    assert_eq!(
        *a,
        A.replace("## Status quo", "## Current state")
            .replace("(#status-quo)", "(#current-state)")
    );
    let (version, b) = &files["plans/b.md"];
    assert_eq!(*version, Value::Null, "a file on disk has no version");
    assert_eq!(
        *b,
        B.replace("a.plan.md#status-quo", "a.plan.md#current-state")
            .replace("a.plan.md#Status-Quo", "a.plan.md#current-state"),
        "b's own #status-quo and the line anchor stay"
    );
    // Plain prose cannot be renamed.
    let none = server
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": uri}, "position": at(A, "Today")}),
        )
        .await;
    assert_eq!(none, Value::Null);
}

#[tokio::test]
async fn renaming_one_of_two_same_headings_keeps_the_other_s_links() {
    let (_dir, server, uri) = started().await;
    // From a link: the first `Setup` becomes `Install`, so the second one's anchor is `setup`.
    let files = renamed(&server, &uri, at(A, "#setup)"), "Install").await;
    let (_, a) = &files["plans/a.plan.md"];
    assert_eq!(
        *a,
        A.replacen("## Setup", "## Install", 1)
            .replace("(#setup)", "(#install)")
            .replace("(#setup-1)", "(#setup)")
    );
    let (_, b) = &files["plans/b.md"];
    assert_eq!(*b, B.replace("a.plan.md#setup-1", "a.plan.md#setup"));
}

#[tokio::test]
async fn renaming_a_non_ascii_heading_rewrites_encoded_and_plain_fragments() {
    let (_dir, server, uri) = started().await;
    let files = renamed(&server, &uri, at(A, "État"), "Überblick").await;
    let (_, a) = &files["plans/a.plan.md"];
    assert_eq!(
        *a,
        A.replace("## État des lieux", "## Überblick")
            .replace("(#%C3%A9tat-des-lieux)", "(#überblick)")
    );
    let (_, c) = &files["docs/c.md"];
    assert_eq!(*c, C.replace("#état-des-lieux", "#überblick"));
    assert!(!files.contains_key("plans/b.md"));
    let refused = server
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": at(A, "État"), "newName": "  "}),
        )
        .await;
    assert!(refused["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("one line")));
}

#[tokio::test]
async fn workspace_symbols_cover_code_as_well_as_plans() {
    let (_dir, server, _uri) = started().await;
    let found = server
        .request("workspace/symbol", json!({"query": "cacheSt"}))
        .await;
    let code: Vec<&Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["containerName"] == "src/lib.rs")
        .collect();
    assert_eq!(code.len(), 1, "{found}");
    assert_eq!(code[0]["name"], "CacheStore");
    assert_eq!(code[0]["kind"], 23, "a struct");
    assert_eq!(code[0]["location"]["uri"], server.uri("src/lib.rs"));
    assert_eq!(
        code[0]["location"]["range"]["start"],
        json!({"line": 1, "character": 11})
    );
    // Plans still answer; an empty query lists no code (it would be every definition).
    let sections = server
        .request("workspace/symbol", json!({"query": "Status quo"}))
        .await;
    assert!(sections
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "Status quo"));
    let everything = server
        .request("workspace/symbol", json!({"query": ""}))
        .await;
    assert!(everything
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["containerName"] != "src/lib.rs"));
}
