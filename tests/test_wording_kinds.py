"""Rule kinds that generalise: word classes, every form of a word, and wording as people type it."""

from __future__ import annotations

import textwrap

import pytest

from phrasecoach import Coach
from phrasecoach.errors import PhrasecoachError
from phrasecoach.kinds.phrases import compile_phrases, expand_lemmas


@pytest.mark.parametrize("typed", [
    "it's not our fault", "its not are fault", "It’s not our fault", "it is not our fault",
    "u should of checked", "you should have checked", "i definately sent it",
])
def test_phrases_take_the_wording_as_people_type_it(typed):
    rx = compile_phrases(["it's not our fault", "you should have checked", "I definitely sent it"])
    assert rx.search(typed)


def test_phrases_do_not_stretch_into_other_words():
    rx = compile_phrases(["it's not our fault", "we'll check"])
    assert not rx.search("it's not our default setting")
    assert not rx.search("well check")        # "well" is a word: the apostrophe stays required


def test_every_form_of_a_word_in_phrases_and_regexes():
    rx = compile_phrases(["you {~forget} to"])
    assert all(rx.search(t) for t in ("you forgot to", "you forget to", "you forgetting to", "u forgot to"))
    assert not rx.search("you forgive to")
    assert expand_lemmas(r"\byou\s+{~skip}\b", regex=True) == r"\byou\s+(?:skipping|skipped|skips|skip)\b"


def test_a_phrase_with_choices_is_one_line_for_a_kind_of_wording():
    rx = compile_phrases(["{~take} (it|this) [a bit|a little] too personally"])
    for typed in ("you're taking it too personally", "u took this a bit too personally",
                  "I think you may be taking it a little too personally"):
        assert rx.search(typed), typed
    assert not rx.search("taking it a lot too personally")   # not a choice written
    assert not rx.search("take the parcel personally")
    assert len(expand_lemmas("(a|b) [c|d] e", regex=False)) == 6


def test_phrase_choices_that_multiply_past_the_limit_are_refused(tmp_path):
    many = " ".join(["(a|b|c|d|e|f|g|h|i|j)"] * 7)   # ten million phrases
    d = _pack(tmp_path, "id: acme\nname: ACME\n", f"""
        rules:
          - id: ACME011
            name: too-many
            category: dismissive
            message: m
            why: w
            match:
              phrases: ["{many}"]
            examples:
              flag: ["[[a a a a a a a]]"]
              pass: ["k"]
    """)
    with pytest.raises(PhrasecoachError) as e:
        Coach(packs=[d], bundled=False)
    assert e.value.code == "E009" and "written forms" in str(e.value)


def _pack(tmp_path, pack_yaml: str, rules_yaml: str):
    d = tmp_path / "acme"
    d.mkdir()
    (d / "pack.yaml").write_text(textwrap.dedent(pack_yaml), "utf-8")
    (d / "rules.yaml").write_text(textwrap.dedent(rules_yaml), "utf-8")
    return d


RULE = """
    rules:
      - id: ACME010
        name: minimising-a-fee
        category: dismissive
        message: Calling a charge small tells the customer how much to mind.
        why: Let the customer decide what is small.
        match:
          regex: ['\\b(?:only|just|merely)\\s+an?\\s+{minimiser}\\s+(?:fee|charge|cost)\\b']
          span: sentence
        unless:
          - scope: context
            regex: '{happy}'
        examples:
          flag: ["[[It's only a tiny fee.]]"]
          pass:
            - "It's a fee of five pounds."
            - text: "It's only a tiny fee."
              context: "haha thanks, love the new app"
"""


def test_word_classes_are_defined_once_in_a_pack_and_used_in_its_rules(tmp_path):
    d = _pack(tmp_path, """
        id: acme
        name: ACME
        lexicons:
          minimiser: ['tiny', 'small', 'little', 'wee']
          happy: ['\\b(?:thanks|love)\\b']
    """, RULE)
    coach = Coach(packs=[d], select=["ACME010"], bundled=False)
    assert [f.rule for f in coach.check("It's just a wee charge, honestly.").findings] == ["ACME010"]
    assert not coach.check("It's just a wee charge.", context="thanks, love it").findings


def test_a_later_pack_adds_to_a_class_of_the_same_name(tmp_path):
    base = _pack(tmp_path, """
        id: acme
        name: ACME
        lexicons:
          minimiser: ['tiny']
          happy: ['\\bthanks\\b']
    """, RULE)
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "pack.yaml").write_text("id: more\nname: More\nlexicons:\n  minimiser: ['trivial']\n", "utf-8")
    coach = Coach(packs=[base, extra], select=["ACME010"], bundled=False)
    assert coach.check("It's only a trivial fee.").findings


def test_an_unknown_class_is_a_load_error_with_its_place(tmp_path):
    d = _pack(tmp_path, "id: acme\nname: ACME\nlexicons:\n  happy: ['x']\n", RULE)
    with pytest.raises(PhrasecoachError) as e:
        Coach(packs=[d], bundled=False)
    assert e.value.code == "E005" and "rules.yaml:3" in str(e.value) and "{minimiser}" in str(e.value)


def test_a_class_may_name_another_class(tmp_path):
    d = _pack(tmp_path, """
        id: acme
        name: ACME
        lexicons:
          small-word: ['tiny', 'wee']
          minimiser: ['{small-word}', 'little']
          happy: ['\\b(?:thanks|love)\\b']
    """, RULE)
    coach = Coach(packs=[d], select=["ACME010"], bundled=False)
    assert coach.check("It's just a wee charge, honestly.").findings   # through {small-word}
    assert coach.check("It's only a little fee.").findings
    assert not coach.check("It's only a large fee.").findings


def test_a_class_inside_itself_is_a_load_error(tmp_path):
    d = _pack(tmp_path, """
        id: acme
        name: ACME
        lexicons:
          minimiser: ['tiny', '{small-word}']
          small-word: ['wee', '{minimiser}']
          happy: ['x']
    """, RULE)
    with pytest.raises(PhrasecoachError) as e:
        Coach(packs=[d], bundled=False)
    assert e.value.code == "E005" and "contains itself" in str(e.value) and "rules.yaml:3" in str(e.value)


DEP_RULE = """
    rules:
      - id: ACME020
        name: product-is-not-broken
        category: defensive
        message: Denying the fault outright argues with the customer's report.
        why: Ask what they see instead.
        match:
          dependency:
            - - RIGHT_ID: adj           # "isn't broken": the negation hangs on the adjective
                RIGHT_ATTRS: {LOWER: {IN: [broken, faulty, defective]}}
              - LEFT_ID: adj
                REL_OP: ">"
                RIGHT_ID: neg
                RIGHT_ATTRS: {DEP: neg}
            - - RIGHT_ID: adj           # "is not faulty": on the copula the adjective complements
                RIGHT_ATTRS: {LOWER: {IN: [broken, faulty, defective]}, DEP: acomp}
              - LEFT_ID: adj
                REL_OP: "<"
                RIGHT_ID: cop
                RIGHT_ATTRS: {}
              - LEFT_ID: cop
                REL_OP: ">"
                RIGHT_ID: neg
                RIGHT_ATTRS: {DEP: neg}
%s
          span: sentence
        examples:
          flag: ["[[The kettle isn't broken.]]"]
          pass: ["Sorry the kettle is broken."]
"""


def test_a_dependency_rule_matches_structure_not_words(tmp_path):
    d = _pack(tmp_path, "id: acme\nname: ACME\n", DEP_RULE % "")
    coach = Coach(packs=[d], select=["ACME020"], bundled=False)
    assert [f.rule for f in coach.check("Honestly, the kettle is not faulty at all.").findings] == ["ACME020"]
    assert not coach.check("Is the kettle faulty? Not that I know.").findings
    assert coach.rule("ACME020").trigger is not None  # the parser runs only where the words are


def test_a_bad_dependency_pattern_is_a_load_error_with_its_place(tmp_path):
    bad = DEP_RULE.replace("REL_OP: \">\"\n                RIGHT_ID: neg", "REL_OP: \"??\"\n                RIGHT_ID: neg")
    d = _pack(tmp_path, "id: acme\nname: ACME\n", bad % "")
    with pytest.raises(PhrasecoachError) as e:
        Coach(packs=[d], bundled=False)
    assert e.value.code == "E003" and "rules.yaml:3" in str(e.value)
