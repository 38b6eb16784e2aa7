"""Every example of every rule of every bundled pack, as one parametrised test.

The examples in the YAML are the rules' contract with the people who use them
(`phrasecoach rules test` runs the same ones): a `flag` example is flagged exactly on its
[[marked]] span, its safe rewrite is exactly the one given, and the rewritten text is clean;
a `pass` example is left alone by its rule.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from phrasecoach import Coach
from phrasecoach.models import Applicability
from phrasecoach.packs.selftest import iter_examples, run_example
from phrasecoach.rewrite import apply_edits


@lru_cache(maxsize=None)
def coach() -> Coach:
    # Loading the packs is cheap; the spaCy pipeline loads on the first parse, once.
    # Every level: picky and preview rules keep their examples too.
    return Coach(level="preview")


def _cases():
    for rule, kind, index, ex in iter_examples(coach()):
        yield pytest.param(rule.id, kind, index, ex, id=f"{rule.id}-{kind}-{index}")


CASES = list(_cases())


def _hits(report, rule_id):
    return [f for f in report.findings if f.rule == rule_id] + [
        s for s in report.strengths if s.rule == rule_id]


def _findings(report):
    return [(f.rule, f.text) for f in report.findings]


@pytest.mark.parametrize("rule_id, kind, index, example", CASES)
def test_rule_example(rule_id, kind, index, example):
    c = coach()
    rule = c.rule(rule_id)
    if rule.inert:
        # A conversation rule and its customer-side signals run in QA scoring: the examples are
        # customer texts, or replies to the customer message in `context:` (packs.selftest).
        result = run_example(c, rule, kind, index, example)
        assert result.ok, f"{result.id}: {result.problems}"
        return
    if kind == "pass":
        report = c.check(example.text, context=example.context)
        # The selftest's contract: the rule itself stays quiet. Other rules may fire on a
        # pass example ("I'm sorry you feel that way." passes PC904 and is PC404's business).
        assert not _hits(report, rule_id), (
            f"{rule_id} must not fire on its pass example {example.text!r}: "
            f"{[(h.text, h.start, h.end) for h in _hits(report, rule_id)]}")
        return

    text = example.plain
    start, end = example.span
    report = c.check(text, context=example.context)
    hits = _hits(report, rule_id)
    assert len(hits) == 1, f"{rule_id} must fire once on {text!r}, got {[(h.text, h.start, h.end) for h in hits]}"
    hit = hits[0]
    assert (hit.start, hit.end) == (start, end), (
        f"{rule_id} flagged {hit.text!r}, the example marks {text[start:end]!r}")
    assert hit.text == text[start:end]

    if rule.is_strength:
        # Strengths are reported as strengths, never as findings, and cost no points.
        assert hit in report.strengths and not any(f.rule == rule_id for f in report.findings)
        return

    assert hit in report.findings
    assert hit.severity == rule.severity and hit.category == rule.spec.category
    best = hit.suggestions[0] if hit.suggestions else None

    if example.suggestion is not None:
        assert best is not None, f"expected the suggestion {example.suggestion!r}, got none"
        assert best.replacement == example.suggestion
        applied = text[:hit.start] + best.replacement + text[hit.end:]
        assert not c.check(applied).findings, (
            f"taking the suggestion gives {applied!r}, which sets off {_findings(c.check(applied))}")

    offers_safe = any(s.applicability is Applicability.safe for s in hit.suggestions)
    if offers_safe:
        assert example.rewrite is not None, (
            f"{rule_id} offers a safe rewrite of {text!r} ({report.rewritten!r}) but the example "
            "does not give the exact result")

    if example.rewrite is not None:
        assert offers_safe, f"the example expects a rewrite but {rule_id} offers nothing safe here"
        assert report.rewritten == example.rewrite
        # Edits are offsets into the original text and reproduce the rewrite exactly.
        for e in report.edits:
            assert text[e.start:e.end] == e.original
            assert e.applicability is Applicability.safe
        assert apply_edits(text, report.edits) == example.rewrite
        again = c.check(example.rewrite)
        assert not again.findings, f"the rewrite {example.rewrite!r} sets off {_findings(again)}"
        # ...so it scores 100 and rewriting it again changes nothing
        assert again.score == 100 and again.rewritten == example.rewrite
    else:
        # Nothing safe to apply for this rule: the rule alone does not change the text.
        assert not any(rule_id in e.rule.split("+") for e in report.edits)


def test_examples_cover_every_rule_and_both_kinds():
    c = coach()
    ids = {p.values[0] for p in CASES}
    assert ids == {r.id for r in c.rules}
    for r in c.rules:
        kinds = {p.values[1] for p in CASES if p.values[0] == r.id}
        assert kinds == {"flag", "pass"}, f"{r.id} needs at least one flag and one pass example"
    # The bundled packs are the ones documented: core, with commands, defensive, blame,
    # dismissive, impatience and jargon rules, the empathy strengths, and the conversation rule
    # PC701 (missed-acknowledgment) with its customer-side signals.
    assert {r.spec.category for r in c.rules} == {
        "command", "defensive", "blame", "dismissive", "impatience", "jargon", "empathy",
        "missed-acknowledgment"}
    assert len(CASES) >= 200


def _offers_safe(rule) -> bool:
    if any(s.applicability is Applicability.safe for s in rule.spec.suggest):
        return True
    # Detectors build their suggestions from the text: ask them on their own examples.
    if rule.kind == "detector" and not rule.is_strength:
        c = coach()
        for ex in rule.spec.examples.flag:
            rep = c.check(ex.plain)
            if any(s.applicability is Applicability.safe
                   for f in rep.findings if f.rule == rule.id for s in f.suggestions):
                return True
    return False


def test_every_rule_with_a_safe_suggestion_shows_its_exact_rewrite():
    c = coach()
    missing = [r.id for r in c.rules
               if _offers_safe(r) and not any(ex.rewrite for ex in r.spec.examples.flag)]
    assert not missing, f"rules offering a safe rewrite without an example of it: {missing}"
    # and the ones we know apply safe rewrites really are found by the check above
    assert {"PC101", "PC105", "PC501", "PC601"} <= {r.id for r in c.rules if _offers_safe(r)}
    # a question made of an instruction is never safe (docs/quality.md, "Safe rewrites")
    assert not {"PC102", "PC103", "PC104"} & {r.id for r in c.rules if _offers_safe(r)}
