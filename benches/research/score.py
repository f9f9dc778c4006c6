#!/usr/bin/env python3
"""Scores plan-lsp's codebase research against a plain BM25 baseline on real fixes.

Each case is a fixing commit of a public repository (cases.jsonl holds only the repository name
and the commit id). The query is the commit message with file paths removed; the truth is the
non-test source files the commit modified; both systems rank the repository as it was at the
commit's parent. Nothing from the repositories is kept in the project: the checkouts are made
from local bare mirrors into a work folder outside it.

    score.py select [--mirrors DIR] REPO LANG N   print N candidate cases of a mirrored repository
    score.py run [--plan-lsp BIN] [--mirrors DIR] [--work DIR] [--cases FILE] [--max-files N]
                 [--no-history]

Metrics, averaged over cases: recall@5 (share of the truth in the first five), recall in the
list (in plan-lsp's listed sources; in BM25's top 10) and MRR (reciprocal rank of the first
true file in the list, 0 when none is listed).
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import io
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_EXT = (".rs", ".py", ".pyi", ".go", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
LANG_EXT = {"rust": (".rs",), "python": (".py",), "go": (".go",)}
# Tests, fixtures, examples and benchmarks are not where a fix is expected.
TEST_PATH = re.compile(
    r"(^|/)(tests?|testdata|testing|fixtures?|snapshots?|benches|examples?)(/|$)"
    r"|_test\.go$|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$|(^|/)tests\.rs$"
)
# Paths (with a folder or a source extension) are removed from the query, as the issue asks.
PATH_IN_TEXT = re.compile(r"(?<![\w\-])[\w.][\w.\-]*(/[\w.\-]+)+(:\d+)*|\b[\w\-]+\.(rs|py|go)(:\d+)*\b")
# Trailers name people and numbers, not the bug.
TRAILER = re.compile(r"^([\w-]+-by:|pr-url:|(closes|fixes|fix|ref)\s+#\d+\s*$).*$", re.I | re.M)


def git(gitdir, *args, binary=False):
    out = subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, check=True)
    return out.stdout if binary else out.stdout.decode("utf-8", "replace")


def mirror(mirrors, repo):
    return os.path.join(mirrors, repo.replace("/", "+"), "repo")


def is_test(path):
    return bool(TEST_PATH.search(path))


def truth_files(gitdir, parent, commit):
    changed = git(gitdir, "diff", "--name-only", "--diff-filter=M", parent, commit).split("\n")
    return [f for f in changed if f.endswith(SOURCE_EXT) and not is_test(f)]


def query_text(gitdir, commit):
    message = git(gitdir, "log", "-1", "--format=%s%n%n%b", commit)
    message = TRAILER.sub("", message)
    return PATH_IN_TEXT.sub(" ", message).strip()


def materialise(gitdir, parent, dest, history):
    """Puts the tree of `parent` in `dest` once: a checkout sharing the mirror's objects (its
    history is what precedes the fix: `git log` walks only the parent's ancestors), or with
    `history` false a plain extract. A marker file says it is complete."""
    marker = os.path.join(dest, ".git" if history else "", ".eval-complete")
    if os.path.exists(marker):
        return
    if history:
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", gitdir, dest], check=True)
        subprocess.run(["git", "-C", dest, "checkout", "-q", "--detach", parent], check=True)
    else:
        os.makedirs(dest, exist_ok=True)
        data = git(gitdir, "archive", "--format=tar", parent, binary=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest, filter="data")
    open(marker, "w").close()


# --- BM25 baseline: every source file (tests included), the path and the text as one document,
# Lucene-like tokens (runs of letters, digits and underscores, lower-cased, English stopwords
# removed, no stemming), k1 = 0.9 and b = 0.4 as Pyserini's defaults in the SWE-bench retrieval.

STOPWORDS = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
TOKEN = re.compile(r"[A-Za-z0-9_]+")


def bm25_tokens(text):
    return [t for t in (m.lower() for m in TOKEN.findall(text)) if t not in STOPWORDS]


def source_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXT):
                path = os.path.join(dirpath, name)
                yield os.path.relpath(path, root).replace(os.sep, "/"), path


def bm25_rank(root, query, k1=0.9, b=0.4):
    docs = []
    for rel, path in source_files(root):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        docs.append((rel, Counter(bm25_tokens(rel + "\n" + text))))
    n = len(docs)
    if n == 0:
        return []
    lengths = [sum(c.values()) for _, c in docs]
    avg = sum(lengths) / n
    q = Counter(bm25_tokens(query))
    df = Counter()
    for _, c in docs:
        for t in q:
            if t in c:
                df[t] += 1
    scored = []
    for (rel, c), length in zip(docs, lengths):
        s = 0.0
        for t, qtf in q.items():
            tf = c.get(t, 0)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += qtf * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))
        if s > 0:
            scored.append((-s, rel))
    scored.sort()
    return [rel for _, rel in scored]


def plan_lsp_rank(binary, root, query_file, max_files):
    args = [binary, "research", "--root", root, "--query-file", query_file, "--json"]
    if max_files is not None:
        args += ["--max-files", str(max_files)]
    out = subprocess.run(args, capture_output=True, check=True, text=True)
    return [f["path"] for f in json.loads(out.stdout)["files"]]


def metrics(ranked, truth, listed):
    truth = set(truth)
    r5 = len(truth & set(ranked[:5])) / len(truth)
    rl = len(truth & set(ranked[:listed])) / len(truth)
    mrr = next((1 / (i + 1) for i, p in enumerate(ranked[:listed]) if p in truth), 0.0)
    return r5, rl, mrr


def run(args):
    with open(args.cases) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    totals = {"plan-lsp": [0.0, 0.0, 0.0], "BM25": [0.0, 0.0, 0.0]}
    per_repo = {}
    scored = 0
    for case in cases:
        gitdir = mirror(args.mirrors, case["repo"])
        commit = case["commit"]
        parent = git(gitdir, "rev-parse", commit + "^1").strip()
        truth = truth_files(gitdir, parent, commit)
        if not truth:
            print(f"skip {case['repo']} {commit[:12]}: no modified source file", file=sys.stderr)
            continue
        name = commit[:12] + ("" if args.no_history else "-git")
        dest = os.path.join(args.work, case["repo"].replace("/", "+"), name)
        materialise(gitdir, parent, dest, not args.no_history)
        query = query_text(gitdir, commit)
        query_file = dest + ".query.txt"
        with open(query_file, "w") as f:
            f.write(query)
        ours = plan_lsp_rank(args.plan_lsp, dest, query_file, args.max_files)
        theirs = bm25_rank(dest, query)
        a = metrics(ours, truth, len(ours))
        b = metrics(theirs, truth, 10)
        for name, m in (("plan-lsp", a), ("BM25", b)):
            for i in range(3):
                totals[name][i] += m[i]
            repo_totals = per_repo.setdefault(case["repo"], {}).setdefault(name, [0.0, 0.0, 0.0, 0])
            for i in range(3):
                repo_totals[i] += m[i]
            repo_totals[3] += 1
        scored += 1
        if args.verbose:
            first = lambda r: next((i + 1 for i, p in enumerate(r) if p in truth), "-")
            print(f"{case['repo']:24} {commit[:12]} truth={len(truth)} "
                  f"ours r5={a[0]:.2f} first={first(ours)}  bm25 r5={b[0]:.2f} first={first(theirs)}")
            if args.verbose > 1:
                print("   truth:", truth)
                print("   ours: ", ours[:10])
                print("   bm25: ", theirs[:10])
    print(f"\n{scored} cases\n")
    print("| | recall@5 | recall in the list | MRR |")
    print("|---|---|---|---|")
    for name, (r5, rl, mrr) in totals.items():
        label = "plan-lsp" if name == "plan-lsp" else "BM25 (top 10)"
        print(f"| {label} | {r5 / scored:.2f} | {rl / scored:.2f} | {mrr / scored:.2f} |")
    print()
    for repo, by_name in per_repo.items():
        cells = "  ".join(
            f"{name}: r@5 {t[0] / t[3]:.2f} list {t[1] / t[3]:.2f} MRR {t[2] / t[3]:.2f}"
            for name, t in by_name.items()
        )
        print(f"{repo:24} ({by_name['BM25'][3]:2} cases)  {cells}")


def select(args):
    """Recent single-parent commits whose subject says `fix`, whose message has at least 30 words,
    that are not about docs, typos or tests, and that modify 1-3 non-test source files."""
    gitdir = mirror(args.mirrors, args.repo)
    ext = LANG_EXT[args.lang]
    log = git(gitdir, "log", "--no-merges", "--format=%H%x00%P%x00%s%x00%b%x1e", "-n", "5000")
    picked = 0
    for record in log.split("\x1e"):
        record = record.strip("\n")
        if not record or picked >= args.n:
            continue
        commit, parents, subject, body = record.split("\x00")
        if " " in parents or not re.search(r"\bfix", subject, re.I):
            continue
        if re.search(r"doc|typo|man page|description|test|lint|ci\b", subject, re.I):
            continue
        if len(re.findall(r"[A-Za-z]{3,}", subject + " " + body)) < 30:
            continue
        changed = truth_files(gitdir, parents, commit)
        if not 1 <= len(changed) <= 3 or not all(f.endswith(ext) for f in changed):
            continue
        print(json.dumps({"repo": args.repo, "commit": commit}))
        picked += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    p.add_argument("--mirrors", default="/work/.mirror", help="holds owner+name/repo bare clones")
    p.add_argument("--plan-lsp", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "plan-lsp"))
    p.add_argument("--work", default="/work/eval12/cases")
    p.add_argument("--cases", default=os.path.join(HERE, "cases.jsonl"))
    p.add_argument("--max-files", type=int, default=None)
    p.add_argument("--no-history", action="store_true", help="extract trees without git history")
    p.add_argument("-v", "--verbose", action="count", default=0)
    s = sub.add_parser("select")
    s.add_argument("--mirrors", default="/work/.mirror")
    s.add_argument("repo")
    s.add_argument("lang", choices=sorted(LANG_EXT))
    s.add_argument("n", type=int)
    args = parser.parse_args()
    (run if args.command == "run" else select)(args)


if __name__ == "__main__":
    main()
