"""A conversation id is scored once; `phrasecoach score` prints its errors as every command does.

A second record with an id already read is a bad record (`duplicate-id`) naming the line of the
first, so per-agent and per-rule figures never count a conversation twice. In CSV the rows of one
id in separate blocks of a file stay one conversation, reported whole (`not-contiguous`).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from phrasecoach.transcripts import SeenIds
from phrasecoach.transcripts.readers import BadRecord, Conversation, read_file

FIXTURE = Path(__file__).parent / "fixtures" / "transcripts" / "qa_small.jsonl"


def _score(*args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phrasecoach.cli", "score", *map(str, args)],
                          input=stdin, capture_output=True, timeout=300)


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _with_duplicates(path: Path) -> Path:
    """The fixture (c1..c5), then c2 again (changed, so a copy scored would show) and c4 again."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    c2 = json.loads(lines[1])
    c2["turns"][1]["text"] = "Calm down. Account number?"
    path.write_text("\n".join([*lines, json.dumps(c2), lines[3]]) + "\n", encoding="utf-8")
    return path


def _figures(out: Path) -> tuple:
    agents = json.loads((out / "agents.json").read_text())
    rules = list(csv.DictReader(io.StringIO((out / "rules.csv").read_text(encoding="utf-8"))))
    return ({a["agent"]: (a["conversations"], a["agent_turns"], a["findings"]) for a in agents},
            {r["rule"]: (r["findings"], r["conversations"]) for r in rules})


# ---- the command ---------------------------------------------------------------------------------

def test_a_duplicate_id_is_reported_and_counted_once_with_workers(tmp_path):
    src = _with_duplicates(tmp_path / "in.jsonl")
    clean = _score(FIXTURE, "--out", tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    r = _score(src, "--out", tmp_path / "qa", "--workers", "2", "--batch-size", "2")
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert (f"phrasecoach: {src}:6: duplicate conversation id `c2`, first at {src}:2; "
            "record skipped") in err.splitlines()
    assert f"phrasecoach: {src}:7: duplicate conversation id `c4`, first at {src}:4" in err
    assert "5 conversations scored, 2 skipped" in err
    out = tmp_path / "qa"
    assert [c["id"] for c in _lines(out / "conversations.jsonl")] == ["c1", "c2", "c3", "c4", "c5"]
    errs = _lines(out / "errors.jsonl")
    assert [(e["line"], e["conversation"], e["kind"]) for e in errs] == [
        (6, "c2", "duplicate-id"), (7, "c4", "duplicate-id")]
    assert errs[0]["reason"] == f"duplicate conversation id `c2`, first at {src}:2; record skipped"
    # the figures a QA lead reads are those of the file without the copies
    assert _figures(out) == _figures(tmp_path / "clean")
    s = json.loads((out / "summary.json").read_text())
    assert (s["conversations"], s["skipped"], s["skipped_by_kind"]) == (5, 2, {"duplicate-id": 2})


def test_strict_stops_at_a_duplicate_id(tmp_path):
    src = _with_duplicates(tmp_path / "in.jsonl")
    r = _score(src, "--out", tmp_path / "qa", "--strict")
    assert r.returncode == 1
    assert "stopped at the first bad record (--strict)" in r.stderr.decode()
    [e] = _lines(tmp_path / "qa" / "errors.jsonl")
    assert (e["line"], e["kind"]) == (6, "duplicate-id")


def test_ids_are_checked_across_files_and_formats(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text(FIXTURE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")  # c1
    b = tmp_path / "b.csv"
    b.write_text("conversation_id,speaker,text\n"
                 "c9,customer,Hi\n"
                 "c9,agent,Hello!\n"
                 "c1,customer,Hi\n"           # c1 again, from another file and format
                 "c1,agent,Hello!\n", encoding="utf-8")
    t = tmp_path / "t.txt"
    t.write_text("# id: c9\nCustomer: Hi\nAgent: Hello!\n", encoding="utf-8")
    r = _score(a, b, t, "--out", tmp_path / "qa")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert f"phrasecoach: {b}:4 (row 4): duplicate conversation id `c1`, first at {a}:1" in err
    assert f"phrasecoach: {t}:1: duplicate conversation id `c9`, first at {b}:2" in err
    assert [c["id"] for c in _lines(tmp_path / "qa" / "conversations.jsonl")] == ["c1", "c9"]


# ---- the library API -----------------------------------------------------------------------------

def _split(items) -> tuple[list[str], list[BadRecord]]:
    items = list(items)
    return ([i.id for i in items if isinstance(i, Conversation)],
            [i for i in items if isinstance(i, BadRecord)])


def test_read_file_reports_a_duplicate_in_a_text_file(tmp_path):
    p = tmp_path / "calls.txt"
    p.write_text("# id: t1\nCustomer: hi\nAgent: hello\n\n"
                 "# id: t2\nCustomer: hi\nAgent: hello\n\n"
                 "# id: t1\nCustomer: hi again\nAgent: Order number?\n\n"
                 "Customer: no id\nAgent: hello\n", encoding="utf-8")
    ids, bad = _split(read_file(str(p)))
    assert ids == ["t1", "t2", "calls#4"]
    [e] = bad
    assert (e.line, e.kind, e.conversation) == (9, "duplicate-id", "t1")
    assert e.reason == f"duplicate conversation id `t1`, first at {p}:1; record skipped"


def test_made_up_ids_never_clash_and_a_bad_record_takes_no_id(tmp_path):
    good = {"agent": "ana", "turns": [{"speaker": "customer", "text": "Hi"},
                                      {"speaker": "agent", "text": "Hello!"}]}
    seen = SeenIds()
    for folder in ("x", "y"):  # the same file name in two folders, records without an id
        (tmp_path / folder).mkdir()
        p = tmp_path / folder / "chats.jsonl"
        p.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
        ids, bad = _split(read_file(str(p), seen=seen))
        assert ids == ["chats.jsonl:1", "chats.jsonl:2"] and bad == []
    # the first c1 is bad (no agent turn): the good one after it is scored, and a third is not
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps({"id": "c1", "turns": [{"speaker": "customer", "text": "Hi"}]}) + "\n"
                 + json.dumps({**good, "id": "c1"}) + "\n" + json.dumps({**good, "id": "c1"}) + "\n",
                 encoding="utf-8")
    ids, bad = _split(read_file(str(p), seen=seen))
    assert ids == ["c1"]
    assert [(e.line, e.kind) for e in bad] == [(1, "no-agent-turns"), (3, "duplicate-id")]
    assert f"first at {p}:2" in bad[1].reason and seen.first("c1") == f"{p}:2"


def test_csv_blocks_of_one_id_stay_one_conversation_reported_whole(tmp_path):
    """Not two conversations of which the second is a duplicate: the first block alone would be
    scored on half its turns."""
    p = tmp_path / "split.csv"
    p.write_text("conversation_id,speaker,text\n"
                 "c1,customer,I've been waiting 40 minutes!\n"
                 "c1,agent,Order number?\n"
                 "c2,customer,Hi\n"
                 "c2,agent,Hello!\n"
                 "c1,agent,Anything else?\n", encoding="utf-8")
    ids, bad = _split(read_file(str(p)))
    assert ids == ["c2"]
    assert [(e.line, e.kind, e.conversation) for e in bad] == [(2, "not-contiguous", "c1")]


# ---- one-line errors: `phrasecoach: error:` as every other command -----------------------------

def test_score_errors_use_the_phrasecoach_prefix(tmp_path):
    (tmp_path / "a-file").write_text("x")
    for args in ([FIXTURE],                                            # argparse: --out missing
                 [tmp_path / "missing.jsonl", "--out", tmp_path / "o"],  # our own usage check
                 [FIXTURE, "--out", tmp_path / "a-file" / "qa"]):        # --out cannot be made
        r = _score(*args)
        err = r.stderr.decode()
        assert r.returncode == 2, (args, err)
        assert "Traceback" not in err and "phrasecoach score: error" not in err
        assert [x for x in err.splitlines() if not x.startswith(("usage:", " "))][0].startswith(
            "phrasecoach: error: "), err
