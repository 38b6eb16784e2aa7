"""Clause surgery without a parse: what the command detectors cut off, split and put back.

A rewrite keeps the rest of the sentence verbatim: trailing emoji and closing brackets, a
terminal mark, a sentence split off after the ask (", thanks", a comma splice with its own
subject, "and" + a clause), and a request cut off mid-phrase gets no rewrite at all.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ...text import upper_first
from .lexicon import lemmas

_TERMINAL = re.compile(r"[\s.!?…]*$")
_SMILEYS = (":-)", ":)", ";-)", ";)", ":-D", ":D", "<3")
_CLOSERS = {")": "(", "]": "[", "”": "“", "»": "«"}
# A second verb with its object: "… and call us back" (then "Would you mind …ing" would need both).
CHAINED = re.compile(r"(?:,|\band\b|\bthen\b)\s+(?:then\s+)?[a-z]+\s+"
                     r"(?:the|it|us|me|your|a|an|them|back|in|out|up|for)\b")
_LETTER = re.compile(r"[^\W\d_]")


def shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters)


def capital_start(text: str) -> bool:
    """Does the text's first letter stand in capitals (a split-off sentence then starts with one)?"""
    m = _LETTER.search(text)
    return m is not None and m.group().isupper()


def emoji_char(c: str) -> bool:
    return ("\U0001F000" <= c <= "\U0001FFFF" or "\u2600" <= c <= "\u27BF" or "\u2B00" <= c <= "\u2BFF"
            or c in "\uFE0F\u200D")


def is_emoji(tok) -> bool:
    return any(emoji_char(ch) for ch in tok.text) or (
        not any(ch.isalnum() for ch in tok.text) and not tok.is_punct and not tok.is_space)


def split_tail(s: str) -> tuple[str, str]:
    """Separate trailing emoji / smileys (and the space before them), and closing brackets or
    quotes opened earlier in the sentence, so the question mark goes before them. A backward
    scan, linear in the length of the tail (a regex with nested repetition here backtracks
    exponentially on a run of emoji that is not at the end)."""
    body, closers = s, ""
    while body and body[-1] in _CLOSERS and body.count(body[-1]) > body.count(_CLOSERS[body[-1]]):
        closers = body[-1] + closers
        body = body[:-1]
    if closers:
        b, t = split_tail(body)
        return b, t + closers
    j = len(s)
    while j and s[j - 1].isspace():
        j -= 1
    if not j or not (emoji_char(s[j - 1]) or s[j - 1] in ")D3"):
        return s, ""  # the common case: no emoji or smiley at the end
    k = len(s)
    while True:
        j = k
        while j > 0 and s[j - 1].isspace():
            j -= 1
        if j > 0 and emoji_char(s[j - 1]):
            k = j - 1
            continue
        sm = next((x for x in _SMILEYS if s.endswith(x, 0, j)), None)
        if sm:
            k = j - len(sm)
            continue
        break
    if k == len(s):
        return s, ""
    j = k
    while j > 0 and s[j - 1].isspace():
        j -= 1
    if j == 0:
        return s, ""
    return s[:j], s[j:]


def split_terminal(s: str) -> tuple[str, str]:
    m = _TERMINAL.search(s)
    return s[: m.start()], s[m.start():].strip()


# A clause with its own subject: after a comma it starts a sentence of its own.
CLAUSE_HEAD = re.compile(
    r"(?:(?:then|but)\s+)?(?:i|we|you|u|it|that|this|there|they|he|she)(?:['’](?:s|re|m|ll|d|ve)\b|"
    r"\s+(?:is|are|was|were|am|will|won['’]?t|would|can|can['’]?t|cannot|could|should|may|might|"
    r"must|have|has|had|do|does|did|don['’]?t|doesn['’]?t|didn['’]?t|isn['’]?t|aren['’]?t|"
    r"wasn['’]?t|just|still|need|needs|only|also|already|never|really|usually|want|see|know|get|"
    r"got|seem|seems|look|looks|should|shall)\b)|(?:ur|youre|thats|theres|im)\s", re.I)
_VOCATIVE_AFTER_COMMA = re.compile(
    r"((?:Mr|Mrs|Ms|Dr|Miss)\.?\s+[A-Z][\w'’-]+|[A-Z][a-z][\w'’-]*(?:\s[A-Z][a-z][\w'’-]*)?),\s+")
_THANKS_TAIL = re.compile(
    r"(?:,\s*|\s+)(?P<t>(?:thanks|thank\s+you|thx|ty|cheers|many\s+thanks|much\s+appreciated)"
    r"(?:\s+(?:so\s+much|very\s+much|again|in\s+advance|a\s+lot))?)$", re.I)
_HEDGE_TAIL = re.compile(
    r",\s*(?:I['’]m\s+afraid|I\s+am\s+afraid|I\s+think|I\s+believe|I\s+guess|I\s+suppose|I\s+fear|"
    r"I['’]m\s+sorry|I\s+am\s+sorry|sorry|unfortunately|sadly|though|then|as\s+\w+\s+\w+)$", re.I)
_SUBJ_ADV = re.compile(
    r"(?:(?:then|but)\s+)?(i|we|you|u|they|it|that|this|he|she|there)\s+(?:(?:\w+ly|sometimes|often|always|usually|"
    r"never|still|just|also|already|even|only)\s+)?([a-z]+)\b(.?)", re.I)
_NOUN_CLAUSE = re.compile(
    r"(?:your|the|our|my|this|that|these|those)\s+(?:[\w'’-]+\s+){0,3}?(?:is|are|was|were|will|won['’]t|"
    r"has|have|had|should|can|can['’]t|may|might|must|would|could|isn['’]t|aren['’]t|wasn['’]t)\b", re.I)
_BUT_CLAUSE = re.compile(r"but\s+(?:[\w'’-]+\s+){0,6}?(?:is|are|was|were|will|can|could|should|may|might|has|have|"
                         r"won['’]t|can['’]t|isn['’]t|aren['’]t)\b|but\s+[\w'’-]+['’](?:s|re|ll)\b", re.I)
_AND_CLAUSE = re.compile(r",?\s+(?:and|but)\s+(?=" + CLAUSE_HEAD.pattern + ")", re.I)
_BREAK = re.compile(r"(?:[,:]|(?<!&amp)(?<!&lt)(?<!&gt)(?<!&quot)(?<!&#39);)\s+")  # not an entity's ;


def clause_start(after: str) -> bool:
    """Does `after` (what follows a comma) open a clause with its own subject?"""
    if CLAUSE_HEAD.match(after) or _NOUN_CLAUSE.match(after):
        return True
    if _BUT_CLAUSE.match(after):
        return True  # ", but typically meals are served …"
    m = _SUBJ_ADV.match(after)
    if not m:
        return False
    subj, w = m.group(1).lower(), m.group(2).lower()
    verbs = lemmas(w).get("VERB", ())
    if not verbs:
        return False
    if subj in ("it", "that", "this", "he", "she", "there"):
        return w not in verbs  # "it sometimes ends up there": an inflected verb
    return not (w in ("know", "see", "mean") and not m.group(3).strip())


# "...experience with us." continues a message split in two: not a sentence of its own.
CONTINUATION = re.compile(r"\s*(?:\.{2,}|…|\(?\d/\d\)?\s)")
# A request cut off mid-phrase ("proceed to the", "reach out to our team at..."): no rewrite
# can be right. A stranded preposition is fine English ("the one you were issued with"), so a
# preposition counts only before an ellipsis.
_CUT_OFF = re.compile(r"(?:(?:^|\s)(?:the|a|an|and|or|your|my|our|their|so|but|because|if|when|while)|"
                      r"['’](?:ll|re|ve)|[:;,—–-])$", re.I)
_CUT_OFF_DOTS = re.compile(r"(?:^|\s)(?:to|of|for|with|at|from|by|in|on|about|as|into|via)$", re.I)


def cut_off(core: str, terminal: str) -> bool:
    core = re.sub(r"\s*\(?\d/\d\)?$", "", core)  # a "(1/2)" sign-off left in the sentence
    return bool(_CUT_OFF.search(core) or (("..." in terminal or "…" in terminal) and _CUT_OFF_DOTS.search(core)))


class ClauseSplit(NamedTuple):
    """A core split into the part asked as a question and a sentence that follows it."""

    ask: str
    following: str  # '' when nothing is split off
    safe: bool  # False for a split after "and"/"but" or a hedge left in place


def split_clause(core: str) -> ClauseSplit:
    """Split `core` (no terminal punctuation) into the part asked as a question and a following
    sentence: ', thanks', a comma splice with its own subject, or 'and' + a clause."""
    m = _THANKS_TAIL.search(core)
    if m and m.start() > 0:
        return ClauseSplit(core[: m.start()], m.group("t"), True)
    if _HEDGE_TAIL.search(core):
        # "…, I'm afraid": no sentence of its own, and no safe place to move it
        return ClauseSplit(core, "", False)
    for c in _BREAK.finditer(core):
        after = core[c.end():]
        v = _VOCATIVE_AFTER_COMMA.match(after)
        if v and clause_start(after[v.end():]):
            return ClauseSplit(core[: c.start()] + ", " + v.group(1), after[v.end():], True)
        if clause_start(after):
            return ClauseSplit(core[: c.start()], after, True)
    a = _AND_CLAUSE.search(core)
    if a and a.start() > 0:
        rest = core[a.end():]
        conj = core[a.start():a.end()].strip(" ,").lower()
        if conj == "but":
            rest = core[a.start():].strip(" ,")
        return ClauseSplit(core[: a.start()], rest, False)
    return ClauseSplit(core, "", True)


def after_ask(following: str, terminal: str, tail: str, capital: bool) -> str:
    """What follows the question mark of the ask: the split-off sentence with its terminal mark
    (capitalised when the text is written with capitals), then the tail (emoji, brackets)."""
    out = ""
    if following:
        if capital:
            following = upper_first(following)
        term = terminal if "?" not in terminal else "."
        out = f" {following}{term}"
    return out + tail
