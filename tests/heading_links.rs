//! Headings as link targets over JSON-RPC (the server in-process): definition, hover, document
//! links, completion and `broken-link`, each rule from both sides: a fragment that matches and
//! one that does not, a `#L10` line anchor that is not a heading, duplicate headings, non-ASCII
//! headings, links into another plan, reference-style links, and places that are not links.

#[path = "support/in_process.rs"]
mod in_process;

use std::path::PathBuf;

use in_process::InProcess;
use serde_json::{json, Value};

const PLAN: &str = "# Plan: heading links

## Status quo

Today the cache is cold.
It warms slowly.

## Setup

First setup.

## Setup

Second setup.

## État des lieux

Rien.

## Links

- [see](#status-quo) and [again](#Status-Quo)
- [second setup](#setup-1)
- [next](notes.md#next-steps) and [cold](notes.md#nope)
- [by reference][sq]
- [accent](#état-des-lieux) and [encoded](#%C3%A9tat-des-lieux)
- [nowhere](#nowhere)
- [a line](../src/lib.rs#L1) and [a line in notes](notes.md#L2)
- [code fragment](../src/lib.rs#intro) and [gone](missing.md#intro)
- [html anchor](notes.md#custom-anchor)
- `notes.md#not-a-link` and notes.md#prose-is-not-a-link

[sq]: #status-quo
[bad]: notes.md#no-such-heading
";

const NOTES: &str = "# Notes

## Next steps

Ship it.
Then measure.

<a id=\"custom-anchor\"></a>
";

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("plans/a.plan.md"), PLAN).unwrap();
    std::fs::write(root.join("plans/notes.md"), NOTES).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn intro() {}\n").unwrap();
    (dir, root)
}

/// The position just inside the `nth` occurrence of `needle` in `text`.
fn at_nth(text: &str, needle: &str, nth: usize) -> Value {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle}"))
        .0;
    let at = start + 1;
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let character = text[line_start..at].encode_utf16().count();
    json!({"line": line, "character": character})
}

fn at(needle: &str) -> Value {
    at_nth(PLAN, needle, 0)
}

/// The 0-based line of the first line starting with `prefix` in `text`.
fn line_of(text: &str, prefix: &str) -> u64 {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("{prefix}")) as u64
}

async fn started() -> (tempfile::TempDir, InProcess, String) {
    let (dir, root) = workspace();
    let server = InProcess::start(&root, json!({})).await;
    server.indexed().await;
    let uri = server.uri("plans/a.plan.md");
    server.open(&uri, PLAN).await;
    (dir, server, uri)
}

async fn definition(server: &InProcess, uri: &str, position: Value) -> Value {
    server
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await
}

#[tokio::test]
async fn definition_goes_to_the_heading_the_fragment_names() {
    let (_dir, server, uri) = started().await;
    let notes = server.uri("plans/notes.md");
    let cases = [
        (at("#status-quo"), &uri, line_of(PLAN, "## Status quo")),
        (at("#Status-Quo"), &uri, line_of(PLAN, "## Status quo")),
        (at("[by reference]"), &uri, line_of(PLAN, "## Status quo")),
        (at("#status-quo\n"), &uri, line_of(PLAN, "## Status quo")),
        // The second of two headings with the same title is `-1`.
        (at("#setup-1"), &uri, line_of(PLAN, "Second setup") - 2),
        (at("#état"), &uri, line_of(PLAN, "## État")),
        (at("#%C3%A9tat"), &uri, line_of(PLAN, "## État")),
        (at("notes.md#next"), &notes, line_of(NOTES, "## Next steps")),
    ];
    for (position, expected_uri, line) in cases {
        let found = definition(&server, &uri, position.clone()).await;
        assert_eq!(found["uri"], **expected_uri, "{position} → {found}");
        assert_eq!(
            found["range"]["start"]["line"], line,
            "{position} → {found}"
        );
    }
    // A fragment that names no heading goes nowhere; a line anchor is the file's line.
    assert_eq!(definition(&server, &uri, at("#nowhere")).await, Value::Null);
    let line = definition(&server, &uri, at("../src/lib.rs#L1")).await;
    assert_eq!(line["uri"], server.uri("src/lib.rs"));
    assert_eq!(line["range"]["start"]["line"], 0);
}

#[tokio::test]
async fn hover_shows_the_section_first_lines() {
    let (_dir, server, uri) = started().await;
    let hover = |position: Value| {
        let server = &server;
        let uri = uri.clone();
        async move {
            server
                .request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": position}),
                )
                .await
        }
    };
    let here = hover(at("#status-quo")).await;
    let text = here["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**Status quo** · this document"), "{text}");
    assert!(
        text.contains("Today the cache is cold.\nIt warms slowly."),
        "{text}"
    );
    assert!(!text.contains("First setup"), "{text}");
    let other = hover(at("notes.md#next")).await;
    let text = other["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**Next steps** · `plans/notes.md`"),
        "{text}"
    );
    assert!(text.contains("Ship it.\nThen measure."), "{text}");
    let missing = hover(at("#nowhere")).await;
    let text = missing["contents"]["value"].as_str().unwrap();
    assert!(text.contains("No heading of this document"), "{text}");
}

#[tokio::test]
async fn broken_link_only_for_fragments_that_name_no_heading() {
    let (_dir, server, uri) = started().await;
    let published = server.diagnostics(&uri, 1).await;
    let mut broken: Vec<(u64, u64, String)> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "broken-link")
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["character"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    broken.sort();
    let messages: Vec<&str> = broken.iter().map(|(_, _, m)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "No heading of `plans/notes.md` has the anchor #nope",
            "No heading of this document has the anchor #nowhere",
            "File not found: missing.md",
            "No heading of `plans/notes.md` has the anchor #no-such-heading",
        ],
        "{published}"
    );
    assert_eq!(broken[1].0, line_of(PLAN, "- [nowhere]"));
    assert_eq!(
        broken[1].1,
        "- [nowhere](".len() as u64,
        "the range is the fragment"
    );
    // The nearest anchor travels with the finding, for whoever fixes it.
    let near = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().ends_with("#no-such-heading"))
        .unwrap();
    assert_eq!(near["data"]["fragment"], "no-such-heading");
    // Nothing on the matches, the duplicates, the non-ASCII anchors, the line anchors, the
    // fragment into a Rust file, the HTML anchor, or the code span and prose.
    assert_eq!(broken.len(), 4);
}

#[tokio::test]
async fn document_links_go_to_the_heading_line() {
    let (_dir, server, uri) = started().await;
    let links = server
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let links = links.as_array().unwrap();
    let target_at = |needle: &str| {
        let line = at(needle)["line"].clone();
        let character = at(needle)["character"].as_u64().unwrap();
        links
            .iter()
            .find(|l| {
                l["range"]["start"]["line"] == line
                    && l["range"]["start"]["character"].as_u64().unwrap() <= character
                    && l["range"]["end"]["character"].as_u64().unwrap() >= character
            })
            .map(|l| l["target"].as_str().unwrap().to_string())
    };
    let status = line_of(PLAN, "## Status quo") + 1;
    assert_eq!(target_at("#status-quo"), Some(format!("{uri}#L{status}")));
    let next = line_of(NOTES, "## Next steps") + 1;
    assert_eq!(
        target_at("notes.md#next"),
        Some(format!("{}#L{next}", server.uri("plans/notes.md")))
    );
    assert_eq!(target_at("#nowhere"), None);
    // A line anchor stays a link to the file's line.
    assert_eq!(
        target_at("../src/lib.rs#L1"),
        Some(format!("{}#L1", server.uri("src/lib.rs")))
    );
}

async fn completion_labels(server: &InProcess, uri: &str, typed: &str) -> Vec<String> {
    let text = format!("{PLAN}\n{typed}");
    server.replace_text(uri, 2, &text).await;
    let line = text.matches('\n').count();
    let character = typed.encode_utf16().count();
    let items = server
        .request(
            "textDocument/completion",
            json!({
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
            }),
        )
        .await;
    items
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn completion_offers_anchors_after_a_hash() {
    let (_dir, server, uri) = started().await;
    assert_eq!(
        completion_labels(&server, &uri, "See [it](#").await,
        [
            "#plan-heading-links",
            "#status-quo",
            "#setup",
            "#setup-1",
            "#état-des-lieux",
            "#links"
        ]
    );
    assert_eq!(
        completion_labels(&server, &uri, "See [it](#se").await,
        ["#setup", "#setup-1"]
    );
    assert_eq!(
        completion_labels(&server, &uri, "See [it](notes.md#").await,
        ["#notes", "#next-steps"]
    );
    assert_eq!(
        completion_labels(&server, &uri, "[label]: #éta").await,
        ["#état-des-lieux"]
    );
    // A file that is not Markdown has no headings to offer.
    assert!(completion_labels(&server, &uri, "See [it](../src/lib.rs#")
        .await
        .is_empty());
}

#[tokio::test]
async fn renaming_a_heading_in_an_open_document_updates_links_into_it() {
    let (_dir, server, uri) = started().await;
    let notes = server.uri("plans/notes.md");
    server.open(&notes, NOTES).await;
    let broken_next = |p: &Value| {
        p["diagnostics"].as_array().is_some_and(|d| {
            d.iter().any(|d| {
                d["message"]
                    .as_str()
                    .is_some_and(|m| m.ends_with("#next-steps"))
            })
        })
    };
    server
        .replace_text(&notes, 2, &NOTES.replace("Next steps", "Later steps"))
        .await;
    // The plan was not touched: its diagnostics follow the unsaved text of the other document.
    server
        .notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && broken_next(p)
        })
        .await;
    // With the heading gone, the link still leads to the file, at its top.
    let found = definition(&server, &uri, at("notes.md#next")).await;
    assert_eq!(found["uri"], notes);
    assert_eq!(found["range"]["start"]["line"], 0);
}
