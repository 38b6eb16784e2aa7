"""Obligations put on the customer: "You need to reset it." -> "Could you reset it?", and
"I need your card number." -> "May I have your card number?"

Lexical: it reads words, not the parse.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from ..base import Detector, DetectorOptions, Match
from ..templates import gerund
from .clauses import CHAINED, after_ask, capital_start, cut_off, shouting, split_clause, split_tail, split_terminal
from .frames import Frame, case_of, flags

_OBLIGATION = re.compile(
    # a pushy stance word before it keeps it an obligation: "obv u need to …", "Honestly, you have to …"
    # ("unfortunately you'd need to …" mostly states a limit on real text: not taken)
    r"(?P<lead>^|[,;:–—-]\s+|\b(?:so|then|now|first|but|and|also|just|obv|obvs|obviously|honestly|basically|"
    r"tbh|literally|seriously)\s*,?\s+)"
    r"(?:(?P<subj>you|u|ya|ur(?=\s+(?:going\s+to|gonna)\b))"
    r"(?:\s+(?:will|would)|['’](?:ll|d)|ll|(?:['’]re|\s+are|re)?\s+(?:going\s+to|gonna)"
    r"|(?:['’]re|\s+are|re)(?=\s+(?:\w+\s+)?(?:required|obliged)\s+to\b))?"
    r"(?:\s+(?P<adv1>just|still|first|also|then|now|simply|really|definitely|probably|only))?"
    r"(?:\s+(?P<modal>(?:need|needs|have|has)\s+to|must|(?:have\s+)?got\s+to|gotta|hafta|needa"
    r"|(?:be\s+)?(?:required|obliged)\s+to)"
    r"|['’]ve\s+got\s+to"
    # the formal order: "You are to present yourself at the office on Monday" (not "you're to blame")
    r"|(?:['’]re|\s+are|re)\s+to(?=\s+(?!(?:blame|be|thank|credit|the|a|an|my|your|ur|our|his|her|their|this|that|these|those|me|us|him|them|date|hand|here|there|go)\b)[a-z]))"
    # the obligation said of the situation: "it's on you to …", "it's down to you to …"
    r"|(?P<subj_it>it['’]?s|it\s+is|it\s+will\s+be|it['’]ll\s+be)\s+(?:(?:all|really|now|entirely)\s+)?"
    r"(?P<on_you>on|up\s+to|down\s+to)\s+(?:you|u)\s+to)"
    r"(?:\s+(?P<adv2>just|still|first|also|then|now|simply|really|definitely|probably|only))?"
    r"\s+(?P<rest>(?!been\b|feel\b)[a-z])",
    re.I,
)
_NEED_YOUR = re.compile(
    r"(?P<lead>^|[,;:]\s+|\b(?:so|then|now|but|and|first)\s+)"
    r"(?:(?P<subj>I|we)(?:\s+will|['’]ll|\s+am\s+going\s+to|['’]m\s+going\s+to|\s+are\s+going\s+to|"
    r"['’]re\s+going\s+to|\s+would|['’]d|(?:['’]m|['’]re|\s+am|\s+are)?\s+gonna)?"
    r"(?:\s+(?P<adv1>also|just|still|first|really|definitely|probably|only))?\s+"
    r"|(?P<bare>(?<![\w'’]))(?:gonna\s+|going\s+to\s+)?)"
    r"(?P<verb>need|require)\s+"
    r"(?:(?P<you>you\s+to\s+)|to\s+(?P<see>get|have|see|take)\s+)?"
    r"(?P<rest>(?(you)[a-z]|(?:your|ur|yr|the|all|both|(?:a|an)\s+(?:copy|photo|picture|pic|screenshot|scan|photograph|"
    r"video|image|list|description|reading)|some\s+(?:details|information|info|documents|photos|pictures))\b))",
    re.I,
)
_STANCE_LEAD = re.compile(r"\W*(?:obv|obvs|obviously|honestly|basically|tbh|literally|seriously)\b", re.I)
_HEDGES = {"really", "definitely", "probably"}  # dropped from the ask, and they keep it unsafe
_MUST_EMPATHY = re.compile(r"^(?:be|feel|have\s+been|'ve\s+been)\b", re.I)
# a guess, said with a past participle: "you must have missed it", "you must have misheard",
# "you must've misunderstood" (not "you must have valid ID", "you must have that ready")
_MUST_GUESS = re.compile(r"(?:have|of|ve)\s+(?!(?:valid|good|at|that|what|it|eight|both|proof)\b)"
                         r"(?:just\s+|already\s+)?\w+(?:ed|en|t|ard|aid|ead|ood|own|wn|one|ung|ot|ught)\b"
                         r"|of\s+(?:put|got|hit|set|cut|read|been|done|had|made|left|sent|paid)\b",
                         re.I)  # (chat spelling: "u must of put the pin in wrong")
_CHOICE = re.compile(r"(?:decide|choose|pick|select|say|judge|determine|make\s+(?:the|that)\s+(?:call|choice|decision))\b",
                     re.I)
_NOTHING = re.compile(r"(?:do\s+)?(?:anything|nothing)\b", re.I)
_CONDITION_BEFORE = re.compile(
    r"\b(?:if|when|whether|unless|all|what|everything|anything|where|how)\s+$|\b(?:do|don['’]?t|"
    r"doesn['’]?t|won['’]?t|wouldn['’]?t|will|might|may)\s+$", re.I)
_IF_BEFORE = re.compile(r"\b(?:if|when|whether|unless|in case)\b", re.I)
_NOT = re.compile(r"(?:not|never)\s+([a-z]+)", re.I)
# A prefix before the obligation that keeps the rewrite safe: fillers, a vocative, a greeting,
# a short introductory phrase.
_SAFE_PREFIX = re.compile(
    r"^(?:(?i:so|then|now|first|also|and|ok|okay|alright|right|next|finally|lastly|great|perfect|"
    r"thanks|thank\s+you|sure)\b[\s,]*|(?:(?i:hi|hello|hey|dear)\s+)?(?:(?:Mr|Mrs|Ms|Dr|Miss)\.?\s+)?"
    r"[A-Z][a-z][\w'’-]*(?:\s[A-Z][a-z][\w'’-]*)?\s*,\s*|(?i:hi|hello|hey)\s*,\s*|"
    r"(?i:to|once|after|before|when|if)\s+[^,]{1,60},\s*)*$")
MAX_SAFE_WORDS = 25


class ObligationRequest(Detector):
    """'You need to / must / have to X' and 'I need your X', aimed at the customer.

    Slots: `lead` (". " when the ask becomes a sentence of its own after a clause, with its
    conjunction: ". But "), `ask` (what is asked, with kept adverbs: "just reset your password";
    for "I need your X": "have your card number"), `who` ("I" or "we", for "May {who} {ask}?";
    only for "I/we need your X"), `ask_ing` (the ask with its verb as -ing, where "Would you mind
    …?" reads right), `rest` (what follows the question mark). Flags: `unsafe` ("You need to X"
    states a necessity: as a favour it changes what the customer is told), `need-you-to` ("I need
    you to X", asked as "Could you X?")."""

    name: ClassVar[str] = "obligation-request"
    slots: ClassVar[frozenset[str]] = frozenset({"lead", "ask", "who", "ask_ing", "rest"})
    flags: ClassVar[frozenset[str]] = frozenset({"unsafe", "need-you-to"})

    class Options(DetectorOptions):
        form: Literal["you-need-to", "i-need-your"] = "you-need-to"

    def quick(self, text: str) -> bool:
        low = text.lower()
        if self.options.form == "i-need-your":
            return "need" in low or "require" in low
        return any(w in low for w in ("need", "must", "have to", "got to", "gotta", "has to", "hafta", "required to",
                                      "obliged to", "you to", "u to", "are to", "re to"))

    def find_lexical(self, text: str, start: int, end: int) -> list[Match]:
        sent = text[start:end]
        out = []
        need_your = self.options.form == "i-need-your"
        rx = _NEED_YOUR if need_your else _OBLIGATION
        for m in rx.finditer(sent):
            ms = (m.start("subj") if m.group("subj") else m.start("subj_it") if m.groupdict().get("subj_it")
                  else m.end("lead"))
            if need_your and m.group("bare") is not None and m.group("subj") is None:
                if sent[:ms].strip(" ,") and not (ms <= 80 and _SAFE_PREFIX.match(sent[:ms])):
                    continue  # "Need your X" without a subject only opens a sentence
            rest_full = sent[m.start("rest"):].rstrip()
            body, tail = split_tail(rest_full)
            rest, term = split_terminal(body)
            if "?" in term:
                continue
            if not need_your:
                modal = (m.group("modal") or "").lower()
                if modal == "must" and _MUST_EMPATHY.match(rest):
                    continue
                if modal == "must" and _MUST_GUESS.match(rest):
                    continue  # "you must have missed it": a guess, not an obligation
            if _NOTHING.match(rest):
                continue
            if _STANCE_LEAD.match(m.group("lead") or "") and re.match(r"be\b", rest, re.I):
                continue  # "Obviously you need to be online for it to count": a condition stated, not a step asked
            if (m.groupdict().get("on_you") or "").lower().startswith("up") and _CHOICE.match(rest):
                continue  # "it's up to you to decide": a choice left to the customer, not an order
            if "only" in {(m.groupdict().get(k) or "").lower() for k in ("adv1", "adv2")}:
                continue  # "you'll only need to pay once" reassures, it does not ask
            before = sent[:ms]
            if _CONDITION_BEFORE.search(before):
                continue
            if _IF_BEFORE.search(before) and "," not in before:
                continue
            mend = len(sent.rstrip())
            # "…through Chase and you'd need to speak with them": after a clause, the ask
            # becomes a sentence of its own, so the match takes the conjunction too
            conj = (m.group("lead") or "").strip().lower()
            joined = ""
            mstart = ms
            if conj in ("and", "but", "so") and self._after_clause(sent[:m.start("lead")]):
                joined = conj
                mstart = len(sent[:m.start("lead")].rstrip(" ,;"))
            frame = self._frame(sent, m, ms, rest, term, tail, joined)
            out.append(frame.match(start + mstart, start + mend) if frame is not None
                       else Match(start + mstart, start + mend))
            break
        return out

    @staticmethod
    def _after_clause(before: str) -> bool:
        b = before.strip(" ,;")
        return bool(b) and len(b.split()) >= 3 and not (len(before) <= 80 and _SAFE_PREFIX.match(before))

    def _frame(self, sent: str, m: re.Match, ms: int, rest: str, term: str, tail: str,
               joined: str = "") -> Frame | None:
        if cut_off(rest, term):
            return None
        g = m.groupdict()
        need_your = self.options.form == "i-need-your"
        before = sent[:ms]
        at_start = not before.strip() or bool(joined)
        safe_prefix = not joined and (at_start or (len(before) <= 80 and bool(_SAFE_PREFIX.match(before))))
        advs = [a.lower() for a in (g.get("adv1"), g.get("adv2")) if a]
        hedged = any(a in _HEDGES for a in advs)
        kept_adv = "".join(a + " " for a in advs if a not in _HEDGES)
        shout = shouting(sent)
        capital = not shout and capital_start(sent)
        ask, following, split_safe = split_clause(rest)
        be = False
        who = ""
        opening = kept_adv  # what the ask starts with, after the frame's own words
        if need_your and not g.get("you"):
            who = "we" if (g.get("subj") or "").lower() == "we" else "I"
            opening = f"{kept_adv}{'see' if (g.get('see') or '').lower() == 'see' else 'have'} "
        elif not need_your and re.match(r"be\b", ask, re.I):
            be = True
        if joined:  # after a clause: ". Could you …", ". But could you …"
            lead, case = ". " + {"but": "But ", "so": "So "}.get(joined, ""), ("" if joined == "and" else "lower")
        else:
            lead, case = "", (case_of(sent[ms:]) if at_start else "lower")
        if be:
            ask = "make sure you're " + ask[3:]
        neg = _NOT.match(ask)
        if neg and not g.get("see") and not need_your:
            ask = "avoid " + gerund(neg.group(1)) + ask[neg.end():]
        if shout:
            lead, opening, who, ask, following, case = (lead.upper(), opening.upper(), who.upper(), ask.upper(),
                                                        following.upper(), "upper")
        after = after_ask(following, term, tail, capital)
        slots = {"lead": lead, "ask": opening + ask, "rest": after}
        if who:
            slots["who"] = who
        # "You need to X" states a necessity: as "Could you X?" it becomes a favour, which
        # changes what the customer is told, so only "I need your X" -> "May I have X" is safe
        simple = (need_your and safe_prefix
                  and (not term or term in (".", "!", "...", "…") or set(term) <= {".", "!"})
                  and len(ask.split()) <= MAX_SAFE_WORDS and split_safe and not be and not neg and not hedged)
        if (not need_your or g.get("you")) and not be and not shout and not neg:
            words = ask.split(" ", 1)
            chained = CHAINED.search(words[1] if len(words) > 1 else "")
            if words and words[0].isalpha() and not chained:
                slots["ask_ing"] = kept_adv + gerund(words[0]) + ((" " + words[1]) if len(words) > 1 else "")
        return Frame(slots, case, flags(unsafe=not simple, need_you_to=need_your and bool(g.get("you"))))
