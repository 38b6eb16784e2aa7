"""Applying suggestions to text: non-overlapping edits, best first (ruff's fixer, for prose).

An edit replaces [start, end) of the text it was computed on. When two findings overlap, the
one that sorts first (higher rule priority, then severity, then earlier, then longer) wins
and the other waits for the next pass; `Coach.rewrite` re-checks and repeats until nothing
applicable is left, so the result converges.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Applicability, Edit, Finding


def choose_edits(findings: Iterable[Finding], applicability: Applicability,
                 priority: dict[str, int] | None = None) -> list[Edit]:
    """The edits to apply in one pass: at most one per finding, never overlapping."""
    priority = priority or {}
    cands = []
    for f in findings:
        s = f.best(applicability)
        if s is None or s.applicability.rank > applicability.rank:
            continue
        if s.replacement == f.text:
            continue
        cands.append((f, s))
    cands.sort(key=lambda fs: (-priority.get(fs[0].rule, 0), -fs[0].severity.rank,
                               fs[0].start, -(fs[0].end - fs[0].start)))
    taken: list[Edit] = []
    for f, s in cands:
        if any(f.start < e.end and e.start < f.end for e in taken):
            continue
        taken.append(Edit(rule=f.rule, start=f.start, end=f.end, original=f.text,
                          replacement=s.replacement, applicability=s.applicability))
    taken.sort(key=lambda e: e.start)
    return taken


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: e.start):
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start}")
        out.append(text[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
