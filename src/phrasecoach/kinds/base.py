"""What every rule kind produces (a Match) and what a named Python detector looks like."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from ..models import Suggestion


@dataclass
class Match:
    """A raw hit, with absolute character offsets into the checked text."""

    start: int
    end: int
    groups: dict[str, str] = field(default_factory=dict)  # the slots of the rule's `suggest:` templates
    # A detector's own rewrites, used only when its rule gives no `suggest:` of its own.
    suggestions: list[Suggestion] | None = None
    # A detector's judgement of this match: names for `when:`, and `unsafe`, which caps the
    # rule's suggestions at unsafe (kinds.command.frames).
    flags: frozenset[str] = frozenset()
    # How the suggestion templates' own words are cased here: "" as written, "lower" (lower-case
    # first letter), "upper" (capitals).
    case: str = ""


class DetectorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class DetectorContext:
    """What rules may need beyond their own text: the merged glossary and lexicon classes."""

    glossary: dict[str, str] = field(default_factory=dict)
    lexicons: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None  # the folder of the rule's pack, for a detector that reads a file


class Detector:
    """A named piece of Python for what YAML cannot express.

    A detector that `needs_parse` is given parsed sentences, but only those its cheap
    `candidate` test lets through: that test must accept every sentence `find_parsed`
    could flag (the throughput bench checks this against a parse of every sentence).
    """

    name: ClassVar[str]
    needs_parse: ClassVar[bool] = False
    slots: ClassVar[frozenset[str]] = frozenset()  # the Match.groups its suggestions may use
    flags: ClassVar[frozenset[str]] = frozenset()  # the Match.flags `when:` may name
    Options: ClassVar[type[DetectorOptions]] = DetectorOptions

    def __init__(self, options: DetectorOptions, ctx: DetectorContext):
        self.options = options
        self.ctx = ctx

    def quick(self, text: str) -> bool:
        """Cheap test on the whole message; False skips the detector for it."""
        return True

    def required(self) -> frozenset[str] | None:
        """Strings (lower case, one space between words) of which a message must hold one for
        `quick` to pass, or None. The engine finds them in its one literal scan per message, so
        a message without any skips `quick` too."""
        return None

    def candidate(self, sentence: str) -> bool:
        return True

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        return []

    def find_parsed(self, doc, offset: int) -> list[Match]:
        return []
