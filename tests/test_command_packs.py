"""Command rules as data: a team's own wording and word lists for the command detectors, in YAML.

The frames of PC101-PC106 are `suggest:` templates over the detectors' slots (rules/core/command.yaml)
and the detectors' word lists are lexicon classes (rules/core/pack.yaml). A team pack changes
"Could you …?" to its house wording and adds or takes out words without Python
(tests/fixtures/packs/house); a typo in a detector option or a `when:` condition is a load error.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.errors import DetectorError, PackValidationError, PhrasecoachError
from phrasecoach.models import Applicability

HOUSE = Path(__file__).parent / "fixtures" / "packs" / "house"
SAFE, UNSAFE = Applicability.safe, Applicability.unsafe

META = "id: team\nname: Team\n"
RULE = """\
rules:
  - id: TEAM101
    name: team-request
    category: command
    message: Ask.
    why: Asking works better.
    match:
      detector: obligation-request
      options: {form: i-need-your}
    suggest:
      - replacement: "{lead}May {who} {ask}?{rest}"
        applicability: safe
        when: [no-need-you-to]
    examples:
      flag:
        - text: "[[I need your card number.]]"
          rewrite: "May I have your card number?"
      pass:
        - "May I have your card number?"
"""


@lru_cache(maxsize=None)
def house() -> Coach:
    return Coach(level="picky", packs=[HOUSE])


@lru_cache(maxsize=None)
def core() -> Coach:
    return Coach(level="picky")


def write_pack(root: Path, rules: str = RULE, meta: str = META) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(meta, encoding="utf-8")
    (root / "style.yaml").write_text(rules, encoding="utf-8")
    return root


def load_error(pack: Path) -> PhrasecoachError:
    with pytest.raises(PhrasecoachError) as ei:
        Coach(packs=[pack], level="picky")
    return ei.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), start=1) if needle in ln)


def test_rules_test_passes_on_the_house_pack():
    # the done-when of issue 12: a house command rule with its own wording and an added courtesy
    # verb, in YAML alone, tested by `rules test` (with the core pack loaded beside it)
    exe = shutil.which("phrasecoach", path=str(Path(sys.executable).parent)) or shutil.which("phrasecoach")
    cmd = [exe] if exe else [sys.executable, "-m", "phrasecoach.cli"]
    out = subprocess.run([*cmd, "rules", "test", str(HOUSE)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 failed" in out.stdout


def test_house_wording_replaces_could_you():
    text = "Hi Tom, just send me the receipt."
    (f,) = core().check(text).findings  # the core frame is unsafe: a person approves it
    assert (f.suggestions[0].replacement, f.suggestions[0].applicability) == (
        "Hi Tom, could you just send me the receipt?", UNSAFE)
    assert core().check(text).rewritten == text
    report = house().check(text)
    assert [f.rule for f in report.findings] == ["HOUSE102"]  # priority 1: it wins over PC102
    assert report.rewritten == "Hi Tom, would you be able to just send me the receipt?"
    assert house().check("SEND ME THE RECEIPT NOW").rewritten == "WOULD YOU BE ABLE TO SEND ME THE RECEIPT NOW?"


@pytest.mark.parametrize("text, replacement", [
    # the detector is unsure of the split after "and": the house's safe frame is offered as unsafe
    ("Send the photos over and we'll check them.", "Would you be able to send the photos over? We'll check them."),
    # a wish verb (lexicon wish-verb, option unsafe_verbs): the same
    ("Fly with us again soon.", "Would you be able to fly with us again soon?"),
])
def test_the_detectors_judgement_caps_a_safe_frame(text, replacement):
    (f,) = house().check(text).findings
    assert [(s.replacement, s.applicability) for s in f.suggestions] == [(replacement, UNSAFE)]
    assert house().check(text).rewritten == text


def test_an_added_courtesy_verb_is_no_order_for_any_rule():
    text = "Discover our new lounge at Terminal 5!"
    assert [f.rule for f in core().check(text).findings] == ["PC102"]
    assert house().check(text).findings == ()


def test_a_team_trims_a_class_with_except(tmp_path):
    text = "Enjoy your flight!"
    assert core().check(text).findings == ()  # enjoy: a courtesy verb
    pack = write_pack(tmp_path / "t", meta=META + "lexicons:\n  courtesy-verb-except: [enjoy]\n")
    coach = Coach(level="picky", packs=[pack])
    (f,) = coach.check(text).findings
    assert f.rule == "PC102"
    assert all(s.applicability is UNSAFE for s in f.suggestions)  # still a wish verb: never applied


def test_a_team_adds_a_contact_clause_verb(tmp_path):
    # "the number you ring from": a clause kept after the noun asked for, once "ring" is a contact verb
    text = "The number you ring from?"
    assert core().check(text).findings == ()  # "you ring": a clause, so no bare noun phrase
    pack = write_pack(tmp_path / "t", meta=META + "lexicons:\n  contact-verb: [ring|rang]\n")
    report = Coach(level="picky", packs=[pack]).check(text)
    assert [f.rule for f in report.findings] == ["PC101"]
    assert report.rewritten == "May I have the number you ring from?"
    assert core().check("The name you booked under?").rewritten == "May I have the name you booked under?"


def test_the_core_classes_are_read_without_the_core_pack(tmp_path):
    # `bundled = false`: the detectors still start from the core pack's word lists
    coach = Coach(packs=[write_pack(tmp_path / "t")], bundled=False, level="picky")
    report = coach.check("Thanks. I need your card number.")
    assert [f.rule for f in report.findings] == ["TEAM101"]
    assert report.rewritten == "Thanks. May I have your card number?"


def test_a_frame_naming_a_slot_the_detector_left_out_is_not_offered(tmp_path):
    # "I need you to …" fills no {who}: the team's only frame does not apply, the finding stays
    coach = Coach(packs=[write_pack(tmp_path / "t")], bundled=False, level="picky")
    (f,) = coach.check("I need you to confirm the address.").findings
    assert f.rule == "TEAM101" and f.suggestions == ()


def test_a_typo_in_a_detector_option_is_a_load_error_with_file_and_line(tmp_path):
    text = RULE.replace("{form: i-need-your}", "{form: i-need-yuor}")
    pack = write_pack(tmp_path / "t", text)
    err = load_error(pack)
    assert isinstance(err, DetectorError)
    assert err.where == f"{pack / 'style.yaml'}:{line_of(text, '- id: TEAM101')}"
    assert "form" in err.message and "i-need-your" in err.message and err.hint


def test_an_unknown_when_condition_is_a_load_error(tmp_path):
    text = RULE.replace("when: [no-need-you-to]", "when: [no-need-you]")
    pack = write_pack(tmp_path / "t", text)
    err = load_error(pack)
    assert isinstance(err, PackValidationError)
    assert err.where == f"{pack / 'style.yaml'}:{line_of(text, 'replacement:')}"
    assert "no-need-you" in err.message and "no-need-you-to" in err.hint


def test_an_except_class_of_no_command_class_is_a_load_error(tmp_path):
    pack = write_pack(tmp_path / "t", meta=META + "lexicons:\n  courtesy-verbs-except: [enjoy]\n")
    err = load_error(pack)
    assert isinstance(err, DetectorError)
    assert "courtesy-verbs-except" in err.message and "courtesy-verb-except" in err.message


def test_a_detector_rule_without_frames_flags_without_suggestions(tmp_path):
    text = RULE.replace("""    suggest:
      - replacement: "{lead}May {who} {ask}?{rest}"
        applicability: safe
        when: [no-need-you-to]
""", "").replace('          rewrite: "May I have your card number?"\n', "")
    coach = Coach(packs=[write_pack(tmp_path / "t", text)], bundled=False, level="picky")
    (f,) = coach.check("I need your card number.").findings
    assert f.rule == "TEAM101" and f.suggestions == ()


def test_word_class_entries_and_except():
    from phrasecoach.kinds.command.lexicon import word_class

    plain = word_class("x", ["Enjoy|feel", "let ’s"], removed=["feel"])
    assert type(plain) is frozenset and plain == {"enjoy", "let ’s"}  # plain words: a set lookup
    mixed = word_class("x", ["a|b", r"re\w+"], removed=["b", "rex"])
    assert "a" in mixed and "b" not in mixed
    assert "redo" in mixed and "rex" not in mixed and "re" not in mixed  # a regex matches whole words
    team = word_class("x", ["a"], team=[r"c\d+"])  # a team pack's regex entry, run on RE2
    assert "c12" in team and "c" not in team and "xc12" not in team


def test_a_team_lexicon_entry_runs_on_re2(tmp_path):
    # a team pack's regex entries run as its regexes do, on RE2: what RE2 cannot run is refused
    pack = write_pack(tmp_path / "t", meta=META + "lexicons:\n  courtesy-idiom: ['stay\\s+(?=cool)']\n")
    err = load_error(pack)
    assert isinstance(err, DetectorError) and "look-ahead" in err.message and "courtesy-idiom" in err.message
    ok = write_pack(tmp_path / "u", meta=META + "lexicons:\n  courtesy-idiom: ['spread\\s+the\\s+word']\n")
    coach = Coach(level="picky", packs=[ok])
    assert [f.rule for f in core().check("Spread the word!").findings] == ["PC102"]
    assert coach.check("Spread the word!").findings == ()
