//! What the server holds between requests: open documents, settings, workspace folders.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tower_lsp::lsp_types::{TextDocumentContentChangeEvent, Url};

use crate::document::{ClampedChange, Document, PositionEncoding};
use crate::plan::template::TemplateSet;
use crate::plan::{PlaceholderSyntax, Plan, PlanCache};
use crate::settings::Settings;
use crate::snapshot::{uri_path, Snapshot, VersionMemo};
use crate::workspace::files::FileFacts;

/// One open document: its latest text, and its latest analysis, which may be older.
pub struct OpenDocument {
    document: Document,
    /// Counts the changes, so an analysis knows whether it is of the latest text.
    generation: u64,
    analysed: Analysed,
    /// The chunk cache. A parse holds this lock, never the documents lock, so requests on other
    /// documents do not wait for it; parses of one document take turns.
    cache: Arc<Mutex<PlanCache>>,
}

/// A plan with the text and version it was built from.
#[derive(Clone)]
struct Analysed {
    generation: u64,
    version: i32,
    rope: ropey::Rope,
    plan: Arc<Plan>,
    /// What requests built from this analysis (the outline), shared by its snapshots.
    memo: Arc<VersionMemo>,
}

/// Settings-derived values, swapped as one when the configuration changes.
#[derive(Clone)]
pub struct Config {
    pub settings: Arc<Settings>,
    pub syntax: Arc<PlaceholderSyntax>,
    pub templates: Arc<TemplateSet>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            settings: Arc::new(Settings::default()),
            syntax: Arc::new(PlaceholderSyntax::default()),
            templates: Arc::new(TemplateSet::default()),
        }
    }
}

#[derive(Default)]
pub struct ServerState {
    documents: Mutex<HashMap<Url, OpenDocument>>,
    config: RwLock<Config>,
    roots: RwLock<Arc<Vec<PathBuf>>>,
    encoding: RwLock<PositionEncoding>,
    pub files: Arc<FileFacts>,
    /// The code index (files, symbols, drift), filled in the background.
    pub code: Arc<crate::workspace::code::CodeIndex>,
    /// Sections and placeholders of plans on disk, for workspace symbols.
    pub plan_digests:
        Arc<crate::workspace::code::SummaryCache<crate::features::workspace_symbols::PlanDigest>>,
    /// The workspace walks: one at a time, a new one cancelling the one before.
    pub index_runs: IndexRuns,
    /// The client declared `window.workDoneProgress`: only then may progress tokens be created.
    pub client_shows_progress: std::sync::atomic::AtomicBool,
    /// The client asked for `$/planLsp/analysed` (`experimental.planLspAnalysed`).
    pub client_wants_analysed: std::sync::atomic::AtomicBool,
}

/// Serialises walks of the workspace: a re-index (new folders, new `index.*` settings) cancels
/// the walk in progress and waits for it to stop before starting over.
#[derive(Default)]
pub struct IndexRuns {
    pub one_at_a_time: tokio::sync::Mutex<()>,
    pub cancel_current: Mutex<Option<Arc<std::sync::atomic::AtomicBool>>>,
}

/// A document after `didChange`.
pub struct Changed {
    /// Edits whose ranges had to be fixed up.
    pub clamped: Vec<ClampedChange>,
    /// The version before the change: LSP versions only grow, so a client whose version went
    /// back has lost track of the document.
    pub previous_version: i32,
}

/// Frees `value` on a thread of its own. The plan a new version replaces is freed there, not in
/// the keystroke's analysis: freeing the allocations of a 5,000-line plan was about 6% of a
/// keystroke's CPU (perf, lspbench corpus).
fn drop_later<T: Send + 'static>(value: T) {
    type Garbage = Box<dyn Send>;
    static BIN: OnceLock<Option<std::sync::mpsc::Sender<Garbage>>> = OnceLock::new();
    let bin = BIN.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Garbage>();
        std::thread::Builder::new()
            .name("plan-lsp-free".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| tx)
    });
    // Without the thread (it could not start), the value is freed here.
    if let Some(bin) = bin {
        let _ = bin.send(Box::new(value));
    }
}

/// How much of a document just opened is parsed for a first look at its placeholders, before
/// the whole of it: about a screenful of lines many times over, parsed in a few milliseconds.
const FIRST_LOOK_BYTES: usize = 8 * 1024;

/// A document the request named is not open.
#[derive(Debug, thiserror::Error)]
#[error("unknown document {0}: open it first (textDocument/didOpen)")]
pub struct UnknownDocument(pub Url);

impl ServerState {
    pub fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Installs new settings; every open document is re-analysed with them when next asked for.
    pub fn set_config(&self, config: Config) {
        self.files
            .set_max_file_bytes(config.settings.index.max_file_bytes);
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        for doc in self.lock_documents().values_mut() {
            doc.generation += 1;
        }
    }

    pub fn roots(&self) -> Arc<Vec<PathBuf>> {
        self.roots.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_roots(&self, roots: Vec<PathBuf>) {
        *self.roots.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(roots);
    }

    pub fn encoding(&self) -> PositionEncoding {
        *self.encoding.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_encoding(&self, encoding: PositionEncoding) {
        *self.encoding.write().unwrap_or_else(|e| e.into_inner()) = encoding;
    }

    fn lock_documents(&self) -> std::sync::MutexGuard<'_, HashMap<Url, OpenDocument>> {
        // A panic elsewhere must not make every later request fail.
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores an opened document. It is parsed by the first [`snapshot`](Self::snapshot) that
    /// needs it (the publisher's, on a blocking thread), not here on the request path.
    pub fn open(&self, uri: Url, text: &str, version: i32) {
        let document = Document::new(text, version);
        let analysed = Analysed {
            generation: 0,
            version,
            rope: document.rope.clone(),
            plan: Arc::new(Plan::default()),
            memo: Arc::default(),
        };
        self.lock_documents().insert(
            uri,
            OpenDocument {
                document,
                // Ahead of the (empty) analysis: not parsed yet.
                generation: 1,
                analysed,
                cache: Arc::new(Mutex::new(PlanCache::default())),
            },
        );
    }

    /// Applies `didChange` edits in order, synchronously; the new text is parsed by the next
    /// [`snapshot`](Self::snapshot), off the request path.
    pub fn change(
        &self,
        uri: &Url,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
    ) -> Result<Changed, UnknownDocument> {
        let encoding = self.encoding();
        let mut docs = self.lock_documents();
        let doc = docs
            .get_mut(uri)
            .ok_or_else(|| UnknownDocument(uri.clone()))?;
        let mut clamped = Vec::new();
        for change in changes {
            if let Some(c) = doc.document.apply_change(change, encoding) {
                clamped.push(c);
            }
        }
        doc.generation += 1;
        let previous_version = std::mem::replace(&mut doc.document.version, version);
        Ok(Changed {
            clamped,
            previous_version,
        })
    }

    /// The snapshot of the document's latest text when it is already parsed; `None` when the
    /// latest text still has to be parsed.
    pub fn parsed_snapshot(&self, uri: &Url) -> Result<Option<Snapshot>, UnknownDocument> {
        let docs = self.lock_documents();
        let doc = docs.get(uri).ok_or_else(|| UnknownDocument(uri.clone()))?;
        Ok((doc.analysed.generation == doc.generation)
            .then(|| self.snapshot_of(uri, &doc.analysed, &self.config())))
    }

    pub fn close(&self, uri: &Url) {
        self.lock_documents().remove(uri);
        if let Some(path) = uri_path(uri) {
            self.files.markdown.close(&path);
        }
    }

    /// Lets other documents' features (heading links, references, rename) see this analysis.
    fn share(&self, uri: &Url, analysed: &Analysed) {
        if let Some(path) = uri_path(uri) {
            drop_later(self.files.markdown.set_open(
                path,
                uri.to_string(),
                analysed.version,
                analysed.plan.clone(),
            ));
        }
    }

    /// The document as analysed at its latest text, parsing the chunks that changed first
    /// (outside the documents lock).
    pub fn snapshot(&self, uri: &Url) -> Result<Snapshot, UnknownDocument> {
        let unknown = || UnknownDocument(uri.clone());
        let (rope, version, generation, cache) = {
            let docs = self.lock_documents();
            let doc = docs.get(uri).ok_or_else(unknown)?;
            if doc.analysed.generation == doc.generation {
                return Ok(self.snapshot_of(uri, &doc.analysed, &self.config()));
            }
            (
                doc.document.rope.clone(),
                doc.document.version,
                doc.generation,
                doc.cache.clone(),
            )
        };
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        {
            // A parse that held the cache may have analysed this text, or a newer one.
            let docs = self.lock_documents();
            let doc = docs.get(uri).ok_or_else(unknown)?;
            if doc.analysed.generation >= generation {
                return Ok(self.snapshot_of(uri, &doc.analysed, &self.config()));
            }
        }
        let config = self.config();
        let plan = Arc::new(Plan::build(&rope, &config.syntax, &mut cache));
        drop(cache);
        let analysed = Analysed {
            generation,
            version,
            rope,
            plan,
            memo: Arc::default(),
        };
        if let Some(doc) = self.lock_documents().get_mut(uri) {
            if doc.analysed.generation < generation {
                drop_later(std::mem::replace(&mut doc.analysed, analysed.clone()));
                self.share(uri, &analysed);
            }
        }
        Ok(self.snapshot_of(uri, &analysed, &config))
    }

    /// A snapshot of the start of a long document never analysed yet (just opened), whose plan
    /// holds only its first chunks (see `Plan::parse_start`); `None` for a short document, one
    /// analysed already, or one whose start could read differently once the rest is parsed.
    pub fn first_look(&self, uri: &Url) -> Option<Snapshot> {
        let (rope, version) = {
            let docs = self.lock_documents();
            let doc = docs.get(uri)?;
            if doc.analysed.generation != 0 || doc.document.rope.len_bytes() <= FIRST_LOOK_BYTES {
                return None;
            }
            (doc.document.rope.clone(), doc.document.version)
        };
        let config = self.config();
        let text: std::borrow::Cow<'_, str> = rope.slice(..).into();
        let plan = Plan::parse_start(&text, FIRST_LOOK_BYTES, &config.syntax)?;
        let analysed = Analysed {
            generation: 0,
            version,
            rope,
            plan: Arc::new(plan),
            memo: Arc::default(),
        };
        Some(self.snapshot_of(uri, &analysed, &config))
    }

    /// The version of an open document's latest text.
    pub fn version(&self, uri: &Url) -> Option<i32> {
        self.lock_documents()
            .get(uri)
            .map(|doc| doc.document.version)
    }

    /// The latest analysed plan of an open document.
    pub fn plan(&self, uri: &Url) -> Option<Arc<Plan>> {
        self.lock_documents()
            .get(uri)
            .map(|doc| doc.analysed.plan.clone())
    }

    pub fn open_uris(&self) -> Vec<Url> {
        self.lock_documents().keys().cloned().collect()
    }

    fn snapshot_of(&self, uri: &Url, analysed: &Analysed, config: &Config) -> Snapshot {
        Snapshot {
            uri: uri.clone(),
            version: analysed.version,
            rope: analysed.rope.clone(),
            plan: analysed.plan.clone(),
            template: config.templates.for_plan(
                &analysed.plan,
                config.settings.template.as_deref(),
                uri_path(uri).as_deref(),
            ),
            settings: config.settings.clone(),
            syntax: config.syntax.clone(),
            encoding: self.encoding(),
            roots: self.roots(),
            files: self.files.clone(),
            code: self.code.clone(),
            path: uri_path(uri),
            issue_drift: crate::server::commands::drift_finding(&analysed.plan, &config.settings),
            memo: analysed.memo.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_parse_under_way_never_holds_up_other_documents() {
        let state = Arc::new(ServerState::default());
        let a = Url::parse("file:///a.md").unwrap();
        let b = Url::parse("file:///b.md").unwrap();
        state.open(a.clone(), "# A\n", 1);
        state.open(b.clone(), "# B\n", 1);
        // A has changed and its parse is under way: its cache is held.
        let cache = {
            let mut docs = state.lock_documents();
            let doc = docs.get_mut(&a).unwrap();
            doc.generation += 1;
            doc.cache.clone()
        };
        let parsing = cache.lock().unwrap();
        let (tx, rx) = mpsc::channel();
        for uri in [b.clone(), a.clone()] {
            let (state, tx) = (state.clone(), tx.clone());
            std::thread::spawn(move || tx.send((uri.clone(), state.snapshot(&uri).is_ok())));
        }
        // B answers while A's parse holds its cache (a deadlock would fail the wait).
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok((b, true)));
        assert!(
            rx.recv_timeout(Duration::from_millis(50)).is_err(),
            "A waits for its parse"
        );
        drop(parsing);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok((a, true)));
    }
}
