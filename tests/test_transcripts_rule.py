"""PC701 missed-acknowledgment: a rule of the core pack, with customer-side signal rules.

The rules' own examples (flag/pass, customer texts for the signals, replies with their customer
message for PC701) run in tests/test_rule_examples.py, as `phrasecoach rules test` runs them.
Here: the prefilters, multi-turn conversations, selection and the schema.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.conversation import ConversationRules, _hit, _one_per_stretch, _sentences
from phrasecoach.errors import InputError, PackReadError, PackValidationError, RegexError
from phrasecoach.packs.loader import bundled_packs_dir
from phrasecoach.transcripts import score_conversation
from phrasecoach.transcripts.signals import load_signals


@pytest.fixture(scope="module")
def coach():
    return Coach()


def _rules() -> ConversationRules:
    return ConversationRules.of(_coach())


_COACH: list[Coach] = []


def _coach() -> Coach:
    if not _COACH:
        _COACH.append(Coach(level="preview"))
    return _COACH[0]


def _unfiltered(signals: ConversationRules, text: str):
    """ConversationRules.find without its prefilters: every regex and detector of every rule runs."""
    hits = []
    for r in signals.signal_rules:
        mine = []
        for s, e in _sentences(text):
            ms = (r.detector.find_lexical(text, s, e) if r.kind == "detector"
                  else r.find_lexical(text, s, e, None))
            mine += [_hit(r, text, m, (s, e)) for m in ms
                     if m.end > m.start and not r.vetoed(text, m, (s, e))]
        hits += _one_per_stretch(mine)
    return _one_per_stretch(hits)


def test_pc701_and_its_signals_are_rules_in_the_registry():
    c = _coach()
    pc701 = c.rule("PC701")
    # picky: 0.64 on fresh hand-judged findings (docs/quality.md), below the default bar
    assert pc701 is not None and pc701.kind == "conversation" and pc701.spec.level == "picky"
    customer = [r for r in c.rules if r.spec.speaker == "customer"]
    # PC701 listens to the kinds of signal that call for an acknowledgment; a fault reported in
    # plain words (`problem`, PC7020) is read by PC210/PC218/PC220's `requires:` only
    signals = [r for r in customer if r.spec.signal != "problem"]
    assert {r.id for r in signals} >= {"PC7011", "PC7012", "PC7013", "PC7014", "PC7015", "PC7016"}
    # PC7010-PC7019 name wordings; PC7021 is the learned one (`--select PC701` brings it too)
    assert all((r.id.startswith("PC701") or r.id == "PC7021") and r.spec.signal for r in signals)
    assert [r.id for r in customer if r.spec.signal == "problem"] == ["PC7020"]
    (cr,) = _rules().rules
    assert cr.rule is pc701 and {r.id for r in cr.signals} == {r.id for r in signals}
    assert {"PC901", "PC906", "PC907"} <= cr.acknowledged_by  # the empathy strengths
    # apologies and thanks for waiting are read from {acknowledgment}, not PC904/PC902, which
    # also take "I'm sorry you're upset" and "thanks for your understanding" (round 6)
    assert not {"PC902", "PC904"} & cr.acknowledged_by


def test_a_plain_fault_report_needs_no_acknowledgment_but_makes_standards_a_defence(coach):
    """"Two of the cartridges arrived cracked" is a complaint without a feeling: PC701 does not ask
    for an acknowledgment, but praising the company's standards in reply is defensive (PC210)."""
    report = "Two of the cartridges arrived cracked."
    res = score_conversation(coach, [("customer", report), ("agent", "Could you send a photo of the box?")])
    assert not [d for d in res.deductions if d.rule == "PC701"] and not res.signals
    picky = Coach(level="picky")
    standards = "The cartridges leave our warehouse in perfect condition."
    assert [f.rule for f in picky.check(standards, context=report).findings] == ["PC210"]
    assert not picky.check(standards).findings  # no complaint, no defence
    assert not picky.check(standards, context="Do you ship to Spain?").findings


def test_the_message_engine_leaves_conversation_rules_alone():
    c = _coach()
    rep = c.check("I HAVE BEEN WAITING FOR HOURS, this is unacceptable!!!",
                  context="I've been waiting 40 minutes")
    assert not [f for f in rep.findings if f.rule.startswith("PC701")]


PREFILTER_TEXTS = [
    "WHY IS THIS TAKING SO LONG", "I'VE BEEN WAITING", "I'M SO ANGRY", "NOT OK!!!",
    "Been waiting 2 hrs", "waited45 minutes", "__cust__ waiting 40 minutes", "#frustrated",
    "it's been 3 days", "It’s been FOREVER", "urgent!?", "3rd time calling", "Stuck-on hold",
    "un-acceptable", "Unacceptable", "I'm fed up", "DON'T HANG UP ON ME AGAIN",
]


@pytest.mark.parametrize("text", [*PREFILTER_TEXTS,
                                  *(ex.plain if hasattr(ex, "plain") else ex.text
                                    for r in _coach().rules if r.spec.speaker == "customer"
                                    for ex in (*r.spec.examples.flag, *r.spec.examples.pass_))])
def test_prefilters_never_change_what_find_returns(text):
    assert _rules().find(text) == _unfiltered(_rules(), text)


def test_turn_pairs_of_several_turns(coach):
    flag = score_conversation(coach, [("customer", "Still no response to my email."), ("customer", "Hello?"),
                                      ("agent", "Let me check that for you."), ("agent", "Your case is open.")])
    assert [d.turn for d in flag.deductions if d.rule == "PC701"] == [2]
    assert {s.rule for s in flag.signals} == {"PC7012", "PC7019"}  # still no response; "Hello?"
    assert all(not s.acknowledged and s.answered_by == 2 for s in flag.signals)
    acked = score_conversation(coach, [("customer", "This is unacceptable!"), ("customer", "Where is my bag?"),
                                       ("agent", "Let me check."),
                                       ("agent", "Sorry for the wait, I've found it: it's in Atlanta.")])
    assert not [d for d in acked.deductions if d.rule == "PC701"]
    assert acked.signals and all(s.acknowledged for s in acked.signals)


@pytest.mark.parametrize("rule_id", ["PC7011", "PC7012", "PC7013", "PC7014", "PC7015", "PC7016"])
def test_the_suggested_acknowledgement_counts_as_one(coach, rule_id):
    """Applying PC701's suggestion must silence PC701 (the rule agrees with its own advice)."""
    ack = coach.rule(rule_id).spec.suggest[0].replacement
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
    assert missed.signals[0].rule == "PC7011" and missed.signals[0].kind == "wait"

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


WAIT = [("customer", "I've been waiting 40 minutes for someone to answer!"), ("agent", "What is your order number?")]


def test_selection_and_severity_apply_to_pc701():
    def pc701(**kw):
        res = score_conversation(Coach(**kw), WAIT)
        return [(d.rule, d.points) for d in res.deductions if d.rule == "PC701"], [s.rule for s in res.signals]

    assert pc701() == ([("PC701", 10)], ["PC7011"])
    assert pc701(ignore=["PC701"]) == ([], [])                  # the rule and its signals (prefix)
    assert pc701(ignore=["PC7011", "PC7021"]) == ([], [])       # signals off: nothing else sees a wait
    assert pc701(select=["PC701"]) == ([("PC701", 10)], ["PC7011"])  # selects its signals too
    assert pc701(select=["command"]) == ([], [])
    assert pc701(severity={"PC701": "error"}) == ([("PC701", 20)], ["PC7011"])


def test_score_conversation_rejects_bad_turns(coach):
    with pytest.raises(InputError, match="unknown speaker"):
        score_conversation(coach, [("robot", "hi"), ("agent", "hello")])
    with pytest.raises(InputError, match="empty text"):
        score_conversation(coach, [("customer", "hi"), ("agent", " ")])
    with pytest.raises(InputError, match="no agent turns"):
        score_conversation(coach, [("customer", "hi")])
    with pytest.raises(InputError, match="unknown key"):
        score_conversation(coach, [{"speaker": "agent", "txt": "hi"}])


def _load(path: Path):
    """Load and compile a rule file as the bundled core pack's (its regexes run on `re`)."""
    from phrasecoach.kinds.base import DetectorContext
    from phrasecoach.packs.compiled import compile_rule
    from phrasecoach.packs.loader import load_pack, load_rule_file

    lexicons = load_pack(bundled_packs_dir() / "core").meta.lexicons
    return [compile_rule(lr, DetectorContext(lexicons=dict(lexicons)))
            for lr in load_rule_file(path, "core", bundled=True)]


def test_conversation_rules_are_validated_like_any_rule(tmp_path):
    src = (bundled_packs_dir() / "core" / "conversation.yaml").read_text(encoding="utf-8")
    path = tmp_path / "conversation.yaml"
    path.write_text(src, encoding="utf-8")
    shutil.copytree(bundled_packs_dir() / "core" / "models", tmp_path / "models")  # PC7021's model
    assert {r.id for r in _load(path)} >= {"PC701", "PC7011", "PC7021"}
    anchor = "    name: urgency\n"
    path.write_text(src.replace(anchor, anchor + "    lable: typo\n", 1), encoding="utf-8")
    with pytest.raises(PackValidationError) as e:
        _load(path)
    assert "unknown key `lable`" in str(e.value)
    line = src[: src.index(anchor)].count("\n") + 2
    assert f"conversation.yaml:{line}" in str(e.value)

    broken = src.replace("        - '\\bseriously\\s*\\?", "        - '(unclosed|\\bseriously\\s*\\?", 1)
    assert broken != src
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RegexError):
        _load(path)

    path.write_text(src.replace("    signal: urgency\n", "", 1), encoding="utf-8")
    with pytest.raises(PackValidationError, match="signal: wait"):
        _load(path)


def test_a_message_rule_cannot_take_a_conversation_category(tmp_path):
    pack = tmp_path / "team"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: team\nname: Team\n", encoding="utf-8")
    (pack / "r.yaml").write_text(
        "rules:\n  - id: TEAM001\n    name: odd\n    category: missed-acknowledgment\n"
        "    message: m\n    why: w\n    match: {phrases: [hello there]}\n"
        "    examples: {flag: ['[[hello there]]'], pass: ['hi']}\n", encoding="utf-8")
    with pytest.raises(PackValidationError, match="conversation rules"):
        Coach(packs=[pack])


def test_a_team_signal_rule_feeds_pc701(tmp_path):
    pack = tmp_path / "team"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: team\nname: Team\n", encoding="utf-8")
    (pack / "signals.yaml").write_text(
        "rules:\n  - id: TEAM701\n    name: hold-music\n    category: missed-acknowledgment\n"
        "    speaker: customer\n    signal: wait\n    message: The customer sat through the hold music.\n"
        "    why: w\n    match: {phrases: [hold music]}\n"
        "    suggest: [{replacement: Sorry about the hold music., applicability: display}]\n"
        "    examples: {flag: ['that [[hold music]] again'], pass: ['hi']}\n", encoding="utf-8")
    c = Coach(packs=[pack])
    res = score_conversation(c, [("customer", "I listened to the hold music."), ("agent", "Order number?")])
    (f,) = [f for t in res.turns for f in t.report.findings if f.rule == "PC701"]
    assert res.signals[0].rule == "TEAM701" and "hold music" in f.message
    assert f.suggestions[0].replacement == "Sorry about the hold music. Order number?"


def test_old_signal_files_are_refused_with_a_hint(tmp_path):
    assert load_signals() is None
    with pytest.raises(PackReadError, match="signals are rules of the core pack"):
        load_signals(tmp_path / "signals.yaml")


def test_signals_run_exactly_when_pc701_does():
    """At the default level PC701 is off and so are its signals (no wasted search); `--select
    PC701` turns it on by its id and brings its signals with it; ignoring PC701 drops them."""
    from phrasecoach import Coach

    conv = [{"speaker": "customer", "text": "I have been on hold for an hour and I am furious!"},
            {"speaker": "agent", "text": "The refund was issued on Monday."}]
    default = Coach(level="default")
    assert not [r for r in default.rules if r.spec.speaker == "customer"]
    assert [d.rule for d in default.score_conversation(conv).deductions] == []
    chosen = Coach(level="default", select=["PC701"])
    assert {r.id for r in chosen.rules if r.spec.speaker == "customer"} >= {"PC7011", "PC7013"}
    assert [d.rule for d in chosen.score_conversation(conv).deductions] == ["PC701"]
    ignored = Coach(level="picky", ignore=["PC701"])
    assert not [r for r in ignored.rules if r.spec.speaker == "customer"]
