//! A guard in front of tower-lsp's reader: tower-lsp stops serving for good after one frame it
//! cannot decode, so frames are checked here first. Invalid JSON becomes an ignored notification
//! (and a log line); a malformed request that has an id becomes a request the server answers with
//! "invalid request", so the client is not left waiting.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The method malformed requests are rewritten to; the server answers it with an error.
pub const INVALID_REQUEST_METHOD: &str = "plan-lsp/invalidRequest";

/// Largest frame accepted; anything bigger is a broken client, not a plan.
const MAX_FRAME: usize = 256 << 20;

/// Copies LSP frames from `input` to `output`, repairing what tower-lsp would choke on, and
/// signals `exited` when the client sends `exit`.
pub async fn forward(
    input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    exited: std::sync::Arc<tokio::sync::Notify>,
) {
    let mut reader = BufReader::new(input);
    loop {
        let Some(length) = read_headers(&mut reader).await else {
            return;
        };
        if length > MAX_FRAME {
            tracing::error!("dropping a {length}-byte frame: too large");
            if tokio::io::copy(
                &mut (&mut reader).take(length as u64),
                &mut tokio::io::sink(),
            )
            .await
            .is_err()
            {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let is_exit = is_exit_notification(&body);
        let body = sanitize(body);
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
        {
            return;
        }
        let _ = output.flush().await;
        if is_exit {
            // tower-lsp only notices `exit` when it reads the next message: end its input instead.
            exited.notify_one();
            return;
        }
    }
}

fn is_exit_notification(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .map(|v| v.get("method").and_then(Value::as_str) == Some("exit") && v.get("id").is_none())
        .unwrap_or(false)
}

/// Reads one header block; `None` at end of input. Blocks without a usable length are skipped.
async fn read_headers(reader: &mut (impl AsyncBufReadExt + Unpin)) -> Option<usize> {
    loop {
        let mut length = None;
        let mut saw_header = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        match length {
            Some(length) => return Some(length),
            None => tracing::error!("skipping a frame without a valid Content-Length header"),
        }
    }
}

/// The body as tower-lsp can take it.
fn sanitize(body: Vec<u8>) -> Vec<u8> {
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        tracing::error!(
            "ignoring a message that is not valid JSON ({} bytes)",
            body.len()
        );
        return br#"{"jsonrpc":"2.0","method":"$/plan-lsp/ignored"}"#.to_vec();
    };
    if is_valid_message(&value) {
        // `"params": null` (Zed, lsp-mode, Eglot on `shutdown`/`exit`) means no params, which
        // tower-lsp accepts only as an absent member.
        if value.get("params").is_some_and(Value::is_null) {
            let mut value = value;
            if let Some(object) = value.as_object_mut() {
                object.remove("params");
            }
            return serde_json::to_vec(&value).unwrap_or(body);
        }
        return body;
    }
    match value
        .get("id")
        .filter(|id| id.is_number() || id.is_string())
    {
        Some(id) => {
            tracing::error!("answering a malformed request with an error");
            serde_json::to_vec(
                &serde_json::json!({"jsonrpc": "2.0", "id": id, "method": INVALID_REQUEST_METHOD}),
            )
            .unwrap_or_default()
        }
        None => {
            tracing::error!("ignoring a malformed JSON-RPC message");
            br#"{"jsonrpc":"2.0","method":"$/plan-lsp/ignored"}"#.to_vec()
        }
    }
}

/// The shapes tower-lsp decodes: a request or notification, or a response.
fn is_valid_message(value: &Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return false;
    }
    let id_ok = match object.get("id") {
        None => true,
        Some(id) => id.is_number() || id.is_string() || id.is_null(),
    };
    let params_ok = match object.get("params") {
        None | Some(Value::Null) => true,
        Some(p) => p.is_object() || p.is_array(),
    };
    let is_request = object.get("method").is_some_and(Value::is_string) && params_ok;
    let is_response = object.contains_key("id")
        && (object.contains_key("result") || object.contains_key("error"));
    id_ok && (is_request || is_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bad_frames_are_repaired_and_good_ones_pass() {
        let input = b"Content-Length: 5\r\n\r\n{bad}Content-Length: 24\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":3}X-Other: 1\r\n\r\nContent-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}";
        let mut out = Vec::new();
        forward(&input[..], &mut out, Default::default()).await;
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("$/plan-lsp/ignored"), "{out}");
        assert!(
            out.contains(r#""id":3,"jsonrpc":"2.0","method":"plan-lsp/invalidRequest""#)
                || out.contains("plan-lsp/invalidRequest"),
            "{out}"
        );
        assert!(
            out.ends_with(r#"{"jsonrpc":"2.0","method":"initialized"}"#),
            "{out}"
        );
        assert_eq!(out.matches("Content-Length").count(), 3);
    }
}
