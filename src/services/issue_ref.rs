//! GitHub issue references as people write them: `owner/repo#12`, `#12` (with a default repository),
//! and issue URLs on github.com, GitHub Enterprise and the REST API.

use std::fmt;
use std::ops::Range;

use thiserror::Error;

/// A repository on a GitHub server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRef {
    /// Owner (user or organisation) login.
    pub owner: String,
    /// Repository name.
    pub repo: String,
}

/// One issue (or pull request, which GitHub's issue API also serves).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IssueRef {
    /// Owner (user or organisation) login.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Issue number.
    pub number: u64,
}

/// Why a text is not an issue reference.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum IssueRefError {
    /// `#N` alone cannot be resolved without knowing the repository.
    #[error("`{0}` names no repository: write it as owner/repo#N or paste the issue URL")]
    MissingRepository(String),
    /// Nothing recognisable.
    #[error("`{0}` is not an issue reference: use owner/repo#N, #N or an issue URL like https://github.com/owner/repo/issues/N")]
    Unrecognised(String),
}

impl RepoRef {
    /// Builds a repository reference from an owner and a name, checking GitHub's naming rules.
    pub fn new(owner: &str, repo: &str) -> Option<Self> {
        (is_owner(owner) && is_repo(repo)).then(|| RepoRef {
            owner: owner.to_string(),
            repo: repo.to_string(),
        })
    }

    /// The repository a git remote URL points at: `git@host:owner/repo.git`,
    /// `https://host/owner/repo(.git)`, `ssh://git@host/owner/repo.git`.
    pub fn from_remote_url(url: &str) -> Option<Self> {
        let url = url.trim();
        let path = if let Some((_, rest)) = url.split_once("://") {
            rest.split_once('/')?.1
        } else {
            // scp-like syntax: user@host:owner/repo.git
            url.split_once(':')?.1
        };
        let path = path.trim_end_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let mut parts = path.rsplitn(2, '/');
        let repo = parts.next()?;
        let owner = parts.next()?.rsplit('/').next()?;
        RepoRef::new(owner, repo)
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.repo)
    }
}

impl IssueRef {
    /// Parses `owner/repo#N`, `#N` (needs `default_repo`), `https://host/owner/repo/issues/N`
    /// (also `/pull/N`, fragments and queries), and REST URLs `…/repos/owner/repo/issues/N`.
    pub fn parse(text: &str, default_repo: Option<&RepoRef>) -> Result<IssueRef, IssueRefError> {
        let trimmed = text.trim();
        if let Some(number) = trimmed.strip_prefix('#') {
            let number = parse_number(number)
                .ok_or_else(|| IssueRefError::Unrecognised(trimmed.to_string()))?;
            return default_repo
                .map(|repo| IssueRef::in_repo(repo, number))
                .ok_or_else(|| IssueRefError::MissingRepository(trimmed.to_string()));
        }
        if trimmed.contains("://") {
            return parse_url(trimmed)
                .ok_or_else(|| IssueRefError::Unrecognised(trimmed.to_string()));
        }
        if let Some((repo, number)) = trimmed.split_once('#') {
            if let (Some((owner, name)), Some(number)) =
                (repo.split_once('/'), parse_number(number))
            {
                if let Some(repo) = RepoRef::new(owner, name) {
                    return Ok(IssueRef::in_repo(&repo, number));
                }
            }
        }
        Err(IssueRefError::Unrecognised(trimmed.to_string()))
    }

    /// The issue `number` in `repo`.
    pub fn in_repo(repo: &RepoRef, number: u64) -> IssueRef {
        IssueRef {
            owner: repo.owner.clone(),
            repo: repo.repo.clone(),
            number,
        }
    }

    /// The repository the issue lives in.
    pub fn repository(&self) -> RepoRef {
        RepoRef {
            owner: self.owner.clone(),
            repo: self.repo.clone(),
        }
    }
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}#{}", self.owner, self.repo, self.number)
    }
}

/// An issue mention found in running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueMention {
    /// Byte range of the mention in the scanned text.
    pub range: Range<usize>,
    /// The issue, when the mention names its repository or a default repository was given.
    pub issue: IssueRef,
}

/// Finds issue mentions in `text` (`#N`, `owner/repo#N`, issue URLs). `#N` is only reported when
/// `default_repo` is known; `#N` glued to a word (`abc#1`), link anchors (`#L10`) and Markdown
/// headings (`#` followed by a space) are not mentions.
pub fn find_issue_mentions(text: &str, default_repo: Option<&RepoRef>) -> Vec<IssueMention> {
    let bytes = text.as_bytes();
    let mut mentions = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("http://") || text[i..].starts_with("https://") {
            let end = text[i..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, ')' | '>' | ']' | '"' | '\'' | '`')
                })
                .map_or(text.len(), |n| i + n);
            let url = text[i..end].trim_end_matches(['.', ',', ';', ':']);
            if let Some(issue) = parse_url(url) {
                mentions.push(IssueMention {
                    range: i..i + url.len(),
                    issue,
                });
            }
            i = end;
            continue;
        }
        if bytes[i] == b'#' {
            let digits = text[i + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(text.len() - i - 1, |n| n);
            let end = i + 1 + digits;
            let ends_cleanly = text[end..].chars().next().is_none_or(|c| !is_word_char(c));
            if digits > 0 && ends_cleanly {
                if let Some(number) = parse_number(&text[i + 1..end]) {
                    if let Some(start) = qualified_start(text, i) {
                        if let Ok(issue) = IssueRef::parse(&text[start..end], None) {
                            mentions.push(IssueMention {
                                range: start..end,
                                issue,
                            });
                        }
                    } else if let Some(repo) = default_repo {
                        let free = text[..i]
                            .chars()
                            .next_back()
                            .is_none_or(|c| !is_word_char(c) && c != '/' && c != '&');
                        if free {
                            mentions.push(IssueMention {
                                range: i..end,
                                issue: IssueRef::in_repo(repo, number),
                            });
                        }
                    }
                }
            }
            i = end.max(i + 1);
            continue;
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    mentions
}

/// The start of `owner/repo` directly before the `#` at `hash`, if there is one.
fn qualified_start(text: &str, hash: usize) -> Option<usize> {
    let before = &text[..hash];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c) || matches!(c, '/' | '.' | '-'))
        .last()
        .map(|(n, _)| n)?;
    let candidate = &before[start..];
    let (owner, repo) = candidate.split_once('/')?;
    RepoRef::new(owner, repo).map(|_| start)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

fn parse_url(url: &str) -> Option<IssueRef> {
    let (_, rest) = url.split_once("://")?;
    let (_host, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next()?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Web URLs end in owner/repo/(issues|pull)/N; REST URLs in repos/owner/repo/issues/N.
    let kind_at = segments
        .iter()
        .rposition(|s| matches!(*s, "issues" | "pull" | "pulls"))?;
    if kind_at < 2 || kind_at + 2 != segments.len() {
        return None;
    }
    let number = parse_number(segments[kind_at + 1])?;
    let repo = RepoRef::new(segments[kind_at - 2], segments[kind_at - 1])?;
    Some(IssueRef::in_repo(&repo, number))
}

fn is_owner(owner: &str) -> bool {
    !owner.is_empty()
        && owner.len() <= 39
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !owner.starts_with('-')
}

fn is_repo(repo: &str) -> bool {
    !repo.is_empty()
        && repo.len() <= 100
        && repo != "."
        && repo != ".."
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> RepoRef {
        RepoRef::new("acme", "rocket").unwrap()
    }

    fn issue(owner: &str, repo: &str, number: u64) -> IssueRef {
        IssueRef {
            owner: owner.into(),
            repo: repo.into(),
            number,
        }
    }

    #[test]
    fn parses_short_forms() {
        assert_eq!(
            IssueRef::parse("acme/rocket#42", None),
            Ok(issue("acme", "rocket", 42))
        );
        assert_eq!(
            IssueRef::parse(" #7 ", Some(&repo())),
            Ok(issue("acme", "rocket", 7))
        );
        assert_eq!(
            IssueRef::parse("#7", None),
            Err(IssueRefError::MissingRepository("#7".into()))
        );
        assert!(IssueRef::parse("acme/rocket#x", None).is_err());
        assert!(IssueRef::parse("acme/rocket#0", None).is_err());
        assert!(IssueRef::parse("rocket#4", None).is_err());
        assert!(IssueRef::parse("-bad/rocket#4", None).is_err());
    }

    #[test]
    fn parses_urls_including_enterprise_and_api() {
        for url in [
            "https://github.com/acme/rocket/issues/42",
            "https://github.com/acme/rocket/issues/42#issuecomment-99",
            "https://github.com/acme/rocket/pull/42?tab=files",
            "https://ghe.corp.example/acme/rocket/issues/42/",
            "https://api.github.com/repos/acme/rocket/issues/42",
            "https://ghe.corp.example/api/v3/repos/acme/rocket/issues/42",
            "http://127.0.0.1:8080/acme/rocket/issues/42",
        ] {
            assert_eq!(
                IssueRef::parse(url, None),
                Ok(issue("acme", "rocket", 42)),
                "{url}"
            );
        }
        assert!(IssueRef::parse("https://github.com/acme/rocket/issues", None).is_err());
        assert!(
            IssueRef::parse("https://github.com/acme/rocket/issues/42/comments", None).is_err()
        );
        assert!(IssueRef::parse("https://github.com/acme", None).is_err());
    }

    #[test]
    fn remote_urls() {
        for url in [
            "git@github.com:acme/rocket.git",
            "https://github.com/acme/rocket",
            "https://github.com/acme/rocket.git/",
            "ssh://git@ghe.corp.example:2222/acme/rocket.git",
        ] {
            assert_eq!(RepoRef::from_remote_url(url), Some(repo()), "{url}");
        }
        assert_eq!(RepoRef::from_remote_url("not a url"), None);
    }

    #[test]
    fn finds_mentions_in_text() {
        let text = "See #12, acme/other#3 and https://github.com/x/y/issues/5. Not abc#9, L#10, &#38; or #L20.";
        let found = find_issue_mentions(text, Some(&repo()));
        let spans: Vec<&str> = found.iter().map(|m| &text[m.range.clone()]).collect();
        assert_eq!(
            spans,
            vec!["#12", "acme/other#3", "https://github.com/x/y/issues/5"]
        );
        assert_eq!(found[0].issue, issue("acme", "rocket", 12));
        assert_eq!(found[1].issue, issue("acme", "other", 3));
        assert_eq!(found[2].issue, issue("x", "y", 5));
    }

    #[test]
    fn bare_numbers_need_a_default_repo() {
        let found = find_issue_mentions("fixes #12 and acme/rocket#4", None);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].issue, issue("acme", "rocket", 4));
    }

    #[test]
    fn mentions_keep_byte_offsets_after_multibyte_text() {
        let text = "é — #5";
        let found = find_issue_mentions(text, Some(&repo()));
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].range.clone()], "#5");
    }
}
