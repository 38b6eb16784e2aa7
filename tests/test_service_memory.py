"""A long-running worker's memory plateaus: texts full of never-seen words, sent over real HTTP
(uvicorn on 127.0.0.1) to every endpoint that checks text, leave spaCy's string store (the
store that grew without bound, 105k -> 245k strings over 80,000 texts) where it was.

The worker's Coach is built here, not shared, so its store counts only these requests.
`bench/http_soak.py` shows the same as the worker's RSS over many more requests.
"""

from __future__ import annotations

import json
import random
import string
import urllib.parse
import urllib.request

import pytest

from phrasecoach import Coach
from phrasecoach.config import load_settings
from phrasecoach.service import create_app
from service_support import running_server

ROUNDS = 20
PER_ROUND = 50


def fresh_word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))


def texts(rng: random.Random, n: int) -> list[str]:
    # each is parsed (an imperative, and a bare request) and holds words spaCy has never seen
    return [f"Send me the {fresh_word(rng)} receipt, {fresh_word(rng).upper()}. "
            f"Account {fresh_word(rng)} number?" for _ in range(n)]


def post(base: str, path: str, obj=None, form: dict | None = None) -> dict:
    if form is not None:
        data, ctype = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    else:
        data, ctype = json.dumps(obj).encode(), "application/json"
    req = urllib.request.Request(base + path, data=data, headers={"content-type": ctype})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200
        return json.loads(r.read())


@pytest.fixture(scope="module")
def worker():
    coach = Coach().warm()
    with running_server(create_app(load_settings(request_timeout_s=60), coach=coach)) as base:
        yield base, coach


ENDPOINTS = {
    "check batch": lambda base, ts: post(base, "/v1/check", {"texts": ts}),
    "check one": lambda base, ts: [post(base, "/v1/check", {"text": t}) for t in ts[:10]],
    "rewrite": lambda base, ts: [post(base, "/v1/rewrite", {"text": t}) for t in ts[:10]],
    "rewrite unsafe": lambda base, ts: [post(base, "/v1/rewrite", {"text": t, "applicability": "unsafe"})
                                        for t in ts[:10]],
    "score": lambda base, ts: post(base, "/v1/score", {"turns": [
        {"speaker": "customer" if i % 2 else "agent", "text": t} for i, t in enumerate(ts)]}),
    "languagetool": lambda base, ts: [post(base, "/v2/check", form={"text": t, "language": "en-US"})
                                      for t in ts[:10]],
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_new_words_do_not_pile_up(worker, endpoint):
    base, coach = worker
    rng = random.Random(endpoint)
    send = ENDPOINTS[endpoint]
    send(base, texts(rng, PER_ROUND))  # the first round may add strings the engine keeps
    strings = coach.nlp.vocab.strings
    before = len(strings)
    for _ in range(ROUNDS):
        send(base, texts(rng, PER_ROUND))
    grown = len(strings) - before
    # without memory zones every round adds hundreds of strings (three new words a text)
    assert grown < 50, f"{endpoint}: spaCy's string store grew by {grown} over {ROUNDS} rounds"
