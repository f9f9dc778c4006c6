//! A GitHub REST API on 127.0.0.1 for tests: the paths octocrab calls for issues and comments,
//! GitHub's full JSON shapes (octocrab rejects trimmed objects), rate-limit headers, `Link`
//! pagination, and scriptable faults (status codes, rate limiting, delays, malformed JSON).
//! A test that includes this file also includes `support/fake_http.rs` as `fake_http` at its root.
#![allow(dead_code)]

use crate::fake_http;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

pub use fake_http::Request;

/// A way for the server to misbehave.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status with GitHub's error body and extra headers.
    Status {
        status: u16,
        message: String,
        headers: Vec<(String, String)>,
    },
    /// Wait this long before answering normally.
    Delay(Duration),
    /// Answer 200 with a body that is not JSON.
    MalformedJson,
}

impl Fault {
    pub fn status(status: u16, message: &str) -> Fault {
        Fault::Status {
            status,
            message: message.to_string(),
            headers: Vec::new(),
        }
    }

    /// 403 with `x-ratelimit-remaining: 0` and the reset time, as GitHub sends it.
    pub fn rate_limited(reset: i64) -> Fault {
        Fault::Status {
            status: 403,
            message: "API rate limit exceeded for user ID 1.".to_string(),
            headers: vec![
                ("x-ratelimit-limit".into(), "5000".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-used".into(), "5000".into()),
                ("x-ratelimit-reset".into(), reset.to_string()),
                ("x-ratelimit-resource".into(), "core".into()),
            ],
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    method: Option<String>,
    path_contains: String,
    fault: Fault,
}

#[derive(Debug, Clone)]
pub struct SeedIssue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub state: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct StoredIssue {
    owner: String,
    repo: String,
    number: u64,
    seed: SeedIssue,
}

#[derive(Debug, Clone)]
pub struct StoredComment {
    pub id: u64,
    pub owner: String,
    pub repo: String,
    pub number: u64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
struct State {
    issues: Vec<StoredIssue>,
    comments: Vec<StoredComment>,
    next_comment_id: u64,
    rules: Vec<Rule>,
    requests: Vec<Request>,
}

/// The running server; it stops when the test's runtime ends.
pub struct FakeGitHub {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            next_comment_id: 1001,
            ..State::default()
        }));
        let shared = state.clone();
        let base = url.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                let base = base.clone();
                tokio::spawn(async move { serve(stream, state, base).await });
            }
        });
        FakeGitHub { url, state }
    }

    pub fn add_issue(&self, owner: &str, repo: &str, number: u64, seed: SeedIssue) {
        let mut state = self.state.lock().unwrap();
        state
            .issues
            .retain(|i| !(i.owner == owner && i.repo == repo && i.number == number));
        state.issues.push(StoredIssue {
            owner: owner.into(),
            repo: repo.into(),
            number,
            seed,
        });
    }

    /// Changes the issue's `updated_at` (as an edit on GitHub would).
    pub fn touch_issue(&self, owner: &str, repo: &str, number: u64, at: DateTime<Utc>) {
        let mut state = self.state.lock().unwrap();
        for issue in &mut state.issues {
            if issue.owner == owner && issue.repo == repo && issue.number == number {
                issue.seed.updated_at = at;
            }
        }
    }

    /// Adds a comment and returns its id.
    pub fn add_comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        author: &str,
        body: &str,
    ) -> u64 {
        let mut state = self.state.lock().unwrap();
        let id = state.next_comment_id;
        state.next_comment_id += 1;
        let created_at = Utc::now();
        state.comments.push(StoredComment {
            id,
            owner: owner.into(),
            repo: repo.into(),
            number,
            author: author.into(),
            body: body.into(),
            created_at,
        });
        id
    }

    pub fn comments(&self) -> Vec<StoredComment> {
        self.state.lock().unwrap().comments.clone()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Misbehave on requests whose path contains `path_contains` (and method, if given).
    pub fn fail(&self, method: Option<&str>, path_contains: &str, fault: Fault) {
        self.state.lock().unwrap().rules.push(Rule {
            method: method.map(str::to_string),
            path_contains: path_contains.to_string(),
            fault,
        });
    }

    pub fn clear_faults(&self) {
        self.state.lock().unwrap().rules.clear();
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>, base: String) {
    let Some(request) = fake_http::read_request(&mut stream).await else {
        return;
    };
    let fault = {
        let mut state = state.lock().unwrap();
        state.requests.push(request.clone());
        state
            .rules
            .iter()
            .find(|r| {
                r.method.as_deref().is_none_or(|m| m == request.method)
                    && request.path.contains(&r.path_contains)
            })
            .map(|r| r.fault.clone())
    };
    let mut headers = rate_headers();
    headers.push((
        "Content-Type".into(),
        "application/json; charset=utf-8".into(),
    ));
    match fault {
        Some(Fault::Status {
            status,
            message,
            headers: extra,
        }) => {
            let body = json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.to_string(),
            });
            let mut all: Vec<(String, String)> = headers
                .into_iter()
                .filter(|(n, _)| !extra.iter().any(|(e, _)| e.eq_ignore_ascii_case(n)))
                .collect();
            all.extend(extra);
            fake_http::respond(&mut stream, status, &all, body.to_string().as_bytes()).await;
            return;
        }
        Some(Fault::MalformedJson) => {
            fake_http::respond(&mut stream, 200, &headers, b"{\"id\": 1, \"title\": \"cut").await;
            return;
        }
        Some(Fault::Delay(delay))
            if !fake_http::wait_unless_client_leaves(&mut stream, delay).await =>
        {
            return;
        }
        Some(Fault::Delay(_)) | None => {}
    }
    let (status, body, link) = route(&request, &state, &base);
    if let Some(link) = link {
        headers.push(("Link".into(), link));
    }
    fake_http::respond(&mut stream, status, &headers, body.to_string().as_bytes()).await;
}

fn rate_headers() -> Vec<(String, String)> {
    let reset = Utc::now().timestamp() + 3600;
    vec![
        ("x-ratelimit-limit".into(), "5000".into()),
        ("x-ratelimit-remaining".into(), "4999".into()),
        ("x-ratelimit-used".into(), "1".into()),
        ("x-ratelimit-reset".into(), reset.to_string()),
        ("x-ratelimit-resource".into(), "core".into()),
        ("x-github-api-version-selected".into(), "2022-11-28".into()),
    ]
}

fn not_found() -> (u16, Value, Option<String>) {
    (
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        None,
    )
}

fn route(request: &Request, state: &Mutex<State>, base: &str) -> (u16, Value, Option<String>) {
    let mut segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
    // GitHub Enterprise serves the same API under /api/v3.
    let enterprise = format!("{base}/api/v3");
    let base = if segments.starts_with(&["api", "v3"]) {
        segments.drain(..2);
        enterprise.as_str()
    } else {
        base
    };
    let mut state = state.lock().unwrap();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["repos", owner, repo, "issues", number]) => {
            let Ok(number) = number.parse::<u64>() else {
                return not_found();
            };
            let Some(issue) = state
                .issues
                .iter()
                .find(|i| i.owner == *owner && i.repo == *repo && i.number == number)
            else {
                return not_found();
            };
            let count = state
                .comments
                .iter()
                .filter(|c| c.owner == *owner && c.repo == *repo && c.number == number)
                .count();
            (200, issue_json(base, issue, count), None)
        }
        ("GET", ["repos", owner, repo, "issues", number, "comments"]) => {
            let Ok(number) = number.parse::<u64>() else {
                return not_found();
            };
            if !state
                .issues
                .iter()
                .any(|i| i.owner == *owner && i.repo == *repo && i.number == number)
            {
                return not_found();
            }
            let all: Vec<&StoredComment> = state
                .comments
                .iter()
                .filter(|c| c.owner == *owner && c.repo == *repo && c.number == number)
                .collect();
            let per_page: usize = request
                .query_param("per_page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30);
            let page: usize = request
                .query_param("page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let items: Vec<Value> = all
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|c| comment_json(base, c))
                .collect();
            let last = all.len().div_ceil(per_page).max(1);
            let link = (page < last).then(|| {
                let path = format!("{base}/repos/{owner}/{repo}/issues/{number}/comments");
                format!(
                    "<{path}?per_page={per_page}&page={}>; rel=\"next\", <{path}?per_page={per_page}&page={last}>; rel=\"last\"",
                    page + 1
                )
            });
            (200, Value::Array(items), link)
        }
        ("POST", ["repos", owner, repo, "issues", number, "comments"]) => {
            let Ok(number) = number.parse::<u64>() else {
                return not_found();
            };
            if !state
                .issues
                .iter()
                .any(|i| i.owner == *owner && i.repo == *repo && i.number == number)
            {
                return not_found();
            }
            let Some(body) = request.json()["body"].as_str().map(str::to_string) else {
                return (
                    422,
                    json!({"message": "Invalid request.\n\n\"body\" wasn't supplied."}),
                    None,
                );
            };
            let id = state.next_comment_id;
            state.next_comment_id += 1;
            let comment = StoredComment {
                id,
                owner: owner.to_string(),
                repo: repo.to_string(),
                number,
                author: "plan-bot".into(),
                body,
                created_at: Utc::now(),
            };
            let value = comment_json(base, &comment);
            state.comments.push(comment);
            (201, value, None)
        }
        ("POST" | "PATCH", ["repos", _owner, _repo, "issues", "comments", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return not_found();
            };
            let Some(body) = request.json()["body"].as_str().map(str::to_string) else {
                return (422, json!({"message": "Invalid request."}), None);
            };
            let Some(comment) = state.comments.iter_mut().find(|c| c.id == id) else {
                return not_found();
            };
            comment.body = body;
            (200, comment_json(base, comment), None)
        }
        ("GET", ["repos", _owner, _repo, "issues", "comments", id]) => {
            let Some(comment) = id
                .parse::<u64>()
                .ok()
                .and_then(|id| state.comments.iter().find(|c| c.id == id))
            else {
                return not_found();
            };
            (200, comment_json(base, comment), None)
        }
        _ => not_found(),
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A user object with every field GitHub documents.
pub fn user_json(base: &str, login: &str, id: u64) -> Value {
    let api = format!("{base}/users/{login}");
    json!({
        "login": login,
        "id": id,
        "node_id": format!("MDQ6VXNlcj{id}"),
        "avatar_url": format!("{base}/avatars/u/{id}?v=4"),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("{base}/{login}"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": "User",
        "user_view_type": "public",
        "site_admin": false
    })
}

fn reactions_json(url: &str) -> Value {
    json!({
        "url": format!("{url}/reactions"),
        "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
        "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
    })
}

fn issue_json(base: &str, issue: &StoredIssue, comments: usize) -> Value {
    let repo_url = format!("{base}/repos/{}/{}", issue.owner, issue.repo);
    let url = format!("{repo_url}/issues/{}", issue.number);
    let labels: Vec<Value> = issue
        .seed
        .labels
        .iter()
        .enumerate()
        .map(|(n, name)| {
            json!({
                "id": 208045946 + n as u64,
                "node_id": format!("MDU6TGFiZWwyMDgwNDU5N{n}"),
                "url": format!("{repo_url}/labels/{name}"),
                "name": name,
                "description": format!("{name} label"),
                "color": "f29513",
                "default": n == 0
            })
        })
        .collect();
    let closed = issue.seed.state == "closed";
    json!({
        "id": 1_000_000 + issue.number,
        "node_id": format!("MDU6SXNzdWUx{}", issue.number),
        "url": url,
        "repository_url": repo_url,
        "labels_url": format!("{url}/labels{{/name}}"),
        "comments_url": format!("{url}/comments"),
        "events_url": format!("{url}/events"),
        "html_url": format!("{base}/{}/{}/issues/{}", issue.owner, issue.repo, issue.number),
        "number": issue.number,
        "state": issue.seed.state,
        "state_reason": if closed { json!("completed") } else { Value::Null },
        "title": issue.seed.title,
        "body": issue.seed.body,
        "user": user_json(base, "octocat", 1),
        "labels": labels,
        "assignee": Value::Null,
        "assignees": [],
        "milestone": Value::Null,
        "locked": false,
        "active_lock_reason": Value::Null,
        "comments": comments,
        "closed_at": if closed { json!(time(issue.seed.updated_at)) } else { Value::Null },
        "created_at": time(issue.seed.updated_at - chrono::Duration::days(3)),
        "updated_at": time(issue.seed.updated_at),
        "closed_by": Value::Null,
        "author_association": "OWNER",
        "reactions": reactions_json(&url),
        "timeline_url": format!("{url}/timeline"),
        "performed_via_github_app": Value::Null
    })
}

fn comment_json(base: &str, comment: &StoredComment) -> Value {
    let url = format!(
        "{base}/repos/{}/{}/issues/comments/{}",
        comment.owner, comment.repo, comment.id
    );
    json!({
        "id": comment.id,
        "node_id": format!("MDEyOklzc3VlQ29tbWVudDE{}", comment.id),
        "url": url,
        "html_url": format!(
            "{base}/{}/{}/issues/{}#issuecomment-{}",
            comment.owner, comment.repo, comment.number, comment.id
        ),
        "body": comment.body,
        "user": user_json(base, &comment.author, 2 + comment.id % 97),
        "created_at": time(comment.created_at),
        "updated_at": time(comment.created_at),
        "issue_url": format!("{base}/repos/{}/{}/issues/{}", comment.owner, comment.repo, comment.number),
        "author_association": "CONTRIBUTOR",
        "reactions": reactions_json(&url),
        "performed_via_github_app": Value::Null
    })
}
