"""A category's wording, learned: a linear model over word n-grams, kept as data beside the pack.

Pattern rules reach the wordings someone wrote down; people who never read them say the same
thing in ways no list holds (a defensive reply has endless forms). This kind scores a sentence
by the weights of the word n-grams it holds, learned from labelled sentences
(`phrasecoach rules train`), and flags it when the probability clears the rule's threshold. The
weights are a plain TSV file in the pack (one n-gram and its weight a line), so a team can read
them, retrain them on its own labelled sentences, or turn the rule off like any other.

Scoring is a few dictionary lookups per word: no parse, linear in the sentence's length.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from pydantic import Field

from ..errors import DetectorError, PackLimitError
from ..text import quote_spans
from .base import Detector, DetectorContext, DetectorOptions, Match

_WORD = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
START = "^"  # the first word's left neighbour: "^ as" is "As" opening the sentence
MAX_MODEL_BYTES = 10_000_000  # a team pack's model file (the bundled ones have under 500 KB)


def words(sentence: str) -> list[str]:
    """Lower case, apostrophes dropped ("don't" and "dont" are one word), digits as 0."""
    low = sentence.lower()
    if "'" in low:
        low = low.replace("'", "")
    if "\u2019" in low:
        low = low.replace("\u2019", "")
    ws = _WORD.findall(_DIGITS.sub("0", low))
    ws.insert(0, START)
    return ws


def unquoted(sentence: str) -> str:
    """The sentence with quoted words cut out: they are someone else's ("you wrote 'not our
    fault'"), and the model judges the agent's own wording."""
    spans = quote_spans(sentence)
    if not spans:
        return sentence
    out, last = [], 0
    for s, e in spans:
        out.append(sentence[last:s])
        last = e
    out.append(sentence[last:])
    return " ".join(p.strip() for p in out if p.strip())


def sentence_words(sentence: str) -> list[str]:
    """The words a model scores a sentence by: its own, the quoted ones cut out (unquoted())."""
    return words(unquoted(sentence))


def ngrams(sentence: str) -> list[str]:
    """Every n-gram of the sentence, space-joined as the model file writes them, once per
    occurrence (a sentence is scored by the sum over its n-grams, repeats counted)."""
    ws = words(sentence)
    b, c = ws[1:], ws[2:]
    return [*b, *map(" ".join, zip(ws, b)), *map(" ".join, zip(ws, b, c))]


@dataclass
class WordingModel:
    """Weights of n-grams; P(category | sentence) = sigmoid(bias + sum of the weights present)."""

    category: str
    bias: float
    weights: dict[str, float]
    threshold: float  # the probability from which a sentence is flagged (chosen at training)
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        # the weights split by n, keyed as zip() gives them: scoring is three C-level map()s
        self._by_n: tuple[dict, dict, dict] = ({}, {}, {})
        # per word, the most that the n-grams starting at one place holding it can add: the
        # sum of a sentence's is an upper bound of its score, cheap to take (bound())
        best: dict[str, list[float]] = {}
        for g, w in self.weights.items():
            parts = g.split(" ")
            self._by_n[len(parts) - 1][parts[0] if len(parts) == 1 else tuple(parts)] = w
            if w > 0:
                slot = best.setdefault(parts[0], [0.0, 0.0, 0.0])
                slot[len(parts) - 1] = max(slot[len(parts) - 1], w)
        self._most = {word: sum(v) for word, v in best.items()}

    def bound(self, ws: list[str]) -> float:
        """An upper bound of the logit of the sentence of words `ws`: at each place at most one
        unigram, bigram and trigram start, each adding at most its word's best weight."""
        return self.bias + sum(filter(None, map(self._most.get, ws)))

    def logit_words(self, ws: list[str]) -> float:
        uni, bi, tri = self._by_n
        b = ws[1:]
        return (self.bias + sum(filter(None, map(uni.get, b))) + sum(filter(None, map(bi.get, zip(ws, b))))
                + sum(filter(None, map(tri.get, zip(ws, b, ws[2:])))))

    def logit(self, sentence: str) -> float:
        return self.logit_words(words(sentence))

    def probability(self, sentence: str) -> float:
        return self.probability_words(words(sentence))

    def probability_words(self, ws: list[str]) -> float:
        z = self.logit_words(ws)
        return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0

    # ---- the file ------------------------------------------------------------------
    def dump(self) -> str:
        head = [f"# phrasecoach wording model: {self.category}",
                *(f"# {k}: {v}" for k, v in self.meta.items()),
                f"@category\t{self.category}", f"@bias\t{self.bias:.6f}", f"@threshold\t{self.threshold:.3f}"]
        body = [f"{g}\t{w:.6f}" for g, w in sorted(self.weights.items(), key=lambda x: (-abs(x[1]), x[0]))]
        return "\n".join(head + body) + "\n"

    @classmethod
    def parse(cls, text: str, where: str) -> "WordingModel":
        head: dict[str, str] = {}
        weights: dict[str, float] = {}
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, value = line.partition("\t")
            try:
                if not sep:
                    raise ValueError("no tab")
                if key.startswith("@"):
                    head[key[1:]] = value
                else:
                    weights[key] = float(value)
            except ValueError:
                raise DetectorError(f"bad line in wording model: {line[:60]!r}", where=f"{where}:{n}",
                                    hint="each line is an n-gram, a tab and a weight; "
                                         "remake the file with `phrasecoach rules train`") from None
        missing = [k for k in ("category", "bias", "threshold") if k not in head]
        if missing:
            raise DetectorError(f"wording model lacks @{missing[0]}", where=where,
                                hint="remake the file with `phrasecoach rules train`")
        return cls(category=head["category"], bias=float(head["bias"]), weights=weights,
                   threshold=float(head["threshold"]))


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> WordingModel:
    return WordingModel.parse(Path(path).read_text("utf-8"), path)


def load_model(path: Path) -> WordingModel:
    if not path.is_file():
        raise DetectorError(f"wording model file not found: {path}", where=str(path),
                            hint="`file:` is relative to the pack folder; make one with `phrasecoach rules train`")
    return _load(str(path), path.stat().st_mtime)


class WordingOptions(DetectorOptions):
    file: str = Field(description="The model's TSV file, relative to the pack folder.")
    threshold: float | None = Field(default=None, gt=0, lt=1,
                                    description="Flag from this probability (default: the file's).")
    min_words: int = Field(default=3, ge=1, description="Shorter sentences are left alone.")


class WordingModelDetector(Detector):
    """Flags a sentence whose learned wording score clears the threshold (lexical, no parse)."""

    name = "wording-model"
    Options = WordingOptions

    def __init__(self, options: WordingOptions, ctx: DetectorContext):
        super().__init__(options, ctx)
        if ctx.folder is None:
            raise ValueError("a wording model is read from a pack folder")
        path = ctx.folder / options.file
        real = path.resolve()
        if not real.is_relative_to(ctx.folder.resolve()):
            raise PackLimitError(f"wording model `{options.file}` leads outside the pack folder (to {real})",
                                 where=str(ctx.folder),
                                 hint="copy the model into the pack folder; a pack reads only files inside it")
        if path.is_file() and path.stat().st_size > MAX_MODEL_BYTES:
            raise PackLimitError(f"wording model `{options.file}` has over {MAX_MODEL_BYTES:,} bytes",
                                 where=str(path), hint="train it with a higher min count, or keep fewer n-grams")
        self.model = load_model(path)
        p = options.threshold if options.threshold is not None else self.model.threshold
        self._cut = math.log(p / (1 - p))  # compare logits: no exp per sentence
        self._min = options.min_words

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        ws = sentence_words(text[start:end])
        model = self.model
        # most sentences cannot reach the threshold by their words' best weights: no n-grams made
        if len(ws) <= self._min or model.bound(ws) < self._cut or model.logit_words(ws) < self._cut:
            return []
        return [Match(start, end)]


# ---- training -------------------------------------------------------------------------
@dataclass
class Example:
    text: str
    positive: bool
    group: str = ""  # cross-validation keeps a group (a writer, a batch) out of its own training
    clean: bool = False  # no problem of any category in the sentence
    source: str = ""  # the data file it came from (choose_threshold holds each to the bounds)


def _design(examples: list[Example], vocab: dict[str, int]):
    import numpy as np

    rows = [[vocab[g] for g in ngrams(e.text) if g in vocab] for e in examples]
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    indices = np.array([i for r in rows for i in r], dtype=np.int64)
    return indices, lengths


def _fit(indices, lengths, y, n_features: int, l2: float, epochs: int):
    """L2-regularised logistic regression by full-batch Adam on the sparse design of counts."""
    import numpy as np

    row_of = np.repeat(np.arange(len(lengths)), lengths)
    w = np.zeros(n_features)
    b = 0.0
    m = np.zeros(n_features + 1)
    v = np.zeros(n_features + 1)
    lr, b1, b2 = 0.05, 0.9, 0.999
    n = len(y)
    for t in range(1, epochs + 1):
        z = np.bincount(row_of, weights=w[indices], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-z))
        r = (p - y) / n
        g = np.append(np.bincount(indices, weights=r[row_of], minlength=n_features) + l2 * w, r.sum())
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step = lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
        w -= step[:-1]
        b -= step[-1]
    return w, b


def _vocab(examples: list[Example], min_count: int) -> dict[str, int]:
    counts = Counter(g for e in examples for g in ngrams(e.text))
    return {g: i for i, g in enumerate(sorted(g for g, c in counts.items() if c >= min_count))}


def fit(examples: list[Example], category: str, *, l2: float = 1e-3, epochs: int = 300,
        min_count: int = 2, keep: float = 0.01) -> WordingModel:
    """Learn the weights; n-grams seen fewer than `min_count` times, or weighing under `keep`,
    are left out of the model."""
    import numpy as np

    vocab = _vocab(examples, min_count)
    indices, lengths = _design(examples, vocab)
    y = np.array([e.positive for e in examples], dtype=float)
    w, b = _fit(indices, lengths, y, len(vocab), l2, epochs)
    weights = {g: float(w[i]) for g, i in vocab.items() if abs(w[i]) >= keep}
    return WordingModel(category=category, bias=float(b), weights=weights, threshold=0.5)


def fold_of(groups: list[str], folds: int) -> dict[str, int]:
    """Groups dealt round the folds in name order: a writer is never split across folds."""
    return {g: i % folds for i, g in enumerate(sorted(groups))}


def cross_scores(examples: list[Example], category: str, folds: int = 10, **kw) -> list[float]:
    """Each example's probability from a model trained without its group: the groups (writers,
    batches) are dealt into at most `folds` folds and each fold is held out in turn, so training
    costs `folds` fits however many writers the data has."""
    fold = fold_of(list({e.group for e in examples}), folds)
    out = [0.0] * len(examples)
    for k in sorted(set(fold.values())):
        train = [e for e in examples if fold[e.group] != k]
        model = fit(train, category, **kw)
        for i, e in enumerate(examples):
            if fold[e.group] == k:
                out[i] = model.probability(e.text)
    return out


def choose_threshold(examples: list[Example], scores: list[float], *, min_precision: float,
                     max_clean_rate: float) -> tuple[float, dict[str, dict]]:
    """The lowest threshold (in steps of 0.05) at which, in every source (data file) on its own,
    the out-of-group precision reaches `min_precision` and the share of clean sentences flagged
    stays within `max_clean_rate` (a source without positives, such as a sample of real turns
    nobody labelled, is held to the second bound only); with each source's figures there. Per source, because
    sentences written to a guide and real agent turns differ: a threshold that holds on one can
    fail on the other, and the pooled figure would hide it."""
    by_source: dict[str, list[tuple[Example, float]]] = {}
    for e, s in zip(examples, scores):
        by_source.setdefault(e.source, []).append((e, s))
    totals = {src: (sum(e.positive for e, _ in pairs), max(1, sum(e.clean for e, _ in pairs)))
              for src, pairs in by_source.items()}
    for k in range(2, 20):
        th = k / 20
        figs = {}
        for src in sorted(by_source):
            pairs = by_source[src]
            n_pos, n_clean = totals[src]
            tp = sum(1 for e, s in pairs if s >= th and e.positive)
            fp = sum(1 for e, s in pairs if s >= th and not e.positive)
            fc = sum(1 for e, s in pairs if s >= th and e.clean)
            # unlabelled text (a sample of real turns) has no positives: only its flag rate counts
            figs[src] = {"clean_rate": round(fc / n_clean, 4), "flagged": tp + fp}
            if n_pos:
                figs[src] = {"precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
                             "recall": round(tp / n_pos, 3), **figs[src]}
        if all(f.get("precision", 1.0) >= min_precision and f["clean_rate"] <= max_clean_rate
               for f in figs.values()):
            return th, figs
    return 0.95, {}


def examples_from_labelled(rows: Iterable[dict], category: str, split) -> list[Example]:
    """Sentences of labelled items, as `split` (sentence spans) cuts them. An item is {id, text,
    labels: [{category, quote} or {category, start, end}, with `clarity: borderline` for a label
    annotators were unsure of]} (tests/data/written, bench/wording_data.py). A sentence is positive
    when a clear label of `category` overlaps it; one with only a borderline label of it is left
    out. An item with `judged: <category>` (a judged finding) speaks to that category alone."""
    out = []
    for r in rows:
        if r.get("judged") not in (None, category):
            continue
        text = r["text"]
        spans: dict[str, list[tuple[int, int]]] = {"pos": [], "unsure": [], "other": []}
        for lab in r.get("labels") or ():
            if "start" in lab:
                a, b = int(lab["start"]), int(lab["end"])
            else:
                a = text.find(lab.get("quote") or "\0")
                if a < 0:
                    continue
                b = a + len(lab["quote"])
            kind = ("other" if lab.get("category") != category
                    else "unsure" if lab.get("clarity") == "borderline" else "pos")
            spans[kind].append((a, b))
        group = str(r.get("id", "")).split("-")[0]
        for s, e in split(text):
            hit = {k: any(a < e and s < b for a, b in v) for k, v in spans.items()}
            if hit["unsure"] and not hit["pos"]:
                continue
            out.append(Example(unquoted(text[s:e]), hit["pos"], group, clean=not hit["pos"] and not hit["other"],
                               source=r.get("_source", "")))
    return out


DETECTORS = {WordingModelDetector.name: WordingModelDetector}

__all__ = ["DETECTORS", "WordingModel", "WordingModelDetector", "Example", "fit", "cross_scores",
           "choose_threshold", "examples_from_labelled", "fold_of", "load_model", "words", "sentence_words", "ngrams"]
