"""Memory soak of the library: does a long-running Coach's memory plateau?

    python bench/soak.py [--texts 80000] [--batch 1000] [--every 10000] [--without-zones]

Checks `--texts` messages, `--batch` at a time through `Coach.check_many`, each one full of
words spaCy has never seen ("Send me the qzvrtplm receipt, XKWQ. Account jvbnsd number?"):
the worst case for spaCy's string store, which keeps every string it is given. Prints the
process's resident memory (VmRSS) and the size of the string store every `--every` texts.

The engine parses inside spaCy's memory zone (`nlp.memory_zone()`, spaCy 3.8), so the strings
of each batch's new words are freed with it and the store stays where it started. Expect RSS
to rise for the first ~30,000 texts while the engine's bounded caches fill (the candidate
sentences, 32,768; word caches of 16,384 entries) and then to stay flat. `--without-zones`
runs the same with the zones turned off, to show what they save.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import string
import sys
import time


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def texts(rng: random.Random, n: int) -> list[str]:
    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))

    return [f"Send me the {word()} receipt, {word().upper()}. Account {word()} number?" for _ in range(n)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=80_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--every", type=int, default=10_000)
    ap.add_argument("--without-zones", action="store_true", help="turn spaCy's memory zones off")
    args = ap.parse_args(argv)
    from phrasecoach import Coach

    coach = Coach(level="picky").warm()
    coach.check("Send me the receipt. Account number?")
    nlp = coach.nlp
    if args.without_zones:
        nlp.memory_zone = lambda mem=None: contextlib.nullcontext()
    rng = random.Random(1)
    strings = nlp.vocab.strings
    print(f"memory zones {'off' if args.without_zones else 'on'}; {args.texts:,} texts, "
          f"{args.batch:,} per check_many call")
    print(f"{'texts':>8} {'RSS MB':>8} {'strings':>9} {'findings':>9} {'seconds':>8}")
    print(f"{0:>8,} {rss_mb():>8.1f} {len(strings):>9,} {0:>9} {0:>8.1f}")
    done = findings = 0
    t0 = time.perf_counter()
    samples = []
    while done < args.texts:
        n = min(args.batch, args.texts - done)
        for report in coach.check_many(texts(rng, n)):
            findings += len(report.findings)
        done += n
        if done % args.every == 0 or done == args.texts:
            samples.append(rss_mb())
            print(f"{done:>8,} {samples[-1]:>8.1f} {len(strings):>9,} {findings:>9,} "
                  f"{time.perf_counter() - t0:>8.1f}")
    half = samples[len(samples) // 2:]
    print(f"RSS over the second half of the run: {min(half):.1f} to {max(half):.1f} MB "
          f"({max(half) - min(half):+.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
