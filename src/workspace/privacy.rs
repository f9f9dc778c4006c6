//! The secret rules, in one place: which files look like secrets (never shown on hover, never
//! indexed, never sent to a model), and which files may be sent to a model at all (inside the
//! workspace folders, not ignored by `.gitignore`, not a secret).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use thiserror::Error;

use super::disk::real_or_given;

/// Files that commonly hold secrets, in gitignore syntax, matched case-insensitively at any depth.
pub const SECRET_PATTERNS: &[&str] = &[
    ".env*",
    "*.env",
    "secrets/",
    "secret/",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.keystore",
    "*.jks",
    "*.kdbx",
    "*.tfvars",
    "*.tfstate",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    ".htpasswd",
    "credentials*",
    "secrets.*",
    "*.secret",
    "*.secrets",
    "client_secret*",
    ".ssh/",
    ".aws/",
    ".gnupg/",
    ".docker/config.json",
    ".kube/config",
    ".git/",
];

/// Why a file is kept from the model.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum Exclusion {
    /// Not under any workspace folder (after resolving symlinks).
    #[error("{0} is outside the workspace folders, so it is never sent to the model")]
    OutsideWorkspace(PathBuf),
    /// Matched by a `.gitignore` (or `.git/info/exclude`).
    #[error("{0} is ignored by .gitignore, so it is never sent to the model")]
    Gitignored(PathBuf),
    /// Looks like a secret.
    #[error("{path} may hold secrets (matches `{pattern}`), so it is never sent to the model")]
    Secret {
        /// The file.
        path: PathBuf,
        /// The pattern it matched.
        pattern: String,
    },
    /// Missing, unreadable or not a regular file.
    #[error("{0} is not a readable file")]
    Unreadable(PathBuf),
}

fn secret_matcher() -> &'static Gitignore {
    static MATCHER: OnceLock<Gitignore> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut builder = GitignoreBuilder::new("");
        // Globs added after this call are case-insensitive; the call cannot fail.
        let _ = builder.case_insensitive(true);
        for pattern in SECRET_PATTERNS {
            if let Err(error) = builder.add_line(None, pattern) {
                tracing::error!(%error, pattern, "bad built-in secret pattern");
            }
        }
        builder.build().unwrap_or_else(|error| {
            tracing::error!(%error, "secret patterns did not compile");
            Gitignore::empty()
        })
    })
}

/// The secret pattern a workspace-relative path matches (itself or a parent folder), if any.
pub fn secret_pattern(relative: &Path) -> Option<String> {
    if relative.as_os_str().is_empty() {
        return None;
    }
    match secret_matcher().matched_path_or_any_parents(relative, false) {
        Match::Ignore(glob) => Some(glob.original().to_string()),
        _ => None,
    }
}

/// The secret pattern `path` matches, as written or once symlinks are resolved (`real`), each
/// taken relative to the workspace folder it lies in.
pub fn secret_pattern_of(path: &Path, real: &Path, roots: &[PathBuf]) -> Option<String> {
    [path, real].into_iter().find_map(|p| {
        let relative = roots
            .iter()
            .filter_map(|r| p.strip_prefix(r).ok())
            .min_by_key(|rel| rel.components().count())?;
        secret_pattern(relative)
    })
}

/// The rule of which files may go to a model. Cheap to build; `.gitignore` files are read once
/// per filter.
pub struct PrivacyFilter {
    roots: Vec<PathBuf>,
    gitignores: Mutex<HashMap<PathBuf, Arc<Gitignore>>>,
}

impl PrivacyFilter {
    /// A filter for these workspace folders.
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Self {
        let roots = roots.into_iter().map(|root| real_or_given(&root)).collect();
        PrivacyFilter {
            roots,
            gitignores: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok(resolved path)` when `path` may be sent to a model, else why not.
    pub fn check(&self, path: &Path) -> Result<PathBuf, Exclusion> {
        let resolved = path
            .canonicalize()
            .map_err(|_| Exclusion::Unreadable(path.to_path_buf()))?;
        if !resolved.is_file() {
            return Err(Exclusion::Unreadable(path.to_path_buf()));
        }
        let root = self
            .roots
            .iter()
            .filter(|root| resolved.starts_with(root))
            .max_by_key(|root| root.components().count())
            .ok_or_else(|| Exclusion::OutsideWorkspace(path.to_path_buf()))?;
        let relative = resolved.strip_prefix(root).unwrap_or(&resolved);
        // A symlink's own name counts too: `.env -> settings.txt` is still a secret.
        let own_name = self
            .roots
            .iter()
            .find_map(|r| path.strip_prefix(r).ok())
            .unwrap_or(Path::new(""));
        if let Some(pattern) = [relative, own_name].into_iter().find_map(secret_pattern) {
            return Err(Exclusion::Secret {
                path: path.to_path_buf(),
                pattern,
            });
        }
        if self.is_gitignored(root, relative) {
            return Err(Exclusion::Gitignored(path.to_path_buf()));
        }
        Ok(resolved)
    }

    /// Deepest `.gitignore` first, as git does; `.git/info/exclude` last.
    fn is_gitignored(&self, root: &Path, relative: &Path) -> bool {
        let mut dir = relative.parent();
        while let Some(current) = dir {
            let matcher = self.matcher(root.join(current), ".gitignore");
            let inside = relative.strip_prefix(current).unwrap_or(relative);
            match matcher.matched_path_or_any_parents(inside, false) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
            dir = current.parent();
        }
        let exclude = self.matcher(root.to_path_buf(), ".git/info/exclude");
        exclude
            .matched_path_or_any_parents(relative, false)
            .is_ignore()
    }

    fn matcher(&self, dir: PathBuf, file: &str) -> Arc<Gitignore> {
        let key = dir.join(file);
        let mut cache = match self.gitignores.lock() {
            Ok(cache) => cache,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache
            .entry(key.clone())
            .or_insert_with(|| {
                if !key.is_file() {
                    return Arc::new(Gitignore::empty());
                }
                let mut builder = GitignoreBuilder::new(&dir);
                if let Some(error) = builder.add(&key) {
                    tracing::warn!(%error, path = %key.display(), "unreadable ignore file");
                }
                Arc::new(builder.build().unwrap_or_else(|_| Gitignore::empty()))
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("src/main.rs", "fn main() {}"),
            ("src/generated/out.rs", "// generated"),
            ("src/generated/keep.rs", "// kept"),
            ("target/debug/build.log", "log"),
            ("notes.log", "log"),
            (".env", "TOKEN=x"),
            (".env.local", "TOKEN=x"),
            ("config/.ENV.production", "TOKEN=x"),
            ("deploy/server.pem", "-----BEGIN"),
            ("deploy/tls.KEY", "k"),
            ("home/.ssh/config", "Host x"),
            ("id_rsa.pub", "ssh-rsa"),
            (".npmrc", "//registry:_authToken=x"),
            ("aws/credentials.json", "{}"),
            ("deploy/prod.env", "TOKEN=x"),
            ("secrets/token.txt", "x"),
            ("docs/keys.md", "how we rotate keys"),
            ("local.txt", "excluded via info/exclude"),
            (".gitignore", "/target/\n*.log\n"),
            ("src/generated/.gitignore", "*.rs\n!keep.rs\n"),
            (".git/info/exclude", "local.txt\n"),
            (".git/config", "[core]"),
        ] {
            let full = root.join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
        }
        dir
    }

    #[test]
    fn allows_ordinary_workspace_files() {
        let dir = workspace();
        let filter = PrivacyFilter::new([dir.path().to_path_buf()]);
        for path in [
            "src/main.rs",
            "src/generated/keep.rs",
            "docs/keys.md",
            ".gitignore",
        ] {
            assert_eq!(
                filter.check(&dir.path().join(path)).map(|_| ()),
                Ok(()),
                "{path}"
            );
        }
    }

    #[test]
    fn refuses_gitignored_files_with_nested_rules() {
        let dir = workspace();
        let filter = PrivacyFilter::new([dir.path().to_path_buf()]);
        for path in [
            "target/debug/build.log",
            "notes.log",
            "src/generated/out.rs",
            "local.txt",
        ] {
            assert!(
                matches!(
                    filter.check(&dir.path().join(path)),
                    Err(Exclusion::Gitignored(_))
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn refuses_secrets_at_any_depth_and_case() {
        let dir = workspace();
        let filter = PrivacyFilter::new([dir.path().to_path_buf()]);
        for path in [
            ".env",
            ".env.local",
            "config/.ENV.production",
            "deploy/server.pem",
            "deploy/tls.KEY",
            "home/.ssh/config",
            "id_rsa.pub",
            ".npmrc",
            "aws/credentials.json",
            "deploy/prod.env",
            "secrets/token.txt",
            ".git/config",
        ] {
            let outcome = filter.check(&dir.path().join(path));
            assert!(
                matches!(outcome, Err(Exclusion::Secret { .. })),
                "{path}: {outcome:?}"
            );
        }
    }

    #[test]
    fn refuses_files_outside_the_workspace_even_through_symlinks_and_dotdot() {
        let dir = workspace();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("private.txt"), "private").unwrap();
        let filter = PrivacyFilter::new([dir.path().join("src")]);
        assert!(filter.check(&dir.path().join("src/main.rs")).is_ok());
        assert!(matches!(
            filter.check(&dir.path().join("src/../docs/keys.md")),
            Err(Exclusion::OutsideWorkspace(_))
        ));
        assert!(matches!(
            filter.check(&outside.path().join("private.txt")),
            Err(Exclusion::OutsideWorkspace(_))
        ));
        #[cfg(unix)]
        {
            let link = dir.path().join("src/link.txt");
            std::os::unix::fs::symlink(outside.path().join("private.txt"), &link).unwrap();
            assert!(matches!(
                filter.check(&link),
                Err(Exclusion::OutsideWorkspace(_))
            ));
            let disguised = dir.path().join("src/.env");
            std::os::unix::fs::symlink(dir.path().join("src/main.rs"), &disguised).unwrap();
            assert!(matches!(
                filter.check(&disguised),
                Err(Exclusion::Secret { .. })
            ));
        }
    }

    #[test]
    fn refuses_missing_files_and_directories() {
        let dir = workspace();
        let filter = PrivacyFilter::new([dir.path().to_path_buf()]);
        assert!(matches!(
            filter.check(&dir.path().join("nope.rs")),
            Err(Exclusion::Unreadable(_))
        ));
        assert!(matches!(
            filter.check(&dir.path().join("src")),
            Err(Exclusion::Unreadable(_))
        ));
    }
}
