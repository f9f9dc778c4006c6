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
    // One "Status quo" heading follows no template clearly: no section findings.
    assert_eq!(codes, ["line-out-of-range", "broken-link"]);
    let broken = &items[1];
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

#[test]
fn github_format_prints_workflow_annotations() {
    let ws = workspace();
    let (code, stdout, _) = check(
        &["--format", "github", "plans/broken.md", "plans/open.md"],
        ws.path(),
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.contains(&"::error file=plans/broken.md,line=3,endLine=3,col=24,endColumn=37,title=plan-lsp broken-link::File not found: src/gone.rs"),
        "{stdout}"
    );
    assert!(
        lines.contains(&"::warning file=plans/open.md,line=29,endLine=29,col=3,endColumn=39,title=plan-lsp placeholder::Which region?"),
        "{stdout}"
    );
    // Every line is a workflow command the runner understands, nothing else on stdout.
    for line in &lines {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
    }
}

#[test]
fn github_format_escapes_what_would_end_a_command() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("plans/odd, name.md"),
        "# P\n\n[NEEDS CLARIFICATION: 100% sure:: yes?]\n",
    )
    .unwrap();
    let (_, stdout, _) = check(&["--format", "github", "plans/odd, name.md"], ws.path());
    let line = stdout
        .lines()
        .find(|l| l.contains("placeholder"))
        .expect("the placeholder annotation");
    assert!(
        line.starts_with("::warning file=plans/odd%2C name.md,line=3,"),
        "{line}"
    );
    assert!(line.ends_with("::100%25 sure:: yes?"), "{line}");
}

/// The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) this log uses: required
/// properties, enumerations, minimums and the property names each object may carry.
fn assert_valid_sarif(log: &serde_json::Value) {
    use serde_json::Value;
    fn keys_within(value: &Value, allowed: &[&str], what: &str) {
        let object = value
            .as_object()
            .unwrap_or_else(|| panic!("{what} is an object: {value}"));
        for key in object.keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "{what} has no property {key:?}"
            );
        }
    }
    fn positive(value: &Value, what: &str) -> u64 {
        let n = value
            .as_u64()
            .unwrap_or_else(|| panic!("{what} is an integer: {value}"));
        assert!(n >= 1, "{what} is at least 1");
        n
    }
    fn message(value: &Value, what: &str) {
        keys_within(
            value,
            &["text", "markdown", "id", "arguments", "properties"],
            what,
        );
        assert!(
            value["text"].is_string() || value["id"].is_string(),
            "{what} needs text or id"
        );
    }
    const LEVELS: [&str; 4] = ["none", "note", "warning", "error"];
    keys_within(
        log,
        &[
            "$schema",
            "version",
            "runs",
            "inlineExternalProperties",
            "properties",
        ],
        "sarifLog",
    );
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .is_some_and(|s| s.starts_with("https://")));
    let runs = log["runs"].as_array().expect("runs is an array");
    assert!(!runs.is_empty());
    for run in runs {
        keys_within(
            run,
            &[
                "tool",
                "results",
                "columnKind",
                "invocations",
                "originalUriBaseIds",
                "artifacts",
                "properties",
            ],
            "run",
        );
        keys_within(
            &run["tool"],
            &["driver", "extensions", "properties"],
            "tool",
        );
        let driver = &run["tool"]["driver"];
        keys_within(
            driver,
            &[
                "name",
                "version",
                "semanticVersion",
                "informationUri",
                "rules",
                "fullName",
                "properties",
            ],
            "toolComponent",
        );
        assert!(driver["name"].is_string(), "driver.name is required");
        if let Some(kind) = run.get("columnKind") {
            assert!(
                kind == "utf16CodeUnits" || kind == "unicodeCodePoints",
                "{kind}"
            );
        }
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        for rule in &rules {
            keys_within(
                rule,
                &[
                    "id",
                    "name",
                    "shortDescription",
                    "fullDescription",
                    "defaultConfiguration",
                    "helpUri",
                    "help",
                    "properties",
                ],
                "reportingDescriptor",
            );
            assert!(rule["id"].is_string(), "rule id is required");
            message(&rule["shortDescription"], "shortDescription");
            let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
            assert!(LEVELS.contains(&level), "{level}");
        }
        for result in run["results"].as_array().expect("results") {
            keys_within(
                result,
                &[
                    "ruleId",
                    "ruleIndex",
                    "level",
                    "kind",
                    "message",
                    "locations",
                    "properties",
                ],
                "result",
            );
            message(&result["message"], "result.message");
            assert!(
                LEVELS.contains(&result["level"].as_str().unwrap()),
                "{result}"
            );
            if let Some(index) = result.get("ruleIndex") {
                let index = index.as_u64().expect("ruleIndex is an integer") as usize;
                assert_eq!(
                    rules[index]["id"], result["ruleId"],
                    "ruleIndex points at the rule"
                );
            }
            for location in result["locations"].as_array().expect("locations") {
                keys_within(
                    location,
                    &[
                        "physicalLocation",
                        "logicalLocations",
                        "message",
                        "id",
                        "properties",
                    ],
                    "location",
                );
                let physical = &location["physicalLocation"];
                keys_within(
                    physical,
                    &[
                        "artifactLocation",
                        "region",
                        "contextRegion",
                        "address",
                        "properties",
                    ],
                    "physicalLocation",
                );
                let artifact = &physical["artifactLocation"];
                keys_within(
                    artifact,
                    &["uri", "uriBaseId", "index", "description", "properties"],
                    "artifactLocation",
                );
                let uri = artifact["uri"].as_str().expect("uri");
                assert!(
                    !uri.contains(' ') && !uri.contains('\\'),
                    "a URI reference: {uri}"
                );
                let region = &physical["region"];
                keys_within(
                    region,
                    &[
                        "startLine",
                        "startColumn",
                        "endLine",
                        "endColumn",
                        "charOffset",
                        "charLength",
                        "snippet",
                        "properties",
                    ],
                    "region",
                );
                let start = positive(&region["startLine"], "startLine");
                assert!(positive(&region["endLine"], "endLine") >= start);
                positive(&region["startColumn"], "startColumn");
                positive(&region["endColumn"], "endColumn");
            }
        }
    }
}

#[test]
fn sarif_format_is_a_valid_sarif_2_1_0_log() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("plans/with space.md"),
        "# P\n\n[TBD: who?]\n",
    )
    .unwrap();
    let (code, stdout, _) = check(&["--format", "sarif", "plans"], ws.path());
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let broken = results
        .iter()
        .find(|r| r["ruleId"] == "broken-link")
        .expect("the broken link");
    assert_eq!(broken["level"], "error");
    assert_eq!(broken["message"]["text"], "File not found: src/gone.rs");
    let location = &broken["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "plans/broken.md");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 3);
    assert_eq!(
        location["region"]["startColumn"], 24,
        "code points, as columnKind says"
    );
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "plans/with%20space.md"
    ));
    // The validator catches what code scanning would refuse.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        serde_json::json!(0);
    assert!(std::panic::catch_unwind(|| assert_valid_sarif(&bad)).is_err());
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = serde_json::json!("warn");
    assert!(std::panic::catch_unwind(|| assert_valid_sarif(&bad)).is_err());
    // A clean plan gives a log with no results, still valid.
    let (code, stdout, _) = check(
        &["--format", "sarif", "--strict", "plans/done.md"],
        ws.path(),
    );
    assert_eq!(code, 0);
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}
