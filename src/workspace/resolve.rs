//! Resolving a path written in a plan to a file, confined to the workspace folders.

use std::path::{Component, Path, PathBuf};

use super::files::{FileFacts, FileKind};

/// What a written path turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Found {
        path: PathBuf,
        kind: FileKind,
    },
    /// No candidate exists; `tried` lists where we looked (all inside the workspace).
    NotFound {
        tried: Vec<PathBuf>,
    },
    /// Every candidate lies outside the workspace folders: never opened, never read.
    OutsideWorkspace,
}

/// Removes `.` and `..` without touching the file system, so `a/../../etc` cannot escape a check.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `path` (absolute, normalised) lies inside one of `roots`.
pub fn inside_roots(path: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|root| path.starts_with(root))
}

/// Resolves `written` relative to the document's folder, then each workspace folder (given in
/// canonical form). Symlinks that lead outside the workspace are refused too.
pub fn resolve(
    written: &str,
    document: Option<&Path>,
    roots: &[PathBuf],
    facts: &FileFacts,
) -> Resolution {
    let key = ResolutionKey {
        written: written.to_string(),
        folder: document.and_then(Path::parent).map(Path::to_path_buf),
        roots: roots.to_vec(),
    };
    facts.resolution(key, || resolve_uncached(written, document, roots, facts))
}

/// What a resolution depends on, to cache it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolutionKey {
    written: String,
    folder: Option<PathBuf>,
    roots: Vec<PathBuf>,
}

fn resolve_uncached(
    written: &str,
    document: Option<&Path>,
    roots: &[PathBuf],
    facts: &FileFacts,
) -> Resolution {
    let written_path = Path::new(written);
    let mut candidates = Vec::new();
    if written_path.is_absolute() {
        candidates.push(normalize(written_path));
    } else {
        if let Some(dir) = document.and_then(Path::parent) {
            candidates.push(normalize(&dir.join(written_path)));
        }
        for root in roots {
            candidates.push(normalize(&root.join(written_path)));
        }
    }
    let mut tried = Vec::new();
    for candidate in candidates {
        if !inside_roots(&candidate, roots) || tried.contains(&candidate) {
            continue;
        }
        if let Some(kind) = facts.kind(&candidate) {
            let real = facts
                .real_path(&candidate)
                .unwrap_or_else(|| candidate.clone());
            if inside_roots(&real, roots) {
                return Resolution::Found {
                    path: candidate,
                    kind,
                };
            }
            continue;
        }
        tried.push(candidate);
    }
    if tried.is_empty() {
        Resolution::OutsideWorkspace
    } else {
        Resolution::NotFound { tried }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_document_then_roots_and_never_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap().join("ws");
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "x").unwrap();
        std::fs::write(root.join("plans/local.md"), "x").unwrap();
        std::fs::write(root.parent().unwrap().join("secret.txt"), "x").unwrap();
        let roots = vec![root.clone()];
        let doc = root.join("plans/p.md");
        let facts = FileFacts::default();
        let found = |w: &str| resolve(w, Some(&doc), &roots, &facts);
        assert_eq!(
            found("src/a.rs"),
            Resolution::Found {
                path: root.join("src/a.rs"),
                kind: FileKind::File
            }
        );
        assert_eq!(
            found("local.md"),
            Resolution::Found {
                path: root.join("plans/local.md"),
                kind: FileKind::File
            }
        );
        assert_eq!(
            found("../src/a.rs"),
            Resolution::Found {
                path: root.join("src/a.rs"),
                kind: FileKind::File
            }
        );
        assert_eq!(found("../../secret.txt"), Resolution::OutsideWorkspace);
        assert_eq!(found("/etc/passwd"), Resolution::OutsideWorkspace);
        assert!(matches!(
            found("src/missing.rs"),
            Resolution::NotFound { .. }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_workspace_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap().join("ws");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(dir.path().join("outside.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("link.txt")).unwrap();
        let facts = FileFacts::default();
        assert!(!matches!(
            resolve("link.txt", None, &[root], &facts),
            Resolution::Found { .. }
        ));
    }
}
