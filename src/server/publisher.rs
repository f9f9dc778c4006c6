//! Publishes diagnostics in the order they were computed, coalescing bursts: when several
//! versions of a document queue up, only the newest is sent, and only if it changed.

use std::collections::HashMap;

use tokio::sync::mpsc;
use tower_lsp::lsp_types::{Diagnostic, Url};
use tower_lsp::Client;

pub struct Publication {
    pub uri: Url,
    pub version: Option<i32>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn spawn(client: Client) -> mpsc::UnboundedSender<Publication> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Publication>();
    tokio::spawn(async move {
        let mut published: HashMap<Url, Vec<Diagnostic>> = HashMap::new();
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while let Ok(next) = rx.try_recv() {
                batch.push(next);
            }
            let mut latest: Vec<Publication> = Vec::new();
            for p in batch {
                latest.retain(|q| q.uri != p.uri);
                latest.push(p);
            }
            for p in latest {
                if published.get(&p.uri) == Some(&p.diagnostics) {
                    continue;
                }
                published.insert(p.uri.clone(), p.diagnostics.clone());
                client
                    .publish_diagnostics(p.uri, p.diagnostics, p.version)
                    .await;
            }
        }
    });
    tx
}
