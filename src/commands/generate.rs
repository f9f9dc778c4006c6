//! Running a model under work-done progress: streamed text is counted into `$/progress`, the
//! user can cancel, and only a finished answer comes back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tower_lsp::jsonrpc;

use crate::server::context::{errors, ServerContext};
use crate::services::llm::{LlmError, LlmService};
use crate::services::prompts::Prompt;

/// How often streamed progress is reported.
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Streams `prompt` through the model under progress titled `title`; the whole text on success.
pub async fn stream(
    ctx: &ServerContext,
    llm: &LlmService,
    title: &str,
    prompt: &Prompt,
) -> jsonrpc::Result<String> {
    let progress = ctx.begin_progress(title, true).await;
    progress
        .report(format!("waiting for {}", llm.config().model), None)
        .await;
    let received = AtomicUsize::new(0);
    let cancel = progress.cancel.clone();
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
                    progress.report(format!("{count} characters written"), None).await;
                }
            }
        }
    };
    finish(progress, outcome.map(|c| c.text)).await
}

/// One short non-streamed answer under progress titled `title`.
pub async fn complete(
    ctx: &ServerContext,
    llm: &LlmService,
    title: &str,
    prompt: &Prompt,
) -> jsonrpc::Result<String> {
    let progress = ctx.begin_progress(title, true).await;
    progress
        .report(format!("waiting for {}", llm.config().model), None)
        .await;
    let outcome = llm.complete(prompt, &progress.cancel).await;
    finish(progress, outcome.map(|c| c.text)).await
}

async fn finish(
    progress: crate::server::context::ProgressHandle,
    outcome: Result<String, LlmError>,
) -> jsonrpc::Result<String> {
    match outcome {
        Ok(text) => {
            progress.end("done").await;
            Ok(text)
        }
        Err(LlmError::Cancelled) => {
            progress.end("cancelled; nothing was changed").await;
            Err(errors::cancelled())
        }
        Err(error) => {
            progress.end("failed; nothing was changed").await;
            Err(errors::failed(error.to_string()))
        }
    }
}
