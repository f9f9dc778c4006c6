//! Diagnostics off the keystroke path: `didChange` only applies the edit and queues the new
//! snapshot here. One task analyses the newest snapshot of each document on a blocking thread,
//! then publishes, in order, only what changed. When several versions of a document queue up,
//! only the newest is analysed; a result whose document has moved on (or was closed) meanwhile is
//! dropped, since a newer one follows.
//!
//! The analysis a keystroke waits for never waits on the disk or git (`workspace::no_wait`): it
//! answers from the caches, even stale ones, and leaves out what they do not hold yet (a file
//! never counted, a git lookup never made). When it left something out, the same analysis runs
//! again in the background in the ordinary mode, which fills the caches, and the document is
//! analysed and published once more. Opening a plan so shows its placeholders and sections
//! first, and the references that need the disk a moment later.
//!
//! Each publication is serialised once, straight to JSON text, and compared with the last one by
//! a digest of that text: tower-lsp's client would first build a JSON tree of every diagnostic
//! (most of the cost on a plan with thousands of them), and keeping the last list to compare
//! doubled the memory.

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;
use tower_lsp::lsp_types::notification::Notification;
use tower_lsp::lsp_types::{Diagnostic, Url};
use tower_lsp::Client;

use super::state::ServerState;
use super::stdout_guard::frame;
use crate::features;
use crate::snapshot::Snapshot;
use crate::workspace::no_wait;

/// Work for the publisher.
pub enum Job {
    /// Analyse this version and publish its diagnostics.
    Analyse(Snapshot),
    /// The document changed: parse and analyse its newest version (here, off the request path).
    Newest(Url),
    /// The caches were refreshed for this document: analyse its newest version again.
    Refreshed(Url),
    /// The document was closed: publish no diagnostics for it.
    Clear(Url),
}

impl Job {
    fn uri(&self) -> &Url {
        match self {
            Job::Analyse(snapshot) => &snapshot.uri,
            Job::Newest(uri) | Job::Refreshed(uri) | Job::Clear(uri) => uri,
        }
    }
}

struct Publication {
    uri: Url,
    version: Option<i32>,
    diagnostics: Vec<Diagnostic>,
    /// The analysis left out lookups that wait (see the module's comment).
    deferred: Option<Snapshot>,
    /// A digest of the document's headings, to tell when links into it need a new look.
    headings: u64,
    /// What the next analysis of the document may reuse: only from a complete one.
    kept: Option<features::diagnostics::Kept>,
    /// Only the start of the document was analysed: its placeholders, a first look.
    first_look: bool,
}

/// The client's stdout, when the server owns it (serving stdio). Weak, so the writer still ends
/// once the server's input has.
static OUTPUT: OnceLock<mpsc::WeakSender<Vec<u8>>> = OnceLock::new();

/// Sends publications straight to `output` rather than through tower-lsp's client.
pub fn write_to(output: &mpsc::Sender<Vec<u8>>) {
    let _ = OUTPUT.set(output.downgrade());
}

pub fn spawn(client: Client, state: Arc<ServerState>) -> mpsc::UnboundedSender<Job> {
    let (tx, rx) = mpsc::unbounded_channel::<Job>();
    let publisher = Publisher {
        client,
        state,
        jobs: tx.downgrade(),
        published: HashMap::new(),
        headings: HashMap::new(),
        kept: HashMap::new(),
        refreshing: Refreshing::default(),
    };
    tokio::spawn(publisher.run(rx));
    tx
}

/// The publishing task's state.
struct Publisher {
    client: Client,
    state: Arc<ServerState>,
    /// Its own queue, for refreshes and for documents whose links need a new look.
    jobs: mpsc::WeakUnboundedSender<Job>,
    /// A digest of the last diagnostics published per document.
    published: HashMap<Url, u64>,
    /// A digest of each document's headings when it was last analysed.
    headings: HashMap<Url, u64>,
    /// The findings of each document's last complete analysis (see `features::diagnostics`).
    kept: HashMap<Url, features::diagnostics::Kept>,
    refreshing: Refreshing,
}

impl Publisher {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Job>) {
        while let Some(first) = rx.recv().await {
            for job in self.newest_jobs(first, &mut rx) {
                if let Job::Clear(uri) = &job {
                    self.refreshing.forget(uri);
                }
                if let Job::Newest(uri) = &job {
                    if let Some(first) = first_look(uri, &self.state).await {
                        self.publish(first).await;
                    }
                }
                let kept = self.kept.remove(job.uri());
                if let Some(mut publication) = analyse(job, kept, &self.state).await {
                    if let Some(kept) = publication.kept.take() {
                        self.kept.insert(publication.uri.clone(), kept);
                    }
                    self.publish(publication).await;
                }
            }
        }
    }

    /// `first` and whatever else is queued, the newest job per document only.
    fn newest_jobs(&mut self, first: Job, rx: &mut mpsc::UnboundedReceiver<Job>) -> Vec<Job> {
        let mut latest: Vec<Job> = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take().or_else(|| rx.try_recv().ok()) {
            if let Job::Refreshed(uri) = &job {
                self.refreshing.done(uri);
                // A refresh is for whatever version is newest; a queued analysis covers it.
                if latest.iter().any(|q| q.uri() == uri) {
                    continue;
                }
            }
            latest.retain(|q| q.uri() != job.uri());
            latest.push(job);
        }
        latest
    }

    async fn publish(&mut self, p: Publication) {
        if !p.first_look {
            self.relook_links_into(&p);
        }
        let complete = match (p.deferred, self.jobs.upgrade()) {
            _ if p.first_look => false,
            (Some(snapshot), Some(tx)) => self.refreshing.start(snapshot, tx) == Refresh::Spent,
            _ => true,
        };
        let (uri, version) = (p.uri.clone(), p.version);
        let diagnostics = serde_json::to_vec(&p.diagnostics).unwrap_or_default();
        let digest = digest(&diagnostics);
        if self.published.insert(p.uri.clone(), digest) != Some(digest) {
            let body = notification(&p.uri, &diagnostics, p.version);
            let client = &self.client;
            send(body, || {
                client.publish_diagnostics(p.uri, p.diagnostics, p.version)
            })
            .await;
        }
        let wants_analysed = self.state.client_wants_analysed.load(Ordering::Relaxed);
        if let (true, Some(version)) = (complete && wants_analysed, version) {
            let body = analysed(&uri, version);
            let client = &self.client;
            send(body, || {
                client.send_notification::<Analysed>(AnalysedParams { uri, version })
            })
            .await;
        }
    }

    /// Links from other open documents into this one may have broken or healed when its headings
    /// changed: those documents are analysed again.
    fn relook_links_into(&mut self, p: &Publication) {
        let before = match p.version {
            Some(_) => self.headings.insert(p.uri.clone(), p.headings),
            None => self.headings.remove(&p.uri).and(None),
        };
        if before.is_none_or(|b| b == p.headings) {
            return;
        }
        if let Some(tx) = self.jobs.upgrade() {
            for other in self.state.open_uris().into_iter().filter(|u| *u != p.uri) {
                let _ = tx.send(Job::Newest(other));
            }
        }
    }
}

/// Writes `body` to the client's stdout when the server owns it, else sends it through
/// tower-lsp's client (`through_client`).
async fn send<F: std::future::Future<Output = ()>>(
    body: Vec<u8>,
    through_client: impl FnOnce() -> F,
) {
    match OUTPUT.get() {
        // Gone only when the session is over.
        Some(output) => {
            if let Some(output) = output.upgrade() {
                let _ = output.send(frame(&body)).await;
            }
        }
        None => through_client().await,
    }
}

/// `$/planLsp/analysed`: every diagnostic of this version has been published, none is waiting on
/// the disk or git any more. Sent only to clients that ask for it (`experimental.planLspAnalysed`),
/// so that tests and scripts can tell the complete diagnostics from a first look.
enum Analysed {}

#[derive(serde::Serialize, serde::Deserialize)]
struct AnalysedParams {
    uri: Url,
    version: i32,
}

impl Notification for Analysed {
    type Params = AnalysedParams;
    const METHOD: &'static str = "$/planLsp/analysed";
}

fn analysed(uri: &Url, version: i32) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "jsonrpc": "2.0",
        "method": Analysed::METHOD,
        "params": AnalysedParams { uri: uri.clone(), version },
    }))
    .unwrap_or_default()
}

/// Background refreshes of the caches, at most one per document at a time, and one per version:
/// a lookup that stays deferred cannot make the publisher loop.
#[derive(Default)]
struct Refreshing {
    running: HashSet<Url>,
    refreshed: HashMap<Url, i32>,
}

/// What became of a request for a refresh.
#[derive(PartialEq)]
enum Refresh {
    Started,
    /// One is running; the newest version is analysed again when it ends.
    Pending,
    /// This version was refreshed already: what stays deferred cannot be had.
    Spent,
}

impl Refreshing {
    fn start(&mut self, snapshot: Snapshot, tx: mpsc::UnboundedSender<Job>) -> Refresh {
        let uri = snapshot.uri.clone();
        if self.running.contains(&uri) {
            return Refresh::Pending;
        }
        if self.refreshed.get(&uri) == Some(&snapshot.version) {
            return Refresh::Spent;
        }
        self.running.insert(uri.clone());
        self.refreshed.insert(uri.clone(), snapshot.version);
        tokio::spawn(async move {
            // The ordinary mode waits for the disk and git, and fills the caches on the way.
            let _ = tokio::task::spawn_blocking(move || {
                features::diagnostics::findings(&snapshot);
            })
            .await;
            // Answers changed: findings kept from before the refresh are judged again.
            crate::workspace::revision::bump();
            let _ = tx.send(Job::Refreshed(uri));
        });
        Refresh::Started
    }

    fn done(&mut self, uri: &Url) {
        self.running.remove(uri);
    }

    /// The document was closed: what was refreshed for it no longer matters.
    fn forget(&mut self, uri: &Url) {
        self.refreshed.remove(uri);
    }
}

/// What to publish for a job: its diagnostics computed on a blocking thread, or nothing when a
/// newer version (or a close) superseded it meanwhile.
async fn analyse(
    job: Job,
    kept: Option<features::diagnostics::Kept>,
    state: &Arc<ServerState>,
) -> Option<Publication> {
    let newest = match job {
        Job::Clear(uri) => {
            return Some(Publication {
                uri,
                version: None,
                diagnostics: Vec::new(),
                deferred: None,
                headings: 0,
                kept: None,
                first_look: false,
            })
        }
        Job::Analyse(snapshot) => Ok(snapshot),
        Job::Newest(uri) | Job::Refreshed(uri) => Err(uri),
    };
    let shared = Arc::clone(state);
    let analysed = tokio::task::spawn_blocking(move || {
        // Closed meanwhile: nothing to publish.
        let snapshot = newest.or_else(|uri| shared.snapshot(&uri)).ok()?;
        let ((diagnostics, kept), deferred) =
            no_wait::run(|| features::diagnostics::compute_reusing(&snapshot, kept));
        // Reused findings that left something out leave this analysis short too.
        let deferred = deferred || !kept.complete();
        let kept = if deferred { kept.incomplete() } else { kept };
        Some((diagnostics, snapshot, kept, deferred))
    })
    .await;
    let (diagnostics, snapshot, kept, deferred) = match analysed {
        Ok(analysed) => analysed?,
        Err(error) => {
            tracing::error!(%error, "analysis failed");
            return None;
        }
    };
    let (uri, version) = (snapshot.uri.clone(), snapshot.version);
    let headings = headings_digest(&snapshot);
    // Superseded: the newer version is queued.
    (state.version(&uri) == Some(version)).then_some(Publication {
        uri,
        version: Some(version),
        diagnostics,
        deferred: deferred.then_some(snapshot),
        headings,
        kept: Some(kept),
        first_look: false,
    })
}

/// The placeholders at the start of a long document just opened, published before the whole
/// document is parsed (a 50,000-line plan takes over a second); `None` for any other job.
async fn first_look(uri: &Url, state: &Arc<ServerState>) -> Option<Publication> {
    let (state, uri) = (Arc::clone(state), uri.clone());
    let looked = tokio::task::spawn_blocking(move || {
        let snapshot = state.first_look(&uri)?;
        let diagnostics = features::diagnostics::first_look(&snapshot);
        (state.version(&uri) == Some(snapshot.version)).then_some(Publication {
            uri,
            version: Some(snapshot.version),
            diagnostics,
            deferred: None,
            headings: 0,
            kept: None,
            first_look: true,
        })
    });
    looked.await.ok().flatten()
}

fn headings_digest(snapshot: &Snapshot) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    for section in &snapshot.plan.sections {
        hasher.write(section.title.as_bytes());
        hasher.write_u8(0);
    }
    hasher.finish()
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
