//! The protocol layer over real stdio with raw frames: ids tower-lsp cannot hold, wrong
//! `Content-Length`s, lone surrogates, `params: null`, `$/` requests, exit codes, a closed stdout,
//! versions going backwards, and a bounded fuzz of the framing.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(20);

/// The server driven with raw bytes; everything it writes must be well framed JSON.
struct RawServer {
    child: Child,
    stdin: ChildStdin,
    received: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    stderr: Arc<Mutex<String>>,
    root: tempfile::TempDir,
}

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// Reads one frame strictly: the server's output is never malformed.
fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        let value = line.strip_prefix("Content-Length: ").expect("a header");
        length = Some(value.trim_end().parse::<usize>().expect("a length"));
    }
    let mut body = vec![0; length.expect("Content-Length")];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("the server writes JSON"))
}

fn spawn() -> (Child, ChildStdin, ChildStdout, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let mut child = Command::new(lsp_client::binary())
        .current_dir(root.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    (child, stdin, stdout, root)
}

fn initialize_request(root: &std::path::Path) -> String {
    let uri = lsp_client::file_uri(root);
    frame(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {"processId": null, "rootUri": uri, "capabilities": {}}})
        .to_string(),
    )
}

impl RawServer {
    fn start() -> RawServer {
        let (mut child, stdin, stdout, root) = spawn();
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            // Drained as it comes: a full pipe would block the server's logging.
            let stderr = stderr.clone();
            let pipe = child.stderr.take().unwrap();
            std::thread::spawn(move || {
                let mut lines = BufReader::new(pipe);
                let mut line = String::new();
                while lines.read_line(&mut line).unwrap_or(0) > 0 {
                    stderr.lock().unwrap().push_str(&line);
                    line.clear();
                }
            });
        }
        let (tx, received) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let mut server = RawServer {
            child,
            stdin,
            received,
            seen: Vec::new(),
            stderr,
            root,
        };
        let init = initialize_request(server.root.path());
        server.send(&init);
        server.response(json!(0)).expect("initialize succeeds");
        server.send(&frame(
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        ));
        server
    }

    fn send(&mut self, bytes: &str) {
        self.stdin.write_all(bytes.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Opens `uri` as a short plan with one placeholder.
    fn open_small_plan(&mut self, uri: &str) {
        self.send_json(
            json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "markdown", "version": 1,
                             "text": "# Plan\n\n## Steps\n\n- one [TBD]\n"}}}),
        );
    }

    fn send_json(&mut self, message: Value) {
        self.send(&frame(&message.to_string()));
    }

    /// The first message received that satisfies `pred`.
    fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.received.recv_timeout(left) {
                Ok(message) if pred(&message) => return message,
                Ok(message) => self.seen.push(message),
                Err(_) => panic!("no {what} (server stderr: {})", self.stderr_so_far()),
            }
        }
    }

    /// The response to request `id`: `Ok(result)` or `Err(error)`.
    fn response(&mut self, id: Value) -> Result<Value, Value> {
        let message = self.wait(&format!("response to {id}"), |m| {
            m.get("method").is_none() && m.get("id") == Some(&id)
        });
        match message.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(message["result"].clone()),
        }
    }

    fn log_containing(&mut self, text: &str) -> Value {
        self.wait(&format!("log message with {text:?}"), |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|s| s.contains(text))
        })
    }

    fn exit_code(&mut self) -> Option<i32> {
        wait_exit(&mut self.child)
    }

    fn stderr_so_far(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn assert_alive(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server exited"
        );
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_exit(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Where the one placeholder diagnostic of a publication starts.
fn placeholder(published: &Value) -> Value {
    let found: Vec<&Value> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "placeholder")
        .collect();
    assert_eq!(found.len(), 1, "{published}");
    found[0]["range"]["start"].clone()
}

fn symbols_request(id: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": {"query": ""}})
}

#[test]
fn ids_that_are_not_i64_are_answered_with_the_id_sent() {
    let mut server = RawServer::start();
    for id in [
        json!(1.5),
        json!(1e3),
        json!(9223372036854775808u64),
        json!(-2),
    ] {
        server.send_json(symbols_request(id.clone()));
        assert!(server.response(id).unwrap().is_array());
    }
    // The same ids written as the client wrote them, not as serde_json would.
    server.send(&frame(
        r#"{"jsonrpc":"2.0","id":1E3,"method":"workspace/symbol","params":{"query":""}}"#,
    ));
    assert!(server.response(json!(1000.0)).unwrap().is_array());
    // A response to no request of the server's is dropped, not fatal.
    server.send(&frame(r#"{"jsonrpc":"2.0","id":4.25,"result":null}"#));
    // Eglot and LSP4IJ send `params: null` with shutdown; tower-lsp alone answers -32602.
    server.send(&frame(
        r#"{"jsonrpc":"2.0","id":2.5,"method":"shutdown","params":null}"#,
    ));
    assert_eq!(server.response(json!(2.5)), Ok(Value::Null));
    server.send(&frame(r#"{"jsonrpc":"2.0","method":"exit","params":null}"#));
    assert_eq!(server.exit_code(), Some(0));
}

/// The outline and document links are written as JSON outside tower-lsp's serialiser: they
/// still answer the id the client sent, and tower-lsp's refusals before `initialize` and after
/// `shutdown` still stand.
#[test]
fn the_outline_answers_the_id_sent_and_only_while_the_session_is_up() {
    let (mut child, mut stdin, stdout, root) = spawn();
    let mut from_server = BufReader::new(stdout);
    let outline = |id: Value, uri: &str| {
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol",
               "params": {"textDocument": {"uri": uri}}})
        .to_string()
    };
    let uri = lsp_client::file_uri(&root.path().join("plan.md"));
    stdin
        .write_all(frame(&outline(json!(1), &uri)).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let early = read_frame(&mut from_server).unwrap();
    assert_eq!(early["id"], 1);
    assert_eq!(early["error"]["code"], -32002, "not initialised: {early}");
    drop((stdin, from_server));
    let _ = child.kill();
    let _ = child.wait();

    let mut server = RawServer::start();
    let uri = lsp_client::file_uri(&server.root.path().join("plan.md"));
    server.open_small_plan(&uri);
    let mut answers = Vec::new();
    for id in [json!(2), json!("two"), json!(2.5), json!(2)] {
        server.send(&frame(&outline(id.clone(), &uri)));
        answers.push(server.response(id).unwrap());
    }
    assert_eq!(answers[0][0]["name"], "Plan");
    assert_eq!(answers[0][0]["children"][0]["detail"], "1 open");
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let links = |id: Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/documentLink",
               "params": {"textDocument": {"uri": uri}}})
    };
    server.send_json(links(json!(4.5)));
    assert_eq!(server.response(json!(4.5)), Ok(json!([])));
    server.send_json(json!({"jsonrpc": "2.0", "id": "bye", "method": "shutdown"}));
    server.response(json!("bye")).unwrap();
    server.send(&frame(&outline(json!(3), &uri)));
    let late = server.response(json!(3)).unwrap_err();
    assert_eq!(late["code"], -32600, "shut down: {late}");
}

#[test]
fn wrong_content_lengths_resynchronise_on_the_next_header() {
    let mut server = RawServer::start();
    let body = |id: i64| symbols_request(json!(id)).to_string();
    let frames = [
        format!("Content-Length: abc\r\n\r\n{}", body(11)),
        format!("Content-Length: -40\r\n\r\n{}", body(12)),
        format!(
            "Content-Length: 18446744073709551616000\r\n\r\n{}",
            body(13)
        ),
        format!(
            "Content-Type: application/vscode-jsonrpc\r\n\r\n{}",
            body(14)
        ),
        format!(
            "Content-Length: {}\r\n\r\n{}",
            body(15).len() + 10,
            body(15)
        ),
        format!(
            "Content-Length: {}\r\n\r\n{}",
            body(16).len() - 10,
            body(16)
        ),
        // A frame cut short, then one whose body is not JSON at all.
        format!(
            "Content-Length: {}\r\n\r\n{}",
            body(17).len(),
            &body(17)[..30]
        ),
        "Content-Length: 12\r\n\r\nnot json!!!!".to_string(),
        frame(&body(18)),
    ];
    for f in &frames {
        server.send(f);
    }
    for id in [11, 12, 13, 14, 15, 16, 18] {
        assert!(server.response(json!(id)).unwrap().is_array(), "{id}");
    }
    server.assert_alive();
}

#[test]
fn a_lone_surrogate_becomes_a_replacement_character_and_positions_stay_in_sync() {
    let mut server = RawServer::start();
    let uri = lsp_client::file_uri(&server.root.path().join("plan.md"));
    server.send_json(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": "# Plan\n"}}}),
    );
    // What `JSON.stringify` writes for a string holding half an emoji.
    let change = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"textDocument":{{"uri":"{uri}","version":2}},"contentChanges":[{{"range":{{"start":{{"line":1,"character":0}},"end":{{"line":1,"character":0}}}},"text":"a\ud83d b [TBD]\n"}}]}}}}"#
    );
    server.send(&frame(&change));
    let placeholder_start = |server: &mut RawServer, version: i64| {
        let published = server.wait("diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version
        });
        placeholder(&published)
    };
    // U+FFFD is one UTF-16 unit, like the lone surrogate the client holds.
    assert_eq!(
        placeholder_start(&mut server, 2),
        json!({"line": 1, "character": 5})
    );
    // A later edit by the client's columns lands where the client meant it.
    server.send_json(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 3},
        "contentChanges": [{"range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 4}}, "text": "longer "}]}}));
    assert_eq!(
        placeholder_start(&mut server, 3),
        json!({"line": 1, "character": 10})
    );
}

#[test]
fn dollar_requests_are_answered_method_not_found() {
    let mut server = RawServer::start();
    server.send_json(json!({"jsonrpc": "2.0", "id": 7, "method": "$/plan/unknown", "params": {}}));
    assert_eq!(server.response(json!(7)).unwrap_err()["code"], -32601);
    server.send_json(json!({"jsonrpc": "2.0", "method": "$/setTrace", "params": {"value": "off"}}));
    assert!(server.response_to_symbols(8));
}

impl RawServer {
    fn response_to_symbols(&mut self, id: i64) -> bool {
        self.send_json(symbols_request(json!(id)));
        self.response(json!(id)).unwrap().is_array()
    }
}

#[test]
fn exit_without_shutdown_exits_with_1() {
    let mut server = RawServer::start();
    server.send(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    assert_eq!(server.exit_code(), Some(1));
}

#[test]
fn a_closed_stdout_ends_the_server_without_a_panic() {
    let (mut child, mut stdin, stdout, root) = spawn();
    stdin
        .write_all(initialize_request(root.path()).as_bytes())
        .unwrap();
    let mut reader = BufReader::new(stdout);
    assert!(read_frame(&mut reader).unwrap()["result"]["capabilities"].is_object());
    drop(reader);
    // The server now has something to say and nobody to say it to.
    for id in 1..4 {
        let _ = stdin.write_all(frame(&symbols_request(json!(id)).to_string()).as_bytes());
    }
    let code = wait_exit(&mut child);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_version_going_backwards_is_applied_and_reported() {
    let mut server = RawServer::start();
    let uri = lsp_client::file_uri(&server.root.path().join("plan.md"));
    server.send_json(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "markdown", "version": 5, "text": "# Plan\n"}}}),
    );
    server.send_json(
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 3},
        "contentChanges": [{"text": "# Plan\n\nStill [TBD]\n"}]}}),
    );
    let log = server.log_containing("versions must grow");
    assert!(log["params"]["message"]
        .as_str()
        .unwrap()
        .contains("from version 5 to 3"));
    let published = server.wait("diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 3
    });
    assert_eq!(placeholder(&published), json!({"line": 2, "character": 6}));
}

/// xorshift64*: reproducible without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn framing_fuzz_never_kills_or_desyncs_the_server() {
    let mut server = RawServer::start();
    let uri = lsp_client::file_uri(&server.root.path().join("plan.md"));
    server.open_small_plan(&uri);
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let good = |id: usize| {
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol",
               "params": {"textDocument": {"uri": uri}}})
        .to_string()
    };
    for round in 1..=200 {
        let junk: Vec<u8> = match random.below(6) {
            // Random bytes.
            0 => (0..random.below(300))
                .map(|_| random.next() as u8)
                .collect(),
            // A frame cut anywhere, headers included.
            1 => {
                let whole = frame(&good(100_000 + round));
                let cut = random.below(whole.len());
                whole.as_bytes()[..cut].to_vec()
            }
            // A header block with a bad or missing length and no body.
            2 => {
                let headers = [
                    "Content-Length: x\r\n\r\n",
                    "Content-Length:\r\n\r\n",
                    "Content-Type: text/plain\r\n\r\n",
                    "Content-Length: 999999999999\r\n",
                    "X: y\r\n",
                ];
                headers[random.below(headers.len())].as_bytes().to_vec()
            }
            // A good header with a random body.
            3 => {
                let body: Vec<u8> = (0..random.below(80)).map(|_| random.next() as u8).collect();
                let mut junk = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
                junk.extend(body);
                junk
            }
            // JSON that is not a message tower-lsp can decode.
            4 => {
                let bodies = [
                    r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#,
                    r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#,
                    r#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#,
                    r#"{"jsonrpc":"2.0","id":3,"result":1,"result":2}"#,
                    r#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":7}"#,
                    r#"{"jsonrpc":"2.0","id":1e999,"method":"x"}"#,
                ];
                frame(bodies[random.below(bodies.len())]).into_bytes()
            }
            // Deep nesting that would overflow a recursive parser.
            _ => frame(&"[".repeat(100_000)).into_bytes(),
        };
        server.stdin.write_all(&junk).unwrap();
        server.send(&frame(&good(round)));
        let symbols = server
            .response(json!(round))
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(symbols[0]["name"], "Plan", "round {round}");
    }
    server.assert_alive();
    server.send_json(json!({"jsonrpc": "2.0", "id": "bye", "method": "shutdown"}));
    server.response(json!("bye")).unwrap();
    server.send_json(json!({"jsonrpc": "2.0", "method": "exit"}));
    assert_eq!(server.exit_code(), Some(0));
}
