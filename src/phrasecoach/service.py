"""The HTTP service: a FastAPI app factory, the JSON API v1, and `phrasecoach serve`.

    from phrasecoach.service import create_app
    app = create_app()                     # settings from PHRASECOACH_* and the config file

Each worker builds one Coach and loads the spaCy pipeline once, at start-up (the lifespan).
Engine work runs in a worker thread within the per-request time budget, so the event loop
never blocks. Errors are turned into responses in one place (`_install_error_handlers`):
`{"error": {"code", "message", "field"}}` on the JSON API, `Error: ...` plain text with
LanguageTool's status codes on `/v2`.

Adding endpoints (e.g. QA scoring): pass routers to `create_app(routers=[...])` or append them
to `EXTRA_ROUTERS` before the app is built; they get the API-key check and error handling, and
reach the engine with `phrasecoach.serving.engine_of(request)` and its `run(...)` (time budget).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictStr, WithJsonSchema
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .config import Settings, load_settings
from .engine import Coach
from .errors import (AuthError, BudgetError, InputError, MethodError, NotFoundError,
                     NotReadyError, PhrasecoachError, SaturatedError, SelectionError)
from .models import Applicability, Edit, Severity
from .transcripts.readers import parse_ts
from .serving import (Engine, HeaderTimeoutProtocol, RequestError, engine_of, key_from_raw_headers,
                      key_matches, paced, require_api_key)

log = logging.getLogger("phrasecoach.http")
access_log = logging.getLogger("phrasecoach.access")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

#: Routers other parts of phrasecoach add to every app built afterwards (see module doc).
EXTRA_ROUTERS: list[APIRouter] = []


# ---- request and response models ------------------------------------------------------
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Selectors(_Request):
    select: list[StrictStr] | None = Field(
        default=None, description="Rule ids, id prefixes, categories or pack ids to run "
                                  "(replaces the server's select).")
    ignore: list[StrictStr] | None = Field(
        default=None, description="The same forms, to switch off (added to the server's ignore).")
    packs: list[StrictStr] | None = Field(
        default=None, description="Only rules from these already-configured pack ids.")
    level: Literal["default", "picky", "preview"] | None = Field(
        default=None, description="Which rules run: `default`, `picky` (also the less certain "
                                  "ones) or `preview` (default: the server's level).")


class CheckRequest(Selectors):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Date of birth?"},
        {"texts": ["Date of birth?", "You should have called us earlier."], "fail_on": "error"},
        {"text": "Calm down, that's not my department.", "select": ["dismissive"]},
    ]})

    text: StrictStr | None = Field(default=None, description="One message to check.")
    texts: list[StrictStr] | None = Field(default=None, description="Several messages (a batch).")
    context: StrictStr | None = Field(
        default=None, description="The customer's last message, for `text` (or for every text of "
                                  "`texts`): an instruction they asked for is not an order, an "
                                  "acronym they wrote first is not jargon.")
    fail_on: Literal["info", "warning", "error", "none"] | None = Field(
        default=None, description="`failed` is true when a finding is at or above this severity "
                                  "(default: the server's fail_on).")


class RewriteRequest(Selectors):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Date of birth?"},
        {"text": "Date of birth?", "applicability": "unsafe"},
    ]})

    text: StrictStr
    applicability: Literal["safe", "unsafe"] = Field(
        default="safe", description="Apply safe suggestions only, or unsafe ones too.")
    context: StrictStr | None = Field(default=None, description="The customer's last message.")


def _time_value(v: Any) -> Any:
    """A turn's `ts` as sent (read later by `readers.parse_ts`, as `phrasecoach score` does)."""
    if v is None or (isinstance(v, (str, int, float)) and not isinstance(v, bool)):
        return v
    raise ValueError("a time is ISO 8601 text or Unix seconds (a number)")


TimeValue = Annotated[Any, PlainValidator(_time_value),
                      WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]})]


class TurnIn(_Request):
    """A turn as a client sends it: any known speaker label ("rep", "user", ...)."""

    speaker: StrictStr = Field(description="agent/customer, or a label such as rep, assistant, "
                                           "user, caller.")
    text: StrictStr
    ts: TimeValue = Field(
        default=None, description="Optional time of the turn, as `phrasecoach score` reads it: "
                                  "ISO 8601 text (`2024-03-05T10:00:00Z`) or Unix seconds "
                                  "(a number, or its digits as text).")


class ScoreRequest(_Request):
    """Body of `POST /v1/score`: one conversation."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id": "c-1", "turns": [
            {"speaker": "customer", "text": "I have been waiting 40 minutes!", "ts": "2024-03-05T10:00:00Z"},
            {"speaker": "agent", "text": "Order number?", "ts": 1709632860}]},
    ]})

    id: StrictStr | None = None
    agent: StrictStr | None = None
    turns: list[TurnIn] = Field(min_length=1)


class SuggestionOut(BaseModel):
    replacement: str
    applicability: Applicability
    title: str


class FindingOut(BaseModel):
    rule: str
    name: str
    category: str
    severity: Severity
    start: int = Field(description="Offset in code points (Python string index).")
    end: int
    text: str
    message: str
    suggestions: list[SuggestionOut]


class StrengthOut(BaseModel):
    rule: str
    name: str
    category: str
    start: int
    end: int
    text: str
    message: str


_REPORT_EXAMPLE = {
    "schema_version": 1, "text": "Date of birth?",
    "findings": [{"rule": "PC101", "name": "bare-noun-request", "category": "command",
                  "severity": "warning", "start": 0, "end": 14, "text": "Date of birth?",
                  "message": "A bare noun phrase reads as a demand; ask for it instead.",
                  "suggestions": [{"replacement": "May I have your date of birth?",
                                   "applicability": "safe", "title": "Ask for it"}]}],
    "strengths": [], "score": 90, "rewritten": "May I have your date of birth?", "failed": True,
}


class ReportOut(BaseModel):
    """One report: the `phrasecoach check --format json` object (schema_version 1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_REPORT_EXAMPLE]})

    schema_version: Literal[1] = 1
    text: str
    findings: list[FindingOut]
    strengths: list[StrengthOut]
    score: int
    rewritten: str


class CheckOneOut(ReportOut):
    failed: bool = Field(description="A finding is at or above fail_on.")


class CheckManyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"schema_version": 1, "reports": [{k: v for k, v in _REPORT_EXAMPLE.items() if k != "failed"}],
         "failed": True}]})

    schema_version: Literal[1] = 1
    reports: list[ReportOut]
    failed: bool


class RewriteOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "Date of birth?", "rewritten": "May I have your date of birth?",
        "edits": [{"rule": "PC101", "start": 0, "end": 14, "original": "Date of birth?",
                   "replacement": "May I have your date of birth?", "applicability": "safe"}]}]})

    text: str
    rewritten: str
    edits: list[Edit]  # the library's own type: one shape for the edit everywhere


class FlagExampleOut(BaseModel):
    text: str
    context: str | None = None
    rewrite: str | None = None
    suggestion: str | None = None


class PassExampleOut(BaseModel):
    text: str
    context: str | None = None


class ExamplesOut(BaseModel):
    flag: list[FlagExampleOut]
    pass_: list[str | PassExampleOut] = Field(alias="pass")


class RuleOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "PC101", "name": "bare-noun-request", "category": "command", "severity": "warning",
        "message": "A bare noun phrase reads as a demand; ask for it instead.",
        "why": "…", "pack": "core", "status": "stable", "kind": "detector", "needs_parse": True,
        "examples": {"flag": [{"text": "[[Date of birth?]]", "rewrite": "May I have your date of birth?"}],
                     "pass": ["May I have your date of birth?"]}}]})

    id: str
    name: str
    category: str
    severity: Severity
    message: str
    why: str
    pack: str
    status: str
    level: str
    kind: str
    needs_parse: bool
    requires: list[dict] = Field(default_factory=list, description=(
        "The rule's `requires:` conditions as the pack gives them (signals, phrases or regex, "
        "scope): where one fails, the rule is silent"))
    examples: ExamplesOut


class RulesOut(BaseModel):
    rules: list[RuleOut]


class ErrorBody(BaseModel):
    code: str = Field(description="Permanent error code, e.g. E040.")
    message: str
    field: str | None = Field(default=None, description="The request field at fault, if any.")


class ErrorOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"code": "E040", "message": "text: Input should be a valid string", "field": "text"}}]})

    error: ErrorBody


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    rules: int
    model: str
    version: str
    queued: int = Field(description="Requests of this worker waiting for the engine now.")


_ERRORS = {
    401: {"model": ErrorOut, "description": "Missing or wrong API key"},
    413: {"model": ErrorOut, "description": "Text too long or batch too large"},
    422: {"model": ErrorOut, "description": "Malformed JSON, wrong field type, unknown selector"},
    503: {"model": ErrorOut, "description": "Not ready yet, or over the time budget"},
}


# ---- helpers ----------------------------------------------------------------------------
def _json_bytes(obj) -> bytes:
    out = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        return out.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate got this far: escape it, as JSON allows
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _json_response(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def _limit_text(text: str, field: str, settings: Settings) -> None:
    if len(text) > settings.max_text_chars:
        raise RequestError(f"{field} is {len(text)} characters; the limit is {settings.max_text_chars}",
                           field=field, status=413,
                           hint="split the text, or raise PHRASECOACH_MAX_TEXT_CHARS")


def _threshold(fail_on: str) -> Severity | None:
    return None if fail_on == "none" else Severity(fail_on)


# ---- JSON API v1 ------------------------------------------------------------------------
v1 = APIRouter(prefix="/v1", tags=["JSON API v1"])


@v1.post("/check", response_model=CheckOneOut | CheckManyOut, responses=_ERRORS,
         summary="Check one message or a batch",
         description="`{\"text\"}` returns one report (the `phrasecoach check --format json` "
                     "object, schema_version 1) plus `failed`; `{\"texts\": [...]}` returns "
                     "`{\"reports\": [...], \"failed\"}` in the same order. Offsets are code points.")
async def check(body: CheckRequest, request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if (body.text is None) == (body.texts is None):
        raise RequestError("give exactly one of `text` or `texts`",
                           field="text" if body.text is None else "texts")
    if body.texts is not None:
        if not body.texts:
            raise RequestError("texts must hold at least one text", field="texts")
        if len(body.texts) > settings.max_batch:
            raise RequestError(f"texts holds {len(body.texts)} texts; the limit is {settings.max_batch}",
                               field="texts", status=413,
                               hint="send smaller batches, or raise PHRASECOACH_MAX_BATCH")
        for i, t in enumerate(body.texts):
            _limit_text(t, f"texts[{i}]", settings)
    else:
        _limit_text(body.text, "text", settings)
    if body.context is not None:
        _limit_text(body.context, "context", settings)
    engine = engine_of(request)
    threshold = _threshold(body.fail_on or settings.fail_on)

    def work() -> bytes:
        coach = paced(engine.resolve(body.select, body.ignore, body.packs, body.level))
        if body.text is not None:
            rep = coach.check(body.text, context=body.context)
            out = rep.to_dict()
            out["failed"] = rep.fails(threshold)
            return _json_bytes(out)
        reps = list(coach.check_many(body.texts, contexts=[body.context] * len(body.texts)))
        return _json_bytes({"schema_version": 1, "reports": [r.to_dict() for r in reps],
                            "failed": any(r.fails(threshold) for r in reps)})

    cost = len(body.text) if body.text is not None else sum(map(len, body.texts))
    return _json_response(await engine.run(work, cost=cost))


@v1.post("/rewrite", response_model=RewriteOut, responses=_ERRORS,
         summary="Apply suggestions to a message",
         description="Applies every suggestion up to `applicability` (`safe`, the default, or "
                     "`unsafe`), re-checking until stable. Edit offsets refer to the original text.")
async def rewrite(body: RewriteRequest, request: Request) -> Response:
    _limit_text(body.text, "text", request.app.state.settings)
    if body.context is not None:
        _limit_text(body.context, "context", request.app.state.settings)
    engine = engine_of(request)

    def work() -> bytes:
        coach = paced(engine.resolve(body.select, body.ignore, body.packs, body.level))
        res = coach.rewrite(body.text, body.applicability, context=body.context)
        return _json_bytes({"text": res.text, "rewritten": res.rewritten,
                            "edits": [e.model_dump(mode="json") for e in res.edits]})

    return _json_response(await engine.run(work, cost=len(body.text)))


@v1.post("/score", responses=_ERRORS, summary="Score one conversation",
         description="`{\"id\"?, \"agent\"?, \"turns\": [{\"speaker\", \"text\", \"ts\"?}]}` returns "
                     "the conversation's 0-100 score, counts per category, every deduction "
                     "(turn, span, rule, points), the customer signals PC701 reacted to, and "
                     "each agent turn's report: one line of `phrasecoach score`'s "
                     "conversations.jsonl.")
async def score(body: ScoreRequest, request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if len(body.turns) > settings.max_batch:
        raise RequestError(f"turns holds {len(body.turns)} turns; the limit is {settings.max_batch}",
                           field="turns", status=413, hint="raise PHRASECOACH_MAX_BATCH")
    for i, t in enumerate(body.turns):
        _limit_text(t.text, f"turns[{i}].text", settings)
        try:
            parse_ts(t.ts)
        except (ValueError, OverflowError, OSError) as e:
            reason = str(e) if isinstance(e, ValueError) else "out of range"
            raise RequestError(f"turns[{i}].ts: not a time ({reason})", field=f"turns[{i}].ts",
                               hint="ISO 8601 text such as 2024-03-05T10:00:00Z, or Unix seconds") from None
    engine = engine_of(request)
    turns = [t.model_dump() for t in body.turns]

    def work() -> bytes:
        try:
            res = paced(engine.base()).score_conversation(turns, id=body.id, agent=body.agent)
        except InputError as e:
            raise RequestError(e.message, field="turns", hint=e.hint) from None
        return _json_bytes(res.to_dict())

    return _json_response(await engine.run(work, cost=sum(len(t["text"]) for t in turns)))


@v1.get("/rules", response_model=RulesOut, responses={401: _ERRORS[401], 503: _ERRORS[503]},
        summary="The loaded rules", description="Every loaded rule with its message, why and examples.")
async def rules(request: Request) -> Response:
    coach = engine_of(request).base()
    return _json_response(_json_bytes({"rules": [r.to_dict() for r in sorted(coach.rules, key=lambda r: r.id)]}))


@v1.get("/rules/{rule_id}", response_model=RuleOut,
        responses={401: _ERRORS[401], 404: {"model": ErrorOut, "description": "No such rule"},
                   503: _ERRORS[503]},
        summary="One rule", description="A rule's message, why and examples, by id (e.g. PC101).")
async def rule(rule_id: str, request: Request) -> Response:
    r = engine_of(request).base().rule(rule_id)
    if r is None:
        raise NotFoundError(f"no loaded rule `{rule_id}`", field="rule_id",
                            hint="GET /v1/rules lists the loaded rules")
    return _json_response(_json_bytes(r.to_dict()))


# ---- health -------------------------------------------------------------------------------
health = APIRouter(tags=["health"])


@health.get("/healthz", response_model=HealthOut, summary="Process is up")
async def healthz() -> dict:
    return {"status": "ok"}


@health.get("/readyz", response_model=ReadyOut,
            responses={503: {"model": ErrorOut, "description": "Still loading (E054), or saturated "
                                                                "(E055): requests wait longer than half "
                                                                "the time budget for the engine"}},
            summary="Pipeline loaded and this worker not saturated")
async def readyz(request: Request) -> dict:
    engine = engine_of(request)
    coach = engine.base()
    busy = engine.saturation()
    if busy is not None:
        raise busy
    return {"status": "ready", "rules": len(coach.rules), "model": coach.settings.model,
            "version": __version__, "queued": engine.queued()}


# ---- middleware ---------------------------------------------------------------------------
# The agent's page loads only its own script and stylesheet and calls only this server.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
_EVERY_RESPONSE = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
_PAGE_HEADERS = [(b"content-security-policy", PAGE_CSP.encode()), (b"x-frame-options", b"DENY")]
_SECRET_PARAMS = frozenset({"apikey", "api_key", "key", "token", "access_token", "password"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_JSON_DEPTH = 32
MAX_LIST_ITEMS = 1000  # any list in a JSON body but `texts` and `turns` (those: max_batch)
_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestContext:
    """Outermost middleware: request id on every response (the client's X-Request-ID echoed,
    else a new one), an access log line without text, security headers, a body-size cap, API
    keys for /v1, the JSON API's body checked before anything parses it into a model (see
    `json_body_problem`) and read as JSON whatever its Content-Type, and a last-resort 500."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings
        self.max_body = max(1 << 20, settings.max_text_chars * max(settings.max_batch, 1) * 12 + (1 << 16))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        path = scope.get("path", "")
        method = scope.get("method")
        started = time.perf_counter()
        sent = {"status": 0}
        extra_headers = [(b"x-request-id", rid.encode("latin-1")), *_EVERY_RESPONSE]
        if path == "/" or path.startswith("/static/"):
            extra_headers += _PAGE_HEADERS
        ours = {k for k, _ in extra_headers}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                hs = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
                message = {**message, "headers": hs + extra_headers}
            await send(message)

        try:
            keys = self.settings.api_keys
            if keys and path.startswith("/v1/") and method != "OPTIONS":
                if not key_matches(key_from_raw_headers(headers), keys):
                    err = AuthError("missing or wrong API key (send `Authorization: Bearer <key>` "
                                    "or `X-API-Key`)")
                    await _send_simple(send_with_id, 401, _error_json(err.code, err.message),
                                       b"application/json", [(b"www-authenticate", b"Bearer")])
                    return
            ctype = headers.get(b"content-type", b"")
            if method == "POST" and path.startswith("/v1/") and b"json" not in ctype:
                # The JSON API reads its body as JSON whatever the Content-Type says.
                scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", [])
                                              if k != b"content-type"]
                         + [(b"content-type", b"application/json")]}
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body:
                await _too_large(path, self.max_body, send_with_id)
                return
            if method in _BODY_METHODS and path.startswith("/v1/"):
                body = await _read_bounded(receive, self.max_body)
                if body is None:
                    await _too_large(path, self.max_body, send_with_id)
                    return
                problem = json_body_problem(body, self.settings.max_batch)
                if problem is not None:
                    await _send_simple(send_with_id, problem.status,
                                       _error_json(problem.code, problem.message, problem.field),
                                       b"application/json")
                    return
                receive = _replay(body, receive)
            elif length is None and b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                body = await _read_bounded(receive, self.max_body)
                if body is None:
                    await _too_large(path, self.max_body, send_with_id)
                    return
                receive = _replay(body, receive)
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("unexpected %s on %s %s rid=%s", type(exc).__name__, method, path,
                      rid, exc_info=(type(exc), exc, exc.__traceback__))
            if not sent["status"]:
                if path.startswith("/v2/"):
                    await _send_simple(send_with_id, 500, b"Error: Internal Error: see the server log",
                                       b"text/plain; charset=utf-8")
                else:
                    await _send_simple(send_with_id, 500, _error_json(
                        PhrasecoachError.code, "internal error; see the server log"),
                        b"application/json")
        finally:
            ms = (time.perf_counter() - started) * 1000
            target = path
            if self.settings.log_text and scope.get("query_string"):
                target += "?" + loggable_query(scope["query_string"])
            client = scope.get("client") or ("-", 0)
            access_log.info('%s "%s %s" %d %.1fms rid=%s', client[0], method, target,
                            sent["status"] or 500, ms, rid)


def loggable_query(query: bytes) -> str:
    """The query string for the log, with credentials (LanguageTool's `apiKey` ...) masked."""
    from urllib.parse import unquote_plus

    out = []
    for part in query.decode("latin-1").split("&"):
        name, eq, _ = part.partition("=")
        if unquote_plus(name).strip().lower() in _SECRET_PARAMS:
            part = f"{name}{eq}***"
        out.append(part)
    return "&".join(out)


def json_body_problem(body: bytes, max_batch: int) -> RequestError | None:
    """What is wrong with a JSON API body before any model sees it, or None.

    Run on the raw body, so that nothing slow or unencodable reaches validation: the body must
    be UTF-8 (strictly: no surrogate bytes), parse as JSON (not nested beyond the parser's
    depth), hold no list longer than its limit (`texts`/`turns`: max_batch, 413; others:
    MAX_LIST_ITEMS), nest no deeper than MAX_JSON_DEPTH, and contain no lone surrogate escape
    (`\ud800`) in any string or key. An empty body is left to the model ("a JSON object body
    is required")."""
    if not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        return RequestError(f"the body is not valid UTF-8 (byte {e.start})", field="body",
                            hint="send JSON encoded as UTF-8")
    try:
        obj = json.loads(text.removeprefix("\ufeff"))
    except RecursionError:
        return RequestError("the JSON is nested too deeply", field="body")
    except ValueError as e:
        pos, msg = getattr(e, "pos", 0), getattr(e, "msg", str(e))
        return RequestError(f"malformed JSON at character {pos}: {msg}", field="body")
    stack: list[tuple[Any, str, int]] = [(obj, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return RequestError(f"{where}: nested more than {MAX_JSON_DEPTH} levels deep", field=where)
        if isinstance(value, str):
            bad = None if value.isascii() else _SURROGATE.search(value)
            if bad is not None:
                return RequestError(
                    f"{where or 'body'}: a lone surrogate (\\u{ord(bad.group()):04x}) at character "
                    f"{bad.start()} is not Unicode text", field=where or "body",
                    hint="the text was cut inside an emoji or mis-encoded; send whole characters")
        elif isinstance(value, list):
            limit = max_batch if where in ("texts", "turns") else max(max_batch, MAX_LIST_ITEMS)
            if len(value) > limit:
                noun = where if where in ("texts", "turns") else "items"
                return RequestError(f"{where or 'body'} holds {len(value)} {noun}; the limit is {limit}",
                                    field=where or "body", status=413,
                                    hint="send smaller batches, or raise PHRASECOACH_MAX_BATCH")
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                if not k.isascii() and _SURROGATE.search(k):
                    shown = k.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
                    return RequestError(f"the key \"{shown}\" holds a lone surrogate, which is not "
                                        f"Unicode text", field=where or "body")
                stack.append((v, f"{where}.{k}" if where else k, depth + 1))
    return None


def _error_json(code: str, message: str, field: str | None = None) -> bytes:
    return _json_bytes({"error": {"code": code, "message": message, "field": field}})


async def _send_simple(send, status: int, body: bytes, ctype: bytes, extra: list | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            *(extra or [])]})
    await send({"type": "http.response.body", "body": body})


async def _read_bounded(receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            break
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not msg.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    """A receive() that hands the app the body already read, then the connection's own events."""
    sent = [False]

    async def replay():
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(path: str, limit: int, send) -> None:
    if path.startswith("/v2/"):
        body = f"Error: The request body exceeds this server's limit of {limit} bytes".encode()
        await _send_simple(send, 413, body, b"text/plain; charset=utf-8")
    else:
        await _send_simple(send, 413, _error_json(InputError.code, f"request body exceeds {limit} bytes",
                                                  "body"), b"application/json")


# ---- errors: the one place ------------------------------------------------------------------
_LT_STATUS = {AuthError.code: 403, BudgetError.code: 500}  # LanguageTool's statuses for these


def _error_status(exc: PhrasecoachError) -> int:
    status = getattr(exc, "status", None)
    if status:
        return status
    if isinstance(exc, (SelectionError, InputError)):
        return 422
    return 500


def _error_response(request: Request, status: int, code: str, message: str,
                    field: str | None = None, headers: dict | None = None) -> Response:
    if request.url.path.startswith("/v2/"):
        if code in _LT_STATUS:
            status = _LT_STATUS[code]
        elif status == 422:
            status = 400
        return Response(f"Error: {message}".encode("utf-8", "backslashreplace"), status_code=status,
                        media_type="text/plain; charset=utf-8", headers=headers)
    return Response(_error_json(code, message, field), status_code=status,
                    media_type="application/json", headers=headers)


def _validation_field(loc: Sequence) -> str | None:
    parts = [p for p in loc if p != "body"] if loc and loc[0] == "body" else list(loc[1:])
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or None


def _allowed_methods(request: Request) -> str:
    """Every method some route answers at this path (RFC 9110's `Allow`), not only the first
    route's: /v2/check has a GET and a POST route. The LanguageTool catch-all is left out."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in getattr(request.app.state, "route_table", ()):
        if route.name == "unsupported" or not route.methods:
            continue
        match, _ = route.matches({**request.scope, "method": next(iter(route.methods))})
        if match is Match.FULL:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PhrasecoachError)
    async def _coded(request: Request, exc: PhrasecoachError):
        status = _error_status(exc)
        if status >= 500 and not isinstance(exc, (BudgetError, NotReadyError, SaturatedError)):
            log.error("error %s on %s %s: %s", exc.code, request.method, request.url.path,
                      exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) and status == 401 else None
        message = exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
        return _error_response(request, status, exc.code, message, getattr(exc, "field", None),
                               headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        e = errs[0] if errs else {"loc": ("body",), "msg": "invalid request", "type": ""}
        loc = tuple(e.get("loc") or ())
        if e.get("type") == "json_invalid":
            field = "body"
            detail = (e.get("ctx") or {}).get("error", "JSON decode error")
            msg = f"malformed JSON at character {loc[1] if len(loc) > 1 else 0}: {detail}"
        elif e.get("type") == "missing" and loc == ("body",):
            field, msg = "body", "a JSON object body is required"
        elif e.get("type") == "model_attributes_type" and loc == ("body",):
            field, msg = "body", "the body must be a JSON object"
        else:
            field = _validation_field(loc)
            msg = f"{field}: {e.get('msg', 'invalid value')}" if field else e.get("msg", "invalid")
        if len(errs) > 1:
            msg += f" (and {len(errs) - 1} more problem{'s' if len(errs) > 2 else ''})"
        return _error_response(request, 422, InputError.code, msg, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            if request.url.path.startswith("/v2/"):
                return _error_response(request, 404, NotFoundError.code,
                                       f"Unsupported action: '{request.url.path[4:]}'")
            return _error_response(request, 404, NotFoundError.code, f"no such path {request.url.path}")
        if exc.status_code == 405:
            allow = _allowed_methods(request) or (exc.headers or {}).get("Allow", "")
            return _error_response(request, 405, MethodError.code, f"{request.method} is not allowed "
                                                                   f"on {request.url.path}",
                                   headers={"Allow": allow})
        if exc.status_code == 400:  # a body the framework could not read: malformed input
            return _error_response(request, 422, InputError.code,
                                   f"the request could not be read: {exc.detail}", "body")
        code = InputError.code if exc.status_code < 500 else PhrasecoachError.code
        return _error_response(request, exc.status_code, code, str(exc.detail))


# ---- the app --------------------------------------------------------------------------------
def static_dir() -> Path | None:
    """`phrasecoach/web/static` inside the installed package, if it has an index.html."""
    try:
        d = Path(str(resources.files("phrasecoach").joinpath("web", "static")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - exotic loaders
        return None
    return d if (d / "index.html").is_file() else None


_PACKAGE_WEB = object()
_BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Ask numpy's BLAS for one thread per process, unless the operator said otherwise.

    Each worker runs engine calls one at a time and the service scales with --workers; BLAS
    threads on top of that oversubscribe the cores, and OpenBLAS's spinning threads then cut
    throughput several-fold (measured: 2 workers at concurrency 32 fell from ~570 to ~150
    requests/s). Takes effect only before numpy is first imported, as in a fresh worker.
    """
    for var in _BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")


def create_app(settings: Settings | None = None, coach: Coach | None = None, *,
               routers: Sequence[APIRouter] = (), web: Path | None | object = _PACKAGE_WEB) -> FastAPI:
    """Build the app.

    settings: default `load_settings()` (or the coach's). coach: used instead of building one
    at start-up (it is still warmed in the lifespan). routers: more routers, behind the API-key
    check. web: folder holding index.html served at `/` and as `/static/`; by default the
    package's `web/static` when it exists; None for none.
    """
    one_blas_thread()
    if settings is None:
        settings = coach.settings if coach is not None else load_settings()
    engine = Engine(settings, coach)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await engine.start()
        log.info("phrasecoach %s ready: %d rules, pipeline %s", __version__,
                 len(engine.base().rules), settings.model)
        try:
            yield
        finally:
            await engine.stop()

    app = FastAPI(
        title="phrasecoach",
        version=__version__,
        summary="Customer-service phrasing linter: a JSON API and a LanguageTool-compatible API.",
        description="JSON API v1 under `/v1`; LanguageTool's HTTP API under `/v2` (point "
                    "LanguageTool clients at this server). When API keys are configured, send "
                    "`Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    _install_error_handlers(app)

    from .languagetool import router as lt_router

    protected = [Depends(require_api_key)]
    app.include_router(health)
    app.include_router(v1, dependencies=protected)
    app.include_router(lt_router)  # checks keys itself: they may also come as the apiKey field
    for r in [*EXTRA_ROUTERS, *routers]:
        app.include_router(r, dependencies=protected)
    # every route with its full path, for the `Allow` header of a 405
    app.state.route_table = [r for router in (health, v1, lt_router, *EXTRA_ROUTERS, *routers)
                             for r in router.routes if isinstance(r, APIRoute)]

    if web is _PACKAGE_WEB:
        web = static_dir()
    if web is not None and (Path(web) / "index.html").is_file():
        web = Path(web)
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=str(web)), name="static")

        @app.get("/", include_in_schema=False)
        async def index() -> FileResponse:
            return FileResponse(web / "index.html", media_type="text/html")

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type",
                                          REQUEST_ID_HEADER],
                           expose_headers=[REQUEST_ID_HEADER], max_age=600)
    app.add_middleware(RequestContext, settings=settings)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (`--factory`): settings from the environment and config file."""
    return create_app(load_settings())


# ---- phrasecoach serve ------------------------------------------------------------------------
def _log_config(level: str, access: bool = True) -> dict:
    from uvicorn.config import LOGGING_CONFIG

    cfg = json.loads(json.dumps(LOGGING_CONFIG))
    cfg["loggers"]["phrasecoach"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    if not access:
        cfg["loggers"]["phrasecoach.access"] = {"level": "WARNING"}
    return cfg


def build_serve_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="phrasecoach serve",
        description="Run the HTTP service: JSON API v1 (/v1), LanguageTool-compatible API (/v2), "
                    "docs at /docs. Other settings come from PHRASECOACH_* variables and the "
                    "config file (API keys, CORS origins, limits, time budget).")
    ap.add_argument("--host", default=None, help="address to bind (default: 127.0.0.1)")
    ap.add_argument("--port", type=int, default=None, help="port (default: 8000)")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes, each loading the pipeline once (default: 1)")
    ap.add_argument("--config", metavar="FILE", help="config file (default: phrasecoach.toml or "
                                                    "[tool.phrasecoach] in pyproject.toml)")
    ap.add_argument("--log-level", default="info",
                    choices=["critical", "error", "warning", "info", "debug"])
    ap.add_argument("--no-access-log", action="store_true",
                    help="do not log one line per request (never includes text unless "
                         "PHRASECOACH_LOG_TEXT=true)")
    return ap


def serve_main(argv: list[str]) -> int:
    """`phrasecoach serve [--host H] [--port P] [--workers N] [--config FILE]`."""
    args = build_serve_parser().parse_args(argv)
    one_blas_thread()  # before numpy loads here, and inherited by the workers
    if args.config:
        args.config = str(Path(args.config).resolve())
    settings = load_settings(args.config, host=args.host, port=args.port, workers=args.workers)
    if settings.workers < 1:
        print("phrasecoach: error: --workers must be at least 1", file=sys.stderr)
        return 2
    # Fail fast, before any worker starts: packs, selectors and the pipeline must load.
    coach = Coach(settings=settings)
    if coach.needs_parse and importlib.util.find_spec(settings.model) is None:
        from .pipeline import load_pipeline

        load_pipeline(settings.model)  # raises the coded E010 with its hint
    del coach
    import uvicorn

    if args.config:
        os.environ["PHRASECOACH_CONFIG"] = args.config  # the workers read it
    print(f"phrasecoach {__version__}: serving on http://{settings.host}:{settings.port} "
          f"({settings.workers} worker{'s' if settings.workers != 1 else ''}; docs at /docs)",
          file=sys.stderr, flush=True)
    uvicorn.run("phrasecoach.service:app_from_env", factory=True, host=settings.host,
                port=settings.port, workers=settings.workers, access_log=False,
                log_config=_log_config(args.log_level, not args.no_access_log),
                log_level=args.log_level, server_header=False,
                # slowloris: request headers must arrive within header_timeout_s
                http=functools.partial(HeaderTimeoutProtocol, header_timeout=settings.header_timeout_s))
    return 0
