//! Diagnostics are computed off the keystroke path and published when they are ready: a burst of
//! keystrokes in a plan that cites files in a git repository (drift checks run git) ends with the
//! diagnostics of the last version, versions are never published out of order, and a closed
//! document gets no late diagnostics.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use lsp_client::{range, LspClient};
use serde_json::json;

fn git(root: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn a_burst_of_keystrokes_ends_with_the_last_versions_diagnostics_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    let code: String = (1..=200).map(|i| format!("fn f{i}() {{}}\n")).collect();
    std::fs::write(root.join("src/a.rs"), code).unwrap();
    let plan: String = (1..=100)
        .map(|i| format!("- see `src/a.rs:{i}` and [NEEDS CLARIFICATION: q{i}?]\n"))
        .collect();
    std::fs::write(root.join("plans/p.md"), &plan).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "plan"]);

    let client = LspClient::start(root, json!({}));
    let uri = client.uri("plans/p.md");
    client.open(&uri, &plan);
    client.diagnostics(&uri);
    let mut last = 0;
    for _ in 0..40 {
        // Typing at column 0 shifts a placeholder, so every version has new diagnostics.
        last = client.change(&uri, range(0, 0, 0, 0), "x");
    }
    let shifted = plan.lines().next().unwrap().find("[NEEDS").unwrap() + 40;
    client.diagnostics_where(&uri, |d| {
        d.iter()
            .filter(|d| d["code"] == "placeholder")
            .any(|d| d["range"]["start"]["character"] == json!(shifted))
    });
    let versions: Vec<i64> = client
        .notifications("textDocument/publishDiagnostics")
        .iter()
        .filter(|p| p["uri"] == uri)
        .filter_map(|p| p["version"].as_i64())
        .collect();
    assert_eq!(versions.last(), Some(&(last as i64)), "{versions:?}");
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "published out of order: {versions:?}"
    );

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
    });
    std::thread::sleep(Duration::from_millis(300));
    let after_close = client
        .notifications("textDocument/publishDiagnostics")
        .into_iter()
        .rfind(|p| p["uri"] == uri)
        .unwrap();
    assert!(
        after_close["diagnostics"].as_array().unwrap().is_empty(),
        "late diagnostics for a closed document: {after_close}"
    );
    client.shutdown();
}
