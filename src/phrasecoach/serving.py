"""What the HTTP service's routes share: the per-worker engine, the time budget, API keys, errors.

Kept apart from `service.py` (the app factory and the JSON API) and `languagetool.py` (the
LanguageTool-compatible API) so both, and routers added later, use one copy of each. The error
codes are defined once, in `phrasecoach.errors` (E050-E055 are the service's own).

The time budget. A worker has one Coach, and spaCy and the Coach must not be used by two
threads at once, so engine work runs one job at a time. Jobs take *turns*: each request's work
runs on a thread of its own, but only the job holding the turn runs; the others wait. Work on
many texts goes through `paced(coach)`, which checks them in slices of about `SLICE_CHARS`
characters and calls `checkpoint()` between slices. At a checkpoint a job that is past its
budget stops (its request was already answered 503), and a job that others are waiting for
passes the turn to the next in line and queues again. So a one-word request sent while a
100 x 20,000-character batch is being checked waits for one slice, not for the batch, and the
batch stops at its deadline instead of holding the engine for a minute. One slice (one text of
up to `max_text_chars`) cannot be interrupted: its cost is what bounds the wait.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.requests import Request

from .config import Settings
from .engine import Coach, _selector_matches
from .errors import (AuthError, BudgetError, InputError, NotReadyError, PhrasecoachError,
                     SaturatedError, SelectionError, ServiceError)

T = TypeVar("T")

MAX_VARIANTS = 16
# Run once at start-up so the first real request does not pay spaCy's first-call costs.
WARM_TEXT = "Date of birth? Calm down, you should have called earlier. Pls DM your PNR."
# Texts are checked in slices of about this many characters, with a checkpoint between slices
# (measured: ~20 µs a character, so a slice is ~0.1 s; a longer single text is one slice).
SLICE_CHARS = 4000
# Threads that may hold a job at once (one runs, the rest wait for their turn, cheaply).
MAX_JOBS = 32
# The GIL switch interval of a service worker, in seconds (Python's default is 0.005). The
# literal scan's RE2 set lets go of the GIL while it matches; taking it back from a busy event
# loop waited up to the whole interval, once per text (a check with a busy thread beside it:
# p50 5.5 ms at 0.005, 0.6 ms at 0.0001), and with 8 clients on 2 workers bench/http_load.py's
# p99 went from 13 ms (before the RE2 set) to 80-100 ms; at 0.0001 it is 10-17 ms again.
SWITCH_INTERVAL = 0.0001

__all__ = ["Engine", "RequestError", "ServiceError", "checkpoint", "engine_of", "http_error",
           "key_matches", "paced", "require_api_key"]


class RequestError(InputError):
    """Bad input in a request: an HTTP status and the field at fault ride along."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422, hint: str = ""):
        super().__init__(message, hint=hint)
        self.field = field
        self.status = status


def http_error(err: PhrasecoachError, *, status: int, field: str | None = None) -> PhrasecoachError:
    """Attach an HTTP status and the field at fault to any coded error."""
    err.status = status  # type: ignore[attr-defined]
    err.field = field  # type: ignore[attr-defined]
    return err


def unauthorized() -> AuthError:
    return AuthError("missing or wrong API key",
                     hint="send `Authorization: Bearer <key>` or `X-API-Key: <key>`")


def not_ready() -> NotReadyError:
    return NotReadyError("the spaCy pipeline is still loading; try again shortly")


def budget_exceeded(seconds: float) -> BudgetError:
    return BudgetError(f"checking took longer than this server's limit of {seconds:g} s",
                       hint="send shorter texts or smaller batches")


# ---- API keys -------------------------------------------------------------------------
def _digest(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def key_matches(candidate: bytes | str | None, keys: Sequence[str]) -> bool:
    """Is `candidate` one of `keys`? Constant time: no early exit, and equal-length digests.

    A key is compared as bytes: its UTF-8 encoding, or (for a key Latin-1 can spell) its
    Latin-1 encoding, which is what clients that encode headers as Latin-1 send. A header's
    raw bytes are passed as bytes; a form field (already decoded from UTF-8) as str.
    """
    if not candidate:
        return False
    given = _digest(candidate.encode("utf-8") if isinstance(candidate, str) else candidate)
    ok = False
    for k in keys:
        for form in _key_forms(k):
            ok |= hmac.compare_digest(given, _digest(form))
    return ok


def _key_forms(key: str) -> tuple[bytes, ...]:
    utf8 = key.encode("utf-8")
    try:
        latin1 = key.encode("latin-1")
    except UnicodeEncodeError:
        return (utf8,)
    return (utf8,) if latin1 == utf8 else (utf8, latin1)


def key_from_raw_headers(headers: dict[bytes, bytes]) -> bytes | None:
    """The key a request sends, as raw header bytes: `Authorization: Bearer <key>` or `X-API-Key`."""
    scheme, _, value = headers.get(b"authorization", b"").partition(b" ")
    if scheme.lower() == b"bearer" and value.strip():
        return value.strip()
    return headers.get(b"x-api-key") or None


def key_from_headers(request: Request) -> bytes | None:
    return key_from_raw_headers(dict(request.scope.get("headers") or []))


def require_api_key(request: Request) -> None:
    """FastAPI dependency for protected routers: 401 unless a configured key is sent."""
    keys = request.app.state.settings.api_keys
    if keys and not key_matches(key_from_headers(request), keys):
        raise unauthorized()


# ---- turns: one job at a time on the engine, fairly -------------------------------------
class Abandoned(Exception):
    """Raised inside a job at a checkpoint once its request is past its budget."""


UNKNOWN_COST = 1 << 62  # a job that did not say how much it checks goes after those that did


class _Job:
    __slots__ = ("deadline", "cancelled", "has_turn", "wake", "waiting_since", "turn_since", "cost")

    def __init__(self, deadline: float, cost: int = UNKNOWN_COST):
        self.deadline = deadline
        self.cost = cost  # characters of text the job checks: the smallest waiting job goes next
        self.cancelled = False
        self.has_turn = False
        self.wake = threading.Event()
        self.waiting_since: float | None = time.monotonic()  # submitted: waiting for a turn
        self.turn_since: float | None = None

    def expired(self) -> bool:
        return self.cancelled or time.monotonic() > self.deadline


class _Turns:
    """The turn: who runs engine work now, and who waits (first come, first served)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._holder: _Job | None = None
        self._queue: deque[_Job] = deque()
        self._live: set[_Job] = set()

    # called on the event loop
    def submitted(self, job: _Job) -> None:
        with self._lock:
            self._live.add(job)

    def cancel(self, job: _Job) -> None:
        """The request was answered (budget or disconnect): drop the job, wake it if it waits."""
        with self._lock:
            job.cancelled = True
            if job in self._queue:
                self._queue.remove(job)
            self._live.discard(job)
        job.wake.set()

    def forget(self, job: _Job) -> None:
        """The request is answered: its job no longer counts towards the load."""
        with self._lock:
            self._live.discard(job)

    def cancel_all(self) -> None:
        """Shutting down: every job stops at its next checkpoint, and no thread stays waiting."""
        with self._lock:
            jobs = list(self._live) + list(self._queue)
        for job in jobs:
            self.cancel(job)

    def load(self) -> tuple[int, float, float]:
        """(jobs waiting, the longest any has waited, how long the current turn has run) in s."""
        now = time.monotonic()
        with self._lock:
            waits = [now - j.waiting_since for j in self._live
                     if j.waiting_since is not None and not j.cancelled]
            holder = self._holder
            running = now - holder.turn_since if holder is not None and holder.turn_since else 0.0
        return len(waits), max(waits, default=0.0), running

    # called on job threads
    def acquire(self, job: _Job) -> None:
        with self._lock:
            if job.cancelled:
                raise Abandoned
            if self._holder is None and not self._queue:
                self._give(job)
                return
            job.wake.clear()
            self._queue.append(job)
        self._wait(job)

    def checkpoint(self, job: _Job) -> None:
        if job.expired():
            raise Abandoned
        if not self._queue:  # nobody waiting: keep the turn (racy read; the next slice re-checks)
            return
        with self._lock:
            if job.cancelled:
                raise Abandoned  # _execute releases the turn
            if not self._queue:
                return
            job.has_turn = False
            job.turn_since = None
            job.waiting_since = time.monotonic()
            job.wake.clear()
            self._queue.append(job)
            self._give(self._next())
        self._wait(job)

    def release(self, job: _Job) -> None:
        with self._lock:
            self._live.discard(job)
            if self._holder is not job:
                return
            job.has_turn = False
            self._holder = None
            if self._queue:
                self._give(self._next())

    def _next(self) -> _Job:  # under the lock
        """Shortest job first: a one-word request waiting behind two large batches runs as soon
        as the current slice ends, not after a slice of each; a large job is bounded by its own
        budget, so it cannot wait for ever."""
        job = min(self._queue, key=lambda j: j.cost)  # min keeps arrival order among equals
        self._queue.remove(job)
        return job

    def _give(self, job: _Job) -> None:  # under the lock
        self._holder = job
        job.has_turn = True
        job.waiting_since = None
        job.turn_since = time.monotonic()
        job.wake.set()

    def _wait(self, job: _Job) -> None:
        job.wake.wait()
        if not job.has_turn:  # woken by cancel()
            raise Abandoned
        if job.expired():
            self.release(job)
            raise Abandoned


_current = threading.local()
_ABANDONED = object()


def checkpoint() -> None:
    """Between pieces of long engine work: stop if the request is past its budget, and let a
    waiting request run first. A no-op outside a job (the library, tests, start-up)."""
    job = getattr(_current, "job", None)
    if job is not None:
        _current.turns.checkpoint(job)


class Paced:
    """A Coach whose many-text work runs in slices with a checkpoint before each.

    `check_many` (and so `score_conversation`, which checks agent turns through it) goes
    through the Coach's own `check_many`, one slice at a time; each slice is a complete call,
    so whatever the engine does per call (spaCy's memory zone, caches) is never left half-way
    when the turn passes. Everything else is the Coach's.
    """

    def __init__(self, coach: Coach, slice_chars: int = SLICE_CHARS):
        self._coach = coach
        self._slice_chars = slice_chars

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coach, name)

    def check(self, text: str, *args: Any, **kwargs: Any):
        checkpoint()
        return self._coach.check(text, *args, **kwargs)

    def rewrite(self, text: str, *args: Any, **kwargs: Any):
        checkpoint()
        return self._coach.rewrite(text, *args, **kwargs)

    def check_many(self, texts: Iterable[str], batch_size: int = 1024, **kwargs: Any) -> Iterator:
        contexts = kwargs.pop("contexts", None)
        texts = list(texts)
        ctx = list(contexts) if contexts is not None else None
        start = 0
        while start < len(texts):
            end, size = start + 1, len(texts[start])  # a slice: one text, and more while they fit
            while (end < len(texts) and end - start < batch_size
                   and size + len(texts[end]) <= self._slice_chars):
                size += len(texts[end])
                end += 1
            checkpoint()
            extra = dict(kwargs)
            if ctx is not None:
                extra["contexts"] = ctx[start:end]
            yield from list(self._coach.check_many(texts[start:end], batch_size=batch_size, **extra))
            start = end

    def score_conversation(self, turns, **kwargs: Any):
        from .transcripts.scoring import score_conversation

        return score_conversation(self, turns, **kwargs)


def paced(coach: Coach) -> Paced:
    return coach if isinstance(coach, Paced) else Paced(coach)


# ---- the engine -----------------------------------------------------------------------
class Engine:
    """One Coach per worker, built and warmed once, plus a small cache of selection variants.

    `run(fn, *args)` runs `fn` within the request's time budget, taking turns with other
    requests (see the module doc). When the budget runs out the request is answered at once
    (503), and its work stops at its next checkpoint: work that had not started never starts.
    """

    def __init__(self, settings: Settings, coach: Coach | None = None):
        self.settings = settings
        self.coach = coach
        self.ready = False
        self._variants: OrderedDict[tuple, Coach] = OrderedDict()
        self._variants_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._turns = _Turns()

    # lifecycle
    def load(self) -> None:
        """Build and warm the Coach (blocking; called once per worker at start-up)."""
        import sys

        sys.setswitchinterval(SWITCH_INTERVAL)  # the worker's own process (see SWITCH_INTERVAL)
        if self.coach is None:
            self.coach = Coach(settings=self.settings)
        self.coach.warm()
        self.coach.check(WARM_TEXT)
        self.ready = True
        # the agent page's "Picky" switch and LanguageTool's level=picky ask for the picky rules:
        # build that Coach now, so the first such request does not pay for compiling it
        if self.coach.settings.level == "default":
            self.resolve(level="picky").check(WARM_TEXT)
        from .pipeline import freeze_heap

        freeze_heap()  # the service's own process: the model never needs collecting

    async def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=MAX_JOBS, thread_name_prefix="phrasecoach-engine")
        await asyncio.get_running_loop().run_in_executor(self._pool, self.load)

    async def stop(self) -> None:
        pool, self._pool = self._pool, None
        self._turns.cancel_all()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def base(self) -> Coach:
        if not self.ready or self.coach is None:
            raise not_ready()
        return self.coach

    @property
    def pack_ids(self) -> list[str]:
        return [p.meta.id for p in self.base().packs]

    def saturation(self) -> SaturatedError | None:
        """An E055 error when requests wait too long for the engine (readiness), else None."""
        queued, waited, running = self._turns.load()
        budget = self.settings.request_timeout_s
        if waited > budget / 2:
            return SaturatedError(f"{queued} request(s) waiting for the engine, the longest for "
                                  f"{waited:.1f} s (time budget {budget:g} s)")
        if running > budget:
            return SaturatedError(f"one piece of work has held the engine for {running:.1f} s "
                                  f"(time budget {budget:g} s)")
        return None

    def queued(self) -> int:
        return self._turns.load()[0]

    # selection variants
    def check_selectors(self, selectors: Sequence[str], field: str) -> None:
        """422 naming the field when a selector matches none of the loaded rules."""
        loaded = [r for p in self.base().packs for r in p.rules]
        for sel in selectors:
            if not any(_selector_matches(sel, r) for r in loaded):
                raise http_error(SelectionError(f"`{sel}` matches no rule, category or pack",
                                                hint="GET /v1/rules lists the loaded rules"),
                                 status=422, field=field)

    def resolve(self, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                packs: Sequence[str] | None = None, level: str | None = None) -> Coach:
        """The Coach for a request's selection: the base one, or a cached variant.

        `select` replaces the server's select; `ignore` adds to the server's ignore; `packs`
        keeps only rules from those already-configured pack ids (never a path); `level`
        replaces the server's rule level (default, picky, preview).
        """
        base = self.base()
        if level == base.settings.level:
            level = None
        if not select and not ignore and packs is None and level is None:
            return base
        select = list(dict.fromkeys(select or []))
        ignore = list(dict.fromkeys(ignore or []))
        self.check_selectors(select, "select")
        self.check_selectors(ignore, "ignore")
        extra_ignore: list[str] = []
        if packs is not None:
            known = self.pack_ids
            unknown = [p for p in packs if p not in known]
            if unknown:
                raise http_error(SelectionError(
                    f"`{unknown[0]}` is not a configured pack (configured: {', '.join(known)})",
                    hint="packs names pack ids the server loaded, not paths"), status=422, field="packs")
            if not packs:
                raise RequestError("packs must name at least one pack", field="packs")
            extra_ignore = [p for p in known if p not in packs]
        key = (tuple(select), tuple(ignore), tuple(extra_ignore), level)
        with self._variants_lock:
            hit = self._variants.get(key)
            if hit is not None:
                self._variants.move_to_end(key)
                return hit
        settings = base.settings.model_copy(update={
            "select": select or list(base.settings.select),
            "ignore": [*base.settings.ignore, *ignore, *extra_ignore],
            "level": level or base.settings.level,
        })
        coach = Coach(settings=settings, nlp=base.nlp if base.needs_parse else None)
        with self._variants_lock:
            self._variants[key] = coach
            while len(self._variants) > MAX_VARIANTS:
                self._variants.popitem(last=False)
        return coach

    # running work within the time budget
    def _execute(self, job: _Job, fn: Callable[..., T], args: tuple) -> Any:
        if job.expired():
            return _ABANDONED  # the request is answered 503; never start the work
        try:
            self._turns.acquire(job)
        except Abandoned:
            return _ABANDONED
        _current.job, _current.turns = job, self._turns
        try:
            if job.expired():
                return _ABANDONED
            return fn(*args)
        except Abandoned:
            return _ABANDONED
        finally:
            _current.job = None
            self._turns.release(job)

    async def run(self, fn: Callable[..., T], *args: Any, cost: int | None = None) -> T:
        """Run `fn(*args)` on an engine thread, in turn, within the request's time budget;
        `cost` (the characters it checks) orders the waiting jobs, smallest first; work of
        unknown size waits behind work of known size."""
        pool = self._pool
        if not self.ready or pool is None:
            raise not_ready()
        budget = self.settings.request_timeout_s
        job = _Job(time.monotonic() + budget, UNKNOWN_COST if cost is None else cost)
        self._turns.submitted(job)
        future = asyncio.get_running_loop().run_in_executor(pool, self._execute, job, fn, args)
        try:
            async with asyncio.timeout(budget):
                result = await future
        except TimeoutError:
            self._turns.cancel(job)
            raise budget_exceeded(budget) from None
        except asyncio.CancelledError:  # the server is stopping
            self._turns.cancel(job)
            raise
        finally:
            self._turns.forget(job)
        if result is _ABANDONED:  # stopped at a checkpoint a hair before the timer fired
            raise budget_exceeded(budget)
        return result


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


# ---- the connection: a deadline for request headers --------------------------------------
def _header_timeout_protocol():
    """uvicorn's HTTP protocol (httptools, else h11) with a deadline for request headers.

    uvicorn closes idle keep-alive connections (`timeout_keep_alive`), but once a client has
    sent its first byte it may take forever over the rest of the headers (slowloris). Here the
    request line and headers must be complete within `header_timeout` seconds of the
    connection opening or of the request's first byte; otherwise the server answers 408 and
    closes the connection."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # pragma: no cover - no httptools (e.g. PyPy)
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base

    class HeaderTimeoutProtocol(Base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.header_timeout = header_timeout
            self._header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self._header_timer is None and self.header_timeout > 0:
                self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _awaiting_request(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def connection_made(self, transport):  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            before = self.cycle
            if self._awaiting_request():
                self._arm()  # the request's first bytes: its headers are now on the clock
            super().data_received(data)
            if self.cycle is not before:
                self._disarm()  # the headers are complete

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # the keep-alive timer now covers the idle connection; headers start on the next byte
            self._disarm()

        def connection_lost(self, exc):  # type: ignore[override]
            self._disarm()
            super().connection_lost(exc)

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.transport.is_closing() or not self._awaiting_request():
                return
            body = b"Request headers not received in time\n"
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                 b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n"
                                 + body)
            self.transport.close()

    HeaderTimeoutProtocol.__name__ = HeaderTimeoutProtocol.__qualname__ = "HeaderTimeoutProtocol"
    return HeaderTimeoutProtocol


HeaderTimeoutProtocol = _header_timeout_protocol()
