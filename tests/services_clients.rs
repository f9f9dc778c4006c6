//! The GitHub and LLM services against local servers speaking the real wire formats.

#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/fake_http.rs"]
mod fake_http;
#[path = "support/fake_openai.rs"]
mod fake_openai;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fake_github::{FakeGitHub, Fault, SeedIssue};
use fake_openai::{FakeOpenAi, Reply, StreamEnd};
use plan_lsp::services::github::{GitHubConfig, GitHubError, GitHubService};
use plan_lsp::services::issue_ref::IssueRef;
use plan_lsp::services::llm::{LlmConfig, LlmError, LlmService};
use plan_lsp::services::prompts::Prompt;
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "ghp_test_token_value";

fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn issue_ref() -> IssueRef {
    IssueRef::parse("acme/rocket#12", None).unwrap()
}

async fn github(timeout: Duration, token: Option<&str>) -> (FakeGitHub, GitHubService) {
    init();
    let fake = FakeGitHub::start().await;
    fake.add_issue(
        "acme",
        "rocket",
        12,
        SeedIssue {
            title: "Retry failed uploads".into(),
            body: "Uploads fail on flaky networks.".into(),
            labels: vec!["bug".into(), "network".into()],
            state: "open".into(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
        },
    );
    let config = GitHubConfig {
        token: token.map(str::to_string),
        api_url: fake.url.clone(),
        timeout,
    };
    let service = GitHubService::new(&config).expect("client");
    (fake, service)
}

#[tokio::test]
async fn github_fetches_issue_labels_and_every_comment_page() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    for n in 0..150 {
        fake.add_comment("acme", "rocket", 12, "mona", &format!("comment {n}"));
    }
    let issue = service.issue(&issue_ref()).await.expect("issue");
    assert_eq!(issue.title, "Retry failed uploads");
    assert_eq!(issue.labels, ["bug", "network"]);
    assert_eq!(issue.state, "open");
    assert_eq!(issue.author, "octocat");
    assert_eq!(
        issue.updated_at,
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap()
    );
    assert_eq!(issue.comments.len(), 150);
    assert_eq!(issue.comments[149].body, "comment 149");
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/comments"))
        .count();
    assert_eq!(pages, 2, "150 comments at 100 per page");
    let auth = fake.requests()[0]
        .header("authorization")
        .unwrap_or_default()
        .to_string();
    assert!(auth.ends_with(TOKEN), "token sent as bearer: {auth}");
}

#[tokio::test]
async fn github_enterprise_urls_keep_their_api_prefix() {
    let (fake, _) = github(Duration::from_secs(10), Some(TOKEN)).await;
    for n in 0..120 {
        fake.add_comment("acme", "rocket", 12, "mona", &format!("comment {n}"));
    }
    let config = GitHubConfig::resolve(
        Some(TOKEN),
        Some(&format!("{}/api/v3/", fake.url)),
        Duration::from_secs(10),
    );
    let service = GitHubService::new(&config).expect("client");
    let issue = service.issue(&issue_ref()).await.expect("issue");
    assert_eq!(issue.comments.len(), 120);
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/api/v3/repos/acme/rocket/issues/12")),
        "{paths:?}"
    );
}

#[tokio::test]
async fn github_posts_then_edits_a_comment_and_lists_replies_after_it() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    fake.add_comment("acme", "rocket", 12, "mona", "before");
    let posted = service
        .create_comment(&issue_ref(), "1. [ ] P1 question")
        .await
        .expect("post");
    assert!(
        posted.html_url.contains("#issuecomment-"),
        "{}",
        posted.html_url
    );
    let edited = service
        .update_comment(&issue_ref(), posted.id, "1. [ ] P1 question, edited")
        .await
        .expect("edit");
    assert_eq!(edited.id, posted.id);
    fake.add_comment("acme", "rocket", 12, "mona", "P1: three retries");
    let (asked, after) = service
        .thread_after(&issue_ref(), posted.id)
        .await
        .expect("list")
        .expect("the comment is there");
    assert_eq!(asked.body, "1. [ ] P1 question, edited");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].body, "P1: three retries");
    assert_eq!(after[0].author, "mona");
    let stored = fake.comments();
    assert_eq!(stored.len(), 3, "edit must not post a second comment");
    assert_eq!(stored[1].body, "1. [ ] P1 question, edited");
    assert!(service
        .thread_after(&issue_ref(), 999_999)
        .await
        .expect("list")
        .is_none());
}

#[tokio::test]
async fn github_writes_need_a_token_and_nothing_is_sent_without_one() {
    let (fake, service) = github(Duration::from_secs(10), None).await;
    let error = service.create_comment(&issue_ref(), "q").await.unwrap_err();
    assert!(matches!(error, GitHubError::TokenRequired { .. }));
    assert!(
        error.to_string().contains("set planLsp.github.token"),
        "{error}"
    );
    assert!(fake.requests().is_empty());
    // Reads of public repositories work anonymously.
    let issue = service
        .issue_summary(&issue_ref())
        .await
        .expect("anonymous read");
    assert_eq!(issue.title, "Retry failed uploads");
    assert!(fake.requests()[0].header("authorization").is_none());
}

#[tokio::test]
async fn github_401_asks_for_a_valid_token_without_showing_it() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    fake.fail(None, "/issues", Fault::status(401, "Bad credentials"));
    let error = service.issue(&issue_ref()).await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, GitHubError::Unauthorized { .. }), "{text}");
    assert!(
        text.contains("GITHUB_TOKEN") && text.contains("Bad credentials"),
        "{text}"
    );
    assert!(!text.contains(TOKEN));
}

#[tokio::test]
async fn github_404_says_to_check_the_reference() {
    let (_fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    let missing = IssueRef::parse("acme/rocket#999", None).unwrap();
    let error = service.issue(&missing).await.unwrap_err();
    assert!(matches!(error, GitHubError::NotFound { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("issue acme/rocket#999 not found"),
        "{error}"
    );
}

#[tokio::test]
async fn github_403_rate_limit_names_the_reset_time() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    let reset = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap();
    fake.fail(None, "/issues", Fault::rate_limited(reset.timestamp()));
    let error = service.issue(&issue_ref()).await.unwrap_err();
    match &error {
        GitHubError::RateLimited { reset: at, .. } => assert_eq!(*at, Some(reset)),
        other => panic!("expected a rate limit, got {other}"),
    }
    assert!(
        error
            .to_string()
            .contains("try again after 2030-01-02 03:04:05 UTC"),
        "{error}"
    );
}

#[tokio::test]
async fn github_403_without_rate_limit_is_a_permission_problem() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    fake.fail(
        Some("POST"),
        "/comments",
        Fault::status(403, "Resource not accessible by personal access token"),
    );
    let error = service.create_comment(&issue_ref(), "q").await.unwrap_err();
    assert!(matches!(error, GitHubError::Forbidden { .. }), "{error}");
    assert!(error.to_string().contains("permission"), "{error}");
}

#[tokio::test]
async fn github_500_says_to_retry_later() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    fake.fail(None, "/issues", Fault::status(502, "Server Error"));
    let error = service.issue(&issue_ref()).await.unwrap_err();
    assert!(
        matches!(error, GitHubError::Server { status: 502, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("try again"), "{error}");
    assert_eq!(fake.requests().len(), 1, "no automatic retry");
}

#[tokio::test]
async fn github_slow_server_times_out() {
    let (fake, service) = github(Duration::from_secs(1), Some(TOKEN)).await;
    fake.fail(None, "/issues", Fault::Delay(Duration::from_secs(10)));
    let started = Instant::now();
    let error = service.issue(&issue_ref()).await.unwrap_err();
    assert!(
        matches!(error, GitHubError::Timeout { seconds: 1 }),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error.to_string().contains("did not answer within 1 s"),
        "{error}"
    );
}

#[tokio::test]
async fn github_malformed_json_is_reported_as_such() {
    let (fake, service) = github(Duration::from_secs(10), Some(TOKEN)).await;
    fake.fail(None, "/issues/12", Fault::MalformedJson);
    let error = service.issue_summary(&issue_ref()).await.unwrap_err();
    assert!(
        matches!(error, GitHubError::InvalidResponse { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("planLsp.github.apiUrl"),
        "{error}"
    );
}

#[tokio::test]
async fn github_unreachable_server_names_the_url() {
    init();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = GitHubConfig {
        token: Some(TOKEN.into()),
        api_url: url.clone(),
        timeout: Duration::from_secs(5),
    };
    let service = GitHubService::new(&config).unwrap();
    let error = service.issue(&issue_ref()).await.unwrap_err();
    assert!(matches!(error, GitHubError::Network { .. }), "{error}");
    assert!(error.to_string().contains(&url), "{error}");
}

async fn llm(timeout_seconds: u64) -> (FakeOpenAi, LlmService) {
    init();
    let fake = FakeOpenAi::start().await;
    let config = LlmConfig {
        api_base: fake.base.clone(),
        model: "test-model".into(),
        api_key_env: "PLAN_LSP_TEST_KEY".into(),
        api_key: Some("sk-test-secret".into()),
        timeout: Duration::from_secs(timeout_seconds),
    };
    (fake, LlmService::new(config))
}

fn prompt() -> Prompt {
    Prompt {
        system: "rules".into(),
        user: "write the goal".into(),
    }
}

#[tokio::test]
async fn llm_streams_deltas_and_returns_the_whole_text() {
    let (fake, service) = llm(10).await;
    fake.push(Reply::stream(&["Make ", "uploads ", "retry."]));
    let mut seen = Vec::new();
    let done = service
        .stream_chat(&prompt(), &CancellationToken::new(), |d| {
            seen.push(d.to_string())
        })
        .await
        .expect("completion");
    assert_eq!(done.text, "Make uploads retry.");
    assert_eq!(seen, ["Make ", "uploads ", "retry."]);
    let request = &fake.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.json()["stream"], true);
    assert_eq!(request.json()["model"], "test-model");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-test-secret")
    );
    assert_eq!(fake.user_prompts(), ["write the goal"]);
}

#[tokio::test]
async fn llm_json_completion() {
    let (fake, service) = llm(10).await;
    fake.push(Reply::json("Three retries."));
    let done = service
        .complete(&prompt(), &CancellationToken::new())
        .await
        .expect("completion");
    assert_eq!(done.text, "Three retries.");
    assert!(fake.requests()[0].json()["stream"].is_null());
}

#[tokio::test]
async fn llm_401_names_the_key_variable_not_the_key() {
    let (fake, service) = llm(10).await;
    fake.push(Reply::status(
        401,
        "Incorrect API key provided: sk-test-secret",
    ));
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Unauthorized { status: 401, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("PLAN_LSP_TEST_KEY"), "{error}");
    assert!(!error.to_string().contains("sk-test-secret"), "{error}");
}

#[tokio::test]
async fn llm_404_points_at_base_and_model() {
    let (fake, service) = llm(10).await;
    fake.push(Reply::status(404, "The model `test-model` does not exist"));
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::NotFound { .. }), "{error}");
    assert!(error.to_string().contains("planLsp.llm.model"), "{error}");
}

#[tokio::test]
async fn llm_500_is_a_server_error_after_the_clients_retries() {
    let (fake, service) = llm(20).await;
    for _ in 0..4 {
        fake.push(Reply::status(500, "model crashed"));
    }
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Server { status: 500, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("model crashed"), "{error}");
}

#[tokio::test]
async fn llm_slow_server_times_out() {
    let (fake, service) = llm(1).await;
    fake.push(Reply::Delayed(
        Duration::from_secs(10),
        Box::new(Reply::stream(&["late"])),
    ));
    let started = Instant::now();
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::Timeout { seconds: 1 }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        error.to_string().contains("planLsp.llm.timeoutSeconds"),
        "{error}"
    );
}

#[tokio::test]
async fn llm_stream_cut_mid_way_is_a_failure_even_with_partial_text() {
    for end in [StreamEnd::Abort, StreamEnd::CleanCloseWithoutFinish] {
        let (fake, service) = llm(10).await;
        fake.push(Reply::stream(&["Half ", "an "]).ending(end));
        let mut seen = String::new();
        let error = service
            .stream_chat(&prompt(), &CancellationToken::new(), |d| seen.push_str(d))
            .await
            .unwrap_err();
        assert!(
            matches!(error, LlmError::Incomplete { .. }),
            "{end:?}: {error}"
        );
        assert!(error.to_string().contains("nothing was changed"), "{error}");
    }
}

#[tokio::test]
async fn llm_malformed_json_and_sse_are_reported() {
    let (fake, service) = llm(10).await;
    fake.push(Reply::Raw {
        content_type: "application/json".into(),
        body: "{\"id\": \"x\", \"choices\": [".into(),
    });
    let error = service
        .complete(&prompt(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::InvalidResponse { .. }), "{error}");
    assert!(error.to_string().contains("OpenAI-compatible"), "{error}");

    fake.push(Reply::Raw {
        content_type: "text/event-stream".into(),
        body: "data: {\"id\": \"x\", \"choices\": [{\"delta\"\n\n".into(),
    });
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::InvalidResponse { .. }), "{error}");
}

#[tokio::test]
async fn llm_empty_or_length_limited_answers_fail() {
    let (fake, service) = llm(10).await;
    fake.push(Reply::stream::<&str>(&[]));
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::Empty), "{error}");
    fake.push(Reply::Stream {
        deltas: vec!["too long".into()],
        finish_reason: "length".into(),
        delay_between: Duration::ZERO,
        end: StreamEnd::Finished,
    });
    let error = service
        .stream_chat(&prompt(), &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::OutputLimit), "{error}");
}

#[tokio::test]
async fn llm_cancellation_mid_stream_stops_and_hangs_up() {
    let (fake, service) = llm(30).await;
    fake.push(
        Reply::stream(&["one ", "two ", "three ", "four "]).paced(Duration::from_millis(300)),
    );
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let started = Instant::now();
    let error = service
        .stream_chat(&prompt(), &cancel, move |_| trigger.cancel())
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::Cancelled), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    while fake.abandoned_streams() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        fake.abandoned_streams(),
        1,
        "the HTTP stream is closed on cancel"
    );
}
