"""Long runs as a user meets them: the progress bar on a terminal (and none off one), Ctrl-C and
SIGTERM mid-run (nothing half-written published, no worker left behind), a killed run's
leftovers, streaming (the input is never read far ahead of the output), and every kind of bad
input reported through the CLI with file, line, row and reason."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from transcripts_support import FIXTURE, many_conversations
CMD = [sys.executable, "-m", "phrasecoach.cli", "score"]


# ---- progress bar ------------------------------------------------------------------------------

def _run_on_pty(args: list, size: tuple[int, int] | None) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal of `size` (rows, cols); None leaves it 0x0,
    as `script`, `docker exec -t` and some CI runners do."""
    master, slave = pty.openpty()
    if size is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    p = subprocess.Popen([*CMD, *map(str, args)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:  # EIO: every holder of the terminal has gone
            break
        if not b:
            break
        chunks.append(b)
    os.close(master)
    return p.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("size", [(30, 100), None], ids=["100-columns", "size-0x0"])
def test_progress_bar_on_a_terminal(tmp_path, size):
    src = many_conversations(tmp_path / "in.jsonl", 300)  # 1,500 conversations
    code, err = _run_on_pty([src, "--out", tmp_path / "qa"], size)
    assert code == 0, err
    assert "\r" in err and "  0%|" in err, err[:500]
    bars = [x for x in err.replace("\r", "\n").split("\n") if "%|" in x]
    last = bars[-1]
    # the bar's last state: all bytes read, every conversation, a rate, elapsed<remaining
    assert "100%|" in last and "1,500 conversations" in last and "/s [" in last, last
    assert "1,500 conversations scored, 0 skipped" in err
    if size is not None:
        assert max(len(x) for x in bars) <= 100  # fits the terminal


def test_no_progress_bar_off_a_terminal_or_when_asked(tmp_path):
    r = subprocess.run([*CMD, FIXTURE, "--out", tmp_path / "a"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and "\r" not in r.stderr and "%|" not in r.stderr
    code, err = _run_on_pty([FIXTURE, "--out", tmp_path / "b", "--progress", "never"], (30, 100))
    assert code == 0 and "\r" not in err.replace("\r\n", "\n") and "%|" not in err


# ---- interrupted runs ---------------------------------------------------------------------------

def _session_pids(sid: int) -> list[int]:
    r = subprocess.run(["pgrep", "-s", str(sid)], capture_output=True, text=True)
    return [int(x) for x in r.stdout.split()]


def _reap(sid: int) -> list[int]:
    """Processes still running in the run's session; killed, so a failure leaves none behind."""
    left = _session_pids(sid)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


_STARTED: list[int] = []


@pytest.fixture(autouse=True)
def _no_process_outlives_the_test():
    yield
    while _STARTED:
        _reap(_STARTED.pop())


def _start_and_wait_for_output(src: Path, out: Path, workers: int) -> subprocess.Popen:
    p = subprocess.Popen([*CMD, src, "--out", out, "--workers", str(workers)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    _STARTED.append(p.pid)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        partial = list(out.glob(".conversations.jsonl.partial-*")) if out.exists() else []
        if partial and partial[0].stat().st_size > 20_000:
            return p
        if p.poll() is not None:
            _reap(p.pid)
            pytest.fail(f"the run ended before it could be interrupted: {p.stderr.read()}")
        time.sleep(0.05)
    _reap(p.pid)
    pytest.fail("no output appeared")


@pytest.mark.parametrize("sig, to_group, workers, code", [
    (signal.SIGINT, True, 2, 130),    # Ctrl-C in a terminal: the whole process group
    (signal.SIGTERM, False, 2, 143),  # a process manager stopping the main process
    (signal.SIGTERM, True, 1, 143),
], ids=["ctrl-c-2-workers", "sigterm-main-2-workers", "sigterm-1-worker"])
def test_interrupted_run_publishes_nothing_and_leaves_no_process(tmp_path, sig, to_group,
                                                                 workers, code):
    src = many_conversations(tmp_path / "in.jsonl", 2000)  # 10,000 conversations: minutes of work
    out = tmp_path / "qa"
    p = _start_and_wait_for_output(src, out, workers)
    (os.killpg if to_group else os.kill)(p.pid, sig)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _reap(p.pid)
        pytest.fail("the interrupted run did not exit")
    assert p.returncode == code, err
    assert "interrupted; no output file was published" in err
    assert "Traceback" not in err
    assert list(out.iterdir()) == []  # no result, no .partial file
    time.sleep(0.5)
    assert _reap(p.pid) == []  # no worker left running


def test_a_killed_run_leaves_only_partial_files_and_no_worker(tmp_path):
    src = many_conversations(tmp_path / "in.jsonl", 2000)
    out = tmp_path / "qa"
    (out).mkdir()
    (out / "summary.json").write_text('{"status": "complete", "from": "an older run"}')
    p = _start_and_wait_for_output(src, out, 2)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while _session_pids(p.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _reap(p.pid) == []  # workers notice their parent is gone and exit
    names = sorted(x.name for x in out.iterdir())
    assert all(n.startswith(".") and ".partial-" in n for n in names if n != "summary.json")
    assert any(n.startswith(".conversations.jsonl.partial-") for n in names)
    # the next run into the folder clears the leftovers and replaces the old results
    r = subprocess.run([*CMD, FIXTURE, "--out", out], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert not [x for x in out.iterdir() if ".partial-" in x.name]
    assert json.loads((out / "summary.json").read_text())["conversations"] == 5


# ---- streaming ------------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 2])
def test_input_is_streamed_not_read_ahead(tmp_path, monkeypatch, workers):
    """Conversations read minus conversations aggregated stays within the chunks in flight."""
    from phrasecoach import Coach
    from phrasecoach.transcripts import runner
    from phrasecoach.transcripts.aggregate import Aggregator

    src = many_conversations(tmp_path / "in.jsonl", 500)  # 2,500 conversations
    state = {"read": 0, "done": 0, "lag": 0}
    real_read, real_add = runner.read_file, Aggregator.add

    def read_file(*a, **k):
        for item in real_read(*a, **k):
            state["read"] += 1
            state["lag"] = max(state["lag"], state["read"] - state["done"])
            yield item

    def add(self, *a, **k):
        state["done"] += 1
        return real_add(self, *a, **k)

    monkeypatch.setattr(runner, "read_file", read_file)
    monkeypatch.setattr(Aggregator, "add", add)
    coach = Coach() if workers == 1 else None
    res = runner.run(runner.RunOptions(inputs=[str(src)], out=tmp_path / "qa",
                                       settings=(coach or Coach()).settings, coach=coach,
                                       workers=workers, progress="never", chunk_turns=64))
    assert res.exit_code == 0 and state["read"] == state["done"] == 2500
    # a chunk is >= 64 agent turns (about 40 of these conversations); 2 x workers in flight
    assert state["lag"] <= 2 * workers * 60 + 60, state


# ---- bad input through the CLI ------------------------------------------------------------------

GOOD_TURNS = [{"speaker": "customer", "text": "Hi"}, {"speaker": "agent", "text": "Hello, happy to help."}]


def _bad_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    good = json.dumps({"id": "ok1", "turns": GOOD_TURNS})
    jsonl = folder / "chats.jsonl"
    jsonl.write_bytes("\n".join([
        good,                                                                  # line 1
        '{"id": "broken", "turns": [',                                         # 2 malformed JSON
        json.dumps({"id": "who", "turns": [{"speaker": "bot", "text": "Hi"}]}),  # 3 unknown speaker
        json.dumps({"id": "blank", "turns": [{"speaker": "agent", "text": "  "}]}),  # 4 empty text
        json.dumps({"id": "ok2", "turns": GOOD_TURNS}),                        # 5
    ]).encode() + b'\n{"id": "latin1", "turns": [{"speaker": "agent", "text": "caf\xe9"}]}\n')  # 6
    csv = folder / "export.csv"
    csv.write_bytes(
        b"conversation_id,speaker,text\r\n"          # row 1 (line 1)
        b"c1,customer,Hi\r\n"                         # row 2
        b"c1,agent,\"Hello,\r\nhow can I help?\"\r\n"  # row 3, lines 3-4 (quoted newline)
        b"c2,customer\r\n"                            # row 4, line 5: missing column
        b"c2,agent,Sure.\r\n"                         # row 5
        b"c3,caller,Hi\r\n"                           # row 6
        b"c3,agent,caf\xe9 is open\r\n"               # row 7, line 8: invalid UTF-8
        b"c4,customer,Hi\r\n"                         # row 8
        b"c4,agent,Hello there.\r\n")                 # row 9
    txt = folder / "call.txt"
    txt.write_text("Customer: Hi\nAgent: Hello!\n\nCustomer: Hi\nRobot: beep\n")
    return {"jsonl": jsonl, "csv": csv, "txt": txt}


def test_every_bad_input_kind_is_reported_with_where_and_why(tmp_path):
    files = _bad_inputs(tmp_path / "in")
    out = tmp_path / "qa"
    r = subprocess.run([*CMD, *files.values(), "--out", out], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1, r.stderr
    errs = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    got = [(Path(e["file"]).name, e["line"], e.get("row"), e["kind"], e["conversation"]) for e in errs]
    assert got == [
        ("chats.jsonl", 2, None, "malformed-json", "broken"),
        ("chats.jsonl", 3, None, "unknown-speaker", "who"),
        ("chats.jsonl", 4, None, "empty-text", "blank"),
        ("chats.jsonl", 6, None, "invalid-utf8", "latin1"),
        ("export.csv", 5, 4, "missing-column", "c2"),
        ("export.csv", 8, 7, "invalid-utf8", "c3"),
        ("call.txt", 5, None, "unknown-speaker", "call#2"),
    ]
    assert all(e["reason"] and e["code"] == "E040" for e in errs)
    for e in errs:  # each one on stderr too, as file:line (row N): reason
        where = f"{e['file']}:{e['line']}" + (f" (row {e['row']})" if e.get("row") else "")
        assert f"phrasecoach: {where}: {e['reason']}" in r.stderr
    scored = [json.loads(x)["id"] for x in (out / "conversations.jsonl").read_text().splitlines()]
    assert scored == ["ok1", "ok2", "c1", "c4", "call#1"]
    s = json.loads((out / "summary.json").read_text())
    assert (s["conversations"], s["skipped"], s["exit_code"]) == (5, 7, 1)
    assert "7 records skipped; see" in r.stderr


def test_strict_stops_at_the_first_bad_record(tmp_path):
    files = _bad_inputs(tmp_path / "in")
    out = tmp_path / "qa"
    out.mkdir()
    (out / "conversations.jsonl").write_text("{}\n")  # an earlier run's results
    r = subprocess.run([*CMD, *files.values(), "--out", out, "--strict"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 1
    assert "stopped at the first bad record (--strict)" in r.stderr
    assert sorted(x.name for x in out.iterdir()) == ["errors.jsonl", "summary.json"]
    errs = (out / "errors.jsonl").read_text().splitlines()
    assert len(errs) == 1 and json.loads(errs[0])["line"] == 2
    assert json.loads((out / "summary.json").read_text())["status"] == "stopped"


def test_exit_codes(tmp_path):
    def run(*args):
        return subprocess.run([*CMD, *map(str, args)], capture_output=True, text=True,
                              timeout=300).returncode

    assert run(FIXTURE, "--out", tmp_path / "a") == 0
    assert run(FIXTURE, "--out", tmp_path / "b", "--fail-under", "90") == 1  # mean 87.0
    assert run(FIXTURE, "--out", tmp_path / "c", "--fail-under", "85") == 0
    assert run(FIXTURE, "--out", tmp_path / "d", "--workers", "-1") == 2
    assert run(tmp_path / "nothing.jsonl", "--out", tmp_path / "e") == 2
