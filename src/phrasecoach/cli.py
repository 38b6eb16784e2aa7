"""The `phrasecoach` command. Diagnostics go to stderr so JSON on stdout stays clean.

Exit codes: 0 nothing at or above --fail-on, 1 something was, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import os
import re
import sys
from pathlib import Path

from . import __version__
from .config import load_settings
from .engine import Coach
from .errors import InputError, PhrasecoachError
from .formats.render import render_json, render_jsonl, render_text
from .models import Applicability, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        print(f"phrasecoach: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def selection_args(p) -> None:
    """The rule-selection and configuration options every command shares (`check`, `rewrite`,
    `rules`, `score`), on a parser or an argument group."""
    p.add_argument("--select", action="append", metavar="RULES",
                   help="rule ids, id prefixes, categories or pack ids to run (comma-separated)")
    p.add_argument("--ignore", action="append", metavar="RULES", help="the same, to switch off")
    p.add_argument("--pack", action="append", metavar="DIR", help="add a rule pack folder")
    p.add_argument("--glossary", action="append", metavar="FILE", help="add a glossary YAML file")
    p.add_argument("--no-bundled", action="store_true", help="do not load the bundled core pack")
    p.add_argument("--level", choices=["default", "picky", "preview"], default=None,
                   help="default: rules measured precise on real agent turns; picky: also the "
                        "less certain ones; preview: also new, unmeasured rules")
    p.add_argument("--config", metavar="FILE", help="config file (default: phrasecoach.toml or "
                                                    "[tool.phrasecoach] in pyproject.toml)")


def split_list(values):
    if not values:
        return None
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


def selection_settings(args, level: str | None = None):
    """Settings from selection_args: CLI flags override the config file; --pack and --glossary
    add to it."""
    base = load_settings(args.config)
    packs, gloss = split_list(args.pack), split_list(args.glossary)
    return load_settings(
        args.config, select=split_list(args.select), ignore=split_list(args.ignore),
        packs=[*base.packs, *packs] if packs else None,
        glossary=[*base.glossary, *gloss] if gloss else None,
        bundled=False if args.no_bundled else None, fail_on=getattr(args, "fail_on", None),
        level=level or args.level)


def _coach(args, level: str | None = None) -> Coach:
    settings = selection_settings(args, level)
    coach = Coach(settings=settings)
    if level is None and settings.level == "preview":
        new = sorted(r.id for r in coach.rules if r.spec.level == "preview")
        if new:
            print(f"phrasecoach: warning: preview rules are on ({', '.join(new)}): new and not yet "
                  "measured on real text, expect false alarms", file=sys.stderr)
    return coach


def _read_inputs(paths: list[str]) -> list[tuple[str, str]]:
    """(source name, text) for each input; '-' or nothing is stdin."""
    out = []
    for p in paths or ["-"]:
        if p == "-":
            data = sys.stdin.buffer.read()
            name = "<stdin>"
        else:
            try:
                data = Path(p).read_bytes()
            except OSError as e:
                raise InputError(f"cannot read input: {e.strerror}", where=p,
                                 hint="check the path, or pipe the text on stdin") from None
            name = p
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(f"not valid UTF-8 (byte {e.start})", where=name,
                             hint="convert it first, e.g. `iconv -f latin1 -t utf-8`") from None
        out.append((name, text))
    return out


# Input lines end at \n, \r\n or \r only: str.splitlines() would also break at U+2028, U+0085,
# form feeds ..., which can sit inside one pasted chat message, and shift every later line.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str, keepends: bool = False) -> list[str]:
    lines = _LINE.findall(text)
    return lines if keepends else [ln.rstrip("\r\n") for ln in lines]


def _units(inputs: list[tuple[str, str]], per_line: bool) -> list[tuple[str, int | None, str]]:
    units = []
    for name, text in inputs:
        if per_line:
            for i, line in enumerate(_lines(text), start=1):
                units.append((name, i, line))
        else:
            units.append((name, None, text.rstrip("\n") if name == "<stdin>" else text))
    return units


def _colour(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def cmd_check(args) -> int:
    coach = _coach(args)
    units = _units(_read_inputs(args.files), args.per_line)
    reports = coach.check_many([u[2] for u in units], contexts=[args.context] * len(units))
    items = [(name, line, rep) for (name, line, _), rep in zip(units, reports)]
    if args.format == "json":
        sys.stdout.write(render_json(items))
    elif args.format == "jsonl":
        sys.stdout.write(render_jsonl(items))
    else:
        sys.stdout.write(render_text(items, colour=_colour(args.color)))
    fail_on = coach.settings.fail_on
    threshold = None if fail_on == "none" else Severity(fail_on)
    return EXIT_FINDINGS if any(rep.fails(threshold) for _, _, rep in items) else EXIT_OK


def cmd_rewrite(args) -> int:
    coach = _coach(args)
    level = Applicability.unsafe if args.unsafe else Applicability.safe
    inputs = _read_inputs(args.files)
    for name, text in inputs:
        if args.per_line:
            lines = _lines(text, keepends=True)
            new = "".join(
                coach.rewrite(ln.rstrip("\r\n"), level, context=args.context).rewritten
                + ln[len(ln.rstrip("\r\n")):] for ln in lines)
        else:
            body = text.rstrip("\r\n")
            new = coach.rewrite(body, level, context=args.context).rewritten + text[len(body):]
        if args.diff:
            src = name if name != "<stdin>" else "stdin"
            sys.stdout.writelines(difflib.unified_diff(
                _lines(text, keepends=True), _lines(new, keepends=True),
                fromfile=f"a/{src}", tofile=f"b/{src}"))
        else:
            sys.stdout.write(new if new.endswith("\n") or not text.endswith("\n") else new + "\n")
            if not new.endswith("\n"):
                sys.stdout.write("\n")
    return EXIT_OK


def cmd_rules(args) -> int:
    if args.rules_cmd == "test":
        return _rules_test(args)
    if args.rules_cmd == "train":
        return _rules_train(args)
    coach = _coach(args, level=args.level or "preview")  # list every level unless one is asked for
    if args.rules_cmd == "list":
        rules = sorted(coach.rules, key=lambda r: r.id)
        if args.format == "json":
            print(json.dumps([{**r.to_dict(), "measured": coach.measured.get(r.id)} for r in rules],
                             indent=2, ensure_ascii=False))
        else:
            cw = max([11, *(len(r.spec.category) for r in rules)])
            print(f"{'id':<8} {'category':<{cw}} {'severity':<8} {'level':<8} {'precision':<19} "
                  f"{'name':<32} message")
            for r in rules:
                print(f"{r.id:<8} {r.spec.category:<{cw}} {r.severity.value:<8} {r.spec.level:<8} "
                      f"{_precision(coach.measured.get(r.id)):<19} {r.spec.name:<32} {r.spec.message}")
            print("precision: right / judged findings on real agent turns, with the 95% lower "
                  "bound (docs/quality.md); - not measured")
        return EXIT_OK
    rule = coach.rule(args.id)
    if rule is None:
        raise PhrasecoachError(f"no loaded rule `{args.id}`", hint="list them with `phrasecoach rules list`")
    print(_show(rule, coach.measured.get(rule.id)))
    return EXIT_OK


def _precision(m: dict | None) -> str:
    if not m or not m.get("findings"):
        return "-"
    return f"{m['precision']:.2f} (≥{m['low']:.2f}, n={m['findings']})"


def _show(r, measured: dict | None = None) -> str:
    s = r.spec
    lines = [f"{s.id} {s.name}  [{s.category}, {r.severity.value}, level {s.level}]  "
             f"(pack {r.pack}, {r.file.name}:{r.line})",
             f"precision on real agent turns: {_precision(measured)}"
             + (f" ({measured['set']})" if measured and measured.get("set") else ""),
             "", s.message, "", "Why:", "  " + " ".join(s.why.split()), "", "Flags:"]
    if s.speaker == "customer":
        lines[1:1] = ["a customer-side signal: QA scoring (`phrasecoach score`) runs it on the "
                      "customer's turns, for the conversation rules that read it; its examples are "
                      "customer texts"]
    elif r.kind == "conversation":
        lines[1:1] = ["a conversation rule: QA scoring (`phrasecoach score`) runs it on the agent's "
                      "reply to the customer's turns (`customer:` in the examples)"]
    def need(q) -> str:
        if q.signals:
            return f"a customer-side signal ({', '.join(q.signals)}) in the customer's message"
        return f"{'/'.join(q.regex or q.phrases or ())!r} in the {q.scope}"

    needs = [" or ".join(need(a) for a in q.alternatives) for q in s.requires]
    if needs:
        silent = " (silent where no customer message is given)" if r.needs_context else ""
        lines[1:1] = ["needs " + "; and ".join(needs) + silent]
    for e in s.examples.flag:
        lines.append(f"  ✗ {e.text.replace('[[', '«').replace(']]', '»')}"
                     + (f"   (customer: {e.context})" if e.context else ""))
        if e.rewrite:
            lines.append(f"    → {e.rewrite}  (safe)")
        elif e.suggestion:
            lines.append(f"    → {e.suggestion}")
    lines += ["", "Passes:"] + [f"  ✓ {p.text}" + (f"   (customer: {p.context})" if p.context else "")
                                for p in s.examples.pass_]
    return "\n".join(lines)


def _rules_test(args) -> int:
    from .packs.loader import bundled_packs_dir, discover
    from .packs.selftest import run_all

    packs = discover(Path(args.dir))
    ids = {r.spec.id for p in packs for r in p.rules}
    folders, bundled = [args.dir], not args.alone
    if bundled:
        # A bundled pack given as a folder (`rules/core` of a checkout, while the installed copy
        # is the bundled one) is tested in that pack's place, not beside it (duplicate ids).
        tested = {p.meta.id for p in packs}
        shipped = discover(bundled_packs_dir() / "core")  # what `bundled` loads (engine.Coach)
        if any(p.meta.id in tested for p in shipped):
            bundled = False
            folders = [str(p.path) for p in shipped if p.meta.id not in tested] + folders
    settings = load_settings(args.config, packs=folders, bundled=bundled, level="preview")
    coach = Coach(settings=settings)
    results = run_all(coach, ids)
    failed = [r for r in results if not r.ok]
    for r in failed:
        for p in r.problems:
            print(f"{r.where}: [E030] {r.id}: {r.text!r}: {p}", file=sys.stderr)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def _rules_train(args) -> int:
    from .kinds.training import read_rows, train

    model = train(read_rows(args.data), args.category, min_precision=args.min_precision,
                  max_clean=args.max_clean)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(model.dump(), "utf-8")
    for k, v in model.meta.items():
        print(f"{k}: {v}")
    print(f"threshold {model.threshold:.2f}; wrote {args.out}")
    return EXIT_OK


def _delegate(module: str, func: str, argv: list[str]) -> int:
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        raise PhrasecoachError(f"this command needs an optional part that is not installed ({e.name})",
                               hint="reinstall phrasecoach with its default dependencies") from None
    return getattr(mod, func)(argv)


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="phrasecoach", description="Customer-service phrasing linter and rewrite suggester.")
    ap.add_argument("--version", action="version", version=f"phrasecoach {__version__}")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    c = sub.add_parser("check", help="flag phrasing in messages (stdin by default)")
    c.add_argument("files", nargs="*", metavar="FILE", help="files to check; - for stdin")
    c.add_argument("--per-line", action="store_true", help="each input line is its own message")
    c.add_argument("--format", choices=["text", "json", "jsonl"], default="text")
    c.add_argument("--fail-on", choices=["info", "warning", "error", "none"], default=None,
                   help="exit 1 when a finding is at or above this severity (default: warning)")
    c.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    c.add_argument("--context", metavar="TEXT", default=None,
                   help="the customer's last message: an acronym they used is not jargon, an "
                        "instruction they asked for is not an order")
    selection_args(c)
    c.set_defaults(func=cmd_check)

    r = sub.add_parser("rewrite", help="print the text with suggestions applied")
    r.add_argument("files", nargs="*", metavar="FILE")
    r.add_argument("--unsafe", action="store_true", help="also apply unsafe suggestions")
    r.add_argument("--diff", action="store_true", help="print a unified diff instead")
    r.add_argument("--per-line", action="store_true", help="each input line is its own message")
    r.add_argument("--context", metavar="TEXT", default=None, help="the customer's last message")
    selection_args(r)
    r.set_defaults(func=cmd_rewrite)

    ru = sub.add_parser("rules", help="list, show or test rules")
    rsub = ru.add_subparsers(dest="rules_cmd", required=True, parser_class=_Parser)
    rl = rsub.add_parser("list", help="list the loaded rules")
    rl.add_argument("--format", choices=["text", "json"], default="text")
    selection_args(rl)
    rs = rsub.add_parser("show", help="a rule's message, why and examples")
    rs.add_argument("id")
    selection_args(rs)
    rt = rsub.add_parser("test", help="run a pack's own examples")
    rt.add_argument("dir", help="pack folder")
    rt.add_argument("--alone", action="store_true", help="without the bundled packs")
    rt.add_argument("--config", metavar="FILE")
    tr = rsub.add_parser("train", help="learn a wording model (detector: wording-model) from labelled sentences")
    tr.add_argument("data", nargs="+", metavar="FILE",
                    help="JSONL of labelled items: {id, text, labels: [{category, quote}]}; the id's "
                         "part before the first '-' names its writer (cross-validation group)")
    tr.add_argument("--category", required=True, help="the category to learn (defensive, blame ...)")
    tr.add_argument("--out", required=True, metavar="TSV", help="the model file to write")
    tr.add_argument("--min-precision", type=float, default=0.9,
                    help="the threshold is the lowest at which held-out precision reaches this in each "
                         "FILE (0.9)")
    tr.add_argument("--max-clean", type=float, default=0.005,
                    help="... and at most this share of its clean sentences is flagged (0.005)")
    ru.set_defaults(func=cmd_rules)

    sv = sub.add_parser("serve", help="run the HTTP service (see `phrasecoach serve --help`)",
                        add_help=False)
    sv.set_defaults(delegate=("phrasecoach.service", "serve_main"))
    sc = sub.add_parser("score", help="score transcript files (see `phrasecoach score --help`)",
                        add_help=False)
    sc.set_defaults(delegate=("phrasecoach.transcripts.cli", "score_main"))
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = build_parser()
    try:
        args, rest = ap.parse_known_args(argv)
        if getattr(args, "delegate", None):
            return _delegate(*args.delegate, argv[argv.index(args.cmd) + 1:])
        if rest:
            ap.error(f"unrecognized arguments: {' '.join(rest)}")
        return args.func(args)
    except PhrasecoachError as e:
        print(f"phrasecoach: error: {e}".replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
