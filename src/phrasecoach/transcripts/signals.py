"""Where PC701's customer-side signals used to live.

They are ordinary pack rules now: PC701 and its signal rules (PC7010-PC7019) are in
`rules/core/conversation.yaml`, in the one rule registry, and `phrasecoach.conversation` runs
them. Which ones run follows the Coach's selection (`--ignore PC7015`, `--select PC701`); a team
adds a signal with a customer-side rule (`speaker: customer`) in its own pack.
"""

from __future__ import annotations

from pathlib import Path

from ..conversation import ConversationRules, SignalHit
from ..errors import PackReadError

SignalSet = ConversationRules  # the old name


def load_signals(path: str | Path | None = None) -> ConversationRules | None:
    """None: score with the Coach's own conversation rules (what `phrasecoach score` does).

    A signal file of the old format is refused: the signals are pack rules now."""
    if path is None:
        return None
    raise PackReadError(
        "separate signal files are gone: PC701's signals are rules of the core pack now",
        where=str(path),
        hint="put customer-side rules (speaker: customer, category: missed-acknowledgment) in a "
             "pack and add it with --pack; switch bundled ones off with --ignore, e.g. PC7015")


__all__ = ["ConversationRules", "SignalHit", "SignalSet", "load_signals"]
