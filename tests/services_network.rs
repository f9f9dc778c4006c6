//! Network-bound requests against a local GitHub: issue hovers never hold the request slots
//! keystrokes and local requests need, and secrets echoed in error bodies never reach the user
//! or the log.

#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/fake_http.rs"]
mod fake_http;
#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use fake_github::{FakeGitHub, Fault, SeedIssue};
use lsp_client::{pos, range, LspClient};
use serde_json::{json, Value};

const TOKEN: &str = "ghp_TestTokenThatMustNeverShow0123";
const PLAN: &str = "---\nissue: acme/rocket#12\n---\n\n# Plan\n\nSee #12.\n";

struct Bench {
    _runtime: tokio::runtime::Runtime,
    github: FakeGitHub,
    dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let runtime = fake_http::runtime();
        let github = runtime.block_on(FakeGitHub::start());
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
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("plans")).unwrap();
        Bench {
            _runtime: runtime,
            github,
            dir,
        }
    }

    fn start(&self) -> LspClient {
        LspClient::start_env(
            self.dir.path(),
            json!({"github": {"apiUrl": self.github.url, "token": TOKEN}}),
            json!({}),
            &[
                ("GITHUB_TOKEN", ""),
                ("GH_TOKEN", ""),
                ("PLAN_LSP_LOG", "debug"),
            ],
        )
    }

    fn open_plan(&self, client: &LspClient) -> String {
        let uri = client.uri("plans/12-retry.md");
        std::fs::write(self.dir.path().join("plans/12-retry.md"), PLAN).unwrap();
        client.open(&uri, PLAN);
        client.diagnostics(&uri);
        uri
    }
}

fn hover_value(answer: &Value) -> String {
    answer["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn issue_hovers_on_a_slow_github_never_hold_the_slots_keystrokes_need() {
    let bench = Bench::new();
    bench
        .github
        .fail(None, "/issues/12", Fault::Delay(Duration::from_secs(60)));
    let client = bench.start();
    let uri = bench.open_plan(&client);
    // More hovers than the server has request slots, all waiting on GitHub.
    let hovers: Vec<i64> = (0..40)
        .map(|_| {
            client.send_request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": pos(6, 5)}),
            )
        })
        .collect();
    let version = client.change(&uri, range(6, 8, 6, 8), " [TBD]");
    let symbols = client.send_request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(client.response(symbols, lsp_client::TIMEOUT).is_ok());
    let published = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["version"] == version
    });
    assert!(published["diagnostics"]
        .as_array()
        .is_some_and(|d| !d.is_empty()));
    // Both came before GitHub's time limit ran out for the one hover still waiting.
    let last = *hovers.last().unwrap();
    assert!(
        !client.has_response(last),
        "the newest hover answered before the local requests"
    );
    // The superseded hovers answered nothing at once; the newest one reports the stall.
    for &id in &hovers[..hovers.len() - 1] {
        assert_eq!(client.response(id, lsp_client::TIMEOUT), Ok(Value::Null));
    }
    let answer = client.response(last, lsp_client::TIMEOUT).unwrap();
    assert!(
        hover_value(&answer).contains("GitHub did not answer within"),
        "{answer}"
    );
}

#[test]
fn a_github_error_body_that_echoes_the_token_never_shows_it() {
    let bench = Bench::new();
    bench.github.fail(
        None,
        "/issues/12",
        Fault::status(
            401,
            &format!("Bad credentials: {TOKEN} (Authorization: Bearer {TOKEN})"),
        ),
    );
    let client = bench.start();
    let uri = bench.open_plan(&client);
    let answer = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(6, 5)}),
        )
        .unwrap();
    let shown = hover_value(&answer);
    assert!(shown.contains("GitHub rejected the token"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
    let status = client.request(
        "workspace/executeCommand",
        json!({"command": "plan.askOnIssue", "arguments": [{"uri": uri}]}),
    );
    assert!(!format!("{status:?}").contains(TOKEN), "{status:?}");
    let log = client.stderr();
    assert!(log.contains("GitHub rejected the token"), "{log}");
    assert!(!log.contains(TOKEN), "the debug log holds the token");
}
