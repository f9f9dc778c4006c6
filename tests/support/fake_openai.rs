//! An OpenAI chat completions API on 127.0.0.1 for tests: `POST /v1/chat/completions` answering
//! JSON or SSE streams (chunked, as OpenAI does), with scriptable replies: status codes, delays,
//! streams cut mid-way (abruptly or by a clean close), and malformed JSON.
//! A test that includes this file also includes `support/fake_http.rs` as `fake_http` at its root.
#![allow(dead_code)]

use crate::fake_http;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

pub use fake_http::Request;

/// How a stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// A last chunk with `finish_reason`, then `data: [DONE]`.
    Finished,
    /// The connection drops mid-body (no terminating chunk).
    Abort,
    /// The body ends properly but the model never said it finished.
    CleanCloseWithoutFinish,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An SSE stream of these text pieces.
    Stream {
        deltas: Vec<String>,
        finish_reason: String,
        delay_between: Duration,
        end: StreamEnd,
    },
    /// A non-streamed completion.
    Json {
        content: String,
        finish_reason: String,
    },
    /// An error status with OpenAI's error body.
    Status { status: u16, message: String },
    /// Any body with this content type (for malformed answers).
    Raw { content_type: String, body: String },
    /// Wait, then answer with the inner reply.
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    /// A stream of `deltas` that finishes normally.
    pub fn stream<S: AsRef<str>>(deltas: &[S]) -> Reply {
        Reply::Stream {
            deltas: deltas.iter().map(|d| d.as_ref().to_string()).collect(),
            finish_reason: "stop".into(),
            delay_between: Duration::ZERO,
            end: StreamEnd::Finished,
        }
    }

    /// The same stream with a pause between pieces.
    pub fn paced(self, delay: Duration) -> Reply {
        match self {
            Reply::Stream {
                deltas,
                finish_reason,
                end,
                ..
            } => Reply::Stream {
                deltas,
                finish_reason,
                delay_between: delay,
                end,
            },
            other => other,
        }
    }

    /// The same stream ending another way.
    pub fn ending(self, end: StreamEnd) -> Reply {
        match self {
            Reply::Stream {
                deltas,
                finish_reason,
                delay_between,
                ..
            } => Reply::Stream {
                deltas,
                finish_reason,
                delay_between,
                end,
            },
            other => other,
        }
    }

    pub fn json(content: &str) -> Reply {
        Reply::Json {
            content: content.into(),
            finish_reason: "stop".into(),
        }
    }

    pub fn status(status: u16, message: &str) -> Reply {
        Reply::Status {
            status,
            message: message.into(),
        }
    }
}

#[derive(Default)]
struct State {
    replies: VecDeque<Reply>,
    requests: Vec<Request>,
    /// Streams whose client hung up before the stream ended.
    abandoned_streams: usize,
}

/// The running server; `base` is what `planLsp.llm.apiBase` should be set to.
pub struct FakeOpenAi {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl FakeOpenAi {
    pub async fn start() -> FakeOpenAi {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}/v1", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move { serve(stream, state).await });
            }
        });
        FakeOpenAi { base, state }
    }

    /// Queues a reply; requests take replies in order (a 500 when none is left).
    pub fn push(&self, reply: Reply) {
        self.state.lock().unwrap().replies.push_back(reply);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The user message of every chat request so far.
    pub fn user_prompts(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| {
                r.json()["messages"]
                    .as_array()?
                    .iter()
                    .find(|m| m["role"] == "user")
                    .and_then(|m| m["content"].as_str().map(str::to_string))
            })
            .collect()
    }

    pub fn abandoned_streams(&self) -> usize {
        self.state.lock().unwrap().abandoned_streams
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some(request) = fake_http::read_request(&mut stream).await else {
        return;
    };
    let reply = {
        let mut state = state.lock().unwrap();
        state.requests.push(request.clone());
        state.replies.pop_front()
    };
    if request.method != "POST" || !request.path.ends_with("/chat/completions") {
        let body = error_body("Unknown request URL", "invalid_request_error");
        return json_response(&mut stream, 404, &body).await;
    }
    let model = request.json()["model"]
        .as_str()
        .unwrap_or("unknown")
        .to_string();
    let mut reply = reply.unwrap_or_else(|| Reply::status(500, "no scripted reply"));
    while let Reply::Delayed(delay, inner) = reply {
        if !fake_http::wait_unless_client_leaves(&mut stream, delay).await {
            return;
        }
        reply = *inner;
    }
    match reply {
        Reply::Stream {
            deltas,
            finish_reason,
            delay_between,
            end,
        } => {
            let completed = send_stream(
                &mut stream,
                &model,
                &deltas,
                &finish_reason,
                delay_between,
                end,
            )
            .await;
            if !completed {
                state.lock().unwrap().abandoned_streams += 1;
            }
        }
        Reply::Json {
            content,
            finish_reason,
        } => {
            let body = json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1_700_000_000u32,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": null},
                    "logprobs": null,
                    "finish_reason": finish_reason
                }],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
            });
            json_response(&mut stream, 200, &body).await;
        }
        Reply::Status { status, message } => {
            let kind = match status {
                401 => "invalid_request_error",
                429 => "rate_limit_error",
                _ => "server_error",
            };
            json_response(&mut stream, status, &error_body(&message, kind)).await;
        }
        Reply::Raw { content_type, body } => {
            let headers = vec![("Content-Type".to_string(), content_type)];
            fake_http::respond(&mut stream, 200, &headers, body.as_bytes()).await;
        }
        Reply::Delayed(..) => unreachable!("unwrapped above"),
    }
}

fn error_body(message: &str, kind: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
}

async fn json_response(stream: &mut TcpStream, status: u16, body: &Value) {
    let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    fake_http::respond(stream, status, &headers, body.to_string().as_bytes()).await;
}

fn chunk(model: &str, delta: Value, finish_reason: Option<&str>) -> String {
    let event = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000u32,
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}]
    });
    format!("data: {event}\n\n")
}

/// Sends the stream; `false` when the client left before it ended.
async fn send_stream(
    stream: &mut TcpStream,
    model: &str,
    deltas: &[String],
    finish_reason: &str,
    delay: Duration,
    end: StreamEnd,
) -> bool {
    if !fake_http::start_chunked(stream, 200, "text/event-stream").await {
        return false;
    }
    let first = chunk(model, json!({"role": "assistant", "content": ""}), None);
    if !fake_http::write_chunk(stream, first.as_bytes()).await {
        return false;
    }
    for delta in deltas {
        if !delay.is_zero() && !fake_http::wait_unless_client_leaves(stream, delay).await {
            return false;
        }
        let piece = chunk(model, json!({"content": delta}), None);
        if !fake_http::write_chunk(stream, piece.as_bytes()).await {
            return false;
        }
    }
    match end {
        StreamEnd::Finished => {
            let last = chunk(model, json!({}), Some(finish_reason));
            let ok = fake_http::write_chunk(stream, last.as_bytes()).await
                && fake_http::write_chunk(stream, b"data: [DONE]\n\n").await;
            fake_http::finish_chunked(stream).await;
            ok
        }
        StreamEnd::CleanCloseWithoutFinish => {
            fake_http::finish_chunked(stream).await;
            true
        }
        // Dropping the socket without the terminating chunk cuts the body.
        StreamEnd::Abort => true,
    }
}
