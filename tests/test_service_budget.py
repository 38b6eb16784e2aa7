"""The time budget holds, over real HTTP against a real `phrasecoach serve` process (one worker).

What a client notices: a one-word request sent while the largest allowed batch is being checked
is answered in well under the budget; the batch gets its 503 at the budget, not a minute later;
the requests after it are fast again; /readyz says when the worker is saturated; and a body of
millions of list items is refused at once without freezing the worker.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from fastapi import APIRouter, Request

from phrasecoach.serving import checkpoint, engine_of
from service_support import make_app, running_server, serve_process

BIG_TEXT = ("Date of birth? Calm down. " * 800)[:20_000]
MAX_BATCH = {"texts": [BIG_TEXT] * 100}  # the documented limits: 100 texts of 20,000 characters
BUDGET_S = 2.0


def call(base: str, method: str, path: str, body: bytes | None = None, timeout: float = 120):
    """(status, seconds, parsed JSON or text) of one request."""
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"content-type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    took = time.monotonic() - started
    try:
        return status, took, json.loads(raw)
    except ValueError:
        return status, took, raw.decode("utf-8", "replace")


def one_text_cost() -> str:
    """For failure messages: a slice is one text, so its cost bounds every wait here."""
    from service_support import shared_coach

    coach = shared_coach()
    started = time.monotonic()
    coach.check(BIG_TEXT)
    return f"(one {len(BIG_TEXT):,}-character text takes {time.monotonic() - started:.2f} s to check in-process)"


def post(base: str, obj, **kw):
    return call(base, "POST", "/v1/check", json.dumps(obj).encode(), **kw)


@pytest.fixture(scope="module")
def server():
    with serve_process({"PHRASECOACH_REQUEST_TIMEOUT_S": str(BUDGET_S)}, ["--workers", "1"]) as (base, proc, log):
        yield base


def in_background(fn, *args):
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("result", fn(*args)), daemon=True)
    t.start()
    return t, out


def test_a_one_word_request_is_answered_while_the_largest_batch_is_checked(server):
    slow, slow_out = in_background(post, server, MAX_BATCH)
    time.sleep(0.3)  # the batch is being checked now
    status, took, body = post(server, {"text": "Hello"})
    assert status == 200 and took < 3.0, \
        f"the one-word request got {status} after {took:.2f} s behind the batch {one_text_cost()}"
    assert body["text"] == "Hello"
    slow.join(30)
    status, took, body = slow_out["result"]
    # the batch is cut off at its budget (plus at most one text being checked), not run to the end
    assert status == 503 and body["error"]["code"] == "E053"
    assert took < BUDGET_S + 1.5, f"the batch got its 503 after {took:.2f} s"
    # and the work it left behind does not hold up the next requests
    status, took, body = post(server, {"text": "Date of birth?"})
    assert status == 200 and body["findings"][0]["rule"] == "PC101"
    assert took < 1.0


def test_a_batch_within_the_budget_is_answered_whole_and_in_order(server):
    texts = [f"Date of birth? Order {i} is late." for i in range(100)] + ["Calm down."]
    status, _, body = post(server, {"texts": texts[:100]})
    assert status == 200 and len(body["reports"]) == 100
    assert [r["text"] for r in body["reports"]] == texts[:100]
    assert all(r["findings"][0]["rule"] == "PC101" for r in body["reports"])


def test_requests_share_the_worker_fairly(server):
    """Two large batches and a stream of small requests: every small one is quick."""
    half = {"texts": [BIG_TEXT] * 2}  # ~1 s of work, within the budget
    bigs = [in_background(post, server, half) for _ in range(2)]
    small = []
    for _ in range(5):
        time.sleep(0.15)
        small.append(post(server, {"text": "Send me the receipt."}))
    for t, _ in bigs:
        t.join(30)
    assert all(s == 200 for s, _, _ in small) and max(took for _, took, _ in small) < 1.5, \
        f"{[(s, round(t, 2)) for s, t, _ in small]} {one_text_cost()}"
    assert {out["result"][0] for _, out in bigs} <= {200, 503}


def test_readiness_says_when_the_worker_is_saturated(server):
    bigs = [in_background(post, server, MAX_BATCH) for _ in range(6)]
    seen = []
    deadline = time.monotonic() + BUDGET_S + 1
    while time.monotonic() < deadline:
        status, _, body = call(server, "GET", "/readyz", timeout=10)
        seen.append((status, body))
        if status == 503:
            break
        time.sleep(0.1)
    for t, _ in bigs:
        t.join(30)
    busy = [b for s, b in seen if s == 503]
    assert busy, f"/readyz never said saturated: {seen[-3:]}"
    assert busy[0]["error"]["code"] == "E055"
    # /healthz stays 200 (the process is fine), and readiness returns once the queue drains
    assert call(server, "GET", "/healthz")[0] == 200
    time.sleep(0.3)
    status, _, body = call(server, "GET", "/readyz")
    assert status == 200 and body["status"] == "ready" and body["queued"] == 0, f"{body} {one_text_cost()}"


def test_millions_of_list_items_are_refused_fast_without_freezing_the_worker(server):
    body = b'{"texts": [' + b",".join([b"1"] * 5_000_000) + b"]}"  # 10 MB
    health: list[float] = []
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            health.append(call(server, "GET", "/healthz", timeout=30)[1])
            time.sleep(0.05)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    time.sleep(0.2)
    status, took, err = call(server, "POST", "/v1/check", body)
    stop.set()
    t.join(30)
    assert status == 413 and err["error"]["code"] == "E040" and err["error"]["field"] == "texts"
    assert "5000000" in err["error"]["message"] and "limit is 100" in err["error"]["message"]
    assert took < 3.0, f"refused after {took:.2f} s"
    assert max(health) < 1.0, f"/healthz waited {max(health):.2f} s meanwhile"
    # the worker is fine afterwards
    assert post(server, {"text": "Calm down."})[0] == 200


def test_a_long_conversation_is_scored_within_the_budget_or_cut_off(server):
    turns = [{"speaker": "agent" if i % 2 else "customer", "text": BIG_TEXT} for i in range(100)]
    slow, slow_out = in_background(call, server, "POST", "/v1/score", json.dumps({"turns": turns}).encode())
    time.sleep(0.3)
    status, took, _ = post(server, {"text": "Hello"})
    slow.join(30)
    assert status == 200 and took < 3.0, f"{status} after {took:.2f} s {one_text_cost()}"
    status, took, body = slow_out["result"]
    assert status == 503 and body["error"]["code"] == "E053" and took < BUDGET_S + 1.5


def test_sigterm_with_work_in_flight_answers_and_exits():
    import signal

    with serve_process({"PHRASECOACH_REQUEST_TIMEOUT_S": str(BUDGET_S)}, ["--workers", "1"]) as (base, proc, log):
        calls = [in_background(post, base, MAX_BATCH) for _ in range(4)]
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        # uvicorn shuts down gracefully, then re-raises the signal (exit -15) with one worker
        assert proc.wait(BUDGET_S + 15) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < BUDGET_S + 10
        assert "Application shutdown complete" in log.read_text("utf-8", "replace")
        for t, out in calls:
            t.join(10)
            status, _, body = out["result"]
            assert status == 503 and body["error"]["code"] == "E053"  # answered, not dropped


# ---- the turn-taking itself, with work of a known cost (an extension router) --------------------
def test_long_work_stops_at_its_budget_and_lets_others_go_first():
    """A router added through the documented extension API runs 40 steps of ~50 ms with a
    checkpoint between: others are answered between its steps, and it stops at its budget."""
    steps: list[float] = []
    extra = APIRouter()

    @extra.post("/v1/long-job")
    async def long_job(request: Request):
        def work():
            for _ in range(40):
                checkpoint()
                end = time.monotonic() + 0.05
                while time.monotonic() < end:  # CPU work, holding the engine
                    pass
                steps.append(time.monotonic())
            return {"steps": len(steps)}

        return await engine_of(request).run(work)

    with running_server(make_app(routers=[extra], request_timeout_s=1.0)) as base:
        job, job_out = in_background(call, base, "POST", "/v1/long-job", b"{}")
        time.sleep(0.2)
        answers = [post(base, {"text": "Date of birth?"}) for _ in range(3)]
        job.join(10)
        time.sleep(0.2)  # the step running at the deadline finishes; no new one starts
        done = len(steps)
        time.sleep(0.5)
        status, took, body = job_out["result"]
    assert status == 503 and body["error"]["code"] == "E053" and took < 1.3, body
    assert all(s == 200 and t < 0.5 for s, t, _ in answers), [(s, round(t, 3)) for s, t, _ in answers]
    # the work stopped at its deadline: at most about 1 s of 50 ms steps, and none later
    assert 5 <= done <= 22 and len(steps) == done
