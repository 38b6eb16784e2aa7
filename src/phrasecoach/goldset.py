"""Measuring rules on labelled text: the gold sets of real agent turns, and sentence sets.

Stated once here, used by `bench/quality.py` and the tests that hold rule levels to their bar
(`phrasecoach.levels`). Offsets in the gold files point into the corpus text, which is read from
`../shared/corpus/transcripts.jsonl`; the repo never holds the text itself.

A finding is **right** when it overlaps a `clear` gold span of its category (strengths: any gold
strength span), **borderline** when it overlaps only a `borderline` one, and **wrong** otherwise.
Precision counts borderline as wrong (strict), as the QA review did.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .levels import clears_bar, wilson
from .text import customer_context

CATEGORIES = ("command", "defensive", "blame", "dismissive", "jargon", "impatience")


@dataclass
class Turn:
    key: str
    text: str
    context: str | None
    problems: list[dict]
    strengths: list[dict]
    source: str = ""


@dataclass
class Tally:
    """Per rule (or category): findings judged right, borderline and wrong; gold spans found."""

    right: Counter = field(default_factory=Counter)
    borderline: Counter = field(default_factory=Counter)
    wrong: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)      # clear gold spans per category
    found: Counter = field(default_factory=Counter)     # of those, overlapped by a finding of it

    def findings(self, key: str) -> int:
        return self.right[key] + self.borderline[key] + self.wrong[key]

    def precision(self, key: str) -> tuple[float, float, float, int]:
        n = self.findings(key)
        lo, hi = wilson(self.right[key], n)
        return (self.right[key] / n if n else float("nan")), lo, hi, n

    def recall(self, cat: str) -> tuple[float, int]:
        g = self.gold[cat]
        return (self.found[cat] / g if g else float("nan")), g


def text_digest(text: str) -> str:
    """A short fingerprint of a turn, stored beside its labels, so a changed corpus is noticed."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def read_conversations(corpus: Path, ids: set[str]) -> dict[str, dict]:
    """The corpus conversations with these ids, by id, in one pass over the JSONL file."""
    convs = {}
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            if c["id"] in ids:
                convs[c["id"]] = c
    return convs


def load_gold(path: Path, corpus: Path) -> list[Turn]:
    """Gold rows joined with their corpus text; a changed corpus turn is an error, not a guess."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    want = {r["id"] for r in rows}
    convs = read_conversations(corpus, want)
    out = []
    for r in rows:
        turns = convs[r["id"]]["turns"]
        text = turns[r["turn"]]["text"]
        if text_digest(text) != r["digest"]:
            raise ValueError(f"{path}: {r['id']}:{r['turn']} no longer matches the corpus text")
        out.append(Turn(key=f"{r['id']}:{r['turn']}", text=text,
                        context=customer_context(turns, r["turn"]) or None,
                        problems=r["problems"], strengths=r["strengths"], source=r.get("source", "")))
    return out


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def judge(turn: Turn, report) -> list[tuple[str, str, str, int, int]]:
    """(rule, category, verdict, start, end) for every finding and strength of a report."""
    out = []
    for f in report.findings:
        spans = [p for p in turn.problems if p["category"] == f.category
                 and _overlaps(f.start, f.end, p["start"], p["end"])]
        verdict = ("right" if any(p["clarity"] == "clear" for p in spans)
                   else "borderline" if spans else "wrong")
        out.append((f.rule, f.category, verdict, f.start, f.end))
    for s in report.strengths:
        hit = any(_overlaps(s.start, s.end, g["start"], g["end"]) for g in turn.strengths)
        out.append((s.rule, "empathy", "right" if hit else "wrong", s.start, s.end))
    return out


def evaluate(coach, turns: list[Turn], rule_level: dict[str, str] | None = None) -> dict[str, Tally]:
    """Tallies per rule and per category, for the whole run and for each level's rules."""
    by_rule, by_cat = Tally(), defaultdict(Tally)
    reports = coach.check_many([t.text for t in turns], contexts=[t.context for t in turns])
    levels = ("default", "picky", "preview")
    per_level = {lv: Tally() for lv in levels}
    for turn, rep in zip(turns, reports):
        verdicts = judge(turn, rep)
        for rule, cat, v, s, e in verdicts:
            getattr(by_rule, v)[rule] += 1
        for lv in levels:
            t = per_level[lv]
            keep = [x for x in verdicts
                    if rule_level is None or levels.index(rule_level.get(x[0], "default")) <= levels.index(lv)]
            for rule, cat, v, s, e in keep:
                getattr(t, v)[cat] += 1
            for p in turn.problems:
                if p["clarity"] != "clear":
                    continue
                t.gold[p["category"]] += 1
                if any(c == p["category"] and _overlaps(s, e, p["start"], p["end"]) for _, c, _, s, e in keep):
                    t.found[p["category"]] += 1
            if turn.strengths:
                t.gold["empathy"] += len(turn.strengths)
                t.found["empathy"] += sum(
                    1 for g in turn.strengths
                    if any(c == "empathy" and _overlaps(s, e, g["start"], g["end"]) for _, c, _, s, e in keep))
    return {"rules": by_rule, **per_level}


def judged_files(gold: Path) -> list[Path]:
    """Every file of hand-judged corpus findings in the gold folder: judged-dev.jsonl (drawn
    first, tuned on), judged.jsonl (a fresh draw after that), judged-pc701.jsonl (missed
    acknowledgment per agent turn), judged-2026-11-28b.jsonl (PC502, PC204, PC210 after the
    recall work) and any later draw named judged*.jsonl (bench/review.py)."""
    return sorted(Path(gold).glob("judged*.jsonl"))


def _judged_rows(files) -> list[dict]:
    """Every JSON line of the files of hand-judged rows (ids, offsets, verdicts) that exist."""
    return [json.loads(x) for f in files if Path(f).is_file()
            for x in Path(f).read_text("utf-8").splitlines() if x.strip()]


def _judged_reports(coach, convs: dict[str, dict], rows: list[dict]) -> dict[tuple[str, int], object]:
    """The coach's report on each judged agent turn, checked with the customer's message before it."""
    keys = sorted({(r["id"], r["turn"]) for r in rows})
    texts = [convs[i]["turns"][k]["text"] for i, k in keys]
    ctxs = [customer_context(convs[i]["turns"], k) or None for i, k in keys]
    return dict(zip(keys, coach.check_many(texts, contexts=ctxs)))


def judged_tally(coach, files, corpus: Path) -> Tally:
    """Per rule: the hand-judged corpus findings (files of {id, turn, rule, start, end, verdict})
    that the rule still produces; a finding the rules no longer make is not counted. A
    conversation rule (PC701) is judged per agent turn, whatever its row's offsets."""
    t = Tally()
    rows = _judged_rows(files)
    if not rows:
        return t
    convs = read_conversations(corpus, {r["id"] for r in rows})
    conv_rules = {r.id for r in coach.rules if r.kind == "conversation"}
    found = _conversation_found(coach, convs, [r for r in rows if r["rule"] in conv_rules])
    for key, rep in _judged_reports(coach, convs, [r for r in rows if r["rule"] not in conv_rules]).items():
        found |= {(*key, f.rule, f.start, f.end) for f in (*rep.findings, *rep.strengths)}
    for r in rows:
        at = (0, 0) if r["rule"] in conv_rules else (r["start"], r["end"])
        if (r["id"], r["turn"], r["rule"], *at) in found:
            getattr(t, r["verdict"])[r["rule"]] += 1
    return t


def _conversation_found(coach, convs: dict[str, dict], rows: list[dict]) -> set[tuple]:
    """A conversation rule (PC701) is judged per agent turn: (id, turn, rule, 0, 0) for each
    judged turn where scoring the conversation up to that turn still deducts for the rule."""
    from .errors import PhrasecoachError

    found = set()
    for cid, turn in sorted({(r["id"], r["turn"]) for r in rows}):
        turns = [{"speaker": t["speaker"], "text": t["text"]} for t in convs[cid]["turns"][:turn + 1]]
        try:
            res = coach.score_conversation(turns)
        except PhrasecoachError:
            continue
        found |= {(cid, turn, d.rule, 0, 0) for d in res.deductions if d.turn == turn}
    return found


def safe_tally(coach, files, corpus: Path) -> Tally:
    """Per rule: hand-judged safe rewrites (files of {id, turn, rule, start, end, replacement,
    verdict: good|not-good}) that the rules still offer as safe, word for word: good ones count
    as right. A rewrite no longer offered, or no longer safe, is not counted."""
    t = Tally()
    rows = _judged_rows(files)
    if not rows:
        return t
    convs = read_conversations(corpus, {r["id"] for r in rows})
    offered = {(*key, f.rule, f.start, f.end, sug.replacement)
               for key, rep in _judged_reports(coach, convs, rows).items()
               for f in rep.findings for sug in f.suggestions if sug.applicability.value == "safe"}
    for r in rows:
        if (r["id"], r["turn"], r["rule"], r["start"], r["end"], r["replacement"]) in offered:
            (t.right if r["verdict"] == "good" else t.wrong)[r["rule"]] += 1
    return t


def rule_table(coach, dev: Tally, judged: Tally) -> dict[str, dict]:
    """Per rule: gold-dev findings plus judged corpus findings, with the 95 % interval.
    Customer-side signal rules make no finding of their own (their conversation rule's figure
    stands for them) and are left out."""
    out = {}
    for r in sorted(coach.rules, key=lambda r: r.id):
        if r.spec.speaker == "customer":
            continue
        right = dev.right[r.id] + judged.right[r.id]
        n = dev.findings(r.id) + judged.findings(r.id)
        sets = [name for name, tally in (("gold-dev", dev), ("judged corpus findings", judged))
                if tally.findings(r.id)]
        lo, hi = wilson(right, n)
        out[r.id] = {"findings": n, "correct": right, "precision": round(right / n, 3) if n else None,
                     "low": round(lo, 3), "high": round(hi, 3), "set": " + ".join(sets) or "none",
                     "level": r.spec.level, "clears_bar": clears_bar(right, n)}
    return out


def transcript_labels(row: dict) -> dict[int, bool]:
    """{agent turn index: missed acknowledgment?} of a written transcript ({turns, missed})."""
    missed = set(row["missed"])
    return {i: i in missed for i, t in enumerate(row["turns"]) if t["speaker"] == "agent"}


def missed_ack_items(path: Path, corpus: Path) -> list[tuple[list[dict], dict[int, bool]]]:
    """(conversation turns, {labelled agent turn: missed acknowledgment?}) per gold row."""
    rows = [json.loads(x) for x in Path(path).read_text("utf-8").splitlines() if x.strip()]
    want = {r["id"] for r in rows}
    convs = read_conversations(corpus, want)
    return [(convs[r["id"]]["turns"], {r["turn"]: r["missed_acknowledgment"]}) for r in rows]


def conversation_tally(coach, items, into: Tally | None = None) -> Tally:
    """Per conversation rule (PC701): its findings on labelled agent turns, right when the turn
    is labelled a missed acknowledgment (the gold sets label that per turn, not per span)."""
    from .errors import PhrasecoachError

    t = into if into is not None else Tally()
    for turns, labels in items:
        try:
            res = coach.score_conversation([{"speaker": x["speaker"], "text": x["text"]}
                                            for x in turns[:max(labels) + 1]])
        except PhrasecoachError:
            continue
        for d in res.deductions:
            if d.category == "missed-acknowledgment" and d.turn in labels:
                getattr(t, "right" if labels[d.turn] else "wrong")[d.rule] += 1
    return t


def missed_ack_tally(coach, items, mistakes: list | None = None) -> Counter:
    """PC701 against labels: items are (turns as {speaker, text}, {agent turn index: missed?}).
    Each conversation is scored up to its last labelled turn; returns tp, fp, fn, tn. A list
    given as `mistakes` receives ("FP" | "FN", turns, agent turn index) for dev sets' error lists."""
    from .errors import PhrasecoachError

    out = Counter()
    for turns, labels in items:
        last = max(labels)
        try:
            res = coach.score_conversation([{"speaker": t["speaker"], "text": t["text"]}
                                            for t in turns[:last + 1]])
        except PhrasecoachError:
            out["skipped"] += 1
            continue
        flagged = {d.turn for d in res.deductions if d.rule == "PC701"}
        for i, missed in labels.items():
            hit = i in flagged
            out["tp" if hit and missed else "fp" if hit else "fn" if missed else "tn"] += 1
            if mistakes is not None and hit != missed:
                mistakes.append(("FP" if hit else "FN", turns, i))
    return out
