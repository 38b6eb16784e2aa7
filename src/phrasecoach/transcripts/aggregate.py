"""Aggregates over a scoring run, kept small whatever the input size.

Nothing here holds turns or texts beyond a few examples per rule. Scores are integers 0-100,
so every distribution (overall, per agent, per week) is a 101-bin histogram: exact means and
medians in constant memory. Phrase counts per rule are bounded (the most frequent few hundred
are kept; counts past that are approximate).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .model import ConversationResult
from .readers import BadRecord, Conversation
from .scoring import CATEGORIES

NO_AGENT = "(none)"
PHRASES_KEPT = 200
EXAMPLES_KEPT = 3


class Hist:
    """Distribution of integer scores 0..100."""

    __slots__ = ("bins", "n", "total")

    def __init__(self):
        self.bins = [0] * 101
        self.n = 0
        self.total = 0

    def add(self, score: int) -> None:
        self.bins[score] += 1
        self.n += 1
        self.total += score

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def quantile_rank(self, k: int) -> int:
        """The k-th smallest score (0-based)."""
        seen = 0
        for v, c in enumerate(self.bins):
            seen += c
            if seen > k:
                return v
        raise IndexError(k)

    @property
    def median(self) -> float | None:
        if not self.n:
            return None
        if self.n % 2:
            return float(self.quantile_rank(self.n // 2))
        return (self.quantile_rank(self.n // 2 - 1) + self.quantile_rank(self.n // 2)) / 2


class BoundedCounter(Counter):
    """A Counter that keeps its most frequent `limit` keys once it grows past twice that."""

    def __init__(self, limit: int = PHRASES_KEPT):
        super().__init__()
        self.limit = limit

    def __reduce__(self):  # Counter's would pass the counts as `limit`
        return (type(self), (self.limit,), None, None, iter(self.items()))

    def add(self, key: str) -> None:
        self[key] += 1
        if len(self) > 2 * self.limit:
            keep = dict(self.most_common(self.limit))
            self.clear()
            self.update(keep)


@dataclass
class GroupAgg:
    """Per agent or per week."""

    conversations: int = 0
    agent_turns: int = 0
    hist: Hist = field(default_factory=Hist)
    cats: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    strengths: int = 0
    signals: int = 0
    acknowledged: int = 0

    def add(self, s: dict) -> None:
        self.conversations += 1
        self.agent_turns += s["agent_turns"]
        self.hist.add(s["score"])
        self.cats.update({k: v for k, v in s["counts"].items() if v})
        self.rules.update(h[0] for h in s["hits"])
        self.strengths += s["strengths"]
        self.signals += s["signals"]
        self.acknowledged += s["acknowledged"]

    def per_100(self, n: int) -> float:
        return round(100 * n / self.agent_turns, 2) if self.agent_turns else 0.0

    @property
    def findings(self) -> int:
        return sum(self.cats.values())


@dataclass
class RuleAgg:
    rule: str
    name: str
    category: str
    severity: str
    findings: int = 0
    conversations: int = 0
    phrases: BoundedCounter = field(default_factory=BoundedCounter)
    examples: list[dict] = field(default_factory=list)


def _excerpt(text: str, start: int, end: int, before: int = 120, after: int = 160
             ) -> tuple[str, int, int]:
    """Text around [start, end) with ellipses, and the span's offsets in the excerpt."""
    a = max(0, start - before)
    b = min(len(text), end + after)
    lead = "…" if a else ""
    return (lead + text[a:b] + ("…" if b < len(text) else ""),
            start - a + len(lead), end - a + len(lead))


def summarize(conv: Conversation, res: ConversationResult) -> dict:
    """The few numbers and examples the aggregates need from one scored conversation."""
    hits = []
    # PC701's phrase is the customer's: the words that called for an acknowledgement; its
    # example shows them (the cue) above the agent's reply
    cue = {}
    for s in res.signals:
        if s.answered_by is not None and s.answered_by not in cue:
            cue[s.answered_by] = s
    for t in res.turns:
        text = t.report.text
        for f in t.report.findings:
            sig = cue.get(t.turn) if f.category == "missed-acknowledgment" else None
            phrase = sig.text if sig is not None else f.text
            ctx, cs, ce = _excerpt(text, f.start, f.end)
            said = None
            if sig is not None:
                said = (sig.turn, *_excerpt(conv.turns[sig.turn][1], sig.start, sig.end, 100, 100))
            hits.append((f.rule, f.name, f.category, f.severity.value, phrase, ctx, cs, ce, t.turn,
                         said))
    return {
        "id": res.id, "agent": res.agent, "score": res.score, "counts": res.counts,
        "strengths": res.strengths, "agent_turns": res.agent_turns,
        "customer_turns": res.customer_turns, "week": res.week,
        "signals": sum(1 for s in res.signals if s.answered_by is not None),
        "acknowledged": sum(1 for s in res.signals if s.acknowledged),
        "hits": hits,
    }


class Aggregator:
    def __init__(self):
        self.all = GroupAgg()
        self.customer_turns = 0
        self.agents: dict[str, GroupAgg] = {}
        self.weeks: dict[str, GroupAgg] = {}
        self.rules: dict[str, RuleAgg] = {}
        self.errors = Counter()
        self.error_examples: list[dict] = []
        self.files: dict[str, dict[str, int]] = {}

    def add(self, s: dict, file: str | None = None) -> None:
        self.all.add(s)
        self.customer_turns += s["customer_turns"]
        agent = s["agent"] or NO_AGENT
        self.agents.setdefault(agent, GroupAgg()).add(s)
        if s["week"]:
            self.weeks.setdefault(s["week"], GroupAgg()).add(s)
        seen = set()
        for rule, name, cat, sev, text, ctx, cs, ce, turn, said in s["hits"]:
            r = self.rules.get(rule)
            if r is None:
                r = self.rules[rule] = RuleAgg(rule, name, cat, sev)
            r.findings += 1
            if rule not in seen:
                r.conversations += 1
                seen.add(rule)
            phrase = " ".join(text.split())
            r.phrases.add(phrase if len(phrase) <= 80 else phrase[:79] + "…")
            if len(r.examples) < EXAMPLES_KEPT and all(e["phrase"] != text for e in r.examples):
                ex = {"conversation": s["id"], "turn": turn, "phrase": text,
                      "context": ctx, "start": cs, "end": ce}
                if said is not None:
                    ex["cue"] = dict(zip(("turn", "context", "start", "end"), said))
                r.examples.append(ex)
        if file is not None:
            self.files.setdefault(file, {"scored": 0, "skipped": 0})["scored"] += 1

    def add_error(self, bad: BadRecord) -> None:
        self.errors[bad.kind] += 1
        if len(self.error_examples) < 20:
            self.error_examples.append(bad.to_dict())
        self.files.setdefault(bad.file, {"scored": 0, "skipped": 0})["skipped"] += 1

    # ---- tables -----------------------------------------------------------------------
    def agent_rows(self) -> list[dict[str, Any]]:
        rows = []
        for agent, g in sorted(self.agents.items(), key=lambda kv: (-kv[1].conversations, kv[0])):
            rows.append(self._group_row({"agent": agent}, g))
        return rows

    def week_rows(self) -> list[dict[str, Any]]:
        return [self._group_row({"week": w}, g) for w, g in sorted(self.weeks.items())]

    def _group_row(self, head: dict, g: GroupAgg) -> dict[str, Any]:
        row = dict(head)
        row.update({
            "conversations": g.conversations,
            "agent_turns": g.agent_turns,
            "mean_score": round(g.hist.mean, 2) if g.hist.n else None,
            "median_score": g.hist.median,
            "findings": g.findings,
            "findings_per_100_turns": g.per_100(g.findings),
            "per_100_turns": {c: g.per_100(g.cats.get(c, 0)) for c in CATEGORIES},
            "empathy_per_100_turns": g.per_100(g.strengths),
            "signals": g.signals,
            "acknowledged": g.acknowledged,
            "acknowledgment_rate": round(g.acknowledged / g.signals, 3) if g.signals else None,
            "top_rules": [{"rule": r, "name": self.rules[r].name if r in self.rules else "",
                           "findings": n} for r, n in g.rules.most_common(3)],
        })
        return row

    def rule_rows(self) -> list[dict[str, Any]]:
        out = []
        total = self.all.findings or 1
        for r in sorted(self.rules.values(), key=lambda r: (-r.findings, r.rule)):
            out.append({
                "rule": r.rule, "name": r.name, "category": r.category, "severity": r.severity,
                "findings": r.findings, "conversations": r.conversations,
                "share": round(r.findings / total, 4),
                "per_100_turns": self.all.per_100(r.findings),
                "top_phrases": [{"text": p, "count": n} for p, n in r.phrases.most_common(5)],
                "examples": list(r.examples),
            })
        return out

    def category_rows(self) -> list[dict[str, Any]]:
        return [{"category": c, "findings": self.all.cats.get(c, 0),
                 "per_100_turns": self.all.per_100(self.all.cats.get(c, 0))} for c in CATEGORIES]

    def summary(self) -> dict[str, Any]:
        g = self.all
        return {
            "conversations": g.conversations,
            "skipped": sum(self.errors.values()),
            "skipped_by_kind": dict(self.errors),
            "agent_turns": g.agent_turns,
            "customer_turns": self.customer_turns,
            "mean_score": round(g.hist.mean, 2) if g.hist.n else None,
            "median_score": g.hist.median,
            "findings": g.findings,
            "findings_per_100_turns": g.per_100(g.findings),
            "by_category": {c: g.cats.get(c, 0) for c in CATEGORIES},
            "strengths": g.strengths,
            "signals": g.signals,
            "acknowledged": g.acknowledged,
            "acknowledgment_rate": round(g.acknowledged / g.signals, 3) if g.signals else None,
            "agents": len(self.agents),
            "weeks": len(self.weeks),
            "files": self.files,
        }
