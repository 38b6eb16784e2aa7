"""bench/review.py, the fresh-review recipe: it draws only turns in no gold, judged or review set,
gives the judge the text, and stores ids, offsets and verdicts only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"

pytestmark = pytest.mark.skipif(not CORPUS.is_file(), reason=f"needs the corpus at {CORPUS}")


def _review(*args):
    return subprocess.run([sys.executable, str(ROOT / "bench" / "review.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_a_fresh_draw_is_judged_and_stored_without_text(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from review import used_keys

    r = _review("draw", "--rules", "PC904", "--per-rule", "5", "--limit", "3000", "--out", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    items = [json.loads(x) for x in (tmp_path / "d" / "items.jsonl").read_text().splitlines()]
    keys = [json.loads(x) for x in (tmp_path / "d" / "keys.jsonl").read_text().splitlines()]
    assert len(items) == len(keys) == 5
    used = used_keys()
    for k in keys:
        assert (k["id"], k["turn"]) not in used  # fresh: in no gold, judged or review file
    for it in items:  # the judge sees the turn, the span and the claim
        assert it["flagged"] in it["agent_turn"] and it["claim"].startswith("a strength")
    verdicts = tmp_path / "v.jsonl"
    verdicts.write_text("".join(json.dumps({"key": it["key"], "verdict": v}) + "\n"
                                for it, v in zip(items, ["right", "wrong", "borderline", "right", "nonsense"])))
    out = tmp_path / "judged.jsonl"
    b = _review("build", tmp_path / "d", verdicts, "--out", out)
    assert b.returncode == 0, b.stderr
    assert "v.jsonl:5: unknown key, duplicate or bad verdict" in b.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["verdict"] for r in rows] == ["right", "wrong", "borderline", "right"]
    for row in rows:  # ids and offsets only: no corpus text reaches the repo
        assert set(row) == {"id", "turn", "rule", "start", "end", "verdict"}
