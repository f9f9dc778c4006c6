//! The language server over stdio.

pub mod backend;
pub mod commands;
pub mod handle;
pub mod indexing;
mod json_extent;
mod prebuilt;
mod publisher;
mod request_ids;
pub mod rpc_error;
pub mod service_clients;
mod session;
pub mod state;
mod stdin_guard;
mod stdout_guard;

use std::sync::Arc;
use std::time::Duration;

use tower_lsp::{ClientSocket, LspService, Server};

/// Requests handled at once. tower-lsp's default of 4 lets slow requests starve `shutdown`
/// and `$/cancelRequest`.
const CONCURRENCY: usize = 32;

/// How long handlers may still run after `exit`.
const EXIT_GRACE: Duration = Duration::from_millis(300);

/// How long the last frames may take to reach the client once the input has ended.
const FLUSH_GRACE: Duration = Duration::from_secs(1);

/// The language server as a service, to serve over any transport (stdio here, an in-memory
/// pipe in the feature tests).
pub fn service() -> (LspService<backend::Backend>, ClientSocket) {
    LspService::build(backend::Backend::new)
        .custom_method(
            "window/workDoneProgress/cancel",
            backend::Backend::work_done_progress_cancel,
        )
        .finish()
}

/// Serves LSP over `input` and `output` until the input closes (no guard on the input: for a
/// client that frames correctly, such as the feature tests).
pub async fn serve(
    input: impl tokio::io::AsyncRead + Unpin,
    output: impl tokio::io::AsyncWrite + Send + Unpin + 'static,
) {
    let (service, socket) = service();
    let ids = Arc::new(request_ids::RequestIds::default());
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    let (frames, writer) = stdout_guard::spawn(
        from_server,
        output,
        ids.clone(),
        Arc::new(session::Session::default()),
    );
    Server::new(input, server_out, socket)
        .concurrency_level(CONCURRENCY)
        .serve(prebuilt::Answers::new(service, frames, ids))
        .await;
    let _ = writer.await;
}

/// Serves LSP on stdin/stdout until the client exits, closes stdin or stops reading stdout.
/// Returns the process exit code: 0 when `shutdown` came first, 1 otherwise.
pub async fn run_stdio() -> u8 {
    let (service, socket) = service();
    let session = Arc::new(session::Session::default());
    let ids = Arc::new(request_ids::RequestIds::default());
    let (server_in, guarded_in) = tokio::io::duplex(1 << 16);
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    let (replies, writer) = stdout_guard::spawn(
        from_server,
        tokio::io::stdout(),
        ids.clone(),
        session.clone(),
    );
    publisher::write_to(&replies);
    let service = prebuilt::Answers::new(service, replies.clone(), ids.clone());
    tokio::spawn(stdin_guard::forward(
        tokio::io::stdin(),
        guarded_in,
        stdin_guard::Guard {
            ids,
            session: session.clone(),
            replies,
        },
    ));
    let serve = Server::new(server_in, server_out, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service);
    // tower-lsp waits for every handler to finish, and a handler awaiting the client (a
    // `workspace/configuration` reply, say) never will once `exit` has stopped the reading: give
    // them a moment to flush, then go.
    tokio::select! {
        _ = serve => {
            let _ = tokio::time::timeout(FLUSH_GRACE, writer).await;
        }
        _ = async {
            session.exited.notified().await;
            tokio::time::sleep(EXIT_GRACE).await;
        } => {}
        _ = session.output_closed.notified() => {}
    }
    session.exit_code()
}
