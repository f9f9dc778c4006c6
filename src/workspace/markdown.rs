//! The workspace's Markdown documents as a reader sees them: the editor's text for open ones,
//! the disk (through the door) for the rest. Heading links into other files, references and
//! rename read other documents only from here. Documents read from disk are parsed once per
//! change of length or modification time, trusted briefly, and bounded in number and bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::disk::{Door, EntryKind};
use super::no_wait;
use crate::plan::{PlaceholderSyntax, Plan};

/// How long a parsed file is trusted without looking at the disk again.
const TRUST_FOR: Duration = Duration::from_secs(3);
/// Most documents kept from disk, and most bytes of text they may hold together.
pub const MAX_DOCUMENTS: usize = 512;
pub const MAX_BYTES: usize = 32 << 20;

/// One Markdown document and where its text came from.
#[derive(Debug)]
pub struct MarkdownDoc {
    pub path: PathBuf,
    /// The URI and version the editor opened it under; `None` when read from disk.
    pub open: Option<(String, i32)>,
    pub plan: Arc<Plan>,
}

#[derive(Debug)]
struct FromDisk {
    stamp: (u64, Option<SystemTime>),
    fingerprint: String,
    checked: Instant,
    doc: Arc<MarkdownDoc>,
}

/// Open documents over parsed files from disk.
#[derive(Debug, Default)]
pub struct MarkdownDocs {
    open: Mutex<HashMap<PathBuf, Arc<MarkdownDoc>>>,
    disk: Mutex<HashMap<PathBuf, FromDisk>>,
}

/// Whether a path names a Markdown file, by its extension.
pub fn is_markdown_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "md" | "markdown"))
}

impl MarkdownDocs {
    /// The editor opened or changed the document at `path`.
    /// Records the editor's version of the document at `path`; returns the one it replaces, for
    /// the caller to free where it costs nothing.
    pub fn set_open(
        &self,
        path: PathBuf,
        uri: String,
        version: i32,
        plan: Arc<Plan>,
    ) -> Option<Arc<MarkdownDoc>> {
        let digest = plan.cross_chunk_digest;
        let doc = Arc::new(MarkdownDoc {
            path: path.clone(),
            open: Some((uri, version)),
            plan,
        });
        let replaced = self.lock_open().insert(path, doc);
        // Links into it from other documents may break or heal with its headings.
        if replaced
            .as_ref()
            .is_none_or(|r| r.plan.cross_chunk_digest != digest)
        {
            super::revision::bump();
        }
        replaced
    }

    /// The editor closed the document at `path`: the disk speaks for it again.
    pub fn close(&self, path: &Path) {
        self.lock_open().remove(path);
        self.forget(path);
    }

    /// The file at `path` changed on disk.
    pub fn forget(&self, path: &Path) {
        super::revision::bump();
        self.lock_disk().remove(path);
    }

    /// Paths of the documents open in the editor.
    pub fn open_paths(&self) -> Vec<PathBuf> {
        self.lock_open().keys().cloned().collect()
    }

    /// The document at `path`: the editor's text when open, else the file read through `door`
    /// (a file the door refuses or that is larger than its cap is no document).
    pub fn get(
        &self,
        door: &Door,
        path: &Path,
        syntax: &PlaceholderSyntax,
    ) -> Option<Arc<MarkdownDoc>> {
        self.get_if(door, path, syntax, &|_| true)
    }

    /// Like [`MarkdownDocs::get`], but only when `wanted` accepts the text: a scan of the
    /// workspace parses only the files that can hold what it looks for.
    pub fn get_if(
        &self,
        door: &Door,
        path: &Path,
        syntax: &PlaceholderSyntax,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Option<Arc<MarkdownDoc>> {
        if let Some(doc) = self.lock_open().get(path).cloned() {
            return wanted(&doc.plan.text).then_some(doc);
        }
        let now = Instant::now();
        let cached = self.lock_disk().get(path).map(|entry| {
            (
                entry.stamp,
                entry.checked,
                entry.fingerprint == syntax.fingerprint,
                entry.doc.clone(),
            )
        });
        if let Some((_, checked, true, doc)) = &cached {
            if now.duration_since(*checked) < TRUST_FOR || no_wait::take_stale() {
                return wanted(&doc.plan.text).then(|| doc.clone());
            }
        }
        // Reading and parsing another document waits: after the pass.
        if no_wait::leave_out() {
            return None;
        }
        let (_, stat) = door.stat(path).ok()?;
        if stat.kind != EntryKind::File {
            return None;
        }
        let stamp = (stat.len, stat.modified);
        if let Some((old, _, true, doc)) = cached {
            if old == stamp {
                if let Some(entry) = self.lock_disk().get_mut(path) {
                    entry.checked = now;
                }
                return wanted(&doc.plan.text).then_some(doc);
            }
        }
        let text = door.read_whole_text(path).ok()?;
        if !wanted(&text) {
            return None;
        }
        let doc = Arc::new(MarkdownDoc {
            path: path.to_path_buf(),
            open: None,
            plan: Arc::new(Plan::parse(&text, syntax)),
        });
        self.remember(
            path,
            FromDisk {
                stamp,
                fingerprint: syntax.fingerprint.clone(),
                checked: now,
                doc: doc.clone(),
            },
        );
        Some(doc)
    }

    /// Keeps a parsed file; past either bound, the cache starts over (what is still in use is
    /// parsed again on the next request).
    fn remember(&self, path: &Path, entry: FromDisk) {
        let mut disk = self.lock_disk();
        let bytes: usize = disk.values().map(|e| e.doc.plan.text.len()).sum();
        if disk.len() >= MAX_DOCUMENTS || bytes + entry.doc.plan.text.len() > MAX_BYTES {
            disk.clear();
        }
        disk.insert(path.to_path_buf(), entry);
    }

    fn lock_open(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<MarkdownDoc>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_disk(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, FromDisk>> {
        self.disk.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many documents from disk are cached (for the bound's test).
    #[cfg(test)]
    fn cached(&self) -> usize {
        self.lock_disk().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::disk::memory::MemoryFs;

    fn titles(doc: &MarkdownDoc) -> Vec<&str> {
        doc.plan.sections.iter().map(|s| s.title.as_ref()).collect()
    }

    #[test]
    fn open_text_wins_over_the_disk_and_reads_stay_in_the_workspace() {
        let fs = MemoryFs::default();
        fs.file("/ws/a.md", "# On disk\n");
        fs.file("/elsewhere/b.md", "# Outside\n");
        fs.symlink("/ws/link.md", "/elsewhere/b.md");
        fs.fifo("/ws/pipe.md");
        let roots = [PathBuf::from("/ws")];
        let door = Door::new(&fs, &roots, 1 << 20);
        let docs = MarkdownDocs::default();
        let syntax = PlaceholderSyntax::default();
        let a = Path::new("/ws/a.md");
        assert_eq!(titles(&docs.get(&door, a, &syntax).unwrap()), ["On disk"]);
        let open = Plan::parse("# In the editor\n", &syntax);
        docs.set_open(a.to_path_buf(), "file:///ws/a.md".into(), 3, Arc::new(open));
        let doc = docs.get(&door, a, &syntax).unwrap();
        assert_eq!(titles(&doc), ["In the editor"]);
        assert_eq!(doc.open, Some(("file:///ws/a.md".into(), 3)));
        docs.close(a);
        assert_eq!(titles(&docs.get(&door, a, &syntax).unwrap()), ["On disk"]);
        assert!(docs.get(&door, Path::new("/ws/link.md"), &syntax).is_none());
        assert!(docs.get(&door, Path::new("/ws/pipe.md"), &syntax).is_none());
        assert!(docs
            .get(&door, Path::new("/elsewhere/b.md"), &syntax)
            .is_none());
        assert!(docs
            .get_if(&door, a, &syntax, &|t| t.contains("nope"))
            .is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let fs = MemoryFs::default();
        for i in 0..MAX_DOCUMENTS + 10 {
            fs.file(&format!("/ws/{i}.md"), "# T\n");
        }
        let roots = [PathBuf::from("/ws")];
        let door = Door::new(&fs, &roots, 1 << 20);
        let docs = MarkdownDocs::default();
        for i in 0..MAX_DOCUMENTS + 10 {
            let path = PathBuf::from(format!("/ws/{i}.md"));
            assert!(docs
                .get(&door, &path, &PlaceholderSyntax::default())
                .is_some());
        }
        assert!(docs.cached() <= MAX_DOCUMENTS);
    }

    #[test]
    fn markdown_paths_by_extension() {
        assert!(is_markdown_path(Path::new("a/b.md")));
        assert!(is_markdown_path(Path::new("a/B.Markdown")));
        assert!(!is_markdown_path(Path::new("a/b.rs")));
        assert!(!is_markdown_path(Path::new("a/md")));
    }
}
