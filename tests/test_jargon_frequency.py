"""PC502 judges "widely known" by how common a word is in general English (wordfreq), and flags
record ids and prefixed acronyms as well as capitals; references, flight numbers, booking codes,
postcodes and initials are left alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from phrasecoach import Coach, PhrasecoachError

CORE_JARGON = Path(__file__).resolve().parents[1] / "rules" / "core" / "jargon.yaml"


@pytest.fixture(scope="module")
def coach():
    return Coach(select=["PC502"], level="picky")


def flagged(coach, text, context=None):
    return [(f.text, f.start, f.end) for f in coach.check(text, context=context).findings
            if f.rule == "PC502"]


def spans(text, *terms):
    return [(t, text.index(t), text.index(t) + len(t)) for t in terms]


@pytest.mark.parametrize("text, terms", [
    ("Our NOC is looking into the outage and will update the ticket.", ["NOC"]),
    ("The ETD is now 3:30 pm, so you should make the connection.", ["ETD"]),
    ("I followed KB0042 to reset your router.", ["KB0042"]),
    ("This is linked to INC123456 for the network team.", ["INC123456"]),
    ("Please send us the eTCV number from your email.", ["eTCV"]),
    ("Your return sits in the WMS until the RFO is signed.", ["WMS", "RFO"]),
])
def test_rare_shorthand_is_flagged_with_its_exact_span(coach, text, terms):
    assert flagged(coach, text) == spans(text, *terms)


def test_known_acronyms_pass_by_frequency_not_by_the_allow_list(coach):
    allow = coach.rule("PC502").detector.allow
    known = ["FAQ", "TSA", "ETA", "PDF", "ATM", "GPS", "NHS", "CEO", "VIP", "USB"]
    assert not set(known) & allow  # none of them is on the hand list
    text = ("The FAQ covers TSA rules, your ETA, the PDF receipt, ATM fees, GPS tracking, "
            "NHS cover, a note from our CEO, VIP lounges and USB ports.")
    assert flagged(coach, text) == []


def test_the_allow_list_is_short_and_holds_what_frequency_misjudges(coach):
    from phrasecoach.kinds.frequency import zipf

    det = coach.rule("PC502").detector
    assert len(det.allow) <= 30
    assert all(zipf(a) < det.known_zipf for a in det.allow)  # else it would not need listing
    assert flagged(coach, "Please check the CVV and the IBAN on your statement.") == []


@pytest.mark.parametrize("text", [
    "Your ticket number is INC123456.",                      # a reference the customer was given
    "Your case reference: KB0042.",
    "Your booking reference is HMURQA.",                      # booking codes
    "Your confirmation code is X7KQ2M.",
    "I'm reviewing your reservation today, JLKFBU.",
    "DL1726 is on time.",                                     # flight numbers
    "BA0048 has landed at Heathrow.",
    "Your flight DLH 117 departs at 9am.",
    "Please post it to 10 Downing Street, London SW1A 2AA.",  # postcodes
    "Our office is at 100 King St W, Toronto, ON M5V 3L9.",
    "Thanks for your patience - TMB",                         # sign-off initials
    "Thanks for waiting! AJC",
    "Sorry for the wait. ^ JDM",
    "Hey DRW, delays are frustrating and I apologize.",
    "Of course, OJB! We'd love to help.",
    "Thanks for waiting, as my colleague, HPL, said.",
    "We're open 9am to 5pm MST.",                             # a time zone
    "We track your request in ServiceNow.",                   # a CamelCase name
    "The app works on iOS and Android.",
    "We've sent the PTE (payment transfer envelope). The PTE is blue.",  # explained
    "I AM SO SORRY ABOUT THE PTE MIX-UP.",                    # shouted
])
def test_references_codes_and_initials_pass(coach, text):
    assert flagged(coach, text) == []


def test_a_term_the_customer_wrote_first_passes(coach):
    text = "Your KTN is not on the reservation yet."
    assert flagged(coach, text) == spans(text, "KTN")
    assert flagged(coach, text, context="I added my KTN yesterday, why isn't it there?") == []


def test_a_record_id_in_a_travel_message_is_a_flight_but_not_elsewhere(coach):
    assert flagged(coach, "BA0048 has been delayed by an hour.") == []
    text = "See KB0042 for the steps."
    assert flagged(coach, text) == spans(text, "KB0042")


@pytest.mark.parametrize("text", [
    "There are Ground Delay Programs in place for BOS at this time.",
    "Our crew is doing all possible to get you RDU tonight.",
    "Mother nature has caused some delays regarding CLT tonight.",
    "Your flight should be in the air towards PHL shortly.",
    "It appears that DSM is closed until further notice, so we'll rebook your flight.",
    "Our flight crew is in DSM. I've sent this to the team of DSM.",  # placed once, a place throughout
])
def test_a_lone_airport_code_in_a_travel_message_passes(coach, text):
    assert flagged(coach, text) == []


@pytest.mark.parametrize("text, term", [
    ("You're eligible for SWU upgrades on this flight.", "SWU"),        # a modifier, not a place
    ("Your ETD is 4:15 pm; the flight heads towards BOS shortly.", "ETD"),
    ("We'll get you to Boston, but ATC is slowing departures today.", "ATC"),
    ("There are new rules in place for BOS at this time.", "BOS"),      # no travel word: not sure
])
def test_the_airport_kind_needs_travel_and_a_place(coach, text, term):
    assert flagged(coach, text) == spans(text, term)


@pytest.mark.parametrize("text", [
    "Baggage fees do not qualify for Medallion Qualifying Dollars (MQDs).",
    "Medallion Qualification Dollars (a.k.a. MQDs) are the dollar spend. You earn MQDs by flying.",
    "Our Wanna Get Away fares are flight-specific, so a WGA reservation can't move.",
    "Russell Wilson is our CFO Chief Football Officer!",
    "Please know ATC is a government regulated entity that controls the flow of traffic.",
    "MQMs are the miles that help you reach a status with us.",
    "We're working with the ATC, which manages air traffic, to get you going.",
])
def test_an_acronym_explained_in_other_words_passes(coach, text):
    assert flagged(coach, text) == []


def test_initials_count_only_from_capitalised_words(coach):
    text = "We keep you up to date with any time changes. ATC is holding departures."
    assert flagged(coach, text) == spans(text, "ATC")
    assert flagged(coach, "Any Time Changes are posted. ATC is holding departures.") == []


@pytest.mark.parametrize("text", ["Love that song! TGIF! Enjoy your weekend.",
                                  "Warm weather in Texas FTW! Have a wonderful trip."])
def test_chat_slang_ending_an_exclamation_passes(coach, text):
    assert flagged(coach, text) == []


def test_explanations_and_places_are_worked_out_once_per_message():
    from phrasecoach.kinds import jargon

    text = "Our Wanna Get Away fares are flight-specific; we land in DSM. " * 200 + "A WGA for DSM."
    assert jargon._initials(text) is jargon._initials(text)  # kept for the message, not rebuilt
    assert jargon._placed(text) is jargon._placed(text)
    assert "WGA" in jargon._initials(text) and "DSM" in jargon._placed(text)


def test_two_letter_acronyms_only_when_the_pack_asks(tmp_path):
    text = "Hi TJ, the fare includes YQ charges."  # YQ: the airline's fuel surcharge
    assert flagged(Coach(select=["PC502"], level="picky"), text) == []
    pack = _team_pack(tmp_path, "{min_letters: 2}")
    got = [(f.text, f.start) for f in Coach(packs=[pack], bundled=False).check(text).findings]
    assert got == [("YQ", text.index("YQ"))]  # "Hi TJ": initials in a greeting still pass


def test_the_threshold_is_the_packs_to_set(tmp_path):
    text = "I've attached the PDF and the ETD."
    assert [f.text for f in Coach(packs=[_team_pack(tmp_path / "a", "{}")], bundled=False)
            .check(text).findings] == ["ETD"]
    strict = _team_pack(tmp_path / "b", "{known_zipf: 4.5}")  # PDF is 3.8
    assert [f.text for f in Coach(packs=[strict], bundled=False).check(text).findings] == ["PDF", "ETD"]
    caps_only = _team_pack(tmp_path / "c", "{shapes: [caps]}")
    assert Coach(packs=[caps_only], bundled=False).check("See KB0042 for the steps.").findings == ()


@pytest.mark.parametrize("options, says", [
    ("{known_zipff: 3.5}", "known_zipff"),
    ("{known_zipf: high}", "known_zipf"),
    ("{shapes: [camel]}", "shapes"),
    ("{min_letters: 1}", "min_letters"),
])
def test_an_option_typo_is_a_load_error_naming_file_and_line(tmp_path, options, says):
    pack = _team_pack(tmp_path, options)
    with pytest.raises(PhrasecoachError) as ei:
        Coach(packs=[pack], bundled=False)
    err = ei.value
    rules = pack / "rules.yaml"
    line = next(i for i, ln in enumerate(rules.read_text().splitlines(), 1) if "- id: TEAM502" in ln)
    assert err.where == f"{rules}:{line}"
    assert says in err.message and "known_zipf" in err.hint


def test_wordfreq_loads_only_when_the_detector_first_runs():
    code = ("import sys\nfrom phrasecoach import Coach\n"
            "c = Coach(select=['PC502'], level='picky')\n"
            "c.check('thanks, see you soon')\n"
            "print('wordfreq' in sys.modules)\n"
            "c.check('Your order is in the WMS queue.')\n"
            "print('wordfreq' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def _team_pack(folder: Path, options: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text("id: team\nname: A team pack\n")
    (folder / "rules.yaml").write_text(f"""rules:
  - id: TEAM502
    name: team-acronym
    category: jargon
    severity: info
    message: An unexplained acronym.
    why: Customers do not know our shorthand.
    match:
      detector: unexplained-acronym
      options: {options}
    examples:
      flag:
        - text: "Your order is in the [[WMS]] queue."
      pass:
        - "Please send me a PDF of the receipt."
""")
    return folder


@pytest.mark.parametrize("text, terms", [
    # beside "DoS" and "LoA", "CAS" (3.5, let through alone by its frequency) is the team's too
    ("Your form is with the DoS now and we'll issue your LoA once the CAS is assigned.", ("DoS", "LoA", "CAS")),
    ("Her KP has added notes ready for the 2YC check.", ("KP", "2YC")),
])
def test_shorthand_in_a_run_is_flagged_together(coach, text, terms):
    assert flagged(coach, text) == spans(text, *terms)


@pytest.mark.parametrize("text, terms", [
    # known acronyms stay known beside a flagged one
    ("The WMS note says your VAT invoice is attached as a PDF.", ("WMS",)),
    # alone, the same capitals pass by frequency
    ("We'll issue your letter once the CAS is assigned.", ()),
    # where travel is the topic, three capitals are an airport's
    ("Your ETD from BOS is 9am, the flight is on time.", ("ETD",)),
])
def test_a_run_lifts_only_what_general_english_barely_knows(coach, text, terms):
    assert flagged(coach, text) == spans(text, *terms)
