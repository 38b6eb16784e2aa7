"""How far the learned wording models reach writers they never saw: leave one blind set out.

    python bench/wording_cv.py                                   # every model, every dev blind set
    python bench/wording_cv.py --categories blame --sets blind-13,blind-15

For each dev blind set in turn (`read: dev`, the sets bench/train_models.py trains on), a model
is trained as train_models.py trains it but without that set and the three sets after it; those
three choose its threshold (the lowest, in steps of 0.05, at which their precision reaches
--min-precision while at most --max-clean of the sentences of 5,000 other random real turns is
flagged). Refitted without the left-out set alone, it scores that set, and so do the rules at
picky and the two together. Pooled over the left-out sets, per text as bench/quality.py counts.
Guide-written text only: how the models do on real turns is what judged findings measure
(tests/data/gold/judged-learned-*.jsonl, docs/quality.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import train_models  # noqa: E402
import wording_data  # noqa: E402
from phrasecoach import Coach  # noqa: E402
from phrasecoach.kinds import wording  # noqa: E402
from phrasecoach.text import lexical_sentences  # noqa: E402

VALIDATION = 3  # sets held out beside the left-out one to choose the threshold


MIN_WORDS = wording.WordingOptions.model_fields["min_words"].default  # the detector's


def _probability(model: wording.WordingModel, sentence: str) -> float:
    """The sentence's probability as the detector scores it (0 for one too short to score)."""
    ws = wording.sentence_words(sentence)
    return model.probability_words(ws) if len(ws) > MIN_WORDS else 0.0


def _score(model: wording.WordingModel, text: str) -> float:
    """The text's highest sentence probability."""
    return max((_probability(model, text[s:e]) for s, e in lexical_sentences(text)), default=0.0)


def _threshold(val: list[tuple[float, bool]], calib: list[float], min_precision: float, max_clean: float) -> float:
    """wording.choose_threshold, with the validation texts held to the precision bound and the
    calibration sentences (random real turns, unlabelled) to the clean-rate bound."""
    examples = [wording.Example("", pos, source="validation") for _, pos in val]
    examples += [wording.Example("", False, clean=True, source="calibration") for _ in calib]
    th, _ = wording.choose_threshold(examples, [s for s, _ in val] + calib,
                                     min_precision=min_precision, max_clean_rate=max_clean)
    return th


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--categories", default=",".join(train_models.RECIPES), help="comma-separated")
    ap.add_argument("--sets", help="the dev blind sets to leave out in turn (default: every one)")
    ap.add_argument("--min-precision", type=float, default=0.9)
    ap.add_argument("--max-clean", type=float, default=0.005)
    args = ap.parse_args(argv)
    if not wording_data.CORPUS.is_file():
        print(f"{wording_data.CORPUS} is absent: the real sentences are read from it", file=sys.stderr)
        return 2
    names = [d.name for d in train_models.dev_blind_sets()]
    folds = args.sets.split(",") if args.sets else names
    unknown = [f for f in folds if f not in names]
    if unknown:
        print(f"not a dev blind set: {', '.join(unknown)} (one of {', '.join(names)})", file=sys.stderr)
        return 2
    drawn = wording_data.sample(2 * train_models.SAMPLE)  # the first half is train_models' own draw
    real = [{**r, "_source": "real-labelled.jsonl"} for r in wording_data.rows()]
    sample = [{**r, "_source": "corpus-sample.jsonl"} for r in drawn[:train_models.SAMPLE]]
    calib_sentences = [r["text"][s:e] for r in drawn[train_models.SAMPLE:]
                       for s, e in lexical_sentences(r["text"])]
    coach = Coach(level="picky")
    items = {}
    for n in set(folds) | {names[(names.index(f) + j) % len(names)] for f in folds for j in range(1, VALIDATION + 1)}:
        rows = [json.loads(x) for x in (train_models.DATA / n / "sentences.jsonl").read_text("utf-8").splitlines() if x.strip()]
        found = coach.check_many([r["text"] for r in rows], contexts=[r.get("context") for r in rows])
        items[n] = [(r["text"], {x["category"] for x in r.get("labels") or ()}, {f.category for f in rep.findings})
                    for r, rep in zip(rows, found)]
    print(f"left out in turn: {', '.join(folds)}; per text, pooled")
    print(f"{'category':11s} {'':13s} precision  recall    tp    fp    fn  clean flagged")
    for cat in args.categories.split(","):
        tally = {k: [0, 0, 0, 0] for k in ("rules", "model", "rules+model")}
        clean = 0
        for f in folds:
            i = names.index(f)
            val_sets = [names[(i + j) % len(names)] for j in range(1, VALIDATION + 1)]

            def fit(leave_out):
                rows = train_models.guide_rows(frozenset(leave_out)) + real + sample
                return wording.fit(wording.examples_from_labelled(rows, cat, lexical_sentences), cat)

            inner, model = fit([f, *val_sets]), fit([f])
            val = [(_score(inner, t), cat in gold) for n in val_sets for t, gold, _ in items[n]]
            th = _threshold(val, [_probability(model, s) for s in calib_sentences], args.min_precision, args.max_clean)
            for text, gold, rules in items[f]:
                clean += not gold
                by_model = _score(model, text) >= th
                for k, pred in (("rules", cat in rules), ("model", by_model), ("rules+model", cat in rules or by_model)):
                    t = tally[k]
                    if pred and cat in gold:
                        t[0] += 1
                    elif pred:
                        t[1] += 1
                    elif cat in gold:
                        t[2] += 1
                    t[3] += pred and not gold  # a clean text flagged
        for k, (tp, fp, fn, cf) in tally.items():
            print(f"{cat:11s} {k:13s} {tp / max(1, tp + fp):9.2f} {tp / max(1, tp + fn):7.2f} {tp:5d} {fp:5d} {fn:5d}"
                  f"  {cf}/{clean}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
