//! Resolving a path written in a plan to a file, as a reader would: from the plan's folder, from
//! each workspace folder (a leading `/` meaning the folder's root), then by a unique path suffix
//! through the code index (`app.go:113` for `internal/app/app.go`). Never outside the workspace
//! folders, real paths included.

use std::path::{Component, Path, PathBuf};

use super::code::CodeIndex;
use super::files::{FileFacts, FileKind};

/// Candidates listed for an ambiguous suffix.
const MAX_CANDIDATES: usize = 8;

/// What a written path turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Found {
        path: PathBuf,
        kind: FileKind,
        /// Found by a path suffix (a basename or partial path), not as written.
        by_suffix: bool,
    },
    /// Several files end with the written path; none is written out in full.
    Ambiguous { candidates: Vec<PathBuf> },
    /// Nothing matches. `anchored`: the path's first folder exists where it was looked for, so
    /// the author pointed into this workspace (a typo in a real folder), not at a package, a
    /// route or a file of some other machine.
    NotFound { anchored: bool },
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
/// canonical form), then by suffix through `code`. Symlinks that lead outside the workspace are
/// refused too.
pub fn resolve(
    written: &str,
    document: Option<&Path>,
    roots: &[PathBuf],
    facts: &FileFacts,
    code: &CodeIndex,
) -> Resolution {
    // Until the index is complete a suffix may still turn up: do not remember its absence.
    if !code.is_ready() {
        return resolve_uncached(written, document, roots, facts, code);
    }
    let folder = document.and_then(Path::parent);
    facts.resolution(written, folder, roots, || {
        resolve_uncached(written, document, roots, facts, code)
    })
}

/// Where a written path may be, in order: an absolute path inside a folder as written, the
/// plan's folder, each workspace folder (`/specs/x.md` is root-relative, as on GitHub).
pub fn candidates(written: &str, document: Option<&Path>, roots: &[PathBuf]) -> Vec<PathBuf> {
    let written_path = Path::new(written);
    let mut out = Vec::new();
    if written_path.is_absolute() {
        out.push(normalize(written_path));
        let relative = written.trim_start_matches('/');
        out.extend(roots.iter().map(|root| normalize(&root.join(relative))));
    } else {
        if let Some(dir) = document.and_then(Path::parent) {
            out.push(normalize(&dir.join(written_path)));
        }
        out.extend(roots.iter().map(|root| normalize(&root.join(written_path))));
    }
    out.dedup();
    out
}

fn resolve_uncached(
    written: &str,
    document: Option<&Path>,
    roots: &[PathBuf],
    facts: &FileFacts,
    code: &CodeIndex,
) -> Resolution {
    if written.starts_with('~') {
        return Resolution::OutsideWorkspace; // A home path: another machine's file.
    }
    let mut inside_any = false;
    for candidate in candidates(written, document, roots) {
        if !inside_roots(&candidate, roots) {
            continue;
        }
        inside_any = true;
        if let Some(kind) = facts.kind(&candidate) {
            if real_path_inside(&candidate, roots, facts) {
                return Resolution::Found {
                    path: candidate,
                    kind,
                    by_suffix: false,
                };
            }
        }
    }
    if !inside_any {
        return Resolution::OutsideWorkspace;
    }
    let suffix = suffix_of(written);
    if !suffix.is_empty() {
        let mut found: Vec<PathBuf> = {
            let index = code.read();
            index
                .find_by_suffix(suffix)
                .into_iter()
                .filter_map(|id| index.abs_path(id))
                .collect()
        };
        found.retain(|p| inside_roots(p, roots) && real_path_inside(p, roots, facts));
        found.sort();
        match found.len() {
            0 => {}
            1 => {
                return Resolution::Found {
                    path: found.remove(0),
                    kind: FileKind::File,
                    by_suffix: true,
                }
            }
            _ => {
                found.truncate(MAX_CANDIDATES);
                return Resolution::Ambiguous { candidates: found };
            }
        }
    }
    Resolution::NotFound {
        anchored: anchored(written, document, roots, facts),
    }
}

fn real_path_inside(path: &Path, roots: &[PathBuf], facts: &FileFacts) -> bool {
    let real = facts.real_path(path).unwrap_or_else(|| path.to_path_buf());
    inside_roots(&real, roots)
}

/// The written path without leading `./`, `../` and `/`: what a suffix match looks for.
fn suffix_of(written: &str) -> &str {
    let mut rest = written.trim_end_matches('/');
    loop {
        let next = rest
            .trim_start_matches('/')
            .trim_start_matches("./")
            .trim_start_matches("../");
        if next == rest {
            return rest;
        }
        rest = next;
    }
}

/// Whether the first folder of a path with at least two parts exists where the path is read
/// from: `thoughts/tickets/x.md` when `thoughts/` exists. A bare name is never anchored.
fn anchored(written: &str, document: Option<&Path>, roots: &[PathBuf], facts: &FileFacts) -> bool {
    let mut rest = written.trim_start_matches("./");
    let mut bases: Vec<PathBuf> = if rest.starts_with('/') {
        rest = rest.trim_start_matches('/');
        roots.to_vec()
    } else {
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("../") {
            ups += 1;
            rest = r.trim_start_matches("./");
        }
        let mut bases: Vec<PathBuf> = document
            .and_then(Path::parent)
            .into_iter()
            .map(Path::to_path_buf)
            .collect();
        if ups == 0 {
            bases.extend(roots.iter().cloned());
        }
        bases
            .into_iter()
            .map(|b| normalize(&b.join("../".repeat(ups))))
            .collect()
    };
    bases.dedup();
    let mut parts = rest.split('/').filter(|p| !p.is_empty() && *p != ".");
    let (Some(first), Some(_)) = (parts.next(), parts.next()) else {
        return false;
    };
    bases.iter().any(|base| {
        let dir = base.join(first);
        inside_roots(&dir, roots) && facts.kind(&dir) == Some(FileKind::Directory)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::index::IndexOptions;
    use std::sync::atomic::AtomicBool;

    fn indexed(root: &Path) -> CodeIndex {
        let code = CodeIndex::default();
        code.reset(vec![root.to_path_buf()], IndexOptions::default());
        code.index_all(&AtomicBool::new(false), &|_| {});
        code
    }

    fn workspace(files: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap().join("ws");
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x\n").unwrap();
        }
        (dir, root)
    }

    fn found(path: PathBuf, by_suffix: bool) -> Resolution {
        Resolution::Found {
            path,
            kind: FileKind::File,
            by_suffix,
        }
    }

    #[test]
    fn resolves_relative_to_document_then_roots_and_never_escapes() {
        let (dir, root) = workspace(&["src/a.rs", "plans/local.md"]);
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        let roots = vec![root.clone()];
        let doc = root.join("plans/p.md");
        let facts = FileFacts::default();
        let code = indexed(&root);
        let resolve = |w: &str| resolve(w, Some(&doc), &roots, &facts, &code);
        assert_eq!(resolve("src/a.rs"), found(root.join("src/a.rs"), false));
        assert_eq!(
            resolve("local.md"),
            found(root.join("plans/local.md"), false)
        );
        assert_eq!(resolve("../src/a.rs"), found(root.join("src/a.rs"), false));
        assert_eq!(resolve("../../secret.txt"), Resolution::OutsideWorkspace);
        assert_eq!(
            resolve("~/.config/app/x.yaml"),
            Resolution::OutsideWorkspace
        );
        // A leading slash is the workspace folder's root, as GitHub reads it.
        assert_eq!(resolve("/src/a.rs"), found(root.join("src/a.rs"), false));
        assert_eq!(
            resolve("/etc/passwd"),
            Resolution::NotFound { anchored: false }
        );
        assert_eq!(
            resolve("src/missing.rs"),
            Resolution::NotFound { anchored: true }
        );
        assert_eq!(
            resolve("/src/missing.rs"),
            Resolution::NotFound { anchored: true }
        );
        assert_eq!(
            resolve("../src/missing.rs"),
            Resolution::NotFound { anchored: true }
        );
    }

    #[test]
    fn basenames_and_partial_paths_resolve_through_a_unique_suffix() {
        let (_dir, root) = workspace(&[
            "internal/app/app.go",
            "internal/screens/screens.go",
            "web/src/preview-store.ts",
            "a/util.go",
            "b/util.go",
        ]);
        let roots = vec![root.clone()];
        let doc = root.join("docs/plans/p.md");
        let facts = FileFacts::default();
        let code = indexed(&root);
        let resolve = |w: &str| resolve(w, Some(&doc), &roots, &facts, &code);
        assert_eq!(
            resolve("app.go"),
            found(root.join("internal/app/app.go"), true)
        );
        assert_eq!(
            resolve("screens/screens.go"),
            found(root.join("internal/screens/screens.go"), true)
        );
        assert_eq!(
            resolve("./preview-store.ts"),
            found(root.join("web/src/preview-store.ts"), true)
        );
        assert_eq!(
            resolve("util.go"),
            Resolution::Ambiguous {
                candidates: vec![root.join("a/util.go"), root.join("b/util.go")]
            }
        );
        // A partial path must end on a folder boundary: `pp.go` is not `app.go`.
        assert_eq!(resolve("pp.go"), Resolution::NotFound { anchored: false });
        // A first folder that exists anchors the path; one that does not leaves it unanchored.
        assert_eq!(
            resolve("internal/app/gone.go"),
            Resolution::NotFound { anchored: true }
        );
        assert_eq!(
            resolve("net/http"),
            Resolution::NotFound { anchored: false }
        );
        assert_eq!(
            resolve("modernc.org/sqlite"),
            Resolution::NotFound { anchored: false }
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_workspace_are_refused() {
        let (dir, root) = workspace(&[]);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(dir.path().join("outside.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("link.txt")).unwrap();
        let facts = FileFacts::default();
        let code = indexed(&root);
        assert!(!matches!(
            resolve("link.txt", None, &[root], &facts, &code),
            Resolution::Found { .. }
        ));
    }
}
