"""A cheap first pass: which rules could possibly match a text, from the words it starts.

Every phrase list and regex is analysed once (with Python's own regex parser) for the
letters a match can begin with: "that's not true" can only begin with "tha", a blame regex
`\\byou\\s+should…` only with "you". A text's word starts (first 1-3 letters of each word) are
computed once, and a rule whose keys share nothing with them is skipped without running its
regex. When a pattern's start cannot be pinned down (it may begin with a digit or any
character), the rule always runs: the filter may only ever skip rules that cannot match.
"""

from __future__ import annotations

import re
import re._constants as C  # noqa: N812 - CPython's regex internals (3.11+)
import re._parser as P  # noqa: N812

KEY_LEN = 3
_WORD = re.compile(r"[^\W\d_]+")


def word_keys(text: str) -> set[str]:
    """First 1..3 letters of every word of `text`, lower-cased."""
    keys: set[str] = set()
    for w in _WORD.findall(text.lower()):
        keys.add(w[:1])
        keys.add(w[:2])
        keys.add(w[:3])
    return keys


END = "\0"  # marks a prefix whose word has ended (or that we stop extending)
_SKIP = (C.AT, C.ASSERT, C.ASSERT_NOT)
_REPEATS = tuple(x for x in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) if x)


def _join(h: str, t: str, limit: int) -> str:
    if h.endswith(END) or len(h) >= limit:
        return h
    ended = t.endswith(END)
    r = h + (t[:-1] if ended else t)
    if len(r) >= limit:
        return r[:limit]
    return r + END if ended else r


def _seq(items: list, i: int, limit: int) -> set[str]:
    """Prefixes of matches of items[i:]; "" means items[i:] can match the empty string."""
    while i < len(items) and items[i][0] in _SKIP:
        i += 1
    if i == len(items):
        return {""}
    out: set[str] = set()
    for h in _item(items[i][0], items[i][1], limit):
        if h.endswith(END) or len(h) >= limit:
            out.add(h)
        else:
            out |= {_join(h, t, limit) for t in _seq(items, i + 1, limit)}
    return out


def _stop(prefixes: set[str]) -> set[str]:
    return {p if (p.endswith(END) or p == "") else p + END for p in prefixes}


def _item(op, av, limit: int) -> set[str]:
    if op is C.LITERAL:
        ch = chr(av).lower()
        return {ch} if ch.isalpha() else {END}
    if op is C.IN:
        chars = [chr(v).lower() for k, v in av if k is C.LITERAL]
        if len(chars) == len(av) and chars and len(chars) <= 8:
            if all(c.isalpha() for c in chars):
                return set(chars)
            if not any(c.isalpha() for c in chars):
                return {END}
        return {END}  # a letter we cannot name, or a non-letter: stop here
    if op is C.SUBPATTERN:
        return _seq(list(av[-1]), 0, limit)
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            out |= _seq(list(branch), 0, limit)
        return out
    if op in _REPEATS:
        lo, _hi, item = av
        first = _stop(_seq(list(item), 0, limit))
        return first | ({""} if lo == 0 else set())
    return {END}  # ANY, CATEGORY, NOT_LITERAL, GROUPREF ...


def regex_keys(pattern: str) -> frozenset[str] | None:
    """Word-start keys one of which any match must begin with, or None if unknown."""
    try:
        prefixes = _seq(list(P.parse(pattern, re.IGNORECASE)), 0, KEY_LEN)
    except (re.error, RecursionError, TypeError, ValueError, IndexError, AttributeError):
        return None
    keys = {p.rstrip(END) for p in prefixes}
    if not keys or "" in keys:
        return None
    return frozenset(keys)


def union_keys(patterns: list[str]) -> frozenset[str] | None:
    out: set[str] = set()
    for p in patterns:
        k = regex_keys(p)
        if k is None:
            return None
        out |= k
    return frozenset(out)


def has_start_anchor(pattern: str, flags: int = 0) -> bool:
    """True when `pattern` uses `^` (AT_BEGINNING) anywhere, e.g. `a|^b`."""
    def walk(items) -> bool:
        for op, av in items:
            if op == C.AT and av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING):
                return True
            if op == C.SUBPATTERN and walk(av[-1]):
                return True
            if op == C.BRANCH and any(walk(b) for b in av[1]):
                return True
            if op in _REPEATS and walk(av[2]):
                return True
            if op in (C.ASSERT, C.ASSERT_NOT) and walk(av[1]):
                return True
        return False

    return walk(P.parse(pattern, flags & ~re.IGNORECASE))


# ---- required literals ---------------------------------------------------------------
# A finer test than word starts: the literal strings one of which every match must contain
# ("fault", "should", "supposed" ...), found in the regex's parse tree the way ripgrep picks
# a pattern's required literal. `lit in text.lower()` is a C-level substring search, far
# cheaper than running the regex over the whole text.

# Characters that match an ASCII letter under re.IGNORECASE, or lower-case into one, without
# being one: a text holding any of them falls back to the regex (computed over all of Unicode).
_CASE_ODD = re.compile("[\u0130\u0131\u017f\u212a]")


def literal_haystack(text: str) -> str | None:
    """`text` lower-cased, each run of white space made one space, for `required_literals`
    tests; or None when a literal test could miss a case-insensitive match (the text holds
    İ, ı, ſ or the Kelvin sign)."""
    return None if _CASE_ODD.search(text) else " ".join(text.lower().split())


_SPACE_CATS = (C.CATEGORY_SPACE, C.CATEGORY_UNI_SPACE)


def _is_space(op, av) -> bool:
    """A `\\s`, `\\s+` or literal white-space character: in a match it covers a whole run of
    white space (literals sit on both sides), which the haystack holds as one space."""
    if op is C.LITERAL:
        return chr(av).isspace()
    if op is C.IN:
        return len(av) == 1 and av[0][0] is C.CATEGORY and av[0][1] in _SPACE_CATS
    if op in _REPEATS:
        lo, _hi, item = av
        return lo >= 1 and len(item) == 1 and _is_space(*item[0])
    return False


# Words in nearly every message: a literal set holding one gates nothing ("for" in "forgot … for
# you"), so a set of rarer strings is preferred whatever their length.
_EVERYWHERE = frozenset(
    "a an and are as at be but by can do for from have i if in is it me my no not of on or our so "
    "that the this to u up us was we will with you your".split())


def _everyday(s: frozenset[str]) -> bool:
    return any(x.strip(" -'") in _EVERYWHERE for x in s)


def weak(s: frozenset[str]) -> bool:
    """Is a literal set nearly sure to hold in any message (one of its strings is an everyday
    word or shorter than three characters)?"""
    return _everyday(s) or any(len(x) < SCAN_MIN for x in s)


def _strength(s: frozenset[str]) -> tuple[bool, int, int]:
    """Rarer first: no everyday word, then the shortest string's length (past five letters a
    string is rare enough), then fewer strings (each is one substring search)."""
    return (not _everyday(s), min(5, *map(len, s)), -len(s))


def _best(cands: list[frozenset[str]]) -> frozenset[str] | None:
    return max(cands, key=_strength) if cands else None


def _required(items) -> frozenset[str] | None:
    return _best(_factors(items))


_MAX_RUNS = 16  # a run is followed through small alternations up to this many strings


def _literal_seq(items) -> str | None:
    """The one string a sequence of literals (and white space) matches, lower-cased, or None."""
    out: list[str] = []
    for op, av in items:
        if _is_space(op, av):  # kept at the start too: "no" + "(?:\s+worries|…)" is "no worries"
            if not out or out[-1] != " ":
                out.append(" ")
        elif op is C.LITERAL and av < 128:
            out.append(chr(av).lower())
        elif op in _SKIP:
            continue
        else:
            return None
    return "".join(out)


def _literal_alts(op, av) -> list[str] | None:
    """The strings a small alternation of plain literals matches ("(?:us|me)", "[sz]", and
    sre's "th(?:at|is)" for "that|this"), lower-cased; None for anything else."""
    if op is C.SUBPATTERN:
        sub = av[-1]
        if len(sub) == 1 and sub[0][0] in (C.BRANCH, C.IN, C.SUBPATTERN):
            return _literal_alts(*sub[0])
        one = _literal_seq(sub)
        return None if one is None else [one]
    if op is C.BRANCH:
        alts = [_literal_seq(b) for b in av[1]]
        return None if None in alts or len(alts) > 8 else alts
    if op is C.IN:
        if len(av) > 8 or any(o is not C.LITERAL or a >= 128 or chr(a).isspace() for o, a in av):
            return None
        return [chr(a).lower() for _, a in av]
    return None


def _factors(items) -> list[frozenset[str]]:
    """Every literal set the sequence `items` requires: a match holds one string of each.
    A run of literals is followed through a small alternation of literals, so that "on
    (?:us|me)" requires one of "on us", "on me", not the weaker "on"."""
    cands: list[frozenset[str]] = []
    runs: list[str] = [""]

    def close() -> None:
        lits = {r.strip() for r in runs}  # a space at either end may be more of a longer run
        if lits and "" not in lits:
            cands.append(frozenset(lits))
        runs[:] = [""]

    for op, av in items:
        if _is_space(op, av):
            runs[:] = [r if not r or r.endswith(" ") else r + " " for r in runs]
        elif op is C.LITERAL and av < 128:
            runs[:] = [r + chr(av).lower() for r in runs]
        elif op in _SKIP:  # zero-width (\b, ^, look-arounds): the match stays contiguous
            continue
        elif (op in (C.SUBPATTERN, C.BRANCH, C.IN) and (alts := _literal_alts(op, av)) is not None
              and "" not in alts and len(runs) * len(alts) <= _MAX_RUNS):
            runs[:] = [r + a if not (r.endswith(" ") and a.startswith(" ")) else r + a[1:]
                       for r in runs for a in alts]
        elif op is C.SUBPATTERN or op is getattr(C, "ATOMIC_GROUP", None):
            close()
            best = _required(av[-1] if op is C.SUBPATTERN else av)
            if best:
                cands.append(best)
        elif op is C.BRANCH:
            close()
            alts: set[str] = set()
            for branch in av[1]:
                best = _required(branch)
                if not best:
                    alts = set()
                    break
                alts |= best
            if alts:
                cands.append(frozenset(alts))
        elif op in _REPEATS:
            close()
            lo, _hi, item = av
            if lo >= 1:
                best = _required(item)
                if best:
                    cands.append(best)
        else:
            close()
    close()
    return cands


Literals = tuple[frozenset[str], ...]  # a match holds one string of *each* set


def required_literals(pattern: str, most: int = 3) -> Literals | None:
    """Up to `most` lower-case literal sets a match of `pattern` must hold one string of each
    (the longest first), or None when no string is certain (then only the regex can tell)."""
    try:
        cands = _factors(list(P.parse(pattern, re.IGNORECASE)))
    except (re.error, RecursionError, TypeError, ValueError, IndexError, AttributeError):
        return None
    cands = sorted(set(cands), key=_strength, reverse=True)[:most]
    return tuple(cands) or None


def literals_hold(lits: Literals, low: str) -> bool:
    return all(any(map(low.__contains__, s)) for s in lits)


# ---- every rule's literals in one pass ------------------------------------------------
# Each rule's gate used to test its strings one by one (`lit in text` per string, per rule, per
# text); with a few thousand strings across the core pack that was a fifth of the engine's time.
# LiteralScan finds every string present in one left-to-right pass of a trie-shaped regex: at
# each position the longest string that starts there, and with it every shorter one that is a
# prefix of it (both start there, so the shorter is present too).

class Haystack(str):
    """A literal_haystack string that also knows which of the scan's literals it holds: `mask`
    has the bit of each (LiteralScan.mask_of gives a set's bits)."""

    __slots__ = ("mask", "scan")

    @property
    def present(self) -> frozenset[str]:
        return self.scan.strings_of(self.mask)


def _trie_re(node: dict) -> str:
    alts = [re.escape(ch) + _trie_re(node[ch]) for ch in sorted(k for k in node if k is not None)]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if None in node else body


SCAN_MIN = 3  # shorter strings ("s", "on") are everywhere: testing them one by one is cheaper


def _literal_set(strings: list[str], mem: int):
    """An RE2 set of the strings, then one pattern that matches every text (so an empty answer
    can only mean RE2 gave up, and the scan falls back to Python's re); None without RE2."""
    try:
        import re2

        opts = re2.Options()
        opts.max_mem = mem
        opts.log_errors = False
        found = re2.Set.SearchSet(opts)
        for x in strings:
            found.Add(re.escape(x))
        found.Add("")
        found.Compile()
        return found
    except Exception:  # noqa: BLE001 - no RE2, or a string it cannot take: the re scan does it all
        return None


_NEVER = re.compile(r"(?!)()")  # no long strings: a regex that never matches


class LiteralScan:
    """Which of the given literals a text holds, as bits of one integer, from one pass of an RE2
    set (a DFA over every string at once), or else the long ones (SCAN_MIN characters or more)
    from one pass of a trie regex and the few short ones by `in`.
    A rule's questions ("one of these strings?", "which of my regexes can match?") are then an
    AND of two integers, not a search of the text per literal or a loop over sets."""

    def __init__(self, literals, re2_mem: int = 16 << 20) -> None:
        """`re2_mem`: RE2's memory budget for the set (at 16 MB no corpus text made it give up)."""
        every = sorted(set(literals))
        self._bit = {x: 1 << i for i, x in enumerate(every)}
        self._strings = every
        # the fallback's trie regex and prefix bits are built on the first text RE2 does not
        # answer (none in the corpus at the default budget): some 20 MB a process otherwise
        self._rx: re.Pattern[str] | None = None
        self._prefix_bits: dict[str, int] = {}
        self._short: tuple = ()
        # per RE2 pattern, its string's bit (the same int objects as _bit's), then the "" pattern's 0
        self._set, self._set_bits = _literal_set(every, re2_mem), [self._bit[x] for x in every] + [0]

    def _fallback(self) -> re.Pattern[str]:
        """Build what _scan needs: the short strings with their bits, and the long ones as a
        trie regex, each with the bits of the shorter scanned strings it starts with."""
        lits = [x for x in self._strings if len(x) >= SCAN_MIN]
        self._short = tuple((x, self._bit[x]) for x in self._strings if len(x) < SCAN_MIN)
        trie: dict = {}
        for lit in lits:
            node = trie
            for ch in lit:
                node = node.setdefault(ch, {})
            node[None] = True
        known = set(lits)
        # a string found at a position brings every shorter scanned string it starts with
        self._prefix_bits = {lit: self.mask_of(lit[:k] for k in range(1, len(lit) + 1) if lit[:k] in known)
                             for lit in lits}
        self._rx = re.compile(f"(?=({_trie_re(trie)}))") if lits else _NEVER
        return self._rx

    def _scan(self, low: str) -> int:
        """The same bits from Python's re: short strings by `in`, long ones by the trie regex."""
        rx = self._rx or self._fallback()
        mask = 0
        for x, b in self._short:
            if x in low:
                mask |= b
        prefix_bits = self._prefix_bits
        for m in rx.finditer(low):
            mask |= prefix_bits[m.group(1)]
        return mask

    def mask_of(self, strings) -> int:
        """The bits of `strings`; KeyError for a string the scan was not built with."""
        bit, out = self._bit, 0
        for x in strings:
            out |= bit[x]
        return out

    def strings_of(self, mask: int) -> frozenset[str]:
        return frozenset(x for i, x in enumerate(self._strings) if mask >> i & 1)

    def haystack(self, low: str | None) -> str | None:
        """`low` (from literal_haystack) as a Haystack that knows every literal of the scan found
        in it; None stays None (the text needs the regexes themselves)."""
        if low is None:
            return None
        found = self._set.Match(low) if self._set is not None else None
        if found:  # the last pattern matches every text: no answer means RE2 gave up
            bits, mask = self._set_bits, 0
            for i in found:
                mask |= bits[i]
        else:
            mask = self._scan(low)
        out = Haystack(low)
        out.mask = mask
        out.scan = self
        return out
