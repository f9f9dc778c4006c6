//! Passes that must not wait on the disk or git: the diagnostics published after a keystroke.
//!
//! Inside [`run`], the caches of this layer answer from what they hold, even past its trust
//! period; a path never seen before is only stat-ed (metadata, never a read); file contents, line
//! counts, parsed symbols and git answers not yet cached are left out, and every lookup answered
//! that way is *deferred*. What a deferred lookup yields must never create a finding that the full
//! answer would not (an unknown line count gives no `line-out-of-range`, an unknown commit no
//! drift), so a pass with deferrals says less, never something wrong.
//!
//! [`run`] reports whether anything was deferred; the caller then repeats the pass outside
//! [`run`], off the keystroke path, which fills the caches, and publishes again.
//!
//! The mode is per thread: a pass runs on one thread, and lookups from other requests (hover,
//! definition) on other threads keep waiting for real answers.

use std::cell::Cell;

thread_local! {
    /// `Some(deferred)` while a no-wait pass runs on this thread.
    static PASS: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Runs `pass` without waiting on the disk or git; returns its value and whether any lookup was
/// deferred (answered stale, or not answered).
pub fn run<T>(pass: impl FnOnce() -> T) -> (T, bool) {
    /// Restores the mode of the thread even if `pass` panics (blocking threads are reused).
    struct Restore(Option<bool>);
    impl Drop for Restore {
        fn drop(&mut self) {
            PASS.with(|p| p.set(self.0));
        }
    }
    let outer = PASS.with(|p| p.replace(Some(false)));
    let restore = Restore(outer);
    let value = pass();
    let deferred = PASS.with(|p| p.get()).unwrap_or(false);
    drop(restore);
    (value, deferred)
}

/// Runs one lookup of a pass and says whether it, in particular, was deferred (its answer may be
/// missing rather than negative). Outside a pass: the lookup, never deferred.
pub fn watch<T>(lookup: impl FnOnce() -> T) -> (T, bool) {
    let Some(outer) = PASS.with(|p| p.get()) else {
        return (lookup(), false);
    };
    PASS.with(|p| p.set(Some(false)));
    let value = lookup();
    let deferred = PASS.with(|p| p.get()).unwrap_or(false);
    PASS.with(|p| p.set(Some(outer || deferred)));
    (value, deferred)
}

/// Whether the current thread is in a no-wait pass.
pub fn active() -> bool {
    PASS.with(|p| p.get().is_some())
}

/// Notes that a lookup of the current pass was answered from stale data or not at all.
pub fn defer() {
    PASS.with(|p| {
        if p.get().is_some() {
            p.set(Some(true));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferrals_are_counted_only_inside_a_pass_and_the_mode_ends_with_it() {
        assert!(!active());
        defer();
        let ((), deferred) = run(|| assert!(active()));
        assert!(!deferred);
        let ((), deferred) = run(defer);
        assert!(deferred);
        let ((), deferred) = run(|| {
            assert!(!watch(|| ()).1);
            assert!(watch(defer).1);
            assert!(!watch(|| ()).1);
        });
        assert!(deferred, "a watched deferral still counts for the pass");
        assert!(!watch(defer).1, "outside a pass nothing is deferred");
        assert!(!active());
    }

    #[test]
    fn a_panicking_pass_leaves_the_thread_in_the_ordinary_mode() {
        let result = std::panic::catch_unwind(|| run(|| panic!("boom")));
        assert!(result.is_err());
        assert!(!active());
    }
}
