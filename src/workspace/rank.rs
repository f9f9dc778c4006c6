//! BM25 ranking of workspace files for free text (an issue, a plan's headings): terms come
//! from path segments (weighted), identifiers split by case and underscores, and comments, all
//! through the one tokenizer in `content`. No model, no network.

use rustc_hash::FxHashMap;

use super::content::{terms_of, TermId};
use super::index::{FileId, FileInfo, WorkspaceIndex};

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

/// A tokenized query: the terms the index knows, with their weights.
#[derive(Clone, Debug)]
pub struct RankQuery {
    terms: Vec<(TermId, f32, f32)>,
}

impl RankQuery {
    /// Tokenizes `text`; repeated terms weigh more, sub-linearly.
    pub fn new(index: &WorkspaceIndex, text: &str) -> Self {
        let content = index.content();
        let n = content.file_count() as f32;
        let mut counts: FxHashMap<TermId, u32> = FxHashMap::default();
        for word in terms_of(text) {
            if let Some(id) = content.term(&word) {
                *counts.entry(id).or_default() += 1;
            }
        }
        let mut terms: Vec<(TermId, f32, f32)> = counts
            .into_iter()
            .map(|(id, count)| {
                let df = content.postings(id).len() as f32;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                (id, 1.0 + (count as f32).ln(), idf)
            })
            .collect();
        terms.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        Self { terms }
    }

    /// The query's terms known to the index, most informative first.
    pub fn terms<'a>(&'a self, index: &'a WorkspaceIndex) -> impl Iterator<Item = &'a str> + 'a {
        self.terms
            .iter()
            .map(move |(id, _, _)| index.content().term_text(*id))
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
    let avg = content.average_length().max(1.0);
    let mut scores: FxHashMap<FileId, (f32, Vec<TermId>)> = FxHashMap::default();
    for &(term, weight, idf) in &query.terms {
        for &(file, tf) in content.postings(term) {
            let tf = f32::from(tf);
            let len = content.length(file) as f32;
            let norm = params.k1 * (1.0 - params.b + params.b * len / avg);
            let score = weight * idf * tf * (params.k1 + 1.0) / (tf + norm);
            let entry = scores.entry(file).or_default();
            entry.0 += score;
            entry.1.push(term);
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
}
