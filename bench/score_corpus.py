"""Scale figures for `phrasecoach score` (issue 5): wall time, conversations/s and peak memory.

    python bench/score_corpus.py [--corpus ../shared/corpus/transcripts.jsonl]
                                 [--workers 1 2] [--repeat N] [--scale 10]
                                 [--no-scaled | --scaled-only] [--json FILE]

Runs `phrasecoach score` as a subprocess on the whole corpus once per worker count, then on
an input `--scale` times the corpus (written streaming into a temporary file: every
conversation repeated with a new id) with the largest worker count. Memory is the peak, over
the run, of the summed RSS of the process tree (the CLI and its workers), sampled every
0.2 s; RSS counts pages shared between the forked processes once per process, so it is an
upper bound (PSS, which splits shared pages, is printed beside it).

CPU time and run-queue wait come from /proc/PID/schedstat: on a machine shared with other
jobs, "waiting for a CPU" is the time those jobs took from this run, so a slow wall time can be
told apart from a slow program. The load average before and during each run is printed too.

Targets (issue 5): the whole corpus in under 60 s with 2 workers on a 2-core machine; peak
memory under 1 GB on the tenfold input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"


def _schedstat(pid: int) -> tuple[float, float] | None:
    """(CPU seconds, seconds spent runnable but waiting for a CPU) of a process (Linux)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            run, wait, _ = f.read().split()
        return int(run) / 1e9, int(wait) / 1e9
    except (OSError, ValueError):
        return None


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of a process and its children until stopped, and the
    CPU time and run-queue wait of each (the wait is time other jobs on the machine took)."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.every = every
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_procs = 0
        self.sched: dict[int, tuple[float, float]] = {}
        self.loads: list[float] = []
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = pss = 0
            self.loads.append(os.getloadavg()[0])
            for p in procs:
                st = _schedstat(p.pid)
                if st is not None:
                    self.sched[p.pid] = st
                try:
                    mi = p.memory_full_info()
                    rss += mi.rss
                    pss += getattr(mi, "pss", mi.rss)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, len(procs))
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()


def score(path: Path, workers: int, out: Path) -> dict:
    cmd = [sys.executable, "-m", "phrasecoach.cli", "score", str(path), "--out", str(out),
           "--workers", str(workers), "--progress", "never"]
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    mem = TreeMemory(proc.pid)
    mem.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"phrasecoach score failed ({proc.returncode}):\n{err}")
    summary = json.loads((out / "summary.json").read_text())
    return {"input": path.name, "bytes": path.stat().st_size, "workers": workers,
            "conversations": summary["conversations"], "agent_turns": summary["agent_turns"],
            "skipped": summary["skipped"], "wall_s": round(wall, 1),
            "scoring_s": summary["elapsed_s"],
            "conversations_per_s": round(summary["conversations"] / wall, 1),
            "peak_rss_mb": round(mem.peak_rss / 2**20), "peak_pss_mb": round(mem.peak_pss / 2**20),
            "processes": mem.peak_procs,
            "cpu_s": round(sum(c for c, _ in mem.sched.values()), 1),
            "busiest_cpu_s": round(max((c for c, _ in mem.sched.values()), default=0), 1),
            "waited_for_cpu_s": round(sum(w for _, w in mem.sched.values()), 1),
            "load_before": round(load_before, 2),
            "load_max": round(max(mem.loads, default=load_before), 2)}


def scaled_copy(src: Path, times: int, dest: Path) -> Path:
    """Write `times` copies of the corpus, streaming, each conversation with a fresh id."""
    with open(dest, "w", encoding="utf-8") as out:
        for k in range(times):
            with open(src, encoding="utf-8") as f:
                for line in f:
                    obj = json.loads(line)
                    obj["id"] = f"{obj.get('id')}~{k}"
                    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--scale", type=int, default=10, help="size of the scaled input, in corpora")
    ap.add_argument("--no-scaled", action="store_true", help="skip the scaled-input run")
    ap.add_argument("--scaled-only", action="store_true",
                    help="only the scaled-input run (with the largest --workers)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per worker count (the median wall time is printed last)")
    args = ap.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pc-bench-") as tmp:
        tmp = Path(tmp)
        for w in ([] if args.scaled_only else args.workers):
            runs = []
            for _ in range(args.repeat):
                r = score(args.corpus, w, tmp / f"out-w{w}")
                runs.append(r)
                rows.append(r)
                print(_line(r), flush=True)
            if args.repeat > 1:
                walls = sorted(r["wall_s"] for r in runs)
                med = walls[len(walls) // 2] if len(walls) % 2 else (
                    walls[len(walls) // 2 - 1] + walls[len(walls) // 2]) / 2
                print(f"  workers {w}: median wall {med:.1f} s over {len(runs)} runs "
                      f"({runs[0]['conversations'] / med:,.0f} conv/s); walls {walls}", flush=True)
        if not args.no_scaled:
            big = scaled_copy(args.corpus, args.scale, tmp / f"corpus-x{args.scale}.jsonl")
            r = score(big, max(args.workers), tmp / "out-scaled")
            rows.append(r)
            print(_line(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def _line(r: dict) -> str:
    return (f"{r['input']:<28} {r['bytes'] / 2**20:7.1f} MiB  workers {r['workers']}  "
            f"{r['conversations']:>8,} conversations  {r['agent_turns']:>8,} agent turns  "
            f"wall {r['wall_s']:7.1f} s  {r['conversations_per_s']:8,.0f} conv/s  "
            f"peak RSS {r['peak_rss_mb']:5} MB (PSS {r['peak_pss_mb']} MB, {r['processes']} processes)  "
            f"CPU {r['cpu_s']} s (busiest process {r['busiest_cpu_s']} s), "
            f"{r['waited_for_cpu_s']} s waiting for a CPU; load {r['load_before']}..{r['load_max']}")


if __name__ == "__main__":
    sys.exit(main())
