//! Answers a handler already holds as JSON text, written to the client as they are.
//!
//! tower-lsp turns every result into a `serde_json::Value` tree, serialises that, and drops it.
//! For a large answer that was nearly all of a request's time and, at its peak, most of the
//! server's memory: the outline of a 50,000-line plan is 2.8 MB of JSON (ten thousand symbols,
//! built once per version), its document links 19,000 objects whose `Value` tree took 50 MB. A
//! handler that has the bytes hands them over with [`answer`] and returns `Ok(None)`; [`Answers`],
//! a layer around tower-lsp's service, then writes the bytes as the response to that request
//! instead of tower-lsp's `null`. tower-lsp still routes the request, so its checks (not
//! initialised, shut down) and `$/cancelRequest` work as for any other.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tower_lsp::jsonrpc::{Id, Request, Response};
use tower_service::Service;

use super::request_ids::RequestIds;

/// JSON text, shared (kept for a version) or not.
type Json = Box<dyn AsRef<[u8]> + Send>;

/// The bytes a handler left for its response.
type Slot = Arc<Mutex<Option<Json>>>;

tokio::task_local! {
    static SLOT: Slot;
}

/// Makes `json` (one JSON value) the result of the request being handled. False outside
/// [`Answers`] (nothing will write it): the handler must then return the result itself.
pub fn answer(json: impl AsRef<[u8]> + Send + 'static) -> bool {
    SLOT.try_with(|slot| {
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(json));
    })
    .is_ok()
}

/// tower-lsp's service, with requests whose handler called [`answer`] answered from the bytes.
pub struct Answers<S> {
    inner: S,
    /// Frames for the client's stdout (see `stdout_guard`).
    output: mpsc::Sender<Vec<u8>>,
    /// Ids mapped on the way in, to restore in what is written here.
    ids: Arc<RequestIds>,
}

impl<S> Answers<S> {
    pub fn new(inner: S, output: mpsc::Sender<Vec<u8>>, ids: Arc<RequestIds>) -> Self {
        Answers { inner, output, ids }
    }
}

impl<S> Service<Request> for Answers<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let slot = Slot::default();
        let handled = SLOT.scope(slot.clone(), self.inner.call(request));
        let output = self.output.clone();
        let ids = self.ids.clone();
        Box::pin(async move {
            let response = handled.await?;
            let json = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            // No bytes, or cancelled or failed after the handler answered: tower-lsp's answer
            // stands.
            let (Some(json), Some(answered)) = (json, &response) else {
                return Ok(response);
            };
            if answered.is_error() {
                return Ok(response);
            }
            let id = client_id(answered.id(), &ids);
            // Fails only when the writer is gone, that is when the session is over.
            let _ = output.send(framed_response(&id, (*json).as_ref())).await;
            Ok(None)
        })
    }
}

/// The id as the client sent it, JSON.
fn client_id(id: &Id, ids: &RequestIds) -> Vec<u8> {
    let original = match id {
        Id::String(mapped) => ids.restore(mapped),
        _ => None,
    };
    match original {
        Some(original) => serde_json::to_vec(&original),
        None => serde_json::to_vec(id),
    }
    .unwrap_or_else(|_| b"null".to_vec())
}

/// The LSP frame of a JSON-RPC response around a result already serialised (one copy of it).
fn framed_response(id: &[u8], result: &[u8]) -> Vec<u8> {
    const HEAD: &[u8] = br#"{"jsonrpc":"2.0","id":"#;
    const RESULT: &[u8] = br#","result":"#;
    let length = HEAD.len() + id.len() + RESULT.len() + result.len() + 1;
    let header = format!("Content-Length: {length}\r\n\r\n");
    let mut out = Vec::with_capacity(header.len() + length);
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(HEAD);
    out.extend_from_slice(id);
    out.extend_from_slice(RESULT);
    out.extend_from_slice(result);
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tower_lsp::jsonrpc::Error;

    use super::*;

    /// A stand-in for tower-lsp's service: the handler leaves `json`, tower-lsp then responds.
    struct Handler {
        json: &'static str,
        respond: fn(Id) -> Response,
    }

    impl Service<Request> for Handler {
        type Response = Option<Response>;
        type Error = ();
        type Future = BoxFuture<'static, Result<Option<Response>, ()>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request) -> Self::Future {
            let (json, respond) = (self.json, self.respond);
            Box::pin(async move {
                tokio::task::yield_now().await;
                assert!(answer(json));
                Ok(request.id().cloned().map(respond))
            })
        }
    }

    fn request(id: Value) -> Request {
        serde_json::from_value(json!({"jsonrpc": "2.0", "id": id, "method": "m"})).unwrap()
    }

    fn written(frame: Vec<u8>) -> Value {
        let text = String::from_utf8(frame).unwrap();
        let (header, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(header, format!("Content-Length: {}", body.len()));
        serde_json::from_str(body).unwrap()
    }

    #[tokio::test]
    async fn the_bytes_left_by_the_handler_are_the_result_written_with_the_clients_id() {
        let ids = Arc::new(RequestIds::default());
        let mapped = ids.map(&json!(1.5)).unwrap();
        let (output, mut frames) = mpsc::channel(4);
        let handler = Handler {
            json: r#"[{"name":"Plan"}]"#,
            respond: |id| Response::from_ok(id, Value::Null),
        };
        let mut answers = Answers::new(handler, output, ids.clone());
        for (sent, client) in [(json!(7), json!(7)), (mapped, json!(1.5))] {
            let through_tower_lsp = answers.call(request(sent)).await.unwrap();
            assert!(through_tower_lsp.is_none());
            let response = written(frames.try_recv().unwrap());
            assert_eq!(
                response,
                json!({"jsonrpc": "2.0", "id": client, "result": [{"name": "Plan"}]})
            );
        }
    }

    #[tokio::test]
    async fn an_error_after_the_handler_answered_is_what_the_client_gets() {
        let (output, mut frames) = mpsc::channel(4);
        let handler = Handler {
            json: "[]",
            respond: |id| Response::from_error(id, Error::request_cancelled()),
        };
        let mut answers = Answers::new(handler, output, Default::default());
        let response = answers.call(request(json!(3))).await.unwrap().unwrap();
        assert!(response.is_error());
        assert!(frames.try_recv().is_err());
    }

    #[tokio::test]
    async fn outside_the_layer_a_handler_answers_itself() {
        assert!(!answer(b"[]".to_vec()));
    }
}
