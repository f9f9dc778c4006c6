#!/usr/bin/env bash
# Builds the VS Code extension into a .vsix, offline.
#   scripts/package.sh [--server PATH] [--target TARGET] [--out FILE]
# --server bundles that plan-lsp binary under server/ and makes a platform-specific .vsix
# (TARGET defaults to this machine's, e.g. linux-x64), the way rust-analyzer ships. PATH and FILE
# are relative to the current directory; the .vsix goes to editors/vscode unless --out says.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

server="" target="" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server) server="$2"; shift 2 ;;
    --target) target="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# Paths are relative to where the script was run from, not to the extension's folder.
[[ -z "$server" || "$server" = /* ]] || server="$PWD/$server"
[[ -z "$out" || "$out" = /* ]] || out="$PWD/$out"
cd "$here"

version="$(node -p 'require("./package.json").version')"
if [[ ! -x node_modules/.bin/vsce || ! -x node_modules/.bin/esbuild ]]; then
  timeout 300 npm ci --no-audit --no-fund
fi

timeout 120 node_modules/.bin/tsc --noEmit -p .
rm -rf dist
timeout 120 node_modules/.bin/esbuild src/extension.ts --bundle --external:vscode --format=cjs \
  --platform=node --target=node18 --minify --sourcemap --outfile=dist/extension.js --log-level=warning

rm -rf server
args=(package --no-dependencies --no-update-package-json --skip-license)
if [[ -n "$server" ]]; then
  [[ -x "$server" ]] || { echo "package.sh: $server is not an executable plan-lsp binary" >&2; exit 2; }
  if [[ -z "$target" ]]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) target=linux-x64 ;; Linux-aarch64) target=linux-arm64 ;;
      Darwin-x86_64) target=darwin-x64 ;; Darwin-arm64) target=darwin-arm64 ;;
      MINGW*|MSYS*|CYGWIN*) target=win32-x64 ;;
      *) echo "package.sh: pass --target for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
    esac
  fi
  mkdir -p server
  bin=plan-lsp; [[ "$target" == win32-* ]] && bin=plan-lsp.exe
  cp "$server" "server/$bin"
  chmod 755 "server/$bin"
  "$server" --version
  args+=(--target "$target")
  out="${out:-$here/plan-lsp-$target-$version.vsix}"
else
  out="${out:-$here/plan-lsp-$version.vsix}"
fi
args+=(--out "$out")
# vsce reads the README/LICENSE beside package.json; the binary, when present, is under server/.
timeout 300 node_modules/.bin/vsce "${args[@]}"
rm -rf server
echo "$out"
