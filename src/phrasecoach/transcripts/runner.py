"""A scoring run: stream files in, score in chunks (in this process or N workers), stream out.

Memory stays flat: the reader holds one conversation at a time, at most `2 × workers` chunks
are in flight, results are written as they come back (in input order), and the aggregates are
counters and 101-bin histograms. Every output goes to a `.partial` file first and is published
with `os.replace` when the run ends, `summary.json` last.

No single record and no dead worker stops a run: a conversation whose scoring fails, or whose
result cannot be written, is a bad record; a worker that dies (killed, out of memory) costs
the chunk it held one retry, and its conversations are reported if the retry dies too
(`_Pool`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Settings
from .aggregate import Aggregator, summarize
from .outputs import (OUTPUT_NAMES, AtomicCsv, AtomicFile, csv_text, json_text,
                      remove_stale_partials, unpublish, write_atomic)
from .readers import BadRecord, Conversation, Format, ReaderOptions, SeenIds, read_file
from .scoring import CATEGORIES, score_conversations
from .signals import load_signals

CONVERSATION_COLUMNS = ["id", "agent", "file", "line", "row", "score", "agent_turns",
                        "customer_turns", "findings", "deducted", "strengths", "bonus",
                        *CATEGORIES, "signals", "acknowledged", "first_ts", "week"]
MAX_STDERR_ERRORS = 20


@dataclass
class RunOptions:
    inputs: list[str]
    out: Path
    settings: Settings
    fmt: Format | None = None
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    workers: int = 1
    strict: bool = False
    fail_under: float | None = None
    batch_size: int = 1024
    chunk_turns: int = 1024
    progress: str = "auto"  # auto | always | never
    limit: int | None = None
    title: str = "phrasecoach QA report"
    signals_path: str | None = None
    coach: Any = None  # an existing Coach for in-process runs (workers <= 1); else one is built
    own_process: bool = False  # the `phrasecoach score` command: its heap may be frozen after start-up


@dataclass
class RunResult:
    exit_code: int
    summary: dict[str, Any]
    written: list[Path]


# ---- the work (same code in-process and in worker processes) --------------------------------

_STATE: dict[str, Any] = {}


def _init_worker(settings: Settings, signals_path: str | None, batch_size: int, coach=None,
                 pool: bool = False, freeze: bool = False) -> None:
    from ..engine import Coach

    if pool:
        _worker_signals()

    _STATE["coach"] = (coach or Coach(settings=settings)).warm()
    _STATE["signals"] = load_signals(signals_path)
    _STATE["batch_size"] = batch_size
    if pool or freeze:
        from ..pipeline import freeze_heap

        freeze_heap()  # a process of ours (a pool worker or `phrasecoach score`): the model never needs collecting


def _work(chunk: list[Conversation]) -> list[tuple]:
    """Score a chunk; return per conversation ("ok", jsonl line, csv row, summary) or ("bad", BadRecord)."""
    coach, signals, bs = _STATE["coach"], _STATE["signals"], _STATE["batch_size"]
    try:
        results = list(score_conversations(coach, chunk, signals=signals, batch_size=bs))
    except Exception:  # one bad conversation must not cost the chunk: redo them one by one
        results = []
        for conv in chunk:
            try:
                results.extend(score_conversations(coach, [conv], signals=signals, batch_size=bs))
            except Exception as e:  # noqa: BLE001 - reported as a bad record, never silent
                results.append(BadRecord(conv.file, conv.line, "internal-error",
                                         f"scoring failed: {type(e).__name__}: {e}; conversation skipped",
                                         row=conv.row, conversation=conv.id, offset=conv.offset))
    out = []
    for conv, res in zip(chunk, results):
        if isinstance(res, BadRecord):
            out.append(("bad", res))
            continue
        try:
            out.append(_outputs(conv, res))
        except Exception as e:  # noqa: BLE001 - one result that cannot be written costs only itself
            out.append(("bad", BadRecord(conv.file, conv.line, "internal-error",
                                         f"the result cannot be written: {type(e).__name__}: {e}; "
                                         "conversation skipped", row=conv.row,
                                         conversation=conv.id, offset=conv.offset)))
    return out


def _outputs(conv: Conversation, res) -> tuple:
    """("ok", jsonl line, csv row, summary, file, offset), checked to be writable as UTF-8."""
    line = json.dumps(res.to_dict(source=conv.source()), ensure_ascii=False)
    deducted = sum(d.points for d in res.deductions)
    row = [res.id, res.agent, conv.file, conv.line, conv.row, res.score, res.agent_turns,
           res.customer_turns, sum(res.counts.values()), deducted, res.strengths, res.bonus,
           *(res.counts.get(c, 0) for c in CATEGORIES),
           sum(1 for s in res.signals if s.answered_by is not None),
           sum(1 for s in res.signals if s.acknowledged),
           res.first_ts.isoformat() if res.first_ts else None, res.week]
    line.encode("utf-8")  # raises here, in the worker, not later while the parent writes
    for v in row:
        if isinstance(v, str):
            v.encode("utf-8")
    return ("ok", line, row, summarize(conv, res), conv.file, conv.offset)


def _worker_signals() -> None:
    """In a worker process: signals are the parent's business.

    Ctrl-C (sent to the whole process group), SIGTERM and SIGHUP are ignored here: the parent
    handles them and stops the workers itself (`_Pool.stop`), once its partial files are
    removed. A worker whose parent died (SIGKILL, a crash) exits by itself within a second
    instead of waiting for work forever.
    """
    import signal
    import threading

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="phrasecoach-orphan-watch", daemon=True).start()


# ---- progress ---------------------------------------------------------------------------------

class _Progress:
    """tqdm on stderr: byte position as the bar (so time left is known), conversations and rate."""

    FALLBACK_COLUMNS = 100

    def __init__(self, mode: str, total_bytes: int | None):
        self.enabled = mode == "always" or (mode == "auto" and sys.stderr.isatty())
        self.bar = None
        self.start = time.monotonic()
        self.done = 0
        if self.enabled:
            from tqdm import tqdm

            tqdm.monitor_interval = 0
            # A pty that reports a 0x0 size (`script`, `docker exec -t`, some CI runners) makes
            # tqdm draw nothing at all (0 columns, -1 rows): use a fixed size there instead.
            dynamic = _stderr_columns() > 0
            self.bar = tqdm(total=total_bytes or None, unit="B", unit_scale=True, file=sys.stderr,
                            dynamic_ncols=dynamic, ncols=None if dynamic else self.FALLBACK_COLUMNS,
                            nrows=None if dynamic else 24,
                            mininterval=0.5,
                            bar_format="{percentage:3.0f}%|{bar}| {desc} [{elapsed}<{remaining}]"
                            if total_bytes else "{desc} [{elapsed}]")
            self._describe()

    def _describe(self):
        rate = self.done / max(1e-9, time.monotonic() - self.start)
        self.bar.set_description_str(f"{self.done:,} conversations, {rate:,.0f}/s", refresh=False)

    def update(self, conversations: int, position: int):
        self.done += conversations
        if self.bar is not None:
            self._describe()
            self.bar.update(max(0, position - self.bar.n))

    def write(self, msg: str):
        if self.bar is not None:
            self.bar.write(msg, file=sys.stderr)
        else:
            print(msg, file=sys.stderr)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _stderr_columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


# ---- the run ------------------------------------------------------------------------------------

class StopRun(Exception):
    """--strict met a bad record."""

    def __init__(self, bad: BadRecord):
        self.bad = bad


def _records(opts: RunOptions, sizes: dict[str, int]) -> Iterator[tuple[Conversation | BadRecord, int]]:
    """(record, overall byte position) over every input, up to --limit records.

    Conversation ids are checked here, in the reading process, across all the inputs: a later
    conversation with an id already read is a `duplicate-id` bad record, never sent to a worker.
    """
    base = 0
    n = 0
    seen = SeenIds()
    for path in opts.inputs:
        for item in read_file(path, opts.fmt, opts.reader, seen=seen):
            yield item, base + item.offset
            n += 1
            if opts.limit is not None and n >= opts.limit:
                return
        base += sizes.get(path, 0)


def _chunks(records, chunk_turns: int, on_bad) -> Iterator[tuple[list[Conversation], int]]:
    buf: list[Conversation] = []
    turns = 0
    pos = 0
    for item, pos in records:
        if isinstance(item, BadRecord):
            on_bad(item)
            continue
        buf.append(item)
        turns += sum(1 for t in item.turns if t[0] == "agent")
        if turns >= chunk_turns or len(buf) >= 2048:
            yield buf, pos
            buf, turns = [], 0
    if buf:
        yield buf, pos


def run(opts: RunOptions) -> RunResult:
    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out)
    sizes = {p: (os.path.getsize(p) if p != "-" else 0) for p in opts.inputs}
    total = sum(sizes.values()) if "-" not in opts.inputs else 0
    agg = Aggregator()
    progress = _Progress(opts.progress, total)
    files: list[AtomicFile] = []
    conv_jsonl = AtomicFile(out / "conversations.jsonl")
    conv_csv = AtomicCsv(out / "conversations.csv", CONVERSATION_COLUMNS)
    errors = AtomicFile(out / "errors.jsonl")
    files += [conv_jsonl, conv_csv, errors]
    shown = 0
    pool = None
    stopped: BadRecord | None = None

    def on_bad(bad: BadRecord) -> None:
        nonlocal shown
        errors.write(json.dumps(bad.to_dict(), ensure_ascii=False) + "\n")
        agg.add_error(bad)
        if shown < MAX_STDERR_ERRORS:
            progress.write(f"phrasecoach: {bad.where()}: {bad.reason}")
        elif shown == MAX_STDERR_ERRORS:
            progress.write("phrasecoach: more bad records; every one is in errors.jsonl")
        shown += 1
        if opts.strict:
            raise StopRun(bad)

    def consume(batch: list[tuple], pos: int) -> None:
        n = 0
        for item in batch:
            if item[0] == "bad":
                on_bad(item[1])
                continue
            _, line, row, summary, file, _off = item
            conv_jsonl.write(line + "\n")
            conv_csv.row(row)
            agg.add(summary, file)
            n += 1
        progress.update(n, pos)

    try:
        chunks = _chunks(_records(opts, sizes), opts.chunk_turns, on_bad)
        if opts.workers <= 1:
            _init_worker(opts.settings, opts.signals_path, opts.batch_size, opts.coach,
                         freeze=opts.own_process)
            for chunk, pos in chunks:
                consume(_work(chunk), pos)
        else:
            pool = _Pool(opts, progress.write)
            inflight: deque[tuple[int, int]] = deque()  # (chunk number, byte position), in order
            for seq, (chunk, pos) in enumerate(chunks):
                pool.put(seq, chunk)
                inflight.append((seq, pos))
                while len(inflight) >= 2 * opts.workers:
                    seq, pos = inflight.popleft()
                    consume(pool.result(seq), pos)
            while inflight:
                seq, pos = inflight.popleft()
                consume(pool.result(seq), pos)
            pool.close()
            pool = None
    except StopRun as e:
        stopped = e.bad
    except BaseException:
        progress.close()
        for f in files:
            f.abort()
        raise
    finally:
        if pool is not None:
            pool.stop()
    progress.close()
    elapsed = time.monotonic() - t0

    summary = agg.summary()
    below = (opts.fail_under is not None and summary["mean_score"] is not None
             and summary["mean_score"] < opts.fail_under)
    exit_code = 1 if (summary["skipped"] or below or stopped) else 0
    summary = {
        "schema_version": 1,
        "phrasecoach": __version__,
        "status": "stopped" if stopped else "complete",
        "started": started.isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 2),
        "conversations_per_s": round(summary["conversations"] / elapsed, 1) if elapsed else None,
        "inputs": list(opts.inputs),
        "workers": opts.workers,
        "exit_code": exit_code,
        "fail_under": opts.fail_under,
        **summary,
        "formula": "score = 100 - sum(points per finding on agent turns; error 20, warning 10, "
                   "info 4) + min(10, 5 * empathy strengths, overlapping ones counted once) when anything "
                   "was deducted; 0..100",
    }

    written: list[Path] = []
    if stopped:
        # --strict: only the error is published; no partial results under real names, and
        # no results of an earlier run beside this run's summary.
        for f in (conv_jsonl, conv_csv):
            f.abort()
        unpublish(out)
        written.append(errors.commit())
        written.append(write_atomic(out / "summary.json", json_text(summary)).commit())
        return RunResult(exit_code, summary, written)

    try:
        later = _final_files(agg, out, opts, started, elapsed)
    except BaseException:
        for f in files:
            f.abort()
        raise
    # publish: the old summary goes first, the new one comes last, so a summary.json always
    # describes the files beside it (a run killed in between leaves none)
    unpublish(out, ("summary.json",))
    for f in [*files, *later]:
        written.append(f.commit())
    unpublish(out, [n for n in OUTPUT_NAMES if out / n not in written and n != "summary.json"])
    written.append(write_atomic(out / "summary.json", json_text(summary)).commit())
    return RunResult(exit_code, summary, written)


class WorkersDied(Exception):
    """Worker processes keep dying (they cannot start, say): the run cannot go on."""


@dataclass
class _Worker:
    process: Any
    conn: Any
    seq: int | None = None  # the chunk it holds


def _worker_main(conn, settings: Settings, signals_path: str | None, batch_size: int) -> None:
    """A worker process: chunks in, results out, on its own pipe, until told to stop."""
    _init_worker(settings, signals_path, batch_size, None, pool=True)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):  # the parent stopped or is gone
            return
        if chunk is None:
            return
        result = _work(chunk)
        try:
            conn.send(result)
        except OSError:
            return


class _Pool:
    """N worker processes, each with its own pipe, so one that dies costs only the chunk it held.

    concurrent.futures' process pool shares one result queue and its lock among the workers: a
    worker killed while sending its result (SIGKILL, the out-of-memory killer) leaves the lock
    taken and the pool's manager thread waiting forever for the rest of the message, so the
    run hangs. Here a worker writes only to its own pipe: if it dies, even halfway through a
    message, the parent reads end-of-file and knows which chunk it held. That chunk is retried
    once in a new worker; if that one dies too, the chunk's conversations are reported
    (kind `worker-died`) and the run goes on. Workers that die MAX_DEATHS_IN_A_ROW times with
    no result in between (they cannot start, say) stop the run with WorkersDied.

    The parent starts no thread, so forking a replacement worker later is as safe as at the
    start; nothing is shared, so workers can be killed at any moment (Ctrl-C, --strict).
    """

    MAX_DEATHS_IN_A_ROW = 3

    def __init__(self, opts: RunOptions, say):
        import multiprocessing as mp

        # fork where there is one: nothing heavy is loaded here yet (spaCy loads in each
        # worker), and unlike spawn it does not re-run the caller's __main__ (a REPL, stdin).
        self.ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.opts = opts
        self.say = say
        self.queue: deque[int] = deque()  # chunks waiting for a worker
        self.chunks: dict[int, list[Conversation]] = {}  # sent or waiting, until a result comes
        self.results: dict[int, list[tuple]] = {}
        self.tries: dict[int, int] = {}
        self.deaths_in_a_row = 0
        self.workers = [self._start() for _ in range(opts.workers)]

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        o = self.opts
        proc = self.ctx.Process(target=_worker_main, name="phrasecoach-score-worker", daemon=True,
                                args=(child, o.settings, o.signals_path, o.batch_size))
        proc.start()
        child.close()  # the worker holds the only other end: its death is end-of-file here
        return _Worker(proc, parent)

    def put(self, seq: int, chunk: list[Conversation]) -> None:
        self.chunks[seq] = chunk
        self.queue.append(seq)
        self._dispatch()

    def result(self, seq: int) -> list[tuple]:
        """Chunk `seq`'s results (waiting for them), as `_work` gives them."""
        while seq not in self.results:
            self._wait()
        return self.results.pop(seq)

    def _dispatch(self) -> None:
        while self.queue:
            w = next((w for w in self.workers if w.seq is None), None)
            if w is None:
                return
            if not w.process.is_alive():  # it died idle: no chunk is to blame
                self._died(w)
                continue
            self._send(w, self.queue.popleft())

    def _send(self, w: _Worker, seq: int) -> None:
        w.seq = seq
        try:
            w.conn.send(self.chunks[seq])
        except OSError:  # it died while the chunk was on its way: counted as the chunk's try
            self._died(w)

    def _wait(self) -> None:
        from multiprocessing.connection import wait

        busy = [w for w in self.workers if w.seq is not None]
        if not busy:  # cannot be: a chunk waiting is always given to an idle worker
            raise RuntimeError("phrasecoach: no worker holds the chunk waited for")
        ready = set(wait([x for w in busy for x in (w.conn, w.process.sentinel)]))
        for w in busy:
            if w.conn not in ready and w.process.sentinel not in ready:
                continue
            try:
                if not w.conn.poll():  # its process ended and left nothing to read
                    raise EOFError
                res = w.conn.recv()  # a worker that dies halfway through: EOFError
            except Exception:  # noqa: BLE001 - whatever broke, this worker is done
                self._died(w)
                continue
            self.results[w.seq] = res
            del self.chunks[w.seq]
            w.seq = None
            self.deaths_in_a_row = 0
            if not w.process.is_alive():  # it died just after sending its result
                self._died(w)
        self._dispatch()

    def _died(self, w: _Worker) -> None:
        """Replace a dead worker; retry its chunk once, then report the chunk's conversations."""
        seq, w.seq = w.seq, None
        if w.process.is_alive():
            w.process.kill()
        w.process.join(5)
        w.conn.close()
        how = _exit_reason(w.process.exitcode)
        self.deaths_in_a_row += 1
        if self.deaths_in_a_row >= self.MAX_DEATHS_IN_A_ROW:
            raise WorkersDied(f"worker processes died {self.deaths_in_a_row} times in a row "
                              f"(last: {how})")
        new = self._start()
        self.workers[self.workers.index(w)] = new
        if seq is None:
            self.say(f"phrasecoach: a worker process died ({how}); started a new one")
            return
        chunk = self.chunks[seq]
        first, last = chunk[0], chunk[-1]
        span = f"{first.file}:{first.line}" + (
            (f"–{last.line}" if last.line != first.line else "") if last.file == first.file
            else f" – {last.file}:{last.line}")
        self.tries[seq] = self.tries.get(seq, 0) + 1
        if self.tries[seq] == 1:
            self.say(f"phrasecoach: a worker process died ({how}) while scoring the "
                     f"{len(chunk):,} conversations at {span}; retrying them once")
            self._send(new, seq)  # in the new worker
            return
        self.say(f"phrasecoach: the worker died again ({how}) on the {len(chunk):,} "
                 f"conversations at {span}; they are reported as skipped")
        del self.chunks[seq]
        self.results[seq] = [("bad", BadRecord(
            conv.file, conv.line, "worker-died",
            f"a worker process died twice ({how}) while scoring the {len(chunk):,} conversations "
            f"at {span}, this one among them; conversation skipped",
            row=conv.row, conversation=conv.id, offset=conv.offset)) for conv in chunk]

    def close(self) -> None:
        """The run is done: each worker is told to stop, and is killed if it does not."""
        for w in self.workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self.workers:
            w.process.join(10)
        self.stop()

    def stop(self) -> None:
        """Stop at once (an error, --strict, Ctrl-C, SIGTERM): nothing is shared, so a worker can
        be killed in the middle of anything, and none is left running."""
        for w in self.workers:
            if w.process.is_alive():
                w.process.kill()  # workers ignore SIGINT and SIGTERM (see _worker_signals)
        for w in self.workers:
            w.process.join(5)
            w.conn.close()


def _exit_reason(code: int | None) -> str:
    import signal

    if code is None:
        return "cause unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}" + (", perhaps out of memory" if -code == signal.SIGKILL else "")
    return f"exit status {code}"


def _final_files(agg: Aggregator, out: Path, opts: RunOptions, started: datetime,
                 elapsed: float) -> list[AtomicFile]:
    from .report import render_html

    agents = agg.agent_rows()
    a_header = ["agent", "conversations", "agent_turns", "mean_score", "median_score", "findings",
                "findings_per_100_turns", *(f"{c}_per_100_turns" for c in CATEGORIES),
                "empathy_per_100_turns", "signals", "acknowledged", "acknowledgment_rate", "top_rules"]
    a_rows = [[r["agent"], r["conversations"], r["agent_turns"], r["mean_score"], r["median_score"],
               r["findings"], r["findings_per_100_turns"],
               *(r["per_100_turns"][c] for c in CATEGORIES), r["empathy_per_100_turns"],
               r["signals"], r["acknowledged"], r["acknowledgment_rate"],
               "; ".join(f"{t['rule']} {t['name']} ({t['findings']})" for t in r["top_rules"])]
              for r in agents]
    rules = agg.rule_rows()
    r_header = ["rule", "name", "category", "severity", "findings", "conversations", "share",
                "per_100_turns", "top_phrases", "example_conversation", "example_turn", "example",
                "example_customer"]
    r_rows = [[r["rule"], r["name"], r["category"], r["severity"], r["findings"],
               r["conversations"], r["share"], r["per_100_turns"],
               " | ".join(f"{p['text']} ({p['count']})" for p in r["top_phrases"]),
               r["examples"][0]["conversation"] if r["examples"] else None,
               r["examples"][0]["turn"] if r["examples"] else None,
               r["examples"][0]["context"] if r["examples"] else None,
               r["examples"][0]["cue"]["context"] if r["examples"] and r["examples"][0].get("cue")
               else None] for r in rules]
    weeks = agg.week_rows()
    w_header = ["week", "conversations", "agent_turns", "mean_score", "median_score",
                "findings_per_100_turns", *(f"{c}_per_100_turns" for c in CATEGORIES)]
    w_rows = [[r["week"], r["conversations"], r["agent_turns"], r["mean_score"], r["median_score"],
               r["findings_per_100_turns"], *(r["per_100_turns"][c] for c in CATEGORIES)]
              for r in weeks]
    options = {"format": opts.fmt or "auto", "workers": opts.workers, "limit": opts.limit,
               "select": ",".join(opts.settings.select), "ignore": ",".join(opts.settings.ignore)}
    html = render_html(agg, title=opts.title, inputs=list(opts.inputs), started=started,
                       elapsed_s=elapsed, options=options)
    return [
        write_atomic(out / "agents.csv", csv_text(a_header, a_rows)),
        write_atomic(out / "agents.json", json_text(agents)),
        write_atomic(out / "rules.csv", csv_text(r_header, r_rows)),
        write_atomic(out / "categories.csv", csv_text(
            ["category", "findings", "per_100_turns"],
            [[r["category"], r["findings"], r["per_100_turns"]] for r in agg.category_rows()])),
        write_atomic(out / "weeks.csv", csv_text(w_header, w_rows)),
        write_atomic(out / "report.html", html),
    ]
