"""`phrasecoach rules train`: labelled sentences in, a wording model file out.

The threshold is not guessed: each writer's sentences are scored by a model trained without
them (the writers dealt into ten folds, each held out in turn), and the threshold is the lowest
at which those held-out scores reach the precision asked for. The file records the data and the
held-out figures, so a reader knows what the weights rest on.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import PhrasecoachError
from ..models import FINDING_CATEGORIES
from ..text import lexical_sentences
from . import wording


def read_rows(paths: list[str]) -> list[dict]:
    """Every item of the JSONL files, each marked with the file it came from (`_source`)."""
    rows = []
    for path in paths:
        try:
            lines = Path(path).read_text("utf-8").splitlines()
        except OSError as e:
            raise PhrasecoachError(f"cannot read {path}: {e.strerror}", hint="give JSONL files of labelled items")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                if not isinstance(r, dict) or not isinstance(r.get("text"), str):
                    raise ValueError("an item is an object with a `text` string")
                if not all(isinstance(x, dict) and x.get("category")
                           and (isinstance(x.get("quote"), str) or isinstance(x.get("start"), int))
                           for x in r.get("labels") or ()):
                    raise ValueError("each label is {category, quote} or {category, start, end}")
            except ValueError as e:
                raise PhrasecoachError(f"{path}:{n}: {e}",
                                       hint="each line is {id, text, labels: [{category, quote}]}") from None
            r["_source"] = Path(path).name
            rows.append(r)
    return rows


def train(rows: list[dict], category: str, *, min_precision: float = 0.9,
          max_clean: float = 0.005, folds: int = 10) -> wording.WordingModel:
    if category not in FINDING_CATEGORIES:
        raise PhrasecoachError(f"unknown category `{category}`", hint=f"one of {', '.join(FINDING_CATEGORIES)}")
    examples = wording.examples_from_labelled(rows, category, lexical_sentences)
    if not any(e.positive for e in examples):
        raise PhrasecoachError(f"no sentence is labelled `{category}`", hint="check --category and the labels")
    groups = sorted({e.group for e in examples})
    if len(groups) < 2:
        raise PhrasecoachError("cross-validation needs items of two writers at least",
                               hint="ids look like `a-s0001`: the part before '-' names the writer")
    scores = wording.cross_scores(examples, category, folds=folds)
    th, figs = wording.choose_threshold(examples, scores, min_precision=min_precision, max_clean_rate=max_clean)
    model = wording.fit(examples, category)
    model.threshold = th
    model.meta = {"sentences": f"{len(examples)} ({sum(e.positive for e in examples)} {category})",
                  "groups": f"{len(groups)} in {min(folds, len(groups))} folds (each fold held out in turn to choose the threshold)",
                  "bounds": f"precision >= {min_precision}, clean sentences flagged <= {max_clean}, in each file"}
    for src, f in figs.items() or {"-": {}}.items():
        model.meta[f"held out, {src}"] = (", ".join(f"{k} {v}" for k, v in f.items())
                                          or "no threshold met the bounds")
    model.meta["n-grams"] = str(len(model.weights))
    return model

