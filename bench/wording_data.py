"""Real agent sentences with labels, for training the wording models beside the written set.

    python bench/wording_data.py --out /tmp/real-labelled.jsonl
    phrasecoach rules train tests/data/written/sentences.jsonl /tmp/real-labelled.jsonl \\
        --category defensive --out rules/core/models/defensive.tsv

Trained on written sentences alone, a model learns how our writers put a category, and on real
agent turns it is mostly wrong (PC221: 12 of 60 corpus findings right by both judges): real
agents speak in the company's voice far more often. So real text goes in too, labelled by hand:
- every turn of gold-dev and replies-dev (both tuned on), with its clear spans; a sentence with
  only a borderline span of the category is left out;
- every judged corpus finding (tests/data/gold/judged*.jsonl), as its sentence: right is an example
  of the rule's category, wrong is not, borderline is left out. Not the `judged-learned-*` files:
  they are fresh draws of the models' own findings, kept apart to measure them;
- every mined sentence (tests/data/gold/mined-*.jsonl: {id, turn, category, start, end, verdict}):
  real sentences the models scored near or above their thresholds, judged by two helpers for that
  category (right by both: an example; wrong by both: not; the rest left out). Training data
  only: they are no rule's findings, so no precision figure reads them.
Holdout turns (gold-holdout, replies-holdout) are never read. The output holds corpus text, so it is
written outside the repository; the corpus stays in ../shared. Ids are `rK-<conversation>:<turn>`,
K a stable hash to five groups, so cross-validation holds real turns out a fifth at a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

from phrasecoach import Coach
from phrasecoach.goldset import judged_files, load_gold, read_conversations
from phrasecoach.text import lexical_sentences

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
GOLD = ROOT / "tests" / "data" / "gold"
HOLDOUTS = ("holdout.jsonl", "replies-holdout.jsonl")
DEV = ("dev.jsonl", "replies-dev.jsonl")
MEASURE_ONLY = "judged-learned-"  # judged findings of the models themselves: never trained on
MINED = "mined-*.jsonl"  # judged sentences near the models' thresholds: trained on, never measured


def _group(key: str) -> str:
    return f"r{zlib.crc32(key.encode()) % 5}"


def _turns(files) -> set[tuple[str, int]]:
    """The (conversation, turn) keys of the rows of these gold files."""
    return {(r["id"], r["turn"]) for f in files if f.is_file()
            for r in map(json.loads, f.read_text("utf-8").splitlines()) if r}


def _trained_judged(gold: Path) -> list[Path]:
    """The judged files the models learn from: all but the draws kept to measure them, and the
    mined sentences."""
    return [f for f in judged_files(gold) if not f.name.startswith(MEASURE_ONLY)] + sorted(gold.glob(MINED))


def rows(corpus: Path = CORPUS, gold: Path = GOLD) -> list[dict]:
    held = _turns(gold / f for f in HOLDOUTS)
    out: list[dict] = []
    for f in DEV:
        for t in load_gold(gold / f, corpus):
            cid, turn = t.key.rsplit(":", 1)
            if (cid, int(turn)) in held:
                continue
            labels = [{"category": p["category"], "start": p["start"], "end": p["end"],
                       "clarity": p.get("clarity", "clear")} for p in t.problems]
            out.append({"id": f"{_group(t.key)}-{t.key}", "text": t.text, "labels": labels})
    category = {r.id: r.spec.category for r in Coach(level="preview").rules}
    judged = [json.loads(x) for f in _trained_judged(gold) for x in f.read_text("utf-8").splitlines() if x.strip()]
    convs = read_conversations(corpus, {r["id"] for r in judged})
    seen = set()
    for r in judged:
        cat = r.get("category") or category.get(r["rule"])
        if cat is None or (r["id"], r["turn"]) in held or r["verdict"] == "borderline" or r["id"] not in convs:
            continue
        text = convs[r["id"]]["turns"][r["turn"]]["text"]
        for s, e in lexical_sentences(text):
            if s < r["end"] and r["start"] < e:
                key = (r["id"], r["turn"], s, cat)
                if key in seen:
                    break
                seen.add(key)
                sent = text[s:e]
                labels = [{"category": cat, "start": 0, "end": len(sent)}] if r["verdict"] == "right" else []
                out.append({"id": f"{_group(r['id'])}-{r['id']}:{r['turn']}:{s}", "text": sent,
                            "labels": labels, "judged": cat})
                break
    return out


def sample(n: int, seed: int = 20261129, corpus: Path = CORPUS, gold: Path = GOLD) -> list[dict]:
    """`n` agent turns drawn at random from the corpus, outside the holdouts and every turn
    labelled for training, unlabelled: what real text looks like, to bound how much of it a model
    flags. (A draw that measures the models must leave these turns out, as they are trained on.)"""
    known = _turns([*(gold / f for f in (*HOLDOUTS, *DEV)), *_trained_judged(gold)])
    turns = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            turns += [(d["id"], i, t["text"]) for i, t in enumerate(d["turns"])
                      if t["speaker"] == "agent" and (d["id"], i) not in known]
    import random

    random.Random(seed).shuffle(turns)
    return [{"id": f"{_group(f'{c}:{i}')}-{c}:{i}", "text": text, "labels": []} for c, i, text in turns[:n]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="the JSONL file to write (outside the repository)")
    ap.add_argument("--sample", type=int, default=0, metavar="N",
                    help="write N random unlabelled agent turns instead (see sample())")
    args = ap.parse_args(argv)
    if not CORPUS.is_file():
        print(f"{CORPUS} is absent: the real sentences are read from the corpus", file=sys.stderr)
        return 2
    got = sample(args.sample) if args.sample else rows()
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got), "utf-8")
    print(f"{len(got)} items ({sum(1 for r in got if 'judged' in r)} judged sentences) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
