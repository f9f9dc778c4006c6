//! BM25 ranking of workspace files for free text (an issue, a plan's headings): terms come
//! from path segments (weighted), identifiers split by case and underscores, and comments, all
//! through the one tokenizer in `content`. No model, no network.

use rustc_hash::FxHashMap;

use super::content::{is_stopword, terms_of, ScannedContent, TermId};
use super::index::{FileId, FileInfo, WorkspaceIndex};
use super::wordforms::{joined_hyphenated, split_compound, stem};

/// BM25 parameters.
#[derive(Clone, Copy, Debug)]
pub struct Bm25 {
    /// Term-frequency saturation.
    pub k1: f32,
    /// Length normalisation.
    pub b: f32,
}

impl Default for Bm25 {
    fn default() -> Self {
        Self { k1: 1.2, b: 0.75 }
    }
}

/// A file and how well it matches.
#[derive(Clone, Debug, PartialEq)]
pub struct RankedFile {
    /// The file.
    pub file: FileId,
    /// BM25 score (higher is better).
    pub score: f32,
    /// Query terms found in it, most informative first.
    pub matched: Vec<String>,
}

/// Weight of a word form or compound part relative to the word the query wrote: it is
/// evidence, but weaker than the exact word.
const VARIANT_WEIGHT: f32 = 0.5;

/// How many times a title word counts: the title says what the text is about.
const TITLE_WEIGHT: usize = 2;

/// One word of a query with its forms in the workspace (`quote`, `quoted`, `quotes`), scored as
/// one BM25 term: the forms add to its frequency, so a word is not counted once per spelling.
#[derive(Clone, Debug)]
struct QueryWord {
    /// The form shown to the user: the query's own spelling when the workspace has it.
    label: TermId,
    weight: f32,
    idf: f32,
    /// Terms with their share of a frequency (1 for the query's spelling).
    forms: Vec<(TermId, f32)>,
}

/// A tokenized query: the words the index knows, with their weights; word forms (`quoted` for
/// `quote`) and compounds (`extractall` for `extract`) of a word count toward it, for less.
#[derive(Clone, Debug)]
pub struct RankQuery {
    words: Vec<QueryWord>,
    /// Files defining a code name the text spells out (`matches_all`, `ZipFile`), with the
    /// bonus that earns them and the names.
    definers: FxHashMap<FileId, (f32, Vec<String>)>,
    /// Files past commits with matching messages changed, with their vote (0..=1).
    history: FxHashMap<FileId, f32>,
    /// Files that change together with the best hits.
    co_changes: FxHashMap<FileId, CoChange>,
}

/// A file that changes together with one of the best hits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoChange {
    /// The share of the hit's commits that also changed the file (0..=1).
    pub association: f32,
    /// The lowest score of the best hits: the co-change lifts the file up to just under it,
    /// never past them, since it is evidence only if a hit is right.
    pub ceiling: f32,
}

impl RankQuery {
    /// Tokenizes `text`; repeated words weigh more, sub-linearly, and the words of its first
    /// line (an issue's or a plan's title, a commit's subject) count [`TITLE_WEIGHT`] times.
    pub fn new(index: &WorkspaceIndex, text: &str) -> Self {
        let content = index.content();
        let text = text.trim_start();
        let title_end = text.find('\n').unwrap_or(text.len());
        // A hyphenated name the workspace spells as one word is a word of its own, counted
        // like the words it joins.
        let joined = |text: &str| -> Vec<String> {
            let mut words = joined_hyphenated(text);
            words.retain(|w| content.term(w).is_some());
            words
        };
        let title: Vec<String> = terms_of(&text[..title_end])
            .into_iter()
            .chain(joined(&text[..title_end]))
            .collect();
        let words = title
            .iter()
            .flat_map(|w| std::iter::repeat_n(w.clone(), TITLE_WEIGHT - 1))
            .chain(counted_words(text))
            .chain(joined(text));
        // Words with one stem are one query word: "ensure", "ensured", "ensures".
        let mut by_stem: FxHashMap<String, (u32, Vec<(TermId, f32)>)> = FxHashMap::default();
        for word in words {
            let entry = by_stem.entry(stem(&word).into_owned()).or_default();
            entry.0 += 1;
            match content.term(&word) {
                Some(id) => push_form(&mut entry.1, id, 1.0),
                None => {
                    // A compound the workspace spells apart: `extractall` → `extract`, `all`.
                    let known = |w: &str| content.term(w).is_some();
                    let tail_ok = |w: &str| known(w) || is_stopword(w.as_bytes());
                    if let Some((head, tail)) = split_compound(&word, known, tail_ok) {
                        for id in [head, tail].into_iter().filter_map(|p| content.term(p)) {
                            push_form(&mut entry.1, id, VARIANT_WEIGHT);
                        }
                    }
                }
            }
        }
        for (id, term) in content.vocabulary() {
            let own = stem(term);
            if let Some((_, forms)) = by_stem.get_mut(own.as_ref()) {
                push_form(forms, id, VARIANT_WEIGHT);
                continue;
            }
            // A compound the workspace spells together: `extract` → `extractall`. The tail
            // may be a word too common to index (`all`).
            let head_ok = |w: &str| by_stem.contains_key(stem(w).as_ref());
            let tail_ok = |w: &str| content.term(w).is_some() || is_stopword(w.as_bytes());
            if let Some((head, _)) = split_compound(term, head_ok, tail_ok) {
                let key = stem(head).into_owned();
                if let Some((_, forms)) = by_stem.get_mut(&key) {
                    push_form(forms, id, VARIANT_WEIGHT);
                }
            }
        }
        let n = content.file_count() as f32;
        let mut words: Vec<QueryWord> = by_stem
            .into_values()
            .filter(|(_, forms)| !forms.is_empty())
            .map(|(count, forms)| {
                // Like a synonym query: the document frequency of the most common form.
                let df = forms
                    .iter()
                    .map(|&(id, _)| content.postings(id).len())
                    .max()
                    .unwrap_or(0) as f32;
                let label = forms
                    .iter()
                    .max_by(|a, b| {
                        a.1.total_cmp(&b.1).then_with(|| {
                            content
                                .postings(a.0)
                                .len()
                                .cmp(&content.postings(b.0).len())
                        })
                    })
                    .map_or(forms[0].0, |f| f.0);
                QueryWord {
                    label,
                    weight: 1.0 + (count as f32).ln(),
                    idf: (1.0 + (n - df + 0.5) / (df + 0.5)).ln(),
                    forms,
                }
            })
            .collect();
        words.sort_by(|a, b| {
            (b.weight * b.idf)
                .total_cmp(&(a.weight * a.idf))
                .then(a.label.cmp(&b.label))
        });
        Self {
            words,
            definers: definers(index, text),
            history: FxHashMap::default(),
            co_changes: FxHashMap::default(),
        }
    }

    /// Adds the history signal: files changed by past commits whose messages match, with a
    /// vote from 0 to 1.
    pub fn set_history(&mut self, votes: FxHashMap<FileId, f32>) {
        self.history = votes;
    }

    /// The history vote for `file` (0 when no matching commit changed it).
    pub fn history_vote(&self, file: FileId) -> f32 {
        self.history.get(&file).copied().unwrap_or(0.0)
    }

    /// Adds the co-change signal: files that change together with the best hits, with their
    /// association from 0 to 1.
    pub fn set_co_changes(&mut self, co_changes: FxHashMap<FileId, CoChange>) {
        self.co_changes = co_changes;
    }

    /// The weight of the query's most informative word: the unit of the bonuses.
    fn strongest(&self) -> f32 {
        self.words
            .iter()
            .map(|w| w.weight * w.idf)
            .fold(0.0, f32::max)
    }

    /// What a history vote of 1 is worth: [`HISTORY_BONUS`] times the query's strongest word.
    fn history_bonus(&self, file: FileId) -> f32 {
        HISTORY_BONUS * self.strongest() * self.history_vote(file)
    }

    /// `score` with the co-change bonus of `file`: an association of 1 is worth
    /// [`CO_CHANGE_BONUS`] times the query's strongest word, up to just under the best hits.
    fn with_co_change(&self, file: FileId, score: f32) -> f32 {
        match self.co_changes.get(&file) {
            Some(co) if score < co.ceiling => {
                let lifted = score + CO_CHANGE_BONUS * self.strongest() * co.association;
                lifted.min(co.ceiling.next_down())
            }
            _ => score,
        }
    }

    /// The code names the text spells out that `file` defines.
    pub fn defined_in(&self, file: FileId) -> &[String] {
        self.definers.get(&file).map_or(&[], |(_, names)| names)
    }

    /// The query's words known to the index, most informative first.
    pub fn terms<'a>(&'a self, index: &'a WorkspaceIndex) -> impl Iterator<Item = &'a str> + 'a {
        self.words
            .iter()
            .map(move |w| index.content().term_text(w.label))
    }

    /// Whether no query term occurs anywhere in the workspace.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// What the file most changed by matching past commits gets, in units of the query's strongest
/// word: history says where such changes went before.
const HISTORY_BONUS: f32 = 2.0;
/// What a file always changed with a best hit gets, in the same units: the fix likely spans
/// both, but the words of the text still decide.
const CO_CHANGE_BONUS: f32 = 1.0;

/// What defining a code name the text spells out adds, in units of that name's rarity among
/// definitions: the issue names the function, the file defining it is where to look.
const DEFINITION_BONUS: f32 = 2.0;
/// A name defined in more files than this is a common method name, not a pointer.
const MAX_DEFINERS: usize = 5;

/// The files defining the code names in `text`: identifiers with an underscore inside or a
/// lower-to-upper case change, which prose words do not have.
fn definers(index: &WorkspaceIndex, text: &str) -> FxHashMap<FileId, (f32, Vec<String>)> {
    let content = index.content();
    let n = content.file_count() as f32;
    let mut out: FxHashMap<FileId, (f32, Vec<String>)> = FxHashMap::default();
    let scanned = ScannedContent::from_text(text.as_bytes());
    for name in scanned.identifiers().filter(|n| looks_like_code(n)) {
        let files = content.files_defining(name);
        if files.is_empty() || files.len() > MAX_DEFINERS {
            continue;
        }
        let bonus = DEFINITION_BONUS * (1.0 + n / files.len() as f32).ln();
        for &file in files {
            let entry = out.entry(file).or_default();
            entry.0 += bonus;
            entry.1.push(name.to_owned());
        }
    }
    out
}

fn looks_like_code(name: &str) -> bool {
    let bytes = name.trim_matches('_').as_bytes();
    bytes.len() >= 4
        && (bytes.contains(&b'_')
            || bytes
                .windows(2)
                .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase()))
}

/// The words of `text` as they count toward a query word's weight: every word of the prose,
/// and each word of a fenced block (a pasted log, a session, a listing) once, since a log that
/// repeats `real`, `user`, `sys` forty times is not stressing them.
fn counted_words(text: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut pasted = String::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if m == open => fence = None,
            (Some(_), _) => {
                pasted.push_str(line);
                pasted.push('\n');
            }
            (None, None) => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    let mut words = terms_of(&prose);
    let mut once = terms_of(&pasted);
    once.sort_unstable();
    once.dedup();
    words.extend(once);
    words
}

/// Adds a form to a word, keeping the larger share when it is already there.
fn push_form(forms: &mut Vec<(TermId, f32)>, id: TermId, share: f32) {
    match forms.iter_mut().find(|(f, _)| *f == id) {
        Some(form) => form.1 = form.1.max(share),
        None => forms.push((id, share)),
    }
}

/// What a query word found in a file's path adds, in units of the word's largest BM25 share:
/// a file under `printer/` is about the printer however long it is, which the length
/// normalisation of its in-text count would hide.
const PATH_BONUS: f32 = 2.0;

fn path_bonus(index: &WorkspaceIndex, query: &RankQuery, path: &str) -> f32 {
    let content = index.content();
    let in_path: Vec<TermId> = terms_of(path)
        .iter()
        .filter_map(|t| content.term(t))
        .collect();
    query
        .words
        .iter()
        .filter_map(|word| {
            let share = word
                .forms
                .iter()
                .filter(|(id, _)| in_path.contains(id))
                .map(|&(_, share)| share)
                .reduce(f32::max)?;
            Some(word.weight * word.idf * share * PATH_BONUS)
        })
        .sum()
}

/// Ranks the files `keep` accepts for `query`, best first, at most `limit`.
pub fn rank(
    index: &WorkspaceIndex,
    query: &RankQuery,
    params: Bm25,
    keep: impl Fn(&FileInfo) -> bool,
    limit: usize,
) -> Vec<RankedFile> {
    let content = index.content();
    let avg = content.average_text_length().max(1.0);
    let mut scores: FxHashMap<FileId, (f32, Vec<TermId>)> = FxHashMap::default();
    let mut tfs: FxHashMap<FileId, f32> = FxHashMap::default();
    for word in &query.words {
        tfs.clear();
        for &(form, share) in &word.forms {
            for &(file, tf) in content.postings(form) {
                *tfs.entry(file).or_default() += share * f32::from(tf);
            }
        }
        for (&file, &tf) in &tfs {
            let len = content.length(file) as f32;
            let norm = params.k1 * (1.0 - params.b + params.b * len / avg);
            let score = word.weight * word.idf * tf * (params.k1 + 1.0) / (tf + norm);
            let entry = scores.entry(file).or_default();
            entry.0 += score;
            entry.1.push(word.label);
        }
    }
    // Files only history points at are candidates too.
    for &file in query.history.keys().chain(query.co_changes.keys()) {
        scores.entry(file).or_default();
    }
    let mut ranked: Vec<(FileId, f32, Vec<TermId>, String)> = scores
        .into_iter()
        .filter_map(|(file, (score, terms))| {
            let info = index.file(file)?;
            if !keep(&info) {
                return None;
            }
            let path = info.rel_path();
            let defines = query.definers.get(&file).map_or(0.0, |d| d.0);
            let score =
                score + path_bonus(index, query, &path) + defines + query.history_bonus(file);
            let score = query.with_co_change(file, score);
            Some((file, score, terms, path))
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.3.cmp(&b.3)));
    ranked.truncate(limit);
    ranked
        .into_iter()
        .map(|(file, score, terms, _)| RankedFile {
            file,
            score,
            matched: terms
                .into_iter()
                .map(|t| content.term_text(t).to_owned())
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::index::IndexOptions;

    fn write(root: &std::path::Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn files_named_after_the_topic_rank_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/billing/invoice.rs",
            "// Invoice totals and tax\npub fn invoice_total() {}\n",
        );
        write(
            root,
            "src/report.rs",
            "// mentions an invoice once\nfn render_report() {}\n",
        );
        write(root, "src/auth/login.rs", "fn check_password() {}\n");
        write(root, "src/util.rs", "fn helper() { let tax = 1; }\n");
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let query = RankQuery::new(&index, "Fix rounding of the invoice total and the tax");
        let ranked = rank(&index, &query, Bm25::default(), |_| true, 10);
        let paths: Vec<String> = ranked
            .iter()
            .map(|r| index.file(r.file).unwrap().rel_path())
            .collect();
        assert_eq!(paths[0], "src/billing/invoice.rs");
        assert!(paths.contains(&"src/report.rs".to_owned()));
        assert!(!paths.contains(&"src/auth/login.rs".to_owned()));
        assert!(ranked[0].matched.contains(&"invoice".to_owned()));
        assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));

        let only_util = rank(&index, &query, Bm25::default(), |f| f.name == "util.rs", 10);
        assert_eq!(only_util.len(), 1);
        let terms: Vec<&str> = query.terms(&index).collect();
        assert!(terms.contains(&"invoice") && !terms.contains(&"rounding"));
        assert!(RankQuery::new(&index, "zebra").is_empty());
    }

    fn ranked_paths(index: &WorkspaceIndex, text: &str) -> Vec<String> {
        let query = RankQuery::new(index, text);
        rank(index, &query, Bm25::default(), |f| f.kind.is_source(), 10)
            .iter()
            .map(|r| index.file(r.file).unwrap().rel_path())
            .collect()
    }

    #[test]
    fn word_forms_and_compounds_match_without_pulling_in_lookalikes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/quote_completion.rs",
            "pub fn complete_quote() {}\n",
        );
        write(root, "src/quota.rs", "pub fn quota_left() {}\n");
        write(root, "src/archive.py", "def extractall(dest):\n    pass\n");
        write(
            root,
            "src/walk.py",
            "def all_files(): pass\ndef read_tree(): pass\n",
        );
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());

        let forms = ranked_paths(&index, "Quoted strings break when completing");
        assert_eq!(forms, ["src/quote_completion.rs"], "not quota.rs");
        let compound = ranked_paths(&index, "extract writes outside the folder");
        assert_eq!(compound, ["src/archive.py"]);
        let query = RankQuery::new(&index, "extract writes outside the folder");
        let terms: Vec<&str> = query.terms(&index).collect();
        assert_eq!(terms, ["extractall"], "the head must be the query's word");
        // The other way round: the issue writes the compound, the code spells it apart.
        let apart = ranked_paths(&index, "readtree is slow");
        assert_eq!(apart, ["src/walk.py"]);
    }

    #[test]
    fn a_hyphenated_name_finds_the_folder_that_spells_it_as_one_word() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "cmd/gitcredential/helper.go",
            "package gitcredential\nfunc Run() {}\n",
        );
        write(
            root,
            "cmd/login/login.go",
            "package login\n// git credential helper setup: credential for git\nfunc Login() {}\n",
        );
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        assert_eq!(
            ranked_paths(&index, "`git-credential` fails")[0],
            "cmd/gitcredential/helper.go"
        );
        assert_eq!(
            ranked_paths(&index, "the git credential fails")[0],
            "cmd/login/login.go",
            "words written apart do not ask for the joined name"
        );
    }

    #[test]
    fn a_co_change_lifts_a_file_to_just_under_the_best_hits_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/invoice.rs",
            "fn invoice_total() { invoice(); }\n",
        );
        write(root, "src/tax.rs", "fn invoice_tax() {}\n");
        write(root, "src/ledger.rs", "struct Ledger;\n");
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let file = |p: &str| index.lookup(0, p).unwrap();
        let mut query = RankQuery::new(&index, "invoice total");
        let scores = |query: &RankQuery| -> Vec<(String, f32)> {
            rank(&index, query, Bm25::default(), |_| true, 10)
                .iter()
                .map(|r| (index.file(r.file).unwrap().rel_path(), r.score))
                .collect()
        };
        let before = scores(&query);
        assert_eq!(before.len(), 2, "ledger.rs matches nothing");
        // A ceiling under both matching files: they stay as they are.
        let ceiling = before[1].1 / 2.0;
        let co = |association| CoChange {
            association,
            ceiling,
        };
        let all = |association| -> FxHashMap<FileId, CoChange> {
            ["src/ledger.rs", "src/tax.rs", "src/invoice.rs"]
                .into_iter()
                .map(|p| (file(p), co(association)))
                .collect()
        };
        query.set_co_changes(all(1.0));
        let after = scores(&query);
        assert_eq!(
            after[..2],
            before[..],
            "files at or above the ceiling are not lifted"
        );
        let ledger = |list: &[(String, f32)]| {
            list.iter()
                .find(|(p, _)| p == "src/ledger.rs")
                .map_or(0.0, |(_, s)| *s)
        };
        let strong = ledger(&after);
        assert!(strong > 0.0 && strong < ceiling, "{strong} vs {ceiling}");
        query.set_co_changes(all(0.01));
        let weak = ledger(&scores(&query));
        assert!(
            weak > 0.0 && weak < strong,
            "the lift grows with the association"
        );
    }

    #[test]
    fn exact_words_outweigh_their_forms() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/parser.rs", "fn parser_state() {}\n");
        write(root, "src/parse.rs", "fn parse() {}\n");
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        assert_eq!(
            ranked_paths(&index, "the parser"),
            ["src/parser.rs", "src/parse.rs"]
        );
        assert_eq!(
            ranked_paths(&index, "parse it"),
            ["src/parse.rs", "src/parser.rs"]
        );
    }

    #[test]
    fn long_files_are_not_penalised_by_path_only_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let filler: String = (0..60)
            .map(|k| format!("fn filler{k}_value() {{}}\n"))
            .collect();
        let long = format!("{filler}fn widget() {{ widget(); widget(); widget(); widget(); widget(); widget(); widget(); }}\n");
        write(root, "src/long.rs", &long);
        write(root, "src/short.rs", "fn widget() {}\n");
        let before = {
            let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
            ranked_paths(&index, "widget")
        };
        assert_eq!(before, ["src/long.rs", "src/short.rs"]);
        for k in 0..400 {
            write(root, &format!("assets/icons/icon{k}.png"), "");
        }
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        assert_eq!(index.files().count(), 402);
        assert_eq!(
            ranked_paths(&index, "widget"),
            before,
            "assets indexed by path alone leave the order alone"
        );
    }

    #[test]
    fn words_repeated_in_a_pasted_log_count_once() {
        let text = "Search is slow on stdin\n\nIt reads the buffer.\n\n```\nreal 1.2\nuser 0.3\nreal 1.4\nuser 0.2\nreal 2.0\n```\nThe buffer again.\n";
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/timing.rs",
            "fn real_user_time() { let real = 1; let user = 2; }\n",
        );
        write(root, "src/io.rs", "fn fill_buffer() { let stdin = 1; }\n");
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        assert_eq!(ranked_paths(&index, text)[0], "src/io.rs");
        // The same words in prose are the author's emphasis and keep their weight.
        let prose = "Search is slow\n\nreal user real user real user real user real user\n";
        assert_eq!(ranked_paths(&index, prose)[0], "src/timing.rs");
        let mut words = counted_words(text);
        words.sort_unstable();
        assert_eq!(
            words,
            ["again", "buffer", "buffer", "reads", "real", "search", "slow", "stdin", "user"]
        );
    }

    #[test]
    fn files_defining_a_name_the_text_spells_out_rank_higher() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/glob_set.rs",
            "pub fn matches_all(globs: &[Glob]) -> bool { true }\n",
        );
        write(
            root,
            "src/docs.rs",
            "// globs: all globs matches globs, matches all globs, globs globs\nfn x() { matches_all(); }\n",
        );
        let index = WorkspaceIndex::build(vec![root.to_path_buf()], IndexOptions::default());
        let query = RankQuery::new(&index, "`matches_all` is wrong for globs");
        let glob_set = index.lookup(0, "src/glob_set.rs").unwrap();
        assert_eq!(query.defined_in(glob_set), ["matches_all"]);
        let docs = index.lookup(0, "src/docs.rs").unwrap();
        assert!(query.defined_in(docs).is_empty(), "it only calls it");
        let ranked = rank(&index, &query, Bm25::default(), |_| true, 10);
        assert_eq!(ranked[0].file, glob_set);
        // Prose words are not code names, even capitalised.
        let prose = RankQuery::new(&index, "Globs matches Wrong");
        assert!(prose.definers.is_empty());
        assert!(!looks_like_code("Matches") && looks_like_code("ZipFile"));
        assert!(!looks_like_code("__all__") && looks_like_code("_ensure_downloaded"));
    }
}
