"""Checking costs time in proportion to the text, any text: a 1 MB message is checked, and
messages built to hurt (runs of dots, one endless sentence, "Mr. " again and again) take no
longer than ordinary ones. A lone surrogate is not an error, and a long run with new words
every time leaves spaCy's string store where it was (memory zones).

`bench/long_message.py` times 10 KB / 100 KB / 1 MB messages; `bench/soak.py` watches memory.
"""

from __future__ import annotations

import json
import random
import string
import time
from functools import lru_cache
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.text import MAX_SENTENCE, sentence_spans

PARAGRAPH = ("Thanks for waiting! We have shipped the parcel this morning and it should arrive "
             "on Friday. As I said, the refund takes 5 days. Your order number is 4471.")
TOK_PACK = """\
rules:
  - id: TOK001
    name: zorblax-noun
    category: jargon
    message: Say what a zorblax is.
    why: Nobody outside the team knows.
    match:
      tokens: [[{LOWER: zorblax}, {POS: NOUN}]]
    examples:
      flag: ["The [[zorblax receipt]] is here."]
      pass: ["The receipt is here."]
"""


@lru_cache(maxsize=None)
def coach() -> Coach:
    return Coach()


def _slices_match(text, report) -> None:
    for f in report.findings:
        assert text[f.start:f.end] == f.text, f
    for s in report.strengths:
        assert text[s.start:s.end] == s.text, s


def test_a_one_megabyte_message_is_checked_and_its_last_findings_point_at_the_end():
    lines = [PARAGRAPH] * (1_000_000 // (len(PARAGRAPH) + 1) + 1)
    text = "\n".join(lines) + "\nYou should have called us earlier. Date of birth?"
    assert len(text) > 1_000_000
    short = coach().check(PARAGRAPH)
    t0 = time.perf_counter()
    report = coach().check(text)
    elapsed = time.perf_counter() - t0
    _slices_match(text, report)
    last = report.findings[-1]
    assert (last.rule, last.start, last.end) == ("PC101", len(text) - len("Date of birth?"), len(text))
    assert any(f.rule == "PC301" and text[f.start:].startswith("You should have called")
               for f in report.findings[-3:])
    # every paragraph is found and rewritten as it is on its own
    assert len(report.findings) == len(lines) * len(short.findings) + 2
    assert report.rewritten.startswith("\n".join([short.rewritten] * 3))
    assert report.rewritten.count(short.rewritten) == len(lines)
    assert report.rewritten.endswith("May I have your date of birth?")
    print(f"1 MB message: {elapsed:.1f} s, {len(report.findings)} findings")


@pytest.mark.parametrize("text", [
    "." * 20_000, "!" * 20_000, "…" * 20_000, "Mr. " * 5_000, "a" * 19_996 + "1. x",
    "\U0001F600" * 20_000, "word " * 20_000, " " * 20_000, "?!" * 10_000 + " Calm down.",
], ids=["dots", "bangs", "ellipses", "mr", "long-word", "emoji", "no-punctuation", "spaces", "mixed"])
def test_punctuation_runs_and_endless_sentences_are_split_quickly(text):
    t0 = time.perf_counter()
    spans = sentence_spans(text)
    assert time.perf_counter() - t0 < 1.0  # was 6-12 s for 20,000 dots
    assert all(0 < e - s <= MAX_SENTENCE for s, e in spans)
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())  # nothing dropped
    report = coach().check(text)
    _slices_match(text, report)


def test_sentences_are_still_split_as_before():
    text = ("Hi Mr. Smith, e.g. the 5 p.m. slot works. Ok! Is it done?\"Yes.\" "
            "Dept. of Health... A. B. Jones.\nNext line\r\nLast one.")
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Hi Mr. Smith, e.g. the 5 p.m. slot works.", "Ok!", "Is it done?\"Yes.\"",
        "Dept. of Health...", "A. B. Jones.", "Next line", "Last one."]


def test_an_acronym_explained_once_is_explained_in_the_whole_long_message():
    filler = "We have checked the order and everything looks fine on our side. " * 2000
    explained = "Your return authorization (RMA) is approved. " + filler + "The RMA label is attached."
    unexplained = "Your RMA is approved. " + filler + "The RMA label is attached."
    assert not [f for f in coach().check(explained).findings if f.category == "jargon"]
    found = [f for f in coach().check(unexplained).findings if f.category == "jargon"]
    assert [unexplained[f.start:f.end] for f in found][:1] == ["RMA"]


@pytest.mark.parametrize("method", ["check", "check_many", "rewrite"])
def test_a_lone_surrogate_is_read_as_a_replacement_character(method):
    text = "Date of birth? \ud800 Send me the receipt.\udc00 Calm down."
    c = coach()
    if method == "check":
        report = c.check(text)
    elif method == "check_many":
        report = list(c.check_many([text, "\ud83d", "Calm down."]))[0]
    else:
        report = c.rewrite(text)
    out = report.rewritten
    out.encode("utf-8")  # nothing left that UTF-8 cannot write
    assert "\ud800" not in out and "\ufffd" in out
    if method != "rewrite":
        json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
        assert [f.rule for f in report.findings][:1] == ["PC101"]
        for f in report.findings:  # offsets are offsets into the caller's own string
            assert len(f.text) == f.end - f.start
            assert f.text == text[f.start:f.end].replace("\ud800", "\ufffd").replace("\udc00", "\ufffd")
    else:
        assert out.startswith("May I have your date of birth?")


def _new_words(rng: random.Random, n: int) -> list[str]:
    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))

    return [f"Send me the {word()} receipt, {word().upper()}. Account {word()} number?" for _ in range(n)]


def test_new_words_do_not_pile_up_in_spacys_string_store():
    c = Coach()
    rng = random.Random(7)
    list(c.check_many(_new_words(rng, 200)))  # warm: strings the pipeline itself keeps
    store = c.nlp.vocab.strings
    before = len(store)
    for _ in range(10):
        reports = list(c.check_many(_new_words(rng, 200)))
        flagged = sum(r.findings[0].rule == "PC102" for r in reports if r.findings)
        assert flagged >= 180  # "Send me the <new word> receipt." asks to be asked, new word or not
    for t in _new_words(rng, 50):
        c.rewrite(t, "unsafe")
    assert len(store) - before < 50, f"the string store grew by {len(store) - before}"


def test_token_rules_still_match_after_many_memory_zones(tmp_path: Path):
    (tmp_path / "pack.yaml").write_text("id: tok\nname: token test\n")
    (tmp_path / "rules.yaml").write_text(TOK_PACK)
    c = Coach(packs=[tmp_path], bundled=False, nlp=coach().nlp)
    for i in range(5):
        w = "".join(random.Random(i).choice(string.ascii_lowercase) for _ in range(8))
        got = [(f.rule, f.text) for f in c.check(f"The zorblax {w} and the zorblax receipt.").findings]
        assert ("TOK001", "zorblax receipt") in got
