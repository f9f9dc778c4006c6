//! The core server over real JSON-RPC: diagnostics, hover, definition, outline, folding, links,
//! code actions, code lenses, commands, settings, encodings and bad input.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::{Path, PathBuf};

use lsp_client::{pos, range, LspClient};
use serde_json::{json, Value};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/core")
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The core tests hold plans to the default template, as a team that chose it in its settings;
/// detection from headings is tested on its own.
fn start() -> LspClient {
    LspClient::start(&fixture_root(), json!({"template": "implementation-plan"}))
}

const DRAFT: &str = "# Plan\n\n## Status quo\n\nToday `src/server.rs:12` starts it. [NEEDS CLARIFICATION: Which port?]\n\n## Best Practices\n\nKeep it simple.\n";

#[test]
fn handshake_declares_the_capabilities_editors_rely_on() {
    let client = start();
    let caps = &client.initialize_result["capabilities"];
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["positionEncoding"], "utf-16");
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "documentSymbolProvider",
        "foldingRangeProvider",
        "documentLinkProvider",
        "codeActionProvider",
        "codeLensProvider",
        "selectionRangeProvider",
        "semanticTokensProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap} missing");
    }
    let commands: Vec<&str> = caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(commands.contains(&"plan.insertMissingSections"));
    assert!(commands.contains(&"plan.newFromIssue"));
    assert_eq!(client.initialize_result["serverInfo"]["name"], "plan-lsp");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn a_complete_plan_has_only_its_open_question() {
    let client = start();
    let path = fixture_root().join("plans/complete.md");
    let uri = lsp_client::file_uri(&std::fs::canonicalize(&path).unwrap());
    client.open(&uri, &std::fs::read_to_string(&path).unwrap());
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(codes(&diagnostics), ["placeholder"], "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d["message"], "Which port range is allowed?");
    assert_eq!(d["source"], "plan-lsp");
    assert_eq!(d["severity"], 2);
    assert_eq!(d["data"]["id"], "P1");
}

#[test]
fn missing_sections_broken_links_and_lines_out_of_range() {
    let client = start();
    let uri = client.uri("plans/draft.md");
    let text = "# Plan\n\n## Status quo\n\nSee `src/nope.rs`, `src/server.rs:99` and [lib](../src/lib.rs).\n";
    client.open(&uri, text);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(
        codes(&diagnostics),
        [
            "missing-section",
            "missing-section",
            "broken-link",
            "line-out-of-range"
        ],
        "{diagnostics:#?}"
    );
    assert_eq!(diagnostics[2]["range"], range(4, 4, 4, 17));
    assert_eq!(diagnostics[2]["severity"], 1);
    assert!(diagnostics[3]["message"]
        .as_str()
        .unwrap()
        .contains("has 15 lines"));
}

#[test]
fn crlf_and_emoji_ranges_are_utf16_exact() {
    let client = start();
    let uri = client.uri("plans/crlf.md");
    let text = "## Status quo 🚀\r\n\r\nWe 😀👍 need [TBD: owner?] here.\r\n";
    client.open(&uri, text);
    let diagnostics =
        client.diagnostics_where(&uri, |d| codes(d).contains(&"placeholder".to_string()));
    let p = diagnostics
        .iter()
        .find(|d| d["code"] == "placeholder")
        .unwrap();
    // "We " = 3, two emoji = 4 UTF-16 units, " need " = 6: the placeholder starts at 13.
    assert_eq!(p["range"], range(2, 13, 2, 26));
    assert_eq!(p["message"], "owner?");
}

#[test]
fn utf8_positions_when_the_client_prefers_them() {
    let client = LspClient::start_with(
        &fixture_root(),
        json!({}),
        json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}),
    );
    assert_eq!(
        client.initialize_result["capabilities"]["positionEncoding"],
        "utf-8"
    );
    let uri = client.uri("plans/utf8.md");
    client.open(&uri, "é😀 [TBD]\n");
    let diagnostics = client.diagnostics(&uri);
    let p = diagnostics
        .iter()
        .find(|d| d["code"] == "placeholder")
        .unwrap();
    assert_eq!(p["range"], range(0, 7, 0, 12));
}

#[test]
fn incremental_edits_create_and_remove_placeholders() {
    let client = start();
    let uri = client.uri("plans/edit.md");
    client.open(&uri, DRAFT);
    client.diagnostics_where(&uri, |d| {
        codes(d).iter().filter(|c| *c == "placeholder").count() == 1
    });
    // Type a new placeholder at the end of the Best Practices paragraph.
    client.change(&uri, range(8, 15, 8, 15), " {{which lint?}}");
    let d = client.diagnostics_where(&uri, |d| {
        codes(d).iter().filter(|c| *c == "placeholder").count() == 2
    });
    assert!(d
        .iter()
        .any(|d| d["message"] == "which lint?" && d["range"] == range(8, 16, 8, 31)));
    // Resolve the first one by replacing it with an answer.
    let line = DRAFT.lines().nth(4).unwrap();
    let start = line.find("[NEEDS").unwrap() as u32;
    let end = start + "[NEEDS CLARIFICATION: Which port?]".len() as u32;
    client.change(&uri, range(4, start, 4, end), "Port 8080.");
    let d = client.diagnostics_where(&uri, |d| {
        codes(d).iter().filter(|c| *c == "placeholder").count() == 1
    });
    assert_eq!(
        d.iter().find(|d| d["code"] == "placeholder").unwrap()["message"],
        "which lint?"
    );
    // Several changes in one notification apply in order.
    client.change_many(
        &uri,
        vec![
            json!({"range": range(0, 0, 0, 0), "text": "[TBD] "}),
            json!({"range": range(0, 0, 0, 6), "text": ""}),
        ],
    );
    let d = client.diagnostics_where(&uri, |_| true);
    assert_eq!(codes(&d).iter().filter(|c| *c == "placeholder").count(), 1);
}

#[test]
fn placeholder_hovers_name_the_commands_of_the_editor_showing_them() {
    let hover_for = |front_end: &str| {
        let client = LspClient::start_with(
            &fixture_root(),
            json!({}),
            json!({"experimental": {"planLspCommands": front_end}}),
        );
        let uri = client.uri("plans/hover.md");
        client.open(&uri, DRAFT);
        let hover = client
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": pos(4, 45)}),
            )
            .unwrap();
        hover["contents"]["value"].as_str().unwrap().to_string()
    };
    let vscode = hover_for("vscode");
    // Links VS Code runs (the extension trusts exactly these commands), with the placeholder's id.
    assert!(
        vscode.contains("[Answer placeholder…](command:planLsp.answerPlaceholder?%5B%22P1%22%5D "),
        "{vscode}"
    );
    assert!(
        vscode.contains("[Ask open questions on the issue](command:planLsp.askOnIssue)"),
        "{vscode}"
    );
    assert!(
        !vscode.contains("plan.answerPlaceholder"),
        "no internal ids: {vscode}"
    );
    let neovim = hover_for("neovim");
    assert!(neovim.contains("- `:PlanAnswer` answers it"), "{neovim}");
    assert!(neovim.contains("- `gra` (code action)"), "{neovim}");
    // Every action on a line of its own: wrapped text never starts with a stray ", or".
    for line in neovim.lines() {
        assert!(!line.trim_start().starts_with(','), "{neovim}");
    }
    assert!(!neovim.contains("command:"), "{neovim}");
}

#[test]
fn hover_on_a_placeholder_and_on_a_file_reference() {
    let client = start();
    let uri = client.uri("plans/hover.md");
    client.open(&uri, DRAFT);
    client.diagnostics(&uri);
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(4, 45)}),
        )
        .unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**Open question P1 · NEEDS CLARIFICATION**\n\n**Which port?**\n\n"),
        "{value}"
    );
    assert_eq!(value.matches("Which port?").count(), 1, "{value}");
    assert!(value.contains("In **Plan › Status quo**"), "{value}");
    assert!(value.contains("only open placeholder"), "{value}");
    // A client that is not one of plan-lsp's front ends gets the server's own command names.
    assert!(
        value.contains("`plan.answerPlaceholder` (`placeholder: \"P1\"`)"),
        "{value}"
    );
    assert_eq!(hover["range"], range(4, 36, 4, 70));

    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(4, 10)}),
        )
        .unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("**src/server.rs** · line 12"), "{value}");
    assert!(
        value.contains("```rust\n    pub fn start(&self) -> bool {\n```"),
        "{value}"
    );

    let nothing = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(0, 1)}),
        )
        .unwrap();
    assert!(nothing.is_null());
}

#[test]
fn definition_from_every_reference_form() {
    let client = start();
    let uri = client.uri("plans/def.md");
    let text = "a `src/server.rs:11` b\n\
                c `src/server.rs:11:12` d\n\
                e `src/server.rs:7-9` f\n\
                g [link](../src/server.rs#L3-L5) h\n\
                i see src/lib.rs:3 here\n\
                j [ref][s] k\n\
                l `src/lib.rs` m\n\
                n `src/server.rs#L10,5` o\n\
                \n[s]: ../src/server.rs#L13\n";
    client.open(&uri, text);
    let server =
        lsp_client::file_uri(&fixture_root().canonicalize().unwrap().join("src/server.rs"));
    let lib = lsp_client::file_uri(&fixture_root().canonicalize().unwrap().join("src/lib.rs"));
    let cases = [
        (0, 5, &server, range(10, 0, 10, 0)),
        (1, 5, &server, range(10, 11, 10, 11)),
        (2, 5, &server, range(6, 0, 9, 0)),
        (3, 5, &server, range(2, 0, 5, 0)),
        (4, 9, &lib, range(2, 0, 2, 0)),
        (5, 4, &server, range(12, 0, 12, 0)),
        (6, 5, &lib, range(0, 0, 0, 0)),
        (7, 5, &server, range(9, 4, 9, 4)),
    ];
    for (line, character, target, expected) in cases {
        let result = client
            .request(
                "textDocument/definition",
                json!({"textDocument": {"uri": uri}, "position": pos(line, character)}),
            )
            .unwrap();
        assert_eq!(&result["uri"], target, "line {line}: {result}");
        assert_eq!(result["range"], expected, "line {line}");
    }
}

#[test]
fn references_never_resolve_outside_the_workspace() {
    let client = start();
    let uri = client.uri("plans/escape.md");
    client.open(
        &uri,
        "See [x](../../../../../../etc/passwd) and `/etc/hostname`.\n",
    );
    // Another machine's files are not ours to judge: no diagnostic, and nothing read.
    let diagnostics = client.diagnostics(&uri);
    assert!(
        !codes(&diagnostics)
            .iter()
            .any(|c| c == "broken-link" || c == "line-out-of-range"),
        "{diagnostics:#?}"
    );
    let result = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos(0, 6)}),
        )
        .unwrap();
    assert!(result.is_null());
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(0, 6)}),
        )
        .unwrap();
    assert!(!hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("root:"));
}

#[test]
fn outline_folding_links_and_lenses() {
    let client = start();
    let path = fixture_root().join("plans/complete.md");
    let uri = lsp_client::file_uri(&std::fs::canonicalize(&path).unwrap());
    client.open(&uri, &std::fs::read_to_string(&path).unwrap());
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let top = &symbols[0];
    assert_eq!(top["name"], "Plan: faster widgets");
    let names: Vec<&str> = top["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Status quo", "Best Practices", "Proposed Implementation"]
    );
    let open_questions = &top["children"][2]["children"][4];
    assert_eq!(open_questions["name"], "Open questions");
    assert_eq!(
        open_questions["children"][0]["name"],
        "P1: Which port range is allowed?"
    );
    assert_eq!(top["children"][2]["detail"], "1 open");

    let folds = client
        .request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l == needle).unwrap() as u64;
    let folds: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(folds.contains(&(0, 3)), "front matter: {folds:?}");
    assert!(
        folds.contains(&(6, line_of("</implementation_plan>"))),
        "wrapper: {folds:?}"
    );
    assert!(folds.contains(&(8, 11)), "Status quo: {folds:?}");

    let links = client
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let targets: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets.len(), 3, "{targets:?}");
    assert!(targets[0].ends_with("src/server.rs#L12"));
    assert!(targets[1].ends_with("src/server.rs#L7-L9"));
    assert!(targets[2].ends_with("src/lib.rs#L3"));

    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    // One lens, on the section that holds the question; none where nothing is open.
    assert_eq!(titles, ["P1: Which port range is allowed? — answer…"]);
    assert_eq!(lenses[0]["range"]["start"]["line"], 38);
    assert_eq!(lenses[0]["command"]["command"], "planLsp.answerPlaceholder");
    assert_eq!(lenses[0]["command"]["arguments"][0]["placeholder"], "P1");
}

#[test]
fn quick_fix_inserts_a_missing_section_and_the_diagnostic_goes() {
    let client = start();
    let uri = client.uri("plans/fix.md");
    client.open(&uri, DRAFT);
    let diagnostics = client.diagnostics(&uri);
    let missing = diagnostics
        .iter()
        .find(|d| d["code"] == "missing-section")
        .unwrap()
        .clone();
    assert_eq!(
        missing["message"],
        "Missing required section \"Proposed Implementation\""
    );
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": missing["range"], "context": {"diagnostics": [missing]}}),
        )
        .unwrap();
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Insert missing section \"Proposed Implementation\"")
        .expect("the quick fix is offered")
        .clone();
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["diagnostics"][0]["code"], "missing-section");
    let change = &action["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], 1);
    let edited = lsp_client::apply_text_edits(DRAFT, change["edits"].as_array().unwrap());
    assert!(edited.ends_with("Keep it simple.\n\n## Proposed Implementation\n\n### Overview\n\n[PLACEHOLDER: Summarise the approach in a few sentences.]\n\n### Components\n\n[PLACEHOLDER: One subsection per component: implementation details, challenges and solutions, dependencies.]\n\n### Order of implementation\n\n[PLACEHOLDER: In which order will the work be done, and what does each step deliver?]\n\n### Risks and mitigations\n\n[PLACEHOLDER: What could go wrong, and how will each risk be mitigated?]\n\n### Open questions\n\n[PLACEHOLDER: What still needs research or discussion?]\n"), "{edited}");
    client.change(&uri, range(0, 0, 9, 0), &edited);
    let after =
        client.diagnostics_where(&uri, |d| !codes(d).contains(&"missing-section".to_string()));
    assert_eq!(
        codes(&after).iter().filter(|c| *c == "placeholder").count(),
        6
    );
}

#[test]
fn move_placeholder_to_open_questions_as_a_code_action() {
    let client = start();
    let uri = client.uri("plans/move.md");
    client.open(&uri, DRAFT);
    client.diagnostics(&uri);
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": range(4, 40, 4, 40), "context": {"diagnostics": []}}))
        .unwrap();
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Move placeholder P1 to Open questions")
        .unwrap();
    let edited = lsp_client::apply_text_edits(
        DRAFT,
        action["edit"]["documentChanges"][0]["edits"]
            .as_array()
            .unwrap(),
    );
    assert!(
        edited.contains("starts it. (see Open questions: Which port?)"),
        "{edited}"
    );
    assert!(
        edited.ends_with(
            "### Open questions\n\n- [NEEDS CLARIFICATION: Which port?] (from Status quo)\n"
        ),
        "{edited}"
    );
}

#[test]
fn commands_apply_versioned_edits_and_report_status() {
    let client = start();
    let uri = client.uri("plans/cmd.md");
    client.open(&uri, DRAFT);
    client.diagnostics(&uri);
    let status = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.status", "arguments": [{"uri": uri}]}),
        )
        .unwrap();
    assert_eq!(status["open"], 1);
    assert_eq!(
        status["missingSections"],
        json!(["Proposed Implementation"])
    );
    assert_eq!(status["placeholders"][0]["id"], "P1");
    assert_eq!(status["placeholders"][0]["line"], 4);

    let result = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.insertMissingSections", "arguments": [{"uri": uri}]}),
        )
        .unwrap();
    assert_eq!(result["inserted"], json!(["Proposed Implementation"]));
    let edits = client.server_requests("workspace/applyEdit");
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["edit"]["documentChanges"][0]["textDocument"]["version"],
        1
    );
    assert!(client.text(&uri).contains("### Risks and mitigations"));
    client.diagnostics_where(&uri, |d| !codes(d).contains(&"missing-section".to_string()));
    let status = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.status", "arguments": [{"uri": uri}]}),
        )
        .unwrap();
    assert_eq!(status["missingSections"], json!([]));
    assert_eq!(status["open"], 6);

    let moved = client
        .request("workspace/executeCommand", json!({"command": "plan.movePlaceholderToOpenQuestions", "arguments": [{"uri": uri, "placeholder": "P1"}]}))
        .unwrap();
    assert_eq!(moved["moved"], "P1");
    assert!(client
        .text(&uri)
        .contains("- [NEEDS CLARIFICATION: Which port?] (from Status quo)"));
}

#[test]
fn a_refused_edit_is_reported_and_changes_nothing() {
    let client = start();
    let uri = client.uri("plans/refuse.md");
    client.open(&uri, DRAFT);
    client.diagnostics(&uri);
    client.set_edit_policy(lsp_client::EditPolicy::Refuse);
    let err = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.insertMissingSections", "arguments": [{"uri": uri}]}),
        )
        .unwrap_err();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("did not apply the edit"),
        "{err}"
    );
    assert_eq!(client.text(&uri), DRAFT);
}

#[test]
fn bad_requests_get_errors_and_the_server_keeps_serving() {
    let mut client = start();
    let uri = client.uri("plans/bad.md");
    client.open(&uri, DRAFT);
    client.diagnostics(&uri);

    let unknown = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///nowhere.md"}, "position": pos(0, 0)}),
        )
        .unwrap_err();
    assert_eq!(unknown["code"], -32602);
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .contains("unknown document"));

    let past = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(999, 0)}),
        )
        .unwrap_err();
    assert!(
        past["message"]
            .as_str()
            .unwrap()
            .contains("outside the document"),
        "{past}"
    );
    let past_line_end = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos(0, 99)}),
        )
        .unwrap_err();
    assert_eq!(past_line_end["code"], -32602);

    let malformed = client
        .request("textDocument/hover", json!({"textDocument": 7}))
        .unwrap_err();
    assert_eq!(malformed["code"], -32602);
    let bad_args = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.status", "arguments": [{"nope": 1}]}),
        )
        .unwrap_err();
    assert!(bad_args["message"]
        .as_str()
        .unwrap()
        .contains("bad arguments"));
    let unknown_command = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.nope", "arguments": []}),
        )
        .unwrap_err();
    assert!(unknown_command["message"]
        .as_str()
        .unwrap()
        .contains("unknown command"));
    let not_json = "{this is not json";
    client.send_raw(&lsp_client::frame(not_json));
    client.notify("textDocument/didChange", json!({"textDocument": {"uri": "file:///nowhere.md", "version": 2}, "contentChanges": [{"text": "x"}]}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "odd:%%%", "version": 2}, "contentChanges": []}),
    );

    // A change past the end is clamped and logged, never a crash.
    client.change(&uri, range(500, 0, 501, 0), "\nappended [TBD]\n");
    client.wait_notification("window/logMessage", |p| {
        p["message"]
            .as_str()
            .unwrap_or_default()
            .contains("clamped")
    });
    let d = client.diagnostics_where(&uri, |d| {
        codes(d).iter().filter(|c| *c == "placeholder").count() == 2
    });
    assert!(!d.is_empty());

    let still = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(4, 45)}),
        )
        .unwrap();
    assert!(still["contents"]["value"].as_str().unwrap().contains("P1"));
    assert!(client.is_running());
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn settings_change_severity_templates_and_patterns_live() {
    let client = LspClient::start(
        &fixture_root(),
        json!({"template": "implementation-plan", "severity": {"placeholder": "error"}}),
    );
    let uri = client.uri("plans/settings.md");
    client.open(&uri, &format!("{DRAFT}\n??who decides??\n"));
    let d = client.diagnostics(&uri);
    assert_eq!(
        d.iter().find(|d| d["code"] == "placeholder").unwrap()["severity"],
        1
    );

    client.set_configuration(json!({
        "template": "implementation-plan",
        "severity": {"missing-section": "off"},
        "placeholders": {"patterns": ["\\?\\?(?P<question>[^?]+)\\?\\?"]},
    }));
    client.notify("workspace/didChangeConfiguration", json!({"settings": {}}));
    let d = client.diagnostics_where(&uri, |d| !codes(d).contains(&"missing-section".to_string()));
    assert!(d.iter().any(|d| d["message"] == "who decides"), "{d:#?}");
    assert_eq!(
        d.iter().find(|d| d["code"] == "placeholder").unwrap()["severity"],
        2
    );

    client.set_configuration(json!({"template": "spec-kit-plan"}));
    client.notify("workspace/didChangeConfiguration", json!({"settings": {}}));
    let d = client.diagnostics_where(&uri, |d| {
        d.iter()
            .any(|d| d["message"] == "Missing required section \"Technical Context\"")
    });
    assert!(!d.is_empty());
}

#[test]
fn pull_diagnostics_answer_the_same_findings() {
    let client = start();
    let uri = client.uri("plans/pull.md");
    client.open(&uri, DRAFT);
    let pushed = client.diagnostics(&uri);
    let pulled = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    assert_eq!(pulled["kind"], "full");
    assert_eq!(pulled["items"].as_array().unwrap(), &pushed);
}

#[test]
fn front_matter_selects_the_template() {
    let client = start();
    let uri = client.uri("plans/phased.md");
    client.open(
        &uri,
        "---\ntemplate: phased-plan\n---\n# Plan\n\n## Overview\n\nx\n",
    );
    let d = client.diagnostics(&uri);
    let messages: Vec<&str> = d
        .iter()
        .filter(|d| d["code"] == "missing-section")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"Missing required section \"Desired End State\""),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"Missing required section \"Phase 1\""),
        "{messages:?}"
    );
}

#[test]
fn every_declared_command_is_dispatched() {
    let client = start();
    let commands =
        client.initialize_result["capabilities"]["executeCommandProvider"]["commands"].clone();
    for command in commands.as_array().unwrap() {
        let err = client
            .request(
                "workspace/executeCommand",
                json!({"command": command, "arguments": [{"bogus": true}]}),
            )
            .unwrap_err();
        let message = err["message"].as_str().unwrap();
        assert!(!message.contains("unknown command"), "{command}: {message}");
        assert!(!message.contains("not available"), "{command}: {message}");
    }
    // The command table, with what each command needs, is declared once for editors.
    let table = client.initialize_result["capabilities"]["experimental"]["planLsp"]["commands"]
        .as_array()
        .expect("the command table")
        .clone();
    let names: Vec<&Value> = table.iter().map(|c| &c["name"]).collect();
    assert_eq!(
        names,
        commands.as_array().unwrap().iter().collect::<Vec<_>>()
    );
    let needs = |name: &str| {
        table.iter().find(|c| c["name"] == name).unwrap()["needs"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(needs("plan.fillSection"), "llm");
    assert_eq!(needs("plan.askOnIssue"), "gitHub");
    assert_eq!(needs("plan.status"), "nothing");
    let err = client
        .request(
            "workspace/executeCommand",
            json!({"command": "plan.nope", "arguments": []}),
        )
        .unwrap_err();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("unknown command plan.nope; known: plan.insertMissingSections"),
        "{err}"
    );
}
