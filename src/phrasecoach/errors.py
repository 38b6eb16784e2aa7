"""Coded errors. Each says what is wrong, where, and what to do next (spaCy's habit).

Codes are permanent, like rule codes:
  E000  an unexpected internal error: a bug (HTTP 500, logged with the request id)
  E001  a rule pack file could not be read or parsed as YAML
  E002  a rule pack entry failed validation (unknown key, bad value, bad category ...)
  E003  an invalid spaCy token pattern
  E004  a duplicate rule id
  E005  an invalid regular expression
  E006  an unknown named detector, or bad detector options
  E007  a pack or rule selector that matches nothing
  E008  a pack regex the linear-time engine (RE2) cannot run: look-around, back-reference,
        possessive or atomic group, a count over 1,000; or a REGEX test in a team pack's
        token pattern
  E009  a pack over a safety limit: a file or pack too large, YAML aliases that expand it,
        too many written forms of a rule's phrases, or a file outside the pack's folder
  E010  the spaCy pipeline named by PHRASECOACH_MODEL cannot be loaded
  E020  a configuration file is invalid
  E030  a rule's own example failed (`phrasecoach rules test`)
  E040  bad input text (not UTF-8, too long ...) or a bad transcript record
  E050  HTTP: missing or wrong API key (401; 403 on the LanguageTool API)
  E051  HTTP: no such rule, path or LanguageTool action (404)
  E052  HTTP: method not allowed (405, with an `Allow` header)
  E053  HTTP: the request went over its time budget (503; 500 on the LanguageTool API)
  E054  HTTP: the engine is not ready yet (503)
  E055  HTTP: the worker is saturated: requests wait longer than half the time budget
        for the engine (503 from /readyz only)

The HTTP codes are the `ServiceError` classes below; the service answers bad request input
with E040 (422, or 413 over a limit) and E007, like the rest of phrasecoach.
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


class LinearRegexError(PhrasecoachError):
    code = "E008"


class PackLimitError(PhrasecoachError):
    code = "E009"


class ModelLoadError(PhrasecoachError):
    code = "E010"


class ConfigError(PhrasecoachError):
    code = "E020"


class ExampleFailure(PhrasecoachError):
    code = "E030"


class InputError(PhrasecoachError):
    code = "E040"


# ---- the HTTP service's own errors: each carries its HTTP status -----------------------
class ServiceError(PhrasecoachError):
    """An error only the HTTP service raises; `status` is its HTTP status."""

    status = 500

    def __init__(self, message: str, *, hint: str = "", field: str | None = None,
                 status: int | None = None):
        super().__init__(message, hint=hint)
        self.field = field
        if status is not None:
            self.status = status


class AuthError(ServiceError):
    code = "E050"
    status = 401


class NotFoundError(ServiceError):
    code = "E051"
    status = 404


class MethodError(ServiceError):
    code = "E052"
    status = 405


class BudgetError(ServiceError):
    code = "E053"
    status = 503


class NotReadyError(ServiceError):
    code = "E054"
    status = 503


class SaturatedError(ServiceError):
    code = "E055"
    status = 503
