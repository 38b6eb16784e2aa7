"""The message score, 0-100. Kept deliberately simple so a QA lead can redo it by hand.

    score = 100 - sum(penalty per finding) + min(10, 5 * strengths), clamped to 0..100

    penalty: error 20, warning 10, info 4
    strengths: empathy strengths in distinct words; strengths that overlap count once
    ("I'm sorry for the wait" is an apology and a thank-you for waiting: one gesture)

So one command ("Date of birth?") scores 90; an apology for the wait adds 5 back, but a
message can never score above 100, and a message with no findings always scores 100.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Finding, Severity, Strength

PENALTY = {Severity.error: 20, Severity.warning: 10, Severity.info: 4}
STRENGTH_BONUS = 5
STRENGTH_CAP = 10


def score(findings: Iterable[Finding], strengths: Iterable[Strength]) -> int:
    findings = list(findings)
    if not findings:
        return 100
    penalty = sum(PENALTY[f.severity] for f in findings)
    bonus = min(STRENGTH_CAP, STRENGTH_BONUS * distinct_strengths(strengths))
    return max(0, min(100, 100 - penalty + bonus))


def distinct_strengths(strengths: Iterable[Strength]) -> int:
    """How many strengths, counting overlapping ones once (each is reported; the bonus is not
    paid twice for the same words)."""
    spans = sorted((s.start, s.end) for s in strengths)
    n, end = 0, -1
    for start, stop in spans:
        if start >= end:
            n += 1
            end = stop
        else:
            end = max(end, stop)
    return n
