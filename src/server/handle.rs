//! What command handlers get: snapshots, version-checked edits, progress and cancellation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tower_lsp::jsonrpc;
use tower_lsp::lsp_types::notification::Progress as ProgressNotification;
use tower_lsp::lsp_types::request::WorkDoneProgressCreate;
use tower_lsp::lsp_types::{
    MessageType, NumberOrString, ProgressParams, ProgressParamsValue, Url, WorkDoneProgress,
    WorkDoneProgressBegin, WorkDoneProgressCreateParams, WorkDoneProgressEnd,
    WorkDoneProgressReport,
};
use tower_lsp::Client;

use super::publisher::Job;
use super::rpc_error;
use super::state::ServerState;
use crate::analysis::edits::TextChange;
use crate::features;
use crate::snapshot::Snapshot;

#[derive(Clone)]
pub struct ServerHandle {
    pub client: Client,
    pub state: Arc<ServerState>,
    publisher: tokio::sync::mpsc::UnboundedSender<Job>,
    progress: Arc<Mutex<HashMap<String, CancellationToken>>>,
    next_token: Arc<std::sync::atomic::AtomicU64>,
}

/// Why a computed edit was not applied.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the document changed while this ran and the text the edit was for is gone; nothing was changed, run the command again")]
    Stale,
    #[error("the editor did not apply the edit{}; nothing was changed", .0.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Refused(Option<String>),
    #[error("the document was closed; nothing was changed")]
    Closed,
    #[error("could not send the edit to the editor: {0}")]
    Transport(String),
}

impl ServerHandle {
    pub fn new(client: Client, state: Arc<ServerState>) -> Self {
        let publisher = super::publisher::spawn(client.clone(), state.clone());
        ServerHandle {
            client,
            state,
            publisher,
            progress: Arc::new(Mutex::new(HashMap::new())),
            next_token: Arc::new(std::sync::atomic::AtomicU64::new(1)),
        }
    }

    /// The document at its latest text. Parsing it, when needed, happens on a blocking thread:
    /// tower-lsp polls every request from one task, so a parse inside a handler (a 5 MB model
    /// answer just applied) would hold up every other request.
    pub async fn snapshot(&self, uri: &Url) -> jsonrpc::Result<Snapshot> {
        let invalid = |e: super::state::UnknownDocument| rpc_error::invalid_params(e.to_string());
        if let Some(parsed) = self.state.parsed_snapshot(uri).map_err(invalid)? {
            return Ok(parsed);
        }
        let (state, uri) = (self.state.clone(), uri.clone());
        tokio::task::spawn_blocking(move || state.snapshot(&uri))
            .await
            .map_err(|e| rpc_error::failed(format!("parsing the document failed: {e}")))?
            .map_err(invalid)
    }

    /// Queues a snapshot for analysis off the request path; its diagnostics are published when
    /// they are ready, unless a newer version supersedes them.
    pub fn publish(&self, snapshot: &Snapshot) {
        let _ = self.publisher.send(Job::Analyse(snapshot.clone()));
    }

    /// Queues the document's newest text for parsing and analysis off the request path.
    pub fn publish_newest(&self, uri: &Url) {
        let _ = self.publisher.send(Job::Newest(uri.clone()));
    }

    pub fn clear_diagnostics(&self, uri: &Url) {
        let _ = self.publisher.send(Job::Clear(uri.clone()));
    }

    /// Re-publishes every open document (settings or files changed).
    pub fn republish_all(&self) {
        for uri in self.state.open_uris() {
            self.publish_newest(&uri);
        }
    }

    pub async fn log(&self, kind: MessageType, message: impl Into<String>) {
        self.client.log_message(kind, message.into()).await;
    }

    /// Applies `change`, computed against `base`, to the document as it is now. When the document
    /// moved on, the change is re-anchored on the text it replaces (with a little context); when
    /// that text is gone or ambiguous, nothing is applied. The edit carries the version, so the
    /// editor also refuses it if the user types in between.
    pub async fn apply_change(
        &self,
        base: &Snapshot,
        change: &TextChange,
        label: &str,
    ) -> Result<(), EditError> {
        let current = self
            .snapshot(&base.uri)
            .await
            .map_err(|_| EditError::Closed)?;
        let change = if current.version == base.version {
            change.clone()
        } else {
            reanchor(&base.text(), &current.text(), change).ok_or(EditError::Stale)?
        };
        let edit = features::workspace_edit(&current, &change);
        let response = self
            .client
            .apply_edit(edit)
            .await
            .map_err(|e| EditError::Transport(e.message.to_string()))?;
        if response.applied {
            tracing::debug!("applied {label} to {}", base.uri);
            Ok(())
        } else {
            Err(EditError::Refused(response.failure_reason))
        }
    }

    /// Starts work-done progress on a fresh token; the returned handle reports and ends it, and
    /// its cancellation token fires when the user cancels.
    pub async fn begin_progress(&self, title: &str, cancellable: bool) -> ProgressHandle {
        let id = self
            .next_token
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token_name = format!("plan-lsp/{id}");
        let token = NumberOrString::String(token_name.clone());
        let cancel = CancellationToken::new();
        // Create the token first: some editors drop progress on a token they never saw created.
        let created = self
            .state
            .client_shows_progress
            .load(std::sync::atomic::Ordering::Relaxed)
            && self
                .client
                .send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                    token: token.clone(),
                })
                .await
                .is_ok();
        if created {
            self.progress
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(token_name.clone(), cancel.clone());
            self.client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token: token.clone(),
                    value: ProgressParamsValue::WorkDone(WorkDoneProgress::Begin(
                        WorkDoneProgressBegin {
                            title: title.to_string(),
                            cancellable: Some(cancellable),
                            message: None,
                            percentage: None,
                        },
                    )),
                })
                .await;
        }
        ProgressHandle {
            client: self.client.clone(),
            token: created.then_some(token),
            cancel,
            registry: self.progress.clone(),
            name: token_name,
        }
    }

    /// `window/workDoneProgress/cancel` from the editor.
    pub fn cancel_progress(&self, token: &NumberOrString) {
        let name = match token {
            NumberOrString::String(s) => s.clone(),
            NumberOrString::Number(n) => n.to_string(),
        };
        if let Some(cancel) = self
            .progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&name)
        {
            cancel.cancel();
        }
    }
}

/// Work-done progress in flight.
pub struct ProgressHandle {
    client: Client,
    token: Option<NumberOrString>,
    pub cancel: CancellationToken,
    registry: Arc<Mutex<HashMap<String, CancellationToken>>>,
    name: String,
}

impl ProgressHandle {
    pub async fn report(&self, message: impl Into<String>, percentage: Option<u32>) {
        if let Some(token) = &self.token {
            self.client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token: token.clone(),
                    value: ProgressParamsValue::WorkDone(WorkDoneProgress::Report(
                        WorkDoneProgressReport {
                            cancellable: None,
                            message: Some(message.into()),
                            percentage,
                        },
                    )),
                })
                .await;
        }
    }

    pub async fn end(self, message: impl Into<String>) {
        self.registry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.name);
        if let Some(token) = &self.token {
            self.client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token: token.clone(),
                    value: ProgressParamsValue::WorkDone(WorkDoneProgress::End(
                        WorkDoneProgressEnd {
                            message: Some(message.into()),
                        },
                    )),
                })
                .await;
        }
    }
}

/// Moves `change` (made against `base`) onto `current` by finding the replaced text, with up to
/// 64 bytes of context on each side, exactly once in `current`.
pub fn reanchor(base: &str, current: &str, change: &TextChange) -> Option<TextChange> {
    let floor = |s: &str, mut i: usize| {
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |s: &str, mut i: usize| {
        while !s.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let before_start = floor(base, change.range.start.saturating_sub(64));
    let after_end = ceil(base, (change.range.end + 64).min(base.len()));
    let needle = &base[before_start..after_end];
    if needle.is_empty() {
        return None;
    }
    let mut found = current.match_indices(needle);
    let (at, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let shift = |offset: usize| at + (offset - before_start);
    Some(TextChange {
        range: shift(change.range.start)..shift(change.range.end),
        new_text: change.new_text.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reanchors_on_unchanged_text_and_refuses_when_it_is_gone() {
        let base = "## A\n\nold text here\n\n## B\n";
        let change = TextChange {
            range: 7..15,
            new_text: "new".into(),
        };
        let moved = "intro\n## A\n\nold text here\n\n## B\n";
        let re = reanchor(base, moved, &change).unwrap();
        assert_eq!(re.apply(moved), "intro\n## A\n\nonewhere\n\n## B\n");
        assert!(reanchor(base, "## A\n\nrewritten\n\n## B\n", &change).is_none());
        let twice = format!("{base}{base}");
        assert!(reanchor(base, &twice, &change).is_none());
    }
}
