"""Shared by the HTTP service tests: one warmed Coach per test process, apps built around it,
and a real uvicorn server in a thread for clients that need a socket."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
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
def running_server(app):
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a thread; yield the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
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
