"""A learned baseline, to read the blind-set figures against (never shipped).

The blind sets are written by helpers from docs/annotation.md, as is tests/data/written. A model
that learns nothing but word n-grams from `written` tells us how much of a blind set can be
reached by learning the writers' wording, and what that wording is worth on real agent turns.
It trains one hashed unigram+bigram logistic regression per category on `written`, adds its
sentence-level guesses to the picky rules, and prints, in aggregate only:

- each blind set: recall, precision and clean false alarms of rules + model, per category recall;
- gold-dev (real agent turns): how many of the model's own sentence flags are right.

On 2026-11-29 (threshold 0.9) the model lifted blind-3 from 0.75 to 0.87 recall (defensive 0.58 to
0.78) while 23 of its own 98 flags on real agent turns were right: what it learns is the writers'
style, not the categories. Needs numpy (installed with spaCy) and ../shared/corpus for the
gold-dev part. About a minute.

    python bench/learned_baseline.py [--sets blind,blind-2,blind-3] [--threshold 0.9]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
CATS = ("command", "defensive", "blame", "dismissive", "jargon", "impatience")
DIM = 2 ** 18
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def features(text: str) -> np.ndarray:
    """Hashed lower-case words, word pairs and the first word (apostrophes dropped)."""
    w = [x.replace("'", "") for x in _WORD.findall(text.lower().replace("’", "'"))]
    f = set(w) | {a + "_" + b for a, b in zip(w, w[1:])} | {"^" + (w[0] if w else "")}
    return np.fromiter((zlib.crc32(x.encode()) % DIM for x in f), dtype=np.int64)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def train(xs: list[np.ndarray], y: np.ndarray, epochs: int = 30, rate: float = 0.5) -> tuple:
    """Plain SGD logistic regression (one weight per hashed feature)."""
    w, b = np.zeros(DIM), 0.0
    order = np.arange(len(xs))
    for ep in range(epochs):
        np.random.default_rng(ep).shuffle(order)
        for i in order:
            g = 1 / (1 + np.exp(-(b + w[xs[i]].sum()))) - y[i]
            w[xs[i]] -= rate * g
            b -= rate * g
    return w, b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="blind,blind-2,blind-3")
    ap.add_argument("--threshold", type=float, default=0.9)
    args = ap.parse_args(argv)
    from phrasecoach import Coach
    from phrasecoach.goldset import load_gold
    from phrasecoach.text import sentence_spans

    tr = rows(DATA / "written" / "sentences.jsonl")
    xs = [features(r["text"]) for r in tr]
    models = {c: train(xs, np.array([float(any(lab["category"] == c for lab in r["labels"])) for r in tr]))
              for c in CATS}

    def guess(text: str) -> set[str]:
        x = features(text)
        return {c for c, (w, b) in models.items() if 1 / (1 + np.exp(-(b + w[x].sum()))) >= args.threshold}

    coach = Coach(level="picky")
    print(f"model: trained on written ({len(tr)} sentences), threshold {args.threshold}")
    for name in args.sets.split(","):
        path = DATA / name / "sentences.jsonl"
        if not path.is_file():
            continue
        tp = fp = fn = clean = clean_hit = 0
        per = {c: [0, 0] for c in CATS}
        for r in rows(path):
            gold = {lab["category"] for lab in r["labels"]}
            rule = {f.category for f in coach.check(r["text"], context=r.get("context")).findings}
            pred = (rule | guess(r["text"])) & set(CATS)
            if not gold:
                clean += 1
                clean_hit += bool(pred)
            for c in CATS:
                tp += c in pred and c in gold
                fp += c in pred and c not in gold
                fn += c in gold and c not in pred
                per[c][0] += c in pred and c in gold
                per[c][1] += c in gold
        print(f"{name} (aggregate only), picky rules + model: recall {tp / max(1, tp + fn):.2f}, "
              f"precision {tp / max(1, tp + fp):.2f}, clean flagged {clean_hit / max(1, clean):.1%}; "
              + ", ".join(f"{c} {a / max(1, n):.2f}" for c, (a, n) in per.items()))
    if not CORPUS.is_file():
        print(f"{CORPUS} is absent: the real-turn part is skipped")
        return 0
    verdicts = {"right": 0, "borderline": 0, "wrong": 0}
    turns = load_gold(DATA / "gold" / "dev.jsonl", CORPUS)
    for t in turns:
        for s, e in sentence_spans(t.text):
            for c in guess(t.text[s:e]):
                spans = [p for p in t.problems if p["category"] == c and p["start"] < e and s < p["end"]]
                v = "right" if any(p["clarity"] == "clear" for p in spans) else "borderline" if spans else "wrong"
                verdicts[v] += 1
    n = sum(verdicts.values())
    print(f"gold-dev ({len(turns)} real agent turns): the model's own sentence flags {n}, right {verdicts['right']}"
          f" ({verdicts['right'] / max(1, n):.2f}), borderline {verdicts['borderline']}, wrong {verdicts['wrong']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
