"""PC701 missed-acknowledgment: the signal file's own examples, turn pairs, and its schema."""

from __future__ import annotations

import pytest

from phrasecoach import Coach
from phrasecoach.errors import InputError, PackValidationError, RegexError
from phrasecoach.transcripts import score_conversation
from phrasecoach.transcripts.signals import default_signals_path, load_signals

SIGNALS = load_signals()


@pytest.fixture(scope="module")
def coach():
    return Coach()


def _signal_cases():
    for c in SIGNALS.spec.signals:
        for i, ex in enumerate(c.examples.flag):
            yield pytest.param(c.name, "flag", ex, id=f"{c.name}-flag-{i}")
        for i, ex in enumerate(c.examples.pass_):
            yield pytest.param(c.name, "pass", ex, id=f"{c.name}-pass-{i}")


@pytest.mark.parametrize("name, kind, example", list(_signal_cases()))
def test_signal_examples(name, kind, example):
    text = example.replace("[[", "").replace("]]", "")
    hits = [h for h in SIGNALS.find(text) if h.name == name]
    if kind == "pass":
        assert not hits, f"{name} must not fire on {text!r}, got {[h.text for h in hits]}"
        return
    assert hits, f"{name} must fire on {text!r}"
    if "[[" in example:
        span = (example.index("[["), example.index("]]") - 2)
        assert span in [(h.start, h.end) for h in hits], [h.text for h in hits]


def _unfiltered(signals, text):
    """SignalSet.find without its prefilters: every pattern and the capitals detector run."""
    from phrasecoach.transcripts import signals as mod

    saved = [(c, c.keys) for c in signals._signals]
    hint = mod._CAPS_HINT
    try:
        for c in signals._signals:
            c.keys = tuple(None for _ in c.patterns)
        mod._CAPS_HINT = type("Always", (), {"search": staticmethod(lambda t: True)})()
        return signals.find(text)
    finally:
        mod._CAPS_HINT = hint
        for c, keys in saved:
            c.keys = keys


PREFILTER_TEXTS = [
    "WHY IS THIS TAKING SO LONG", "I'VE BEEN WAITING", "I'M SO ANGRY", "NOT OK!!!",
    "Been waiting 2 hrs", "waited45 minutes", "__cust__ waiting 40 minutes", "#frustrated",
    "it's been 3 days", "It’s been FOREVER", "urgent!?", "3rd time calling", "Stuck-on hold",
    "un-acceptable", "Unacceptable", "I'm fed up", "DON'T HANG UP ON ME AGAIN",
]


@pytest.mark.parametrize("text", [*PREFILTER_TEXTS,
                                  *(ex.replace("[[", "").replace("]]", "")
                                    for c in SIGNALS.spec.signals
                                    for ex in (*c.examples.flag, *c.examples.pass_))])
def test_prefilters_never_change_what_find_returns(text):
    assert SIGNALS.find(text) == _unfiltered(SIGNALS, text)


def test_prefilter_keys_only_for_word_start_patterns():
    from phrasecoach.transcripts.signals import pattern_keys

    assert pattern_keys(r"\b(?:waiting|waited)\s+\d+") == frozenset({"wai"})
    assert pattern_keys(r"(?:waiting|waited)") is None       # may match inside a word
    assert pattern_keys(r"\b\d+\s+hours") is None            # starts with a digit
    assert pattern_keys(r"(?:!\s*){3,}") is None
    assert any(k is not None for c in SIGNALS._signals for k in c.keys)


def _turns(ex):
    return ([{"speaker": "customer", "text": t} for t in ex.customer]
            + [{"speaker": "agent", "text": t} for t in ex.agent])


def _pair_cases():
    for i, ex in enumerate(SIGNALS.spec.examples.flag):
        yield pytest.param("flag", ex, id=f"flag-{i}")
    for i, ex in enumerate(SIGNALS.spec.examples.pass_):
        yield pytest.param("pass", ex, id=f"pass-{i}")


@pytest.mark.parametrize("kind, ex", list(_pair_cases()))
def test_turn_pair_examples(coach, kind, ex):
    res = score_conversation(coach, _turns(ex))
    pc701 = [(d.turn, d.text) for d in res.deductions if d.rule == "PC701"]
    first_agent = len(ex.customer)
    if kind == "pass":
        assert not pc701, f"must pass: {ex}"
        return
    assert [t for t, _ in pc701] == [first_agent], "one finding, on the reply's first turn"
    assert res.counts["missed-acknowledgment"] == 1
    if ex.signal:
        assert ex.signal in {s.name for s in res.signals}
    assert all(not s.acknowledged and s.answered_by == first_agent for s in res.signals)


@pytest.mark.parametrize("kind", sorted(SIGNALS.acknowledge))
def test_the_suggested_acknowledgement_counts_as_one(coach, kind):
    """Applying PC701's suggestion must silence PC701 (the rule agrees with its own advice)."""
    ack = SIGNALS.acknowledge[kind]
    res = score_conversation(coach, [("customer", "Still waiting, this is unacceptable, it's urgent!"),
                                     ("agent", f"{ack} Your order ships today.")])
    assert res.counts["missed-acknowledgment"] == 0


def test_missed_acknowledgment_with_and_without_acknowledgement(coach):
    wait = "I've been on hold for over an hour!"
    missed = score_conversation(coach, [("customer", wait), ("agent", "Hi Sam. What is your booking reference?")])
    (f,) = [f for t in missed.turns for f in t.report.findings if f.rule == "PC701"]
    assert f.category == "missed-acknowledgment" and f.severity.value == "warning"
    assert f.text == "What is your booking reference?"  # after the greeting
    assert "on hold for over an hour" in f.message and "turn 0" in f.message
    assert f.suggestions[0].applicability.value == "display"
    assert f.suggestions[0].replacement == "I'm sorry for the wait. What is your booking reference?"
    assert missed.turns[0].report.rewritten == "Hi Sam. What is your booking reference?"  # never applied
    assert missed.score == 90

    acked = score_conversation(coach, [("customer", wait),
                                       ("agent", "Thanks for your patience. What is your booking reference?")])
    assert acked.counts["missed-acknowledgment"] == 0 and acked.score == 100
    assert acked.signals[0].acknowledged


def test_signals_accumulate_until_the_agent_replies_and_late_signals_are_kept(coach):
    res = score_conversation(coach, [
        ("customer", "This is ridiculous."), ("customer", "Hello???"),
        ("agent", "Which order?"), ("customer", "Still no refund!!!")])
    assert [d.turn for d in res.deductions if d.rule == "PC701"] == [2]
    last = res.signals[-1]
    assert last.turn == 3 and last.answered_by is None and not last.acknowledged


def test_no_customer_signal_no_finding(coach):
    res = score_conversation(coach, [("customer", "Hi, can I change my seat?"), ("agent", "Which seat would you like?")])
    assert res.score == 100 and not res.signals and not res.deductions


def test_score_conversation_rejects_bad_turns(coach):
    with pytest.raises(InputError, match="unknown speaker"):
        score_conversation(coach, [("robot", "hi"), ("agent", "hello")])
    with pytest.raises(InputError, match="empty text"):
        score_conversation(coach, [("customer", "hi"), ("agent", " ")])
    with pytest.raises(InputError, match="no agent turns"):
        score_conversation(coach, [("customer", "hi")])
    with pytest.raises(InputError, match="unknown key"):
        score_conversation(coach, [{"speaker": "agent", "txt": "hi"}])


def test_signal_file_schema_is_strict(tmp_path):
    src = default_signals_path().read_text(encoding="utf-8")
    bad = tmp_path / "s.yaml"
    bad.write_text(src.replace("  - name: urgency\n", "  - name: urgency\n    lable: typo\n", 1),
                   encoding="utf-8")
    with pytest.raises(PackValidationError) as e:
        load_signals(bad)
    assert "unknown key `lable`" in str(e.value)
    line = src[: src.index("  - name: urgency\n")].count("\n") + 2
    assert f"s.yaml:{line}" in str(e.value)

    bad.write_text(src.replace("'\\bseriously\\s*\\?'", "'(unclosed'", 1), encoding="utf-8")
    with pytest.raises(RegexError):
        load_signals(bad)
