"""Detectors and lexical matching.

The request detectors read the parse. Here they are given hand-built spaCy Docs (tags, POS,
heads and labels written out), so their logic is tested apart from the model's mistakes;
then the same sentences go through the real model with a Coach. The lexical half covers
what phrase lists tolerate, quoted text, acronyms and the glossary.
"""

from __future__ import annotations

from functools import lru_cache

import pytest
import spacy
from spacy.tokens import Doc

from phrasecoach import Coach
from phrasecoach.kinds.base import DetectorContext
from phrasecoach.kinds.command import BareNounRequest, ImperativeRequest, ObligationRequest
from phrasecoach.models import Applicability

SAFE, UNSAFE = Applicability.safe, Applicability.unsafe


@lru_cache(maxsize=None)
def vocab():
    return spacy.blank("en").vocab  # English lexical attributes (is_punct ...), no model


@lru_cache(maxsize=None)
def coach() -> Coach:
    return Coach(level="preview")  # every rule, whatever its level: these test the detectors


_NO_SPACE_BEFORE = {".", ",", "?", "!", "'s", "n't", "'ll", "'re", "'m", "'ve", "'d"}


def parsed(*tokens: tuple[str, str, str, str, int]) -> Doc:
    """A Doc from (word, tag, pos, dep, head index) rows, spaced as written English."""
    words = [t[0] for t in tokens]
    spaces = [i + 1 < len(words) and words[i + 1] not in _NO_SPACE_BEFORE for i in range(len(words))]
    return Doc(vocab(), words=words, spaces=spaces, tags=[t[1] for t in tokens],
               pos=[t[2] for t in tokens], deps=[t[3] for t in tokens],
               heads=[t[4] for t in tokens])


class Framed:
    """A detector (with no pack lexicons given: it reads the core pack's) and the rewrite frames of
    its core rule (`suggest:` in rules/core/command.yaml): its matches carry the suggestions the
    rule makes of them."""

    def __init__(self, detector, rule_id: str):
        self.detector = detector
        self.rule = next(r for r in coach().rules if r.id == rule_id)

    def candidate(self, sentence: str) -> bool:
        return self.detector.candidate(sentence)

    def find_parsed(self, doc, offset: int):
        text = " " * offset + doc.text
        return [self._framed(text, m, (offset, len(text))) for m in self.detector.find_parsed(doc, offset)]

    def find_lexical(self, text: str, start: int, end: int):
        return [self._framed(text, m, (start, end)) for m in self.detector.find_lexical(text, start, end)]

    def _framed(self, text, m, sent):
        m.suggestions = self.rule.suggestions(text, m, sent)
        return m


def imperative(mode="bare", **opts):
    return Framed(ImperativeRequest(ImperativeRequest.Options(mode=mode, **opts), DetectorContext()),
                  {"bare": "PC102", "softened": "PC103", "negative": "PC106"}[mode])


def bare_noun(**opts):
    return Framed(BareNounRequest(BareNounRequest.Options(**opts), DetectorContext()), "PC101")


def obligation(form="you-need-to"):
    return Framed(ObligationRequest(ObligationRequest.Options(form=form), DetectorContext()),
                  {"you-need-to": "PC104", "i-need-your": "PC105"}[form])


def suggestions(match):
    return [(s.replacement, s.applicability) for s in match.suggestions]


# Parses as the model gives them (checked against en_core_web_sm 3.8).
SEND = parsed(("Send", "VB", "VERB", "ROOT", 0), ("me", "PRP", "PRON", "dative", 0),
              ("the", "DT", "DET", "det", 3), ("receipt", "NN", "NOUN", "dobj", 0),
              (".", ".", "PUNCT", "punct", 0))
SEND_VOCATIVE = parsed(("Jennifer", "NNP", "PROPN", "npadvmod", 2), (",", ",", "PUNCT", "punct", 2),
                       ("send", "VB", "VERB", "ROOT", 2), ("me", "PRP", "PRON", "dative", 2),
                       ("the", "DT", "DET", "det", 5), ("receipt", "NN", "NOUN", "dobj", 2),
                       (".", ".", "PUNCT", "punct", 2))
SEND_AND_WE = parsed(("Send", "VB", "VERB", "ROOT", 0), ("the", "DT", "DET", "det", 2),
                     ("photos", "NNS", "NOUN", "dobj", 0), ("over", "RP", "ADP", "prt", 0),
                     ("and", "CC", "CCONJ", "cc", 0), ("we", "PRP", "PRON", "nsubj", 7),
                     ("'ll", "MD", "AUX", "aux", 7), ("check", "VB", "VERB", "conj", 0),
                     ("them", "PRP", "PRON", "dobj", 7), (".", ".", "PUNCT", "punct", 7))
WE_SEND = parsed(("We", "PRP", "PRON", "nsubj", 1), ("send", "VBP", "VERB", "ROOT", 1),
                 ("you", "PRP", "PRON", "dative", 1), ("the", "DT", "DET", "det", 4),
                 ("receipt", "NN", "NOUN", "dobj", 1), (".", ".", "PUNCT", "punct", 1))
HAVE_A_DAY = parsed(("Have", "VB", "VERB", "ROOT", 0), ("a", "DT", "DET", "det", 3),
                    ("great", "JJ", "ADJ", "amod", 3), ("day", "NN", "NOUN", "dobj", 0),
                    ("!", ".", "PUNCT", "punct", 0))
TELL_US = parsed(("Tell", "VB", "VERB", "ROOT", 0), ("us", "PRP", "PRON", "dative", 0),
                 ("your", "PRP$", "PRON", "poss", 3), ("name", "NN", "NOUN", "dobj", 0),
                 (".", ".", "PUNCT", "punct", 0))
PLEASE_PROVIDE = parsed(("Please", "UH", "INTJ", "intj", 1), ("provide", "VB", "VERB", "ROOT", 1),
                        ("your", "PRP$", "PRON", "poss", 4), ("account", "NN", "NOUN", "compound", 4),
                        ("number", "NN", "NOUN", "dobj", 1), (".", ".", "PUNCT", "punct", 1))
DONT_CALL = parsed(("Do", "VBP", "AUX", "aux", 2), ("n't", "RB", "PART", "neg", 2),
                   ("call", "VB", "VERB", "ROOT", 2), ("this", "DT", "DET", "det", 4),
                   ("number", "NN", "NOUN", "dobj", 2), ("again", "RB", "ADV", "advmod", 2),
                   (".", ".", "PUNCT", "punct", 2))
DONT_WORRY = parsed(("Do", "VBP", "AUX", "aux", 2), ("n't", "RB", "PART", "neg", 2),
                    ("worry", "VB", "VERB", "ROOT", 2), ("about", "IN", "ADP", "prep", 2),
                    ("it", "PRP", "PRON", "pobj", 3), (".", ".", "PUNCT", "punct", 2))
DATE_OF_BIRTH = parsed(("Date", "NN", "NOUN", "ROOT", 0), ("of", "IN", "ADP", "prep", 0),
                       ("birth", "NN", "NOUN", "pobj", 1), ("?", ".", "PUNCT", "punct", 0))
ORDER_NUMBER = parsed(("Order", "NN", "NOUN", "compound", 1), ("number", "NN", "NOUN", "ROOT", 1),
                      ("?", ".", "PUNCT", "punct", 1))
ACCOUNT_PLEASE = parsed(("Account", "NN", "NOUN", "compound", 1), ("number", "NN", "NOUN", "ROOT", 1),
                        ("please", "UH", "INTJ", "intj", 1))
NO_PROBLEM = parsed(("No", "DT", "DET", "det", 1), ("problem", "NN", "NOUN", "ROOT", 1),
                    ("!", ".", "PUNCT", "punct", 1))
ANY_QUESTIONS = parsed(("Any", "DT", "DET", "det", 1), ("questions", "NNS", "NOUN", "ROOT", 1),
                       ("?", ".", "PUNCT", "punct", 1))
WARRANTY = parsed(("Warranty", "NN", "NOUN", "ROOT", 0), ("?", ".", "PUNCT", "punct", 0))


def test_hand_built_docs_read_as_written():
    assert SEND.text == "Send me the receipt."
    assert SEND_AND_WE.text == "Send the photos over and we'll check them."
    assert DONT_CALL.text == "Don't call this number again."
    assert ACCOUNT_PLEASE.text == "Account number please"


# ---- ImperativeRequest ----------------------------------------------------------------

def test_bare_imperative_is_flagged_with_a_polite_ask():
    (m,) = imperative().find_parsed(SEND, 0)
    assert (m.start, m.end) == (0, len("Send me the receipt."))
    # unsafe: a question made of an instruction is for a person to approve (docs/quality.md)
    assert suggestions(m) == [("Could you send me the receipt?", UNSAFE),
                              ("Would you mind sending me the receipt?", UNSAFE)]


def test_match_offsets_are_shifted_to_the_sentence_position():
    (m,) = imperative().find_parsed(SEND, 23)
    assert (m.start, m.end) == (23, 23 + len("Send me the receipt."))


def test_a_lone_verb_is_an_order_only_if_the_parse_says_so():
    # "Restart." has no object to show it is a verb; the parse decides
    as_verb = parsed(("Restart", "VB", "VERB", "ROOT", 0), (".", ".", "PUNCT", "punct", 0))
    as_name = parsed(("Restart", "NNP", "PROPN", "ROOT", 0), (".", ".", "PUNCT", "punct", 0))
    (m,) = imperative().find_parsed(as_verb, 0)
    assert (m.start, m.end) == (0, 8)
    assert imperative().find_parsed(as_name, 0) == []  # what en_core_web_sm says: a name


def test_a_verb_with_a_subject_is_a_statement():
    assert imperative().find_parsed(WE_SEND, 0) == []


def test_leading_vocative_is_kept():
    (m,) = imperative().find_parsed(SEND_VOCATIVE, 0)
    assert suggestions(m)[0] == ("Jennifer, could you send me the receipt?", UNSAFE)


def test_chained_clause_with_its_own_subject_is_split_and_not_safe():
    (m,) = imperative().find_parsed(SEND_AND_WE, 0)
    assert suggestions(m) == [("Could you send the photos over? We'll check them.", UNSAFE)]


def test_courtesies_are_not_orders_but_tell_us_is():
    assert imperative().find_parsed(HAVE_A_DAY, 0) == []
    (m,) = imperative().find_parsed(TELL_US, 0)
    assert suggestions(m)[0] == ("Could you tell us your name?", UNSAFE)
    # a team can declare its own courtesy verbs
    assert imperative(courtesy_verbs=["send"]).find_parsed(SEND, 0) == []


def test_softened_and_bare_modes_split_please():
    assert imperative("bare").find_parsed(PLEASE_PROVIDE, 0) == []
    (m,) = imperative("softened").find_parsed(PLEASE_PROVIDE, 0)
    assert suggestions(m)[0] == ("Could you please provide your account number?", UNSAFE)
    assert imperative("softened").find_parsed(SEND, 0) == []


def test_negative_mode():
    (m,) = imperative("negative").find_parsed(DONT_CALL, 0)
    assert suggestions(m)[0] == ("Could you avoid calling this number again?", UNSAFE)
    assert imperative("negative").find_parsed(DONT_WORRY, 0) == []  # reassurance, not an order
    assert imperative("bare").find_parsed(DONT_CALL, 0) == []


@pytest.mark.parametrize("sentence, mode, expected", [
    ("Send me the receipt.", "bare", True),
    ("Could you send me the receipt?", "bare", False),      # already a question
    ("We sent the receipt.", "bare", False),                 # opens with a pronoun
    ("Reply here if you need anything else.", "bare", False),  # an offer
    ("Please send me the receipt.", "softened", True),
    ("Send me the receipt.", "softened", False),
    ("Don't call this number again.", "negative", True),
    ("Call this number again.", "negative", False),
])
def test_imperative_candidate_test(sentence, mode, expected):
    # the cheap test that decides which sentences are parsed at all
    assert imperative(mode).candidate(sentence) is expected


# ---- BareNounRequest ------------------------------------------------------------------

@pytest.mark.parametrize("doc, best", [
    (DATE_OF_BIRTH, "May I have your date of birth?"),
    (ORDER_NUMBER, "May I have your order number?"),
    (ACCOUNT_PLEASE, "May I have your account number, please?"),
])
def test_bare_noun_request(doc, best):
    d = bare_noun()
    assert d.candidate(doc.text)
    (m,) = d.find_parsed(doc, 0)
    assert (m.start, m.end) == (0, len(doc.text))
    assert suggestions(m)[0] == (best, SAFE)
    assert suggestions(m)[1][1] is UNSAFE and suggestions(m)[1][0].startswith("Could you share ")


def test_a_question_with_a_finite_verb_is_no_bare_noun_request():
    # "Order shipped?" asks whether it has shipped: the parse finds a clause, not a noun phrase
    clause = parsed(("Order", "NN", "NOUN", "nsubj", 1), ("shipped", "VBD", "VERB", "ROOT", 1),
                    ("?", ".", "PUNCT", "punct", 1))
    assert bare_noun().candidate(clause.text)  # the words alone could be one...
    assert bare_noun().find_parsed(clause, 0) == []  # ...the parse says no


@pytest.mark.parametrize("doc", [NO_PROBLEM, ANY_QUESTIONS], ids=["no-problem", "any-questions"])
def test_pleasantries_are_not_requests(doc):
    assert bare_noun().find_parsed(doc, 0) == []


def test_info_nouns_option_makes_the_ask_personal():
    # a bare noun the detector does not know as information is a guess or a check ("Weather?",
    # "A latte with vanilla?"), not a demand; a team's own info noun makes it one
    assert bare_noun().find_parsed(WARRANTY, 0) == []
    (m,) = bare_noun(info_nouns=["warranty"]).find_parsed(WARRANTY, 0)
    assert suggestions(m)[0] == ("May I have your warranty?", SAFE)


@pytest.mark.parametrize("sentence, expected", [
    ("Date of birth?", True),
    ("Order number please", True),
    ("What is your order number?", False),
    ("May I have your date of birth?", False),
    ("Could you tell me the booking reference and the name of every passenger on it?", False),
])
def test_bare_noun_candidate_test(sentence, expected):
    assert bare_noun().candidate(sentence) is expected


# ---- ObligationRequest (lexical: it reads words, not the parse) ------------------------

@pytest.mark.parametrize("text, form, best, applicability", [
    # a necessity put as a favour changes what the customer is told: never applied unreviewed
    ("You need to reset your password.", "you-need-to", "Could you reset your password?", UNSAFE),
    ("You'll have to fill out the claim form first.", "you-need-to",
     "Could you fill out the claim form first?", UNSAFE),
    ("I need your card number.", "i-need-your", "May I have your card number?", SAFE),
    ("I need you to confirm the delivery address.", "i-need-your",
     "Could you confirm the delivery address?", SAFE),
])
def test_obligation_is_turned_into_a_request(text, form, best, applicability):
    (m,) = obligation(form).find_lexical(text, 0, len(text))
    assert (m.start, m.end) == (0, len(text))
    assert suggestions(m)[0] == (best, applicability)


def test_obligation_offsets_within_a_longer_message():
    text = "Hi Mike. You must contact the card issuer about the charge."
    (m,) = obligation().find_lexical(text, 9, len(text))
    assert text[m.start:m.end] == "You must contact the card issuer about the charge."
    assert suggestions(m)[0] == ("Could you contact the card issuer about the charge?", UNSAFE)


@pytest.mark.parametrize("text, form", [
    ("You don't need to do anything else.", "you-need-to"),
    ("If you need to reschedule, just reply here.", "you-need-to"),
    ("You must be so frustrated, I'm sorry.", "you-need-to"),
    ("All you need to do is reply YES.", "you-need-to"),
    ("I need a moment to check this.", "i-need-your"),
])
def test_not_obligations(text, form):
    assert obligation(form).find_lexical(text, 0, len(text)) == []


# ---- the same sentences through the real model ----------------------------------------

@pytest.mark.parametrize("text, rule, rewritten, applicability", [
    ("Send me the receipt.", "PC102", "Could you send me the receipt?", "unsafe"),
    ("Jennifer, send me the receipt.", "PC102", "Jennifer, could you send me the receipt?", "unsafe"),
    ("Tell us your name.", "PC102", "Could you tell us your name?", "unsafe"),
    ("Please provide your account number.", "PC103", "Could you please provide your account number?",
     "unsafe"),
    ("Date of birth?", "PC101", "May I have your date of birth?", "safe"),
    ("Order number?", "PC101", "May I have your order number?", "safe"),
    ("I need your card number.", "PC105", "May I have your card number?", "safe"),
])
def test_requests_on_the_real_model(text, rule, rewritten, applicability):
    report = coach().check(text)
    assert [(f.rule, f.start, f.end) for f in report.findings] == [(rule, 0, len(text))]
    assert report.rewritten == (rewritten if applicability == "safe" else text)
    assert coach().rewrite(text, "unsafe").rewritten == rewritten


@pytest.mark.parametrize("text, rule, best", [
    ("Send the photos over and we'll check them.", "PC102",
     "Could you send the photos over? We'll check them."),
    ("Don't call this number again.", "PC106", "Could you avoid calling this number again?"),
    # a necessity as a favour changes what the customer is told: offered, never applied
    ("You need to reset your password.", "PC104", "Could you reset your password?"),
])
def test_unsafe_requests_on_the_real_model(text, rule, best):
    report = coach().check(text)
    assert [f.rule for f in report.findings] == [rule]
    assert report.findings[0].suggestions[0].replacement == best
    assert report.rewritten == text  # nothing safe: left for the agent to decide
    assert coach().rewrite(text, "unsafe").rewritten == best


@pytest.mark.parametrize("text", [
    "Have a great day!", "We send you the receipt.", "Don't worry about it.", "No problem!",
    "Any questions?", "Could you send me the receipt?", "What is your order number?",
])
def test_no_request_findings_on_the_real_model(text):
    assert not [f for f in coach().check(text).findings if f.category == "command"]


def test_a_request_inside_a_longer_message():
    text = "Thanks, Maria! I can see the order. Date of birth? Then we're done."
    report = coach().check(text)
    assert [(f.rule, f.text) for f in report.findings] == [("PC101", "Date of birth?")]
    assert report.findings[0].start == text.index("Date")
    assert report.rewritten == "Thanks, Maria! I can see the order. May I have your date of birth? Then we're done."


# ---- phrase lists: apostrophes, contractions, case, position ----------------------------

@pytest.mark.parametrize("text", [
    "That's not true.",
    "That’s not true.",           # curly apostrophe
    "Thats not true.",            # no apostrophe
    "That is not true.",          # expanded
    "that isn't true",
    "THAT'S NOT TRUE.",           # any casing
    "That  is   not true!",       # any run of white space
    "That isnt the case.",
])
def test_phrase_forms(text):
    report = coach().check(text)
    assert [(f.rule, f.start, f.end) for f in report.findings] == [("PC201", 0, len(text))]


@pytest.mark.parametrize("text", ["It's not our fault.", "It’s not our fault.", "Its not our fault.",
                                  "it is not our fault", "IT'S NOT OUR FAULT!"])
def test_phrase_forms_of_denying_fault(text):
    assert [f.rule for f in coach().check(text).findings] == ["PC202"]


def test_phrase_inside_a_longer_message_flags_its_sentence_only():
    text = ("Hi Sam, thanks for writing in.\nI checked the tracking log this morning. "
            "That's not true, the parcel was delivered Monday. Anything else I can help with?")
    report = coach().check(text)
    (f,) = report.findings
    assert f.rule == "PC201"
    assert f.text == "That's not true, the parcel was delivered Monday."
    assert f.start == text.index("That's")
    assert f.suggestions[0].replacement == "Perhaps there's been a mix-up: the parcel was delivered Monday."


@pytest.mark.parametrize("text", [
    "That's not a problem at all!",         # shares words, not the phrase
    "Is that not true?",
    "I'm not sure if that's the case, let me check.",
    "Whats not true is the delay.",
])
def test_near_misses_are_not_flagged(text):
    assert not [f for f in coach().check(text).findings if f.rule == "PC201"]


# ---- quoted text ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    'You wrote "that\'s not true" in your email.',
    "You wrote “that’s not true” in your email.",
    "You said 'calm down' was rude, and you're right.",
    "You said “calm down” was rude.",
    'The agent said "it\'s not our fault", and I am sorry.',
])
def test_quoted_words_are_not_the_agents_phrasing(text):
    assert coach().check(text).findings == ()
    # the same words unquoted are flagged
    unquoted = text.replace('"', "").replace("“", "").replace("”", "").replace(" 'calm", " calm").replace("down'", "down")
    assert coach().check(unquoted).findings


def test_single_curly_quotes_around_a_contraction():
    text = "I'm sorry our driver told you ‘calm down, it’s only a parcel’."
    assert not [f for f in coach().check(text).findings if f.rule == "PC401"]


# ---- acronyms and the glossary ------------------------------------------------------------

def test_unexplained_acronym_is_flagged_as_info():
    report = coach().check("We've sent the PTE to your address.")
    (f,) = report.findings
    assert (f.rule, f.text, f.severity.value) == ("PC502", "PTE", "info")
    assert report.rewritten == "We've sent the PTE to your address."  # no guess at its meaning
    assert [f.text for f in coach().check("We've sent both PTEs.").findings] == ["PTE"]


@pytest.mark.parametrize("text", [
    "Please enter your PIN at the ATM.",
    "I've attached the PDF.",
    "Bring your ID and the USB stick.",
    "Is the TV OK now?",
    "We open at 9am and close at 5 PM, 9AM on Sundays.",
    "Your flight BA 117 departs at 9am.",
    "Your flight DLH 117 departs at 9am.",     # a three-letter flight code
    "Order XQZ 4471 has shipped.",
    "Your flight from JFK to LAX is on time.",   # airport codes in context
    "I AM SO SORRY ABOUT THE PTE MIX-UP.",       # a shouted message
    "We've sent the PTE (payment transfer envelope). The PTE is blue.",  # explained once
])
def test_acronyms_that_are_fine(text):
    assert not [f for f in coach().check(text).findings if f.category == "jargon"]


@pytest.mark.parametrize("text, rewritten", [
    ("Your RMA was approved.", "Your return authorization (RMA) was approved."),
    ("RMA was approved.", "Return authorization (RMA) was approved."),
    ("It is within our SLA.", "It is within our service agreement (SLA)."),
    ("Your refund was processed per SOP.", "Your refund was processed following our standard procedure."),
])
def test_glossary_expansion(text, rewritten):
    report = coach().check(text)
    assert [f.rule for f in report.findings] == ["PC501"]  # never also PC502
    assert report.rewritten == rewritten
    assert coach().check(rewritten).findings == ()


def test_glossary_terms_in_capitals_match_case_sensitively():
    # in lower case only where that form is no English word: "tat" and "sop" are words
    # (dismissive PC410 may read "that's just tat" as sizing a loss down: only jargon is asked about)
    assert [f for f in coach().check("that's just tat, honestly").findings if f.category == "jargon"] == []
    assert coach().check("a sop to the critics").findings == ()
    assert coach().check("Your RMA (return authorization) number is 5561.").findings == ()


def test_an_acronym_typed_in_lower_case_is_expanded_with_its_capitals():
    report = coach().check("your rma was approved")
    assert [(f.rule, f.text) for f in report.findings] == [("PC501", "rma")]
    assert report.rewritten == "your return authorization (RMA) was approved"
    assert coach().check(report.rewritten).findings == ()


def test_lower_case_glossary_phrase_with_a_digit_matches_in_any_case():
    report = coach().check("Your case was escalated to Tier 2.")
    assert [f.rule for f in report.findings] == ["PC501"]


def test_glossary_phrase_with_a_digit_is_replaced_not_parenthesised():
    report = coach().check("Your case was escalated to tier 2 yesterday.")
    assert report.rewritten == "Your case was passed to our specialist team yesterday."
