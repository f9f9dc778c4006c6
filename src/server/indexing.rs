//! Keeping the code index current: the background walk at startup with `$/progress` (requests
//! answer from the partial index meanwhile), walks again when the folders or `index.*` settings
//! change, the dynamic file-watcher registration, and `workspace/didChangeWatchedFiles` events.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tower_lsp::lsp_types::{
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions, FileChangeType,
    FileSystemWatcher, GlobPattern, Registration,
};

use crate::server::handle::ServerHandle;
use crate::workspace::index::{FileChange, IndexOptions};

/// How often the walk's progress is reported.
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Asks the client to send `workspace/didChangeWatchedFiles` for every file.
async fn register_watcher(ctx: &ServerHandle) {
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![FileSystemWatcher {
            glob_pattern: GlobPattern::String("**/*".to_owned()),
            kind: None,
        }],
    };
    let registration = Registration {
        id: "plan-lsp/watched-files".to_owned(),
        method: "workspace/didChangeWatchedFiles".to_owned(),
        register_options: serde_json::to_value(options).ok(),
    };
    if let Err(error) = ctx.client.register_capability(vec![registration]).await {
        tracing::warn!("file watcher registration failed: {}", error.message);
    }
}

/// Registers the file watcher (when the client allows it) and walks the workspace folders, in
/// a task of its own: a handler still waiting on the client when `exit` arrives would keep
/// tower-lsp from ever stopping.
pub fn start(ctx: &ServerHandle, watch_files: bool) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if watch_files {
            register_watcher(&ctx).await;
        }
        index_workspace(&ctx).await;
    });
}

/// Walks the workspace again (folders or `index.*` settings changed), in a task of its own.
pub fn reindex(ctx: &ServerHandle) {
    let ctx = ctx.clone();
    tokio::spawn(async move { index_workspace(&ctx).await });
}

async fn index_workspace(ctx: &ServerHandle) {
    let runs = &ctx.state.index_runs;
    if let Some(running) = lock(&runs.cancel_current).take() {
        running.store(true, Ordering::Relaxed);
    }
    let _one_at_a_time = runs.one_at_a_time.lock().await;
    let roots = ctx.state.roots().to_vec();
    if roots.is_empty() {
        return;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    *lock(&runs.cancel_current) = Some(cancel.clone());
    let options = IndexOptions {
        max_file_bytes: ctx.state.config().settings.index.max_file_bytes,
        threads: 0,
    };
    let code = ctx.state.code.clone();
    code.reset(roots, options);
    let progress = ctx.begin_progress("Indexing workspace", true).await;
    let seen = Arc::new(AtomicUsize::new(0));
    let walk = tokio::task::spawn_blocking({
        let (code, cancel, seen) = (code.clone(), cancel.clone(), seen.clone());
        move || code.index_all(&cancel, &|n| seen.store(n, Ordering::Relaxed))
    });
    tokio::pin!(walk);
    let mut tick = tokio::time::interval(REPORT_EVERY);
    let outcome = loop {
        tokio::select! {
            done = &mut walk => break done,
            _ = tick.tick() => {
                let n = seen.load(Ordering::Relaxed);
                progress.report(format!("{n} files"), None).await;
            }
            _ = progress.cancel.cancelled(), if !cancel.load(Ordering::Relaxed) => {
                cancel.store(true, Ordering::Relaxed);
            }
        }
    };
    match outcome {
        Ok(Some(n)) => {
            tracing::info!("indexed {n} files");
            progress.end(format!("Indexed {n} files")).await;
            // `unknown-symbol` waits for a complete index.
            ctx.republish_all();
        }
        Ok(None) => progress.end("Indexing cancelled").await,
        Err(error) => {
            tracing::error!("indexing failed: {error}");
            progress.end("Indexing failed").await;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Applies watched-file events to the index.
pub async fn watched_files_changed(ctx: &ServerHandle, params: &DidChangeWatchedFilesParams) {
    let changes: Vec<(PathBuf, FileChange)> = params
        .changes
        .iter()
        .filter_map(|event| {
            let change = match event.typ {
                FileChangeType::CREATED => FileChange::Created,
                FileChangeType::CHANGED => FileChange::Changed,
                FileChangeType::DELETED => FileChange::Deleted,
                _ => return None,
            };
            Some((event.uri.to_file_path().ok()?, change))
        })
        .collect();
    if changes.is_empty() {
        return;
    }
    let code = ctx.state.code.clone();
    if let Err(error) = tokio::task::spawn_blocking(move || code.apply_changes(&changes)).await {
        tracing::error!("applying file changes failed: {error}");
    }
}
