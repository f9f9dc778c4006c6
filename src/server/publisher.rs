//! Diagnostics off the keystroke path: `didChange` only applies the edit and queues the new
//! snapshot here. One task analyses the newest snapshot of each document on a blocking thread
//! (file facts, git drift and symbol lookups happen there), then publishes, in order, only what
//! changed. When several versions of a document queue up, only the newest is analysed; a result
//! whose document has moved on (or was closed) meanwhile is dropped, since a newer one follows.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tower_lsp::lsp_types::{Diagnostic, Url};
use tower_lsp::Client;

use super::state::ServerState;
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

pub fn spawn(client: Client, state: Arc<ServerState>) -> mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        let mut published: HashMap<Url, Vec<Diagnostic>> = HashMap::new();
        while let Some(first) = rx.recv().await {
            let mut latest: Vec<Job> = vec![first];
            while let Ok(next) = rx.try_recv() {
                latest.retain(|q| q.uri() != next.uri());
                latest.push(next);
            }
            for job in latest {
                let (uri, version, diagnostics) = match job {
                    Job::Clear(uri) => (uri, None, Vec::new()),
                    Job::Analyse(snapshot) => {
                        let (uri, version) = (snapshot.uri.clone(), snapshot.version);
                        let analysed = tokio::task::spawn_blocking(move || {
                            features::diagnostics::compute(&snapshot)
                        })
                        .await;
                        let diagnostics = match analysed {
                            Ok(diagnostics) => diagnostics,
                            Err(error) => {
                                tracing::error!(%error, %uri, "analysis failed");
                                continue;
                            }
                        };
                        if state.version(&uri) != Some(version) {
                            continue; // superseded: the newer version is queued
                        }
                        (uri, Some(version), diagnostics)
                    }
                };
                if published.get(&uri) == Some(&diagnostics) {
                    continue;
                }
                published.insert(uri.clone(), diagnostics.clone());
                client.publish_diagnostics(uri, diagnostics, version).await;
            }
        }
    });
    tx
}
