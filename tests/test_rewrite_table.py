"""The rewrite table: request sentences and the exact safe rewrite each should get.

tests/data/rewrites.jsonl, one JSON object a line:

    id       rwNNN
    kind     bare-noun | imperative | softened | obligation | i-need | negative | context |
             not-a-request
    domain   where such a message is sent (banking, telecom, airline, retail, healthcare, ...)
    text     the agent's message, exactly (line ends, spacing and emoji included)
             (softened: a please-request, a request by the guide and not flagged; PC103, which
             asks for questions instead, is a preview rule)
    rewrite  the exact text `Coach().rewrite(text)` must give, or null: no safe rewrite, the
             text must come back unchanged
    unsafe   (optional) the exact text `Coach().rewrite(text, "unsafe")` must give
    xfail    (optional) why the engine cannot do it yet; the row is a strict xfail

A rewrite, safe or unsafe, must also re-check clean (no finding at all) and be stable (rewriting
it again changes nothing). Negative imperatives must never get a safe suggestion, and nor does
any "Could you …?" made of an instruction (docs/quality.md, "Safe rewrites").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.models import Applicability

TABLE = Path(__file__).parent / "data" / "rewrites.jsonl"
ROWS = [json.loads(line) for line in TABLE.read_text("utf-8").splitlines() if line.strip()]


def _params():
    for r in ROWS:
        marks = [pytest.mark.xfail(strict=True, reason=r["xfail"])] if r.get("xfail") else []
        yield pytest.param(r, id=r["id"], marks=marks)


@pytest.fixture(scope="module")
def coach() -> Coach:
    return Coach()


def test_table_shape():
    assert len(ROWS) >= 120
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    assert len({r["text"] for r in ROWS}) == len(ROWS), "a sentence appears twice"
    kinds = {r["kind"] for r in ROWS}
    assert kinds == {"bare-noun", "imperative", "softened", "obligation", "i-need", "negative", "context",
                     "not-a-request"}
    assert len({r["domain"] for r in ROWS}) >= 6
    for r in ROWS:
        assert set(r) <= {"id", "kind", "domain", "text", "rewrite", "unsafe", "xfail"}, r["id"]


@pytest.mark.parametrize("row", list(_params()))
def test_rewrite(coach: Coach, row: dict):
    text = row["text"]
    res = coach.rewrite(text)
    assert res.text == text
    if row["rewrite"] is None:
        assert res.rewritten == text, "expected no safe rewrite"
        assert not res.edits
    else:
        assert res.rewritten == row["rewrite"]
        # what is left is what had no safe rewrite to begin with: nothing new, nothing re-set off
        before = {(f.rule, f.text) for f in coach.check(text).findings if not f.best(Applicability.safe)}
        again = coach.check(res.rewritten)
        assert {(f.rule, f.text) for f in again.findings} <= before, [(f.rule, f.text) for f in again.findings]
        assert coach.rewrite(res.rewritten).rewritten == res.rewritten
    if "unsafe" in row:
        unsafe = coach.rewrite(text, "unsafe").rewritten
        assert unsafe == row["unsafe"]
        again = coach.check(unsafe)
        assert not again.findings, [(f.rule, f.text) for f in again.findings]
        assert coach.rewrite(unsafe, "unsafe").rewritten == unsafe
    report = coach.check(text)
    command = [f for f in report.findings if f.category == "command"]
    if row["kind"] in ("not-a-request", "softened"):  # a please-request is a request (docs/annotation.md)
        assert not command, [(f.rule, f.text) for f in command]
    else:
        assert command, "the request is not flagged"
    if row["kind"] == "negative":
        assert any(f.rule == "PC106" for f in command)
        for f in command:
            assert all(s.applicability is not Applicability.safe for s in f.suggestions), f.suggestions
