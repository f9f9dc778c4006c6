//! The code index the server shares between requests: the file index behind a lock that the
//! background walk takes only per batch, the lazy symbol cache, git drift checks and summaries
//! of every plan in the workspace. A request never waits for the walk: it reads what is
//! indexed so far.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use rustc_hash::FxHashMap;

use super::bounded::insert_bounded;
use super::drift::DriftChecker;
use super::index::{scan_into, FileChange, FileId, FileLanguage, IndexOptions, WorkspaceIndex};
use super::symbols::{SymbolCache, SymbolMatch, SymbolQuery};

/// Where the background walk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexStatus {
    /// No walk started (no workspace folder, or before `initialized`).
    NotStarted,
    /// Walking: answers come from a partial index.
    Indexing,
    /// Complete, and kept current from watched-file events.
    Ready,
}

/// A cached summary of some file, valid for one modification time.
type Summaries<T> = Mutex<FxHashMap<FileId, (u64, Arc<T>)>>;

/// The workspace's code, shared by the server and every snapshot.
pub struct CodeIndex {
    index: RwLock<WorkspaceIndex>,
    symbols: SymbolCache,
    status: AtomicU8,
    indexed: AtomicUsize,
    /// Git history lookups for `stale-reference`.
    pub drift: DriftChecker,
}

impl Default for CodeIndex {
    fn default() -> Self {
        Self {
            index: RwLock::new(WorkspaceIndex::new(Vec::new(), IndexOptions::default())),
            symbols: SymbolCache::new(),
            status: AtomicU8::new(0),
            indexed: AtomicUsize::new(0),
            drift: DriftChecker::default(),
        }
    }
}

impl std::fmt::Debug for CodeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeIndex")
            .field("status", &self.status())
            .field("files", &self.read().len())
            .finish()
    }
}

impl CodeIndex {
    /// Starts over with new workspace folders; the caller then runs [`CodeIndex::index_all`].
    pub fn reset(&self, roots: Vec<PathBuf>, options: IndexOptions) {
        super::revision::bump();
        *self.write() = WorkspaceIndex::new(roots, options);
        self.symbols.clear();
        self.indexed.store(0, Ordering::Relaxed);
        self.status.store(1, Ordering::Relaxed);
    }

    /// Walks every folder (blocking: run it on a blocking thread), merging each batch as it
    /// arrives and calling `progress` with the files indexed so far. Returns the file count,
    /// or `None` when cancelled.
    pub fn index_all(
        &self,
        cancel: &AtomicBool,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Option<usize> {
        let (roots, options) = {
            let index = self.read();
            (index.roots().to_vec(), index.options().clone())
        };
        scan_into(&roots, &options, cancel, |batch| {
            let n = batch.len();
            self.write().ingest(batch);
            super::revision::bump();
            let total = self.indexed.fetch_add(n, Ordering::Relaxed) + n;
            progress(total);
        });
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        self.status.store(2, Ordering::Relaxed);
        super::revision::bump();
        Some(self.read().len())
    }

    /// Where the walk is.
    pub fn status(&self) -> IndexStatus {
        match self.status.load(Ordering::Relaxed) {
            0 => IndexStatus::NotStarted,
            1 => IndexStatus::Indexing,
            _ => IndexStatus::Ready,
        }
    }

    /// Whether the index is complete, so that "not found" means not in the workspace.
    pub fn is_ready(&self) -> bool {
        self.status() == IndexStatus::Ready
    }

    /// Applies watched-file events; returns how many indexed files they touched.
    pub fn apply_changes(&self, changes: &[(PathBuf, FileChange)]) -> usize {
        let mut touched = Vec::new();
        {
            let mut index = self.write();
            for (path, change) in changes {
                touched.extend(index.apply_change(path, *change));
            }
        }
        self.symbols.forget(&touched);
        super::revision::bump();
        touched.len()
    }

    /// The file index, for reading. Hold it briefly: the walk waits for it between batches.
    pub fn read(&self) -> RwLockReadGuard<'_, WorkspaceIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, WorkspaceIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The lazily filled symbol cache.
    pub fn symbols(&self) -> &SymbolCache {
        &self.symbols
    }

    /// Definitions named by `query`.
    pub fn find_symbols(&self, query: &SymbolQuery, limit: usize) -> Vec<SymbolMatch> {
        let index = self.read();
        self.symbols.find(&index, query, limit)
    }

    /// Whether a qualified reference starts inside the workspace: its first segment is
    /// `crate`/`self`/`super`, a name defined here, or a module (directory or file stem).
    /// `std::fs::read` or `os.path.join` start elsewhere and are not ours to judge.
    pub fn starts_in_workspace(&self, query: &SymbolQuery) -> bool {
        if query.path.is_some() {
            return true;
        }
        let Some(first) = query.segments.first() else {
            return false;
        };
        let index = self.read();
        if matches!(first.as_str(), "crate" | "self" | "super") || index.has_module_named(first) {
            return true;
        }
        // A type or function defined here, as the symbol parser reads it: an import alias
        // (`import tea "…"`) follows a keyword too, but names another project's package.
        let qualifier = SymbolQuery {
            path: None,
            segments: vec![first.clone()],
        };
        !self.symbols.find(&index, &qualifier, 1).is_empty()
    }

    /// Whether `identifier` appears in any source file (Markdown and other text aside): a name
    /// used somewhere is a field, a method or an import's member even when it is not defined here.
    pub fn used_in_code(&self, identifier: &str) -> bool {
        let index = self.read();
        index
            .content()
            .files_with_identifier(identifier)
            .iter()
            .any(|&id| index.file(id).is_some_and(|f| f.kind.is_source()))
    }

    /// The absolute path of a match.
    pub fn abs_path(&self, file: FileId) -> Option<PathBuf> {
        self.read().abs_path(file)
    }

    /// The indexed Markdown files, as absolute paths with their modification times.
    pub fn markdown_files(&self) -> Vec<(FileId, PathBuf, u64)> {
        let index = self.read();
        index
            .files()
            .filter(|f| f.kind == FileLanguage::Markdown)
            .filter_map(|f| Some((f.id, index.abs_path(f.id)?, f.mtime)))
            .collect()
    }

    /// The root index and root-relative path of an absolute path.
    pub fn locate(&self, path: &Path) -> Option<(usize, String)> {
        self.read().locate(path)
    }
}

/// Most summaries kept.
pub const MAX_SUMMARIES: usize = 4096;

/// A per-file summary cache keyed by modification time (used for plan outlines), at most
/// [`MAX_SUMMARIES`] entries.
pub struct SummaryCache<T> {
    entries: Summaries<T>,
}

impl<T> Default for SummaryCache<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(FxHashMap::default()),
        }
    }
}

impl<T> SummaryCache<T> {
    /// The summary of `file` at `mtime`, computed by `make` when missing or stale.
    pub fn get_or_insert(
        &self,
        file: FileId,
        mtime: u64,
        make: impl FnOnce() -> Option<T>,
    ) -> Option<Arc<T>> {
        if let Some((at, summary)) = self.lock().get(&file) {
            if *at == mtime {
                return Some(Arc::clone(summary));
            }
        }
        let summary = Arc::new(make()?);
        insert_bounded(
            &mut self.lock(),
            MAX_SUMMARIES,
            file,
            (mtime, Arc::clone(&summary)),
            |_| false,
        );
        Some(summary)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<FileId, (u64, Arc<T>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexing_reports_progress_and_serves_lookups_after_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "pub fn answer() -> u32 { 42 }\n").unwrap();
        std::fs::write(root.join("notes.md"), "# Notes\n").unwrap();
        let code = CodeIndex::default();
        assert_eq!(code.status(), IndexStatus::NotStarted);
        code.reset(vec![root.to_path_buf()], IndexOptions::default());
        assert_eq!(code.status(), IndexStatus::Indexing);
        let seen = AtomicUsize::new(0);
        let total = code
            .index_all(&AtomicBool::new(false), &|n| {
                seen.store(n, Ordering::Relaxed)
            })
            .unwrap();
        assert_eq!((total, seen.load(Ordering::Relaxed)), (2, 2));
        assert!(code.is_ready());
        let query = SymbolQuery::parse("answer()").unwrap();
        assert_eq!(code.find_symbols(&query, 5).len(), 1);
        assert_eq!(code.markdown_files().len(), 1);

        std::fs::write(root.join("src/lib.rs"), "pub fn renamed() {}\n").unwrap();
        let touched = code.apply_changes(&[(root.join("src/lib.rs"), FileChange::Changed)]);
        assert_eq!(touched, 1);
        assert!(code.find_symbols(&query, 5).is_empty());

        let cancelled = AtomicBool::new(true);
        code.reset(vec![root.to_path_buf()], IndexOptions::default());
        assert_eq!(code.index_all(&cancelled, &|_| {}), None);
        assert!(!code.is_ready());
    }

    #[test]
    fn lookups_answer_from_the_partial_index_while_the_walk_runs() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..2000 {
            let sub = dir.path().join(format!("d{}", i % 20));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(
                sub.join(format!("f{i}.rs")),
                format!("pub fn f_{i}() {{}}\n"),
            )
            .unwrap();
        }
        let code = CodeIndex::default();
        code.reset(vec![dir.path().to_path_buf()], IndexOptions::default());
        let partial = Mutex::new(Vec::new());
        code.index_all(&AtomicBool::new(false), &|n| {
            // A request arriving mid-walk: it reads without waiting for the walk to end.
            let seen = code.read().len();
            let status = code.status();
            partial.lock().unwrap().push((n, seen, status));
        })
        .unwrap();
        let partial = partial.into_inner().unwrap();
        assert!(partial.len() > 1, "several batches");
        let (n, seen, status) = partial[0];
        assert!(n < 2000 && seen == n, "{partial:?}");
        assert_eq!(status, IndexStatus::Indexing);
        assert!(code.is_ready());
        assert_eq!(code.read().len(), 2000);
    }

    #[test]
    fn only_paths_that_start_in_the_workspace_are_ours_to_judge() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/plan")).unwrap();
        std::fs::write(dir.path().join("src/plan/walk.py"), "class Indexer: pass\n").unwrap();
        let code = CodeIndex::default();
        code.reset(vec![dir.path().to_path_buf()], IndexOptions::default());
        code.index_all(&AtomicBool::new(false), &|_| {}).unwrap();
        let starts = |text: &str| code.starts_in_workspace(&SymbolQuery::parse(text).unwrap());
        assert!(starts("Indexer.missing"), "a defined class");
        assert!(starts("walk.nothing"), "a file stem");
        assert!(starts("plan::nothing"), "a directory");
        assert!(starts("crate::nothing"));
        assert!(!starts("std::fs::read"));
        assert!(!starts("os.path.join()"));
    }

    #[test]
    fn summaries_are_recomputed_when_the_mtime_moves() {
        let cache: SummaryCache<String> = SummaryCache::default();
        let calls = AtomicUsize::new(0);
        let make = || {
            calls.fetch_add(1, Ordering::Relaxed);
            Some("x".to_owned())
        };
        cache.get_or_insert(FileId(1), 10, make);
        cache.get_or_insert(FileId(1), 10, make);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        cache.get_or_insert(FileId(1), 11, make);
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }
}
