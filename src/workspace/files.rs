//! Facts about files on disk (exists? how many lines?), cached briefly so a keystroke does not
//! stat every referenced file, and dropped when the client reports a change.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::resolve::{Resolution, ResolutionKey};

/// How long a fact is trusted without a change notification from the client.
const TRUST_FOR: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
}

#[derive(Debug, Clone)]
struct Fact {
    kind: Option<FileKind>,
    /// The path with symlinks resolved, to check it stays in the workspace.
    real: Option<PathBuf>,
    lines: Option<usize>,
    checked: Instant,
}

/// A cache of file existence and line counts, shared by all documents.
#[derive(Debug, Default)]
pub struct FileFacts {
    facts: Mutex<HashMap<PathBuf, Fact>>,
    /// Resolved references, dropped with any change notification.
    resolutions: Mutex<HashMap<ResolutionKey, (Instant, Resolution)>>,
}

impl FileFacts {
    pub fn kind(&self, path: &Path) -> Option<FileKind> {
        self.fact(path, false).kind
    }

    /// The path with every symlink resolved, when it exists.
    pub fn real_path(&self, path: &Path) -> Option<PathBuf> {
        self.fact(path, false).real
    }

    /// The number of lines in a text file (a final line break does not start a new line).
    pub fn line_count(&self, path: &Path) -> Option<usize> {
        self.fact(path, true).lines
    }

    fn fact(&self, path: &Path, need_lines: bool) -> Fact {
        let now = Instant::now();
        {
            let facts = self.facts.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(fact) = facts.get(path) {
                if now.duration_since(fact.checked) < TRUST_FOR
                    && (!need_lines || fact.lines.is_some() || fact.kind != Some(FileKind::File))
                {
                    return fact.clone();
                }
            }
        }
        let kind = std::fs::metadata(path).ok().map(|m| {
            if m.is_dir() {
                FileKind::Directory
            } else {
                FileKind::File
            }
        });
        let lines = if need_lines && kind == Some(FileKind::File) {
            std::fs::read(path).ok().map(|bytes| count_lines(&bytes))
        } else {
            None
        };
        let real = kind.and_then(|_| std::fs::canonicalize(path).ok());
        let fact = Fact {
            kind,
            real,
            lines,
            checked: now,
        };
        self.facts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), fact.clone());
        fact
    }

    /// Forgets what is known about `path` (the client said it changed).
    pub fn invalidate(&self, path: &Path) {
        self.facts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(path);
        self.resolutions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A cached resolution, or `resolve()`'s answer, cached for as long as file facts are trusted.
    pub fn resolution(
        &self,
        key: ResolutionKey,
        resolve: impl FnOnce() -> Resolution,
    ) -> Resolution {
        let now = Instant::now();
        if let Some((checked, resolution)) = self
            .resolutions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            if now.duration_since(*checked) < TRUST_FOR {
                return resolution.clone();
            }
        }
        let resolution = resolve();
        self.resolutions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (now, resolution.clone()));
        resolution
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
}
