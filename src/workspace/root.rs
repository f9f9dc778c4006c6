//! The workspace folder to use when the client names none (some clients start a server for a
//! lone file): the nearest ancestor holding `.git` or `.plan-lsp/`, else the document's folder.

use std::path::{Path, PathBuf};

/// The folder a document's references resolve in, or `None` when that would be the file
/// system's root or the home folder itself (indexing either would read far too much).
pub fn root_for_document(document: &Path, home: Option<&Path>) -> Option<PathBuf> {
    let document = std::fs::canonicalize(document).unwrap_or_else(|_| document.to_path_buf());
    let folder = document.parent()?;
    let root = folder
        .ancestors()
        .find(|dir| dir.join(".git").exists() || dir.join(".plan-lsp").is_dir())
        .unwrap_or(folder);
    let too_wide = root.parent().is_none()
        || home.is_some_and(|home| {
            std::fs::canonicalize(home).unwrap_or_else(|_| home.to_path_buf()) == root
        });
    (!too_wide).then(|| root.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_marker_else_the_documents_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(base.join("repo/.git")).unwrap();
        std::fs::create_dir_all(base.join("repo/docs/plans")).unwrap();
        std::fs::create_dir_all(base.join("notes/.plan-lsp")).unwrap();
        std::fs::create_dir_all(base.join("notes/deep")).unwrap();
        std::fs::create_dir_all(base.join("loose")).unwrap();
        for file in ["repo/docs/plans/a.md", "notes/deep/b.md", "loose/c.md"] {
            std::fs::write(base.join(file), "# x\n").unwrap();
        }
        let root = |file: &str| root_for_document(&base.join(file), None);
        assert_eq!(root("repo/docs/plans/a.md"), Some(base.join("repo")));
        assert_eq!(root("notes/deep/b.md"), Some(base.join("notes")));
        assert_eq!(root("loose/c.md"), Some(base.join("loose")));
        // A file that is not there yet (an unsaved buffer) still gets its folder.
        assert_eq!(root("loose/new.md"), Some(base.join("loose")));
    }

    #[test]
    fn never_the_home_folder_or_the_file_system_root() {
        let tmp = tempfile::tempdir().unwrap();
        let home = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::write(home.join("todo.md"), "# x\n").unwrap();
        assert_eq!(root_for_document(&home.join("todo.md"), Some(&home)), None);
        assert_eq!(root_for_document(Path::new("/plan.md"), None), None);
    }
}
