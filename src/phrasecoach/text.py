"""Cheap lexical helpers that run on every message: sentence bounds, quoted spans, case fixes.

None of this needs spaCy: the lexical layer must stay fast (it runs on every turn), and the
parser is only paid for on the few sentences a parse-needing rule could fire on.
"""

from __future__ import annotations

import re
from bisect import bisect_right

# Sentence ends: terminal punctuation (with closing quotes/brackets) followed by space, or a newline.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "approx", "no",
    "dept", "inc", "ltd", "co", "ave", "apt", "ref", "tel", "ext", "min", "hrs", "a.m", "p.m",
}
# A run of terminal punctuation is tried from its first character only: tried from every one, a
# run of 20,000 dots with no space after it cost 20,000 scans of the run.
_END = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’)\]]*(?=\s)|\n+|\r\n")
_ABBREV_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_ABBREV_LONGEST = max(map(len, _ABBREV))
# Longer "sentences" (a pasted log, a line of dots) are checked in pieces of at most this many
# characters, cut at a space: every check of a sentence then costs a bounded amount, so a message
# costs time in proportion to its length. The longest sentence in the corpus has 304 characters.
MAX_SENTENCE = 1000


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentence spans (start, end), trimmed of surrounding white space.

    A rule-based splitter, not the parser's: it must run before (and often instead of) parsing.
    Linear in the length of `text`; no span is longer than MAX_SENTENCE.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if text[end - 1] == "." and "\n" not in m.group() and _abbreviation_before(text, start, end - 1):
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
        if e2 - s2 > MAX_SENTENCE:
            out.extend(_pieces(text, s2, e2))
        elif e2 > s2:
            out.append((s2, e2))
    return out


def _abbreviation_before(text: str, start: int, dot: int) -> bool:
    """Is the word that ends at text[dot] (a full stop) an abbreviation ("Mr.", "e.g.") or a
    single letter? The word is the run of letters and dots before the stop, from its first
    letter, not reaching before `start`. A backward scan: the run stops at the space before it,
    so each character is looked at once however many stops the text has."""
    i = dot
    first = -1  # the leftmost letter of the run
    while i > start and text[i - 1] in _ABBREV_CHARS:
        i -= 1
        if text[i] != ".":
            first = i
            if dot - first > _ABBREV_LONGEST:
                return False  # the word only gets longer further back
    if first < 0:
        return False
    word = text[first:dot]
    return len(word) == 1 or word.lower() in _ABBREV


def _pieces(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Cut the trimmed span text[s:e] into trimmed pieces of at most MAX_SENTENCE characters,
    each at the last space that keeps it within the limit (at the limit when there is none)."""
    out = []
    while e - s > MAX_SENTENCE:
        cut = text.rfind(" ", s + 1, s + MAX_SENTENCE + 1)
        if cut < 0:
            cut = s + MAX_SENTENCE
        b = cut
        while b > s and text[b - 1].isspace():
            b -= 1
        if b > s:
            out.append((s, b))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        out.append((s, e))
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """`text` with each surrogate code point (half of a UTF-16 pair, left alone by a cut or a
    bad decoder; UTF-8 cannot encode it) replaced by U+FFFD, one character for one, so that
    offsets into the result are offsets into `text`. The same string when there is none."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


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
    """Is [start, end) inside one of `spans`? They must be sorted and not overlap, as
    quote_spans gives them: then only the last span starting at or before `start` can hold it
    (a binary search, so a message with many quotes and findings stays linear)."""
    i = bisect_right(spans, (start, _FAR)) - 1
    return i >= 0 and end <= spans[i][1]


_FAR = float("inf")


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


# Chat furniture around a sentence, never part of what the agent says: handles and placeholders
# (`__cust__`, `@123456`) and emoji before it; sign-offs (`*ACJ`, `^Steph`, `-Megan`), thread
# markers (`1/2`, `(2/3)`), emoji and a trailing link after it.
_EMOJI = "\U0001F000-\U0001FFFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D"
_LEAD_JUNK = re.compile(rf"^(?:(?:__\w+__|@\w+|\.@\w+|[{_EMOJI}]+)[\s,:]*)+")
_TRAIL_JUNK = re.compile(
    rf"(?:\s*(?:[*^~]\s?[A-Z][A-Za-z]{{0,11}}\b|(?<=\s)[-–—]\s?[A-Z][a-z]{{1,11}}\b|\(?\d{{1,2}}/\d{{1,2}}\)?"
    rf"|[{_EMOJI}]+|(?<=\s)https?://\S+))+\s*$")


# A greeting that opens a sentence ("Hi Greg, ", "Dear Ms Roy, ", "hello, "): the words after it
# are where the sentence's own wording starts, so a rule's "^" reads them there.
_GREETING = re.compile(
    r"(?i:hi|hello|hey|hiya|dear|good\s+(?:morning|afternoon|evening))(?i:\s+(?:there|again|all|everyone))?"
    r"(?:,?\s+(?:(?i:mr|mrs|ms|miss|mx|dr|prof)\.?\s+)?[A-Z][\w'’-]*(?:\s+(?:and|&)\s+[A-Z][\w'’-]*)?"
    r"(?:\s+[A-Z][\w'’-]*)?)?\s*(?:[,!:—–-]+|\.(?=\s+[A-Z]))\s+(?=\S)")
_GREETING_FIRST = frozenset("hHdDgG")


def after_greeting(text: str, start: int, end: int) -> int:
    """Where the sentence text[start:end] starts once an opening greeting is left out (start
    itself when there is none)."""
    if start < end and text[start] in _GREETING_FIRST:
        m = _GREETING.match(text, start, end)
        if m:
            return m.end()
    return start


def core_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim chat furniture from a sentence: leading handles and emoji, trailing sign-offs,
    thread markers, emoji and links. Rules and rewrites then work on the words alone."""
    seg = text[start:end]
    m = _LEAD_JUNK.match(seg)
    if m and m.end() < len(seg):
        start += m.end()
        seg = seg[m.end():]
    m = _TRAIL_JUNK.search(seg)
    if m:
        end = start + m.start()  # may leave nothing: a sentence that is only a sign-off
    return start, end


# An email's signature block: the lines after a closing line ("Thanks,", "Kind regards,") at the
# end of a message, or a last line that is only a name ("Sugarloaf Bakery", "Hive on Quay Street").
# They name the sender; nothing in them is said to the customer, so no rule reads them.
_VALEDICTION = re.compile(
    r"(?im)^[ \t]*(?:(?:many\s+|kind(?:est)?\s+|warm(?:est)?\s+|best\s+|with\s+(?:best\s+|kind\s+)?)?"
    r"(?:regards|thanks|wishes)|thank\s+you|cheers|best|sincerely|yours\s+(?:sincerely|faithfully|truly)"
    r"|all\s+the\s+best|take\s+care|speak\s+soon|talk\s+soon)[ \t]*[,.!]?[ \t]*\n")
_NAME_LINE = re.compile(r"(?:[A-Z][\w'’.-]*|&|(?:of|on|the|and|at|for|in|de|la)(?=\s))"
                        r"(?:[ \t]+(?:[A-Z][\w'’.-]*|&|of|on|the|and|at|for|in|de|la)){0,5}[ \t]*")
_SIGNATURE_REACH = 400  # a signature is short: look for it only in the message's tail


def signature_start(text: str) -> int:
    """Where a trailing signature block starts (len(text) when there is none)."""
    base = max(0, len(text) - _SIGNATURE_REACH)
    tail = text[base:]
    last = None
    for last in _VALEDICTION.finditer(tail):
        pass
    if last is not None:
        rest = [line for line in tail[last.end():].splitlines() if line.strip()]
        if 0 < len(rest) <= 4 and _NAME_LINE.fullmatch(rest[0].strip()) \
                and all(len(line) <= 60 and not line.rstrip().endswith(("?", "!")) for line in rest):
            return base + last.end()
    cut = tail.rstrip().rfind("\n")
    before = tail[:cut].rstrip(" \t")
    if cut >= 0 and before.strip() and before.endswith(("\n", ",")):
        line = tail[cut + 1:].strip()
        if _NAME_LINE.fullmatch(line) and len(line) <= 40 and " " in line:
            return base + cut + 1
    return len(text)


def checked_sentences(text: str) -> list[tuple[int, int]]:
    """The spans the rules check: each sentence trimmed of chat furniture, empty ones dropped,
    the signature block left out (the engine's, and what the wording models are trained on, so
    training sees what scoring sees)."""
    sig = signature_start(text)
    return [c for c in (core_span(text, s, e) for s, e in sentence_spans(text)) if c[1] > c[0] and c[0] < sig]


def past_greetings(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences `sents` of `text`, each read from after its opening greeting: what the
    lexical rules see (the engine) and so what their wording models are trained on."""
    return [(after_greeting(text, s, e), e) for s, e in sents]


def lexical_sentences(text: str) -> list[tuple[int, int]]:
    """checked_sentences as the lexical rules read them (past_greetings)."""
    return past_greetings(text, checked_sentences(text))


def customer_context(turns, i: int) -> str:
    """The customer's last message before turn i: their turns since the agent last spoke, joined
    by newlines ('' if none). `turns` holds (speaker, text) pairs or {"speaker", "text"} mappings.
    It is the `context` of Coach.check for that agent turn."""
    def part(t, k):
        return t[k] if isinstance(t, (tuple, list)) else t["speaker" if k == 0 else "text"]
    out: list[str] = []
    j = i - 1
    while j >= 0 and part(turns[j], 0) != "customer":
        j -= 1
    while j >= 0 and part(turns[j], 0) == "customer":
        out.append(part(turns[j], 1))
        j -= 1
    return "\n".join(reversed(out))
