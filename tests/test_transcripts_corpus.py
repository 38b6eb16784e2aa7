"""The real corpus (../shared/corpus, beside the repo): skipped when it is not there."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "transcripts.jsonl"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_file(),
                       reason=f"the transcript corpus is not at {CORPUS} (../shared/corpus/transcripts.jsonl "
                              "relative to the repo root)"),
]

N = 300


def test_first_300_corpus_conversations(tmp_path):
    from phrasecoach import Coach
    from phrasecoach.transcripts.runner import RunOptions, run

    coach = Coach()
    res = run(RunOptions(inputs=[str(CORPUS)], out=tmp_path, settings=coach.settings, coach=coach,
                         progress="never", limit=N))
    assert res.exit_code == 0 and res.summary["skipped"] == 0
    with open(CORPUS, encoding="utf-8") as f:
        src = [json.loads(line) for line in itertools.islice(f, N)]
    rows = [json.loads(line) for line in (tmp_path / "conversations.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [c["id"] for c in src]
    agent_turns = sum(1 for c in src for t in c["turns"] if t["speaker"] == "agent")
    assert res.summary["agent_turns"] == agent_turns
    assert res.summary["findings"] == sum(res.summary["by_category"].values())
    for r, c in zip(rows, src):
        assert len(r["turns"]) == r["agent_turns"]
        assert 100 - sum(d["points"] for d in r["deductions"]) + r["bonus"] == r["score"] or r["score"] in (0, 100)
        for d in r["deductions"]:
            assert c["turns"][d["turn"]]["text"][d["start"]:d["end"]] == d["text"]
        for s in r["signals"]:
            assert c["turns"][s["turn"]]["speaker"] == "customer"
            assert c["turns"][s["turn"]]["text"][s["start"]:s["end"]] == s["text"]
    assert 0 < res.summary["mean_score"] <= 100
    assert (tmp_path / "report.html").is_file()


def test_signal_prefilters_change_nothing_on_the_corpus():
    """The signal rules skip patterns by word starts and required literals, as the engine does;
    on real turns they must find what running every pattern finds."""
    from test_transcripts_rule import _rules, _unfiltered

    signals = _rules()
    with open(CORPUS, encoding="utf-8") as f:
        texts = [t["text"] for line in itertools.islice(f, 4000) for t in json.loads(line)["turns"]]
    found = [signals.find(t) for t in texts]
    assert sum(map(len, found)) > 100
    assert found == [_unfiltered(signals, t) for t in texts]


def test_two_workers_write_the_same_files_as_one(tmp_path):
    import subprocess
    import sys

    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        r = subprocess.run([sys.executable, "-m", "phrasecoach.cli", "score", str(CORPUS), "--out",
                            str(out), "--limit", "1500", "--workers", str(workers),
                            "--batch-size", "64"], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        outs.append(out)
    for name in ("conversations.jsonl", "conversations.csv", "agents.csv", "agents.json",
                 "rules.csv", "categories.csv", "weeks.csv", "errors.jsonl"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
