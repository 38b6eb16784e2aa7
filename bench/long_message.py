"""Checking time of one long message: is it linear in the message's length?

    python bench/long_message.py [--sizes 10000,100000,1000000] [--adversarial] [--repeat 1]

Builds single messages of 10 KB, 100 KB and 1 MB from agent turns of
../shared/corpus/transcripts.jsonl (one turn a line, as a pasted export or a long document
reads; generated sentences when the corpus is absent) and times `Coach.check` on each, on one
core, every rule on (level picky, as the other benches). Prints the seconds (CPU time of this
process), the findings, and the 1 MB / 100 KB ratio: linear time gives about 10. The targets
are 1 MB under 20 s and a ratio under 15; the exit code is 1 when one is missed.

`--adversarial` also times messages built to hurt: one sentence with no punctuation at all,
a run of dots, a run of emoji, a run of spaces between two words, and "Mr. " over and over
(an abbreviation that never ends a sentence). Each finding's offsets are checked against the
text it came from.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"
TARGET_1MB_S = 20.0
TARGET_RATIO = 15.0

_GENERATED = [
    "Date of birth?", "Send me the receipt.", "As I said, the refund takes 5 days.",
    "Thanks for waiting!", "Your RMA is with T2.", "I'm sorry for the trouble.",
    "You should have called us earlier.", "Could you share your order number?",
    "That's not what happened.", "We'll look into it right away and get back to you today.",
]


def corpus_lines(limit_chars: int) -> list[str]:
    lines, size = [], 0
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            for turn in json.loads(line)["turns"]:
                if turn["speaker"] == "agent":
                    lines.append(turn["text"])
                    size += len(turn["text"]) + 1
                    if size >= limit_chars:
                        return lines
    return lines


def message(size: int, lines: list[str]) -> str:
    """`size` characters: whole lines, the last one cut to fit."""
    out, n, i = [], 0, 0
    while n < size:
        line = lines[i % len(lines)]
        out.append(line)
        n += len(line) + 1
        i += 1
    return "\n".join(out)[:size]


def adversarial(size: int) -> dict[str, str]:
    rng = random.Random(size)
    words = "you should have sent me the receipt date of birth calm down RMA T2 please".split()
    one_sentence = " ".join(rng.choice(words) for _ in range(size // 4))[:size]
    return {
        "one sentence, no punctuation": one_sentence,
        "dots": "." * size,
        "emoji": "\U0001F600" * size,
        "spaces between two words": "I understand" + " " * (size - 24) + "frustrating.",
        "'Mr. ' repeated": ("Mr. " * (size // 4 + 1))[:size],
    }


def time_check(coach, text: str, repeat: int) -> tuple[float, object]:
    best, report = None, None
    for _ in range(repeat):
        t0 = time.process_time()
        report = coach.check(text)
        dt = time.process_time() - t0
        best = dt if best is None else min(best, dt)
    bad = [f for f in report.findings if text[f.start:f.end] != f.text]
    if bad:
        raise SystemExit(f"offsets wrong for {len(bad)} findings, e.g. {bad[0]}")
    return best, report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--adversarial", action="store_true", help="also time messages built to hurt")
    ap.add_argument("--repeat", type=int, default=1, help="runs per message; the fastest counts")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    from phrasecoach import Coach
    from phrasecoach.pipeline import freeze_heap

    coach = Coach(level="picky").warm()
    coach.check("Date of birth? Send me the receipt.")
    freeze_heap()
    if CORPUS.is_file():
        lines, source = corpus_lines(max(sizes) + 1), f"agent turns of {CORPUS.name}, one a line"
    else:
        rng = random.Random(1)
        lines = [" ".join(rng.sample(_GENERATED, 3)) for _ in range(1000)]
        source = "generated sentences (corpus not found)"
    cases = {f"corpus ({source})": {n: message(n, lines) for n in sizes}}
    if args.adversarial:
        for n in sizes:
            for name, text in adversarial(n).items():
                cases.setdefault(name, {})[n] = text
    print(f"one core, every rule (level picky); seconds of CPU time per Coach.check, best of {args.repeat}")
    failed = False
    for name, texts in cases.items():
        print(f"\n{name}")
        seconds = {}
        for n, text in texts.items():
            dt, report = time_check(coach, text, args.repeat)
            seconds[n] = dt
            print(f"  {n:>9,} chars  {dt:8.2f} s  {len(report.findings):>6} findings  "
                  f"{n / max(dt, 1e-9) / 1000:8.0f} KB/s")
        if 100_000 in seconds and 1_000_000 in seconds:
            ratio = seconds[1_000_000] / max(seconds[100_000], 1e-9)
            # under a second, the ratio is mostly start-up noise: only the time counts
            ok = seconds[1_000_000] < TARGET_1MB_S and (ratio < TARGET_RATIO or seconds[1_000_000] < 1)
            failed |= not ok
            print(f"  1 MB / 100 KB: {ratio:.1f}x  (targets: 1 MB under {TARGET_1MB_S:g} s, "
                  f"ratio under {TARGET_RATIO:g}: {'met' if ok else 'MISSED'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
