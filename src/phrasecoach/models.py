"""The public result types: one Report, rendered many ways (text, JSON, HTTP, QA scoring).

Everything here is frozen pydantic, so a report can be shared across threads and
serialised without surprises. Offsets are Python string indices (code points) into the
text that was checked; renderers that need other units (UTF-16 for LanguageTool clients)
convert at the edge.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Severity(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"

    @property
    def rank(self) -> int:
        return {"info": 1, "warning": 2, "error": 3}[self.value]


class Applicability(str, Enum):
    """How far a suggestion may be trusted (ruff's fix safety).

    safe: keeps the meaning and every fact; applied by default.
    unsafe: probably right, but may change nuance; applied only on request.
    display: shown to the agent as an idea, never applied automatically.
    """

    safe = "safe"
    unsafe = "unsafe"
    display = "display"

    @property
    def rank(self) -> int:
        return {"safe": 1, "unsafe": 2, "display": 3}[self.value]


FINDING_CATEGORIES = ("command", "defensive", "blame", "dismissive", "jargon", "impatience")
STRENGTH_CATEGORIES = ("empathy",)
CONVERSATION_CATEGORIES = ("missed-acknowledgment",)
# What a customer-side rule (`speaker: customer`) shows about the customer. The first five call
# for an acknowledgment (PC701); `problem` is a fault reported in plain words ("two of the
# cartridges arrived cracked"), which by itself does not, but makes a reply that praises the
# company's standards a defence (PC210). `feeling` is a message a learned model reads as calling
# for an acknowledgment where no named signal fired (PC7021); PC701 reads it, nothing else does.
SignalKind = Literal["wait", "repeat-contact", "frustration", "worry", "urgency", "problem", "feeling"]
SIGNAL_KINDS: tuple[str, ...] = get_args(SignalKind)
Category = Literal[
    "command", "defensive", "blame", "dismissive", "jargon", "impatience",
    "empathy", "missed-acknowledgment",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Suggestion(_Frozen):
    replacement: str = Field(description="Text that replaces the finding's span [start, end).")
    applicability: Applicability
    title: str = Field(default="", description="A few words saying what the suggestion does.")


class Finding(_Frozen):
    rule: str = Field(description="Permanent rule code, e.g. PC101.")
    name: str = Field(description="What the rule flags, e.g. bare-noun-request.")
    category: Category
    severity: Severity
    start: int
    end: int
    text: str
    message: str
    suggestions: tuple[Suggestion, ...] = ()

    def best(self, max_applicability: Applicability = Applicability.display) -> Suggestion | None:
        for s in self.suggestions:
            if s.applicability.rank <= max_applicability.rank:
                return s
        return None


class Strength(_Frozen):
    rule: str
    name: str
    category: Literal["empathy"] = "empathy"
    start: int
    end: int
    text: str
    message: str = ""


class Edit(_Frozen):
    """One applied replacement, with offsets into the ORIGINAL text."""

    rule: str
    start: int
    end: int
    original: str
    replacement: str
    applicability: Applicability


class Report(_Frozen):
    text: str
    findings: tuple[Finding, ...] = ()
    strengths: tuple[Strength, ...] = ()
    score: int = Field(ge=0, le=100)
    rewritten: str
    edits: tuple[Edit, ...] = ()

    def max_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def fails(self, threshold: Severity | None) -> bool:
        """True when a finding is at or above `threshold` (None never fails)."""
        if threshold is None:
            return False
        return any(f.severity.rank >= threshold.rank for f in self.findings)

    def to_dict(self, line: int | None = None) -> dict:
        """The schema_version 1 JSON object shared by the CLI, HTTP service and QA scoring."""
        out: dict = {"schema_version": SCHEMA_VERSION}
        if line is not None:
            out["line"] = line
        out["text"] = self.text
        out["findings"] = [
            {
                "rule": f.rule, "name": f.name, "category": f.category,
                "severity": f.severity.value, "start": f.start, "end": f.end,
                "text": f.text, "message": f.message,
                "suggestions": [
                    {"replacement": s.replacement, "applicability": s.applicability.value,
                     "title": s.title}
                    for s in f.suggestions
                ],
            }
            for f in self.findings
        ]
        out["strengths"] = [
            {"rule": s.rule, "name": s.name, "category": s.category, "start": s.start,
             "end": s.end, "text": s.text, "message": s.message}
            for s in self.strengths
        ]
        out["score"] = self.score
        out["rewritten"] = self.rewritten
        return out


class RewriteResult(_Frozen):
    text: str
    rewritten: str
    edits: tuple[Edit, ...] = ()
