//! The git history signals for research: files changed by past commits whose messages share the
//! query's words, and files that change together with the best hits (co-change). Read once per
//! repository head with one `git log` (bounded), then cached, so ranking stays offline and fast;
//! no git, no signal.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

use super::content::terms_of;
use super::drift::git_capped;

/// Commits read, newest first: enough to know a project's recent areas, small to hold.
const MAX_COMMITS: usize = 3000;
/// Largest `git log` output kept.
const MAX_LOG_BYTES: u64 = 16 << 20;
/// A commit touching more files than this is a sweep (a rename, a format), not a pointer.
const MAX_FILES_PER_COMMIT: usize = 12;
/// Repositories whose history is kept.
const CACHED_REPOSITORIES: usize = 4;
/// Commits whose messages best match a query that vote for their files.
const VOTING_COMMITS: usize = 20;
/// Commits two files must share before one says anything about the other: one shared commit
/// is a coincidence.
const MIN_SHARED_COMMITS: u32 = 2;

/// One past commit: its message's terms and the files it changed (relative to the root).
#[derive(Debug)]
struct Commit {
    terms: Vec<String>,
    files: Vec<String>,
}

/// The recent history of one repository.
#[derive(Debug, Default)]
pub struct History {
    commits: Vec<Commit>,
    /// In how many commit messages each term occurs.
    df: FxHashMap<String, u32>,
    /// The commits (indices into `commits`) that changed each file.
    by_file: FxHashMap<String, Vec<u32>>,
}

impl History {
    /// Parses `git log --format=%x1e%s%n%b%x1f --name-only` output.
    fn parse(log: &str) -> Self {
        let mut history = History::default();
        for record in log.split('\u{1e}').filter(|r| !r.trim().is_empty()) {
            let (message, files) = record.split_once('\u{1f}').unwrap_or((record, ""));
            let files: Vec<String> = files
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            if files.is_empty() || files.len() > MAX_FILES_PER_COMMIT {
                continue;
            }
            let mut terms = terms_of(message);
            terms.sort_unstable();
            terms.dedup();
            for term in &terms {
                *history.df.entry(term.clone()).or_default() += 1;
            }
            let at = history.commits.len() as u32;
            for file in &files {
                history.by_file.entry(file.clone()).or_default().push(at);
            }
            history.commits.push(Commit { terms, files });
        }
        history
    }

    /// Files that changed together with one of `hits`, each with the strongest association
    /// (the share of that hit's commits that also changed it, 0..=1) and the hit it goes with.
    /// Pairs sharing fewer than [`MIN_SHARED_COMMITS`] commits say nothing.
    pub fn co_changes(&self, hits: &[&str]) -> FxHashMap<String, (f32, String)> {
        let mut out: FxHashMap<String, (f32, String)> = FxHashMap::default();
        for &hit in hits {
            let Some(commits) = self.by_file.get(hit) else {
                continue;
            };
            let mut shared: FxHashMap<&str, u32> = FxHashMap::default();
            for &c in commits {
                for file in &self.commits[c as usize].files {
                    if file != hit {
                        *shared.entry(file).or_default() += 1;
                    }
                }
            }
            for (file, n) in shared {
                if n < MIN_SHARED_COMMITS {
                    continue;
                }
                let strength = n as f32 / commits.len() as f32;
                let entry = out.entry(file.to_owned()).or_insert((0.0, String::new()));
                // Ties go to the earlier (better) hit, so the result does not depend on hashing.
                if strength > entry.0 {
                    *entry = (strength, hit.to_owned());
                }
            }
        }
        out
    }

    /// Files changed by the commits whose messages best match `words`, each with the summed
    /// match score of those commits normalised to 0..=1 (the best file gets 1).
    pub fn votes(&self, words: &[String]) -> FxHashMap<String, f32> {
        let n = self.commits.len() as f32;
        let idf = |t: &str| {
            let df = self.df.get(t).copied().unwrap_or(0) as f32;
            (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
        };
        let mut scored: Vec<(f32, usize)> = self
            .commits
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let score: f32 = words
                    .iter()
                    .filter(|w| c.terms.binary_search(w).is_ok())
                    .map(|w| idf(w))
                    .sum();
                (score > 0.0).then_some((score, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(VOTING_COMMITS);
        let mut votes: FxHashMap<String, f32> = FxHashMap::default();
        for (score, i) in scored {
            for file in &self.commits[i].files {
                *votes.entry(file.clone()).or_default() += score;
            }
        }
        let best = votes.values().copied().fold(0.0, f32::max);
        if best > 0.0 {
            votes.values_mut().for_each(|v| *v /= best);
        }
        votes
    }
}

type Cache = Mutex<Vec<(PathBuf, String, Arc<History>)>>;

/// The history of the repository at `root` (a workspace folder that is a git work tree's top),
/// read once per head commit.
pub fn history(root: &Path) -> Option<Arc<History>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let head = git_capped(root, &["rev-parse", "--show-toplevel", "HEAD"], 4096)?;
    let mut lines = head.lines();
    let top = PathBuf::from(lines.next()?);
    let head = lines.next()?.to_owned();
    // Paths in the log are relative to the repository's top: only a root that is the top matches.
    if top.canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    let cache = CACHE.get_or_init(Cache::default);
    if let Some((_, _, found)) = cache
        .lock()
        .ok()?
        .iter()
        .find(|(r, h, _)| r == root && *h == head)
    {
        return Some(found.clone());
    }
    let max = MAX_COMMITS.to_string();
    let log = git_capped(
        root,
        &[
            "log",
            "--no-merges",
            "--no-renames",
            "-n",
            &max,
            "--format=%x1e%s%n%b%x1f",
            "--name-only",
        ],
        MAX_LOG_BYTES,
    )?;
    let parsed = Arc::new(History::parse(&log));
    let mut cache = cache.lock().ok()?;
    cache.retain(|(r, _, _)| r != root);
    if cache.len() == CACHED_REPOSITORIES {
        cache.remove(0);
    }
    cache.push((root.to_path_buf(), head, parsed.clone()));
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_matching_the_query_vote_for_their_files() {
        let log = "\u{1e}Fix cache eviction order\n\nThe LRU evicted the newest entry.\n\u{1f}\n\nsrc/cache.rs\nsrc/lru.rs\n\
                   \u{1e}Rename everything\n\u{1f}\n\n"
            .to_owned()
            + &(0..20).map(|k| format!("src/f{k}.rs\n")).collect::<String>()
            + "\u{1e}Speed up the parser\n\u{1f}\n\nsrc/parser.rs\n\
               \u{1e}cache: make eviction configurable\n\u{1f}\n\nsrc/cache.rs\nsrc/settings.rs\n";
        let history = History::parse(&log);
        assert_eq!(history.commits.len(), 3, "the sweep is left out");
        let words: Vec<String> = ["eviction", "cache"].map(String::from).to_vec();
        let votes = history.votes(&words);
        assert_eq!(votes["src/cache.rs"], 1.0);
        assert!(votes["src/lru.rs"] > 0.0 && votes["src/lru.rs"] < 1.0);
        assert!(votes.contains_key("src/settings.rs"));
        assert!(!votes.contains_key("src/parser.rs"));
        assert!(history.votes(&["zebra".to_owned()]).is_empty());
    }

    #[test]
    fn files_that_change_with_a_hit_are_its_co_changes() {
        let commit = |files: &[&str]| format!("\u{1e}Change\n\u{1f}\n\n{}\n", files.join("\n"));
        let sweep: Vec<String> = (0..20).map(|k| format!("src/f{k}.rs")).collect();
        let mut sweep: Vec<&str> = sweep.iter().map(String::as_str).collect();
        sweep.push("src/parser.rs");
        sweep.push("src/lexer.rs");
        let log = [
            commit(&["src/parser.rs", "src/lexer.rs"]),
            commit(&["src/parser.rs", "src/lexer.rs", "src/once.rs"]),
            commit(&["src/parser.rs", "src/ast.rs"]),
            commit(&["src/parser.rs", "src/ast.rs"]),
            commit(&["src/lexer.rs", "src/token.rs"]),
            commit(&["src/lexer.rs", "src/token.rs"]),
            commit(&sweep),
            commit(&sweep),
        ]
        .concat();
        let history = History::parse(&log);
        let co = history.co_changes(&["src/parser.rs"]);
        let mut found: Vec<(&str, f32)> = co.iter().map(|(f, (s, _))| (f.as_str(), *s)).collect();
        found.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            found,
            [("src/ast.rs", 0.5), ("src/lexer.rs", 0.5)],
            "once.rs shares one commit only; sweeps do not count; token.rs never met parser.rs"
        );
        assert_eq!(co["src/ast.rs"].1, "src/parser.rs");
        // The strongest association wins: token.rs is in every other commit of lexer.rs.
        let co = history.co_changes(&["src/parser.rs", "src/lexer.rs"]);
        assert_eq!(co["src/token.rs"], (0.5, "src/lexer.rs".to_owned()));
        assert_eq!(co["src/parser.rs"], (0.5, "src/lexer.rs".to_owned()));
        assert!(history.co_changes(&["src/unknown.rs"]).is_empty());
    }

    #[test]
    fn a_folder_without_git_has_no_history() {
        let dir = tempfile::tempdir().unwrap();
        assert!(history(dir.path()).is_none());
    }
}
