//! The server in-process over `tokio::io::duplex`, spoken to with framed JSON-RPC: fast feature
//! tests without spawning the binary (the stdio tests stay for the protocol itself).
#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::sync::{oneshot, Notify};

const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Inbox {
    pending: HashMap<i64, oneshot::Sender<Value>>,
    notifications: Vec<Value>,
}

pub struct InProcess {
    writer: Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>,
    inbox: Arc<Mutex<Inbox>>,
    arrived: Arc<Notify>,
    next_id: Mutex<i64>,
    root: std::path::PathBuf,
    /// The server's answer to `initialize`.
    pub initialized: Value,
}

async fn write_frame(writer: &tokio::sync::Mutex<WriteHalf<DuplexStream>>, message: &Value) {
    let body = message.to_string();
    let mut w = writer.lock().await;
    w.write_all(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes())
        .await
        .unwrap();
    w.flush().await.unwrap();
}

impl InProcess {
    /// Starts the server on `root` (canonical) and initializes it with `options`.
    pub async fn start(root: &Path, options: Value) -> InProcess {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(server);
        tokio::spawn(plan_lsp::server::serve(server_in, server_out));
        let (client_in, client_out) = tokio::io::split(client);
        let mut harness = InProcess {
            writer: Arc::new(tokio::sync::Mutex::new(client_out)),
            inbox: Arc::default(),
            arrived: Arc::default(),
            next_id: Mutex::new(0),
            root: root.to_path_buf(),
            initialized: Value::Null,
        };
        tokio::spawn(read_loop(
            BufReader::new(client_in),
            harness.inbox.clone(),
            harness.arrived.clone(),
            harness.writer.clone(),
        ));
        harness.initialized = harness
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": harness.uri(""),
                    "workspaceFolders": [{"uri": harness.uri(""), "name": "root"}],
                    "initializationOptions": options,
                    "capabilities": {
                        "general": {"positionEncodings": ["utf-16"]},
                        "window": {"workDoneProgress": true},
                        "workspace": {"semanticTokens": {"refreshSupport": true}},
                        "textDocument": {"completion": {"completionItem": {"snippetSupport": false}}},
                        "experimental": {"planLspAnalysed": true}
                    }
                }),
            )
            .await;
        harness.notify("initialized", json!({})).await;
        harness
    }

    /// The `file:` URI of a path relative to the root.
    pub fn uri(&self, relative: &str) -> String {
        let path = if relative.is_empty() {
            self.root.clone()
        } else {
            self.root.join(relative)
        };
        url_of(&path)
    }

    pub async fn notify(&self, method: &str, params: Value) {
        write_frame(
            &self.writer,
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        )
        .await;
    }

    /// The result of a request (or its error object), within the timeout.
    pub async fn request(&self, method: &str, params: Value) -> Value {
        let id = {
            let mut next = self.next_id.lock().unwrap();
            *next += 1;
            *next
        };
        let (tx, rx) = oneshot::channel();
        self.inbox.lock().unwrap().pending.insert(id, tx);
        write_frame(
            &self.writer,
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
        .await;
        let response = tokio::time::timeout(TIMEOUT, rx)
            .await
            .unwrap_or_else(|_| panic!("no answer to {method}"))
            .unwrap();
        response
            .get("result")
            .cloned()
            .unwrap_or_else(|| json!({"error": response["error"]}))
    }

    pub async fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        )
        .await;
    }

    /// The answer to `method` for the whole document `uri` (outline, semantic tokens, …).
    pub async fn on_document(&self, method: &str, uri: &str) -> Value {
        self.request(method, json!({"textDocument": {"uri": uri}}))
            .await
    }

    /// `didChange` replacing the whole text, as version `version`.
    pub async fn replace_text(&self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
    }

    /// `didChange` inserting `text` at (`line`, `character`), as version `version`.
    pub async fn insert_at(&self, uri: &str, version: i64, line: u32, character: u32, text: &str) {
        let at = json!({"line": line, "character": character});
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": at, "end": at}, "text": text}],
            }),
        )
        .await;
    }

    /// The first notification `method` satisfying `ready`.
    pub async fn notification(&self, method: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let wait = async {
            loop {
                let arrived = self.arrived.notified();
                if let Some(found) = self
                    .inbox
                    .lock()
                    .unwrap()
                    .notifications
                    .iter()
                    .rev()
                    .find(|n| n["method"] == method && ready(&n["params"]))
                {
                    return found["params"].clone();
                }
                arrived.await;
            }
        };
        tokio::time::timeout(TIMEOUT, wait)
            .await
            .unwrap_or_else(|_| panic!("no {method} notification"))
    }

    /// The complete diagnostics of `uri` at `version`: the last publication before the server
    /// said that version was analysed (`$/planLsp/analysed`), not a first look.
    pub async fn diagnostics(&self, uri: &str, version: i64) -> Value {
        self.notification("$/planLsp/analysed", |p| {
            p["uri"] == uri && p["version"].as_i64() >= Some(version)
        })
        .await;
        self.notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
            .await
    }

    /// Waits for the code index to finish its first walk.
    pub async fn indexed(&self) {
        self.notification("$/progress", |p| {
            p["value"]["kind"] == "end"
                && p["value"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Indexed"))
        })
        .await;
    }

    /// `value` with the workspace root written as `ROOT`, so snapshots do not depend on it.
    pub fn portable(&self, value: &Value) -> String {
        let text = serde_json::to_string_pretty(value).unwrap();
        text.replace(&self.uri(""), "file:///ROOT")
            .replace(&self.root.display().to_string(), "/ROOT")
    }
}

fn url_of(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

async fn read_loop(
    mut reader: BufReader<tokio::io::ReadHalf<DuplexStream>>,
    inbox: Arc<Mutex<Inbox>>,
    arrived: Arc<Notify>,
    writer: Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>,
) {
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
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("Content-Length")];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let message: Value = serde_json::from_slice(&body).unwrap();
        match (message.get("id"), message.get("method")) {
            (Some(id), Some(method)) => {
                // A request from the server: accept what an editor would.
                let result = match method.as_str() {
                    Some("workspace/applyEdit") => json!({"applied": true}),
                    Some("workspace/configuration") => json!([null]),
                    _ => Value::Null,
                };
                write_frame(
                    &writer,
                    &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                )
                .await;
                // Kept with the notifications, so a test can wait for the server to ask.
                inbox.lock().unwrap().notifications.push(message);
                arrived.notify_waiters();
            }
            (Some(id), None) => {
                let id = id.as_i64().unwrap();
                if let Some(tx) = inbox.lock().unwrap().pending.remove(&id) {
                    let _ = tx.send(message);
                }
            }
            _ => {
                inbox.lock().unwrap().notifications.push(message);
                arrived.notify_waiters();
            }
        }
    }
}
