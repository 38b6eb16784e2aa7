"""Team packs' regexes on RE2, a regex engine whose time is linear in the text it reads.

Python's `re` backtracks: a pattern such as `(a+)+$` takes seconds on 27 characters and
doubles with each one more, and holds the whole process while it does. A rule pack from
another team must not be able to do that, so the regexes of every pack outside the bundled
ones (`match.regex`, `trigger`, `unless` regexes) run on RE2 (the `google-re2` package, as
proselint does). The bundled packs are reviewed with the code and keep Python's `re`.

Patterns are written in Python's syntax, parsed with Python's own parser and written out for
RE2 so that they mean what they mean in Python: `\\w`, `\\d` and `\\s` stay Unicode-aware,
`.` stops at a newline, `$` also matches before a final newline, named groups keep their
names. What RE2 cannot run is refused when the pack loads, with the file, the line and a
hint: look-ahead and look-behind, back-references, possessive and atomic groups, counts over
1,000. One difference stays: `\\b` and `\\B` know only ASCII letters and digits, so a word
boundary next to a letter such as `é` is not seen.
"""

from __future__ import annotations

import re
import re._constants as C  # noqa: N812 - CPython's regex internals (3.11+)
import re._parser as P  # noqa: N812
from functools import lru_cache

from ..text import valid_text

__all__ = ["LinearPattern", "NotLinear", "compile_linear"]

MAX_MEM = 64 << 20  # RE2's memory budget for one compiled pattern


class NotLinear(Exception):
    """A valid Python pattern that RE2 cannot run; `hint` says what to write instead."""

    def __init__(self, what: str, hint: str):
        super().__init__(what)
        self.what = what
        self.hint = hint


class LinearPattern:
    """The part of `re.Pattern` the engine uses (search, finditer, pattern, flags, groupindex),
    run by RE2. `pattern` is the Python source as written, for the prefilter's analysis."""

    __slots__ = ("pattern", "flags", "groupindex", "re2_pattern", "_rx")

    def __init__(self, pattern: str, flags: int, rx, re2_pattern: str):
        self.pattern = pattern
        self.flags = flags
        self._rx = rx
        self.re2_pattern = re2_pattern
        self.groupindex = dict(rx.groupindex)

    def search(self, text: str):
        return self._rx.search(valid_text(text))

    def finditer(self, text: str):
        return self._rx.finditer(valid_text(text))

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"


def compile_linear(pattern: str, flags: int = 0) -> LinearPattern:
    """Compile a Python-syntax pattern for RE2. Raises re.error for a pattern Python itself
    rejects, and NotLinear for one RE2 cannot run."""
    parsed = P.parse(pattern, flags)  # re.error: not even a Python pattern
    state = parsed.state
    names = {i: n for n, i in state.groupdict.items()}
    body = _Writer(names).seq(list(parsed), state.flags)
    top = state.flags
    prefix = "".join(f for bit, f in ((re.IGNORECASE, "i"), (re.DOTALL, "s")) if top & bit)
    source = (f"(?{prefix})" if prefix else "") + body
    import re2

    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = MAX_MEM
    try:
        rx = re2.compile(source, opts)
    except Exception as e:  # re2.error: the pattern is too large for RE2's budget, or similar
        detail = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
        raise NotLinear(f"RE2 cannot compile it ({detail})",
                        "make it smaller: fewer or shorter alternatives and counts") from None
    return LinearPattern(pattern, flags, rx, source)


_NO_LOOKAROUND = ("use `unless:` with `scope: before`, `after`, `match` or `sentence` to drop "
                  "the matches you do not want; RE2 runs in linear time and has no look-arounds")


class _Writer:
    def __init__(self, names: dict[int, str]):
        self.names = names

    def seq(self, items: list, flags: int) -> str:
        out = []
        for i, (op, av) in enumerate(items):
            if op is C.AT and av in (C.AT_BOUNDARY, C.AT_NON_BOUNDARY):
                _check_boundary(items, i)
            out.append(self.item(op, av, flags))
        return "".join(out)

    def item(self, op, av, flags: int) -> str:
        if op is C.LITERAL:
            return _folded(re.escape(chr(av)), flags) if flags & _CASE else _char(av)
        if op is C.NOT_LITERAL:
            return _folded(f"[^{re.escape(chr(av))}]", flags) if flags & _CASE else f"[^{_char(av)}]"
        if op is C.ANY:
            return "(?s:.)" if flags & re.DOTALL else "[^\\n]"
        if op is C.IN:
            return _charset(av, flags)
        if op is C.BRANCH:
            return "(?:" + "|".join(self.seq(list(b), flags) for b in av[1]) + ")"
        if op is C.SUBPATTERN:
            group, add, remove, sub = av
            inner_flags = (flags | add) & ~remove
            inner = self.seq(list(sub), inner_flags)
            switch = _flag_switch(flags, inner_flags)
            if switch:
                inner = f"(?{switch}:{inner})"
            if group is None:
                return f"(?:{inner})"
            name = self.names.get(group)
            return f"(?P<{name}>{inner})" if name else f"({inner})"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            if lo > 1000 or (hi != C.MAXREPEAT and hi > 1000):
                raise NotLinear("a count over 1,000", "RE2 allows {n,m} up to 1000; use + or * "
                                "for open-ended runs")
            inner = "(?:" + self.seq(list(sub), flags) + ")"
            if hi == C.MAXREPEAT:
                q = "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
            elif lo == hi:
                q = f"{{{lo}}}"
            elif (lo, hi) == (0, 1):
                q = "?"
            else:
                q = f"{{{lo},{hi}}}"
            return inner + q + ("?" if op is C.MIN_REPEAT else "")
        if op is getattr(C, "POSSESSIVE_REPEAT", None) or op is getattr(C, "ATOMIC_GROUP", None):
            raise NotLinear("a possessive quantifier or atomic group",
                            "drop the extra + or (?>...): RE2 never backtracks, so it needs none")
        if op is C.AT:
            return _anchor(av, flags)
        if op in (C.ASSERT, C.ASSERT_NOT):
            direction = "look-behind" if av[0] < 0 else "look-ahead"
            syntax = ("(?<" if av[0] < 0 else "(?") + ("!" if op is C.ASSERT_NOT else "=") + "...)"
            raise NotLinear(f"a {direction}, `{syntax}`,", _NO_LOOKAROUND)
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            raise NotLinear("a back-reference to a group", "RE2 has no back-references; match "
                            "the words themselves, or list the cases as alternatives")
        raise NotLinear(f"the construct {op}", "rewrite it with plain groups, classes and counts")


def _flag_switch(outer: int, inner: int) -> str:
    on = off = ""
    for bit, f in ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.MULTILINE, "m")):
        if inner & bit and not outer & bit:
            on += f
        elif outer & bit and not inner & bit:
            off += f
    return on + ("-" + off if off else "")


def _anchor(code, flags: int) -> str:
    multiline = flags & re.MULTILINE
    if code is C.AT_BEGINNING:
        return "(?m:^)" if multiline else "\\A"
    if code is C.AT_BEGINNING_STRING:
        return "\\A"
    if code is C.AT_END:  # Python's $: the end, or before a newline that ends the text
        return "(?m:$)" if multiline else "(?:\\n?\\z)"
    if code is C.AT_END_STRING:
        return "\\z"
    if code is C.AT_BOUNDARY:
        return "\\b"
    if code is C.AT_NON_BOUNDARY:
        return "\\B"
    raise NotLinear(f"the anchor {code}", "use ^, $, \\A, \\Z or \\b")


def _check_boundary(items: list, i: int) -> None:
    """`\\b` beside a non-ASCII letter in the pattern would never be seen by RE2 (its `\\b`
    knows ASCII only): "\\bcafé\\b" could not match "café au lait". Refused, not left broken."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(items) and items[j][0] is C.LITERAL:
            ch = chr(items[j][1])
            if not ch.isascii() and (ch.isalnum() or ch == "_"):
                raise NotLinear(f"\\b next to the letter {ch!r}",
                                "RE2's \\b knows only ASCII letters and digits; drop the \\b on "
                                "that side, or end the word with (?:[^\\w]|$) instead")


def _char(code: int) -> str:
    ch = chr(code)
    if 0xD800 <= code <= 0xDFFF:
        raise NotLinear("a surrogate code point", "write the character itself, not half of it")
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\x{{{code:X}}}"


# Python's Unicode classes (str patterns), as RE2 classes. \w is isalnum() or "_": letters and
# numbers; \d is a decimal digit; \s is str.isspace(), listed from Python's own tables.
_WORD = ("\\p{L}\\p{N}_", "0-9A-Za-z_")
_DIGIT = ("\\p{Nd}", "0-9")


@lru_cache(maxsize=1)
def _space() -> tuple[str, str]:
    return "".join(_char(c) for c in range(0x3100) if chr(c).isspace()), "\\t\\n\\x{B}\\f\\r "


_CATEGORY = {
    C.CATEGORY_WORD: lambda a: _WORD[a],
    C.CATEGORY_DIGIT: lambda a: _DIGIT[a],
    C.CATEGORY_SPACE: lambda a: _space()[a],
}
_NEGATED = {C.CATEGORY_NOT_WORD: C.CATEGORY_WORD, C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
            C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE}


def _charset(items: list, flags: int) -> str:
    ascii_ = 1 if flags & re.ASCII else 0
    negate = bool(items) and items[0][0] is C.NEGATE
    items = items[1:] if negate else items
    if ascii_ or (flags & re.IGNORECASE and any(op is not C.CATEGORY for op, _ in items)):
        return _explicit(items, negate, flags)  # letters under IGNORECASE: Python's folding, exactly
    if any(op is C.CATEGORY and av in _NEGATED for op, av in items):
        if len(items) == 1 and not negate:  # \W, \D, \S on their own
            return "[^" + _CATEGORY[_NEGATED[items[0][1]]](ascii_) + "]"
        return _explicit(items, negate, flags)
    parts = []
    for op, av in items:
        if op is C.LITERAL:
            parts.append(_char(av))
        elif op is C.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is C.CATEGORY and av in _CATEGORY:
            parts.append(_CATEGORY[av](ascii_))
        else:
            raise NotLinear(f"the class item {op}", "use letters, ranges, \\w, \\d and \\s")
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _explicit(items: list, negate: bool, flags: int) -> str:
    """A class RE2 would read differently, listed character by character as Python decides
    them and matched case-sensitively: one mixing a negated category with more ([^\\W\\d_],
    [\\W_]), which RE2 cannot say inside a class; letters under IGNORECASE, which Python folds
    a little differently from RE2 ("i" also matches "İ"); and any class under ASCII."""
    src = "[" + ("^" if negate else "") + "".join(_python_item(op, av) for op, av in items) + "]"
    return _folded(src, flags)


_CASE = re.IGNORECASE | re.ASCII


def _folded(src: str, flags: int) -> str:
    return _explicit_from(src, flags & _CASE)


@lru_cache(maxsize=1024)
def _explicit_from(src: str, flags: int) -> str:
    rx = re.compile(src + "+", flags)
    ranges = []
    for m in rx.finditer(_all_chars()):
        s, e = m.start(), m.end() - 1
        if s < 0xD800 <= e:  # a run across the surrogates' gap is two ranges
            ranges += [(s, 0xD7FF), (0xD800, e)]
        else:
            ranges.append((s, e))
    codes = [(_code_at(s), _code_at(e)) for s, e in ranges]
    if len(codes) == 1 and codes[0][0] == codes[0][1]:
        c = _char(codes[0][0])  # a character with no other case: itself, unfolded
        return f"(?-i:{c})" if chr(codes[0][0]).isalpha() else c
    body = "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in codes)
    return "(?-i:[" + body + "])" if body else "[^\\x{0}-\\x{10FFFF}]"


@lru_cache(maxsize=1)
def _all_chars() -> str:
    """Every code point but the surrogates, in order (position i holds _code_at(i))."""
    return "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))


def _code_at(i: int) -> int:
    return i if i < 0xD800 else i + 0x800


def _python_item(op, av) -> str:
    if op is C.LITERAL:
        return re.escape(chr(av))
    if op is C.RANGE:
        return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
    return {C.CATEGORY_WORD: "\\w", C.CATEGORY_NOT_WORD: "\\W", C.CATEGORY_DIGIT: "\\d",
            C.CATEGORY_NOT_DIGIT: "\\D", C.CATEGORY_SPACE: "\\s", C.CATEGORY_NOT_SPACE: "\\S"}[av]
