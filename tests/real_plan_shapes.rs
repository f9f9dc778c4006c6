//! The shapes real plans take (measured on plans other people wrote, benches/real-plans), each
//! rewritten in our own words: what must stay silent and what must still be reported, through
//! `plan-lsp check` and over JSON-RPC.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;
use std::process::Command;

use lsp_client::LspClient;
use serde_json::{json, Value};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn lines(n: usize) -> String {
    (1..=n).map(|i| format!("// line {i}\n")).collect()
}

/// A Go and TypeScript workspace with folders a plan may cite.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "internal/app/app.go", &lines(20));
    write(root, "internal/screens/screens.go", &lines(10));
    write(
        root,
        "web/src/preview-store.ts",
        "export const store = 1;\n",
    );
    write(root, "a/util.go", &lines(8));
    write(root, "b/util.go", &lines(8));
    write(root, "specs/001-export/spec.md", "# Spec\n");
    write(root, "memory/constitution.md", "# Rules\n");
    write(root, "thoughts/shared/tickets/t1.md", "# Ticket\n");
    write(root, "cmd/tool/main.go", "package main\n");
    dir
}

/// Every shape of reference, one per line; the comment after `<!--` says what is expected.
const SHAPES: &str = "\
# Export widgets

## Where things are

The entry point is `app.go:3`, the screens are `screens/screens.go:2-4`, the store is `preview-store.ts`.
The spec is `/specs/001-export/spec.md` and the rules are `/memory/constitution.md`.
Run `/export` or `/speckit.plan`, call `/api/items`, and load `Node.js` with `highlight.js`.
Import `net/http` and `modernc.org/sqlite`, branch `feat/export-x`, sizes `Min/Max/Step`.
Build `./widget`, keep `./widget.db`, read `~/.config/widget/conf.yaml`.
A typo in a real folder: `thoughts/tickets/t1.md`.
A link that leads nowhere: [notes](../docs/missing.md).
Two files share a name: `util.go:4`; without lines `util.go` is only a name.

## Changes

- `internal/app/export.go` (NEW): the exporter.
- Create `internal/screens/export_view.go` for the view.
- **File:** `cmd/tool/export_test.go`

| File | Action |
|---|---|
| `internal/app/legacy.go` | Delete |

Remove `internal/app/old_menu.go` once the exporter lands.
There is no `web/package.json` in the repository.

## Lines

Past the end: `internal/app/app.go:99` and `internal/app/app.go` (lines 2-3, 50-60) and `internal/app/app.go:2, 44`.
";

fn check(root: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let output = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .arg("check")
        .arg("--format")
        .arg("json")
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    let items: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!("{}", String::from_utf8_lossy(&output.stderr));
    });
    (
        output.status.code().unwrap(),
        items.as_array().unwrap().clone(),
    )
}

/// `(line, code)` of each finding, lines 1-based.
fn found(items: &[Value]) -> Vec<(u64, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["line"].as_u64().unwrap(),
                i["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn check_reports_only_what_a_reader_would_call_wrong() {
    let ws = workspace();
    write(ws.path(), "plans/export.md", SHAPES);
    let (code, items) = check(ws.path(), &["plans/export.md"]);
    assert_eq!(code, 1, "two broken references are errors");
    let line_of =
        |needle: &str| SHAPES.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1;
    assert_eq!(
        found(&items),
        [
            (line_of("A typo"), "broken-link".to_string()),
            (line_of("leads nowhere"), "broken-link".to_string()),
            (line_of("share a name"), "ambiguous-reference".to_string()),
            (line_of("(NEW)"), "planned-file".to_string()),
            (line_of("Create `"), "planned-file".to_string()),
            (line_of("**File:**"), "planned-file".to_string()),
            (line_of("Past the end"), "line-out-of-range".to_string()),
            (line_of("Past the end"), "line-out-of-range".to_string()),
            (line_of("Past the end"), "line-out-of-range".to_string()),
        ],
        "{items:#?}"
    );
    let messages: Vec<&str> = items
        .iter()
        .map(|i| i["message"].as_str().unwrap())
        .collect();
    assert!(messages[2].contains("a/util.go") && messages[2].contains("b/util.go"));
    assert!(messages[3].contains("this plan creates it"));
    assert!(messages[6].contains("line 99"), "{}", messages[6]);
    assert!(messages[7].contains("line 60"), "{}", messages[7]);
    assert!(messages[8].contains("line 44"), "{}", messages[8]);
    assert!(items
        .iter()
        .all(|i| i["severity"] != "error" || i["code"] == "broken-link"));
}

#[test]
fn ordinary_markdown_gets_nothing() {
    let ws = workspace();
    write(
        ws.path(),
        "README.md",
        "# Widget\n\n## Background\n\nThe tool writes `.widget/state.json` into your project and reads `~/.widgetrc`.\n\
         Set `WIDGET_HOME`; see `docs/guide.md` for more. Build with `make` and run `./widget`.\n\n\
         ## Changelog\n\n- Fixed `internal/app/removed.go` (#12).\n- [1.2.0] released; owner TBD-team.\n\n\
         > [!NOTE]\n> Footnotes[^1] and citations [1] are fine, as are [[Wiki]] links and tasks [P].\n\n\
         [^1]: A footnote.\n",
    );
    let (code, items) = check(ws.path(), &["README.md"]);
    assert_eq!((code, items.len()), (0, 0), "{items:#?}");
}

#[test]
fn lines_past_the_end_that_git_shows_were_there_are_drift() {
    let ws = workspace();
    let root = ws.path();
    write(root, "internal/app/app.go", &lines(60));
    write(root, "internal/app/menu.go", "package app\n");
    write(
        root,
        "plans/drift.md",
        "# Plan\n\nThe handler sits at `internal/app/app.go:50`.\n\n**File:** `internal/app/menu.go`\n",
    );
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "plan"]);
    // The file shrinks after the plan was written: its line 50 moved up to line 10.
    let shorter: String = (41..=60).map(|i| format!("// line {i}\n")).collect();
    write(root, "internal/app/app.go", &shorter);
    // A file the plan cites was deleted after the plan was written: not planned, not broken.
    std::fs::remove_file(root.join("internal/app/menu.go")).unwrap();
    let (_, items) = check(root, &["plans/drift.md"]);
    assert_eq!(
        found(&items),
        [
            (3, "stale-reference".to_string()),
            (5, "stale-reference".to_string())
        ],
        "{items:#?}"
    );
    assert!(items[1]["message"]
        .as_str()
        .unwrap()
        .contains("deleted or moved since"));
    assert!(items[0]["message"]
        .as_str()
        .unwrap()
        .contains("now line 10"));
}

#[test]
fn templates_are_detected_from_headings_and_plain_plans_get_no_section_checks() {
    let ws = workspace();
    let root = ws.path();
    // A phased plan with one phase, a qualified success-criteria heading and no front matter.
    write(
        root,
        "plans/phased.md",
        "# Export\n\n## Overview\n\nx\n\n## Current State Analysis\n\nx\n\n## Desired End State\n\nx\n\n\
         ## What We're NOT Doing\n\nx\n\n## Phase 1: Exporter\n\n### Changes Required\n\nx\n\n\
         ### Phase 1 Success Criteria\n\n- [ ] tests pass\n",
    );
    // A home-grown design doc in a plans folder: a Background heading and phases of its own.
    write(
        root,
        "plans/design.md",
        "# Design\n\n## Background\n\nx\n\n## Phase 1\n\nx\n\n## Risks\n\nx\n",
    );
    // A spec-kit plan where spec-kit writes them, lacking one section.
    write(
        root,
        "specs/001-export/plan.md",
        "# Plan\n\n## Summary\n\nx\n\n## Technical Context\n\nx\n\n## Project Structure\n\nx\n",
    );
    // Two aliases of one section, and Open questions beside its parent.
    write(
        root,
        "plans/house.md",
        "# House plan\n\n## Background\n\nx\n\n## Current state\n\ny\n\n## Best Practices\n\nx\n\n\
         ## Proposed Implementation\n\n### Overview\n\nx\n\n### Components\n\nx\n\n\
         ### Order of implementation\n\nx\n\n### Risks and mitigations\n\nx\n\n## Open Questions\n\n- none\n",
    );
    let (_, items) = check(root, &["plans", "specs"]);
    let sections: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_string(),
                i["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        sections,
        [(
            "specs/001-export/plan.md".to_string(),
            "Missing required section \"Constitution Check\"".to_string()
        )],
        "{items:#?}"
    );
}

#[test]
fn template_slots_are_placeholders_and_ordinary_brackets_are_not() {
    let ws = workspace();
    write(
        ws.path(),
        "plans/template.md",
        "# Plan: [PROJECT NAME]\n\n**Date**: [DATE] | **Ticket**: [link]\n\
         **Runtime**: [e.g., Go 1.22 or NEEDS CLARIFICATION]\n\n[Describe the change in two sentences]\n\n\
         Notes go to `/specs/[###-slug]/notes.md`.\n\n\
         - [ ] a task [P] with a footnote[^1], a citation [1], a [[Wiki]] and [a link][ref]\n\
         - owner: TBD-team, template code {{.Name}} and {{ ctx.run_id }}\n\n\
         [^1]: x\n[ref]: https://example.com\n",
    );
    write(
        ws.path(),
        "plans/bare.md",
        "# Plan\n\nThe owner is TBD for now.\n",
    );
    let (_, bare) = check(ws.path(), &["plans/bare.md"]);
    assert_eq!(bare[0]["message"], "Unresolved placeholder \"TBD\"");
    let (_, items) = check(ws.path(), &["plans/template.md"]);
    let questions: Vec<&str> = items
        .iter()
        .filter(|i| i["code"] == "placeholder")
        .map(|i| i["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        questions,
        [
            "PROJECT NAME",
            "DATE",
            "link",
            "e.g., Go 1.22 or NEEDS CLARIFICATION",
            "Describe the change in two sentences",
            "###-slug"
        ],
        "{items:#?}"
    );
}

/// The server on `root`, after its code index is complete.
fn start(root: &Path) -> LspClient {
    let client = LspClient::start(root, json!({}));
    client.wait_indexed();
    client
}

fn position_of(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap() + 1;
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

#[test]
fn editor_hovers_defines_and_fixes_references_as_written() {
    let ws = workspace();
    let client = start(ws.path());
    let uri = client.uri("plans/export.md");
    client.open(&uri, SHAPES);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(
        diagnostics
            .iter()
            .filter(|d| d["code"] == "broken-link")
            .count(),
        2,
        "{diagnostics:#?}"
    );
    let at = |needle: &str| json!({"textDocument": {"uri": uri}, "position": position_of(SHAPES, needle)});

    // Hover says which file a basename was taken for.
    let hover = client
        .request("textDocument/hover", at("`app.go:3`"))
        .unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("`internal/app/app.go`"), "{value}");
    assert!(value.contains("// line 3"), "{value}");

    // An ambiguous name: definition offers every candidate, one quick fix per candidate.
    let definition = client
        .request("textDocument/definition", at("`util.go:4`"))
        .unwrap();
    let targets: Vec<&str> = definition
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert!(
        targets.len() == 2
            && targets[0].ends_with("a/util.go")
            && targets[1].ends_with("b/util.go")
    );
    let ambiguous: Vec<Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "ambiguous-reference")
        .cloned()
        .collect();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": ambiguous[0]["range"],
                   "context": {"diagnostics": ambiguous}}),
        )
        .unwrap();
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles[..2],
        ["Use a/util.go", "Use b/util.go"],
        "{titles:?}"
    );
    let edit = &actions[1]["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(edit["newText"], "`b/util.go:4`");

    // Paths complete in prose too, once a word has a slash.
    let last = SHAPES.lines().count() as u32;
    let typed = "The exporter goes next to internal/ap";
    let width = typed.len() as u32;
    client.change(&uri, lsp_client::range(last, 0, last, 0), typed);
    let items = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": last, "character": width}}),
        )
        .unwrap();
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["app/"], "{items}");
    client.change(&uri, lsp_client::range(last, 0, last, width), "");

    // Headings complete from the template the plan follows.
    let phased = client.uri("plans/phased.md");
    let phased_text = "# Export\n\n## Overview\n\nx\n\n## Current State Analysis\n\nx\n\n\
                       ## Desired End State\n\nx\n\n## What We're NOT Doing\n\nx\n\n\
                       ## Phase 1: Exporter\n\n### Changes Required\n\nx\n\n### Success Criteria\n\nx\n\n## Te";
    client.open(&phased, phased_text);
    let last_line = phased_text.lines().count() as u32 - 1;
    let items = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": phased}, "position": {"line": last_line, "character": 5}}),
        )
        .unwrap();
    assert_eq!(items[0]["label"], "Testing Strategy", "{items}");

    // No "insert all missing sections" on a plan that follows no template, and no lenses where
    // nothing is open.
    assert!(!titles.iter().any(|t| t.contains("missing section")));
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    assert_eq!(lenses, json!([]));
    client.shutdown();
}

#[test]
fn unknown_symbol_only_when_certain() {
    let ws = workspace();
    let root = ws.path();
    write(
        root,
        "internal/ui/view.go",
        "package ui\n\nimport tea \"github.com/example/tea\"\n\ntype Theme struct{ Subtle string }\n\n\
         var theme = Theme{}\n\nfunc tick() tea.Cmd { return tea.Batch(tea.Tick(), nil) }\n\n\
         func color() string { return theme.Subtle }\n",
    );
    write(
        root,
        "internal/pool/pool.go",
        "package pool\n\ntype Pool struct{}\n\nfunc (p *Pool) GetActiveRepository() string { return \"\" }\n",
    );
    let client = start(root);
    let uri = client.uri("plans/symbols.md");
    let text = "# Plan\n\nCall `tea.Tick()` and `tea.Batch(cmds...)`, read `theme.Subtle`, ask \
                `pool.GetActiveRepository()` and `repos.GetActiveRepository()`, and add `ui.Missing()`.\n";
    client.open(&uri, text);
    let diagnostics = client.diagnostics_where(&uri, |d| !d.is_empty());
    let unknown: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d["code"] == "unknown-symbol")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        unknown,
        ["No symbol `ui.Missing()` in the workspace"],
        "{diagnostics:#?}"
    );
    // A method reached through a variable resolves by the method's name.
    let definition = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position_of(text, "`pool.GetActive")}),
        )
        .unwrap();
    let target = if definition.is_array() {
        &definition[0]
    } else {
        &definition
    };
    assert!(
        target["uri"]
            .as_str()
            .unwrap()
            .ends_with("internal/pool/pool.go"),
        "{definition}"
    );
    let through_variable = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position_of(text, "`repos.GetActive")}),
        )
        .unwrap();
    assert!(
        through_variable
            .to_string()
            .contains("internal/pool/pool.go"),
        "{through_variable}"
    );
    client.shutdown();
}
