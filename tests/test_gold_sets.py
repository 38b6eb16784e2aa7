"""The two draws of real turns (bench/gold.py): each can be drawn again from the corpus, every
stored row still matches the corpus text, and both annotators' labels are there to measure
agreement. The repo holds ids, offsets and labels only; the text comes from ../shared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
GOLD = ROOT / "tests" / "data" / "gold"

pytestmark = pytest.mark.skipif(not CORPUS.is_file(), reason=f"needs the corpus at {CORPUS}")


def _rows(name):
    return [json.loads(x) for x in (GOLD / name).read_text("utf-8").splitlines() if x.strip()]


def _gold(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "bench" / "gold.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def test_the_replies_draw_is_drawn_again_turn_for_turn(tmp_path):
    r = _gold("sample", "--replies", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    order = json.loads((tmp_path / "order.json").read_text())
    stored = [f"{x['id']}:{x['turn']}" for x in _rows("replies-holdout.jsonl") + _rows("replies-dev.jsonl")]
    assert order == stored  # holdout first, then dev, in draw order
    items = [json.loads(x) for x in (tmp_path / "replies.jsonl").read_text().splitlines()]
    assert all(len(x["agent_turn"].split()) >= 20 and len(x["customer_before"].split()) >= 8 for x in items)


def test_the_first_draw_is_drawn_again_turn_for_turn(tmp_path):
    r = _gold("sample", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    order = json.loads((tmp_path / "order.json").read_text())
    stored = [f"{x['id']}:{x['turn']}" for x in _rows("holdout.jsonl") + _rows("dev.jsonl")]
    assert order == stored  # gold-holdout first, then gold-dev, in draw order


def test_replies_rows_match_the_corpus_and_stay_apart_from_the_first_draw():
    from phrasecoach.goldset import load_gold

    seen = set()
    for name in ("replies-holdout.jsonl", "replies-dev.jsonl", "replies-second.jsonl"):
        turns = load_gold(GOLD / name, CORPUS)  # raises when a corpus turn changed
        for t in turns:
            for p in t.problems:
                assert 0 <= p["start"] < p["end"] <= len(t.text)
        seen |= {t.key for t in turns}
    first = {f"{x['id']}:{x['turn']}" for n in ("dev.jsonl", "holdout.jsonl") for x in _rows(n)}
    assert not seen & first
    a = {f"{x['id']}:{x['turn']}" for n in ("replies-holdout.jsonl", "replies-dev.jsonl") for x in _rows(n)}
    b = {f"{x['id']}:{x['turn']}" for x in _rows("replies-second.jsonl")}
    assert a == b and len(a) == 406  # the second annotator labelled every turn


def test_agreement_on_the_replies_draw_is_reported_per_category():
    r = _gold("agreement", "--replies")
    assert r.returncode == 0, r.stderr
    lines = {x.split()[0]: x.split() for x in r.stdout.splitlines()[1:]}
    assert lines["defensive"][1] == "406"
    assert float(lines["defensive"][4]) > 0.6
    assert lines["impatience"][4] == "-"  # no positives on either side: kappa undefined, not 1.0


def test_quality_reads_only_the_writers_asked_for(tmp_path):
    """`bench/quality.py --writers k` measures the batches of one writer of the written set (the
    held-apart batches of a round), sentences and transcripts alike."""
    rows = _rows("../written/sentences.jsonl")
    mine = [r for r in rows if r["id"].startswith("k-")]
    assert 0 < len(mine) < len(rows)
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "quality.py"), "--sets", "written,missed-ack",
                        "--writers", "k", "--json", str(tmp_path / "q.json")],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert f"writers k only), level picky: {len(mine)} sentences" in r.stdout
    ma = json.loads((tmp_path / "q.json").read_text())["missed-ack"]["written transcripts (tuned on)"]
    k_turns = sum(1 for x in _rows("../written/transcripts.jsonl") if x["id"].startswith("k-")
                  for t in x["turns"] if t["speaker"] == "agent")
    assert sum(ma.get(k, 0) for k in ("tp", "fp", "fn", "tn")) == k_turns
    # the next stop's fresh blind set is read only when named: never as a side effect of missed-ack
    unread = [d.name for d in DATA.glob("blind*/") if json.loads((d / "about.json").read_text())["read"] == "unread"]
    all_ma = json.loads((tmp_path / "q.json").read_text())["missed-ack"]
    assert not [k for k in all_ma for n in unread if k.startswith(f"{n} ")]
    assert any(k.startswith("blind-2 transcripts (") for k in all_ma)  # a set already read still runs


def test_every_blind_set_says_where_it_came_from_and_how_far_it_was_read():
    """bench/quality.py finds blind sets by folder; a folder without a valid about.json is an error there."""
    folders = sorted(DATA.glob("blind*/"))
    assert len(folders) >= 16
    for d in folders:
        about = json.loads((d / "about.json").read_text())
        assert about["read"] in ("unread", "aggregate", "dev"), d
        assert about["title"].startswith("written from docs/annotation.md alone"), d
        assert (d / "sentences.jsonl").is_file() and (d / "transcripts.jsonl").is_file(), d
