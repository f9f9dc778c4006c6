//! Chunk facts of the last build, so a keystroke re-parses only the chunk it changed.
//!
//! A chunk of the new text is first matched by position: a chunk before the first changed byte
//! at the same range, or one after the last changed byte at the same distance from the end, has
//! the same text, hence the same facts. Only the chunks in between are looked up by text (a
//! paste, an undo, a moved paragraph) among the chunks the last two builds replaced, and parsed
//! when not found. Matching by position keeps a keystroke from hashing and comparing every
//! chunk of a long plan (that was a tenth of a keystroke at 50,000 lines), and the cache holds the
//! text once, shared with the plan, instead of a copy of every chunk as a key.

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::blocks::{self, ChunkFacts, Parsers};
use super::placeholders::PlaceholderSyntax;
use crate::document::common_ends::{common_prefix, common_suffix};

/// How much text to parse before a second thread is worth starting: a long document being opened,
/// not a keystroke. Below this, both cores busy parsing delayed the first look's write to stdout
/// more than they saved (lspbench, 5,000 lines: first diagnostics 15 -> 20 ms).
const PARSE_ON_TWO_THREADS: usize = 1024 * 1024;

#[derive(Default)]
pub struct PlanCache {
    parsers: Parsers,
    fingerprint: String,
    /// The text of the last build and its chunks, in order.
    last_text: Arc<str>,
    last: Vec<(Range<usize>, Arc<ChunkFacts>)>,
    /// The chunks this pass built, in order.
    built: Vec<(Range<usize>, Arc<ChunkFacts>)>,
    /// Chunks that were replaced by the last pass (`current`) and the one before (`previous`):
    /// the ones an undo or a paste brings back.
    current: FxHashMap<Box<str>, Arc<ChunkFacts>>,
    previous: FxHashMap<Box<str>, Arc<ChunkFacts>>,
    /// The new text's first and last bytes that equal the last text's.
    same_prefix: usize,
    same_suffix: usize,
}

impl PlanCache {
    pub(super) fn start_pass(&mut self, fingerprint: &str, text: &str) {
        if self.fingerprint != fingerprint {
            // Other placeholder syntaxes: nothing cached still holds.
            self.last.clear();
            self.current.clear();
            self.previous.clear();
            self.fingerprint = fingerprint.to_string();
        }
        self.same_prefix = common_prefix(text.as_bytes(), self.last_text.as_bytes());
        let longest = text.len().min(self.last_text.len()) - self.same_prefix;
        self.same_suffix = common_suffix(text.as_bytes(), self.last_text.as_bytes()).min(longest);
        self.built.clear();
    }

    /// Ends the pass over `text`: its chunks are the last build's; the chunks they replaced are
    /// kept one more pass.
    pub(super) fn end_pass(&mut self, text: &Arc<str>) {
        let old_text = std::mem::replace(&mut self.last_text, text.clone());
        let old = std::mem::take(&mut self.last);
        self.last = std::mem::take(&mut self.built);
        self.previous = std::mem::take(&mut self.current);
        // What the new build no longer has, by text: of the old chunks between those it kept in
        // place at the start and at the end, the ones it did not find again.
        let same = |(_, a): &(Range<usize>, Arc<ChunkFacts>), (_, b): &(_, Arc<ChunkFacts>)| {
            Arc::ptr_eq(a, b)
        };
        let leading = old
            .iter()
            .zip(&self.last)
            .take_while(|(a, b)| same(a, b))
            .count();
        let room = old.len().min(self.last.len()) - leading;
        let trailing = (old.iter().rev().zip(self.last.iter().rev()))
            .take(room)
            .take_while(|(a, b)| same(a, b))
            .count();
        let found_again: rustc_hash::FxHashSet<*const ChunkFacts> = self.last
            [leading..self.last.len() - trailing]
            .iter()
            .map(|(_, f)| Arc::as_ptr(f))
            .collect();
        for entry in &old[leading..old.len() - trailing] {
            if !found_again.contains(&Arc::as_ptr(&entry.1)) {
                self.current
                    .insert(old_text[entry.0.clone()].into(), entry.1.clone());
            }
        }
    }

    /// The facts of every chunk of `text`, in order: the last build's where the chunk is
    /// unchanged in place, a replaced chunk's where its text comes back, else parsed. A document
    /// just opened has all of them to parse: a long one is parsed on two threads, since chunks
    /// are independent (half the wait for its outline and its complete diagnostics).
    pub(super) fn facts_all(
        &mut self,
        text: &str,
        chunks: &[Range<usize>],
        syntax: &PlaceholderSyntax,
    ) -> Vec<Arc<ChunkFacts>> {
        let count = chunks.len();
        let mut found: Vec<Option<Arc<ChunkFacts>>> = chunks
            .iter()
            .enumerate()
            .map(|(index, range)| {
                self.by_position(text.len(), range, index, count)
                    .or_else(|| {
                        let chunk = &text[range.clone()];
                        let again = self.current.get(chunk).or_else(|| self.previous.get(chunk));
                        // Front matter reads differently from the same text further down.
                        again.filter(|_| range.start > 0).cloned()
                    })
            })
            .collect();
        let missing: Vec<usize> = (0..count).filter(|&i| found[i].is_none()).collect();
        let parse = |parsers: &mut Parsers, indices: &[usize]| -> Vec<Arc<ChunkFacts>> {
            indices
                .iter()
                .map(|&i| {
                    let range = &chunks[i];
                    let facts = blocks::analyze_chunk(
                        parsers,
                        &text[range.clone()],
                        syntax,
                        range.start == 0,
                    );
                    Arc::new(facts)
                })
                .collect()
        };
        let bytes: usize = missing.iter().map(|&i| chunks[i].len()).sum();
        let parsed = if bytes >= PARSE_ON_TWO_THREADS && missing.len() > 1 {
            // Halves by bytes, not by count: chunk sizes vary.
            let mut half = 0;
            let cut = missing
                .iter()
                .position(|&i| {
                    half += chunks[i].len();
                    half >= bytes / 2
                })
                .map_or(missing.len(), |p| p + 1)
                .min(missing.len() - 1);
            let (first, second) = missing.split_at(cut);
            let parsers = &mut self.parsers;
            std::thread::scope(|scope| {
                let other = scope.spawn(|| parse(&mut Parsers::default(), second));
                let mut facts = parse(parsers, first);
                // A parse that panicked on the other thread is done again on this one.
                facts.extend(other.join().unwrap_or_else(|_| parse(parsers, second)));
                facts
            })
        } else {
            parse(&mut self.parsers, &missing)
        };
        for (i, facts) in missing.into_iter().zip(parsed) {
            found[i] = Some(facts);
        }
        // Every missing chunk was parsed: `unwrap_or_default` only keeps the order if not.
        let all: Vec<Arc<ChunkFacts>> = found.into_iter().map(Option::unwrap_or_default).collect();
        self.built = chunks.iter().cloned().zip(all.iter().cloned()).collect();
        all
    }

    /// The last build's facts for a chunk of the new text that lies wholly in its unchanged
    /// start or end, at the same place.
    fn by_position(
        &self,
        len: usize,
        range: &Range<usize>,
        index: usize,
        count: usize,
    ) -> Option<Arc<ChunkFacts>> {
        if range.end <= self.same_prefix {
            let (old, facts) = self.last.get(index)?;
            return (old == range).then(|| facts.clone());
        }
        if range.start >= len - self.same_suffix {
            let from_end = count - index;
            let old_index = self.last.len().checked_sub(from_end)?;
            let (old, facts) = &self.last[old_index];
            let old_len = self.last_text.len();
            let same =
                old.start + len == range.start + old_len && old.end + len == range.end + old_len;
            return (same && range.start > 0).then(|| facts.clone());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_document_parsed_on_two_threads_reads_as_parsed_piece_by_piece() {
        let syntax = PlaceholderSyntax::default();
        let mut text = String::from("# Plan\n\n## Status quo\n\n");
        for i in 0..14_000 {
            text.push_str(&format!(
                "- step {i} `src/a.rs:{i}` [NEEDS CLARIFICATION: q{i}?] see [s](#status-quo)\n"
            ));
            if i % 50 == 0 {
                text.push_str(&format!("\n## Part {i}\n\nText {{{{owner}}}} `b.md`\n\n"));
            }
        }
        assert!(text.len() > PARSE_ON_TWO_THREADS);
        let whole = crate::plan::Plan::parse(&text, &syntax);
        // The same text built up a line at a time from the cache: never two threads.
        let mut cache = PlanCache::default();
        let mut built = None;
        let lines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        for end in lines.iter().step_by(4000).chain(lines.last()) {
            let rope = ropey::Rope::from_str(&text[..*end]);
            built = Some(crate::plan::Plan::build(&rope, &syntax, &mut cache));
        }
        let built = built.unwrap();
        assert_eq!(whole.placeholders, built.placeholders);
        assert_eq!(whole.references, built.references);
        assert_eq!(whole.sections, built.sections);
        assert_eq!(whole.heading_links, built.heading_links);
        assert_eq!(whole.code_spans, built.code_spans);
    }

    #[test]
    fn an_edit_reparses_only_the_chunks_it_touched() {
        let syntax = PlaceholderSyntax::default();
        let items: String = (0..40).map(|i| format!("- step {i} [TBD]\n")).collect();
        let before = format!("---\nissue: 3\n---\n# Plan\n\n{items}\npara `a.rs`\n");
        let after = before.replacen("step 20", "step twenty", 1);
        let mut cache = PlanCache::default();
        crate::plan::Plan::build(&ropey::Rope::from_str(&before), &syntax, &mut cache);
        let old: Vec<_> = cache.last.iter().map(|(_, f)| f.clone()).collect();
        let plan = crate::plan::Plan::build(&ropey::Rope::from_str(&after), &syntax, &mut cache);
        let reused = cache
            .last
            .iter()
            .zip(&old)
            .filter(|((_, new), old)| Arc::ptr_eq(new, old))
            .count();
        assert_eq!(cache.last.len(), old.len());
        assert_eq!(reused, old.len() - 1, "every chunk but the edited item");
        assert!(plan.front_matter.is_some());
        // Undoing the edit finds the replaced chunk again instead of parsing it.
        let replaced = cache.current.values().next().cloned().unwrap();
        crate::plan::Plan::build(&ropey::Rope::from_str(&before), &syntax, &mut cache);
        assert!(cache.last.iter().any(|(_, f)| Arc::ptr_eq(f, &replaced)));
    }
}
