#!/usr/bin/env python3
"""Score a plan-lsp build against hand labels on real plans.

Runs `plan-lsp check --format json` on every file of corpus.jsonl (checkouts of the recorded
repositories at the recorded commits), matches each finding to labels.jsonl by
(repo, path, line, column overlap), and prints precision and recall per diagnostic code,
wrong-template section findings, slot recall on unfilled templates, and the finding count on
ordinary Markdown. Python 3.11, standard library only. See README.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# What each truth category says the right diagnostic is: the codes a finding at that place may
# have (None: no diagnostic is also right). A category whose list lacks None requires a finding,
# and counts toward recall. A label may override this with its own "expected" field.
EXPECTED = {
    "broken": ["broken-link"],
    "exists-deeper": [None],
    "root-slash": [None],
    "not-a-path": [None],
    "planned": [None, "planned-file"],
    "deleted-or-renamed": [None],
    "absence": [None],
    "drift": ["stale-reference"],
    "moved": ["stale-reference"],
    "ambiguous": [None, "ambiguous-reference"],
    # Existed when the plan was written, removed later by other work: an error, a stale hint or
    # silence are all defensible; reported apart, never required.
    "removed-later": [None, "broken-link", "stale-reference"],
    # A gitignored local file (e.g. an agent's CLAUDE.md): absent from a clean checkout.
    "ignored-file": [None, "broken-link"],
    "slot": ["placeholder"],
    "not-a-slot": [None],
}

# Codes about sections; judged by the plan's template label, not by per-location labels.
SECTION_CODES = re.compile(r"section")

# Section titles (and aliases) of the built-in templates, to tell which template a section
# finding comes from when its message does not name one.
TEMPLATE_TITLES = {
    "implementation-plan": [
        "status quo", "current state", "current situation", "background", "best practices",
        "best practice", "prior art", "research", "proposed implementation", "implementation",
        "implementation plan", "proposal", "proposed changes", "overview", "high-level overview",
        "high level overview", "summary", "components", "component specifications",
        "detailed specifications", "order of implementation", "implementation order",
        "timeline", "sequence", "milestones", "risks and mitigations", "risks",
        "open questions", "questions", "further research",
    ],
    "phased-plan": [
        "overview", "current state analysis", "current state", "desired end state",
        "what we're not doing", "out of scope", "non-goals", "implementation approach",
        "phase 1", "phase", "changes required", "success criteria", "automated verification",
        "automated", "manual verification", "manual", "testing strategy", "references",
    ],
    "spec-kit-plan": [
        "summary", "technical context", "constitution check", "project structure",
        "complexity tracking",
    ],
}


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run_check(binary, checkout, files, extra_args):
    """Run check on files (relative to checkout). Returns the parsed finding list."""
    cmd = [binary, "check", "--format", "json", "--root", ".", *extra_args, *files]
    proc = subprocess.run(cmd, cwd=checkout, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"check failed ({proc.returncode}) in {checkout}: {proc.stderr.strip()[:400]}")
    out = proc.stdout.strip()
    return json.loads(out) if out else []


def collect_findings(args, corpus):
    repos = {o["repo"]: o for o in corpus if o["kind"] == "repo"}
    files = [o for o in corpus if o["kind"] == "file"]
    findings = []
    tmp = tempfile.mkdtemp(prefix="real-plans-")
    for repo, meta in repos.items():
        checkout = os.path.join(args.checkouts, meta["folder"])
        if not os.path.isdir(checkout):
            sys.exit(f"missing checkout {checkout} (see README.md)")
        head = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        if head and head != meta["commit"]:
            print(f"warning: {checkout} is at {head}, labels are for {meta['commit']}",
                  file=sys.stderr)
        plain = [f["path"] for f in files if f["repo"] == repo and "extract" not in f]
        for x in run_check(args.bin, checkout, plain, args.check_arg) if plain else []:
            x["repo"] = repo
            x["path"] = os.path.relpath(os.path.join(checkout, x["path"]), checkout)
            findings.append(x)
        # A template embedded in a larger file: check the extracted lines on their own, then
        # map lines back to the original file.
        for f in (f for f in files if f["repo"] == repo and "extract" in f):
            lo, hi = f["extract"]["from_line"], f["extract"]["to_line"]
            with open(os.path.join(checkout, f["path"]), encoding="utf-8") as src:
                lines = src.read().split("\n")[lo - 1:hi]
            dest = os.path.join(tmp, repo.replace("/", "+"), os.path.basename(f["path"]))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
            for x in run_check(args.bin, checkout, [dest], args.check_arg):
                x["repo"], x["path"] = repo, f["path"]
                x["line"] += lo - 1
                x["endLine"] += lo - 1
                findings.append(x)
    return findings


def overlaps(finding, label):
    if finding["line"] != label["line"]:
        return False
    f_start = finding["column"]
    f_end = finding["endColumn"] if finding.get("endLine", finding["line"]) == finding["line"] else 10**9
    return f_start < label["endColumn"] and label["column"] < max(f_end, f_start + 1)


def expected_codes(label):
    """The codes a finding at the label's place may have; None in the list: silence is right."""
    exp = label["expected"] if "expected" in label else EXPECTED.get(label["truth"], [None])
    return exp if isinstance(exp, list) else [exp]


def section_title(message):
    m = re.search(r'"([^"]+)"', message)
    return m.group(1).strip().lower() if m else ""


def section_templates(finding):
    """Templates a section finding may come from: named in the message, else by its title."""
    named = [t for t in TEMPLATE_TITLES if t in finding["message"]]
    if named:
        return named
    title = section_title(finding["message"])
    return [t for t, titles in TEMPLATE_TITLES.items() if title in titles]


def score(corpus, labels, findings):
    roles = {(o["repo"], o["path"]): o for o in corpus if o["kind"] == "file"}
    by_file = collections.defaultdict(list)
    for lab in labels:
        by_file[(lab["repo"], lab["path"])].append(lab)

    per_code = collections.defaultdict(lambda: collections.Counter())
    false_shapes = collections.defaultdict(collections.Counter)
    matched_labels = set()
    ordinary = collections.Counter()
    wrong_template = collections.Counter()

    for x in findings:
        key = (x["repo"], x["path"])
        meta = roles.get(key)
        code = x["code"]
        c = per_code[code]
        c["findings"] += 1
        if meta is None:
            c["outside-corpus"] += 1
            continue
        if meta["role"] == "ordinary":
            ordinary[code] += 1
            c["false"] += 1
            false_shapes[code]["ordinary-markdown"] += 1
            continue
        hits = [lab for lab in by_file.get(key, []) if overlaps(x, lab)]
        if SECTION_CODES.search(code):
            # Section findings are judged by the plan's template, unless a label speaks of them.
            hits = [lab for lab in hits if any(c and SECTION_CODES.search(c)
                                               for c in expected_codes(lab))]
        if SECTION_CODES.search(code) and not hits:
            tmpl = meta.get("template") or "none"
            if tmpl == "none" or tmpl not in section_templates(x):
                c["false"] += 1
                c["wrong-template"] += 1
                wrong_template[tmpl] += 1
                false_shapes[code]["wrong-template"] += 1
            else:
                c["true"] += 1
            continue
        if not hits:
            c["unlabeled"] += 1
            continue
        # A finding is right when one of the labels at its place expects its code.
        right = [lab for lab in hits if code in expected_codes(lab)]
        for lab in hits:
            matched_labels.add((id(lab), code))
        if right:
            c["true"] += 1
        else:
            c["false"] += 1
            false_shapes[code][hits[0]["truth"]] += 1

    # Recall: labels that expect a code, found by a finding of that code.
    recall = collections.defaultdict(lambda: [0, 0])
    for lab in labels:
        exp = expected_codes(lab)
        if None in exp or roles.get((lab["repo"], lab["path"])) is None:
            continue
        # broken-link recall is over really broken references only (truth "broken").
        name = exp[0] if exp != ["broken-link"] or lab["truth"] == "broken" else f"{exp[0]} ({lab['truth']})"
        r = recall[name]
        r[1] += 1
        if any((id(lab), code) in matched_labels for code in exp):
            r[0] += 1
    # Removed-later references: how many the build reports at all (any code), for information.
    later = [lab for lab in labels if lab["truth"] == "removed-later"]
    later_found = sum(1 for lab in later if any((id(lab), c) in matched_labels
                                                for c in ("broken-link", "stale-reference")))

    slot_total = [lab for lab in labels if lab["truth"] == "slot"
                  and roles.get((lab["repo"], lab["path"]), {}).get("role") == "template"]
    slot_found = sum(1 for lab in slot_total if (id(lab), "placeholder") in matched_labels)
    slot_prose = [lab for lab in slot_total if not lab.get("in_code")]
    prose_found = sum(1 for lab in slot_prose if (id(lab), "placeholder") in matched_labels)

    report = {"codes": {}, "recall": {}, "wrong_template": dict(wrong_template),
              "ordinary_findings": dict(ordinary),
              "ordinary_total": sum(ordinary.values()),
              "template_slots": {"found": slot_found, "total": len(slot_total),
                                 "outside_code_found": prose_found,
                                 "outside_code_total": len(slot_prose)},
              "removed_later": {"reported": later_found, "total": len(later)},
              "false_by_truth": {k: dict(v) for k, v in false_shapes.items()},
              "files": {role: sum(1 for o in roles.values() if o["role"] == role)
                        for role in ("plan", "template", "ordinary")},
              "labels": len(labels), "findings": len(findings)}
    for code, c in sorted(per_code.items()):
        judged = c["true"] + c["false"]
        report["codes"][code] = {
            "findings": c["findings"], "true": c["true"], "false": c["false"],
            "unlabeled": c["unlabeled"], "wrong_template": c["wrong-template"],
            "precision": round(c["true"] / judged, 3) if judged else None,
            # Unlabeled findings counted as false: the precision a new build can claim at worst.
            "precision_worst": round(c["true"] / (judged + c["unlabeled"]), 3)
            if judged + c["unlabeled"] else None,
        }
    for code, (found, total) in sorted(recall.items()):
        report["recall"][code] = {"found": found, "total": total,
                                  "recall": round(found / total, 3) if total else None}
    return report


def print_report(rep):
    f = rep["files"]
    print(f"corpus: {f['plan']} plans, {f['template']} templates, {f['ordinary']} ordinary "
          f"Markdown files; {rep['labels']} labels; {rep['findings']} findings")
    print()
    print(f"{'code':24} {'findings':>8} {'true':>6} {'false':>6} {'unlab':>6} "
          f"{'precision':>9} {'worst':>6} {'recall':>14}")
    codes = sorted(set(rep["codes"]) | set(rep["recall"]))
    for code in codes:
        c = rep["codes"].get(code, {"findings": 0, "true": 0, "false": 0, "unlabeled": 0,
                                    "precision": None, "precision_worst": None})
        r = rep["recall"].get(code)
        rec = f"{r['found']}/{r['total']}={r['recall']}" if r else "-"
        p = "-" if c["precision"] is None else f"{c['precision']:.3f}"
        w = "-" if c["precision_worst"] is None else f"{c['precision_worst']:.3f}"
        print(f"{code:24} {c['findings']:>8} {c['true']:>6} {c['false']:>6} {c['unlabeled']:>6} "
              f"{p:>9} {w:>6} {rec:>14}")
    print()
    wt = rep["wrong_template"]
    print(f"section findings from a template the plan does not follow: {sum(wt.values())} "
          f"(by the plan's real template: {wt})")
    s = rep["template_slots"]
    print(f"unfilled-template slots found: {s['found']}/{s['total']} "
          f"(outside code blocks: {s['outside_code_found']}/{s['outside_code_total']})")
    rl = rep["removed_later"]
    print(f"references to files removed after the plan was written, reported (any code): "
          f"{rl['reported']}/{rl['total']}")
    print(f"findings on ordinary Markdown: {rep['ordinary_total']} {rep['ordinary_findings']}")
    print()
    print("false findings by what the labeled text really is:")
    for code, shapes in sorted(rep["false_by_truth"].items()):
        print(f"  {code}: " + ", ".join(f"{k} {v}" for k, v in
                                         sorted(shapes.items(), key=lambda kv: -kv[1])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkouts", required=True, help="folder holding owner+name checkouts")
    ap.add_argument("--bin", required=True, help="plan-lsp binary to score")
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus.jsonl"))
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.jsonl"))
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--dump-findings", metavar="FILE", help="also write raw findings (JSON)")
    ap.add_argument("--findings", metavar="FILE", help="score saved findings; do not run check")
    ap.add_argument("--check-arg", action="append", default=[],
                    help="extra argument for plan-lsp check (repeatable)")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)  # check runs inside each checkout

    corpus = load_jsonl(args.corpus)
    labels = load_jsonl(args.labels) if os.path.exists(args.labels) else []
    if args.findings:
        with open(args.findings, encoding="utf-8") as f:
            findings = json.load(f)
    else:
        findings = collect_findings(args, corpus)
    if args.dump_findings:
        with open(args.dump_findings, "w", encoding="utf-8") as f:
            json.dump(findings, f, indent=1)
    rep = score(corpus, labels, findings)
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print_report(rep)


if __name__ == "__main__":
    main()
