//! Running a model under work-done progress: streamed text is counted into `$/progress`, the
//! user can cancel, and only a finished answer comes back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tower_lsp::jsonrpc;

use crate::server::handle::{ProgressHandle, ServerHandle};
use crate::server::rpc_error;
use crate::services::llm::{LlmError, LlmService};
use crate::services::prompts::Prompt;

/// How often streamed progress is reported.
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Progress that always ends: when `$/cancelRequest` drops the request future mid-way, the
/// editor would otherwise show the progress forever.
struct EndingProgress(Option<ProgressHandle>);

impl EndingProgress {
    /// Begins cancellable progress titled `title`, saying which model it waits for.
    async fn begin(ctx: &ServerHandle, llm: &LlmService, title: &str) -> EndingProgress {
        let progress = EndingProgress(Some(ctx.begin_progress(title, true).await));
        progress
            .get()
            .report(format!("waiting for {}", llm.config().model), None)
            .await;
        progress
    }

    fn get(&self) -> &ProgressHandle {
        self.0.as_ref().expect("present until ended")
    }

    async fn end(mut self, message: &str) {
        if let Some(progress) = self.0.take() {
            progress.end(message).await;
        }
    }
}

impl Drop for EndingProgress {
    fn drop(&mut self) {
        if let Some(progress) = self.0.take() {
            tokio::spawn(async move { progress.end("cancelled; nothing was changed").await });
        }
    }
}

/// Streams `prompt` through the model under progress titled `title`; the whole text on success.
pub async fn stream(
    ctx: &ServerHandle,
    llm: &LlmService,
    title: &str,
    prompt: &Prompt,
) -> jsonrpc::Result<String> {
    let progress = EndingProgress::begin(ctx, llm, title).await;
    let received = AtomicUsize::new(0);
    let cancel = progress.get().cancel.clone();
    let generation = llm.stream_chat(prompt, &cancel, |delta| {
        received.fetch_add(delta.chars().count(), Ordering::Relaxed);
    });
    tokio::pin!(generation);
    let mut ticker = tokio::time::interval(REPORT_EVERY);
    let mut reported = 0;
    let outcome = loop {
        tokio::select! {
            outcome = &mut generation => break outcome,
            _ = ticker.tick() => {
                let count = received.load(Ordering::Relaxed);
                if count != reported {
                    reported = count;
                    progress.get().report(format!("{count} characters written"), None).await;
                }
            }
        }
    };
    finish(progress, outcome.map(|c| c.text)).await
}

/// One short non-streamed answer under progress titled `title`.
pub async fn complete(
    ctx: &ServerHandle,
    llm: &LlmService,
    title: &str,
    prompt: &Prompt,
) -> jsonrpc::Result<String> {
    let progress = EndingProgress::begin(ctx, llm, title).await;
    let outcome = llm.complete(prompt, &progress.get().cancel).await;
    finish(progress, outcome.map(|c| c.text)).await
}

async fn finish(
    progress: EndingProgress,
    outcome: Result<String, LlmError>,
) -> jsonrpc::Result<String> {
    match outcome {
        Ok(text) => {
            progress.end("done").await;
            Ok(text)
        }
        Err(LlmError::Cancelled) => {
            progress.end("cancelled; nothing was changed").await;
            Err(rpc_error::cancelled())
        }
        Err(error) => {
            progress.end("failed; nothing was changed").await;
            Err(rpc_error::failed(error.to_string()))
        }
    }
}
