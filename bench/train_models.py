"""Remake the bundled wording models (PC221 defensive, PC311 blame, PC413 dismissive, PC611
impatience) and the learned customer-side signal of PC701 (PC7021) from their data.

    python bench/train_models.py            # writes rules/core/models/<category>.tsv and needs-ack.tsv
    python bench/train_models.py --check    # exit 1 if the shipped files are not what the data gives

Each is trained on the written sentences (tests/data/written/), every blind set already used up
as dev data (`read: dev` in its about.json; the fresh ones, `unread` or `aggregate`, stay out so
they can measure the models), the labelled real agent sentences of bench/wording_data.py
(gold-dev, replies-dev and the judged corpus findings) and 5,000 random unlabelled agent turns
(`wording_data.py --sample`); the corpus text is read from ../shared, never stored here. Each
writer is a group of its own, so the held-out figures are for writers the model never saw. The
bounds are stated once, here: the threshold is the lowest at which held-out precision reaches
`min_precision` in each labelled source, and at most `max_clean` of each source's clean
sentences (every sentence of the random turns) is flagged.
Real text cannot reach the 0.9 the written set does; blame has only a few dozen real examples.

The signal model (signal_model()) reads customer messages, not agent sentences: the message
before each labelled agent turn of the written transcripts, the dev blind sets' transcripts and
the real gold-dev and replies-dev turns. A message called for an acknowledgment when the turn is
labelled a missed acknowledgment or the reply acknowledges it (by PC701's own test). Its
threshold is the lowest at which PC701 itself, with the model beside the listed signals, keeps
its precision on held-out writers and conversations (SIGNAL_BOUND, in each source).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from pathlib import Path

from phrasecoach.kinds.training import read_rows, train

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import quality  # noqa: E402
import wording_data  # noqa: E402

DATA = ROOT / "tests" / "data"
WRITTEN = DATA / "written" / "sentences.jsonl"
MODELS = ROOT / "rules" / "core" / "models"
# min_precision binds in every source, real turns included: impatience has two dozen real
# examples to hold it to, and no threshold reaches 0.7 on them (its rule is preview for that).
# Defensive's real sentences include 683 mined near its threshold in two rounds (mostly hard
# negatives: the company's voice, "we strive to"), on which held-out precision levels off at
# 0.62-0.64 between 0.45 and 0.65, and 2.5 % of the clean ones are flagged at 0.55; 0.7 is reached
# only at 0.90 (9 real sentences flagged). These figures are ungated: PC221 fires only in reply to
# a complaint (its `requires:`), and its own precision is judged on fresh findings (docs/quality.md).
RECIPES = {
    "defensive": {"min_precision": 0.6, "max_clean": 0.03},
    "blame": {"min_precision": 0.7, "max_clean": 0.005},
    "dismissive": {"min_precision": 0.8, "max_clean": 0.005},
    "impatience": {"min_precision": 0.5, "max_clean": 0.005},
}


SAMPLE = 5000  # random unlabelled real turns: the share of them a model flags is bounded too


def dev_blind_sets() -> list[Path]:
    """The blind sets whose items have been read (`read: dev`): training data from then on, in
    the order written (bench/quality.py reads their about.json and checks the read states)."""
    return [path.parent for path, _, read in quality.BLIND.values() if read == "dev"]


def guide_rows(leave_out: frozenset[str] = frozenset()) -> list[dict]:
    """The sentences written from the guide: the written set and the dev blind sets (but those
    named in `leave_out`), one source ("written") whose groups are the writers (a blind set's `a-`
    is not the written set's `a-`)."""
    rows = read_rows([str(WRITTEN)])
    for d in dev_blind_sets():
        if d.name in leave_out:
            continue
        for r in read_rows([str(d / "sentences.jsonl")]):
            writer, _, rest = r["id"].rpartition("-")  # "a-s0001"; the first sets had one writer: "b0001"
            r["id"] = f"{d.name.replace('-', '')}{writer}-{rest}"  # "blind9a-s0001": writer a of blind-9
            rows.append(r)
    for r in rows:
        r["_source"] = "written"
    return rows


def training_rows(workdir: Path) -> list[dict]:
    """Every row the models learn from: the guide's sentences, the labelled real ones and the
    random real turns (the last two written to `workdir` first, as `phrasecoach rules train` reads them)."""
    real = workdir / "real-labelled.jsonl"
    sample = workdir / "corpus-sample.jsonl"
    wording_data.main(["--out", str(real)])
    wording_data.main(["--sample", str(SAMPLE), "--out", str(sample)])
    return guide_rows() + read_rows([str(real), str(sample)])


def build(category: str, rows: list[dict]):
    """The model `category` trained from `rows` (training_rows())."""
    return train(rows, category, **RECIPES[category])


# ---- the learned signal of PC701 ----------------------------------------------------------
SIGNAL_RULE = "PC7021"
SIGNAL_MODEL = MODELS / "needs-ack.tsv"
# PC701's held-out precision with the model beside the listed signals, in each source (written
# transcripts; real turns): the lowest threshold (in steps of 0.05) that keeps both at or above
# it is the model's. The listed signals alone give 0.97 and 0.89 (the real figure tuned on).
SIGNAL_BOUND = 0.8
REAL_TURNS = (("gold-dev", "dev.jsonl"), ("replies-dev", "replies-dev.jsonl"))


def _transcript_items(path: Path) -> list[tuple[str, list[dict], dict[int, bool]]]:
    from phrasecoach.goldset import transcript_labels

    rows = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
    return [(r["id"], r["turns"], transcript_labels(r)) for r in rows]


def signal_rows() -> list[dict]:
    """One row per labelled agent turn with a customer message before it: {text (the message),
    positive, missed, acks (the reply acknowledges), signals (a listed signal fired), group, source}."""
    from phrasecoach import Coach
    from phrasecoach.conversation import ConversationRules
    from phrasecoach.goldset import missed_ack_items
    from phrasecoach.text import customer_context

    coach = Coach(level="picky", ignore=[SIGNAL_RULE])  # the listed signals, without the model
    rules = ConversationRules.of(coach)
    pc701 = next(r for r in rules.rules if r.rule.id == "PC701")
    listed = {s.id for s in pc701.signals}
    sources: list[tuple[str, str, list]] = []  # (source, group prefix, items)
    for path in [DATA / "written" / "transcripts.jsonl"] + [d / "transcripts.jsonl" for d in dev_blind_sets()]:
        prefix = "" if path.parent.name == "written" else path.parent.name.replace("-", "")
        sources.append(("written", prefix, _transcript_items(path)))
    for name, file in REAL_TURNS:
        items = missed_ack_items(wording_data.GOLD / file, wording_data.CORPUS)
        sources.append(("real", name, [("", turns, labels) for turns, labels in items]))
    out = []
    for source, prefix, items in sources:
        for rid, turns, labels in items:
            for i, missed in sorted(labels.items()):
                ctx = customer_context(turns, i)
                if not ctx.strip():
                    continue
                agent = turns[i]["text"]
                acks = pc701.acknowledges(agent, coach.check(agent, context=ctx), ctx)
                # written: a writer is a group; real: five groups of conversations, by the message's hash
                group = (f"{prefix}{rid.split('-')[0]}" if source == "written"
                         else f"{prefix}{zlib.crc32(ctx.encode('utf-8')) % 5}")
                out.append({"text": ctx, "positive": bool(missed or acks), "missed": bool(missed), "acks": acks,
                            "signals": any(h.rule in listed for h in rules.find(ctx)),
                            "group": group, "source": source})
    return out


def signal_min_words() -> int:
    """The rule's own `min_words` (rules/core/conversation.yaml): a sentence needs more words."""
    from phrasecoach.kinds.wording import WordingOptions
    from phrasecoach.packs.loader import bundled_packs_dir, load_rule_file

    (spec,) = [r.spec for r in load_rule_file(bundled_packs_dir() / "core" / "conversation.yaml", "core", True)
               if r.spec.id == SIGNAL_RULE]
    return WordingOptions(**spec.match.options).min_words


def message_score(model, text: str, min_words: int) -> float:
    """The model's highest probability over the message's sentences, as the rule reads it."""
    from phrasecoach.kinds.wording import sentence_words
    from phrasecoach.text import sentence_spans

    best = 0.0
    for s, e in sentence_spans(text) or [(0, len(text))]:
        ws = sentence_words(text[s:e])
        if len(ws) > min_words:
            best = max(best, model.probability_words(ws))
    return best


def signal_model(rows: list[dict]):
    """The PC7021 model: trained on whole messages, scored per sentence; threshold by SIGNAL_BOUND."""
    from phrasecoach.kinds import wording

    examples = [wording.Example(r["text"], r["positive"], r["group"], source=r["source"]) for r in rows]
    fold = wording.fold_of(sorted({e.group for e in examples}), 10)
    min_words = signal_min_words()
    scores = [0.0] * len(rows)
    for k in sorted(set(fold.values())):
        model = wording.fit([e for e in examples if fold[e.group] != k], "missed-acknowledgment")
        for i, e in enumerate(examples):
            if fold[e.group] == k:
                scores[i] = message_score(model, e.text, min_words)
    chosen, figs = 0.95, {}
    for k in range(2, 20):
        th, figs = k / 20, {}
        for src in sorted({r["source"] for r in rows}):
            tp = fp = fn = 0
            for r, sc in zip(rows, scores):
                if r["source"] != src:
                    continue
                flagged = (r["signals"] or sc >= th) and not r["acks"]
                tp += flagged and r["missed"]
                fp += flagged and not r["missed"]
                fn += r["missed"] and not flagged
            figs[src] = {"PC701 precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, tp + fn), 3)}
        if all(f["PC701 precision"] >= SIGNAL_BOUND for f in figs.values()):
            chosen = th
            break
    model = wording.fit(examples, "missed-acknowledgment")
    model.threshold = chosen
    model.meta = {"messages": f"{len(examples)} ({sum(e.positive for e in examples)} called for an acknowledgment)",
                  "groups": f"{len(fold)} in 10 folds (each fold held out in turn to choose the threshold)",
                  "bound": f"PC701 precision >= {SIGNAL_BOUND} with the model beside its listed signals, in each source"}
    for src, f in figs.items():
        model.meta[f"held out, {src}"] = ", ".join(f"{k} {v}" for k, v in f.items())
    model.meta["n-grams"] = str(len(model.weights))
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    args = ap.parse_args(argv)
    if not wording_data.CORPUS.is_file():
        print(f"{wording_data.CORPUS} is absent: the real sentences are read from it", file=sys.stderr)
        return 2
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        rows = training_rows(Path(tmp))
        for cat in RECIPES:
            model = build(cat, rows)
            path = MODELS / f"{cat}.tsv"
            if args.check:
                if not path.is_file() or path.read_text("utf-8") != model.dump():
                    stale.append(cat)
            else:
                path.write_text(model.dump(), "utf-8")
                print(f"{cat}: threshold {model.threshold:.2f}, {len(model.weights)} n-grams -> {path.relative_to(ROOT)}")
    model = signal_model(signal_rows())
    if args.check:
        if not SIGNAL_MODEL.is_file() or SIGNAL_MODEL.read_text("utf-8") != model.dump():
            stale.append(SIGNAL_MODEL.stem)
    else:
        SIGNAL_MODEL.write_text(model.dump(), "utf-8")
        print(f"{SIGNAL_RULE} signal: threshold {model.threshold:.2f}, {len(model.weights)} n-grams "
              f"-> {SIGNAL_MODEL.relative_to(ROOT)}")
    if stale:
        print(f"stale: {', '.join(stale)} (remake with python bench/train_models.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
