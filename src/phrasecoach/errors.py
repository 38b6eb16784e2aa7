"""Coded errors. Each says what is wrong, where, and what to do next (spaCy's habit).

Codes are permanent, like rule codes:
  E001  a rule pack file could not be read or parsed as YAML
  E002  a rule pack entry failed validation (unknown key, bad value, bad category ...)
  E003  an invalid spaCy token pattern
  E004  a duplicate rule id
  E005  an invalid regular expression
  E006  an unknown named detector, or bad detector options
  E007  a pack or rule selector that matches nothing
  E010  the spaCy pipeline named by PHRASECOACH_MODEL cannot be loaded
  E020  a configuration file is invalid
  E030  a rule's own example failed (`phrasecoach rules test`)
  E040  bad input text (not UTF-8, too long ...) or a bad transcript record
  E050  HTTP: missing or wrong API key (401)
  E051  HTTP: no such path or LanguageTool action (404)
  E052  HTTP: method not allowed (405)
  E053  HTTP: the request went over its time budget (503)
  E054  HTTP: the engine is not ready yet (503)
"""

from __future__ import annotations


class PhrasecoachError(Exception):
    """Base of every error phrasecoach raises on purpose."""

    code = "E000"

    def __init__(self, message: str, *, hint: str = "", where: str = ""):
        self.message = message
        self.hint = hint
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"[{self.code}] "
        if self.where:
            head += f"{self.where}: "
        out = head + self.message
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out


class PackReadError(PhrasecoachError):
    code = "E001"


class PackValidationError(PhrasecoachError):
    code = "E002"


class TokenPatternError(PhrasecoachError):
    code = "E003"


class DuplicateRuleError(PhrasecoachError):
    code = "E004"


class RegexError(PhrasecoachError):
    code = "E005"


class DetectorError(PhrasecoachError):
    code = "E006"


class SelectionError(PhrasecoachError):
    code = "E007"


class ModelLoadError(PhrasecoachError):
    code = "E010"


class ConfigError(PhrasecoachError):
    code = "E020"


class ExampleFailure(PhrasecoachError):
    code = "E030"


class InputError(PhrasecoachError):
    code = "E040"
