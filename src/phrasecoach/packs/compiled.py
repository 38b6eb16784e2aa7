"""A rule ready to run: its matcher compiled, its exceptions and templates prepared.

The engine knows the four kinds (phrases, regex, tokens, detector), never individual rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from ..errors import (DetectorError, LinearRegexError, PackLimitError, PackValidationError, RegexError,
                      TokenPatternError)
from .. import conversation
from ..kinds import command, jargon, wording
from ..kinds.base import Detector, DetectorContext, Match
from ..kinds.phrases import (_LEMMA_REF, choice_count, compile_phrases, count_forms, expand_lemmas, inflections,
                             phrase_key_sets, phrase_literals)
from ..kinds.prefilter import Haystack, Literals, literals_hold, required_literals, union_keys, weak
from ..kinds.templates import FILTERS, render, template_slots
from ..models import Applicability, Severity, Suggestion
from ..text import after_greeting
from .linear import LinearPattern, NotLinear, compile_linear
from .loader import MAX_PHRASE_FORMS, LoadedRule
from .schema import RuleSpec

DETECTORS: dict[str, type[Detector]] = {**command.DETECTORS, **jargon.DETECTORS,
                                         **conversation.DETECTORS, **wording.DETECTORS}
_WORD_ATTRS = {"LOWER", "ORTH", "TEXT", "NORM"}


_LEXICON_REF = re.compile(r"\{([a-z][a-z0-9_-]*)\}")


def expand_lexicons(rx: str, lexicons: dict[str, list[str]], where: str) -> str:
    """`{name}` in a regex becomes the alternation of the pack's lexicon class `name`; a class
    may name other classes in its entries, and those are filled in too."""
    def fill(text: str, inside: tuple[str, ...]) -> str:
        def sub(m: re.Match) -> str:
            name = m.group(1)
            entries = lexicons.get(name)
            if entries is None:
                raise RegexError(f"unknown lexicon `{{{name}}}` in {rx!r}", where=where,
                                 hint="define it under `lexicons:` in pack.yaml"
                                      + (f" (known: {', '.join(sorted(lexicons))})" if lexicons else ""))
            if name in inside:
                raise RegexError(f"lexicon `{{{name}}}` contains itself ({' -> '.join((*inside, name))})",
                                 where=where, hint="a class may name other classes, never one it is inside")
            return "(?:" + "|".join(fill(e, (*inside, name)) if "{" in e else e for e in entries) + ")"
        return _LEXICON_REF.sub(sub, text)
    from ..kinds.phrases import expand_lemmas

    return expand_lemmas(fill(rx, ()), regex=True) if "{" in rx else rx


def _compile_regex(rx: str, where: str, linear: bool = False,
                   written: str | None = None) -> re.Pattern[str] | LinearPattern:
    """A pack regex, case-insensitive. `linear`: on RE2 (packs.linear), as every pack but the
    bundled ones is run, so that no pattern can take time out of proportion to the text.
    `written`: the regex as the pack gives it, before its {lexicon} classes were filled in."""
    try:
        if linear:
            return compile_linear(rx, re.IGNORECASE)
        return re.compile(rx, re.IGNORECASE)
    except re.error as e:
        raise RegexError(f"invalid regular expression {rx!r}: {e}", where=where,
                         hint="test it with `python -c \"import re; re.compile(r'...')\"`") from None
    except NotLinear as e:
        raise LinearRegexError(
            f"{e.what} in {written or rx!r}: a team pack's regexes run on RE2, which takes time "
            "in proportion to the text and so cannot run it", where=where, hint=e.hint) from None


def _no_regex_tests(patterns: list, where: str) -> None:
    """A team pack's token patterns may not use REGEX: spaCy runs those with Python's `re`,
    which a pattern such as (a+)+$ can keep busy for hours on one long word."""
    stack = list(patterns)
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if any(str(k).upper() == "REGEX" for k in x):
                raise LinearRegexError(
                    "a REGEX test in a token pattern", where=where,
                    hint="list the words with IN (or NOT_IN), and put a regex in the rule's "
                         "`trigger:`, which runs on RE2")
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)


def _check_forms(phrases: list[str], where: str) -> None:
    """Refuse phrases whose written forms would run into the millions (E009)."""
    total = 0
    for ph in phrases:
        combos = choice_count(ph)  # "(a|b) [c|d]" groups multiply too
        for lemma in _LEMMA_REF.findall(ph):
            combos *= len(inflections(lemma))
        if combos <= MAX_PHRASE_FORMS:
            total += sum(count_forms(x) for x in expand_lemmas(ph, regex=False))
        if combos > MAX_PHRASE_FORMS or total > MAX_PHRASE_FORMS:
            raise PackLimitError(
                f"the phrases have over {MAX_PHRASE_FORMS:,} written forms (contractions, "
                f"spellings and {{~word}} forms multiply them; at {ph[:60]!r})", where=where,
                hint="split long phrases into shorter ones, or the list into several rules")


_BASE_SLOTS = frozenset({"match", "before", "after", "sentence"})


def _check_slots(lr: LoadedRule, groups: set[str]) -> None:
    """An unknown slot in a suggestion ({thinng}) is a load error, not a silent blank."""
    import difflib

    known = _BASE_SLOTS | groups
    for j, s in enumerate(lr.spec.suggest):
        for slot, _filters in template_slots(s.replacement):
            if slot not in known:
                close = difflib.get_close_matches(slot, sorted(known), n=1)
                raise PackValidationError(
                    f"unknown slot `{{{slot}}}` in suggestion {s.replacement!r}",
                    where=lr.at("suggest", j, "replacement"),
                    hint=(f"did you mean `{{{close[0]}}}`? " if close else "")
                    + f"slots here: {', '.join(sorted(known))} (named regex groups are slots too)")


_WHEN = frozenset({"before", "after"})


def _check_when(lr: LoadedRule, flags: frozenset[str]) -> None:
    """`when:` names `before`/`after` or a flag of the rule's detector, each perhaps with `no-`."""
    import difflib

    known = _WHEN | flags
    for j, s in enumerate(lr.spec.suggest):
        for c in s.when:
            if c.removeprefix("no-") not in known:
                close = difflib.get_close_matches(c, sorted(known | {f"no-{k}" for k in known}), n=1)
                raise PackValidationError(
                    f"unknown condition `{c}` in `when:` of suggestion {s.replacement!r}",
                    where=lr.at("suggest", j, "replacement"),
                    hint=(f"did you mean `{close[0]}`? " if close else "")
                    + f"conditions here: {', '.join(sorted(known))}, each also with no-")


def _pattern_words(patterns: list[list[dict]]) -> list[str] | None:
    """Literal words every pattern requires (its trigger), or None if one has none."""
    words: list[str] = []
    for pat in patterns:
        found = []
        for tok in pat:
            for attr, val in tok.items():
                if attr.upper() in _WORD_ATTRS:
                    if isinstance(val, str):
                        found.append(val)
                    elif isinstance(val, dict) and isinstance(val.get("IN"), list):
                        found.extend(str(v) for v in val["IN"])
            if found and tok.get("OP") not in ("?", "*"):
                break
        if not found:
            return None
        words.extend(found)
    return words


def _dependency_words(patterns: list[list[dict]]) -> list[str] | None:
    """The literal words a dependency pattern requires (from its nodes' RIGHT_ATTRS)."""
    return _pattern_words([[node.get("RIGHT_ATTRS", {}) for node in pat] for pat in patterns])


def validate_dependency_patterns(patterns: list[list[dict]], where: str):
    from spacy.matcher import DependencyMatcher
    from spacy.vocab import Vocab

    m = DependencyMatcher(Vocab(), validate=True)
    for i, pat in enumerate(patterns):
        if any(isinstance(n, dict) and any(str(a).upper() == "LEMMA" for a in n.get("RIGHT_ATTRS", {}))
               for n in pat):
            raise TokenPatternError(
                f"dependency pattern #{i + 1} uses LEMMA, which phrasecoach does not compute", where=where,
                hint="list the forms instead: {LOWER: {IN: [forgot, forget, forgets]}}")
        try:
            m.add(f"p{i}", [pat])
        except Exception as e:  # spaCy raises ValueError / KeyError with its own codes
            detail = " ".join(str(e).split())[:300]
            raise TokenPatternError(f"invalid spaCy dependency pattern #{i + 1}: {detail}", where=where,
                                    hint="see https://spacy.io/usage/rule-based-matching#dependencymatcher "
                                         "(RIGHT_ID, RIGHT_ATTRS, LEFT_ID, REL_OP)") from None


def validate_token_patterns(patterns: list[list[dict]], where: str) -> None:
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    m = Matcher(Vocab(), validate=True)
    for i, pat in enumerate(patterns):
        if any(isinstance(tok, dict) and any(str(a).upper() == "LEMMA" for a in tok) for tok in pat):
            raise TokenPatternError(
                f"token pattern #{i + 1} uses LEMMA, which phrasecoach does not compute",
                where=where,
                hint="the pipeline runs without its lemmatizer (it is the slowest part and no "
                     "detector needs it); list the forms instead: "
                     "{LOWER: {IN: [revert, reverts, reverted, reverting]}}")
        try:
            m.add(f"p{i}", [pat])
        except Exception as e:  # spaCy raises MatchPatternError / ValueError
            msg = str(e).strip().splitlines()
            detail = " ".join(x.strip() for x in msg if x.strip())[:300]
            raise TokenPatternError(f"invalid spaCy token pattern #{i + 1}: {detail}", where=where,
                                    hint="see https://spacy.io/usage/rule-based-matching for the "
                                         "token attributes (LOWER, POS, DEP, OP ...)") from None


@dataclass
class Requirement:
    """One `requires:` condition: words in a scope (`rx`), or customer-side rules that must fire
    on the context (`signals`, the selectors as written; `ids`, the rules they name, set by the
    Coach that loads the rule)."""

    scope: str
    rx: tuple[re.Pattern[str], ...] = ()  # any one of them meets the condition
    signals: tuple[str, ...] = ()
    ids: frozenset[str] = frozenset()
    where: str = ""  # file:line of the condition, for errors
    any_of: tuple["Requirement", ...] = ()  # `any_of:`: one of these holding meets the condition

    @property
    def alternatives(self) -> tuple["Requirement", ...]:
        return self.any_of or (self,)

    @property
    def signals_only(self) -> bool:
        """Is every alternative a `signals:` one (so the context's signals alone decide it)?"""
        return all(a.signals for a in self.alternatives)


def _holds(req: Requirement, text: str, m: Match, sent: tuple[int, int], context: str | None,
           fired: Callable[[], frozenset[str]] | None) -> bool:
    """Does one plain condition (signals, or words in a scope) hold for this match?"""
    if req.signals:
        return context is not None and fired is not None and not req.ids.isdisjoint(fired())
    if req.scope == "context":
        if context is None:
            return False
        hay = context
    else:
        hay = text if req.scope == "text" else _in_scope(req.scope, text, m, sent)
    return any(r.search(hay) for r in req.rx)


_LIVE_MEMO = 1024  # per rule: answers of _live kept, by the bits of its strings a text holds (a key is an int of up to 1 KB)


@dataclass
class CompiledRule:
    spec: RuleSpec
    pack: str
    file: Path
    line: int
    severity: Severity
    kind: str
    needs_parse: bool
    regexes: list[re.Pattern[str]] = field(default_factory=list)
    detector: Detector | None = None
    token_patterns: list[list[dict]] | None = None
    trigger: re.Pattern[str] | None = None
    exceptions: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    keys: frozenset[str] | None = None  # word-start keys a text needs before the rule runs
    # a phrase rule's forms: (rarest word's key, all its words' keys) each, for the engine's index
    phrase_key_sets: frozenset[tuple[str, frozenset[str]]] | None = None
    # per regex (or for the trigger): literal sets every match holds (prefilter.required_literals)
    literals: list[Literals | None] = field(default_factory=list)
    _matcher: object = None
    _quick_regexes: list[re.Pattern[str]] | None = None
    _anchored: bool = False
    _live_last: tuple | None = None
    _veto_memo: tuple | None = None  # (text, context, {exception index: vetoes?}) of the last call
    # per `suggest:` entry, its compiled `unsafe_if` (None: none)
    unsafe_if: list[re.Pattern[str] | None] = field(default_factory=list)
    # the `requires:` conditions, in order (Requirement)
    requirements: list["Requirement"] = field(default_factory=list)
    # every regex's strongest literal set, joined: no match without one of these (None: unknown)
    gate: frozenset[str] | None = field(init=False, default=None)

    def __post_init__(self):
        if self.literals and None not in self.literals:
            self.gate = frozenset().union(*(lits[0] for lits in self.literals))
        # the gate, the rule's strings and each regex's literal sets as bits of a LiteralScan
        # (made on the first Haystack, for its scan), and _live's answers by the bits present
        self._bits: tuple | None = None
        self._live_memo: dict[int, list[re.Pattern[str]]] = {}
        self.gate_bits = 0
        # a `requires:` condition reads the customer's message: the rule cannot fire where none
        # is given, and the engine does not run it there
        self.needs_context = any(q.reads_context for q in self.spec.requires)
        # ... and where a `requires: signals:` condition fails on the message given, a
        # parse-level rule is not parsed (signals_unmet): a parse costs more than the scan of the
        # context; a lexical rule asks only when it has matched
        self.signal_gated = any(q.signals_only for q in self.requirements)
        if self.inert:
            # The message engine asks quick() first, so a conversation rule or a customer-side
            # signal never runs on a message; QA scoring runs them (phrasecoach.conversation).
            self.quick = _never

    @property
    def inert(self) -> bool:
        """A rule the message engine leaves alone: a conversation rule, or a customer-side one."""
        return self.kind == "conversation" or self.spec.speaker != "agent"

    def _quick_res(self) -> list[re.Pattern[str]]:
        """The regexes for the whole-text pre-check. `^` means the start of a *sentence*
        (find_lexical runs per sentence), so a pattern with a `^` anywhere cannot be pre-checked
        on the whole text: it is left out, and the rule always goes on to find_lexical."""
        if self._quick_regexes is None:
            from ..kinds.prefilter import has_start_anchor

            self._quick_regexes = [r for r in self.regexes if not has_start_anchor(r.pattern, r.flags)]
            if len(self._quick_regexes) < len(self.regexes):
                self._quick_regexes = []  # an empty list: no pre-check possible
                self._anchored = True
        return self._quick_regexes

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def is_strength(self) -> bool:
        return self.spec.category == "empathy"

    def to_dict(self) -> dict:
        """The rule as `rules list --format json` and `GET /v1/rules/{id}` show it."""
        s = self.spec
        return {"id": s.id, "name": s.name, "category": s.category, "severity": self.severity.value,
                "message": s.message, "why": " ".join(s.why.split()), "pack": self.pack,
                "status": s.status, "level": s.level, "kind": self.kind, "needs_parse": self.needs_parse,
                "requires": [q.model_dump(exclude_none=True) for q in s.requires],
                "examples": {"flag": [e.model_dump(exclude_none=True) for e in s.examples.flag],
                             "pass": [e.dump() for e in s.examples.pass_]}}

    # ---- matching -----------------------------------------------------------------
    def quick(self, text: str, text_keys: set[str] | None = None, low: str | None = None) -> bool:
        """Could the rule match somewhere in `text`? False only when it cannot. `text_keys`
        (prefilter.word_keys) and `low` (prefilter.literal_haystack) are computed once per text."""
        keys = self.keys
        if keys is not None and text_keys is not None and keys.isdisjoint(text_keys):
            return False
        gate = self.gate
        if gate is not None and low is not None:
            # one string of the gate must be present; then a regex whose literals are all present
            # is live. find_lexical / candidate() scan each sentence once anyway, so a whole-text
            # regex search here would only scan it twice.
            if isinstance(low, Haystack):  # its strings were found in one scan of the text
                if not self._bits_for(low.scan)[1] & low.mask:
                    return False
            elif not any(map(low.__contains__, gate)):
                return False
            if self.kind == "detector":  # its strings are only a first test (Detector.required)
                return self.detector.quick(text)
            return bool(self._live(low))
        if self.kind in ("phrases", "regex"):
            quick = self._quick_res()
            return self._anchored or any(r.search(text) for r in quick)
        if self.kind == "detector":
            return self.detector.quick(text)
        if self.trigger is not None:
            return self.trigger.search(text) is not None
        return True

    def candidate(self, sentence: str) -> bool:
        if self.kind == "detector":
            return self.detector.candidate(sentence)
        if self.trigger is not None:
            return self.trigger.search(sentence) is not None
        return True

    def _bits_for(self, scan) -> tuple:
        """_bind's answer for `scan`, made once per scan."""
        bits = self._bits
        return bits if bits is not None and bits[0] is scan else self._bind(scan)

    def _bind(self, scan) -> tuple:
        """(scan, gate bits, all the rule's bits, per regex its literal sets' bits or None)."""
        # a set holding an everyday word ("you", "is") is in nearly every text: it would only
        # split the memo's keys, so liveness ignores it (the regex itself still decides)
        groups = [tuple(scan.mask_of(g) for g in lits if not weak(g)) if lits is not None else None
                  for lits in self.literals]
        every = 0
        for gs in groups:
            for g in gs or ():
                every |= g
        self._bits = (scan, scan.mask_of(self.gate or ()), every, groups)
        self._live_memo = {}
        # the engine skips a rule whose gate bits a text lacks without calling quick() (0: no gate)
        self.gate_bits = self._bits[1] if self.gate is not None else 0
        return self._bits

    def _live(self, low: str) -> list[re.Pattern[str]]:
        """The regexes whose required literals are all in `low` (the last answer is kept, as
        find_lexical asks again for each sentence of the same text)."""
        last = self._live_last
        if last is not None and last[0] is low:
            return last[1]
        pats = self.regexes or [self.trigger]
        if isinstance(low, Haystack):
            # texts that hold the same of the rule's strings have the same live regexes: most
            # texts share a few common ones ("is", "the"), so the answer is usually kept already
            bits = self._bits_for(low.scan)
            key = bits[2] & low.mask
            live = self._live_memo.get(key)
            if live is None:
                live = [r for r, groups in zip(pats, bits[3])
                        if groups is None or all(map(key.__and__, groups))]
                if len(self._live_memo) >= _LIVE_MEMO:
                    self._live_memo.clear()
                self._live_memo[key] = live
        else:
            live = [r for r, lits in zip(pats, self.literals) if lits is None or literals_hold(lits, low)]
        self._live_last = (low, live)
        return live

    def find_lexical(self, text: str, start: int, end: int, low: str | None = None) -> list[Match]:
        """Matches in text[start:end]; `low` is the whole text as prefilter.literal_haystack gives
        it, which lets a regex whose required words are absent be skipped."""
        return [m for m, _ in self.find_in_sentences(text, ((start, end),), low)]

    def find_in_sentences(self, text: str, sents, low: str | None = None) -> list[tuple[Match, tuple[int, int]]]:
        """(match, its sentence) for every sentence (start, end) of `sents`, in order. One call
        per rule and text, not per sentence: the live regexes are chosen once."""
        if self.kind in ("phrases", "regex"):
            out = []
            pats = self.regexes if low is None or not self.literals else self._live(low)
            if not pats:
                return out
            for se in sents:
                start, end = se
                sent = text[start:end]
                for r in pats:
                    for m in r.finditer(sent):
                        if m.end() == m.start():
                            continue
                        groups = {k: v or "" for k, v in m.groupdict().items()}
                        out.append((Match(start + m.start(), start + m.end(), groups=groups), se))
            return out
        if self.kind == "detector" and not self.needs_parse:
            return [(m, se) for se in sents for m in self.detector.find_lexical(text, se[0], se[1])]
        return []

    def prepare(self, nlp) -> None:
        """Build what the rule keeps from one parse to the next (a token or dependency rule's
        matcher) before the engine enters spaCy's memory zone: strings added inside a zone are
        gone after it."""
        if self._matcher is None and self.kind in ("tokens", "dependency"):
            from spacy.matcher import DependencyMatcher, Matcher

            m = (Matcher if self.kind == "tokens" else DependencyMatcher)(nlp.vocab)
            m.add(self.id, self.token_patterns)
            self._matcher = m

    def find_parsed(self, doc, offset: int) -> list[Match]:
        # the candidate test is part of the rule, so parsing every sentence (parse="all")
        # flags exactly what parsing only the candidates does
        if not self.candidate(doc.text):
            return []
        if self.kind == "detector":
            return self.detector.find_parsed(doc, offset)
        if self.kind == "dependency":
            if self._matcher is None:
                from spacy.matcher import DependencyMatcher

                m = DependencyMatcher(doc.vocab)
                m.add(self.id, self.token_patterns)
                self._matcher = m
            out = []
            for _, token_ids in self._matcher(doc):
                toks = [doc[i] for i in token_ids]
                start = min(t.idx for t in toks)
                end = max(t.idx + len(t.text) for t in toks)
                out.append(Match(offset + start, offset + end))
            return out
        if self.kind == "tokens":
            if self._matcher is None:
                from spacy.matcher import Matcher

                m = Matcher(doc.vocab)
                m.add(self.id, self.token_patterns)
                self._matcher = m
            spans = self._matcher(doc, as_spans=True)
            return [Match(offset + s.start_char, offset + s.end_char) for s in spans]
        return []

    def vetoed(self, text: str, m: Match, sent: tuple[int, int], context: str | None = None) -> bool:
        # a `text` or `context` veto reads the same string for every hit of the rule in a
        # message: its answer is kept for the message, so many hits cost one search, not many
        memo = self._veto_memo
        if memo is None or memo[0] is not text or memo[1] is not context:
            memo = self._veto_memo = (text, context, {})
        known = memo[2]
        for n, (scope, rx) in enumerate(self.exceptions):
            if scope in ("context", "text") and rx is not None:
                if scope == "context" and context is None:
                    continue
                hit = known.get(n)
                if hit is None:
                    hit = known[n] = rx.search(context if scope == "context" else text) is not None
                if hit:
                    return True
                continue
            if scope == "context":
                if context is None:
                    continue
                if _echoed(text[m.start:m.end], context):  # echo: the customer wrote it first
                    return True
                continue
            if rx.search(_in_scope(scope, text, m, sent)):
                return True
        return False

    def signals_unmet(self, fired: frozenset[str]) -> bool:
        """Does a `requires: signals:` condition fail, whatever the match? (`fired`: the ids of
        the customer-side rules that fire on the context.)"""
        return any(req.signals_only and all(a.ids.isdisjoint(fired) for a in req.alternatives)
                   for req in self.requirements)

    def unmet(self, text: str, m: Match, sent: tuple[int, int], context: str | None = None,
              fired: Callable[[], frozenset[str]] | None = None) -> bool:
        """Does one of the rule's `requires:` conditions fail for this match? `fired` gives the
        ids of the customer-side rules that fire on `context`; it is asked only when a condition
        names signals, so a message pays for the context's scan only where a rule needs it."""
        return not all(any(_holds(a, text, m, sent, context, fired) for a in req.alternatives)
                       for req in self.requirements)

    def suggestions(self, text: str, m: Match, sent: tuple[int, int]) -> list[Suggestion]:
        """The rule's `suggest:` templates filled from the match. A detector's own suggestions
        stand only when the rule gives none. A detector's slot a template names but the match
        lacks drops that template; a detector's `unsafe` flag caps the rest at unsafe."""
        if not self.spec.suggest:
            return list(m.suggestions or ())
        slots = {"match": text[m.start:m.end], "before": text[sent[0]:m.start],
                 "after": text[m.end:sent[1]], "sentence": text[sent[0]:sent[1]], **m.groups}
        # after an opening greeting ("Hi Sam, ") the sentence goes on in lower case
        at_start = (not text[sent[0]:m.start].strip(" \t\"'“(")
                    and not text[max(0, sent[0] - 3):sent[0]].rstrip().endswith((",", ":", "-", "—", "–")))
        has = {"before": not at_start,
               "after": bool(re.sub(r"[\s.!?…\"”')]+", "", slots["after"]))}
        own = self.detector.slots if self.detector is not None else frozenset()
        out = []
        for j, s in enumerate(self.spec.suggest):
            if any((has[c] if c in has else c in m.flags) == neg
                   for c, neg in ((c.removeprefix("no-"), c.startswith("no-")) for c in s.when)):
                continue
            if own and any(slot in own and slot not in m.groups for slot in _slot_names(s.replacement)):
                continue
            app = s.applicability
            if app is Applicability.safe and ("unsafe" in m.flags or (
                    self.unsafe_if and self.unsafe_if[j] is not None
                    and self.unsafe_if[j].search(text[sent[0]:sent[1]]))):
                app = Applicability.unsafe
            out.append(Suggestion(replacement=render(s.replacement, slots, at_start, m.case),
                                  applicability=app, title=s.title))
        return out


@lru_cache(maxsize=1024)
def _slot_names(template: str) -> tuple[str, ...]:
    return tuple(slot for slot, _ in template_slots(template))


def _never(*_args, **_kwargs) -> bool:
    return False


def _in_scope(scope: str, text: str, m: Match, sent: tuple[int, int]) -> str:
    """The part of the text a sentence-level scope reads: the match, the sentence before or
    after it, or the whole sentence. A match read from the sentence's start (a detector's) is
    read past its opening greeting, as the lexical rules read a sentence: "^" in a veto means
    where the agent's own words start ("Hi Kelly, look on the bright side")."""
    if scope == "match":
        return text[after_greeting(text, m.start, m.end):m.end]
    if scope == "before":
        return text[sent[0]:m.start]
    if scope == "after":
        return text[m.end:sent[1]]
    return text[sent[0]:sent[1]]


def _echoed(matched: str, context: str) -> bool:
    """Does the customer's message hold the matched words (as words, ignoring case, in the
    singular or plural: "MQMs" and "MQM's" echo "MQM", and the other way round)?"""
    words = re.findall(r"\w[\w&/-]*\w|\w", re.sub(r"['’]s\b", "", matched))
    if not words:
        return False
    low = context.lower()

    def held(w: str) -> bool:
        stem = re.escape(w[:-1] if len(w) > 3 and w.endswith("s") else w)
        return re.search(rf"(?<!\w){stem}(?:s|['’]s)?(?!\w)", low) is not None

    return all(held(w.lower()) for w in words)


def compile_rule(lr: LoadedRule, ctx: DetectorContext, severity: Severity | None = None) -> CompiledRule:
    spec = lr.spec
    where = f"{lr.file}:{lr.line}"
    ms = spec.match
    regexes: list[re.Pattern[str]] = []
    detector = None
    trigger = None
    needs_parse = False
    keys = None
    key_sets = None
    phrase_lits = None
    linear = not lr.bundled  # a team pack's regexes run on RE2 (packs.linear)
    if linear and (ms.tokens or ms.dependency):
        _no_regex_tests(ms.tokens or ms.dependency, lr.at("match", "tokens" if ms.tokens else "dependency"))
    if ms.phrases:
        kind = "phrases"
        _check_forms(ms.phrases, lr.at("match", "phrases"))
        regexes = [compile_phrases(ms.phrases)]
        key_sets = phrase_key_sets(ms.phrases)
        keys = frozenset(k for k, _ in key_sets)
        phrase_lits = phrase_literals(ms.phrases)
    elif ms.regex:
        kind = "regex"
        expanded = [expand_lexicons(r, ctx.lexicons, where) for r in ms.regex]
        regexes = [_compile_regex(r, lr.at("match", "regex", k), linear, written)
                   for k, (r, written) in enumerate(zip(expanded, ms.regex))]
        keys = union_keys(expanded)
    elif ms.tokens:
        kind = "tokens"
        validate_token_patterns(ms.tokens, where)
        # Token patterns always run on parsed sentences, but only those holding a trigger word.
        needs_parse = True
        if ms.trigger:
            trigger = _compile_regex(expand_lexicons(ms.trigger, ctx.lexicons, where),
                                     lr.at("match", "trigger"), linear, ms.trigger)
        else:
            words = _pattern_words(ms.tokens)
            if words:
                alts = "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))
                trigger = re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)
    elif ms.dependency:
        kind = "dependency"
        validate_dependency_patterns(ms.dependency, where)
        needs_parse = True  # parsed only on sentences that hold the trigger
        if ms.trigger:
            trigger = _compile_regex(expand_lexicons(ms.trigger, ctx.lexicons, where),
                                     lr.at("match", "trigger"), linear, ms.trigger)
        else:
            words = _dependency_words(ms.dependency)
            if not words:
                raise TokenPatternError(
                    "a dependency rule needs a `trigger` regex (or a LOWER/ORTH word in its pattern)",
                    where=where, hint="the parser runs only on sentences the trigger finds: "
                                      "add e.g. trigger: '\\b(?:because|since)\\b'")
            alts = "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))
            trigger = re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)
    elif ms.conversation:
        kind = "conversation"  # nothing to match in a message: phrasecoach.conversation runs it
    else:
        kind = "detector"
        cls = DETECTORS.get(ms.detector)
        if cls is None:
            raise DetectorError(f"unknown detector `{ms.detector}`", where=where,
                                hint=f"known detectors: {', '.join(sorted(DETECTORS))}")
        try:
            opts = cls.Options.model_validate(ms.options)
        except ValidationError as e:
            err = e.errors()[0]
            raise DetectorError(
                f"bad option for detector `{ms.detector}` at {'.'.join(map(str, err['loc']))}: {err['msg']}",
                where=where,
                hint=f"its options are: {', '.join(cls.Options.model_fields) or 'none'}") from None
        try:
            detector = cls(opts, replace(ctx, folder=lr.file.parent))
        except ValueError as e:
            raise DetectorError(f"bad option for detector `{ms.detector}`: {e}", where=where,
                                hint="define the lexicon under `lexicons:` in pack.yaml") from None
        needs_parse = cls.needs_parse
        if needs_parse and spec.speaker == "customer":
            raise DetectorError(f"detector `{ms.detector}` needs a parse; a customer-side rule "
                                "matches without one", where=where,
                                hint="use phrases, a regex or a lexical detector (capitals)")
    for s in spec.suggest:
        for slot, filters in template_slots(s.replacement):
            bad = [f for f in filters if f not in FILTERS]
            if bad:
                raise DetectorError(f"unknown template filter `{bad[0]}` in suggestion {s.replacement!r}",
                                    where=where, hint=f"filters: {', '.join(sorted(FILTERS))}")
    _check_when(lr, detector.flags if detector is not None else frozenset())
    _check_slots(lr, {g for r in regexes for g in r.groupindex}
                 | (detector.slots if detector is not None else frozenset())
                 | (conversation.SLOTS if kind == "conversation" else frozenset()))
    exceptions: list[tuple[str, re.Pattern[str] | None]] = []
    for j, ex in enumerate(spec.unless):
        if ex.echo:
            exceptions.append((ex.scope, None))
        elif ex.phrases:
            _check_forms(ex.phrases, lr.at("unless", j, "phrases"))
            exceptions.append((ex.scope, compile_phrases(ex.phrases)))
        else:
            for k, r in enumerate(ex.regex):
                exceptions.append((ex.scope, _compile_regex(expand_lexicons(r, ctx.lexicons, where),
                                                            lr.at("unless", j, "regex", k), linear, r)))
    def requirement(rq, *loc) -> Requirement:
        if rq.any_of:
            return Requirement("context", any_of=tuple(requirement(a, *loc, "any_of", i)
                                                       for i, a in enumerate(rq.any_of)))
        if rq.signals:
            return Requirement("context", signals=tuple(rq.signals), where=lr.at(*loc, "signals"))
        if rq.phrases:
            _check_forms(rq.phrases, lr.at(*loc, "phrases"))
            return Requirement(rq.scope, (compile_phrases(rq.phrases),))
        return Requirement(rq.scope, tuple(
            _compile_regex(expand_lexicons(r, ctx.lexicons, where), lr.at(*loc, "regex", k), linear, r)
            for k, r in enumerate(rq.regex)))

    requirements = [requirement(rq, "requires", j) for j, rq in enumerate(spec.requires)]
    unsafe_if = [_compile_regex(expand_lexicons(s.unsafe_if, ctx.lexicons, where),
                                lr.at("suggest", j, "unsafe_if"), linear, s.unsafe_if)
                 if s.unsafe_if else None for j, s in enumerate(spec.suggest)]
    return CompiledRule(spec=spec, pack=lr.pack, file=lr.file, line=lr.line,
                        severity=severity or spec.severity, kind=kind, needs_parse=needs_parse,
                        unsafe_if=unsafe_if,
                        regexes=regexes, detector=detector, token_patterns=ms.tokens or ms.dependency,
                        trigger=trigger, exceptions=exceptions, keys=keys, phrase_key_sets=key_sets, requirements=requirements,
                        literals=([(need,)] if detector is not None and (need := detector.required())
                                  else [phrase_lits] if phrase_lits is not None
                                  else [required_literals(r.pattern)
                                        for r in (regexes if regexes else [trigger] if trigger else [])]))


__all__ = ["CompiledRule", "compile_rule", "DETECTORS", "Applicability"]
