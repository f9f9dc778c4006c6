//! A count of the workspace changes that caches learn of by being told (a watched file changed,
//! the code index grew, another open document's headings changed), so that findings kept from
//! an earlier analysis are not reused across one. Process-wide: a change anywhere only makes
//! the next analysis of every document complete instead of incremental, which is never wrong.
//!
//! Changes the caches find out for themselves, when an answer past its trust period is checked
//! again, are not counted: kept findings are reused only within that same period.

use std::sync::atomic::{AtomicU64, Ordering};

static REVISION: AtomicU64 = AtomicU64::new(0);

/// The current revision.
pub fn current() -> u64 {
    REVISION.load(Ordering::Acquire)
}

/// Something the findings may depend on changed.
pub fn bump() {
    REVISION.fetch_add(1, Ordering::AcqRel);
}
