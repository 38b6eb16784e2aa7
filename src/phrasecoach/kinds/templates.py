"""Suggestion templates: `{slot|filter|filter}` filled from a match.

Slots: match, before, after, sentence, any named regex group. Filters: ucfirst, lcfirst,
lower, strip, nopunct (drop terminal punctuation), ing (first word to its -ing form, via
lemminflect), lstrip (drop leading spaces and , ; : dashes), join (': rest' after a clause break, ' rest' otherwise), capstart (upper-case the first letter only when the match starts its sentence),
and ws (a single space if the slot is non-empty).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..text import lower_first, strip_terminal, upper_first

_SLOT = re.compile(r"\{(\w+)((?:\|\w+)*)\}")
FILTERS = {"join", "lstrip", "ucfirst", "lcfirst", "lower", "strip", "nopunct", "ing", "capstart", "ws"}


@lru_cache(maxsize=4096)
def gerund(word: str) -> str:
    from lemminflect import getInflection, getLemma

    low = word.lower()
    lemmas = getLemma(low, upos="VERB")
    lemma = lemmas[0] if lemmas else low
    forms = getInflection(lemma, tag="VBG")
    return forms[0] if forms else lemma + "ing"


def _ing(s: str) -> str:
    m = re.match(r"(\s*)([A-Za-z]+)(.*)", s, re.S)
    if not m:
        return s
    return m.group(1) + gerund(m.group(2)) + m.group(3)


def template_slots(template: str) -> list[tuple[str, list[str]]]:
    return [(m.group(1), [f for f in m.group(2).split("|") if f]) for m in _SLOT.finditer(template)]


@lru_cache(maxsize=1024)
def case_words(template: str, case: str) -> str:
    """The template with its own words (not its slots) cased: "lower" lower-cases the first
    letter ("Could you {ask}?" -> "could you {ask}?"), "upper" writes them in capitals."""
    if not case:
        return template
    out, pos, first = [], 0, True
    for m in [*_SLOT.finditer(template), None]:
        lit = template[pos:m.start() if m else len(template)]
        if case == "upper":
            lit = lit.upper()
        elif first and any(c.isalpha() for c in lit):
            k = next(i for i, c in enumerate(lit) if c.isalpha())
            lit, first = lit[:k] + lit[k].lower() + lit[k + 1:], False
        out.append(lit)
        if m:
            out.append(m.group())
            pos = m.end()
    return "".join(out)


def render(template: str, slots: dict[str, str], at_start: bool, case: str = "") -> str:
    """Fill the template's slots; `case` cases its own words first (see case_words)."""
    template = case_words(template, case)

    def one(m: re.Match) -> str:
        val = slots.get(m.group(1)) or ""
        for f in [x for x in m.group(2).split("|") if x]:
            if f == "ucfirst":
                val = upper_first(val)
            elif f == "lcfirst":
                val = lower_first(val)
            elif f == "lower":
                val = val.lower()
            elif f == "join":
                v = val.strip()
                if v[:1] in (",", ";", ":", "—", "–", "-"):
                    val = ": " + v.lstrip(" ,;:—–-")
                else:
                    val = (" " + v) if v else ""
            elif f == "lstrip":
                val = val.lstrip(" ,;:—–-")
            elif f == "strip":
                val = val.strip()
            elif f == "nopunct":
                val = strip_terminal(val)
            elif f == "ing":
                val = _ing(val)
            elif f == "capstart":
                val = upper_first(val) if at_start else val
            elif f == "ws":
                val = " " if val.strip() else ""
        return val

    return _SLOT.sub(one, template)
