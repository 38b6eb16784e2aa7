"""The README's own rule-pack example and its Development commands, run as a reader would run
them: the pack files copied out of "Writing a rule pack" must pass `phrasecoach rules test`, and
`phrasecoach rules test rules/core` must pass whether phrasecoach was installed editable (the
bundled pack is this checkout's `rules/core`) or not (the bundled pack is a copy in
site-packages, as after the Quick start's `pip install .`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "phrasecoach.cli"]


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def readme_pack_files() -> dict[str, str]:
    """`# rules/acme/NAME` YAML blocks of "Writing a rule pack", by path."""
    blocks = re.findall(r"```yaml\n(# (rules/acme/[\w.-]+)\n.*?)```", _section("Writing a rule pack"),
                        re.S)
    return {path: body for body, path in blocks}


def _run(args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_readme_example_pack_passes_its_own_examples(tmp_path):
    files = readme_pack_files()
    # the pack.yaml names a glossary file: the example shows every file it needs
    assert sorted(files) == ["rules/acme/glossary.yaml", "rules/acme/pack.yaml",
                             "rules/acme/requests.yaml", "rules/acme/tone.yaml"]
    for path, body in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(body, encoding="utf-8")
    # as the README says: `phrasecoach rules test rules/acme`
    r = _run(["rules", "test", "rules/acme"], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    passed, failed = map(int, re.search(r"(\d+) passed, (\d+) failed", r.stdout).groups())
    assert failed == 0 and passed >= 2  # the flag and the pass example
    # and then: `phrasecoach check --pack rules/acme draft.txt`
    (tmp_path / "draft.txt").write_text("No worries mate, I'll fix it.\n", encoding="utf-8")
    r = _run(["check", "--pack", "rules/acme", "draft.txt"], tmp_path)
    assert r.returncode == 1, r.stderr
    assert "ACME001 [dismissive]" in r.stdout
    assert "suggestion (unsafe): Not at all, I'll fix it." in r.stdout


def test_rules_test_rules_core_from_the_development_section():
    r = _run(["rules", "test", "rules/core"], ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^\d+ passed, 0 failed$", r.stdout, re.M), r.stdout


def test_rules_test_on_a_copy_of_the_bundled_pack(tmp_path):
    """After the Quick start's non-editable install the bundled `core` is a copy in
    site-packages, and the checkout's `rules/core` another one: `rules test rules/core` from the
    checkout must test that folder in the bundled pack's place (it used to exit 2 with
    `duplicate rule id PC301`), and as the bundled pack it is (a team pack's regexes would be
    held to RE2's subset, which the core pack's look-aheads are not written in)."""
    checkout = tmp_path / "checkout"  # a source checkout that is not the installed copy
    (checkout / "src" / "phrasecoach").mkdir(parents=True)
    (checkout / "src" / "phrasecoach" / "__init__.py").write_text("")
    (checkout / "pyproject.toml").write_text('[project]\nname = "phrasecoach"\n')
    shutil.copytree(ROOT / "rules" / "core", checkout / "rules" / "core")
    r = _run(["rules", "test", "rules/core"], checkout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "duplicate rule id" not in r.stderr
    assert re.search(r"^\d+ passed, 0 failed$", r.stdout, re.M), r.stdout
    # the copy is what is tested, not the bundled pack: a rule added to it runs, and its
    # failing example fails with its file
    (checkout / "rules" / "core" / "zz-extra.yaml").write_text("""\
rules:
  - id: ZZ001
    name: extra-rule
    category: dismissive
    severity: warning
    message: An extra rule.
    why: Only in the copy.
    match:
      phrases: [purple elephant]
    examples:
      flag:
        - text: "[[Something else entirely.]]"
      pass:
        - "Fine."
""", encoding="utf-8")
    r = _run(["rules", "test", "rules/core"], checkout)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "zz-extra.yaml" in r.stderr and "ZZ001" in r.stderr


def readme_pipelines() -> list[tuple[str, str]]:
    """`$ echo … | phrasecoach …` and `$ printf … | phrasecoach …` lines of the README's console
    blocks, each with the output the README shows under it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        for k, line in enumerate(lines):
            if re.match(r"\$ (?:echo|printf) .*\| phrasecoach ", line):
                shown = []
                for nxt in lines[k + 1:]:
                    if nxt.startswith("$ "):
                        break
                    shown.append(nxt)
                out.append((line[2:], "\n".join(shown)))
    return out


@pytest.mark.parametrize("command,shown", readme_pipelines(), ids=lambda v: v[:60])
def test_readme_console_examples_print_what_the_readme_shows(command, shown):
    """Run as a newcomer runs them: a clean environment (the suite's PHRASECOACH_LEVEL and any
    other setting removed), the installed `phrasecoach` command, in an empty folder."""
    import os
    import tempfile

    env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_")}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory() as cwd:
        res = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                             text=True, timeout=300)
    assert res.stdout.rstrip("\n") == shown.rstrip("\n"), res.stderr
