//! What each feature answers on the fixture workspace, as reviewed snapshots (`tests/snapshots/`):
//! hover, definition, diagnostics, outline, code actions and completion, with the server running
//! in-process. A change in an answer shows as a diff to review, not as a silent drift.

#[path = "support/in_process.rs"]
mod in_process;

use std::path::{Path, PathBuf};

use in_process::InProcess;
use serde_json::{json, Value};

const PLAN: &str = "---
template: implementation-plan
---
# Plan: cache documents

## Status quo

Edits go through `Document::apply_change` in `src/document/mod.rs:8`; plans are parsed by
`parse_plan()`. The store is `web/src/cache.ts:6-8`, and `src/missing.rs:3` does not exist.
`src/lib.rs:40` is past the end.

## Proposed Implementation

### Overview

[PLACEHOLDER: Summarise the approach.]

### Open questions

- [NEEDS CLARIFICATION: Which eviction policy?]
";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The fixture workspace (with the plan) in a temporary folder, and its canonical root.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workspace/basic"),
        dir.path(),
    );
    std::fs::write(dir.path().join("plans/cache.plan.md"), PLAN).unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    (dir, root)
}

/// The position just inside the first occurrence of `needle` in the plan.
fn at(needle: &str) -> Value {
    let at = PLAN.find(needle).unwrap_or_else(|| panic!("{needle}")) + 1;
    let line = PLAN[..at].matches('\n').count();
    let character = at - PLAN[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

/// A running server with the plan open, the index complete and the first diagnostics in.
async fn started() -> (tempfile::TempDir, InProcess, String) {
    let (dir, root) = workspace();
    let server = InProcess::start(&root, json!({})).await;
    server.indexed().await;
    let uri = server.uri("plans/cache.plan.md");
    server.open(&uri, PLAN).await;
    (dir, server, uri)
}

async fn diagnostics(server: &InProcess, uri: &str) -> Value {
    server.diagnostics(uri, 1).await["diagnostics"].clone()
}

#[tokio::test]
async fn hover_on_a_file_a_symbol_and_a_placeholder() {
    let (_dir, server, uri) = started().await;
    let mut answers = serde_json::Map::new();
    for needle in [
        "src/document/mod.rs:8",
        "web/src/cache.ts:6-8",
        "Document::apply_change",
        "PLACEHOLDER",
    ] {
        let hover = server
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": at(needle)}),
            )
            .await;
        answers.insert(needle.to_string(), hover);
    }
    insta::assert_snapshot!(server.portable(&Value::Object(answers)));
}

#[tokio::test]
async fn definition_of_symbols_and_files() {
    let (_dir, server, uri) = started().await;
    let mut answers = serde_json::Map::new();
    for needle in [
        "Document::apply_change",
        "parse_plan()",
        "src/document/mod.rs:8",
    ] {
        let found = server
            .request(
                "textDocument/definition",
                json!({"textDocument": {"uri": uri}, "position": at(needle)}),
            )
            .await;
        answers.insert(needle.to_string(), found);
    }
    insta::assert_snapshot!(server.portable(&Value::Object(answers)));
}

#[tokio::test]
async fn diagnostics_of_the_plan() {
    let (_dir, server, uri) = started().await;
    let found = diagnostics(&server, &uri).await;
    insta::assert_snapshot!(server.portable(&found));
}

#[tokio::test]
async fn outline_of_the_plan() {
    let (_dir, server, uri) = started().await;
    let outline = server
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    insta::assert_snapshot!(server.portable(&outline));
}

#[tokio::test]
async fn code_actions_on_a_placeholder_and_a_missing_file() {
    let (_dir, server, uri) = started().await;
    let found = diagnostics(&server, &uri).await;
    let mut answers = serde_json::Map::new();
    for needle in ["Which eviction policy", "src/lib.rs:40"] {
        let position = at(needle);
        let actions = server
            .request(
                "textDocument/codeAction",
                json!({
                    "textDocument": {"uri": uri},
                    "range": {"start": position, "end": position},
                    "context": {"diagnostics": found},
                }),
            )
            .await;
        answers.insert(needle.to_string(), actions);
    }
    insta::assert_snapshot!(server.portable(&Value::Object(answers)));
}

#[tokio::test]
async fn completion_of_paths_and_headings() {
    let (_dir, server, uri) = started().await;
    let typed = format!("{PLAN}\nSee `src/do");
    server.replace_text(&uri, 2, &typed).await;
    let line = typed.matches('\n').count();
    let character = typed.len() - typed.rfind('\n').unwrap() - 1;
    let items = server
        .request(
            "textDocument/completion",
            json!({
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
            }),
        )
        .await;
    let items = items
        .as_array()
        .or_else(|| items["items"].as_array())
        .cloned();
    let labels: Vec<Value> = items
        .unwrap_or_default()
        .into_iter()
        .map(|i| json!({"label": i["label"], "kind": i["kind"], "detail": i["detail"]}))
        .collect();
    insta::assert_snapshot!(server.portable(&Value::Array(labels)));
}

#[tokio::test]
async fn selection_ranges_in_a_list_item_and_a_heading() {
    let (_dir, server, uri) = started().await;
    let ranges = server
        .request(
            "textDocument/selectionRange",
            json!({
                "textDocument": {"uri": uri},
                "positions": [at("eviction policy"), at("verview")],
            }),
        )
        .await;
    insta::assert_snapshot!(server.portable(&ranges));
}
