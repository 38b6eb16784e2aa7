"""What the HTTP service's routes share: the per-worker engine, the time budget, API keys, errors.

Kept apart from `service.py` (the app factory and the JSON API) and `languagetool.py` (the
LanguageTool-compatible API) so both, and routers added later, use one copy of each.

Error codes used by the service, beside the engine's own (E007, E040 ...):
  E050  missing or wrong API key                  (401; 403 on the LanguageTool API)
  E051  no such rule or path                      (404)
  E052  method not allowed                        (405)
  E053  the request's time budget ran out         (503; 500 on the LanguageTool API)
  E054  the pipeline is not loaded yet            (503)
"""

from __future__ import annotations

import asyncio
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.requests import Request

from .config import Settings
from .engine import Coach, _selector_matches
from .errors import InputError, PhrasecoachError, SelectionError

T = TypeVar("T")

MAX_VARIANTS = 16
# Run once at start-up so the first real request does not pay spaCy's first-call costs.
WARM_TEXT = "Date of birth? Calm down, you should have called earlier. Pls DM your PNR."


class RequestError(InputError):
    """Bad input in a request: an HTTP status and the field at fault ride along."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422, hint: str = ""):
        super().__init__(message, hint=hint)
        self.field = field
        self.status = status


class ServiceError(PhrasecoachError):
    """A service-level failure with its own code and HTTP status."""

    def __init__(self, code: str, status: int, message: str, *, field: str | None = None,
                 hint: str = ""):
        super().__init__(message, hint=hint)
        self.code = code
        self.status = status
        self.field = field


def http_error(err: PhrasecoachError, *, status: int, field: str | None = None) -> PhrasecoachError:
    """Attach an HTTP status and the field at fault to any coded error."""
    err.status = status  # type: ignore[attr-defined]
    err.field = field  # type: ignore[attr-defined]
    return err


def unauthorized() -> ServiceError:
    return ServiceError("E050", 401, "missing or wrong API key",
                        hint="send `Authorization: Bearer <key>` or `X-API-Key: <key>`")


def not_ready() -> ServiceError:
    return ServiceError("E054", 503, "the spaCy pipeline is still loading; try again shortly")


def budget_exceeded(seconds: float) -> ServiceError:
    return ServiceError("E053", 503, f"checking took longer than this server's limit of {seconds:g} s",
                        hint="send shorter texts or smaller batches")


# ---- API keys -------------------------------------------------------------------------
def key_matches(candidate: str | None, keys: Sequence[str]) -> bool:
    """Constant-time comparison against every configured key (no early exit)."""
    if not candidate:
        return False
    given = candidate.encode("utf-8")
    ok = False
    for k in keys:
        ok |= hmac.compare_digest(given, k.encode("utf-8"))
    return ok


def key_from_headers(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def require_api_key(request: Request) -> None:
    """FastAPI dependency for protected routers: 401 unless a configured key is sent."""
    keys = request.app.state.settings.api_keys
    if keys and not key_matches(key_from_headers(request), keys):
        raise unauthorized()


# ---- the engine -----------------------------------------------------------------------
class Engine:
    """One Coach per worker, built and warmed once, plus a small cache of selection variants.

    Engine calls run one at a time, in order, on one engine thread per worker (the work is
    CPU-bound and holds the GIL, so running calls side by side would only interleave them and
    stretch every latency), each inside the request's time budget. A request whose budget
    runs out is answered at once (503); if its work had not started it is dropped, otherwise
    it finishes on the engine thread and its result is thrown away. Scale with more worker
    processes, not threads.
    """

    def __init__(self, settings: Settings, coach: Coach | None = None):
        self.settings = settings
        self.coach = coach
        self.ready = False
        self._variants: OrderedDict[tuple, Coach] = OrderedDict()
        self._variants_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    # lifecycle
    def load(self) -> None:
        """Build and warm the Coach (blocking; called once per worker at start-up)."""
        if self.coach is None:
            self.coach = Coach(settings=self.settings)
        self.coach.warm()
        self.coach.check(WARM_TEXT)
        from .pipeline import freeze_heap

        freeze_heap()  # the service's own process: the model never needs collecting
        self.ready = True

    async def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phrasecoach-engine")
        await asyncio.get_running_loop().run_in_executor(self._pool, self.load)

    async def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def base(self) -> Coach:
        if not self.ready or self.coach is None:
            raise not_ready()
        return self.coach

    @property
    def pack_ids(self) -> list[str]:
        return [p.meta.id for p in self.base().packs]

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
                packs: Sequence[str] | None = None) -> Coach:
        """The Coach for a request's selection: the base one, or a cached variant.

        `select` replaces the server's select; `ignore` adds to the server's ignore; `packs`
        keeps only rules from those already-configured pack ids (never a path).
        """
        base = self.base()
        if not select and not ignore and packs is None:
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
        key = (tuple(select), tuple(ignore), tuple(extra_ignore))
        with self._variants_lock:
            hit = self._variants.get(key)
            if hit is not None:
                self._variants.move_to_end(key)
                return hit
        settings = base.settings.model_copy(update={
            "select": select or list(base.settings.select),
            "ignore": [*base.settings.ignore, *ignore, *extra_ignore],
        })
        coach = Coach(settings=settings, nlp=base.nlp if base.needs_parse else None)
        with self._variants_lock:
            self._variants[key] = coach
            while len(self._variants) > MAX_VARIANTS:
                self._variants.popitem(last=False)
        return coach

    # running work within the time budget
    @staticmethod
    def _guarded(deadline: float, fn: Callable[..., T], args: tuple) -> T | None:
        if time.monotonic() > deadline:
            return None  # the request already answered 503; skip the work
        return fn(*args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the engine thread within the request time budget."""
        pool = self._pool
        if not self.ready or pool is None:
            raise not_ready()
        budget = self.settings.request_timeout_s
        deadline = time.monotonic() + budget
        future = asyncio.get_running_loop().run_in_executor(pool, self._guarded, deadline, fn, args)
        try:
            async with asyncio.timeout(budget):
                return await future
        except TimeoutError:
            raise budget_exceeded(budget) from None


def engine_of(request: Request) -> Engine:
    return request.app.state.engine
