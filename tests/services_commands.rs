//! The service-backed commands end to end: the real `plan-lsp` binary over JSON-RPC, talking to
//! local GitHub and OpenAI servers. In every failure the document stays as it was and the editor
//! gets an error that says what to do.

#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/fake_http.rs"]
mod fake_http;
#[path = "support/fake_openai.rs"]
mod fake_openai;
#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fake_github::{FakeGitHub, Fault, SeedIssue};
use fake_openai::{FakeOpenAi, Reply, StreamEnd};
use lsp_client::{pos, range, EditPolicy, LspClient};
use serde_json::{json, Value};

const PLAN: &str = "---
issue: acme/rocket#12
updated_at: 2026-11-20T09:30:00Z
---

# Retry failed uploads

## Status quo

Uploads live in `src/upload.rs:2`; settings come from [the env file](../.env).

## Best Practices

Use exponential backoff.

## Proposed Implementation

### Overview

[PLACEHOLDER: Summarise the approach in a few sentences.]

### Components

- [NEEDS CLARIFICATION: How many retries?]

### Order of implementation

1. Add the retry loop.

### Risks and mitigations

- Duplicate uploads: send idempotency keys.

### Open questions

- [NEEDS CLARIFICATION: Which errors are transient?]
";

const ANALYSIS: &str = "### Summary\nUploads must survive flaky networks.\n### Key components\n- upload client\n\
### Challenges\n- duplicate uploads\n### Clarifying questions\n- How many retries?\n- Should users see progress?\n";

/// A workspace with a plan and the fakes it talks to.
struct Bench {
    /// Runs the fakes; dropped with the bench.
    _runtime: tokio::runtime::Runtime,
    github: FakeGitHub,
    openai: FakeOpenAi,
    dir: tempfile::TempDir,
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
                body: "Uploads fail on flaky networks.\n\nThey should retry.".into(),
                labels: vec!["bug".into(), "network".into()],
                state: "open".into(),
                updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
            },
        );
        github.add_comment(
            "acme",
            "rocket",
            12,
            "mona",
            "Mobile clients see this most.",
        );
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(
            root.join("src/upload.rs"),
            "// uploads\npub fn upload_with_retry() {}\n",
        )
        .unwrap();
        std::fs::write(root.join(".env"), "API_TOKEN=SECRET_VALUE_NEVER_SENT\n").unwrap();
        std::fs::write(
            root.join("src/retry_policy.rs"),
            "/// Upload retry policy.\npub fn upload_retry_delay(attempt: u32) -> u64 {\n    100 << attempt\n}\n",
        )
        .unwrap();
        std::fs::write(root.join(".gitignore"), "src/generated_uploads.rs\n").unwrap();
        std::fs::write(
            root.join("src/generated_uploads.rs"),
            "pub fn upload_retry_generated() { let _ = \"IGNORED_FILE_NEVER_SENT\"; }\n",
        )
        .unwrap();
        std::fs::write(
            root.join(".git/config"),
            "[remote \"origin\"]\n\turl = git@github.com:acme/rocket.git\n",
        )
        .unwrap();
        Bench {
            _runtime: runtime,
            github,
            openai,
            dir,
        }
    }

    fn settings(&self, llm: bool, timeout_seconds: u64) -> Value {
        let mut settings = json!({
            "github": {"apiUrl": self.github.url, "token": "ghp_test_token"},
        });
        if llm {
            settings["llm"] = json!({
                "apiBase": self.openai.base,
                "model": "test-model",
                "apiKeyEnv": "PLAN_LSP_TEST_LLM_KEY",
                "timeoutSeconds": timeout_seconds,
                "maxContextBytes": 20000,
            });
        }
        settings
    }

    fn start(&self, llm: bool) -> LspClient {
        self.start_with(self.settings(llm, 10))
    }

    fn start_with(&self, settings: Value) -> LspClient {
        LspClient::start_env(
            self.dir.path(),
            settings,
            json!({}),
            &[
                ("PLAN_LSP_TEST_LLM_KEY", "sk-test-key"),
                ("GITHUB_TOKEN", ""),
                ("GH_TOKEN", ""),
            ],
        )
    }

    /// Opens the plan at `plans/12-retry.md` and waits for its first diagnostics.
    fn open_plan(&self, client: &LspClient, text: &str) -> String {
        let uri = client.uri("plans/12-retry.md");
        std::fs::write(self.dir.path().join("plans/12-retry.md"), text).unwrap();
        client.open(&uri, text);
        client.diagnostics(&uri);
        uri
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }
}

fn command(client: &LspClient, name: &str, arguments: Value) -> Result<Value, Value> {
    client.request(
        "workspace/executeCommand",
        json!({"command": name, "arguments": [arguments]}),
    )
}

fn message(error: &Value) -> String {
    error["message"].as_str().unwrap_or_default().to_string()
}

fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the background code index is complete (its progress ends).
fn wait_indexed(client: &LspClient) {
    client.wait_notification("$/progress", |p| {
        p["value"]["kind"] == "end"
            && p["value"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Indexed"))
    });
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).expect(needle) as u32
}

#[test]
fn new_from_issue_without_a_model_writes_the_skeleton_and_the_issue_text() {
    let bench = Bench::new();
    let client = bench.start(false);
    let result = command(&client, "plan.newFromIssue", json!({"issue": "#12"})).expect("created");
    let uri = result["uri"].as_str().unwrap();
    assert!(uri.ends_with("/plans/12-retry-failed-uploads.md"), "{uri}");
    let created =
        std::fs::read_to_string(bench.root().join("plans/12-retry-failed-uploads.md")).unwrap();
    assert!(
        created.starts_with("---\nissue: acme/rocket#12\nupdated_at: 2026-11-20T09:30:00Z\n"),
        "{created}"
    );
    assert!(
        created.contains("> Uploads fail on flaky networks."),
        "{created}"
    );
    assert!(created.contains("labels: bug, network"));
    assert!(
        created.contains("### Open questions\n\n[PLACEHOLDER:"),
        "{created}"
    );
    let create = &client.server_requests("workspace/applyEdit")[0]["edit"]["documentChanges"];
    assert_eq!(create[0]["kind"], "create");
    assert_eq!(create[0]["options"]["overwrite"], false);
    assert!(
        bench.openai.requests().is_empty(),
        "no model configured, none asked"
    );
    let again = command(
        &client,
        "plan.newFromIssue",
        json!({"issue": "acme/rocket#12"}),
    )
    .unwrap_err();
    assert!(message(&again).contains("already exists"), "{again}");
}

/// Editors start the server with their own environment: its `GITHUB_TOKEN` is used when the
/// settings give no token (absent, or the empty string an editor may send); a token in the
/// settings wins.
#[test]
fn the_token_from_the_editors_environment_reaches_github() {
    let bench = Bench::new();
    let cases = [
        (Value::Null, "ghp_from_env"),
        (json!(""), "ghp_from_env"),
        (json!("ghp_from_settings"), "ghp_from_settings"),
    ];
    for (n, (setting, expected)) in cases.into_iter().enumerate() {
        let settings = json!({"github": {"apiUrl": bench.github.url, "token": setting}});
        let client = LspClient::start_env(
            bench.root(),
            settings,
            json!({}),
            &[("GITHUB_TOKEN", "ghp_from_env"), ("GH_TOKEN", "")],
        );
        let seen = bench.github.requests().len();
        let path = format!("plans/token-{n}.md");
        command(
            &client,
            "plan.newFromIssue",
            json!({"issue": "acme/rocket#12", "path": path}),
        )
        .expect("created");
        let requests = bench.github.requests();
        let sent = requests[seen..]
            .iter()
            .find(|r| r.path == "/repos/acme/rocket/issues/12")
            .expect("the issue was asked for");
        let authorization = sent.header("authorization").unwrap_or_default();
        assert!(
            authorization.ends_with(&format!(" {expected}")),
            "token setting {setting}: sent {authorization:?}"
        );
    }
}

#[test]
fn new_from_issue_with_a_model_writes_its_analysis_and_questions() {
    let bench = Bench::new();
    bench.openai.push(Reply::stream(
        &ANALYSIS.split_inclusive('\n').collect::<Vec<_>>(),
    ));
    let client = bench.start(true);
    let result = command(
        &client,
        "plan.newFromIssue",
        json!({"issue": "https://github.com/acme/rocket/issues/12", "path": "docs/retry.md"}),
    )
    .expect("created");
    assert!(result["uri"].as_str().unwrap().ends_with("/docs/retry.md"));
    let created = std::fs::read_to_string(bench.root().join("docs/retry.md")).unwrap();
    assert!(
        created.contains("Uploads must survive flaky networks."),
        "{created}"
    );
    assert!(
        created.contains("### Key components\n\n- upload client"),
        "{created}"
    );
    assert!(
        created.contains("### Open questions\n\n- [NEEDS CLARIFICATION: How many retries?]\n- [NEEDS CLARIFICATION: Should users see progress?]"),
        "{created}"
    );
    let prompt = &bench.openai.user_prompts()[0];
    assert!(
        prompt.contains("Retry failed uploads") && prompt.contains("Mobile clients see this most."),
        "{prompt}"
    );
    let progress = client.notifications("$/progress");
    let analysing = progress
        .iter()
        .find(|p| p["value"]["title"] == "Analysing acme/rocket#12")
        .expect("progress while the model writes");
    assert_eq!(analysing["value"]["cancellable"], true);
    assert!(progress
        .iter()
        .any(|p| p["token"] == analysing["token"] && p["value"]["kind"] == "end"));
    assert!(!client
        .server_requests("window/workDoneProgress/create")
        .is_empty());
}

#[test]
fn new_from_issue_failures_create_nothing_and_say_what_to_do() {
    let bench = Bench::new();
    let client = bench.start(false);
    let cases: Vec<(Fault, &str)> = vec![
        (
            Fault::status(401, "Bad credentials"),
            "set planLsp.github.token or GITHUB_TOKEN",
        ),
        (
            Fault::rate_limited(1_900_000_000),
            "try again after 2030-03-17 17:46:40 UTC",
        ),
        (Fault::status(500, "boom"), "try again in a minute"),
        (Fault::MalformedJson, "planLsp.github.apiUrl"),
    ];
    for (fault, expected) in cases {
        bench.github.clear_faults();
        bench.github.fail(None, "/issues/12", fault);
        let error = command(
            &client,
            "plan.newFromIssue",
            json!({"issue": "acme/rocket#12"}),
        )
        .unwrap_err();
        assert!(message(&error).contains(expected), "{expected}: {error}");
        assert!(!message(&error).contains("ghp_test_token"));
    }
    bench.github.clear_faults();
    let error = command(
        &client,
        "plan.newFromIssue",
        json!({"issue": "acme/rocket#404"}),
    )
    .unwrap_err();
    assert!(
        message(&error).contains("not found on GitHub (404)"),
        "{error}"
    );
    let error = command(&client, "plan.newFromIssue", json!({"issue": "nonsense"})).unwrap_err();
    assert!(message(&error).contains("owner/repo#N"), "{error}");
    assert!(client.server_requests("workspace/applyEdit").is_empty());
    assert!(std::fs::read_dir(bench.root().join("plans"))
        .unwrap()
        .next()
        .is_none());
}

#[test]
fn fill_section_replaces_only_that_body_and_sends_only_allowed_files() {
    let bench = Bench::new();
    bench.openai.push(Reply::stream(&[
        "```markdown\n### Overview\n",
        "Wrap uploads in a retry loop ",
        "with backoff.\n```",
    ]));
    let client = bench.start(true);
    wait_indexed(&client);
    let uri = bench.open_plan(&client, PLAN);
    let result = command(
        &client,
        "plan.fillSection",
        json!({"uri": uri, "section": "Overview", "instruction": "be brief"}),
    )
    .expect("filled");
    assert_eq!(result["applied"], true);
    let expected = PLAN.replace(
        "[PLACEHOLDER: Summarise the approach in a few sentences.]",
        "Wrap uploads in a retry loop with backoff.",
    );
    assert_eq!(client.text(&uri), expected);
    let prompt = &bench.openai.user_prompts()[0];
    assert!(prompt.contains("Write the body of the section \"Overview\""));
    assert!(prompt.contains("The author asks: be brief"));
    assert!(
        prompt.contains("A high-level overview of the approach"),
        "template guidance: {prompt}"
    );
    assert!(
        prompt.contains("pub fn upload_with_retry"),
        "cited file is context: {prompt}"
    );
    assert!(
        prompt.contains("src/retry_policy.rs:2 fn pub fn upload_retry_delay"),
        "ranked file outlines are context: {prompt}"
    );
    assert!(
        prompt.contains("Uploads fail on flaky networks."),
        "issue is material"
    );
    let all: String = bench
        .openai
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .collect();
    assert!(
        !all.contains("SECRET_VALUE_NEVER_SENT"),
        ".env must never reach the model"
    );
    assert!(
        !all.contains("IGNORED_FILE_NEVER_SENT") && !all.contains("upload_retry_generated"),
        "gitignored files never reach the model"
    );
    let error = command(
        &client,
        "plan.fillSection",
        json!({"uri": uri, "section": "Nope"}),
    )
    .unwrap_err();
    assert!(
        message(&error).contains("its sections are: Retry failed uploads, Status quo"),
        "{error}"
    );
}

#[test]
fn refine_rewrites_only_the_range() {
    let bench = Bench::new();
    bench
        .openai
        .push(Reply::stream(&["Use capped exponential backoff."]));
    let client = bench.start(true);
    let uri = bench.open_plan(&client, PLAN);
    let line = line_of(PLAN, "Use exponential backoff.");
    let result = command(
        &client,
        "plan.refine",
        json!({"uri": uri, "range": range(line, 0, line, 24), "instruction": "be precise"}),
    )
    .expect("refined");
    assert_eq!(result["applied"], true);
    assert_eq!(
        client.text(&uri),
        PLAN.replace(
            "Use exponential backoff.",
            "Use capped exponential backoff."
        )
    );
    let prompt = &bench.openai.user_prompts()[0];
    assert!(
        prompt.contains("<selection>\nUse exponential backoff.\n</selection>"),
        "{prompt}"
    );

    // A whole indented line: the model's fence goes, the indentation and line break stay.
    bench.openai.push(Reply::stream(&[
        "```markdown\n- bounded by three attempts\n```",
    ]));
    let other = client.uri("plans/other.md");
    let text = "# Notes\n\n- retries\n  - nested detail\n- last\n";
    client.open(&other, text);
    command(
        &client,
        "plan.refine",
        json!({"uri": other, "range": range(3, 0, 4, 0), "instruction": "be precise"}),
    )
    .expect("refined");
    assert_eq!(
        client.text(&other),
        "# Notes\n\n- retries\n  - bounded by three attempts\n- last\n"
    );
}

#[test]
fn suggest_answer_offers_and_answer_placeholder_records_a_clarification() {
    let bench = Bench::new();
    bench
        .openai
        .push(Reply::json("Three retries, then give up."));
    let client = bench.start(true);
    let uri = bench.open_plan(&client, PLAN);
    let suggested = command(
        &client,
        "plan.suggestAnswer",
        json!({"uri": uri, "placeholder": "P2"}),
    )
    .expect("suggested");
    assert_eq!(suggested["answer"], "Three retries, then give up.");
    assert_eq!(suggested["question"], "How many retries?");
    assert_eq!(
        client.text(&uri),
        PLAN,
        "a suggestion alone changes nothing"
    );
    let line = line_of(PLAN, "How many retries?");
    let answered = command(
        &client,
        "plan.answerPlaceholder",
        json!({"uri": uri, "placeholder": {"line": line, "character": 5}, "answer": "Three."}),
    )
    .expect("answered");
    assert_eq!(answered["answered"], "P2");
    let text = client.text(&uri);
    assert!(text.contains("### Components\n\n- Three.\n"), "{text}");
    assert!(
        text.ends_with("## Clarifications\n\n- Q: How many retries? → A: Three.\n"),
        "{text}"
    );
    let status = command(&client, "plan.status", json!({"uri": uri})).unwrap();
    assert_eq!(status["answered"], 1);
    assert!(
        status["issueDrift"].is_null(),
        "the issue did not change: {status}"
    );
    assert_eq!(status["open"], 2);
}

#[test]
fn ask_on_issue_posts_once_then_edits_and_sync_reads_the_replies() {
    let bench = Bench::new();
    let client = bench.start(false);
    let uri = bench.open_plan(&client, PLAN);
    let asked = command(&client, "plan.askOnIssue", json!({"uri": uri})).expect("asked");
    let id = asked["commentId"].as_u64().unwrap();
    assert_eq!(
        asked["questions"], 2,
        "writing prompts are not questions for the author"
    );
    let posted = bench
        .github
        .comments()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap();
    assert!(
        posted.body.contains(
            "1. [ ] **P2**: How many retries?\n2. [ ] **P3**: Which errors are transient?"
        ),
        "{}",
        posted.body
    );
    let text = client.text(&uri);
    assert!(
        text.contains(&format!("questions_comment: {id}\n---")),
        "{text}"
    );

    let again = command(&client, "plan.askOnIssue", json!({"uri": uri})).expect("asked again");
    assert_eq!(again["commentId"].as_u64(), Some(id));
    assert_eq!(again["edited"], true);
    assert_eq!(bench.github.comments().len(), 2, "edited, not posted twice");
    let update = bench
        .github
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(&format!("/comments/{id}")))
        .count();
    assert_eq!(update, 1);

    bench.github.add_comment(
        "acme",
        "rocket",
        12,
        "mona",
        "> P2 How many retries?\nP2: three\nP3 — timeouts and 503s",
    );
    let offered = command(&client, "plan.syncAnswers", json!({"uri": uri})).expect("synced");
    assert_eq!(offered["applied"], false);
    let answers = offered["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2, "{offered}");
    assert_eq!(answers[0]["placeholder"], "P2");
    assert_eq!(answers[0]["answer"], "three");
    assert_eq!(answers[0]["author"], "mona");
    assert_eq!(client.text(&uri), text, "offering changes nothing");
    let applied = command(
        &client,
        "plan.syncAnswers",
        json!({"uri": uri, "apply": true}),
    )
    .expect("applied");
    assert_eq!(applied["applied"], true);
    let text = client.text(&uri);
    assert!(text.contains("- Q: How many retries? → A: three\n- Q: Which errors are transient? → A: timeouts and 503s\n"), "{text}");
    assert!(!text.contains("NEEDS CLARIFICATION"));
}

#[test]
fn ask_on_issue_failures_leave_the_plan_alone() {
    let bench = Bench::new();
    let client = bench.start_with(json!({"github": {"apiUrl": bench.github.url}}));
    let uri = bench.open_plan(&client, PLAN);
    let error = command(&client, "plan.askOnIssue", json!({"uri": uri})).unwrap_err();
    assert!(
        message(&error).contains("GitHub token not configured: set planLsp.github.token"),
        "{error}"
    );
    drop(client);
    let client = bench.start(false);
    let uri = bench.open_plan(&client, PLAN);
    bench.github.fail(
        Some("POST"),
        "/comments",
        Fault::status(403, "Resource not accessible by integration"),
    );
    let error = command(&client, "plan.askOnIssue", json!({"uri": uri})).unwrap_err();
    assert!(message(&error).contains("permission"), "{error}");
    assert_eq!(client.text(&uri), PLAN);
    let error = command(&client, "plan.syncAnswers", json!({"uri": uri})).unwrap_err();
    assert!(
        message(&error).contains("run plan.askOnIssue first"),
        "{error}"
    );
    let no_issue = PLAN.replace("issue: acme/rocket#12\n", "");
    client.change(&uri, range(0, 0, 100, 0), &no_issue);
    let error = command(&client, "plan.askOnIssue", json!({"uri": uri})).unwrap_err();
    assert!(
        message(&error).contains("add `issue: owner/repo#N`"),
        "{error}"
    );
}

#[test]
fn status_and_diagnostics_report_issue_drift() {
    let bench = Bench::new();
    bench.github.touch_issue(
        "acme",
        "rocket",
        12,
        Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap(),
    );
    let client = bench.start(false);
    let uri = bench.open_plan(&client, PLAN);
    let diagnostics =
        client.diagnostics_where(&uri, |d| d.iter().any(|d| d["code"] == "issue-drift"));
    let drift = diagnostics
        .iter()
        .find(|d| d["code"] == "issue-drift")
        .unwrap();
    assert_eq!(drift["range"]["start"]["line"], 2, "on the updated_at line");
    assert!(
        drift["message"]
            .as_str()
            .unwrap()
            .contains("changed on GitHub at 2026-11-25T08:00:00Z"),
        "{drift}"
    );
    let status = command(&client, "plan.status", json!({"uri": uri})).unwrap();
    assert_eq!(
        status["issueDrift"]["recorded"], "2026-11-20T09:30:00Z",
        "{status}"
    );
    assert_eq!(status["issueDrift"]["current"], "2026-11-25T08:00:00Z");
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(2, 3, 2, 3), "context": {"diagnostics": [drift]}}),
        )
        .unwrap();
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Mark the plan as up to date")
        })
        .expect("a quick fix for the drift");
    let edit = &fix["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(edit["newText"], "updated_at: 2026-11-25T08:00:00Z");
    assert_eq!(edit["range"]["start"]["line"], 2);
}

#[test]
fn hover_on_issue_mentions_shows_title_state_and_labels_from_a_cache() {
    let bench = Bench::new();
    let client = bench.start(false);
    let text = format!("{PLAN}\nSee #12 and https://github.com/acme/rocket/issues/12.\n");
    let uri = bench.open_plan(&client, &text);
    let line = line_of(&text, "See #12");
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(line, 5)}),
        )
        .unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("**Retry failed uploads** · open"), "{value}");
    assert!(value.contains("`bug`, `network`"), "{value}");
    assert_eq!(hover["range"]["start"]["character"], 4);
    let before = bench.github.requests().len();
    let url_hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(line, 30)}),
        )
        .unwrap();
    assert!(url_hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("Retry failed uploads"));
    assert_eq!(
        bench.github.requests().len(),
        before,
        "served from the cache"
    );
    let plain = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(line, 1)}),
        )
        .unwrap();
    assert!(plain.is_null(), "{plain}");
}

#[test]
fn code_actions_offer_the_ai_commands_where_they_apply() {
    let bench = Bench::new();
    let client = bench.start(true);
    let uri = bench.open_plan(&client, PLAN);
    let titles = |r: Value| -> Vec<String> {
        let actions = client
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": r, "context": {"diagnostics": []}}),
            )
            .unwrap();
        actions
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    let placeholder = line_of(PLAN, "How many retries?");
    assert!(titles(range(placeholder, 5, placeholder, 5))
        .contains(&"Suggest an answer to P2".to_string()));
    let heading = line_of(PLAN, "### Overview");
    assert!(titles(range(heading, 4, heading, 4))
        .contains(&"Fill section \"Overview\" with AI".to_string()));
    let prose = line_of(PLAN, "Use exponential");
    let selected = titles(range(prose, 0, prose, 10));
    assert!(
        selected.contains(&"Refine with AI…".to_string()),
        "{selected:?}"
    );
    assert!(!selected.iter().any(|t| t.starts_with("Fill section")));
}

#[test]
fn model_commands_without_a_model_say_how_to_configure_one() {
    let bench = Bench::new();
    let client = bench.start(false);
    let uri = bench.open_plan(&client, PLAN);
    let line = line_of(PLAN, "How many retries?");
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(line, 5, line, 20), "context": {"diagnostics": []}}),
        )
        .unwrap();
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(
        !titles
            .iter()
            .any(|t| t.contains("AI") || t.starts_with("Suggest")),
        "no AI actions without a model: {titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("Open questions")),
        "the core's own actions stay: {titles:?}"
    );
    for (name, args) in [
        (
            "plan.fillSection",
            json!({"uri": uri, "section": "Overview"}),
        ),
        (
            "plan.refine",
            json!({"uri": uri, "range": range(10, 0, 10, 5), "instruction": "x"}),
        ),
        (
            "plan.suggestAnswer",
            json!({"uri": uri, "placeholder": "P1"}),
        ),
    ] {
        let error = command(&client, name, args).unwrap_err();
        assert_eq!(
            message(&error),
            "LLM not configured: set planLsp.llm.apiBase and planLsp.llm.model",
            "{name}"
        );
    }
    assert_eq!(client.text(&uri), PLAN);
    assert!(client.server_requests("workspace/applyEdit").is_empty());
}

#[test]
fn model_failures_change_nothing_and_say_what_to_do() {
    let bench = Bench::new();
    let client = bench.start_with(bench.settings(true, 2));
    let uri = bench.open_plan(&client, PLAN);
    let cases: Vec<(Vec<Reply>, &str)> = vec![
        (
            vec![Reply::status(401, "Incorrect API key provided")],
            "PLAN_LSP_TEST_LLM_KEY",
        ),
        (
            vec![Reply::status(404, "model not found")],
            "check planLsp.llm.apiBase",
        ),
        (
            vec![Reply::status(500, "crashed"); 4],
            "server error (500 crashed)",
        ),
        (
            vec![Reply::Delayed(
                Duration::from_secs(10),
                Box::new(Reply::stream(&["late"])),
            )],
            "did not finish within 2 s",
        ),
        (
            vec![Reply::stream(&["Half a ", "sentence"]).ending(StreamEnd::Abort)],
            "cut off before it finished",
        ),
        (
            vec![Reply::stream(&["Half a ", "sentence"]).ending(StreamEnd::CleanCloseWithoutFinish)],
            "cut off before it finished",
        ),
        (
            vec![Reply::Raw {
                content_type: "text/event-stream".into(),
                body: "data: {\"choices\": [oops\n\n".into(),
            }],
            "OpenAI-compatible",
        ),
    ];
    for (replies, expected) in cases {
        for reply in replies {
            bench.openai.push(reply);
        }
        let error = command(
            &client,
            "plan.fillSection",
            json!({"uri": uri, "section": "Overview"}),
        )
        .unwrap_err();
        assert!(message(&error).contains(expected), "{expected}: {error}");
        assert!(
            message(&error).contains("nothing was changed") || !expected.contains("cut"),
            "{error}"
        );
        assert!(!message(&error).contains("sk-test-key"));
    }
    bench.openai.push(Reply::Raw {
        content_type: "application/json".into(),
        body: "{\"choices\": [".into(),
    });
    let error = command(
        &client,
        "plan.suggestAnswer",
        json!({"uri": uri, "placeholder": "P2"}),
    )
    .unwrap_err();
    assert!(
        message(&error).contains("not an OpenAI chat completion"),
        "{error}"
    );
    assert_eq!(client.text(&uri), PLAN);
    assert!(client.server_requests("workspace/applyEdit").is_empty());
}

#[test]
fn cancelling_mid_stream_changes_nothing() {
    let bench = Bench::new();
    let client = bench.start(true);
    let uri = bench.open_plan(&client, PLAN);
    let slow = || {
        Reply::stream(&["one ", "two ", "three ", "four ", "five "])
            .paced(Duration::from_millis(400))
    };

    // Through the progress UI: window/workDoneProgress/cancel.
    bench.openai.push(slow());
    let id = client.send_request(
        "workspace/executeCommand",
        json!({"command": "plan.fillSection", "arguments": [{"uri": uri, "section": "Overview"}]}),
    );
    let begin = client.wait_notification("$/progress", |p| {
        p["value"]["kind"] == "begin" && p["value"]["title"] == "Writing \"Overview\""
    });
    wait_for("the first streamed text", || {
        client.notifications("$/progress").iter().any(|p| {
            p["value"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("characters"))
        })
    });
    let cancelled_at = Instant::now();
    client.notify(
        "window/workDoneProgress/cancel",
        json!({"token": begin["token"]}),
    );
    let error = client.response(id, Duration::from_secs(10)).unwrap_err();
    eprintln!("progress cancel → error in {:?}", cancelled_at.elapsed());
    assert!(cancelled_at.elapsed() < Duration::from_secs(2));
    assert!(message(&error).contains("cancelled"), "{error}");
    wait_for("the stream to be dropped", || {
        bench.openai.abandoned_streams() == 1
    });

    // Through the request: $/cancelRequest.
    bench.openai.push(slow());
    let id = client.send_request(
        "workspace/executeCommand",
        json!({"command": "plan.fillSection", "arguments": [{"uri": uri, "section": "Overview"}]}),
    );
    wait_for("the second request", || bench.openai.requests().len() == 2);
    let cancelled_at = Instant::now();
    client.notify("$/cancelRequest", json!({"id": id}));
    let error = client.response(id, Duration::from_secs(10)).unwrap_err();
    eprintln!("$/cancelRequest → error in {:?}", cancelled_at.elapsed());
    assert!(cancelled_at.elapsed() < Duration::from_secs(2));
    assert_eq!(error["code"], -32800, "{error}");
    wait_for("the second stream to be dropped", || {
        bench.openai.abandoned_streams() == 2
    });
    wait_for("both generations' progress to end", || {
        let progress = client.notifications("$/progress");
        let begun: Vec<&Value> = progress
            .iter()
            .filter(|p| p["value"]["title"] == "Writing \"Overview\"")
            .map(|p| &p["token"])
            .collect();
        begun.len() == 2
            && begun.iter().all(|token| {
                progress
                    .iter()
                    .any(|p| p["token"] == **token && p["value"]["kind"] == "end")
            })
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(client.text(&uri), PLAN);
    assert!(client.server_requests("workspace/applyEdit").is_empty());
}

#[test]
fn a_user_edit_during_generation_is_kept() {
    let bench = Bench::new();
    let client = bench.start(true);
    let uri = bench.open_plan(&client, PLAN);
    let paced =
        |text: &str| Reply::stream(&[text, " (generated)"]).paced(Duration::from_millis(600));

    // An edit elsewhere: the generated body is re-anchored on its section and applied.
    bench.openai.push(paced("Retry with backoff."));
    let id = client.send_request(
        "workspace/executeCommand",
        json!({"command": "plan.fillSection", "arguments": [{"uri": uri, "section": "Overview"}]}),
    );
    wait_for("the model to be asked", || {
        bench.openai.requests().len() == 1
    });
    let line = line_of(PLAN, "Use exponential backoff.");
    client.change(&uri, range(line, 0, line, 0), "Always ");
    let result = client
        .response(id, Duration::from_secs(10))
        .expect("applied after re-anchoring");
    assert_eq!(result["applied"], true);
    let text = client.text(&uri);
    assert!(
        text.contains("Always Use exponential backoff."),
        "the user's edit survives: {text}"
    );
    assert!(
        text.contains("### Overview\n\nRetry with backoff. (generated)\n\n### Components"),
        "{text}"
    );

    // An edit inside the section being written: the result is refused, the user's text stays.
    bench.openai.push(paced("Something else."));
    let before_edit = client.text(&uri);
    let id = client.send_request(
        "workspace/executeCommand",
        json!({"command": "plan.fillSection", "arguments": [{"uri": uri, "section": "Overview"}]}),
    );
    wait_for("the model to be asked again", || {
        bench.openai.requests().len() == 2
    });
    let line = line_of(&before_edit, "Retry with backoff.");
    client.change(&uri, range(line, 0, line, 5), "Never");
    let error = client.response(id, Duration::from_secs(10)).unwrap_err();
    assert!(
        message(&error).contains("the document changed while this ran"),
        "{error}"
    );
    let text = client.text(&uri);
    assert!(text.contains("Never with backoff. (generated)"), "{text}");
    assert!(!text.contains("Something else."));
}

#[test]
fn an_editor_refusing_the_edit_is_reported() {
    let bench = Bench::new();
    bench.openai.push(Reply::stream(&["Body."]));
    let client = bench.start(true);
    let uri = bench.open_plan(&client, PLAN);
    client.set_edit_policy(EditPolicy::Refuse);
    let error = command(
        &client,
        "plan.fillSection",
        json!({"uri": uri, "section": "Overview"}),
    )
    .unwrap_err();
    assert!(
        message(&error).contains("did not apply the edit"),
        "{error}"
    );
    assert_eq!(client.text(&uri), PLAN);
}

#[test]
fn plans_outside_the_workspace_or_named_like_secrets_never_reach_the_model() {
    let bench = Bench::new();
    bench.openai.push(Reply::stream(&["Body."]));
    let client = bench.start(true);
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("plan.md");
    std::fs::write(&outside, PLAN).unwrap();
    let outside_uri = lsp_client::file_uri(&std::fs::canonicalize(&outside).unwrap());
    client.open(&outside_uri, PLAN);
    let error = command(
        &client,
        "plan.fillSection",
        json!({"uri": outside_uri, "section": "Overview"}),
    )
    .unwrap_err();
    assert!(
        message(&error).contains("outside the workspace folders"),
        "{error}"
    );
    assert!(
        message(&error).contains("open its folder as a workspace folder"),
        "{error}"
    );

    let secret = client.uri("plans/.env.plan.md");
    std::fs::write(bench.root().join("plans/.env.plan.md"), PLAN).unwrap();
    client.open(&secret, PLAN);
    let error = command(
        &client,
        "plan.refine",
        json!({"uri": secret, "range": range(6, 0, 6, 5), "instruction": "x"}),
    )
    .unwrap_err();
    assert!(message(&error).contains("may hold secrets"), "{error}");
    assert!(bench.openai.requests().is_empty());
}

#[test]
fn hover_on_a_slow_github_gives_up_in_seconds_and_remembers_it() {
    let bench = Bench::new();
    bench
        .github
        .fail(None, "/issues/12", Fault::Delay(Duration::from_secs(60)));
    let client = bench.start(false);
    let text = "---\nissue: acme/rocket#12\n---\n\n# Plan\n\nSee #12.\n";
    let uri = bench.open_plan(&client, text);
    let hover = |what: &str| {
        let started = Instant::now();
        let answer = client
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": pos(6, 5)}),
            )
            .unwrap();
        let value = answer["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        eprintln!(
            "{what} hover on a stalled GitHub answered in {:?}",
            started.elapsed()
        );
        (value, started.elapsed())
    };
    let (first, waited) = hover("first");
    assert!(
        first.contains("acme/rocket#12: GitHub did not answer within 5 s"),
        "{first}"
    );
    assert!(waited < Duration::from_secs(8), "{waited:?}");
    let (second, waited) = hover("second");
    assert_eq!(second, first);
    assert!(
        waited < Duration::from_secs(1),
        "the failure is remembered: {waited:?}"
    );
}

#[test]
fn new_from_issue_creates_nothing_when_the_model_fails_midway() {
    let bench = Bench::new();
    let client = bench.start(true);
    bench
        .openai
        .push(Reply::stream(&["### Summary\n", "Uploads"]).ending(StreamEnd::Abort));
    let error = command(
        &client,
        "plan.newFromIssue",
        json!({"issue": "acme/rocket#12"}),
    )
    .unwrap_err();
    assert!(
        message(&error).contains("cut off before it finished"),
        "{error}"
    );
    assert!(client.server_requests("workspace/applyEdit").is_empty());
    assert!(std::fs::read_dir(bench.root().join("plans"))
        .unwrap()
        .next()
        .is_none());
}

#[test]
fn new_from_issue_falls_back_to_the_scaffold_when_the_model_ignores_the_format() {
    let bench = Bench::new();
    let client = bench.start(true);
    bench.openai.push(Reply::stream(&[
        "Sure! Here is a plan: ",
        "retry the uploads.",
    ]));
    let result = command(
        &client,
        "plan.newFromIssue",
        json!({"issue": "acme/rocket#12"}),
    )
    .expect("the scaffold is created");
    assert_eq!(result["analysed"], false, "{result}");
    assert_eq!(bench.openai.requests().len(), 1, "the model was asked");
    let warning = client.wait_notification("window/showMessage", |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("none of the expected headings"))
    });
    assert_eq!(warning["type"], 2, "a warning: {warning}");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .starts_with("acme/rocket#12: "),
        "{warning}"
    );
    let created =
        std::fs::read_to_string(bench.root().join("plans/12-retry-failed-uploads.md")).unwrap();
    // The same scaffold as without a model: front matter, the issue's text, the template's
    // sections with their placeholders; nothing of the unusable answer.
    assert!(
        created.starts_with("---\nissue: acme/rocket#12\n"),
        "{created}"
    );
    assert!(
        created.contains("> Uploads fail on flaky networks."),
        "{created}"
    );
    assert!(
        created.contains("### Open questions\n\n[PLACEHOLDER:"),
        "{created}"
    );
    assert!(!created.contains("Sure!"), "{created}");
}

#[test]
fn ask_on_issue_posts_afresh_when_the_recorded_comment_is_gone() {
    let bench = Bench::new();
    let client = bench.start(false);
    let text = PLAN.replace("updated_at:", "questions_comment: 424242\nupdated_at:");
    let uri = bench.open_plan(&client, &text);
    let asked = command(&client, "plan.askOnIssue", json!({"uri": uri})).expect("asked");
    let id = asked["commentId"].as_u64().unwrap();
    assert_ne!(id, 424242);
    assert_eq!(asked["edited"], false);
    assert!(client
        .text(&uri)
        .contains(&format!("questions_comment: {id}\n")));
    let requests = bench.github.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path.ends_with("/comments/424242")),
        "tried the old one first"
    );
}
