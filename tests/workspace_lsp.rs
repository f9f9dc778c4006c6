//! The code index over real JSON-RPC: definition, hover, links, completion, workspace symbols,
//! gather context, unknown-symbol and the stale-reference fixes, against a fixture workspace with
//! code in Rust, Python, TypeScript, TSX, JavaScript and Go.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;
use std::process::Command;

use lsp_client::{apply_text_edits, LspClient};
use serde_json::{json, Value};

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

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workspace/basic"),
        dir.path(),
    );
    dir
}

/// Starts the server on `root` and waits for the background index to complete.
fn start(root: &Path) -> LspClient {
    let client = LspClient::start_with(
        root,
        json!({}),
        json!({
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
            "textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}
        }),
    );
    client.wait_indexed();
    client
}

/// The position just inside the first occurrence of `needle` (ASCII text).
fn position_in(text: &str, needle: &str) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"))
        + 1;
    let line = text[..at].matches('\n').count();
    let character = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

/// The position at the end of the line containing `needle`.
fn end_of_line(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    json!({"line": text[..at].matches('\n').count(), "character": line_end - line_start})
}

fn labels(result: &Value) -> Vec<String> {
    let items = result
        .as_array()
        .or_else(|| result["items"].as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn definition_hover_and_links_resolve_symbols_in_every_language() {
    let dir = fixture();
    let client = start(dir.path());
    let uri = client.uri("plans/demo.plan.md");
    let text = "# Plan: demo\n\n## Status quo\n\n\
        Edits go through `Document::apply_change`, plans through `parse_plan()`.\n\
        Python `Indexer.crawl`, TypeScript `LruCache.evict()`, TSX `App`,\n\
        JavaScript `Router.route`, Go `server.Server.Start`, by path `src/util.rs::helper_fn`.\n";
    client.open(&uri, text);
    let expected = [
        ("Document::apply_change", "src/document/mod.rs", 7),
        ("parse_plan()", "src/lib.rs", 6),
        ("Indexer.crawl", "py/indexer/walk.py", 8),
        ("LruCache.evict()", "web/src/cache.ts", 12),
        ("`App`", "web/src/App.tsx", 0),
        ("Router.route", "web/lib/router.js", 2),
        ("server.Server.Start", "go/server/server.go", 14),
        ("src/util.rs::helper_fn", "src/util.rs", 1),
    ];
    for (needle, path, line) in expected {
        let result = client
            .request(
                "textDocument/definition",
                json!({"textDocument": {"uri": uri}, "position": position_in(text, needle)}),
            )
            .unwrap();
        assert!(
            result["uri"].as_str().unwrap_or_default().ends_with(path),
            "{needle}: {result}"
        );
        assert_eq!(result["range"]["start"]["line"], line, "{needle}: {result}");
    }

    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position_in(text, "server.Server.Start")}),
        )
        .unwrap();
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains("`server.Server.Start`"), "{markdown}");
    assert!(markdown.contains("go/server/server.go:15"), "{markdown}");
    assert!(
        markdown.contains("func (s *Server) Start() error {"),
        "{markdown}"
    );
    assert!(markdown.contains("```go"), "{markdown}");

    let links = client
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let targets: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["target"].as_str())
        .collect();
    assert!(
        targets
            .iter()
            .any(|t| t.ends_with("src/document/mod.rs#L8")),
        "{targets:?}"
    );
    assert!(
        targets
            .iter()
            .any(|t| t.ends_with("go/server/server.go#L15")),
        "{targets:?}"
    );
    client.shutdown();
}

#[test]
fn names_written_as_paths_that_match_nothing_get_a_hint() {
    let dir = fixture();
    let client = start(dir.path());
    let uri = client.uri("plans/hint.plan.md");
    let text =
        "# Plan\n\n## Status quo\n\nCall `Document::missing_fn` after `Document::apply_change`, \
        `plain_word`, `std::fs::read` and `os.path.join()`.\n";
    client.open(&uri, text);
    let diagnostics =
        client.diagnostics_where(&uri, |ds| ds.iter().any(|d| d["code"] == "unknown-symbol"));
    let unknown: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "unknown-symbol")
        .collect();
    assert_eq!(unknown.len(), 1, "{diagnostics:?}");
    assert!(unknown[0]["message"]
        .as_str()
        .unwrap()
        .contains("Document::missing_fn"));
    assert_eq!(unknown[0]["severity"], 4, "a hint");
    client.shutdown();
}

#[test]
fn completion_offers_paths_symbols_placeholders_and_missing_sections() {
    let dir = fixture();
    let client = start(dir.path());
    let uri = client.uri("plans/new.plan.md");
    let text =
        "# Plan\n\nSee `src/doc\nCall `Document::app\nAsk [NEE\nRead [the ADR](../docs/\n## Sta\n";
    client.open(&uri, text);
    let complete = |needle: &str| {
        client
            .request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": end_of_line(text, needle)}),
            )
            .unwrap()
    };
    assert!(labels(&complete("See `src/doc")).contains(&"document/".to_owned()));
    assert_eq!(labels(&complete("Call `Document::app")), ["apply_change"]);
    let placeholder = complete("Ask [NEE");
    assert_eq!(
        placeholder[0]["textEdit"]["newText"],
        "[NEEDS CLARIFICATION: ${1:question}]"
    );
    assert_eq!(placeholder[0]["insertTextFormat"], 2);
    assert_eq!(labels(&complete("Read [the ADR](../docs/")), ["adr/"]);
    let sections = complete("## Sta");
    assert_eq!(labels(&sections), ["Status quo"]);
    assert!(sections[0]["textEdit"]["newText"]
        .as_str()
        .unwrap()
        .starts_with("## Status quo\n"));
    client.shutdown();
}

#[test]
fn workspace_symbols_find_open_questions_across_plans() {
    let dir = fixture();
    let client = start(dir.path());
    let found = client
        .request("workspace/symbol", json!({"query": "router cache"}))
        .unwrap();
    let hits = found.as_array().unwrap();
    let question = hits
        .iter()
        .find(|s| s["name"] == "P1: Should the router cache split paths?")
        .unwrap_or_else(|| panic!("{found}"));
    assert!(question["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("plans/router.plan.md"));
    assert_eq!(question["location"]["range"]["start"]["line"], 8);
    assert_eq!(
        question["containerName"],
        "plans/router.plan.md › Open questions"
    );

    let sections = client
        .request("workspace/symbol", json!({"query": "status quo"}))
        .unwrap();
    assert!(sections
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "Status quo"));
    client.shutdown();
}

#[test]
fn gather_context_inserts_ranked_files_and_prior_documents_under_status_quo() {
    let dir = fixture();
    let client = start(dir.path());
    let uri = client.uri("plans/cache.plan.md");
    let text = "# Plan: evict entries from the LRU cache when it is full\n\n## Status quo\n\n## Best Practices\n\nKeep it small.\n";
    client.open(&uri, text);
    let result = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.gatherContext", "arguments": [{"uri": uri}]}),
        )
        .unwrap();
    assert_eq!(result["files"][0]["path"], "web/src/cache.ts", "{result}");
    assert_eq!(
        result["documents"][0]["path"], "docs/adr/0001-cache-eviction.md",
        "{result}"
    );
    assert!(result["documents"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["path"] != "plans/cache.plan.md"));
    let outline = result["files"][0]["outline"].as_array().unwrap();
    assert!(outline
        .iter()
        .any(|e| e["name"] == "LruCache.evict" && e["line"] == 13));

    let updated = client.text(&uri);
    let status = updated.find("## Status quo").unwrap();
    let block = updated.find("<!-- plan-lsp:context -->").unwrap();
    let next = updated.find("## Best Practices").unwrap();
    assert!(status < block && block < next, "{updated}");
    assert!(
        updated.contains("[web/src/cache.ts:13](../web/src/cache.ts#L13)"),
        "{updated}"
    );
    assert!(
        updated.contains("(../docs/adr/0001-cache-eviction.md)"),
        "{updated}"
    );
    assert_eq!(
        result["markdown"].as_str().map(|m| updated.contains(m)),
        Some(true)
    );

    // Gathering again replaces the block rather than adding a second one.
    client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.gatherContext", "arguments": [{"uri": uri, "query": "router paths"}]}),
        )
        .unwrap();
    let again = client.text(&uri);
    assert_eq!(
        again.matches("<!-- plan-lsp:context -->").count(),
        1,
        "{again}"
    );
    assert!(again.contains("web/lib/router.js"), "{again}");
    client.shutdown();
}

#[test]
fn research_settings_bound_the_gathered_files_and_drop_the_tests() {
    let gather = |options: Value| {
        let dir = fixture();
        std::fs::write(
            dir.path().join("web/src/cache.test.ts"),
            "// evicts LRU cache entries when full\ntest('cache evicts', () => {});\n",
        )
        .unwrap();
        let client = LspClient::start(dir.path(), options);
        client.wait_indexed();
        let uri = client.uri("plans/cache.plan.md");
        client.open(
            &uri,
            "# Plan: evict entries from the LRU cache, router and walk\n",
        );
        let result = client
            .request(
                "workspace/executeCommand",
                json!({"command": "plan.gatherContext", "arguments": [{"uri": uri}]}),
            )
            .unwrap();
        client.shutdown();
        let count = |key: &str| result[key].as_array().map_or(0, Vec::len);
        (count("files"), count("tests"), result)
    };
    let (files, tests, result) = gather(json!({}));
    assert!(files > 1 && tests == 1, "{result}");
    assert_eq!(result["tests"][0]["path"], "web/src/cache.test.ts");
    let (files, tests, result) =
        gather(json!({"research": {"maxFiles": 1, "includeTests": false}}));
    assert_eq!((files, tests), (1, 0), "{result}");
    assert!(!result["markdown"]
        .as_str()
        .unwrap()
        .contains("Related tests"));
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap()
        .status;
    assert!(status.success(), "git {args:?}");
}

#[test]
fn stale_references_are_hinted_and_fixed_in_place() {
    let dir = fixture();
    let root = dir.path();
    let plan = "# Plan\n\n## Status quo\n\nEdits happen in `src/document/mod.rs:8-10`.\nFormatting is `src/lib.rs::helper_fn`.\n";
    std::fs::write(root.join("plans/drift.plan.md"), plan).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "plan and code"]);
    // The code moves on after the plan was written: two lines land above `apply_change`.
    let code = std::fs::read_to_string(root.join("src/document/mod.rs")).unwrap();
    std::fs::write(
        root.join("src/document/mod.rs"),
        format!("// Document model.\n\n{code}"),
    )
    .unwrap();

    let client = start(root);
    let uri = client.uri("plans/drift.plan.md");
    client.open(&uri, plan);
    let diagnostics = client.diagnostics_where(&uri, |ds| {
        ds.iter().filter(|d| d["code"] == "stale-reference").count() == 2
    });
    let stale: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "stale-reference")
        .collect();
    let messages: Vec<&str> = stale
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Lines 8–10") && m.contains("now lines 10–12")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("it is now in `src/util.rs:2`")),
        "{messages:?}"
    );

    let actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 6, "character": 0}},
                "context": {"diagnostics": stale},
            }),
        )
        .unwrap();
    let fixes: Vec<&Value> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["title"].as_str().unwrap().starts_with("Update reference"))
        .collect();
    assert_eq!(fixes.len(), 2, "{actions}");
    let mut fixed: Vec<String> = fixes
        .iter()
        .map(|fix| {
            assert_eq!(fix["diagnostics"].as_array().unwrap().len(), 1, "{fix}");
            let edits = fix["edit"]["documentChanges"][0]["edits"]
                .as_array()
                .unwrap();
            apply_text_edits(plan, edits)
        })
        .collect();
    fixed.sort_by_key(|text| !text.contains("mod.rs:10-12"));
    assert!(
        fixed[0].contains("in `src/document/mod.rs:10-12`."),
        "{}",
        fixed[0]
    );
    assert!(
        fixed[1].contains("is `src/util.rs::helper_fn`."),
        "{}",
        fixed[1]
    );
    client.shutdown();
}

#[test]
fn watched_file_events_keep_the_index_current() {
    let dir = fixture();
    let client = start(dir.path());
    let registrations = client.server_requests("client/registerCapability");
    assert!(
        registrations
            .iter()
            .any(|r| { r["registrations"][0]["method"] == "workspace/didChangeWatchedFiles" }),
        "{registrations:?}"
    );
    let uri = client.uri("plans/fresh.plan.md");
    let text = "# Plan\n\nUses `crate::fresh::freshly_added`.\n";
    client.open(&uri, text);
    client.diagnostics_where(&uri, |ds| ds.iter().any(|d| d["code"] == "unknown-symbol"));

    std::fs::write(
        dir.path().join("src/fresh.rs"),
        "pub fn freshly_added() -> u8 {\n    1\n}\n",
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": client.uri("src/fresh.rs"), "type": 1}]}),
    );
    client.diagnostics_where(&uri, |ds| !ds.iter().any(|d| d["code"] == "unknown-symbol"));
    let result = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position_in(text, "crate::fresh::freshly_added")}),
        )
        .unwrap();
    assert!(result["uri"].as_str().unwrap().ends_with("src/fresh.rs"));
    client.shutdown();
}
