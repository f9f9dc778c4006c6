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

    /// The facts of the chunk at `range` of `text` (the `index`-th chunk of `count`).
    pub(super) fn facts(
        &mut self,
        text: &str,
        range: Range<usize>,
        (index, count): (usize, usize),
        syntax: &PlaceholderSyntax,
    ) -> Arc<ChunkFacts> {
        let facts = self
            .by_position(text.len(), &range, index, count)
            .or_else(|| {
                let chunk = &text[range.clone()];
                let found = self.current.get(chunk).or_else(|| self.previous.get(chunk));
                // Front matter reads differently from the same text further down.
                found.filter(|_| range.start > 0).cloned()
            })
            .unwrap_or_else(|| {
                Arc::new(blocks::analyze_chunk(
                    &mut self.parsers,
                    &text[range.clone()],
                    syntax,
                    range.start == 0,
                ))
            });
        self.built.push((range, facts.clone()));
        facts
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
