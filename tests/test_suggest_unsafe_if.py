"""`unsafe_if:` on a suggestion: where the finding's sentence matches, a `safe` frame is offered as
`unsafe`, so `phrasecoach rewrite` and a LanguageTool client's `correct()` leave it for a person.
A team uses it to keep a frame safe except where the sentence holds what makes it unreliable."""

from __future__ import annotations

from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.errors import PhrasecoachError

PACK = """\
id: team
name: A team pack
lexicons:
  later: ['next time|in future']
"""

RULES = """\
rules:
  - id: TEAM001
    name: no-worries-mate
    category: dismissive
    message: Too casual.
    why: It tests unsafe_if.
    match:
      phrases: [no worries mate]
    suggest:
      - replacement: "Not at all"
        applicability: safe
        unsafe_if: '{unsafe_if}'
    examples:
      flag:
        - text: "[[No worries mate]], I'll fix it."
          rewrite: "Not at all, I'll fix it."
      pass: ["Not at all."]
"""


def team(tmp_path: Path, unsafe_if: str) -> Path:
    (tmp_path / "pack.yaml").write_text(PACK)
    (tmp_path / "rules.yaml").write_text(RULES.replace("{unsafe_if}", unsafe_if))
    return tmp_path


def applicability(coach: Coach, text: str) -> str:
    (f,) = coach.check(text).findings
    return f.suggestions[0].applicability.value


def test_a_team_frame_turns_unsafe_only_where_its_sentence_matches(tmp_path):
    coach = Coach(packs=[team(tmp_path, r"\b(?:{later})\b")], bundled=False)
    assert applicability(coach, "No worries mate, I'll fix it.") == "safe"
    assert applicability(coach, "No worries mate, book earlier next time.") == "unsafe"
    # the next sentence does not count: the condition is the finding's own sentence
    assert applicability(coach, "No worries mate. Next time we'll call you.") == "safe"
    assert coach.rewrite("No worries mate, book earlier next time.").text == \
        "No worries mate, book earlier next time."


@pytest.mark.parametrize("bad,code", [(r"\b(?:{sooner})\b", "E00"), ("(unclosed", "E00")])
def test_a_bad_unsafe_if_is_a_load_error_with_file_and_line(tmp_path, bad, code):
    folder = team(tmp_path, bad)
    with pytest.raises(PhrasecoachError) as info:
        Coach(packs=[folder], bundled=False)
    msg = str(info.value)
    assert "rules.yaml:" in msg and code in msg


@pytest.mark.parametrize("rule,text", [
    ("PC102", "Restart the router and call us back."),
    ("PC103", "Please call the number on the back of your card."),
    ("PC103", "Please provide your account number."),
])
def test_a_question_made_of_an_instruction_is_never_applied_unread(rule, text):
    """An instruction is advice, a rule or a necessity as often as a favour, and on real chat a
    bare imperative is as often a well-wish or an asked-for step: "Could you …?" is offered for a
    person to approve, never applied by `rewrite` (docs/quality.md, "Safe rewrites")."""
    coach = Coach(level="picky", select=[rule])
    (f,) = coach.check(text).findings
    assert f.suggestions[0].replacement.startswith("Could you")
    assert {s.applicability.value for s in f.suggestions} == {"unsafe"}
    assert coach.rewrite(text).text == text
