"""Shared by the HTTP service tests: one warmed Coach per test process, apps built around it,
and a real uvicorn server in a thread for clients that need a socket."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.parse
from collections.abc import Sequence
from functools import lru_cache

from phrasecoach import Coach
from phrasecoach.config import load_settings
from phrasecoach.service import create_app


@lru_cache(maxsize=1)
def shared_coach() -> Coach:
    return Coach().warm()


def make_app(*, web=None, routers=(), **overrides):
    """An app around the shared Coach, with settings overrides (api_keys, limits ...)."""
    settings = load_settings(**overrides)
    return create_app(settings, coach=shared_coach(), web=web, routers=routers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(app, *, lifespan: str = "on"):
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a thread; yield the base URL.
    `lifespan="off"` serves it without its start-up (the pipeline never loads)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def served(app, *, lifespan: str = "on"):
    """An httpx client on `app` served by uvicorn over a real socket (running_server)."""
    import httpx

    with running_server(app, lifespan=lifespan) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


@contextlib.contextmanager
def serve_process(env: dict | None = None, args: Sequence[str] = (), cwd=None, ready_timeout: float = 120):
    """`phrasecoach serve` as a real process on a free 127.0.0.1 port; yield (base URL, process,
    log path). Settings come from `env`; of the caller's PHRASECOACH_* only the suite-wide rule
    level (tests/conftest.py) is kept. Stopped by its own pid (SIGTERM, then SIGKILL)."""
    import os
    import subprocess
    import sys
    import tempfile
    import urllib.error
    import urllib.request
    from pathlib import Path

    exe = Path(sys.executable).with_name("phrasecoach")
    port = free_port()
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("PHRASECOACH_") or k == "PHRASECOACH_LEVEL"}
    full_env.update(env or {})
    folder = Path(cwd or tempfile.mkdtemp(prefix="phrasecoach-serve-"))
    log_path = folder / f"serve-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                            cwd=folder, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"phrasecoach serve exited {proc.returncode}:\n"
                                   + log_path.read_text("utf-8", "replace")[-3000:])
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("phrasecoach serve was not ready in time")
            time.sleep(0.1)
        yield base, proc, log_path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()


def send(base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None, *,
         timeout: float = 60, errors: str = "strict"):
    """(status, headers, body text) for raw bytes sent as they are, over a fresh connection.
    `errors` is how the body is decoded: "strict" also asserts the server wrote valid UTF-8."""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", errors)
    finally:
        c.close()
