//! Diagnostics are computed off the keystroke path and published when they are ready: a burst of
//! keystrokes in a plan that cites files in a git repository (drift checks run git) ends with the
//! diagnostics of the last version, versions are never published out of order, and a closed
//! document gets no late diagnostics. Opening a plan shows what needs no disk or git first, and
//! the rest in a second publication, never a finding the complete analysis would not make.

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
        versions.windows(2).all(|w| w[0] <= w[1]),
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

/// The publications of `uri` (their params), and whether each came before the server said that
/// version was analysed.
fn publications(client: &LspClient, uri: &str) -> Vec<(serde_json::Value, bool)> {
    let mut out = Vec::new();
    let mut analysed = std::collections::HashSet::new();
    for n in client.all_notifications() {
        if n["params"]["uri"] != uri {
            continue;
        }
        if n["method"] == "$/planLsp/analysed" {
            analysed.insert(n["params"]["version"].as_i64());
        } else if n["method"] == "textDocument/publishDiagnostics" {
            let early = !analysed.contains(&n["params"]["version"].as_i64());
            out.push((n["params"].clone(), early));
        }
    }
    out
}

fn codes(published: &serde_json::Value) -> Vec<String> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_first_look_needs_no_disk_or_git_and_the_complete_diagnostics_follow() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    let code: String = (1..=20).map(|i| format!("fn f{i}() {{}}\n")).collect();
    std::fs::write(root.join("src/a.rs"), &code).unwrap();
    std::fs::write(root.join("src/gone.rs"), &code).unwrap();
    let plan = "# Plan\n\n- Line `src/a.rs:90` is past the end.\n- `src/gone.rs` is cited.\n\
                - Owner: [NEEDS CLARIFICATION: who?]\n";
    std::fs::write(root.join("plans/p.md"), plan).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "plan"]);
    std::fs::remove_file(root.join("src/gone.rs")).unwrap();

    let client = LspClient::start(root, json!({}));
    let uri = client.uri("plans/p.md");
    client.open(&uri, plan);
    let complete = client.diagnostics(&uri);
    let complete_codes: Vec<&str> = complete
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        complete_codes.contains(&"line-out-of-range"),
        "{complete_codes:?}"
    );
    assert!(
        complete_codes.contains(&"stale-reference"),
        "{complete_codes:?}"
    );
    let published = publications(&client, &uri);
    let (first, early) = &published[0];
    assert!(
        early,
        "the first look comes before the disk and git were asked"
    );
    assert_eq!(
        codes(first),
        ["placeholder"],
        "only what needs neither: {first}"
    );
    for (p, _) in &published {
        assert!(
            !codes(p).contains(&"broken-link".to_owned()),
            "a deleted file is never called broken while git has not answered: {p}"
        );
    }

    // Typing afterwards answers from the caches: the whole list in the first publication (typing
    // before the placeholder moves it, so there is one).
    let version = client.change(&uri, range(4, 0, 4, 0), "x");
    client.diagnostics(&uri);
    let typed: Vec<_> = publications(&client, &uri)
        .into_iter()
        .filter(|(p, _)| p["version"] == version)
        .collect();
    assert_eq!(typed.len(), 1, "one publication per keystroke: {typed:?}");
    assert_eq!(codes(&typed[0].0).len(), complete.len(), "{typed:?}");
    client.shutdown();

    // Only clients that ask are told when a version is analysed.
    let quiet = LspClient::start_with(
        root,
        json!({}),
        json!({"experimental": {"planLspAnalysed": false}}),
    );
    let uri = quiet.uri("plans/p.md");
    quiet.open(&uri, plan);
    quiet.diagnostics_where(&uri, |d| d.iter().any(|d| d["code"] == "stale-reference"));
    assert!(quiet.notifications("$/planLsp/analysed").is_empty());
    quiet.shutdown();
}

#[test]
fn a_first_look_never_calls_drift_a_wrong_line() {
    // Two committed plans cite line 15 of a file that has lost lines since: git shows the line
    // was there, so the complete diagnostics say `stale-reference`. Opening the second plan after
    // the first, its line count is cached but git has not been asked for that plan yet.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    let long: String = (1..=20).map(|i| format!("fn f{i}() {{}}\n")).collect();
    std::fs::write(root.join("src/b.rs"), &long).unwrap();
    let plan = "# Plan\n\n- The cache is built in `src/b.rs:15`.\n";
    std::fs::write(root.join("plans/one.md"), plan).unwrap();
    std::fs::write(root.join("plans/two.md"), plan).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "plans"]);
    let short: String = (1..=10).map(|i| format!("fn f{i}() {{}}\n")).collect();
    std::fs::write(root.join("src/b.rs"), short).unwrap();

    let client = LspClient::start(root, json!({}));
    for name in ["plans/one.md", "plans/two.md"] {
        let uri = client.uri(name);
        client.open(&uri, plan);
        let complete = client.diagnostics(&uri);
        assert!(
            complete.iter().any(|d| d["code"] == "stale-reference"),
            "{name}: {complete:?}"
        );
        for (published, _) in publications(&client, &uri) {
            assert!(
                !codes(&published).contains(&"line-out-of-range".to_owned()),
                "{name}: a line git shows was there is never called out of range: {published}"
            );
        }
    }
    client.shutdown();
}

#[test]
fn a_long_plan_shows_the_placeholders_at_its_start_before_the_whole_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/a.rs"), "fn a() {}\n").unwrap();
    let mut plan = String::from("# Plan\n\n## Status quo\n\n");
    for i in 0..500 {
        plan.push_str(&format!(
            "- Step {i} in `src/a.rs:{}` and [the next](#risks): [NEEDS CLARIFICATION: who owns step {i}?]\n",
            i % 3 + 1
        ));
    }
    plan.push_str("\n## Risks\n\nNone yet. TBD\n");
    let client = LspClient::start(root, json!({}));
    let uri = client.uri("plan.md");
    client.open(&uri, &plan);
    let complete = client.diagnostics(&uri);
    let published = publications(&client, &uri);
    let (first, early) = &published[0];
    assert!(early);
    let first = first["diagnostics"].as_array().unwrap();
    assert!(
        !first.is_empty() && first.len() < 500,
        "the start only: {} placeholders",
        first.len()
    );
    assert!(first.iter().all(|d| d["code"] == "placeholder"));
    // Exactly as the complete analysis says them (ids included), and in the same order.
    let placeholders: Vec<_> = complete
        .iter()
        .filter(|d| d["code"] == "placeholder")
        .collect();
    let same = first.iter().zip(&placeholders).all(|(a, b)| a == *b);
    assert!(same, "the first look differs from the complete list");
    assert!(complete.len() > 500, "{}", complete.len());
    client.shutdown();
}

#[test]
fn a_plan_with_thousands_of_findings_shows_those_where_the_user_types() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut plan = String::from("# Plan\n\n## Open questions\n\n");
    for i in 0..3000 {
        plan.push_str(&format!(
            "- Q{i}: [NEEDS CLARIFICATION: who owns part {i}?]\n"
        ));
    }
    let client = LspClient::start(root, json!({}));
    let uri = client.uri("plan.md");
    client.open(&uri, &plan);
    let opened = client.diagnostics(&uri);
    assert_eq!(opened.len(), 1000, "no more than an editor shows");
    assert_eq!(opened[0]["data"]["id"], "P1", "the start first");
    // Typing near the end brings the findings there.
    let line = 4 + 2900;
    client.change(&uri, range(line, 0, line, 0), "x");
    let typed = client.diagnostics(&uri);
    assert_eq!(typed.len(), 1000);
    assert!(
        typed.iter().any(|d| d["range"]["start"]["line"] == line),
        "the edited line's placeholder is shown"
    );
    assert!(typed
        .iter()
        .all(|d| d["range"]["start"]["line"].as_u64() > Some(1000)));
    client.shutdown();
}

#[test]
fn a_large_edit_being_parsed_holds_up_no_request_on_another_document() {
    // Issue 10, case 7: a model's long answer applied to a plan is a large didChange. Its parse
    // happens off the request path: a request on another document is answered while a request
    // on the edited one still waits for that parse.
    let dir = tempfile::tempdir().unwrap();
    let client = LspClient::start(dir.path(), json!({}));
    let (a, b) = (client.uri("a.md"), client.uri("b.md"));
    client.open(&a, "# A\n\n## Steps\n\n- one\n");
    client.open(&b, "# B\n\n## Steps\n\n- two [TBD]\n");
    client.diagnostics(&a);
    client.diagnostics(&b);
    let answer: String = (0..40_000)
        .map(|i| format!("- Step {i}: update `src/a.rs:{i}` and [see](#steps). TBD\n"))
        .collect();
    client.change(&a, range(5, 0, 5, 0), &answer);
    let symbols = |uri: &str| json!({"textDocument": {"uri": uri}});
    let on_a = client.send_request("textDocument/documentSymbol", symbols(&a));
    let on_b = client.send_request("textDocument/documentSymbol", symbols(&b));
    client.response(on_b, Duration::from_secs(60)).unwrap();
    assert!(
        !client.has_response(on_a),
        "the edited document's outline came no later than another's: the large edit was parsed \
         on the request path"
    );
    let outline = client.response(on_a, Duration::from_secs(120)).unwrap();
    assert!(outline.as_array().is_some_and(|s| !s.is_empty()));
    client.shutdown();
}
