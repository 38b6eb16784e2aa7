"""Conversation rules: customer-side signal rules, and the rules that judge the agent's reply.

Both are ordinary pack rules, in the one registry (`rules list/show`, `--select`/`--ignore`,
severity overrides, `rules test`); their data is YAML (`rules/core/conversation.yaml`, and the
word classes of `pack.yaml`). The message engine never runs them (`CompiledRule.inert`); QA
scoring does, through this module:

- A **customer-side rule** (`speaker: customer`, e.g. PC7011 long-wait) is matched on each
  customer turn as the engine matches a lexical rule: its phrases, regexes or detector on each
  sentence, then its `unless:` vetoes (scope `text` is the customer's turn). Which patterns can
  match a turn at all is decided first, in one linear pass (`Scanner`).
- A **conversation rule** (`match: conversation:`, PC701 missed-acknowledgment) judges the
  agent's reply to the customer turns since the agent last spoke. When one of its signal rules
  fired there and no turn of the reply acknowledges the customer, the reply's first turn gets
  one finding. A reply turn acknowledges when a rule named in `acknowledged_by` fires in it (an
  empathy strength, say) or one of the rule's `unless:` vetoes holds (scope `text`/`sentence`/
  `match`: the reply turn; `context`: the customer's turns it answers).

Python holds only that mechanism and `capitals`, the detector for writing in capitals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar
from weakref import WeakKeyDictionary

from pydantic import Field

from .kinds.base import Detector, DetectorOptions, Match
from .kinds.prefilter import literal_haystack, regex_keys, required_literals, word_keys
from .kinds.templates import render
from .text import sentence_spans, valid_text

if TYPE_CHECKING:
    from .engine import Coach
    from .models import Report
    from .packs.compiled import CompiledRule


# ---- the capitals detector ------------------------------------------------------------------

class CapitalsOptions(DetectorOptions):
    min_words: int = Field(3, ge=2, description="Capitalised words in a row (I and A don't count).")
    min_letters: int = Field(10, ge=4, description="Letters in those words, all told.")
    function_words: list[str] = Field(
        min_length=1, description="A run must hold one of these, so codes (LAX JFK) never count.")


_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_BREAK = re.compile(r"[.!?…\n_@#\d]")
# a run needs a capitalised word of 4+ letters: a text without one cannot hold a run
_CAPS_HINT = re.compile(r"[A-Z][A-Z'’]{3}")


class Capitals(Detector):
    """A run of words written in capitals ("I HAVE BEEN WAITING FOR HOURS"): shouting.

    The run is `min_words` or more capitalised words in a row (I and A join a run but do not
    count), `min_letters` letters or more, one word of four letters or more, and one of the
    `function_words`, so that codes and names in capitals (LAX JFK, PNR ABC123) never count.
    """

    name: ClassVar[str] = "capitals"
    Options: ClassVar[type[DetectorOptions]] = CapitalsOptions

    def __init__(self, options: CapitalsOptions, ctx):
        super().__init__(options, ctx)
        self._function = frozenset(w.upper().replace("’", "'") for w in options.function_words)

    def quick(self, text: str) -> bool:
        return _CAPS_HINT.search(text) is not None

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        out: list[Match] = []
        run: list[re.Match] = []
        prev = start
        for m in _WORD.finditer(text, start, end):
            w = m.group()
            caps = w.isupper() and (len(w) >= 2 or w in ("I", "A"))
            if caps and (not run or not _BREAK.search(text, prev, m.start())):
                run.append(m)
            else:
                self._flush(run, out)
                run = [m] if caps else []
            prev = m.end()
        self._flush(run, out)
        return out

    def _flush(self, run: list[re.Match], out: list[Match]) -> None:
        o = self.options
        words = [m.group() for m in run if m.group() not in ("I", "A")]
        if (len(words) >= o.min_words and sum(map(len, words)) >= o.min_letters
                and any(len(w) >= 4 for w in words)
                and any(w.replace("’", "'") in self._function for w in words)):
            out.append(Match(run[0].start(), run[-1].end()))


DETECTORS = {Capitals.name: Capitals}
# what a conversation rule's `suggest:` may use besides {match}, {before}, {after}, {sentence}:
# the deciding signal's own suggestion ("I'm sorry for the wait.")
SLOTS = frozenset({"acknowledgment"})


# ---- signals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignalHit:
    """A customer-side rule's match in a customer turn."""

    rule: str
    name: str
    kind: str
    start: int
    end: int
    text: str
    priority: int = 0
    message: str = ""
    acknowledgment: str = ""  # the rule's own suggestion: what to say to it


def _sentences(text: str) -> list[tuple[int, int]]:
    return sentence_spans(text) or [(0, len(text))]


class Scanner:
    """The customer-side rules, ready to run on customer turns.

    A pattern (a phrase list's or a regex) runs only on a turn where it could match. That is
    decided for all of a rule's patterns in one pass over the turn: each pattern is loosened
    into one that matches wherever it does and more (its look-arounds, word boundaries and
    anchors dropped), and RE2 matches a set of those at once, in time linear in the text
    (google-re2, as packs.linear uses it). A pattern RE2 cannot take is tested as the engine
    tests its rules instead (kinds.prefilter): the words the text starts and the literal
    strings the pattern needs. Patterns that pass run on each sentence with Python's `re`; a
    rule's matches that no veto drops are kept, one per overlapping stretch. The result is what
    running every pattern on every sentence gives (tests/test_transcripts_rule.py checks it on
    the corpus).
    """

    def __init__(self, rules: Sequence["CompiledRule"]):
        self.rules = list(rules)
        self._detectors = [i for i, r in enumerate(self.rules) if r.kind == "detector"]
        self._pats: list[tuple[int, re.Pattern]] = []  # every pattern, with its rule's position
        self._sets: list[tuple[object, list[int]]] = []  # per rule: an RE2 set, its patterns
        self._others: list[tuple[int, frozenset[str] | None, tuple[frozenset[str], ...]]] = []
        for ri, r in enumerate(self.rules):
            loose: list[tuple[int, str]] = []
            for rx in r.regexes:
                i = len(self._pats)
                self._pats.append((ri, rx))
                src = _loosened_re2(rx.pattern)
                if src is None:
                    self._others.append((i, _word_start_keys(rx.pattern),
                                         required_literals(rx.pattern) or ()))
                else:
                    loose.append((i, src))
            rset = _re2_set([src for _, src in loose]) if loose else None
            if rset is not None:
                self._sets.append((rset, [i for i, _ in loose]))
            else:
                self._others.extend((i, _word_start_keys(self._pats[i][1].pattern),
                                     required_literals(self._pats[i][1].pattern) or ())
                                    for i, _ in loose)

    def _live(self, text: str) -> list[int]:
        """The patterns that could match in `text`, in order."""
        live: list[int] = []
        if self._sets:
            data = valid_text(text).encode("utf-8")
            for rset, idx in self._sets:
                for k in rset.Match(data) or ():
                    live.append(idx[k])
        if self._others:
            keys, low = word_keys(text), literal_haystack(text)
            for i, k, lits in self._others:
                if ((k is None or not k.isdisjoint(keys))
                        and (low is None or all(any(map(low.__contains__, s)) for s in lits))):
                    live.append(i)
        live.sort()
        return live

    def find(self, text: str) -> list[SignalHit]:
        """The signals in one customer turn, one per overlapping stretch (the highest priority,
        then the longest, then the earliest), in text order."""
        return _one_per_stretch(self._hits(text))

    def fired(self, text: str) -> frozenset[str]:
        """The ids of the rules that fire anywhere in `text` (a rule's `requires: signals:`)."""
        return frozenset(h.rule for h in self._hits(text))

    def _hits(self, text: str) -> list[SignalHit]:
        """Each rule's hits, one per overlapping stretch of that rule."""
        live: dict[int, list[re.Pattern]] = {}
        for i in self._live(text) if self._pats else ():
            ri, rx = self._pats[i]
            live.setdefault(ri, []).append(rx)
        for ri in self._detectors:
            if self.rules[ri].detector.quick(text):
                live.setdefault(ri, [])
        if not live:
            return []
        sents = _sentences(text)
        hits: list[SignalHit] = []
        for ri in sorted(live):
            rule = self.rules[ri]
            mine = []
            for s, e in sents:
                found = (rule.detector.find_lexical(text, s, e) if rule.kind == "detector"
                         else _matches(live[ri], text, s, e))
                for m in found:
                    if m.end > m.start and not rule.vetoed(text, m, (s, e)):
                        mine.append(_hit(rule, text, m, (s, e)))
            hits.extend(_one_per_stretch(mine))
        return hits


_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def _loosened(pattern: str) -> str:
    """`pattern` without its look-arounds, word boundaries and anchors (`\\b`, `\\B`, `^`,
    `$`, `\\A`, `\\Z`): a pattern that matches wherever `pattern` does, and more."""
    out: list[str] = []
    i, n = 0, len(pattern)

    def class_end(j: int) -> int:  # pattern[j] == "[": the index after its "]"
        j += 1
        if j < n and pattern[j] == "^":
            j += 1
        if j < n and pattern[j] == "]":
            j += 1
        while j < n and pattern[j] != "]":
            j += 2 if pattern[j] == "\\" else 1
        return j + 1

    def group_end(j: int) -> int:  # pattern[j] == "(": the index after its ")"
        depth = 0
        while j < n:
            c = pattern[j]
            if c == "\\":
                j += 2
                continue
            if c == "[":
                j = class_end(j)
                continue
            depth += (c == "(") - (c == ")")
            j += 1
            if depth == 0:
                return j
        return j

    while i < n:
        c = pattern[i]
        if c == "\\":
            if pattern[i + 1:i + 2] not in ("b", "B", "A", "Z"):
                out.append(pattern[i:i + 2])
            i += 2
        elif c == "[":
            j = class_end(i)
            out.append(pattern[i:j])
            i = j
        elif pattern.startswith(_LOOKAROUND, i):
            i = group_end(i)
        elif c in "^$":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _loosened_re2(pattern: str) -> str | None:
    """The loosened pattern written for RE2 (packs.linear), or None when RE2 cannot take it."""
    try:
        from .packs.linear import compile_linear

        return compile_linear(_loosened(pattern), re.IGNORECASE).re2_pattern
    except Exception:  # noqa: BLE001 - re.error, NotLinear, no google-re2: test it the other way
        return None


def _re2_set(sources: list[str]):
    try:
        import re2

        opts = re2.Options()
        opts.log_errors = False
        opts.max_mem = 16 << 20  # each rule's set: enough to keep its automaton cached
        rset = re2.Set.SearchSet(opts)
        for src in sources:
            rset.Add(src)
        rset.Compile()
        return rset
    except Exception:  # noqa: BLE001 - no google-re2, or a set too large for it
        return None


def _matches(patterns, text: str, start: int, end: int) -> list[Match]:
    sent = text[start:end]  # `^` is the start of the sentence, as in the engine
    return [Match(start + m.start(), start + m.end(), groups={k: v or "" for k, v in m.groupdict().items()})
            for rx in patterns for m in rx.finditer(sent)]


def _word_start_keys(pattern: str) -> frozenset[str] | None:
    """kinds.prefilter.regex_keys, for a pattern whose every match starts at a word boundary
    (`\\b...`, in each alternative): only then must a word of the text start as it does."""
    try:
        import re._constants as C  # noqa: N812 - CPython's regex internals, as in kinds.prefilter
        import re._parser as P  # noqa: N812

        items = list(P.parse(pattern, re.IGNORECASE))
    except Exception:  # noqa: BLE001 - no keys: the pattern always runs
        return None

    def at_boundary(seq) -> bool:
        if not seq:
            return False
        op, av = seq[0]
        if op is C.AT:
            return av is C.AT_BOUNDARY
        if op is C.SUBPATTERN:
            return at_boundary(list(av[-1]))
        if op is C.BRANCH:
            return all(at_boundary(list(b)) for b in av[1])
        return False

    return regex_keys(pattern) if at_boundary(items) else None


def rule_hits(rule: "CompiledRule", text: str) -> list[SignalHit]:
    """One customer-side rule on one customer turn (its own examples: `rules test`)."""
    return Scanner([rule]).find(text)


def _one_per_stretch(hits: list[SignalHit]) -> list[SignalHit]:
    """Of overlapping hits, the highest priority, then the longest, then the earliest; in text
    order (a learned signal's whole sentence does not swallow a named signal inside it)."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (-h.priority, -(h.end - h.start), h.start))
    kept: list[SignalHit] = []
    for h in hits:
        if all(h.end <= k.start or k.end <= h.start for k in kept):
            kept.append(h)
    kept.sort(key=lambda h: h.start)
    return kept


def _hit(rule: "CompiledRule", text: str, m: Match, sent: tuple[int, int]) -> SignalHit:
    spec = rule.spec
    ack = ""
    if spec.suggest:
        slots = {"match": text[m.start:m.end], "before": text[sent[0]:m.start],
                 "after": text[m.end:sent[1]], "sentence": text[sent[0]:sent[1]], **m.groups}
        ack = render(spec.suggest[0].replacement, slots, at_start=True)
    return SignalHit(rule=spec.id, name=spec.name, kind=spec.signal or "", start=m.start, end=m.end,
                     text=text[m.start:m.end], priority=spec.priority, message=spec.message,
                     acknowledgment=ack)


# ---- conversation rules ------------------------------------------------------------------------

def _selects(sel: str, r: "CompiledRule") -> bool:
    """A selector as --select reads it, or a customer-side rule's kind of signal (`frustration`)."""
    s = r.spec
    return sel in (s.id, s.category, s.name, r.pack, s.signal) or s.id.startswith(sel)


@dataclass
class ConversationRule:
    """A conversation rule with the customer-side rules it reads and the rules that acknowledge."""

    rule: "CompiledRule"
    signals: list["CompiledRule"]
    acknowledged_by: frozenset[str]  # rule ids

    def acknowledges(self, text: str, report: "Report | None", context: str | None) -> bool:
        """Does this reply turn acknowledge the customer?"""
        if report is not None and self.acknowledged_by and any(
                h.rule in self.acknowledged_by for h in (*report.strengths, *report.findings)):
            return True
        whole = (0, len(text))
        return self.rule.vetoed(text, Match(0, len(text)), whole, context)


@dataclass
class ConversationRules:
    """The conversation rules of a Coach (those its selection kept) and their signal rules."""

    rules: list[ConversationRule] = field(default_factory=list)
    signal_rules: list["CompiledRule"] = field(default_factory=list)  # read by one rule or more
    _scanner: "Scanner | None" = None

    @classmethod
    def of(cls, coach: "Coach") -> "ConversationRules":
        """Built once per Coach (cached)."""
        got = _CACHE.get(coach)
        if got is None:
            got = _CACHE[coach] = cls.build(coach.rules)
        return got

    @classmethod
    def build(cls, rules: Iterable["CompiledRule"]) -> "ConversationRules":
        rules = list(rules)
        customer = [r for r in rules if r.spec.speaker == "customer"]
        agent = [r for r in rules if r.spec.speaker == "agent" and r.kind != "conversation"]
        out = cls()
        seen: dict[str, CompiledRule] = {}
        for r in rules:
            cs = r.spec.match.conversation
            if cs is None:
                continue
            sig = [c for c in customer if any(_selects(s, c) for s in cs.signals)]
            ack = frozenset(a.id for a in agent if any(_selects(s, a) for s in cs.acknowledged_by))
            out.rules.append(ConversationRule(r, sig, ack))
            for c in sig:
                seen.setdefault(c.id, c)
        out.signal_rules = list(seen.values())
        out._scanner = Scanner(out.signal_rules)
        return out

    def find(self, text: str) -> list[SignalHit]:
        """The signals of the conversation rules' signal rules in one customer turn."""
        return self._scanner.find(text) if self.signal_rules else []


_CACHE: "WeakKeyDictionary[Coach, ConversationRules]" = WeakKeyDictionary()


def best_signal(hits: Sequence[tuple[int, SignalHit]]) -> tuple[int, SignalHit]:
    """The signal a finding names: the highest priority, then the earliest."""
    return min(hits, key=lambda th: (-th[1].priority, th[0], th[1].start))
