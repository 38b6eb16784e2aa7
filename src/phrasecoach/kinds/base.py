"""What every rule kind produces (a Match) and what a named Python detector looks like."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from ..models import Suggestion


@dataclass
class Match:
    """A raw hit, with absolute character offsets into the checked text."""

    start: int
    end: int
    groups: dict[str, str] = field(default_factory=dict)
    # Detectors that build their own rewrites from the parse put them here; None means
    # "use the rule's YAML suggestion templates".
    suggestions: list[Suggestion] | None = None


class DetectorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class DetectorContext:
    """What rules may need beyond their own text: the merged glossary and lexicon classes."""

    glossary: dict[str, str] = field(default_factory=dict)
    lexicons: dict[str, list[str]] = field(default_factory=dict)


class Detector:
    """A named piece of Python for what YAML cannot express.

    A detector that `needs_parse` is given parsed sentences, but only those its cheap
    `candidate` test lets through: that test must accept every sentence `find_parsed`
    could flag (the throughput bench checks this against a parse of every sentence).
    """

    name: ClassVar[str]
    needs_parse: ClassVar[bool] = False
    Options: ClassVar[type[DetectorOptions]] = DetectorOptions

    def __init__(self, options: DetectorOptions, ctx: DetectorContext):
        self.options = options
        self.ctx = ctx

    def quick(self, text: str) -> bool:
        """Cheap test on the whole message; False skips the detector for it."""
        return True

    def candidate(self, sentence: str) -> bool:
        return True

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        return []

    def find_parsed(self, doc, offset: int) -> list[Match]:
        return []
