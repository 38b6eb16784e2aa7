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

PC701 missed-acknowledgment, and any other conversation rule (phrasecoach.conversation): the
customer's turns since the agent last spoke are searched with the rule's customer-side signal
rules (PC7010-PC7019 in rules/core/conversation.yaml: a long wait, chasing, repeated contact,
frustration, complaints, sarcasm, worry, urgency). The agent's reply is the run of agent turns
that follows. If no turn of that reply acknowledges it (a strength the rule names in
`acknowledged_by`, or its `unless:` wording: "sorry", "I understand", ...; not a non-apology),
the reply's first turn gets one finding, on its first sentence (after a
greeting), with a display-only suggestion that puts the signal's acknowledgement first. Which
rules run follows the Coach's selection: `--ignore PC701` switches it off, `--ignore PC7015` one
signal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..conversation import ConversationRule, ConversationRules, SignalHit, best_signal
from ..errors import InputError
from ..kinds.templates import render
from ..models import CONVERSATION_CATEGORIES, FINDING_CATEGORIES, Finding, Report, Suggestion
from ..score import PENALTY, STRENGTH_BONUS, STRENGTH_CAP, distinct_strengths
from ..score import score as message_score
from ..text import core_span, customer_context, sentence_spans
from .model import ConversationResult, Deduction, Signal, Turn, TurnIn, TurnResult
from .readers import Conversation, ReaderOptions, SpeakerMap, _RawConversation, _RawTurn, validate

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


def missed_finding(crule: ConversationRule, agent_text: str,
                   pending: list[tuple[int, SignalHit]]) -> Finding:
    """The finding of a conversation rule on the first turn of a reply that acknowledged none of
    `pending` (customer turn, signal): on its first sentence, naming the deciding signal."""
    rule = crule.rule
    start, end = _target_span(agent_text)
    ti, first = best_signal(pending)
    others = len(pending) - 1
    said = first.message.rstrip(" .") or f"The customer's words call for {rule.spec.name}"
    msg = (f"{said} (turn {ti}: “{_excerpt(first.text)}”"
           + (f", and {others} more signal{'s' if others > 1 else ''}" if others else "")
           + "), and this reply does not acknowledge it.")
    span = agent_text[start:end]
    slots = {"match": span, "before": "", "after": "", "sentence": span,
             "acknowledgment": first.acknowledgment}
    suggestions = tuple(
        Suggestion(replacement=render(sg.replacement, slots, at_start=True).strip(),
                   applicability=sg.applicability, title=sg.title)
        for sg in rule.spec.suggest)
    return Finding(rule=rule.id, name=rule.spec.name, category=rule.spec.category,
                   severity=rule.severity, start=start, end=end, text=span, message=msg,
                   suggestions=suggestions)


def _signal(t: int, h: SignalHit, acknowledged: bool, answered_by: int | None) -> Signal:
    return Signal(turn=t, rule=h.rule, name=h.name, kind=h.kind, start=h.start, end=h.end,
                  text=h.text, acknowledged=acknowledged, answered_by=answered_by)


def assemble(conv: Conversation, reports: list[Report],
             signals: ConversationRules) -> ConversationResult:
    """Build the result of one conversation from the reports of its agent turns, in order."""
    turns = conv.turns
    agent_idx = [i for i, t in enumerate(turns) if t[0] == "agent"]
    if len(agent_idx) != len(reports):
        raise ValueError("one report per agent turn is needed")
    by_turn: dict[int, Report] = dict(zip(agent_idx, reports))
    sig_out: list[Signal] = []
    extra: dict[int, list[Finding]] = {}
    pending: list[tuple[int, SignalHit]] = []
    crules = signals.rules
    i, n = 0, len(turns)
    while i < n:
        if turns[i][0] == "customer":
            if crules:
                pending.extend((i, h) for h in signals.find(turns[i][1]))
            i += 1
            continue
        j = i
        while j < n and turns[j][0] == "agent":
            j += 1
        if pending:
            context = customer_context(turns, i)
            acked: dict[str, bool] = {}  # signal rule id -> acknowledged (by its first reader)
            for cr in crules:
                mine = [(t, h) for t, h in pending if any(h.rule == r.id for r in cr.signals)]
                if not mine:
                    continue
                ack = any(cr.acknowledges(turns[k][1], by_turn[k], context) for k in range(i, j))
                for _, h in mine:
                    acked.setdefault(h.rule, ack)
                if not ack:
                    extra.setdefault(i, []).append(missed_finding(cr, turns[i][1], mine))
            sig_out.extend(_signal(t, h, acked.get(h.rule, False), i) for t, h in pending)
            pending = []
        i = j
    sig_out.extend(_signal(t, h, False, None) for t, h in pending)

    counts = dict.fromkeys(CATEGORIES, 0)
    deductions: list[Deduction] = []
    results: list[TurnResult] = []
    n_strengths = 0
    for i in agent_idx:
        rep = by_turn[i]
        if i in extra:
            findings = tuple(sorted((*rep.findings, *extra[i]), key=lambda f: (f.start, f.end, f.rule)))
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
                        signals: ConversationRules | None = None,
                        batch_size: int = 1024) -> Iterator[ConversationResult]:
    """Score many conversations, streaming; agent turns go through `check_many` in batches.
    The conversation rules are the Coach's (`signals` only to give others)."""
    signals = signals or ConversationRules.of(coach)
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


def _score_chunk(coach, convs: list[Conversation], signals: ConversationRules, batch_size: int):
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
                       signals: ConversationRules | None = None) -> ConversationResult:
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
