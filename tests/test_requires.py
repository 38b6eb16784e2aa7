"""`requires:`: a rule that needs something of the customer's message (or of its own text).

The same words can be plain information to a customer who asked and a shield to one who is
angry; a pack says which with `requires:`, and the rule is silent where the condition fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.errors import PackValidationError, SelectionError

RULES = """\
rules:
  - id: ACME201
    name: policy-to-an-upset-customer
    category: defensive
    message: Quoting policy to an upset customer sounds like hiding behind it.
    why: Said to an angry customer, it closes the matter.
    match:
      phrases: [in line with our policy]
    requires:
      - signals: [frustration, wait]
      - regex: '\\brefund'
        scope: context
    examples:
      flag:
        - text: "[[In line with our policy]], refunds take ten working days."
          context: "Three weeks and still no refund. I'm furious."
      pass:
        - text: "In line with our policy, refunds take ten working days."
          context: "How long does a refund take?"
"""
TEXT = "In line with our policy, refunds take ten working days."


def write(root: Path, rules: str = RULES) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text("id: acme\nname: Acme\n", encoding="utf-8")
    (root / "tone.yaml").write_text(rules, encoding="utf-8")
    return root


@pytest.fixture
def coach(tmp_path) -> Coach:
    return Coach(packs=[write(tmp_path / "acme")], select=["ACME201"])


def ids(report) -> list[str]:
    return [f.rule for f in report.findings]


def test_the_rule_fires_only_for_an_upset_customer_about_a_refund(coach):
    assert ids(coach.check(TEXT, context="Three weeks and still no refund. I'm furious.")) == ["ACME201"]
    # asked calmly: the same sentence is information
    assert ids(coach.check(TEXT, context="How long does a refund take?")) == []
    # upset, but not about a refund: the second condition fails
    assert ids(coach.check(TEXT, context="Your app crashed again, I'm furious.")) == []
    # no customer message at all: the rule cannot know, so it stays silent
    assert ids(coach.check(TEXT)) == []


def test_contexts_run_beside_texts_in_check_many(coach):
    reps = coach.check_many([TEXT, TEXT, TEXT], contexts=["Still no refund!! I'm fuming", None,
                                                          "when will my refund arrive?"])
    assert [ids(r) for r in reps] == [["ACME201"], [], []]


def test_the_signal_rules_run_for_a_selected_rule_whatever_their_level(tmp_path):
    # only ACME201 is selected, at the default level; the core signals it names are picky
    c = Coach(packs=[write(tmp_path / "acme")], select=["ACME201"], level="default")
    assert ids(c.check(TEXT, context="Three weeks and still no refund. I'm furious.")) == ["ACME201"]
    assert [r.id for r in c.rules] == ["ACME201"]  # the signals are not rules of this check


ANY_OF = RULES.replace("""      - signals: [frustration, wait]
      - regex: '\\brefund'
        scope: context
""", """      - any_of:
          - signals: [frustration, wait]
          - regex: '\\b(?:still\\s+no|never\\s+(?:got|received))\\b'
            scope: context
          - regex: '\\bsorry\\b'
            scope: sentence
""")


@pytest.mark.parametrize("rules", [RULES, ANY_OF], ids=["plain", "any_of"])
def test_a_signal_that_names_no_customer_rule_is_an_error_at_its_line(tmp_path, rules):
    bad = rules.replace("signals: [frustration, wait]", "signals: [frustation]")
    pack = write(tmp_path / "acme", bad)
    with pytest.raises(SelectionError) as ei:
        Coach(packs=[pack])
    err = ei.value
    assert err.code == "E007" and "frustation" in str(err) and err.hint
    line = next(i for i, ln in enumerate(bad.splitlines(), 1) if "signals:" in ln)
    assert err.where == f"{pack / 'tone.yaml'}:{line}"


@pytest.mark.parametrize("rules, old, new, said", [
    (RULES, "      - signals: [frustration, wait]\n",
     "      - signals: [frustration, wait]\n        scope: sentence\n", "signals"),
    (RULES, "          context: \"Three weeks and still no refund. I'm furious.\"\n", "",
     "context"),
    (RULES, "      - signals: [frustration, wait]\n",
     "      - signals: [frustration]\n        regex: 'x'\n", "exactly one"),
    (ANY_OF, "      - any_of:\n", "      - scope: text\n        any_of:\n", "scope"),
    (ANY_OF, "          - signals: [frustration, wait]\n",
     "          - any_of:\n              - signals: [wait]\n", "not another any_of"),
])
def test_a_malformed_requirement_is_a_validation_error(tmp_path, rules, old, new, said):
    assert old in rules
    pack = write(tmp_path / "acme", rules.replace(old, new))
    with pytest.raises(PackValidationError) as ei:
        Coach(packs=[pack])
    assert ei.value.code == "E002" and said in str(ei.value)
    assert str(ei.value.where).startswith(str(pack / "tone.yaml") + ":")


def test_rules_test_runs_the_examples_with_their_context(tmp_path):
    pack = write(tmp_path / "acme")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_")}
    r = subprocess.run([sys.executable, "-m", "phrasecoach.cli", "rules", "test", str(pack)],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed, 0 failed" in r.stdout


def test_context_on_the_command_line_meets_the_requirement(tmp_path):
    pack = write(tmp_path / "acme")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_")}
    run = [sys.executable, "-m", "phrasecoach.cli", "check", "--pack", str(pack), "--select", "ACME201",
           "--format", "jsonl"]
    upset = subprocess.run([*run, "--context", "Still no refund after a month, this is a joke"], input=TEXT,
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    calm = subprocess.run([*run, "--context", "how long do refunds take?"], input=TEXT,
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert upset.returncode == 1 and '"ACME201"' in upset.stdout
    assert calm.returncode == 0 and '"findings": []' in calm.stdout


def test_any_of_holds_when_one_alternative_does(tmp_path):
    assert "any_of" in ANY_OF
    c = Coach(packs=[write(tmp_path / "acme", ANY_OF)], select=["ACME201"])
    # a signal alone, words alone in the context, words alone in the sentence: each is enough
    assert ids(c.check(TEXT, context="I'm furious with this shop.")) == ["ACME201"]
    assert ids(c.check(TEXT, context="still no refund")) == ["ACME201"]
    sorry = "Sorry, in line with our policy, refunds take ten working days."
    assert ids(c.check(sorry, context="how long do refunds take?")) == ["ACME201"]
    # none of them: silent
    assert ids(c.check(TEXT, context="How long does a refund take?")) == []
    # an alternative that reads the sentence holds without a customer message; the others cannot
    assert ids(c.check(sorry)) == ["ACME201"]
    assert ids(c.check(TEXT)) == []


def test_core_pc210_needs_an_upset_customer():
    c = Coach(level="preview", select=["PC210"])
    text = "We pride ourselves on our customer service."
    assert ids(c.check(text, context="your agent hung up on me twice, absolutely disgraceful")) == ["PC210"]
    assert ids(c.check(text, context="do you have a number I can call?")) == []
    assert ids(c.check(text)) == []


PARSED = """\
rules:
  - id: ACME202
    name: denied-fault-to-an-upset-customer
    category: defensive
    message: Saying it is not faulty to an upset customer argues with them.
    why: Said to an angry customer, it closes the matter.
    match:
      dependency:
        - - RIGHT_ID: cop           # "is not faulty": the negation hangs on the copula
            RIGHT_ATTRS: {LOWER: {IN: [is, was, are, were]}}
          - LEFT_ID: cop
            REL_OP: ">"
            RIGHT_ID: adj
            RIGHT_ATTRS: {LOWER: {IN: [broken, faulty]}, DEP: acomp}
          - LEFT_ID: cop
            REL_OP: ">"
            RIGHT_ID: neg
            RIGHT_ATTRS: {DEP: neg}
      trigger: '\\b(?:broken|faulty)\\b'
      span: sentence
    requires:
      - signals: [frustration]
    examples:
      flag:
        - text: "[[The kettle is not faulty.]]"
          context: "Your kettle broke after a week, I'm furious."
      pass:
        - text: "The kettle is not faulty."
          context: "Is the kettle faulty?"
"""


def test_a_parse_level_rule_is_parsed_only_where_its_signals_fire(tmp_path):
    """A parse costs more than reading the customer's message: where the message fires none of
    the rule's signals, the sentence is not parsed at all, and the findings are the same."""
    coach = Coach(packs=[write(tmp_path / "acme", PARSED)], select=["ACME202"])
    parsed = []
    pipe = coach.nlp.pipe
    coach.nlp.pipe = lambda xs, **kw: pipe(parsed.extend(xs := list(xs)) or xs, **kw)
    text = "The kettle is not faulty."
    assert ids(coach.check(text, context="Your kettle broke after a week, I'm furious.")) == ["ACME202"]
    assert parsed == [text]
    parsed.clear()
    assert ids(coach.check(text, context="Is the kettle faulty?")) == []
    assert parsed == []  # no signal fired: nothing to parse
    assert ids(Coach(packs=[write(tmp_path / "acme2", PARSED)], select=["ACME202"], parse="all")
               .check(text, context="Is the kettle faulty?")) == []  # and parsing anyway finds nothing more
