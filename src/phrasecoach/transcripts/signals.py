"""Customer-side signals for the conversation rule PC701 (missed-acknowledgment).

The phrases live in `rules/core/conversation/missed-acknowledgment.yaml` (shipped inside the
wheel with the core pack); this module is its strict schema, its loader (file:line errors, as
for rule packs) and the matcher. A signal is a span of a CUSTOMER turn showing a long wait,
repeated contact, frustration or urgency; the rule itself (scoring.py) then looks at the
agent's next reply.
"""

from __future__ import annotations

import re
import re._constants as _C  # noqa: N812 - CPython's regex internals, as in kinds.prefilter
import re._parser as _P  # noqa: N812
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import RegexError
from ..kinds.prefilter import regex_keys, word_keys
from ..models import Severity

SignalKind = Literal["wait", "repeat-contact", "frustration", "urgency"]
KIND_ORDER: tuple[str, ...] = ("wait", "repeat-contact", "frustration", "urgency")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DEFINE_REF = re.compile(r"\{\{(\w+)\}\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Veto(_Strict):
    """Drops a signal when the regex matches in its scope."""

    regex: str
    scope: Literal["before", "after", "sentence", "text"] = Field(
        "sentence", description="before/after: the rest of the sentence on that side of the "
                                "signal; sentence: the signal's sentence; text: the whole turn.")


class CapitalsOptions(_Strict):
    min_words: int = Field(3, ge=2, description="Capitalised words in a row (I and A don't count).")
    min_letters: int = Field(10, ge=4)
    function_words: list[str] = Field(
        min_length=1, description="A run must hold one of these, so codes (LAX JFK) never count.")


class SignalExamples(_Strict):
    flag: list[str] = Field(min_length=1, description="Customer texts that must raise this "
                                                       "signal; [[ ]] marks the exact span.")
    pass_: list[str] = Field(alias="pass", min_length=1,
                             description="Customer texts that must not raise it.")


class SignalSpec(_Strict):
    name: str
    kind: SignalKind
    label: str = Field(description="Completes 'The customer …' in the finding message.")
    regex: list[str] | None = None
    detector: Literal["capitals"] | None = None
    options: CapitalsOptions | None = None
    min_minutes: int | None = Field(
        None, ge=1, description="For patterns with the groups n and unit: the shortest wait.")
    unless: list[Veto] = Field(default_factory=list)
    examples: SignalExamples

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("a signal name is kebab-case, e.g. long-wait")
        return v

    @model_validator(mode="after")
    def _one_matcher(self):
        if bool(self.regex) == bool(self.detector):
            raise ValueError("give exactly one of regex or detector")
        if self.detector == "capitals" and self.options is None:
            raise ValueError("the capitals detector needs options (min_words, min_letters, "
                             "function_words)")
        if self.options is not None and not self.detector:
            raise ValueError("options are only for a detector")
        return self


class RuleMeta(_Strict):
    id: str = Field(pattern=r"^[A-Z]{2,6}\d{3,4}$")
    name: str
    category: Literal["missed-acknowledgment"]
    severity: Severity = Severity.warning
    message: str
    why: str


class PairExample(_Strict):
    customer: list[str] = Field(min_length=1)
    agent: list[str] = Field(min_length=1)
    signal: str | None = Field(None, description="For flag examples: a signal that must be seen.")

    @field_validator("customer", "agent", mode="before")
    @classmethod
    def _one_to_list(cls, v):
        return [v] if isinstance(v, str) else v


class PairExamples(_Strict):
    flag: list[PairExample] = Field(min_length=1)
    pass_: list[PairExample] = Field(alias="pass", min_length=1)


class SignalFile(_Strict):
    version: Literal[1]
    rule: RuleMeta
    acknowledged_by: list[str] = Field(default_factory=list)
    acknowledge: dict[SignalKind, str]
    define: dict[str, str] = Field(default_factory=dict)
    signals: list[SignalSpec] = Field(min_length=1)
    examples: PairExamples

    @model_validator(mode="after")
    def _consistent(self):
        names = [s.name for s in self.signals]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"duplicate signal name(s): {', '.join(sorted(dup))}")
        missing = {s.kind for s in self.signals} - set(self.acknowledge)
        if missing:
            raise ValueError(f"`acknowledge` has no text for kind(s): {', '.join(sorted(missing))}")
        for ex in self.examples.flag:
            if ex.signal is not None and ex.signal not in names:
                raise ValueError(f"example names an unknown signal `{ex.signal}`")
        return self


# ---- matching -------------------------------------------------------------------------

@dataclass(frozen=True)
class SignalHit:
    name: str
    kind: str
    label: str
    start: int
    end: int
    text: str


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "forty five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90, "couple": 2, "a couple": 2, "couple of": 2, "a couple of": 2, "a few": 3,
    "few": 3, "several": 5, "many": 10, "multiple": 2,
}


def _minutes(n: str | None, unit: str | None) -> float | None:
    if not unit:
        return None
    u = unit.lower()
    per = (1 if u.startswith("min") else 60 if u.startswith("h") else 1440 if u.startswith("d")
           else 10080 if u.startswith("w") else 43200)
    if n is None:
        return 2 * per
    key = " ".join(n.lower().split())
    if key in _NUMBER_WORDS:
        val = float(_NUMBER_WORDS[key])
    else:
        try:
            val = float(key.replace(",", "."))
        except ValueError:
            return None
    return val * per


_SENT_END = re.compile(r"[.!?…\n]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# The capitals detector needs a capitalised word of 4+ letters ([A-Z][A-Z'’]*, all upper):
# a text without one cannot raise it, and most texts have none.
_CAPS_HINT = re.compile(r"[A-Z][A-Z'’]{3}")


def pattern_keys(pattern: str) -> frozenset[str] | None:
    """Word-start keys (kinds.prefilter) one of which a text needs for `pattern` to match.

    Only for patterns that open with `\\b`, whose matches begin where a word begins; None
    (always run the pattern) for anything else, or when the start cannot be pinned down.
    """
    try:
        items = list(_P.parse(pattern, re.IGNORECASE))
    except (re.error, RecursionError, TypeError, ValueError, IndexError, AttributeError):
        return None
    if not items or items[0][0] is not _C.AT or items[0][1] is not _C.AT_BOUNDARY:
        return None
    return regex_keys(pattern)


@dataclass
class _Compiled:
    spec: SignalSpec
    patterns: list[re.Pattern]
    vetoes: list[tuple[str, re.Pattern]]
    caps_words: frozenset[str] = frozenset()
    keys: tuple[frozenset[str] | None, ...] = ()  # per pattern; None: always run it


class SignalSet:
    """The compiled signal file: `find(text)` lists the signals in one customer turn."""

    def __init__(self, spec: SignalFile, source: str = "<signals>"):
        self.spec = spec
        self.source = source
        self.rule = spec.rule
        self.acknowledge = dict(spec.acknowledge)
        self._ack = [self._re(r, "acknowledged_by") for r in spec.acknowledged_by]
        self._signals: list[_Compiled] = []
        for s in spec.signals:
            pats = [self._re(r, s.name) for r in (s.regex or [])]
            vetoes = [(v.scope, self._re(v.regex, s.name)) for v in s.unless]
            words = frozenset(w.upper() for w in (s.options.function_words if s.options else []))
            keys = tuple(pattern_keys(p.pattern) for p in pats)
            self._signals.append(_Compiled(s, pats, vetoes, words, keys))

    def _re(self, pattern: str, where: str) -> re.Pattern:
        def sub(m: re.Match) -> str:
            name = m.group(1)
            if name not in self.spec.define:
                raise RegexError(f"`{{{{{name}}}}}` is not in `define:`", where=f"{self.source} ({where})",
                                 hint=f"defined: {', '.join(sorted(self.spec.define)) or 'nothing'}")
            return self.spec.define[name]

        expanded = _DEFINE_REF.sub(sub, pattern)
        try:
            return re.compile(expanded, re.IGNORECASE)
        except re.error as e:
            raise RegexError(f"invalid regular expression: {e}", where=f"{self.source} ({where})",
                             hint=f"pattern: {pattern[:120]}") from None

    @property
    def names(self) -> list[str]:
        return [c.spec.name for c in self._signals]

    def acknowledges(self, agent_text: str) -> bool:
        """True when the agent's wording counts as an acknowledgement by itself."""
        return any(p.search(agent_text) for p in self._ack)

    def find(self, text: str) -> list[SignalHit]:
        """The signals in one customer turn, one per overlapping stretch, in text order.

        Two cheap tests skip work that cannot find anything (the result is the same; a test
        checks it on the corpus): a pattern opening with `\\b` runs only when the text has a
        word starting as one of the pattern's matches must start (kinds.prefilter), and the
        capitals detector only when the text has a capitalised word of four letters or more.
        """
        hits: list[SignalHit] = []
        text_keys = word_keys(text)
        for c in self._signals:
            if c.spec.detector == "capitals":
                spans = self._capitals(c, text) if _CAPS_HINT.search(text) else ()
            else:
                spans = self._regex(c, text, text_keys)
            for s, e in spans:
                if not self._vetoed(c, text, s, e):
                    hits.append(SignalHit(c.spec.name, c.spec.kind, c.spec.label, s, e, text[s:e]))
        # one hit per overlapping stretch: the longest, then the earliest
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        kept: list[SignalHit] = []
        for h in hits:
            if all(h.end <= k.start or k.end <= h.start for k in kept):
                kept.append(h)
        kept.sort(key=lambda h: h.start)
        return kept

    def _regex(self, c: _Compiled, text: str, text_keys: set[str] | None = None):
        for p, keys in zip(c.patterns, c.keys):
            if keys is not None and text_keys is not None and keys.isdisjoint(text_keys):
                continue
            for m in p.finditer(text):
                if m.end() <= m.start():
                    continue
                if c.spec.min_minutes is not None and "unit" in p.groupindex:
                    mins = _minutes(m.group("n") if "n" in p.groupindex else None, m.group("unit"))
                    if mins is not None and mins < c.spec.min_minutes:
                        continue
                yield m.start(), m.end()

    def _capitals(self, c: _Compiled, text: str):
        opts = c.spec.options
        run: list[re.Match] = []

        def flush():
            words = [m for m in run if m.group() not in ("I", "A")]
            if (len(words) >= opts.min_words
                    and sum(len(m.group()) for m in words) >= opts.min_letters
                    and any(m.group().replace("’", "'") in c.caps_words for m in words)
                    and any(len(m.group()) >= 4 for m in words)):
                return (run[0].start(), run[-1].end())
            return None

        prev_end = 0
        for m in _WORD.finditer(text):
            w = m.group()
            gap = text[prev_end:m.start()]
            caps = w.isupper() and (len(w) >= 2 or w in ("I", "A"))
            joined = bool(run) and not _SENT_END.search(gap) and not re.search(r"[_@#\d]", gap)
            if caps and (joined or not run):
                run.append(m)
            else:
                if run:
                    span = flush()
                    if span:
                        yield span
                run = [m] if caps else []
            prev_end = m.end()
        if run:
            span = flush()
            if span:
                yield span

    def _vetoed(self, c: _Compiled, text: str, s: int, e: int) -> bool:
        if not c.vetoes:
            return False
        ss, se = _sentence_around(text, s, e)
        for scope, p in c.vetoes:
            if scope == "before":
                region = text[ss:s]
            elif scope == "after":
                region = text[e:se]
            elif scope == "sentence":
                region = text[ss:se]
            else:
                region = text
            if p.search(region):
                return True
        return False


def _sentence_around(text: str, s: int, e: int) -> tuple[int, int]:
    start = s
    while start > 0 and text[start - 1] not in ".!?…\n":
        start -= 1
    end = e
    while end < len(text) and text[end] not in ".!?…\n":
        end += 1
    return start, end


# ---- loading --------------------------------------------------------------------------

def default_signals_path() -> Path:
    from ..packs.loader import bundled_packs_dir

    return bundled_packs_dir() / "core" / "conversation" / "missed-acknowledgment.yaml"


def load_signals(path: str | Path | None = None) -> SignalSet:
    """Load and validate a signal file (the bundled one by default). Cached per path."""
    p = Path(path) if path is not None else default_signals_path()
    return _load_cached(str(p.resolve()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> SignalSet:
    from ..packs.loader import _read_yaml, validation_error

    p = Path(path)
    node, data = _read_yaml(p)  # the packs' reader: file:line errors, duplicate keys refused
    try:
        spec = SignalFile.model_validate(data)
    except ValidationError as e:
        raise validation_error(p, node, e, SignalFile) from None
    return SignalSet(spec, source=str(p))
