"""Jargon: team glossary terms and unexplained acronyms.

Two detectors. `glossary-term` knows what a term means (from the packs' glossaries and the
user's own), so it offers a `safe` expansion: "Your RMA" -> "Your return authorization (RMA)".
`unexplained-acronym` flags capitalised shorthand it does not know, but only where it is
fairly sure: widely known acronyms, place and flight codes, shouted words and English words
in capitals are left alone, and an acronym explained in parentheses anywhere in the message
is fine everywhere in it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

from ..models import Applicability, Suggestion
from .base import Detector, DetectorOptions, Match

_ACRONYM = re.compile(r"(?<![\w*^@#/.\-&'’])([A-Z][A-Z&]{2,5})(?:s|'s|’s)?(?![\w\-&])")
_CODE_AFTER = re.compile(r"\s?-?\d{1,5}\b")  # matched at the acronym's end (pos), not on a copy of the rest
_PLACE_BEFORE = re.compile(r"\b(?:from|to|at|in|into|out\s+of|via|through|between|and|or|leaving|"
                           r"departing|arriving|landing|land|fly|flying|flight|flights|hub|"
                           r"connecting|connection|airport)\s+$", re.I)
_PLACE_AFTER = re.compile(r"^(?:\s*[-–/>]\s*[A-Z]{3}\b|\s+to\s+[A-Z]{3}\b|\s+(?:airport|terminal|gate|flights?|"
                          r"hub|station|location|office|store|branch|team|staff|baggage|lounge|counter|"
                          r"ticket\s+counter|desk|ramp|weather|delays?|and\s+[A-Z]{3}\b))")
_FUNCTION_WORDS = {
    "and", "but", "the", "not", "for", "are", "was", "has", "had", "you", "our", "its", "all",
    "any", "can", "may", "will", "hey", "yes", "omg", "lol", "thx", "pls", "plz", "est",
    "cst", "pst", "edt", "cdt", "pdt", "gmt", "utc", "bst", "cet",
}


@lru_cache(maxsize=8192)
def is_english_word(word: str) -> bool:
    from lemminflect import getAllLemmas

    w = word.lower()
    return w in _FUNCTION_WORDS or bool(getAllLemmas(w))


def _message_facts(text: str) -> dict:
    """Answers about the whole message, worked out once per message however many sentences
    and terms it has (a whole-text scan per sentence or per term made a long message cost the
    square of its length). Only the last message is kept; a stale entry is simply rebuilt."""
    last = _LAST_MESSAGE[0]  # one (text, facts) pair, read and replaced whole
    if last[0] is text:
        return last[1]
    letters = [c for c in text if c.isalpha()]
    facts = {"shouted": bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.6,
             "explained": {}, "holds": {}, "lower": None}
    _LAST_MESSAGE[0] = (text, facts)
    return facts


_LAST_MESSAGE: list[tuple] = [(None, None)]


def _explained_in(text: str, term: str) -> bool:
    explained = _message_facts(text)["explained"]
    if term not in explained:
        explained[term] = _explained(text, term)
    return explained[term]


def _holds(text: str, words: str) -> bool:
    """Is `words` (lower case) anywhere in the message, in any case?"""
    facts = _message_facts(text)
    holds = facts["holds"]
    if words not in holds:
        if facts["lower"] is None:
            facts["lower"] = text.lower()
        holds[words] = words in facts["lower"]
    return holds[words]


def _explained(text: str, term: str) -> bool:
    """'return authorization (RMA)', 'air waybill (AWB, tracking number)' or 'RMA (return
    authorization)' anywhere in the message."""
    t = re.escape(term)
    return re.search(rf"\(\s*{t}\s*[),]|\b{t}\s*\((?!\s*\))|\b{t}\s+(?:stands\s+for|means|is\s+short\s+for)\b",
                     text) is not None


def _shouting(text: str, start: int, end: int) -> bool:
    """Part of a run of capitalised words: the customer's words or emphasis, not an acronym."""
    before = text[max(0, start - 30): start]
    after = text[end: end + 30]
    prev = re.search(r"([A-Za-z]{2,})\W*$", before)
    nxt = re.match(r"\W*([A-Za-z]{2,})", after)
    return bool((prev and prev.group(1).isupper()) or (nxt and nxt.group(1).isupper()))


class UnexplainedAcronym(Detector):
    name: ClassVar[str] = "unexplained-acronym"
    slots: ClassVar[frozenset[str]] = frozenset({"term"})

    class Options(DetectorOptions):
        allow: list[str] = []  # acronyms every customer knows

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.allow = {a.upper() for a in options.allow}
        self.glossary_upper = {k for k in ctx.glossary if k.isupper()}

    def quick(self, text: str) -> bool:
        return _ACRONYM.search(text) is not None

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        out = []
        if _message_facts(text)["shouted"]:
            return []  # a shouted message
        for m in _ACRONYM.finditer(text, start, end):
            term = m.group(1)
            if term in self.allow or term in self.glossary_upper:
                continue
            s, e = m.start(1), m.end(1)
            if _CODE_AFTER.match(text, e):
                continue  # flight, order or model codes: "BA 117", "A380"
            if len(term) == 3 and (_PLACE_BEFORE.search(text[max(0, s - 25): s])
                                   or _PLACE_AFTER.match(text[e: e + 25])):
                continue  # airport and station codes in context: "from JFK", "LAX-SFO"
            if is_english_word(term) or _shouting(text, s, e) or _explained_in(text, term):
                continue
            out.append(Match(s, e, groups={"term": term}))
        return out


class GlossaryTerm(Detector):
    name: ClassVar[str] = "glossary-term"
    slots: ClassVar[frozenset[str]] = frozenset({"term", "plain"})

    class Options(DetectorOptions):
        pass

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.terms = dict(ctx.glossary)
        parts = []
        for term in sorted(self.terms, key=len, reverse=True):
            esc = r"\s+".join(re.escape(w) for w in term.split())
            if _acronymish(term):
                parts.append(rf"(?-i:{esc})")
            else:
                parts.append(esc)
        self.rx = (re.compile(rf"(?<![\w*^@#/.\-&])(?:{'|'.join(parts)})(?![\w\-&])", re.I)
                   if parts else None)
        self.lookup = {k.lower(): k for k in self.terms}

    def quick(self, text: str) -> bool:
        return self.rx is not None and self.rx.search(text) is not None

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        out = []
        lead = _NOT_LEAD.search(text, start, end)  # where the sentence's words begin
        lead = lead.start() if lead else end
        for m in self.rx.finditer(text, start, end):
            key = self.lookup.get(re.sub(r"\s+", " ", m.group()).lower())
            if key is None:
                continue
            plain = self.terms[key]
            if _explained_in(text, m.group()) or _holds(text, plain.lower()):
                continue
            acronymish = _acronymish(key)
            if acronymish and _NAME_AFTER.match(text, m.end()):
                continue  # "the T2 bus", "the M5 motorway": the code names something else here
            at_start = m.start() <= lead
            m_end = m.end()
            if acronymish:
                # "IMEI number" -> "phone serial number (IMEI)": the plain words already end in
                # the noun that follows, so it is taken into the span instead of said twice
                tail = _NEXT_WORD.match(text, m_end, end)
                if tail and plain.lower().split()[-1] == tail.group(1).lower():
                    m_end = tail.end()
                inner = re.fullmatch(r"(.*?)\s*\((.+)\)", plain)
                # "air waybill (tracking number)" -> "air waybill (AWB, tracking number)"
                repl = (f"{inner.group(1)} ({m.group()}, {inner.group(2)})" if inner
                        else f"{plain} ({m.group()})")
            else:
                repl = plain
            if at_start:
                repl = repl[:1].upper() + repl[1:]
            out.append(Match(m.start(), m_end, groups={"term": m.group(), "plain": plain},
                             suggestions=[Suggestion(replacement=repl,
                                                     applicability=Applicability.safe,
                                                     title="Say it in plain words")]))
        return out


_NOT_LEAD = re.compile(r"[^ \t\"'“(]")  # a sentence's words begin after these
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)\b")

# After a code, a word that makes it the name of a route, vehicle or place, not team shorthand.
_NAME_AFTER = re.compile(r"\s+(?:bus|buses|train|trains|tram|route|road|motorway|highway|platform|"
                         r"terminal|station|stop|shuttle|coach|building|car|model|engine)\b", re.I)


def _acronymish(term: str) -> bool:
    """RMA, T2, L1: matched case-sensitively and kept in brackets after the plain words.
    A phrase such as "escalated to tier 2" is neither: any case, replaced outright."""
    return term.isupper() or (" " not in term and any(c.isdigit() for c in term))


DETECTORS = {d.name: d for d in (UnexplainedAcronym, GlossaryTerm)}
