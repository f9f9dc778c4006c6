//! GitHub through octocrab: read an issue with its labels and comments, post and edit a comment,
//! and turn every failure into a message that tells the user what to do.

use std::time::Duration;

use chrono::{DateTime, Utc};
use octocrab::models::issues::{Comment, Issue};
use octocrab::models::{CommentId, IssueState};
use octocrab::{Octocrab, ReqwestClientConfig};
use thiserror::Error;

use super::issue_ref::{IssueRef, RepoRef};

/// The public GitHub API; GitHub Enterprise lives at `https://HOST/api/v3`.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// How to reach GitHub. The token is held in memory only and never logged.
#[derive(Clone)]
pub struct GitHubConfig {
    /// Personal access token; `None` allows only anonymous reads of public repositories.
    pub token: Option<String>,
    /// REST API root, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub api_url: String,
    /// Longest time one call (all its pages included) may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for GitHubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubConfig")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("api_url", &self.api_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl GitHubConfig {
    /// Settings first (`planLsp.github.token`), then `GITHUB_TOKEN`, then `GH_TOKEN`. An empty
    /// value counts as unset, so an editor sending `""` still lets its environment's token through.
    pub fn resolve(token_setting: Option<&str>, api_url: Option<&str>, timeout: Duration) -> Self {
        let given = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        let from_env = |name: &str| std::env::var(name).ok().and_then(|t| given(&t));
        let token = token_setting
            .and_then(given)
            .or_else(|| from_env("GITHUB_TOKEN"))
            .or_else(|| from_env("GH_TOKEN"));
        let api_url = api_url
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_string();
        GitHubConfig {
            token,
            api_url,
            timeout,
        }
    }
}

/// What can go wrong talking to GitHub, each with the next step for the user.
#[derive(Debug, Error)]
pub enum GitHubError {
    /// The API URL setting does not parse.
    #[error("planLsp.github.apiUrl `{url}` is not a usable URL ({detail}): set it to https://api.github.com or https://HOST/api/v3")]
    InvalidApiUrl {
        /// The configured URL.
        url: String,
        /// Why it was rejected.
        detail: String,
    },
    /// The token has characters a header cannot carry (octocrab would panic on it).
    #[error("the GitHub token (planLsp.github.token or GITHUB_TOKEN) contains characters that cannot be sent: copy it again without spaces or line breaks")]
    UnusableToken,
    /// Writing needs a token.
    #[error("GitHub token not configured: set planLsp.github.token or the GITHUB_TOKEN environment variable to {action}")]
    TokenRequired {
        /// What the token is needed for.
        action: String,
    },
    /// 401.
    #[error("GitHub rejected the token (401 {message}): set planLsp.github.token or GITHUB_TOKEN to a valid token with access to {repo}")]
    Unauthorized {
        /// Repository being accessed.
        repo: String,
        /// GitHub's message.
        message: String,
    },
    /// 403/429 with an exhausted rate limit.
    #[error("GitHub rate limit exceeded: try again after {}{}", format_reset(.reset), if *.authenticated { "" } else { ", or set planLsp.github.token / GITHUB_TOKEN for a higher limit" })]
    RateLimited {
        /// When the limit resets, if GitHub said.
        reset: Option<DateTime<Utc>>,
        /// Whether a token was used.
        authenticated: bool,
    },
    /// 403 for another reason.
    #[error("GitHub refused access to {repo} (403 {message}): check that the token has the `repo` (or issues read/write) permission")]
    Forbidden {
        /// Repository being accessed.
        repo: String,
        /// GitHub's message.
        message: String,
    },
    /// 404 (GitHub also answers 404 for private repositories the token cannot see).
    #[error("{what} not found on GitHub (404): check the reference, and that the token can see {repo} if it is private")]
    NotFound {
        /// What was looked up.
        what: String,
        /// Repository being accessed.
        repo: String,
    },
    /// 5xx.
    #[error("GitHub had a server error ({status} {message}): try again in a minute")]
    Server {
        /// HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// Another 4xx.
    #[error("GitHub refused the request ({status} {message})")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// No answer in time.
    #[error("GitHub did not answer within {seconds} s: check planLsp.github.apiUrl and your network, then retry")]
    Timeout {
        /// The limit that passed.
        seconds: u64,
    },
    /// The answer was not GitHub's JSON.
    #[error("GitHub's answer could not be read ({detail}): check that planLsp.github.apiUrl points at a GitHub REST API")]
    InvalidResponse {
        /// Parser detail.
        detail: String,
    },
    /// Connection-level failure.
    #[error(
        "could not reach GitHub at {url} ({detail}): check planLsp.github.apiUrl and your network"
    )]
    Network {
        /// API root.
        url: String,
        /// Transport detail.
        detail: String,
    },
}

fn format_reset(reset: &Option<DateTime<Utc>>) -> String {
    match reset {
        Some(at) => at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "a few minutes".to_string(),
    }
}

/// An issue as the plan commands need it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueDetails {
    /// Which issue.
    pub reference: IssueRef,
    /// Title.
    pub title: String,
    /// Body Markdown (empty when GitHub has none).
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    /// Label names.
    pub labels: Vec<String>,
    /// Author login.
    pub author: String,
    /// Web page of the issue.
    pub html_url: String,
    /// Last change of the issue itself (edits, comments, labels).
    pub updated_at: DateTime<Utc>,
    /// All comments, oldest first.
    pub comments: Vec<IssueComment>,
}

/// One comment on an issue.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueComment {
    /// GitHub's comment id.
    pub id: u64,
    /// Author login.
    pub author: String,
    /// Body Markdown.
    pub body: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Web link to the comment.
    pub html_url: String,
}

/// GitHub issue access for the plan commands.
#[derive(Clone)]
pub struct GitHubService {
    client: Octocrab,
    api_url: String,
    timeout: Duration,
    authenticated: bool,
    /// Kept only to strip it from error bodies that echo it.
    token: Option<String>,
}

impl std::fmt::Debug for GitHubService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubService")
            .field("api_url", &self.api_url)
            .field("authenticated", &self.authenticated)
            .finish()
    }
}

impl GitHubService {
    /// Builds the client; must run inside a tokio runtime with a rustls crypto provider installed.
    pub fn new(config: &GitHubConfig) -> Result<Self, GitHubError> {
        let invalid = |detail: String| GitHubError::InvalidApiUrl {
            url: config.api_url.clone(),
            detail,
        };
        if !(config.api_url.starts_with("https://") || config.api_url.starts_with("http://")) {
            return Err(invalid("it must start with https://".into()));
        }
        let builder = Octocrab::builder()
            .base_uri(config.api_url.as_str())
            .map_err(|e| invalid(e.to_string()))?
            .set_connect_timeout(Some(config.timeout))
            .set_read_timeout(Some(config.timeout));
        if config
            .token
            .as_deref()
            .is_some_and(|t| !t.bytes().all(|b| (0x21..0x7f).contains(&b)))
        {
            return Err(GitHubError::UnusableToken);
        }
        let builder = match &config.token {
            Some(token) => builder.personal_token(token.clone()),
            None => builder,
        };
        // On reqwest, the HTTP client the model's API uses too: one HTTP and TLS stack in the
        // binary instead of two. Without octocrab's `retry` feature nothing is retried (retrying a
        // POST could post the questions twice; the user retries instead); reqwest follows
        // redirects (a renamed repository answers 301).
        let client = builder
            .build_with_reqwest(ReqwestClientConfig::Default)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(GitHubService {
            client,
            api_url: config.api_url.clone(),
            timeout: config.timeout,
            authenticated: config.token.is_some(),
            token: config.token.clone(),
        })
    }

    /// The issue with its labels, without comments (one request; for hovers and drift checks).
    pub async fn issue_summary(&self, issue: &IssueRef) -> Result<IssueDetails, GitHubError> {
        let what = format!("issue {issue}");
        let found = self
            .call(&issue.repository(), &what, async {
                self.client
                    .issues(&issue.owner, &issue.repo)
                    .get(issue.number)
                    .await
            })
            .await?;
        Ok(details_from(issue, found, Vec::new()))
    }

    /// The issue with its labels and every comment (all pages).
    pub async fn issue(&self, issue: &IssueRef) -> Result<IssueDetails, GitHubError> {
        let summary = self.issue_summary(issue).await?;
        let comments = self.comments(issue).await?;
        Ok(IssueDetails {
            comments,
            ..summary
        })
    }

    /// Every comment of the issue, oldest first.
    pub async fn comments(&self, issue: &IssueRef) -> Result<Vec<IssueComment>, GitHubError> {
        let what = format!("comments of {issue}");
        let all = self
            .call(&issue.repository(), &what, async {
                let handler = self.client.issues(&issue.owner, &issue.repo);
                let first = handler
                    .list_comments(issue.number)
                    .per_page(100)
                    .send()
                    .await?;
                self.client.all_pages(first).await
            })
            .await?;
        Ok(all.into_iter().map(comment_from).collect())
    }

    /// Comment `id` and the comments posted after it, oldest first; `None` when that comment is
    /// gone from the thread.
    pub async fn thread_after(
        &self,
        issue: &IssueRef,
        id: u64,
    ) -> Result<Option<(IssueComment, Vec<IssueComment>)>, GitHubError> {
        let mut all = self.comments(issue).await?;
        let Some(at) = all.iter().position(|c| c.id == id) else {
            return Ok(None);
        };
        let after = all.split_off(at + 1);
        Ok(all.pop().map(|comment| (comment, after)))
    }

    /// Posts a new comment.
    pub async fn create_comment(
        &self,
        issue: &IssueRef,
        body: &str,
    ) -> Result<IssueComment, GitHubError> {
        self.require_token("post a comment")?;
        let what = format!("issue {issue}");
        let posted = self
            .call(&issue.repository(), &what, async {
                self.client
                    .issues(&issue.owner, &issue.repo)
                    .create_comment(issue.number, body)
                    .await
            })
            .await?;
        Ok(comment_from(posted))
    }

    /// Replaces the body of comment `id`.
    pub async fn update_comment(
        &self,
        issue: &IssueRef,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, GitHubError> {
        self.require_token("edit a comment")?;
        let what = format!("comment {id} on {issue}");
        let updated = self
            .call(&issue.repository(), &what, async {
                self.client
                    .issues(&issue.owner, &issue.repo)
                    .update_comment(CommentId(id), body)
                    .await
            })
            .await?;
        Ok(comment_from(updated))
    }

    fn require_token(&self, action: &str) -> Result<(), GitHubError> {
        if self.authenticated {
            Ok(())
        } else {
            Err(GitHubError::TokenRequired {
                action: action.to_string(),
            })
        }
    }

    async fn call<T>(
        &self,
        repo: &RepoRef,
        what: &str,
        request: impl std::future::Future<Output = octocrab::Result<T>>,
    ) -> Result<T, GitHubError> {
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                let mapped = self.map_error(repo, what, error);
                tracing::warn!(error = %mapped, "GitHub request failed");
                Err(mapped)
            }
            Err(_) => Err(GitHubError::Timeout {
                seconds: self.timeout.as_secs().max(1),
            }),
        }
    }

    /// Remote text without the token or anything shaped like a credential.
    fn scrub(&self, text: &str) -> String {
        super::redact::redact(text, &[self.token.as_deref().unwrap_or_default()])
    }

    fn map_error(&self, repo: &RepoRef, what: &str, error: octocrab::Error) -> GitHubError {
        match error {
            octocrab::Error::GitHub { source, .. } => {
                let status = source.status_code.as_u16();
                let message = self.scrub(&source.message);
                let header = |name: &str| {
                    source
                        .headers
                        .as_ref()
                        .and_then(|h| h.get(name))
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<i64>().ok())
                };
                let exhausted = header("x-ratelimit-remaining") == Some(0);
                let retry_after = header("retry-after");
                let secondary = message.to_ascii_lowercase().contains("rate limit");
                match status {
                    401 => GitHubError::Unauthorized {
                        repo: repo.to_string(),
                        message,
                    },
                    403 | 429
                        if exhausted || retry_after.is_some() || secondary || status == 429 =>
                    {
                        let reset = retry_after
                            .map(|secs| Utc::now() + chrono::Duration::seconds(secs))
                            .or_else(|| source.rate_limit_reset_at());
                        GitHubError::RateLimited {
                            reset,
                            authenticated: self.authenticated,
                        }
                    }
                    403 => GitHubError::Forbidden {
                        repo: repo.to_string(),
                        message,
                    },
                    404 => GitHubError::NotFound {
                        what: what.to_string(),
                        repo: repo.to_string(),
                    },
                    500..=599 => GitHubError::Server { status, message },
                    _ => GitHubError::Rejected { status, message },
                }
            }
            octocrab::Error::Serde { source, .. } => GitHubError::InvalidResponse {
                detail: self.scrub(&source.to_string()),
            },
            octocrab::Error::Json { source, .. } => GitHubError::InvalidResponse {
                detail: self.scrub(&format!("{} at {}", source.inner(), source.path())),
            },
            other => {
                let detail = self.scrub(&super::error_chain(&other));
                if detail.to_ascii_lowercase().contains("timed out") {
                    GitHubError::Timeout {
                        seconds: self.timeout.as_secs().max(1),
                    }
                } else {
                    GitHubError::Network {
                        url: self.api_url.clone(),
                        detail,
                    }
                }
            }
        }
    }
}

fn details_from(reference: &IssueRef, issue: Issue, comments: Vec<IssueComment>) -> IssueDetails {
    IssueDetails {
        reference: reference.clone(),
        title: issue.title,
        body: issue.body.unwrap_or_default(),
        state: match issue.state {
            IssueState::Closed => "closed".to_string(),
            _ => "open".to_string(),
        },
        labels: issue.labels.into_iter().map(|l| l.name).collect(),
        author: issue.user.login,
        html_url: issue.html_url.to_string(),
        updated_at: issue.updated_at,
        comments,
    }
}

fn comment_from(comment: Comment) -> IssueComment {
    IssueComment {
        id: comment.id.0,
        author: comment.user.login,
        body: comment.body.unwrap_or_default(),
        created_at: comment.created_at,
        html_url: comment.html_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_prefers_the_setting_and_trims_the_url() {
        let config = GitHubConfig::resolve(
            Some(" abc "),
            Some("https://ghe.example/api/v3/"),
            Duration::from_secs(5),
        );
        assert_eq!(config.token.as_deref(), Some("abc"));
        assert_eq!(config.api_url, "https://ghe.example/api/v3");
        assert!(
            !format!("{config:?}").contains("abc"),
            "Debug must not show the token"
        );
    }

    #[test]
    fn tokens_that_cannot_be_a_header_are_refused() {
        let config = GitHubConfig::resolve(Some("ghp_a\nb"), None, Duration::from_secs(5));
        assert!(matches!(
            GitHubService::new(&config),
            Err(GitHubError::UnusableToken)
        ));
    }

    #[test]
    fn rate_limit_message_names_the_reset_time() {
        let reset = DateTime::from_timestamp(1_900_000_000, 0);
        let text = GitHubError::RateLimited {
            reset,
            authenticated: false,
        }
        .to_string();
        assert!(text.contains("2030-03-17 17:46:40 UTC"), "{text}");
        assert!(text.contains("GITHUB_TOKEN"), "{text}");
    }
}
