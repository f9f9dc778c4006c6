//! The workspace file index: every file of every workspace folder that ripgrep's rules would
//! search (`.gitignore`, `.ignore`, hidden files skipped), walked in parallel, with each file's
//! tokens (see `content`) for symbol candidates and ranking.
//!
//! Layout: directories are interned once (`Dir`), file names are interned once and shared by
//! every file with that name (`mod.rs`, `index.ts`), and a file is a small fixed-size record.
//! Paths are rebuilt on demand. `FileId`s are never reused, so caches keyed by them stay safe.
//!
//! Scanning is split from ingesting: walker threads stat, read and tokenize files without any
//! lock and hand batches to a sink; the caller merges each batch under its own lock, so a
//! request arriving mid-walk reads what is indexed so far.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::UNIX_EPOCH;

use ignore::{DirEntry, WalkBuilder, WalkState};
use rustc_hash::FxHashMap;

use super::content::{ContentIndex, Interner, ScannedContent};
use super::disk::{Door, EntryKind, FileSystem, RealDisk};
use super::privacy;

/// Files larger than this are listed but not read (`index.maxFileBytes`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1 << 20;

/// How many scanned files a walker thread hands over at once.
const BATCH_SIZE: usize = 256;

/// Batches waiting to be merged before walker threads wait for the consumer.
const MERGE_QUEUE: usize = 32;

/// How much of a file is inspected for NUL bytes to decide it is binary.
const BINARY_SNIFF_BYTES: usize = 8192;

/// Walk and read settings.
#[derive(Clone, Debug)]
pub struct IndexOptions {
    /// Files above this size are listed without content.
    pub max_file_bytes: u64,
    /// Walker threads; 0 lets `ignore` choose from the CPU count.
    pub threads: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            threads: 0,
        }
    }
}

/// A file's stable handle in the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub(crate) u32);

/// What a file is, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileLanguage {
    /// `.rs`
    Rust,
    /// `.py`, `.pyi`
    Python,
    /// `.ts`, `.mts`, `.cts`
    TypeScript,
    /// `.tsx`
    Tsx,
    /// `.js`, `.jsx`, `.mjs`, `.cjs`
    JavaScript,
    /// `.go`
    Go,
    /// `.md`, `.markdown`
    Markdown,
    /// Anything else: listed and ranked by path only.
    Other,
}

impl FileLanguage {
    /// The kind of a path by its extension.
    pub fn from_path(path: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        let Some((_, ext)) = name.rsplit_once('.') else {
            return Self::Other;
        };
        match ext {
            "rs" => Self::Rust,
            "py" | "pyi" => Self::Python,
            "ts" | "mts" | "cts" => Self::TypeScript,
            "tsx" => Self::Tsx,
            "js" | "jsx" | "mjs" | "cjs" => Self::JavaScript,
            "go" => Self::Go,
            "md" | "markdown" => Self::Markdown,
            _ => Self::Other,
        }
    }

    /// Whether symbols can be extracted from files of this kind.
    pub fn is_source(self) -> bool {
        !matches!(self, Self::Markdown | Self::Other)
    }

    /// Whether the walk reads and tokenizes files of this kind.
    pub fn is_tokenized(self) -> bool {
        self != Self::Other
    }
}

/// A file-system event from `workspace/didChangeWatchedFiles`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileChange {
    /// A file or directory appeared.
    Created,
    /// A file's content changed.
    Changed,
    /// A file or directory disappeared.
    Deleted,
}

/// One file as read by a walker thread, ready to be merged.
#[derive(Debug)]
pub struct ScannedFile {
    /// Index of the workspace root in the index's root list.
    pub root: usize,
    /// Path relative to the root, `/`-separated.
    pub rel_path: String,
    /// Kind by extension.
    pub kind: FileLanguage,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: u64,
    /// Tokens: the path's terms, and the text's for tokenized kinds within the size limit.
    pub content: ScannedContent,
}

#[derive(Debug)]
struct Dir {
    root: u32,
    path: Box<str>,
    subdirs: Vec<u32>,
    files: Vec<FileId>,
}

#[derive(Debug, Clone, Copy)]
struct FileEntry {
    dir: u32,
    name: u32,
    kind: FileLanguage,
    size: u64,
    mtime: u64,
}

/// A read-only view of one indexed file.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo<'a> {
    /// Its handle.
    pub id: FileId,
    /// Index of its workspace root.
    pub root: usize,
    /// Directory relative to the root (`""` at the root).
    pub dir: &'a str,
    /// File name.
    pub name: &'a str,
    /// Kind by extension.
    pub kind: FileLanguage,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: u64,
}

impl FileInfo<'_> {
    /// Path relative to its root, `/`-separated.
    pub fn rel_path(&self) -> String {
        join_dir(self.dir, self.name)
    }
}

/// One completion candidate under a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    /// The file or directory name.
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
}

/// The index of every workspace folder's files.
#[derive(Debug)]
pub struct WorkspaceIndex {
    roots: Vec<PathBuf>,
    options: IndexOptions,
    dirs: Vec<Dir>,
    dir_ids: Vec<FxHashMap<Box<str>, u32>>,
    names: Interner,
    name_files: Vec<Vec<FileId>>,
    files: Vec<Option<FileEntry>>,
    live: usize,
    content: ContentIndex,
}

impl WorkspaceIndex {
    /// An empty index over `roots`; fill it with [`scan`] and [`WorkspaceIndex::ingest`].
    pub fn new(roots: Vec<PathBuf>, options: IndexOptions) -> Self {
        let mut index = Self {
            dir_ids: vec![FxHashMap::default(); roots.len()],
            roots,
            options,
            dirs: Vec::new(),
            names: Interner::default(),
            name_files: Vec::new(),
            files: Vec::new(),
            live: 0,
            content: ContentIndex::default(),
        };
        for root in 0..index.roots.len() {
            index.ensure_dir(root, "");
        }
        index
    }

    /// Walks every root in parallel and returns the complete index. A consumer thread merges
    /// batches while the walker threads go on reading, so scanned tokens never pile up.
    pub fn build(roots: Vec<PathBuf>, options: IndexOptions) -> Self {
        let mut index = Self::new(roots.clone(), options.clone());
        scan_into(&roots, &options, &AtomicBool::new(false), |batch| {
            index.ingest(batch);
        });
        index
    }

    /// The workspace roots, in the order their indexes refer to.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The walk settings.
    pub fn options(&self) -> &IndexOptions {
        &self.options
    }

    /// Number of indexed files.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no file is indexed.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The tokens of every file.
    pub fn content(&self) -> &ContentIndex {
        &self.content
    }

    /// Merges scanned files (new or changed) into the index.
    pub fn ingest(&mut self, files: Vec<ScannedFile>) {
        for file in files {
            self.upsert(file);
        }
    }

    fn upsert(&mut self, file: ScannedFile) -> FileId {
        let (dir_path, name) = split_dir(&file.rel_path);
        let dir = self.ensure_dir(file.root, dir_path);
        let name_id = self.names.intern(name);
        if name_id as usize == self.name_files.len() {
            self.name_files.push(Vec::new());
        }
        let entry = FileEntry {
            dir,
            name: name_id,
            kind: file.kind,
            size: file.size,
            mtime: file.mtime,
        };
        let existing = self.name_files[name_id as usize]
            .iter()
            .copied()
            .find(|id| self.entry(*id).is_some_and(|e| e.dir == dir));
        let id = match existing {
            Some(id) => {
                self.files[id.0 as usize] = Some(entry);
                id
            }
            None => {
                let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4G files"));
                self.files.push(Some(entry));
                self.name_files[name_id as usize].push(id);
                self.dirs[dir as usize].files.push(id);
                self.live += 1;
                id
            }
        };
        self.content.insert(id, &file.content);
        id
    }

    fn ensure_dir(&mut self, root: usize, path: &str) -> u32 {
        if let Some(&id) = self.dir_ids[root].get(path) {
            return id;
        }
        let parent = (!path.is_empty()).then(|| self.ensure_dir(root, split_dir(path).0));
        let id = self.dirs.len() as u32;
        self.dirs.push(Dir {
            root: root as u32,
            path: path.into(),
            subdirs: Vec::new(),
            files: Vec::new(),
        });
        self.dir_ids[root].insert(path.into(), id);
        if let Some(parent) = parent {
            self.dirs[parent as usize].subdirs.push(id);
        }
        id
    }

    fn entry(&self, id: FileId) -> Option<&FileEntry> {
        self.files.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// The file behind `id`, unless it was deleted.
    pub fn file(&self, id: FileId) -> Option<FileInfo<'_>> {
        let entry = self.entry(id)?;
        let dir = &self.dirs[entry.dir as usize];
        Some(FileInfo {
            id,
            root: dir.root as usize,
            dir: &dir.path,
            name: self.names.name(entry.name),
            kind: entry.kind,
            size: entry.size,
            mtime: entry.mtime,
        })
    }

    /// Absolute path of a file.
    pub fn abs_path(&self, id: FileId) -> Option<PathBuf> {
        let info = self.file(id)?;
        let mut path = self.roots[info.root].clone();
        path.extend(info.rel_path().split('/'));
        Some(path)
    }

    /// Every indexed file.
    pub fn files(&self) -> impl Iterator<Item = FileInfo<'_>> + '_ {
        (0..self.files.len() as u32).filter_map(|i| self.file(FileId(i)))
    }

    /// The file at `rel_path` (`/`-separated, relative to `root`).
    pub fn lookup(&self, root: usize, rel_path: &str) -> Option<FileId> {
        let (dir_path, name) = split_dir(rel_path.trim_start_matches("./"));
        let dir = *self.dir_ids.get(root)?.get(dir_path)?;
        let name = self.names.get(name)?;
        self.name_files[name as usize]
            .iter()
            .copied()
            .find(|id| self.entry(*id).is_some_and(|e| e.dir == dir))
    }

    /// Files at `rel_path` in any root.
    pub fn lookup_any_root(&self, rel_path: &str) -> Vec<FileId> {
        (0..self.roots.len())
            .filter_map(|root| self.lookup(root, rel_path))
            .collect()
    }

    /// Files named exactly `name`.
    pub fn find_by_name(&self, name: &str) -> &[FileId] {
        self.names
            .get(name)
            .map_or(&[], |id| self.name_files[id as usize].as_slice())
    }

    /// Files whose relative path ends with `suffix` on a component boundary:
    /// `doc.rs` and `src/doc.rs` both find `crates/core/src/doc.rs`.
    pub fn find_by_suffix(&self, suffix: &str) -> Vec<FileId> {
        let suffix = suffix.trim_start_matches("./").trim_start_matches('/');
        let (suffix_dir, name) = split_dir(suffix);
        self.find_by_name(name)
            .iter()
            .copied()
            .filter(|&id| {
                let Some(entry) = self.entry(id) else {
                    return false;
                };
                let dir = &self.dirs[entry.dir as usize].path;
                suffix_dir.is_empty()
                    || &**dir == suffix_dir
                    || (dir.ends_with(suffix_dir)
                        && dir.as_bytes()[dir.len() - suffix_dir.len() - 1] == b'/')
            })
            .collect()
    }

    /// Whether a directory or a source file stem is called `name` (`plan` for `src/plan/`,
    /// `walk` for `walk.py`): the module names a qualified path may start with.
    pub fn has_module_named(&self, name: &str) -> bool {
        const SOURCE_EXTENSIONS: &[&str] = &["rs", "py", "ts", "tsx", "js", "mjs", "go"];
        SOURCE_EXTENSIONS
            .iter()
            .any(|ext| !self.find_by_name(&format!("{name}.{ext}")).is_empty())
            || self
                .dirs
                .iter()
                .any(|d| !d.path.is_empty() && split_dir(&d.path).1 == name)
    }

    /// Completion under `root`: the entries of the directory named by `partial` up to its last
    /// `/` whose names start with what follows it.
    pub fn complete_path(&self, root: usize, partial: &str, limit: usize) -> Vec<PathEntry> {
        let partial = partial.trim_start_matches("./");
        let (dir_path, prefix) = match partial.rsplit_once('/') {
            Some((dir, prefix)) => (dir.trim_end_matches('/'), prefix),
            None => ("", partial),
        };
        let Some(&dir) = self.dir_ids.get(root).and_then(|ids| ids.get(dir_path)) else {
            return Vec::new();
        };
        let dir = &self.dirs[dir as usize];
        let mut out: Vec<PathEntry> = dir
            .subdirs
            .iter()
            .map(|&d| split_dir(&self.dirs[d as usize].path).1)
            .filter(|name| name.starts_with(prefix))
            .map(|name| PathEntry {
                name: name.to_owned(),
                is_dir: true,
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        let mut files: Vec<PathEntry> = dir
            .files
            .iter()
            .filter_map(|&id| self.entry(id))
            .map(|e| self.names.name(e.name))
            .filter(|name| name.starts_with(prefix))
            .map(|name| PathEntry {
                name: name.to_owned(),
                is_dir: false,
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(files);
        out.truncate(limit);
        out
    }

    /// The root and root-relative path of an absolute path inside a workspace folder (the
    /// innermost folder when they nest).
    pub fn locate(&self, path: &Path) -> Option<(usize, String)> {
        self.roots
            .iter()
            .enumerate()
            .filter(|(_, root)| path.starts_with(root))
            .max_by_key(|(_, root)| root.components().count())
            .and_then(|(i, root)| Some((i, rel_string(path.strip_prefix(root).ok()?)?)))
    }

    /// Forgets the file at `rel_path`, or every file under it when it names a directory.
    /// Returns the removed files.
    pub fn remove(&mut self, root: usize, rel_path: &str) -> Vec<FileId> {
        if let Some(id) = self.lookup(root, rel_path) {
            self.remove_file(id);
            return vec![id];
        }
        let Some(&dir) = self.dir_ids.get(root).and_then(|ids| ids.get(rel_path)) else {
            return Vec::new();
        };
        let mut removed = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let node = &mut self.dirs[d as usize];
            let files = std::mem::take(&mut node.files);
            stack.extend(std::mem::take(&mut node.subdirs));
            let path = node.path.clone();
            self.dir_ids[root].remove(&path);
            for id in files {
                self.remove_file(id);
                removed.push(id);
            }
        }
        let parent_path = split_dir(rel_path).0;
        if let Some(&parent) = self.dir_ids[root].get(parent_path) {
            self.dirs[parent as usize].subdirs.retain(|&d| d != dir);
        }
        removed
    }

    fn remove_file(&mut self, id: FileId) {
        let Some(entry) = self.files.get_mut(id.0 as usize).and_then(Option::take) else {
            return;
        };
        self.live -= 1;
        self.name_files[entry.name as usize].retain(|&f| f != id);
        self.dirs[entry.dir as usize].files.retain(|&f| f != id);
        self.content.remove(id);
    }

    /// Brings the index up to date with one watched-file event. Reads the file system (a file,
    /// or the tree under a created directory). Returns the files added, changed or removed.
    pub fn apply_change(&mut self, path: &Path, change: FileChange) -> Vec<FileId> {
        let Some((root, rel)) = self.locate(path) else {
            return Vec::new();
        };
        if change == FileChange::Deleted || !path.exists() {
            return self.remove(root, &rel);
        }
        let scanned = scan_path(&self.roots, &self.options, root, path);
        if scanned.is_empty() {
            // Ignored now (or never indexable): make sure nothing stale stays behind.
            return self.remove(root, &rel);
        }
        scanned.into_iter().map(|file| self.upsert(file)).collect()
    }
}

/// Walks every root in parallel (ripgrep's filters: `.gitignore` even outside a git
/// repository, `.ignore`, hidden files skipped), handing batches of scanned files to `sink`
/// from the walker threads. Stops early when `cancel` is set.
pub fn scan(
    roots: &[PathBuf],
    options: &IndexOptions,
    cancel: &AtomicBool,
    sink: &(dyn Fn(Vec<ScannedFile>) + Sync),
) {
    let door = Door::new(&RealDisk, roots, options.max_file_bytes);
    let door = &door;
    for (root_ix, root) in roots.iter().enumerate() {
        let mut builder = walk_builder(roots, root);
        builder.threads(options.threads);
        builder.build_parallel().run(|| {
            let mut batch = Batch {
                files: Vec::with_capacity(BATCH_SIZE),
                sink,
            };
            let mut lowered = false;
            Box::new(move |entry| {
                if !lowered {
                    // On the walker thread itself, once.
                    lower_priority();
                    lowered = true;
                }
                if cancel.load(Ordering::Relaxed) {
                    return WalkState::Quit;
                }
                match entry {
                    Ok(entry) => {
                        if let Some(file) = scan_entry(root_ix, root, &entry, door) {
                            batch.push(file);
                        }
                    }
                    Err(error) => tracing::debug!(%error, "skipping unreadable path"),
                }
                WalkState::Continue
            })
        });
    }
}

/// Like [`scan`], but hands every batch to `merge` on one consumer thread (merging is
/// sequential anyway), through a bounded queue, while the walker threads keep reading.
pub fn scan_into(
    roots: &[PathBuf],
    options: &IndexOptions,
    cancel: &AtomicBool,
    mut merge: impl FnMut(Vec<ScannedFile>) + Send,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ScannedFile>>(MERGE_QUEUE);
    std::thread::scope(|threads| {
        threads.spawn(move || {
            lower_priority();
            for batch in rx {
                merge(batch);
            }
        });
        scan(roots, options, cancel, &|batch| {
            // The consumer only stops when the queue closes, after this scan.
            let _ = tx.send(batch);
        });
        drop(tx);
    });
}

/// Lowers the priority of the calling thread (a thread of its own, not a pooled one): the
/// walk of a large workspace when the server starts must not slow the first look at the plans
/// the editor opens at the same moment (on two cores, two walker threads took both).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `gettid` and `setpriority` only read their arguments; a failure leaves the
    // priority as it was.
    unsafe {
        let thread = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, thread as libc::id_t, 10);
    }
}

/// Scans one path (a file, or a directory's subtree) inside root `root`, applying the same
/// ignore rules as the full walk, including ignored ancestors.
pub fn scan_path(
    roots: &[PathBuf],
    options: &IndexOptions,
    root: usize,
    path: &Path,
) -> Vec<ScannedFile> {
    let root_path = &roots[root];
    let door = Door::new(&RealDisk, roots, options.max_file_bytes);
    let target = path.to_path_buf();
    let mut builder = walk_builder(roots, root_path);
    // Only descend towards the target, then through it: ignore rules of every ancestor apply.
    builder.filter_entry(move |entry| {
        let p = entry.path();
        target.starts_with(p) || p.starts_with(&target)
    });
    builder
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().starts_with(path))
        .filter_map(|entry| scan_entry(root, root_path, &entry, &door))
        .collect()
}

fn walk_builder(roots: &[PathBuf], root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(true)
        .require_git(false)
        .follow_links(false);
    let nested: Vec<PathBuf> = roots
        .iter()
        .filter(|other| other.as_path() != root && other.starts_with(root))
        .cloned()
        .collect();
    if !nested.is_empty() {
        // A folder nested in another is indexed once, under its own root.
        builder.filter_entry(move |entry| !nested.iter().any(|n| entry.path() == n));
    }
    builder
}

struct Batch<'s> {
    files: Vec<ScannedFile>,
    sink: &'s (dyn Fn(Vec<ScannedFile>) + Sync),
}

impl Batch<'_> {
    fn push(&mut self, file: ScannedFile) {
        self.files.push(file);
        if self.files.len() >= BATCH_SIZE {
            (self.sink)(std::mem::replace(
                &mut self.files,
                Vec::with_capacity(BATCH_SIZE),
            ));
        }
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if !self.files.is_empty() {
            (self.sink)(std::mem::take(&mut self.files));
        }
    }
}

/// One walked entry, when it is a regular file (or a symlink to one) that stays inside the
/// workspace folders and is not a secret; its content read through the door.
fn scan_entry(root_ix: usize, root: &Path, entry: &DirEntry, door: &Door) -> Option<ScannedFile> {
    let file_type = entry.file_type()?;
    // The walk follows no link and starts at canonical roots, so an entry that is not a symlink
    // is its own real path; a symlink is resolved now and must lead to a regular file inside
    // the workspace folders.
    let (real, size, modified) = if file_type.is_symlink() {
        let (real, stat) = door.stat(entry.path()).ok()?;
        if stat.kind != EntryKind::File {
            return None;
        }
        (real, stat.len, stat.modified)
    } else if file_type.is_file() {
        let metadata = entry.metadata().ok()?;
        (
            entry.path().to_path_buf(),
            metadata.len(),
            metadata.modified().ok(),
        )
    } else {
        return None;
    };
    let Some(rel_path) = entry.path().strip_prefix(root).ok().and_then(rel_string) else {
        tracing::debug!(path = %entry.path().display(), "skipping a path that is not UTF-8");
        return None;
    };
    let real_rel = door.roots().iter().find_map(|r| real.strip_prefix(r).ok());
    if privacy::secret_pattern(Path::new(&rel_path)).is_some()
        || real_rel.is_some_and(|rel| privacy::secret_pattern(rel).is_some())
    {
        return None;
    }
    let kind = FileLanguage::from_path(&rel_path);
    let mtime = modified
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let content = if kind.is_tokenized() && size <= door.max_bytes() {
        match RealDisk
            .read_prefix(&real, door.max_bytes())
            .map(|(bytes, _)| bytes)
        {
            Ok(bytes) if !bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) => {
                ScannedContent::from_text(&bytes)
            }
            Ok(_) => ScannedContent::default(),
            Err(error) => {
                tracing::debug!(%error, path = %rel_path, "could not read file");
                ScannedContent::default()
            }
        }
    } else {
        ScannedContent::default()
    }
    .with_path_terms(&rel_path);
    Some(ScannedFile {
        root: root_ix,
        rel_path,
        kind,
        size,
        mtime,
        content,
    })
}

fn rel_string(rel: &Path) -> Option<String> {
    let mut out = String::new();
    for component in rel.components() {
        let Component::Normal(part) = component else {
            return None;
        };
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(part.to_str()?);
    }
    (!out.is_empty()).then_some(out)
}

fn split_dir(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn join_dir(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Resolves `rel` (which may use `.` and `..`) against the root-relative directory `base_dir`,
/// refusing to leave the root.
pub fn join_relative(base_dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[cfg(target_os = "linux")]
    #[test]
    fn walker_threads_step_back_for_the_editor() {
        let nice = std::thread::spawn(|| {
            lower_priority();
            // SAFETY: reads the calling thread's priority.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        });
        assert!(nice.join().unwrap() >= 10);
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", "target/\n*.log\n");
        write(root, "src/lib.rs", "pub mod doc;\n");
        write(root, "src/doc.rs", "pub fn apply_change() {}\n");
        write(root, "crates/core/src/doc.rs", "pub fn other() {}\n");
        write(root, "web/index.ts", "export function main() {}\n");
        write(root, "target/debug/gen.rs", "fn ignored() {}\n");
        write(root, "debug.log", "noise\n");
        write(root, ".hidden/secret.rs", "fn hidden() {}\n");
        write(root, "docs/adr/0001-index.md", "# Use a file index\n");
        write(root, "big.rs", &"x".repeat(2048));
        dir
    }

    fn index_of(dir: &tempfile::TempDir) -> WorkspaceIndex {
        WorkspaceIndex::build(
            vec![dir.path().to_path_buf()],
            IndexOptions {
                max_file_bytes: 1024,
                threads: 2,
            },
        )
    }

    fn paths(index: &WorkspaceIndex, ids: &[FileId]) -> Vec<String> {
        let mut out: Vec<String> = ids
            .iter()
            .map(|&id| index.file(id).unwrap().rel_path())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn walk_honours_gitignore_hidden_files_and_size_limit() {
        let dir = tree();
        let index = index_of(&dir);
        let all: Vec<FileId> = index.files().map(|f| f.id).collect();
        assert_eq!(
            paths(&index, &all),
            [
                "big.rs",
                "crates/core/src/doc.rs",
                "docs/adr/0001-index.md",
                "src/doc.rs",
                "src/lib.rs",
                "web/index.ts",
            ]
        );
        let big = index.lookup(0, "big.rs").unwrap();
        assert_eq!(index.file(big).unwrap().size, 2048);
        assert!(
            index.content().files_with_identifier("xx").is_empty(),
            "too large to read"
        );
        let ts = index.lookup(0, "web/index.ts").unwrap();
        assert_eq!(index.file(ts).unwrap().kind, FileLanguage::TypeScript);
        assert_eq!(
            index.content().files_with_identifier("apply_change").len(),
            1
        );
    }

    #[test]
    fn lookups_by_path_name_and_suffix() {
        let dir = tree();
        let index = index_of(&dir);
        assert!(index.lookup(0, "src/doc.rs").is_some());
        assert!(index.lookup(0, "./src/doc.rs").is_some());
        assert!(index.lookup(0, "src/nope.rs").is_none());
        assert_eq!(index.find_by_name("doc.rs").len(), 2);
        assert_eq!(
            paths(&index, &index.find_by_suffix("src/doc.rs")),
            ["crates/core/src/doc.rs", "src/doc.rs"]
        );
        assert_eq!(
            paths(&index, &index.find_by_suffix("core/src/doc.rs")),
            ["crates/core/src/doc.rs"]
        );
        assert!(index.find_by_suffix("ore/src/doc.rs").is_empty());
        let id = index.lookup(0, "src/doc.rs").unwrap();
        assert_eq!(index.abs_path(id).unwrap(), dir.path().join("src/doc.rs"));
        assert_eq!(
            index.locate(&dir.path().join("src/doc.rs")),
            Some((0, "src/doc.rs".to_owned()))
        );
    }

    #[test]
    fn completion_lists_directories_then_files_by_prefix() {
        let dir = tree();
        let index = index_of(&dir);
        let names = |partial: &str| -> Vec<(String, bool)> {
            index
                .complete_path(0, partial, 50)
                .into_iter()
                .map(|e| (e.name, e.is_dir))
                .collect()
        };
        assert_eq!(
            names("src/"),
            [("doc.rs".into(), false), ("lib.rs".into(), false)]
        );
        assert_eq!(names("src/l"), [("lib.rs".into(), false)]);
        assert_eq!(
            names("d"),
            [("docs".into(), true)],
            "target/ is ignored, debug.log too"
        );
        assert!(names("missing/").is_empty());
    }

    #[test]
    fn changes_keep_the_index_current_and_ids_stable() {
        let dir = tree();
        let mut index = index_of(&dir);
        let root = dir.path();
        let before = index.len();
        let doc = index.lookup(0, "src/doc.rs").unwrap();

        write(root, "src/doc.rs", "pub fn renamed_fn() {}\n");
        let changed = index.apply_change(&root.join("src/doc.rs"), FileChange::Changed);
        assert_eq!(changed, [doc]);
        assert!(index
            .content()
            .files_with_identifier("apply_change")
            .is_empty());
        assert_eq!(index.content().files_with_identifier("renamed_fn"), [doc]);

        write(root, "src/new/mod.rs", "fn fresh() {}\n");
        write(root, "src/new/util.rs", "fn util() {}\n");
        let created = index.apply_change(&root.join("src/new"), FileChange::Created);
        assert_eq!(created.len(), 2);
        assert_eq!(index.len(), before + 2);

        write(root, "target/out.rs", "fn generated() {}\n");
        assert!(index
            .apply_change(&root.join("target/out.rs"), FileChange::Created)
            .is_empty());
        write(root, "target/debug/deep.rs", "fn generated() {}\n");
        assert!(
            index
                .apply_change(&root.join("target/debug/deep.rs"), FileChange::Created)
                .is_empty(),
            "a file under an ignored ancestor stays out"
        );

        fs::remove_dir_all(root.join("src/new")).unwrap();
        let removed = index.apply_change(&root.join("src/new"), FileChange::Deleted);
        assert_eq!(removed.len(), 2);
        assert_eq!(index.len(), before);
        assert!(index.complete_path(0, "src/n", 10).is_empty());

        fs::remove_file(root.join("src/doc.rs")).unwrap();
        assert_eq!(
            index.apply_change(&root.join("src/doc.rs"), FileChange::Deleted),
            [doc]
        );
        assert!(index.file(doc).is_none());
        assert!(index
            .content()
            .files_with_identifier("renamed_fn")
            .is_empty());
        write(root, "src/doc.rs", "pub fn back() {}\n");
        let again = index.apply_change(&root.join("src/doc.rs"), FileChange::Created);
        assert_ne!(again, [doc], "deleted ids are never reused");
    }

    #[test]
    fn nested_roots_index_each_file_once() {
        let dir = tree();
        let inner = dir.path().join("crates/core");
        let index = WorkspaceIndex::build(
            vec![dir.path().to_path_buf(), inner.clone()],
            IndexOptions::default(),
        );
        assert!(index.lookup(0, "crates/core/src/doc.rs").is_none());
        assert!(index.lookup(1, "src/doc.rs").is_some());
        assert_eq!(
            index.locate(&inner.join("src/doc.rs")),
            Some((1, "src/doc.rs".to_owned()))
        );
    }

    #[test]
    fn relative_paths_join_without_escaping_the_root() {
        assert_eq!(
            join_relative("docs/plans", "../../src/a.rs").as_deref(),
            Some("src/a.rs")
        );
        assert_eq!(
            join_relative("docs", "./x/y.md").as_deref(),
            Some("docs/x/y.md")
        );
        assert_eq!(join_relative("docs", "/src").as_deref(), Some("src"));
        assert_eq!(join_relative("docs", "../../etc/passwd"), None);
    }

    #[test]
    fn kinds_by_extension() {
        assert_eq!(FileLanguage::from_path("a/b.tsx"), FileLanguage::Tsx);
        assert_eq!(FileLanguage::from_path("a/b.mjs"), FileLanguage::JavaScript);
        assert_eq!(FileLanguage::from_path("x.pyi"), FileLanguage::Python);
        assert_eq!(FileLanguage::from_path("Makefile"), FileLanguage::Other);
        assert!(FileLanguage::Go.is_source());
        assert!(!FileLanguage::Markdown.is_source());
    }
}
