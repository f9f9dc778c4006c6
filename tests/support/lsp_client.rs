//! A small LSP client for the integration tests: it spawns the real `plan-lsp` binary and talks
//! JSON-RPC over its stdio, answering the server's requests the way an editor would (it applies
//! `workspace/applyEdit` to its own copy of the document, checking versions, and sends `didChange`).
//!
//! Include it with `#[path = "support/lsp_client.rs"] mod lsp_client;`.
#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How the fake editor answers `workspace/applyEdit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditPolicy {
    /// Apply when the versions match, as editors do.
    Apply,
    /// Refuse every edit.
    Refuse,
}

#[derive(Default)]
struct Inbox {
    responses: HashMap<i64, Value>,
    notifications: Vec<Value>,
    server_requests: Vec<Value>,
    /// Open documents: uri -> (version, text).
    docs: HashMap<String, (i32, String)>,
    configuration: Value,
    policy: Option<EditPolicy>,
    closed: bool,
    /// The newest version of each document whose diagnostics are complete
    /// (`$/planLsp/analysed`), when the client asked for that notification.
    analysed: Option<HashMap<String, i32>>,
}

pub struct LspClient {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    inbox: Arc<(Mutex<Inbox>, Condvar)>,
    next_id: Mutex<i64>,
    pub root: PathBuf,
    pub initialize_result: Value,
    stderr: Arc<Mutex<String>>,
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_plan-lsp"))
}

pub fn file_uri(path: &Path) -> String {
    url_of(path)
}

fn url_of(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn write_message(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = serde_json::to_string(message).unwrap();
    let mut stdin = stdin.lock().unwrap();
    let _ = write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body);
    let _ = stdin.flush();
}

/// Sends raw bytes (for malformed-message tests).
pub fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{}", body.len(), body)
}

impl LspClient {
    /// Starts the server with `root` as the workspace folder and completes the handshake.
    pub fn start(root: &Path, initialization_options: Value) -> LspClient {
        Self::start_with(root, initialization_options, json!({}))
    }

    /// Like [`start`](Self::start) with extra client capabilities merged in.
    pub fn start_with(
        root: &Path,
        initialization_options: Value,
        capabilities: Value,
    ) -> LspClient {
        Self::start_env(root, initialization_options, capabilities, &[])
    }

    fn spawn(root: &Path, configuration: Value, env: &[(&str, &str)]) -> LspClient {
        let mut command = Command::new(binary());
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn plan-lsp");
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        let inbox = Arc::new((
            Mutex::new(Inbox {
                configuration,
                policy: Some(EditPolicy::Apply),
                ..Inbox::default()
            }),
            Condvar::new(),
        ));
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stderr_pipe);
                let mut line = String::new();
                while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    stderr.lock().unwrap().push_str(&line);
                    line.clear();
                }
            });
        }
        {
            let inbox = inbox.clone();
            let stdin = stdin.clone();
            std::thread::spawn(move || read_loop(stdout, inbox, stdin));
        }
        let root = std::fs::canonicalize(root).unwrap();
        LspClient {
            child,
            stdin,
            inbox,
            next_id: Mutex::new(1),
            root,
            initialize_result: Value::Null,
            stderr,
        }
    }

    /// Starts the server and sends `initialize` with exactly `params` (an editor's own request,
    /// replayed), then `initialized`. `root` only anchors [`uri`](Self::uri); `configuration`
    /// answers `workspace/configuration` if the server asks.
    pub fn start_initialize(root: &Path, params: Value, configuration: Value) -> LspClient {
        let mut client = Self::spawn(root, configuration, &[]);
        client.initialize_result = client
            .request("initialize", params)
            .expect("initialize succeeds");
        client.notify("initialized", json!({}));
        client
    }

    pub fn start_env(
        root: &Path,
        initialization_options: Value,
        capabilities: Value,
        env: &[(&str, &str)],
    ) -> LspClient {
        let mut client = Self::spawn(root, initialization_options.clone(), env);
        let root = client.root.clone();
        let mut caps = json!({
            "workspace": {"configuration": true, "applyEdit": true, "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}},
            "window": {"workDoneProgress": true},
            "textDocument": {"hover": {"contentFormat": ["markdown"]}},
            "experimental": {"planLspAnalysed": true}
        });
        merge(&mut caps, capabilities);
        if caps["experimental"]["planLspAnalysed"] == true {
            client.inbox.0.lock().unwrap().analysed = Some(HashMap::new());
        }
        let uri = url_of(&root);
        let result = client
            .request(
                "initialize",
                json!({
                    "processId": std::process::id(),
                    "rootUri": uri,
                    "workspaceFolders": [{"uri": uri, "name": "ws"}],
                    "capabilities": caps,
                    "initializationOptions": initialization_options,
                }),
            )
            .expect("initialize succeeds");
        client.initialize_result = result;
        client.notify("initialized", json!({}));
        client
    }

    pub fn uri(&self, relative: &str) -> String {
        url_of(&self.root.join(relative))
    }

    pub fn set_edit_policy(&self, policy: EditPolicy) {
        self.inbox.0.lock().unwrap().policy = Some(policy);
    }

    pub fn set_configuration(&self, value: Value) {
        self.inbox.0.lock().unwrap().configuration = value;
    }

    pub fn notify(&self, method: &str, params: Value) {
        write_message(
            &self.stdin,
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        );
    }

    pub fn send_raw(&self, bytes: &str) {
        let mut stdin = self.stdin.lock().unwrap();
        stdin.write_all(bytes.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&self, method: &str, params: Value) -> i64 {
        let id = {
            let mut next = self.next_id.lock().unwrap();
            *next += 1;
            *next
        };
        write_message(
            &self.stdin,
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        );
        id
    }

    /// Waits for the response to request `id`: `Ok(result)` or `Err(error object)`.
    pub fn response(&self, id: i64, timeout: Duration) -> Result<Value, Value> {
        let (lock, cvar) = &*self.inbox;
        let deadline = Instant::now() + timeout;
        let mut inbox = lock.lock().unwrap();
        loop {
            if let Some(response) = inbox.responses.remove(&id) {
                return match response.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(response.get("result").cloned().unwrap_or(Value::Null)),
                };
            }
            let now = Instant::now();
            if now >= deadline || inbox.closed {
                panic!(
                    "no response to request {id} (server stderr: {})",
                    self.stderr.lock().unwrap()
                );
            }
            inbox = cvar.wait_timeout(inbox, deadline - now).unwrap().0;
        }
    }

    /// Whether the response to request `id` has arrived (without taking it).
    pub fn has_response(&self, id: i64) -> bool {
        self.inbox.0.lock().unwrap().responses.contains_key(&id)
    }

    pub fn request(&self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id, TIMEOUT)
    }

    pub fn open(&self, uri: &str, text: &str) {
        self.inbox
            .0
            .lock()
            .unwrap()
            .docs
            .insert(uri.to_string(), (1, text.to_string()));
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
    }

    /// Applies an incremental change locally and sends it; returns the new version.
    pub fn change(&self, uri: &str, range: Value, text: &str) -> i32 {
        send_change(
            &self.inbox,
            &self.stdin,
            uri,
            vec![json!({"range": range, "text": text})],
        )
    }

    /// Sends `contentChanges` as given, applying them locally in order.
    pub fn change_many(&self, uri: &str, changes: Vec<Value>) -> i32 {
        send_change(&self.inbox, &self.stdin, uri, changes)
    }

    pub fn text(&self, uri: &str) -> String {
        self.inbox
            .0
            .lock()
            .unwrap()
            .docs
            .get(uri)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    pub fn version(&self, uri: &str) -> i32 {
        self.inbox
            .0
            .lock()
            .unwrap()
            .docs
            .get(uri)
            .map(|(v, _)| *v)
            .unwrap_or_default()
    }

    /// Waits until the latest diagnostics published for `uri` satisfy `ready`, and returns them.
    /// When the server says when a version's diagnostics are complete (`$/planLsp/analysed`),
    /// only complete ones count: a first look (before the disk was read) is not the answer.
    pub fn diagnostics_where(&self, uri: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let (lock, cvar) = &*self.inbox;
        let deadline = Instant::now() + TIMEOUT;
        let mut inbox = lock.lock().unwrap();
        loop {
            let version = inbox.docs.get(uri).map(|(v, _)| *v);
            let complete = match (&inbox.analysed, version) {
                (Some(analysed), Some(version)) => analysed.get(uri) >= Some(&version),
                _ => true,
            };
            let latest = inbox
                .notifications
                .iter()
                .rev()
                .find(|n| {
                    n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
                })
                .map(|n| {
                    n["params"]["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                });
            if let (Some(ref latest), true) = (&latest, complete) {
                if ready(latest) {
                    return latest.clone();
                }
            }
            let now = Instant::now();
            if now >= deadline {
                panic!("diagnostics for {uri} never became ready (complete: {complete}); last: {latest:?}");
            }
            inbox = cvar.wait_timeout(inbox, deadline - now).unwrap().0;
        }
    }

    /// The latest diagnostics for `uri` once any arrived.
    pub fn diagnostics(&self, uri: &str) -> Vec<Value> {
        self.diagnostics_where(uri, |_| true)
    }

    /// Every notification so far, in the order they arrived (`method` and `params`).
    pub fn all_notifications(&self) -> Vec<Value> {
        self.inbox.0.lock().unwrap().notifications.clone()
    }

    pub fn notifications(&self, method: &str) -> Vec<Value> {
        let inbox = self.inbox.0.lock().unwrap();
        inbox
            .notifications
            .iter()
            .filter(|n| n["method"] == method)
            .map(|n| n["params"].clone())
            .collect()
    }

    /// Waits until a notification with `method` satisfying `pred` arrived.
    pub fn wait_notification(&self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let (lock, cvar) = &*self.inbox;
        let deadline = Instant::now() + TIMEOUT;
        let mut inbox = lock.lock().unwrap();
        loop {
            if let Some(n) = inbox
                .notifications
                .iter()
                .find(|n| n["method"] == method && pred(&n["params"]))
            {
                return n["params"].clone();
            }
            let now = Instant::now();
            if now >= deadline {
                panic!("no {method} notification matched");
            }
            inbox = cvar.wait_timeout(inbox, deadline - now).unwrap().0;
        }
    }

    /// Requests the server sent to the client, e.g. `workspace/applyEdit`.
    /// Waits until the server reports its workspace index complete.
    pub fn wait_indexed(&self) {
        self.wait_notification("$/progress", |p| {
            p["value"]["kind"] == "end"
                && p["value"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Indexed"))
        });
    }

    pub fn server_requests(&self, method: &str) -> Vec<Value> {
        let inbox = self.inbox.0.lock().unwrap();
        inbox
            .server_requests
            .iter()
            .filter(|r| r["method"] == method)
            .map(|r| r["params"].clone())
            .collect()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().map(|s| s.is_none()).unwrap_or(false)
    }

    /// The exit status once the process has ended.
    pub fn exit_code(&mut self) -> Option<i32> {
        self.child.try_wait().ok().flatten().and_then(|s| s.code())
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `shutdown` then `exit`; returns the process exit status code.
    pub fn shutdown(mut self) -> Option<i32> {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

fn send_change(
    inbox: &Arc<(Mutex<Inbox>, Condvar)>,
    stdin: &Mutex<ChildStdin>,
    uri: &str,
    changes: Vec<Value>,
) -> i32 {
    let version = {
        let mut inbox = inbox.0.lock().unwrap();
        let (version, text) = inbox
            .docs
            .get_mut(uri)
            .expect("document opened in the test client");
        for change in &changes {
            *text = apply_change(text, change);
        }
        *version += 1;
        *version
    };
    write_message(
        stdin,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": changes}}),
    );
    version
}

/// UTF-16 line/character to a byte offset, clamped like the server does.
pub fn offset_of(text: &str, line: u64, character: u64) -> usize {
    let mut offset = 0;
    let mut current = 0;
    let bytes = text.as_bytes();
    while current < line {
        match text[offset..].find(['\n', '\r']) {
            Some(i) => {
                offset += i;
                if bytes[offset] == b'\r' && bytes.get(offset + 1) == Some(&b'\n') {
                    offset += 2;
                } else {
                    offset += 1;
                }
                current += 1;
            }
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[offset..].char_indices() {
        if c == '\n' || c == '\r' || units >= character {
            return offset + i;
        }
        units += c.len_utf16() as u64;
    }
    text.len()
}

pub fn apply_change(text: &str, change: &Value) -> String {
    let new_text = change["text"].as_str().unwrap_or_default();
    match change.get("range") {
        None | Some(Value::Null) => new_text.to_string(),
        Some(range) => {
            let start = offset_of(
                text,
                range["start"]["line"].as_u64().unwrap(),
                range["start"]["character"].as_u64().unwrap(),
            );
            let end = offset_of(
                text,
                range["end"]["line"].as_u64().unwrap(),
                range["end"]["character"].as_u64().unwrap(),
            );
            let (start, end) = (start.min(end), start.max(end));
            format!("{}{}{}", &text[..start], new_text, &text[end..])
        }
    }
}

/// Applies LSP text edits (all against the same original text) the way editors do.
pub fn apply_text_edits(text: &str, edits: &[Value]) -> String {
    let mut resolved: Vec<(usize, usize, usize, String)> = edits
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let r = &e["range"];
            let s = offset_of(
                text,
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
            );
            let t = offset_of(
                text,
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
            );
            (
                s,
                t,
                i,
                e["newText"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    resolved.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.cmp(&a.2)));
    let mut out = text.to_string();
    for (s, t, _, new_text) in resolved {
        out.replace_range(s..t, &new_text);
    }
    out
}

fn read_loop(
    stdout: impl Read,
    inbox: Arc<(Mutex<Inbox>, Condvar)>,
    stdin: Arc<Mutex<ChildStdin>>,
) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                let (lock, cvar) = &*inbox;
                lock.lock().unwrap().closed = true;
                cvar.notify_all();
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                length = v.parse::<usize>().ok();
            }
        }
        let Some(length) = length else { continue };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let message: Value = serde_json::from_slice(&body).expect("server sends valid JSON");
        let (lock, cvar) = &*inbox;
        let has_id = message.get("id").is_some();
        let has_method = message.get("method").is_some();
        if has_id && has_method {
            let reply = answer_server_request(&message, &inbox, &stdin);
            lock.lock().unwrap().server_requests.push(message.clone());
            write_message(
                &stdin,
                &json!({"jsonrpc": "2.0", "id": message["id"], "result": reply}),
            );
        } else if has_id {
            let id = message["id"].as_i64().unwrap_or(-1);
            lock.lock().unwrap().responses.insert(id, message);
        } else {
            let mut inbox = lock.lock().unwrap();
            if message["method"] == "$/planLsp/analysed" {
                let uri = message["params"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let version = message["params"]["version"].as_i64().unwrap_or_default() as i32;
                if let Some(analysed) = inbox.analysed.as_mut() {
                    let newest = analysed.entry(uri).or_insert(version);
                    *newest = (*newest).max(version);
                }
            }
            inbox.notifications.push(message);
        }
        cvar.notify_all();
    }
}

fn answer_server_request(
    message: &Value,
    inbox: &Arc<(Mutex<Inbox>, Condvar)>,
    stdin: &Mutex<ChildStdin>,
) -> Value {
    let params = &message["params"];
    match message["method"].as_str().unwrap_or_default() {
        "workspace/configuration" => {
            let config = inbox.0.lock().unwrap().configuration.clone();
            let count = params["items"].as_array().map(|a| a.len()).unwrap_or(1);
            Value::Array(vec![config; count])
        }
        "workspace/applyEdit" => apply_workspace_edit(&params["edit"], inbox, stdin),
        _ => Value::Null,
    }
}

/// Applies a workspace edit like an editor: refuses stale versions, sends didChange for open
/// documents, writes files that are not open.
fn apply_workspace_edit(
    edit: &Value,
    inbox: &Arc<(Mutex<Inbox>, Condvar)>,
    stdin: &Mutex<ChildStdin>,
) -> Value {
    if inbox.0.lock().unwrap().policy == Some(EditPolicy::Refuse) {
        return json!({"applied": false, "failureReason": "refused by the test client"});
    }
    let mut operations: Vec<Value> = edit["documentChanges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(changes) = edit["changes"].as_object() {
        for (uri, edits) in changes {
            operations.push(json!({"textDocument": {"uri": uri, "version": null}, "edits": edits}));
        }
    }
    // Check every versioned edit first, so a refused edit changes nothing.
    {
        let inbox = inbox.0.lock().unwrap();
        for op in &operations {
            if let (Some(uri), Some(version)) = (
                op["textDocument"]["uri"].as_str(),
                op["textDocument"]["version"].as_i64(),
            ) {
                if let Some((current, _)) = inbox.docs.get(uri) {
                    if *current as i64 != version {
                        return json!({"applied": false, "failureReason": format!("version {version} is stale (now {current})")});
                    }
                }
            }
        }
    }
    for op in &operations {
        if op["kind"] == "create" {
            if let Some(path) = op["uri"].as_str().and_then(path_of_uri) {
                if let Some(parent) = path.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                if !path.exists() || op["options"]["overwrite"] == true {
                    let _ = std::fs::write(&path, "");
                }
            }
            continue;
        }
        let Some(uri) = op["textDocument"]["uri"].as_str() else {
            continue;
        };
        let edits = op["edits"].as_array().cloned().unwrap_or_default();
        let open = inbox.0.lock().unwrap().docs.contains_key(uri);
        if open {
            let text = inbox.0.lock().unwrap().docs[uri].1.clone();
            let new_text = apply_text_edits(&text, &edits);
            // Send it as one full-range change, as editors often do for bulk edits.
            let lines = text.split('\n').count() as u64;
            let last_len: u64 = text
                .rsplit('\n')
                .next()
                .map(|l| l.encode_utf16().count() as u64)
                .unwrap_or(0);
            let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": lines - 1, "character": last_len}});
            send_change(
                inbox,
                stdin,
                uri,
                vec![json!({"range": range, "text": new_text})],
            );
        } else if let Some(path) = path_of_uri(uri) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let _ = std::fs::write(&path, apply_text_edits(&text, &edits));
        }
    }
    json!({"applied": true})
}

fn path_of_uri(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let mut bytes = Vec::new();
    let raw = rest.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            if let Ok(b) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

/// A position object.
pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

/// A range object.
pub fn range(sl: u32, sc: u32, el: u32, ec: u32) -> Value {
    json!({"start": pos(sl, sc), "end": pos(el, ec)})
}
