"""No single record, and no dead worker, can stop `phrasecoach score`.

Run through the command line as a QA team runs it: records that used to end the whole run with
a traceback (JSON nested thousands deep, a lone surrogate "\\ud800", `"ts": 1e20`) are reported
with their file and line like any other bad record, and every good conversation is scored once;
a CSV quote that is never closed is reported at its row instead of swallowing the rows after
it; a conversation whose CSV rows are not contiguous is reported whole, never half-scored; and
a worker killed with SIGKILL costs at most the chunk it held, while the rest of the run is
published.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from transcripts_support import FIXTURE, many_conversations
CMD = [sys.executable, "-m", "phrasecoach.cli", "score"]


def _score(*args, stdin: bytes | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*CMD, *map(str, args)], input=stdin, capture_output=True, timeout=timeout)


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


# ---- the issue's batch: 500 good conversations and the records that used to stop the run -------

BAD_LINES = {  # kind of bad line -> (the line, the kind errors.jsonl gives it)
    "nested-array": ('{"id": "bad-nested", "turns": ' + "[" * 5000 + "]" * 5000 + "}", "malformed-json"),
    "nested-object": ('{"id": "bad-nested-2", "turns": [{"speaker": "agent", "text": "Hi", "x": '
                      + '{"a": ' * 3000 + "1" + "}" * 3000 + "}]}", "malformed-json"),
    "surrogate-text": ('{"id": "bad-sur", "turns": [{"speaker": "agent", "text": "Date of birth? \\ud800"}]}',
                       "invalid-unicode"),
    "surrogate-id": ('{"id": "bad-\\udc00", "turns": [{"speaker": "agent", "text": "Hi"}]}', "invalid-unicode"),
    "surrogate-agent": ('{"id": "bad-sur-agent", "agent": "\\ud83d", "turns": [{"speaker": "agent", "text": "Hi"}]}',
                        "invalid-unicode"),
    "surrogate-speaker": ('{"id": "bad-sur-speaker", "turns": [{"speaker": "\\ud800", "text": "Hi"}]}',
                          "unknown-speaker"),
    "ts-1e20": ('{"id": "bad-ts", "turns": [{"speaker": "agent", "text": "Calm down.", "ts": 1e20}]}',
                "bad-timestamp"),
    "ts-minus-1e20": ('{"id": "bad-ts-2", "turns": [{"speaker": "agent", "text": "Hi", "ts": -1e20}]}',
                      "bad-timestamp"),
    "ts-infinity": ('{"id": "bad-ts-3", "turns": [{"speaker": "agent", "text": "Hi", "ts": Infinity}]}',
                    "bad-timestamp"),
    "ts-nan": ('{"id": "bad-ts-4", "turns": [{"speaker": "agent", "text": "Hi", "ts": NaN}]}', "bad-timestamp"),
    "ts-huge-int": ('{"id": "bad-ts-5", "ts": 1' + "0" * 400 + ', "turns": [{"speaker": "agent", "text": "Hi"}]}',
                    "bad-timestamp"),
    "int-5000-digits": ('{"id": "bad-int", "n": ' + "7" * 5000 + ', "turns": []}', "malformed-json"),
    "truncated": ('{"id": "bad-broken", "turns": [{"speaker": "agent", "te', "malformed-json"),
    "not-json": ("this is not JSON at all", "malformed-json"),
    "top-level-list": ("[1, 2, 3]", "bad-field"),
}


def _good(i: int, base: list[dict]) -> str:
    obj = dict(base[i % len(base)])
    obj["id"] = f"good-{i:03d}"
    return json.dumps(obj, ensure_ascii=False)


def _issue_batch(path: Path) -> tuple[set[str], dict[int, str]]:
    """500 good conversations with every bad line spread among them; (good ids, line -> kind)."""
    base = [json.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
    bad = list(BAD_LINES.values())
    lines, expected = [], {}
    for i in range(500):
        lines.append(_good(i, base))
        if i % 30 == 7 and bad:
            line, kind = bad.pop(0)
            lines.append(line)
            expected[len(lines)] = kind
    for line, kind in bad:
        lines.append(line)
        expected[len(lines)] = kind
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {f"good-{i:03d}" for i in range(500)}, expected


@pytest.mark.parametrize("workers", [1, 2])
def test_issue_batch_scores_every_good_conversation_once_and_reports_every_bad_line(tmp_path, workers):
    good, expected = _issue_batch(tmp_path / "mixed.jsonl")
    out = tmp_path / "qa"
    r = _score(tmp_path / "mixed.jsonl", "--out", out, "--workers", workers)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1, err  # 1: records were skipped (not a crash, not a usage error)
    assert "Traceback" not in err
    scored = [c["id"] for c in _lines(out / "conversations.jsonl")]
    assert sorted(scored) == sorted(good)  # all 500, each once
    errors = _lines(out / "errors.jsonl")
    assert {e["line"]: e["kind"] for e in errors} == expected
    assert all(e["file"].endswith("mixed.jsonl") and e["code"] == "E040" and e["reason"] for e in errors)
    # what the user reads: one line each, with file:line, on stderr (the first 20)
    for e in errors[:20]:
        assert f"mixed.jsonl:{e['line']}: " in err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["conversations"], summary["skipped"], summary["status"]) == (500, len(expected), "complete")
    assert (out / "report.html").is_file()
    # the reasons say what was wrong, readably
    by_kind = {e["conversation"]: e["reason"] for e in errors if e["conversation"]}
    assert "nested too deeply" in by_kind["bad-nested"]
    assert "lone surrogate (\\ud800 at character 16)" in by_kind["bad-sur"]
    assert by_kind["bad-\\udc00"].startswith("the conversation id holds a lone surrogate")
    assert "1e+20 is out of range" in by_kind["bad-ts"]


def test_a_surrogate_that_is_not_checked_is_still_written(tmp_path):
    """Fields the readers do not check (a file name from the command line, say) still reach
    the output files: as a visible escape, never as a UnicodeEncodeError at the end of a run."""
    name = "calls-\udcff.jsonl"  # a file name that is not valid UTF-8 (surrogateescape)
    src = tmp_path / "in"
    src.mkdir()
    (src / name).write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    r = _score(src, "--out", tmp_path / "qa")
    assert r.returncode == 0, r.stderr
    rows = _lines(tmp_path / "qa" / "conversations.jsonl")
    assert len(rows) == 5 and rows[0]["source"]["file"].endswith("calls-\\udcff.jsonl")


# ---- CSV ---------------------------------------------------------------------------------------

def test_csv_unterminated_quote_is_reported_at_its_row_and_later_rows_are_scored(tmp_path):
    data = ("conversation_id,speaker,text\n"
            "c1,agent,Date of birth?\n"
            'c2,agent,"unterminated quote\n'       # line 3, row 3: the quote never closes
            "c3,agent,Calm down.\n"
            "c4,customer,Hi\n"
            "c4,agent,Happy to help.\n")
    (tmp_path / "export.csv").write_text(data, encoding="utf-8")
    out = tmp_path / "qa"
    r = _score(tmp_path / "export.csv", "--out", out)
    assert r.returncode == 1, r.stderr
    assert [c["id"] for c in _lines(out / "conversations.jsonl")] == ["c1", "c3", "c4"]
    [e] = _lines(out / "errors.jsonl")
    assert (e["line"], e["row"], e["conversation"], e["kind"]) == (3, 3, "c2", "malformed-csv")
    assert "never closed" in e["reason"]
    rows = {c["id"]: c for c in _lines(out / "conversations.jsonl")}
    assert rows["c3"]["source"] == {"file": str(tmp_path / "export.csv"), "line": 4, "row": 4}
    assert [t["text"] for t in rows["c3"]["turns"]] == ["Calm down."]  # not merged into c2


def test_csv_unterminated_quote_in_a_large_file(tmp_path):
    """Past csv's field limit (128 KiB) the open quote is still found, and nothing after it lost."""
    rows = ["conversation_id,speaker,text"]
    for i in range(3000):
        rows += [f"k{i},customer,I have been waiting for an hour now", f"k{i},agent,Let me check that for you."]
    rows.insert(11, 'k5,agent,"this quote never closes')  # line 12
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "qa"
    r = _score(tmp_path / "big.csv", "--out", out)
    assert r.returncode == 1, r.stderr
    [e] = _lines(out / "errors.jsonl")
    assert (e["line"], e["row"], e["conversation"]) == (12, 12, "k5")
    assert "unmatched" in e["reason"]
    scored = [c["id"] for c in _lines(out / "conversations.jsonl")]
    assert len(scored) == 2999 and len(set(scored)) == 2999 and "k5" not in scored


def test_csv_conversation_split_over_the_file_is_reported_whole_from_stdin_too(tmp_path):
    data = ("conversation_id,speaker,text\n"
            "c1,customer,I've been waiting 40 minutes!\n"
            "c1,agent,Order number?\n"
            "c2,customer,Hi\n"
            'c2,agent,"Hello, how can I help?"\n'
            "c1,agent,Anything else?\n")
    for how, args, stdin in (("file", [tmp_path / "split.csv"], None),
                             ("stdin", ["-", "--format", "csv"], data.encode())):
        (tmp_path / "split.csv").write_text(data, encoding="utf-8")
        out = tmp_path / f"qa-{how}"
        r = _score(*args, "--out", out, stdin=stdin)
        assert r.returncode == 1, r.stderr
        # no block of c1 is scored: its first block alone would have scored it on half its turns
        assert [c["id"] for c in _lines(out / "conversations.jsonl")] == ["c2"]
        [e] = _lines(out / "errors.jsonl")
        assert (e["conversation"], e["kind"], e["line"], e["row"]) == ("c1", "not-contiguous", 2, 2)
        assert "starting on lines 2, 6" in e["reason"]


# ---- a worker killed with SIGKILL ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    r = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in r.stdout.split()]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it ended
        return -1
    return int(fields[11]) + int(fields[12])  # utime + stime


def _busy_worker(pids: list[int], deadline: float) -> int:
    """A worker that is scoring now (its CPU time grows), not one idle between chunks: killing an
    idle worker costs no chunk, so the retry this test is about would not happen."""
    while time.monotonic() < deadline:
        before = {p: _cpu_ticks(p) for p in pids}
        time.sleep(0.25)
        grew = {p: _cpu_ticks(p) - t for p, t in before.items() if t >= 0}
        p, ticks = max(grew.items(), key=lambda kv: kv[1], default=(None, 0))
        if p is not None and ticks >= os.sysconf("SC_CLK_TCK") // 10:  # 0.1 s of CPU in 0.25 s
            return p
    raise AssertionError(f"no worker of {pids} was busy scoring")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.parametrize("again", [False, True], ids=["killed-once", "killed-again-on-retry"])
def test_a_killed_worker_costs_at_most_its_chunk_and_the_run_is_published(tmp_path, again):
    src = many_conversations(tmp_path / "in.jsonl", 2000)  # 10,000 conversations, about 16 chunks
    out = tmp_path / "qa"
    p = subprocess.Popen([*CMD, src, "--out", out, "--workers", "2"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # wait until the workers are busy scoring
            partial = list(out.glob(".conversations.jsonl.partial-*")) if out.exists() else []
            if partial and partial[0].stat().st_size > 20_000:
                break
            assert p.poll() is None, p.stderr.read()
            time.sleep(0.05)
        first = _children(p.pid)
        assert len(first) == 2, first
        os.kill(_busy_worker(first, deadline), signal.SIGKILL)
        if again:  # kill a worker of the new pool while it retries the first failed chunk alone
            while time.monotonic() < deadline:
                new = [c for c in _children(p.pid) if c not in first]
                if new:
                    break
                time.sleep(0.02)
            time.sleep(0.2)
            os.kill(new[0], signal.SIGKILL)
        _, err = p.communicate(timeout=300)
    finally:
        _kill_group(p.pid)
    assert "Traceback" not in err
    assert "phrasecoach: a worker process died (killed by SIGKILL" in err
    assert "; retrying them once" in err
    scored = [c["id"] for c in _lines(out / "conversations.jsonl")]
    errors = _lines(out / "errors.jsonl")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "complete" and (out / "report.html").is_file()
    assert len(scored) == len(set(scored))  # nothing scored twice
    if not again:
        assert p.returncode == 0, err
        assert len(scored) == 10_000 and errors == []
    else:
        assert p.returncode == 1, err
        lost = [e["conversation"] for e in errors]
        assert errors and {e["kind"] for e in errors} == {"worker-died"}
        assert sorted(scored + lost) == sorted(f"c{i}-{k}" for k in range(2000) for i in range(1, 6))
        # one chunk: consecutive lines of the input, each reported with its line
        assert [e["line"] for e in errors] == list(range(errors[0]["line"], errors[0]["line"] + len(errors)))
        assert "died twice" in errors[0]["reason"]
        assert "phrasecoach: the worker died again (killed by SIGKILL" in err
        assert summary["conversations"] == len(scored) and summary["skipped"] == len(errors)
