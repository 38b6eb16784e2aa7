"""End to end: `phrasecoach serve` as a real process (2 workers) on a free 127.0.0.1 port, over HTTP.

The server runs from an empty folder with a config file given by --config and an API key in
the environment, so this also proves the workers (separate processes) receive both.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from service_support import free_port

KEY = "e2e-secret-key"


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    exe = Path(sys.executable).with_name("phrasecoach")
    assert exe.exists(), f"no phrasecoach executable beside {sys.executable}"
    folder = tmp_path_factory.mktemp("serve")
    config = folder / "phrasecoach.toml"
    config.write_text("max_text_chars = 500\nmax_batch = 5\n", "utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_") or k == "PHRASECOACH_LEVEL"}
    env["PHRASECOACH_API_KEYS"] = KEY
    log = (folder / "server.log").open("w+b")
    proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "2", "--config", str(config)],
                            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            if http("GET", base + "/readyz")[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("server not ready within 90 s")
        time.sleep(0.2)
    yield base, proc, log
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.close()


def auth(extra: dict | None = None) -> dict:
    return {"Authorization": f"Bearer {KEY}", **(extra or {})}


def test_check_over_http_gives_a_finding_and_a_suggestion(server):
    base, _, _ = server
    status, headers, text = http("POST", base + "/v1/check", json.dumps({"text": "Date of birth?"}).encode(),
                                 auth({"content-type": "application/json", "X-Request-ID": "e2e-1"}))
    assert status == 200
    body = json.loads(text)
    assert body["findings"][0]["rule"] == "PC101"
    assert body["findings"][0]["suggestions"][0]["replacement"] == "May I have your date of birth?"
    assert headers["x-request-id"] == "e2e-1"


def test_score_a_conversation_over_http(server):
    base, _, _ = server
    conv = {"id": "e2e-conv", "turns": [
        {"speaker": "caller", "text": "This is the third time I'm calling about this!"},
        {"speaker": "agent", "text": "Account number?"}]}
    status, _, text = http("POST", base + "/v1/score", json.dumps(conv).encode(),
                           auth({"content-type": "application/json"}))
    assert status == 200
    body = json.loads(text)
    assert body["id"] == "e2e-conv" and body["score"] < 100
    assert {d["rule"] for d in body["deductions"]} == {"PC101", "PC701"}
    status, _, text = http("POST", base + "/v1/score", b'{"turns": [{"speaker": "agent"}]}',
                           auth({"content-type": "application/json"}))
    assert status == 422 and json.loads(text)["error"]["field"] == "turns[0].text"


def test_two_worker_processes_serve_batches(server):
    base, proc, _ = server
    for _ in range(40):
        status, _, text = http("POST", base + "/v1/check", json.dumps({"texts": ["Calm down.", "Hi"]}).encode(),
                               auth())
        assert status == 200 and json.loads(text)["reports"][0]["findings"][0]["rule"] == "PC401"
    # two worker processes under the supervisor
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
    seen = {line.strip() for line in out.stdout.splitlines() if line.strip()}
    assert len(seen) >= 2


def test_keys_config_and_languagetool_over_http(server):
    base, _, _ = server
    assert http("POST", base + "/v1/check", b'{"text": "Date of birth?"}')[0] == 401
    assert http("GET", base + "/healthz")[0] == 200
    status, _, text = http("POST", base + "/v1/check", json.dumps({"text": "x" * 501}).encode(), auth())
    assert status == 413 and json.loads(text)["error"]["field"] == "text"  # from --config
    form = urllib.parse.urlencode({"text": "Thanks 😀 for waiting. Calm down.", "language": "en-US"}).encode()
    status, headers, text = http("POST", base + "/v2/check", form, auth({"content-type": "application/json"}))
    assert status == 200 and headers["content-type"].startswith("application/json")
    m = json.loads(text)["matches"][0]
    assert m["rule"]["id"] == "PC401" and m["offset"] == len("Thanks 😀 for waiting. ") + 1
    status, _, text = http("GET", base + "/v2/check?text=hi")
    assert status == 403 and text.startswith("Error: ")  # no key
    status, _, text = http("GET", base + "/v2/check?text=hi", headers={"X-API-Key": KEY})
    assert status == 400 and text.startswith("Error: ")
    status, _, text = http("GET", base + "/docs")
    assert status == 200 and "swagger" in text.lower()


def test_request_text_stays_out_of_the_log(server):
    base, _, log = server
    http("GET", base + "/v2/check?" + urllib.parse.urlencode(
        {"text": "my secret 4111111111111111 Date of birth?", "language": "en-US", "apiKey": KEY}))
    time.sleep(0.3)
    log.seek(0)
    out = log.read().decode(errors="replace")
    assert '"GET /v2/check" 200' in out
    assert "4111111111111111" not in out and KEY not in out


def test_terminates_cleanly(server):
    _, proc, _ = server
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_serve_refuses_bad_settings_before_starting(tmp_path, capsys, monkeypatch):
    from phrasecoach.cli import main

    monkeypatch.delenv("PHRASECOACH_CONFIG", raising=False)
    assert main(["serve", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "E020" in capsys.readouterr().err
    bad = tmp_path / "phrasecoach.toml"
    bad.write_text('select = ["no-such-rule-anywhere"]\n', "utf-8")
    assert main(["serve", "--config", str(bad)]) == 2
    assert "E007" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2
    assert "PHRASECOACH_CONFIG" not in os.environ  # a refused config is not left for others


def test_serve_help(capsys):
    from phrasecoach.cli import main

    with pytest.raises(SystemExit) as e:
        main(["serve", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "--workers" in out and "--port" in out and "--config" in out


def test_api_main_exposes_the_app():
    import runpy

    from fastapi import FastAPI

    ns = runpy.run_path(str(Path(__file__).resolve().parents[1] / "api" / "main.py"))
    assert isinstance(ns["app"], FastAPI)
