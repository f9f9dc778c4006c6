//! The language server over stdio.

pub mod backend;
pub mod commands;
pub mod indexing;
mod publisher;
pub mod rpc_error;
pub mod service_clients;
pub mod session;
pub mod state;
mod stdin_guard;

use tower_lsp::{ClientSocket, LspService, Server};

/// Requests handled at once. tower-lsp's default of 4 lets slow requests starve `shutdown`
/// and `$/cancelRequest`.
const CONCURRENCY: usize = 32;

/// How long handlers may still run after `exit`.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_millis(300);

/// The language server as a service, to serve over any transport (stdio here, an in-memory
/// pipe in the feature tests).
pub fn service() -> (LspService<backend::Backend>, ClientSocket) {
    LspService::build(backend::Backend::new)
        .custom_method(
            "window/workDoneProgress/cancel",
            backend::Backend::work_done_progress_cancel,
        )
        .custom_method(
            stdin_guard::INVALID_REQUEST_METHOD,
            backend::Backend::invalid_request,
        )
        .finish()
}

/// Serves LSP over `input` and `output` until the input closes.
pub async fn serve(input: impl tokio::io::AsyncRead + Unpin, output: impl tokio::io::AsyncWrite) {
    let (service, socket) = service();
    Server::new(input, output, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
}

/// Serves LSP on stdin/stdout until the client exits.
pub async fn run_stdio() {
    let (service, socket) = service();
    let (guarded_in, guarded_out) = tokio::io::duplex(1 << 16);
    let exited = std::sync::Arc::new(tokio::sync::Notify::new());
    tokio::spawn(stdin_guard::forward(
        tokio::io::stdin(),
        guarded_out,
        exited.clone(),
    ));
    let serve = Server::new(guarded_in, tokio::io::stdout(), socket)
        .concurrency_level(CONCURRENCY)
        .serve(service);
    // tower-lsp waits for every handler to finish, and a handler awaiting the client (a
    // `workspace/configuration` reply, say) never will once `exit` has stopped the reading: give
    // them a moment to flush, then go.
    tokio::select! {
        _ = serve => {}
        _ = async {
            exited.notified().await;
            tokio::time::sleep(EXIT_GRACE).await;
        } => {}
    }
}
