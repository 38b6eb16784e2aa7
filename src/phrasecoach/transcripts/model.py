"""Result types of conversation scoring (frozen pydantic, like the message Report).

`ConversationResult.to_dict()` is the object written per line to `conversations.jsonl` and
returned by `POST /v1/score`; each agent turn in it carries the `check` JSON shape
(`Report.to_dict()`), so tools that read `phrasecoach check --format json` read these too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..models import SCHEMA_VERSION, Report, Severity, SignalKind

Speaker = Literal["agent", "customer"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Turn(_Frozen):
    """One turn of a conversation, its speaker already mapped to agent or customer."""

    speaker: Speaker
    text: str
    ts: datetime | None = None


class TurnIn(BaseModel):
    """A turn as a client sends it: any known speaker label ("rep", "user", ...)."""

    model_config = ConfigDict(extra="forbid")
    speaker: str = Field(description="agent/customer, or a label such as rep, assistant, user, caller.")
    text: str
    ts: datetime | None = Field(None, description="Optional ISO 8601 time of the turn.")


class ScoreRequest(BaseModel):
    """Body of `POST /v1/score`: one conversation."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    agent: str | None = None
    turns: list[TurnIn] = Field(min_length=1)


class Signal(_Frozen):
    """A customer-side signal PC701 reacts to: a span of a customer turn."""

    turn: int = Field(description="0-based index of the customer turn in the conversation.")
    rule: str = Field(description="The customer-side rule that found it, e.g. PC7011.")
    name: str
    kind: SignalKind
    start: int
    end: int
    text: str
    acknowledged: bool = Field(description="True when the agent's next reply acknowledged it.")
    answered_by: int | None = Field(
        None, description="Index of the agent turn that answered it (None: no agent reply).")


class Deduction(_Frozen):
    """One point of the conversation score: which turn, which span, which rule, how much."""

    turn: int
    rule: str
    name: str
    category: str
    severity: Severity
    start: int
    end: int
    text: str
    points: int


class TurnResult(_Frozen):
    turn: int = Field(description="0-based index in the conversation's turns.")
    ts: datetime | None = None
    report: Report


class ConversationResult(_Frozen):
    id: str
    agent: str | None = None
    score: int = Field(ge=0, le=100)
    counts: dict[str, int] = Field(description="Findings per category (every category listed).")
    strengths: int = Field(description="Empathy strengths in agent turns.")
    bonus: int = Field(description="Points added back for strengths (see the formula).")
    agent_turns: int
    customer_turns: int
    first_ts: datetime | None = None
    turns: tuple[TurnResult, ...] = ()
    signals: tuple[Signal, ...] = ()
    deductions: tuple[Deduction, ...] = ()

    @property
    def week(self) -> str | None:
        if self.first_ts is None:
            return None
        y, w, _ = self.first_ts.isocalendar()
        return f"{y}-W{w:02d}"

    def to_dict(self, source: dict[str, Any] | None = None) -> dict:
        out: dict = {"schema_version": SCHEMA_VERSION, "id": self.id, "agent": self.agent}
        if source:
            out["source"] = source
        out.update({
            "score": self.score,
            "counts": dict(self.counts),
            "strengths": self.strengths,
            "bonus": self.bonus,
            "agent_turns": self.agent_turns,
            "customer_turns": self.customer_turns,
            "first_ts": self.first_ts.isoformat() if self.first_ts else None,
            "deductions": [
                {"turn": d.turn, "rule": d.rule, "name": d.name, "category": d.category,
                 "severity": d.severity.value, "start": d.start, "end": d.end, "text": d.text,
                 "points": d.points}
                for d in self.deductions],
            "signals": [s.model_dump(mode="json") for s in self.signals],
            "turns": [
                {"turn": t.turn, "speaker": "agent",
                 "ts": t.ts.isoformat() if t.ts else None, **t.report.to_dict()}
                for t in self.turns],
        })
        return out
