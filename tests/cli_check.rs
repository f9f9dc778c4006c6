//! `plan-lsp check`: output formats and exit codes, so CI can refuse a plan with open questions.

use std::path::Path;
use std::process::Command;

fn check(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run plan-lsp check");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("plans")).unwrap();
    std::fs::write(dir.path().join("src/a.rs"), "fn a() {}\nfn b() {}\n").unwrap();
    let complete = "## Status quo\n\nSee `src/a.rs:2`.\n\n## Best Practices\n\nx\n\n## Proposed Implementation\n\n### Overview\n\nx\n\n### Components\n\nx\n\n### Order of implementation\n\nx\n\n### Risks and mitigations\n\nx\n\n### Open questions\n\n- [NEEDS CLARIFICATION: Which region?]\n";
    std::fs::write(dir.path().join("plans/open.md"), complete).unwrap();
    std::fs::write(
        dir.path().join("plans/done.md"),
        complete.replace("[NEEDS CLARIFICATION: Which region?]", "None."),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("plans/broken.md"),
        "## Status quo\n\nSee `src/a.rs:9` and 😀 `src/gone.rs`.\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_plan_with_an_open_question_passes_unless_strict() {
    let ws = workspace();
    let (code, stdout, _) = check(&["plans/open.md"], ws.path());
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "plans/open.md:29:3: warning placeholder Which region?\n"
    );
    let (code, _, stderr) = check(&["--strict", "plans/open.md"], ws.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("0 error(s), 1 warning(s)"), "{stderr}");
    let (code, stdout, _) = check(&["--strict", "plans/done.md"], ws.path());
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn errors_fail_and_json_reports_every_field() {
    let ws = workspace();
    let (code, stdout, _) = check(&["--format", "json", "plans/broken.md"], ws.path());
    assert_eq!(code, 1);
    let items: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let items = items.as_array().unwrap();
    let codes: Vec<&str> = items.iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "missing-section",
            "missing-section",
            "line-out-of-range",
            "broken-link"
        ]
    );
    let broken = &items[3];
    assert_eq!(broken["path"], "plans/broken.md");
    assert_eq!(broken["line"], 3);
    // Columns count characters: the emoji is one.
    assert_eq!(broken["column"], 24);
    assert_eq!(broken["severity"], "error");
    assert_eq!(broken["message"], "File not found: src/gone.rs");
}

#[test]
fn folders_are_searched_for_plans() {
    let ws = workspace();
    let (code, stdout, stderr) = check(&["plans"], ws.path());
    assert_eq!(code, 1);
    assert!(stdout.contains("plans/broken.md:3:"), "{stdout}");
    assert!(stdout.contains("plans/open.md:29:3"), "{stdout}");
    assert!(stderr.starts_with("3 plan(s) checked"), "{stderr}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let ws = workspace();
    assert_eq!(check(&[], ws.path()).0, 2);
    assert_eq!(check(&["--format", "xml", "plans"], ws.path()).0, 2);
    let (code, _, stderr) = check(&["plans/missing.md"], ws.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("plans/missing.md"), "{stderr}");
    let (code, _, stderr) = check(&["--template", "nope", "plans"], ws.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown template"), "{stderr}");
}

#[test]
fn settings_file_changes_severities() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("settings.json"),
        r#"{"severity": {"placeholder": "error"}}"#,
    )
    .unwrap();
    let (code, stdout, _) = check(&["--settings", "settings.json", "plans/open.md"], ws.path());
    assert_eq!(code, 1);
    assert!(stdout.contains("error placeholder"), "{stdout}");
}

#[test]
fn help_prints_usage_and_exits_0() {
    let ws = workspace();
    for flag in ["--help", "-h"] {
        let (code, stdout, stderr) = check(&[flag], ws.path());
        assert_eq!(code, 0, "{flag}: {stderr}");
        assert!(
            stdout.contains("plan-lsp check [OPTIONS] PATHS"),
            "{flag}: {stdout}"
        );
        assert!(stdout.contains("--format"), "{flag}: {stdout}");
    }
    // Help wins over whatever else is on the line.
    assert_eq!(check(&["plans/missing.md", "--help"], ws.path()).0, 0);
    let (code, _, stderr) = check(&["-x", "plans"], ws.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown option -x"), "{stderr}");
}

#[test]
fn invalid_settings_values_exit_2_naming_the_key() {
    let ws = workspace();
    for (settings, key) in [
        (
            r#"{"severity": {"placeholder": "eror"}}"#,
            "planLsp.severity.placeholder",
        ),
        (
            r#"{"severity": {"placehodler": "error"}}"#,
            "planLsp.severity.placehodler",
        ),
        (
            r#"{"index": {"maxFileBytes": "big"}}"#,
            "planLsp.index.maxFileBytes",
        ),
        (
            r#"{"placeholders": {"patterns": "x"}}"#,
            "planLsp.placeholders.patterns",
        ),
    ] {
        std::fs::write(ws.path().join("settings.json"), settings).unwrap();
        let (code, stdout, stderr) =
            check(&["--settings", "settings.json", "plans/open.md"], ws.path());
        assert_eq!(code, 2, "{settings}: {stdout}");
        assert!(stderr.contains(key), "{settings}: {stderr}");
        assert_eq!(
            stdout, "",
            "nothing is checked with settings the user did not mean"
        );
    }
}
