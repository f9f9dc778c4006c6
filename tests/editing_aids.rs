//! Expand selection, semantic tokens for placeholders and the quick fix of a broken heading
//! fragment, over JSON-RPC (the server in-process, UTF-16 positions): nested list items,
//! non-ASCII text before the cursor or a placeholder, placeholders across lines.

#[path = "support/in_process.rs"]
mod in_process;

use std::path::PathBuf;

use in_process::InProcess;
use serde_json::{json, Value};

const PLAN: &str = "# Plan

## Status quo

Le cache « froid » dure 🚀 longtemps, see `src/lib.rs`.

## Steps

- Load the index
  - Read the files in *parallel* order
  - Merge them
- Ship it

### Open questions

- [NEEDS CLARIFICATION: which cache?]
";

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn a() {}\n").unwrap();
    (dir, root)
}

async fn started(text: &str) -> (tempfile::TempDir, InProcess, String) {
    let (dir, root) = workspace();
    let server = InProcess::start(&root, json!({})).await;
    let uri = server.uri("plans/a.plan.md");
    std::fs::write(root.join("plans/a.plan.md"), text).unwrap();
    server.open(&uri, text).await;
    (dir, server, uri)
}

/// The UTF-16 position just inside the first occurrence of `needle` in `text`.
fn at(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + 1;
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": text[line_start..at].encode_utf16().count()})
}

/// The byte offset of a UTF-16 LSP position in `text`, counted here independently of the server.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let mut units = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut at = line_start;
    for c in text[line_start..].chars() {
        if units == 0 {
            break;
        }
        units -= c.len_utf16();
        at += c.len_utf8();
    }
    assert_eq!(units, 0, "{position} splits a character");
    at
}

/// The texts a selection range chain selects, innermost first.
fn chain_texts<'a>(text: &'a str, mut range: &Value) -> Vec<&'a str> {
    let mut out = Vec::new();
    loop {
        out.push(
            &text[offset(text, &range["range"]["start"])..offset(text, &range["range"]["end"])],
        );
        match range.get("parent") {
            Some(parent) if !parent.is_null() => range = parent,
            _ => return out,
        }
    }
}

async fn selection(server: &InProcess, uri: &str, positions: Vec<Value>) -> Value {
    server
        .request(
            "textDocument/selectionRange",
            json!({"textDocument": {"uri": uri}, "positions": positions}),
        )
        .await
}

#[tokio::test]
async fn selection_widens_from_the_word_to_the_nested_items_sections_and_document() {
    let (_dir, server, uri) = started(PLAN).await;
    let found = selection(
        &server,
        &uri,
        vec![at(PLAN, "arallel"), at(PLAN, "longtemps")],
    )
    .await;
    let steps = &PLAN[PLAN.find("## Steps").unwrap()..PLAN.find("\n\n### Open").unwrap()];
    let steps_and_questions = PLAN[PLAN.find("## Steps").unwrap()..].trim_end();
    assert_eq!(
        chain_texts(PLAN, &found[0]),
        [
            "parallel",
            "*parallel*",
            "Read the files in *parallel* order",
            "- Read the files in *parallel* order",
            "- Read the files in *parallel* order\n  - Merge them",
            "- Load the index\n  - Read the files in *parallel* order\n  - Merge them",
            "- Load the index\n  - Read the files in *parallel* order\n  - Merge them\n- Ship it",
            steps_and_questions,
            PLAN.trim_end(),
            PLAN,
        ],
        "{found}"
    );
    // The sub-section's own body does not end the section: `## Steps` holds `### Open questions`.
    assert!(steps_and_questions.len() > steps.len());
    // After non-ASCII text on the line (a guillemet, an emoji: two UTF-16 units).
    let status =
        PLAN[PLAN.find("## Status").unwrap()..PLAN.find("\n\n## Steps").unwrap()].trim_end();
    assert_eq!(
        chain_texts(PLAN, &found[1]),
        [
            "longtemps",
            "Le cache « froid » dure 🚀 longtemps, see `src/lib.rs`.",
            status,
            PLAN.trim_end(),
            PLAN,
        ],
        "{found}"
    );
}

#[tokio::test]
async fn selection_on_a_placeholder_and_a_heading_and_outside_the_document() {
    let (_dir, server, uri) = started(PLAN).await;
    let found = selection(
        &server,
        &uri,
        vec![at(PLAN, "hich cache"), at(PLAN, "uestions")],
    )
    .await;
    let placeholder = chain_texts(PLAN, &found[0]);
    // The bracketed text is a shortcut link to tree-sitter: its text is a step of its own.
    assert_eq!(
        placeholder[..3],
        [
            "which",
            "NEEDS CLARIFICATION: which cache?",
            "[NEEDS CLARIFICATION: which cache?]"
        ]
    );
    assert!(placeholder.contains(&"- [NEEDS CLARIFICATION: which cache?]"));
    assert_eq!(
        chain_texts(PLAN, &found[1])[..3],
        ["questions", "Open questions", "### Open questions"]
    );
    // Every range holds the one before it.
    for chain in found.as_array().unwrap() {
        let texts = chain_texts(PLAN, chain);
        for pair in texts.windows(2) {
            assert!(pair[1].contains(pair[0]), "{pair:?}");
        }
    }
    let out = selection(&server, &uri, vec![json!({"line": 99, "character": 0})]).await;
    assert!(out.get("error").is_some(), "{out}");
}

const PLACEHOLDERS: &str = "# Plan

## Status quo

Le « cache » 🚀 [NEEDS CLARIFICATION: which one?] and TBD.
{{owner}} then [TODO] x, `[TODO]` in code is none.

## Template

Owner: <<first
second>> ok
";

/// A server whose placeholders include a custom syntax that may span lines.
async fn started_with_custom_syntax() -> (tempfile::TempDir, InProcess, String) {
    let (dir, root) = workspace();
    let options = json!({"placeholders": {"patterns": ["<<(?P<question>[^>]+)>>"]}});
    let server = InProcess::start(&root, options).await;
    let uri = server.uri("plans/a.plan.md");
    server.open(&uri, PLACEHOLDERS).await;
    (dir, server, uri)
}

/// Decodes relative tokens into the texts they cover (UTF-16 columns counted here).
fn token_texts<'a>(text: &'a str, data: &Value) -> Vec<&'a str> {
    let data: Vec<u64> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let (mut line, mut start) = (0, 0);
    data.chunks(5)
        .map(|t| {
            line += t[0];
            start = if t[0] == 0 { start + t[1] } else { t[1] };
            let from = offset(text, &json!({"line": line, "character": start}));
            let to = offset(text, &json!({"line": line, "character": start + t[2]}));
            assert_eq!(
                (t[3], t[4]),
                (0, 1),
                "keyword with the placeholder modifier"
            );
            &text[from..to]
        })
        .collect()
}

#[tokio::test]
async fn semantic_tokens_cover_every_placeholder_in_utf16_relative_encoding() {
    let (_dir, server, uri) = started_with_custom_syntax().await;
    let legend = &server.initialized["capabilities"]["semanticTokensProvider"]["legend"];
    assert_eq!(legend["tokenTypes"], json!(["keyword"]));
    assert_eq!(legend["tokenModifiers"], json!(["planPlaceholder"]));
    let full = server
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    // Line 4 starts with 16 UTF-16 units before the placeholder (« and » are one each, the
    // emoji two; 21 bytes); TBD is 38 units further; the next line restarts its columns; the
    // two-line placeholder is cut at the line break.
    #[rustfmt::skip]
    assert_eq!(
        full["data"],
        json!([
            4, 16, 33, 0, 1,
            0, 38, 3, 0, 1,
            1, 0, 9, 0, 1,
            0, 15, 6, 0, 1,
            4, 7, 7, 0, 1,
            1, 0, 8, 0, 1,
        ]),
        "{full}"
    );
    assert_eq!(
        token_texts(PLACEHOLDERS, &full["data"]),
        [
            "[NEEDS CLARIFICATION: which one?]",
            "TBD",
            "{{owner}}",
            "[TODO]",
            "<<first",
            "second>>"
        ]
    );
    // A range gets the placeholders that overlap it, still relative to the document's start.
    let range = server
        .request(
            "textDocument/semanticTokens/range",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 5, "character": 3}, "end": {"line": 10, "character": 2}},
            }),
        )
        .await;
    assert_eq!(
        token_texts(PLACEHOLDERS, &range["data"]),
        ["{{owner}}", "[TODO]", "<<first", "second>>"]
    );
    // Typing before a placeholder moves its token.
    server.insert_at(&uri, 2, 4, 0, "é").await;
    let moved = server
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(moved["data"][1], 17, "{moved}");
}

#[tokio::test]
async fn semantic_tokens_are_exactly_the_placeholder_diagnostics_of_a_template() {
    // An unfilled template: its slots, and then its other bracketed phrases, are placeholders.
    let text = "# Feature: [FEATURE]\n\n**Date**: [DATE] · **Lang**: [e.g., Python 3.11 or NEEDS CLARIFICATION]\n\n## Summary\n\nSee the [current need] and {{owner}}, TBD.\n";
    let (_dir, server, uri) = started(text).await;
    let published = server
        .notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
        .await;
    let mut diagnosed: Vec<(Value, Value)> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "placeholder")
        .map(|d| (d["range"]["start"].clone(), d["range"]["end"].clone()))
        .collect();
    diagnosed.sort_by_key(|(s, _)| (s["line"].as_u64(), s["character"].as_u64()));
    let full = server
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let data: Vec<u64> = full["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let (mut line, mut start) = (0, 0);
    let tokens: Vec<(Value, Value)> = data
        .chunks(5)
        .map(|t| {
            line += t[0];
            start = if t[0] == 0 { start + t[1] } else { t[1] };
            (
                json!({"line": line, "character": start}),
                json!({"line": line, "character": start + t[2]}),
            )
        })
        .collect();
    assert_eq!(diagnosed.len(), 6, "{published}");
    assert_eq!(tokens, diagnosed);
}

const LINKS: &str = "# Plan

## Status quo

## Status

## État des lieux

## Rollout

- « voir » [typo](#statsu-quo) and [accent](#état-des-lieu)
- [short](#rolout) and [far](#zzzzzzzz)
";

/// `text` with the edits of a `documentChanges` workspace edit for `uri` applied.
fn apply(text: &str, uri: &str, edit: &Value) -> String {
    let change = &edit["documentChanges"][0];
    assert_eq!(change["textDocument"]["uri"], uri);
    let mut out = text.to_string();
    let mut edits: Vec<&Value> = change["edits"].as_array().unwrap().iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(offset(text, &e["range"]["start"])));
    for e in edits {
        let from = offset(text, &e["range"]["start"]);
        let to = offset(text, &e["range"]["end"]);
        out.replace_range(from..to, e["newText"].as_str().unwrap());
    }
    out
}

async fn broken_links(server: &InProcess, uri: &str, version: i64) -> Vec<Value> {
    server
        .notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["version"] == version
        })
        .await["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "broken-link")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_broken_fragment_is_fixed_to_the_nearest_anchors() {
    let (_dir, server, uri) = started(LINKS).await;
    let broken = broken_links(&server, &uri, 1).await;
    assert_eq!(broken.len(), 4, "{broken:?}");
    let mut fixes = Vec::new();
    for diagnostic in &broken {
        let actions = server
            .request(
                "textDocument/codeAction",
                json!({
                    "textDocument": {"uri": uri},
                    "range": diagnostic["range"],
                    "context": {"diagnostics": [diagnostic]},
                }),
            )
            .await;
        let actions: Vec<&Value> = actions
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["title"].as_str().unwrap().starts_with("Link to #"))
            .collect();
        for action in &actions {
            assert_eq!(action["kind"], "quickfix");
            assert_eq!(action["diagnostics"], json!([diagnostic]));
        }
        fixes.push(actions.into_iter().cloned().collect::<Vec<Value>>());
    }
    let titles = |i: usize| -> Vec<&str> {
        fixes[i]
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect()
    };
    // One close anchor: preferred. Several: nearest first, none preferred. None: no fix.
    assert_eq!(titles(0), ["Link to #status-quo", "Link to #status"]);
    assert!(fixes[0].iter().all(|a| a.get("isPreferred").is_none()));
    assert_eq!(titles(1), ["Link to #état-des-lieux"]);
    assert_eq!(fixes[1][0]["isPreferred"], true);
    assert_eq!(titles(2), ["Link to #rollout"]);
    assert!(titles(3).is_empty());
    // Applying the fixes (after non-ASCII text on the line) heals the links.
    let mut fixed = LINKS.to_string();
    for i in [1, 0, 2] {
        fixed = apply(&fixed, &uri, &fixes[i][0]["edit"]);
    }
    assert_eq!(
        fixed.lines().nth(10).unwrap(),
        "- « voir » [typo](#status-quo) and [accent](#état-des-lieux)"
    );
    assert_eq!(
        fixed.lines().nth(11).unwrap(),
        "- [short](#rollout) and [far](#zzzzzzzz)"
    );
    server.replace_text(&uri, 2, &fixed).await;
    let left = broken_links(&server, &uri, 2).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["data"]["fragment"], "zzzzzzzz");
}

#[tokio::test]
async fn the_outline_kept_for_a_version_follows_every_edit() {
    let (_dir, server, uri) = started(PLAN).await;
    let outline = || server.on_document("textDocument/documentSymbol", &uri);
    let first = outline().await;
    assert_eq!(first, outline().await);
    let steps = &first[0]["children"][1];
    assert_eq!(steps["name"], "Steps");
    assert_eq!(steps["detail"], "1 open");
    // A new heading and a second placeholder: the next answer is of the new version.
    server
        .insert_at(&uri, 2, 13, 0, "#### Later\n\nTBD\n\n")
        .await;
    let second = outline().await;
    let steps = &second[0]["children"][1];
    assert_eq!(steps["detail"], "2 open", "{second}");
    let later = &steps["children"][0];
    assert_eq!(later["name"], "Later");
    assert_eq!(later["range"]["start"]["line"], 13);
    assert_eq!(later["children"][0]["name"], "P1");
    let questions = &steps["children"][1];
    assert_eq!(questions["name"], "Open questions");
    assert_eq!(questions["children"][0]["name"], "P2: which cache?");
}

#[tokio::test]
async fn new_placeholder_settings_make_the_client_ask_for_tokens_again() {
    let (_dir, server, uri) = started(PLACEHOLDERS).await;
    let tokens = || server.on_document("textDocument/semanticTokens/full", &uri);
    let before = tokens().await;
    assert!(!token_texts(PLACEHOLDERS, &before["data"]).contains(&"<<first"));
    server
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"planLsp": {"placeholders": {"patterns": ["<<(?P<question>[^>]+)>>"]}}}}),
        )
        .await;
    server
        .notification("workspace/semanticTokens/refresh", |_| true)
        .await;
    assert_eq!(
        token_texts(PLACEHOLDERS, &tokens().await["data"])[4..],
        ["<<first", "second>>"]
    );
}
