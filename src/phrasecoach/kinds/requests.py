"""Detectors for requests phrased as orders, and the polite asks that replace them.

Rewrites come from the parse, not from a list of fixed sentences: the noun phrase or verb
phrase of the original is kept word for word, so names, numbers and the thing asked for
survive. Anything the parse is unsure of gets an `unsafe` suggestion, never a `safe` one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, Literal

from ..models import Applicability, Suggestion
from ..text import lower_first
from .base import Detector, DetectorOptions, Match
from .templates import gerund

SAFE, UNSAFE, DISPLAY = Applicability.safe, Applicability.unsafe, Applicability.display

# Words that can open a sentence before the request itself: softeners, fillers, vocatives.
_SOFTENERS = {"please", "pls", "plz", "kindly"}
_WORDS = re.compile(r"[A-Za-z_@#][\w'’@#-]*")


@lru_cache(maxsize=16384)
def _verb_lemma(word: str) -> str:
    from lemminflect import getLemma

    low = word.lower()
    lemmas = getLemma(low, upos="VERB")
    return lemmas[0] if lemmas else low


@lru_cache(maxsize=16384)
def _maybe_bare_verb_cached(word: str) -> bool:
    from lemminflect import getAllLemmas

    low = re.split(r"['’-]", word.lower())[0]
    if low in _NEVER_VERB_OPENERS or not low:
        return False
    lemmas = getAllLemmas(low)
    if not lemmas:
        # Unknown to the lexicon: a capitalised one is most likely a name ("Cooper"); a
        # lower-case or all-capitals one ("dm", "RSVP") is left for the parser to decide.
        return not (word[:1].isupper() and not word.isupper())
    return low in lemmas.get("VERB", ())


def _maybe_bare_verb(word: str, courtesy: set[str]) -> bool:
    low = word.lower()
    if low in courtesy and low not in _DEMAND_ANYWAY:
        return False
    return _maybe_bare_verb_cached(word)
_SOFT_RX = re.compile(r"\b(?:please|pls|plz|kindly)\b", re.I)
_FILLERS = {"just", "now", "then", "also", "so", "simply", "first", "next", "ok", "okay",
            "alright", "and", "finally", "again"}
_HANDLE = re.compile(r"^(?:__\w+__|@\w+|#\w+)$")
_TERMINAL = re.compile(r"[\s.!?…]*$")
_TRAIL_EMOJI_OR_SIGN = re.compile(r"(\s*(?:[\U0001F000-\U0001FFFF\u2600-\u27BF]+|:\)|;\)))+\s*$")


def _cased(phrase: str, original_first: str) -> str:
    """'Could you' or 'could you', following how the original sentence started."""
    return phrase if original_first[:1].isupper() or not original_first else phrase.lower()


def _split_tail(s: str) -> tuple[str, str]:
    """Separate trailing emoji / smileys so the question mark goes before them."""
    m = _TRAIL_EMOJI_OR_SIGN.search(s)
    if m and m.start() > 0:
        return s[: m.start()], s[m.start():]
    return s, ""


# --------------------------------------------------------------------------------------
# Unsoftened imperatives: "Send me the receipt." -> "Could you send me the receipt?"
# --------------------------------------------------------------------------------------

# Imperatives that are courtesies or offers, not demands on the customer.
_COURTESY_LEMMAS = {
    "let", "have", "enjoy", "feel", "take", "rest", "stay", "thank", "excuse", "pardon",
    "forgive", "welcome", "hang", "bear", "hold", "allow", "see", "note", "be", "worry",
    "hesitate", "wish", "accept", "congratulate", "mind", "relax", "calm", "trust", "consider",
    "imagine", "keep", "say", "tell", "hope", "know", "sleep", "chill", "cheer", "expect",
    "appreciate", "apologize", "apologise",
}
# Courtesy verbs that still make a demand with these words: "Tell us your name."
_DEMAND_ANYWAY = {"tell": {"us", "me"}, "keep": {"receipt", "ticket", "number", "copy"}}
_OFFER = re.compile(
    r"\b(?:if|when|whenever|should)\s+(?:you|u)\s+(?:ever\s+)?(?:need|want|have|would|'d|’d|wish|"
    r"prefer|like|require|still|are|get|run|experience|decide|notice|see|can't|cannot)\b"
    r"|\bif\s+(?:needed|necessary|possible|you\s+like|that\s+helps)\b|\bin\s+case\b|\banytime\b",
    re.I)



class ImperativeRequest(Detector):
    """A sentence that opens with a bare verb asking the customer to act."""

    name: ClassVar[str] = "imperative-request"
    needs_parse: ClassVar[bool] = True

    class Options(DetectorOptions):
        # bare: "Send me the receipt."; softened: "Please send me the receipt.";
        # negative: "Don't call this number again."
        mode: Literal["bare", "softened", "negative"] = "bare"
        courtesy_verbs: list[str] = []  # extra lemmas that are never demands

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.courtesy = _COURTESY_LEMMAS | set(options.courtesy_verbs)

    def candidate(self, sentence: str) -> bool:
        """Could the word that opens the request be a bare verb? (a superset of find_parsed)."""
        s = sentence.strip()
        if not s or s.endswith("?"):
            return False
        if self.options.mode == "softened" and not _SOFT_RX.search(s):
            return False
        if not self._opening_could_be_verb(s):
            return False
        return not _OFFER.search(s)

    def _opening_could_be_verb(self, s: str) -> bool:
        words = _WORDS.findall(s, 0, 200)
        i = 0
        while i < len(words) and (words[i].lower() in _SOFTENERS or words[i].lower() in _FILLERS
                                  or _HANDLE.match(words[i])):
            i += 1
        if i >= len(words):
            return False
        if self.options.mode == "bare" and any(x.lower() in _SOFTENERS for x in words[:i]):
            return False
        w = words[i]
        if self.options.mode == "negative":
            return w.lower() in {"don't", "don’t", "dont", "do", "never"}
        if _maybe_bare_verb(w, self.courtesy):
            return True
        # A leading vocative: "Jennifer, send me ..."
        m = re.match(r"[\W_]*(?:[\w'’]+\W+){%d}%s\s*,\s*" % (i, re.escape(w)), s)
        return bool(m and w[:1].isupper() and i + 1 < len(words)
                    and _maybe_bare_verb(words[i + 1], self.courtesy))

    def _content_start(self, doc) -> int | None:
        i = 0
        n = len(doc)
        while i < n:
            t = doc[i]
            low = t.lower_
            if t.is_punct or t.is_space or _HANDLE.match(t.text):
                i += 1
            elif low in _SOFTENERS or low in _FILLERS:
                i += 1
            elif t.pos_ in ("PROPN",) and i + 1 < n and doc[i + 1].text == ",":
                i += 2  # leading vocative: "Jennifer, send me ..."
            else:
                return i
        return None

    def find_parsed(self, doc, offset: int) -> list[Match]:
        i = self._content_start(doc)
        if i is None:
            return []
        neg = False
        t = doc[i]
        softened = any(x.lower_ in _SOFTENERS for x in doc[:i])
        if self.options.mode == "negative":
            if t.lower_ == "do" and i + 1 < len(doc) and doc[i + 1].dep_ == "neg":
                verb_i = i + 2
            elif t.lower_ == "never":
                verb_i = i + 1
            else:
                return []
            neg = True
            if verb_i >= len(doc):
                return []
            t = doc[verb_i]
        if t.tag_ != "VB" or t.dep_ != "ROOT":
            return []
        if not neg and softened != (self.options.mode == "softened"):
            return []
        if not neg and not (_maybe_bare_verb(t.text, self.courtesy) or t.text.lower() in _DEMAND_ANYWAY):
            return []  # the lexicon says this word is no bare verb ("Lol", a typo'd "Thak you")
        if any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in t.children):
            return []
        lemma = _verb_lemma(t.text)
        if lemma in self.courtesy:
            wanted = _DEMAND_ANYWAY.get(lemma)
            if not wanted or not any(c.lower_ in wanted for c in t.subtree):
                return []
        if neg and lemma in {"worry", "hesitate", "forget", "panic", "stress", "fret"}:
            return []
        text = doc.text
        if _OFFER.search(text) or text.rstrip().endswith("?"):
            return []
        start, end = 0, len(text.rstrip())
        return [Match(offset + start, offset + end,
                      groups={"verb": t.text},
                      suggestions=self._suggest(doc, i, t, neg))]

    def _suggest(self, doc, first_i: int, verb, neg: bool) -> list[Suggestion]:
        text = doc.text.rstrip()
        prefix = text[: doc[first_i].idx]
        body = text[doc[first_i].idx:] if not neg else text[verb.idx:]
        body, tail = _split_tail(body)
        terminal = _TERMINAL.search(body)
        core = body[: terminal.start()] if terminal else body
        please = ""
        pm = re.search(r"\b(please|kindly|pls|plz)\b\s*,?\s*", prefix, re.I)
        if pm:
            please = "please "
            prefix = prefix[: pm.start()] + prefix[pm.end():]
        opener_src = prefix.strip() or text
        could = _cased("Could you", opener_src if prefix.strip() else text)
        if prefix.strip():
            could = "could you"
        core_l = lower_first(core)
        # A chained clause with its own subject ("... and we'll check it") becomes its own sentence.
        split = None
        for c in verb.children:
            if c.dep_ == "conj" and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children):
                cc = [x for x in verb.children if x.dep_ == "cc" and x.i < c.i]
                if cc:
                    split = (cc[-1], c)
        alts: list[Suggestion] = []
        if neg:
            ing = gerund(verb.text)
            rest = core[len(verb.text):]
            alts.append(Suggestion(
                replacement=f"{prefix}{could} {please}avoid {ing}{rest}?{tail}",
                applicability=UNSAFE, title="Ask instead of forbidding"))
            alts.append(Suggestion(
                replacement=f"{prefix}{_cased('It would help if you did not', could)} "
                            f"{lower_first(core[len(verb.text):].strip()) and verb.text.lower() + rest}.{tail}",
                applicability=DISPLAY, title="Explain instead of forbidding"))
            return alts[:1]
        if split is not None:
            cc, conj = split
            first_part = text[doc[first_i].idx: cc.idx].rstrip(" ,;")
            second = text[cc.idx + len(cc.text):].strip()
            alts.append(Suggestion(
                replacement=f"{prefix}{could} {please}{lower_first(first_part)}? "
                            f"{second[:1].upper() + second[1:]}{tail}",
                applicability=UNSAFE, title="Ask, then explain"))
        else:
            safe = all(tok.dep_ != "ROOT" or tok.i == verb.i for tok in doc) and len(doc) <= 40
            alts.append(Suggestion(
                replacement=f"{prefix}{could} {please}{core_l}?{tail}",
                applicability=SAFE if safe else UNSAFE, title="Ask instead of telling"))
        if not please:
            ing_core = gerund(verb.text) + core[len(verb.text):] if core.startswith(verb.text) else None
            if ing_core and split is None:
                mind = "would you mind" if prefix.strip() else _cased("Would you mind", text)
                alts.append(Suggestion(replacement=f"{prefix}{mind} {ing_core}?{tail}",
                                       applicability=UNSAFE, title="Would you mind …?"))
        return alts


_NEVER_VERB_OPENERS = {
    "i", "we", "you", "they", "he", "she", "it", "this", "that", "these", "those", "there",
    "the", "a", "an", "my", "our", "your", "their", "his", "her", "its", "what", "when", "where",
    "why", "how", "who", "which", "is", "are", "was", "were", "am", "will", "would", "can",
    "could", "should", "may", "might", "must", "do", "does", "did", "have", "has", "had",
    "if", "as", "for", "in", "on", "at", "by", "with", "from", "to", "of", "about", "after",
    "before", "since", "unfortunately", "thanks", "thank", "sorry", "hi", "hello", "hey",
    "dear", "yes", "no", "yeah", "sure", "great", "good", "happy", "glad", "all", "some",
    "any", "every", "each", "not", "once", "while", "because", "but", "or", "also", "however",
    "welcome", "apologies", "congrats", "congratulations", "absolutely", "certainly",
    "definitely", "of", "unless", "although", "though", "one", "two", "its", "im", "ive",
    "id", "ill", "were", "weve", "theyre", "youre", "dont", "didnt", "doesnt", "cant", "wont",
    "oh", "ah", "wow", "hmm", "ooh", "aw", "aww", "yay", "ugh", "lol", "omg", "whoa", "yikes",
    "ok", "okay", "great", "perfect", "awesome", "excellent", "cool", "nice", "wonderful",
    "amazing", "fantastic", "brilliant", "hiya", "howdy", "morning", "afternoon", "evening",
    "bye", "cheers", "ta", "thx", "ty", "np", "yep", "yup", "nope", "nah", "indeed", "really",
    "actually", "currently", "typically", "usually", "normally", "generally", "again",
}


# --------------------------------------------------------------------------------------
# Bare noun-phrase requests: "Date of birth?" -> "May I have your date of birth?"
# --------------------------------------------------------------------------------------

# Information a customer is asked for; bare, these take "your".
PERSONAL_NOUNS = {
    "name", "number", "date", "birth", "birthday", "email", "e-mail", "address", "phone",
    "postcode", "zip", "code", "account", "reference", "id", "details", "detail", "dob",
    "username", "password", "pin", "surname", "contact", "booking", "confirmation",
    "order", "ticket", "policy", "membership", "card", "passport", "license", "licence",
    "record", "locator", "serial", "receipt", "invoice", "mobile", "telephone", "info",
    "information", "location", "city", "country", "state", "itinerary", "reservation",
    "flight", "seat", "claim", "case", "tracking", "member", "customer", "login", "handle",
}
_NOT_REQUESTS = {
    "problem", "thanks", "thank", "sorry", "welcome", "pleasure", "morning", "afternoon",
    "evening", "night", "day", "luck", "news", "weekend", "holiday", "holidays", "travel",
    "travels", "trip", "anything", "something", "everything", "nothing", "question",
    "questions", "concern", "concerns", "worries", "idea", "congratulations", "congrats",
    "apology", "apologies", "cheers", "job", "work", "time", "glad", "deal", "chance",
    "way", "lol", "hello", "hi", "hey", "bye", "goodbye", "yes", "no", "update", "reply",
    "response", "feedback", "shout", "love", "wow", "yay", "ok", "okay", "issue", "help",
}
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "anything"}


_CLAUSE_WORDS = re.compile(
    r"(?<![\w'’])(?:i|we|you|he|she|they|it|is|are|was|were|am|be|been|do|does|did|can|could|"
    r"will|would|should|shall|may|might|must|have|has|had|let|thanks|thank|sorry|hi|hello|hey)"
    r"(?![\w'’])|['’](?:re|m|ll|d|ve)\b|n['’]t\b|"
    # 's is a clause only after a pronoun ("that's"); "patient's name" is a possessive
    r"(?<![\w'’])(?:it|that|what|there|here|he|she|who|where|how|let)['’]s\b")


class BareNounRequest(Detector):
    """A request for information made of a bare noun phrase: "Order number?"."""

    name: ClassVar[str] = "bare-noun-request"
    needs_parse: ClassVar[bool] = True

    class Options(DetectorOptions):
        max_words: int = 8
        info_nouns: list[str] = []  # extra nouns that take "your"

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.personal = PERSONAL_NOUNS | {w.lower() for w in options.info_nouns}

    def candidate(self, sentence: str) -> bool:
        s = sentence.strip()
        words = s.split()
        if not words or len(words) > self.options.max_words + 2:
            return False
        low = s.lower().rstrip()
        first = re.sub(r"[^a-z]", "", words[0].lower())
        if first in _WH or first in _NEVER_VERB_OPENERS - {"your", "the", "a", "an", "my", "any"}:
            return False
        if _CLAUSE_WORDS.search(low):
            return False  # has a subject pronoun or an auxiliary: a clause, not a bare noun phrase
        return low.endswith("?") or re.search(r"\b(?:please|pls|plz)\W*$", low) is not None or (
            low.endswith(".") and len(words) <= 3) or low[-1:].isalnum() and len(words) <= 4

    def find_parsed(self, doc, offset: int) -> list[Match]:
        toks = [t for t in doc if not _HANDLE.match(t.text)]
        if not toks:
            return []
        if any(t.pos_ in ("VERB", "AUX") for t in toks):
            return []
        text = doc.text.rstrip()
        root = next((t for t in toks if t.dep_ == "ROOT"), None)
        if root is None or root.pos_ not in ("NOUN", "PROPN", "X"):
            return []
        nouns = [t for t in toks if t.pos_ in ("NOUN", "PROPN") and t.dep_ not in ("npadvmod",)]
        if not any(t.pos_ == "NOUN" or t.text.isupper() for t in nouns):
            return []
        lows = {t.lower_ for t in toks}
        if root.lower_ in _NOT_REQUESTS or _noun_lemma(root.lower_) in _NOT_REQUESTS or lows & {
                "thanks", "sorry", "welcome", "congratulations"}:
            return []
        if toks[0].lower_ in _WH:
            return []
        if any(t.pos_ == "ADJ" and t.dep_ == "ROOT" for t in toks) or text.endswith("!"):
            return []
        low = text.lower()
        please = re.search(r",?\s*\b(please|pls|plz)\b\s*[.?!]*$", text, re.I)
        asks = low.endswith("?") or please is not None
        informative = _noun_lemma(root.lower_) in self.personal or any(
            t.lower_ in self.personal for t in root.subtree)
        n_words = len([t for t in toks if not t.is_punct])
        if not asks and not (informative and n_words <= 3 and (low.endswith(".") or low[-1:].isalnum())):
            return []
        if not informative and not low.endswith("?"):
            return []
        content = [t for t in toks if not t.is_punct]
        if len(content) > self.options.max_words:
            return []
        start = toks[0].idx
        return [Match(offset + start, offset + len(text),
                      suggestions=self._suggest(doc, toks, root, please, informative))]

    def _suggest(self, doc, toks, root, please, informative) -> list[Suggestion]:
        text = doc.text.rstrip()
        start = toks[0].idx
        core = text[start: please.start()] if please else text
        core = re.sub(r"[\s.?!…]+$", "", core)
        vocative = ""
        vm = re.search(r",\s*([A-Z][a-z]+)$", core)
        if vm and not please:
            vocative = ", " + vm.group(1)
            core = core[: vm.start()]
        core = core[start:] if not please else core
        first = toks[0]
        if first.pos_ == "PROPN" and first.i == 0 and _common_noun(first.text):
            first_is_name = False  # "Patient's name" - capitalised only because it opens the sentence
        else:
            first_is_name = first.pos_ == "PROPN"
        has_det = first.pos_ in ("DET", "PRON") or first.tag_ in ("PRP$", "DT", "WP$")
        third_party = any(t.tag_ == "POS" for t in toks) and not first_is_name and not has_det
        lead = "May I have"
        if has_det or first_is_name and any(t.tag_ == "POS" for t in toks):
            det = ""
        elif third_party:
            det, lead = "the ", "Could I have"
        elif informative:
            det = "your "
        else:
            det = "the "
        np = core if first_is_name else lower_first(core)
        tail = ", please" if please else ""
        lead = _cased(lead, text)
        safe = len([t for t in toks if not t.is_punct]) <= 6 and (root.pos_ == "NOUN" or not first_is_name)
        out = [Suggestion(replacement=f"{lead} {det}{np}{tail}{vocative}?",
                          applicability=SAFE if safe else UNSAFE, title="Ask for it")]
        out.append(Suggestion(replacement=f"{_cased('Could you share', text)} {det}{np}{tail}{vocative}?",
                              applicability=UNSAFE, title="Could you share …?"))
        return out


@lru_cache(maxsize=16384)
def _noun_lemma(word: str) -> str:
    from lemminflect import getLemma

    lemmas = getLemma(word, upos="NOUN")
    return lemmas[0] if lemmas else word


def _common_noun(word: str) -> bool:
    from lemminflect import getAllLemmas

    return "NOUN" in getAllLemmas(word.lower())


# --------------------------------------------------------------------------------------
# Obligations put on the customer: "You need to reset it." -> "Could you reset it?"
# --------------------------------------------------------------------------------------

_OBLIGATION = re.compile(
    r"(?P<lead>^|[,;:–—-]\s+|\b(?:so|then|now|first|but|and|also|just)\s+)"
    r"(?P<subj>you|u|ya)\s+(?:(?:will|['’]ll|ll|would|['’]d)\s+)?"
    r"(?:(?:really\s+|just\s+|still\s+|first\s+|also\s+|then\s+)?)"
    r"(?:need|needs|have|has|must|got)\s+(?:(?:got\s+)?to\s+)?"
    r"(?P<rest>(?!be\b|have\b|been\b|go\s+through\s+the\b)[a-z][^.!?\n]*)"
    r"(?P<term>[.!?]*)",
    re.I,
)
_OBLIGATION_ALT = re.compile(
    r"(?P<lead>^|[,;:]\s+|\b(?:so|then|now|but|and)\s+)"
    r"(?P<subj>you)(?:\s+will|['’]ll|ll)\s+have\s+to\s+(?P<rest>[a-z][^.!?\n]*)(?P<term>[.!?]*)", re.I)
_NEED_YOUR = re.compile(
    r"(?P<lead>^|[,;:]\s+|\b(?:so|then|now|but|and|first)\s+)"
    r"(?P<subj>I)(?:\s+will|['’]ll|\s+am\s+going\s+to|['’]m\s+going\s+to|\s+also|\s+just|\s+still)?\s+"
    r"(?:need|require)\s+(?:(?P<you>you\s+to\s+)|(?:(?:to\s+(?:get|have|see)\s+)?))"
    r"(?P<rest>(?(you)[a-z]|(?:your|the|all|both|a\s+copy|a\s+photo|a\s+picture|a\s+screenshot)\b)[^.!?\n]*)(?P<term>[.!?]*)",
    re.I,
)
_MUST_EMPATHY = re.compile(r"^(?:be|feel|have\s+been|'ve\s+been)\b", re.I)


class ObligationRequest(Detector):
    """'You need to / must / have to X' and 'I need your X', aimed at the customer."""

    name: ClassVar[str] = "obligation-request"

    class Options(DetectorOptions):
        form: str = "you-need-to"  # or "i-need-your"

    def quick(self, text: str) -> bool:
        low = text.lower()
        if self.options.form == "i-need-your":
            return "need" in low or "require" in low
        return any(w in low for w in ("need", "must", "have to", "got to", "has to"))

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        sent = text[start:end]
        out = []
        regexes = [_NEED_YOUR] if self.options.form == "i-need-your" else [_OBLIGATION, _OBLIGATION_ALT]
        seen = set()
        for rx in regexes:
            for m in rx.finditer(sent):
                ms = m.start("subj")
                if ms in seen:
                    continue
                rest = m.group("rest").rstrip()
                if _MUST_EMPATHY.match(rest) or re.match(r"(?:do\s+)?(?:anything|nothing)\b", rest, re.I):
                    continue
                before = sent[:ms]
                if re.search(r"\b(?:if|when|whether|unless|all|what|everything)\s+$|\b(?:do|don['’]?t|"
                             r"doesn['’]?t|won['’]?t|wouldn['’]?t|will|might|may)\s+$", before, re.I):
                    continue
                if re.search(r"\b(?:if|when|whether|unless|in case)\b", before, re.I) and "," not in before:
                    continue
                seen.add(ms)
                rest_full = rest
                rest_core, tail = _split_tail(rest_full)
                mend = m.end("term") if m.group("term") else m.start("rest") + len(rest)
                out.append(Match(start + ms, start + mend,
                                 groups={"rest": rest_core},
                                 suggestions=self._suggest(sent, m, rest_core, tail)))
        return out

    def _suggest(self, sent: str, m: re.Match, rest: str, tail: str) -> list[Suggestion]:
        at_start = not sent[: m.start("subj")].strip()
        src = sent[m.start("subj"):]
        if self.options.form == "i-need-your":
            if m.groupdict().get("you"):
                head = _cased("Could you", src) if at_start else "could you"
            else:
                head = _cased("May I have", src) if at_start else "may I have"
        else:
            head = _cased("Could you", src) if at_start else "could you"
        repl = f"{head} {rest}?{tail}"
        term = m.group("term")
        simple = at_start and (not term or term in (".", "!")) and len(rest.split()) <= 20
        alts = [Suggestion(replacement=repl, applicability=SAFE if simple else UNSAFE,
                           title="Ask instead of telling")]
        if self.options.form != "i-need-your" or m.groupdict().get("you"):
            words = rest.split(" ", 1)
            if words and words[0].isalpha():
                mind = _cased("Would you mind", src) if at_start else "would you mind"
                alts.append(Suggestion(
                    replacement=f"{mind} {gerund(words[0])}{(' ' + words[1]) if len(words) > 1 else ''}?{tail}",
                    applicability=UNSAFE, title="Would you mind …?"))
        return alts


DETECTORS = {d.name: d for d in (ImperativeRequest, BareNounRequest, ObligationRequest)}
