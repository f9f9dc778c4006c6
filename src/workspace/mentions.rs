//! File paths named in free text — `src/document.rs:1234`, a panic's `at src/a.rs:12:5`, a
//! Python traceback's `File "…/poetry/utils/helpers.py", line 40`, a Go frame's
//! `/home/u/go/src/…/view.go:123` — resolved to workspace files by their trailing path
//! components. The strongest hint an issue can give about where a fix goes.

use std::sync::OnceLock;

use regex::Regex;

use super::index::{FileId, WorkspaceIndex};

/// A name that fits more files than this says nothing about which one.
const MAX_FILES_PER_MENTION: usize = 3;
/// Mentions looked at per text: a long log repeats itself.
const MAX_MENTIONS: usize = 32;

/// A path named in text, with the line it points at when it says one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// As written, with `\` turned into `/`.
    pub path: String,
    /// One-based line, from `path:line`, `", line N` or `#LN`.
    pub line: Option<u32>,
    /// Where the first mention is in the text, line included.
    pub span: std::ops::Range<usize>,
}

fn mention_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(
            r#"(?P<path>[A-Za-z0-9_.\-/\\]*[A-Za-z0-9_\-]\.[A-Za-z][A-Za-z0-9]{0,4})\b(?::(?P<colon>[0-9]+)|"?,? line (?P<py>[0-9]+)|#L(?P<anchor>[0-9]+))?"#,
        )
        .expect("the mention pattern is valid")
    })
}

/// The paths named in `text`, in order, each once.
pub fn mentions(text: &str) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    for caps in mention_pattern().captures_iter(text) {
        let path = caps["path"].replace('\\', "/");
        let line = ["colon", "py", "anchor"]
            .iter()
            .find_map(|name| caps.name(name))
            .and_then(|m| m.as_str().parse().ok());
        if !path.contains(|c: char| c.is_ascii_alphabetic()) || out.iter().any(|m| m.path == path) {
            continue;
        }
        let span = caps.get(0).map_or(0..0, |m| m.range());
        out.push(Mention { path, line, span });
        if out.len() == MAX_MENTIONS {
            break;
        }
    }
    out
}

/// The workspace files a mention names: those sharing the most trailing path components with
/// it (at least its last two, or the file name for a bare name), when that is at most a few.
pub fn resolve(index: &WorkspaceIndex, mention: &Mention) -> Vec<FileId> {
    let wanted: Vec<&str> = mention
        .path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    let Some(&name) = wanted.last() else {
        return Vec::new();
    };
    let required = wanted.len().min(2);
    let mut best = 0;
    let mut hits: Vec<FileId> = Vec::new();
    for file in index.files().filter(|f| f.name == name) {
        let shared = 1 + file
            .dir
            .rsplit('/')
            .zip(wanted.iter().rev().skip(1))
            .take_while(|(a, b)| a == *b)
            .count();
        if shared < required || shared < best {
            continue;
        }
        if shared > best {
            best = shared;
            hits.clear();
        }
        hits.push(file.id);
    }
    if hits.len() > MAX_FILES_PER_MENTION {
        hits.clear();
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::index::IndexOptions;

    fn m(path: &str, line: Option<u32>) -> Mention {
        Mention {
            path: path.to_owned(),
            line,
            span: 0..0,
        }
    }

    fn found(text: &str) -> Vec<(String, Option<u32>)> {
        mentions(text)
            .into_iter()
            .map(|m| (m.path, m.line))
            .collect()
    }

    fn named(path: &str, line: Option<u32>) -> (String, Option<u32>) {
        (path.to_owned(), line)
    }

    #[test]
    fn finds_paths_lines_and_trace_frames() {
        let text = "thread 'main' panicked at src/document.rs:1234:5:\n\
            see crates/printer/src/json.rs and `lib.rs`.\n\
            File \"/usr/lib/site-packages/poetry/utils/helpers.py\", line 40, in x\n\
            \t/home/u/go/src/github.com/cli/cli/pkg/cmd/pr/view/view.go:123 +0x1d\n\
            e.g. version 1.2.3, Git._clone, config.process(); again src/document.rs:9";
        assert_eq!(
            found(text),
            [
                named("src/document.rs", Some(1234)),
                named("crates/printer/src/json.rs", None),
                named("lib.rs", None),
                named("/usr/lib/site-packages/poetry/utils/helpers.py", Some(40)),
                named(
                    "/home/u/go/src/github.com/cli/cli/pkg/cmd/pr/view/view.go",
                    Some(123)
                ),
                named("e.g", None),
            ]
        );
        let first = &mentions(text)[0];
        assert_eq!(&text[first.span.clone()], "src/document.rs:1234");
    }

    #[test]
    fn resolves_by_trailing_components_and_refuses_ambiguity() {
        let dir = tempfile::tempdir().unwrap();
        for rel in [
            "src/poetry/utils/helpers.py",
            "src/poetry/console/helpers.py",
            "pkg/cmd/pr/view/view.go",
            "pkg/cmd/issue/view/view.go",
            "a/mod.rs",
            "b/mod.rs",
            "c/mod.rs",
            "d/mod.rs",
            "src/lonely.rs",
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x\n").unwrap();
        }
        let index = WorkspaceIndex::build(vec![dir.path().to_path_buf()], IndexOptions::default());
        let paths = |mention: Mention| -> Vec<String> {
            let mut out: Vec<String> = resolve(&index, &mention)
                .into_iter()
                .map(|id| index.file(id).unwrap().rel_path())
                .collect();
            out.sort();
            out
        };
        assert_eq!(
            paths(m("/usr/lib/site-packages/poetry/utils/helpers.py", None)),
            ["src/poetry/utils/helpers.py"]
        );
        assert_eq!(
            paths(m("/home/u/go/src/x/pkg/cmd/pr/view/view.go", None)),
            ["pkg/cmd/pr/view/view.go"]
        );
        assert_eq!(
            paths(m("helpers.py", None)),
            [
                "src/poetry/console/helpers.py",
                "src/poetry/utils/helpers.py"
            ]
        );
        assert!(paths(m("mod.rs", None)).is_empty(), "four files: too vague");
        assert!(
            paths(m("other/lonely.rs", None)).is_empty(),
            "the folder must match too"
        );
        assert_eq!(paths(m("lonely.rs", None)), ["src/lonely.rs"]);
        assert!(paths(m("e.g", None)).is_empty());
    }
}
