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
    /// The first chunk when it starts with `---`: front matter.
    front_matter: Option<(Box<str>, Arc<ChunkFacts>)>,
}

impl PlanCache {
    pub(super) fn start_pass(&mut self, fingerprint: &str) {
        if self.fingerprint != fingerprint {
            // Other placeholder syntaxes: nothing cached still holds.
            self.current.clear();
            self.previous.clear();
            self.front_matter = None;
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

    pub(super) fn facts(
        &mut self,
        text: &str,
        syntax: &PlaceholderSyntax,
        at_document_start: bool,
    ) -> Arc<ChunkFacts> {
        if at_document_start && text.starts_with("---") {
            // Front matter reads differently from the same text further down: cached apart.
            if let Some((key, facts)) = &self.front_matter {
                if **key == *text {
                    return facts.clone();
                }
            }
            let facts = Arc::new(blocks::analyze_chunk(&mut self.parsers, text, syntax, true));
            self.front_matter = Some((text.into(), facts.clone()));
            return facts;
        }
        if let Some(facts) = self.current.get(text) {
            return facts.clone();
        }
        // Moving the entry keeps its key allocation.
        let (key, facts) = match self.previous.remove_entry(text) {
            Some(entry) => entry,
            None => (
                text.into(),
                Arc::new(blocks::analyze_chunk(
                    &mut self.parsers,
                    text,
                    syntax,
                    false,
                )),
            ),
        };
        self.current.insert(key, facts.clone());
        facts
    }
}
