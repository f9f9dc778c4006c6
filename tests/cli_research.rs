//! `plan-lsp research`: the offline entry point the research evaluation scores, run as a
//! process on a small workspace.

use std::path::Path;
use std::process::Command;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn research(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .arg("research")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn ranks_named_files_first_then_sources_then_tests_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/tokenizer.rs", "pub fn split_words() {}\n");
    write(root, "src/archive/unpack.rs", "pub fn unpack_entry() {}\n");
    write(
        root,
        "tests/tokenizer_words.rs",
        "fn tokenizer_splits_words() {}\n",
    );
    let query = root.join("query.txt");
    std::fs::write(
        &query,
        "Tokenizer splits words wrongly\n\nthread 'main' panicked at src/archive/unpack.rs:7:3",
    )
    .unwrap();
    let root_arg = root.to_str().unwrap();
    let query_arg = query.to_str().unwrap();
    let out = research(&["--root", root_arg, "--query-file", query_arg, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        paths("files"),
        ["src/archive/unpack.rs", "src/tokenizer.rs"]
    );
    assert_eq!(json["files"][0]["named"], true);
    assert_eq!(json["files"][0]["line"], 7);
    assert_eq!(paths("tests"), ["tests/tokenizer_words.rs"]);

    let out = research(&[
        "--root",
        root_arg,
        "--query-file",
        query_arg,
        "--no-tests",
        "--max-files",
        "1",
    ]);
    let markdown = String::from_utf8(out.stdout).unwrap();
    assert!(markdown.contains("src/archive/unpack.rs"), "{markdown}");
    assert!(!markdown.contains("src/tokenizer.rs") && !markdown.contains("Related tests"));
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let out = research(&["--root", "/definitely/not/here", "--query-file", "q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan-lsp research"));
    let out = research(&["--max-files", "many"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a count"));
    let out = research(&[]);
    assert_eq!(out.status.code(), Some(2));
}
