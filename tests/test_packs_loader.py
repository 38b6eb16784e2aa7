"""Rule packs from disk: coded errors with file:line and a hint, user packs, selection,
severity overrides and config files.

Bad packs are written to tmp_path; the good user pack lives in tests/fixtures/packs/acme.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.errors import (ConfigError, DetectorError, DuplicateRuleError, PackReadError,
                                PackValidationError, PhrasecoachError, RegexError,
                                SelectionError, TokenPatternError)
from phrasecoach.models import Severity
from phrasecoach.packs.loader import bundled_packs_dir

ACME = Path(__file__).parent / "fixtures" / "packs" / "acme"
# the installed copy: the repo's rules/ in an editable install, site-packages after `pip install .`
CORE_COMMAND = bundled_packs_dir() / "core" / "command.yaml"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch, tmp_path):
    """Neither the environment nor a config file around the checkout may steer these tests."""
    for k in list(os.environ):
        if k.startswith("PHRASECOACH_") and k != "PHRASECOACH_LEVEL":
            monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)


@lru_cache(maxsize=None)
def nlp():
    # one spaCy pipeline for every Coach in this module
    return Coach(bundled=True).warm().nlp


# --------------------------------------------------------------------------------------
# bad packs
# --------------------------------------------------------------------------------------

RULE = """\
rules:
  - id: ACME101
    name: calling-customer-buddy
    category: dismissive
    severity: info
    message: Do not call the customer "buddy".
    why: It sounds flippant.
    match:
      phrases: [buddy]
    examples:
      flag:
        - text: "Sure thing, [[buddy]]."
      pass:
        - "Sure thing, Sam."
"""
META = "id: bad\nname: A bad pack\n"


def write_pack(root: Path, rules: str | None = RULE, meta: str | None = META,
               extra: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if meta is not None:
        (root / "pack.yaml").write_text(meta, encoding="utf-8")
    if rules is not None:
        (root / "style.yaml").write_text(rules, encoding="utf-8")
    for name, text in (extra or {}).items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [i for i, ln in enumerate(text.splitlines(), start=1) if needle in ln]
    return hits[nth - 1]


def load_error(pack: Path) -> PhrasecoachError:
    with pytest.raises(PhrasecoachError) as ei:
        Coach(packs=[pack])
    return ei.value


def assert_located(err: PhrasecoachError, path: Path, line: int | None):
    where = f"{path}:{line}" if line is not None else str(path)
    assert err.where == where, f"expected the error at {where}, got {err.where}: {err}"
    assert str(err).startswith(f"[{err.code}] {where}: ")
    assert err.hint, "every pack error says what to do next"
    assert "\n  hint: " + err.hint in str(err)


MISSPELT = [
    # (case id, old line, new line, expected error: key named, did-you-mean)
    ("optional-key", "    severity: info", "    severty: info", "severty", "severity"),
    ("required-key", "    message: Do", "    mesage: Do", "mesage", "message"),
    ("nested-key", "      phrases: [buddy]", "      phrase: [buddy]", "phrase", "phrases"),
    ("examples-key", "      pass:", "      passes:", "passes", "pass"),
]


@pytest.mark.parametrize("old, new, key, meant", [c[1:] for c in MISSPELT],
                         ids=[c[0] for c in MISSPELT])
def test_misspelt_key_names_file_line_key_and_did_you_mean(tmp_path, old, new, key, meant):
    text = RULE.replace(old, new)
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert isinstance(err, PackValidationError) and err.code == "E002"
    assert_located(err, pack / "style.yaml", line_of(text, new.strip()))
    assert f"unknown key `{key}`" in err.message
    assert f"did you mean `{meant}`?" in err.hint


def test_unknown_key_without_a_near_miss_lists_the_allowed_keys(tmp_path):
    text = RULE.replace("    severity: info", "    severity: info\n    colour: red")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert err.code == "E002"
    assert_located(err, pack / "style.yaml", line_of(text, "colour:"))
    assert "unknown key `colour`" in err.message
    assert "did you mean" not in err.hint
    assert "allowed keys here: id, name, category, severity" in err.hint


def test_misspelt_key_in_pack_yaml(tmp_path):
    meta = "id: bad\nnmae: A bad pack\n"
    pack = write_pack(tmp_path / "p", meta=meta)
    err = load_error(pack)
    assert err.code == "E002"
    assert_located(err, pack / "pack.yaml", 2)
    assert "`nmae`" in err.message and "did you mean `name`?" in err.hint


@pytest.mark.parametrize("field, bad, allowed", [
    ("category", "rudeness", "'command', 'defensive', 'blame', 'dismissive', 'jargon', 'impatience'"),
    ("severity", "critical", "'info', 'warning' or 'error'"),
])
def test_bad_enum_value(tmp_path, field, bad, allowed):
    good = {"category": "dismissive", "severity": "info"}[field]
    text = RULE.replace(f"    {field}: {good}", f"    {field}: {bad}")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert isinstance(err, PackValidationError) and err.code == "E002"
    assert_located(err, pack / "style.yaml", line_of(text, f"{field}: {bad}"))
    assert f"`{field}`" in err.message and allowed in err.message


@pytest.mark.parametrize("pattern, detail", [
    ("[{LOWR: buddy}]", "LOWR"),                 # no such token attribute
    ("[{LOWER: buddy, OP: '!!'}]", "OP"),        # no such operator
])
def test_invalid_token_pattern(tmp_path, pattern, detail):
    text = RULE.replace("      phrases: [buddy]", f"      tokens:\n        - {pattern}")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert isinstance(err, TokenPatternError) and err.code == "E003"
    # The error points at the rule holding the pattern (its `- id:` line) and names the pattern.
    assert_located(err, pack / "style.yaml", line_of(text, "- id: ACME101"))
    assert "invalid spaCy token pattern #1" in err.message and detail in err.message
    assert "rule-based-matching" in err.hint


def test_bad_regex(tmp_path):
    text = RULE.replace("      phrases: [buddy]", "      regex: ['\\bbud(dy']")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert isinstance(err, RegexError) and err.code == "E005"
    assert_located(err, pack / "style.yaml", line_of(text, "regex: ['"))  # the regex's own line
    assert "'\\\\bbud(dy'" in err.message and "missing )" in err.message


def test_unknown_detector_lists_the_known_ones(tmp_path):
    text = RULE.replace("      phrases: [buddy]", "      detector: bare-noun")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert isinstance(err, DetectorError) and err.code == "E006"
    assert_located(err, pack / "style.yaml", line_of(text, "- id: ACME101"))
    assert "bare-noun-request" in err.hint


def test_malformed_yaml_bad_indentation(tmp_path):
    text = RULE.replace("    why: It sounds flippant.", "   why: It sounds flippant.")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert isinstance(err, PackReadError) and err.code == "E001"
    assert_located(err, pack / "style.yaml", line_of(text, "   why:"))
    assert err.message.startswith("not valid YAML")


def test_malformed_yaml_unclosed_bracket_names_where_it_opened(tmp_path):
    text = RULE.replace("      phrases: [buddy]", "      phrases: [buddy, pal")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert err.code == "E001"
    # PyYAML notices on the next line; the message also says where the list began
    assert_located(err, pack / "style.yaml", line_of(text, "examples:"))
    assert f"starts on line {line_of(text, 'phrases: [buddy, pal')}" in err.message


def test_malformed_yaml_unclosed_quote_points_at_the_quote(tmp_path):
    text = RULE.replace('        - "Sure thing, Sam."', '        - "Sure thing, Sam.')
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert err.code == "E001"
    assert_located(err, pack / "style.yaml", line_of(text, '"Sure thing, Sam.'))


def test_duplicate_key_is_an_error_not_a_silent_override(tmp_path):
    text = RULE.replace("    severity: info", "    severity: info\n    severity: error")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert err.code == "E001"
    assert_located(err, pack / "style.yaml", line_of(text, "severity: error"))
    assert "duplicate key `severity`" in err.message
    assert f"line {line_of(text, 'severity: info')}" in err.message


def test_missing_pack_yaml(tmp_path):
    pack = write_pack(tmp_path / "p", meta=None)
    err = load_error(pack)
    assert isinstance(err, PackReadError) and err.code == "E001"
    assert_located(err, pack, None)
    assert "pack.yaml" in err.message and "pack.yaml" in err.hint


def test_pack_path_that_is_not_a_folder(tmp_path):
    err = load_error(tmp_path / "nowhere")
    assert err.code == "E001"
    assert_located(err, tmp_path / "nowhere", None)


def test_flag_example_without_span_markers(tmp_path):
    text = RULE.replace('"Sure thing, [[buddy]]."', '"Sure thing, buddy."')
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert err.code == "E002"
    assert_located(err, pack / "style.yaml", line_of(text, '"Sure thing, buddy."'))
    assert "examples.flag.0.text" in err.message and "[[...]]" in err.message


def test_duplicate_rule_id_across_files_names_both_places(tmp_path):
    other = "# the same id again, in another file\n" + RULE.replace("[buddy]", "[pal]").replace(
        "[[buddy]]", "[[pal]]")
    pack = write_pack(tmp_path / "p", extra={"more.yaml": other})
    err = load_error(pack)
    assert isinstance(err, DuplicateRuleError) and err.code == "E004"
    # files load in name order: more.yaml first, so style.yaml holds the duplicate
    assert_located(err, pack / "style.yaml", line_of(RULE, "- id: ACME101"))
    assert f"first defined at {pack / 'more.yaml'}:{line_of(other, '- id: ACME101')}" in err.message
    assert "`ACME101`" in err.message


def test_rule_id_clashing_with_the_bundled_pack(tmp_path):
    text = RULE.replace("ACME101", "PC101")
    pack = write_pack(tmp_path / "p", text)
    err = load_error(pack)
    assert err.code == "E004"
    assert f"first defined at {CORE_COMMAND}:" in err.message
    # ...but the same pack alone, without the bundled one, is fine
    assert [r.id for r in Coach(packs=[pack], bundled=False).rules] == ["PC101"]


def test_bad_pack_on_the_command_line_is_a_one_line_usage_error(tmp_path):
    text = RULE.replace("    severity: info", "    severty: info")
    pack = write_pack(tmp_path / "p", text)
    proc = run_cli(["check", "--pack", str(pack)], "Hello.", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"[E002] {pack / 'style.yaml'}:{line_of(text, 'severty')}: unknown key `severty`" in lines[0]
    assert "did you mean `severity`?" in lines[0]


def test_lemma_token_pattern_is_rejected_or_works(tmp_path):
    text = RULE.replace("      phrases: [buddy]",
                        "      tokens:\n        - [{LEMMA: revert}, {LOWER: back, OP: '?'}]")
    text = text.replace("[[buddy]]", "[[revert back]]")
    pack = write_pack(tmp_path / "p", text)
    with pytest.raises(TokenPatternError) as exc:
        Coach(packs=[pack], bundled=False, nlp=nlp())
    err = exc.value
    assert err.code == "E003" and "LEMMA" in err.message and "LOWER" in err.hint
    assert str(pack / "style.yaml") in err.where


# --------------------------------------------------------------------------------------
# a good user pack
# --------------------------------------------------------------------------------------

def test_user_pack_is_loaded_beside_the_bundled_one():
    coach = Coach(packs=[ACME])
    ids = {r.id for r in coach.rules}
    assert {"ACME001", "ACME002", "PC101", "PC201"} <= ids
    assert {p.meta.id for p in coach.packs} == {"core", "acme"}
    acme = coach.rule("ACME001")
    assert acme.pack == "acme" and acme.file == ACME / "style.yaml" and acme.line == 2

    text = "Sure thing, buddy. I updated your ticket. That's not true."
    report = coach.check(text)
    got = [(f.rule, f.severity.value, f.text) for f in report.findings]
    assert got == [("ACME002", "info", "buddy"), ("ACME001", "warning", "ticket"),
                   ("PC201", "warning", "That's not true.")]
    assert report.rewritten == "Sure thing, buddy. I updated your request. That's not true."


def test_user_pack_glossary_extends_the_jargon_rule():
    coach = Coach(packs=[ACME], select=["jargon"])
    report = coach.check("The QRT will call you today.")
    assert [(f.rule, f.text) for f in report.findings] == [("PC501", "QRT")]
    assert report.rewritten == "The quick response team (QRT) will call you today."
    # without the pack, QRT is merely an unexplained acronym (no safe expansion known)
    plain = Coach(select=["jargon"]).check("The QRT will call you today.")
    assert [(f.rule, f.text) for f in plain.findings] == [("PC502", "QRT")]
    assert plain.rewritten == "The QRT will call you today."


def test_extra_glossary_file(tmp_path):
    g = tmp_path / "ours.yaml"
    g.write_text("terms:\n  FRT: first reply time\n", encoding="utf-8")
    report = Coach(glossary=[g], select=["PC501"]).check("Our FRT is two hours.")
    assert report.rewritten == "Our first reply time (FRT) is two hours."


def test_user_pack_alone_without_the_bundled_pack():
    coach = Coach(packs=[ACME], bundled=False)
    assert sorted(r.id for r in coach.rules) == ["ACME001", "ACME002"]
    assert not coach.needs_parse  # no parse-needing rule: spaCy is never loaded
    report = coach.check("That's not true, pal.")
    assert [(f.rule, f.text) for f in report.findings] == [("ACME002", "pal")]


def test_the_same_pack_named_twice_loads_once():
    coach = Coach(packs=[ACME, str(ACME) + "/"])
    assert [p.meta.id for p in coach.packs].count("acme") == 1


def test_user_pack_on_the_command_line(tmp_path):
    proc = run_cli(["check", "--pack", str(ACME), "--format", "jsonl"],
                   "I updated your ticket, buddy.", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert [(f["rule"], f["text"]) for f in out["findings"]] == [("ACME001", "ticket"),
                                                                  ("ACME002", "buddy")]
    assert out["rewritten"] == "I updated your request, buddy."
    listed = run_cli(["rules", "list", "--pack", str(ACME), "--select", "acme"], cwd=tmp_path)
    assert [ln.split()[0] for ln in listed.stdout.splitlines()[1:-1]] == ["ACME001", "ACME002"]


# --------------------------------------------------------------------------------------
# selection and severity
# --------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def all_rules():
    """Every rule of core + acme, as the packs define them (the reference for selections)."""
    return tuple(Coach(packs=[ACME]).rules)


def _ids(pred) -> set[str]:
    return {r.id for r in all_rules() if pred(r)}


@pytest.mark.parametrize("select, expected", [
    (["PC201"], lambda r: r.id == "PC201"),                       # a rule id
    (["PC20"], lambda r: r.id.startswith("PC20")),                # an id prefix
    (["blame"], lambda r: r.spec.category == "blame"),            # a category
    (["bare-noun-request"], lambda r: r.id == "PC101"),           # a rule name
    (["acme"], lambda r: r.pack == "acme"),                       # a pack id
    (["PC401", "jargon"], lambda r: r.id == "PC401" or r.spec.category == "jargon"),
], ids=["id", "prefix", "category", "name", "pack", "mixed"])
def test_select(select, expected):
    coach = Coach(packs=[ACME], select=select)
    want = _ids(lambda r: expected(r) and r.spec.status != "deprecated")
    assert {r.id for r in coach.rules} == want
    assert want  # each selector really picks something


def test_select_by_prefix_and_category_pick_the_documented_rules():
    assert {"PC201", "PC202", "PC203", "PC204", "PC205", "PC206"} <= {
        r.id for r in Coach(select=["PC20"]).rules}
    blame = {r.id for r in Coach(select=["blame"]).rules}
    assert {"PC301", "PC302", "PC303", "PC304", "PC305"} <= blame
    assert all(i.startswith("PC3") for i in blame)
    assert {r.id for r in Coach(packs=[ACME], select=["jargon"]).rules} >= {"PC501", "PC502", "ACME001"}


def test_ignore_and_select_together():
    coach = Coach(select=["defensive", "PC401"], ignore=["PC20"])
    assert {r.id for r in coach.rules} == {"PC401"} | _ids(
        lambda r: r.spec.category == "defensive" and not r.id.startswith("PC20"))
    ignored = {r.id for r in Coach(ignore=["command", "PC501"]).rules}
    assert ignored == _ids(lambda r: r.pack == "core" and r.spec.category != "command"
                           and r.id != "PC501" and r.spec.status != "deprecated")
    assert "PC101" not in ignored and "PC201" in ignored


def test_selection_changes_what_is_flagged():
    text = "That's not true. Calm down."
    assert [f.rule for f in Coach(nlp=nlp()).check(text).findings] == ["PC201", "PC401"]
    assert [f.rule for f in Coach(select=["defensive"]).check(text).findings] == ["PC201"]
    assert [f.rule for f in Coach(ignore=["PC2"], nlp=nlp()).check(text).findings] == ["PC401"]


@pytest.mark.parametrize("kw", [{"select": ["PC999"]}, {"ignore": ["rudeness"]},
                                {"select": ["pc101"]}])
def test_selector_matching_nothing(kw):
    with pytest.raises(SelectionError) as ei:
        Coach(**kw)
    assert ei.value.code == "E007"
    assert next(iter(kw.values()))[0] in ei.value.message
    assert "phrasecoach rules list" in ei.value.hint


def test_severity_override():
    coach = Coach(select=["defensive"], severity={"PC201": "error"})
    assert coach.rule("PC201").severity is Severity.error
    assert coach.rule("PC202").severity is Severity.warning  # untouched
    report = coach.check("That's not true.")
    assert report.findings[0].severity is Severity.error
    assert report.score == 80  # an error costs 20 points, a warning 10
    assert report.fails(Severity.error)


def test_bad_severity_override_is_a_config_error():
    with pytest.raises(ConfigError) as ei:
        Coach(severity={"PC201": "fatal"})
    assert ei.value.code == "E020" and "severity" in ei.value.message and ei.value.hint


# --------------------------------------------------------------------------------------
# config files
# --------------------------------------------------------------------------------------

TOML = """\
packs = ["packs/acme"]
select = ["defensive", "acme"]
ignore = ["PC205"]
fail-on = "error"

[severity]
PC201 = "error"
ACME001 = "info"
"""


def _project(tmp_path: Path) -> Path:
    shutil.copytree(ACME, tmp_path / "packs" / "acme")
    return tmp_path


def _assert_config_honoured(coach: Coach):
    ids = {r.id for r in coach.rules}
    assert ids == _ids(lambda r: (r.spec.category == "defensive" or r.pack == "acme")
                       and r.id != "PC205" and r.spec.status != "deprecated")
    assert "PC201" in ids and "ACME002" in ids and "PC205" not in ids
    assert coach.settings.fail_on == "error"
    report = coach.check("That's not true. I updated your ticket. Calm down.")
    assert [(f.rule, f.severity.value) for f in report.findings] == [("PC201", "error"),
                                                                     ("ACME001", "info")]


def test_phrasecoach_toml_is_honoured(tmp_path, monkeypatch):
    proj = _project(tmp_path)
    (proj / "phrasecoach.toml").write_text(TOML, encoding="utf-8")
    sub = proj / "src" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)  # found in the nearest parent; its paths are relative to it
    _assert_config_honoured(Coach())


def test_pyproject_tool_table_is_honoured(tmp_path, monkeypatch):
    proj = _project(tmp_path)
    table = TOML.replace("[severity]", "[tool.phrasecoach.severity]")
    (proj / "pyproject.toml").write_text(
        '[project]\nname = "helpdesk"\n\n[tool.phrasecoach]\n' + table, encoding="utf-8")
    monkeypatch.chdir(proj)
    _assert_config_honoured(Coach())


def test_the_nearest_config_wins_and_a_pyproject_without_the_table_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "phrasecoach.toml").write_text('select = ["PC401"]\n', encoding="utf-8")
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ruff]\nline-length = 99\n',
                                        encoding="utf-8")
    monkeypatch.chdir(app)
    # app/pyproject.toml says nothing about phrasecoach: the parent's phrasecoach.toml applies
    assert {r.id for r in Coach().rules} == {"PC401"}
    (app / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.phrasecoach]\nselect = ["PC201"]\n',
                                        encoding="utf-8")
    assert {r.id for r in Coach().rules} == {"PC201"}


def test_explicit_arguments_beat_the_config_file(tmp_path, monkeypatch):
    proj = _project(tmp_path)
    (proj / "phrasecoach.toml").write_text(TOML, encoding="utf-8")
    monkeypatch.chdir(proj)
    coach = Coach(select=["PC401"], severity={"PC401": "info"})
    assert {r.id for r in coach.rules} == {"PC401"}
    assert coach.rule("PC401").severity is Severity.info


def test_config_file_with_an_unknown_setting(tmp_path, monkeypatch):
    (tmp_path / "phrasecoach.toml").write_text('selcet = ["PC201"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as ei:
        Coach()
    assert ei.value.code == "E020"
    assert ei.value.where == str(tmp_path / "phrasecoach.toml")
    assert "selcet" in ei.value.message and ei.value.hint


def test_config_file_is_honoured_by_the_command_line(tmp_path):
    proj = _project(tmp_path)
    (proj / "phrasecoach.toml").write_text(TOML, encoding="utf-8")
    text = "I updated your ticket. Calm down."
    proc = run_cli(["check", "--format", "jsonl"], text, cwd=proj)
    # only ACME001 (now info) is selected among these, and fail-on is error: exit 0
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [(f["rule"], f["severity"]) for f in out["findings"]] == [("ACME001", "info")]
    # a flag on the command line beats the file
    proc = run_cli(["check", "--format", "jsonl", "--fail-on", "info"], text, cwd=proj)
    assert proc.returncode == 1
    # and an explicit --config elsewhere is read instead of the one found
    other = tmp_path / "other.toml"
    other.write_text('select = ["PC401"]\n', encoding="utf-8")
    proc = run_cli(["check", "--format", "jsonl", "--config", str(other)], "Calm down, buddy.", cwd=proj)
    assert proc.returncode == 1
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["PC401"]


# --------------------------------------------------------------------------------------

def _command() -> list[str]:
    exe = shutil.which("phrasecoach", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "phrasecoach.cli"]


def run_cli(args: list[str], stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if (not k.startswith("PHRASECOACH_") or k == "PHRASECOACH_LEVEL") and k != "NO_COLOR"}
    return subprocess.run([*_command(), *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=120, check=False)


# --------------------------------------------------------------------------------------
# optional bundled glossary packs: industry terms are not in core
# --------------------------------------------------------------------------------------

def test_industry_terms_need_their_glossary_pack():
    # "T1" is a terminal to a traveller and first-line support to a help desk: core says neither
    text = "Your flight leaves from T1. Your PNR is on the email."
    core = Coach()
    assert not [f for f in core.check(text).findings if f.rule == "PC501"]
    airline = Coach(packs=["airline"])
    rep = airline.check(text)
    assert [(f.rule, f.text) for f in rep.findings if f.rule == "PC501"] == [("PC501", "PNR")]
    assert rep.rewritten == "Your flight leaves from T1. Your booking reference (PNR) is on the email."
    it = Coach(packs=["it-support", "telecom"])
    assert it.rewrite("I have noted your IMEI number and escalated to T2.").rewritten == (
        "I have noted your phone serial number (IMEI) and escalated to second-line support (T2).")


def test_optional_packs_are_listed_and_a_wrong_name_is_a_clear_error():
    from phrasecoach.engine import optional_packs
    from phrasecoach.errors import PhrasecoachError

    assert {"airline", "telecom", "banking", "it-support"} <= set(optional_packs())
    with pytest.raises(PhrasecoachError) as e:
        Coach(packs=["airlines"])
    assert "airlines" in str(e.value)


def test_an_acronym_the_customer_wrote_first_is_not_jargon():
    coach = Coach()
    assert [f.rule for f in coach.check("Your RMA was approved.").findings] == ["PC501"]
    assert coach.check("Your RMA was approved.", context="any news on my RMA?").findings == ()
    # the customer's message only counts when it holds the same word
    assert [f.rule for f in coach.check("Your RMA was approved.", context="any news?").findings] == ["PC501"]
