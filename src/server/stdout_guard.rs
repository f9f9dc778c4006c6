//! The server's side of stdout: tower-lsp's frames and the stdin guard's answers go out through one
//! writer, with ids the guard mapped restored. When the client stops reading (stdout closed), the
//! writer says so and keeps draining, so tower-lsp never sees a failed write (it panics on one).

use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::request_ids::RequestIds;
use super::session::Session;

/// Frames queued for the writer before senders wait.
const QUEUE: usize = 64;

/// One LSP frame around `body`.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Starts copying tower-lsp's output (`from_server`) to `stdout`. Returns the sender for frames
/// written by others, and the writer, which ends once every sender is gone and all is written.
pub fn spawn(
    from_server: impl AsyncRead + Send + Unpin + 'static,
    stdout: impl AsyncWrite + Send + Unpin + 'static,
    ids: Arc<RequestIds>,
    session: Arc<Session>,
) -> (mpsc::Sender<Vec<u8>>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(collect(from_server, tx.clone(), ids));
    let writer = tokio::spawn(write(rx, stdout, session));
    (tx, writer)
}

/// Reads tower-lsp's frames (well formed: it wrote them) and queues them for the writer.
async fn collect(
    from_server: impl AsyncRead + Unpin,
    tx: mpsc::Sender<Vec<u8>>,
    ids: Arc<RequestIds>,
) {
    let mut reader = BufReader::with_capacity(1 << 16, from_server);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length:") {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { continue };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if ids.may_be_in(&body) {
            restore_id(&mut body, &ids);
        }
        if tx.send(frame(&body)).await.is_err() {
            return;
        }
    }
}

/// Puts the client's id back into a response to a request whose id was mapped.
fn restore_id(body: &mut Vec<u8>, ids: &RequestIds) {
    let Ok(mut message) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let Some(object) = message.as_object_mut() else {
        return;
    };
    if object.contains_key("method") {
        return;
    }
    let Some(original) = object
        .get("id")
        .and_then(Value::as_str)
        .and_then(|mapped| ids.restore(mapped))
    else {
        return;
    };
    object.insert("id".to_string(), original);
    if let Ok(restored) = serde_json::to_vec(&message) {
        *body = restored;
    }
}

async fn write(
    mut rx: mpsc::Receiver<Vec<u8>>,
    mut stdout: impl AsyncWrite + Unpin,
    session: Arc<Session>,
) {
    while let Some(first) = rx.recv().await {
        let mut written = stdout.write_all(&first).await.is_ok();
        // Whatever else is queued goes out before one flush.
        while written {
            match rx.try_recv() {
                Ok(next) => written = stdout.write_all(&next).await.is_ok(),
                Err(_) => break,
            }
        }
        if !written || stdout.flush().await.is_err() {
            tracing::warn!("stdout is closed: the client is gone, stopping");
            session.output_closed.notify_one();
            while rx.recv().await.is_some() {}
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mapped_ids_are_restored_and_a_closed_stdout_is_reported() {
        let ids = Arc::new(RequestIds::default());
        let mapped = ids.map(&serde_json::json!(1.5)).unwrap();
        let (mut server, from_server) = tokio::io::duplex(1024);
        let (stdout, mut client) = tokio::io::duplex(1 << 16);
        let session = Arc::new(Session::default());
        let (tx, writer) = spawn(from_server, stdout, ids, session.clone());
        let response = serde_json::json!({"jsonrpc": "2.0", "result": null, "id": mapped});
        server
            .write_all(&frame(response.to_string().as_bytes()))
            .await
            .unwrap();
        drop(server);
        drop(tx);
        writer.await.unwrap();
        let mut out = String::new();
        client.read_to_string(&mut out).await.unwrap();
        let (_, body) = out.split_once("\r\n\r\n").unwrap();
        let restored: Value = serde_json::from_str(body).unwrap();
        assert_eq!(restored["id"], serde_json::json!(1.5), "{out}");

        let (stdout, client) = tokio::io::duplex(16);
        drop(client);
        let (tx, writer) = spawn(
            tokio::io::empty(),
            stdout,
            Default::default(),
            session.clone(),
        );
        tx.send(frame(b"{}")).await.unwrap();
        session.output_closed.notified().await;
        drop(tx);
        writer.await.unwrap();
    }
}
