"""Engine throughput on real agent turns, beside spaCy's own cost on the same texts.

    python bench/throughput.py [--limit N] [--repeat R] [--no-full] [--context]

Reads agent turns from ../shared/corpus/transcripts.jsonl (next to the repo). Prints, for the
default engine (parse only candidate sentences) and for the full-parse path (parse every
sentence): turns/s and words/s, the median of R runs; spaCy's pipeline alone over every turn;
the ratios; how many sentences were parsed; and whether both paths give identical findings.
Runs on one core: the engine parses with one BLAS thread (phrasecoach.pipeline.one_blas_thread)
and so does every spaCy timing here. spaCy's stock pipeline (all its components, as
`spacy.load` gives it) is timed on the first --stock-limit turns as a reference rate.
`--context` gives each turn the customer's message before it, as QA scoring does: rules that
read it (`unless: {scope: context}`, `requires:`) then run where they otherwise would not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"


def agent_turns(limit: int | None) -> tuple[list[str], list[str | None]]:
    """The agent turns, and the customer's message before each (None where there is none)."""
    from phrasecoach.text import customer_context

    out, ctx = [], []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            turns = json.loads(line)["turns"]
            for i, t in enumerate(turns):
                if t["speaker"] == "agent":
                    out.append(t["text"])
                    ctx.append(customer_context(turns, i) or None)
                    if limit and len(out) >= limit:
                        return out, ctx
    return out, ctx


def fresh_caches(coach) -> None:
    """Empty the per-sentence and per-word caches, so a repeat does not reuse the last one's."""
    from functools import _lru_cache_wrapper

    from phrasecoach.kinds import command, jargon, templates

    coach._candidates.clear()
    command.clear_caches()  # the command detectors' caches live with their lexicon
    for mod in (jargon, templates):
        for obj in vars(mod).values():
            if isinstance(obj, _lru_cache_wrapper):
                obj.cache_clear()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="first N agent turns (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-full", action="store_true", help="skip the slow full-parse comparison")
    ap.add_argument("--context", action="store_true",
                    help="give each turn the customer's message before it, as QA scoring does")
    ap.add_argument("--stock-limit", type=int, default=5000,
                    help="turns for the stock-pipeline reference rate (0: skip; default 5000)")
    args = ap.parse_args(argv)
    if not CORPUS.is_file():
        print(f"skipped: corpus not found at {CORPUS}", file=sys.stderr)
        return 0
    from phrasecoach import Coach

    texts, contexts = agent_turns(args.limit)
    contexts = contexts if args.context else None
    words = sum(len(t.split()) for t in texts)
    fast = Coach(parse="candidates", level="picky").warm()  # every rule, as before the levels
    fast.check("warm up")
    from phrasecoach.pipeline import freeze_heap

    freeze_heap()  # as the QA workers and the HTTP service do after start-up
    parsed = {"n": 0}
    orig_pipe = fast.nlp.pipe

    def counting_pipe(xs, **kw):
        xs = list(xs)
        parsed["n"] += len(xs)
        return orig_pipe(xs, **kw)

    fast.nlp.pipe = counting_pipe
    def run_fast():
        fresh_caches(fast)  # every repeat starts cold, as a real run does
        return [r.to_dict() for r in fast.check_many(texts, contexts=contexts)]

    t_fast, reps_fast = timed(run_fast, args.repeat)
    n_parsed = parsed["n"] // args.repeat
    fast.nlp.pipe = orig_pipe
    nlp = fast.nlp
    from phrasecoach.pipeline import one_blas_thread

    with one_blas_thread:
        t_spacy, _ = timed(lambda: sum(1 for _ in nlp.pipe(texts, batch_size=128)), 1)
        stock_rate = None
        if args.stock_limit:
            import spacy

            stock = spacy.load(fast.settings.model)
            sample = texts[: args.stock_limit]
            t_stock, _ = timed(lambda: sum(1 for _ in stock.pipe(sample, batch_size=128)), 1)
            stock_rate = (len(sample) / t_stock, sum(len(t.split()) for t in sample) / t_stock,
                          len(sample), t_stock)
    from phrasecoach.text import sentence_spans

    n_sents = sum(len(sentence_spans(t)) for t in texts)
    print(f"{len(texts)} agent turns, {words} words, {n_sents} sentences, from {CORPUS}"
          + (", each with the customer's message before it" if contexts else ""))
    print(f"{'path':<34} {'turns/s':>9} {'words/s':>10} {'seconds':>8}")
    print(f"{'engine (parse candidates only)':<34} {len(texts) / t_fast:>9.0f} {words / t_fast:>10.0f} {t_fast:>8.2f}")
    print(f"{'our pipeline alone, every turn':<34} {len(texts) / t_spacy:>9.0f} {words / t_spacy:>10.0f} {t_spacy:>8.2f}")
    if stock_rate:
        label = f"stock spaCy pipeline ({stock_rate[2]} turns)"
        print(f"{label:<34} {stock_rate[0]:>9.0f} {stock_rate[1]:>10.0f} {stock_rate[3]:>8.2f}")
    print(f"sentences parsed by the engine: {n_parsed} of {n_sents} ({100 * n_parsed / max(1, n_sents):.1f}%)")
    print(f"ratio engine / our-pipeline-alone speed: {t_spacy / t_fast:.1f}x"
          + (f"; engine / stock-pipeline speed: {len(texts) / t_fast / stock_rate[0]:.1f}x" if stock_rate else ""))
    print("(our pipeline: tagger and parser without NER and the lemmatizer, with pipeline.TagAttrs for "
          "the attribute ruler; stock: everything spacy.load gives)")
    if not args.no_full:
        full = Coach(parse="all", level="picky").warm()
        t_full, reps_full = timed(lambda: [r.to_dict() for r in full.check_many(texts, contexts=contexts)], 1)
        print(f"{'engine (parse every sentence)':<34} {len(texts) / t_full:>9.0f} {words / t_full:>10.0f} {t_full:>8.2f}")
        print(f"ratio candidates / full-parse speed: {t_full / t_fast:.1f}x")
        diff = [i for i, (a, b) in enumerate(zip(reps_fast, reps_full)) if a != b]
        print(f"identical findings on all {len(texts)} turns: {'yes' if not diff else 'NO'}")
        for i in diff[:10]:
            print("  differs:", texts[i][:100], [f["rule"] for f in reps_fast[i]["findings"]],
                  [f["rule"] for f in reps_full[i]["findings"]])
        n_find = sum(len(r["findings"]) for r in reps_fast)
        print(f"findings: {n_find} on {sum(1 for r in reps_fast if r['findings'])} turns")
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
