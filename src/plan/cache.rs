//! Chunk facts by chunk text, so a keystroke re-parses only the chunk it changed. Two
//! generations: entries the latest build did not use are dropped by the next one.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::blocks::{self, ChunkFacts, Parsers};
use super::placeholders::PlaceholderSyntax;

#[derive(Default)]
pub struct PlanCache {
    parsers: Parsers,
    current: FxHashMap<Box<str>, Arc<ChunkFacts>>,
    previous: FxHashMap<Box<str>, Arc<ChunkFacts>>,
    fingerprint: String,
}

impl PlanCache {
    pub(super) fn start_pass(&mut self, fingerprint: &str) {
        if self.fingerprint != fingerprint {
            // Other placeholder syntaxes: nothing cached still holds.
            self.current.clear();
            self.previous.clear();
            self.fingerprint = fingerprint.to_string();
        }
    }

    pub(super) fn end_pass(&mut self) {
        let capacity = self.current.len();
        self.previous = std::mem::replace(
            &mut self.current,
            FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
        );
    }

    pub(super) fn facts(&mut self, text: &str, syntax: &PlaceholderSyntax) -> Arc<ChunkFacts> {
        if let Some(facts) = self.current.get(text) {
            return facts.clone();
        }
        // Moving the entry keeps its key allocation.
        let (key, facts) = match self.previous.remove_entry(text) {
            Some(entry) => entry,
            None => (
                text.into(),
                Arc::new(blocks::analyze_chunk(&mut self.parsers, text, syntax)),
            ),
        };
        self.current.insert(key, facts.clone());
        facts
    }
}
