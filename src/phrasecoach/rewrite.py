"""Applying suggestions to text: non-overlapping edits, best first (ruff's fixer, for prose).

An edit replaces [start, end) of the text it was computed on. When two findings overlap, the
one that sorts first (higher rule priority, then severity, then earlier, then longer) wins
and the other waits for the next pass; `Coach.rewrite` re-checks and repeats until nothing
applicable is left, so the result converges.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from typing import TypeVar

from .models import Applicability, Edit, Finding

T = TypeVar("T")


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
    for group in overlap_groups(cands, lambda fs: (fs[0].start, fs[0].end)):
        mine: list[Edit] = []  # an edit can only clash with one of its own group
        for f, s in group:
            if any(f.start < e.end and e.start < f.end for e in mine):
                continue
            mine.append(Edit(rule=f.rule, start=f.start, end=f.end, original=f.text,
                             replacement=s.replacement, applicability=s.applicability))
        taken.extend(mine)
    taken.sort(key=lambda e: e.start)
    return taken


def overlap_groups(items: list[T], span: Callable[[T], tuple[int, int]]) -> list[list[T]]:
    """Split `items` into groups such that no item overlaps an item of another group (spans
    are half-open); each group keeps the items' order. Comparing every finding of a message
    with every other cost the square of their number; compared within their group only, the
    work stays in proportion to the message (a group never reaches beyond one sentence)."""
    starts = sorted(range(len(items)), key=lambda i: span(items[i])[0])
    group_of = [0] * len(items)
    n, reach = -1, None
    for i in starts:
        s, e = span(items[i])
        if reach is None or s >= reach:
            n, reach = n + 1, e
        elif e > reach:
            reach = e
        group_of[i] = n
    groups: list[list[T]] = [[] for _ in range(n + 1)]
    for i, item in enumerate(items):
        groups[group_of[i]].append(item)
    return groups


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


def merge_edits(original: str, prior: list[Edit], new: list[Edit], before: str, after: str) -> list[Edit]:
    """Express edits made on an intermediate text as edits of the original text.

    `prior` are edits of `original` that gave `before`; `new` are edits of `before` that gave
    `after`. An edit that touches text an earlier pass wrote is merged with that earlier edit.
    One sweep over both lists, sorted: a message with thousands of edits in each pass costs
    their number times a logarithm, not its square.
    """
    if not prior:
        return list(new)
    # Regions of `before` written by prior edits, with their original spans, in order.
    regions: list[dict] = []
    ts: list[int] = []  # each region's end in `before`
    shifts = [0]  # shifts[k]: how far the first k regions moved the text after them
    delta = 0
    for rank, e in enumerate(sorted(prior, key=lambda e: e.start)):
        s = e.start + delta
        regions.append({"bs": s, "be": s + len(e.replacement), "os": e.start, "oe": e.end,
                        "rules": [e.rule], "app": e.applicability, "rank": rank})
        delta += len(e.replacement) - (e.end - e.start)
        ts.append(s + len(e.replacement))
        shifts.append(delta)

    def to_orig(pos: int) -> int:
        return pos - shifts[bisect_right(ts, pos)]

    n_regions, made, last, ptr = len(regions), [], None, 0
    for n in sorted(new, key=lambda e: e.start):
        # The groups n touches: prior regions no new edit went into yet, and the group the last
        # new edit went into (every other such group ends before n starts).
        while ptr < n_regions and ("new" in regions[ptr] or regions[ptr].get("gone")
                                   or regions[ptr]["be"] < n.start):
            ptr += 1
        hit = [last] if last is not None and n.start <= last["be"] and last["bs"] <= n.end else []
        j = ptr
        while j < n_regions and regions[j]["bs"] <= n.end:
            g = regions[j]
            if "new" not in g and not g.get("gone") and n.start <= g["be"]:
                hit.append(g)
            j += 1
        if hit:
            hit.sort(key=lambda g: g["rank"])  # the first in the order the groups were listed
            g = hit[0]
            for other in hit[1:]:
                g["bs"], g["be"] = min(g["bs"], other["bs"]), max(g["be"], other["be"])
                g["os"], g["oe"] = min(g["os"], other["os"]), max(g["oe"], other["oe"])
                g["rules"] += other["rules"]
                other["gone"] = True
            os_ = min(g["os"], to_orig(n.start)) if n.start < g["bs"] else g["os"]
            oe_ = max(g["oe"], to_orig(n.end)) if n.end > g["be"] else g["oe"]
            g["bs"], g["be"] = min(g["bs"], n.start), max(g["be"], n.end)
            g["os"], g["oe"] = os_, oe_
            g["rules"].append(n.rule)
            g["app"] = max(g["app"], n.applicability, key=lambda a: a.rank)
            g.setdefault("new", []).append(n)
        else:
            g = {"bs": n.start, "be": n.end, "os": to_orig(n.start), "oe": to_orig(n.end),
                 "rules": [n.rule], "app": n.applicability, "new": [n], "rank": n_regions + len(made)}
            made.append(g)
        last = g
    kept = [g for g in regions + made if not g.get("gone")]
    # Map each group's span in `before` to `after`, then read its replacement from `after`.
    by_end = sorted(new, key=lambda e: e.end)
    ends = [e.end for e in by_end]
    moved = [0]  # moved[k]: how far the first k new edits (by end) moved the text after them
    for e in by_end:
        moved.append(moved[-1] + len(e.replacement) - (e.end - e.start))
    empty_at: dict[int, int] = {}  # an empty new edit at a group's start is not before it
    for e in new:
        if e.start == e.end:
            empty_at[e.start] = empty_at.get(e.start, 0) + len(e.replacement)
    out = []
    for g in sorted(kept, key=lambda g: g["bs"]):
        d_before = moved[bisect_right(ends, g["bs"])]
        if g["be"] > g["bs"]:
            d_before -= empty_at.get(g["bs"], 0)
        inner = sum(len(e.replacement) - (e.end - e.start) for e in g.get("new", []))
        a_s = g["bs"] + d_before
        a_e = g["be"] + d_before + inner
        out.append(Edit(rule="+".join(dict.fromkeys(g["rules"])), start=g["os"], end=g["oe"],
                        original=original[g["os"]:g["oe"]], replacement=after[a_s:a_e],
                        applicability=g["app"]))
    return out
