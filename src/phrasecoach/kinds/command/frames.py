"""What a command detector hands to its rule's rewrite frames.

The frames themselves are data: `suggest:` templates in rules/core/command.yaml such as
"{lead}Could you {please}{ask}?{rest}". A detector fills the slots from the sentence (the kept
opening, the ask word for word, what follows the question mark), says how the frame's own words
are cased where they stand, and raises flags: `unsafe` caps every frame at `unsafe` (the
detector is not sure of its reading, or the frame would change what the customer is told), and
the others select frames with `when:`. A slot the detector leaves out (a request cut off
mid-phrase fills none; `ask_ing` only where "Would you mind …ing?" reads right) drops each
frame that names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..base import Match

# How the frame's own words are written: as in the template; with a lower-case first letter (the
# ask continues a sentence: "Hi Tom, could you …", or the text is written in lower case); or in
# capitals (the text is).
FrameCase = Literal["", "lower", "upper"]
UNSAFE = "unsafe"  # the flag that caps the frames at unsafe

_LETTER = re.compile(r"[^\W\d_]")


def case_of(source: str) -> FrameCase:
    """'' when `source` (what the ask replaces) starts with a capital or no letter, else lower."""
    m = _LETTER.search(source)
    return "" if m is None or m.group().isupper() else "lower"


@dataclass(slots=True)
class Frame:
    """The slots, casing and flags of one request, ready for the rule's templates."""

    slots: dict[str, str]
    case: FrameCase = ""
    flags: frozenset[str] = field(default_factory=frozenset)

    def match(self, start: int, end: int, **groups: str) -> Match:
        return Match(start, end, groups={**groups, **self.slots}, flags=self.flags, case=self.case)


def flags(**judged: bool) -> frozenset[str]:
    """frozenset of the flag names judged true (`split_unsure=True` -> {'split-unsure'})."""
    return frozenset(k.replace("_", "-") for k, v in judged.items() if v)
