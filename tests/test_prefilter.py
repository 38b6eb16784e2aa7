"""The cheap first pass may only skip a rule that cannot match: it changes speed, never findings."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phrasecoach import Coach
from phrasecoach.kinds import prefilter
from phrasecoach.kinds.prefilter import literal_haystack, literals_hold, required_literals

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "transcripts.jsonl"


@pytest.fixture(scope="module")
def coach():
    return Coach()


def _texts_of_examples(coach) -> list[str]:
    out = []
    for r in coach.rules:
        out += [e.text for e in r.spec.examples.flag] + [e.text for e in r.spec.examples.pass_]
    return out


@pytest.mark.parametrize("pattern,first", [
    (r"\byou\s+should\s+have\b", {"you should have"}),
    # a run is followed through small alternations: every whole phrase the regex can match
    (r"\b(?:that|this|it)\s+is\s+(?:your|ur)\s+(?:fault|problem)\b",
     {f"{a} is {b} {c}" for a in ("that", "this", "it") for b in ("your", "ur") for c in ("fault", "problem")}),
    (r"\bas\s+I\s+(?:said|mentioned)", {"as i said", "as i mentioned"}),
    (r"(?:ok\s*)?anything\s+else\??", {"anything else"}),
    (r"\bon\s*you\b", {"you"}),  # `\s*` may match nothing: "onyou"
])
def test_required_literals_pick_the_longest_words(pattern, first):
    lits = required_literals(pattern)
    assert lits is not None and set(lits[0]) == first


@pytest.mark.parametrize("pattern", [r"\w+\b", r"(?:you)?\s*[a-z]+", r"\d{4}", r"a|\w"])
def test_no_literal_when_a_match_may_hold_none(pattern):
    assert required_literals(pattern) is None


def test_every_bundled_regex_holds_its_literals_on_its_matches(coach):
    """For every regex of every phrase and regex rule: wherever it matches one of the pack's
    example texts (in any casing), the literals the prefilter requires are really there."""
    texts = _texts_of_examples(coach)
    checked = 0
    for r in coach.rules:
        for rx, lits in zip(r.regexes, r.literals):
            if lits is None:
                continue
            for t in texts:
                for variant in (t, t.upper(), t.swapcase()):
                    if rx.search(variant):
                        checked += 1
                        assert literals_hold(lits, literal_haystack(variant)), (r.id, rx.pattern[:80], variant)
    assert checked > 200


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_rule_quick_never_refuses_a_matching_text(coach, data):
    """Any rule whose regex matches a text (flag examples with random case and filler around
    them) passes the quick test with the same text."""
    from phrasecoach.kinds.prefilter import word_keys

    # conversation rules and their customer-side signals never run on a message (quick() is
    # False for them); QA scoring tests their patterns its own way (test_transcripts_rule.py)
    rule = data.draw(st.sampled_from([r for r in coach.rules
                                      if r.regexes and r.spec.examples.flag and not r.inert]))
    ex = data.draw(st.sampled_from(rule.spec.examples.flag)).text
    flips = data.draw(st.lists(st.booleans(), min_size=len(ex), max_size=len(ex)))
    ex = "".join(c.upper() if f else c.lower() for c, f in zip(ex, flips))
    text = data.draw(st.sampled_from(["", "Thanks for waiting. ", "OK – "])) + ex + data.draw(
        st.sampled_from(["", " Anything else?", " 🙂"]))
    if any(rx.search(text) for rx in rule.regexes):
        assert rule.quick(text, word_keys(text), literal_haystack(text))


def test_haystack_holds_white_space_runs_as_one_space():
    lits = required_literals(r"\bthat\s+is\s+on\s+you\b")
    assert lits[0] == frozenset({"that is on you"})
    assert literals_hold(lits, literal_haystack("Well, THAT  is\n\ton\u00a0you."))
    assert not literals_hold(lits, literal_haystack("That is on your list."[:12]))


def test_case_odd_letters_fall_back_to_the_regex(coach):
    """'ſ' (long s) matches `s` in a case-insensitive regex but is not 's' in lower(): the
    literal test would miss it, so such a text takes the regex path and is still flagged."""
    assert literal_haystack("You ſhould have called.") is None
    plain = coach.check("You should have called us earlier.")
    odd = coach.check("You ſhould have called us earlier.")
    assert [f.rule for f in odd.findings] == [f.rule for f in plain.findings] != []


def _findings(coach, texts):
    return [[(f.rule, f.start, f.end) for f in r.findings] + [(s.rule, s.start, s.end) for s in r.strengths]
            for r in coach.check_many(texts)]


def test_literal_prefilter_changes_no_finding_on_examples_and_devset(coach, monkeypatch):
    texts = _texts_of_examples(coach)
    texts += [json.loads(line)["text"] for line in (DATA / "devset.jsonl").read_text().splitlines()]
    fast = _findings(coach, texts)
    monkeypatch.setattr("phrasecoach.engine.literal_haystack", lambda text: None)
    slow = _findings(coach, texts)
    assert fast == slow
    assert sum(map(len, fast)) > 300


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_file(), reason=f"the transcript corpus is not at {CORPUS}")
def test_literal_prefilter_changes_no_finding_on_the_corpus(coach, monkeypatch):
    with open(CORPUS, encoding="utf-8") as f:
        texts = [t["text"] for line in itertools.islice(f, 2500) for t in json.loads(line)["turns"]
                 if t["speaker"] == "agent"]
    fast = _findings(coach, texts)
    monkeypatch.setattr("phrasecoach.engine.literal_haystack", lambda text: None)
    assert _findings(coach, texts) == fast
    assert sum(map(len, fast)) > 100


def test_case_odd_set_is_complete():
    """Every character that matches an ASCII letter case-insensitively (or lower-cases into
    one) without being one is in the fallback set; scanned over the BMP."""
    letters = {chr(c) for c in range(ord("a"), ord("z") + 1)}
    pats = [re.compile(a, re.I) for a in sorted(letters)]
    odd = [chr(c) for c in range(128, 0x10000) if not 0xD800 <= c <= 0xDFFF
           and (set(chr(c).lower()) & letters or any(p.fullmatch(chr(c)) for p in pats))]
    assert all(prefilter._CASE_ODD.search(c) for c in odd), odd


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abc -'", min_size=1, max_size=6), min_size=1, max_size=12),
       st.text(alphabet="abc -'x", max_size=40))
def test_literal_scan_finds_exactly_the_literals_a_text_holds(literals, text):
    """One pass finds every literal present, overlapping and nested ones included ("sorry",
    "sorry for", "or"), and nothing else: a rule's gate may then skip a text safely."""
    scan = prefilter.LiteralScan(literals)
    got = scan.haystack(text)
    assert got == text
    # long strings from the one pass, shorter ones tested one by one: all are known
    assert got.present == {x for x in literals if x in text}
    for x in literals:
        assert bool(scan.mask_of([x]) & got.mask) == (x in text)
    # the RE2 set and the fallback scan with Python's re say the same
    assert scan._set is not None
    assert scan._scan(text) == got.mask


def test_the_literal_scan_falls_back_to_re_when_re2_cannot_take_the_set():
    # a memory budget too small for the set: RE2 refuses it, and Python's re finds the strings
    lits = ["sorry", "refund", "on us", "s"] + [f"w{i:04d}x" for i in range(3000)]
    scan = prefilter.LiteralScan(lits, re2_mem=1 << 16)
    assert scan._set is None
    got = scan.haystack("so sorry, the refund is on us (w0042x)")
    assert got.present == {"sorry", "refund", "on us", "s", "w0042x"}


def test_the_engine_gates_with_one_scan_and_finds_the_same():
    texts = ["I'm so sorry for the wait, that's on us.", "As I said before, the refund takes 5 days.",
             "No wonder you're upset, we dropped the ball.", "Thanks for your patience!"]
    coach = Coach(level="preview")
    with_scan = [(r.findings, r.strengths) for r in coach.check_many(texts)]
    assert any(f for f, _ in with_scan) and any(s for _, s in with_scan)
    original = prefilter.LiteralScan.haystack
    try:
        prefilter.LiteralScan.haystack = lambda self, low: low  # every gate tests its strings itself
        without = [(r.findings, r.strengths) for r in Coach(level="preview").check_many(texts)]
    finally:
        prefilter.LiteralScan.haystack = original
    assert with_scan == without


def _random_pattern(rng, depth: int = 0) -> list:
    """A small regex as parts: words, white space, alternations and optional groups."""
    parts = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.45 or depth > 2:
            parts.append(("word", rng.choice(["no", "worries", "mate", "sorry", "for", "wait", "a", "b", "on"])))
        elif kind < 0.7:
            parts.append(("space",))
        elif kind < 0.9:
            parts.append(("alt", [_random_pattern(rng, depth + 1) for _ in range(rng.randint(2, 3))]))
        else:
            parts.append(("opt", _random_pattern(rng, depth + 1)))
    return parts


def _regex_of(parts) -> str:
    out = []
    for p in parts:
        if p[0] == "word":
            out.append(p[1])
        elif p[0] == "space":
            out.append(r"\s+")
        elif p[0] == "alt":
            out.append("(?:" + "|".join(_regex_of(b) for b in p[1]) + ")")
        else:
            out.append("(?:" + _regex_of(p[1]) + ")?")
    return "".join(out)


def _text_of(parts, rng) -> str:
    out = []
    for p in parts:
        if p[0] == "word":
            out.append(p[1])
        elif p[0] == "space":
            out.append(rng.choice([" ", "  ", "\n"]))
        elif p[0] == "alt":
            out.append(_text_of(rng.choice(p[1]), rng))
        elif rng.random() < 0.5:
            out.append(_text_of(p[1], rng))
    return "".join(out)


def test_required_literals_hold_in_every_text_the_regex_matches():
    """Soundness, on regexes built at random from words, white space, alternations whose
    branches may start with white space ("no(?:\\s+worries|\\s+way)") and optional groups: every
    text a regex matches holds one string of each of its literal sets, also through the
    one-pass scan. A wrong literal would silently drop findings."""
    import random

    rng = random.Random(20261128)
    for _ in range(4000):
        parts = _random_pattern(rng)
        pattern = _regex_of(parts)
        lits = required_literals(pattern)
        if lits is None:
            continue
        for _ in range(3):
            text = "x " + _text_of(parts, rng) + " y"
            assert re.search(pattern, text, re.I)
            low = literal_haystack(text)
            assert literals_hold(lits, low), (pattern, text, lits)
            hay = prefilter.LiteralScan(x for s in lits for x in s).haystack(low)
            assert all(hay.scan.mask_of(s) & hay.mask for s in lits), (pattern, text)
