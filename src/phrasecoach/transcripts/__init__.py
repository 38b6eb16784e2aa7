"""QA batch scoring of whole conversations (issue 5).

    from phrasecoach import Coach
    from phrasecoach.transcripts import score_conversation

    result = score_conversation(Coach(), [
        {"speaker": "customer", "text": "I've been waiting 40 minutes!"},
        {"speaker": "agent", "text": "Order number?"},
    ])
    result.score, result.counts["missed-acknowledgment"]   # (80, 1)

`phrasecoach score FILE... --out DIR` (transcripts.cli) runs the same scoring over transcript
files (JSONL, CSV, plain text) with N worker processes and writes per-conversation, per-agent
and per-rule results and a self-contained HTML report.
"""

from .model import (ConversationResult, Deduction, ScoreRequest, Signal, Turn, TurnIn,
                    TurnResult)
from .readers import BadRecord, Conversation, ReaderOptions, SeenIds, SpeakerMap, read_file
from .scoring import conversation_score, score_conversation, score_conversations
from .signals import SignalSet, load_signals

__all__ = ["BadRecord", "Conversation", "ConversationResult", "Deduction", "ReaderOptions",
           "ScoreRequest", "SeenIds", "Signal", "SignalSet", "SpeakerMap", "Turn", "TurnIn", "TurnResult",
           "conversation_score", "load_signals", "read_file", "score_conversation",
           "score_conversations"]
