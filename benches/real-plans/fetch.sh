#!/usr/bin/env bash
# Rebuild the checkouts folder score.py reads: one full-history git clone per repository of
# corpus.jsonl, detached at the recorded commit (stale-reference reads git history, so a plain
# tarball is not enough). Usage: fetch.sh DIR [MIRROR_ROOT]
#   DIR          folder to fill with owner+name checkouts
#   MIRROR_ROOT  optional folder of bare mirrors (owner+name/repo, as the search tool's fetch
#                leaves them); without it the repositories are cloned from github.com.
set -euo pipefail
dir=${1:?usage: fetch.sh DIR [MIRROR_ROOT]}
mirrors=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
python3 - "$here/corpus.jsonl" <<'PY' | while read -r repo commit folder; do
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["kind"] == "repo":
        print(o["repo"], o["commit"], o["folder"])
PY
  dest="$dir/$folder"
  if [ ! -d "$dest/.git" ]; then
    src="https://github.com/$repo.git"
    if [ -n "$mirrors" ] && [ -d "$mirrors/$folder/repo" ]; then src="$mirrors/$folder/repo"; fi
    git clone --quiet --no-checkout "$src" "$dest"
  fi
  git -C "$dest" -c advice.detachedHead=false checkout --quiet "$commit"
  echo "$folder $(git -C "$dest" rev-parse HEAD)"
done
