"""Fresh hand review of real findings: draw them, hand them to a judge, store the verdicts.

    python bench/review.py draw --rules PC101,PC701 --per-rule 40 --out DIR   # findings to judge
    python bench/review.py draw --safe --per-rule 15 --out DIR                # safe rewrites to judge
    python bench/review.py draw --conversation --per-rule 60 --out DIR        # PC701 turns to judge
    python bench/review.py build DIR VERDICTS.jsonl --out tests/data/gold/judged-<date>.jsonl

Why: a rule too rare in the gold set is measured on findings drawn at random from the whole
corpus and judged by hand (docs/quality.md); a `safe` rewrite is measured the same way. Each draw
leaves out every turn already in a gold, judged or review file and the November review's turns,
so what is judged is fresh. DIR gets `items.jsonl` (corpus text: keep it out of the repo) for a
judge who is given docs/annotation.md and nothing of rules/ or src/, and `keys.jsonl`, which maps
each item back to ids and offsets. `build` joins the judge's {key, verdict} lines to those keys;
only ids, offsets and verdicts reach the repo.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from phrasecoach import Coach
from phrasecoach.text import customer_context

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gold import CORPUS, GOLD, load_corpus, reviewed_keys, turn_keys  # noqa: E402

SEED = 20261129
VERDICTS = ("right", "borderline", "wrong")
SAFE_VERDICTS = ("good", "not-good")


def used_keys() -> set[tuple[str, int]]:
    """Every turn already in a gold, judged or review file, and the November review's turns."""
    return reviewed_keys() | turn_keys(GOLD.glob("*.jsonl"))


def agent_turns(convs: dict[str, dict], skip: set) -> list[tuple[str, int, str, str]]:
    out = []
    for cid in sorted(convs):
        turns = convs[cid]["turns"]
        for i, t in enumerate(turns):
            if t["speaker"] == "agent" and t["text"].strip() and (cid, i) not in skip:
                out.append((cid, i, t["text"], customer_context(turns, i)))
    return out


def conversation_pool(convs: dict[str, dict], skip: set, coach, limit: int, seed: int) -> dict[str, list]:
    """PC701 (missed acknowledgment) is judged per agent turn, with the customer's turns before it."""
    from phrasecoach.errors import PhrasecoachError

    ids = sorted(convs)
    if limit:
        ids = random.Random(seed).sample(ids, min(limit, len(ids)))
    pools: dict[str, list] = defaultdict(list)
    for cid in ids:
        turns = [{"speaker": t["speaker"], "text": t["text"]} for t in convs[cid]["turns"]]
        try:
            res = coach.score_conversation(turns)
        except PhrasecoachError:
            continue
        for d in res.deductions:
            if d.category == "missed-acknowledgment" and (cid, d.turn) not in skip:
                text = turns[d.turn]["text"]
                pools[d.rule].append((cid, d.turn, text, customer_context(turns, d.turn), d, None))
    return pools


def cmd_draw(args) -> int:
    convs = load_corpus(args.corpus)
    if args.conversation:
        coach = Coach(level=args.level)
        pools = conversation_pool(convs, used_keys(), coach, args.limit, args.seed)
        return write_draw(args, pools, len(convs) if not args.limit else args.limit)
    turns = agent_turns(convs, used_keys())
    if args.limit:
        turns = random.Random(args.seed).sample(turns, min(args.limit, len(turns)))
    select = args.rules.split(",") if args.rules else None
    coach = Coach(level=args.level, select=select)
    pools: dict[str, list] = defaultdict(list)
    reports = coach.check_many([t[2] for t in turns], contexts=[t[3] or None for t in turns])
    for (cid, i, text, ctx), rep in zip(turns, reports):
        if args.safe:
            for f in rep.findings:
                for s in f.suggestions:
                    if s.applicability.value == "safe":
                        pools[f.rule].append((cid, i, text, ctx, f, s.replacement))
                        break
        else:
            for f in (*rep.findings, *rep.strengths):
                if select is None or f.rule in select:
                    pools[f.rule].append((cid, i, text, ctx, f, None))
    return write_draw(args, pools, len(turns))


def write_draw(args, pools: dict[str, list], checked: int) -> int:
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items, keys = [], []
    for rule in sorted(pools):
        pool = pools[rule]
        picked = rng.sample(pool, min(args.per_rule, len(pool)))
        print(f"{rule}: {len(pool)} in {checked} fresh turns or conversations, {len(picked)} drawn",
              file=sys.stderr)
        for cid, i, text, ctx, f, repl in picked:
            start, end = (0, len(text)) if args.conversation else (f.start, f.end)
            key = f"{cid}:{i}:{f.rule}:{start}"
            item = {"key": key, "customer_before": ctx, "agent_turn": text, "flagged": text[start:end]}
            if args.conversation:
                item["claim"] = "the reply misses acknowledging what the customer said they feel or went through"
            elif args.safe:
                item["suggestion"] = repl
                item["after"] = text[:f.start] + repl + text[f.end:]
            else:
                item["claim"] = ("a strength (good empathetic wording)" if f.category == "empathy"
                                 else f"a problem of category `{f.category}`")
            items.append(item)
            keys.append({"key": key, "id": cid, "turn": i, "rule": f.rule, "start": start,
                         "end": end, **({"replacement": repl} if args.safe else {})})
    order = list(range(len(items)))
    rng.shuffle(order)  # the judge sees rules mixed, not in runs
    (out / "items.jsonl").write_text("".join(json.dumps(items[k], ensure_ascii=False) + "\n" for k in order),
                                     "utf-8")
    (out / "keys.jsonl").write_text("".join(json.dumps(k) + "\n" for k in keys), "utf-8")
    print(f"{len(items)} items -> {out / 'items.jsonl'}", file=sys.stderr)
    return 0


def cmd_build(args) -> int:
    keys = {json.loads(x)["key"]: json.loads(x) for x in (Path(args.dir) / "keys.jsonl").read_text("utf-8").splitlines()
            if x.strip()}
    rows, seen = [], set()
    for n, line in enumerate(Path(args.verdicts).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        v = json.loads(line)
        k = keys.get(v.get("key"))
        if k is None or v.get("verdict") not in (*VERDICTS, *SAFE_VERDICTS) or v["key"] in seen:
            print(f"{args.verdicts}:{n}: unknown key, duplicate or bad verdict; skipped", file=sys.stderr)
            continue
        seen.add(v["key"])
        row = {"id": k["id"], "turn": k["turn"], "rule": k["rule"], "start": k["start"], "end": k["end"],
               "verdict": v["verdict"]}
        if "replacement" in k:
            row["replacement"] = k["replacement"]
        rows.append(row)
    missing = len(keys) - len(seen)
    Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} verdicts -> {args.out}" + (f"; {missing} items have no verdict" if missing else ""),
          file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw", help="draw fresh findings (or safe rewrites) to judge")
    d.add_argument("--rules", default="", help="comma-separated rule ids (default: every rule at --level)")
    d.add_argument("--per-rule", type=int, default=40)
    d.add_argument("--level", default="picky")
    d.add_argument("--safe", action="store_true", help="draw safe rewrites instead of findings")
    d.add_argument("--conversation", action="store_true",
                   help="draw missed-acknowledgment turns (PC701) from whole conversations")
    d.add_argument("--limit", type=int, default=0,
                   help="check only N fresh turns (with --conversation: conversations) drawn at random")
    d.add_argument("--seed", type=int, default=SEED)
    d.add_argument("--corpus", type=Path, default=CORPUS)
    d.add_argument("--out", required=True)
    b = sub.add_parser("build", help="join a judge's verdicts to the drawn keys")
    b.add_argument("dir")
    b.add_argument("verdicts")
    b.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    return cmd_draw(args) if args.cmd == "draw" else cmd_build(args)


if __name__ == "__main__":
    sys.exit(main())
