"""The command detectors' word lists, read from pack data.

Every list is a lexicon class under `lexicons:` in rules/core/pack.yaml (the names in CLASSES
below), merged across the loaded packs as every lexicon class is: a later pack's class of the
same name adds to it. A class named `<name>-except` takes entries out again: the words it lists
(or matches, for a regex entry) leave a word class, and an entry written exactly the same leaves
a regex class. The detectors start from the bundled core pack's classes even when it is not
loaded (`bundled = false`), so a team pack only lists what it adds or takes out.

A word-class entry is one or more `|`-separated alternatives; plain words (letters, digits, ' ’
- @ # &, single spaces) are looked up in a set, anything else is a regex that must match the
whole word (case-insensitive). The bundled entries run on Python's `re`, as the bundled packs'
regexes do; a team pack's regex entries run on RE2 (packs.linear), as its rules' regexes do, so
that none can take time out of proportion to the text. A CommandLexicon is built once per
distinct content and shared by every detector built on it, with its own per-word caches
(clear_caches empties them).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial

# Word classes: name -> what it holds (the detectors look words up in lower case)
WORD_CLASSES: dict[str, str] = {
    "softener": "words that soften an order: please, kindly",
    "filler": "fillers an imperative may open with: just, now, also",
    "movable-filler": "fillers that move after the frame: 'Just send it' -> 'Could you just send it?'",
    "intro-word": "short openers before a comma: Hi, Thanks, If, Once",
    "subordinator": "words that open a subordinate clause before the request",
    "title": "titles before a name: Mr, Dr, ma'am",
    "object-pronoun": "object pronouns that only follow a verb: me, us, it",
    "particle": "particles and prepositions that show the word before is a verb",
    "extra-verb": "verbs a customer is asked to do that lemminflect does not know: reboot, dm",
    "courtesy-verb": "verbs whose imperative is a courtesy, not a demand: enjoy, feel, let",
    "sometimes-demand-verb": "courtesy verbs that are demands in some uses: tell, keep, take",
    "courtesy-pair": "a courtesy verb and the next word that keeps it one: 'get well', 'sit tight'",
    "demand-pair": "a courtesy verb and the next word that makes it a demand: 'note down'",
    "negative-courtesy-verb": "verbs after don't that reassure: worry, hesitate",
    "never-verb-opener": "first words that never open an imperative: I, the, thanks",
    "customer-detail": "information a customer is asked for; bare, these take 'your'",
    "not-request-noun": "nouns a bare phrase about is not a request: problem, luck, news",
    "pleasantry": "words that make a bare phrase a pleasantry: thanks, sorry, congrats",
    "wh-word": "question words: what, which, how",
    "motion-word": "words after a verb of motion: into, over, back",
    "item-noun": "things asked for with 'a': copy, photo, screenshot",
    "np-determiner": "words that open a noun phrase with its own determiner: your, the, this",
    "contact-verb": "verbs of a clause kept after the noun asked for: 'the card you pay with'",
    "contact-adverb": "words between 'you' and that verb: 'the email you originally booked under'",
    "contact-tail": "the word after that verb: with, under, us, online",
}
# Regex classes: name -> what follows the alternation when it is compiled
PATTERN_CLASSES: dict[str, str] = {
    "courtesy-idiom": "",      # an imperative idiom that asks for nothing, matched at the verb
    "negative-courtesy": r"\b",  # "Don't mention it", "Don't take it personally", at the verb
    "offer": "",               # an offer or condition: "... if you need anything", "anytime"
}
CLASSES = (*WORD_CLASSES, *PATTERN_CLASSES)
EXCEPT = "-except"
_PAIRS = ("courtesy-pair", "demand-pair")

_LITERAL = re.compile(r"[\w'’@#&-]+(?: [\w'’@#&-]+)*")
_LEADING_WORD = re.compile(r"[a-z'’-]+", re.I)


_SEEN_MAX = 65536  # words whose regex answer a WordClass keeps (a few MB at most)


class WordClass(frozenset):
    """A set of words plus regex entries: `w in cls` tries the set, then the regexes.
    `patterns`: the bundled regex entries; `team_patterns`: a team pack's (run on RE2)."""

    extra: Callable[[str], bool]
    patterns: tuple[str, ...]
    team_patterns: tuple[str, ...]

    def __new__(cls, words: Iterable[str], extra: Callable[[str], bool], patterns: tuple[str, ...] = (),
                team_patterns: tuple[str, ...] = ()):
        self = super().__new__(cls, words)
        self.extra = extra
        self.patterns = patterns
        self.team_patterns = team_patterns
        self._extra_seen: dict = {}  # word -> extra(word): the same words are asked about again and again
        return self

    def __contains__(self, w) -> bool:
        if frozenset.__contains__(self, w):
            return True
        seen = self._extra_seen
        hit = seen.get(w)
        if hit is None:
            if len(seen) >= _SEEN_MAX:
                seen.clear()
            hit = seen[w] = bool(self.extra(w))
        return hit


def _split_top(entry: str) -> list[str]:
    """An entry's alternatives: split at each `|` outside brackets and groups."""
    out, depth, in_class, escaped, start = [], 0, False, False, 0
    for i, c in enumerate(entry):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(entry[start:i])
            start = i + 1
    out.append(entry[start:])
    return [p for p in out if p]


def _compile(name: str, alternatives: list[str], suffix: str = "") -> re.Pattern[str]:
    """Bundled entries: Python's `re`."""
    try:
        return re.compile("(?:" + "|".join(alternatives) + ")" + suffix if alternatives else "(?!)", re.I)
    except re.error as e:
        raise ValueError(f"lexicon `{name}` holds an invalid regular expression: {e}") from None


def _linear(name: str, pattern: str):
    """A team pack's entries: RE2 (packs.linear), as the team's own regexes run."""
    from ...packs.linear import NotLinear, compile_linear

    try:
        return compile_linear(pattern, re.I)
    except re.error as e:
        raise ValueError(f"lexicon `{name}` holds an invalid regular expression: {e}") from None
    except NotLinear as e:
        raise ValueError(f"lexicon `{name}`: {e.what} in a team pack's entry, which runs on RE2 "
                         f"(time linear in the text): {e.hint}") from None


def _pieces(entries: Iterable[str], words: set[str], patterns: list[str]) -> None:
    for e in entries:
        for piece in _split_top(e):
            (words.add(piece.lower()) if _LITERAL.fullmatch(piece) else patterns.append(piece))


def word_class(name: str, entries: Iterable[str], team: Iterable[str] = (),
               removed: Iterable[str] = ()) -> frozenset[str]:
    """A word class from the bundled `entries` and a team pack's (`team`, and `removed`: the
    `-except` class): a plain frozenset when every entry is a word (the fast case)."""
    words: set[str] = set()
    patterns: list[str] = []
    team_patterns: list[str] = []
    _pieces(entries, words, patterns)
    _pieces(team, words, team_patterns)
    drop_words: set[str] = set()
    drop_patterns: list[str] = []
    _pieces(removed, drop_words, drop_patterns)
    drop_rx = _linear(name + EXCEPT, r"\A(?:%s)\Z" % "|".join(drop_patterns)) if drop_patterns else None

    def dropped(w: str) -> bool:
        return w in drop_words or (drop_rx is not None and drop_rx.search(w) is not None)

    words = {w for w in words if not dropped(w)}
    tests: list[Callable[[str], bool]] = []
    if patterns:
        rx = _compile(name, patterns)
        tests.append(lambda w: rx.fullmatch(w) is not None)
    if team_patterns:
        trx = _linear(name, r"\A(?:%s)\Z" % "|".join(team_patterns))
        tests.append(lambda w: trx.search(w) is not None)
    if not tests:
        return frozenset(words)
    return WordClass(words, lambda w: any(t(w) for t in tests) and not dropped(w), tuple(patterns),
                     tuple(team_patterns))


def union(*classes: frozenset[str]) -> frozenset[str]:
    words = frozenset().union(*classes)
    mixed = [c for c in classes if isinstance(c, WordClass)]
    if not mixed:
        return words
    extras = [c.extra for c in mixed]
    return WordClass(words, lambda w: any(x(w) for x in extras), tuple(p for c in mixed for p in c.patterns),
                     tuple(p for c in mixed for p in c.team_patterns))


def minus(cls: frozenset[str], words: Iterable[str]) -> frozenset[str]:
    out = frozenset(cls) - set(words)
    if not isinstance(cls, WordClass):
        return out
    gone = frozenset(words)
    return WordClass(out, lambda w: w not in gone and cls.extra(w), cls.patterns, cls.team_patterns)


class _Either:
    """`search` on the bundled regex, then on the team's (RE2)."""

    def __init__(self, *patterns):
        self.patterns = patterns

    def search(self, text: str):
        return next((m for p in self.patterns if (m := p.search(text)) is not None), None)


def word_rx(cls: frozenset[str], edges: tuple[str, str] = (r"(?<![\w'’])", r"(?![\w'’])")):
    """Any word of the class as a whole word, somewhere in a text (`search` only)."""
    alts = sorted(map(re.escape, frozenset(cls)), key=len, reverse=True)
    alts += getattr(cls, "patterns", ())
    rx = re.compile(edges[0] + "(?:%s)" % "|".join(alts) + edges[1], re.I)
    team = getattr(cls, "team_patterns", ())
    if not team:
        return rx
    # RE2 has no look-arounds: the word's edges are matched instead (the same yes or no)
    return _Either(rx, _linear("word class", r"(?:^|[^\w'’])(?:%s)(?:$|[^\w'’])" % "|".join(team)))


class PatternClass:
    """A regex class that a team pack added to: the bundled entries on `re`, the team's on RE2.
    As much of re.Pattern as the detectors use: match(text, pos) and finditer(text)."""

    def __init__(self, core: re.Pattern[str], team, team_at):
        self.core, self.team, self.team_at = core, team, team_at

    def match(self, text: str, pos: int = 0):
        return self.core.match(text, pos) or self.team_at.search(text[pos:])

    def finditer(self, text: str) -> Iterator:
        return itertools.chain(self.core.finditer(text), self.team.finditer(text))


def pattern_class(name: str, entries: Iterable[str], team: Iterable[str] = (), removed: Iterable[str] = (),
                  suffix: str = "") -> re.Pattern[str] | PatternClass:
    """A regex class: the alternation of the bundled `entries` and a team pack's (`team`), less the
    entries written the same in `removed`, followed by `suffix`."""
    gone = set(removed)
    core = _compile(name, [e for e in entries if e not in gone], suffix)
    team = [e for e in team if e not in gone]
    if not team:
        return core
    alts = "(?:" + "|".join(team) + ")" + suffix
    return PatternClass(core, _linear(name, alts), _linear(name, r"\A" + alts))


def split_core(name: str, entries: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A merged lexicon class as (the bundled core pack's entries, the rest: a team pack's)."""
    entries = tuple(entries)
    base = core_classes().get(name, ())
    if base and entries[:len(base)] == base:
        return base, entries[len(base):]
    return (), entries


@lru_cache(maxsize=16384)
def lemmas(low: str) -> dict:
    """lemminflect's lemmas of a lower-case word, by part of speech ({} for an unknown word)."""
    from lemminflect import getAllLemmas

    return getAllLemmas(low)


@lru_cache(maxsize=16384)
def noun_lemma(word: str) -> str:
    from lemminflect import getLemma

    found = getLemma(word, upos="NOUN")
    return found[0] if found else word


class CommandLexicon:
    """Every class the command detectors read, and the word tests that depend on them."""

    def __init__(self, classes: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]):
        """`classes`: name -> (the bundled entries, a team pack's); `<name>-except` -> ((), entries)."""
        def removed(name: str) -> tuple[str, ...]:
            return classes.get(name + EXCEPT, ((), ()))[1]

        def words(name: str) -> frozenset[str]:
            return word_class(name, *classes[name], removed(name))

        self.softener = words("softener")
        self.filler = words("filler")
        self.movable_filler = words("movable-filler")
        self.intro_word = words("intro-word")
        self.subordinator = words("subordinator")
        self.title = words("title")
        self.object_pronoun = words("object-pronoun")
        self.particle = words("particle")
        self.extra_verb = words("extra-verb")
        self.courtesy_verb = words("courtesy-verb")
        self.sometimes_demand_verb = words("sometimes-demand-verb")
        self.courtesy_pair = words("courtesy-pair")
        self.demand_pair = words("demand-pair")
        self.negative_courtesy_verb = words("negative-courtesy-verb")
        self.never_verb_opener = words("never-verb-opener")
        self.customer_detail = words("customer-detail")
        self.not_request_noun = words("not-request-noun")
        self.pleasantry = words("pleasantry")
        self.wh_word = words("wh-word")
        self.motion_word = words("motion-word")
        self.item_noun = words("item-noun")
        self.np_determiner = words("np-determiner")
        self.contact_verb = words("contact-verb")
        self.contact_adverb = words("contact-adverb")
        self.contact_tail = words("contact-tail")
        # the verbs that have pairs: "get" for "get well"
        self.courtesy_pair_verbs = _pair_verbs(self.courtesy_pair)
        self.demand_pair_verbs = _pair_verbs(self.demand_pair)

        def pattern(name: str) -> re.Pattern[str] | PatternClass:
            return pattern_class(name, *classes[name], removed(name), PATTERN_CLASSES[name])

        self.courtesy_idiom = pattern("courtesy-idiom")
        self.negative_courtesy = pattern("negative-courtesy")
        self.offer = pattern("offer")
        # derived
        self.softener_rx = word_rx(self.softener, (r"\b", r"\b"))
        self.customer_detail_rx = word_rx(self.customer_detail)
        # first words that never open a bare noun phrase ("We …", "I'm …", "Please …")
        self.never_noun_first = union(self.wh_word, minus(self.never_verb_opener, {"your", "the", "a", "an", "ur"}),
                                      self.softener)
        self._memo: dict[Callable, Callable] = {}
        self.verb_lemma = self.memo(CommandLexicon._verb_lemma)
        self.base_verb = self.memo(CommandLexicon._base_verb)
        self.maybe_bare_verb_word = self.memo(CommandLexicon._maybe_bare_verb_word)
        self.courtesy_with = self.memo(CommandLexicon._courtesy_with, maxsize=8)

    def memo(self, fn: Callable, maxsize: int = 16384) -> Callable:
        """`fn(self, …)`, cached for this lexicon: every detector built on it shares the cache."""
        f = self._memo.get(fn)
        if f is None:
            f = self._memo[fn] = lru_cache(maxsize=maxsize)(partial(fn, self))
        return f

    def clear(self) -> None:
        for f in self._memo.values():
            f.cache_clear()

    # ---- word tests ----------------------------------------------------------------------
    def _verb_lemma(self, word: str) -> str:
        from lemminflect import getLemma

        low = word.lower()
        if low in self.extra_verb:
            return low
        found = getLemma(low, upos="VERB")
        return found[0] if found else low

    def _base_verb(self, word: str) -> bool | None:
        """True: the lexicon knows `word` as a verb's base form; False: it knows the word, but
        not as one ('sent', 'thanks'); None: an unknown word ('Cooper', 'dm')."""
        low = word.lower().replace("’", "'")
        if low in self.extra_verb or low.replace(" ", "-") in self.extra_verb:
            return True
        lem = lemmas(low)
        if not lem:
            if "-" in low:
                return self.base_verb(low.rsplit("-", 1)[1]) or None
            return None
        return low in lem.get("VERB", ())

    def _maybe_bare_verb_word(self, word: str) -> bool:
        low = re.split(r"['’-]", word.lower())[0]
        if low in self.never_verb_opener or not low:
            return False
        if word.lower() in self.extra_verb or low in self.extra_verb:
            return True
        lem = lemmas(low)
        if not lem:
            # Unknown to the lexicon: a capitalised one is most likely a name ("Cooper"); a
            # lower-case or all-capitals one ("dm", "RSVP") is left for the parser to decide.
            return not (word[:1].isupper() and not word.isupper())
        return low in lem.get("VERB", ())

    def maybe_bare_verb(self, word: str, courtesy: frozenset[str]) -> bool:
        low = word.lower()
        if low in courtesy and low not in self.sometimes_demand_verb:
            return False
        return self.maybe_bare_verb_word(word)

    def _courtesy_with(self, extra: frozenset[str]) -> frozenset[str]:
        """The courtesy verbs plus a rule's own (`courtesy_verbs:` option)."""
        return union(self.courtesy_verb, extra)

    def courtesy_pair_has(self, verb: str, nxt: str) -> bool:
        return f"{verb} {nxt}" in self.courtesy_pair

    def demand_pair_has(self, verb: str, nxt: str) -> bool:
        return f"{verb} {nxt}" in self.demand_pair


def _pair_verbs(pairs: frozenset[str]) -> frozenset[str]:
    verbs = {p.split(" ", 1)[0] for p in frozenset(pairs)}
    for p in (*getattr(pairs, "patterns", ()), *getattr(pairs, "team_patterns", ())):
        m = _LEADING_WORD.match(p)
        if m:
            verbs.add(m.group().lower())
    return frozenset(verbs)


@lru_cache(maxsize=1)
def core_classes() -> dict[str, tuple[str, ...]]:
    """The bundled core pack's lexicon classes (rules/core/pack.yaml)."""
    import yaml

    from ...packs.loader import bundled_packs_dir

    text = (bundled_packs_dir() / "core" / "pack.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return {k: tuple(v) for k, v in (data.get("lexicons") or {}).items()}


_BUILT: dict[tuple, CommandLexicon] = {}


def command_lexicon(lexicons: dict[str, list[str]]) -> CommandLexicon:
    """The CommandLexicon for the merged `lexicons:` of the loaded packs (DetectorContext)."""
    import difflib

    core = core_classes()
    classes: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for name in CLASSES:
        base, mine = core.get(name, ()), tuple(lexicons.get(name, ()))
        team = mine[len(base):] if mine[:len(base)] == base else mine  # the core pack loaded or not
        if not base and not team:
            raise ValueError(f"lexicon `{name}` is not defined: the command detectors read it "
                             "(rules/core/pack.yaml defines it)")
        classes[name] = (base, team)
    for name, entries in lexicons.items():
        if name.endswith(EXCEPT):
            if name[: -len(EXCEPT)] not in CLASSES:
                close = difflib.get_close_matches(name[: -len(EXCEPT)], CLASSES, n=1)
                raise ValueError(f"lexicon `{name}` takes entries out of `{name[:-len(EXCEPT)]}`, which "
                                 "is not a class the command detectors read"
                                 + (f" (did you mean `{close[0]}{EXCEPT}`?)" if close else ""))
            classes[name] = ((), tuple(entries))
    key = tuple(sorted(classes.items()))
    lex = _BUILT.get(key)
    if lex is None:
        if len(_BUILT) >= 16:
            _BUILT.pop(next(iter(_BUILT)))
        lex = _BUILT[key] = CommandLexicon(classes)
    return lex


def clear_caches() -> None:
    """Empty every per-word and per-sentence cache of the command detectors (benchmarks)."""
    for lex in _BUILT.values():
        lex.clear()
    lemmas.cache_clear()
    noun_lemma.cache_clear()
