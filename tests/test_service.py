"""The HTTP service over real HTTP (uvicorn on 127.0.0.1, an httpx client): every endpoint and
every error path.

The engine is real (one warmed Coach shared by every app here); nothing is mocked.
"""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import APIRouter, Request

from phrasecoach.serving import engine_of
from service_support import make_app, served, shared_coach

DOB = "Date of birth?"
CALM = "Calm down."


@pytest.fixture(scope="module")
def client():
    with served(make_app()) as c:
        yield c


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def example(rule_id: str) -> str:
    return shared_coach().rule(rule_id).spec.examples.flag[0].plain


# ---- health ---------------------------------------------------------------------------
def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready" and body["rules"] == len(shared_coach().rules)


def test_not_ready_before_start_up():
    with served(make_app(), lifespan="off") as c:  # served without its start-up: no pipeline
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "E054"
        r = c.post("/v1/check", json={"text": DOB})
        assert r.status_code == 503 and r.json()["error"]["code"] == "E054"


# ---- /v1/check --------------------------------------------------------------------------
def test_check_one_text_gives_the_cli_report_with_a_suggestion(client):
    r = client.post("/v1/check", json={"text": DOB})
    assert r.status_code == 200
    body = r.json()
    expected = shared_coach().check(DOB).to_dict()
    assert {k: v for k, v in body.items() if k != "failed"} == expected
    assert body["schema_version"] == 1 and body["failed"] is True
    f = body["findings"][0]
    assert f["rule"] == "PC101" and f["suggestions"][0]["replacement"] == "May I have your date of birth?"
    assert body["rewritten"] == "May I have your date of birth?"


def test_check_batch_keeps_order_and_matches_in_process(client):
    texts = [DOB, "Thanks for waiting, I have fixed it.", CALM]
    r = client.post("/v1/check", json={"texts": texts})
    assert r.status_code == 200
    body = r.json()
    assert body["schema_version"] == 1 and body["failed"] is True
    assert body["reports"] == [shared_coach().check(t).to_dict() for t in texts]


def test_check_fail_on(client):
    only_warning = example("PC301")
    assert client.post("/v1/check", json={"text": only_warning}).json()["failed"] is True
    assert client.post("/v1/check", json={"text": only_warning, "fail_on": "error"}).json()["failed"] is False
    assert client.post("/v1/check", json={"text": CALM, "fail_on": "error"}).json()["failed"] is True
    assert client.post("/v1/check", json={"text": CALM, "fail_on": "none"}).json()["failed"] is False


def test_check_select_ignore_and_packs(client):
    text = f"{DOB} {CALM}"
    rules = lambda body: {f["rule"] for f in body["findings"]}  # noqa: E731
    both = rules(client.post("/v1/check", json={"text": text}).json())
    assert {"PC101", "PC401"} <= both
    assert rules(client.post("/v1/check", json={"text": text, "select": ["dismissive"]}).json()) == {"PC401"}
    assert "PC101" not in rules(client.post("/v1/check", json={"text": text, "ignore": ["PC101"]}).json())
    assert rules(client.post("/v1/check", json={"text": text, "packs": ["core"]}).json()) == both
    # the base selection is untouched by a variant
    assert rules(client.post("/v1/check", json={"text": text}).json()) == both


@pytest.mark.parametrize("body,field", [
    ({"text": DOB, "select": ["nothing-like-this"]}, "select"),
    ({"text": DOB, "ignore": ["PC999"]}, "ignore"),
    ({"text": DOB, "packs": ["/etc/passwd"]}, "packs"),
    ({"text": DOB, "packs": ["../rules/core"]}, "packs"),
])
def test_check_bad_selection_is_422_naming_the_field(client, body, field):
    r = client.post("/v1/check", json=body)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "E007" and err["field"] == field


@pytest.mark.parametrize("raw,field,words", [
    (b'{"text": 1}', "text", "valid string"),
    (b'{"texts": ["ok", 3]}', "texts[1]", "valid string"),
    (b'{"text": "a"', "body", "malformed JSON"),
    (b'{"txt": "a"}', "txt", "not permitted"),
    (b'["a"]', "body", "JSON object"),
    (b'', "body", "JSON object"),
    (b'{"text": "a", "fail_on": "sometimes"}', "fail_on", "fail_on"),
    (b'{"text": "a", "select": "command"}', "select", "valid list"),
    (b'{"text": "a", "texts": ["b"]}', "texts", "exactly one"),
    (b'{"select": ["command"]}', "text", "exactly one"),
    (b'{"texts": []}', "texts", "at least one"),
])
def test_check_malformed_or_wrong_types_are_422_naming_the_field(client, raw, field, words):
    r = client.post("/v1/check", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "E040" and err["field"] == field
    assert words in err["message"]


def test_check_reads_json_whatever_the_content_type(client):
    for headers in ({}, {"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"}):
        r = client.post("/v1/check", content=json.dumps({"text": DOB}).encode(), headers=headers)
        assert r.status_code == 200 and r.json()["findings"][0]["rule"] == "PC101"


def test_too_long_text_and_too_large_batch_are_413():
    with served(make_app(max_text_chars=50, max_batch=3)) as c:
        r = c.post("/v1/check", json={"text": "x" * 51})
        assert r.status_code == 413
        assert r.json()["error"] == {"code": "E040", "field": "text", "message": r.json()["error"]["message"]}
        assert "limit is 50" in r.json()["error"]["message"]
        assert c.post("/v1/check", json={"text": "x" * 50}).status_code == 200
        r = c.post("/v1/check", json={"texts": ["a"] * 4})
        assert r.status_code == 413 and r.json()["error"]["field"] == "texts"
        r = c.post("/v1/check", json={"texts": ["a", "x" * 51]})
        assert r.status_code == 413 and r.json()["error"]["field"] == "texts[1]"
        r = c.post("/v1/rewrite", json={"text": "x" * 51})
        assert r.status_code == 413 and r.json()["error"]["field"] == "text"
        # a body far beyond any allowed request is refused before it is parsed
        r = c.post("/v1/check", content=b"{" + b" " * (2 << 20) + b"}",
                   headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["field"] == "body"
        r = c.post("/v2/check", content=b"text=" + b"a" * (2 << 20))
        assert r.status_code == 413 and r.text.startswith("Error: ")


# ---- /v1/rewrite --------------------------------------------------------------------------
def test_rewrite_safe_and_unsafe(client):
    r = client.post("/v1/rewrite", json={"text": DOB})
    assert r.status_code == 200
    body = r.json()
    assert body["rewritten"] == "May I have your date of birth?"
    assert body["edits"][0] == {"rule": "PC101", "start": 0, "end": 14, "original": DOB,
                                "replacement": "May I have your date of birth?", "applicability": "safe"}
    text = example("PC102")
    unsafe = client.post("/v1/rewrite", json={"text": text, "applicability": "unsafe"}).json()
    assert unsafe["rewritten"] == shared_coach().rewrite(text, "unsafe").rewritten
    assert unsafe["rewritten"] != text


@pytest.mark.parametrize("body,field", [
    ({"text": DOB, "applicability": "display"}, "applicability"),
    ({"applicability": "safe"}, "text"),
    ({"text": ["a"]}, "text"),
])
def test_rewrite_errors(client, body, field):
    r = client.post("/v1/rewrite", json=body)
    assert r.status_code == 422 and r.json()["error"]["field"] == field


# ---- /v1/score -------------------------------------------------------------------------------
WAITED = [{"speaker": "customer", "text": "I've been waiting 40 minutes for this!"},
          {"speaker": "rep", "text": "Order number?"}]


def test_score_traces_every_point_to_a_turn_a_span_and_a_rule(client):
    r = client.post("/v1/score", json={"id": "t-1", "agent": "ana", "turns": WAITED})
    assert r.status_code == 200
    body = r.json()
    assert (body["id"], body["agent"]) == ("t-1", "ana")
    rules = sorted(d["rule"] for d in body["deductions"])
    assert rules == ["PC101", "PC701"]  # the bare request, and the wait nobody acknowledged
    assert body["score"] == 100 - sum(d["points"] for d in body["deductions"]) + body["bonus"]
    pc101 = next(d for d in body["deductions"] if d["rule"] == "PC101")
    assert pc101["turn"] == 1 and pc101["text"] == "Order number?"
    assert body["counts"]["missed-acknowledgment"] == 1
    # the agent turn carries the `check` report shape, suggestion included
    turn = body["turns"][0]
    assert turn["turn"] == 1 and turn["findings"][0]["suggestions"][0]["replacement"] == \
        "May I have your order number?"
    # the library gives the same result
    lib = shared_coach().score_conversation(WAITED, id="t-1", agent="ana").to_dict()
    assert lib == body


def test_score_acknowledged_wait_costs_nothing(client):
    turns = [WAITED[0], {"speaker": "agent", "text": "I'm sorry you've had to wait so long."}]
    body = client.post("/v1/score", json={"turns": turns}).json()
    assert body["score"] == 100 and body["deductions"] == []
    assert body["signals"][0]["acknowledged"] is True


@pytest.mark.parametrize("payload, field, words", [
    ({"turns": []}, "turns", "at least 1"),
    ({"turns": [{"speaker": "robot", "text": "hi"}]}, "turns", "unknown speaker robot"),
    ({"turns": [{"speaker": "customer", "text": "hello?"}]}, "turns", "no agent turn"),
    ({"turns": [{"speaker": "agent"}]}, "turns[0].text", "Field required"),
    ({"turns": [{"speaker": "agent", "text": "hi", "mood": "x"}]}, "turns[0].mood", "Extra inputs"),
])
def test_score_rejects_bad_conversations_with_the_field(client, payload, field, words):
    r = client.post("/v1/score", json=payload)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "E040" and err["field"] == field and words.lower() in err["message"].lower()


def test_score_text_over_the_limit_is_413():
    with served(make_app(max_text_chars=20)) as c:
        r = c.post("/v1/score", json={"turns": [{"speaker": "agent", "text": "x" * 21}]})
    assert r.status_code == 413 and r.json()["error"]["field"] == "turns[0].text"


# ---- /v1/rules -----------------------------------------------------------------------------
def test_rules_list_and_show(client):
    rules = client.get("/v1/rules").json()["rules"]
    assert [r["id"] for r in rules] == sorted(r.id for r in shared_coach().rules)
    pc101 = next(r for r in rules if r["id"] == "PC101")
    assert pc101["message"] and pc101["why"] and pc101["examples"]["flag"] and pc101["examples"]["pass"]
    assert client.get("/v1/rules/PC101").json() == pc101


def test_unknown_rule_is_404_json(client):
    r = client.get("/v1/rules/PC000")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "E051" and "PC000" in r.json()["error"]["message"]


def test_unknown_path_and_wrong_method(client):
    r = client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "E051"
    r = client.get("/v1/check")
    assert r.status_code == 405 and r.json()["error"]["code"] == "E052"


# ---- request ids, logs ------------------------------------------------------------------------
def test_every_response_carries_a_request_id(client):
    seen = set()
    for method, path, kw in [("get", "/healthz", {}), ("post", "/v1/check", {"json": {"text": DOB}}),
                             ("post", "/v1/check", {"content": b"{"}), ("get", "/nope", {}),
                             ("get", "/v2/check", {}), ("get", "/v2/languages", {})]:
        r = getattr(client, method)(path, **kw)
        rid = r.headers["x-request-id"]
        assert rid and rid not in seen
        seen.add(rid)
    r = client.get("/healthz", headers={"X-Request-ID": "ticket-123.abc"})
    assert r.headers["x-request-id"] == "ticket-123.abc"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert r.headers["x-request-id"] != "bad id\twith spaces"


def test_request_text_is_not_logged(client, caplog):
    secret = "My card number is 4111 1111 1111 1111, date of birth?"
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/check", json={"text": secret})
        client.get("/v2/check", params={"text": secret, "language": "en-US"})
        client.post("/v1/check", content=b'{"text": "4111 1111 1111 1111"')
    # everything the server side logged (httpx's own client log is not the server's)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "4111" not in logged
    assert '"POST /v1/check" 200' in logged and '"GET /v2/check" 200' in logged


# ---- API keys ----------------------------------------------------------------------------------
def test_api_keys():
    with served(make_app(api_keys=["k-one", "k-two"])) as c:
        r = c.post("/v1/check", json={"text": DOB})
        assert r.status_code == 401 and r.json()["error"]["code"] == "E050"
        assert r.headers["www-authenticate"] == "Bearer"
        assert c.post("/v1/check", json={"text": DOB}, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert c.post("/v1/check", content=b"{", headers={"X-API-Key": "k-on"}).status_code == 401
        assert c.post("/v1/check", json={"text": DOB}, headers={"Authorization": "Bearer k-two"}).status_code == 200
        assert c.post("/v1/check", json={"text": DOB}, headers={"X-API-Key": "k-one"}).status_code == 200
        assert c.get("/v1/rules", headers={"X-API-Key": "k-one"}).status_code == 200
        assert c.get("/v1/rules").status_code == 401
        # health stays open
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200
        assert c.get("/v2/healthcheck").text == "OK"
        # LanguageTool API: LanguageTool's 403 and plain text; key as header or apiKey field
        r = c.post("/v2/check", data={"text": DOB, "language": "en-US"})
        assert r.status_code == 403 and r.text.startswith("Error: ")
        assert c.post("/v2/check", data={"text": DOB, "language": "en-US", "apiKey": "k-one"}).status_code == 200
        assert c.post("/v2/check", data={"text": DOB, "language": "en-US"},
                      headers={"X-API-Key": "k-two"}).status_code == 200


# ---- CORS --------------------------------------------------------------------------------------
def test_no_cors_by_default(client):
    r = client.post("/v1/check", json={"text": DOB}, headers={"Origin": "https://desk.example"})
    assert "access-control-allow-origin" not in r.headers
    r = client.options("/v1/check", headers={"Origin": "https://desk.example",
                                             "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_for_configured_origins():
    with served(make_app(cors_origins=["https://desk.example"], api_keys=["k"])) as c:
        pre = c.options("/v1/check", headers={"Origin": "https://desk.example",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type,x-api-key"})
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://desk.example"
        r = c.post("/v1/check", json={"text": DOB}, headers={"Origin": "https://desk.example", "X-API-Key": "k"})
        assert r.headers["access-control-allow-origin"] == "https://desk.example"
        assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
        other = c.options("/v1/check", headers={"Origin": "https://evil.example",
                                                "Access-Control-Request-Method": "POST"})
        assert other.headers.get("access-control-allow-origin") != "https://evil.example"


# ---- time budget -------------------------------------------------------------------------------
def test_time_budget():
    long_text = " ".join(["Date of birth? Calm down, you should have called earlier."] * 200)
    with served(make_app(request_timeout_s=0.0005)) as c:
        r = c.post("/v1/check", json={"text": long_text})
        assert r.status_code == 503 and r.json()["error"]["code"] == "E053"
        r = c.post("/v2/check", data={"text": long_text, "language": "en-US"})
        assert r.status_code == 500 and r.text.startswith("Error: checking took longer")
        assert c.get("/healthz").status_code == 200


# ---- static page and extra routers -------------------------------------------------------------
def test_static_page_when_present(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>phrasecoach</title>", "utf-8")
    (tmp_path / "app.css").write_text("body{}", "utf-8")
    with served(make_app(web=tmp_path)) as c:
        r = c.get("/")
        assert r.status_code == 200 and "<title>phrasecoach</title>" in r.text
        assert r.headers["content-type"].startswith("text/html")
        assert c.get("/static/app.css").text == "body{}"
    with served(make_app(web=None)) as c:
        assert c.get("/").status_code == 404


def test_extra_routers_get_the_key_check_and_the_engine():
    extra = APIRouter()

    @extra.post("/v1/echo-count")
    async def echo_count(request: Request):
        engine = engine_of(request)
        report = await engine.run(engine.base().check, DOB)
        return {"findings": len(report.findings)}

    with served(make_app(routers=[extra], api_keys=["k"])) as c:
        assert c.post("/v1/echo-count").status_code == 401
        assert c.post("/v1/echo-count", headers={"X-API-Key": "k"}).json() == {"findings": 1}


# ---- LanguageTool-compatible API: hand-written requests -------------------------------------------
def lt(client, method="post", **params):
    if method == "get":
        return client.get("/v2/check", params=params)
    return client.post("/v2/check", data=params)


def test_lt_check_shape(client):
    r = lt(client, text=DOB, language="en-US")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert list(body)[:4] == ["software", "warnings", "language", "matches"]
    assert body["warnings"] == {"incompleteResults": False}
    assert body["language"]["code"] == "en-US" and body["language"]["name"] == "English (US)"
    assert body["sentenceRanges"] == [[0, 14]]
    m = body["matches"][0]
    assert m["offset"] == 0 and m["length"] == 14
    assert m["replacements"][0] == {"value": "May I have your date of birth?"}
    assert m["context"] == {"text": DOB, "offset": 0, "length": 14}
    assert m["sentence"] == DOB and m["type"] == {"typeName": "Hint"}
    assert m["rule"]["id"] == "PC101" and m["rule"]["issueType"] == "style"
    assert m["rule"]["category"] == {"id": "COMMAND", "name": "Commands"}
    assert m["message"] and m["shortMessage"] and m["rule"]["description"]


def test_lt_get_and_mislabelled_body(client):
    get = lt(client, "get", text=DOB, language="en-US").json()
    post = client.post("/v2/check", content=f"text=Date+of+birth%3F&language=en-US&unknownParam=1".encode(),
                       headers={"content-type": "application/json"}).json()
    assert get["matches"] == post["matches"] == lt(client, text=DOB, language="en-US").json()["matches"]


def test_lt_offsets_are_utf16_with_emoji(client):
    prefix = "Thanks 😀👍🏽 for waiting! "
    text = prefix + CALM
    m = lt(client, text=text, language="en-US").json()["matches"][0]
    assert m["offset"] == utf16(prefix) and m["offset"] != len(prefix)
    assert m["length"] == utf16(CALM)
    # the same units index the UTF-16 text
    u = text.encode("utf-16-le")
    assert u[2 * m["offset"]:2 * (m["offset"] + m["length"])].decode("utf-16-le") == CALM
    assert m["sentence"] == CALM


def test_lt_context_is_cut_to_40_units(client):
    lead = "We have looked into your account today and the refund has gone out. "
    text = lead + DOB + " We will email you once the refund reaches your bank account."
    m = lt(client, text=text, language="en-US").json()["matches"][0]
    ctx = m["context"]
    assert ctx["text"].startswith("...") and ctx["text"].endswith("...")
    assert ctx["offset"] == 43 and ctx["length"] == 14
    assert ctx["text"][ctx["offset"]:ctx["offset"] + ctx["length"]] == DOB


def test_lt_data_text_and_annotation(client):
    as_data = lt(client, data=json.dumps({"text": DOB}), language="en-US").json()["matches"]
    assert as_data == lt(client, text=DOB, language="en-US").json()["matches"]
    annotation = [{"markup": "<p>"}, {"text": DOB}, {"markup": "</p>", "interpretAs": "\n\n"},
                  {"markup": "<b>"}, {"text": "Calm"}, {"markup": "</b>"}, {"text": " down."}]
    original = "".join(a.get("text", a.get("markup")) for a in annotation)
    body = lt(client, data=json.dumps({"annotation": annotation}), language="en").json()
    by_rule = {m["rule"]["id"]: m for m in body["matches"]}
    dob, calm = by_rule["PC101"], by_rule["PC401"]
    assert original[dob["offset"]:dob["offset"] + dob["length"]] == DOB
    assert dob["sentence"] == DOB
    assert original[calm["offset"]:calm["offset"] + calm["length"]] == "Calm</b> down."
    assert calm["sentence"] == CALM
    assert body["sentenceRanges"] == [[3, 17], [24, 38]]


def test_lt_rule_and_category_selection(client):
    text = f"{DOB} {CALM}"
    ids = lambda **p: {m["rule"]["id"] for m in lt(client, text=text, language="en-US", **p).json()["matches"]}  # noqa: E731
    assert ids() == {"PC101", "PC401"}
    assert ids(disabledRules="PC101,MORFOLOGIK_RULE_EN_US") == {"PC401"}
    assert ids(disabledCategories="DISMISSIVE,TYPOS") == {"PC101"}
    assert ids(enabledRules="PC401", enabledOnly="true") == {"PC401"}
    assert ids(enabledCategories="COMMAND", enabledOnly="true") == {"PC101"}
    assert ids(enabledRules="WHITESPACE_RULE", enabledOnly="true") == set()
    assert ids(enabledRules="PC101") == {"PC101", "PC401"}


def test_lt_level_picky_adds_info_findings(client):
    text = example("PC605")
    default = {m["rule"]["id"] for m in lt(client, text=text, language="en-US").json()["matches"]}
    picky = {m["rule"]["id"] for m in lt(client, text=text, language="en-US", level="picky").json()["matches"]}
    assert "PC605" not in default and "PC605" in picky
    assert "PC605" in {m["rule"]["id"] for m in
                       lt(client, text=text, language="en-US", enabledRules="PC605").json()["matches"]}


def test_lt_languages(client):
    for lang, code in [("en", "en"), ("en-US", "en-US"), ("en-GB", "en-GB"), ("en_us", "en-US"), ("auto", "en-US")]:
        r = lt(client, text=DOB, language=lang)
        assert r.status_code == 200 and r.json()["language"]["code"] == code
    r = lt(client, text=DOB, language="auto", preferredVariants="en-GB,de-DE")
    assert r.json()["language"]["code"] == "en-GB"
    langs = client.get("/v2/languages").json()
    assert {"name": "English (US)", "code": "en", "longCode": "en-US"} in langs
    assert [x["name"] for x in langs] == sorted(x["name"] for x in langs)


@pytest.mark.parametrize("params,status,words", [
    ({"text": DOB}, 400, "Missing 'language' parameter"),
    ({"text": DOB, "language": "de-DE"}, 400, "'de-DE' is not a language code"),
    ({"language": "en-US"}, 400, "Missing 'text' or 'data' parameter"),
    ({"text": DOB, "data": "{}", "language": "en-US"}, 400, "not both"),
    ({"data": "{not json", "language": "en-US"}, 400, "Could not parse JSON"),
    ({"data": '{"text": "a", "annotation": []}', "language": "en-US"}, 400, "not both"),
    ({"data": '{"something": 1}', "language": "en-US"}, 400, "requires 'text' or 'annotation'"),
    ({"data": '{"annotation": [{"text": "a", "markup": "<b>"}]}', "language": "en-US"}, 400, "not both"),
    ({"data": '{"annotation": [{"text": "a", "interpretAs": "b"}]}', "language": "en-US"}, 400, "interpretAs"),
    ({"data": '{"annotation": [{"other": "a"}]}', "language": "en-US"}, 400, "Only 'text' and 'markup'"),
    ({"text": DOB, "language": "en-US", "enabledOnly": "true"}, 400, "must specify enabled rules"),
    ({"text": DOB, "language": "en-US", "enabledOnly": "true", "enabledRules": "PC101",
      "disabledRules": "PC102"}, 400, "cannot specify disabled"),
    ({"text": DOB, "language": "en-US", "level": "pedantic"}, 400, "level"),
    ({"text": DOB, "language": "en-US", "preferredVariants": "en-GB"}, 400, "language=auto"),
    ({"text": DOB, "language": "en-US", "enabled": "PC101"}, 400, "enabledRules"),
    ({"text": "x" * 20_001, "language": "en-US"}, 413, "exceeds the limit of 20000 characters"),
])
def test_lt_errors_are_plain_text_with_languagetool_status(client, params, status, words):
    for method in ("post", "get"):
        r = lt(client, method, **params)
        assert r.status_code == status, (method, r.text)
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text.startswith("Error: ") and words in r.text


def test_lt_bad_encoding_and_unknown_action(client):
    r = client.post("/v2/check", content=b"language=en-US&text=%ff%fe")
    assert r.status_code == 400 and r.text.startswith("Error: ")
    r = client.get("/v2/words")
    assert r.status_code == 404 and r.text.startswith("Error: Unsupported action: 'words'")


def test_lt_info_maxtextlength_healthcheck(client):
    info = client.get("/v2/info").json()
    assert info["software"]["name"] == "phrasecoach" and info["software"]["premium"] is False
    assert client.get("/v2/maxtextlength").text == "20000"
    r = client.get("/v2/healthcheck")
    assert r.status_code == 200 and r.text == "OK"


def test_lt_context_never_splits_an_emoji(client):
    text = "😀" * 30 + "yes. " + CALM
    m = lt(client, text=text, language="en-US").json()["matches"][0]
    assert m["offset"] == 65 and m["length"] == utf16(CALM)
    ctx = m["context"]
    assert ctx["text"].startswith("...😀")  # the window's edge fell inside an emoji: it is kept whole
    u = ctx["text"].encode("utf-16-le")
    assert u[2 * ctx["offset"]:2 * (ctx["offset"] + ctx["length"])].decode("utf-16-le") == CALM


def test_unexpected_errors_are_500_with_a_request_id_and_no_text(caplog):
    boom = APIRouter()

    @boom.post("/v1/boom")
    async def explode(request: Request):
        raise RuntimeError("engine exploded")

    with served(make_app(routers=[boom])) as c, caplog.at_level(logging.ERROR):
        r = c.post("/v1/boom", json={"text": "customer secret 4111"})
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "E000" and r.headers["x-request-id"]
    logged = "\n".join(rec.getMessage() for rec in caplog.records if rec.name.startswith("phrasecoach"))
    assert "RuntimeError" in logged and r.headers["x-request-id"] in logged
    assert "4111" not in logged


def test_lt_wrong_method_is_plain_text(client):
    r = client.put("/v2/check", data={"text": DOB, "language": "en-US"})
    assert r.status_code == 405 and r.text.startswith("Error: ")
