"""HTTP load figure: `phrasecoach serve` (2 workers) driven over 127.0.0.1 by this process.

    python bench/http_load.py [--requests N] [--workers 2] [--concurrency 1,8,32] [--texts N]

Reads agent turns from ../shared/corpus/transcripts.jsonl (next to the repo; skipped with a
message when absent). First times in-process `Coach.check` on the same texts (before the
server starts, so nothing competes for the CPU), then starts the server as a subprocess,
warms it, and for each concurrency level sends a bounded number of `POST /v1/check` requests
over keep-alive connections (one per concurrent client), printing requests/s, p50/p90/p99/max
latency, and error count (any non-200 answer or failed connection), plus the ratio of the HTTP
p50 to the in-process p50. Target: p99 under 50 ms at concurrency 8 with 2 workers, no errors.

The load generator is a minimal asyncio HTTP/1.1 client, so the client's own cost stays small
on a 2-core machine that also runs the two workers. The in-process timing uses one BLAS
thread, as each server worker does (see phrasecoach.service.one_blas_thread), so the ratio
compares like with like. The load average is printed: other work on the machine shows up in
every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads; as the server's workers do

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
TARGET_P99_MS = 50.0


def agent_turns(n: int, seed: int = 4) -> list[str]:
    turns = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            for t in json.loads(line)["turns"]:
                if t["speaker"] == "agent" and t["text"].strip():
                    turns.append(t["text"])
    rng = random.Random(seed)
    return rng.sample(turns, min(n, len(turns)))


def pct(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def in_process_ms(texts: list[str]) -> list[float]:
    from phrasecoach import Coach

    coach = Coach().warm()
    for t in texts[:50]:
        coach.check(t)
    out = []
    for t in texts:
        t0 = time.perf_counter()
        coach.check(t)
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


# ---- a small keep-alive HTTP/1.1 client ------------------------------------------------
class Conn:
    def __init__(self, host: str, port: int, keep_alive: bool = True):
        self.host, self.port, self.keep_alive = host, port, keep_alive
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            await self.open()
        conn = "" if self.keep_alive else "Connection: close\r\n"
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{conn}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v.strip())
            elif k == "connection" and v.strip().lower() == "close":
                close = True
        await self.reader.readexactly(length)
        if close or not self.keep_alive:
            self.close()
        return status

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(host: str, port: int, bodies: list[bytes], concurrency: int, total: int,
                keep_alive: bool = True):
    latencies: list[float] = []
    errors = 0
    next_i = 0

    async def client():
        nonlocal next_i, errors
        conn = Conn(host, port, keep_alive)
        while next_i < total:
            i = next_i
            next_i += 1
            body = bodies[i % len(bodies)]
            t0 = time.perf_counter()
            try:
                status = await conn.post("/v1/check", body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                conn.close()
                errors += 1
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors += 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    return sorted(latencies), errors, wall


# ---- the server ----------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("phrasecoach")
    cmd = [str(exe), "serve"] if exe.exists() else [sys.executable, "-m", "phrasecoach.cli", "serve"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_")}
    proc = subprocess.Popen([*cmd, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                             "--no-access-log"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server not ready within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="requests per concurrency level")
    ap.add_argument("--texts", type=int, default=1000, help="distinct agent turns to cycle through")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--warmup", type=int, default=300, help="requests sent before measuring")
    ap.add_argument("--new-connections", action="store_true",
                    help="open a new connection per request instead of keep-alive connections")
    args = ap.parse_args(argv)
    if not CORPUS.is_file():
        print(f"skipped: corpus not found at {CORPUS} (expected ../shared/corpus next to the repo)",
              file=sys.stderr)
        return 0
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    texts = agent_turns(args.texts)
    bodies = [json.dumps({"text": t}).encode("utf-8") for t in texts]
    print(f"{len(texts)} agent turns from {CORPUS.relative_to(ROOT.parent)} "
          f"(mean {statistics.mean(len(t) for t in texts):.0f} chars); "
          f"{args.requests} requests per level; {args.workers} workers; {os.cpu_count()} cores; "
          f"{'a new connection per request' if args.new_connections else 'keep-alive connections'}; "
          f"load average {os.getloadavg()[0]:.2f}")

    inproc = in_process_ms(texts)
    print(f"in-process Coach.check on the same texts: p50 {pct(inproc, 50):.2f} ms, "
          f"mean {statistics.mean(inproc):.2f} ms, p99 {pct(inproc, 99):.2f} ms")

    port = free_port()
    proc = start_server(port, args.workers)
    results = {}
    try:
        asyncio.run(drive("127.0.0.1", port, bodies, 8, args.warmup))
        print(f"\n{'concurrency':>11} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
              f"{'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p50/in-proc':>11}")
        for c in levels:
            lat, errors, wall = asyncio.run(drive("127.0.0.1", port, bodies, c, args.requests,
                                                  keep_alive=not args.new_connections))
            results[c] = (lat, errors)
            print(f"{c:>11} {len(lat) + errors:>8} {errors:>6} {len(lat) / wall:>8.1f} {pct(lat, 50):>8.2f} "
                  f"{pct(lat, 90):>8.2f} {pct(lat, 99):>8.2f} {lat[-1] if lat else float('nan'):>8.2f} "
                  f"{pct(lat, 50) / pct(inproc, 50):>11.2f}")
    finally:
        stop_server(proc)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if 8 in results:
        lat, errors = results[8]
        total_errors = sum(e for _, e in results.values())
        ok = pct(lat, 99) < TARGET_P99_MS and total_errors == 0
        print(f"\ntarget (p99 < {TARGET_P99_MS:.0f} ms at concurrency 8, no errors): "
              f"{'met' if ok else 'NOT met'} (p99 {pct(lat, 99):.2f} ms, {total_errors} errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
