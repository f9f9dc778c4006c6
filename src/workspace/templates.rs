//! A workspace's own plan templates: each `*.toml` under `<root>/.plan-lsp/templates/`, read
//! through the door (regular files only, capped).

use std::path::{Path, PathBuf};

use super::disk::{Door, RealDisk};
use crate::plan::template::{TemplateError, TemplateSet};

/// The largest template file read.
const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

/// Built-in templates plus the workspace's own, with the files that could not be used.
pub fn load_templates(roots: &[PathBuf]) -> (TemplateSet, Vec<TemplateError>) {
    let door = Door::new(&RealDisk, roots, MAX_TEMPLATE_BYTES);
    let mut sources = Vec::new();
    for root in roots {
        let dir = root.join(".plan-lsp").join("templates");
        let Ok(mut names) = door.list_dir(&dir) else {
            continue;
        };
        names.sort();
        for name in names.iter().filter(|n| n.ends_with(".toml")) {
            let path = dir.join(name);
            sources.push((path.display().to_string(), read_template(&door, &path)));
        }
    }
    TemplateSet::with_sources(sources)
}

fn read_template(door: &Door, path: &Path) -> Result<String, String> {
    let contents = door.read(path).map_err(|e| e.to_string())?;
    if contents.is_cut() {
        return Err(format!("larger than {MAX_TEMPLATE_BYTES} bytes"));
    }
    String::from_utf8(contents.bytes).map_err(|_| "not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_templates_are_read_and_bad_ones_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let templates = root.join(".plan-lsp/templates");
        std::fs::create_dir_all(&templates).unwrap();
        std::fs::write(
            templates.join("rfc.toml"),
            "name = \"rfc\"\n[[sections]]\ntitle = \"Motivation\"\n",
        )
        .unwrap();
        std::fs::write(templates.join("bad.toml"), "name = ").unwrap();
        std::fs::write(templates.join("notes.txt"), "ignored").unwrap();
        let (set, errors) = load_templates(&[root]);
        assert_eq!(set.get("rfc").unwrap().sections[0].title, "Motivation");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].origin.ends_with("bad.toml"));
    }
}
