//! The layers by role, enforced: `document ← plan ← analysis ← snapshot ← features ← server`,
//! with `workspace` (the only code touching the disk and git) and `services` (the only network
//! code) beside them. Reads the `crate::` paths of every source file and fails on an edge the
//! table does not allow, on an import cycle between folders, and on tokio, the client, JSON-RPC,
//! `std::fs` or `std::process` in the pure layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the modules it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("document", &[]),
    ("plan", &["document"]),
    ("settings", &[]),
    ("workspace", &["document", "plan", "settings"]),
    ("analysis", &["document", "plan", "settings", "workspace"]),
    (
        "snapshot",
        &["document", "plan", "settings", "workspace", "analysis"],
    ),
    (
        "features",
        &[
            "document",
            "plan",
            "settings",
            "workspace",
            "analysis",
            "snapshot",
        ],
    ),
    ("services", &["settings"]),
    (
        "cli",
        &[
            "document",
            "plan",
            "settings",
            "workspace",
            "analysis",
            "snapshot",
            "features",
        ],
    ),
    (
        "server",
        &[
            "document",
            "plan",
            "settings",
            "workspace",
            "analysis",
            "snapshot",
            "features",
            "services",
        ],
    ),
];

/// Layers that must stay pure: no runtime, client, protocol errors, disk or processes.
const PURE: &[&str] = &["document", "plan", "analysis", "features", "snapshot"];
const IMPURE_TOKENS: &[&str] = &["tokio", "Client", "jsonrpc", "std::fs", "std::process"];

/// (module, file, code without its tests) for every file under `src/`.
fn sources() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((module, rel.display().to_string(), without_tests(&text)));
        }
    }
    out
}

/// The code before its test module (`#[cfg(test)]` followed by a `mod`).
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            let next = lines.peek().map_or("", |l| l.trim_start());
            if next.starts_with("mod ") || next.starts_with("pub mod ") {
                break;
            }
        }
        let code = line.split("//").next().unwrap_or("");
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The top-level modules a piece of code names through `crate::`.
fn uses(code: &str, modules: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `plan_lsp_crate::`, not ours
        }
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if modules.contains(name.as_str()) {
            out.insert(name);
        }
    }
    out
}

/// Edges the table forbids, as `file: from → to`.
fn forbidden_edges(sources: &[(String, String, String)]) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let modules: BTreeSet<&str> = allowed.keys().copied().collect();
    let mut out = Vec::new();
    for (module, file, code) in sources {
        let Some(may) = allowed.get(module.as_str()) else {
            if module != "lib" && module != "main" {
                out.push(format!("{file}: {module} is in no layer of the table"));
            }
            continue;
        };
        for used in uses(code, &modules) {
            if used != *module && !may.contains(&used.as_str()) {
                out.push(format!("{file}: {module} → {used}"));
            }
        }
    }
    out
}

fn folder_graph(sources: &[(String, String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, _, code) in sources {
        if !modules.contains(module.as_str()) {
            continue;
        }
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(uses(code, &modules).into_iter().filter(|u| u != module));
    }
    graph
}

fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(m) = stack.pop() {
        for next in graph.get(&m).into_iter().flatten() {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn every_crate_path_follows_the_layers() {
    let forbidden = forbidden_edges(&sources());
    assert!(
        forbidden.is_empty(),
        "forbidden edges:\n{}",
        forbidden.join("\n")
    );
}

#[test]
fn the_check_catches_a_forbidden_edge() {
    let fake = vec![(
        "plan".to_string(),
        "plan/x.rs".to_string(),
        "use crate::server::handle::ServerHandle;\nuse crate::document::Document;\n".to_string(),
    )];
    assert_eq!(forbidden_edges(&fake), ["plan/x.rs: plan → server"]);
    let commented = without_tests(
        "// crate::server\nfn a() {}\n#[cfg(test)]\nmod tests { use crate::server; }\n",
    );
    assert!(!commented.contains("server"), "{commented}");
}

#[test]
fn no_cycle_between_folders_and_the_cli_and_snapshot_reach_no_service() {
    let graph = folder_graph(&sources());
    for module in graph.keys() {
        assert!(
            !reachable(&graph, module).contains(module),
            "{module} is in an import cycle: {graph:?}"
        );
    }
    for module in ["snapshot", "cli"] {
        let reach = reachable(&graph, module);
        assert!(
            !reach.contains("services") && !reach.contains("server"),
            "{module} reaches {reach:?}"
        );
    }
}

#[test]
fn pure_layers_touch_no_runtime_client_disk_or_process() {
    let mut found = Vec::new();
    for (module, file, code) in sources() {
        if !PURE.contains(&module.as_str()) {
            continue;
        }
        for token in IMPURE_TOKENS {
            let hit = code.match_indices(token).any(|(i, _)| {
                let before = code[..i].chars().next_back();
                let after = code[i + token.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if hit {
                found.push(format!("{file}: {token}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "impure code in pure layers:\n{}",
        found.join("\n")
    );
}
