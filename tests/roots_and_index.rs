//! Workspace folders and the index over real JSON-RPC: a root when the client gives none,
//! walks again when folders or `index.*` settings change, lookups that arrive while the index
//! builds, and settings values the server cannot use reported to the user.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;

use lsp_client::{file_uri, LspClient};
use serde_json::{json, Value};

fn caps() -> Value {
    json!({
        "workspace": {"configuration": true, "workspaceFolders": true},
        "window": {"workDoneProgress": true},
        "textDocument": {"hover": {"contentFormat": ["markdown"]}}
    })
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The 0-based position just inside the first `needle` of a one-line-per-`\n` ASCII text.
fn position_in(text: &str, needle: &str) -> Value {
    let offset = text.find(needle).expect("needle") + 1;
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

fn indexed_count(client: &LspClient) -> usize {
    client
        .notifications("$/progress")
        .iter()
        .filter(|p| {
            p["value"]["kind"] == "end"
                && p["value"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Indexed"))
        })
        .count()
}

fn wait_indexed(client: &LspClient, times: usize) {
    let deadline = std::time::Instant::now() + lsp_client::TIMEOUT;
    while indexed_count(client) < times {
        assert!(
            std::time::Instant::now() < deadline,
            "index walk {times} never ended: {:?}",
            client.notifications("$/progress")
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn definition(client: &LspClient, uri: &str, text: &str, needle: &str) -> Value {
    client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position_in(text, needle)}),
        )
        .unwrap()
}

const PLAN: &str = "# Plan: x\n\n## Status quo\n\nSee `helper.rs:2` and `loose_helper`.\n";

#[test]
fn without_a_root_from_the_client_the_plans_folder_is_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let loose = std::fs::canonicalize(dir.path()).unwrap().join("loose");
    write(
        &loose,
        "helper.rs",
        "fn first() {}\npub fn loose_helper() {}\n",
    );
    write(&loose, "plan.md", PLAN);
    // What a client started on a lone file sends: no rootUri, no workspaceFolders.
    let client = LspClient::start_initialize(
        &loose,
        json!({"processId": null, "rootUri": null, "capabilities": caps()}),
        json!({}),
    );
    let uri = file_uri(&loose.join("plan.md"));
    client.open(&uri, PLAN);
    let diagnostics = client.diagnostics(&uri);
    assert!(
        !diagnostics.iter().any(|d| d["code"] == "broken-link"),
        "helper.rs resolves beside the plan: {diagnostics:?}"
    );
    let found = definition(&client, &uri, PLAN, "helper.rs:2");
    assert_eq!(found["uri"], file_uri(&loose.join("helper.rs")), "{found}");
    assert_eq!(found["range"]["start"]["line"], 1);
    wait_indexed(&client, 1);
    let found = definition(&client, &uri, PLAN, "loose_helper");
    assert_eq!(found["uri"], file_uri(&loose.join("helper.rs")), "{found}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn without_a_root_the_nearest_marker_folder_is_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let repo = std::fs::canonicalize(dir.path()).unwrap().join("repo");
    std::fs::create_dir_all(repo.join(".plan-lsp")).unwrap();
    write(&repo, "src/lib.rs", "pub fn a() {}\npub fn b() {}\n");
    let text = "# Plan\n\n## Status quo\n\nSee `src/lib.rs:2`.\n";
    write(&repo, "docs/plans/p.md", text);
    let client = LspClient::start_initialize(
        &repo,
        json!({"processId": null, "capabilities": caps()}),
        json!({}),
    );
    let uri = file_uri(&repo.join("docs/plans/p.md"));
    client.open(&uri, text);
    let found = definition(&client, &uri, text, "src/lib.rs:2");
    assert_eq!(found["uri"], file_uri(&repo.join("src/lib.rs")), "{found}");
}

#[test]
fn a_new_workspace_folder_is_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let (first, second) = (base.join("first"), base.join("second"));
    write(&first, "plan.md", PLAN);
    write(&second, "more.rs", "pub fn loose_helper() {}\n");
    let client = LspClient::start_with(&first, json!({}), caps());
    let advertised = &client.initialize_result["capabilities"]["workspace"]["workspaceFolders"];
    assert_eq!(advertised["supported"], true, "{advertised}");
    assert_eq!(advertised["changeNotifications"], true, "{advertised}");
    wait_indexed(&client, 1);
    let uri = file_uri(&first.join("plan.md"));
    client.open(&uri, PLAN);
    assert_eq!(definition(&client, &uri, PLAN, "loose_helper"), Value::Null);

    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": file_uri(&second), "name": "second"}], "removed": []}}),
    );
    wait_indexed(&client, 2);
    let found = definition(&client, &uri, PLAN, "loose_helper");
    assert_eq!(found["uri"], file_uri(&second.join("more.rs")), "{found}");

    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": file_uri(&second), "name": "second"}]}}),
    );
    wait_indexed(&client, 3);
    assert_eq!(definition(&client, &uri, PLAN, "loose_helper"), Value::Null);
}

#[test]
fn changing_index_settings_walks_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    write(&root, "plan.md", PLAN);
    // About 2 KB: indexed by default, not under a 1 KB cap.
    let padding = "// padding\n".repeat(200);
    write(
        &root,
        "big.rs",
        &format!("{padding}pub fn loose_helper() {{}}\n"),
    );
    let client = LspClient::start_with(&root, json!({}), caps());
    wait_indexed(&client, 1);
    let uri = file_uri(&root.join("plan.md"));
    client.open(&uri, PLAN);
    assert_eq!(
        definition(&client, &uri, PLAN, "loose_helper")["uri"],
        file_uri(&root.join("big.rs"))
    );
    client.set_configuration(json!({"index": {"maxFileBytes": 1024}}));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": Value::Null}),
    );
    wait_indexed(&client, 2);
    assert_eq!(definition(&client, &uri, PLAN, "loose_helper"), Value::Null);
    // Other settings leave the index alone.
    client.set_configuration(json!({"index": {"maxFileBytes": 1024}, "template": "phased-plan"}));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": Value::Null}),
    );
    client.diagnostics_where(&uri, |_| true);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(indexed_count(&client), 2);
}

#[test]
fn a_lookup_during_indexing_waits_for_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    // Enough files that the walk is still running when the request arrives.
    for i in 0..4000 {
        write(
            &root,
            &format!("gen/m{:02}/f{i}.rs", i % 50),
            &format!("pub fn generated_{i}(x: u32) -> u32 {{ x + {i} }}\n"),
        );
    }
    write(&root, "zz/last.rs", "pub fn loose_helper() {}\n");
    let client = LspClient::start_with(&root, json!({}), caps());
    let uri = file_uri(&root.join("plan.md"));
    client.open(&uri, PLAN);
    let id = client.send_request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": position_in(PLAN, "loose_helper")}),
    );
    let sent_while_indexing = indexed_count(&client) == 0;
    let found = client.response(id, lsp_client::TIMEOUT).unwrap();
    assert!(
        sent_while_indexing,
        "the walk ended before the request: make the workspace larger"
    );
    assert_eq!(found["uri"], file_uri(&root.join("zz/last.rs")), "{found}");
}

#[test]
fn unusable_settings_are_shown_to_the_user_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let client = LspClient::start_with(
        dir.path(),
        json!({"severity": {"placeholder": "loud"}, "llm": {"timeoutSeconds": -1}}),
        caps(),
    );
    let mut shown: Vec<String> = Vec::new();
    for key in ["planLsp.severity.placeholder", "planLsp.llm.timeoutSeconds"] {
        let message = client.wait_notification("window/showMessage", |p| {
            p["message"].as_str().is_some_and(|m| m.contains(key))
        });
        assert_eq!(message["type"], 2, "a warning: {message}");
        shown.push(message["message"].as_str().unwrap().to_string());
    }
    assert!(shown[0].contains("\"loud\" is not a severity"), "{shown:?}");
    // The rest of the settings still apply, and the server keeps working.
    let uri = client.uri("p.md");
    client.open(&uri, "# P\n\n[NEEDS CLARIFICATION: Which?]\n");
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics[0]["severity"], 2, "default severity kept");
}
