//! Passes that must not wait on the disk or git: the diagnostics published after a keystroke.
//!
//! Inside [`run`], the caches of this layer answer from what they hold, even past its trust
//! period (the answer is *stale*); a path never seen before is only stat-ed (metadata, never a
//! read); file contents, line counts, parsed symbols and git answers not yet cached are *left
//! out*. A left-out lookup must never create a finding that the full answer would not (an unknown
//! line count gives no `line-out-of-range`, an unknown commit no drift), so a pass that left
//! something out says less, never something wrong; where a finding of one check is only right if
//! another check had its answer, the caller asks [`watch`] whether that one left anything out.
//!
//! [`run`] reports whether anything was stale or left out; the caller then repeats the pass
//! outside [`run`], off the keystroke path, which fills the caches, and publishes again.
//!
//! The mode is per thread: a pass runs on one thread, and lookups from other requests (hover,
//! definition) on other threads keep waiting for real answers.

use std::cell::Cell;

/// What the lookups of a pass (so far) could not answer fresh.
#[derive(Clone, Copy, Default)]
struct Shortfall {
    stale: bool,
    left_out: bool,
}

thread_local! {
    /// `Some` while a no-wait pass runs on this thread.
    static PASS: Cell<Option<Shortfall>> = const { Cell::new(None) };
}

/// Runs `pass` without waiting on the disk or git; returns its value and whether any lookup was
/// answered stale or left out (the caches need a refresh).
pub fn run<T>(pass: impl FnOnce() -> T) -> (T, bool) {
    /// Restores the mode of the thread even if `pass` panics (blocking threads are reused).
    struct Restore(Option<Shortfall>);
    impl Drop for Restore {
        fn drop(&mut self) {
            PASS.with(|p| p.set(self.0));
        }
    }
    let outer = PASS.with(|p| p.replace(Some(Shortfall::default())));
    let restore = Restore(outer);
    let value = pass();
    let shortfall = PASS.with(|p| p.get()).unwrap_or_default();
    drop(restore);
    (value, shortfall.stale || shortfall.left_out)
}

/// Runs one lookup of a pass and says whether it, in particular, left something out (its answer
/// may be missing rather than negative). Outside a pass: the lookup, nothing left out.
pub fn watch<T>(lookup: impl FnOnce() -> T) -> (T, bool) {
    let Some(outer) = PASS.with(|p| p.get()) else {
        return (lookup(), false);
    };
    PASS.with(|p| p.set(Some(Shortfall::default())));
    let value = lookup();
    let inner = PASS.with(|p| p.get()).unwrap_or_default();
    PASS.with(|p| {
        p.set(Some(Shortfall {
            stale: outer.stale || inner.stale,
            left_out: outer.left_out || inner.left_out,
        }))
    });
    (value, inner.left_out)
}

/// In a pass, notes that a cached answer is used past its trust period and returns `true`: the
/// caller answers from it. Outside a pass: `false`, the caller checks again.
pub fn take_stale() -> bool {
    note(|s| s.stale = true)
}

/// In a pass, notes that a lookup that would wait is left out and returns `true`: the caller
/// answers "cannot tell". Outside a pass: `false`, the caller does the lookup.
pub fn leave_out() -> bool {
    note(|s| s.left_out = true)
}

fn note(mark: impl FnOnce(&mut Shortfall)) -> bool {
    PASS.with(|p| match p.get() {
        Some(mut shortfall) => {
            mark(&mut shortfall);
            p.set(Some(shortfall));
            true
        }
        None => false,
    })
}

/// Whether the current thread is in a no-wait pass.
pub fn active() -> bool {
    PASS.with(|p| p.get().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortfalls_are_counted_only_inside_a_pass_and_the_mode_ends_with_it() {
        assert!(!active());
        assert!(
            !leave_out() && !take_stale(),
            "outside a pass the caller waits"
        );
        let ((), refresh) = run(|| assert!(active()));
        assert!(!refresh);
        let (_, refresh) = run(take_stale);
        assert!(refresh, "a stale answer asks for a refresh");
        let ((), refresh) = run(|| {
            assert!(!watch(|| ()).1);
            assert!(!watch(take_stale).1, "a stale answer is still an answer");
            assert!(watch(leave_out).1);
            assert!(!watch(|| ()).1);
        });
        assert!(refresh, "a watched shortfall still counts for the pass");
        assert!(!watch(leave_out).1, "outside a pass nothing is left out");
        assert!(!active());
    }

    #[test]
    fn a_panicking_pass_leaves_the_thread_in_the_ordinary_mode() {
        let result = std::panic::catch_unwind(|| run(|| panic!("boom")));
        assert!(result.is_err());
        assert!(!active());
    }
}
