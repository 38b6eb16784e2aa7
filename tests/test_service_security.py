"""Security behaviour a client or an operator can observe, over real HTTP.

API keys (a blank key setting is refused; non-ASCII keys work), the log never holds a key even
with `log_text` on, the agent's page carries security headers, and a client that sends its
request headers slowly (slowloris) is cut off instead of holding a connection open.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from phrasecoach.config import load_settings
from phrasecoach.errors import ConfigError
from phrasecoach.service import static_dir
import service_support
from service_support import free_port, make_app, running_server, serve_process

PHRASECOACH = Path(sys.executable).with_name("phrasecoach")
DOB = "Date of birth?"


def send(base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    return service_support.send(base, method, path, body, headers, timeout=30, errors="replace")


# ---- a key setting that names no key -------------------------------------------------------------
@pytest.mark.parametrize("value", [" , ", ",", '[""]', '["k-1", " "]'])
def test_a_blank_api_key_setting_stops_serve(tmp_path, value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_") or k == "PHRASECOACH_LEVEL"}
    env["PHRASECOACH_API_KEYS"] = value
    out = subprocess.run([str(PHRASECOACH), "serve", "--port", str(free_port())], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "E020" in out.stderr and "api_keys" in out.stderr and "empty key" in out.stderr
    assert "serving on" not in out.stderr  # it never started without authentication


def test_a_blank_key_in_the_config_file_is_refused_too(tmp_path, monkeypatch):
    monkeypatch.delenv("PHRASECOACH_API_KEYS", raising=False)
    cfg = tmp_path / "phrasecoach.toml"
    cfg.write_text('api_keys = ["k-1", ""]\n', "utf-8")
    with pytest.raises(ConfigError, match="empty key"):
        load_settings(cfg)
    cfg.write_text('api_keys = []\n', "utf-8")  # an explicit empty list: no keys, on purpose
    assert load_settings(cfg).api_keys == []
    monkeypatch.setenv("PHRASECOACH_API_KEYS", " k-1 , k-2 ")
    assert load_settings().api_keys == ["k-1", "k-2"]


# ---- non-ASCII keys ------------------------------------------------------------------------------
KEY = "clé-ünï-🔑"


@pytest.fixture(scope="module")
def keyed():
    with running_server(make_app(api_keys=[KEY, "k-plain"])) as base:
        yield base


def test_a_non_ascii_key_works_as_utf8_header_bytes(keyed):
    body = json.dumps({"text": DOB}).encode()
    utf8 = KEY.encode("utf-8")
    assert send(keyed, "POST", "/v1/check", body, {"X-API-Key": utf8})[0] == 200
    assert send(keyed, "POST", "/v1/check", body, {"Authorization": b"Bearer " + utf8})[0] == 200
    assert send(keyed, "POST", "/v1/check", body, {"X-API-Key": utf8[:-1] + b"?"})[0] == 401
    assert send(keyed, "POST", "/v1/check", body, {"X-API-Key": b"k-plain"})[0] == 200
    assert send(keyed, "POST", "/v1/check", body)[0] == 401


def test_a_latin1_key_works_as_latin1_or_utf8_bytes():
    key = "mot-de-passe-été"
    with running_server(make_app(api_keys=[key])) as base:
        body = json.dumps({"text": DOB}).encode()
        assert send(base, "POST", "/v1/check", body, {"X-API-Key": key.encode("latin-1")})[0] == 200
        assert send(base, "POST", "/v1/check", body, {"X-API-Key": key.encode("utf-8")})[0] == 200
        assert send(base, "POST", "/v1/check", body, {"X-API-Key": b"mot-de-passe-ete"})[0] == 401


def test_a_non_ascii_key_works_as_the_languagetool_apikey_field(keyed):
    form = urllib.parse.urlencode({"text": DOB, "language": "en-US", "apiKey": KEY}).encode()
    status, _, text = send(keyed, "POST", "/v2/check", form)
    assert status == 200 and json.loads(text)["matches"][0]["rule"]["id"] == "PC101"
    status, _, _ = send(keyed, "GET", "/v2/check?" + urllib.parse.urlencode(
        {"text": DOB, "language": "en-US", "apiKey": KEY}))
    assert status == 200
    form = urllib.parse.urlencode({"text": DOB, "language": "en-US", "apiKey": KEY[:-1]}).encode()
    assert send(keyed, "POST", "/v2/check", form)[0] == 403


# ---- the log, with log_text on -------------------------------------------------------------------
def test_log_text_logs_the_query_but_never_the_api_key(tmp_path):
    secret = "k-SECRET-4c1d"
    env = {"PHRASECOACH_API_KEYS": secret, "PHRASECOACH_LOG_TEXT": "true"}
    with serve_process(env, cwd=tmp_path) as (base, _, log_path):
        for name, status in (("apiKey", 200), ("%61piKey", 200), ("apikey", 403)):
            q = f"text=Date+of+birth%3F+MARKER-{name.strip('%')}&language=en-US&{name}={secret}"
            assert send(base, "GET", "/v2/check?" + q)[0] == status
        send(base, "GET", "/v2/check?" + urllib.parse.urlencode({"text": "x", "language": "en", "apiKey": "wrong-" + secret}))
        time.sleep(0.5)
        log = log_path.read_text("utf-8", "replace")
    assert "MARKER-apiKey" in log  # log_text is on: the text may be logged
    assert "apiKey=***" in log and "%61piKey=***" in log
    assert secret not in log


# ---- security headers ----------------------------------------------------------------------------
def test_the_page_carries_security_headers():
    with running_server(make_app(web=static_dir())) as base:
        status, h, html = send(base, "GET", "/")
        assert status == 200 and "<script src=\"static/app.js\"" in html
        csp = h["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp
        assert directives["default-src"] == "'none'" and directives["connect-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'" and h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        status, h, _ = send(base, "GET", "/static/app.js")
        assert status == 200 and h["x-content-type-options"] == "nosniff"
        # the API answers carry nosniff too; the page's CSP is the page's only
        status, h, _ = send(base, "POST", "/v1/check", json.dumps({"text": DOB}).encode())
        assert status == 200 and h["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in h


# ---- slow request headers (slowloris) --------------------------------------------------------------
@pytest.fixture(scope="module")
def quick_headers():
    with serve_process({"PHRASECOACH_HEADER_TIMEOUT_S": "1"}) as (base, proc, log):
        yield urllib.parse.urlsplit(base).port


def _drip(port: int, pieces: list[bytes], gap: float) -> tuple[float, bytes]:
    """Send `pieces` `gap` seconds apart; (seconds until the server answered or closed, answer)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(15)
    started = time.monotonic()
    got = b""
    try:
        for piece in pieces:
            s.sendall(piece)
            time.sleep(gap)
        got = s.recv(4096)
    except OSError:  # the server closed the connection while we were still dripping
        try:
            got = s.recv(4096)
        except OSError:
            pass
    finally:
        s.close()
    return time.monotonic() - started, got


def test_headers_sent_one_line_at_a_time_are_cut_off(quick_headers):
    lines = [b"GET /healthz HTTP/1.1\r\n"] + [b"X-Slow: 1\r\n"] * 30 + [b"\r\n"]
    took, got = _drip(quick_headers, lines, 0.3)
    assert took < 3, f"held for {took:.1f} s"  # not the 9 s the client wanted
    assert got == b"" or got.startswith(b"HTTP/1.1 408")


def test_a_silent_connection_is_closed(quick_headers):
    took, got = _drip(quick_headers, [], 0)
    assert took < 3 and got.startswith(b"HTTP/1.1 408")


def test_slow_connections_do_not_hold_up_others(quick_headers):
    held = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", quick_headers))
        s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\n")
        held.append(s)
    try:
        c = http.client.HTTPConnection("127.0.0.1", quick_headers, timeout=10)
        started = time.monotonic()
        c.request("POST", "/v1/check", body=json.dumps({"text": DOB}).encode())
        r = c.getresponse()
        assert r.status == 200 and json.loads(r.read())["findings"][0]["rule"] == "PC101"
        assert time.monotonic() - started < 2
        # keep-alive still works: an idle gap longer than the header timeout is not a slow header
        time.sleep(1.5)
        c.request("GET", "/healthz")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b'{"status":"ok"}'
        c.close()
        time.sleep(1.5)
        for s in held:  # by now every dripping connection was closed by the server
            s.settimeout(2)
            assert s.recv(4096).startswith(b"HTTP/1.1 408")
    finally:
        for s in held:
            s.close()
