"""Scoring runs: the hand-checked fixture's arithmetic, every output file, the HTML report."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.config import load_settings
from phrasecoach.transcripts import conversation_score, score_conversation
from phrasecoach.transcripts.readers import ReaderOptions
from phrasecoach.transcripts.runner import RunOptions, run

FIXTURE = Path(__file__).parent / "fixtures" / "transcripts" / "qa_small.jsonl"
OUTPUTS = ("conversations.jsonl", "conversations.csv", "agents.csv", "agents.json", "rules.csv",
           "categories.csv", "weeks.csv", "errors.jsonl", "report.html", "summary.json")


@pytest.fixture(scope="module")
def coach():
    return Coach()


def _run(coach, inputs, out, **kw):
    return run(RunOptions(inputs=[str(i) for i in inputs], out=out, settings=coach.settings,
                          coach=coach, progress="never", **kw))


@pytest.fixture(scope="module")
def small(coach, tmp_path_factory):
    out = tmp_path_factory.mktemp("qa")
    return _run(coach, [FIXTURE], out), out


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# Worked out by hand (tests/fixtures/transcripts/README.md):
#   c1 ana  W10  PC101 -10                       -> 90
#   c2 ana  W10  PC101 -10, PC701 -10, +5 bonus  -> 85
#   c3 ben  W11  PC401 -20, PC701 -10, PC201 -10 -> 60
#   c4 ben  W11  nothing (2 strengths)           -> 100
#   c5 -    -    nothing                         -> 100
# mean (90+85+60+100+100)/5 = 87.0, median 90; 8 agent turns, 6 findings -> 75 per 100 turns.
EXPECTED_SCORES = {"c1": 90, "c2": 85, "c3": 60, "c4": 100, "c5": 100}


def test_formula():
    assert conversation_score(0, 3) == (100, 0)      # nothing deducted: 100, no bonus
    assert conversation_score(20, 1) == (85, 5)
    assert conversation_score(20, 5) == (90, 10)     # the bonus is capped at 10
    assert conversation_score(200, 0) == (0, 0)      # clamped


def test_fixture_conversation_scores_and_deductions(small):
    result, out = small
    assert result.exit_code == 0
    rows = [json.loads(line) for line in (out / "conversations.jsonl").read_text().splitlines()]
    assert {r["id"]: r["score"] for r in rows} == EXPECTED_SCORES
    c2 = rows[1]
    assert c2["agent"] == "ana" and c2["source"] == {"file": str(FIXTURE), "line": 2}
    assert [(d["turn"], d["rule"], d["points"]) for d in c2["deductions"]] == [
        (1, "PC101", 10), (1, "PC701", 10)]
    assert c2["bonus"] == 5 and c2["strengths"] == 1
    assert 100 - sum(d["points"] for d in c2["deductions"]) + c2["bonus"] == c2["score"]
    # every agent turn, in the `check` JSON shape, and every deduction points into it
    turn = c2["turns"][0]
    assert {"schema_version", "text", "findings", "strengths", "score", "rewritten"} <= set(turn)
    for d in c2["deductions"]:
        t = next(t for t in c2["turns"] if t["turn"] == d["turn"])
        assert t["text"][d["start"]:d["end"]] == d["text"]
    assert c2["signals"][0]["kind"] == "wait" and c2["signals"][0]["answered_by"] == 1
    assert rows[0]["counts"] == {"command": 1, "defensive": 0, "blame": 0, "dismissive": 0,
                                 "jargon": 0, "impatience": 0, "missed-acknowledgment": 0}
    csv_rows = _csv(out / "conversations.csv")
    assert [(r["id"], int(r["score"]), int(r["deducted"])) for r in csv_rows] == [
        ("c1", 90, 10), ("c2", 85, 20), ("c3", 60, 40), ("c4", 100, 0), ("c5", 100, 0)]
    assert csv_rows[2]["missed-acknowledgment"] == "1" and csv_rows[2]["week"] == "2024-W11"


def test_fixture_aggregates(small):
    result, out = small
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "complete" and s["conversations"] == 5 and s["skipped"] == 0
    assert (s["mean_score"], s["median_score"]) == (87.0, 90.0)
    assert (s["agent_turns"], s["findings"], s["findings_per_100_turns"]) == (8, 6, 75.0)
    assert s["by_category"] == {"command": 2, "defensive": 1, "blame": 0, "dismissive": 1,
                                "jargon": 0, "impatience": 0, "missed-acknowledgment": 2}
    assert (s["signals"], s["acknowledged"]) == (3, 1)

    agents = {r["agent"]: r for r in _csv(out / "agents.csv")}
    assert list(agents) == ["ana", "ben", "(none)"]
    ana, ben = agents["ana"], agents["ben"]
    assert (ana["conversations"], ana["agent_turns"], ana["mean_score"], ana["median_score"]) == (
        "2", "4", "87.5", "87.5")
    assert ana["command_per_100_turns"] == "50.0" and ana["missed-acknowledgment_per_100_turns"] == "25.0"
    assert ana["findings_per_100_turns"] == "75.0" and ana["top_rules"].startswith("PC101 bare-noun-request (2)")
    assert (ben["mean_score"], ben["median_score"], ben["findings_per_100_turns"]) == ("80.0", "80.0", "100.0")
    assert ben["dismissive_per_100_turns"] == "33.33" and ben["acknowledgment_rate"] == "0.5"
    assert agents["(none)"]["mean_score"] == "100.0"
    assert json.loads((out / "agents.json").read_text())[0]["per_100_turns"]["command"] == 50.0

    weeks = _csv(out / "weeks.csv")
    assert [(w["week"], w["conversations"], w["mean_score"]) for w in weeks] == [
        ("2024-W10", "2", "87.5"), ("2024-W11", "2", "80.0")]

    rules = {r["rule"]: r for r in _csv(out / "rules.csv")}
    assert {k: int(v["findings"]) for k, v in rules.items()} == {"PC101": 2, "PC701": 2, "PC201": 1, "PC401": 1}
    assert rules["PC101"]["conversations"] == "2"
    assert "Date of birth? (1)" in rules["PC101"]["top_phrases"]
    # PC701's phrases are the customer's words that called for an acknowledgement
    assert "waiting 40 minutes (1)" in rules["PC701"]["top_phrases"]
    cats = {r["category"]: r["findings"] for r in _csv(out / "categories.csv")}
    assert cats["command"] == "2" and cats["missed-acknowledgment"] == "2"


def test_outputs_are_all_published_and_no_partial_file_is_left(small):
    _, out = small
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert (out / "errors.jsonl").read_text() == ""


class _Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.urls, self.svgs, self.scripts = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.ids.append(a.get("id"))
        if tag == "svg":
            self.svgs += 1
        if tag in ("script", "link", "img", "iframe"):
            self.scripts += 1
        for k in ("src", "href", "xlink:href", "data"):
            if a.get(k):
                self.urls.append(a[k])


def test_html_report_opens_with_the_expected_sections_and_no_remote_assets(small):
    _, out = small
    html = (out / "report.html").read_text(encoding="utf-8")
    p = _Sections()
    p.feed(html)
    assert p.ids == ["summary", "how-to-read", "score-distribution", "categories", "agents",
                     "rules", "trend", "skipped"]
    assert p.svgs >= 4  # score distribution, categories, agents, rules, trend
    assert p.scripts == 0
    assert not [u for u in p.urls if u.startswith(("http:", "https:", "//"))]
    assert "url(http" not in html and "@import" not in html
    assert "Date of birth?" in html and "<mark>" in html and "2024-W10" in html
    assert "score = 100 − Σ points(finding) + bonus" in html


def test_bad_records_are_skipped_reported_and_cost_nothing_else(coach, tmp_path):
    src = tmp_path / "mixed.jsonl"
    good = FIXTURE.read_text().splitlines()
    src.write_bytes(("\n".join([good[0], '{"id": "broken", "turns": [', good[1],
                                '{"id": "x", "turns": [{"speaker": "bot", "text": "hi"}]}', good[2]])
                     + "\n").encode())
    result = _run(coach, [src], tmp_path / "out")
    assert result.exit_code == 1
    errs = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [(e["file"], e["line"], e["kind"]) for e in errs] == [
        (str(src), 2, "malformed-json"), (str(src), 4, "unknown-speaker")]
    assert all(e["reason"] and e["code"] == "E040" for e in errs)
    scored = [json.loads(line)["id"] for line in (tmp_path / "out" / "conversations.jsonl").read_text().splitlines()]
    assert scored == ["c1", "c2", "c3"]
    assert result.summary["skipped_by_kind"] == {"malformed-json": 1, "unknown-speaker": 1}


def test_strict_stops_at_the_first_bad_record_and_publishes_no_results(coach, tmp_path):
    src = tmp_path / "mixed.jsonl"
    good = FIXTURE.read_text().splitlines()
    src.write_text("\n".join([good[0], "not json", good[1]]) + "\n")
    out = tmp_path / "out"
    result = _run(coach, [src], out, strict=True)
    assert result.exit_code == 1 and result.summary["status"] == "stopped"
    assert sorted(p.name for p in out.iterdir()) == ["errors.jsonl", "summary.json"]


def test_interrupted_run_leaves_no_file(coach, tmp_path, monkeypatch):
    from phrasecoach.transcripts import runner

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_final_files", boom)
    with pytest.raises(KeyboardInterrupt):
        _run(coach, [FIXTURE], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_fail_under_and_limit(coach, tmp_path):
    res = _run(coach, [FIXTURE], tmp_path / "a", fail_under=90)
    assert res.exit_code == 1 and res.summary["mean_score"] == 87.0
    res = _run(coach, [FIXTURE], tmp_path / "b", limit=2)
    assert res.summary["conversations"] == 2 and res.exit_code == 0


def test_csv_and_text_inputs_score_alike(coach, tmp_path):
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("conversation_id,speaker,text,agent_id\nc2,customer,I've been waiting 40 minutes!,ana\n"
                        "c2,agent,Order number?,ana\n")
    txt_path = tmp_path / "c2.txt"
    txt_path.write_text("# agent: ana\nCustomer: I've been waiting 40 minutes!\nAgent: Order number?\n")
    res = _run(coach, [csv_path, txt_path], tmp_path / "out",
               reader=ReaderOptions(max_text_chars=load_settings().max_text_chars))
    rows = [json.loads(line) for line in (tmp_path / "out" / "conversations.jsonl").read_text().splitlines()]
    assert [(r["id"], r["agent"], r["score"]) for r in rows] == [("c2", "ana", 80), ("c2", "ana", 80)]
    assert res.summary["files"] == {str(csv_path): {"scored": 1, "skipped": 0},
                                    str(txt_path): {"scored": 1, "skipped": 0}}


def test_library_result_matches_the_batch_output(coach, small):
    _, out = small
    first = json.loads((out / "conversations.jsonl").read_text().splitlines()[1])
    res = score_conversation(coach, [{"speaker": t["speaker"], "text": t["text"]} for t in [
        {"speaker": "customer", "text": "I've been waiting 40 minutes for someone to answer!"},
        {"speaker": "agent", "text": "Order number?"}, {"speaker": "customer", "text": "A123."},
        {"speaker": "agent", "text": "Sorry for the wait. Your refund has been processed."}]],
        id="c2", agent="ana")
    d = res.to_dict()
    assert d["score"] == first["score"] and d["deductions"] == first["deductions"]


def test_pc701_examples_show_the_customer_words_above_the_reply(small):
    _, out = small
    rules = {r["rule"]: r for r in _csv(out / "rules.csv")}
    assert "waiting 40 minutes" in rules["PC701"]["example_customer"]
    assert rules["PC101"]["example_customer"] == ""
    html = (out / "report.html").read_text(encoding="utf-8")
    assert ('<span class="who">customer</span> I&#x27;ve been <mark>waiting 40 minutes</mark>'
            in html)
    assert '<span class="who">agent</span> <mark>Order number?</mark>' in html


def test_score_chart_cuts_a_dominant_100_bar_and_labels_it():
    from phrasecoach.transcripts.aggregate import Aggregator
    from phrasecoach.transcripts.report import chart_scores

    agg = Aggregator()
    for score in [100] * 900 + [90] * 60 + [80] * 30 + [62] * 10:
        agg.all.hist.add(score)
    svg = chart_scores(agg)
    assert "900 (90.0%)" in svg and "scored 100" in svg   # the cut bar says how tall it is
    assert "60–64" in svg and "45–49" not in svg          # bands from 50 up, not from 0
    assert "mean 98.4" in svg and "median 100.0" in svg
    few = Aggregator()
    for score in (100, 90, 40):
        few.all.hist.add(score)
    svg = chart_scores(few)
    assert "scored 100" not in svg and "35–39" in svg and "33.3%" in svg


def test_aggregates_survive_pickling():
    import pickle

    from phrasecoach.transcripts.aggregate import BoundedCounter

    c = BoundedCounter(3)
    for w in "aabbbc":
        c.add(w)
    d = pickle.loads(pickle.dumps(c))
    assert type(d) is BoundedCounter and d.limit == 3 and d == c


def test_agent_turns_are_in_the_check_json_shape(coach, small):
    """Each agent turn of conversations.jsonl is what `phrasecoach check --format json` prints
    for its text (plus turn, speaker, ts), PC701 added where the reply missed a signal."""
    _, out = small
    for line in (out / "conversations.jsonl").read_text().splitlines():
        for t in json.loads(line)["turns"]:
            expected = coach.check(t["text"]).to_dict()
            got = {k: v for k, v in t.items() if k not in ("turn", "speaker", "ts")}
            if any(f["rule"] == "PC701" for f in got["findings"]):
                got["findings"] = [f for f in got["findings"] if f["rule"] != "PC701"]
                got["score"] = expected["score"]
            assert got == expected
