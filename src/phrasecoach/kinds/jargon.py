"""Jargon: team glossary terms and unexplained acronyms.

Two detectors. `glossary-term` knows what a term means (from the packs' glossaries and the
user's own), so it offers a `safe` expansion: "Your RMA" -> "Your return authorization (RMA)".
`unexplained-acronym` flags shorthand it does not know, but only where it is fairly sure. An
acronym is widely known when it is common in general English (`frequency.zipf`: "PDF", "ATM",
"TSA" are, "ETD" and "WMS" are not); place, flight, order and booking codes, postcodes,
sign-off initials, shouted words, chat slang ending an exclamation ("TGIF!") and English words
in capitals are left alone. In a message about travel, three capitals used as a place are an
airport code: after "for", "towards", "regarding" or "get you" ("for BOS at this time", "get
you RDU tonight"), before "is closed", or where the message places the same code elsewhere
("in DSM"). An acronym explained anywhere in the message is fine everywhere in it: in
parentheses ("(MQDs)"), by a definition ("ATC is a government agency that …", "the ATC,
which …") or by capitalised words whose initials spell it ("Wanna Get Away fares"). Besides
capitals ("WMS") it flags record ids given without saying what they are ("KB0042",
"INC123456"; a knowledge-base, incident, change or task id stays the team's even where it is
handed over as "it's KB0042", unlike a booking reference: "its RP-20931") and an acronym with a
lower-case prefix ("eTCV"); a CamelCase name
("ServiceNow") is a name, not shorthand. Two capitals ("BO", "EA"), three letters cased like
"TnS", "-Ops" team names ("LiveOps") and short codes ("R2", "Cat 2") are flagged only where they
name a team, a system or a step of the work (a noun of the work after them, `role_nouns`; the head
of "the BO can't sell them" or of "on the WL and"; before a noun after a determiner, "the TP
insurer", but not a state's "a CA address", `place_pairs`; a state of the work, "still on BO";
"showing as OS"; "passed to AR"), never where air travel is the topic (airline codes). Where
travel is not the topic, three capitals after "the"/"a" and before a noun of a team or a
system's place (`team_nouns`: "the AML team", "a WMS location"), or that work is handed to
("routed to CRM"), are the team's up to `role_zipf`; "our SFO team" stays a place's staff.
Shorthand comes in runs: in a sentence with one acronym flagged, capitals general English barely
knows, let through alone by their frequency, are flagged beside it (`dense`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllLemmas
from typing import ClassVar, Literal

from pydantic import Field

from ..models import Applicability, Suggestion
from .base import Detector, DetectorOptions, Match
from .frequency import zipf  # imported by name: the bench empties this module's caches

# The shapes of shorthand, tried in this order at each place: a record id (capitals, then a
# number that starts with 0 or has four digits or more: "KB0042", "INC123456"; "PS5" and
# "MP3" are names of things), an acronym with a lower-case prefix ("eTCV"), capitals ("WMS").
_TOKEN = re.compile(r"(?<![\w*^@#/.\-&'’~])(?:(?P<code>[A-Z]{2,5}-?(?:0\d*|[1-9]\d{3,})|[A-Z]-?(?:0\d{2,}|[1-9]\d{3,}))"
                    r"|(?P<mixed>[a-z]{1,2}[A-Z][A-Z&]{1,5})(?:s|'s|’s)?"
                    r"|(?P<snake>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"
                    r"|(?P<amp>[A-Z]{1,3}(?:&amp;|&)[A-Z]{1,3})(?:s|'s|’s)?"
                    r"|(?P<ops>[A-Z][a-z]+Ops|(?:dev|sec|net|tech|cloud|live|fin|rev|biz|sys|data|site)ops)"
                    r"|(?P<cased>[A-Z]{1,3}[a-z][A-Z]{1,2})(?:s|'s|’s)?"
                    r"|(?P<digit>[1-9][A-Z]{2})(?:s|'s|’s)?"
                    r"|(?P<caps>[A-Z][A-Z&]{1,5})(?:s|'s|’s)?"
                    r"|(?P<tier>(?:[LPT]|SEV|Sev|sev)-?[0-4]|(?:SEV|Sev|sev)\s[0-4])"
                    r"|(?P<coded>(?!Q[1-4]\b|H[12]\b)[A-Z]{1,4}-?[1-9]\d{0,2}|(?:Cat|Tier|Band|Grade|Level|Phase|Stage)\s[0-9]))"
                    r"(?![\w&]|-(?!(?:related|level|based|led|side|driven|linked|approved|accredited|certified|registered|compliant|regulated|only|specific)\b))")
# A support tier or a priority ("L2", "T2", "P1", "Sev 2") is team shorthand where work is handed
# to it or raised as it: "escalated to L2", "with T2 now", "open a P2", "our L2 team". "T5" and
# "P2" are also terminals and car parks, so without such words, or where the message is about
# travel (then only a team word after counts), they are left alone.
# Verbs that hand work on to a team: "escalated to", "passed it over to", "routed to".
_HANDOFF_VERBS = r"escalat\w*|pass\w*|sen[dt]\w*|transferr?\w*|forward\w*|refer\w*|hand\w*|assign\w*|rout\w*"
_TIER_BEFORE = re.compile(rf"\b(?:(?:{_HANDOFF_VERBS}|rais\w*|mov\w*|bump\w*|push\w*)\s+"
                          r"(?:(?:it|this|that|them|you|your\s+\w+|the\s+\w+)\s+)?(?:up\s+)?(?:to|with)|"
                          r"with|by|as|open\w*|log\w*|rais\w*)\s+(?:(?:a|an|the|our)\s+)?$", re.I)
_TIER_AFTER = re.compile(r"\s*(?:team|support|agents?|engineers?|techs?|technicians?|queue|desk|"
                         r"specialists?|incident|ticket|case|escalation|priority|issue|outage)\b", re.I)
# Where two capitals ("BO", "EA") or any shorthand stand for a team, a system or a step of the
# work: before a noun of the organisation ("the IG team", "an FM ticket", "TnS queue"; the nouns
# are the `role_nouns` option), as the head of a noun phrase ("the BO can't sell them", "once the
# HD clears", "a GA"), as a status ("showing as OS") or where work is handed to them.
# (seventeenth stop) a possessive is a determiner too: "the buyer's CN", "Kim's PA"
_DET_BEFORE = re.compile(r"\b(?:the|a|an|our|your|their|this|that|its|\w+['’]s)\s+$", re.I)
_STATUS_AS_BEFORE = re.compile(r"\b(?:show\w*|mark\w*|class\w*|cod\w*|logg?\w*|flagg?\w*|list\w*|"
                               r"record\w*|fil\w*|treat\w*|categori[sz]\w*|set)\s+as\s+(?:(?:a|an)\s+)?$", re.I)
_HANDOFF_BEFORE = re.compile(rf"\b(?:(?:{_HANDOFF_VERBS})\s+(?:(?:it|this|that|them|you|your\s+\w+)\s+)?"
                             r"(?:over\s+)?to|"
                             # (seventh stop) a record made with or in it: "flagged it to DSC",
                             # "logged it with FOH", "flagged it in LedgerDesk"
                             r"(?:flagg?\w*|logg?\w*|rais\w*|report\w*|record\w*|noted)\s+(?:(?:it|this|that|them)\s+)?(?:to|with|in|on)|(?:go|goes|going|went|gone|run|runs|invoiced|processed|handled)\s+"
                             r"(?:through|via|by))\s+(?:(?:the|our)\s+(?:[a-z]+\s+)?)?$", re.I)  # "to the area FM"
# Before a team or a system's place named by capitals: "the AML team", "a WMS location", not "our".
_TEAM_DET_BEFORE = re.compile(r"\b(?:the|a|an)\s+$", re.I)
_THE_BEFORE = re.compile(r"\bthe\s+$", re.I)
# (ninth stop) Where the work is or what it follows, named by capitals after "the": "waiting at
# the PSP", "due with the ROS", "per the SOW". Outside travel (an airport is "at the LHR desk"),
# capitals general English knows only a little (below role_zipf) are the team's there.
_WORK_PLACE_BEFORE = re.compile(r"\b(?:at|with|per|under|via|through|from)\s+the\s+$", re.I)
# Three capitals after "and", not a route ("FOH and BOH", not "LAX and SFO-JFK"): two teams, where
# _PLACE_AFTER would read an airport pair.
_TEAM_PAIR_AFTER = re.compile(r"\s+and\s+[A-Z]{3}\b(?!\s*[-–/>])")


def _handed_or_marked(before: str) -> bool:
    """Work handed to it or a status given as it, just before: "passed to AR", "showing as OS"."""
    return bool(_HANDOFF_BEFORE.search(before) or _STATUS_AS_BEFORE.search(before))


_NEXT = re.compile(r"\s+([A-Za-z][a-z'’]*)")
_CAPS_RUN = re.compile(r"(?:\s+[A-Z][A-Z0-9&]{1,5}\b)*")  # more capitals right after: "MSK CATS"
# After two capitals at the head of a phrase, a preposition: "the AE on your account", "the UW
# at the insurer". (Known pairs, travel and names are let through before this is asked.)
_PREPS = frozenset({"on", "at", "for", "from", "in", "with", "about", "of"})
# (seventeenth stop) a state the work is in, said of it: "it's in AP", "still on BO with the supplier"
_STATE_BEFORE = re.compile(r"\b(?:it(?:['’]?s|\s+is)|is|are|was|were|still|now|currently|sits?|stuck)\s+"
                           r"(?:still\s+|now\s+|currently\s+)?(?:in|on)\s+$", re.I)
# (seventeenth stop) words that end a noun phrase: "put her on the WL and flagged it", "the RO or
# the DI" (two capitals after a determiner and before one of these are the head of their phrase)
_PHRASE_ENDS = frozenset({"and", "or", "but", "so", "then", "till", "until", "before", "after", "once",
                          "while", "because", "as", "if", "which", "who", "that"})
_CHAT_VERBS = frozenset({"cant", "wont", "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "hasnt",
                         "havent", "couldnt", "shouldnt", "wouldnt", "cannot"})
_CODE_AFTER = re.compile(r"\s?-?\d{1,5}\b")  # matched at the acronym's end (pos), not on a copy of the rest
# Right before a code: it is the reference the customer was given, said as one.
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:ref|reference|ticket|case|booking|confirmation|reservation|order|flight|record\s+locator|"
    r"locator|pnr|number|no|code|claim|incident|file|tracking|voucher|promo|coupon|account|invoice|"
    r"receipt|id|request|model|serial|part|item|product|version)\b|#)[\s:#.]*"
    r"(?:(?:number|no|code|id|is|was|reads)\b[\s:#.]*){0,2}$", re.I)
# A code handed to the customer as theirs: "Your PAC is KLM482913", "I've made yours: RMA-88120",
# "a number for you, RA-55102", "here's your new one - X7731", an answer: "its RP-20931".
_GIVEN_BEFORE = re.compile(r"(?:\bit(?:'s|’s|s|\s+is)|\byour\s+(?:[\w-]+\s+){1,3}(?:is|was|reads|will\s+be)|\byours(?:\s+is)?|"
                           r"\bfor\s+you|\bhere(?:'s|’s|\s+is)\s+(?:your|yours)(?:\s+[\w-]+){0,3})[\s:,#–—-]*$", re.I)
# ... but not every code said that way is the customer's. The team's own records keep their
# shorthand however they are handed over ("it's KB0042 you want", "yours is CHG0031234"): by the
# prefix of the record's kind, knowledge-base articles (KB, KBA), a service desk's incidents,
# changes, problems, requests and tasks (INC, CHG, PRB, SR, RITM, TASK, CTASK), engineering
# tickets and defects (BUG, DEF, ENG, DEV, OPS); or by the words around the code, where it
# names a document to read ("your guide is AB-1234", "it's XY0042 you'll need to follow", "it's
# ZZ0042 that has the steps"). A booking, order or case reference ("its RP-20931", "your PAC is
# KLM482913", "here's your new code: AB48812") is still the customer's.
_RECORD_PREFIX = re.compile(r"(?:KBA?|INC|CHG|PRB|SR|RITM|C?TASK|BUG|DEF|ENG|DEV|OPS)-?\d")
_DOC_GIVEN_BEFORE = re.compile(r"\b(?:articles?|guides?|runbook|procedure|how-?to|workaround|fix|patch|instructions|steps)"
                               r"(?:\s+(?:is|was|reads|will\s+be|for\s+(?:this|that|it|you)))?[\s:,#–—-]*$", re.I)
_DOC_AFTER = re.compile(r"\s+(?:(?:that|which)\s+)?(?:(?:you|u)(?:\s+(?:will|would|should|must|can|could|may)|[\'’](?:ll|d))?\s+"
                        r"(?:(?:want|need|have|ought|got)\s+to\s+|wanna\s+|gotta\s+)?(?:read|follow(?!\s+(?:up|on)\b)|look\s+at|go\s+through|"
                        r"work\s+through)|(?:has|gives|explains|covers|describes|shows|lists|walks\s+(?:you\s+)?through)\s+"
                        r"(?:(?:all\s+)?the\s+)?(?:steps|fix|how|instructions|workaround))\b", re.I)
# Before letters and a number: a form, a message or a document of the trade, asked for or waited
# on by its code ("submit an SA302", "pending an MT199", "raise a D0010", "send us a P87").
# Not "need a", "send you a" or "return a": those are as often said of a product ("needs a PS5").
_DOC_BEFORE = re.compile(r"\b(?:submit\w*|sen[dt]\w*\s+us|rais\w*|fil(?:e|es|ed|ing)|complet\w*|request\w*|"
                         r"issu\w*|pending|await\w*|waiting\s+(?:on|for)|upload\w*|"
                         r"fill\w*\s+(?:in|out)|chas\w*|lodg\w*)\s+(?:(?:us|me|you|them)\s+)?(?:a|an)\s+$", re.I)
# Right before a six-letter code in capitals: a booking code ("booking HMURQA").
_BOOKING_BEFORE = re.compile(
    r"\b(?:ref|reference|booking|confirmation|reservation|record\s+locator|locator|pnr|code|trip)\b"
    r"[\s:#.]*(?:(?:number|no|code|id|is|was|reads)\b[\s:#.]*){0,2}$", re.I)
# A flight number: "DL1726" always; "BA0048" (padded) or "DLH117" where travel is the topic.
_FLIGHT_CODE = re.compile(r"[A-Z]{2}-?[1-9]\d{0,3}")
_PADDED_FLIGHT_CODE = re.compile(r"[A-Z]{2,3}-?\d{1,4}")
_TRAVEL = re.compile(r"\b(?:flights?|fly|flying|flew|flown|depart\w*|arriv\w*|land(?:s|ed|ing)?|delay\w*|"
                     r"cancel\w*|divert\w*|board\w*|gates?|terminals?|airports?|aircraft|planes?|airlines?|"
                     r"schedul\w*|takeoff|connections?|connecting|nonstop|layover|route|inbound|crew|seats?|"
                     r"cabins?|on\s+time|passengers?|travel\w*|trips?|fares?|baggage|bags|upgrade\w*)\b", re.I)
# Words of air travel, where two capitals may be an airline's code ("our BA partners", "the KL
# desk"): narrower than _TRAVEL, whose seats, schedules, routes, trips and upgrades are also a
# theatre's, a school's or a courier's ("the BO can't sell those seats", "the policy schedule").
_AIR_TRAVEL = re.compile(r"\b(?:flights?|fly|flying|flew|flown|airlines?|airports?|aircraft|planes?|"
                         r"terminals?|gates?|layovers?|nonstop|codeshare|boarding|takeoff|lounges?|"
                         r"passengers?|miles|itinerar\w*|carriers?|partners?|alliance)\b", re.I)
# Words of a booking: then six capitals are its code ("your reservation today, JLKFBU").
_BOOKING_WORD = re.compile(r"\b(?:booking|reservation|trip|confirmation|record\s+locator|pnr|itinerary|"
                           r"ticket)", re.I)
_TIME_BEFORE = re.compile(r"(?:\d\s?[ap]\.?m?\.?|\d:\d\d)\s*$", re.I)  # then a time zone: "5:00p MST"
# a time zone's shape: "MST", "AKST", "ET", "UTC" ("2pm CW dispatch" is a step of the work, tenth stop)
_ZONE = re.compile(r"[A-Z]{0,3}[SDE]?T|UTC|Z")
_POSTCODE_AFTER = re.compile(r"\s\d[A-Z]{2}\b")  # the inward half of a UK postcode: "EC1A 0AB"
# Initials that stand for a person: after a sign-off mark ("- MK", "^ JD"), in a greeting or
# for a colleague ("Hey DRW,", "my colleague, HPL"), called by name ("Of course, OJB!"), or last
# in the message after the end of a sentence ("Thanks! AJC"). "On behalf of TCC" is not: hand
# judges found the customer cannot know who that is.
_SIGNOFF_MARK = re.compile(r"(?:(?<!\S)[*^~\-–—]\s?|\b(?:hi|hello|hey|dear|thanks|thank\s+you|"
                           r"colleague|colleagues),?\s+)$", re.I)
_SIGNOFF_PREV = re.compile(r"[.!?…,;\n]\s*$")
_VOCATIVE = (re.compile(r",\s*$"), re.compile(r"\s*[!?]"))
_SIGNOFF_TAIL = re.compile(r"[^\w?]*$")
_PLACE_BEFORE = re.compile(r"\b(?:from|to|at|in|into|out\s+of|via|through|between|and|or|leaving|leave|"
                           r"depart|departs|departed|departing|arrive|arrives|arrived|arriving|reach|"
                           r"around|landing|land|fly|flying|flight|flights|hub|"
                           r"connecting|connection|airport)\s+$", re.I)
# In a message about travel, more words before three capitals that make them a place: "delays
# in place for BOS", "heading towards MCO", "delays regarding CLT", "get you RDU tonight".
_TRAVEL_PLACE_BEFORE = re.compile(r"\b(?:for|towards?|regarding|over|near|past|(?:get|getting|have|"
                                  r"take|taking|bring|fly|flying)\s+(?:you|you\s+all|y'all|everyone|"
                                  r"them|him|her))\s+$", re.I)
# ... and after them: an airport is closed or open ("DSM is closed until further notice").
_TRAVEL_PLACE_AFTER = re.compile(r"\s+(?:is|was|are|were|remains?)\s+(?:now\s+|currently\s+|still\s+)?"
                                 r"(?:closed|open|reopened|shut)\b", re.I)
# Every three capitals the message uses as a place, found in one scan of the message.
_PLACED_CODE = re.compile(r"(?:\b(?:from|to|at|in|into|out\s+of|via|through|between|leaving|"
                          r"depart(?:s|ed|ing)?|arriv(?:e|es|ed|ing)|landing\s+at|fly(?:ing)?\s+(?:from|to|into)|"
                          r"towards?|regarding)\s+)"
                          r"([A-Z]{3})(?![\w\-&'’])")
# ... and not as a modifier: "eligible for SWU upgrades" is shorthand, "for BOS at this time" and
# "towards PHL shortly" are places. After a place comes punctuation or a word such as these.
_PLACE_FOLLOW = re.compile(r"(?:\s*(?:[.,;:!?…)\-–—]|$)|\s+(?:at|in|on|by|as|and|or|to|from|with|is|was|"
                           r"has|had|tonight|today|tomorrow|this|shortly|soon|now|right|until|yet|"
                           r"again|early|late|safely)\b)", re.I)
# An acronym that ends an exclamation is chat slang: "TGIF!", "Warm weather in Texas FTW!".
_EXCLAIMED = re.compile(r"\s*!")
_PLACE_AFTER = re.compile(r"^(?:\s*[-–/>]\s*[A-Z]{3}\b|\s+to\s+[A-Z]{3}\b|\s+and\s+[A-Z]{3}\b|"
                          r"\s+(?i:airport|terminal|gate|flights?|hub|station|location|office|store|"
                          r"branch|team|staff|crew|coworkers?|colleagues?|employees?|agents?|"
                          r"leadership|management|operations?|area|baggage|lounge|counter|"
                          r"ticket\s+counter|desk|ramp|weather|delays?|local\s+time|time|"
                          r"(?:is|are|was|has|had)\s+(?:been\s+)?(?:experienc\w+|seeing|under))\b)")
# After a digit, capitals that make it a time, an ordinal, a size or a unit: "3PM", "2ND", "2XL", "5GB".
_UNIT_BEFORE = re.compile(r"\d\s?$")  # a unit after a number: "5 kVA"
_UNITS = frozenset({"AM", "PM", "ND", "RD", "ST", "TH", "XL", "XS", "XXL", "GB", "MB", "KB", "TB", "GHZ",
                    "MHZ", "HZ", "KW", "KWH", "MPH", "KPH", "KG", "KM", "CM", "MM", "ML", "HP", "LB", "LBS",
                    "OZ", "FT", "PC", "PCS", "DR", "WD", "HRS", "MIN", "MINS", "DAY", "YR", "YRS", "MO"})
_POSTCODE_OUTWARD = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s$")  # the outward half before "2AA"
_FUNCTION_WORDS = {
    "and", "but", "the", "not", "for", "are", "was", "has", "had", "you", "our", "its", "all",
    "any", "can", "may", "will", "hey", "yes", "omg", "lol", "thx", "pls", "plz", "est",
    "cst", "pst", "edt", "cdt", "pdt", "gmt", "utc", "bst", "cet",
}


@lru_cache(maxsize=8192)
def is_english_word(word: str) -> bool:
    from lemminflect import getAllLemmas

    w = word.lower()
    return w in _FUNCTION_WORDS or bool(getAllLemmas(w))


def _message_facts(text: str) -> dict:
    """Answers about the whole message, worked out once per message however many sentences
    and terms it has (a whole-text scan per sentence or per term made a long message cost the
    square of its length). Only the last message is kept; a stale entry is simply rebuilt."""
    last = _LAST_MESSAGE[0]  # one (text, facts) pair, read and replaced whole
    if last[0] is text:
        return last[1]
    letters = [c for c in text if c.isalpha()]
    facts = {"shouted": bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.6,
             "explained": {}, "holds": {}, "lower": None, "travel": None, "booking": None,
             "initials": None, "placed": None, "air": None}
    _LAST_MESSAGE[0] = (text, facts)
    return facts


_LAST_MESSAGE: list[tuple] = [(None, None)]


def _explained_in(text: str, term: str) -> bool:
    explained = _message_facts(text)["explained"]
    if term not in explained:
        explained[term] = _explained(text, term)
    return explained[term]


def _holds(text: str, words: str) -> bool:
    """Is `words` (lower case) anywhere in the message, in any case?"""
    facts = _message_facts(text)
    holds = facts["holds"]
    if words not in holds:
        if facts["lower"] is None:
            facts["lower"] = text.lower()
        holds[words] = words in facts["lower"]
    return holds[words]


def _mentions(text: str, what: str, rx: re.Pattern) -> bool:
    """Does the message mention travel ("BA0048" is then a flight number) or a booking (six
    capitals are then its code)? Searched once per message."""
    facts = _message_facts(text)
    if facts[what] is None:
        facts[what] = rx.search(text) is not None
    return facts[what]


# What may follow a term to explain it, tried where each occurrence of the term ends (after an
# optional plural "s"/"'s"): compiled once, not once per term (that compile was a twentieth of
# the engine's time on real chat).
_CLOSES = re.compile(r"\s*[),]")  # in a parenthesis opened just before: "(RMA)", "(MQDs,"
_EXPLAINED_AFTER = re.compile(
    r"\s*\((?!\s*\))|\s+(?:stands\s+for|means|is\s+short\s+for)\b"
    r"|\s+(?:is|are)\s+(?:a|an|the)\s+(?!same\b)(?:\w+\s+){1,3}(?:that|which|who)\b"
    # (ninth stop) what it is or does, not what it will do next: "the FSCS, which protects
    # deposits" explains; "passed to NOC, who will reverse it" does not
    r"|,\s+(?:which|who)\b(?!\s+(?:will|[’']ll|should|shall|can|could|would|may|might|has|have|had|are\s+(?:now|currently|still|going|looking|working)|is\s+(?:now|currently|still|going|looking|working))\b)"
    # an appositive naming what kind of thing it is: "the FSCS, the UK's deposit
    # protection scheme", "your PAC, a code that moves your number"
    r"|,\s+(?:the|a|an|our)\s+(?:[\w'’-]+\s+){0,4}(?:scheme|agency|body|regulator|"
    r"authority|department|service|system|tool|process|programme|program|fund|office|"
    r"ombudsman|code|number|form|document|team|organi[sz]ation|charity|network)\b"
    # glossed right after it, the thing it names between: "a PPI, that's a pre-purchase
    # inspection", "a TPMS reset, i.e. the tyre pressure warning"
    r"|(?:\s+[\w-]+){0,2}\s*[,–—-]\s*(?:that's|that’s|that\s+is|i\.\s?e\.?|ie|"
    r"meaning|aka|a\.k\.a\.|in\s+other\s+words|short\s+for)\s"
    # the customer's own document: "the SLA you signed", "the NDA you agreed to"
    r"|\s+(?:that\s+)?you(?:'ve|’ve|\s+have)?\s+(?:signed|agreed|accepted|"
    r"received|were\s+(?:sent|given))\b")
_PLURAL = re.compile(r"s|'s|’s")


@lru_cache(maxsize=1024)
def _occurrences(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(term)}")


def _explained(text: str, term: str) -> bool:
    """'return authorization (RMA)', 'Medallion Qualifying Dollars (MQDs)', 'RMA (return
    authorization)', 'ATC is a government agency', 'the ATC, which ...' or words whose initials
    spell the term ('Wanna Get Away fares') anywhere in the message. The term's occurrences are
    found first and each is tried where it stands: one search of the whole message with every
    kind of explanation in it took 0.1 s per term on a 1 MB message."""
    for m in _occurrences(term).finditer(text):
        p = m.start()
        ends = [m.end()]
        if (pl := _PLURAL.match(text, m.end())):
            ends.append(pl.end())
        for e in ends:
            if _EXPLAINED_AFTER.match(text, e) or (
                    _CLOSES.match(text, e) and _OPEN_PAREN_BEFORE.search(text, max(0, p - 8), p)):
                return True
    return "&" not in term and term.upper() in _initials(text)


_OPEN_PAREN_BEFORE = re.compile(r"\(\s*$")


def _word_next(words: list[str]) -> re.Pattern[str] | None:
    """One of `words` as the next word (`match` at the end of a term), or None for no words."""
    return re.compile(r"\s+(?:" + "|".join(map(re.escape, words)) + r")\b", re.I) if words else None


# Words that an acronym's initials may leave out: "Department of Transportation" is DOT or DT.
_MINOR_WORDS = frozenset({"of", "and", "the", "for", "to", "in", "on", "a", "&"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|&")


def _initials(text: str) -> frozenset[str]:
    """The initials of every run of two to six capitalised words in the message, with and
    without its minor words ("Medallion Qualifying Dollars" -> MQD, "Estimated Time of
    Departure" -> ETD and ETOD). Worked out once per message, in time linear in its length."""
    facts = _message_facts(text)
    if facts["initials"] is None:
        words = _WORD.findall(text)
        out = set()
        for i, w in enumerate(words):
            if w.lower() in _MINOR_WORDS:
                continue  # an acronym's first word is not a minor word
            full = short = ""
            for v in words[i: i + 8]:
                if v[0].islower() and v.lower() not in _MINOR_WORDS:
                    break  # a name's words are capitalised: "any time changes" is not ATC
                full += v[0].upper()
                if v.lower() not in _MINOR_WORDS:
                    short += v[0].upper()
                if len(full) >= 2 and v.lower() not in _MINOR_WORDS:
                    out.add(full)
                    out.add(short)
                if len(short) >= 6:
                    break
        facts["initials"] = frozenset(out)
    return facts["initials"]


def _placed(text: str) -> frozenset[str]:
    """Three capitals the message uses as a place ("in DSM", "towards MCO"), found once."""
    facts = _message_facts(text)
    if facts["placed"] is None:
        facts["placed"] = frozenset(_PLACED_CODE.findall(text))
    return facts["placed"]


def _shouting(text: str, start: int, end: int) -> bool:
    """Part of a run of capitalised words: the customer's words or emphasis, not an acronym."""
    before = text[max(0, start - 30): start]
    after = text[end: end + 30]
    prev = re.search(r"([A-Za-z]{2,})\W*$", before)
    nxt = re.match(r"\W*([A-Za-z]{2,})", after)
    return bool((prev and prev.group(1).isupper()) or (nxt and nxt.group(1).isupper()))


class UnexplainedAcronym(Detector):
    name: ClassVar[str] = "unexplained-acronym"
    slots: ClassVar[frozenset[str]] = frozenset({"term"})

    class Options(DetectorOptions):
        # Zipf frequency in general English (wordfreq) at or above which an acronym is widely
        # known: 3.2 lets "TSA" (3.3) and "FAQ" (3.3) through and flags "ATC" (3.1), "ETD" (1.7).
        known_zipf: float = Field(3.2, ge=0, le=8)
        # Fewest letters in an acronym in capitals: two-letter ones are mostly initials, states
        # and airline codes ("TJ", "NY", "DL"), so they are left alone unless this says 2.
        min_letters: int = Field(3, ge=2, le=6)
        # caps: "WMS"; code: a record id such as "KB0042"; mixed: "eTCV"; amp: an acronym with
        # an ampersand ("T&S"); tier: a support tier or priority ("L2", "P1"); snake: a status
        # code in capitals joined by underscores ("PENDING_REVIEW").
        # pair: two capitals where they name a team, system or step ("the BO", "an FM ticket");
        # cased: three letters cased like "TnS", "CoT"; ops: a team named "-Ops" ("LiveOps", "devops");
        # coded: letters and a short number or "Cat 2" before a noun of the work ("an R2 hold").
        shapes: list[Literal["caps", "code", "mixed", "amp", "tier", "snake", "pair", "cased", "ops", "coded",
                             "digit"]] = [
            "caps", "code", "mixed", "amp", "tier", "snake", "pair", "cased", "ops", "coded", "digit"]
        allow: list[str] = []  # known acronyms that general English frequency misjudges
        # Acronyms with an ampersand that customers know ("T&C", "Q&A", "B&B"): word frequency
        # cannot judge these (wordfreq splits them at the "&"), so they are listed.
        known_amp: list[str] = []
        # Two-letter acronyms customers know ("TV", "ID", "IT team"): two capitals are flagged only
        # where they name a team, system or step (see _DET_BEFORE), and never these.
        known_pairs: list[str] = []
        # Nouns of the organisation's work: shorthand right before one names a team, a system or a
        # step of the process ("the IG team", "an FM ticket", "an R2 hold", "the TnS queue").
        role_nouns: list[str] = []
        # Right before a noun of a step of the work (`step_nouns`: "queue", "match", "file"), an
        # acronym is widely known only at this Zipf frequency or above: "the NINO match" (3.3) and
        # "the VER queue" (3.4) are the team's. Not before a team or a department ("the TSA
        # department", "the DMV office"): public bodies are known by their initials.
        role_zipf: float = Field(3.6, ge=0, le=8)
        step_nouns: list[str] = []
        # Nouns of a team or a system's place ("the AML team", "the MSO desk", "a WMS location"):
        # where travel is not the topic, capitals before one are the team's, not an airport's,
        # up to role_zipf ("our LAX team" stays a place where the message is about travel).
        team_nouns: list[str] = []
        # Public bodies the customer deals with in their own name ("the DVLA", "HMRC"): names of
        # organisations, not the team's shorthand, however rare in print.
        bodies: list[str] = []
        # Known pairs that are cities ("DC", "LA"): after "the" and not before a noun a city
        # names ("the LA office", "the DC area"), they are a place of the work ("still at the DC").
        city_pairs: list[str] = []
        city_nouns: list[str] = []  # what a city before a noun names: "area", "office", "traffic"
        # Two capitals that name a place before a noun ("a CA address", "our TX customers"): US
        # states and Canadian provinces. Any other pair after a determiner and before a noun is the
        # team's shorthand ("the TP insurer", "an OW fee").
        place_pairs: list[str] = []
        # Shorthand comes in runs: in a sentence with an acronym already flagged (and travel not
        # the topic), capitals left alone only by their frequency are flagged too where general
        # English knows them little (three or more below role_zipf and no English word, "the CAS";
        # two below known_zipf, "her KP").
        dense: bool = True

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.allow = {a.upper() for a in options.allow}
        self.bodies = {a.upper() for a in options.bodies}
        self.known_amp = {a.upper() for a in options.known_amp}
        self.glossary_upper = {k for k in ctx.glossary if k.isupper()}
        self.known_zipf = options.known_zipf
        self.known_pairs = {a.upper() for a in options.known_pairs}
        self.city_pairs = {a.upper() for a in options.city_pairs}
        self.city_nouns = {w.lower() for w in options.city_nouns}
        self.place_pairs = {a.upper() for a in options.place_pairs}
        self.role_after = _word_next(options.role_nouns)
        self.min_letters = options.min_letters
        self.role_zipf = options.role_zipf
        self.step_after = _word_next(options.step_nouns)
        self.team_after = _word_next(options.team_nouns)
        self.shapes = frozenset(options.shapes)
        self.dense = options.dense

    def quick(self, text: str) -> bool:
        return _TOKEN.search(text) is not None

    def _known(self, term: str) -> bool:
        return term in self.allow or term in self.glossary_upper or zipf(term) >= self.known_zipf

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        out = []
        spared: list[tuple[int, int, str]] = []  # capitals let through alone (see `dense`)
        if _message_facts(text)["shouted"]:
            return []  # a shouted message
        for m in _TOKEN.finditer(text, start, end):
            shape = m.lastgroup
            if shape not in self.shapes:
                continue
            s, e = m.start(shape), m.end(shape)
            term = m.group(shape)
            if shape == "caps" and len(term) == 2 and term.isalpha() and "pair" in self.shapes \
                    and self.min_letters > 2:  # a pack that asks for every two-letter one gets them all
                ok = self._pair_ok(text, term, s, e)
            elif shape == "caps":
                ok = self._caps_ok(text, term, s, e)
            elif shape == "code":
                ok = self._code_ok(text, term, s, e)
            elif shape == "amp":
                ok = self._amp_ok(text, term, s, e)
            elif shape == "tier":
                ok = self._tier_ok(text, term, s, e)
            elif shape == "pair":
                ok = self._pair_ok(text, term, s, e)
            elif shape == "cased":
                ok = (term in self.allow or term.upper() in self.known_pairs or _shouting(text, s, e)
                      or _signoff(text, s, e) or _explained_in(text, term))
            elif shape == "coded":  # "an R2 hold", "NET30 terms", "a Cat 2 job": only before a noun of the work
                ok = (not (self._role_after(text, e) or term[0].isupper() and term[-1].isdigit()
                           and _DOC_BEFORE.search(text, max(0, s - 40), s))
                      # the code as one word ("EU-2" as "EU2": wordfreq would split it at the hyphen)
                      or term in self.allow or " " not in term and zipf(term.replace("-", "")) >= self.known_zipf
                      or _FLIGHT_CODE.fullmatch(term) is not None and _mentions(text, "travel", _TRAVEL)
                      or _explained_in(text, term))
            elif shape == "digit":  # "the 3PL", "a 3DS challenge": a digit and capitals
                ok = (term[1:] in _UNITS or term in self.allow or _explained_in(text, term)
                      or _POSTCODE_OUTWARD.search(text, max(0, s - 6), s) is not None  # "SW1A 2AA"
                      or _shouting(text, s, e) or _CODE_AFTER.match(text, e) is not None
                      or zipf(term) >= (self.role_zipf if self._step_after(text, e) else self.known_zipf))
            elif shape == "ops":
                ok = term in self.allow or _explained_in(text, term)
            elif shape == "snake":
                ok = term in self.allow or _explained_in(text, term)
            else:  # "eTCV": the capitals judged as an acronym, the whole as a word ("iOS")
                caps = term.lstrip("abcdefghijklmnopqrstuvwxyz")
                ok = (len(caps) < self.min_letters and (term.upper() in self.allow or _UNIT_BEFORE.search(text, max(0, s - 4), s) is not None)
                      or zipf(term) >= self.known_zipf
                      or (self._known(caps) if len(caps) >= self.min_letters else caps in self.known_pairs)
                      or _explained_in(text, term) or _explained_in(text, caps))
            if not ok:
                out.append(Match(s, e, groups={"term": term}))
            elif shape == "caps":
                spared.append((s, e, term))
        if out and spared and self.dense and not _mentions(text, "travel", _TRAVEL):
            # shorthand comes in runs: beside an acronym already flagged, capitals general English
            # knows little are the team's too ("the DoS … your LoA once the CAS is assigned")
            for s, e, term in spared:
                if self._dense_ok(text, term, s, e):
                    continue
                out.append(Match(s, e, groups={"term": term}))
            out.sort(key=lambda m: m.start)
        return out

    def _dense_ok(self, text: str, term: str, s: int, e: int) -> bool:
        if (term in self.allow or term in self.bodies or term in self.glossary_upper or term in self.known_pairs
                or _CODE_AFTER.match(text, e) or _signoff(text, s, e) or _EXCLAIMED.match(text, e)):
            return True
        if len(term) == 2:
            return (zipf(term) >= self.known_zipf or is_english_word(term) or _shouting(text, s, e)
                    or _explained_in(text, term))
        return not self._rare_team_word(text, term, s, e)

    def _caps_ok(self, text: str, term: str, s: int, e: int) -> bool:
        if sum(c.isalpha() for c in term) < self.min_letters or term in self.allow \
                or term in self.bodies or term in self.glossary_upper:
            return True
        if _CODE_AFTER.match(text, e):
            return True  # flight, order or model codes: "BA 117", "XQZ 4471"
        before = text[max(0, s - 40): s]
        if self._names_team(text, term, s, e, before):
            return False  # a team, a system or a status of the work: "the AML team", "routed to CRM"
        if len(term) == 3 and (_PLACE_BEFORE.search(before[-25:]) and not (self._role_after(text, e) and zipf(term) < self.known_zipf)
                               or _PLACE_AFTER.match(text[e: e + 25])):
            return True  # airport and station codes in context: "from JFK", "LAX-SFO"
        if len(term) == 3 and term.isalpha() and text[e: e + 1] not in ("s", "'", "’") \
                and _mentions(text, "travel", _TRAVEL) \
                and (_TRAVEL_PLACE_AFTER.match(text, e)
                     or _PLACE_FOLLOW.match(text, e)
                     and (_TRAVEL_PLACE_BEFORE.search(before[-25:]) or term in _placed(text))):
            return True  # an airport where travel is the topic: "for BOS at this time", "DSM is closed"
        if _TIME_BEFORE.search(before) and _ZONE.fullmatch(term):
            return True  # a time zone after a time: "9am MST", "5:00p AKST"
        if len(term) >= 5 and _BOOKING_BEFORE.search(before) or len(term) == 6 and zipf(term) == 0 \
                and _mentions(text, "booking", _BOOKING_WORD):
            return True  # a booking code: "booking reference HMURQA", "your trip, HKYXMN"
        if _signoff(text, s, e):
            return True
        if _EXCLAIMED.match(text, e):
            return True  # chat slang ending an exclamation: "TGIF!", "Texas FTW!"
        if not is_english_word(term) and zipf(term) < self.known_zipf and not _explained_in(text, term) \
                and self._role_after(text, _CAPS_RUN.match(text, e).end()) and _shouting(text, s, e):
            return False  # a run of capitals before a noun of the work: "the MSK CATS team"
        if self._step_after(text, e) and self._rare_team_word(text, term, s, e):
            return False  # before a noun of the work, a rarer word is the team's: "the VER queue"
        if _WORK_PLACE_BEFORE.search(before[-20:]) and self._rare_team_word(text, term, s, e) \
                and not _mentions(text, "travel", _TRAVEL):
            return False  # where the work is: "at the PSP", "with the ROS", "per the SOW"
        return (zipf(term) >= self.known_zipf or is_english_word(term) or _shouting(text, s, e)
                or _explained_in(text, term))

    def _step_after(self, text: str, e: int) -> bool:
        return self.step_after is not None and self.step_after.match(text, e) is not None

    def _names_team(self, text: str, term: str, s: int, e: int, before: str) -> bool:
        """Rare capitals in the team's own place, where travel is not the topic: before a team
        noun after "the"/"a" ("the AML team"; "our SFO team" is a place's staff), or where work is
        handed or a status given ("routed to CRM", "showing as OS") and no place noun follows."""
        placed = (self.team_after is not None and self.team_after.match(text, e) is not None
                  and _TEAM_DET_BEFORE.search(before[-12:]) is not None
                  or _handed_or_marked(before)
                  # no place noun after it, and a second team named beside it is no place either
                  # ("logged with FOH and BOH")
                  and (not _PLACE_AFTER.match(text[e: e + 25]) or _TEAM_PAIR_AFTER.match(text, e) is not None))
        return (placed and self._rare_team_word(text, term, s, e)
                and not _mentions(text, "travel", _TRAVEL) and not _signoff(text, s, e))

    def _rare_team_word(self, text: str, term: str, s: int, e: int) -> bool:
        """Capitals general English knows little (below role_zipf, no English word), written
        calmly and left unexplained: in a place of the work, the team's shorthand."""
        return (zipf(term) < self.role_zipf and not is_english_word(term)
                and not _shouting(text, s, e) and not _explained_in(text, term))

    def _role_after(self, text: str, e: int) -> bool:
        return self.role_after is not None and self.role_after.match(text, e) is not None

    def _pair_ok(self, text: str, term: str, s: int, e: int) -> bool:
        """Two capitals: states, airlines, initials and known ones ("TV", "ID") mostly. Flagged
        only where they name a team, system or step, and never where travel is the topic
        (airline codes: "our BA partners", "the KL desk")."""
        if term in self.city_pairs and _THE_BEFORE.search(text, max(0, s - 5), s) \
                and not _mentions(text, "air", _AIR_TRAVEL) and not _shouting(text, s, e) \
                and not _explained_in(text, term):
            nxt = _NEXT.match(text, e)
            if nxt is None or not (nxt.group(1)[0].isupper() or nxt.group(1).lower() in self.city_nouns):
                return False  # "waiting at the DC", "sitting in the DC": a depot, not Washington
        if term in self.known_pairs or term in self.allow or term in self.glossary_upper \
                or is_english_word(term) or _mentions(text, "air", _AIR_TRAVEL) \
                or _shouting(text, s, e) or _signoff(text, s, e) or _EXCLAIMED.match(text, e) \
                or _CODE_AFTER.match(text, e) or _explained_in(text, term):
            return True
        before = text[max(0, s - 60): s]
        if self._role_after(text, e) or _handed_or_marked(before):
            return False
        if not _DET_BEFORE.search(before):
            # (seventeenth stop) a state of the work after "in"/"on" ("it's in AP", "on BO with the
            # supplier"), not a place ("in CA"), a known pair ("on TV") or a name ("in AP Style")
            if not _STATE_BEFORE.search(before) or term in self.place_pairs:
                return True
            nxt = _NEXT.match(text, e)
            return bool(nxt and nxt.group(1)[0].isupper() or _NAME_AFTER.match(text, e))
        if text[e: e + 1] in ("'", "’", "#"):
            return True  # "the FA's seat", "your RR# number": a modifier
        nxt = _NEXT.match(text, e)
        if nxt is None:
            return False  # "the EA." : the head of its phrase
        word = nxt.group(1)
        if word[0].isupper():
            return True  # "the KL Gold": part of a name
        w = word.lower().replace("'", "").replace("’", "")
        if w in _CHAT_VERBS or w in _PREPS or w in _PHRASE_ENDS:
            return False
        # the head of its phrase where a verb follows ("the HD clears", "the LO was granted"); a
        # modifier where the word may be a noun ("a CA address", "the NY office")
        lemmas = getAllLemmas(w)
        if "AUX" in lemmas or "VERB" in lemmas and "NOUN" not in lemmas:
            return False
        # (seventeenth stop) before a noun, the team's too ("the TP insurer", "an OW fee"), but
        # for a state or province ("a CA address", "our TX customers") or a place's noun ("the NE region")
        return term in self.place_pairs or w in self.city_nouns

    def _amp_ok(self, text: str, term: str, s: int, e: int) -> bool:
        """"T&S review" is shorthand; "T&Cs", "B&B" and "M&S" are known to customers."""
        plain = term.replace("&amp;", "&")
        return (plain in self.known_amp or plain in self.allow or plain in self.glossary_upper
                or _shouting(text, s, e) or _signoff(text, s, e) or _explained_in(text, term)
                or _spelled_out(text, plain.replace("&", "")))

    def _tier_ok(self, text: str, term: str, s: int, e: int) -> bool:
        """"escalated to L2", "with T2 now", "open a P2" are shorthand; "at T5", "the T2 bus"
        and "P2 car park" are places."""
        if _NAME_AFTER.match(text, e) or _explained_in(text, term):
            return True
        if _TIER_AFTER.match(text, e):
            return False
        if _mentions(text, "travel", _TRAVEL):
            return True  # "T5", "P2": terminals and car parks where travel is the topic
        return _TIER_BEFORE.search(text, max(0, s - 50), s) is None

    def _code_ok(self, text: str, term: str, s: int, e: int) -> bool:
        if _REFERENCE_BEFORE.search(text, max(0, s - 40), s) or _POSTCODE_AFTER.match(text, e):
            return True  # the reference the customer was given: "ticket INC123456"
        if _GIVEN_BEFORE.search(text, max(0, s - 40), s) and not _team_record(text, term, s, e):
            return True  # handed over as theirs: "its RP-20931", "Your PAC is KLM482913"
        if _FLIGHT_CODE.fullmatch(term) and _RECORD_PREFIX.match(term) is None \
                or _PADDED_FLIGHT_CODE.fullmatch(term) \
                and _mentions(text, "travel", _TRAVEL):
            return True  # a flight number: "DL1726", "BA0048 has landed"
        return term in self.allow or zipf(term) >= self.known_zipf or _explained_in(text, term)


def _team_record(text: str, term: str, s: int, e: int) -> bool:
    """A code that stays the team's even where it is handed over: a record by its prefix
    ("KB0042", "INC123456", "CHG0031234") or a document to read by the words around it."""
    return (_RECORD_PREFIX.match(term) is not None
            or _DOC_GIVEN_BEFORE.search(text, max(0, s - 40), s) is not None
            or _DOC_AFTER.match(text, e) is not None)


def _spelled_out(text: str, letters: str) -> bool:
    """Capitalised words whose initials are `letters`, "and" or "&" allowed between them:
    "Trust and Safety" spells out "T&S" (the acronym's own letters are not words)."""
    rx = r"\s+(?:(?:and|&|of|the|for)\s+)?".join(rf"{re.escape(c)}[a-z]+" for c in letters)
    return re.search(rf"\b{rx}\b", text) is not None


def _signoff(text: str, s: int, e: int) -> bool:
    """Initials that stand for a person: "- MK", "Hi DRW", ", OJB!", or "AJC" last after a
    sentence's end."""
    if _SIGNOFF_MARK.search(text, max(0, s - 20), s):
        return True
    if _VOCATIVE[0].search(text, max(0, s - 3), s) and _VOCATIVE[1].match(text, e):
        return True
    return s > 0 and _SIGNOFF_PREV.search(text, max(0, s - 4), s) is not None \
        and _SIGNOFF_TAIL.match(text, e) is not None


class GlossaryTerm(Detector):
    name: ClassVar[str] = "glossary-term"
    slots: ClassVar[frozenset[str]] = frozenset({"term", "plain"})

    class Options(DetectorOptions):
        pass

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.terms = dict(ctx.glossary)
        parts = []
        for term in sorted(self.terms, key=len, reverse=True):
            esc = r"\s+".join(re.escape(w) for w in term.split())
            if _acronymish(term):
                parts.append(rf"(?-i:{esc})")
                if _typed_lower(term):
                    parts.append(rf"(?-i:{esc.lower()})")  # typed in chat: "your rma number"
            else:
                parts.append(esc)
        self.rx = (re.compile(rf"(?<![\w*^@#/.\-&])(?:{'|'.join(parts)})(?![\w\-&])", re.I)
                   if parts else None)
        self.lookup = {k.lower(): k for k in self.terms}

    def quick(self, text: str) -> bool:
        return self.rx is not None and self.rx.search(text) is not None

    def required(self) -> frozenset[str] | None:
        # every match is one term, its words separated by white space, in any case
        return frozenset(" ".join(t.lower().split()) for t in self.terms) if self.terms else None

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        out = []
        lead = _NOT_LEAD.search(text, start, end)  # where the sentence's words begin
        lead = lead.start() if lead else end
        for m in self.rx.finditer(text, start, end):
            key = self.lookup.get(re.sub(r"\s+", " ", m.group()).lower())
            if key is None:
                continue
            plain = self.terms[key]
            if _explained_in(text, m.group()) or _holds(text, plain.lower()):
                continue
            acronymish = _acronymish(key)
            if acronymish and _NAME_AFTER.match(text, m.end()):
                continue  # "the T2 bus", "the M5 motorway": the code names something else here
            at_start = m.start() <= lead
            m_end = m.end()
            if acronymish:
                # "IMEI number" -> "phone serial number (IMEI)": the plain words already end in
                # the noun that follows, so it is taken into the span instead of said twice
                tail = _NEXT_WORD.match(text, m_end, end)
                if tail and plain.lower().split()[-1] == tail.group(1).lower():
                    m_end = tail.end()
                inner = re.fullmatch(r"(.*?)\s*\((.+)\)", plain)
                # "air waybill (tracking number)" -> "air waybill (AWB, tracking number)"
                repl = (f"{inner.group(1)} ({m.group()}, {inner.group(2)})" if inner
                        else f"{plain} ({m.group()})")
            else:
                repl = plain
            if acronymish and m.group().islower():
                repl = repl.replace(f"({m.group()}", f"({key}")  # "return authorization (RMA)"
            if at_start:
                repl = repl[:1].upper() + repl[1:]
            out.append(Match(m.start(), m_end, groups={"term": m.group(), "plain": plain},
                             suggestions=[Suggestion(replacement=repl,
                                                     applicability=Applicability.safe,
                                                     title="Say it in plain words")]))
        return out


_NOT_LEAD = re.compile(r"[^ \t\"'“(]")  # a sentence's words begin after these
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)\b")

# After a code, a word that makes it the name of a route, vehicle or place, not team shorthand.
_NAME_AFTER = re.compile(r"\s+(?:bus|buses|train|trains|tram|route|road|motorway|highway|platform|"
                         r"terminal|station|stop|shuttle|coach|building|car|model|engine|parking|level|floor|"
                         r"gate|lounge|entrance|exit|carriage|visa|licen[cs]e)\b", re.I)


def _typed_lower(term: str) -> bool:
    """An acronym of three or more capitals that is matched in lower case too ("rma", "sla"):
    only where the lower-case form is no English word ("sop", "tat") nor common in print."""
    return (term.isalpha() and term.isupper() and len(term) >= 3
            and not is_english_word(term.lower()) and zipf(term.lower()) < 3.2)


def _acronymish(term: str) -> bool:
    """RMA, T2, L1: matched case-sensitively and kept in brackets after the plain words.
    A phrase such as "escalated to tier 2" is neither: any case, replaced outright."""
    return term.isupper() or (" " not in term and any(c.isdigit() for c in term))


DETECTORS = {d.name: d for d in (UnexplainedAcronym, GlossaryTerm)}
