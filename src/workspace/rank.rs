//! BM25 ranking of workspace files for free text (an issue, a plan's headings): terms come
//! from path segments (weighted), identifiers split by case and underscores, and comments, all
//! through the one tokenizer in `content`. No model, no network.

use rustc_hash::FxHashMap;

use super::content::{is_stopword, terms_of, TermId};
use super::index::{FileId, FileInfo, WorkspaceIndex};
use super::wordforms::{split_compound, stem};

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

/// One term of a query.
#[derive(Clone, Debug)]
struct QueryTerm {
    id: TermId,
    weight: f32,
    idf: f32,
}

/// A tokenized query: the terms the index knows, with their weights; word forms (`quoted` for
/// `quote`) and compounds (`extractall` for `extract`) of the query's words weigh less.
#[derive(Clone, Debug)]
pub struct RankQuery {
    terms: Vec<QueryTerm>,
}

impl RankQuery {
    /// Tokenizes `text`; repeated words weigh more, sub-linearly.
    pub fn new(index: &WorkspaceIndex, text: &str) -> Self {
        let content = index.content();
        let mut counts: FxHashMap<String, u32> = FxHashMap::default();
        for word in terms_of(text) {
            *counts.entry(word).or_default() += 1;
        }
        let mut weights: FxHashMap<TermId, f32> = FxHashMap::default();
        let mut add = |id: TermId, weight: f32| {
            let w = weights.entry(id).or_default();
            *w = w.max(weight);
        };
        // Stems and compound heads of the query's words, to find their forms in the vocabulary.
        let mut by_stem: FxHashMap<String, f32> = FxHashMap::default();
        for (word, &count) in &counts {
            let weight = 1.0 + (count as f32).ln();
            match content.term(word) {
                Some(id) => add(id, weight),
                None => {
                    // A compound the workspace spells apart: `extractall` → `extract`, `all`.
                    let known = |w: &str| content.term(w).is_some();
                    let tail_ok = |w: &str| known(w) || is_stopword(w.as_bytes());
                    if let Some((head, tail)) = split_compound(word, known, tail_ok) {
                        for part in [head, tail] {
                            if let Some(id) = content.term(part) {
                                add(id, weight * VARIANT_WEIGHT);
                            }
                        }
                    }
                }
            }
            let s = by_stem.entry(stem(word).into_owned()).or_default();
            *s = s.max(weight * VARIANT_WEIGHT);
        }
        for (id, term) in content.vocabulary() {
            if let Some(&weight) = by_stem.get(stem(term).as_ref()) {
                add(id, weight);
                continue;
            }
            // A compound the workspace spells together: `extract` → `extractall`.
            // The tail may be a word too common to index (`all` in `extractall`).
            let in_query = |w: &str| counts.contains_key(w);
            let tail_ok = |w: &str| content.term(w).is_some() || is_stopword(w.as_bytes());
            if let Some((head, _)) = split_compound(term, in_query, tail_ok) {
                add(id, (1.0 + (counts[head] as f32).ln()) * VARIANT_WEIGHT);
            }
        }
        let n = content.file_count() as f32;
        let mut terms: Vec<QueryTerm> = weights
            .into_iter()
            .map(|(id, weight)| {
                let df = content.postings(id).len() as f32;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                QueryTerm { id, weight, idf }
            })
            .collect();
        terms.sort_by(|a, b| {
            (b.weight * b.idf)
                .total_cmp(&(a.weight * a.idf))
                .then(a.id.cmp(&b.id))
        });
        Self { terms }
    }

    /// The query's terms known to the index, most informative first.
    pub fn terms<'a>(&'a self, index: &'a WorkspaceIndex) -> impl Iterator<Item = &'a str> + 'a {
        self.terms
            .iter()
            .map(move |t| index.content().term_text(t.id))
    }

    /// Whether no query term occurs anywhere in the workspace.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
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
    for term in &query.terms {
        for &(file, tf) in content.postings(term.id) {
            let tf = f32::from(tf);
            let len = content.length(file) as f32;
            let norm = params.k1 * (1.0 - params.b + params.b * len / avg);
            let score = term.weight * term.idf * tf * (params.k1 + 1.0) / (tf + norm);
            let entry = scores.entry(file).or_default();
            entry.0 += score;
            entry.1.push(term.id);
        }
    }
    let mut ranked: Vec<(FileId, f32, Vec<TermId>, String)> = scores
        .into_iter()
        .filter_map(|(file, (score, terms))| {
            let info = index.file(file)?;
            keep(&info).then(|| (file, score, terms, info.rel_path()))
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
}
