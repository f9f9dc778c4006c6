//! The language server over stdio.

pub mod backend;
pub mod commands;
pub mod context;
mod publisher;
pub mod state;
mod stdin_guard;

use tower_lsp::{LspService, Server};

/// Requests handled at once. tower-lsp's default of 4 lets slow requests starve `shutdown`
/// and `$/cancelRequest`.
const CONCURRENCY: usize = 32;

/// Serves LSP on stdin/stdout until the client exits.
pub async fn run_stdio() {
    let (service, socket) = LspService::build(backend::Backend::new)
        .custom_method(
            "window/workDoneProgress/cancel",
            backend::Backend::work_done_progress_cancel,
        )
        .custom_method(
            stdin_guard::INVALID_REQUEST_METHOD,
            backend::Backend::invalid_request,
        )
        .finish();
    let (guarded_in, guarded_out) = tokio::io::duplex(1 << 16);
    tokio::spawn(stdin_guard::forward(tokio::io::stdin(), guarded_out));
    Server::new(guarded_in, tokio::io::stdout(), socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
}
