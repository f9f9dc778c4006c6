//! What the server holds between requests: open documents, settings, workspace folders.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use tower_lsp::lsp_types::{TextDocumentContentChangeEvent, Url};

use crate::document::{ClampedChange, Document, PositionEncoding};
use crate::plan::template::TemplateSet;
use crate::plan::{PlaceholderSyntax, Plan, PlanCache};
use crate::settings::Settings;
use crate::snapshot::{uri_path, Snapshot};
use crate::workspace::files::FileFacts;

/// One open document with its analysis cache and latest plan.
pub struct OpenDocument {
    pub document: Document,
    cache: PlanCache,
    pub plan: Arc<Plan>,
}

impl OpenDocument {
    fn new(text: &str, version: i32, syntax: &PlaceholderSyntax) -> Self {
        let document = Document::new(text, version);
        let mut cache = PlanCache::default();
        let plan = Arc::new(Plan::build(&document.rope, syntax, &mut cache));
        OpenDocument {
            document,
            cache,
            plan,
        }
    }

    fn rebuild(&mut self, syntax: &PlaceholderSyntax) {
        self.plan = Arc::new(Plan::build(&self.document.rope, syntax, &mut self.cache));
    }
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
}

/// Serialises walks of the workspace: a re-index (new folders, new `index.*` settings) cancels
/// the walk in progress and waits for it to stop before starting over.
#[derive(Default)]
pub struct IndexRuns {
    pub one_at_a_time: tokio::sync::Mutex<()>,
    pub cancel_current: Mutex<Option<Arc<std::sync::atomic::AtomicBool>>>,
}

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

    /// Installs new settings and re-analyses every open document with them.
    pub fn set_config(&self, config: Config) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config.clone();
        let mut docs = self.lock_documents();
        for doc in docs.values_mut() {
            doc.rebuild(&config.syntax);
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

    pub fn open(&self, uri: Url, text: &str, version: i32) -> Snapshot {
        let config = self.config();
        let doc = OpenDocument::new(text, version, &config.syntax);
        let mut docs = self.lock_documents();
        docs.insert(uri.clone(), doc);
        self.snapshot_locked(&docs, &uri, &config)
            .expect("just inserted")
    }

    /// Applies `didChange` edits in order, synchronously, then re-analyses once.
    pub fn change(
        &self,
        uri: &Url,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
    ) -> Result<(Snapshot, Vec<ClampedChange>), UnknownDocument> {
        let config = self.config();
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
        doc.document.version = version;
        doc.rebuild(&config.syntax);
        let snapshot = self.snapshot_locked(&docs, uri, &config).expect("present");
        Ok((snapshot, clamped))
    }

    pub fn close(&self, uri: &Url) {
        self.lock_documents().remove(uri);
    }

    pub fn snapshot(&self, uri: &Url) -> Result<Snapshot, UnknownDocument> {
        let config = self.config();
        let docs = self.lock_documents();
        self.snapshot_locked(&docs, uri, &config)
            .ok_or_else(|| UnknownDocument(uri.clone()))
    }

    pub fn open_uris(&self) -> Vec<Url> {
        self.lock_documents().keys().cloned().collect()
    }

    fn snapshot_locked(
        &self,
        docs: &HashMap<Url, OpenDocument>,
        uri: &Url,
        config: &Config,
    ) -> Option<Snapshot> {
        let doc = docs.get(uri)?;
        Some(Snapshot {
            uri: uri.clone(),
            version: doc.document.version,
            rope: doc.document.rope.clone(),
            plan: doc.plan.clone(),
            template: config.templates.for_plan(
                &doc.plan,
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
        })
    }
}
