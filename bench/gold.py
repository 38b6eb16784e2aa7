"""The real-turn gold set: draw the sample, turn annotators' quotes into offsets, measure agreement.

    python bench/gold.py sample --out DIR            # annotation batches (corpus text: keep out of the repo)
    python bench/gold.py build DIR                   # quotes -> tests/data/gold/{dev,holdout}.jsonl
    python bench/gold.py agreement                   # Cohen's kappa per category, first vs second annotator
    python bench/gold.py sample --replies --out DIR  # the `replies` draw: longer answers to longer messages
    python bench/gold.py build DIR --replies         # -> tests/data/gold/replies-{dev,holdout}.jsonl
    python bench/gold.py agreement --replies         # kappa on the replies draw (both annotators label it all)

The sample is fixed by its seed: agent turns drawn at random from ../shared/corpus/transcripts.jsonl,
each source represented, the turns the November review judged left out. Only ids, turn indexes,
character offsets and labels are stored in the repo (docs/annotation.md says how they were made);
the text is read from the corpus when the set is used.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

from phrasecoach.goldset import text_digest
from phrasecoach.text import customer_context

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
REVIEWS = ROOT.parent / "shared" / "reviews" / "corpus-2026-11"
GOLD = ROOT / "tests" / "data" / "gold"

SEED = 20261128
SAMPLE_SIZE = 2100
HOLDOUT_SIZE = 900
SECOND_SIZE = 320
MIN_PER_SOURCE = 12
BATCHES = 4

# The `replies` draw (2026-11-29, fourth stop): real problems are rare in short turns (about one
# turn in ten), and defensive ones rarer, so this draw takes agent turns of at least 20 words that
# answer a customer message of at least 8 words, none in an earlier gold or review file, and has
# two annotators label every turn. The selection reads only lengths, never a rule.
REPLIES = {"seed": 20261129, "size": 400, "holdout": 200, "min_agent_words": 20,
           "min_customer_words": 8, "prefix": "replies-",
           # the gold, judged and review files that existed when it was drawn: their turns are left out
           "exclude": ("dev.jsonl", "holdout.jsonl", "second_annotator.jsonl", "review-2026-11-28.jsonl",
                       "judged.jsonl", "judged-dev.jsonl", "judged-pc701.jsonl", "judged-pc701-2026-11-29.jsonl",
                       "judged-2026-11-28b.jsonl", "judged-2026-11-28c.jsonl", "judged-2026-11-29.jsonl",
                       "judged-2026-11-29b.jsonl", "judged-2026-11-29c.jsonl", "judged-2026-11-29e.jsonl",
                       "safe-judged.jsonl", "safe-judged-2.jsonl")}

CATEGORIES = ("command", "defensive", "blame", "dismissive", "jargon", "impatience")
STRENGTH_KINDS = ("acknowledges-feelings", "thanks-for-waiting", "apology", "reflects-back",
                  "validates", "offers-help")
CLARITY = ("clear", "borderline")


def load_corpus(path: Path = CORPUS) -> dict[str, dict]:
    convs = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            convs[c["id"]] = c
    return convs


def reviewed_keys() -> set[tuple[str, int]]:
    """The turns the November review judged."""
    return turn_keys(REVIEWS.glob("*.jsonl"))


def turn_keys(files) -> set[tuple[str, int]]:
    """(conversation id, turn) of every JSON line in `files` that names one."""
    keys = set()
    for f in files:
        for line in f.read_text("utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                if "id" in r and "turn" in r:
                    keys.add((r["id"], int(r["turn"])))
    return keys


def _stratified(convs: dict[str, dict], skip: set[tuple[str, int]], keep, size: int,
                seed: int) -> list[tuple[str, int]]:
    """Agent turns that `keep` accepts, at random in proportion to each source, with a floor so every
    source is in; both draws go through here, so they consume the seeded RNG the same way."""
    by_source: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for cid, c in convs.items():
        for i, t in enumerate(c["turns"]):
            if t["speaker"] == "agent" and (cid, i) not in skip and keep(c["turns"], i):
                by_source[c["source"]].append((cid, i))
    total = sum(len(v) for v in by_source.values())
    rng = random.Random(seed)
    picked: list[tuple[str, int]] = []
    for source in sorted(by_source):
        pool = sorted(by_source[source])
        n = max(MIN_PER_SOURCE, round(size * len(pool) / total))
        picked += rng.sample(pool, min(n, len(pool)))
    rng.shuffle(picked)
    return picked


def draw(convs: dict[str, dict]) -> list[tuple[str, int]]:
    """The first draw: any agent turn with text that no review has read."""
    return _stratified(convs, reviewed_keys(), lambda turns, i: bool(turns[i]["text"].strip()), SAMPLE_SIZE, SEED)


def draw_replies(convs: dict[str, dict]) -> list[tuple[str, int]]:
    """The `replies` draw: long answers to long messages, none in an earlier gold or review file."""
    def long_answer(turns, i):
        return (len(turns[i]["text"].split()) >= REPLIES["min_agent_words"]
                and len(customer_context(turns, i).split()) >= REPLIES["min_customer_words"])
    skip = reviewed_keys() | turn_keys(GOLD / f for f in REPLIES["exclude"])
    return _stratified(convs, skip, long_answer, REPLIES["size"], REPLIES["seed"])


def cmd_sample(args) -> int:
    convs = load_corpus()
    if args.replies:
        return sample_replies(convs, Path(args.out))
    picked = draw(convs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for cid, i in picked:
        turns = convs[cid]["turns"]
        items.append({"key": f"{cid}:{i}", "customer_before": customer_context(turns, i),
                      "agent_turn": turns[i]["text"]})
    per = -(-len(items) // BATCHES)
    for b in range(BATCHES):
        part = items[b * per:(b + 1) * per]
        (out / f"batch_{b + 1}.jsonl").write_text(
            "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in part), "utf-8")
    # the second annotator's items come from the dev part, so disagreements may be read
    dev_keys = [x["key"] for x in items[HOLDOUT_SIZE:]]
    second = random.Random(SEED + 1).sample(dev_keys, SECOND_SIZE)
    by_key = {x["key"]: x for x in items}
    (out / "second.jsonl").write_text(
        "".join(json.dumps(by_key[k], ensure_ascii=False) + "\n" for k in second), "utf-8")
    (out / "order.json").write_text(json.dumps([x["key"] for x in items]), "utf-8")
    print(f"{len(items)} turns: " + ", ".join(f"{s} {n}" for s, n in sorted(
        Counter(convs[k.rsplit(':', 1)[0]]["source"] for k in (x["key"] for x in items)).items())))
    return 0


def sample_replies(convs: dict[str, dict], out: Path) -> int:
    """Two batches of the same turns, one per annotator, and the order (holdout first)."""
    items = []
    for cid, i in draw_replies(convs):
        turns = convs[cid]["turns"]
        items.append({"key": f"{cid}:{i}", "customer_before": customer_context(turns, i),
                      "agent_turn": turns[i]["text"]})
    out.mkdir(parents=True, exist_ok=True)
    body = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items)
    (out / "replies.jsonl").write_text(body, "utf-8")
    (out / "order.json").write_text(json.dumps([x["key"] for x in items]), "utf-8")
    print(f"{len(items)} turns: " + ", ".join(f"{s} {n}" for s, n in sorted(
        Counter(convs[x["key"].rsplit(':', 1)[0]]["source"] for x in items).items())))
    return 0


def locate(text: str, quote: str, used: set[tuple[int, int]]) -> tuple[int, int] | None:
    """Offsets of a quote in the turn: exact first, then ignoring case and runs of white space."""
    q = quote.strip().strip('"“”')
    if not q:
        return None
    start = 0
    while (k := text.find(q, start)) >= 0:
        if (k, k + len(q)) not in used:
            return k, k + len(q)
        start = k + 1
    low, ql = text.lower(), " ".join(q.lower().split())
    norm, index = [], []
    prev_space = False
    for n, ch in enumerate(low):
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        norm.append(ch)
        index.append(n)
    k = "".join(norm).find(ql)
    if k < 0:
        return None
    return index[k], index[k + len(ql) - 1] + 1


def convert(label: dict, text: str, where: str, problems: list[str]) -> dict:
    used: set[tuple[int, int]] = set()
    out_p, out_s = [], []
    for p in label.get("problems", []):
        cat = p.get("category")
        if cat not in CATEGORIES:
            problems.append(f"{where}: unknown category {cat!r}")
            continue
        span = locate(text, p.get("quote", ""), used)
        if span is None:
            problems.append(f"{where}: quote not in the turn: {p.get('quote')!r}")
            continue
        used.add(span)
        clarity = p.get("clarity", "clear")
        out_p.append({"start": span[0], "end": span[1], "category": cat,
                      "clarity": clarity if clarity in CLARITY else "borderline",
                      **({"note": p["note"]} if p.get("note") else {})})
    for s in label.get("strengths", []):
        kind = s.get("kind")
        if kind not in STRENGTH_KINDS:
            problems.append(f"{where}: unknown strength kind {kind!r}")
            continue
        span = locate(text, s.get("quote", ""), used)
        if span is None:
            problems.append(f"{where}: quote not in the turn: {s.get('quote')!r}")
            continue
        used.add(span)
        out_s.append({"start": span[0], "end": span[1], "kind": kind})
    return {"problems": sorted(out_p, key=lambda x: x["start"]),
            "strengths": sorted(out_s, key=lambda x: x["start"]),
            "missed_acknowledgment": bool(label.get("missed_acknowledgment", False))}


def read_labels(files: list[Path]) -> dict[str, dict]:
    labels = {}
    for f in files:
        for n, line in enumerate(f.read_text("utf-8").splitlines(), 1):
            if line.strip():
                try:
                    r = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{f}:{n}: not JSON: {exc}")
                labels[r["key"]] = r
    return labels


def gold_row(convs: dict[str, dict], key: str, label: dict, split: str, who: str, where: str,
             problems: list[str]) -> dict:
    """One stored row: ids, the text's digest, offsets and labels (never the text)."""
    cid, i = key.rsplit(":", 1)
    conv = convs[cid]
    text = conv["turns"][int(i)]["text"]
    return {"id": cid, "turn": int(i), "source": conv["source"], "digest": text_digest(text),
            "split": split, **convert(label, text, where, problems), "annotator": who}


def build_replies(d: Path, convs: dict[str, dict]) -> int:
    """Annotator A's labels are the gold; B's are kept beside them for agreement."""
    order = json.loads((d / "order.json").read_text("utf-8"))
    problems: list[str] = []
    out: dict[str, list[dict]] = {"dev": [], "holdout": [], "second": []}
    for who, name in (("A", "labels_A.jsonl"), ("B", "labels_B.jsonl")):
        labels = read_labels([d / name])
        for n, key in enumerate(order):
            if key not in labels:
                problems.append(f"{who} {key}: no label")
                continue
            split = "holdout" if n < REPLIES["holdout"] else "dev"
            row = gold_row(convs, key, labels[key], split, who, f"{who} {key}", problems)
            out[split if who == "A" else "second"].append(row)
    for part, rows in out.items():
        path = GOLD / f"{REPLIES['prefix']}{part}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        print(f"{path.name}: {len(rows)} turns")
    for p in problems:
        print("problem:", p)
    return 1 if any("no label" in p for p in problems) else 0


def cmd_build(args) -> int:
    d = Path(args.dir)
    convs = load_corpus()
    if args.replies:
        return build_replies(d, convs)
    order = json.loads((d / "order.json").read_text("utf-8"))
    labels = read_labels(sorted(d.glob("labels_batch_*.jsonl")))
    problems: list[str] = []
    rows = []
    for n, key in enumerate(order):
        if key not in labels:
            problems.append(f"{key}: no label")
            continue
        lab = labels[key]
        row = gold_row(convs, key, lab, "holdout" if n < HOLDOUT_SIZE else "dev",
                       lab.get("annotator", "A"), key, problems)
        if lab.get("note"):
            row["note"] = lab["note"]
        rows.append(row)
    GOLD.mkdir(parents=True, exist_ok=True)
    for split in ("dev", "holdout"):
        part = [r for r in rows if r["split"] == split]
        (GOLD / f"{split}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), "utf-8")
        print(f"{split}: {len(part)} turns")
    second = read_labels([d / "labels_second.jsonl"]) if (d / "labels_second.jsonl").exists() else {}
    if second:
        srows = []
        for key, lab in second.items():
            cid, i = key.rsplit(":", 1)
            text = convs[cid]["turns"][int(i)]["text"]
            srows.append({"id": cid, "turn": int(i), "digest": text_digest(text),
                          **convert(lab, text, "second " + key, problems), "annotator": "B"})
        (GOLD / "second_annotator.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in srows), "utf-8")
        print(f"second annotator: {len(srows)} turns")
    for p in problems:
        print("problem:", p)
    return 1 if any("no label" in p for p in problems) else 0


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)  # no positives on either side: undefined


def agreement(first: dict[str, dict], second: dict[str, dict]) -> list[tuple[str, int, int, int, float]]:
    """Per category: a turn is positive when the annotator marked a span of it (borderline too)."""
    keys = sorted(set(first) & set(second))
    out = []
    for cat in (*CATEGORIES, "strength", "missed_acknowledgment"):
        def has(r, cat=cat):
            if cat == "strength":
                return bool(r["strengths"])
            if cat == "missed_acknowledgment":
                return r["missed_acknowledgment"]
            return any(p["category"] == cat for p in r["problems"])
        a = [has(first[k]) for k in keys]
        b = [has(second[k]) for k in keys]
        out.append((cat, len(keys), sum(a), sum(b), kappa(a, b)))
    return out


def cmd_agreement(args) -> int:
    def rows(path):
        return {f"{r['id']}:{r['turn']}": r for r in
                (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip())}
    pre = REPLIES["prefix"] if args.replies else ""
    first = {**rows(GOLD / f"{pre}dev.jsonl"), **rows(GOLD / f"{pre}holdout.jsonl")}
    second = rows(GOLD / (f"{pre}second.jsonl" if args.replies else "second_annotator.jsonl"))
    print(f"{'category':<22} {'turns':>5} {'A+':>4} {'B+':>4} {'kappa':>6}")
    for cat, n, a, b, k in agreement(first, second):
        print(f"{cat:<22} {n:>5} {a:>4} {b:>4} {'-' if k != k else f'{k:.2f}':>6}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--out", required=True)
    s.add_argument("--replies", action="store_true", help="the replies draw (see REPLIES)")
    s.set_defaults(fn=cmd_sample)
    b = sub.add_parser("build")
    b.add_argument("dir")
    b.add_argument("--replies", action="store_true", help="the replies draw (see REPLIES)")
    b.set_defaults(fn=cmd_build)
    a = sub.add_parser("agreement")
    a.add_argument("--replies", action="store_true", help="the replies draw (see REPLIES)")
    a.set_defaults(fn=cmd_agreement)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
