"""Phrase lists compiled to one regular expression per rule.

Agents type fast: "that's", "that’s", "thats", "that is" and "that isn't" are all the same
phrase. A phrase is written once in its plainest form and compiled to every surface form:
contractions and their expansions, straight or curly apostrophes, missing apostrophes (except
where that makes another word: "we'll" without its apostrophe is "well"), any casing, and any
run of white space between words.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
import re

APOS = "['’‘`´]"

# Expansions applied to the phrase as written, so "that's not" and "that is not" compile alike.
_EXPAND_NOT = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not",
    "ain't": "is not",
}
_NOT_AUX = {
    "is", "are", "was", "were", "do", "does", "did", "have", "has", "had", "can", "could",
    "should", "would", "will", "must", "need", "might",
}
_S_PRON = {
    "that", "it", "there", "what", "he", "she", "who", "here", "where", "how", "everything",
    "nothing", "this", "someone", "something", "today", "let",
}
_PRON_AUX = {
    ("i", "am"): "i'm",
    **{(p, "are"): f"{p}'re" for p in ("you", "we", "they", "there", "what", "who")},
    **{(p, "have"): f"{p}'ve" for p in (
        "i", "you", "we", "they", "should", "could", "would", "must", "might", "who")},
    **{(p, "will"): f"{p}'ll" for p in (
        "i", "you", "we", "they", "it", "that", "he", "she", "there", "this", "who")},
    **{(p, "would"): f"{p}'d" for p in ("i", "you", "we", "they", "he", "she", "it", "that")},
    **{(p, "is"): f"{p}'s" for p in _S_PRON - {"let"}},
    **{(p, "has"): f"{p}'s" for p in ("it", "that", "he", "she", "there", "who")},
}
# Typos common enough to accept: "should of", "could of".
_TYPO_PAIRS = {("should", "have"): "should of", ("could", "have"): "could of",
               ("would", "have"): "would of"}
# Misspellings and chat spellings common enough to accept as the word itself, inside a phrase
# only (where the words around them fix the meaning): "its not are fault", "u forgot",
# "i definately sent it". Each is a form of its own, so the prefilter keys it too.
_TYPOS = {
    "you": ("u", "ya"), "your": ("ur", "yor"), "you're": ("ur", "your", "youre"),
    "our": ("are",), "are": ("r",), "because": ("bc", "cuz", "coz", "becuase", "becasue"),
    "definitely": ("definately", "definatly", "defintely"), "receive": ("recieve",),
    "received": ("recieved",), "please": ("pls", "plz"), "thanks": ("thx", "tnx"),
    "sorry": ("sry",), "really": ("rly",), "what": ("wat", "wut"), "the": ("teh",),
    "separate": ("seperate",), "tomorrow": ("tmrw", "tomorow"), "already": ("alredy", "allready"),
    "told": ("tole",), "believe": ("beleive",), "address": ("adress",),
}
# Without their apostrophe these are other words; keep the apostrophe required.
_AMBIGUOUS = {
    "we'll", "we're", "i'll", "he'll", "she'll", "we'd", "i'd", "he'd", "she'd", "it'll",
    "let's", "shell", "hell", "who're", "who'd",
}


def _expand_word(word: str) -> list[str]:
    w = word.lower().replace("’", "'").replace("‘", "'")
    if w in _EXPAND_NOT:
        return _EXPAND_NOT[w].split()
    if w.endswith("n't"):
        base = w[:-3]
        return [base, "not"]
    for suffix, full in (("'m", "am"), ("'re", "are"), ("'ve", "have"), ("'ll", "will"), ("'d", "would")):
        if w.endswith(suffix):
            return [w[: -len(suffix)], full]
    if w.endswith("'s") and w[:-2] in _S_PRON - {"let"}:
        return [w[:-2], "is"]
    return [w]


def expand(phrase: str) -> list[str]:
    words = []
    for raw in phrase.split():
        words.extend(_expand_word(raw))
    return words


def _not_forms(aux: str) -> list[str]:
    if aux == "can":
        return ["can not", "cannot", "can't"]
    if aux == "will":
        return ["will not", "won't"]
    return [f"{aux} not", f"{aux}n't"]


_LEADING_NOT = tuple(f for aux in sorted(_NOT_AUX) for f in _not_forms(aux) if f != f"{aux} not")


def surface_forms(phrase: str) -> set[str]:
    """Every written form of `phrase` (lower case, apostrophes straight)."""
    words = expand(phrase)
    # Build a lattice: at each position, a list of (text, width) choices.
    n = len(words)
    memo: dict[int, list[str]] = {}

    def from_(i: int) -> list[str]:
        if i >= n:
            return [""]
        if i in memo:
            return memo[i]
        outs: list[str] = []

        def add(head: str, width: int) -> None:
            for tail in from_(i + width):
                outs.append(head + (" " + tail if tail else ""))

        w = words[i]
        add(w, 1)
        for typo in _TYPOS.get(w, ()):
            add(typo, 1)
        if i == 0 and w == "not":
            # a phrase that opens with "not" is also said with the "n't" of any verb before
            # it: "not a big deal" -> "isn't a big deal", "wasnt my call"
            for f in _LEADING_NOT:
                add(f, 1)
        nxt = words[i + 1] if i + 1 < n else None
        nxt2 = words[i + 2] if i + 2 < n else None
        if nxt == "not" and w in _NOT_AUX:
            for f in _not_forms(w):
                if f != f"{w} not":
                    add(f, 2)
        if nxt is not None and (w, nxt) in _PRON_AUX:
            contracted = _PRON_AUX[(w, nxt)]
            add(contracted, 2)
            if nxt2 == "not" and nxt in _NOT_AUX:
                # "that is not" -> "that isn't"; "you have not" -> "you haven't"
                for f in _not_forms(nxt):
                    if f != f"{nxt} not":
                        add(f"{w} {f}", 3)
        if nxt is not None and (w, nxt) in _TYPO_PAIRS:
            add(_TYPO_PAIRS[(w, nxt)], 2)
        memo[i] = outs
        return outs

    return set(from_(0))


def count_forms(phrase: str) -> int:
    """How many written forms surface_forms(phrase) builds, counted without building them
    (repeats included, so never fewer than it returns). The forms multiply: "you are not"
    seven times over has ten million, so the loader counts before anything is built."""
    words = expand(phrase)
    n = len(words)
    count = [1] * (n + 3)  # count[i]: the forms of words[i:] (one, empty, past the end)
    for i in range(n - 1, -1, -1):
        w = words[i]
        nxt = words[i + 1] if i + 1 < n else None
        nxt2 = words[i + 2] if i + 2 < n else None
        c = count[i + 1] * (1 + len(_TYPOS.get(w, ())) + (len(_LEADING_NOT) if i == 0 and w == "not" else 0))
        if nxt == "not" and w in _NOT_AUX:
            c += count[i + 2] * sum(1 for f in _not_forms(w) if f != f"{w} not")
        if nxt is not None and (w, nxt) in _PRON_AUX:
            c += count[i + 2]
            if nxt2 == "not" and nxt in _NOT_AUX:
                c += count[i + 3] * sum(1 for f in _not_forms(nxt) if f != f"{nxt} not")
        if nxt is not None and (w, nxt) in _TYPO_PAIRS:
            c += count[i + 2]
        count[i] = c
    return count[0]


def _form_regex(form: str) -> str:
    parts = []
    for word in form.split(" "):
        if "'" in word:
            left, _, right = word.partition("'")
            if word in _AMBIGUOUS:
                parts.append(re.escape(left) + APOS + re.escape(right))
            else:
                parts.append(re.escape(left) + APOS + "?" + re.escape(right))
        else:
            parts.append(re.escape(word))
    return r"\s+".join(parts)


_LEMMA_REF = re.compile(r"\{~([a-z]+)\}")


def inflections(lemma: str) -> list[str]:
    """Every inflected form of a verb or noun (lemminflect): forget -> forgets, forgot, ..."""
    from lemminflect import getAllInflections

    forms = {lemma}
    for upos in ("VERB", "NOUN"):
        for tup in getAllInflections(lemma, upos=upos).values():
            forms.update(tup)
    return sorted(forms, key=len, reverse=True)


# In a phrase, "(it|this|that)" is a choice of words and "[a bit|a little]" an optional one: a
# kind of wording written once ("{~take} (it|this) [a bit|a little] too personally") instead of
# every combination listed. No nesting; each group is expanded into plain phrases.
_CHOICE = re.compile(r"\(([^()\[\]]*\|[^()\[\]]*)\)|\[([^()\[\]]+)\]")


def _options(m: re.Match) -> list[str]:
    """A choice group's options; an optional group ("[...]") may also be left out ("")."""
    if m.group(1) is not None:
        return [o.strip() for o in m.group(1).split("|")]
    return [o.strip() for o in m.group(2).split("|")] + [""]


def expand_choices(text: str) -> list[str]:
    """Every phrase a phrase with choice groups stands for, spaces tidied."""
    if "(" not in text and "[" not in text:
        return [text]
    parts: list[list[str]] = []
    last = 0
    for m in _CHOICE.finditer(text):
        parts.append([text[last:m.start()]])
        parts.append(_options(m))
        last = m.end()
    parts.append([text[last:]])
    return [" ".join("".join(c).split()) for c in itertools.product(*parts)]


def choice_count(text: str) -> int:
    """How many phrases the choice groups of `text` stand for (before expanding them)."""
    n = 1
    for m in _CHOICE.finditer(text):
        n *= len(_options(m))
    return n


def expand_lemmas(text: str, *, regex: bool) -> str | list[str]:
    """`{~forget}` stands for every form of the word. In a regex it becomes an alternation; a
    phrase becomes one phrase per combination of forms (and of its choice groups)."""
    if regex:
        if "{~" not in text:
            return text
        return _LEMMA_REF.sub(lambda m: "(?:" + "|".join(map(re.escape, inflections(m.group(1)))) + ")", text)
    out = []
    for t in expand_choices(text):
        if "{~" not in t:
            out.append(t)
            continue
        parts = _LEMMA_REF.split(t)  # text, lemma, text, lemma, ...
        choices = [[p] if i % 2 == 0 else inflections(p) for i, p in enumerate(parts)]
        out.extend("".join(c) for c in itertools.product(*choices))
    return out


@lru_cache(maxsize=4)
def _written_forms(phrases: tuple[str, ...]) -> frozenset[str]:
    """Every written form of every phrase. A rule's compile asks for them three times (its
    regex, its keys, its literals); choice groups make thousands, so they are expanded once."""
    return frozenset(f for ph in phrases for x in expand_lemmas(ph, regex=False) for f in surface_forms(x))


def compile_phrases(phrases: list[str]) -> re.Pattern[str]:
    """One case-insensitive regex matching any surface form of any phrase, longest first. The
    forms share their opening words (choice groups make thousands: "making a big fuss", "making
    a huge fuss", ...), so they are written as a trie of words: a text position is tried once
    per distinct opening, not once per form."""
    root: dict = {}
    for f in _written_forms(tuple(phrases)):
        node = root
        for w in f.split(" "):
            node = node.setdefault(_form_regex(w), {})
        node[None] = {}
    return re.compile(rf"(?<![\w'’])(?:{_trie_branch(root)[0]})(?![\w'’])", re.IGNORECASE)


def _trie_branch(node: dict) -> tuple[str, int]:
    """(the words under `node` as nested alternatives, the depth of its deepest form), each
    subtree walked once. The deepest branch comes first and a form's end last, so the longest
    form wins at a position as it did when the forms were listed whole."""
    branches = []
    for word, child in node.items():
        if word is None:
            continue
        if any(k is not None for k in child):
            inner, d = _trie_branch(child)
            branches.append((d + 1, word, f"{word}(?:\\s+(?:{inner})){'?' if None in child else ''}"))
        else:
            branches.append((1, word, word))
    branches.sort(key=lambda b: (-b[0], -len(b[1]), b[1]))
    return "|".join(b[2] for b in branches), max((b[0] for b in branches), default=0)


_COMMON = {"that", "this", "there", "the", "you", "your", "not", "is", "it", "we", "our",
           "and", "have", "with", "what", "just", "please", "can", "will", "would", "would",
           "need", "should", "about", "thanks", "thank", "sorry", "for", "to", "be", "are"}


def _rarity(w: str) -> int:
    return len(w) - 10 * (w.lower() in _COMMON)


def phrase_key_sets(phrases: list[str]) -> frozenset[tuple[str, frozenset[str]]]:
    """Prefilter keys: every word of a form must be in the text, so each form is keyed by its
    rarest word's first letters (see kinds.prefilter), beside the keys of all its words (the
    engine's phrase index reads both)."""
    out = set()
    for form in _written_forms(tuple(phrases)):
        # a contraction may be typed without its apostrophe ("thats", "im"), so a word
        # is keyed by what precedes the apostrophe: "that's" -> "tha", "i'm" -> "i"
        words = [m for w in form.split() for m in re.findall(r"[^\W\d_]+", w.split("'")[0])[:1]]
        if words:
            rare = max(words, key=_rarity)[:3]
            out.add((rare, frozenset(w[:3] for w in words)))
    return frozenset(out)


def phrase_literals(phrases: list[str]) -> tuple[frozenset[str]] | None:
    """The words a match must hold one of: each written form's rarest plain word. Choice groups
    make thousands of forms, which share a few words ("personally", "fuss"), so the literal scan
    stays small; the forms themselves as literals had made it outgrow RE2's budget (ninth stop).
    None when a form has no plain word (the compiled regex's literals are used then)."""
    words: set[str] = set()
    for form in _written_forms(tuple(phrases)):
        plain = [w.lower() for w in form.split(" ") if w.isalpha()]
        if not plain:
            return None
        words.add(max(plain, key=_rarity))
    return (frozenset(words),)


def phrase_forms_count(phrases: list[str]) -> int:
    return len(_written_forms(tuple(phrases)))
