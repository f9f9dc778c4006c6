//! `plan-lsp check` exits 2, with the reason per path, when a given path or anything under a
//! given folder cannot be read or is not a regular file.

use std::path::Path;
use std::process::Command;

fn check(args: &[&str], cwd: &Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run plan-lsp check");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn unreadable_and_irregular_paths_exit_2_with_each_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("plans")).unwrap();
    std::fs::write(root.join("plans/ok.md"), "# Plan\n\nFine.\n").unwrap();
    assert_eq!(check(&["plans"], root).0, 0);

    mkfifo(&root.join("given.md"));
    let (code, stderr) = check(&["given.md"], root);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("given.md: not a regular file"), "{stderr}");

    mkfifo(&root.join("plans/pipe.md"));
    std::os::unix::fs::symlink(root.join("nowhere.md"), root.join("plans/dangling.md")).unwrap();
    let (code, stderr) = check(&["plans", "missing.md"], root);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("3 paths could not be checked"), "{stderr}");
    assert!(stderr.contains("pipe.md: not a regular file"), "{stderr}");
    assert!(stderr.contains("dangling.md: No such file"), "{stderr}");
    assert!(stderr.contains("missing.md: No such file"), "{stderr}");
}
