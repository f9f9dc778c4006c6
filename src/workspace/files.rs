//! Facts about files on disk (exists? how many lines?), cached briefly so a keystroke does not
//! stat every referenced file, and dropped when the client reports a change. Both caches are
//! bounded: past [`MAX_ENTRIES`] entries, stale ones are swept, and if none are stale the cache
//! starts over.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::bounded::insert_bounded;
use super::disk::{Door, EntryKind, FileSystem, RealDisk};
use super::index::DEFAULT_MAX_FILE_BYTES;
use super::markdown::MarkdownDocs;
use super::no_wait;
use super::resolve::Resolution;

/// How long a fact is trusted without a change notification from the client.
const TRUST_FOR: Duration = Duration::from_secs(3);

/// Most facts (and, separately, resolutions) kept at once.
pub const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Anything that is not a directory; only regular files are ever read.
    File,
    Directory,
}

#[derive(Debug, Clone)]
struct Fact {
    kind: Option<FileKind>,
    /// The path with symlinks resolved, to check it stays in the workspace.
    real: Option<PathBuf>,
    /// Length and modification time, to keep a line count while the file is unchanged.
    stamp: Option<(u64, Option<SystemTime>)>,
    lines: Option<usize>,
    /// Whether `lines` was read for this stamp (a no-wait pass stats but does not read).
    counted: bool,
    checked: Instant,
}

impl Fact {
    /// Whether this fact holds what is asked: the line count too, for a file, when `need_lines`.
    fn answers(&self, need_lines: bool) -> bool {
        !need_lines || self.counted || self.kind != Some(FileKind::File)
    }
}

/// A cache of file existence and line counts, shared by all documents, over one file system.
#[derive(Debug)]
pub struct FileFacts {
    fs: Arc<dyn FileSystem>,
    /// `index.maxFileBytes`: the most any read takes.
    max_file_bytes: AtomicU64,
    facts: Mutex<rustc_hash::FxHashMap<PathBuf, Fact>>,
    /// Resolved references, dropped with any change notification.
    resolutions: Mutex<Resolutions>,
    /// Markdown documents (open, or parsed from disk) for links between them.
    pub markdown: MarkdownDocs,
}

impl Default for FileFacts {
    fn default() -> Self {
        FileFacts::new(Arc::new(RealDisk))
    }
}

impl FileFacts {
    /// Facts about files of `fs`.
    pub fn new(fs: Arc<dyn FileSystem>) -> Self {
        FileFacts {
            fs,
            max_file_bytes: AtomicU64::new(DEFAULT_MAX_FILE_BYTES),
            facts: Mutex::default(),
            resolutions: Mutex::default(),
            markdown: MarkdownDocs::default(),
        }
    }

    /// Sets `index.maxFileBytes`, the cap of every read.
    pub fn set_max_file_bytes(&self, max: u64) {
        self.max_file_bytes.store(max, Ordering::Relaxed);
    }

    /// The door to the file system, for reads confined to `roots` (canonical).
    pub fn door<'a>(&'a self, roots: &'a [PathBuf]) -> Door<'a> {
        Door::new(
            self.fs.as_ref(),
            roots,
            self.max_file_bytes.load(Ordering::Relaxed),
        )
    }

    pub fn kind(&self, path: &Path) -> Option<FileKind> {
        if let Some(known) = self.fresh(path, false, |f| f.kind) {
            return known;
        }
        self.fact(path, false).kind
    }

    /// The path with every symlink resolved, when it exists.
    pub fn real_path(&self, path: &Path) -> Option<PathBuf> {
        self.fact(path, false).real
    }

    /// The number of lines in a regular file within `index.maxFileBytes` (a final line break
    /// does not start a new line); `None` for larger files, FIFOs and devices.
    pub fn line_count(&self, path: &Path) -> Option<usize> {
        if let Some(known) = self.fresh(path, true, |f| f.lines) {
            return known;
        }
        self.fact(path, true).lines
    }

    /// `read` of a cached fact that is still trusted, without copying the fact: each reference
    /// asks on every keystroke.
    fn fresh<T>(&self, path: &Path, need_lines: bool, read: impl Fn(&Fact) -> T) -> Option<T> {
        let facts = self.facts.lock().unwrap_or_else(|e| e.into_inner());
        let fact = facts.get(path)?;
        (fact.answers(need_lines) && fact.checked.elapsed() < TRUST_FOR).then(|| read(fact))
    }

    fn fact(&self, path: &Path, need_lines: bool) -> Fact {
        let now = Instant::now();
        let previous = {
            let facts = self.facts.lock().unwrap_or_else(|e| e.into_inner());
            facts.get(path).cloned()
        };
        let wait = !no_wait::active();
        if let Some(fact) = &previous {
            let complete = fact.answers(need_lines);
            if complete && now.duration_since(fact.checked) < TRUST_FOR {
                return fact.clone();
            }
            // Stale, or without its line count: good enough now, refreshed after the pass.
            if (complete && no_wait::take_stale()) || (!complete && no_wait::leave_out()) {
                return fact.clone();
            }
        }
        let real = self.fs.real_path(path).ok();
        let stat = real.as_deref().and_then(|r| self.fs.stat(r).ok());
        let kind = stat.as_ref().map(|s| match s.kind {
            EntryKind::Directory => FileKind::Directory,
            EntryKind::File | EntryKind::Special => FileKind::File,
        });
        let stamp = stat.as_ref().map(|s| (s.len, s.modified));
        let unchanged = previous
            .as_ref()
            .filter(|p| p.stamp.is_some() && p.stamp == stamp && p.real == real && p.counted);
        let (lines, counted) = match (&stat, &real) {
            _ if unchanged.is_some() => (unchanged.and_then(|p| p.lines), true),
            _ if !need_lines => (None, false),
            (Some(stat), Some(_)) if stat.kind == EntryKind::File && !wait => {
                no_wait::leave_out();
                (None, false)
            }
            (Some(stat), Some(real)) if stat.kind == EntryKind::File => {
                let max = self.max_file_bytes.load(Ordering::Relaxed);
                let lines = match self.fs.read_prefix(real, max) {
                    Ok((bytes, len)) if bytes.len() as u64 == len => Some(count_lines(&bytes)),
                    _ => None,
                };
                (lines, true)
            }
            _ => (None, true),
        };
        let fact = Fact {
            kind,
            real: kind.and(real),
            stamp,
            lines,
            counted,
            checked: now,
        };
        let mut facts = self.facts.lock().unwrap_or_else(|e| e.into_inner());
        insert_bounded(
            &mut facts,
            MAX_ENTRIES,
            path.to_path_buf(),
            fact.clone(),
            |f| now.duration_since(f.checked) >= TRUST_FOR,
        );
        fact
    }

    /// Forgets what is known about `path` (the client said it changed).
    pub fn invalidate(&self, path: &Path) {
        super::revision::bump();
        self.facts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(path);
        self.markdown.forget(path);
        self.resolutions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A cached resolution of `written` from `folder` in `roots`, or `resolve()`'s answer, cached
    /// for as long as file facts are trusted. A hit allocates nothing: every reference of a plan
    /// asks on every keystroke.
    pub fn resolution(
        &self,
        written: &str,
        folder: Option<&Path>,
        roots: &[PathBuf],
        resolve: impl FnOnce() -> Resolution,
    ) -> Resolution {
        let now = Instant::now();
        let context = Resolutions::context_digest(folder, roots);
        if let Some((checked, resolution)) = self
            .resolutions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(context, folder, roots, written)
        {
            if now.duration_since(*checked) < TRUST_FOR || no_wait::take_stale() {
                return resolution.clone();
            }
        }
        let resolution = resolve();
        self.resolutions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(context, folder, roots, written, (now, resolution.clone()));
        resolution
    }

    /// Makes every cached fact look older than its trust period.
    #[cfg(test)]
    fn expire(&self) {
        for fact in self.facts.lock().unwrap().values_mut() {
            fact.checked = fact.checked.checked_sub(TRUST_FOR).unwrap_or(fact.checked);
        }
    }

    /// How many facts and resolutions are cached (for the bound's test).
    #[cfg(test)]
    fn sizes(&self) -> (usize, usize) {
        (
            self.facts.lock().unwrap().len(),
            self.resolutions.lock().unwrap().entries,
        )
    }
}

/// Resolutions by where they were resolved from (the plan's folder and the workspace folders,
/// found by digest and compared in full) and then by the path as written, at most
/// [`MAX_ENTRIES`] in all (past that the cache starts over).
#[derive(Debug, Default)]
struct Resolutions {
    contexts: rustc_hash::FxHashMap<u64, ResolutionContext>,
    entries: usize,
}

#[derive(Debug)]
struct ResolutionContext {
    folder: Option<PathBuf>,
    roots: Vec<PathBuf>,
    by_written: rustc_hash::FxHashMap<Box<str>, (Instant, Resolution)>,
}

impl Resolutions {
    fn context_digest(folder: Option<&Path>, roots: &[PathBuf]) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = rustc_hash::FxHasher::default();
        folder.hash(&mut hasher);
        roots.hash(&mut hasher);
        hasher.finish()
    }

    fn get(
        &self,
        digest: u64,
        folder: Option<&Path>,
        roots: &[PathBuf],
        written: &str,
    ) -> Option<&(Instant, Resolution)> {
        let context = self.contexts.get(&digest)?;
        if context.folder.as_deref() != folder || context.roots != roots {
            return None;
        }
        context.by_written.get(written)
    }

    fn insert(
        &mut self,
        digest: u64,
        folder: Option<&Path>,
        roots: &[PathBuf],
        written: &str,
        value: (Instant, Resolution),
    ) {
        if self.entries >= MAX_ENTRIES {
            self.clear();
        }
        let context = self
            .contexts
            .entry(digest)
            .or_insert_with(|| ResolutionContext {
                folder: folder.map(Path::to_path_buf),
                roots: roots.to_vec(),
                by_written: Default::default(),
            });
        // Another place with the same digest: not cached rather than confused.
        if context.folder.as_deref() != folder || context.roots != roots {
            return;
        }
        if context.by_written.insert(written.into(), value).is_none() {
            self.entries += 1;
        }
    }

    fn clear(&mut self) {
        self.contexts.clear();
        self.entries = 0;
    }
}

/// Lines as an editor shows them: `a\nb` and `a\nb\n` both have 2.
pub fn count_lines(bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        return 0;
    }
    let breaks = bytes.iter().filter(|b| **b == b'\n').count();
    if bytes.ends_with(b"\n") {
        breaks
    } else {
        breaks + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_notices_changes_after_invalidation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let facts = FileFacts::default();
        assert_eq!(facts.kind(&path), None);
        std::fs::write(&path, "1\n2\n3\n").unwrap();
        assert_eq!(facts.kind(&path), None, "cached until invalidated");
        facts.invalidate(&path);
        assert_eq!(facts.kind(&path), Some(FileKind::File));
        assert_eq!(facts.line_count(&path), Some(3));
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b""), 0);
    }

    /// The file system of a test, counting reads and stats.
    #[derive(Debug, Default)]
    struct Counted {
        inner: super::super::disk::memory::MemoryFs,
        reads: std::sync::atomic::AtomicUsize,
        stats: std::sync::atomic::AtomicUsize,
    }

    impl FileSystem for Counted {
        fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
            self.inner.real_path(path)
        }
        fn stat(&self, real: &Path) -> std::io::Result<super::super::disk::Stat> {
            self.stats.fetch_add(1, Ordering::Relaxed);
            self.inner.stat(real)
        }
        fn read_prefix(
            &self,
            real: &Path,
            max: u64,
        ) -> Result<(Vec<u8>, u64), super::super::disk::ReadError> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            self.inner.read_prefix(real, max)
        }
        fn list_dir(&self, real: &Path) -> std::io::Result<Vec<String>> {
            self.inner.list_dir(real)
        }
        fn entry_exists(&self, path: &Path) -> bool {
            self.inner.entry_exists(path)
        }
    }

    #[test]
    fn a_no_wait_pass_never_reads_and_takes_stale_facts_as_they_are() {
        let fs = Arc::new(Counted::default());
        fs.inner.file("/ws/a.rs", "1\n2\n");
        let facts = FileFacts::new(fs.clone());
        let path = Path::new("/ws/a.rs");
        let reads = || fs.reads.load(Ordering::Relaxed);
        let stats = || fs.stats.load(Ordering::Relaxed);

        // Never seen: a stat says it exists; counting its lines waits for the refresh.
        let (seen, deferred) = no_wait::run(|| (facts.kind(path), facts.line_count(path)));
        assert_eq!(seen, (Some(FileKind::File), None));
        assert!(deferred);
        assert_eq!(reads(), 0);

        // The refresh (the ordinary mode) reads it once; then the pass has everything.
        assert_eq!(facts.line_count(path), Some(2));
        assert_eq!(reads(), 1);
        let (lines, deferred) = no_wait::run(|| facts.line_count(path));
        assert_eq!((lines, deferred), (Some(2), false));

        // Past the trust period, the pass keeps the old answer without a stat or a read, and
        // says it should be refreshed; the file changed meanwhile.
        fs.inner.file("/ws/a.rs", "1\n2\n3\n");
        facts.expire();
        let before = (reads(), stats());
        let (lines, deferred) = no_wait::run(|| facts.line_count(path));
        assert_eq!((lines, deferred), (Some(2), true));
        assert_eq!(
            (reads(), stats()),
            before,
            "no file-system call in the pass"
        );
        assert_eq!(
            facts.line_count(path),
            Some(3),
            "the refresh sees the change"
        );
    }

    #[test]
    fn files_larger_than_the_cap_have_no_line_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(400 << 20)
            .unwrap();
        let facts = FileFacts::default();
        assert_eq!(facts.kind(&path), Some(FileKind::File));
        assert_eq!(facts.line_count(&path), None, "over index.maxFileBytes");
        let small = dir.path().join("small.txt");
        std::fs::write(&small, "1\n2\n3\n4\n").unwrap();
        facts.set_max_file_bytes(4);
        assert_eq!(facts.line_count(&small), None);
        facts.set_max_file_bytes(8);
        facts.invalidate(&small);
        assert_eq!(facts.line_count(&small), Some(4));
    }

    #[test]
    fn caches_stay_bounded_however_many_paths_are_named() {
        let facts = FileFacts::default();
        let code = super::super::code::CodeIndex::default();
        for i in 0..3 * MAX_ENTRIES {
            let path = PathBuf::from(format!("/nonexistent/plan-lsp/{i}.rs"));
            facts.kind(&path);
            let roots = [PathBuf::from("/nonexistent/plan-lsp/root")];
            super::super::resolve::resolve(&format!("{i}.rs"), None, &roots, &facts, &code);
        }
        let (fact_count, resolution_count) = facts.sizes();
        assert!(fact_count <= MAX_ENTRIES, "{fact_count} facts");
        assert!(
            resolution_count <= MAX_ENTRIES,
            "{resolution_count} resolutions"
        );
    }
}
