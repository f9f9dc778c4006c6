//! The services a command needs, built from the current settings, and the short-lived cache of
//! issues that hovers and drift checks share.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tower_lsp::jsonrpc;

use crate::server::rpc_error;
use crate::services::github::{GitHubConfig, GitHubError, GitHubService, IssueDetails};
use crate::services::issue_ref::{IssueRef, RepoRef};
use crate::services::llm::{LlmConfig, LlmService};
use crate::settings::Settings;
use crate::workspace::bounded::insert_bounded;
use crate::workspace::disk::{Door, RealDisk};

/// Longest a GitHub call may take.
const GITHUB_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a hover, drift check or optional prompt material waits for GitHub.
pub const QUICK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fetched issue serves hovers and drift checks.
const ISSUE_TTL: Duration = Duration::from_secs(120);

/// GitHub with the settings' token (or `GITHUB_TOKEN`/`GH_TOKEN`) and API URL.
pub fn github(settings: &Settings) -> jsonrpc::Result<GitHubService> {
    github_within(settings, GITHUB_TIMEOUT).map_err(|e| rpc_error::failed(e.to_string()))
}

/// GitHub with calls limited to `timeout` (for optional material that must not hold a command up).
pub fn github_within(settings: &Settings, timeout: Duration) -> Result<GitHubService, GitHubError> {
    let config = GitHubConfig::resolve(
        settings.github.token.as_deref(),
        Some(&settings.github.api_url),
        timeout,
    );
    GitHubService::new(&config)
}

/// The model, or the "not configured: set …" error.
pub fn llm(settings: &Settings) -> jsonrpc::Result<LlmService> {
    let config = LlmConfig::resolve(
        settings.llm.api_base.as_deref(),
        settings.llm.model.as_deref(),
        Some(&settings.llm.api_key_env),
        settings.llm.timeout_seconds,
    )
    .map_err(|e| rpc_error::failed(e.to_string()))?;
    Ok(LlmService::new(config))
}

/// Whether the settings name a model (commands that can do without one check this).
pub fn llm_configured(settings: &Settings) -> bool {
    settings
        .llm
        .api_base
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
        && settings
            .llm
            .model
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
}

type CacheKey = (String, IssueRef);

/// Most issues remembered.
const MAX_ISSUES: usize = 512;

/// A fetched issue, or why it could not be fetched (remembered too, so an unreachable GitHub
/// does not stall every hover).
type CacheEntry = (Instant, Result<Arc<IssueDetails>, String>);

fn cache() -> &'static Mutex<HashMap<CacheKey, CacheEntry>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, CacheEntry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The issue without comments, from the cache when fetched (or failed) in the last two minutes.
/// Calls are short (`QUICK_TIMEOUT`): hovers and drift checks must not hang on a slow GitHub.
pub async fn cached_issue(
    settings: &Settings,
    issue: &IssueRef,
) -> Result<Arc<IssueDetails>, String> {
    let key = (settings.github.api_url.clone(), issue.clone());
    if let Some((at, entry)) = cache().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        if at.elapsed() < ISSUE_TTL {
            return entry.clone();
        }
    }
    let fetched = match github_within(settings, QUICK_TIMEOUT) {
        Ok(github) => github.issue_summary(issue).await,
        Err(error) => Err(error),
    };
    let entry = fetched
        .map(Arc::new)
        .map_err(|e: GitHubError| e.to_string());
    insert_bounded(
        &mut cache().lock().unwrap_or_else(|e| e.into_inner()),
        MAX_ISSUES,
        key,
        (Instant::now(), entry.clone()),
        |(at, _)| at.elapsed() >= ISSUE_TTL,
    );
    entry
}

/// The issue as last fetched, however long ago; never does I/O (for per-keystroke diagnostics).
pub fn peek_issue(settings: &Settings, issue: &IssueRef) -> Option<Arc<IssueDetails>> {
    let key = (settings.github.api_url.clone(), issue.clone());
    cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .and_then(|(_, entry)| entry.as_ref().ok().cloned())
}

/// Records a freshly fetched issue for later hovers and drift checks.
pub fn remember(settings: &Settings, details: &IssueDetails) {
    let key = (settings.github.api_url.clone(), details.reference.clone());
    let mut summary = details.clone();
    summary.comments.clear();
    insert_bounded(
        &mut cache().lock().unwrap_or_else(|e| e.into_inner()),
        MAX_ISSUES,
        key,
        (Instant::now(), Ok(Arc::new(summary))),
        |(at, _)| at.elapsed() >= ISSUE_TTL,
    );
}

/// The repository `#N` refers to: the plan's issue, else the `origin` remote of a workspace folder.
pub fn default_repo(front_matter_issue: Option<&str>, roots: &[PathBuf]) -> Option<RepoRef> {
    if let Some(issue) = front_matter_issue.and_then(|i| IssueRef::parse(i, None).ok()) {
        return Some(issue.repository());
    }
    let door = Door::new(&RealDisk, roots, GIT_CONFIG_BYTES);
    roots.iter().find_map(|root| origin_remote(&door, root))
}

/// The most of `.git/config` read.
const GIT_CONFIG_BYTES: u64 = 64 * 1024;

/// The `origin` URL in `<root>/.git/config`.
fn origin_remote(door: &Door, root: &Path) -> Option<RepoRef> {
    let contents = door.read(&root.join(".git").join("config")).ok()?;
    let config = contents.text();
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if in_origin {
            if let Some(url) = line
                .strip_prefix("url")
                .map(str::trim_start)
                .and_then(|l| l.strip_prefix('='))
            {
                return RepoRef::from_remote_url(url.trim());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_repo_prefers_the_plan_issue_then_origin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join(".git/config"),
            "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = git@github.com:other/thing.git\n\
             [remote \"origin\"]\n\turl = https://github.com/acme/rocket.git\n",
        )
        .unwrap();
        let roots = vec![dir.path().to_path_buf()];
        assert_eq!(default_repo(Some("x/y#3"), &roots), RepoRef::new("x", "y"));
        assert_eq!(default_repo(None, &roots), RepoRef::new("acme", "rocket"));
        assert_eq!(default_repo(None, &[]), None);
    }

    #[test]
    fn llm_needs_base_and_model() {
        let mut settings = Settings::default();
        let error = llm(&settings).unwrap_err();
        assert_eq!(
            error.message,
            "LLM not configured: set planLsp.llm.apiBase and planLsp.llm.model"
        );
        assert!(!llm_configured(&settings));
        settings.llm.api_base = Some("http://127.0.0.1:9/v1".into());
        settings.llm.model = Some("m".into());
        assert!(llm_configured(&settings));
    }
}
