//! Drift of line references: a plan that cites `src/a.rs:10-20` was written against the code at
//! the plan's last commit. Nothing is stored in the plan: the cited lines are read from git at
//! that commit and compared with the file today; when they moved, the new place is found.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::bounded::insert_bounded;
use super::disk::{real_or_given, Door};
use super::no_wait;

/// Most plans whose last commit is remembered.
const MAX_COMMITS: usize = 256;
/// Most file contents at a commit kept (each at most `index.maxFileBytes`).
const MAX_BLOBS: usize = 64;
/// How long a cited file's modification time and size are trusted, as file facts are.
const STAMP_TTL: Duration = Duration::from_secs(3);
/// Most drift outcomes (and file stamps) kept.
const MAX_OUTCOMES: usize = 4096;

/// How long the plan's last commit is trusted before asking git again.
const COMMIT_TTL: Duration = Duration::from_secs(5);

/// What became of cited lines since the plan's last commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineDrift {
    /// The lines read the same.
    Unchanged,
    /// The same lines are now at `start..=end` (1-based).
    Moved {
        /// First line, 1-based.
        start: u32,
        /// Last line, 1-based.
        end: u32,
    },
    /// The lines changed and their old text is nowhere in the file.
    Changed,
}

#[derive(Clone, Debug)]
struct PlanCommit {
    git_root: PathBuf,
    commit: String,
}

type CommitCache = HashMap<PathBuf, (Instant, Option<PlanCommit>)>;

/// File contents at a commit, by (commit, canonical path); `None` when absent there.
type BlobCache = HashMap<(String, PathBuf), Option<Arc<str>>>;

/// Outcomes by (plan, file, start, end), kept while the file's modification time and size and
/// the plan's commit stay the same: this runs on every keystroke and must not read every cited
/// file each time.
type OutcomeCache = HashMap<(PathBuf, PathBuf, u32, u32), (FileStamp, String, Option<LineDrift>)>;

/// What tells that a file changed: its modification time and size.
type FileStamp = Option<(std::time::SystemTime, u64)>;

fn stamp(door: &Door, file: &Path) -> FileStamp {
    let (_, stat) = door.stat(file).ok()?;
    Some((stat.modified?, stat.len))
}

/// Git lookups for drift checks, cached: the plan's last commit for a few seconds, file
/// contents at a commit for good (a commit never changes).
#[derive(Default)]
pub struct DriftChecker {
    commits: Mutex<CommitCache>,
    blobs: Mutex<BlobCache>,
    outcomes: Mutex<OutcomeCache>,
    /// Cited files' stamps, trusted for [`STAMP_TTL`]: a keystroke's pass does not stat every
    /// cited file again.
    stamps: Mutex<HashMap<PathBuf, (Instant, FileStamp)>>,
    /// Whether a path existed at a commit, by (commit, path relative to the git root).
    existed: Mutex<HashMap<(String, String), bool>>,
}

impl DriftChecker {
    /// Compares lines `start..=end` (1-based) of `file` today with the same lines at `plan`'s
    /// last commit. `None` when that cannot be told: not a git repository, the plan was never
    /// committed, or the file or lines did not exist then.
    /// Files are read through `door`.
    pub fn check_lines(
        &self,
        door: &Door,
        plan: &Path,
        file: &Path,
        start: u32,
        end: u32,
    ) -> Option<LineDrift> {
        let commit = self.plan_commit(door, plan)?;
        let key = (plan.to_path_buf(), file.to_path_buf(), start, end);
        let file_stamp = self.stamp(door, file);
        if let Some((seen, at_commit, outcome)) = self
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            if *seen == file_stamp && *at_commit == commit.commit {
                return outcome.clone();
            }
        }
        // Reading the file and git's copy of it waits: after the pass.
        if no_wait::leave_out() {
            return None;
        }
        let outcome = self.check_lines_uncached(door, &commit, file, start, end);
        insert_bounded(
            &mut self.outcomes.lock().unwrap_or_else(|e| e.into_inner()),
            MAX_OUTCOMES,
            key,
            (file_stamp, commit.commit.clone(), outcome.clone()),
            |_| false,
        );
        outcome
    }

    fn check_lines_uncached(
        &self,
        door: &Door,
        commit: &PlanCommit,
        file: &Path,
        start: u32,
        end: u32,
    ) -> Option<LineDrift> {
        let old = self.blob_at(door, commit, file)?;
        let current = door.read_whole_text(file).ok()?;
        compare(&old, &current, start, end)
    }

    /// Forgets what is known about `file` (the client said it changed).
    pub fn invalidate(&self, file: &Path) {
        super::revision::bump();
        self.stamps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(file);
    }

    /// Whether a file that is missing now existed when `plan` was last committed (it was deleted
    /// or moved since). `None` when that cannot be told. `file` is absolute, inside the
    /// repository.
    pub fn existed_at_plan_commit(&self, door: &Door, plan: &Path, file: &Path) -> Option<bool> {
        let commit = self.plan_commit(door, plan)?;
        let rel = file
            .strip_prefix(&commit.git_root)
            .ok()?
            .to_str()?
            .replace('\\', "/");
        let key = (commit.commit.clone(), rel);
        if let Some(known) = self
            .existed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Some(*known);
        }
        if no_wait::leave_out() {
            return None;
        }
        // Git runs without the lock held, so other lookups do not wait on it.
        let found = git(
            &commit.git_root,
            &["cat-file", "-e", &format!("{}:{}", key.0, key.1)],
        )
        .is_some();
        let mut existed = self.existed.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: plans cite a few hundred paths at most; start over past that.
        if existed.len() > 4096 {
            existed.clear();
        }
        existed.insert(key, found);
        Some(found)
    }

    fn stamp(&self, door: &Door, file: &Path) -> FileStamp {
        if let Some((at, stamp)) = self
            .stamps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(file)
        {
            if at.elapsed() < STAMP_TTL || no_wait::take_stale() {
                return *stamp;
            }
        }
        // A stat, even in a no-wait pass: metadata of a path never seen, no read.
        let fresh = stamp(door, file);
        insert_bounded(
            &mut self.stamps.lock().unwrap_or_else(|e| e.into_inner()),
            MAX_OUTCOMES,
            file.to_path_buf(),
            (Instant::now(), fresh),
            |(at, _)| at.elapsed() >= STAMP_TTL,
        );
        fresh
    }

    /// Whether drift can be told for `plan` at all: it is in a git repository and committed.
    pub fn tracks(&self, door: &Door, plan: &Path) -> bool {
        self.plan_commit(door, plan).is_some()
    }

    fn plan_commit(&self, door: &Door, plan: &Path) -> Option<PlanCommit> {
        if let Some((at, commit)) = self
            .commits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(plan)
        {
            if at.elapsed() < COMMIT_TTL || no_wait::take_stale() {
                return commit.clone();
            }
        }
        if no_wait::leave_out() {
            return None;
        }
        // Git runs without the lock held, so other plans' lookups do not wait for it.
        let found = find_plan_commit(door, plan);
        insert_bounded(
            &mut self.commits.lock().unwrap_or_else(|e| e.into_inner()),
            MAX_COMMITS,
            plan.to_path_buf(),
            (Instant::now(), found.clone()),
            |(at, _)| at.elapsed() >= COMMIT_TTL,
        );
        found
    }

    fn blob_at(&self, door: &Door, commit: &PlanCommit, file: &Path) -> Option<Arc<str>> {
        let file = door.contained(file).ok()?;
        let key = (commit.commit.clone(), file.clone());
        if let Some(blob) = self
            .blobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return blob.clone();
        }
        let rel = file.strip_prefix(&commit.git_root).ok()?;
        let rel = rel.to_str()?.replace('\\', "/");
        let blob = git_capped(
            &commit.git_root,
            &["show", &format!("{}:{rel}", commit.commit)],
            door.max_bytes(),
        )
        .map(Arc::<str>::from);
        insert_bounded(
            &mut self.blobs.lock().unwrap_or_else(|e| e.into_inner()),
            MAX_BLOBS,
            key,
            blob.clone(),
            |_| false,
        );
        blob
    }
}

fn find_plan_commit(door: &Door, plan: &Path) -> Option<PlanCommit> {
    let plan = door.contained(plan).ok()?;
    let dir = plan.parent()?;
    let root = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?.trim());
    let root = real_or_given(&root);
    let commit = git(&root, &["log", "-1", "--format=%H", "--", plan.to_str()?])?
        .trim()
        .to_owned();
    (!commit.is_empty()).then_some(PlanCommit {
        git_root: root,
        commit,
    })
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    git_capped(dir, args, 1 << 20)
}

/// Git's output when it succeeds within `max` bytes; a larger output is not kept.
pub(super) fn git_capped(dir: &Path, args: &[&str], max: u64) -> Option<String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = Vec::new();
    let read = child
        .stdout
        .take()
        .map(|stdout| stdout.take(max + 1).read_to_end(&mut out));
    if out.len() as u64 > max {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    }
    let status = child.wait().ok()?;
    if !status.success() || !matches!(read, Some(Ok(_))) {
        return None;
    }
    String::from_utf8(out).ok()
}

/// Compares lines `start..=end` (1-based) of `old` and `current`; trailing whitespace is not
/// a change. `None` when the lines did not exist in `old`.
pub fn compare(old: &str, current: &str, start: u32, end: u32) -> Option<LineDrift> {
    let (start, end) = (start.max(1) as usize, end.max(start) as usize);
    let old_lines: Vec<&str> = old.lines().map(str::trim_end).collect();
    if end > old_lines.len() {
        return None;
    }
    let cited = &old_lines[start - 1..end];
    let now: Vec<&str> = current.lines().map(str::trim_end).collect();
    if now.get(start - 1..end) == Some(cited) {
        return Some(LineDrift::Unchanged);
    }
    if cited.iter().all(|l| l.trim().is_empty()) {
        return Some(LineDrift::Changed);
    }
    let found = now
        .windows(cited.len())
        .enumerate()
        .filter(|(_, window)| *window == cited)
        .map(|(i, _)| i + 1)
        .min_by_key(|&i| i.abs_diff(start));
    Some(match found {
        Some(new_start) => LineDrift::Moved {
            start: new_start as u32,
            end: (new_start + cited.len() - 1) as u32,
        },
        None => LineDrift::Changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cited_lines_are_found_where_they_moved() {
        let old = "a\nfn f() {\n    1\n}\nz\n";
        assert_eq!(compare(old, old, 2, 4), Some(LineDrift::Unchanged));
        let now = "// new header\n\na\nfn f() {\n    1\n}  \nz\n";
        assert_eq!(
            compare(old, now, 2, 4),
            Some(LineDrift::Moved { start: 4, end: 6 })
        );
        let rewritten = "a\nfn f() {\n    2\n}\n";
        assert_eq!(compare(old, rewritten, 2, 4), Some(LineDrift::Changed));
        assert_eq!(compare(old, now, 9, 12), None, "lines that never existed");
    }

    #[test]
    fn reads_the_cited_lines_at_the_plans_last_commit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let run = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(root)
                .args(args)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        run(&["init", "-q"]);
        std::fs::write(root.join("code.rs"), "fn a() {}\nfn b() {}\n").unwrap();
        std::fs::write(root.join("plan.md"), "See `code.rs:2`.\n").unwrap();
        run(&["add", "."]);
        run(&["commit", "-q", "-m", "plan"]);
        let checker = DriftChecker::default();
        let roots = [std::fs::canonicalize(root).unwrap()];
        let door = Door::new(&super::super::disk::RealDisk, &roots, 1 << 20);
        let plan = root.join("plan.md");
        let code = root.join("code.rs");
        assert_eq!(
            checker.check_lines(&door, &plan, &code, 2, 2),
            Some(LineDrift::Unchanged)
        );
        std::fs::write(&code, "// moved\nfn a() {}\nfn b() {}\n").unwrap();
        checker.invalidate(&code); // as a watched-file event does
        assert_eq!(
            checker.check_lines(&door, &plan, &code, 2, 2),
            Some(LineDrift::Moved { start: 3, end: 3 })
        );
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("p.md"), "x").unwrap();
        assert_eq!(
            checker.check_lines(&door, &outside.path().join("p.md"), &code, 1, 1),
            None,
            "not a repository"
        );
    }
}
