"""Precision and recall per category on a labelled set (default: tests/data/devset.jsonl).

    python bench/quality.py [FILE.jsonl] [--errors]

Each line: {"text": ..., "labels": [categories it should be flagged for], "strengths": ["empathy"]?}.
A sentence counts as a true positive for a category when phrasecoach reports at least one
finding of that category on it. `--errors` lists the false positives and misses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from phrasecoach import Coach
from phrasecoach.models import FINDING_CATEGORIES

ROOT = Path(__file__).resolve().parents[1]


def evaluate(coach: Coach, rows: list[dict]) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    errors = []
    reports = list(coach.check_many([r["text"] for r in rows]))
    for row, rep in zip(rows, reports):
        gold = set(row.get("labels", []))
        if "empathy" in row.get("strengths", []):
            gold.add("empathy")
        pred = {f.category for f in rep.findings}
        if rep.strengths:
            pred.add("empathy")
        for cat in (*FINDING_CATEGORIES, "empathy"):
            if cat in pred and cat in gold:
                tp[cat] += 1
            elif cat in pred:
                fp[cat] += 1
                errors.append(("FP", cat, row["text"], [(f.rule, f.text) for f in rep.findings
                                                          if f.category == cat]))
            elif cat in gold:
                fn[cat] += 1
                errors.append(("FN", cat, row["text"], []))
    return {"tp": tp, "fp": fp, "fn": fn, "errors": errors, "n": len(rows),
            "clean": sum(1 for r in rows if not r.get("labels")),
            "clean_flagged": sum(1 for r, rep in zip(rows, reports)
                                 if not r.get("labels") and rep.findings)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", default=str(ROOT / "tests" / "data" / "devset.jsonl"))
    ap.add_argument("--errors", action="store_true", help="list false positives and misses")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in Path(args.file).read_text("utf-8").splitlines() if line.strip()]
    coach = Coach()
    t0 = time.perf_counter()
    res = evaluate(coach, rows)
    dt = time.perf_counter() - t0
    print(f"{res['n']} sentences from {args.file} ({dt:.1f} s)")
    print(f"{'category':<12} {'precision':>9} {'recall':>7} {'F1':>6}   tp  fp  fn")
    tot = Counter()
    for cat in (*FINDING_CATEGORIES, "empathy"):
        tp, fp, fn = res["tp"][cat], res["fp"][cat], res["fn"][cat]
        if cat != "empathy":
            tot["tp"] += tp
            tot["fp"] += fp
            tot["fn"] += fn
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * p * r / (p + r) if tp else 0.0
        print(f"{cat:<12} {p:>9.2f} {r:>7.2f} {f1:>6.2f} {tp:>4} {fp:>3} {fn:>3}")
    p = tot["tp"] / (tot["tp"] + tot["fp"]) if tot["tp"] + tot["fp"] else float("nan")
    r = tot["tp"] / (tot["tp"] + tot["fn"]) if tot["tp"] + tot["fn"] else float("nan")
    print(f"{'all six':<12} {p:>9.2f} {r:>7.2f} {2 * p * r / (p + r):>6.2f} "
          f"{tot['tp']:>4} {tot['fp']:>3} {tot['fn']:>3}")
    print(f"clean sentences flagged: {res['clean_flagged']} of {res['clean']}")
    if args.errors:
        for kind, cat, text, what in res["errors"]:
            print(f"{kind} {cat:<11} {text!r} {what if what else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
