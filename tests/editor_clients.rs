//! The server as each documented editor drives it: the client's own `initialize` request (the
//! capabilities read from that client's source, trimmed to what matters to plan-lsp), its
//! framing and settings, then diagnostics, hover and definition on a plan, and the client's own
//! `shutdown`/`exit` sequence. What a client does not offer (work-done progress, dynamic
//! registration, a workspace folder) the server must do without.
//!
//! Sources read: Helix `helix-lsp/src/client.rs`, Zed `crates/lsp/src/lsp.rs`, Eglot
//! `lisp/progmodes/eglot.el`, lsp-mode `lsp-mode.el`, Sublime LSP `plugin/core/sessions.py` and
//! `protocol.py`, Kate `addons/lspclient/lspclientserver.cpp`.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_client::{file_uri, LspClient};
use serde_json::{json, Value};

/// How a client frames `shutdown` and `exit`.
#[derive(Clone, Copy, Debug)]
enum Params {
    /// No `params` member (Helix, Sublime LSP, Eglot 30+).
    Omitted,
    /// `"params": null` (Zed, lsp-mode, Eglot 29).
    Null,
    /// `"params": {}` (Kate; Eglot's `exit`).
    Empty,
}

struct Profile {
    name: &'static str,
    capabilities: Value,
    /// Whether the client names the folder (`rootUri`/`workspaceFolders`) or leaves it null.
    sends_root: bool,
    initialization_options: Value,
    /// A `didChangeConfiguration` the client sends right after `initialized`.
    configuration_push: Option<Value>,
    shutdown: Params,
    /// Kate sends `shutdown` without an id and does not wait for the answer.
    shutdown_is_notification: bool,
    exit: Params,
    /// lsp-mode counts a trailing newline into Content-Length.
    trailing_newline: bool,
}

fn helix_profile() -> Profile {
    Profile {
        name: "helix",
        capabilities: json!({
            "workspace": {"configuration": true, "didChangeConfiguration": {"dynamicRegistration": false},
                "workspaceFolders": true, "applyEdit": true,
                "executeCommand": {"dynamicRegistration": false},
                "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "rename", "delete"], "failureHandling": "abort"},
                "didChangeWatchedFiles": {"dynamicRegistration": true, "relativePatternSupport": false}},
            "textDocument": {"completion": {"completionItem": {"snippetSupport": true}},
                "hover": {"contentFormat": ["markdown"]},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "refactor", "refactor.rewrite", "source"]}}, "isPreferredSupport": true, "dataSupport": true},
                "publishDiagnostics": {"versionSupport": true, "tagSupport": {"valueSet": [1, 2]}}},
            "window": {"workDoneProgress": true},
            "general": {"positionEncodings": ["utf-8", "utf-32", "utf-16"]}
        }),
        sends_root: true,
        initialization_options: Value::Null,
        configuration_push: None,
        shutdown: Params::Omitted,
        shutdown_is_notification: false,
        exit: Params::Omitted,
        trailing_newline: false,
    }
}

fn zed_profile() -> Profile {
    Profile {
        name: "zed",
        capabilities: json!({
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {"configuration": true,
                "didChangeWatchedFiles": {"dynamicRegistration": true, "relativePatternSupport": true},
                "didChangeConfiguration": {"dynamicRegistration": true}, "workspaceFolders": true,
                "workspaceEdit": {"resourceOperations": ["create", "rename", "delete"], "documentChanges": true},
                "applyEdit": true},
            "textDocument": {"definition": {"linkSupport": true},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["refactor", "quickfix", "source"]}}, "dataSupport": true},
                "completion": {"completionItem": {"snippetSupport": true}},
                "hover": {"contentFormat": ["markdown"]},
                "publishDiagnostics": {"relatedInformation": true},
                "synchronization": {"didSave": true},
                "diagnostic": {"dynamicRegistration": false, "relatedDocumentSupport": true}},
            "window": {"workDoneProgress": true, "showMessage": {}}
        }),
        sends_root: true,
        initialization_options: Value::Null,
        configuration_push: Some(json!({"settings": {}})),
        shutdown: Params::Null,
        shutdown_is_notification: false,
        exit: Params::Null,
        trailing_newline: false,
    }
}

fn eglot_profile() -> Profile {
    Profile {
        name: "eglot",
        capabilities: json!({
            "workspace": {"applyEdit": true, "executeCommand": {"dynamicRegistration": false},
                "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "delete", "rename"], "failureHandling": "abort"},
                "didChangeWatchedFiles": {"dynamicRegistration": true, "relativePatternSupport": true},
                "symbol": {"dynamicRegistration": false}, "configuration": true, "workspaceFolders": true},
            "textDocument": {
                "synchronization": {"dynamicRegistration": false, "willSave": true, "willSaveWaitUntil": true, "didSave": true},
                "completion": {"dynamicRegistration": false, "completionItem": {"snippetSupport": false}, "contextSupport": true},
                "hover": {"dynamicRegistration": false, "contentFormat": ["markdown", "plaintext"]},
                "definition": {"dynamicRegistration": false, "linkSupport": true},
                "documentSymbol": {"dynamicRegistration": false, "hierarchicalDocumentSymbolSupport": true},
                "codeAction": {"dynamicRegistration": false, "dataSupport": true, "isPreferredSupport": true,
                    "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "refactor.rewrite", "source"]}}},
                "diagnostic": {"dynamicRegistration": false},
                "publishDiagnostics": {"relatedInformation": false, "versionSupport": true, "codeDescriptionSupport": false}},
            // eglot-report-progress set to nil: no work-done progress.
            "window": {"showDocument": {"support": true}, "workDoneProgress": false},
            "general": {"positionEncodings": ["utf-32", "utf-8", "utf-16"]}
        }),
        sends_root: true,
        initialization_options: json!({}),
        // eglot-signal-didChangeConfiguration on connect.
        configuration_push: Some(json!({"settings": {}})),
        // Eglot 29 sends `:params nil`, which encodes as null; its `exit` carries `{}`.
        shutdown: Params::Null,
        shutdown_is_notification: false,
        exit: Params::Empty,
        trailing_newline: false,
    }
}

fn lsp_mode_profile() -> Profile {
    Profile {
        name: "lsp-mode",
        capabilities: json!({
            "general": {"positionEncodings": ["utf-32", "utf-8", "utf-16"]},
            "workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "rename", "delete"]},
                "applyEdit": true, "executeCommand": {"dynamicRegistration": false},
                "didChangeWatchedFiles": {"dynamicRegistration": true},
                "workspaceFolders": true, "configuration": true},
            "textDocument": {"definition": {"dynamicRegistration": true, "linkSupport": true},
                "synchronization": {"willSave": true, "didSave": true, "willSaveWaitUntil": true},
                "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
                "codeAction": {"dynamicRegistration": true, "isPreferredSupport": true, "dataSupport": true,
                    "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "refactor", "refactor.rewrite", "source"]}}},
                "completion": {"completionItem": {"snippetSupport": false}, "contextSupport": true, "dynamicRegistration": true},
                "documentLink": {"dynamicRegistration": true, "tooltipSupport": true},
                "hover": {"contentFormat": ["markdown", "plaintext"], "dynamicRegistration": true},
                "publishDiagnostics": {"relatedInformation": true, "tagSupport": {"valueSet": [1, 2]}, "versionSupport": true}},
            "window": {"workDoneProgress": true, "showDocument": {"support": true}}
        }),
        sends_root: true,
        initialization_options: Value::Null,
        configuration_push: None,
        shutdown: Params::Null,
        shutdown_is_notification: false,
        exit: Params::Null,
        trailing_newline: true,
    }
}

fn sublime_profile() -> Profile {
    Profile {
        name: "sublime-lsp",
        capabilities: json!({
            "general": {"staleRequestSupport": {"cancel": true, "retryOnContentModified": []},
                "regularExpressions": {"engine": "ECMAScript"}, "positionEncodings": ["utf-16"]},
            "textDocument": {
                "synchronization": {"dynamicRegistration": true, "willSave": true, "willSaveWaitUntil": true, "didSave": true},
                "completion": {"dynamicRegistration": true, "completionItem": {"snippetSupport": true}},
                "hover": {"dynamicRegistration": true, "contentFormat": ["markdown", "plaintext"]},
                "definition": {"dynamicRegistration": true, "linkSupport": true},
                "codeAction": {"dynamicRegistration": true,
                    "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "refactor.rewrite", "source"]}},
                    "dataSupport": true, "isPreferredSupport": true},
                "publishDiagnostics": {"relatedInformation": true, "versionSupport": true, "codeDescriptionSupport": true, "dataSupport": true},
                "diagnostic": {"dynamicRegistration": true, "relatedDocumentSupport": true}},
            "workspace": {"applyEdit": true,
                "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "rename", "delete"], "failureHandling": "abort"},
                "didChangeConfiguration": {"dynamicRegistration": true},
                "executeCommand": {"dynamicRegistration": true}, "workspaceFolders": true, "configuration": true,
                "didChangeWatchedFiles": {"dynamicRegistration": true, "relativePatternSupport": true}},
            "window": {"workDoneProgress": true, "showMessage": {"messageActionItem": {"additionalPropertiesSupport": true}},
                "showDocument": {"support": true}}
        }),
        // A file opened without a project folder: rootUri and workspaceFolders are null.
        sends_root: false,
        initialization_options: json!({}),
        configuration_push: Some(json!({"settings": {}})),
        shutdown: Params::Omitted,
        shutdown_is_notification: false,
        exit: Params::Omitted,
        trailing_newline: false,
    }
}

fn kate_profile() -> Profile {
    Profile {
        name: "kate",
        capabilities: json!({
            "textDocument": {
                "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
                "publishDiagnostics": {"relatedInformation": true},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}}},
                "synchronization": {"didSave": true},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "completion": {"completionItem": {"snippetSupport": false}},
                "diagnostic": {"dynamicRegistration": false, "relatedInformation": true}},
            "window": {"workDoneProgress": true, "showMessage": {"messageActionItem": {"additionalPropertiesSupport": true}}},
            // No workspaceFolders (not configured), no file watching: nothing to register.
            "workspace": {"configuration": true}
        }),
        sends_root: true,
        initialization_options: Value::Null,
        configuration_push: None,
        shutdown: Params::Empty,
        shutdown_is_notification: true,
        exit: Params::Empty,
        trailing_newline: false,
    }
}

const PLAN: &str = "# Plan: Greet people by name\n\n## Status quo\n\nÜber-greeting — see `src/lib.rs:3` for `greet`.\n\n## Proposed Implementation\n\n### Overview\n\n[NEEDS CLARIFICATION: Should the greeting be localized?]\n";

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("project");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "//! Greetings.\n\npub fn greet() -> String {\n    \"Hello, world!\".to_string()\n}\n",
    )
    .unwrap();
    std::fs::write(root.join("plans/greeting.md"), PLAN).unwrap();
    (dir, root)
}

/// A position in `text` as the negotiated encoding counts it.
fn position(text: &str, needle: &str, encoding: &str) -> Value {
    let offset = text.find(needle).expect("needle") + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let character = match encoding {
        "utf-8" => prefix.len(),
        "utf-32" => prefix.chars().count(),
        _ => prefix.encode_utf16().count(),
    };
    json!({"line": text[..offset].matches('\n').count(), "character": character})
}

fn message(id: Option<i64>, method: &str, params: Params) -> Value {
    let mut message = json!({"jsonrpc": "2.0", "method": method});
    if let Some(id) = id {
        message["id"] = json!(id);
    }
    match params {
        Params::Omitted => {}
        Params::Null => message["params"] = Value::Null,
        Params::Empty => message["params"] = json!({}),
    }
    message
}

fn send(client: &LspClient, profile: &Profile, message: &Value) {
    let body = message.to_string();
    if profile.trailing_newline {
        client.send_raw(&format!(
            "Content-Length: {}\r\n\r\n{body}\n",
            body.len() + 1
        ));
    } else {
        client.send_raw(&lsp_client::frame(&body));
    }
}

fn initialize_params(profile: &Profile, root: &Path) -> Value {
    let (root_uri, folders) = if profile.sends_root {
        let uri = file_uri(root);
        (json!(uri), json!([{"uri": uri, "name": "project"}]))
    } else {
        (Value::Null, Value::Null)
    };
    let mut params = json!({
        "processId": std::process::id(),
        "clientInfo": {"name": profile.name},
        "rootUri": root_uri,
        "capabilities": profile.capabilities,
        "initializationOptions": profile.initialization_options,
    });
    // Kate sends workspaceFolders only when configured to; the others always (null without one).
    if profile.name != "kate" {
        params["workspaceFolders"] = folders;
    }
    params
}

fn run(profile: Profile) {
    let (_dir, root) = workspace();
    let client = LspClient::start_initialize(&root, initialize_params(&profile, &root), json!({}));
    let offered: Vec<&str> = profile.capabilities["general"]["positionEncodings"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let encoding = client.initialize_result["capabilities"]["positionEncoding"]
        .as_str()
        .unwrap_or("utf-16")
        .to_string();
    assert!(
        encoding == "utf-16" || offered.contains(&encoding.as_str()),
        "{}: the server chose {encoding}, the client offered {offered:?}",
        profile.name
    );
    if let Some(push) = &profile.configuration_push {
        client.notify("workspace/didChangeConfiguration", push.clone());
    }
    let uri = file_uri(&root.join("plans/greeting.md"));
    client.open(&uri, PLAN);

    // Diagnostics: the placeholder, with its question as the message, where the client counts it.
    let diagnostics =
        client.diagnostics_where(&uri, |d| d.iter().any(|d| d["code"] == "placeholder"));
    let placeholder = diagnostics
        .iter()
        .find(|d| d["code"] == "placeholder")
        .unwrap();
    assert_eq!(
        placeholder["message"], "Should the greeting be localized?",
        "{}",
        profile.name
    );
    assert!(
        !diagnostics.iter().any(|d| d["code"] == "broken-link"),
        "{}: src/lib.rs resolves: {diagnostics:?}",
        profile.name
    );

    // Hover on the placeholder shows the question.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position(PLAN, "[NEEDS CLARIFICATION", &encoding)}),
        )
        .unwrap();
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        shown.contains("Should the greeting be localized?"),
        "{}: {hover}",
        profile.name
    );

    // Definition on a reference after non-ASCII text on the same line, in the client's encoding.
    let found = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position(PLAN, "src/lib.rs:3", &encoding)}),
        )
        .unwrap();
    let location = if found.is_array() {
        found[0].clone()
    } else {
        found
    };
    let target = location["uri"].as_str().or(location["targetUri"].as_str());
    assert_eq!(
        target,
        Some(file_uri(&root.join("src/lib.rs")).as_str()),
        "{}: {location}",
        profile.name
    );
    let range = if location["range"].is_object() {
        &location["range"]
    } else {
        &location["targetSelectionRange"]
    };
    assert_eq!(range["start"]["line"], 2, "{}: {location}", profile.name);

    // What the client does not offer, the server does not use.
    let requests = |method: &str| client.server_requests(method).len();
    if profile.capabilities["window"]["workDoneProgress"] != true {
        assert_eq!(
            requests("window/workDoneProgress/create"),
            0,
            "{}",
            profile.name
        );
    }
    if profile.capabilities["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"] != true {
        assert_eq!(requests("client/registerCapability"), 0, "{}", profile.name);
    }
    assert!(
        client.notifications("window/showMessage").is_empty(),
        "{}: nothing to warn about: {:?}",
        profile.name,
        client.notifications("window/showMessage")
    );

    // The client's own shutdown sequence ends the process cleanly.
    if profile.shutdown_is_notification {
        send(
            &client,
            &profile,
            &message(None, "shutdown", profile.shutdown),
        );
    } else {
        send(
            &client,
            &profile,
            &message(Some(9001), "shutdown", profile.shutdown),
        );
        let answer = client.response(9001, lsp_client::TIMEOUT);
        assert_eq!(
            answer,
            Ok(Value::Null),
            "{}: shutdown answered",
            profile.name
        );
    }
    send(&client, &profile, &message(None, "exit", profile.exit));
    let mut client = client;
    let deadline = Instant::now() + Duration::from_secs(5);
    while client.is_running() {
        assert!(
            Instant::now() < deadline,
            "{}: still running after exit",
            profile.name
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = client.exit_code();
    // After a shutdown request the exit is clean (0); Kate never waits for the shutdown answer,
    // and a server may treat its exit as one without shutdown (1). Either way it stops.
    if !profile.shutdown_is_notification {
        assert_eq!(status, Some(0), "{}: exit status", profile.name);
    }
}

#[test]
fn helix() {
    run(helix_profile());
}

#[test]
fn zed() {
    run(zed_profile());
}

#[test]
fn emacs_eglot() {
    run(eglot_profile());
}

#[test]
fn emacs_lsp_mode() {
    run(lsp_mode_profile());
}

#[test]
fn sublime_lsp_without_a_folder() {
    run(sublime_profile());
}

#[test]
fn kate() {
    run(kate_profile());
}
