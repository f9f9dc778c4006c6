//! Diagnostics off the keystroke path: `didChange` only applies the edit and queues the new
//! snapshot here. One task analyses the newest snapshot of each document on a blocking thread
//! (file facts, git drift and symbol lookups happen there), then publishes, in order, only what
//! changed. When several versions of a document queue up, only the newest is analysed; a result
//! whose document has moved on (or was closed) meanwhile is dropped, since a newer one follows.
//!
//! Each publication is serialised once, straight to JSON text, and compared with the last one by
//! a digest of that text: tower-lsp's client would first build a JSON tree of every diagnostic
//! (most of the cost on a plan with thousands of them), and keeping the last list to compare
//! doubled the memory.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;
use tower_lsp::lsp_types::{Diagnostic, Url};
use tower_lsp::Client;

use super::state::ServerState;
use super::stdout_guard::frame;
use crate::features;
use crate::snapshot::Snapshot;

/// Work for the publisher.
pub enum Job {
    /// Analyse this version and publish its diagnostics.
    Analyse(Snapshot),
    /// The document was closed: publish no diagnostics for it.
    Clear(Url),
}

impl Job {
    fn uri(&self) -> &Url {
        match self {
            Job::Analyse(snapshot) => &snapshot.uri,
            Job::Clear(uri) => uri,
        }
    }
}

struct Publication {
    uri: Url,
    version: Option<i32>,
    diagnostics: Vec<Diagnostic>,
}

/// The client's stdout, when the server owns it (serving stdio). Weak, so the writer still ends
/// once the server's input has.
static OUTPUT: OnceLock<mpsc::WeakSender<Vec<u8>>> = OnceLock::new();

/// Sends publications straight to `output` rather than through tower-lsp's client.
pub fn write_to(output: &mpsc::Sender<Vec<u8>>) {
    let _ = OUTPUT.set(output.downgrade());
}

pub fn spawn(client: Client, state: Arc<ServerState>) -> mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        let mut published: HashMap<Url, u64> = HashMap::new();
        while let Some(first) = rx.recv().await {
            let mut latest: Vec<Job> = vec![first];
            while let Ok(next) = rx.try_recv() {
                latest.retain(|q| q.uri() != next.uri());
                latest.push(next);
            }
            for job in latest {
                let Some(p) = analyse(job, &state).await else {
                    continue;
                };
                let diagnostics = serde_json::to_vec(&p.diagnostics).unwrap_or_default();
                let digest = digest(&diagnostics);
                if published.insert(p.uri.clone(), digest) == Some(digest) {
                    continue;
                }
                match OUTPUT.get() {
                    Some(output) => {
                        // Gone only when the session is over.
                        if let Some(output) = output.upgrade() {
                            let body = notification(&p.uri, &diagnostics, p.version);
                            let _ = output.send(frame(&body)).await;
                        }
                    }
                    None => {
                        client
                            .publish_diagnostics(p.uri, p.diagnostics, p.version)
                            .await
                    }
                }
            }
        }
    });
    tx
}

/// What to publish for a job: its diagnostics computed on a blocking thread, or nothing when a
/// newer version (or a close) superseded it meanwhile.
async fn analyse(job: Job, state: &ServerState) -> Option<Publication> {
    let snapshot = match job {
        Job::Clear(uri) => {
            return Some(Publication {
                uri,
                version: None,
                diagnostics: Vec::new(),
            })
        }
        Job::Analyse(snapshot) => snapshot,
    };
    let (uri, version) = (snapshot.uri.clone(), snapshot.version);
    let analysed =
        tokio::task::spawn_blocking(move || features::diagnostics::compute(&snapshot)).await;
    let diagnostics = match analysed {
        Ok(diagnostics) => diagnostics,
        Err(error) => {
            tracing::error!(%error, %uri, "analysis failed");
            return None;
        }
    };
    // Superseded: the newer version is queued.
    (state.version(&uri) == Some(version)).then_some(Publication {
        uri,
        version: Some(version),
        diagnostics,
    })
}

fn digest(bytes: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.write_usize(bytes.len());
    hasher.finish()
}

/// The `textDocument/publishDiagnostics` notification around already serialised diagnostics.
fn notification(uri: &Url, diagnostics: &[u8], version: Option<i32>) -> Vec<u8> {
    let uri = serde_json::to_string(uri.as_str()).unwrap_or_default();
    let mut body = Vec::with_capacity(diagnostics.len() + uri.len() + 128);
    body.extend_from_slice(
        br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#,
    );
    body.extend_from_slice(uri.as_bytes());
    body.extend_from_slice(br#","diagnostics":"#);
    body.extend_from_slice(diagnostics);
    if let Some(version) = version {
        body.extend_from_slice(format!(r#","version":{version}"#).as_bytes());
    }
    body.extend_from_slice(b"}}");
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp::lsp_types::{Position, PublishDiagnosticsParams, Range};

    #[test]
    fn the_notification_is_what_tower_lsp_would_send() {
        let uri = Url::parse("file:///a%20b/plan.md").unwrap();
        let diagnostics = vec![Diagnostic::new_simple(
            Range::new(Position::new(1, 2), Position::new(1, 5)),
            "a \"quoted\" message".to_string(),
        )];
        let serialised = serde_json::to_vec(&diagnostics).unwrap();
        for version in [Some(7), None] {
            let body: serde_json::Value =
                serde_json::from_slice(&notification(&uri, &serialised, version)).unwrap();
            let expected = PublishDiagnosticsParams::new(uri.clone(), diagnostics.clone(), version);
            assert_eq!(body["method"], "textDocument/publishDiagnostics");
            assert_eq!(body["jsonrpc"], "2.0");
            assert_eq!(body["params"], serde_json::to_value(expected).unwrap());
        }
        assert_ne!(digest(b"[]"), digest(&serialised));
    }
}
