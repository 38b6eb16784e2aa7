"""`phrasecoach score FILE... --out DIR`: QA batch scoring of transcript files.

Exit codes: 0 every record scored (and the mean score at or above --fail-under);
1 something was skipped (see errors.jsonl), --strict stopped at a bad record, or the mean
score is below --fail-under; 2 usage error (bad option, missing file, unknown format, bad
configuration); 128 + the signal number when interrupted (130 Ctrl-C, 143 SIGTERM, 129
SIGHUP), with no output file published. Diagnostics go to stderr: errors as
`phrasecoach: error: ...` (one line, as every phrasecoach command prints them), each bad record
as `phrasecoach: FILE:LINE: reason`, and the run's summary as `phrasecoach score: ...`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..cli import selection_args, selection_settings, split_list
from ..errors import PhrasecoachError
from .readers import (DEFAULT_AGENT_LABELS, DEFAULT_CUSTOMER_LABELS, DEFAULT_NAMES, FIELDS,
                      ReaderOptions, SpeakerMap, detect_format, expand_inputs)

EXIT_OK, EXIT_SKIPPED, EXIT_USAGE = 0, 1, 2

EPILOG = f"""\
formats (detected from the file name, .gz allowed; force with --format):
  jsonl  one conversation per line: {{"id", "agent"?, "turns": [{{"speaker", "text", "ts"?}}]}}
  csv    one row per turn: conversation_id, speaker, text [, turn, agent_id, timestamp]
  tsv    the same, tab-separated
  text   "Agent: ..." / "Customer: ..." lines; blank lines separate conversations

speaker labels (case-insensitive; --agent-labels / --customer-labels replace them):
  agent:    {", ".join(DEFAULT_AGENT_LABELS)}
  customer: {", ".join(DEFAULT_CUSTOMER_LABELS)}

fields (--field FIELD=NAME maps a JSON key or CSV column; defaults, first found wins):
""" + "".join(f"  {f:<8} {', '.join(DEFAULT_NAMES[f])}\n" for f in FIELDS) + """
outputs in --out: conversations.jsonl, conversations.csv, agents.csv, agents.json, rules.csv,
categories.csv, weeks.csv, errors.jsonl, report.html, summary.json (written last).

exit codes: 0 all scored; 1 records skipped, --strict stop, or mean below --fail-under;
2 usage error; 130 (143) interrupted by Ctrl-C (SIGTERM): nothing published.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"phrasecoach: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="phrasecoach score", epilog=EPILOG,
                 formatter_class=argparse.RawDescriptionHelpFormatter,
                 description="Score transcript files: lint every agent turn, flag missed "
                             "acknowledgements, and write per-conversation, per-agent and "
                             "per-rule results with an HTML report.")
    ap.add_argument("files", nargs="+", metavar="FILE",
                    help="transcript files or folders (- for stdin, with --format)")
    ap.add_argument("--out", "-o", required=True, metavar="DIR", help="output folder (created)")
    ap.add_argument("--format", choices=["auto", "jsonl", "csv", "tsv", "text"], default="auto")
    ap.add_argument("--workers", "-j", type=int, default=1, metavar="N",
                    help="worker processes, each with its own Coach (0: one per CPU; default 1)")
    ap.add_argument("--strict", action="store_true", help="stop at the first bad record")
    ap.add_argument("--fail-under", type=float, metavar="SCORE",
                    help="exit 1 when the mean conversation score is below SCORE")
    ap.add_argument("--agent-labels", metavar="LIST", help="comma-separated agent speaker labels")
    ap.add_argument("--customer-labels", metavar="LIST",
                    help="comma-separated customer speaker labels")
    ap.add_argument("--field", action="append", metavar="FIELD=NAME", default=[],
                    help=f"map a field ({', '.join(FIELDS)}) to a JSON key or CSV column")
    ap.add_argument("--limit", type=int, metavar="N", help="read only the first N conversations")
    ap.add_argument("--batch-size", type=int, default=1024, metavar="N",
                    help="agent turns per check batch (default 1024)")
    ap.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                    help="progress bar on stderr (auto: only when stderr is a terminal)")
    ap.add_argument("--title", default="phrasecoach QA report", help="title of report.html")
    ap.add_argument("--signals", metavar="FILE", help=argparse.SUPPRESS)  # gone: PC701's signals
    # are pack rules now (rules/core/conversation.yaml); a file given here is refused with a hint
    selection_args(ap.add_argument_group("rules and configuration (as for `phrasecoach check`)"))
    return ap


# spaCy's matrix maths runs fastest here with one BLAS thread per process: N workers already
# use N cores, and OpenBLAS's own threads only spin against them (measured: 1.4x on 2 cores).
# Set before spaCy (numpy) is first imported; inherited by worker processes; yours win.
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread() -> None:
    if "numpy" not in sys.modules:
        for var in BLAS_THREAD_VARS:
            os.environ.setdefault(var, "1")


class _Terminated(KeyboardInterrupt):
    """SIGTERM / SIGHUP: unwound like Ctrl-C, so no partial file is left behind."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_termination(signum, frame):
    raise _Terminated(signum)


def score_main(argv: list[str]) -> int:
    import signal
    import threading

    saved = []
    if threading.current_thread() is threading.main_thread():  # signal handlers live there only
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                num = getattr(signal, name)
                saved.append((num, signal.signal(num, _on_termination)))
    try:
        return _score_main(argv)
    finally:
        for num, handler in saved:
            signal.signal(num, handler)


def _score_main(argv: list[str]) -> int:
    _one_blas_thread()
    ap = build_parser()
    args = ap.parse_args(argv)
    fmt = None if args.format == "auto" else args.format
    files = expand_inputs(args.files)
    if not files:
        ap.error("no transcript files found in the given folders")
    for f in files:
        if f == "-":
            if fmt is None:
                ap.error("reading stdin (-) needs --format")
            continue
        if not os.path.isfile(f):
            ap.error(f"{f}: no such file")
        if fmt is None and detect_format(f) is None:
            ap.error(f"{f}: cannot tell the format from the name; use --format jsonl|csv|tsv|text")
    fields: dict[str, str] = {}
    for item in args.field:
        key, sep, name = item.partition("=")
        if not sep or key.strip() not in FIELDS or not name.strip():
            ap.error(f"--field {item!r}: expected FIELD=NAME with FIELD one of {', '.join(FIELDS)}")
        fields[key.strip()] = name.strip()
    if args.workers < 0:
        ap.error("--workers must be 0 or more")
    workers = args.workers or os.cpu_count() or 1
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be 1 or more")
    if args.batch_size < 1:
        ap.error("--batch-size must be 1 or more")
    try:
        speakers = SpeakerMap(split_list([args.agent_labels]) if args.agent_labels else None,
                              split_list([args.customer_labels]) if args.customer_labels else None)
    except ValueError as e:
        ap.error(str(e))
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        ap.error(f"--out {out}: exists and is not a folder")

    from .runner import RunOptions, WorkersDied, run
    from .signals import load_signals

    try:
        settings = selection_settings(args)
        load_signals(args.signals)  # fail fast, in this process, on a bad signal file
        from ..engine import Coach

        coach = Coach(settings=settings)  # validates packs and selectors before any work starts
        opts = RunOptions(
            inputs=files, out=out, settings=settings, fmt=fmt,
            reader=ReaderOptions(speakers=speakers, fields=fields,
                                 max_text_chars=settings.max_text_chars),
            workers=workers, strict=args.strict, fail_under=args.fail_under,
            batch_size=args.batch_size, progress=args.progress, limit=args.limit,
            title=args.title, signals_path=args.signals, coach=coach if workers <= 1 else None,
            own_process=True)
        result = run(opts)
    except PhrasecoachError as e:
        print(f"phrasecoach: error: {e}".replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as e:
        signum = e.signum if isinstance(e, _Terminated) else 2
        print("phrasecoach: interrupted; no output file was published", file=sys.stderr)
        return 128 + signum
    except OSError as e:  # an input that cannot be opened, an --out that cannot be made or written
        print(f"phrasecoach: error: {e}".replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE
    except WorkersDied as e:
        print(f"phrasecoach: error: {e}; no output file was published; retry with "
              "--workers 1 to see the cause", file=sys.stderr)
        return EXIT_USAGE
    s = result.summary
    if s["status"] == "stopped":
        print("phrasecoach score: stopped at the first bad record (--strict); only errors.jsonl "
              "and summary.json were written", file=sys.stderr)
    else:
        mean = "–" if s["mean_score"] is None else f"{s['mean_score']:.1f}"
        print(f"phrasecoach score: {s['conversations']:,} conversations scored, "
              f"{s['skipped']:,} skipped, mean score {mean}, {s['elapsed_s']:.1f} s "
              f"({s['conversations_per_s'] or 0:,.0f}/s) -> {out}/report.html", file=sys.stderr)
        if s["skipped"]:
            print(f"phrasecoach score: {s['skipped']:,} records skipped; see {out}/errors.jsonl",
                  file=sys.stderr)
        if args.fail_under is not None and s["mean_score"] is not None and s["mean_score"] < args.fail_under:
            print(f"phrasecoach score: mean score {mean} is below --fail-under {args.fail_under:g}",
                  file=sys.stderr)
    return result.exit_code
