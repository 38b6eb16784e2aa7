"""The cheap test of the imperative rules: could a word that opens the request be a bare verb?

It runs on every sentence before anything is parsed, so it reads words only; it must accept
every sentence `ImperativeRequest.find_parsed` could flag (the throughput bench checks this
against a parse of every sentence). The three imperative rules (bare, softened, negative) share
one cached answer per sentence.
"""

from __future__ import annotations

import re
from itertools import product
from typing import NamedTuple

from .clauses import split_tail
from .lexicon import CommandLexicon

WORDS = re.compile(r"[A-Za-z_@#][\w'’@#-]*")
HANDLE = re.compile(r"^(?:__\w+__|@\w+|#\w+)$")
LABEL = re.compile(r"\W*(?:\w+\s*:|\d+[.)])\s")  # "NOTE: …", "1) …"
_EMOJI = r"[\U0001F000-\U0001FFFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]"
_OPENING_BREAK = re.compile(r"(?:[,;–—]|(?<!\d):(?!\d)|\s-\s|%s+)\s*" % _EMOJI)  # not "7:25"
# Leading adverbials that need no comma: "Next time read the FAQ."
LEAD_ADV = re.compile(
    r"(?:next\s+time|this\s+time|today|tomorrow|tonight|this\s+(?:morning|afternoon|evening|week)|"
    r"right\s+now|for\s+now|from\s+now\s+on|in\s+(?:the\s+)?future|in\s+the\s+meantime|meanwhile|"
    r"after\s+that|before\s+(?:that|then)|once\s+(?:done|that's\s+done|it's\s+done)|"
    r"when\s+(?:done|ready)|if\s+(?:so|not|possible|needed))\b\s*,?\s*", re.I)
# "tell me if you still see it": that "if" means "whether", the sentence still asks.
_WHETHER_BEFORE = re.compile(r"\b(?:tell|show|ask|check|see|confirm|know|find\s+out|say)\s+(?:me\s+|us\s+)?$",
                             re.I)
_NEGATIVE_OPENERS = frozenset({"don't", "don’t", "dont", "dnt", "do", "never"})
_OBJECT_START = frozenset({"the", "your", "a", "an", "my", "our"})


class Verdicts(NamedTuple):
    """Could the sentence be flagged by the bare, the softened and the negative rule?"""

    bare: bool
    softened: bool
    negative: bool


# the eight answers, made once (a NamedTuple's constructor is Python code, and this runs per sentence)
VERDICTS = {k: Verdicts(*k) for k in product((False, True), repeat=3)}
NO = VERDICTS[False, False, False]


def is_offer(lex: CommandLexicon, s: str) -> bool:
    """An offer or a condition ("Reply here if you need anything else") is not a demand."""
    return any(not _WHETHER_BEFORE.search(s, 0, m.start()) for m in lex.offer.finditer(s))


def intro_could_open(lex: CommandLexicon, s: str) -> bool:
    """Could the sentence open with a greeting, a name or an introductory phrase (what
    ImperativeRequest skips to reach the request)?"""
    if LABEL.match(s):
        return True
    for w in WORDS.findall(s, 0, 80)[:3]:
        low = w.lower()
        if low in lex.softener or low in lex.filler:
            continue
        return (low in lex.intro_word or low in lex.subordinator or low.rstrip(".") in lex.title
                or low.endswith("ly") or (w[:1].isupper() and not lex.base_verb(w)))
    return False


def opening_starts(lex: CommandLexicon, s: str) -> tuple[int, ...]:
    """Where a request could open in `s`: its start, after a leading adverbial, and after
    the first breaks of an introduction ("Hi Tom, …", "If it still fails, …", "NOTE: …")."""
    starts = [0]
    m = LEAD_ADV.match(s)
    if m:
        starts.append(m.end())
    # an introduction only adds openings at its breaks or after a label: find those first
    breaks = list(_OPENING_BREAK.finditer(s, 0, 160))[:3]
    label = LABEL.match(s)
    if (breaks or label) and intro_could_open(lex, s):
        starts.extend(c.end() for c in breaks)
        if label:
            starts.append(label.end())
    return tuple(starts)


def function_word(lex: CommandLexicon, w: str) -> bool:
    """Words the lexicon does not list (it holds open-class words only) that are never verbs:
    "If the …", "For your …", "It's the …" open no request."""
    low = w.lower()
    return ("'" in low or "’" in low or low in lex.never_verb_opener or low in lex.subordinator
            or low in lex.intro_word)


def could_be_verb(lex: CommandLexicon, words: tuple[str, ...], i: int, s: str, courtesy) -> bool:
    w = words[i]
    low = w.lower()
    nxt_w = words[i + 1].lower().replace("’", "'") if i + 1 < len(words) else ""
    if low in lex.courtesy_pair_verbs and (lex.courtesy_pair_has(low, nxt_w) or (low == "let" and nxt_w == "'s")):
        return False  # "Let me check", "Hang on", "Sit tight", "Take care": no parse needed
    if low in ("let's", "let’s"):
        return False
    if any(c.isdigit() for c in w):
        return False  # "DL1282 is on time."
    if lex.maybe_bare_verb(w, courtesy):
        return True
    if low == "have" and re.search(r"\b(?:ready|handy|nearby|available|with\s+you)\b", s, re.I):
        return True  # "Have your card ready."
    nxt = words[i + 1].lower() if i + 1 < len(words) else ""
    # an unknown capitalised verb ("Reboot the router") with an object; a leading vocative
    # ("Jennifer, send me …") is an opening after a comma (see opening_starts)
    return (lex.base_verb(w) is None and not function_word(lex, w)
            and (nxt in lex.object_pronoun or nxt in _OBJECT_START))


def opening_verdicts(lex: CommandLexicon, words: tuple[str, ...], s: str, courtesy) -> Verdicts:
    """Could the request opening with `words` be (bare, softened, negative)? A superset of
    what ImperativeRequest accepts on the parse, decided from the words alone."""
    softener, filler = lex.softener, lex.filler
    i = 0
    while i < len(words) and (words[i].lower() in softener or words[i].lower() in filler
                              or HANDLE.match(words[i])):
        i += 1
    if i >= len(words):
        return NO
    negative = words[i].lower() in _NEGATIVE_OPENERS
    verb = could_be_verb(lex, words, i, s, courtesy)
    softened_before = any(x.lower() in softener for x in words[:i])
    return VERDICTS[verb and not softened_before, verb, negative]


def trailing_name(words: tuple[str, ...]) -> bool:
    """After a comma, one capitalised word that ends the sentence is a name ("Thanks, Mark.")."""
    return len(words) == 1 and words[0][:1].isupper() and words[0][1:].islower()


def imperative_candidates(lex: CommandLexicon, sentence: str, extra_courtesy: frozenset[str]) -> Verdicts:
    """The candidate test of the three imperative rules at once (cached per lexicon:
    `lex.memo(imperative_candidates)`).

    Questions, offers ("… if you need anything") and, for the softened rule, sentences with no
    "please" are never candidates; the offer and softener tests run last, only for the few
    sentences where an opening could be a verb."""
    s = split_tail(sentence.strip())[0].rstrip()
    if not s or s.endswith("?"):
        return NO
    courtesy = lex.courtesy_with(extra_courtesy)
    bare = softened = negative = False
    for p in opening_starts(lex, s):
        words = tuple(WORDS.findall(s, p, p + 200))
        if p and trailing_name(words):
            continue
        v = opening_verdicts(lex, words, s, courtesy)
        bare, softened, negative = bare or v.bare, softened or v.softened, negative or v.negative
    if not (bare or softened or negative) or is_offer(lex, s):
        return NO
    return VERDICTS[bare, softened and lex.softener_rx.search(s) is not None, negative]
