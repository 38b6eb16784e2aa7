"""`phrasecoach score` as a user runs it: a subprocess, exit codes, stderr, worker processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "transcripts" / "qa_small.jsonl"


def _score(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phrasecoach.cli", "score", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def test_score_with_two_workers_keeps_input_order(tmp_path):
    r = _score(FIXTURE, "--out", tmp_path / "qa", "--workers", "2", "--batch-size", "2")
    assert r.returncode == 0, r.stderr
    assert "5 conversations scored, 0 skipped, mean score 87.0" in r.stderr
    assert "\r" not in r.stderr  # no progress bar when stderr is not a terminal
    ids = [json.loads(line)["id"] for line in (tmp_path / "qa" / "conversations.jsonl").read_text().splitlines()]
    assert ids == ["c1", "c2", "c3", "c4", "c5"]
    assert (tmp_path / "qa" / "report.html").stat().st_size > 10_000
    assert r.stdout == ""


def test_score_reports_bad_records_and_exits_1(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(FIXTURE.read_text().splitlines()[0] + "\n{oops\n")
    r = _score(src, "--out", tmp_path / "qa", "--progress", "always")
    assert r.returncode == 1
    assert f"{src}:2: not valid JSON" in r.stderr
    assert "1 records skipped" in r.stderr and "conversations," in r.stderr
    assert (tmp_path / "qa" / "errors.jsonl").read_text().count("\n") == 1


def test_score_usage_errors_exit_2(tmp_path):
    (tmp_path / "data.xlsx").write_text("x")
    for args in ([tmp_path / "missing.jsonl", "--out", tmp_path / "o"],
                 [tmp_path / "data.xlsx", "--out", tmp_path / "o"],
                 [FIXTURE, "--out", tmp_path / "o", "--field", "nonsense=x"],
                 [FIXTURE],
                 [FIXTURE, "--out", tmp_path / "o", "--select", "NO_SUCH_RULE"]):
        r = _score(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "error" in r.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_score_help_lists_formats():
    r = _score("--help")
    assert r.returncode == 0 and "--workers" in r.stdout and "jsonl" in r.stdout


def test_score_level_flag_decides_whether_missed_acknowledgment_runs(tmp_path):
    """PC701 is picky (fresh hand-judged findings put it below the bar): a default run leaves it
    out, `--level picky` runs it, whatever PHRASECOACH_LEVEL the shell has."""
    import os

    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "w1", "turns": [
        {"speaker": "customer", "text": "I have been on hold for an hour and I'm furious!"},
        {"speaker": "agent", "text": "The refund was issued on Monday."}]}) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PHRASECOACH_LEVEL"}
    rules = {}
    for level in ("default", "picky"):
        out = tmp_path / level
        r = subprocess.run([sys.executable, "-m", "phrasecoach.cli", "score", str(src), "--out", str(out),
                            "--level", level], capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stderr
        (conv,) = [json.loads(x) for x in (out / "conversations.jsonl").read_text().splitlines()]
        rules[level] = {d["rule"] for d in conv["deductions"]}
    assert "PC701" not in rules["default"]
    assert "PC701" in rules["picky"]
