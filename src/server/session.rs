//! How the client's session is going, as the framing layer sees it: whether `shutdown` came, and
//! the events that end the process.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

#[derive(Default)]
pub struct Session {
    shutdown_requested: AtomicBool,
    /// Fired when the client sends `exit`.
    pub exited: Notify,
    /// Fired when stdout can no longer be written: nobody hears the server any more.
    pub output_closed: Notify,
}

impl Session {
    pub fn shutdown_requested(&self) {
        self.shutdown_requested.store(true, Ordering::Release);
    }

    /// LSP: 0 when `shutdown` came before the end, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.shutdown_requested.load(Ordering::Acquire) {
            0
        } else {
            1
        }
    }
}
