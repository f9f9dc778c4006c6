//! The reliability probes against the one door to the disk, over real JSON-RPC and through the
//! CLI: FIFOs, huge files, symlinks out of the workspace, files swapped for symlinks, secrets,
//! and new plans written through a symlinked folder. Big files are sparse, so tests stay fast.

#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/fake_http.rs"]
mod fake_http;
#[path = "support/fake_openai.rs"]
mod fake_openai;
#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fake_github::{FakeGitHub, SeedIssue};
use fake_openai::{FakeOpenAi, Reply};
use lsp_client::LspClient;
use serde_json::{json, Value};

/// What an outside file says; never seen by the editor or a model.
const OUTSIDE_TEXT: &str = "OUTSIDE_WORKSPACE_TEXT";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

fn sparse_file(path: &Path, len: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// The position just inside the first occurrence of `needle`.
fn position_in(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + 1;
    let line = text[..at].matches('\n').count();
    let character = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

fn hover(client: &LspClient, uri: &str, text: &str, needle: &str) -> String {
    let result = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position_in(text, needle)}),
        )
        .expect("hover answers");
    result["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn wait_indexed(client: &LspClient) {
    client.wait_notification("$/progress", |p| {
        p["value"]["kind"] == "end"
            && p["value"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Indexed"))
    });
}

fn open(client: &LspClient, root: &Path, rel: &str, text: &str) -> String {
    write(root, rel, text);
    let uri = client.uri(rel);
    client.open(&uri, text);
    uri
}

#[test]
fn a_fifo_cited_by_a_plan_hangs_neither_the_server_nor_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/a.rs", "fn a() {}\n");
    mkfifo(&root.join("src/pipe.rs"));
    let plan = "# Plan\n\nSee `src/pipe.rs:3` and `src/pipe.rs`.\n";
    let client = LspClient::start(root, json!({}));
    wait_indexed(&client);
    let uri = open(&client, root, "plans/p.md", plan);
    client.diagnostics(&uri);
    let shown = hover(&client, &uri, plan, "src/pipe.rs:3");
    assert!(shown.contains("Not a regular file"), "{shown}");
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .expect("other requests still answer");
    assert!(symbols.is_array());
    client.shutdown();

    let mut child = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .args(["check", "plans/p.md"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("plan-lsp check hung on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn huge_files_give_bounded_hovers_that_say_they_were_cut() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    sparse_file(&root.join("logs/z.log"), 400 << 20);
    // A minified bundle: one 5.6 MB line.
    write(root, "web/app.min.js", &"a;".repeat(2_800_000));
    let plan = "# Plan\n\nSee `logs/z.log:3`, `logs/z.log` and `web/app.min.js:1`.\n";
    let client = LspClient::start(root, json!({}));
    let uri = open(&client, root, "plans/p.md", plan);
    let diagnostics = client.diagnostics(&uri);
    assert!(
        diagnostics.iter().all(|d| d["code"] != "broken-link"),
        "a line not read is not a broken line: {diagnostics:?}"
    );
    let far = hover(&client, &uri, plan, "logs/z.log:3");
    assert!(far.len() < 16 * 1024, "{} bytes", far.len());
    assert!(far.contains("index.maxFileBytes"), "{far}");
    let whole = hover(&client, &uri, plan, "logs/z.log` and");
    assert!(whole.len() < 16 * 1024, "{} bytes", whole.len());
    assert!(whole.contains("cut:"), "{whole}");
    let minified = hover(&client, &uri, plan, "web/app.min.js:1");
    assert!(minified.len() < 16 * 1024, "{} bytes", minified.len());
    assert!(minified.contains("shortened"), "{minified}");
    client.shutdown();
}

#[test]
fn a_file_swapped_for_a_symlink_to_outside_is_refused_on_the_next_hover() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/a.rs", "fn inside() {}\n");
    write(outside.path(), "secret.rs", &format!("// {OUTSIDE_TEXT}\n"));
    let plan = "# Plan\n\nSee `src/a.rs:1`.\n";
    let client = LspClient::start(root, json!({}));
    let uri = open(&client, root, "plans/p.md", plan);
    client.diagnostics(&uri);
    assert!(hover(&client, &uri, plan, "src/a.rs").contains("fn inside()"));
    std::fs::remove_file(root.join("src/a.rs")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.rs"), root.join("src/a.rs")).unwrap();
    let shown = hover(&client, &uri, plan, "src/a.rs");
    assert!(!shown.contains(OUTSIDE_TEXT), "{shown}");
    assert!(shown.contains("Outside the workspace"), "{shown}");
    client.shutdown();
}

/// A workspace with fakes of GitHub and a model, for what reaches them.
struct Bench {
    _runtime: tokio::runtime::Runtime,
    github: FakeGitHub,
    openai: FakeOpenAi,
    dir: tempfile::TempDir,
    outside: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let runtime = fake_http::runtime();
        let github = runtime.block_on(FakeGitHub::start());
        let openai = runtime.block_on(FakeOpenAi::start());
        github.add_issue(
            "acme",
            "rocket",
            12,
            SeedIssue {
                title: "Retry failed uploads".into(),
                body: "Uploads fail.".into(),
                labels: vec![],
                state: "open".into(),
                updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
            },
        );
        Bench {
            _runtime: runtime,
            github,
            openai,
            dir: tempfile::tempdir().unwrap(),
            outside: tempfile::tempdir().unwrap(),
        }
    }

    fn start(&self) -> LspClient {
        LspClient::start_env(
            self.dir.path(),
            json!({
                "github": {"apiUrl": self.github.url, "token": "ghp_test_token"},
                "llm": {
                    "apiBase": self.openai.base,
                    "model": "test-model",
                    "apiKeyEnv": "PLAN_LSP_TEST_LLM_KEY",
                    "timeoutSeconds": 10,
                    "maxContextBytes": 20000,
                },
            }),
            json!({}),
            &[
                ("PLAN_LSP_TEST_LLM_KEY", "sk-test-key"),
                ("GITHUB_TOKEN", ""),
                ("GH_TOKEN", ""),
            ],
        )
    }

    /// Every byte sent to the model.
    fn sent_to_model(&self) -> String {
        self.openai
            .requests()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).to_string())
            .collect()
    }
}

#[test]
fn a_symlink_out_of_the_workspace_is_never_indexed_shown_or_sent() {
    let bench = Bench::new();
    let root = bench.dir.path();
    write(
        bench.outside.path(),
        "leak.py",
        &format!("def leaked_upload_helper():\n    return \"{OUTSIDE_TEXT}\"\n"),
    );
    write(
        root,
        "src/upload.py",
        "def upload_with_retry():\n    pass\n",
    );
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::os::unix::fs::symlink(
        bench.outside.path().join("leak.py"),
        root.join("src/leak.py"),
    )
    .unwrap();
    let plan = "# Retry uploads\n\n## Status quo\n\nUploads: `leaked_upload_helper()` and \
                `upload_with_retry()`, see `src/leak.py`.\n\n## Overview\n\n[PLACEHOLDER: x]\n";
    bench
        .openai
        .push(Reply::stream(&["```markdown\n## Overview\nDone.\n```"]));
    let client = bench.start();
    wait_indexed(&client);
    let uri = open(&client, root, "plans/p.md", plan);
    client.diagnostics(&uri);
    let shown = hover(&client, &uri, plan, "leaked_upload_helper()");
    assert!(
        !shown.contains(OUTSIDE_TEXT) && !shown.contains("src/leak.py:"),
        "{shown}"
    );
    let shown = hover(&client, &uri, plan, "src/leak.py");
    assert!(!shown.contains(OUTSIDE_TEXT), "{shown}");
    let gathered = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.gatherContext", "arguments": [{"uri": uri, "query": "leaked upload helper"}]}),
        )
        .expect("gathered");
    let gathered = gathered.to_string();
    assert!(!gathered.contains("leak.py"), "{gathered}");
    assert!(gathered.contains("src/upload.py"), "{gathered}");
    client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.fillSection", "arguments": [{"uri": uri, "section": "Overview"}]}),
        )
        .expect("filled");
    let sent = bench.sent_to_model();
    assert!(sent.contains("upload_with_retry"), "the model got context");
    assert!(!sent.contains(OUTSIDE_TEXT) && !sent.contains("leaked_upload_helper():\\n"));
    client.shutdown();
}

#[test]
fn env_files_and_secrets_folders_never_reach_the_model() {
    let bench = Bench::new();
    let root = bench.dir.path();
    write(root, "deploy/prod.env", "UPLOAD_TOKEN=PROD_ENV_SECRET\n");
    write(root, "secrets/token.txt", "upload token TOKEN_TXT_SECRET\n");
    write(root, "src/upload.rs", "pub fn upload_with_token() {}\n");
    let plan = "# Upload tokens\n\n## Status quo\n\nTokens live in `deploy/prod.env:1` and \
                `secrets/token.txt`; uploads in `src/upload.rs`.\n\n## Overview\n\n[PLACEHOLDER: x]\n";
    bench
        .openai
        .push(Reply::stream(&["```markdown\n## Overview\nDone.\n```"]));
    let client = bench.start();
    wait_indexed(&client);
    let uri = open(&client, root, "plans/p.md", plan);
    client.diagnostics(&uri);
    let shown = hover(&client, &uri, plan, "deploy/prod.env");
    assert!(!shown.contains("PROD_ENV_SECRET"), "{shown}");
    assert!(shown.contains("secrets"), "{shown}");
    client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.fillSection", "arguments": [{"uri": uri, "section": "Overview"}]}),
        )
        .expect("filled");
    let sent = bench.sent_to_model();
    assert!(sent.contains("upload_with_token"), "the model got context");
    assert!(
        !sent.contains("PROD_ENV_SECRET"),
        "deploy/prod.env was sent"
    );
    assert!(
        !sent.contains("TOKEN_TXT_SECRET"),
        "secrets/token.txt was sent"
    );
    client.shutdown();
}

#[test]
fn new_plans_are_never_written_through_a_symlinked_folder() {
    let bench = Bench::new();
    let root = bench.dir.path();
    write(root, "README.md", "# Rocket\n");
    std::os::unix::fs::symlink(bench.outside.path(), root.join("plans")).unwrap();
    std::os::unix::fs::symlink(bench.outside.path(), root.join("linkdir")).unwrap();
    let client = LspClient::start_env(
        root,
        json!({"github": {"apiUrl": bench.github.url, "token": "ghp_test_token"}}),
        json!({}),
        &[("GITHUB_TOKEN", ""), ("GH_TOKEN", "")],
    );
    for arguments in [
        json!({"issue": "acme/rocket#12"}),
        json!({"issue": "acme/rocket#12", "path": "linkdir/x.md"}),
    ] {
        let error = client
            .request(
                "workspace/executeCommand",
                json!({"command": "plan.newFromIssue", "arguments": [arguments]}),
            )
            .expect_err("refused");
        assert!(
            error["message"].as_str().unwrap().contains("symbolic link"),
            "{error}"
        );
    }
    assert!(
        client.server_requests("workspace/applyEdit").is_empty(),
        "no edit was even proposed"
    );
    assert_eq!(
        std::fs::read_dir(bench.outside.path()).unwrap().count(),
        0,
        "nothing was written outside"
    );
    let created = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.newFromIssue", "arguments": [{"issue": "acme/rocket#12", "path": "docs/12.md"}]}),
        )
        .expect("a real folder is fine");
    assert!(created["uri"].as_str().unwrap().ends_with("docs/12.md"));
    client.shutdown();
}
