"""A bad setting, wherever it comes from, is one coded line on stderr and exit 2 (no traceback),
and the line names the place the bad value came from: the environment variable, not a config
file that does not even contain the setting."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "phrasecoach.cli"]


def _run(args, cwd, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PHRASECOACH_")}
    return subprocess.run([*CLI, *args], cwd=cwd, input="Calm down.\n", capture_output=True,
                          text=True, timeout=300, env={**clean, **env})


@pytest.fixture
def project(tmp_path):
    """A folder whose pyproject.toml configures phrasecoach, but not the settings tested."""
    (tmp_path / "pyproject.toml").write_text('[tool.phrasecoach]\nignore = ["PC101"]\n')
    return tmp_path


def _one_error_line(p: subprocess.CompletedProcess, prefix: str = "phrasecoach: error: ") -> str:
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), p.stderr
    return lines[0]


def test_severity_that_is_not_json_names_the_variable(project):
    line = _one_error_line(_run(["check"], project, PHRASECOACH_SEVERITY="PC401=info"))
    assert line.startswith("phrasecoach: error: [E020] environment variable PHRASECOACH_SEVERITY: ")
    assert "'PC401=info' is not" in line and """PHRASECOACH_SEVERITY='{"PC401": "info"}'""" in line


@pytest.mark.parametrize("var, value, setting", [
    ("PHRASECOACH_FAIL_ON", "bogus", "fail_on"),
    ("PHRASECOACH_SEVERITY", '{"PC401": "loud"}', "severity.PC401"),
    ("PHRASECOACH_PORT", "eighty", "port"),
    ("PHRASECOACH_SELECT", "[1,", "select"),
    ("phrasecoach_fail_on", "bogus", "fail_on"),  # names are case-insensitive, as Settings reads them
])
def test_bad_environment_value_blames_the_variable_not_the_config_file(project, var, value, setting):
    line = _one_error_line(_run(["check"], project, **{var: value}))
    assert line.startswith(f"phrasecoach: error: [E020] environment variable {var}: bad setting `{setting}`")
    assert "pyproject.toml" not in line


def test_bad_value_in_the_config_file_blames_the_file(project):
    (project / "phrasecoach.toml").write_text('fail_on = "loud"\n')
    line = _one_error_line(_run(["check"], project))
    assert line.startswith(f"phrasecoach: error: [E020] {project / 'phrasecoach.toml'}: bad setting `fail_on`")


def test_score_reports_a_bad_environment_value_the_same_way(project, tmp_path):
    line = _one_error_line(
        _run(["score", "-", "--format", "text", "--out", str(tmp_path / "qa")], project,
             PHRASECOACH_SEVERITY="PC401=info"),
        prefix="phrasecoach: error: ")  # the same prefix as every other command
    assert "[E020] environment variable PHRASECOACH_SEVERITY:" in line
    assert not (tmp_path / "qa").exists() or not any((tmp_path / "qa").iterdir())
