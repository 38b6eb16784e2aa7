"""Bad input is a coded 4xx with a body the client can read, never a 500: over real HTTP
(uvicorn on 127.0.0.1) with raw bytes, as a misbehaving client would send them.

JSON API: `{"error": {"code", "message", "field"}}`; LanguageTool API: `Error: ...` plain text
with LanguageTool's status. Every code in an answer is one `phrasecoach.errors` documents.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from service_support import make_app, running_server, send

DOB = "Date of birth?"
ERRORS_DOC = Path(__file__).resolve().parents[1] / "src" / "phrasecoach" / "errors.py"
HTTP_DOC = Path(__file__).resolve().parents[1] / "docs" / "http.md"


@pytest.fixture(scope="module")
def base():
    with running_server(make_app(max_batch=100)) as url:
        yield url


def json_error(base, path, raw: bytes):
    status, headers, text = send(base, "POST", path, raw, {"content-type": "application/json"})
    assert headers["content-type"].startswith("application/json"), text
    return status, json.loads(text)["error"]


def documented_codes() -> set[str]:
    return set(re.findall(r"^\s+(E\d{3})\s", ERRORS_DOC.read_text("utf-8"), re.M))


# ---- lone surrogates (`\ud800` escaped in JSON) in every field ----------------------------------
@pytest.mark.parametrize("path,raw,field", [
    ("/v1/check", rb'{"text": "Date of birth? \ud800"}', "text"),
    ("/v1/check", rb'{"text": "\udfff"}', "text"),
    ("/v1/check", rb'{"texts": ["fine", "Calm down \ud83d"]}', "texts[1]"),
    ("/v1/check", rb'{"text": "hi", "select": ["command", "\ud800"]}', "select[1]"),
    ("/v1/check", rb'{"text": "hi", "ignore": ["\ud800"]}', "ignore[0]"),
    ("/v1/check", rb'{"text": "hi", "packs": ["core\ud800"]}', "packs[0]"),
    ("/v1/check", rb'{"text": "hi", "fail_on": "\ud800"}', "fail_on"),
    ("/v1/rewrite", rb'{"text": "Send me the receipt. \ud800"}', "text"),
    ("/v1/score", rb'{"id": "\ud800", "turns": [{"speaker": "agent", "text": "hi"}]}', "id"),
    ("/v1/score", rb'{"agent": "ana\udc00", "turns": [{"speaker": "agent", "text": "hi"}]}', "agent"),
    ("/v1/score", rb'{"turns": [{"speaker": "agent\ud800", "text": "hi"}]}', "turns[0].speaker"),
    ("/v1/score", rb'{"turns": [{"speaker": "agent", "text": "Order number? \ud800"}]}', "turns[0].text"),
    ("/v1/score", rb'{"turns": [{"speaker": "agent", "text": "hi", "ts": "\ud800"}]}', "turns[0].ts"),
])
def test_a_lone_surrogate_anywhere_is_422_naming_the_field(base, path, raw, field):
    status, err = json_error(base, path, raw)
    assert status == 422
    assert err["code"] == "E040" and err["field"] == field
    assert "surrogate" in err["message"]


def test_a_surrogate_in_a_key_or_raw_surrogate_bytes_are_422(base):
    status, err = json_error(base, "/v1/check", rb'{"text": "hi", "\ud800": 1}')
    assert status == 422 and err["code"] == "E040" and "surrogate" in err["message"]
    # the bytes of a surrogate (CESU-8 style) are not UTF-8 at all
    status, err = json_error(base, "/v1/check", b'{"text": "hi \xed\xa0\x80"}')
    assert status == 422 and err["code"] == "E040" and err["field"] == "body"
    assert "not valid UTF-8" in err["message"]


def test_whole_emoji_written_as_surrogate_pairs_are_fine(base):
    status, _, text = send(base, "POST", "/v1/check", rb'{"text": "Thanks \ud83d\ude00 for waiting. Calm down."}',
                           {"content-type": "application/json"})
    assert status == 200
    body = json.loads(text)
    assert body["text"] == "Thanks 😀 for waiting. Calm down."
    assert body["findings"][0]["rule"] == "PC401"


# ---- bodies that are not JSON a model can read ------------------------------------------------
@pytest.mark.parametrize("raw,words", [
    (b'{"text": "caf\xe9"}', "not valid UTF-8"),              # Latin-1, not UTF-8 (was 400 E400)
    (b'\xff\xfe{\x00"\x00}\x00', "not valid UTF-8"),           # UTF-16 with a BOM
    (b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested"),  # deeper than the parser goes
    (b'{"text": ' + b"[" * 40 + b"]" * 40 + b"}", "nested"),    # deeper than any request needs
    (b'{"text": "a"', "malformed JSON"),
    (b'{"text": NaN}', "text"),
])
def test_unreadable_bodies_are_422_with_field_body(base, raw, words):
    status, err = json_error(base, "/v1/check", raw)
    assert status == 422 and err["code"] == "E040", err
    assert words in err["message"]


def test_oversized_lists_are_413_before_validation(base):
    status, err = json_error(base, "/v1/check", json.dumps({"texts": ["a"] * 101}).encode())
    assert status == 413 and err["field"] == "texts" and "limit is 100" in err["message"]
    status, err = json_error(base, "/v1/score", json.dumps(
        {"turns": [{"speaker": "agent", "text": "hi"}] * 101}).encode())
    assert status == 413 and err["field"] == "turns"
    status, err = json_error(base, "/v1/check", json.dumps({"text": "a", "select": ["command"] * 1001}).encode())
    assert status == 413 and err["field"] == "select"


# ---- /v1/score takes the times it documents -----------------------------------------------------
@pytest.mark.parametrize("ts,first", [
    ("2024-03-05T10:00:00Z", "2024-03-05T10:00:00+00:00"),
    ("2024-03-05T10:00:00+01:00", "2024-03-05T10:00:00+01:00"),
    (1709632800, "2024-03-05T10:00:00+00:00"),
    (1709632800.5, "2024-03-05T10:00:00.500000+00:00"),
    ("1709632800", "2024-03-05T10:00:00+00:00"),
    (None, None),
])
def test_score_accepts_iso_8601_and_unix_seconds(base, ts, first):
    conv = {"id": "t", "turns": [{"speaker": "customer", "text": "I've waited an hour!", "ts": ts},
                                 {"speaker": "agent", "text": "Order number?", "ts": ts}]}
    status, _, text = send(base, "POST", "/v1/score", json.dumps(conv).encode(),
                           {"content-type": "application/json"})
    assert status == 200, text
    body = json.loads(text)
    assert body["first_ts"] == first
    assert {d["rule"] for d in body["deductions"]} == {"PC101", "PC701"}


@pytest.mark.parametrize("ts_json,words", [
    (b'"yesterday"', "not a time"),
    (b"1e20", "out of range"),
    (b"-1e300", "out of range"),
    (b"Infinity", "not a time"),
    (b"true", "turns[0].ts"),
    (b'{"at": 1}', "turns[0].ts"),
])
def test_score_refuses_a_bad_time_naming_the_turn(base, ts_json, words):
    raw = b'{"turns": [{"speaker": "agent", "text": "Hi", "ts": ' + ts_json + b"}]}"
    status, err = json_error(base, "/v1/score", raw)
    assert status == 422 and err["code"] == "E040" and err["field"] == "turns[0].ts"
    assert words in err["message"]


# ---- the LanguageTool API: 400 `Error: ...`, never 500 -----------------------------------------
@pytest.mark.parametrize("params,words", [
    ({"data": '{"text": "Calm down. \\udfff"}'}, "lone surrogate"),
    ({"data": '{"annotation": [{"text": "Calm down \\ud800"}]}'}, "lone surrogate"),
    ({"data": '{"annotation": [{"markup": "<b \\ud800>"}, {"text": "hi"}]}'}, "lone surrogate"),
    ({"data": '{"text": {"nested": {"text": "Calm down."}}}'}, "must be a string"),
    ({"data": '{"annotation": [{"text": ["Calm down."]}]}'}, "must be a string"),
    ({"data": '{"annotation": {"text": "a"}}'}, "must be a list"),
    ({"data": "[" * 100_000 + "]" * 100_000}, "Could not parse JSON"),
    ({"data": '{"annotation": [' + ",".join(['{"markup": "<br>"}'] * 10_001) + "]}"}, "limit is 10000"),
    ({"text": DOB, "applicability": "always"}, "applicability"),
])
def test_lt_bad_data_is_400_plain_text(base, params, words):
    form = urllib.parse.urlencode({"language": "en-US", **params}).encode()
    status, headers, text = send(base, "POST", "/v2/check", form,
                                 {"content-type": "application/x-www-form-urlencoded"})
    assert status in (400, 413), text
    assert headers["content-type"].startswith("text/plain") and text.startswith("Error: ")
    assert words in text


# ---- wrong methods: 405 with `Allow`, coded ---------------------------------------------------
@pytest.mark.parametrize("method,path,allow", [
    ("GET", "/v1/check", "POST"),
    ("PUT", "/v1/rewrite", "POST"),
    ("DELETE", "/v1/rules", "GET"),
    ("POST", "/healthz", "GET"),
    ("PUT", "/v2/check", "GET, POST"),
    ("TRACE", "/v2/healthcheck", "GET"),
    ("DELETE", "/v2/languages", "GET"),
    ("POST", "/v2/maxtextlength", "GET"),
])
def test_wrong_method_is_405_with_allow(base, method, path, allow):
    status, headers, text = send(base, method, path)
    if path == "/v2/maxtextlength" and method == "POST":
        # LanguageTool answers a POST to an unknown action 404 too; /v2/maxtextlength is GET only
        assert status in (404, 405)
        return
    assert status == 405
    assert headers["allow"] == allow
    if path.startswith("/v2/"):
        assert text.startswith("Error: ")
    else:
        assert json.loads(text)["error"]["code"] == "E052"


# ---- no undocumented codes ------------------------------------------------------------------------
def test_every_error_code_the_service_answers_is_documented(base):
    cases = [
        ("POST", "/v1/check", b'{"text": "caf\xe9"}'), ("POST", "/v1/check", b"{"),
        ("POST", "/v1/check", b'{"text": 1}'), ("POST", "/v1/check", b'{"text": "a", "select": ["nope"]}'),
        ("GET", "/v1/check", None), ("GET", "/v1/nowhere", None), ("GET", "/v1/rules/PC000", None),
        ("POST", "/v1/check", json.dumps({"texts": ["a"] * 101}).encode()),
        ("POST", "/v1/score", b'{"turns": []}'),
    ]
    docs = HTTP_DOC.read_text("utf-8")
    known = documented_codes()
    for method, path, body in cases:
        status, _, text = send(base, method, path, body, {"content-type": "application/json"})
        assert 400 <= status < 500, (path, status, text)
        code = json.loads(text)["error"]["code"]
        assert code in known and f"| {code} |" in docs, (code, text)


# ---- the LanguageTool API's replacements: safe ones only, unless asked ---------------------------
def lt_matches(base, **params):
    form = urllib.parse.urlencode({"language": "en-US", **params}).encode()
    status, _, text = send(base, "POST", "/v2/check", form)
    assert status == 200, text
    return json.loads(text)["matches"]


def test_lt_replacements_are_safe_unless_the_client_asks(base):
    text = "That's not what happened."
    [m] = lt_matches(base, text=text)
    assert m["replacements"] == [] and "Check the nuance first: “Perhaps" in m["message"]
    [m] = lt_matches(base, text=text, applicability="unsafe")
    assert [r["value"][:7] for r in m["replacements"]] == ["Perhaps"]
    assert m["replacements"][0]["shortDescription"] == "unsafe: check the nuance first"
    [m] = lt_matches(base, text=text, applicability="display")
    assert [r.get("shortDescription", "").split(":")[0] for r in m["replacements"]] == ["unsafe", "display"]
    assert m["message"] == "Flatly contradicting the customer starts an argument; allow for a mix-up and ask."
    [m] = lt_matches(base, text=DOB)
    assert m["replacements"] == [{"value": "May I have your date of birth?"}]


# ---- anything at all: never a 500 ------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# any code point, lone surrogates included (a JSON `\ud800` escape), and words the rules know
_text = st.text(alphabet=st.characters(exclude_categories=()) | st.sampled_from(["\ud800", "\udfff", "\ud83d"]),
                max_size=40) | st.sampled_from(["Date of birth?", "Calm down.", "That's not true.", ""])
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _text,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
                     max_leaves=12)
_fields = st.fixed_dictionaries({}, optional={
    "text": _text | _json, "texts": st.lists(_text, max_size=3) | _json, "select": _json,
    "ignore": _json, "packs": _json, "fail_on": _json, "applicability": _json, "id": _json,
    "agent": _json, "turns": st.lists(st.fixed_dictionaries(
        {"speaker": st.sampled_from(["agent", "customer"]) | _text, "text": _text},
        optional={"ts": _json}), max_size=3) | _json,
})


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/v1/check", "/v1/rewrite", "/v1/score"]), body=_fields | _json)
def test_no_json_body_is_a_server_error(base, path, body):
    raw = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    status, headers, text = send(base, "POST", path, raw, {"content-type": "application/json"})
    assert status < 500, (status, text)
    if status != 200:
        err = json.loads(text)["error"]
        assert err["code"] in documented_codes()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(params=st.dictionaries(st.sampled_from(["text", "data", "language", "level", "applicability",
                                               "enabledRules", "disabledCategories", "enabledOnly"]),
                              _text | _json.map(json.dumps), max_size=5))
def test_no_languagetool_request_is_a_server_error(base, params):
    form = urllib.parse.urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in params.items()}).encode()
    status, _, text = send(base, "POST", "/v2/check", form)
    assert status < 500, (status, text)


# ---- the rule level per request ------------------------------------------------------------------
def test_a_request_may_ask_for_another_rule_level():
    from phrasecoach import Coach
    from phrasecoach.config import load_settings
    from phrasecoach.service import create_app

    settings = load_settings(level="default")
    with running_server(create_app(settings, coach=Coach(settings=settings).warm())) as url:
        def rules(body):
            status, _, text = send(url, "POST", "/v1/check", json.dumps(body).encode())
            assert status == 200, text
            return [f["rule"] for f in json.loads(text)["findings"]]

        assert "PC101" not in rules({"text": DOB})
        assert "PC101" in rules({"text": DOB, "level": "picky"})
        status, _, text = send(url, "POST", "/v1/rewrite", json.dumps({"text": DOB, "level": "picky"}).encode())
        assert status == 200 and json.loads(text)["rewritten"] == "May I have your date of birth?"
        status, err = json_error(url, "/v1/check", json.dumps({"text": DOB, "level": "pedantic"}).encode())
        assert status == 422 and err["field"] == "level"
