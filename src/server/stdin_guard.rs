//! A guard in front of tower-lsp's reader. tower-lsp stops serving for good after one frame it
//! cannot decode, and a wrong `Content-Length` would desync it for ever, so frames are read and
//! checked here first:
//! - a body is one JSON object found by [`JsonExtent`], whatever `Content-Length` says; bytes that
//!   are not a frame are skipped up to the next `Content-Length` header;
//! - what tower-lsp cannot decode is repaired (ids that are not i64, lone surrogate escapes,
//!   invalid UTF-8, `"params": null` on `shutdown`), answered here with an error (malformed
//!   requests, `$/` requests), or dropped with a log line (anything else).

use std::sync::Arc;

use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::json_extent::{Extent, JsonExtent};
use super::request_ids::{is_representable, RequestIds};
use super::session::Session;
use super::stdout_guard::frame;

/// Largest message accepted; anything bigger is a broken client, not a plan.
const MAX_MESSAGE: usize = 256 << 20;

/// A header line longer than this is not a header.
const MAX_HEADER_LINE: usize = 8 << 10;

/// Bytes asked of the input at a time.
const READ: usize = 64 << 10;

/// Buffer kept between messages; a larger one is given back once its message is read.
const KEEP: usize = 1 << 20;

const CONTENT_LENGTH: &[u8] = b"content-length";

/// What the guard shares with the rest of the server.
pub struct Guard {
    pub ids: Arc<RequestIds>,
    pub session: Arc<Session>,
    /// Frames to send the client directly (answers to what tower-lsp never sees).
    pub replies: mpsc::Sender<Vec<u8>>,
}

/// Copies messages from `input` to tower-lsp's `output`, repairing or answering what tower-lsp
/// would choke on; fires `session.exited` after forwarding `exit`.
pub async fn forward(
    input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    guard: Guard,
) {
    let mut reader = FrameReader::new(input);
    while let Some(message) = reader.next_message().await {
        let Some((body, members)) = message else {
            continue;
        };
        match guard.check(body, members) {
            Checked::Forward { body, exit } => {
                if output.write_all(&frame(&body)).await.is_err() || output.flush().await.is_err() {
                    return;
                }
                if exit {
                    // tower-lsp only notices `exit` when it reads the next message: end its input.
                    guard.session.exited.notify_one();
                    return;
                }
            }
            Checked::Reply(response) => {
                let body = serde_json::to_vec(&response).unwrap_or_default();
                if guard.replies.send(frame(&body)).await.is_err() {
                    return;
                }
            }
            Checked::Drop => {}
        }
    }
}

/// A message tower-lsp can take: whether it is `exit`, and whether it must be re-serialised.
struct Forwarding {
    exit: bool,
    changed: bool,
}

/// What becomes of one message.
enum Checked {
    Forward {
        body: Vec<u8>,
        exit: bool,
    },
    /// Answered here; tower-lsp never sees it.
    Reply(Value),
    Drop,
}

impl Guard {
    /// `members` is how many top-level members the raw text had (more than the parsed object
    /// when a key is repeated, which tower-lsp refuses).
    fn check(&self, body: Vec<u8>, members: usize) -> Checked {
        let Some((mut value, repaired)) = parse(&body) else {
            tracing::error!(
                "ignoring a message that is not valid JSON ({} bytes)",
                body.len()
            );
            return Checked::Drop;
        };
        let Some(object) = value.as_object_mut() else {
            tracing::error!("ignoring a JSON-RPC message that is not an object");
            return Checked::Drop;
        };
        let changed = repaired || object.len() != members;
        if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return reject(object, "invalid request: \"jsonrpc\" must be \"2.0\"");
        }
        let forwarding = match object.get("method") {
            Some(Value::String(method)) => {
                let method = method.clone();
                self.check_request(object, &method)
            }
            Some(_) => return reject(object, "invalid request: \"method\" must be a string"),
            None if object.contains_key("id")
                && (object.contains_key("result") || object.contains_key("error")) =>
            {
                check_response(object)
            }
            None => return reject(object, "invalid request: no \"method\""),
        };
        match forwarding {
            Ok(f) if changed || f.changed => Checked::Forward {
                body: serde_json::to_vec(&value).unwrap_or_default(),
                exit: f.exit,
            },
            Ok(f) => Checked::Forward { body, exit: f.exit },
            Err(checked) => checked,
        }
    }

    /// How to forward a request or notification, or what to do instead.
    fn check_request(
        &self,
        object: &mut Map<String, Value>,
        method: &str,
    ) -> Result<Forwarding, Checked> {
        let mut changed = false;
        match object.get("params") {
            None | Some(Value::Object(_)) | Some(Value::Array(_)) => {}
            // Eglot and LSP4IJ send `null` where no params are due; tower-lsp refuses it.
            Some(Value::Null) => {
                if method == "initialized" {
                    object.insert("params".to_string(), json!({}));
                } else {
                    object.remove("params");
                }
                changed = true;
            }
            Some(_) => {
                return Err(reject(
                    object,
                    "invalid request: \"params\" must be an object or an array",
                ))
            }
        }
        if method == "initialized" && !object.contains_key("params") {
            object.insert("params".to_string(), json!({}));
            changed = true;
        }
        let has_id = object.contains_key("id");
        if let Some(id) = object.get("id").filter(|id| !is_representable(id)) {
            if !id.is_number() {
                return Err(reject(
                    object,
                    "invalid request: an id must be a number or a string",
                ));
            }
            let Some(mapped) = self.ids.map(id) else {
                return Err(reject(object, "too many requests in flight"));
            };
            object.insert("id".to_string(), mapped);
            changed = true;
        }
        if method.starts_with("$/") {
            if has_id {
                // tower-lsp drops `$/` messages silently, requests included: answer them.
                return Err(Checked::Reply(error_response(
                    self.original_id(object),
                    -32601,
                    &format!("method not found: {method}"),
                )));
            }
            if method == "$/cancelRequest" {
                changed |= self.map_cancelled_id(object);
            }
        }
        if method == "shutdown" && has_id {
            self.session.shutdown_requested();
        }
        Ok(Forwarding {
            exit: method == "exit" && !has_id,
            changed,
        })
    }

    /// The id the client sent, for an answer written here.
    fn original_id(&self, object: &Map<String, Value>) -> Value {
        match object.get("id") {
            Some(Value::String(s)) => self
                .ids
                .restore(s)
                .unwrap_or_else(|| Value::String(s.clone())),
            Some(id) => id.clone(),
            None => Value::Null,
        }
    }

    /// `$/cancelRequest` naming an id that was mapped on the way in names the mapped id.
    fn map_cancelled_id(&self, object: &mut Map<String, Value>) -> bool {
        let Some(id) = object.get_mut("params").and_then(|p| p.get_mut("id")) else {
            return false;
        };
        if is_representable(id) {
            return false;
        }
        match self.ids.lookup(id) {
            Some(mapped) => *id = mapped,
            // Nothing of that id is in flight; tower-lsp takes `null` as "no such request".
            None => *id = Value::Null,
        }
        true
    }
}

/// A response from the client, to a request the server sent.
fn check_response(object: &mut Map<String, Value>) -> Result<Forwarding, Checked> {
    let id = object.get("id").cloned().unwrap_or_default();
    if !is_representable(&id) {
        tracing::error!("ignoring a response to a request the server never sent (id {id})");
        return Err(Checked::Drop);
    }
    let unchanged = Forwarding {
        exit: false,
        changed: false,
    };
    if object.contains_key("result") {
        return Ok(unchanged);
    }
    let error_ok = object.get("error").is_some_and(|e| {
        e.get("code").is_some_and(Value::is_i64) && e.get("message").is_some_and(Value::is_string)
    });
    if error_ok {
        return Ok(unchanged);
    }
    // Still a failure for the request waiting on it, rather than a wait for ever.
    tracing::error!("the client answered request {id} with a malformed error");
    object.insert(
        "error".to_string(),
        json!({"code": -32603, "message": "malformed error response from the client"}),
    );
    Ok(Forwarding {
        exit: false,
        changed: true,
    })
}

/// Answers a malformed request with an error, or drops a malformed notification or response.
fn reject(object: &Map<String, Value>, message: &str) -> Checked {
    let is_response = object.contains_key("result") || object.contains_key("error");
    match object.get("id") {
        Some(id) if !is_response => {
            tracing::error!("answering a malformed request with an error: {message}");
            // JSON-RPC: when the id itself is unusable, the error carries `null`.
            let id = if id.is_number() || id.is_string() {
                id.clone()
            } else {
                Value::Null
            };
            Checked::Reply(error_response(id, -32600, message))
        }
        _ => {
            tracing::error!("ignoring a malformed JSON-RPC message: {message}");
            Checked::Drop
        }
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The message as JSON; `true` when it had to be repaired first (invalid UTF-8, lone surrogate
/// escapes: both become U+FFFD, one UTF-16 unit and one code point each, as the client counts them).
fn parse(body: &[u8]) -> Option<(Value, bool)> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Some((value, false));
    }
    let text = String::from_utf8_lossy(body);
    let repaired = replace_lone_surrogates(&text);
    let value = serde_json::from_str(&repaired).ok()?;
    tracing::warn!("repaired a message: invalid UTF-8 or lone surrogates became U+FFFD");
    Some((value, true))
}

/// Replaces `\uD800`–`\uDFFF` escapes that are not a high-low pair with `\uFFFD`.
fn replace_lone_surrogates(text: &str) -> String {
    let bytes = text.as_bytes();
    let unit = |at: usize| -> Option<u16> {
        if bytes.get(at) != Some(&b'\\') || bytes.get(at + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(bytes.get(at + 2..at + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'\\', &bytes[i..]) {
        let at = i + found;
        match unit(at) {
            Some(0xD800..=0xDBFF) if matches!(unit(at + 6), Some(0xDC00..=0xDFFF)) => i = at + 12,
            Some(0xD800..=0xDFFF) => {
                out.push_str(&text[copied..at]);
                out.push_str("\\uFFFD");
                i = at + 6;
                copied = i;
            }
            // Any other escape, `\\` included, is two bytes or more: skip its second byte.
            _ => i = (at + 2).min(bytes.len()),
        }
        if i >= bytes.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// What a header block said about the body's length (for the log: the body is found by its JSON).
enum Declared {
    Length(usize),
    Unusable(String),
    Missing,
}

/// Reads frames from a byte stream that may hold anything.
struct FrameReader<R> {
    input: R,
    /// Unread input starts at `pos`; offsets in the methods are relative to it.
    buf: Vec<u8>,
    pos: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(input: R) -> Self {
        FrameReader {
            input,
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more input; `false` at its end.
    async fn fill(&mut self) -> bool {
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
            // A whole plan sent with didOpen grew the buffer to megabytes: not kept for the
            // session once read.
            if self.buf.capacity() > KEEP {
                self.buf.shrink_to(self.buf.len() + READ);
            }
        }
        let old = self.buf.len();
        self.buf.resize(old + READ, 0);
        let read = self.input.read(&mut self.buf[old..]).await.unwrap_or(0);
        self.buf.truncate(old + read);
        read > 0
    }

    /// The next message body and its top-level member count; `Some(None)` when a frame was
    /// skipped; `None` at the end of input.
    async fn next_message(&mut self) -> Option<Option<(Vec<u8>, usize)>> {
        let declared = self.headers().await?;
        loop {
            match self.unread().first() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(_) => break,
                None => {
                    if !self.fill().await {
                        return None;
                    }
                }
            }
        }
        let mut extent = JsonExtent::default();
        let (len, members) = loop {
            match extent.advance(self.unread()) {
                Extent::Complete {
                    len,
                    top_level_members,
                } => break (len, top_level_members),
                Extent::Invalid(at) => {
                    tracing::error!(
                        "skipping a frame whose body is not JSON (byte {at} of the body)"
                    );
                    // From the body's start: the next header may be what ended it.
                    self.resync(0).await?;
                    return Some(None);
                }
                Extent::Incomplete if self.unread().len() > MAX_MESSAGE => {
                    tracing::error!("skipping a message of more than {MAX_MESSAGE} bytes");
                    self.resync(0).await?;
                    return Some(None);
                }
                Extent::Incomplete => {
                    if !self.fill().await {
                        return None;
                    }
                }
            }
        };
        match declared {
            Declared::Length(n) if n == len => {}
            Declared::Length(n) => tracing::warn!(
                "Content-Length said {n} bytes but the message is {len}: read the message"
            ),
            Declared::Unusable(v) => tracing::warn!(
                "unusable Content-Length {v:?}: read the {len}-byte message that follows"
            ),
            Declared::Missing => tracing::warn!(
                "a frame without Content-Length: read the {len}-byte message that follows"
            ),
        }
        let body = self.unread()[..len].to_vec();
        self.pos += len;
        Some(Some((body, members)))
    }

    /// Reads a header block, skipping anything before it that is not one; `None` at the end of
    /// input.
    async fn headers(&mut self) -> Option<Declared> {
        let mut declared = Declared::Missing;
        let mut saw_header = false;
        loop {
            let line_len = loop {
                if let Some(n) = memchr::memchr(b'\n', self.unread()) {
                    break Some(n);
                }
                if self.unread().len() > MAX_HEADER_LINE {
                    break None;
                }
                if !self.fill().await {
                    return None;
                }
            };
            let header = line_len.and_then(|n| {
                let line = &self.unread()[..n];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    return Some(None);
                }
                parse_header(line).map(Some)
            });
            match header {
                Some(None) => {
                    self.pos += line_len.unwrap_or(0) + 1;
                    if saw_header {
                        return Some(declared);
                    }
                }
                Some(Some(length)) => {
                    saw_header = true;
                    if let Some(length) = length {
                        declared = length;
                    }
                    self.pos += line_len.unwrap_or(0) + 1;
                }
                None => {
                    self.resync(1).await?;
                    declared = Declared::Missing;
                    saw_header = false;
                }
            }
        }
    }

    /// Skips `skip` bytes, then up to the next `Content-Length` (any case); `None` at the end of
    /// input.
    async fn resync(&mut self, skip: usize) -> Option<()> {
        let mut skipped = skip.min(self.unread().len());
        self.pos += skipped;
        loop {
            if let Some(at) = find_content_length(self.unread()) {
                self.pos += at;
                skipped += at;
                tracing::warn!("skipped {skipped} bytes that were not an LSP frame");
                return Some(());
            }
            // Keep the tail that could be the start of the header name.
            let keep = CONTENT_LENGTH.len() - 1;
            let drop = self.unread().len().saturating_sub(keep);
            self.pos += drop;
            skipped += drop;
            if !self.fill().await {
                return None;
            }
        }
    }
}

/// `Some(Some(length))` for a Content-Length header, `Some(None)` for another header, `None` for
/// a line that is not a header.
fn parse_header(line: &[u8]) -> Option<Option<Declared>> {
    let colon = memchr::memchr(b':', line)?;
    let name = &line[..colon];
    let is_token = !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if !is_token {
        return None;
    }
    if !name.eq_ignore_ascii_case(CONTENT_LENGTH) {
        return Some(None);
    }
    let value = String::from_utf8_lossy(&line[colon + 1..])
        .trim()
        .to_string();
    Some(Some(match value.parse::<usize>() {
        Ok(n) => Declared::Length(n),
        Err(_) => Declared::Unusable(value),
    }))
}

fn find_content_length(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2_iter(b'c', b'C', bytes).find(|&at| {
        bytes
            .get(at..at + CONTENT_LENGTH.len())
            .is_some_and(|name| name.eq_ignore_ascii_case(CONTENT_LENGTH))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the guard over `input`; returns what reached tower-lsp and what was answered here.
    async fn run(input: &[u8]) -> (Vec<Value>, Vec<Value>) {
        let (tx, mut rx) = mpsc::channel(64);
        let guard = Guard {
            ids: Default::default(),
            session: Default::default(),
            replies: tx,
        };
        let mut out = Vec::new();
        forward(input, &mut out, guard).await;
        let mut replies = Vec::new();
        while let Ok(reply) = rx.try_recv() {
            replies.extend(bodies(&reply));
        }
        (bodies(&out), replies)
    }

    #[tokio::test]
    async fn the_buffer_of_a_large_message_is_not_kept_after_it() {
        let text = "x".repeat(3 << 20);
        let open = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                          "params": {"textDocument": {"text": text}}});
        let small = json!({"jsonrpc": "2.0", "method": "initialized", "params": {}});
        let mut input = frame(open.to_string().as_bytes());
        input.extend(frame(small.to_string().as_bytes()));
        let mut reader = FrameReader::new(input.as_slice());
        let (body, _) = reader.next_message().await.unwrap().unwrap();
        assert_eq!(body.len(), open.to_string().len());
        assert!(reader.buf.capacity() > 3 << 20);
        let (body, _) = reader.next_message().await.unwrap().unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), small);
        // The next read, for whatever comes next, gives the large buffer back.
        assert!(reader.next_message().await.is_none());
        assert!(reader.buf.capacity() <= KEEP, "{}", reader.buf.capacity());
    }

    fn bodies(framed: &[u8]) -> Vec<Value> {
        let text = String::from_utf8(framed.to_vec()).unwrap();
        text.split("Content-Length: ")
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (len, rest) = s.split_once("\r\n\r\n").unwrap();
                assert_eq!(len.parse::<usize>().unwrap(), rest.len());
                serde_json::from_str(rest).unwrap()
            })
            .collect()
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[tokio::test]
    async fn wrong_lengths_and_garbage_resynchronise() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let input = [
            format!("Content-Length: abc\r\n\r\n{good}"),
            format!("Content-Length: -4\r\n\r\n{good}"),
            format!("Content-Length: 99999999999999999999999\r\n\r\n{good}"),
            format!("Content-Type: x\r\n\r\n{good}"),
            format!("Content-Length: {}\r\n\r\n{good}", good.len() + 10),
            format!("Content-Length: {}\r\n\r\n{good}", good.len() - 10),
            "\u{0}\u{7f}garbage: \r\n{{{{".to_string(),
            "Content-Length: 60\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\",\"params\":{\"t\":\"cut"
                .to_string(),
            "Content-Length: 30\r\n\r\n".to_string(),
            framed(good),
        ]
        .concat();
        let (forwarded, replies) = run(input.as_bytes()).await;
        assert_eq!(forwarded.len(), 7, "{forwarded:?}");
        assert!(forwarded.iter().all(|m| m["method"] == "shutdown"));
        assert!(replies.is_empty(), "{replies:?}");
    }

    #[tokio::test]
    async fn ids_params_and_dollar_requests_are_made_decodable() {
        let input = [
            framed(r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown","params":null}"#),
            framed(r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1.5}}"#),
            framed(r#"{"jsonrpc":"2.0","id":7,"method":"$/custom"}"#),
            framed(r#"{"jsonrpc":"2.0","id":9,"result":null,"id":9}"#),
            framed(r#"{"jsonrpc":"2.0","id":1e400,"method":"x"}"#),
            framed(r#"{"jsonrpc":"2.0","id":3}"#),
            framed(r#"{"jsonrpc":"2.0","id":4,"error":{"code":"x"}}"#),
            framed(r#"{"jsonrpc":"2.0","method":"didChange","params":{"text":"a\ud83d b\ud83d\ude00 \\ud800"}}"#),
            framed(r#"{"jsonrpc":"2.0","method":"exit"}"#),
            framed(r#"{"jsonrpc":"2.0","id":5,"method":"after-exit"}"#),
        ]
        .concat();
        let (forwarded, replies) = run(input.as_bytes()).await;
        let mapped = forwarded[0]["id"].clone();
        assert!(mapped.is_string(), "{forwarded:?}");
        assert!(forwarded[0].get("params").is_none());
        assert_eq!(forwarded[1]["params"]["id"], mapped);
        assert_eq!(
            forwarded[2],
            serde_json::json!({"jsonrpc":"2.0","id":9,"result":null})
        );
        assert_eq!(forwarded[3]["error"]["code"], -32603);
        assert_eq!(
            forwarded[4]["params"]["text"],
            "a\u{FFFD} b\u{1F600} \\ud800"
        );
        assert_eq!(forwarded[5]["method"], "exit");
        assert_eq!(forwarded.len(), 6);
        let codes: Vec<(Value, Value)> = replies
            .iter()
            .map(|r| (r["id"].clone(), r["error"]["code"].clone()))
            .collect();
        assert_eq!(
            codes,
            vec![(7.into(), (-32601).into()), (3.into(), (-32600).into())],
            "{replies:?}"
        );
    }
}
