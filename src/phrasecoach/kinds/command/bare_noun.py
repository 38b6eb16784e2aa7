"""Bare noun-phrase requests: "Date of birth?" -> "May I have your date of birth?"

A bare noun phrase is a run of words lemminflect allows as nouns, adjectives and determiners with
no verb-shaped pair in it, asking for information the customer has (the `customer-detail` words
take "your"). Guesses and checks ("Weather?", "A latte with vanilla?"), pleasantries ("No
problem!") and statements are not requests.
"""

from __future__ import annotations

import re
from functools import partial
from typing import ClassVar, NamedTuple

from ...text import lower_first
from ..base import Detector, DetectorOptions, Match
from .clauses import CONTINUATION, cut_off, is_emoji, shouting, split_tail, split_terminal
from .frames import Frame, case_of, flags
from .lexicon import command_lexicon, lemmas, noun_lemma, union, word_rx

_CLAUSE_WORDS = re.compile(
    r"(?<![\w'’])(?:i|we|you|he|she|they|it|is|are|was|were|am|be|been|do|does|did|can|could|"
    r"will|would|should|shall|may|might|must|have|has|had|let|thanks|thank|sorry|hi|hello|hey)"
    r"(?![\w'’])|['’](?:re|m|ll|d|ve)\b|n['’]t\b|"
    # 's is a clause only after a pronoun ("that's"); "patient's name" is a possessive
    r"(?<![\w'’])(?:it|that|what|there|here|he|she|who|where|how|let)['’]s\b")
# A clause that describes the noun phrase, kept as it is: "Full name as it appears on your card?"
_NP_CLAUSE = re.compile(r"\s(?:exactly\s+|just\s+)?(?:as|like)\s+(?:(?:it|they)\s+(?:appears?|is|are|shows?|reads?|"
                        r"was|were|printed|written)|(?:shown|printed|written|listed|stated|displayed|given|"
                        r"registered|spelled|spelt)\b)\b.*$", re.I)
# where a contact clause may start ("the card you pay with"); its words are the lexicon's
_YOU_CLAUSE = re.compile(r"\s(?:that\s+|which\s+)?(?:you|u)\s+", re.I)
_PAST_ED = re.compile(r"[a-z]+ed", re.I)
_WORD_ONLY = re.compile(r"[a-z]+", re.I)
_PLEASE_END = re.compile(r"(?:,\s*|\s+)(?P<p>please|pls|plz)\s*$", re.I)
_VOCATIVE_END = re.compile(r",\s*(?P<v>(?:(?:Mr|Mrs|Ms|Dr|Miss)\.?\s+)?[A-Z][a-z][\w'’-]*)$")
# an "ok" opening, in the words chat agents type it
_OK_WORDS = r"ok(?:ay)?|alright"
NP_INTRO = re.compile(
    rf"^(?:(?:{_OK_WORDS}|great|perfect|thanks|thank\s+you|sure|right|and|also|lastly|finally|next|now|"
    r"so|cool|lovely|brilliant|awesome|got\s+it|noted|understood|(?:as|like)\s+(?:I|we)\s+(?:\w+\s+){0,2}\w+)"
    r"(?-i:\s+[A-Z][a-z]+)?\s*[,.:;!—–-]+\s*|(?:and|also|plus|lastly|finally|next|now)\s+|\(?\d/\d\)?\s+"
    # (ninth stop) a chat "ok" run straight into the list: "ok postcode and first line of the address"
    rf"|(?:{_OK_WORDS})\s+(?=[a-z]))", re.I)
# (ninth stop) The last conjunct of a list asked for as a question word's clause or a noun with a
# clause about the customer: "mobile number and which state ur in", "route number and the stop u
# were waiting at", "order number and the list of whats missing". Kept as written after the noun
# phrase, like a clause describing it; the conjuncts before it are judged as the noun phrase.
_CLAUSE_CONJUNCT = re.compile(
    r"(?:,\s*|\s+)(?:and|or|&)\s+(?:(?:what|which|where|when|who|whom|how\s+(?:many|much|long|old))\b[^,;]*"
    r"|(?:the|your|ur)\s+(?:[a-z'’-]+\s+){0,3}?(?:that\s+|which\s+)?(?:you|u)\s+(?:[a-z'’]+\s+){0,3}[a-z'’]+"
    r"|(?:the\s+)?list\s+of\s+(?:what|which)\w*\s+[^,;]*)$", re.I)
# (ninth stop) What the agent will do once they have it, after the list: "Listing ID and the
# seller's username, and I'll take a look." The rewrite asks first and says it after the question.
_NEXT_STEP_END = re.compile(r",?\s+(?:and|so|then)\s+(?P<n>(?:I|we)(?:['’]ll|\s+will|\s+can|['’]d\s+be\s+able\s+to)"
                            r"\s+[^,;?!]+)$", re.I)
_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")
_NON_LETTERS = re.compile(r"[^a-z]")
# The first word of a sentence, when it is letters and apostrophes only.
_FIRST_TOKEN = re.compile(r"\s*([A-Za-z'’]+)[,.!?;:]*(?:\s|$)")
# "Cardholder", "policyholder", "billpayer": nouns the lexicon lacks, not names.
_AGENT_COMPOUND = re.compile(r"..(?:holder|owner|payer|user|keeper|taker|member|person|maker|giver)s?$")
_ARTICLES = ("your", "the", "a", "an", "ur")
_QUANTIFIERS = ("any", "no", "every", "each", "some")
_MY = ("my", "our", "his", "her", "their")
_NP_PUNCT = (",", "#", "-", "/", "&", "'", "’", "(", ")", "+")
_POSTMOD_PREPS = ("of", "on", "for", "from", "in", "at", "with", "under", "behind", "inside", "to")
MAX_SAFE_WORDS = 10


class NounPhraseParts(NamedTuple):
    """A possible bare-noun request, cut into what the rewrite keeps around the noun phrase."""

    prefix: str  # "Thanks, Maria. "-style opening kept before the frame
    np: str  # the noun phrase as written
    clause: str  # a clause describing it: " as it appears on your card"
    please: str
    vocative: str
    terminal: str
    tail: str


_BARE_OK = re.compile(_OK_WORDS, re.I)
_CONJUNCT_START = re.compile(r",?\s+(?:and|or|&)\s", re.I)
_new_parts = partial(tuple.__new__, NounPhraseParts)  # the constructor without its Python-level __new__


class NpVerdict(NamedTuple):
    informative: bool  # a word in it is information a customer is asked for
    clean: bool  # every word is one the lexicon knows as a noun, adjective or function word
    head_personal: bool  # the head of every conjunct is such a word


def contact_clause(core: str, lex) -> int | None:
    """Where a contact clause ends `core` ("the email you booked under", "the address you gave
    us", "the card you used to pay with"), or None: "you", maybe a contact-adverb, a past tense
    in -ed or a contact-verb, maybe a contact-tail word (or "in with"), maybe "to" and a verb with
    one of it/with/online/in, and nothing more."""
    for m in _YOU_CLAUSE.finditer(core):
        words = [w.lower() for w in core[m.end():].split()]
        if not all(_WORD_ONLY.fullmatch(w) for w in words):
            continue
        for skip in (0, 1) if words and words[0] in lex.contact_adverb else (0,):
            rest = words[skip:]
            if not rest or not (rest[0] in lex.contact_verb or _PAST_ED.fullmatch(rest[0])):
                continue
            rest = rest[1:]
            tails = [0]
            if rest and rest[0] in lex.contact_tail:
                tails.append(1)
            if rest[:2] == ["in", "with"]:
                tails.append(2)
            for t in tails:
                after = rest[t:]
                if not after or (after[0] == "to" and len(after) in (2, 3)
                                 and (len(after) == 2 or after[2] in ("it", "with", "online", "in"))):
                    return m.start()
    return None


def np_parts(s: str, lex=None) -> NounPhraseParts | None:
    """Cut a possible bare-noun request into its parts; None when the shape cannot be one.
    `lex` (a CommandLexicon) knows the words of a contact clause kept after the noun phrase."""
    body, tail = split_tail(s.rstrip())
    core, terminal = split_terminal(body)
    if not core or "!" in terminal:
        return None
    prefix = ""
    m = NP_INTRO.match(core)
    if m and m.end() < len(core):
        prefix, core = core[: m.end()], core[m.end():]
    please = vocative = ""
    m = _VOCATIVE_END.search(core)
    if m and m.start() > 0:
        vocative, core = m.group("v"), core[: m.start()]
    m = _PLEASE_END.search(core)
    if m and m.start() > 0:
        please, core = m.group("p"), core[: m.start()]
    if not vocative:
        m = _VOCATIVE_END.search(core)
        if m and m.start() > 0:
            vocative, core = m.group("v"), core[: m.start()]
    if not please and not vocative and "?" not in terminal:
        m = _NEXT_STEP_END.search(core)
        if m and m.start() > 0:
            n = m.group("n")
            tail = f" {n[:1].upper()}{n[1:]}{terminal or '.'}{tail}"
            core, terminal = core[: m.start()], ""
    clause = ""
    m = _NP_CLAUSE.search(core)
    at = m.start() if m else (contact_clause(core, lex) if lex is not None else None)
    if not at:
        m = _CLAUSE_CONJUNCT.search(core)
        at = m.start() if m else None
    if at:
        clause, core = core[at:], core[:at]
    core = core.rstrip(" ,")
    if not core:
        return None
    return _new_parts((prefix, core, clause, please, vocative, terminal, tail))


def _chat_list(toks, personal) -> bool:
    """A whole chat message that lists two or more details: "arrival date and surname"."""
    words = [t for t in toks if not t.is_punct]
    joins = sum(t.lower_ in ("and", "&", "+") or t.text == "," for t in toks)
    return bool(joins) and sum(bool(personal(t)) for t in words) >= 2


class BareNounRequest(Detector):
    """A request for information made of a bare noun phrase: "Order number?".

    Slots: `lead` (the opening kept before the frame: "Thanks, Maria. "), `ask` (the noun phrase
    with its determiner, then ", please" and a vocative: "your order number"), `rest` (what follows
    the question mark). Flags: `unsafe`, `third-party` (someone else's details: "Patient's name?",
    asked with "Could I have the …")."""

    name: ClassVar[str] = "bare-noun-request"
    slots: ClassVar[frozenset[str]] = frozenset({"lead", "ask", "rest"})
    flags: ClassVar[frozenset[str]] = frozenset({"unsafe", "third-party"})
    needs_parse: ClassVar[bool] = True

    class Options(DetectorOptions):
        max_words: int = 10
        info_nouns: list[str] = []  # extra nouns that take "your" (or the lexicon: customer-detail)

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.lex = lex = command_lexicon(ctx.lexicons)
        own = frozenset(w.lower() for w in options.info_nouns)
        self.personal = union(lex.customer_detail, own)
        extra = own - frozenset(lex.customer_detail)
        self._extra_rx = word_rx(extra) if extra else None
        self._never_first = lex.never_noun_first
        # a thing asked for by what it shows: "Screenshot of the error message", "Photo of the box"
        items = sorted(map(re.escape, frozenset(lex.item_noun)), key=len, reverse=True)
        items += list(getattr(lex.item_noun, "patterns", ()))
        self._item_of_rx = re.compile(r"(?<![\w'’])(?:%s)s?\s+of\b" % "|".join(items), re.I)

    def _informative_text(self, s: str) -> bool:
        return bool(self.lex.customer_detail_rx.search(s) or (self._extra_rx and self._extra_rx.search(s))
                    or self._item_of_rx.search(s))

    def _personal(self, tok) -> bool:
        return tok.lower_ in self.personal or noun_lemma(tok.lower_) in self.personal

    def candidate(self, sentence: str) -> bool:
        never_first = self._never_first
        if sentence.count(" ") > self.options.max_words + 12:
            return False  # far too long for a bare noun phrase, even with an opening and a tail
        # the first-word test below, before splitting the sentence, when no NP_INTRO prefix
        # ("Thanks, …") can move the noun phrase's start
        m = _FIRST_TOKEN.match(sentence)
        if (m and _NON_LETTERS.sub("", m.group(1).lower()) in never_first
                and not NP_INTRO.match(sentence.strip())):
            return False
        parts = np_parts(sentence.strip(), self.lex)
        if parts is None:
            return False
        _prefix, np, _clause, please, _vocative, terminal, _tail = parts
        words = np.split()
        if not words or len(words) > self.options.max_words + 2:
            return False
        if not _TWO_LETTERS.search(np) or words[0][:1] in "#@(&":
            return False  # emoji, phone numbers, hashtags, "(1/2)"
        first = _NON_LETTERS.sub("", words[0].lower())
        if first in never_first:
            return False
        lem = lemmas(first) if first else {}
        if (lem and not (set(lem) & {"NOUN", "ADJ", "PROPN", "NUM"}) and first not in _ARTICLES
                and not first.endswith(("ing", "ed"))):  # participles modify nouns: "Tracking number?"
            return False  # "Enjoy your day.", "Just one moment.": no noun can open with that word
        if _CLAUSE_WORDS.search(np.lower()):
            return False  # has a subject pronoun or an auxiliary: a clause, not a bare noun phrase
        if "?" in terminal or please:
            return True
        return self._informative_text(np)

    def find_parsed(self, doc, offset: int) -> list[Match]:
        text = doc.text.rstrip()
        parts = np_parts(text, self.lex)
        if parts is None or CONTINUATION.match(text) or cut_off(parts.np, "..."):
            return []  # (a noun phrase never strands a preposition: "A member of" is cut off)
        if parts.prefix and _CLAUSE_WORDS.search(parts.np.lower()):
            return []
        np_start = len(parts.prefix)
        np_end = np_start + len(parts.np)
        toks = [t for t in doc if np_start <= t.idx < np_end and not t.is_space and not is_emoji(t)]
        if not toks:
            return []
        verdict = self._np_verdict(toks)
        if verdict is None:
            return []
        asks = "?" in parts.terminal or bool(parts.please)
        if not asks and not verdict.head_personal:
            return []  # "Customer Relations deal with cases in date order.": a statement
        if len([t for t in toks if not t.is_punct]) > self.options.max_words:
            return []
        if not verdict.informative:
            return []  # "Weather?", "A latte with vanilla?", "November?": a guess or a check, not a demand
        listed = _chat_list(toks, self._personal) or (  # a list whose last conjunct is a clause
            _CONJUNCT_START.match(parts.clause) is not None and any(self._personal(t) for t in toks))
        if (not parts.prefix and not asks and parts.np[:1].islower()
                and not (not parts.terminal and not parts.tail and listed)):
            return []  # "email and contact number." continues a message split in two (a chat message
            # that is all one list of details, lower case with no stop, asks: "booking ref and new date")
        if not parts.prefix and toks[0].text[:1].islower() and toks[0].tag_ in ("VBN", "VBG"):
            return []  # "based account?" (… "US based account?")
        if not asks and not parts.terminal and toks[0].lower_ in ("a", "an", "the"):
            return []  # "A member": a phrase cut off, not a request
        return [self._frame(text, parts, toks, verdict).match(offset, offset + len(text))]

    def _np_verdict(self, toks) -> NpVerdict | None:
        """How `toks` read as a noun phrase; None when they do not."""
        lex = self.lex
        words = [t for t in toks if not t.is_punct]
        if not words:
            return None
        first = words[0]
        if first.lower_ in lex.wh_word or first.lower_ in _QUANTIFIERS:
            return None
        if first.pos_ in ("ADV", "ADP", "CCONJ", "SCONJ", "PART") and first.lower_ not in ("ur", "yr") and not (
                first.pos_ == "ADV" and "ADJ" in lemmas(first.lower_)):  # "Last name …" may be tagged RB
            return None  # "Obviously, …", "For the refund …"
        if not self._nouny(toks):
            return None
        lows = {t.lower_ for t in words}
        first_conj = []
        for t in toks:  # the first conjunct ends at "and", a preposition or a list comma
            if t.tag_ in ("CC", "IN", "TO") or t.pos_ == "ADP" or t.text in (",", "&", "/"):
                break
            if not t.is_punct:
                first_conj.append(t)
        heads = [t for t in first_conj if t.pos_ in ("NOUN", "PROPN") or "NOUN" in lemmas(t.lower_)]
        head = heads[-1] if heads else words[-1]
        if (head.lower_ in lex.not_request_noun or noun_lemma(head.lower_) in lex.not_request_noun
                or (first.lower_ in lex.not_request_noun  # "Job number" asks; "Job done" does not
                    and not any(self._personal(t) for t in first_conj[1:]))):
            return None
        if any(w in lex.pleasantry for w in lows):
            return None
        if first.lower_ in _MY:
            return None  # the customer is asked for their own details, not for "my apologies"
        if any(t.pos_ == "ADJ" and t.dep_ == "ROOT" for t in words) and len(words) == 1:
            return None
        informative = any(self._personal(t) for t in words) or any(
            self._item(t) and k + 1 < len(words) and words[k + 1].lower_ == "of" for k, t in enumerate(words))
        # clean: every word is one the lexicon knows as a noun, adjective or function word
        clean = all(t.pos_ != "X" and (t.pos_ != "VERB" or t.tag_ in ("VBG", "VBN") or "NOUN" in lemmas(t.lower_)
                                       or "ADJ" in lemmas(t.lower_) or t.lower_ in self.personal)
                    for t in words)
        return NpVerdict(informative, clean, self._heads_personal(toks))

    def _item(self, tok) -> bool:
        return tok.lower_ in self.lex.item_noun or noun_lemma(tok.lower_) in self.lex.item_noun

    def _nouny(self, toks) -> bool:
        """Do `toks` read as a noun phrase word by word: a noun in it, and no verb-shaped pair?"""
        lex = self.lex
        nouny = False
        for k, t in enumerate(toks):
            low = t.lower_
            if t.is_punct:
                if t.text not in _NP_PUNCT:
                    return False
                continue
            if low in ("ur", "yr"):
                continue
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if k == 0 and t.pos_ == "INTJ" and self._item(t) and nxt is not None and nxt.lower_ == "of":
                nouny = True  # "Scan of your passport" (tagged as an interjection)
                continue
            if t.tag_ in ("PRP", "MD", "WDT", "WP", "WRB") or t.pos_ in ("INTJ", "AUX"):
                if t.pos_ == "AUX" and lemmas(low).get("NOUN"):
                    nouny = True
                    continue
                return False
            lem = lemmas(low)
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            prev = toks[k - 1] if k > 0 else None
            if t.tag_ in ("VBZ", "VBD") or (t.tag_ in ("VB", "VBP") and prev is not None and prev.lower_ == "to"
                                             and not (k >= 2 and toks[k - 2].pos_ == "NOUN"
                                                      and (nxt is None or nxt.is_punct or nxt.tag_ == "CC"))):
                return False  # "the app needs …", "to find …": a clause; "best time to call" is a noun
            nxt_nouny = nxt is not None and not nxt.is_punct and (
                nxt.pos_ in ("NOUN", "PROPN", "ADJ", "NUM") or nxt.lower_ in self.personal
                or (nxt.pos_ in ("VERB", "X") and "NOUN" in lemmas(nxt.lower_)))
            if t.tag_ in ("VBG", "VBN") and not nxt_nouny and nxt is not None and not (
                    nxt.is_punct or nxt.tag_ == "CC"):
                return False  # "Stay tuned for …", "deleting your cache", "coming up soon": a verb phrase
            if k == 0 and t.tag_ == "VBG" and "NOUN" not in lem and not (nxt is not None and self._personal(nxt)):
                return False  # "Making things easy …"; but "Tracking number?", "Shipping address?"
            if t.pos_ == "VERB":
                if "NOUN" in lem or "ADJ" in lem or low in self.personal:
                    pass
                elif t.tag_ in ("VBG", "VBN") and nxt_nouny:
                    pass  # "Tracking number", "registered email"
                else:
                    return False
            if "VERB" in lem and nxt is not None and (
                    nxt.tag_ in ("DT", "PRP$") or nxt.lower_ in lex.object_pronoun):
                return False  # "Call the bank?", "Send it?", "Try deleting your cache": a verb and its object
            if (k == 0 and low in lem.get("VERB", ()) and low not in self.personal and nxt is not None
                    and nxt.lower_ in lex.motion_word):
                return False  # "Pop into any branch …", "Head over to …"
            if (t.tag_ in ("VB", "VBP") and low in lem.get("VERB", ()) and low not in self.personal and nxt is not None
                    and nxt.tag_ in ("IN", "TO", "RP") and not (self._item(t) and nxt.lower_ == "of")
                    and not (prev is not None and prev.tag_ in ("DT", "PRP$", "JJ", "POS"))):
                return False  # "Go to Settings", "… and switch on Location"
            if any(ch.isdigit() for ch in t.text):
                label = (len(t.text) <= 2 and t.text.isdigit() and prev is not None
                         and prev.pos_ in ("NOUN", "PROPN"))  # "Address line 1", "page 2"
                if not label and (nxt is None or nxt.is_punct or not (
                        nxt.pos_ in ("NOUN", "PROPN", "ADJ") or "NOUN" in lemmas(nxt.lower_) or nxt.lower_ == "of")):
                    return False  # "Order 12345?" confirms a number, it does not ask for one
            if (t.pos_ in ("NOUN", "PROPN") or "NOUN" in lem or low in self.personal) and len(low) > 1 and \
                    t.pos_ not in ("DET", "PRON", "ADP", "CCONJ", "SCONJ", "PART", "NUM", "AUX"):
                nouny = True
        return nouny

    def _heads_personal(self, toks) -> bool:
        """Is the head of each conjunct (its last noun before a preposition) information asked
        of a customer? "Order number", "Member ID", "the first line of the address"."""
        conj: list = []
        item_of = False  # after "Photos of the damage", "and the packaging" is still what they show
        for t in [*toks, None]:
            if t is None or t.tag_ == "CC" or t.text in (",", "&", "/"):
                nouns = []
                of_part: list = []
                for j, x in enumerate(conj):
                    if x.tag_ in ("IN", "TO") or x.pos_ == "ADP":
                        if x.lower_ == "of":
                            of_part = conj[j + 1:]
                        break
                    if x.pos_ in ("NOUN", "PROPN") or "NOUN" in lemmas(x.lower_) or x.lower_ in self.personal:
                        nouns.append(x)
                if nouns and not (self._personal(nouns[-1]) or nouns[-1].text.isupper() or item_of
                                  or self._item(nouns[-1]) or any(self._personal(x) for x in of_part)):
                    return False
                item_of = item_of or bool(nouns and self._item(nouns[-1]) and of_part)
                conj = []
            elif not t.is_punct:
                conj.append(t)
        return True

    # ---- the slots of the rewrite -------------------------------------------------------
    def _frame(self, text: str, parts: NounPhraseParts, toks, verdict: NpVerdict) -> Frame:
        lex = self.lex
        words = [t for t in toks if not t.is_punct]
        first = words[0]
        shout = shouting(text)
        first_is_name = (first.pos_ == "PROPN" and first.text[:1].isupper() and not first.text.isupper()
                         and not lemmas(first.lower_) and first.lower_ not in self.personal
                         and first.lower_ not in lex.extra_verb and not _AGENT_COMPOUND.search(first.lower_))
        has_det = first.lower_ in lex.np_determiner or first.tag_ in ("DT", "PRP$", "WP$")
        possessive = any(t.tag_ == "POS" or t.text in ("'s", "’s", "'", "’") for t in toks)
        third_party = possessive and not first_is_name and not has_det
        postmod = False
        if has_det or (first_is_name and possessive):
            det = ""
        elif third_party:
            det = "the "
        else:
            det, postmod = self._determiner(words, first, verdict.informative)
        np = parts.np if (first_is_name or shout or parts.prefix.strip()) else lower_first(parts.np)
        ask = f"{det}{np}{parts.clause}"
        if parts.please:
            ask += ", please"
        if parts.vocative:
            ask += f", {parts.vocative}"
        case = "lower" if parts.prefix.strip() else case_of(text)
        if shout:
            ask, case = ask.upper(), "upper"
        # "the" before a noun with a definite complement is right whatever the noun
        # ("the reason for the return"); elsewhere only nouns of information take "your".
        safe = (verdict.informative or postmod) and verdict.clean and len(words) <= MAX_SAFE_WORDS
        lead = parts.prefix
        if _BARE_OK.fullmatch(lead.strip()):
            lead = lead.rstrip() + ", "  # "ok postcode …" -> "ok, may I have your postcode …?"
        return Frame({"lead": lead, "ask": ask, "rest": parts.tail}, case,
                     flags(unsafe=not safe, third_party=third_party))

    def _determiner(self, words, first, informative: bool) -> tuple[str, bool]:
        """The determiner a bare noun phrase takes ("your ", "the ", "a ", ""), and whether a
        definite complement follows its head ("Make and model of the car")."""
        head_conj = []
        for t in words:
            if t.tag_ == "CC" or t.lower_ in ("and", "or", "&"):
                break
            head_conj.append(t)
        postmod = False
        # a complement shared by all the conjuncts: "Make and model of the car?"
        last_conj: list = []
        for t in words:
            last_conj = [] if (t.tag_ == "CC" or t.lower_ in ("and", "or", "&")) else last_conj + [t]
        singles = len(words) - len(last_conj) <= 2  # "Make and model of the car", not "Claim number and …"
        if singles and len(last_conj) < len(words) and not any(t.tag_ in ("DT", "PRP$") for t in last_conj[:1]):
            for a, b in zip(last_conj, last_conj[1:]):
                if a.tag_ == "IN" and b.tag_ in ("DT", "PRP$") and not any(
                        t.lower_ in self.personal for t in last_conj[last_conj.index(a):]):
                    postmod = True
                    break
        for a, b in zip(head_conj, head_conj[1:]):
            if a.tag_ == "IN" and a.lower_ in _POSTMOD_PREPS and (
                    b.tag_ in ("DT", "PRP$") or b.lower_ in self.lex.np_determiner):
                postmod = True
                break
        head = next((t for t in head_conj if t.tag_.startswith("NN")), first)
        if self._item(first) and len(words) > 1 and words[1].lower_ == "of":
            head = first  # "Scan of your passport" (the item word mis-tagged)
        if self._item(head):
            return ("a " if head.tag_ != "NNS" else ""), postmod
        if postmod or not informative:
            return "the ", postmod
        return "your ", postmod
