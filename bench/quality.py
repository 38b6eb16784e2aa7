"""How often phrasecoach is right, on four kinds of text, side by side.

    python bench/quality.py                  # every set, per category, at each rule level
    python bench/quality.py --rules          # per rule: findings and precision with its 95 % interval
    python bench/quality.py --errors         # item-level misses and false alarms: dev sets only
    python bench/quality.py --record         # write rules/core/measured.json (what `rules list` shows)
    python bench/quality.py --sets written,missed-ack --writers k,l,m   # the written batches held apart

The sets (docs/quality.md says how each was made):
- `gold-holdout`: 900 real agent turns from ../shared/corpus, annotated by hand before any rule was
  tuned on them, frozen. The figure to quote. Read in aggregate only.
- `gold-dev`: 1,211 more real turns, annotated the same way; rules are tuned on them.
- `judged`: corpus findings drawn at random per rule and judged by hand (tests/data/gold/judged*.jsonl).
- `replies-holdout`, `replies-dev`: 406 more real turns, longer answers to longer customer messages,
  each labelled by two annotators (2026-11-29, fourth stop); holdout frozen, aggregate only.
- `blind`, `blind-2`, ...: sentences and short transcripts written from docs/annotation.md by
  people who never saw the rules, one folder each (tests/data/blind*/), found by folder. Each
  folder's about.json says where it came from and how far it has been read: `unread` (the next
  stop's fresh set; runs only when named, `--sets blind-16,missed-ack`), `aggregate` (figures
  only), `dev` (its items were read; `--errors` lists them).
- `written`: sentences and transcripts written the same way by two more writers, then tuned on
  (dev data: `--errors` lists its items). It says how the rules do on other people's wording
  they were fitted to, not on new wording.
- `sentences`: tests/data/devset.jsonl, written by the rules' authors. Secondary: the rules were
  tuned on it, so it says little about anyone else's text.

Real-turn figures are per finding (a finding is right when it overlaps a clear gold span of its
category; phrasecoach.goldset); sentence figures are per sentence and category.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from phrasecoach import Coach
from phrasecoach.goldset import (CATEGORIES, Tally, conversation_tally, evaluate, judged_files, judged_tally,
                                  transcript_labels,
                                 load_gold, missed_ack_items, missed_ack_tally, rule_table, safe_tally)
from phrasecoach.levels import LEVELS, MEASURED_FILE, MIN_JUDGED, MIN_LOWER_BOUND, MIN_PRECISION, wilson
from phrasecoach.text import customer_context

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
GOLD = ROOT / "tests" / "data" / "gold"
DATA = ROOT / "tests" / "data"
SENTENCES = DATA / "devset.jsonl"
# sentence sets: name -> (file, title, dev: may its items be listed by --errors)
SENTENCE_SETS = {
    "sentences": (SENTENCES, "tests/data/devset.jsonl, written by the rules' authors", True),
    "written": (DATA / "written" / "sentences.jsonl",
                "tests/data/written/, written from the guide by helpers, then tuned on", True),
}
# The blind sets: every tests/data/blind*/ folder, in the order written. Its about.json says where
# it came from and how far it has been read: "unread" (the next stop's fresh set: run only when
# named in --sets, never by default or by missed-ack), "aggregate" (figures only), "dev" (its items
# were read; --errors lists them).
READ_STATES = ("unread", "aggregate", "dev")


def _blind_sets() -> dict[str, tuple[Path, str, str]]:
    found = {}
    for d in sorted(DATA.glob("blind*/"), key=lambda d: int(d.name.partition("-")[2] or 1)):
        about = json.loads((d / "about.json").read_text("utf-8"))
        if about.get("read") not in READ_STATES:
            raise SystemExit(f"{d / 'about.json'}: read must be one of {', '.join(READ_STATES)}")
        found[d.name] = (d / "sentences.jsonl", about["title"], about["read"])
    return found


BLIND = _blind_sets()
SENTENCE_SETS.update({name: (path, f"{title}; {'dev data' if read == 'dev' else 'aggregate only'}"
                             + ("; unread until this run" if read == "unread" else ""), read == "dev")
                      for name, (path, title, read) in BLIND.items()})
BLIND_SETS = [name for name, (_, _, read) in BLIND.items() if read != "unread"]  # what runs by default
# more sets of real turns beside gold-dev: name -> (file in GOLD, title, dev)
TURN_SETS = {
    "gold-holdout": ("holdout.jsonl", "gold-holdout (frozen; aggregate only)", False),
    "replies-dev": ("replies-dev.jsonl", "replies-dev (long answers to long messages; tuned on)", True),
    "replies-holdout": ("replies-holdout.jsonl",
                        "replies-holdout (long answers to long messages; frozen, aggregate only)", False),
}
# transcripts with missed-acknowledgment labels: (name shown, file, dev)
TRANSCRIPT_SETS = (
    ("written transcripts (tuned on)", DATA / "written" / "transcripts.jsonl", True),
    # each blind set's transcripts, beside its sentences
    *((f"{name} transcripts ({'dev data' if read == 'dev' else 'aggregate only'})", DATA / name / "transcripts.jsonl",
       read == "dev") for name, (_, _, read) in BLIND.items()),
)
JUDGED = judged_files(GOLD)  # corpus findings judged by hand (goldset.judged_files says which)
# safe rewrites judged good or not by hand (bench/review.py draw --safe)
SAFE_JUDGED = tuple(sorted(GOLD.glob("safe-judged*.jsonl")))


def _fmt(x: float) -> str:
    return "  -  " if x != x else f"{x:5.2f}"


# ---- sentence sets ---------------------------------------------------------------------
def by_writers(r: dict, writers: set[str] | None) -> bool:
    """Is the row by one of these writers (the prefix of its id, "k-s0042" -> "k")? None: every row."""
    return writers is None or str(r.get("id", "")).split("-", 1)[0] in writers


def sentence_rows(path: Path, writers: set[str] | None = None) -> list[dict]:
    """devset rows as they are; blind rows ({labels: [{category, quote}], strengths}) folded to categories."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if not by_writers(r, writers):
            continue
        labels = r.get("labels", [])
        cats = sorted({x["category"] if isinstance(x, dict) else x for x in labels})
        strengths = r.get("strengths", [])
        rows.append({"text": r["text"], "context": r.get("context"), "labels": cats,
                     "empathy": bool(strengths) and strengths != [] and strengths is not None})
    return rows


def sentence_eval(coach: Coach, rows: list[dict]) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    errors = []
    reports = list(coach.check_many([r["text"] for r in rows], contexts=[r["context"] for r in rows]))
    clean = clean_flagged = 0
    for row, rep in zip(rows, reports):
        gold = set(row["labels"]) | ({"empathy"} if row["empathy"] else set())
        pred = {f.category for f in rep.findings} | ({"empathy"} if rep.strengths else set())
        if not row["labels"]:
            clean += 1
            clean_flagged += bool(rep.findings)
        for cat in (*CATEGORIES, "empathy"):
            if cat in pred and cat in gold:
                tp[cat] += 1
            elif cat in pred:
                fp[cat] += 1
                errors.append(("FP", cat, row["text"], [(f.rule, f.text) for f in rep.findings if f.category == cat]))
            elif cat in gold:
                fn[cat] += 1
                errors.append(("FN", cat, row["text"], []))
    return {"tp": tp, "fp": fp, "fn": fn, "errors": errors, "n": len(rows), "clean": clean,
            "clean_flagged": clean_flagged}


def print_sentences(name: str, res: dict) -> dict:
    print(f"\n{name}: {res['n']} sentences, {res['clean']} clean "
          f"({res['clean_flagged']} of them flagged, {res['clean_flagged'] / max(1, res['clean']):.1%})")
    print(f"  {'category':<12} {'precision':>9} {'recall':>7}   tp  fp  fn")
    tot = Counter()
    for cat in (*CATEGORIES, "empathy"):
        tp, fp, fn = res["tp"][cat], res["fp"][cat], res["fn"][cat]
        if cat != "empathy":
            tot.update(tp=tp, fp=fp, fn=fn)
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        print(f"  {cat:<12} {_fmt(p):>9} {_fmt(r):>7} {tp:>4} {fp:>3} {fn:>3}")
    p = tot["tp"] / (tot["tp"] + tot["fp"]) if tot["tp"] + tot["fp"] else float("nan")
    r = tot["tp"] / (tot["tp"] + tot["fn"]) if tot["tp"] + tot["fn"] else float("nan")
    print(f"  {'all six':<12} {_fmt(p):>9} {_fmt(r):>7} {tot['tp']:>4} {tot['fp']:>3} {tot['fn']:>3}")
    return {"precision": p, "recall": r, "clean_flagged": res["clean_flagged"] / max(1, res["clean"])}


# ---- real turns ------------------------------------------------------------------------
def print_turns(name: str, n: int, tallies: dict[str, Tally]) -> dict:
    print(f"\n{name}: {n} real agent turns; precision = right / findings (borderline counts as "
          "wrong), [95% interval]; recall = clear gold spans found")
    summary = {}
    for lv in LEVELS:
        t = tallies[lv]
        print(f"  level {lv}:")
        print(f"    {'category':<12} {'findings':>8} {'right':>5} {'precision':>9} {'[95% CI]':>13} {'recall':>6} {'gold':>5}")
        right = n_all = found = gold = 0
        for cat in (*CATEGORIES, "empathy"):
            p, lo, hi, nf = t.precision(cat)
            r, g = t.recall(cat)
            print(f"    {cat:<12} {nf:>8} {t.right[cat]:>5} {_fmt(p):>9}  [{lo:.2f}-{hi:.2f}] {_fmt(r):>6} {g:>5}")
            if cat != "empathy":
                right += t.right[cat]
                n_all += nf
                found += t.found[cat]
                gold += g
        lo, hi = wilson(right, n_all)
        p = right / n_all if n_all else float("nan")
        r = found / gold if gold else float("nan")
        print(f"    {'all six':<12} {n_all:>8} {right:>5} {_fmt(p):>9}  [{lo:.2f}-{hi:.2f}] {_fmt(r):>6} {gold:>5}")
        summary[lv] = {"findings": n_all, "right": right, "precision": p, "low": lo, "recall": r}
    return summary


def print_rules(table: dict[str, dict]) -> None:
    print(f"\nper rule (gold-dev + judged corpus findings; bar for default: precision ≥ {MIN_PRECISION}, "
          f"95% lower bound ≥ {MIN_LOWER_BOUND}, at least {MIN_JUDGED} findings if rare in gold)")
    print(f"  {'rule':<7} {'level':<8} {'findings':>8} {'right':>5} {'precision':>9} {'[95% CI]':>13}  clears bar")
    for rid, m in table.items():
        p = m["precision"] if m["precision"] is not None else float("nan")
        print(f"  {rid:<7} {m['level']:<8} {m['findings']:>8} {m['correct']:>5} {_fmt(p):>9}  "
              f"[{m['low']:.2f}-{m['high']:.2f}]  {'yes' if m['clears_bar'] else 'no'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", action="store_true", help="per-rule precision (gold-dev + judged)")
    ap.add_argument("--errors", action="store_true",
                    help="list false alarms and misses on the dev sets (never a holdout, or a blind set not marked dev)")
    ap.add_argument("--record", action="store_true", help=f"write rules/core/{MEASURED_FILE}")
    ap.add_argument("--sets", default=",".join(["sentences", "written", "gold-dev", "gold-holdout", "replies-dev",
                                                 "replies-holdout", *BLIND_SETS, "missed-ack", "safe"]),
                    help="which sets to run (comma-separated)")
    ap.add_argument("--json", metavar="FILE", help="also write the summary figures as JSON")
    ap.add_argument("--levels", default="default,picky",
                    help="the rule levels the sentence sets are scored at (default,picky; add preview "
                         "for the rules not yet on: PC221 and PC311, the learned wording models)")
    ap.add_argument("--writers", metavar="IDS",
                    help="only these writers of the written set, by id prefix (k,l,m: the batches held apart "
                         "from the tuning of 2026-11-29's fifth stop, read in aggregate)")
    args = ap.parse_args(argv)
    sets = set(args.sets.split(","))
    writers = set(args.writers.split(",")) if args.writers else None
    levels = args.levels.split(",")
    coach = Coach(level="preview")
    rule_level = {r.id: r.spec.level for r in coach.rules}
    t0 = time.perf_counter()
    summary: dict = {}
    for name, (path, title, dev) in SENTENCE_SETS.items():
        if name not in sets or not path.is_file():
            continue
        for lv in levels:
            res = sentence_eval(Coach(level=lv), sentence_rows(path, writers if name == "written" else None))
            only = f", writers {','.join(sorted(writers))} only" if writers and name == "written" else ""
            summary[f"{name}-{lv}"] = print_sentences(f"{name} ({title}{only}), level {lv}", res)
            if args.errors and dev and lv == "picky":
                for kind, cat, text, what in res["errors"]:
                    print(f"  {kind} {cat:<11} {text!r} {what if what else ''}")
    if not CORPUS.is_file():
        print(f"\n{CORPUS} is absent: the real-turn gold sets need the corpus text; skipped")
        sets -= {"gold-dev", *TURN_SETS}
    dev_rules = None
    if "gold-dev" in sets or args.rules or args.record:
        turns = load_gold(GOLD / "dev.jsonl", CORPUS)
        tallies = evaluate(coach, turns, rule_level)
        dev_rules = tallies["rules"]
        if "gold-dev" in sets:
            summary["gold-dev"] = print_turns("gold-dev", len(turns), tallies)
        if args.errors:
            _print_turn_errors(coach, turns, "gold-dev")
    for name, (file, title, dev) in TURN_SETS.items():
        if name not in sets or not (GOLD / file).is_file():
            continue
        turns = load_gold(GOLD / file, CORPUS)
        summary[name] = print_turns(title, len(turns), evaluate(coach, turns, rule_level))
        if args.errors and dev:
            _print_turn_errors(coach, turns, name)
    if "missed-ack" in sets:
        summary["missed-ack"] = print_missed_ack(coach, errors=args.errors, writers=writers, named=sets)
    if "safe" in sets and CORPUS.is_file() and SAFE_JUDGED:
        summary["safe"] = print_safe(coach)
    if args.rules or args.record:
        if dev_rules is not None:  # PC701, per labelled agent turn of gold-dev
            conversation_tally(coach, missed_ack_items(GOLD / "dev.jsonl", CORPUS), into=dev_rules)
        table = rule_table(coach, dev_rules, judged_tally(coach, JUDGED, CORPUS) if CORPUS.is_file() else Tally())
        print_rules(table)
        if args.record:
            out = ROOT / "rules" / "core" / MEASURED_FILE
            body = {"what": "precision of each core rule on real agent turns (bench/quality.py --record)",
                    "bar": {"precision": MIN_PRECISION, "lower_bound": MIN_LOWER_BOUND},
                    "rules": {k: {x: v[x] for x in ("findings", "correct", "precision", "low", "high", "set")}
                              for k, v in table.items()}}
            out.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", "utf-8")
            print(f"wrote {out.relative_to(ROOT)}")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1), "utf-8")
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


def print_safe(coach: Coach) -> dict:
    """Hand-judged safe rewrites on real turns that are still offered as safe, word for word."""
    t = safe_tally(coach, SAFE_JUDGED, CORPUS)
    print("\nsafe rewrites on real agent turns, judged by hand (still offered as safe, word for word)")
    print(f"  {'rule':<7} {'judged':>6} {'good':>5} {'share':>6}  [95% CI]")
    good = n = 0
    for rule in sorted(set(t.right) | set(t.wrong)):
        k = t.right[rule] + t.wrong[rule]
        lo, hi = wilson(t.right[rule], k)
        print(f"  {rule:<7} {k:>6} {t.right[rule]:>5} {t.right[rule] / k:>6.2f}  [{lo:.2f}-{hi:.2f}]")
        good += t.right[rule]
        n += k
    lo, hi = wilson(good, n)
    share = good / n if n else float("nan")
    print(f"  {'all':<7} {n:>6} {good:>5} {_fmt(share):>6}  [{lo:.2f}-{hi:.2f}]")
    return {"judged": n, "good": good, "share": share, "low": lo}


def print_missed_ack(coach: Coach, errors: bool = False, writers: set[str] | None = None,
                     named: set[str] = frozenset()) -> dict:
    """PC701 (missed acknowledgment, QA scoring) on the gold turns and the written transcripts.

    An unread blind set's transcripts count only when that set is named too (`--sets blind-16,missed-ack`).
    """
    out = {}
    sets = []
    if CORPUS.is_file():
        for name, file in (("gold-dev", "dev.jsonl"), *((n, f) for n, (f, _, _) in TURN_SETS.items())):
            if (GOLD / file).is_file():
                sets.append((f"{name} (real turns)", missed_ack_items(GOLD / file, CORPUS), False))
    for name, path, dev in TRANSCRIPT_SETS:
        folder = path.parent.name
        if folder in BLIND and BLIND[folder][2] == "unread" and folder not in named:
            continue
        if path.is_file():
            rows = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
            if path.parent.name == "written":
                rows = [r for r in rows if by_writers(r, writers)]
            sets.append((name, [(r["turns"], transcript_labels(r)) for r in rows], dev))
    print("\nmissed acknowledgment (PC701, as `phrasecoach score` applies it), per labelled agent turn")
    for name, items, dev in sets:
        mistakes = [] if errors and dev else None
        t = missed_ack_tally(coach, items, mistakes)
        p = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else float("nan")
        r = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else float("nan")
        print(f"  {name:<36} precision {_fmt(p)}  recall {_fmt(r)}   tp {t['tp']} fp {t['fp']} "
              f"fn {t['fn']} tn {t['tn']}" + (f" (skipped {t['skipped']})" if t["skipped"] else ""))
        out[name] = {"precision": p, "recall": r, **t}
        for kind, turns, i in mistakes or ():
            print(f"    {kind} customer: {customer_context(turns, i)!r}\n       agent:    {turns[i]['text']!r}")
    return out


def _print_turn_errors(coach: Coach, turns, name: str) -> None:
    """Item-level errors on a dev set of real turns: rule, verdict, the finding, and the gold spans."""
    from phrasecoach.goldset import judge

    print(f"\n{name} errors (finding not right; clear gold spans missed)")
    for turn, rep in zip(turns, coach.check_many([t.text for t in turns], contexts=[t.context for t in turns])):
        verdicts = judge(turn, rep)
        for rule, cat, v, s, e in verdicts:
            if v != "right" and cat != "empathy":
                print(f"  {v.upper():<10} {rule} {cat:<10} {turn.key}: {turn.text[s:e]!r}")
        for p in turn.problems:
            if p["clarity"] == "clear" and not any(
                    c == p["category"] and s < p["end"] and p["start"] < e for _, c, _, s, e in verdicts):
                print(f"  MISS       {p['category']:<16} {turn.key}: {turn.text[p['start']:p['end']]!r}")


if __name__ == "__main__":
    sys.exit(main())
