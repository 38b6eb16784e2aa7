"""Run every rule's own examples (LanguageTool's habit): the engine's contract with pack authors.

For a `flag` example: exactly one hit of the rule, exactly on the [[marked]] span; the best
suggestion equals `suggestion:` when given; applying the safe suggestions gives exactly
`rewrite:` (required whenever the rule offers a safe suggestion there); and the rewritten text,
or the text with the `suggestion:` applied, sets off no rule at all. A `pass` example gives no
hit of the rule.

Conversation rules run as QA scoring runs them (phrasecoach.conversation): a customer-side rule's
examples are customer turns (exactly one hit of the rule on the marked span, after its vetoes); a
conversation rule's are agent replies to the customer message in `context:` (exactly one finding
on the marked span; taking its suggestion silences it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..models import Applicability


@dataclass
class ExampleResult:
    rule: str
    kind: str  # "flag" or "pass"
    index: int
    text: str
    problems: list[str]
    where: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.kind}-{self.index}"


def iter_examples(coach, rule_ids: set[str] | None = None) -> Iterator[tuple[object, str, int, object]]:
    for rule in coach.rules:
        if rule_ids is not None and rule.id not in rule_ids:
            continue
        for i, ex in enumerate(rule.spec.examples.flag):
            yield rule, "flag", i, ex
        for i, ex in enumerate(rule.spec.examples.pass_):
            yield rule, "pass", i, ex


def _hits(report, rule_id: str):
    return [f for f in report.findings if f.rule == rule_id] + [
        s for s in report.strengths if s.rule == rule_id]


def run_example(coach, rule, kind: str, index: int, ex) -> ExampleResult:
    where = f"{rule.file}:{rule.line}"
    if rule.spec.speaker == "customer":
        return _customer_example(rule, kind, index, ex, where)
    if rule.kind == "conversation":
        return _conversation_example(coach, rule, kind, index, ex, where)
    if kind == "pass":
        hits = _hits(coach.check(ex.text, context=ex.context), rule.id)
        problems = [f"flagged {h.text!r} at {h.start}-{h.end} but must pass" for h in hits]
        return ExampleResult(rule.id, kind, index, ex.text, problems, where)
    text = ex.plain
    problems: list[str] = []
    report = coach.check(text, context=ex.context)
    hits = _hits(report, rule.id)
    s, e = ex.span
    if len(hits) != 1:
        problems.append(f"expected exactly one hit, got {len(hits)}: "
                        f"{[(h.text, h.start, h.end) for h in hits]}")
        return ExampleResult(rule.id, kind, index, ex.text, problems, where)
    h = hits[0]
    if (h.start, h.end) != (s, e):
        problems.append(f"flagged {h.text!r} ({h.start}-{h.end}), expected {text[s:e]!r} ({s}-{e})")
    if rule.is_strength:
        return ExampleResult(rule.id, kind, index, ex.text, problems, where)
    best = h.suggestions[0] if h.suggestions else None
    if ex.suggestion is not None:
        if best is None:
            problems.append(f"expected suggestion {ex.suggestion!r}, got none")
        elif best.replacement != ex.suggestion:
            problems.append(f"best suggestion is {best.replacement!r}, expected {ex.suggestion!r}")
        else:
            applied = text[:h.start] + best.replacement + text[h.end:]
            again = coach.check(applied)
            if again.findings:
                problems.append(f"applying the suggestion gives {applied!r}, which sets off "
                                f"{[(f.rule, f.text) for f in again.findings]}")
    has_safe = any(sg.applicability is Applicability.safe for sg in h.suggestions)
    if has_safe and ex.rewrite is None:
        problems.append("the rule offers a safe rewrite here: add `rewrite:` with the exact result "
                        f"(now {report.rewritten!r})")
    if ex.rewrite is not None:
        if report.rewritten != ex.rewrite:
            problems.append(f"rewrite gives {report.rewritten!r}, expected {ex.rewrite!r}")
        again = coach.check(report.rewritten)
        if again.findings:
            problems.append(f"the rewritten text sets off {[(f.rule, f.text) for f in again.findings]}")
        if coach.rewrite(report.rewritten).rewritten != report.rewritten:
            problems.append("rewriting is not idempotent here")
    return ExampleResult(rule.id, kind, index, ex.text, problems, where)


def _customer_example(rule, kind: str, index: int, ex, where: str) -> ExampleResult:
    from ..conversation import rule_hits

    text = ex.text if kind == "pass" else ex.plain
    hits = rule_hits(rule, text)
    if kind == "pass":
        problems = [f"found {h.text!r} at {h.start}-{h.end} in this customer text but must pass"
                    for h in hits]
        return ExampleResult(rule.id, kind, index, ex.text, problems, where)
    s, e = ex.span
    if len(hits) != 1:
        problems = [f"expected exactly one hit in this customer text, got {len(hits)}: "
                    f"{[(h.text, h.start, h.end) for h in hits]}"]
    elif (hits[0].start, hits[0].end) != (s, e):
        problems = [f"found {hits[0].text!r} ({hits[0].start}-{hits[0].end}), expected "
                    f"{text[s:e]!r} ({s}-{e})"]
    else:
        problems = []
    return ExampleResult(rule.id, kind, index, ex.text, problems, where)


def _reply_findings(coach, rule, context: str | None, reply: str):
    from ..transcripts.scoring import score_conversation

    turns = ([("customer", context)] if context else []) + [("agent", reply)]
    res = score_conversation(coach, turns)
    return [f for t in res.turns for f in t.report.findings if f.rule == rule.id]


def _conversation_example(coach, rule, kind: str, index: int, ex, where: str) -> ExampleResult:
    if kind == "pass":
        hits = _reply_findings(coach, rule, ex.context, ex.text)
        problems = [f"flagged {h.text!r} at {h.start}-{h.end} but must pass" for h in hits]
        return ExampleResult(rule.id, kind, index, ex.text, problems, where)
    text = ex.plain
    hits = _reply_findings(coach, rule, ex.context, text)
    s, e = ex.span
    if len(hits) != 1:
        return ExampleResult(rule.id, kind, index, ex.text,
                             [f"expected exactly one finding on the reply, got {len(hits)}: "
                              f"{[(h.text, h.start, h.end) for h in hits]}"], where)
    h = hits[0]
    problems = []
    if (h.start, h.end) != (s, e):
        problems.append(f"flagged {h.text!r} ({h.start}-{h.end}), expected {text[s:e]!r} ({s}-{e})")
    best = h.suggestions[0] if h.suggestions else None
    if ex.suggestion is not None and (best is None or best.replacement != ex.suggestion):
        problems.append(f"best suggestion is {best.replacement if best else None!r}, "
                        f"expected {ex.suggestion!r}")
    if best is not None:  # the rule agrees with its own advice
        applied = text[:h.start] + best.replacement + text[h.end:]
        if _reply_findings(coach, rule, ex.context, applied):
            problems.append(f"taking the suggestion gives {applied!r}, which {rule.id} flags again")
    return ExampleResult(rule.id, kind, index, ex.text, problems, where)


def run_all(coach, rule_ids: set[str] | None = None) -> list[ExampleResult]:
    return [run_example(coach, r, k, i, ex) for r, k, i, ex in iter_examples(coach, rule_ids)]
