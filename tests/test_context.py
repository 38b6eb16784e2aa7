"""The customer's last message as context: what they asked for is help, what they wrote first is theirs."""

from __future__ import annotations

import os
import subprocess
import sys

from phrasecoach import Coach
from phrasecoach.text import customer_context


def coach() -> Coach:
    return Coach(level="picky")


def test_an_instruction_the_customer_asked_for_is_not_an_order():
    text = "Unplug the modem for thirty seconds."
    assert [f.rule for f in coach().check(text).findings] == ["PC102"]
    assert coach().check(text, context="How do I get the internet back?").findings == ()
    # a complaint is not a question: the instruction is still an order
    assert [f.rule for f in coach().check(text, context="The internet is down AGAIN.").findings] == ["PC102"]


def test_an_acronym_the_customer_used_first_is_not_jargon():
    assert [f.rule for f in coach().check("Your RMA is ready.").findings] == ["PC501"]
    assert coach().check("Your RMA is ready.", context="is my RMA ready yet??").findings == ()


def test_the_customers_acronym_counts_in_the_singular_and_the_plural():
    text = "Your MQM balance is 2,000."
    assert [f.rule for f in coach().check(text).findings] == ["PC502"]
    assert coach().check(text, context="How many MQMs do I have?").findings == ()
    assert coach().check("Your MQMs reset in January.", context="what's my MQM total").findings == ()
    # a different word that merely starts the same is no echo
    assert [f.rule for f in coach().check(text, context="how many MQDs do I have?").findings] == ["PC502"]


def test_a_reply_to_a_happy_customer_is_banter():
    text = "Don't spend it all in one place!"
    assert [f.rule for f in coach().check(text).findings] == ["PC106"]
    assert coach().check(text, context="Thanks for the bonus points, love it 😀").findings == ()


def test_context_runs_beside_texts_in_check_many_and_rewrite():
    texts = ["Unplug the modem.", "Unplug the modem."]
    reps = list(coach().check_many(texts, contexts=["how do I fix it?", None]))
    assert [len(r.findings) for r in reps] == [0, 1]
    assert coach().rewrite("Unplug the modem.", context="how do I fix it?").rewritten == "Unplug the modem."


def test_context_on_the_command_line():
    env = {**os.environ, "PHRASECOACH_LEVEL": "picky"}
    run = [sys.executable, "-m", "phrasecoach.cli", "check", "--format", "jsonl"]
    plain = subprocess.run(run, input="Unplug the modem.", capture_output=True, text=True, env=env)
    asked = subprocess.run([*run, "--context", "how do I fix it?"], input="Unplug the modem.",
                           capture_output=True, text=True, env=env)
    assert plain.returncode == 1 and '"PC102"' in plain.stdout
    assert asked.returncode == 0 and '"findings": []' in asked.stdout


def test_scoring_gives_each_agent_turn_the_customer_message_before_it():
    turns = [("customer", "hi"), ("agent", "Hello!"), ("customer", "what is an RMA?"),
             ("customer", "and where is mine?"), ("agent", "Your RMA is approved.")]
    assert customer_context(turns, 4) == "what is an RMA?\nand where is mine?"
    assert customer_context(turns, 1) == "hi"
    assert customer_context([("agent", "Hi")], 0) == ""
    conv = coach().score_conversation([{"speaker": s, "text": t} for s, t in turns])
    assert not [d for d in conv.deductions if d.rule == "PC501"]


# ---- over HTTP: /v1/check, /v1/rewrite and LanguageTool's data.metaData ---------------------
def _post(base: str, path: str, body: dict | bytes, ctype: str = "application/json"):
    import json as _json
    import urllib.request

    data = body if isinstance(body, bytes) else _json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"content-type": ctype})
    with urllib.request.urlopen(req, timeout=30) as r:
        return _json.loads(r.read())


def test_context_and_level_over_http():
    import json as _json
    import urllib.parse

    from service_support import make_app, running_server

    with running_server(make_app()) as base:
        text = "Unplug the modem for thirty seconds."
        assert _post(base, "/v1/check", {"text": text, "level": "picky"})["findings"]
        asked = _post(base, "/v1/check", {"text": text, "level": "picky", "context": "how do I fix it?"})
        assert asked["findings"] == []
        batch = _post(base, "/v1/check", {"texts": [text, text], "level": "picky", "context": "how do I fix it?"})
        assert [r["findings"] for r in batch["reports"]] == [[], []]
        rw = _post(base, "/v1/rewrite", {"text": "Your RMA is ready.", "level": "picky", "context": "is my RMA ready?"})
        assert rw["rewritten"] == "Your RMA is ready."
        # LanguageTool clients send the customer's message as data.metaData.context
        form = urllib.parse.urlencode({"language": "en-US", "level": "picky", "data": _json.dumps(
            {"text": text, "metaData": {"context": "how do I fix it?"}})}).encode()
        lt = _post(base, "/v2/check", form, "application/x-www-form-urlencoded")
        assert lt["matches"] == []
        form = urllib.parse.urlencode({"language": "en-US", "level": "picky", "data": _json.dumps(
            {"text": text})}).encode()
        assert _post(base, "/v2/check", form, "application/x-www-form-urlencoded")["matches"]
