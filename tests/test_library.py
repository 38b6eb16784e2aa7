"""The Python API: Coach.check / check_many / rewrite, the Report it returns, offsets, the
score, and the two parse modes (also on the real transcript corpus when it is there)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pydantic
import pytest

import phrasecoach
from phrasecoach import (Applicability, Coach, Edit, Finding, Report, RewriteResult, Severity,
                         Strength, Suggestion)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "transcripts.jsonl"


@lru_cache(maxsize=None)
def coach() -> Coach:
    return Coach()


@lru_cache(maxsize=None)
def coach_parse_all() -> Coach:
    # the same packs, every sentence parsed; shares the loaded spaCy pipeline
    return Coach(parse="all", nlp=coach().nlp)


TEXTS = [
    "Date of birth?",
    "Thanks for waiting! Send me the receipt.",
    "That's not true, the parcel was delivered Monday.",
    "Your RMA was approved. Please provide your account number.",
    "Hi Sam \U0001F44B\r\nCalm down, I'll look into it.",
    "Thanks so much for your patience, Maria. Everything is sorted.",
    "",
    "Don't call this number again. You need to reset your password.",
]


def test_public_api():
    for name in phrasecoach.__all__:
        assert hasattr(phrasecoach, name), name
    assert phrasecoach.__version__ == "0.1.0"
    report = coach().check("Date of birth?")
    assert isinstance(report, Report)
    (f,) = report.findings
    assert isinstance(f, Finding) and isinstance(f.suggestions[0], Suggestion)
    assert (f.rule, f.name, f.category, f.severity) == ("PC101", "bare-noun-request", "command",
                                                        Severity.warning)
    assert (f.start, f.end, f.text) == (0, 14, "Date of birth?")
    assert f.message
    assert report.rewritten == "May I have your date of birth?"
    assert report.score == 90
    assert report.strengths == ()
    (e,) = report.edits
    assert isinstance(e, Edit)
    assert (e.rule, e.start, e.end, e.original, e.replacement, e.applicability) == (
        "PC101", 0, 14, "Date of birth?", "May I have your date of birth?", Applicability.safe)


def test_report_is_frozen_and_serialises_to_the_schema():
    report = coach().check("That's not true.")
    with pytest.raises(pydantic.ValidationError):
        report.score = 100
    d = report.to_dict()
    assert d == json.loads(json.dumps(d))
    assert list(d) == ["schema_version", "text", "findings", "strengths", "score", "rewritten"]
    assert d["findings"][0]["severity"] == "warning"
    assert list(report.to_dict(line=7))[:3] == ["schema_version", "line", "text"]


def test_report_helpers():
    report = coach().check("You're overreacting. That's not true.")
    assert [f.severity for f in report.findings] == [Severity.error, Severity.warning]
    assert report.max_severity() is Severity.error
    assert report.fails(Severity.error) and report.fails(Severity.warning)
    assert not report.fails(None)
    pc201 = report.findings[1]
    # best(): the first suggestion up to an applicability
    assert pc201.best(Applicability.safe) is None
    assert pc201.best(Applicability.unsafe).applicability is Applicability.unsafe
    clean = coach().check("Thank you.")
    assert clean.max_severity() is None and not clean.fails(Severity.info)


def test_empty_text_and_wrong_type():
    report = coach().check("")
    assert (report.findings, report.strengths, report.score, report.rewritten) == ((), (), 100, "")
    with pytest.raises(TypeError):
        coach().check(b"Date of birth?")


# ---- check_many -----------------------------------------------------------------------

def _view(report: Report):
    return (report.text, report.findings, report.strengths, report.score, report.rewritten,
            report.edits)


def test_check_many_equals_checking_one_by_one():
    one_by_one = [_view(coach().check(t)) for t in TEXTS]
    for batch_size in (1, 3, 256):
        assert [_view(r) for r in coach().check_many(TEXTS, batch_size=batch_size)] == one_by_one
    assert list(coach().check_many([])) == []


def test_check_many_streams():
    taken = []

    def source():
        for t in TEXTS:
            taken.append(t)
            yield t

    reports = coach().check_many(source(), batch_size=2)
    first = next(reports)
    assert first.text == TEXTS[0]
    assert len(taken) == 2  # one batch read, not the whole input
    rest = list(reports)
    assert [r.text for r in rest] == TEXTS[1:]


# ---- offsets ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, rule, span_text", [
    ("Sorry \U0001F600 about that. Calm down, please.", "PC401", "Calm down, please."),
    ("Hi Sam \U0001F44B\r\nDate of birth?", "PC101", "Date of birth?"),
    ("Caf\u0065\u0301 is closed.\r\n\r\nThat's not true.", "PC201", "That's not true."),
    ("\U0001F600\U0001F600\U0001F600 Your RMA was approved.", "PC501", "RMA"),
])
def test_offsets_are_code_points_into_the_given_text(text, rule, span_text):
    report = coach().check(text)
    (f,) = [f for f in report.findings if f.rule == rule]
    assert f.start == text.index(span_text)
    assert f.end == f.start + len(span_text)
    assert text[f.start:f.end] == f.text == span_text
    assert report.text == text  # never normalised
    for e in report.edits:
        assert text[e.start:e.end] == e.original


def test_offsets_hold_for_every_finding_and_strength():
    for report in coach().check_many(TEXTS):
        for x in (*report.findings, *report.strengths):
            assert report.text[x.start:x.end] == x.text
            assert 0 <= x.start < x.end <= len(report.text)


# ---- score and strengths ----------------------------------------------------------------

@pytest.mark.parametrize("text, score", [
    ("Thank you for your patience.", 100),               # a strength, no finding: 100, not more
    ("We've sent the PTE to your address.", 96),         # info: -4
    ("Date of birth?", 90),                              # warning: -10
    ("You're overreacting.", 80),                        # error: -20
    ("Thanks for waiting! Date of birth?", 95),          # -10 + 5 for one strength
    ("Thanks for waiting! I'm so sorry for the wait. You're overreacting.", 90),  # bonus capped at 10
    ("Calm down. Calm down. Calm down. Calm down. Calm down. Calm down.", 0),     # never below 0
])
def test_score(text, score):
    report = coach().check(text)
    assert report.score == score


def test_score_formula_on_mixed_texts():
    penalty = {Severity.error: 20, Severity.warning: 10, Severity.info: 4}
    for report in coach().check_many(TEXTS):
        if not report.findings:
            expected = 100
        else:
            spans = sorted((s.start, s.end) for s in report.strengths)
            distinct = sum(1 for k, (a, _) in enumerate(spans) if k == 0 or a >= max(e for _, e in spans[:k]))
            expected = 100 - sum(penalty[f.severity] for f in report.findings) + min(10, 5 * distinct)
            expected = max(0, min(100, expected))
        assert report.score == expected, report.text


def test_overlapping_strengths_count_once():
    """"I'm sorry for the wait" is an apology and a thank-you for waiting in the same words:
    both are reported, the bonus is paid once. Strengths in different words still add up."""
    one = coach().check("I'm sorry for the wait. Date of birth?")
    assert sorted(s.rule for s in one.strengths) == ["PC902", "PC904"]
    assert one.score == 95
    two = coach().check("Thanks for waiting! I'm sorry about that. Date of birth?")
    assert len(two.strengths) == 2 and two.score == 100


@pytest.mark.parametrize("text, categories", [
    ("As I said before, you should have checked in online.", {"impatience", "blame"}),
    ("Obviously you entered the wrong card, so the payment failed.", {"impatience", "blame"}),
    ("As previously advised, that is not our fault.", {"impatience", "defensive"}),
    ("Calm down, it is company policy.", {"dismissive", "defensive"}),
])
def test_two_problems_of_different_categories_in_one_sentence_are_both_reported(text, categories):
    """A sentence-wide finding of one category does not hide a shorter one of another category
    inside it: an agent (and a QA score) sees both problems."""
    found = Coach(level="picky").check(text).findings
    assert {f.category.value if hasattr(f.category, "value") else f.category for f in found} == categories


def test_strengths_are_reported_apart_from_findings():
    text = "Thanks for waiting! I'm so sorry for the wait. Date of birth?"
    report = coach().check(text)
    assert [f.rule for f in report.findings] == ["PC101"]
    assert report.strengths and all(isinstance(s, Strength) for s in report.strengths)
    assert all(s.category == "empathy" and s.rule.startswith("PC9") for s in report.strengths)
    assert report.strengths[0].text == "Thanks for waiting"
    assert [s.start for s in report.strengths] == sorted(s.start for s in report.strengths)
    # rewriting keeps the empathy as it is
    assert report.rewritten == "Thanks for waiting! I'm so sorry for the wait. May I have your date of birth?"


# ---- rewrite ------------------------------------------------------------------------------

def test_rewrite():
    text = "Date of birth? That's not true."
    safe = coach().rewrite(text)
    assert isinstance(safe, RewriteResult)
    assert safe.rewritten == "May I have your date of birth? That's not true."
    assert [(e.rule, e.start, e.end) for e in safe.edits] == [("PC101", 0, 14)]
    unsafe = coach().rewrite(text, "unsafe")
    assert unsafe.rewritten == ("May I have your date of birth? Perhaps there's been a mix-up — "
                                "could you tell me more about what you saw?")
    assert [(e.rule, e.original) for e in unsafe.edits] == [("PC101", "Date of birth?"),
                                                             ("PC201", "That's not true.")]
    assert coach().rewrite(unsafe.rewritten, Applicability.unsafe).rewritten == unsafe.rewritten
    with pytest.raises(ValueError):
        coach().rewrite(text, "display")
    with pytest.raises(ValueError):
        coach().rewrite(text, "bold")


# ---- parse modes ----------------------------------------------------------------------------

def _findings(reports):
    return [[(f.rule, f.start, f.end, f.suggestions) for f in r.findings] for r in reports]


def test_parse_all_finds_the_same_as_parsing_candidates():
    texts = TEXTS + [
        "Jennifer, send me the receipt.",
        "Kindly fill in the attached form.",
        "Order number? Then I'll check the booking.",
        "I checked and the router looks fine. Restart the router and call us back.",
        "Please hold on a moment while I check.",
        "Good morning. Have a great day!",
    ]
    assert coach_parse_all().settings.parse == "all" and coach().settings.parse == "candidates"
    assert _findings(coach_parse_all().check_many(texts)) == _findings(coach().check_many(texts))


def _agent_turns(limit: int) -> list[str]:
    turns: list[str] = []
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            for t in json.loads(line)["turns"]:
                if t.get("speaker") == "agent" and isinstance(t.get("text"), str):
                    turns.append(t["text"])
                    if len(turns) == limit:
                        return turns
    return turns


@pytest.mark.corpus
def test_corpus_parse_modes_agree():
    if not CORPUS.is_file():
        pytest.skip(f"the transcript corpus is not here ({CORPUS}); it lives in ../shared/corpus")
    turns = _agent_turns(500)
    assert len(turns) == 500
    fast = list(coach().check_many(turns))
    full = list(coach_parse_all().check_many(turns))
    assert _findings(full) == _findings(fast)
    assert sum(len(r.findings) for r in fast) > 0  # real agent turns do set off rules
    for r in fast:
        for f in r.findings:
            assert r.text[f.start:f.end] == f.text
        assert 0 <= r.score <= 100


@lru_cache(maxsize=None)
def picky() -> Coach:
    return Coach(level="picky", nlp=coach().nlp)


@pytest.mark.parametrize("greeting", ["Hi Ben, ", "Dear Ms Roy, ", "hello, ", "Hi, Anna, ", "Good morning Mr Li - "])
def test_a_rule_reads_a_sentence_after_its_opening_greeting(greeting):
    """Email replies open with a greeting in the same sentence: a rule anchored at the start of a
    sentence ("once again, no" as the whole answer) reads from where the agent's words start, the
    finding leaves the greeting out, and a rewrite goes on in lower case after it."""
    plain = "once again, no, the plan can't be paused."
    bare = picky().check(plain[0].upper() + plain[1:])
    greeted = picky().check(greeting + plain)
    assert [f.rule for f in bare.findings] == [f.rule for f in greeted.findings] == ["PC608"]
    assert greeted.findings[0].start == len(greeting)
    fixed = picky().check(greeting + "as mentioned in my previous reply, the upgrade is non-refundable.")
    assert fixed.rewritten == greeting + "the upgrade is non-refundable."


@pytest.mark.parametrize("opening,flagged", [
    ("Dear Ms Roy, ", True), ("Hiya, ", True),
    # not a greeting: a word that starts like one, no comma after it, or no name in capitals
    ("High time, ", False), ("Hello world ", False), ("Dear customer, ", False)])
def test_only_a_greeting_is_left_out(opening, flagged):
    # "Clearly not" is impatience only where it opens the agent's words
    report = picky().check(opening + "clearly not, it's a bank holiday.")
    assert any(f.rule == "PC604" for f in report.findings) is flagged


@pytest.mark.parametrize("sign_off", ["Thanks,\nFrame Your Art Studio", "Kind regards,\nMaya\nRoll The Dice Cafe",
                                      "Best,\nDrive On Academy", "Hang It Framers"])
def test_a_signature_block_is_not_read(sign_off):
    """An email's signature names the sender: "Hive on Quay Street" under "Thanks," is no bare
    instruction to the customer, so no rule reads the lines after a closing line, or a last line
    that is only a name."""
    body = "Hi Leo,\n\nYour frame is ready to collect.\n\n"
    report = picky().check(body + sign_off)
    assert [f.rule for f in report.findings if f.start >= len(body)] == []
    # the same words said to the customer are read: a bare instruction is still one
    said = picky().check(body + sign_off.split("\n")[-1] + " and send us a photo.")
    assert [f.rule for f in said.findings if f.start >= len(body)] == ["PC102"]


@pytest.mark.parametrize("tail", ["Thanks,\nsend the signed form back by Friday",
                                  "Thanks,\nSend the signed form back by Friday, we can't start without it!"])
def test_lines_after_a_closing_word_that_are_no_name_are_still_read(tail):
    report = picky().check("Hi Leo,\n\nYour frame is ready.\n\n" + tail)
    assert "PC102" in [f.rule for f in report.findings]
