//! Headings as link targets: `[see](#status-quo)`, `[x](other.md#heading)` and reference-style
//! links whose definition points at a heading get definition, hover (the section's first
//! lines), a document link, completion after `#`, and `broken-link` when the fragment names no
//! heading. As with file references, only links count, and only into a Markdown file that
//! exists in the workspace; a line anchor (`#L10`) is never a heading.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use regex::Regex;
use serde_json::json;
use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CompletionItem, CompletionItemKind,
    CompletionTextEdit, Diagnostic, DocumentLink, Location, TextEdit, Url,
};

use crate::analysis::diagnostics::Finding;
use crate::analysis::edits::TextChange;
use crate::plan::fragments::encode_fragment;
use crate::plan::slug;
use crate::plan::{HeadingLink, Plan};
use crate::snapshot::Snapshot;
use crate::workspace::files::FileKind;
use crate::workspace::markdown::is_markdown_path;
use crate::workspace::resolve::{self, Resolution};

/// Lines of a section shown on hover, and the most bytes of each and of all.
const HOVER_LINES: usize = 10;
const HOVER_LINE_BYTES: usize = 400;
const HOVER_BYTES: usize = 2048;
/// Headings offered at once.
const MAX_ITEMS: usize = 200;

/// A Markdown document a link may point into: this one, or another in the workspace.
#[derive(Clone)]
pub struct LinkedDoc {
    pub uri: Url,
    pub path: Option<PathBuf>,
    /// The editor's version when the document is open.
    pub version: Option<i32>,
    pub plan: Arc<Plan>,
    /// The anchor of each section, in order.
    pub slugs: Arc<Vec<String>>,
    /// Anchors that are not headings, read from the text on first need.
    other_anchors: Arc<OnceLock<OtherAnchors>>,
    slugs_digest: Arc<OnceLock<u64>>,
    slug_index: Arc<OnceLock<slug::SlugIndex>>,
}

/// Anchors a reader may see that are not the document's headings: written by hand
/// (`<a id="x">`, `name="x"`, `{#x}`), and heading-like lines the Markdown structure makes
/// something else (inside a fence that an inner fence closed early).
struct OtherAnchors {
    ids: std::collections::HashSet<String>,
    heading_like: std::collections::HashSet<String>,
}

impl OtherAnchors {
    /// One pass over the text, for every link into the document. The document's own headings
    /// count by their anchors (`slugs`), so only heading-like lines that are not headings are
    /// turned into anchors here.
    fn read(plan: &Plan, slugs: &[String]) -> Self {
        let text: &str = &plan.text;
        let heading_starts: Vec<usize> = plan.sections.iter().map(|s| s.heading.start).collect();
        let is_heading = |line: Range<usize>| {
            let at = heading_starts.partition_point(|&start| start < line.start);
            heading_starts
                .get(at)
                .is_some_and(|&start| start < line.end)
        };
        static IDS: OnceLock<Regex> = OnceLock::new();
        static HEADINGS: OnceLock<Regex> = OnceLock::new();
        let ids = IDS.get_or_init(|| {
            Regex::new(r#"\b(?:id|name)\s*=\s*["']([^"'\s]+)["']|\{#([^}\s]+)\}"#)
                .expect("valid regex")
        });
        let headings =
            HEADINGS.get_or_init(|| Regex::new(r"^ {0,3}#{1,6}[ \t]+(.+)$").expect("valid regex"));
        // Line by line: only lines that start like a heading and are not one are matched (the
        // document's own headings count through `slugs`).
        let mut heading_like: std::collections::HashSet<String> = slugs.iter().cloned().collect();
        let mut start = 0;
        for line in text.split('\n') {
            let range = start..start + line.len();
            start = range.end + 1;
            let indent = line.len() - line.trim_start_matches(' ').len();
            if indent > 3 || !line[indent..].starts_with('#') || is_heading(range) {
                continue;
            }
            if let Some(c) = headings.captures(line) {
                heading_like.insert(slug::slugify(&slug::heading_text(&c[1])));
            }
        }
        OtherAnchors {
            ids: id_windows(text)
                .flat_map(|window| ids.captures_iter(window))
                .filter_map(|c| c.get(1).or(c.get(2)))
                .map(|m| m.as_str().to_owned())
                .collect(),
            heading_like,
        }
    }
}

/// The parts of `text` an anchor written by hand can be in: each line holding `=` or `{#`, with
/// the lines before and after it (an attribute may be split around its `=`). Prose rarely has
/// either, so a keystroke does not run the pattern over the whole document.
fn id_windows(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let line_start = move |at: usize| memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let line_end =
        move |at: usize| memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    memchr::memchr2_iter(b'=', b'{', bytes).filter_map(move |at| {
        if bytes[at] == b'{' && bytes.get(at + 1) != Some(&b'#') {
            return None;
        }
        let start = line_start(line_start(at).saturating_sub(1));
        let end = line_end((line_end(at) + 1).min(bytes.len()));
        Some(&text[start..end])
    })
}

impl LinkedDoc {
    fn new(uri: Url, path: Option<PathBuf>, version: Option<i32>, plan: Arc<Plan>) -> Self {
        let slugs = Arc::new(slug::section_slugs(&plan));
        LinkedDoc {
            uri,
            path,
            version,
            plan,
            slugs,
            other_anchors: Arc::default(),
            slugs_digest: Arc::default(),
            slug_index: Arc::default(),
        }
    }

    /// The document of the snapshot itself.
    pub fn this(snapshot: &Snapshot) -> Self {
        LinkedDoc::new(
            snapshot.uri.clone(),
            snapshot.path.clone(),
            Some(snapshot.version),
            snapshot.plan.clone(),
        )
    }

    /// Whether this is the document at `path`.
    pub fn is_at(&self, path: &Path) -> bool {
        self.path.as_deref() == Some(path)
    }

    /// The section a fragment names, if any.
    pub fn section_for(&self, fragment: &str) -> Option<usize> {
        self.slug_index
            .get_or_init(|| slug::SlugIndex::new(&self.slugs))
            .section_for(fragment)
    }

    /// The LSP range of a byte range of this document.
    pub fn range(
        &self,
        bytes: Range<usize>,
        enc: crate::document::PositionEncoding,
    ) -> tower_lsp::lsp_types::Range {
        self.plan.lines.range(&self.plan.text, bytes, enc)
    }

    /// The document's name for messages: its path in the workspace.
    fn label(&self, snapshot: &Snapshot) -> String {
        match &self.path {
            Some(path) => {
                crate::analysis::diagnostics::relative_to_roots(path, &snapshot.effective_roots())
            }
            None => self.uri.to_string(),
        }
    }

    /// A digest of the anchors, to recognise the same list in a later version.
    fn slugs_digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        *self.slugs_digest.get_or_init(|| {
            let mut hasher = rustc_hash::FxHasher::default();
            self.slugs.hash(&mut hasher);
            hasher.finish()
        })
    }

    /// Whether `fragment` may still name something a reader sees as an anchor (see
    /// [`OtherAnchors`]).
    fn has_other_anchor(&self, fragment: &str) -> bool {
        let other = self
            .other_anchors
            .get_or_init(|| OtherAnchors::read(&self.plan, &self.slugs));
        if other.ids.contains(fragment) {
            return true;
        }
        let wanted = fragment.to_lowercase();
        let numbered = wanted
            .rsplit_once('-')
            .filter(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .map(|(base, _)| base);
        other.heading_like.contains(&wanted)
            || numbered.is_some_and(|n| other.heading_like.contains(n))
    }
}

/// What a heading link points at.
pub enum Target {
    /// A heading: the document and the section's index.
    Heading(LinkedDoc, usize),
    /// A Markdown document of the workspace without that heading.
    Missing(LinkedDoc),
    /// Not ours to judge: no such file, several candidates, not Markdown, or not readable.
    Unknown,
}

/// The Markdown document a link's file part names, read as the editor has it.
pub fn linked_doc(snapshot: &Snapshot, path: Option<&str>) -> Option<LinkedDoc> {
    let Some(written) = path else {
        return Some(LinkedDoc::this(snapshot));
    };
    let roots = snapshot.effective_roots();
    let Resolution::Found {
        path,
        kind: FileKind::File,
        ..
    } = resolve::resolve(
        written,
        snapshot.path.as_deref(),
        &roots,
        &snapshot.files,
        &snapshot.code,
    )
    else {
        return None;
    };
    if snapshot.path.as_deref() == Some(path.as_path()) {
        return Some(LinkedDoc::this(snapshot));
    }
    if !is_markdown_path(&path) {
        return None;
    }
    document_at(snapshot, &path)
}

/// Another document of the workspace by its path: open, or read through the door.
pub fn document_at(snapshot: &Snapshot, path: &Path) -> Option<LinkedDoc> {
    let roots = snapshot.effective_roots();
    let door = snapshot.files.door(&roots);
    let doc = snapshot.files.markdown.get(&door, path, &snapshot.syntax)?;
    Some(from_markdown_doc(&doc))
}

/// A workspace document as a link target.
pub fn from_markdown_doc(doc: &crate::workspace::markdown::MarkdownDoc) -> LinkedDoc {
    let (uri, version) = match &doc.open {
        Some((uri, version)) => (Url::parse(uri).ok(), Some(*version)),
        None => (Url::from_file_path(&doc.path).ok(), None),
    };
    let uri = uri.unwrap_or_else(|| Url::parse("file:///").expect("valid URL"));
    LinkedDoc::new(uri, Some(doc.path.clone()), version, doc.plan.clone())
}

/// Where `link` points.
pub fn target(snapshot: &Snapshot, link: &HeadingLink) -> Target {
    Targets::new(snapshot).of(link)
}

/// Resolves many links of one snapshot, each linked document (and its anchors) once.
struct Targets<'a> {
    snapshot: &'a Snapshot,
    docs: HashMap<Option<Arc<str>>, Option<LinkedDoc>>,
}

impl<'a> Targets<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        Targets {
            snapshot,
            docs: HashMap::new(),
        }
    }

    fn of(&mut self, link: &HeadingLink) -> Target {
        let snapshot = self.snapshot;
        let doc = self
            .docs
            .entry(link.path.clone())
            .or_insert_with(|| linked_doc(snapshot, link.path.as_deref()));
        let Some(doc) = doc.clone() else {
            return Target::Unknown;
        };
        match doc.section_for(&link.fragment) {
            Some(section) => Target::Heading(doc, section),
            None => Target::Missing(doc),
        }
    }
}

/// The heading under a link at `offset`, as a location.
pub fn definition(snapshot: &Snapshot, offset: usize) -> Option<Location> {
    let link = snapshot.plan.heading_link_at(offset)?;
    let Target::Heading(doc, section) = target(snapshot, link) else {
        return None;
    };
    Some(Location {
        uri: doc.uri.clone(),
        range: doc.range(
            doc.plan.sections[section].heading.clone(),
            snapshot.encoding,
        ),
    })
}

/// Hover on a heading link: the section's first lines, or why the link leads nowhere.
pub fn hover(snapshot: &Snapshot, offset: usize) -> Option<(String, Range<usize>)> {
    let link = snapshot.plan.heading_link_at(offset)?;
    let markdown = match target(snapshot, link) {
        Target::Heading(doc, section) => section_preview(snapshot, &doc, section),
        Target::Missing(doc) => format!(
            "**#{}**\n\nNo heading of {} has this anchor.",
            link.fragment,
            place(snapshot, &doc)
        ),
        Target::Unknown => return None,
    };
    Some((markdown, link.range.clone()))
}

fn place(snapshot: &Snapshot, doc: &LinkedDoc) -> String {
    if doc.uri == snapshot.uri {
        "this document".to_string()
    } else {
        format!("`{}`", doc.label(snapshot))
    }
}

/// The heading and the first lines of its section, bounded.
fn section_preview(snapshot: &Snapshot, doc: &LinkedDoc, section: usize) -> String {
    let s = &doc.plan.sections[section];
    let body = &doc.plan.text[s.heading.end..doc.plan.section_content(section).end];
    let mut lines: Vec<&str> = Vec::new();
    let mut bytes = 0;
    let mut cut = false;
    for line in body.lines().skip_while(|l| l.trim().is_empty()) {
        if lines.len() == HOVER_LINES || bytes + line.len() > HOVER_BYTES {
            cut = true;
            break;
        }
        let line = &line[..crate::workspace::disk::floor_char_boundary(line, HOVER_LINE_BYTES)];
        bytes += line.len() + 1;
        lines.push(line);
    }
    let mut excerpt = lines.join("\n");
    // A fence opened in the excerpt and closed after it would swallow the rest of the hover.
    let fences = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("```") || l.trim_start().starts_with("~~~"))
        .count();
    if fences % 2 == 1 {
        excerpt.push_str("\n```");
    }
    if cut {
        excerpt.push_str("\n\n*…*");
    }
    let title = slug::heading_text(&s.title);
    let path = doc.plan.section_path(section);
    let mut out = format!("**{title}** · {}", place(snapshot, doc));
    if path.len() > 1 {
        out.push_str(&format!(" › {}", path[..path.len() - 1].join(" › ")));
    }
    if !excerpt.is_empty() {
        out.push_str("\n\n---\n\n");
        out.push_str(&excerpt);
    }
    out
}

/// A document link for every heading link that reaches its heading, to the heading's line
/// (VS Code's `#L` anchor).
pub fn document_links(snapshot: &Snapshot) -> Vec<DocumentLink> {
    let mut targets = Targets::new(snapshot);
    snapshot
        .plan
        .heading_links
        .iter()
        .filter_map(|link| {
            let Target::Heading(doc, section) = targets.of(link) else {
                return None;
            };
            let s = &doc.plan.sections[section];
            let line = doc.range(s.heading.clone(), snapshot.encoding).start.line;
            let mut uri = doc.uri.clone();
            uri.set_fragment(Some(&format!("L{}", line + 1)));
            Some(DocumentLink {
                range: snapshot.range(link.range.clone()),
                target: Some(uri),
                tooltip: Some(format!("Go to \"{}\"", slug::heading_text(&s.title))),
                data: None,
            })
        })
        .collect()
}

/// A written fragment that names no heading of the Markdown file it points into.
struct BrokenFragment<'a> {
    link: &'a HeadingLink,
    /// The fragment as written, without `#`.
    written: Range<usize>,
    doc: LinkedDoc,
    /// Up to three anchors of `doc` that look like the fragment, closest first.
    near: Vec<String>,
}

impl<'a> Targets<'a> {
    /// Whether `link` is a broken fragment: a written one (a `[text][label]` use is judged once,
    /// at its definition) into a Markdown file that exists, naming no heading and no other anchor.
    fn broken(&mut self, link: &'a HeadingLink) -> Option<BrokenFragment<'a>> {
        let written = link.fragment_range.clone()?;
        let Target::Missing(doc) = self.of(link) else {
            return None;
        };
        if doc.has_other_anchor(&link.fragment) {
            return None;
        }
        let near = nearest_slugs(&doc, &link.fragment);
        Some(BrokenFragment {
            link,
            written,
            doc,
            near,
        })
    }
}

/// `broken-link` on every written fragment that names no heading of a Markdown file that
/// exists (this document included).
pub fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    let mut targets = Targets::new(snapshot);
    snapshot
        .plan
        .heading_links
        .iter()
        .filter_map(|link| targets.broken(link))
        .map(|broken| {
            Finding::new(
                "broken-link",
                broken.written.start.saturating_sub(1)..broken.written.end,
                format!(
                    "No heading of {} has the anchor #{}",
                    place(snapshot, &broken.doc),
                    broken.link.fragment
                ),
                json!({
                    "fragment": broken.link.fragment,
                    "path": broken.link.path,
                    "headings": broken.near,
                }),
            )
        })
        .collect()
}

/// Quick fixes for the broken fragments in `start..end` (recomputed, not trusted from the
/// client): one per near anchor, closest first, preferred when it is the only one.
pub fn fragment_fixes(
    snapshot: &Snapshot,
    start: usize,
    end: usize,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let mut targets = Targets::new(snapshot);
    let mut out = Vec::new();
    for link in snapshot
        .plan
        .heading_links
        .iter()
        .filter(|l| l.range.start <= end && start <= l.range.end)
    {
        let Some(broken) = targets.broken(link) else {
            continue;
        };
        let range = snapshot.range(broken.written.start.saturating_sub(1)..broken.written.end);
        let matching = super::diagnostics_on(diagnostics, range, "broken-link");
        let only = broken.near.len() == 1;
        for anchor in &broken.near {
            let change = TextChange {
                range: broken.written.clone(),
                new_text: encode_fragment(anchor),
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Link to #{anchor}"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(matching.clone()),
                edit: Some(super::workspace_edit(snapshot, &change)),
                is_preferred: only.then_some(true),
                ..CodeAction::default()
            }));
        }
    }
    out
}

/// Most answers of [`nearest_slugs`] kept between keystrokes.
const MAX_NEAREST: usize = 1024;

/// Up to three anchors that look like `fragment`, closest first: what the author may have meant.
/// Every broken link asks on every keystroke, while a document's anchors rarely change: the
/// answer is kept per anchor list (by digest) and fragment.
fn nearest_slugs(doc: &LinkedDoc, fragment: &str) -> Vec<String> {
    type Answers = std::sync::Mutex<HashMap<(u64, String), Vec<String>>>;
    static ANSWERS: OnceLock<Answers> = OnceLock::new();
    let answers = ANSWERS.get_or_init(Answers::default);
    let key = (doc.slugs_digest(), fragment.to_owned());
    if let Some(near) = answers.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return near.clone();
    }
    let near = nearest_slugs_uncached(doc, fragment);
    let mut answers = answers.lock().unwrap_or_else(|e| e.into_inner());
    if answers.len() >= MAX_NEAREST {
        answers.clear();
    }
    answers.insert(key, near.clone());
    near
}

/// [`nearest_slugs`] computed: slugs that cannot beat the third best (by their length alone, or
/// as soon as a row of the distance table does) are dropped early.
fn nearest_slugs_uncached(doc: &LinkedDoc, fragment: &str) -> Vec<String> {
    let wanted: Vec<char> = fragment.to_lowercase().chars().collect();
    let mut best: Vec<(usize, &String)> = Vec::with_capacity(4);
    let mut slug_chars = Vec::new();
    for s in doc.slugs.iter() {
        slug_chars.clear();
        slug_chars.extend(s.chars());
        let mut limit = slug_chars.len().max(wanted.len()) / 2;
        if best.len() == 3 {
            limit = limit.min(best[2].0);
        }
        let Some(d) = edit_distance_within(&wanted, &slug_chars, limit) else {
            continue;
        };
        let entry = (d, s);
        let at = best.partition_point(|e| *e <= entry);
        if at < 3 {
            best.insert(at, entry);
            best.truncate(3);
        }
    }
    best.into_iter().map(|(_, s)| s.clone()).collect()
}

/// The edit distance of `a` and `b` when it is at most `limit`.
fn edit_distance_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        let mut smallest = row[0];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
            smallest = smallest.min(row[j + 1]);
        }
        if smallest > limit {
            return None;
        }
    }
    (row[b.len()] <= limit).then_some(row[b.len()])
}

/// Completion of the fragment in `](#par` or `](other.md#par`: `partial` is what follows `(`
/// and holds a `#`.
pub fn completion(snapshot: &Snapshot, offset: usize, partial: &str) -> Vec<CompletionItem> {
    let Some((path, typed)) = partial.split_once('#') else {
        return Vec::new();
    };
    let path = (!path.is_empty()).then(|| {
        percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned()
    });
    let Some(doc) = linked_doc(snapshot, path.as_deref()) else {
        return Vec::new();
    };
    let typed_lower = typed.to_lowercase();
    let replace = offset - typed.len()..offset;
    doc.plan
        .sections
        .iter()
        .zip(doc.slugs.iter())
        .filter(|(_, slug)| slug.starts_with(&typed_lower) || typed.is_empty())
        .filter(|(s, _)| !s.title.is_empty())
        .take(MAX_ITEMS)
        .map(|(s, slug)| {
            let text = encode_fragment(slug);
            CompletionItem {
                label: format!("#{slug}"),
                kind: Some(CompletionItemKind::REFERENCE),
                detail: Some(format!(
                    "{} {}",
                    "#".repeat(s.level as usize),
                    slug::heading_text(&s.title)
                )),
                filter_text: Some(text.clone()),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range: snapshot.range(replace.clone()),
                    new_text: text,
                })),
                ..CompletionItem::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_anchors_are_offered_closest_first() {
        let plan = Plan::parse(
            "# Plan\n\n## Status quo\n\n## Status\n\n## Rollout\n",
            &crate::plan::PlaceholderSyntax::default(),
        );
        let doc = LinkedDoc::new(
            Url::parse("file:///p.md").unwrap(),
            None,
            None,
            Arc::new(plan),
        );
        assert_eq!(nearest_slugs(&doc, "status-qou"), ["status-quo", "status"]);
        assert!(nearest_slugs(&doc, "zzz").is_empty());
        assert!(doc.section_for("Status-Quo").is_some());
    }

    /// The plain definition the pruned search must agree with.
    fn nearest_naive(slugs: &[String], fragment: &str) -> Vec<String> {
        let distance = |a: &str, b: &str| {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            edit_distance_within(&a, &b, usize::MAX).unwrap()
        };
        let wanted = fragment.to_lowercase();
        let mut scored: Vec<(usize, &String)> = slugs
            .iter()
            .map(|s| (distance(&wanted, s), s))
            .filter(|(d, s)| *d <= s.chars().count().max(wanted.chars().count()) / 2)
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, s)| s.clone()).collect()
    }

    #[test]
    fn the_pruned_search_finds_what_the_plain_one_does() {
        let titles = [
            "Status quo",
            "Status",
            "Rollout",
            "Roll back",
            "Risks",
            "Risk list",
            "Ré-sumé",
            "Open questions",
            "Order of work",
            "Phase 1",
            "Phase 2",
            "Phase 12",
            "Stat",
            "Sta",
        ];
        let text: String = titles.iter().map(|t| format!("## {t}\n\n")).collect();
        let doc = LinkedDoc::new(
            Url::parse("file:///p.md").unwrap(),
            None,
            None,
            Arc::new(Plan::parse(
                &text,
                &crate::plan::PlaceholderSyntax::default(),
            )),
        );
        for fragment in [
            "status-qou",
            "stats",
            "rolout",
            "phase-3",
            "risk",
            "re-sume",
            "open-question",
            "x",
            "",
            "order-of-wrok",
            "PHASE-1",
            "sta",
            "zzzzzzzz",
        ] {
            assert_eq!(
                nearest_slugs_uncached(&doc, fragment),
                nearest_naive(&doc.slugs, fragment),
                "{fragment}"
            );
        }
    }

    #[test]
    fn anchors_written_by_hand_are_found_around_their_equals_sign() {
        let text = "# Plan\n\nProse with no anchors.\n<a\nid\n=\n\"split\"></a>\n\n\
                    ## Risks {#risk-list}\n\n<span name='last'>x</span>";
        let other = OtherAnchors::read(
            &Plan::parse(text, &crate::plan::PlaceholderSyntax::default()),
            &[],
        );
        let mut ids: Vec<&str> = other.ids.iter().map(String::as_str).collect();
        ids.sort();
        assert_eq!(ids, ["last", "risk-list", "split"]);
        assert_eq!(id_windows("a = b").collect::<Vec<_>>(), ["a = b"]);
        assert_eq!(id_windows("x {y} z\n").count(), 0);
    }

    #[test]
    fn anchors_written_by_hand_or_hidden_in_code_count() {
        let plan = Plan::parse(
            "# Plan\n\n<a id=\"custom\"></a>\n\n## Risks {#risk-list}\n\n```\n## In a fence\n```\n",
            &crate::plan::PlaceholderSyntax::default(),
        );
        let doc = LinkedDoc::new(
            Url::parse("file:///p.md").unwrap(),
            None,
            None,
            Arc::new(plan),
        );
        assert!(doc.has_other_anchor("custom"));
        assert!(doc.has_other_anchor("risk-list"));
        assert!(doc.has_other_anchor("in-a-fence"));
        assert!(doc.has_other_anchor("in-a-fence-1"));
        assert!(!doc.has_other_anchor("in-a"));
        assert!(!doc.has_other_anchor("other"));
    }
}
