"""Detectors for requests phrased as orders, and the polite asks that replace them.

Rewrites come from the sentence itself, not from a list of fixed sentences: the noun phrase
or verb phrase of the original is kept word for word, so names, numbers and the thing asked
for survive; only the frame around it changes ("Could you …?", "May I have …?").

The small spaCy model is unreliable on exactly these sentences (fragments and imperatives are
rare in its training text: "Card expiry date?" comes back as an imperative of *to card*,
"Power-cycle the router" as a noun phrase). So the detectors read the parse together with the
word lexicon of lemminflect: a word opens an imperative when the lexicon knows it as a verb's
base form AND either the parse says VB or the next word is what only a verb is followed by (a
determiner, an object pronoun, a particle). A bare noun phrase is a run of words the lexicon
allows as nouns, adjectives and determiners with no verb-shaped pair in it. Whatever the
parse and the lexicon do not both support gets an `unsafe` suggestion, never a `safe` one;
negative imperatives ("Don't call …") never get a `safe` one at all.

Every rewrite keeps the rest of the sentence verbatim: a leading greeting, vocative or
subordinate clause ("Hi Tom, …", "If it still fails, …"), a trailing vocative (", Jennifer"),
trailing emoji, and a clause with its own subject, which becomes its own sentence
("Update the app, you're on an old version." -> "Could you update the app? You're on an old
version."; after "and" that split is only `unsafe`). Fillers move after the frame ("Just send
it" -> "Could you just send it?"). Text written in capitals gets its new words in capitals.
A request that is cut off ("please proceed to the 1/2", "reach our team at...") or continues
an earlier message ("...experience with us.") gets no rewrite.

The candidate tests (run on every sentence before anything is parsed) must accept all that
`find_parsed` can flag; the three imperative rules share one cached candidate pass.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, Literal

from ..models import Applicability, Suggestion
from ..text import lower_first, upper_first
from .base import Detector, DetectorOptions, Match
from .templates import gerund

SAFE, UNSAFE, DISPLAY = Applicability.safe, Applicability.unsafe, Applicability.display

# Words that can open a sentence before the request itself: softeners, fillers, vocatives.
_SOFTENERS = {"please", "pls", "plz", "kindly"}
_WORDS = re.compile(r"[A-Za-z_@#][\w'’@#-]*")
_FILLERS = {"just", "now", "then", "also", "so", "simply", "first", "next", "ok", "okay",
            "alright", "and", "finally", "again"}
# Fillers that read better after "could you": "Just send it." -> "Could you just send it?"
_MOVABLE = {"just", "simply", "also", "then", "now", "first", "quickly", "still", "again",
            "carefully", "gently", "briefly", "actually", "kindly"}
_HANDLE = re.compile(r"^(?:__\w+__|@\w+|#\w+)$")
_TERMINAL = re.compile(r"[\s.!?…]*$")
_EMOJI = r"[\U0001F000-\U0001FFFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]"
_SMILEYS = (":-)", ":)", ";-)", ";)", ":-D", ":D", "<3")
_CLOSERS = {")": "(", "]": "[", "”": "“", "»": "«"}
# A second verb with its object: "… and call us back" (then "Would you mind …ing" would need both).
_CHAINED = re.compile(r"(?:,|\band\b|\bthen\b)\s+(?:then\s+)?[a-z]+\s+"
                      r"(?:the|it|us|me|your|a|an|them|back|in|out|up|for)\b")
_LABEL = re.compile(r"\W*(?:\w+\s*:|\d+[.)])\s")  # "NOTE: …", "1) …"
_OPENING_BREAK = re.compile(r"(?:[,;–—]|(?<!\d):(?!\d)|\s-\s|%s+)\s*" % _EMOJI)  # not "7:25"
# Short openers that may come before the request and a comma: "Hi Tom, …", "If so, …".
_INTRO_WORDS = {
    "hi", "hello", "hey", "thanks", "thank", "ok", "okay", "sure", "great", "perfect", "right",
    "alright", "yes", "no", "sorry", "also", "now", "next", "first", "finally", "again",
    "meanwhile", "otherwise", "then", "so", "and", "once", "when", "after", "before", "while",
    "if", "to", "for", "in", "on", "as", "like", "unfortunately", "good", "cool", "awesome",
    "noted", "understood", "got", "gotcha", "fine", "lastly", "secondly", "afterwards", "until",
    "since", "from", "in", "at", "by", "with", "without", "whenever", "wherever", "dear",
    "morning", "afternoon", "evening", "welcome", "ah", "oh", "well", "hmm", "right", "today",
    "tomorrow", "tonight", "meantime", "ideally", "alternatively", "also", "additionally",
    "however", "still", "either", "instead",
}
# Leading adverbials that need no comma: "Next time read the FAQ."
_LEAD_ADV = re.compile(
    r"(?:next\s+time|this\s+time|today|tomorrow|tonight|this\s+(?:morning|afternoon|evening|week)|"
    r"right\s+now|for\s+now|from\s+now\s+on|in\s+(?:the\s+)?future|in\s+the\s+meantime|meanwhile|"
    r"after\s+that|before\s+(?:that|then)|once\s+(?:done|that's\s+done|it's\s+done)|"
    r"when\s+(?:done|ready)|if\s+(?:so|not|possible|needed))\b\s*,?\s*", re.I)
_SUBORDINATORS = {"if", "when", "once", "after", "before", "while", "until", "since", "whenever",
                  "wherever", "as", "because", "although", "though", "unless", "to", "for", "in", "on",
                  "at", "by", "with", "without", "from"}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "madam", "ma'am", "mx", "prof"}
_OBJ_PRON = {"me", "us", "it", "them", "him", "her", "this", "that", "these", "those",
             "everything", "anything", "something", "both", "all"}
_PARTICLES = {"back", "in", "out", "up", "down", "over", "off", "through", "on", "away",
              "again", "around", "ahead", "here", "there", "now", "today", "within", "into",
              "onto", "to", "with", "for", "from", "at", "by", "via", "using", "before", "after",
              "until", "once", "first"}
# Verbs a customer is asked to do that the lexicon does not know as verbs.
_EXTRA_VERBS = {"text", "reboot", "screenshot", "dm", "whatsapp", "rsvp", "resubmit",
                "reinstall", "uninstall", "unpair", "relaunch", "reupload", "re-upload",
                "power-cycle", "powercycle", "double-check", "triple-check", "prebook",
                "pre-book", "pre-order", "e-mail", "cc", "bcc", "venmo", "paypal", "facetime",
                "re-send", "re-enter", "re-install", "re-submit", "re-attach", "reattach",
                "log", "login", "logout", "signup", "checkout"}


@lru_cache(maxsize=16384)
def _lemmas(low: str) -> dict:
    from lemminflect import getAllLemmas

    return getAllLemmas(low)


@lru_cache(maxsize=16384)
def _verb_lemma(word: str) -> str:
    from lemminflect import getLemma

    low = word.lower()
    if low in _EXTRA_VERBS:
        return low
    lemmas = getLemma(low, upos="VERB")
    return lemmas[0] if lemmas else low


@lru_cache(maxsize=16384)
def _base_verb(word: str) -> bool | None:
    """True: the lexicon knows `word` as a verb's base form; False: it knows the word, but not
    as one ('sent', 'thanks'); None: an unknown word ('Cooper', 'dm')."""
    low = word.lower().replace("’", "'")
    if low in _EXTRA_VERBS or low.replace(" ", "-") in _EXTRA_VERBS:
        return True
    lem = _lemmas(low)
    if not lem:
        if "-" in low:
            return _base_verb(low.rsplit("-", 1)[1]) or None
        return None
    return low in lem.get("VERB", ())


@lru_cache(maxsize=16384)
def _maybe_bare_verb_cached(word: str) -> bool:
    low = re.split(r"['’-]", word.lower())[0]
    if low in _NEVER_VERB_OPENERS or not low:
        return False
    if word.lower() in _EXTRA_VERBS or low in _EXTRA_VERBS:
        return True
    lemmas = _lemmas(low)
    if not lemmas:
        # Unknown to the lexicon: a capitalised one is most likely a name ("Cooper"); a
        # lower-case or all-capitals one ("dm", "RSVP") is left for the parser to decide.
        return not (word[:1].isupper() and not word.isupper())
    return low in lemmas.get("VERB", ())


def _maybe_bare_verb(word: str, courtesy: set[str]) -> bool:
    low = word.lower()
    if low in courtesy and low not in _DEMAND_SOMETIMES:
        return False
    return _maybe_bare_verb_cached(word)


_SOFT_RX = re.compile(r"\b(?:please|pls|plz|kindly)\b", re.I)


def _cased(phrase: str, source: str) -> str:
    """'Could you' or 'could you', following how `source` (the original opening) is written."""
    m = re.search(r"[^\W\d_]", source)
    if m is None or m.group().isupper():
        return phrase
    return phrase[:1].lower() + phrase[1:]


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters)


def _emoji_char(c: str) -> bool:
    return ("\U0001F000" <= c <= "\U0001FFFF" or "\u2600" <= c <= "\u27BF" or "\u2B00" <= c <= "\u2BFF"
            or c in "\uFE0F\u200D")


def _split_tail(s: str) -> tuple[str, str]:
    """Separate trailing emoji / smileys (and the space before them), and closing brackets or
    quotes opened earlier in the sentence, so the question mark goes before them. A backward
    scan, linear in the length of the tail (a regex with nested repetition here backtracks
    exponentially on a run of emoji that is not at the end)."""
    body, closers = s, ""
    while body and body[-1] in _CLOSERS and body.count(body[-1]) > body.count(_CLOSERS[body[-1]]):
        closers = body[-1] + closers
        body = body[:-1]
    if closers:
        b, t = _split_tail(body)
        return b, t + closers
    j = len(s)
    while j and s[j - 1].isspace():
        j -= 1
    if not j or not (_emoji_char(s[j - 1]) or s[j - 1] in ")D3"):
        return s, ""  # the common case: no emoji or smiley at the end
    k = len(s)
    while True:
        j = k
        while j > 0 and s[j - 1].isspace():
            j -= 1
        if j > 0 and _emoji_char(s[j - 1]):
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


def _split_terminal(s: str) -> tuple[str, str]:
    m = _TERMINAL.search(s)
    return s[: m.start()], s[m.start():].strip()


def _is_emoji(tok) -> bool:
    return any(_emoji_char(ch) for ch in tok.text) or (
        not any(ch.isalnum() for ch in tok.text) and not tok.is_punct and not tok.is_space)


# A clause with its own subject: after a comma it starts a sentence of its own.
_CLAUSE_HEAD = re.compile(
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


def _clause_start(after: str) -> bool:
    """Does `after` (what follows a comma) open a clause with its own subject?"""
    if _CLAUSE_HEAD.match(after) or _NOUN_CLAUSE.match(after):
        return True
    if _BUT_CLAUSE.match(after):
        return True  # ", but typically meals are served …"
    m = _SUBJ_ADV.match(after)
    if not m:
        return False
    subj, w = m.group(1).lower(), m.group(2).lower()
    verbs = _lemmas(w).get("VERB", ())
    if not verbs:
        return False
    if subj in ("it", "that", "this", "he", "she", "there"):
        return w not in verbs  # "it sometimes ends up there": an inflected verb
    return not (w in ("know", "see", "mean") and not m.group(3).strip())


# "...experience with us." continues a message split in two: not a sentence of its own.
_CONTINUATION = re.compile(r"\s*(?:\.{2,}|…|\(?\d/\d\)?\s)")
# A request cut off mid-phrase ("proceed to the", "reach out to our team at..."): no rewrite
# can be right. A stranded preposition is fine English ("the one you were issued with"), so a
# preposition counts only before an ellipsis.
_CUT_OFF = re.compile(r"(?:(?:^|\s)(?:the|a|an|and|or|your|my|our|their|so|but|because|if|when|while)|"
                      r"['’](?:ll|re|ve)|[:;,—–-])$", re.I)
_CUT_OFF_DOTS = re.compile(r"(?:^|\s)(?:to|of|for|with|at|from|by|in|on|about|as|into|via)$", re.I)


def _cut_off(core: str, terminal: str) -> bool:
    core = re.sub(r"\s*\(?\d/\d\)?$", "", core)  # a "(1/2)" sign-off left in the sentence
    return bool(_CUT_OFF.search(core) or (("..." in terminal or "…" in terminal) and _CUT_OFF_DOTS.search(core)))


def _split_clause(core: str) -> tuple[str, str, bool]:
    """Split `core` (no terminal punctuation) into the part asked as a question and a following
    sentence: ', thanks', a comma splice with its own subject, or 'and' + a clause.
    Returns (ask, following, safe); `following` is '' when nothing is split off."""
    m = _THANKS_TAIL.search(core)
    if m and m.start() > 0:
        return core[: m.start()], m.group("t"), True
    if _HEDGE_TAIL.search(core):
        return core, "", False  # "…, I'm afraid": no sentence of its own, and no safe place to move it
    for c in re.finditer(r"(?:[,:]|(?<!&amp)(?<!&lt)(?<!&gt)(?<!&quot)(?<!&#39);)\s+", core):  # not an entity's ;
        after = core[c.end():]
        v = _VOCATIVE_AFTER_COMMA.match(after)
        if v and _clause_start(after[v.end():]):
            return core[: c.start()] + ", " + v.group(1), after[v.end():], True
        if _clause_start(after):
            return core[: c.start()], after, True
    a = re.search(r",?\s+(?:and|but)\s+(?=" + _CLAUSE_HEAD.pattern + ")", core, re.I)
    if a and a.start() > 0:
        rest = core[a.end():]
        conj = core[a.start():a.end()].strip(" ,").lower()
        if conj == "but":
            rest = core[a.start():].strip(" ,")
        return core[: a.start()], rest, False
    return core, "", True


def _assemble(lead: str, ask: str, following: str, terminal: str, tail: str, capital: bool) -> str:
    out = f"{lead}{ask}?"
    if following:
        if capital:
            following = upper_first(following)
        term = terminal if "?" not in terminal else "."
        out += f" {following}{term}"
    return out + tail


# Offers and conditions: "Reply here if you need anything else" is not a demand.
_OFFER = re.compile(
    r"\b(?:if|when|whenever|should)\s+(?:you|u)(?:\s+|(?=['’]))(?:ever\s+)?"
    r"(?:need|want|have|would|['’]d|['’]re|wish|"
    r"prefer|like|require|still|are|get|run|experience|decide|notice|see|can't|cannot)\b"
    r"|\bif\s+(?:needed|necessary|possible|you\s+like|that\s+helps)\b|\bin\s+case\b|\banytime\b",
    re.I)
# "tell me if you still see it": that "if" means "whether", the sentence still asks.
_WHETHER_BEFORE = re.compile(r"\b(?:tell|show|ask|check|see|confirm|know|find\s+out|say)\s+(?:me\s+|us\s+)?$",
                             re.I)


# A condition about the future before the request: what to do *if* something happens.
_CONTINGENCY = re.compile(
    r"\W*(?:if|should|in\s+case|in\s+the\s+event|whenever)\s+(?:(?:this|that|it|the\s+\w+|you[\s'’]\w*)\s+)?"
    r"(?:\w+\s+){0,4}?(?:continues?|persists?|happens?\s+again|recurs?|comes?\s+back|returns?|still|"
    r"again|keeps?|occurs?|doesn['’]?t|does\s+not|don['’]?t|isn['’]?t|is\s+not|fails?|stops?|changes?|"
    r"arrives?|shows?\s+up|worsens?|gets?\s+worse)\b[^.!?]*?,?\s*(?:please|kindly|pls|plz)?\s*$", re.I)


def _is_offer(s: str) -> bool:
    return any(not _WHETHER_BEFORE.search(s, 0, m.start()) for m in _OFFER.finditer(s))


def _opening_starts(s: str) -> tuple[int, ...]:
    """Where a request could open in `s`: its start, after a leading adverbial, and after
    the first breaks of an introduction ("Hi Tom, …", "If it still fails, …", "NOTE: …")."""
    starts = [0]
    m = _LEAD_ADV.match(s)
    if m:
        starts.append(m.end())
    # an introduction only adds openings at its breaks or after a label: find those first
    breaks = list(_OPENING_BREAK.finditer(s, 0, 160))[:3]
    label = _LABEL.match(s)
    if (breaks or label) and ImperativeRequest._intro_could_open(s):
        starts.extend(c.end() for c in breaks)
        if label:
            starts.append(label.end())
    return tuple(starts)


_MODES = ("bare", "softened", "negative")
_NO = (False, False, False)


@lru_cache(maxsize=8)
def _courtesy_set(extra: frozenset) -> frozenset:
    return frozenset(_COURTESY_LEMMAS | extra)


@lru_cache(maxsize=16384)
def _imperative_candidates(sentence: str, extra_courtesy: frozenset) -> tuple[bool, bool, bool]:
    """The candidate test of the three imperative rules (bare, softened, negative) at once:
    they run one after the other on the same sentence, so the answer is computed once.

    Questions, offers ("… if you need anything") and, for the softened rule, sentences with no
    "please" are never candidates; the offer and softener tests run last, only for the few
    sentences where an opening could be a verb."""
    s = _split_tail(sentence.strip())[0].rstrip()
    if not s or s.endswith("?"):
        return _NO
    courtesy = _courtesy_set(extra_courtesy)
    verdict = [False, False, False]
    for p in _opening_starts(s):
        words = tuple(_WORDS.findall(s, p, p + 200))
        if p and _trailing_name(words):
            continue
        for k, v in enumerate(ImperativeRequest._opening_verdicts(words, s, courtesy)):
            verdict[k] = verdict[k] or v
    if not any(verdict) or _is_offer(s):
        return _NO
    verdict[1] = verdict[1] and _SOFT_RX.search(s) is not None
    return tuple(verdict)


def _trailing_name(words: tuple[str, ...]) -> bool:
    """After a comma, one capitalised word that ends the sentence is a name ("Thanks, Mark.")."""
    return len(words) == 1 and words[0][:1].isupper() and words[0][1:].islower()


# --------------------------------------------------------------------------------------
# Unsoftened imperatives: "Send me the receipt." -> "Could you send me the receipt?"
# --------------------------------------------------------------------------------------

# Imperatives that are courtesies or offers, not demands on the customer.
_COURTESY_LEMMAS = {
    "let", "have", "enjoy", "feel", "take", "rest", "stay", "thank", "excuse", "pardon",
    "forgive", "welcome", "hang", "bear", "hold", "allow", "see", "note", "be", "worry",
    "hesitate", "wish", "accept", "congratulate", "mind", "relax", "calm", "trust", "consider",
    "imagine", "keep", "say", "tell", "hope", "know", "sleep", "chill", "cheer", "expect",
    "appreciate", "apologize", "apologise", "get", "love", "settle", "try", "need", "want",
    "guess", "bet", "shame", "promise", "rest", "sit", "try", "settle", "find", "understand", "believe",
    "come",
}
# Courtesy verbs that still ask the customer to do something in some uses.
_DEMAND_SOMETIMES = {"tell", "keep", "hold", "take", "have", "get", "try", "settle", "calm", "sit", "hang",
                     "note", "find", "let", "come"}
# ... and the words after them that keep them courtesies ("Get well soon", "Sit tight").
_COURTESY_NEXT = {
    "get": {"well", "better", "some", "home", "comfortable", "comfy", "cosy", "cozy", "excited", "ready"},
    "come": {"check", "see", "visit", "say", "join", "by", "and", "fly", "stay"},  # invitations
    "try": {"not"},
    "settle": {"down", "in", "back"},
    "calm": {"down"},
    "sit": {"tight", "back", "down"},
    "hang": {"on", "tight", "in", "there"},
    "let": {"me", "us", "'s", "’s", "yourself", "it", "them"},  # "Let me check", "Let us know"
    "find": {"attached", "enclosed", "below", "above", "herewith", "the", "a", "our"},
}
# ... or the only words after them that make them demands ("Note down your case number").
_DEMAND_NEXT = {"note": {"down"}}
_KEEP_COURTESY = {"in", "safe", "well", "warm", "up", "going", "smiling", "calm", "cool", "dry",
                  "healthy", "touch", "positive", "hydrated", "strong"}
_TAKE_COURTESY = {"care", "time", "break", "rest", "seat", "moment", "minute", "minutes", "breath",
                  "easy", "day", "days", "weekend", "chance"}


def _demand_anyway(lemma: str, doc, end: int) -> bool:
    """Is this use of a courtesy verb a demand after all? ("Tell us your name.", "Keep the
    receipt.", "Hold the power button.", "Take a screenshot.", "Have your card ready.")"""
    after = [t for t in doc[end + 1:] if not t.is_space]
    nxt = after[0] if after else None
    words = [t.lower_ for t in after[:4]]
    if lemma == "tell":
        return bool(nxt is not None and nxt.lower_ in ("us", "me"))
    if lemma == "keep":  # "Keep the receipt" asks; "Keep flying!", "Keep safe" do not
        return (nxt is not None and not (set(words[:3]) & _KEEP_COURTESY) and not nxt.is_punct
                and nxt.tag_ != "VBG")
    if lemma == "hold":
        return nxt is not None and nxt.tag_ in ("DT", "PRP$") and "line" not in words
    if lemma == "take":
        return nxt is not None and nxt.tag_ in ("DT", "PRP$", "CD") and not (set(words) & _TAKE_COURTESY)
    if lemma == "have":
        return nxt is not None and nxt.tag_ in ("DT", "PRP$") and bool(
            {"ready", "handy", "nearby", "available", "with"} & {t.lower_ for t in after})
    if lemma == "find" and nxt is not None and nxt.lower_ in ("the", "a", "our"):
        return len(words) > 1 and words[1] not in ("attached", "enclosed")  # "Find the serial number"
    if lemma in _COURTESY_NEXT:
        return nxt is not None and not nxt.is_punct and nxt.lower_ not in _COURTESY_NEXT[lemma]
    if lemma in _DEMAND_NEXT:
        return nxt is not None and nxt.lower_ in _DEMAND_NEXT[lemma]
    return False


class ImperativeRequest(Detector):
    """A sentence that opens with a bare verb asking the customer to act."""

    name: ClassVar[str] = "imperative-request"
    needs_parse: ClassVar[bool] = True

    class Options(DetectorOptions):
        # bare: "Send me the receipt."; softened: "Please send me the receipt.";
        # negative: "Don't call this number again."
        mode: Literal["bare", "softened", "negative"] = "bare"
        courtesy_verbs: list[str] = []  # extra lemmas that are never demands
        # a pack lexicon of verbs whose imperative is mostly a wish, an invitation or banter
        # ("Fly happy!", "Come see us", "Prove it"): still flagged, but "Could you …?" is only
        # offered for review, never applied unreviewed
        unsafe_verbs: str | None = None

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.courtesy = _COURTESY_LEMMAS | set(options.courtesy_verbs)
        self._courtesy_key = frozenset(options.courtesy_verbs)
        self._unsafe_verbs = None
        if options.unsafe_verbs is not None:
            entries = ctx.lexicons.get(options.unsafe_verbs)
            if entries is None:
                raise ValueError(f"unsafe_verbs names no lexicon `{options.unsafe_verbs}`")
            self._unsafe_verbs = re.compile(r"(?:%s)\Z" % "|".join(entries), re.I)

    # ---- the cheap test (a superset of find_parsed) ----------------------------------
    def candidate(self, sentence: str) -> bool:
        """Could a word that opens the request be a bare verb?"""
        return _imperative_candidates(sentence, self._courtesy_key)[_MODES.index(self.options.mode)]

    @staticmethod
    def _intro_could_open(s: str) -> bool:
        """Could the sentence open with a greeting, a name or an introductory phrase (what
        `_locate` skips to reach the request)?"""
        if _LABEL.match(s):
            return True
        for w in _WORDS.findall(s, 0, 80)[:3]:
            low = w.lower()
            if low in _SOFTENERS or low in _FILLERS:
                continue
            return (low in _INTRO_WORDS or low in _SUBORDINATORS or low.rstrip(".") in _TITLES
                    or low.endswith("ly") or (w[:1].isupper() and not _base_verb(w)))
        return False

    @staticmethod
    def _opening_verdicts(words: tuple[str, ...], s: str, courtesy) -> tuple[bool, bool, bool]:
        """Could the request opening with `words` be (bare, softened, negative)? A superset of
        what `_locate` accepts on the parse, decided from the words alone."""
        i = 0
        while i < len(words) and (words[i].lower() in _SOFTENERS or words[i].lower() in _FILLERS
                                  or _HANDLE.match(words[i])):
            i += 1
        if i >= len(words):
            return _NO
        w = words[i]
        low = w.lower()
        negative = low in {"don't", "don’t", "dont", "do", "never"}
        verb = ImperativeRequest._could_be_verb(words, i, s, courtesy)
        softened_before = any(x.lower() in _SOFTENERS for x in words[:i])
        return (verb and not softened_before, verb, negative)

    @staticmethod
    def _could_be_verb(words: tuple[str, ...], i: int, s: str, courtesy) -> bool:
        w = words[i]
        nxt_w = words[i + 1].lower().replace("’", "'") if i + 1 < len(words) else ""
        if w.lower() in _COURTESY_NEXT and (nxt_w in _COURTESY_NEXT[w.lower()] or w.lower() == "let" and nxt_w == "'s"):
            return False  # "Let me check", "Hang on", "Sit tight": no parse needed
        if w.lower() in ("let's", "let’s"):
            return False
        if (w.lower() == "take" and nxt_w in _TAKE_COURTESY) or (w.lower() == "keep" and nxt_w in _KEEP_COURTESY):
            return False  # "Take care", "Keep safe" (see _demand_anyway)
        if any(c.isdigit() for c in w):
            return False  # "DL1282 is on time."
        if _maybe_bare_verb(w, courtesy):
            return True
        if w.lower() == "have" and re.search(r"\b(?:ready|handy|nearby|available|with\s+you)\b", s, re.I):
            return True  # "Have your card ready."
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        # an unknown capitalised verb ("Reboot the router") with an object; a leading vocative
        # ("Jennifer, send me …") is an opening after a comma (see _opening_starts)
        return (_base_verb(w) is None and not _function_word(w)
                and (nxt in _OBJ_PRON or nxt in {"the", "your", "a", "an", "my", "our"}))

    # ---- finding the request in the parse ---------------------------------------------
    def _locate(self, doc):
        """(verb index, last index of the verb word, negated, softened, strong) or None."""
        n = len(doc)
        i = 0
        intros = 0
        softened = False
        text = doc.text
        while i < n:
            t = doc[i]
            low = t.lower_
            if t.is_space or t.is_punct or _HANDLE.match(t.text) or _is_emoji(t):
                i += 1  # (a leading "-" or "•" is a bullet)
                continue
            if i + 1 < n and not intros and (
                    (t.like_num and doc[i + 1].text in (")", ".")) or doc[i + 1].text == ":"):
                i += 2  # a list marker ("1)", "2.") or a label ("NOTE:", "Tip:")
                continue
            m = _LEAD_ADV.match(text, t.idx)
            if m:
                j = i
                while j < n and doc[j].idx < m.end():
                    j += 1
                i = j
                continue
            if low in _SOFTENERS:
                softened = True
                i += 1
                continue
            if low in _FILLERS:
                i += 1
                continue
            # a leading vocative: "Jennifer, send …", "Mrs Okafor, …"
            j = i
            while j < n and (doc[j].pos_ == "PROPN" or doc[j].lower_.rstrip(".") in _TITLES
                             or doc[j].text == ".") and doc[j].lower_ not in _SOFTENERS:
                j += 1
            if j > i and j < n and doc[j].text in (",", "-", "–", "—") and doc[i].text[:1].isupper():
                i = j + 1  # "Tom, send …", "Tom - send …"
                continue
            if self.options.mode == "negative":
                if low in ("do", "dont") and i + 1 < n and (
                        doc[i + 1].dep_ == "neg" or doc[i + 1].lower_ in ("n't", "not", "nt")):
                    vi = i + 2
                elif low == "dont":
                    vi = i + 1
                elif low == "never":
                    vi = i + 1
                else:
                    vi = None
                if vi is not None:
                    if vi < n and doc[vi].pos_ != "AUX" and doc[vi].tag_ != "MD" and (
                            doc[vi].tag_ == "VB" or _base_verb(doc[vi].text)):
                        return vi, vi, True, softened, True, i
                    return None
            else:
                if low in ("do", "dont", "never") and i + 1 < n:
                    return None
                found = self._verb_at(doc, i)
                if found:
                    return found[0], found[1], False, softened, found[2], i
            # an introductory phrase up to a comma: "Hi Tom, …", "If it still fails, …"
            if intros < 2 and (low in _INTRO_WORDS or t.tag_ in ("IN", "TO", "WRB", "UH", "RB")):
                # a subordinate clause ("If you go online, …") ends at a comma; a greeting or a
                # discourse marker may also end at a colon, a dash or an emoji
                subordinate = low in _SUBORDINATORS or t.tag_ in ("IN", "TO", "WRB")
                ends = (",",) if subordinate else (",", ":", ";", "—", "–")
                k = next((k for k in range(i + 1, min(n, i + 14))
                          if doc[k].text in ends or (not subordinate and _is_emoji(doc[k]))), None)
                if k is not None and not any(x.text in ("?", "!", ".") for x in doc[i:k]):
                    intros += 1
                    i = k + 1
                    continue
            return None
        return None

    def _verb_at(self, doc, i: int):
        n = len(doc)
        t = doc[i]
        end = i
        word = t.text
        if (i + 2 < n and doc[i + 1].text == "-" and not t.whitespace_ and not doc[i + 1].whitespace_
                and doc[i + 2].is_alpha):
            word, end = t.text + "-" + doc[i + 2].text, i + 2
        elif t.lower_ in ("double", "triple") and i + 1 < n and doc[i + 1].lower_ == "check":
            word, end = t.text + " " + doc[i + 1].text, i + 1  # "Double check the address"
        low = word.lower()
        first = re.split(r"['’-]", low)[0]
        if (first in _NEVER_VERB_OPENERS or low in _NEVER_VERB_OPENERS) and not (
                low == "have" and _demand_anyway("have", doc, end)):
            return None
        known = _base_verb(word)
        if known is False:
            return None
        after = [x for x in doc[end + 1:] if not x.is_space]
        nxt = after[0] if after else None
        strong = nxt is not None and (
            nxt.tag_ in ("DT", "PRP$", "CD") or nxt.lower_ in _OBJ_PRON or nxt.tag_ == "RP"
            or nxt.lower_ in _PARTICLES)
        if _COURTESY_IDIOM.match(doc.text, t.idx):
            return None
        if nxt is not None and nxt.lower_ in ("you", "u", "ya", "y'all"):
            return None  # "Thank you", "Bet you…", "Mind you"
        if nxt is not None and nxt.text in (",", "!") or sum(ch.isalpha() for ch in word) < 2:
            return None  # "Look, it's simple.": a discourse marker, not a request
        last = doc[end]
        parse_vb = last.tag_ == "VB" or (t.tag_ == "VB") or (t.tag_ == "VBP" and t.pos_ == "VERB")
        if nxt is not None and nxt.lower_ == "to" and not parse_vb:
            strong = False  # "Pleasure to have you", "Time to go": nouns take "to" as well
        if known is None and not (parse_vb and strong) and low not in _EXTRA_VERBS:
            return None
        if not parse_vb and not strong:
            return None
        if t.tag_ in ("VBD", "VBN", "VBZ", "VBG", "MD") and not strong:
            return None
        for x in doc[i:end + 1]:
            if any(c.dep_ in ("nsubj", "nsubjpass", "expl") and c.i < i and not _is_emoji(c) for c in x.children):
                return None
            for a in (x, *x.ancestors):
                if a.dep_ in ("nsubj", "nsubjpass") and not (a is x and x.tag_ == "VB") and (
                        a.head.pos_ in ("VERB", "AUX") or not strong):
                    return None  # (a word tagged VB is a verb, whatever its label says; and the
                    # "subject" of an interjection is a mis-parse: "Restart the app please.")
                if a.i < i and a.pos_ in ("VERB", "AUX") and a.dep_ == "ROOT" and a.tag_ != "VB":
                    return None  # the verb hangs off an earlier finite clause
        if nxt is not None and nxt.tag_ in ("VBZ", "VBD", "MD") and not strong:
            return None
        lemma = _verb_lemma(word)
        if lemma in self.courtesy and not (lemma in _DEMAND_SOMETIMES and _demand_anyway(lemma, doc, end)):
            return None
        return i, end, strong or (parse_vb and t.dep_ == "ROOT")

    def find_parsed(self, doc, offset: int) -> list[Match]:
        text = doc.text
        core = _split_tail(text.rstrip())[0].rstrip()
        if _is_offer(text) or core.endswith("?") or not core or _CONTINUATION.match(core):
            return []
        loc = self._locate(doc)
        if loc is None:
            return []
        vi, vend, neg, softened, strong, first_i = loc
        if not neg and softened != (self.options.mode == "softened"):
            return []
        verb = doc[vi]
        if softened and not neg and _CONTINGENCY.match(text, 0, verb.idx):
            return []  # "If the fault comes back, please call us": polite advice for later
            # (without "please", "If it still fails, restart the router." still reads as an order)
        lemma = _verb_lemma(verb.text)
        if neg and (lemma in {"worry", "hesitate", "forget", "panic", "stress", "fret", "be", "apologize",
                              "apologise", "thank", "feel"}
                    or _NEG_COURTESY.match(text, verb.idx)):
            return []
        end = len(text.rstrip())
        return [Match(offset, offset + end, groups={"verb": verb.text},
                      suggestions=self._suggest(doc, first_i, vi, vend, neg, strong))]

    # ---- the rewrite -------------------------------------------------------------------
    def _suggest(self, doc, first_i: int, vi: int, vend: int, neg: bool, strong: bool) -> list[Suggestion]:
        text = doc.text.rstrip()
        verb = doc[vi]
        cut = doc[first_i].idx if neg else verb.idx  # where the kept prefix ends
        # The prefix, minus softeners (re-added as "please") and the fillers that move after
        # "could you" ("Just send it" -> "Could you just send it").
        pre = [t for t in doc if t.idx < cut]
        please = any(t.lower_ in _SOFTENERS for t in pre)
        moved: list[str] = []
        drop: set[int] = set()
        j = len(pre) - 1
        while j >= 0:
            t = pre[j]
            if t.lower_ in _SOFTENERS:
                j -= 1
                continue
            if t.lower_ in _MOVABLE or (t.tag_ == "RB" and t.lower_.endswith("ly")
                                         and t.lower_ not in ("only", "early")):
                if t.lower_ != "kindly":
                    moved.insert(0, t.text.lower() if not t.text.isupper() or len(t.text) == 1 else t.text)
                drop.add(t.i)
                j -= 1
                continue
            break
        for t in pre:
            if t.lower_ in _SOFTENERS:
                drop.add(t.i)
                if t.i + 1 < len(doc) and doc[t.i + 1].text == "," and doc[t.i + 1].idx < cut:
                    drop.add(t.i + 1)
        kept = "".join(t.text_with_ws for t in pre if t.i not in drop)
        if pre and pre[-1].i in drop and kept and not kept[-1].isspace():
            kept += " "
        shout = _shouting(text)
        opening = text[doc[0].idx:] if not kept.strip() else ""
        could, mind = "could you", "would you mind"
        if not kept.strip():
            could, mind = _cased("Could you", opening), _cased("Would you mind", opening)
        elif not re.search(r"[^\W\d_]", kept):  # only a bullet, a number or a bracket before it
            could, mind = _cased("Could you", text[cut:]), _cased("Would you mind", text[cut:])
        elif kept.rstrip()[-1:] in (".", "!", "?") or _emoji_char(kept.rstrip()[-1:] or "a"):
            # after an emoji or a full stop the request starts a sentence: "Hi Sam 👋 Could you …"
            could, mind = _cased("Could you", text[cut:]), _cased("Would you mind", text[cut:])
        plz = "please " if please else ""
        mv = "".join(w + " " for w in moved)
        if shout:
            could, mind, plz, mv = could.upper(), mind.upper(), plz.upper(), mv.upper()
        body, tail = _split_tail(text[verb.idx:])
        core, terminal = _split_terminal(body)
        if _cut_off(core, terminal):
            return []
        capital = not shout and bool(re.search(r"[^\W\d_]", text)) and re.search(r"[^\W\d_]", text).group().isupper()
        if neg:
            ing = gerund(verb.text)
            rest = core[len(verb.text):]
            ask, following, _ = _split_clause(rest)
            avoid = "AVOID " if shout else "avoid "
            return [Suggestion(
                replacement=kept + _assemble(f"{could} {plz}{avoid}", (ing.upper() if shout else ing) + ask,
                                             following, terminal, tail, capital),
                applicability=UNSAFE, title="Ask instead of forbidding")]
        ask, following, split_safe = _split_clause(core)
        ask_l = ask if shout else lower_first(ask)
        safe = (split_safe and strong and len(doc) <= 40 and ";" not in ask
                and not (self._unsafe_verbs and self._unsafe_verbs.match(_verb_lemma(verb.lower_))))
        alts = [Suggestion(
            replacement=kept + _assemble(f"{could} {plz}{mv}", ask_l, following, terminal, tail, capital),
            applicability=SAFE if safe else UNSAFE,
            title="Ask, then explain" if following and not split_safe else "Ask instead of telling")]
        chained = any(c.dep_ == "conj" and c.pos_ == "VERB" for c in verb.children) or _CHAINED.search(
            ask[len(verb.text):])
        if not please and vend == vi and ask.startswith(verb.text) and not chained and not shout:
            ing_core = gerund(verb.text) + ask[len(verb.text):]
            alts.append(Suggestion(
                replacement=kept + _assemble(f"{mind} {mv}", ing_core, following, terminal, tail, capital),
                applicability=UNSAFE, title="Would you mind …?"))
        return alts


# Imperative idioms that ask for nothing.
_COURTESY_IDIOM = re.compile(r"(?:watch\s+this\s+space|take\s+care|have\s+fun|break\s+a\s+leg|"
                             r"mind\s+how\s+you\s+go|keep\s+it\s+up|shake\s+and\s+bake|stay\s+tuned|"
                             r"rest\s+assured|fingers\s+crossed|come\s+on\s*[.!]*$)", re.I)
# "Don't mention it", "Don't take it personally", "Don't blame yourself": not requests.
_NEG_COURTESY = re.compile(r"(?:mention\s+it|take\s+(?:it|this|that)\s+personally|take\s+offen[cs]e|"
                           r"blame\s+(?:me|us|yourself|them)|let\s+(?:it|this|that)\s+(?:worry|bother|get))\b", re.I)


def _function_word(w: str) -> bool:
    """Words the lexicon does not list (it holds open-class words only) that are never verbs:
    "If the …", "For your …", "It's the …" open no request."""
    low = w.lower()
    return ("'" in low or "’" in low or low in _NEVER_VERB_OPENERS or low in _SUBORDINATORS
            or low in _INTRO_WORDS)


_NEVER_VERB_OPENERS = {
    "i", "we", "you", "they", "he", "she", "it", "this", "that", "these", "those", "there",
    "the", "a", "an", "my", "our", "your", "their", "his", "her", "its", "what", "when", "where",
    "why", "how", "who", "which", "is", "are", "was", "were", "am", "will", "would", "can",
    "could", "should", "may", "might", "must", "do", "does", "did", "have", "has", "had",
    "if", "as", "for", "in", "on", "at", "by", "with", "from", "to", "of", "about", "after",
    "before", "since", "unfortunately", "thanks", "thank", "sorry", "hi", "hello", "hey",
    "dear", "yes", "no", "yeah", "sure", "great", "good", "happy", "glad", "all", "some",
    "any", "every", "each", "not", "once", "while", "because", "but", "or", "also", "however",
    "welcome", "apologies", "congrats", "congratulations", "absolutely", "certainly",
    "definitely", "of", "unless", "although", "though", "one", "two", "its", "im", "ive",
    "id", "ill", "were", "weve", "theyre", "youre", "dont", "didnt", "doesnt", "cant", "wont",
    "oh", "ah", "wow", "hmm", "ooh", "aw", "aww", "yay", "ugh", "lol", "omg", "whoa", "yikes",
    "ok", "okay", "great", "perfect", "awesome", "excellent", "cool", "nice", "wonderful",
    "amazing", "fantastic", "brilliant", "hiya", "howdy", "morning", "afternoon", "evening",
    "bye", "cheers", "ta", "thx", "ty", "np", "yep", "yup", "nope", "nah", "indeed", "really",
    "actually", "currently", "typically", "usually", "normally", "generally", "again",
    "shame", "pity", "bummer", "kudos", "fingers", "hopefully", "sadly", "luckily", "thankfully",
    "well", "pleasure", "glad", "lucky", "safe", "despite", "cont", "gm",
}


# --------------------------------------------------------------------------------------
# Bare noun-phrase requests: "Date of birth?" -> "May I have your date of birth?"
# --------------------------------------------------------------------------------------

# Information a customer is asked for; bare, these take "your".
PERSONAL_NOUNS = {
    "name", "number", "date", "birth", "birthday", "email", "e-mail", "address", "phone",
    "postcode", "zip", "code", "account", "reference", "id", "details", "detail", "dob",
    "username", "password", "pin", "surname", "contact", "booking", "confirmation",
    "order", "ticket", "policy", "membership", "card", "passport", "license", "licence",
    "record", "locator", "serial", "receipt", "invoice", "mobile", "telephone", "info",
    "information", "location", "city", "country", "state", "itinerary", "reservation",
    "flight", "seat", "claim", "case", "tracking", "member", "customer", "login", "handle",
    "ref", "postal", "expiry", "reg", "registration", "mileage", "meter", "reading", "nhs",
    "insurance", "vin", "imei", "sort", "iban", "cvv", "digits", "initial", "initials",
    "firstname", "lastname", "dob", "zipcode", "post", "ssn", "plate", "model", "make",
    "version", "browser", "device", "os", "serial", "sku", "pnr", "mrn", "patient", "gp",
    "employer", "occupation", "age", "gender", "signature", "payee", "iccid", "sim",
    "reason", "size", "colour", "color", "quantity", "amount", "preference", "availability",
}
_NOT_REQUESTS = {
    "problem", "thanks", "thank", "sorry", "welcome", "pleasure", "morning", "afternoon",
    "evening", "night", "day", "luck", "news", "weekend", "holiday", "holidays", "travel",
    "travels", "trip", "anything", "something", "everything", "nothing", "question",
    "questions", "concern", "concerns", "worries", "idea", "congratulations", "congrats",
    "apology", "apologies", "cheers", "job", "work", "time", "glad", "deal", "chance",
    "way", "lol", "hello", "hi", "hey", "bye", "goodbye", "yes", "no", "update", "reply",
    "response", "feedback", "shout", "love", "wow", "yay", "ok", "okay", "issue", "help",
    "today", "tomorrow", "tonight", "yesterday", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "now", "later", "soon", "sense", "point", "fun", "care",
    "pity", "shame", "surprise", "success", "progress", "mistake", "trouble", "wish", "wishes",
    "regards", "doubt", "lunch", "coffee", "tea", "sir", "madam", "ma'am", "guys", "folks",
    "everyone", "friend", "mate", "buddy", "same", "true", "status", "refund", "exchange",
}
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "anything"}
_MOTION = {"into", "onto", "back", "up", "down", "out", "off", "over", "through", "away", "in", "to",
           "round", "around", "along", "across"}
_ITEM_NOUNS = {"copy", "photo", "picture", "pic", "screenshot", "scan", "photograph", "image",
               "video", "snapshot", "printout"}
_POSSESSIVES = {"your", "ur", "yr", "my", "our", "his", "her", "their", "its", "the", "this",
                "that", "these", "those", "a", "an"}


_CLAUSE_WORDS = re.compile(
    r"(?<![\w'’])(?:i|we|you|he|she|they|it|is|are|was|were|am|be|been|do|does|did|can|could|"
    r"will|would|should|shall|may|might|must|have|has|had|let|thanks|thank|sorry|hi|hello|hey)"
    r"(?![\w'’])|['’](?:re|m|ll|d|ve)\b|n['’]t\b|"
    # 's is a clause only after a pronoun ("that's"); "patient's name" is a possessive
    r"(?<![\w'’])(?:it|that|what|there|here|he|she|who|where|how|let)['’]s\b")
# A clause that describes the noun phrase, kept as it is: "Full name as it appears on your card?"
_NP_CLAUSE = re.compile(r"\s(?:exactly\s+|just\s+)?(?:as|like)\s+(?:(?:it|they)\s+(?:appears?|is|are|shows?|reads?|"
                        r"was|were|printed|written)|(?:shown|printed|written|listed|stated|displayed|given|"
                        r"registered|spelled|spelt)\b)\b.*$", re.I)
_PLEASE_END = re.compile(r"(?:,\s*|\s+)(?P<p>please|pls|plz)\s*$", re.I)
_VOCATIVE_END = re.compile(r",\s*(?P<v>(?:(?:Mr|Mrs|Ms|Dr|Miss)\.?\s+)?[A-Z][a-z][\w'’-]*)$")
_NP_INTRO = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|thanks|thank\s+you|sure|right|alright|and|also|lastly|finally|next|now|"
    r"so|cool|lovely|brilliant|awesome|got\s+it|noted|understood|(?:as|like)\s+(?:I|we)\s+(?:\w+\s+){0,2}\w+)"
    r"(?:\s+[A-Z][a-z]+)?\s*[,.:;!—–-]+\s*|(?:and|also|plus|lastly|finally|next|now)\s+|\(?\d/\d\)?\s+)", re.I)


def _np_parts(s: str):
    """Split a possible bare-noun request into (prefix, np, describing clause, please, vocative,
    terminal, tail). None when the shape cannot be a bare noun request."""
    body, tail = _split_tail(s.rstrip())
    core, terminal = _split_terminal(body)
    if not core or "!" in terminal:
        return None
    prefix = ""
    m = _NP_INTRO.match(core)
    if m and m.end() < len(core):
        prefix, core = core[: m.end()], core[m.end():]
    please = vocative = ""
    m = _VOCATIVE_END.search(core)
    if m and m.start() > 0:
        vocative, core = m.group("v"), core[: m.start()]
    m = _PLEASE_END.search(core)
    if m and m.start() > 0:
        please, core = m.group("p"), core[: m.start()]
    if not vocative:
        m = _VOCATIVE_END.search(core)
        if m and m.start() > 0:
            vocative, core = m.group("v"), core[: m.start()]
    clause = ""
    m = _NP_CLAUSE.search(core)
    if m and m.start() > 0:
        clause, core = core[m.start():], core[: m.start()]
    core = core.rstrip(" ,")
    if not core:
        return None
    return prefix, core, clause, please, vocative, terminal, tail


def _word_rx(words) -> re.Pattern[str]:
    alts = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(r"(?<![\w'’])(?:%s)(?![\w'’])" % alts, re.I)


_PERSONAL_RX = _word_rx(PERSONAL_NOUNS)


_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")
_NON_LETTERS = re.compile(r"[^a-z]")
# First words that never open a bare noun phrase ("We …", "I'm …", "Please …").
_NEVER_NOUN_FIRST = frozenset(_WH | (_NEVER_VERB_OPENERS - {"your", "the", "a", "an", "ur"}) | _SOFTENERS)
# The first word of a sentence, when it is letters and apostrophes only.
_FIRST_TOKEN = re.compile(r"\s*([A-Za-z'’]+)[,.!?;:]*(?:\s|$)")


class BareNounRequest(Detector):
    """A request for information made of a bare noun phrase: "Order number?"."""

    name: ClassVar[str] = "bare-noun-request"
    needs_parse: ClassVar[bool] = True

    class Options(DetectorOptions):
        max_words: int = 10
        info_nouns: list[str] = []  # extra nouns that take "your"

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.personal = PERSONAL_NOUNS | {w.lower() for w in options.info_nouns}
        extra = {w.lower() for w in options.info_nouns} - PERSONAL_NOUNS
        self._extra_rx = _word_rx(extra) if extra else None

    def _informative_text(self, s: str) -> bool:
        return bool(_PERSONAL_RX.search(s) or (self._extra_rx and self._extra_rx.search(s)))

    def candidate(self, sentence: str) -> bool:
        if sentence.count(" ") > self.options.max_words + 12:
            return False  # far too long for a bare noun phrase, even with an opening and a tail
        # the first-word test below, before splitting the sentence, when no _NP_INTRO prefix
        # ("Thanks, …") can move the noun phrase's start
        m = _FIRST_TOKEN.match(sentence)
        if (m and _NON_LETTERS.sub("", m.group(1).lower()) in _NEVER_NOUN_FIRST
                and not _NP_INTRO.match(sentence.strip())):
            return False
        parts = _np_parts(sentence.strip())
        if parts is None:
            return False
        prefix, core, clause, please, vocative, terminal, tail = parts
        words = core.split()
        if not words or len(words) > self.options.max_words + 2:
            return False
        if not _TWO_LETTERS.search(core) or words[0][:1] in "#@(&":
            return False  # emoji, phone numbers, hashtags, "(1/2)"
        low = core.lower()
        first = _NON_LETTERS.sub("", words[0].lower())
        if first in _NEVER_NOUN_FIRST:
            return False
        lem = _lemmas(first) if first else {}
        if (lem and not (set(lem) & {"NOUN", "ADJ", "PROPN", "NUM"}) and first not in ("your", "the", "a", "an", "ur")
                and not first.endswith(("ing", "ed"))):  # participles modify nouns: "Tracking number?"
            return False  # "Enjoy your day.", "Just one moment.": no noun can open with that word
        if _CLAUSE_WORDS.search(low):
            return False  # has a subject pronoun or an auxiliary: a clause, not a bare noun phrase
        if "?" in terminal or please:
            return True
        return self._informative_text(core)

    def find_parsed(self, doc, offset: int) -> list[Match]:
        text = doc.text.rstrip()
        parts = _np_parts(text)
        if parts is None or _CONTINUATION.match(text) or _cut_off(parts[1], "...") :
            return []  # (a noun phrase never strands a preposition: "A member of" is cut off)
        prefix, core, clause, please, vocative, terminal, tail = parts
        if prefix and (_CLAUSE_WORDS.search(core.lower())):
            return []
        np_start = len(prefix)
        np_end = np_start + len(core)
        toks = [t for t in doc if np_start <= t.idx < np_end and not t.is_space and not _is_emoji(t)]
        if not toks:
            return []
        verdict = self._np_verdict(toks, core)
        if verdict is None:
            return []
        informative, clean, head_personal = verdict
        asks = "?" in terminal or bool(please)
        if not asks and not head_personal:
            return []  # "Customer Relations deal with cases in date order.": a statement
        n_words = len([t for t in toks if not t.is_punct])
        if n_words > self.options.max_words:
            return []
        if not informative:
            return []  # "Weather?", "A latte with vanilla?", "November?": a guess or a check, not a demand
        if not prefix and not asks and core[:1].islower():
            return []  # "email and contact number." continues a message split in two
        if not prefix and toks[0].text[:1].islower() and toks[0].tag_ in ("VBN", "VBG"):
            return []  # "based account?" (… "US based account?")
        if not asks and not terminal and toks[0].lower_ in ("a", "an", "the"):
            return []  # "A member": a phrase cut off, not a request
        return [Match(offset, offset + len(text),
                      suggestions=self._suggest(text, prefix, core, clause, please,
                                                vocative, terminal, tail, toks, informative, clean))]

    def _np_verdict(self, toks, core: str):
        """(informative, clean) when `toks` read as a noun phrase, else None."""
        words = [t for t in toks if not t.is_punct]
        if not words:
            return None
        first = words[0]
        if first.lower_ in _WH or first.lower_ in ("any", "no", "every", "each", "some"):
            return None
        if first.pos_ in ("ADV", "ADP", "CCONJ", "SCONJ", "PART") and first.lower_ not in ("ur", "yr") and not (
                first.pos_ == "ADV" and "ADJ" in _lemmas(first.lower_)):  # "Last name …" may be tagged RB
            return None  # "Obviously, …", "For the refund …"
        nouny = False
        for k, t in enumerate(toks):
            low = t.lower_
            if t.is_punct:
                if t.text not in (",", "#", "-", "/", "&", "'", "’", "(", ")", "+"):
                    return None
                continue
            if low in ("ur", "yr"):
                continue
            if t.tag_ in ("PRP", "MD", "WDT", "WP", "WRB") or t.pos_ in ("INTJ", "AUX"):
                if t.pos_ == "AUX" and _lemmas(low).get("NOUN"):
                    nouny = True
                    continue
                return None
            lem = _lemmas(low)
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            prev = toks[k - 1] if k > 0 else None
            if t.tag_ in ("VBZ", "VBD") or (t.tag_ in ("VB", "VBP") and prev is not None and prev.lower_ == "to"
                                             and not (k >= 2 and toks[k - 2].pos_ == "NOUN"
                                                      and (nxt is None or nxt.is_punct or nxt.tag_ == "CC"))):
                return None  # "the app needs …", "to find …": a clause; "best time to call" is a noun
            nxt_nouny = nxt is not None and not nxt.is_punct and (
                nxt.pos_ in ("NOUN", "PROPN", "ADJ", "NUM") or nxt.lower_ in self.personal
                or (nxt.pos_ in ("VERB", "X") and "NOUN" in _lemmas(nxt.lower_)))
            if t.tag_ in ("VBG", "VBN") and not nxt_nouny and nxt is not None and not (
                    nxt.is_punct or nxt.tag_ == "CC"):
                return None  # "Stay tuned for …", "deleting your cache", "coming up soon": a verb phrase
            if k == 0 and t.tag_ == "VBG" and "NOUN" not in lem and not (
                    nxt is not None and (nxt.lower_ in self.personal or _noun_lemma(nxt.lower_) in self.personal)):
                return None  # "Making things easy …"; but "Tracking number?", "Shipping address?"
            if t.pos_ == "VERB":
                if "NOUN" in lem or "ADJ" in lem or low in self.personal:
                    pass
                elif t.tag_ in ("VBG", "VBN") and nxt_nouny:
                    pass  # "Tracking number", "registered email"
                else:
                    return None
            if "VERB" in lem and nxt is not None and (
                    nxt.tag_ in ("DT", "PRP$") or nxt.lower_ in _OBJ_PRON):
                return None  # "Call the bank?", "Send it?", "Try deleting your cache": a verb and its object
            if (k == 0 and low in lem.get("VERB", ()) and low not in self.personal and nxt is not None
                    and nxt.lower_ in _MOTION):
                return None  # "Pop into any branch …", "Head over to …"
            if (t.tag_ in ("VB", "VBP") and low in lem.get("VERB", ()) and low not in self.personal and nxt is not None
                    and nxt.tag_ in ("IN", "TO", "RP")
                    and not (prev is not None and prev.tag_ in ("DT", "PRP$", "JJ", "POS"))):
                return None  # "Go to Settings", "… and switch on Location"
            if any(ch.isdigit() for ch in t.text):
                label = (len(t.text) <= 2 and t.text.isdigit() and prev is not None
                         and prev.pos_ in ("NOUN", "PROPN"))  # "Address line 1", "page 2"
                if not label and (nxt is None or nxt.is_punct or not (
                        nxt.pos_ in ("NOUN", "PROPN", "ADJ") or "NOUN" in _lemmas(nxt.lower_) or nxt.lower_ == "of")):
                    return None  # "Order 12345?" confirms a number, it does not ask for one
            if (t.pos_ in ("NOUN", "PROPN") or "NOUN" in lem or low in self.personal) and len(low) > 1 and \
                    t.pos_ not in ("DET", "PRON", "ADP", "CCONJ", "SCONJ", "PART", "NUM", "AUX"):
                nouny = True
        if not nouny:
            return None
        lows = {t.lower_ for t in words}
        first_conj = []
        for t in words:
            if t.tag_ in ("CC", "IN", "TO") or t.pos_ == "ADP":
                break
            first_conj.append(t)
        heads = [t for t in first_conj if t.pos_ in ("NOUN", "PROPN") or "NOUN" in _lemmas(t.lower_)]
        head = heads[-1] if heads else words[-1]
        if head.lower_ in _NOT_REQUESTS or _noun_lemma(head.lower_) in _NOT_REQUESTS or first.lower_ in _NOT_REQUESTS:
            return None
        if lows & {"thanks", "sorry", "welcome", "congratulations", "problem", "worries", "apologies", "apology",
                   "condolences", "regrets", "congrats", "pleasure", "bad"}:
            return None
        if first.lower_ in ("my", "our", "his", "her", "their"):
            return None  # the customer is asked for their own details, not for "my apologies"
        if any(t.pos_ == "ADJ" and t.dep_ == "ROOT" for t in words) and len(words) == 1:
            return None
        informative = any(t.lower_ in self.personal or _noun_lemma(t.lower_) in self.personal for t in words)
        # the head of each conjunct (its last noun before a preposition): "Order number", "Member ID"
        head_personal = True
        conj: list = []
        for t in [*toks, None]:
            if t is None or t.tag_ == "CC" or t.text in (",", "&", "/"):
                nouns = []
                of_part: list = []
                for j, x in enumerate(conj):
                    if x.tag_ in ("IN", "TO") or x.pos_ == "ADP":
                        if x.lower_ == "of":  # "the first line of the address"
                            of_part = conj[j + 1:]
                        break
                    if x.pos_ in ("NOUN", "PROPN") or "NOUN" in _lemmas(x.lower_) or x.lower_ in self.personal:
                        nouns.append(x)

                def _pers(x):
                    return x.lower_ in self.personal or _noun_lemma(x.lower_) in self.personal

                if nouns and not (_pers(nouns[-1]) or nouns[-1].text.isupper() or nouns[-1].lower_ in _ITEM_NOUNS
                                  or any(_pers(x) for x in of_part)):
                    head_personal = False
                conj = []
            elif not t.is_punct:
                conj.append(t)
        # clean: every word is one the lexicon knows as a noun, adjective or function word
        clean = all(t.pos_ != "X" and (t.pos_ != "VERB" or t.tag_ in ("VBG", "VBN") or "NOUN" in _lemmas(t.lower_)
                                       or "ADJ" in _lemmas(t.lower_) or t.lower_ in self.personal)
                    for t in words)
        return informative, clean, head_personal

    def _suggest(self, text, prefix, core, clause, please, vocative, terminal, tail, toks, informative,
                 clean) -> list[Suggestion]:
        words = [t for t in toks if not t.is_punct]
        first = words[0]
        shout = _shouting(text)
        first_is_name = (first.pos_ == "PROPN" and first.text[:1].isupper() and not first.text.isupper()
                         and not _lemmas(first.lower_) and first.lower_ not in self.personal
                         and first.lower_ not in _EXTRA_VERBS and not _AGENT_COMPOUND.search(first.lower_))
        has_det = first.lower_ in _POSSESSIVES or first.tag_ in ("DT", "PRP$", "WP$")
        possessive = any(t.tag_ == "POS" or t.text in ("'s", "’s", "'", "’") for t in toks)
        third_party = possessive and not first_is_name and not has_det
        lead = "May I have"
        postmod_the = False
        if has_det or (first_is_name and possessive):
            det = ""
        elif third_party:
            det, lead = "the ", "Could I have"
        else:
            head_conj = []
            for t in words:
                if t.tag_ == "CC" or t.lower_ in ("and", "or", "&"):
                    break
                head_conj.append(t)
            postmod = False
            # a complement shared by all the conjuncts: "Make and model of the car?"
            last_conj = []
            for t in words:
                last_conj = [] if (t.tag_ == "CC" or t.lower_ in ("and", "or", "&")) else last_conj + [t]
            singles = len(words) - len(last_conj) <= 2  # "Make and model of the car", not "Claim number and …"
            if singles and len(last_conj) < len(words) and not any(t.tag_ in ("DT", "PRP$") for t in last_conj[:1]):
                for a, b in zip(last_conj, last_conj[1:]):
                    if a.tag_ == "IN" and b.tag_ in ("DT", "PRP$") and not any(
                            t.lower_ in self.personal for t in last_conj[last_conj.index(a):]):
                        postmod = True
                        break
            for a, b in zip(head_conj, head_conj[1:]):
                if a.tag_ == "IN" and a.lower_ in ("of", "on", "for", "from", "in", "at", "with", "under",
                                                   "behind", "inside", "to") and (
                        b.tag_ in ("DT", "PRP$") or b.lower_ in _POSSESSIVES):
                    postmod = True
                    break
            postmod_the = postmod
            head = next((t for t in head_conj if t.tag_.startswith("NN")), first)
            if head.lower_ in _ITEM_NOUNS or _noun_lemma(head.lower_) in _ITEM_NOUNS:
                det = "a " if head.tag_ != "NNS" else ""
            elif postmod or not informative:
                det = "the "
            else:
                det = "your "
        np = core if (first_is_name or shout or prefix.strip()) else lower_first(core)
        ask = f"{det}{np}{clause}"
        if please:
            ask += ", please"
        if vocative:
            ask += f", {vocative}"
        src = prefix if prefix.strip() else text
        lead_c = lead[:1].lower() + lead[1:] if prefix.strip() else _cased(lead, src)
        share = "could you share" if prefix.strip() else _cased("Could you share", src)
        if shout:
            ask, lead_c, share = ask.upper(), lead_c.upper(), share.upper()
        # "the" before a noun with a definite complement is right whatever the noun
        # ("the reason for the return"); elsewhere only nouns of information take "your".
        safe = (informative or postmod_the) and clean and len(words) <= 10
        out = [Suggestion(replacement=f"{prefix}{lead_c} {ask}?{tail}",
                          applicability=SAFE if safe else UNSAFE, title="Ask for it")]
        out.append(Suggestion(replacement=f"{prefix}{share} {ask}?{tail}",
                              applicability=UNSAFE, title="Could you share …?"))
        return out


@lru_cache(maxsize=16384)
def _noun_lemma(word: str) -> str:
    from lemminflect import getLemma

    lemmas = getLemma(word, upos="NOUN")
    return lemmas[0] if lemmas else word


# "Cardholder", "policyholder", "billpayer": nouns the lexicon lacks, not names.
_AGENT_COMPOUND = re.compile(r"..(?:holder|owner|payer|user|keeper|taker|member|person|maker|giver)s?$")


# --------------------------------------------------------------------------------------
# Obligations put on the customer: "You need to reset it." -> "Could you reset it?"
# --------------------------------------------------------------------------------------

_OBLIGATION = re.compile(
    r"(?P<lead>^|[,;:–—-]\s+|\b(?:so|then|now|first|but|and|also|just)\s+)"
    r"(?P<subj>you|u|ya)"
    r"(?:\s+(?:will|would)|['’](?:ll|d)|ll|(?:['’]re|\s+are)\s+(?:going\s+to|gonna))?"
    r"(?:\s+(?P<adv1>just|still|first|also|then|now|simply|really|definitely|probably|only))?"
    r"(?:\s+(?P<modal>(?:need|needs|have|has)\s+to|must|(?:have\s+)?got\s+to|gotta|hafta|needa)"
    r"|['’]ve\s+got\s+to)"
    r"(?:\s+(?P<adv2>just|still|first|also|then|now|simply|really|definitely|probably|only))?"
    r"\s+(?P<rest>(?!been\b|feel\b)[a-z])",
    re.I,
)
_NEED_YOUR = re.compile(
    r"(?P<lead>^|[,;:]\s+|\b(?:so|then|now|but|and|first)\s+)"
    r"(?:(?P<subj>I|we)(?:\s+will|['’]ll|\s+am\s+going\s+to|['’]m\s+going\s+to|\s+are\s+going\s+to|"
    r"['’]re\s+going\s+to|\s+would|['’]d|(?:['’]m|['’]re|\s+am|\s+are)?\s+gonna)?"
    r"(?:\s+(?P<adv1>also|just|still|first|really|definitely|probably|only))?\s+"
    r"|(?P<bare>(?<![\w'’]))(?:gonna\s+|going\s+to\s+)?)"
    r"(?P<verb>need|require)\s+"
    r"(?:(?P<you>you\s+to\s+)|to\s+(?P<see>get|have|see|take)\s+)?"
    r"(?P<rest>(?(you)[a-z]|(?:your|ur|yr|the|all|both|(?:a|an)\s+(?:copy|photo|picture|pic|screenshot|scan|photograph|"
    r"video|image|list|description|reading)|some\s+(?:details|information|info|documents|photos|pictures))\b))",
    re.I,
)
_HEDGES = {"really", "definitely", "probably"}
_MUST_EMPATHY = re.compile(r"^(?:be|feel|have\s+been|'ve\s+been)\b", re.I)
# A prefix before the obligation that keeps the rewrite safe: fillers, a vocative, a greeting,
# a short introductory phrase.
_SAFE_PREFIX = re.compile(
    r"^(?:(?i:so|then|now|first|also|and|ok|okay|alright|right|next|finally|lastly|great|perfect|"
    r"thanks|thank\s+you|sure)\b[\s,]*|(?:(?i:hi|hello|hey|dear)\s+)?(?:(?:Mr|Mrs|Ms|Dr|Miss)\.?\s+)?"
    r"[A-Z][a-z][\w'’-]*(?:\s[A-Z][a-z][\w'’-]*)?\s*,\s*|(?i:hi|hello|hey)\s*,\s*|"
    r"(?i:to|once|after|before|when|if)\s+[^,]{1,60},\s*)*$")


class ObligationRequest(Detector):
    """'You need to / must / have to X' and 'I need your X', aimed at the customer."""

    name: ClassVar[str] = "obligation-request"

    class Options(DetectorOptions):
        form: str = "you-need-to"  # or "i-need-your"

    def quick(self, text: str) -> bool:
        low = text.lower()
        if self.options.form == "i-need-your":
            return "need" in low or "require" in low
        return any(w in low for w in ("need", "must", "have to", "got to", "gotta", "has to", "hafta"))

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        sent = text[start:end]
        out = []
        rx = _NEED_YOUR if self.options.form == "i-need-your" else _OBLIGATION
        for m in rx.finditer(sent):
            ms = m.start("subj") if m.group("subj") else m.end("lead")
            if self.options.form == "i-need-your" and m.group("bare") is not None and m.group("subj") is None:
                if sent[:ms].strip(" ,") and not (ms <= 80 and _SAFE_PREFIX.match(sent[:ms])):
                    continue  # "Need your X" without a subject only opens a sentence
            rest_full = sent[m.start("rest"):].rstrip()
            body, tail = _split_tail(rest_full)
            rest, term = _split_terminal(body)
            if "?" in term:
                continue
            if self.options.form != "i-need-your":
                modal = (m.group("modal") or "").lower()
                if modal == "must" and _MUST_EMPATHY.match(rest):
                    continue
                if modal == "must" and re.match(r"have\s+\w+(?:ed|en|t)\b", rest, re.I):
                    continue  # "you must have missed it": a guess, not an obligation
            if re.match(r"(?:do\s+)?(?:anything|nothing)\b", rest, re.I):
                continue
            if "only" in {(m.groupdict().get(k) or "").lower() for k in ("adv1", "adv2")}:
                continue  # "you'll only need to pay once" reassures, it does not ask
            before = sent[:ms]
            if re.search(r"\b(?:if|when|whether|unless|all|what|everything|anything|where|how)\s+$|\b(?:do|don['’]?t|"
                         r"doesn['’]?t|won['’]?t|wouldn['’]?t|will|might|may)\s+$", before, re.I):
                continue
            if re.search(r"\b(?:if|when|whether|unless|in case)\b", before, re.I) and "," not in before:
                continue
            mend = len(sent.rstrip())
            # "…through Chase and you'd need to speak with them": after a clause, the ask
            # becomes a sentence of its own, so the match takes the conjunction too
            conj = (m.group("lead") or "").strip().lower()
            joined = ""
            mstart = ms
            if conj in ("and", "but", "so") and self._after_clause(sent[:m.start("lead")]):
                joined = conj
                mstart = len(sent[:m.start("lead")].rstrip(" ,;"))
            out.append(Match(start + mstart, start + mend, groups={"rest": rest},
                             suggestions=self._suggest(sent, m, ms, rest, term, tail, joined)))
            break
        return out

    @staticmethod
    def _after_clause(before: str) -> bool:
        b = before.strip(" ,;")
        return bool(b) and len(b.split()) >= 3 and not (len(before) <= 80 and _SAFE_PREFIX.match(before))

    def _suggest(self, sent: str, m: re.Match, ms: int, rest: str, term: str, tail: str,
                 joined: str = "") -> list[Suggestion]:
        if _cut_off(rest, term):
            return []
        before = sent[:ms]
        at_start = not before.strip() or bool(joined)
        safe_prefix = not joined and (at_start or (len(before) <= 80 and bool(_SAFE_PREFIX.match(before))))
        advs = [a.lower() for a in (m.groupdict().get("adv1"), m.groupdict().get("adv2")) if a]
        hedged = any(a in _HEDGES for a in advs)
        kept_adv = "".join(a + " " for a in advs if a not in _HEDGES)
        src = sent[ms:]
        shout = _shouting(sent)
        capital = not shout and bool(re.search(r"[^\W\d_]", sent)) and re.search(r"[^\W\d_]", sent).group().isupper()
        ask, following, split_safe = _split_clause(rest)
        be = False
        verb = "see" if (m.groupdict().get("see") or "").lower() == "see" else "have"
        if self.options.form == "i-need-your":
            if m.group("you"):
                head = f"Could you {kept_adv}".rstrip()
            elif m.group("subj") and m.group("subj").lower() == "we":
                head = f"May we {kept_adv}{verb}"
            else:
                head = f"May I {kept_adv}{verb}"
        else:
            head = f"Could you {kept_adv}".rstrip()
            if re.match(r"be\b", ask, re.I):
                be = True
        if joined:
            head = {"but": "But ", "so": "So "}.get(joined, "") + (
                head if joined == "and" else head[:1].lower() + head[1:])
            src = "X"
        head = _cased(head, src) if at_start else head[:1].lower() + head[1:]
        lead = ". " if joined else ""
        if be:
            ask = "make sure you're " + ask[3:]
        neg = re.match(r"(?:not|never)\s+([a-z]+)", ask, re.I)
        if neg and not m.groupdict().get("see") and self.options.form != "i-need-your":
            ask = "avoid " + gerund(neg.group(1)) + ask[neg.end():]
        if shout:
            head, ask, following = head.upper(), ask.upper(), following.upper()
        repl = lead + _assemble(f"{head} ", ask, following, term, tail, capital)
        # "You need to X" states a necessity: as "Could you X?" it becomes a favour, which
        # changes what the customer is told, so only "I need your X" -> "May I have X" is safe
        simple = (self.options.form == "i-need-your" and safe_prefix
                  and (not term or term in (".", "!", "...", "…") or set(term) <= {".", "!"})
                  and len(ask.split()) <= 25 and split_safe and not be and not neg and not hedged)
        alts = [Suggestion(replacement=repl, applicability=SAFE if simple else UNSAFE,
                           title="Ask instead of telling")]
        if (self.options.form != "i-need-your" or m.group("you")) and not be and not shout and not neg:
            words = ask.split(" ", 1)
            chained = _CHAINED.search(words[1] if len(words) > 1 else "")
            if words and words[0].isalpha() and not chained:
                mind = _cased("Would you mind", src) if at_start else "would you mind"
                if joined:
                    mind = {"but": "But would", "so": "So would"}.get(joined, "Would") + " you mind"
                mind += "".join(" " + a for a in advs if a not in _HEDGES)
                alts.append(Suggestion(
                    replacement=lead + _assemble(f"{mind} ",
                                                 gerund(words[0]) + ((" " + words[1]) if len(words) > 1 else ""),
                                                 following, term, tail, capital),
                    applicability=UNSAFE, title="Would you mind …?"))
        return alts


DETECTORS = {d.name: d for d in (ImperativeRequest, BareNounRequest, ObligationRequest)}
