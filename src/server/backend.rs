//! The tower-lsp glue: capabilities, notifications and request routing. No analysis here.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::request::WorkspaceConfiguration;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

use super::commands;
use super::handle::ServerHandle;
use super::rpc_error;
use super::state::{Config, ServerState};
use crate::analysis::diagnostics::CODES;
use crate::document::PositionEncoding;
use crate::features::{self, FeatureError};
use crate::plan::PlaceholderSyntax;
use crate::settings::Settings;
use crate::snapshot::Snapshot;
use crate::workspace::code::IndexStatus;
use crate::workspace::disk::real_or_given;
use crate::workspace::templates::load_templates;

/// Longest an issue hover waits on GitHub, beyond the GitHub client's own time limit.
const NETWORK_HOVER_LIMIT: std::time::Duration = std::time::Duration::from_secs(6);

pub struct Backend {
    pub ctx: ServerHandle,
    supports_configuration: AtomicBool,
    /// Whether the client lets us register a file watcher (for the code index).
    watch_files_dynamically: AtomicBool,
    /// Whether completion items may be snippets.
    snippets: AtomicBool,
    /// Whether the client re-asks for semantic tokens when told (new placeholder settings).
    semantic_tokens_refresh: AtomicBool,
    /// The issue hover waiting on GitHub, if any: a newer hover cancels it.
    network_hover: std::sync::Mutex<CancellationToken>,
    /// Whose command names hovers use (the front end declares itself at `initialize`).
    command_names: std::sync::RwLock<features::hover::CommandNames>,
    /// Set once `initialized` started the first walk: later changes walk again.
    indexing_started: AtomicBool,
    /// The client named no workspace folder: each opened document brings its own root.
    roots_from_documents: AtomicBool,
}

/// How long a lookup that found nothing waits for the index still being built.
const INDEX_WAIT: Duration = Duration::from_secs(5);

impl Backend {
    pub fn new(client: Client) -> Self {
        Backend {
            ctx: ServerHandle::new(client, Arc::new(ServerState::default())),
            supports_configuration: AtomicBool::new(false),
            watch_files_dynamically: AtomicBool::new(false),
            snippets: AtomicBool::new(false),
            semantic_tokens_refresh: AtomicBool::new(false),
            network_hover: std::sync::Mutex::new(CancellationToken::new()),
            indexing_started: AtomicBool::new(false),
            roots_from_documents: AtomicBool::new(false),
            command_names: Default::default(),
        }
    }

    /// The `#123` hover, which may wait on GitHub. Requests share a few dozen slots with
    /// keystrokes, so only the newest such hover waits (the editor shows one hover; older ones
    /// answer nothing at once), and never longer than [`NETWORK_HOVER_LIMIT`].
    async fn issue_hover(&self, snapshot: &Snapshot, position: Position) -> Option<Hover> {
        let superseded = {
            let mut current = self.network_hover.lock().unwrap_or_else(|e| e.into_inner());
            current.cancel();
            *current = CancellationToken::new();
            current.clone()
        };
        tokio::select! {
            hover = tokio::time::timeout(
                NETWORK_HOVER_LIMIT,
                crate::server::commands::issue_hover(snapshot, position),
            ) => hover.ok().flatten(),
            _ = superseded.cancelled() => None,
        }
    }

    async fn snapshot(&self, uri: &Url) -> Result<Snapshot> {
        self.ctx.snapshot(uri).await
    }

    /// Installs settings: compiles placeholder patterns, loads templates, re-analyses open plans.
    async fn apply_settings(&self, value: &Value) {
        let (settings, mut problems) = Settings::from_json(value);
        let index_changed = settings.index != self.ctx.state.config().settings.index;
        let codes: Vec<&str> = CODES.iter().map(|(code, _)| *code).collect();
        problems.extend(settings.unknown_severity_codes(&codes));
        let (syntax, pattern_errors) = PlaceholderSyntax::new(
            &settings.placeholders.patterns,
            settings.placeholders.disable_defaults,
        );
        for e in pattern_errors {
            self.ctx.log(MessageType::WARNING, e.to_string()).await;
        }
        let (templates, template_errors) = load_templates(&self.ctx.state.roots());
        for e in template_errors {
            self.ctx.log(MessageType::WARNING, e.to_string()).await;
        }
        tracing::info!("settings: {:?}", settings.redacted());
        self.ctx.state.set_config(Config {
            settings: Arc::new(settings),
            syntax: Arc::new(syntax),
            templates: Arc::new(templates),
        });
        self.ctx.republish_all();
        if index_changed && self.indexing_started.load(Ordering::Relaxed) {
            super::indexing::reindex(&self.ctx);
        }
        // Told after the settings are in place, so a request racing this message sees them.
        for problem in problems {
            // A message the user sees: a mistyped value would otherwise change nothing silently.
            let message = format!("plan-lsp settings: {problem}");
            self.ctx.log(MessageType::WARNING, message.clone()).await;
            self.ctx
                .client
                .show_message(MessageType::WARNING, message)
                .await;
        }
    }

    /// Placeholder settings may have changed which text is a placeholder: the client asks for
    /// tokens again (in the background: the client answers when it likes).
    fn refresh_semantic_tokens(&self) {
        if self.semantic_tokens_refresh.load(Ordering::Relaxed) {
            let client = self.ctx.client.clone();
            tokio::spawn(async move { client.semantic_tokens_refresh().await });
        }
    }

    fn command_names(&self) -> features::hover::CommandNames {
        *self.command_names.read().unwrap_or_else(|e| e.into_inner())
    }

    /// New workspace folders: their templates, the open plans analysed again, a new walk.
    async fn roots_changed(&self, roots: Vec<PathBuf>) {
        tracing::info!("workspace folders: {roots:?}");
        self.ctx.state.set_roots(roots);
        let (templates, template_errors) = load_templates(&self.ctx.state.roots());
        for e in template_errors {
            self.ctx.log(MessageType::WARNING, e.to_string()).await;
        }
        let config = self.ctx.state.config();
        self.ctx.state.set_config(Config {
            templates: Arc::new(templates),
            ..config
        });
        self.ctx.republish_all();
        if self.indexing_started.load(Ordering::Relaxed) {
            super::indexing::reindex(&self.ctx);
        }
    }

    /// When the client gave no workspace folder, a document outside every root adds its own.
    /// True when the roots changed.
    async fn adopt_root_of(&self, uri: &Url) -> bool {
        if !self.roots_from_documents.load(Ordering::Relaxed) {
            return false;
        }
        let Ok(path) = uri.to_file_path() else {
            return false;
        };
        let roots = self.ctx.state.roots();
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        if roots.iter().any(|root| path.starts_with(root)) {
            return false;
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let Some(root) = crate::workspace::root::root_for_document(&path, home.as_deref()) else {
            tracing::info!("no workspace folder for {}", path.display());
            return false;
        };
        let mut roots = roots.to_vec();
        roots.push(root);
        self.roots_changed(roots).await;
        true
    }

    /// A lookup that found nothing while the index is still being built waits for the walk
    /// (bounded by [`INDEX_WAIT`]); true when the index is now complete and worth asking again.
    async fn index_completed_meanwhile(&self) -> bool {
        let code = &self.ctx.state.code;
        // Not started yet with folders to walk: `initialized` is about to start the walk.
        let pending = || match code.status() {
            IndexStatus::Indexing => true,
            IndexStatus::NotStarted => !self.ctx.state.roots().is_empty(),
            IndexStatus::Ready => false,
        };
        if !pending() {
            return false;
        }
        let deadline = tokio::time::Instant::now() + INDEX_WAIT;
        while pending() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        code.is_ready()
    }

    async fn pull_settings(&self) -> Option<Value> {
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("planLsp".to_string()),
        }];
        match self
            .ctx
            .client
            .send_request::<WorkspaceConfiguration>(ConfigurationParams { items })
            .await
        {
            Ok(mut values) if !values.is_empty() => Some(values.remove(0)),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("workspace/configuration failed: {}", e.message);
                None
            }
        }
    }
}

fn feature_error(e: FeatureError) -> tower_lsp::jsonrpc::Error {
    rpc_error::invalid_params(e.to_string())
}

fn roots_of(params: &InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<Url> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|f| f.uri.clone())
        .collect();
    #[allow(deprecated)] // Older clients only send rootUri.
    if uris.is_empty() {
        uris.extend(params.root_uri.clone());
    }
    uris.iter()
        .filter_map(|u| u.to_file_path().ok())
        .map(|p| real_or_given(&p))
        .collect()
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = PositionEncoding::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        self.ctx.state.set_encoding(encoding);
        *self
            .command_names
            .write()
            .unwrap_or_else(|e| e.into_inner()) = features::hover::CommandNames::from_capability(
            params.capabilities.experimental.as_ref(),
        );
        let wants_analysed = params
            .capabilities
            .experimental
            .as_ref()
            .and_then(|e| e.get("planLspAnalysed"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        self.ctx
            .state
            .client_wants_analysed
            .store(wants_analysed, Ordering::Relaxed);
        let shows_progress = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        self.ctx
            .state
            .client_shows_progress
            .store(shows_progress, Ordering::Relaxed);
        let roots = roots_of(&params);
        self.roots_from_documents
            .store(roots.is_empty(), Ordering::Relaxed);
        self.ctx.state.set_roots(roots);
        let supports_configuration = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.configuration)
            .unwrap_or(false);
        self.supports_configuration
            .store(supports_configuration, Ordering::Relaxed);
        let caps = &params.capabilities;
        let dynamic_watch = caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.watch_files_dynamically
            .store(dynamic_watch, Ordering::Relaxed);
        let snippets = caps
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        self.snippets.store(snippets, Ordering::Relaxed);
        let refresh = caps
            .workspace
            .as_ref()
            .and_then(|w| w.semantic_tokens.as_ref())
            .and_then(|t| t.refresh_support)
            .unwrap_or(false);
        self.semantic_tokens_refresh
            .store(refresh, Ordering::Relaxed);
        self.apply_settings(
            params
                .initialization_options
                .as_ref()
                .unwrap_or(&Value::Null),
        )
        .await;

        let capabilities = ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(["/", "`", "[", ":", ".", "#"].map(String::from).to_vec()),
                ..CompletionOptions::default()
            }),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            document_highlight_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: features::semantic_tokens::legend(),
                    range: Some(true),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
            ),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            document_link_provider: Some(DocumentLinkOptions {
                resolve_provider: Some(false),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::REFACTOR_REWRITE,
                ]),
                ..CodeActionOptions::default()
            })),
            code_lens_provider: Some(CodeLensOptions {
                resolve_provider: Some(false),
            }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: commands::COMMANDS
                    .iter()
                    .map(|c| c.name.to_string())
                    .collect(),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            // The command table with what each needs, for editors and their tests.
            experimental: Some(
                serde_json::json!({"planLsp": {"commands": commands::table_json()}}),
            ),
            ..ServerCapabilities::default()
        };
        Ok(InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "plan-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.supports_configuration.load(Ordering::Relaxed) {
            if let Some(value) = self.pull_settings().await {
                if !value.is_null() {
                    self.apply_settings(&value).await;
                    self.refresh_semantic_tokens();
                }
            }
        }
        self.ctx
            .log(
                MessageType::INFO,
                format!("plan-lsp {} ready", env!("CARGO_PKG_VERSION")),
            )
            .await;
        super::indexing::start(
            &self.ctx,
            self.watch_files_dynamically.load(Ordering::Relaxed),
        );
        self.indexing_started.store(true, Ordering::Relaxed);
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        // Stored before any await, so a didChange right behind it finds the document; parsed by
        // the publisher, off the request path.
        self.ctx.state.open(doc.uri.clone(), &doc.text, doc.version);
        self.adopt_root_of(&doc.uri).await;
        self.ctx.publish_newest(&doc.uri);
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            if let Ok(snapshot) = ctx.snapshot(&doc.uri).await {
                crate::server::commands::refresh_issue(&ctx, &snapshot);
            }
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = &params.text_document.uri;
        // Applied synchronously, before any await, so concurrent notifications cannot interleave.
        let result =
            self.ctx
                .state
                .change(uri, params.text_document.version, &params.content_changes);
        match result {
            Ok(changed) => {
                self.ctx.publish_newest(uri);
                let version = params.text_document.version;
                if version <= changed.previous_version {
                    // Applied all the same: the text the client sent is the best copy there is.
                    let message = format!(
                        "didChange for {uri} went from version {} to {version} (versions must grow): \
                         applied as sent",
                        changed.previous_version
                    );
                    self.ctx.log(MessageType::WARNING, message).await;
                }
                for c in changed.clamped {
                    self.ctx.log(MessageType::ERROR, c.message).await;
                }
            }
            Err(e) => {
                self.ctx
                    .log(MessageType::ERROR, format!("didChange ignored: {e}"))
                    .await
            }
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.ctx.publish_newest(&params.text_document.uri);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.ctx.state.close(&params.text_document.uri);
        self.ctx.clear_diagnostics(&params.text_document.uri);
        // Links into it now read the file on disk, which may differ from the closed text.
        self.ctx.republish_all();
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        // Editors differ in what they put in this payload: ask for the section when we can.
        let pulled = if self.supports_configuration.load(Ordering::Relaxed) {
            self.pull_settings().await
        } else {
            None
        };
        let value = pulled.unwrap_or(params.settings);
        self.apply_settings(&value).await;
        self.refresh_semantic_tokens();
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let path_of = |folder: &WorkspaceFolder| {
            let path = folder.uri.to_file_path().ok()?;
            Some(std::fs::canonicalize(&path).unwrap_or(path))
        };
        let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(path_of).collect();
        let mut roots: Vec<PathBuf> = self
            .ctx
            .state
            .roots()
            .iter()
            .filter(|root| !removed.contains(root))
            .cloned()
            .collect();
        for added in params.event.added.iter().filter_map(path_of) {
            if !roots.contains(&added) {
                roots.push(added);
            }
        }
        // The client manages folders now: documents no longer bring their own.
        self.roots_from_documents.store(false, Ordering::Relaxed);
        self.roots_changed(roots).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        for change in &params.changes {
            if let Ok(path) = change.uri.to_file_path() {
                self.ctx.state.files.invalidate(&path);
                self.ctx.state.code.drift.invalidate(&path);
            }
        }
        super::indexing::watched_files_changed(&self.ctx, &params).await;
        self.ctx.republish_all();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let snapshot = self.snapshot(&p.text_document.uri).await?;
        let mut found = features::hover::hover(&snapshot, p.position, self.command_names())
            .map_err(feature_error)?;
        if found.is_none() && self.index_completed_meanwhile().await {
            let snapshot = self.snapshot(&p.text_document.uri).await?;
            found = features::hover::hover(&snapshot, p.position, self.command_names())
                .map_err(feature_error)?;
        }
        match found {
            Some(hover) => Ok(Some(hover)),
            None => Ok(self.issue_hover(&snapshot, p.position).await),
        }
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let snapshot = self.snapshot(&p.text_document.uri).await?;
        let found =
            features::definition::definition(&snapshot, p.position).map_err(feature_error)?;
        if found.is_none() && self.index_completed_meanwhile().await {
            let snapshot = self.snapshot(&p.text_document.uri).await?;
            return features::definition::definition(&snapshot, p.position).map_err(feature_error);
        }
        Ok(found)
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let snapshot = self.snapshot(&p.text_document.uri).await?;
        let include_declaration = params.context.include_declaration;
        // Reads other plans from disk: off the async workers.
        tokio::task::spawn_blocking(move || {
            features::references::references(&snapshot, p.position, include_declaration)
        })
        .await
        .map_err(|e| rpc_error::failed(format!("references failed: {e}")))?
        .map_err(feature_error)
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let p = params.text_document_position_params;
        let snapshot = self.snapshot(&p.text_document.uri).await?;
        features::highlight::document_highlights(&snapshot, p.position).map_err(feature_error)
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        features::rename::prepare_rename(&snapshot, params.position).map_err(feature_error)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let snapshot = self.snapshot(&p.text_document.uri).await?;
        tokio::task::spawn_blocking(move || {
            features::rename::rename(&snapshot, p.position, &params.new_name)
        })
        .await
        .map_err(|e| rpc_error::failed(format!("rename failed: {e}")))?
        .map_err(feature_error)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        // The JSON kept for this version is written as it is (tower-lsp would rebuild it as a
        // `Value` tree for every request).
        if super::prebuilt::answer(features::symbols::document_symbols_json(&snapshot)) {
            return Ok(None);
        }
        Ok(Some(DocumentSymbolResponse::Nested(
            features::symbols::document_symbols(&snapshot),
        )))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        features::selection_range::selection_ranges(&snapshot, &params.positions)
            .map(Some)
            .map_err(feature_error)
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        let tokens = features::semantic_tokens::tokens(&snapshot, None);
        Ok(Some(SemanticTokensResult::Tokens(tokens)))
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        let start = snapshot
            .offset(params.range.start)
            .map_err(|e| feature_error(e.into()))?;
        let end = snapshot
            .offset(params.range.end)
            .map_err(|e| feature_error(e.into()))?;
        let tokens = features::semantic_tokens::tokens(&snapshot, Some(start..end));
        Ok(Some(SemanticTokensRangeResult::Tokens(tokens)))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        Ok(Some(features::folding::folding_ranges(&snapshot)))
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        let links = features::links::document_links(&snapshot);
        // Written as JSON straight from the links, without tower-lsp's `Value` tree.
        if let Ok(json) = serde_json::to_vec(&links) {
            if super::prebuilt::answer(json) {
                return Ok(None);
            }
        }
        Ok(Some(links))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        let mut actions =
            features::code_action::code_actions(&snapshot, &params).map_err(feature_error)?;
        actions.extend(commands::ai_code_actions(&snapshot, params.range));
        Ok(Some(actions))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        Ok(Some(features::code_lens::code_lenses(&snapshot)))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let snapshot = self.snapshot(&params.text_document.uri).await?;
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(snapshot.version.to_string()),
                    items: features::diagnostics::compute(&snapshot),
                },
            }),
        ))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let snapshot = self.snapshot(&p.text_document.uri).await?;
        let snippets = self.snippets.load(Ordering::Relaxed);
        features::completion::completion(&snapshot, p.position, snippets).map_err(feature_error)
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<Vec<SymbolInformation>>> {
        let state = self.ctx.state.clone();
        let mut open: Vec<Snapshot> = Vec::new();
        for uri in state.open_uris() {
            open.extend(self.ctx.snapshot(&uri).await.ok());
        }
        let syntax = state.config().syntax;
        let encoding = state.encoding();
        let found = tokio::task::spawn_blocking(move || {
            let roots = state.roots();
            features::workspace_symbols::workspace_symbols(
                &state.files.door(&roots),
                &state.code,
                &state.plan_digests,
                &open,
                &syntax,
                encoding,
                &params.query,
            )
        })
        .await
        .map_err(|e| rpc_error::failed(format!("workspace symbols failed: {e}")))?;
        Ok(Some(found))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute(&self.ctx, &params.command, params.arguments).await
    }
}

impl Backend {
    /// `window/workDoneProgress/cancel`, which tower-lsp 0.20's trait lacks.
    pub async fn work_done_progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        self.ctx.cancel_progress(&params.token);
    }
}
