"""The `phrasecoach` command, run as a user runs it: the installed console script in a
subprocess, with stdin, files, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import pytest

from phrasecoach import Coach

ACME = Path(__file__).parent / "fixtures" / "packs" / "acme"
ANSI = "\x1b["


def _command() -> list[str]:
    exe = shutil.which("phrasecoach", path=str(Path(sys.executable).parent)) or shutil.which("phrasecoach")
    return [exe] if exe else [sys.executable, "-m", "phrasecoach.cli"]


def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if (not k.startswith("PHRASECOACH_") or k == "PHRASECOACH_LEVEL") and k != "NO_COLOR"}
    env.update(extra)
    return env


class Result:
    def __init__(self, returncode: int, stdout: bytes, stderr: bytes):
        self.returncode = returncode
        self.raw = stdout
        self.stdout = stdout.decode("utf-8")
        self.stderr = stderr.decode("utf-8")

    def lines(self) -> list[str]:
        # split at \n only: JSON output may hold a raw U+2028, which str.splitlines() splits at
        return self.stdout.split("\n")[:-1] if self.stdout else []


def _run(args, stdin: bytes, env, cwd) -> Result:
    p = subprocess.run([*_command(), *args], input=stdin, capture_output=True, env=env, cwd=cwd,
                       timeout=300, check=False)
    return Result(p.returncode, p.stdout, p.stderr)


def _run_on_terminal(args, stdin: bytes, env, cwd) -> Result | None:
    """Run with stdout on a pseudo-terminal, as when a person runs it in a shell
    (None where this machine has no pseudo-terminals)."""
    try:
        master, slave = pty.openpty()
    except OSError:
        return None
    try:
        p = subprocess.run([*_command(), *args], input=stdin, stdout=slave, stderr=subprocess.PIPE,
                           env=env, cwd=cwd, timeout=300, check=False)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: nobody holds the terminal any more
                break
            if not chunk:
                break
            chunks.append(chunk)
        return Result(p.returncode, b"".join(chunks).replace(b"\r\n", b"\n"), p.stderr)
    finally:
        if slave != -1:
            os.close(slave)
        os.close(master)


# Every invocation of the module, by name: (args, stdin, extra environment, on a terminal).
# They start together when the first test asks for one (each process pays ~1-2 s of imports,
# so running them side by side keeps this file quick); "{d}" is the folder of input files.
RUNS: dict[str, tuple[list[str], bytes, dict, bool]] = {}
FILES: dict[str, bytes] = {}


def invocation(name: str, *args: str, stdin: str | bytes = "", env: dict | None = None,
               tty: bool = False) -> str:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    RUNS[name] = (list(args), data, env or {}, tty)
    return name


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> dict[str, Result]:
    d = tmp_path_factory.mktemp("cli")
    for name, data in FILES.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
    results: dict[str, Result] = {"dir": d}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            name: pool.submit(_run_on_terminal if tty else _run,
                              [a.replace("{d}", str(d)) for a in args], stdin, _env(**env), d)
            for name, (args, stdin, env, tty) in RUNS.items()}
        results.update({name: f.result() for name, f in futures.items()})
    return results


@lru_cache(maxsize=None)
def rules(level: str = "preview"):
    return {r.id: r for r in Coach(level=level).rules}


# --------------------------------------------------------------------------------------
# check: formats
# --------------------------------------------------------------------------------------

TURNS = [
    "Date of birth?",
    "Thanks for waiting!",
    "",
    "That's not true.",
    "Sorry \U0001F600 about that.\u2028Your RMA was approved.",  # U+2028 inside one message
    "Thanks for your patience.",
]
FILES["turns.txt"] = ("\n".join(TURNS[:3]) + "\r\n" + "\n".join(TURNS[3:]) + "\n").encode("utf-8")
PER_LINE = invocation("per-line", "check", "--per-line", "--format", "jsonl", "{d}/turns.txt")


def test_per_line_jsonl_contract(cli):
    p = cli[PER_LINE]
    assert p.returncode == 1, p.stderr
    assert p.stderr == ""
    out = [json.loads(ln) for ln in p.lines()]
    # exactly one object per input line, in order
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6]
    assert [o["text"] for o in out] == TURNS
    for o in out:
        assert list(o) == ["schema_version", "line", "text", "findings", "strengths", "score",
                           "rewritten"]
        assert o["schema_version"] == 1
        for fd in o["findings"]:
            assert list(fd) == ["rule", "name", "category", "severity", "start", "end", "text",
                                "message", "suggestions"]
            assert o["text"][fd["start"]:fd["end"]] == fd["text"]
            for sg in fd["suggestions"]:
                assert {"replacement", "applicability"} <= set(sg)
                assert sg["applicability"] in ("safe", "unsafe", "display")

    first = out[0]
    assert {k: v for k, v in first.items() if k != "findings"} == {
        "schema_version": 1, "line": 1, "text": "Date of birth?", "strengths": [], "score": 90,
        "rewritten": "May I have your date of birth?"}
    assert len(first["findings"]) == 1
    pc101 = first["findings"][0]
    assert {k: v for k, v in pc101.items() if k != "suggestions"} == {
        "rule": "PC101", "name": "bare-noun-request", "category": "command", "severity": "warning",
        "start": 0, "end": 14, "text": "Date of birth?", "message": rules()["PC101"].spec.message}
    assert pc101["suggestions"][0]["replacement"] == "May I have your date of birth?"
    assert pc101["suggestions"][0]["applicability"] == "safe"

    assert out[1]["findings"] == [] and out[1]["score"] == 100
    assert [st["rule"] for st in out[1]["strengths"]] == ["PC902"]
    assert out[2] == {"schema_version": 1, "line": 3, "text": "", "findings": [], "strengths": [],
                      "score": 100, "rewritten": ""}
    assert [fd["rule"] for fd in out[3]["findings"]] == ["PC201"]
    assert out[3]["rewritten"] == "That's not true."  # its suggestions are not safe
    # offsets are code points: the emoji counts as one
    rma = out[4]["findings"][0]
    assert (rma["rule"], rma["start"], rma["text"]) == ("PC501", TURNS[4].index("RMA"), "RMA")
    assert out[4]["rewritten"].endswith("Your return authorization (RMA) was approved.")


FILES["a.txt"] = "\ufeffThat's not true.".encode("utf-8")  # with a UTF-8 byte order mark
FILES["b.txt"] = b"Thanks for your patience."
JSON = invocation("json", "check", "--format", "json", "{d}/a.txt", "{d}/b.txt", "-",
                  stdin="Thanks for waiting!\nThat's not true.\n")


def test_json_format_is_one_array_one_message_per_input(cli):
    p = cli[JSON]
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert all("line" not in o for o in out)  # whole inputs, not lines
    # the byte order mark is not part of the text, so offsets start at the first letter;
    # stdin is one message, its final newline dropped
    assert [o["text"] for o in out] == ["That's not true.", "Thanks for your patience.",
                                        "Thanks for waiting!\nThat's not true."]
    assert [[(f["rule"], f["start"], f["end"]) for f in o["findings"]] for o in out] == [
        [("PC201", 0, 16)], [], [("PC201", 20, 36)]]
    assert [o["score"] for o in out] == [90, 100, 95]  # 100 - 10 for a warning + 5 for a strength


FILES["reply.txt"] = (b"Thanks for your patience.\nI checked. That's not true.\n"
                      b"As I already said, the refund takes 5 days.\n")
TEXT = invocation("text", "check", "{d}/reply.txt")


def test_text_format_shows_where_what_and_the_best_suggestion(cli):
    p = cli[TEXT]
    f = cli["dir"] / "reply.txt"
    assert p.returncode == 1
    lines = p.lines()
    msg = rules()["PC201"].spec.message
    i = lines.index(f"{f}:2:12: warning PC201 [defensive] {msg}")
    assert lines[i + 1] == "    I checked. That's not true."
    assert lines[i + 2] == "    " + " " * 11 + "^" * len("That's not true.")
    assert lines[i + 3] == ("    suggestion (unsafe): Perhaps there's been a mix-up — "
                            "could you tell me more about what you saw?")
    # a fix of part of a sentence ("As I already said, the" -> "The") is shown in its sentence
    i = lines.index(f"{f}:3:1: warning PC601 [impatience] {rules()['PC601'].spec.message}")
    assert lines[i + 2] == "    " + "^" * len("As I already said, the")
    assert lines[i + 3].startswith("    suggestion (safe): The refund takes 5 days.")
    assert any(ln.startswith(f"{f}:1: + strength PC902 [empathy]") for ln in lines)
    assert lines[-1] == "Found 2 findings (1 defensive, 1 impatience)."
    assert ANSI not in p.stdout  # stdout is a pipe here, not a terminal


# --------------------------------------------------------------------------------------
# check: exit codes
# --------------------------------------------------------------------------------------

EXIT_CASES = [
    ("clean", "Thank you, Maria.", [], 0),
    ("info", "We've sent the PTE to your address.", [], 0),      # info is below the default
    ("warning-fail-on-error", "That's not true.", ["--fail-on", "error"], 0),
    ("error-fail-on-none", "You're overreacting.", ["--fail-on", "none", "--color", "always"], 0),
]
for _name, _text, _args, _code in EXIT_CASES:
    invocation(f"exit-{_name}", "check", *_args, stdin=_text)
# an error with --fail-on error: run on a terminal, for the colour test below as well
ON_TERMINAL = invocation("terminal", "check", "--fail-on", "error", stdin="You're overreacting.",
                         tty=True)
EXIT_CASES.append(("error-fail-on-error", "You're overreacting.", ["--fail-on", "error"], 1))


@pytest.mark.parametrize("name, code", [(c[0], c[3]) for c in EXIT_CASES], ids=[c[0] for c in EXIT_CASES])
def test_exit_codes(cli, name, code):
    p = cli[ON_TERMINAL if name == "error-fail-on-error" else f"exit-{name}"]
    if p is None:
        pytest.skip("no pseudo-terminal on this machine")
    assert p.returncode == code, p.stdout + p.stderr
    assert p.stderr == ""
    assert p.stdout  # the report is printed whatever the exit code


def test_exit_1_on_a_warning_by_default(cli):
    assert cli[TEXT].returncode == 1 and "warning PC201" in cli[TEXT].stdout


def test_clean_text_reports_no_findings(cli):
    assert cli["exit-clean"].lines() == ["No findings."]


USAGE = {"unknown-option": ["check", "--bogus"], "bad-format": ["check", "--format", "xml"],
         "bad-fail-on": ["check", "--fail-on", "warn"], "no-command": [], "unknown-command": ["lint"]}
for _name, _args in USAGE.items():
    invocation(f"usage-{_name}", *_args)


@pytest.mark.parametrize("name", list(USAGE))
def test_usage_errors_exit_2(cli, name):
    p = cli[f"usage-{name}"]
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.splitlines()[-1].startswith("phrasecoach: error: ")


MISSING = invocation("missing", "check", "{d}/nope.txt")


def test_missing_file_exits_2_with_one_line(cli):
    p = cli[MISSING]
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1
    assert p.stderr.startswith(f"phrasecoach: error: [E040] {cli['dir'] / 'nope.txt'}: cannot read input")
    assert "hint:" in p.stderr


LATIN1 = "Caf\u00e9 closed.".encode("latin-1")
FILES["latin1.txt"] = LATIN1
BAD_UTF8 = {"stdin": invocation("utf8-stdin", "check", stdin=LATIN1),
            "file": invocation("utf8-file", "check", "{d}/latin1.txt")}


@pytest.mark.parametrize("via", list(BAD_UTF8))
def test_bad_utf8_exits_2_with_one_line(cli, via):
    p = cli[BAD_UTF8[via]]
    where = "<stdin>" if via == "stdin" else str(cli["dir"] / "latin1.txt")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1
    assert p.stderr.startswith(f"phrasecoach: error: [E040] {where}: not valid UTF-8 (byte 3)")


# --------------------------------------------------------------------------------------
# check: colour
# --------------------------------------------------------------------------------------

def test_colour_always(cli):
    p = cli["exit-error-fail-on-none"]  # run with --color always
    assert "\x1b[1;31merror\x1b[0m" in p.stdout  # severity in red
    assert "\x1b[32mI can see this has really upset you" in p.stdout  # suggestion in green


def test_no_colour_when_stdout_is_a_pipe(cli):
    p = cli["exit-warning-fail-on-error"]
    assert "warning PC201" in p.stdout and ANSI not in p.stdout


def test_colour_on_a_terminal(cli):
    on = cli[ON_TERMINAL]
    if on is None:
        pytest.skip("no pseudo-terminal on this machine")
    assert on.returncode == 1 and "PC403" in on.stdout and "\x1b[1;31merror\x1b[0m" in on.stdout


# --------------------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------------------

RULES_LIST = invocation("rules-list", "rules", "list")
RULES_JSON = invocation("rules-json", "rules", "list", "--format", "json", "--select", "PC4,PC101")
RULES_SHOW = invocation("rules-show", "rules", "show", "PC101")
RULES_SHOW_UNKNOWN = invocation("rules-show-unknown", "rules", "show", "PC999")


def test_rules_list(cli):
    p = cli[RULES_LIST]
    assert p.returncode == 0
    lines = p.lines()
    assert lines[0].split()[:5] == ["id", "category", "severity", "level", "precision"]
    body = lines[1:-1]  # a header, then every rule of every level, then the legend
    assert len(body) == len(rules())
    assert [ln.split()[0] for ln in body] == sorted(rules())
    pc101 = next(ln for ln in body if ln.startswith("PC101"))
    assert pc101.split()[:4] == ["PC101", "command", "warning", "picky"]  # below the bar on real turns
    pc404 = next(ln for ln in body if ln.startswith("PC404"))
    assert pc404.split()[3] == "default"
    assert "bare-noun-request" in pc101
    pc103 = next(ln for ln in body if ln.startswith("PC103"))
    assert pc103.split()[3] == "preview"
    assert pc101.endswith(rules()["PC101"].spec.message)


def test_rules_list_json_and_selection(cli):
    p = cli[RULES_JSON]
    assert p.returncode == 0
    out = {r["id"]: r for r in json.loads(p.stdout)}
    assert "PC101" in out and "PC401" in out
    assert all(i == "PC101" or i.startswith("PC4") for i in out)
    r = out["PC101"]
    assert (r["category"], r["severity"], r["pack"], r["kind"], r["needs_parse"]) == (
        "command", "warning", "core", "detector", True)
    assert r["message"] == rules()["PC101"].spec.message and r["why"]
    assert {"text": "[[Date of birth?]]", "rewrite": "May I have your date of birth?"} in r["examples"]["flag"]
    assert "May I have your date of birth?" in r["examples"]["pass"]


def test_rules_show(cli):
    p = cli[RULES_SHOW]
    assert p.returncode == 0
    spec = rules()["PC101"].spec
    lines = p.lines()
    assert lines[0].startswith("PC101 bare-noun-request  [command, warning, level picky]  (pack core, command.yaml:")
    assert lines[1].startswith("precision on real agent turns: ")
    assert spec.message in lines
    assert "Why:" in lines and "  " + " ".join(spec.why.split()) in lines
    assert "  ✗ «Date of birth?»" in lines
    assert "    → May I have your date of birth?  (safe)" in lines
    assert "Passes:" in lines and "  ✓ May I have your date of birth?" in lines


def test_rules_show_unknown_rule(cli):
    p = cli[RULES_SHOW_UNKNOWN]
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "PC999" in p.stderr and "rules list" in p.stderr


RULES_TEST_GOOD = invocation("rules-test-good", "rules", "test", "--alone", str(ACME))
_acme_style = (ACME / "style.yaml").read_text(encoding="utf-8")
assert '        - "I updated your request."' in _acme_style
for _f in ("pack.yaml", "terms.yaml"):
    FILES[f"broken/{_f}"] = (ACME / _f).read_bytes()
FILES["broken/style.yaml"] = _acme_style.replace(
    '        - "I updated your request."', '        - "Your ticket is open."').encode("utf-8")
RULES_TEST_BROKEN = invocation("rules-test-broken", "rules", "test", "--alone", "{d}/broken")


def test_rules_test_on_a_good_pack(cli):
    p = cli[RULES_TEST_GOOD]
    assert p.returncode == 0, p.stderr
    assert p.stdout == "4 passed, 0 failed\n" and p.stderr == ""


def test_rules_test_on_a_pack_whose_example_fails(cli):
    p = cli[RULES_TEST_BROKEN]
    style = cli["dir"] / "broken" / "style.yaml"
    assert p.returncode == 1
    assert p.stdout == "3 passed, 1 failed\n"
    assert p.stderr.splitlines() == [
        f"{style}:2: [E030] ACME001-pass-0: 'Your ticket is open.': flagged 'ticket' at 5-11 but must pass"]


# --------------------------------------------------------------------------------------
# rewrite
# --------------------------------------------------------------------------------------

REWRITE = invocation("rewrite", "rewrite", stdin="Date of birth? Send me the receipt.\n")
REWRITE_DIFF = invocation("rewrite-diff", "rewrite", "--diff",
                          stdin="As I already said, the refund takes 5 days.\nThat's not true.\n")
FILES["msgs.txt"] = (b"As I already said, the refund takes 5 days.\r\nThat's not true.\r\n"
                     b"Your RMA was approved.")
REWRITE_UNSAFE = invocation("rewrite-unsafe", "rewrite", "--unsafe", "--per-line", "{d}/msgs.txt")


def test_rewrite_applies_safe_suggestions(cli):
    p = cli[REWRITE]
    assert p.returncode == 0, p.stderr
    # "Could you send …?" is unsafe (an instruction made a favour): left for --unsafe
    assert p.stdout == "May I have your date of birth? Send me the receipt.\n"


def test_rewrite_diff_shows_only_safe_changes(cli):
    p = cli[REWRITE_DIFF]
    assert p.returncode == 0
    assert p.lines() == [
        "--- a/stdin", "+++ b/stdin", "@@ -1,2 +1,2 @@",
        "-As I already said, the refund takes 5 days.",
        "+The refund takes 5 days.",
        " That's not true."]  # its suggestions are unsafe: not applied by default


def test_rewrite_unsafe_per_line_applies_more_and_keeps_line_endings(cli):
    p = cli[REWRITE_UNSAFE]
    assert p.returncode == 0
    assert p.raw == ("The refund takes 5 days.\r\n"
                     "Perhaps there's been a mix-up — could you tell me more about what you saw?\r\n"
                     "Your return authorization (RMA) was approved.\n").encode("utf-8")


def test_serve_usage_error_has_the_one_error_prefix():
    p = subprocess.run([sys.executable, "-m", "phrasecoach.cli", "serve", "--workers", "0"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr.strip() == "phrasecoach: error: --workers must be at least 1"
