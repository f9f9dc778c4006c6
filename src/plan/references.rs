//! File references in a plan: `src/a.rs`, `src/a.rs:42`, `src/a.rs:3-9`, `src/a.rs:4:2`,
//! `src/a.rs#L3-L9`, `src/a.rs#L10,5`, in links, code spans and prose.

use std::sync::OnceLock;

use regex::Regex;

/// Where in a file a reference points; lines and columns are 1-based as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineSpan {
    pub start: u32,
    pub end: Option<u32>,
    pub column: Option<u32>,
}

/// A reference's target as written: a path and maybe lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTarget {
    /// Shared, so that building a plan from cached chunk facts copies no text.
    pub path: std::sync::Arc<str>,
    pub lines: Option<LineSpan>,
    /// Further lines written as a list: `a.go:447, 488`, `` `a.go` (lines 3-9, 20-22) ``.
    pub more_lines: Vec<LineSpan>,
}

impl FileTarget {
    /// Every line span the reference names.
    pub fn all_lines(&self) -> impl Iterator<Item = &LineSpan> + '_ {
        self.lines.iter().chain(&self.more_lines)
    }
}

/// How a reference was written, which decides how sure we are that it means a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceForm {
    /// A Markdown link destination: certainly meant as a file.
    Link,
    /// A code span such as `` `src/a.rs:3` ``.
    CodeSpan,
    /// A path in prose: `see src/server.rs:120`.
    Prose,
}

/// Extensions that make a slash-less name such as `Cargo.toml` a file reference.
const KNOWN_EXTENSIONS: &[&str] = &[
    "rs", "py", "pyi", "ts", "tsx", "js", "jsx", "mjs", "cjs", "go", "md", "markdown", "toml",
    "json", "jsonc", "yaml", "yml", "lock", "txt", "c", "h", "cc", "cpp", "hpp", "java", "kt",
    "rb", "sh", "bash", "css", "scss", "html", "sql", "proto", "lua", "vim", "swift", "cs", "php",
    "ex", "exs", "erl", "hs", "ml", "scala", "zig", "nix", "xml", "ini", "cfg", "conf", "env",
    "graphql", "vue", "svelte", "dart", "tf", "mk", "cmake", "gradle", "ipynb",
];

/// Files that are references even without an extension.
const KNOWN_NAMES: &[&str] = &[
    "Makefile",
    "Dockerfile",
    "Justfile",
    "LICENSE",
    "Gemfile",
    "Rakefile",
    "Procfile",
];

fn target_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?P<path>[^\s:#?*<>|]+?)(?::(?P<line>\d+)(?:-(?P<end>\d+)|:(?P<col>\d+))?|#L(?P<aline>\d+)(?:C(?P<acolc>\d+))?(?:-L?(?P<aend>\d+)(?:C\d+)?)?(?:,(?P<acol>\d+))?)?$",
        )
        .expect("valid regex")
    })
}

fn prose_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:^|[\s(\[,;])(?P<ref>(?:\.{1,2}/)*(?:[\w.-]+/)+[\w.-]*\w\.[A-Za-z0-9]+(?::\d+(?:-\d+|:\d+)?|#L\d+(?:-L?\d+)?)?|[\w-]+\.(?:rs|py|ts|tsx|js|go|toml|json|ya?ml|lock|md)(?::\d+(?:-\d+|:\d+)?|#L\d+(?:-L?\d+)?)?)\b",
        )
        .expect("valid regex")
    })
}

/// Parses `path`, `path:LINE`, `path:LINE:COL`, `path:START-END`, `path#L3-L9`, `path#L10,5`.
pub fn parse_target(text: &str) -> Option<FileTarget> {
    let caps = target_regex().captures(text)?;
    let path = caps.name("path")?.as_str().to_string();
    let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let lines = if let Some(start) = num("line") {
        Some(LineSpan {
            start,
            end: num("end"),
            column: num("col"),
        })
    } else {
        num("aline").map(|start| LineSpan {
            start,
            end: num("aend"),
            column: num("acol").or(num("acolc")),
        })
    };
    Some(FileTarget {
        path: path.into(),
        lines,
        more_lines: Vec::new(),
    })
}

/// Whether a string written in a code span looks like a file path rather than code.
fn looks_like_path(path: &str) -> bool {
    if path.is_empty() || path.contains("::") || path.starts_with('-') {
        return false;
    }
    let file_name = path.rsplit('/').next().unwrap_or(path);
    if KNOWN_NAMES.contains(&file_name) {
        return true;
    }
    let Some((stem, ext)) = file_name.rsplit_once('.') else {
        // `src/server/` names a folder: a path only with a slash and sane characters.
        return path.contains('/')
            && path
                .chars()
                .all(|c| c.is_alphanumeric() || "/._-".contains(c))
            && path.chars().any(char::is_alphanumeric);
    };
    if ext.is_empty() || !ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    if path.contains('/') {
        return !stem.is_empty() || file_name.starts_with('.');
    }
    KNOWN_EXTENSIONS.contains(&ext)
}

/// Whether a path names a file rather than a folder, a package or a route: its last part has
/// an extension (`app.go`, `.env`) or is a well-known extensionless file (`Makefile`).
pub fn names_a_file(path: &str) -> bool {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    if path.ends_with('/') {
        return false;
    }
    KNOWN_NAMES.contains(&name)
        || name.rsplit_once('.').is_some_and(|(_, ext)| {
            !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// `447`, `3-9` and `3–9` in a list of lines.
fn line_list_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(\d+)(?:\s*[-–]\s*(\d+))?").expect("valid regex"))
}

/// The spans of a list of lines such as `447, 488` or `368-372, 391-392`.
fn line_list(text: &str) -> Vec<LineSpan> {
    line_list_regex()
        .captures_iter(text)
        .filter_map(|c| {
            Some(LineSpan {
                start: c[1].parse().ok()?,
                end: c.get(2).and_then(|e| e.as_str().parse().ok()),
                column: None,
            })
        })
        .collect()
}

/// `a.go:447, 488` and `a.go:3-9, 20-22`: a path with a list of lines.
fn listed_lines_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?P<head>\S+?:\d+(?:-\d+)?)(?P<rest>(?:\s*,\s*\d+(?:-\d+)?)+)$")
            .expect("valid regex")
    })
}

/// A file reference inside a code span's content (`src/a.rs:3`), if it is one.
pub fn code_span_target(content: &str) -> Option<FileTarget> {
    let content = content.trim();
    if content.contains("://") {
        return None;
    }
    if content.contains(char::is_whitespace) {
        let caps = listed_lines_regex().captures(content)?;
        let mut target = parse_target(&caps["head"])?;
        target.more_lines = line_list(&caps["rest"]);
        return looks_like_path(&target.path).then_some(target);
    }
    let target = parse_target(content)?;
    looks_like_path(&target.path).then_some(target)
}

/// Lines written just after a reference: ` (lines 368-372, 391-392)`, ` (line 42)`, ` (L42)`.
pub fn trailing_lines(after: &str) -> Vec<LineSpan> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^\s?\(\s*(?:lines?|L)\s*(?P<list>\d+(?:\s*[-–]\s*\d+)?(?:\s*(?:,|and)\s*\d+(?:\s*[-–]\s*\d+)?)*)\s*\)")
            .expect("valid regex")
    });
    re.captures(after)
        .map(|c| line_list(&c["list"]))
        .unwrap_or_default()
}

/// A file reference from a link destination, unless it points elsewhere (a URL, an anchor).
pub fn link_target(destination: &str) -> Option<FileTarget> {
    let destination = destination
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    if destination.is_empty() || destination.starts_with('#') || has_scheme(destination) {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(destination)
        .decode_utf8()
        .ok()?;
    let (path, fragment) = match decoded.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (decoded.as_ref(), None),
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return None;
    }
    let lines = fragment.and_then(|f| parse_target(&format!("x#{f}")).and_then(|t| t.lines));
    Some(FileTarget {
        path: path.into(),
        lines,
        more_lines: Vec::new(),
    })
}

fn has_scheme(destination: &str) -> bool {
    match destination.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        }
        None => false,
    }
}

/// File references written in prose, with their byte ranges in `text`.
pub fn prose_targets(text: &str) -> Vec<(std::ops::Range<usize>, FileTarget)> {
    prose_regex()
        .captures_iter(text)
        .filter_map(|caps| {
            let m = caps.name("ref")?;
            let target = parse_target(m.as_str())?;
            looks_like_path(&target.path).then(|| (m.range(), target))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: Option<u32>, column: Option<u32>) -> Option<LineSpan> {
        Some(LineSpan { start, end, column })
    }

    #[test]
    fn every_written_form_parses() {
        let t = |s: &str| code_span_target(s).map(|t| (t.path, t.lines));
        assert_eq!(t("src/a.rs"), Some(("src/a.rs".into(), None)));
        assert_eq!(
            t("src/a.rs:42"),
            Some(("src/a.rs".into(), span(42, None, None)))
        );
        assert_eq!(
            t("src/a.rs:4:2"),
            Some(("src/a.rs".into(), span(4, None, Some(2))))
        );
        assert_eq!(
            t("src/a.rs:3-9"),
            Some(("src/a.rs".into(), span(3, Some(9), None)))
        );
        assert_eq!(
            t("src/a.rs#L3-L9"),
            Some(("src/a.rs".into(), span(3, Some(9), None)))
        );
        assert_eq!(
            t("src/a.rs#L10,5"),
            Some(("src/a.rs".into(), span(10, None, Some(5))))
        );
        assert_eq!(t("Cargo.toml"), Some(("Cargo.toml".into(), None)));
    }

    #[test]
    fn code_that_is_not_a_path_is_ignored() {
        for code in [
            "Document::apply_change",
            "a.b()",
            "foo.bar",
            "let x = 1",
            "https://x.io/a.rs",
            "v1.2",
            "--flag",
        ] {
            assert_eq!(code_span_target(code), None, "{code}");
        }
    }

    #[test]
    fn link_destinations() {
        assert_eq!(
            link_target("src/b%20c.rs#L3-L9").map(|t| (t.path, t.lines)),
            Some(("src/b c.rs".into(), span(3, Some(9), None)))
        );
        assert_eq!(link_target("https://example.com/a.rs"), None);
        assert_eq!(link_target("#status-quo"), None);
        assert_eq!(link_target("mailto:a@b.c"), None);
        assert_eq!(
            link_target("../README.md").unwrap().path.as_ref(),
            "../README.md"
        );
    }

    #[test]
    fn prose_paths_with_lines() {
        let text = "see src/server.rs:120, and Cargo.toml. Not e.g. or v1.2 or https://x.io/a/b.rs";
        let found: Vec<_> = prose_targets(text)
            .into_iter()
            .map(|(r, t)| (&text[r], t.lines))
            .collect();
        assert_eq!(
            found,
            [
                ("src/server.rs:120", span(120, None, None)),
                ("Cargo.toml", None)
            ]
        );
    }
}
