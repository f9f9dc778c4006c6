//! The binary's allocator: jemalloc with one arena (src/main.rs). A misspelt configuration symbol
//! would be ignored silently, and with jemalloc's default of four arenas per core the 50,000-line
//! benchmark plan took twice the memory.

#[path = "support/lsp_client.rs"]
mod lsp_client;

#[cfg(target_os = "linux")]
#[test]
fn the_binary_allocates_with_jemalloc_in_one_arena() {
    let out = std::process::Command::new(lsp_client::binary())
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .unwrap();
    assert!(out.status.success());
    // jemalloc prints its statistics, settings first, when the process exits.
    let stats = String::from_utf8_lossy(&out.stderr);
    assert!(stats.contains("opt.narenas: 1\n"), "{stats}");
}
