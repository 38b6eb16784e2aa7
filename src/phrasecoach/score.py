"""The message score, 0-100. Kept deliberately simple so a QA lead can redo it by hand.

    score = 100 - sum(penalty per finding) + min(10, 5 * strengths), clamped to 0..100

    penalty: error 20, warning 10, info 4

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
    bonus = min(STRENGTH_CAP, STRENGTH_BONUS * len(list(strengths)))
    return max(0, min(100, 100 - penalty + bonus))
