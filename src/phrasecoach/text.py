"""Cheap lexical helpers that run on every message: sentence bounds, quoted spans, case fixes.

None of this needs spaCy: the lexical layer must stay fast (it runs on every turn), and the
parser is only paid for on the few sentences a parse-needing rule could fire on.
"""

from __future__ import annotations

import re

# Sentence ends: terminal punctuation (with closing quotes/brackets) followed by space, or a newline.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "approx", "no",
    "dept", "inc", "ltd", "co", "ave", "apt", "ref", "tel", "ext", "min", "hrs", "a.m", "p.m",
}
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n+|\r\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentence spans (start, end), trimmed of surrounding white space.

    A rule-based splitter, not the parser's: it must run before (and often instead of) parsing.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        piece = text[start:end]
        if piece.rstrip().endswith(".") and "\n" not in m.group():
            w = _WORD_BEFORE.search(piece.rstrip())
            if w and (w.group(1).lower() in _ABBREV or len(w.group(1)) == 1):
                continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        s2, e2 = s + lead, e - trail
        if e2 > s2:
            out.append((s2, e2))
    return out


# Quoted stretches: the customer's own words quoted back are never the agent's phrasing.
_QUOTES = re.compile(
    r"\"[^\"\n]{1,400}\"|“[^”\n]{1,400}”"
    # ‘…’ may hold an apostrophe (‘it’s fine’): it closes at the first ’ not followed by a letter
    r"|(?<![\w’'])‘(?=\S)[^‘\n]{1,400}?(?<=\S)’(?![\w’'])"
    r"|(?<![\w’'])['‘](?=\S)[^'‘’\n]{1,400}(?<=\S)['’](?![\w’'])"
)


def quote_spans(text: str) -> list[tuple[int, int]]:
    if '"' not in text and "“" not in text and "'" not in text and "‘" not in text:
        return []  # most messages: no need to run the regex
    return [(m.start(), m.end()) for m in _QUOTES.finditer(text)]


def inside_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def upper_first(s: str) -> str:
    for i, ch in enumerate(s):
        if ch.isalpha():
            return s[:i] + ch.upper() + s[i + 1:]
        if not ch.isspace() and ch not in "\"'“‘(":
            return s
    return s


def lower_first(s: str) -> str:
    """Lower-case the first word unless it is 'I', an acronym or looks like a name (I'm, ID, iPhone)."""
    m = re.match(r"(\W*)(\w[\w'’]*)", s)
    if not m:
        return s
    word = m.group(2)
    if word == "I" or word.startswith(("I'", "I’")) or (len(word) > 1 and word.isupper()):
        return s
    if any(c.isupper() for c in word[1:]):
        return s
    i = m.start(2)
    return s[:i] + word[0].lower() + s[i + 1:]


_TERMINAL = re.compile(r"\s*[.!?…]+\s*$")


def strip_terminal(s: str) -> str:
    return _TERMINAL.sub("", s)


# Twitter-style handles and placeholders before a sentence, agents' sign-offs after it.
_LEAD_JUNK = re.compile(r"^(?:(?:__\w+__|@\w+|\.@\w+)[\s,:]*)+")
_TRAIL_JUNK = re.compile(r"(?:\s*(?:[*^~-]\s?[A-Z][A-Za-z]{0,3}|\d/\d))+\s*$")


def core_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim leading handles (`__cust__`, `@123`) and trailing sign-offs (`*ACJ`, `^SR`, `1/2`)."""
    seg = text[start:end]
    m = _LEAD_JUNK.match(seg)
    if m and m.end() < len(seg):
        start += m.end()
        seg = seg[m.end():]
    m = _TRAIL_JUNK.search(seg)
    if m:
        end = start + m.start()  # may leave nothing: a sentence that is only a sign-off
    return start, end
