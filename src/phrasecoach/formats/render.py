"""Renderers: one Report, many formats. Only the human format prints colour and summaries."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..models import Report
from ..text import sentence_spans

_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
_RESET, _DIM, _BOLD, _GREEN, _UNDER = "\033[0m", "\033[2m", "\033[1m", "\033[32m", "\033[4m"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _in_sentence(text: str, start: int, end: int, replacement: str) -> str:
    """The finding's sentence with the replacement in place: a fragment such as a dropped
    "As I already said, t" -> "T" only makes sense read in its sentence."""
    for s, e in sentence_spans(text):
        if s <= start < e or s < end <= e:
            s, e = min(s, start), max(e, end)
            return (text[s:start] + replacement + text[end:e]).strip()
    return replacement


def render_text(items: Iterable[tuple[str, int | None, Report]], colour: bool = False) -> str:
    """For a person: where, what, the sentence with the span marked, and the best suggestion."""
    out: list[str] = []
    total = 0
    counts: dict[str, int] = {}
    for source, lineno, rep in items:
        for f in rep.findings:
            total += 1
            counts[f.category] = counts.get(f.category, 0) + 1
            line, col = _line_col(rep.text, f.start)
            if lineno is not None:
                line = lineno
            sev = f.severity.value
            c = (lambda s, code: f"{code}{s}{_RESET}") if colour else (lambda s, code: s)
            out.append(f"{source}:{line}:{col}: {c(sev, _COLOURS[sev])} "
                       f"{c(f.rule, _BOLD)} [{f.category}] {f.message}")
            ls = rep.text.rfind("\n", 0, f.start) + 1
            le = rep.text.find("\n", f.end)
            le = len(rep.text) if le == -1 else le
            before, span, after = rep.text[ls:f.start], rep.text[f.start:f.end], rep.text[f.end:le]
            if colour:
                out.append(f"    {before}{_UNDER}{_COLOURS[sev]}{span}{_RESET}{after}")
            else:
                out.append(f"    {before}{span}{after}")
                out.append("    " + " " * len(before) + "^" * max(1, len(span.split("\n")[0])))
            best = f.suggestions[0] if f.suggestions else None
            if best:
                tag = best.applicability.value
                shown = _in_sentence(rep.text, f.start, f.end, best.replacement)
                sugg = f"{_GREEN}{shown}{_RESET}" if colour else shown
                title = f"  [{best.title}]" if best.title and shown != best.replacement else ""
                out.append(f"    suggestion ({tag}): {sugg}{title}")
        for s in rep.strengths:
            mark = f"{_GREEN}+{_RESET}" if colour else "+"
            out.append(f"{source}:{_line_col(rep.text, s.start)[0] if lineno is None else lineno}: "
                       f"{mark} strength {s.rule} [empathy] {s.message} ({s.text!r})")
    if total:
        by = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        out.append(f"Found {total} finding{'s' if total != 1 else ''} ({by}).")
    else:
        out.append("No findings.")
    return "\n".join(out) + "\n"


def render_jsonl(items: Iterable[tuple[str, int | None, Report]]) -> str:
    return "".join(json.dumps(rep.to_dict(line=lineno), ensure_ascii=False) + "\n"
                   for _, lineno, rep in items)


def render_json(items: Iterable[tuple[str, int | None, Report]]) -> str:
    return json.dumps([rep.to_dict(line=lineno) for _, lineno, rep in items],
                      ensure_ascii=False, indent=2) + "\n"
