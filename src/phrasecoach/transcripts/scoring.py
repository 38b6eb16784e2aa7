"""Conversation scoring: lint the agent turns, apply PC701, add up a 0-100 score.

The conversation score (a QA scorecard: start at 100, deduct per finding)::

    score = 100 - sum(points of every finding on every agent turn) + bonus, clamped to 0..100
    points: error 20, warning 10, info 4   (the message score's penalties, phrasecoach.score)
    bonus  = min(10, 5 * empathy strengths in agent turns), only when something was deducted
             (strengths that overlap in one turn count once, as in the message score)

So a conversation with no finding scores 100; one command ("Order number?") and one missed
acknowledgement (PC701, warning) score 80; an apology elsewhere in the conversation gives 5
back. Every deduction names its agent turn, span [start, end) and rule (`deductions` in the
output), so a QA lead can redo any score by hand.

PC701 missed-acknowledgment: the customer's turns since the agent last spoke are searched for
signals (signals.py: a long wait, repeated contact, frustration, urgency). The agent's reply
is the run of agent turns that follows. If no turn of that reply carries an `empathy`
strength or an acknowledging word ("sorry", "I understand", ...), the reply's first turn gets
one PC701 finding, on its first sentence (after a greeting), with a display-only suggestion
that puts an acknowledgement first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..models import (CONVERSATION_CATEGORIES, FINDING_CATEGORIES, Applicability, Finding, Report,
                      Severity, Suggestion)
from ..score import PENALTY, STRENGTH_BONUS, STRENGTH_CAP, distinct_strengths
from ..score import score as message_score
from ..text import core_span, customer_context, sentence_spans, upper_first
from .model import ConversationResult, Deduction, Signal, Turn, TurnIn, TurnResult
from .readers import Conversation, ReaderOptions, SpeakerMap, _RawConversation, _RawTurn, validate
from .signals import KIND_ORDER, SignalHit, SignalSet, load_signals

if TYPE_CHECKING:
    from ..engine import Coach

CATEGORIES = (*FINDING_CATEGORIES, *CONVERSATION_CATEGORIES)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening|day)|greetings|dear|howdy|"
    r"thanks|thank\s+you|ok(?:ay)?|sure|yes|no)\b[^.!?]{0,30}[.!?,]*$", re.IGNORECASE)


def conversation_score(deducted: int, strengths: int) -> tuple[int, int]:
    """(score, bonus) from the points deducted and the number of empathy strengths."""
    if deducted <= 0:
        return 100, 0
    bonus = min(STRENGTH_CAP, STRENGTH_BONUS * strengths)
    return max(0, min(100, 100 - deducted + bonus)), bonus


def _excerpt(text: str, n: int = 60) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _target_span(text: str) -> tuple[int, int]:
    """Where the acknowledgement belongs: the first sentence, or the second after a greeting."""
    sents = [core_span(text, s, e) for s, e in sentence_spans(text)]
    sents = [(s, e) for s, e in sents if e > s] or [(0, len(text))]
    s, e = sents[0]
    if len(sents) > 1 and _GREETING.match(text[s:e]):
        s, e = sents[1]
    return s, e


def missed_ack_finding(signals: SignalSet, agent_text: str,
                       pending: list[tuple[int, SignalHit]]) -> Finding:
    rule = signals.rule
    start, end = _target_span(agent_text)
    kinds = {h.kind for _, h in pending}
    kind = next(k for k in KIND_ORDER if k in kinds)
    ti, first = next((t, h) for t, h in pending if h.kind == kind)
    others = len(pending) - 1
    msg = (f"The customer {first.label} (turn {ti}: “{_excerpt(first.text)}”"
           + (f", and {others} more signal{'s' if others > 1 else ''}" if others else "")
           + "), and this reply does not acknowledge it.")
    ack = signals.acknowledge[kind]
    span = agent_text[start:end]
    return Finding(rule=rule.id, name=rule.name, category=rule.category, severity=rule.severity,
                   start=start, end=end, text=span, message=msg,
                   suggestions=(Suggestion(replacement=f"{ack} {upper_first(span)}",
                                           applicability=Applicability.display,
                                           title="acknowledge it first"),))


def assemble(conv: Conversation, reports: list[Report], signals: SignalSet) -> ConversationResult:
    """Build the result of one conversation from the reports of its agent turns, in order."""
    turns = conv.turns
    agent_idx = [i for i, t in enumerate(turns) if t[0] == "agent"]
    if len(agent_idx) != len(reports):
        raise ValueError("one report per agent turn is needed")
    by_turn: dict[int, Report] = dict(zip(agent_idx, reports))
    sig_out: list[Signal] = []
    extra: dict[int, Finding] = {}
    pending: list[tuple[int, SignalHit]] = []
    i, n = 0, len(turns)
    while i < n:
        if turns[i][0] == "customer":
            pending.extend((i, h) for h in signals.find(turns[i][1]))
            i += 1
            continue
        j = i
        while j < n and turns[j][0] == "agent":
            j += 1
        if pending:
            ack = any(by_turn[k].strengths or signals.acknowledges(turns[k][1]) for k in range(i, j))
            sig_out.extend(Signal(turn=t, name=h.name, kind=h.kind, start=h.start, end=h.end,
                                  text=h.text, acknowledged=ack, answered_by=i) for t, h in pending)
            if not ack:
                extra[i] = missed_ack_finding(signals, turns[i][1], pending)
            pending = []
        i = j
    sig_out.extend(Signal(turn=t, name=h.name, kind=h.kind, start=h.start, end=h.end, text=h.text,
                          acknowledged=False, answered_by=None) for t, h in pending)

    counts = dict.fromkeys(CATEGORIES, 0)
    deductions: list[Deduction] = []
    results: list[TurnResult] = []
    n_strengths = 0
    for i in agent_idx:
        rep = by_turn[i]
        if i in extra:
            findings = tuple(sorted((*rep.findings, extra[i]), key=lambda f: (f.start, f.end, f.rule)))
            rep = rep.model_copy(update={"findings": findings,
                                         "score": message_score(findings, rep.strengths)})
        n_strengths += distinct_strengths(rep.strengths)
        for f in rep.findings:
            counts[f.category] = counts.get(f.category, 0) + 1
            deductions.append(Deduction(turn=i, rule=f.rule, name=f.name, category=f.category,
                                        severity=f.severity, start=f.start, end=f.end, text=f.text,
                                        points=PENALTY[f.severity]))
        results.append(TurnResult(turn=i, ts=turns[i][2], report=rep))
    score, bonus = conversation_score(sum(d.points for d in deductions), n_strengths)
    first_ts = conv.ts or next((t[2] for t in turns if t[2] is not None), None)
    return ConversationResult(
        id=conv.id, agent=conv.agent, score=score, counts=counts, strengths=n_strengths,
        bonus=bonus, agent_turns=len(agent_idx), customer_turns=len(turns) - len(agent_idx),
        first_ts=first_ts, turns=tuple(results), signals=tuple(sig_out),
        deductions=tuple(deductions))


def score_conversations(coach: "Coach", conversations: Iterable[Conversation], *,
                        signals: SignalSet | None = None,
                        batch_size: int = 1024) -> Iterator[ConversationResult]:
    """Score many conversations, streaming; agent turns go through `check_many` in batches."""
    signals = signals or load_signals()
    buf: list[Conversation] = []
    pending_turns = 0
    for conv in conversations:
        buf.append(conv)
        pending_turns += sum(1 for t in conv.turns if t[0] == "agent")
        if pending_turns >= batch_size:
            yield from _score_chunk(coach, buf, signals, batch_size)
            buf, pending_turns = [], 0
    if buf:
        yield from _score_chunk(coach, buf, signals, batch_size)


def _score_chunk(coach, convs: list[Conversation], signals: SignalSet, batch_size: int):
    # each agent turn is checked with the customer's message before it as its context
    texts = [t[1] for c in convs for t in c.turns if t[0] == "agent"]
    contexts = [customer_context(c.turns, i) or None for c in convs
                for i, t in enumerate(c.turns) if t[0] == "agent"]
    reports = list(coach.check_many(texts, batch_size=batch_size, contexts=contexts))
    k = 0
    for c in convs:
        m = sum(1 for t in c.turns if t[0] == "agent")
        yield assemble(c, reports[k:k + m], signals)
        k += m


def _raw_turn(t: Any, i: int) -> _RawTurn:
    if isinstance(t, (Turn, TurnIn)):
        return _RawTurn(t.speaker, t.text, t.ts)
    if isinstance(t, Mapping):
        extra = set(t) - {"speaker", "text", "ts"}
        if extra:
            raise InputError(f"turn {i}: unknown key(s) {', '.join(sorted(map(str, extra)))}",
                             hint="a turn is {speaker, text, ts?}")
        return _RawTurn(t.get("speaker"), t.get("text"), t.get("ts"))
    if isinstance(t, (tuple, list)) and len(t) in (2, 3):
        return _RawTurn(t[0], t[1], t[2] if len(t) == 3 else None)
    raise InputError(f"turn {i}: expected a Turn, a mapping or a (speaker, text[, ts]) pair, "
                     f"not {type(t).__name__}")


def score_conversation(coach: "Coach", turns: Iterable[Turn | TurnIn | Mapping[str, Any] | tuple],
                       *, id: str | None = None, agent: str | None = None,
                       ts: datetime | str | None = None, speakers: SpeakerMap | None = None,
                       signals: SignalSet | None = None) -> ConversationResult:
    """Score one conversation: lint its agent turns, apply PC701, compute the 0-100 score.

    `turns` are in conversation order; each is a `Turn`/`TurnIn`, a mapping
    `{"speaker", "text", "ts"?}` or a `(speaker, text[, ts])` tuple. Speaker labels are mapped
    with `speakers` (default: agent/rep/assistant/advisor/support/staff... vs
    customer/user/caller/client/guest...). Raises InputError (E040) for an unknown speaker, an
    empty or over-long text, a bad time, or a conversation without agent turns.
    """
    raw_turns = [_raw_turn(t, i) for i, t in enumerate(turns)]
    opts = ReaderOptions(speakers=speakers or SpeakerMap(),
                         max_text_chars=coach.settings.max_text_chars)
    raw = _RawConversation("<conversation>", None, id if id is not None else "conversation",
                           agent, raw_turns, ts=ts)
    conv = validate(raw, opts, suffix="")
    if not isinstance(conv, Conversation):
        raise InputError(conv.reason, hint="see the `turns` field of the request")
    return next(score_conversations(coach, [conv], signals=signals))
