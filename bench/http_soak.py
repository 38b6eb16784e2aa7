"""Memory soak: does a long-running `phrasecoach serve` worker's memory plateau?

    python bench/http_soak.py [--rounds 16] [--per-round 5000] [--batch 50]

Starts `phrasecoach serve --workers 1` on a free 127.0.0.1 port and sends rounds of
`POST /v1/check` batches whose texts are full of never-seen words (the worst case for spaCy's
string store, which grew 188 -> 368 MB over 80,000 such texts before memory zones), then
prints the worker's resident memory (VmRSS, from /proc) after each round. A plateau is what a
long-running service needs: the last rounds should differ by a few MB at most. Expect growth
for the first ~20,000 texts while the engine's bounded caches (candidate sentences, TagAttrs)
fill; past that, growth means something is unbounded (before memory zones: spaCy's strings,
about 9 MB per 1,000 texts). Use --rounds 16 or more to see the plateau.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_pid(pid: int) -> int:
    """The process doing the work: `serve` itself, or its largest child (uvicorn may supervise)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return max(kids, key=rss_mb) if kids else pid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--per-round", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=50)
    args = ap.parse_args()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_")}
    env["PHRASECOACH_REQUEST_TIMEOUT_S"] = "60"
    env["PHRASECOACH_LEVEL"] = "picky"  # every rule that parses, so the parser sees every text
    exe = Path(sys.executable).with_name("phrasecoach")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", "1", "--no-access-log"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        rng = random.Random(1)
        pid = worker_pid(proc.pid)
        print(f"ready: worker {pid}, RSS {rss_mb(pid):.1f} MB")
        print("round  texts   RSS MB")
        sent = 0
        for rnd in range(1, args.rounds + 1):
            for _ in range(args.per_round // args.batch):
                texts = [f"Send me the {word(rng)} receipt, {word(rng).upper()}. Account {word(rng)} number?"
                         for _ in range(args.batch)]
                req = urllib.request.Request(base + "/v1/check", data=json.dumps({"texts": texts}).encode(),
                                             headers={"content-type": "application/json"})
                with urllib.request.urlopen(req, timeout=120) as r:
                    r.read()
                sent += args.batch
            print(f"{rnd:5d} {sent:6d} {rss_mb(pid):8.1f}", flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
