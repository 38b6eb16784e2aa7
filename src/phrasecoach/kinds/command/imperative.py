"""Imperatives aimed at the customer: "Send me the receipt." -> "Could you send me the receipt?"

A word opens an imperative when lemminflect knows it as a verb's base form AND either the parse
says VB or the next word is what only a verb is followed by (a determiner, an object pronoun, a
particle). Courtesy verbs ("Enjoy your flight!", "Let me check") are no demands, unless their
use makes them one ("Tell us your name", "Keep the receipt"). Negative imperatives ("Don't call
…") are flagged by the `negative` mode and never get a safe rewrite.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal, NamedTuple

from ...text import lower_first
from ..base import Detector, DetectorOptions, Match
from ..templates import gerund
from .candidates import HANDLE, LEAD_ADV, Verdicts, imperative_candidates, is_offer
from .clauses import (CHAINED, CONTINUATION, after_ask, capital_start, cut_off, emoji_char, is_emoji, shouting,
                      split_clause, split_tail, split_terminal)
from .frames import Frame, case_of, flags
from .lexicon import CommandLexicon, command_lexicon, pattern_class, split_core

# A condition about the future before the request: what to do *if* something happens.
_CONTINGENCY = re.compile(
    r"\W*(?:if|should|in\s+case|in\s+the\s+event|whenever)\s+(?:(?:this|that|it|the\s+\w+|you[\s'’]\w*)\s+)?"
    r"(?:\w+\s+){0,4}?(?:continues?|persists?|happens?\s+again|recurs?|comes?\s+back|returns?|still|"
    r"again|keeps?|occurs?|doesn['’]?t|does\s+not|don['’]?t|isn['’]?t|is\s+not|fails?|stops?|changes?|"
    r"arrives?|shows?\s+up|worsens?|gets?\s+worse)\b[^.!?]*?,?\s*(?:please|kindly|pls|plz)?\s*$", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_HAVE_READY = frozenset({"ready", "handy", "nearby", "available", "with"})
MAX_SAFE_TOKENS = 40  # a longer sentence is asked only for review


class Opening(NamedTuple):
    """Where the request opens in the parse."""

    verb: int  # index of the verb
    verb_end: int  # last index of the verb word ("power-cycle", "double check")
    negated: bool  # "Don't …", "Never …"
    softened: bool  # a please before it
    strong: bool  # what follows shows it is a verb (an object, a particle), or the parse's root
    first: int  # where the request's words begin ("Don't", or the verb)


class VerbAt(NamedTuple):
    start: int
    end: int
    strong: bool


def demand_anyway(lex: CommandLexicon, lemma: str, doc, end: int) -> bool:
    """Is this use of a courtesy verb a demand after all? ("Tell us your name.", "Keep the
    receipt.", "Hold the power button.", "Take a screenshot.", "Have your card ready.")"""
    after = [t for t in doc[end + 1:] if not t.is_space]
    nxt = after[0] if after else None
    words = [t.lower_ for t in after[:4]]
    if lemma == "tell":
        return bool(nxt is not None and nxt.lower_ in ("us", "me"))
    if lemma == "keep":  # "Keep the receipt" asks; "Keep flying!", "Keep safe" do not
        return (nxt is not None and not any(lex.courtesy_pair_has("keep", w) for w in words[:3])
                and not nxt.is_punct and nxt.tag_ != "VBG")
    if lemma == "hold":
        return nxt is not None and nxt.tag_ in ("DT", "PRP$") and "line" not in words
    if lemma == "take":
        return (nxt is not None and nxt.tag_ in ("DT", "PRP$", "CD")
                and not any(lex.courtesy_pair_has("take", w) for w in words))
    if lemma == "have":
        return nxt is not None and nxt.tag_ in ("DT", "PRP$") and bool(_HAVE_READY & {t.lower_ for t in after})
    if lemma == "find" and nxt is not None and nxt.lower_ in ("the", "a", "our"):
        return len(words) > 1 and words[1] not in ("attached", "enclosed")  # "Find the serial number"
    if lemma in lex.courtesy_pair_verbs:
        return nxt is not None and not nxt.is_punct and not lex.courtesy_pair_has(lemma, nxt.lower_)
    if lemma in lex.demand_pair_verbs:
        return nxt is not None and lex.demand_pair_has(lemma, nxt.lower_)
    return False


class ImperativeRequest(Detector):
    """A sentence that opens with a bare verb asking the customer to act.

    Slots: `lead` (what the rewrite keeps before the frame: "Hi Tom, "), `please` ("please " when
    the original had a softener), `ask` (the verb phrase, fillers moved in: "just send me the
    receipt"; for `negative`, without the don't: "call this number again"), `ask_ing` (the same
    with its verb as -ing: "sending me the receipt"; only where "Would you mind …?" reads right),
    `rest` (what follows the question mark), `verb`. Flags: `unsafe`, `split-unsure` (a clause
    after "and"/"but" became a sentence of its own: "Ask, then explain")."""

    name: ClassVar[str] = "imperative-request"
    slots: ClassVar[frozenset[str]] = frozenset({"verb", "lead", "please", "ask", "ask_ing", "rest"})
    flags: ClassVar[frozenset[str]] = frozenset({"unsafe", "split-unsure"})
    needs_parse: ClassVar[bool] = True

    class Options(DetectorOptions):
        # bare: "Send me the receipt."; softened: "Please send me the receipt.";
        # negative: "Don't call this number again."
        mode: Literal["bare", "softened", "negative"] = "bare"
        courtesy_verbs: list[str] = []  # extra lemmas that are never demands (or the lexicon: courtesy-verb)
        # a pack lexicon of verbs whose imperative is mostly a wish, an invitation or banter
        # ("Fly happy!", "Come see us", "Prove it"): still flagged, but "Could you …?" is only
        # offered for review, never applied unreviewed
        unsafe_verbs: str | None = None

    def __init__(self, options, ctx):
        super().__init__(options, ctx)
        self.lex = lex = command_lexicon(ctx.lexicons)
        self._courtesy_key = frozenset(options.courtesy_verbs)
        self.courtesy = lex.courtesy_with(self._courtesy_key)
        self._candidates = lex.memo(imperative_candidates)
        self._mode = Verdicts._fields.index(options.mode)
        self._unsafe_verbs = None
        if options.unsafe_verbs is not None:
            entries = ctx.lexicons.get(options.unsafe_verbs)
            if entries is None:
                raise ValueError(f"unsafe_verbs names no lexicon `{options.unsafe_verbs}`")
            self._unsafe_verbs = pattern_class(options.unsafe_verbs, *split_core(options.unsafe_verbs, entries),
                                               suffix=r"\Z")

    def candidate(self, sentence: str) -> bool:
        """Could a word that opens the request be a bare verb? (candidates.py)"""
        return self._candidates(sentence, self._courtesy_key)[self._mode]

    # ---- finding the request in the parse ---------------------------------------------
    def _locate(self, doc) -> Opening | None:
        lex = self.lex
        softener, filler, title = lex.softener, lex.filler, lex.title
        n = len(doc)
        i = 0
        intros = 0
        softened = False
        text = doc.text
        while i < n:
            t = doc[i]
            low = t.lower_
            if t.is_space or t.is_punct or HANDLE.match(t.text) or is_emoji(t):
                i += 1  # (a leading "-" or "•" is a bullet)
                continue
            if i + 1 < n and not intros and (
                    (t.like_num and doc[i + 1].text in (")", ".")) or doc[i + 1].text == ":"):
                i += 2  # a list marker ("1)", "2.") or a label ("NOTE:", "Tip:")
                continue
            m = LEAD_ADV.match(text, t.idx)
            if m:
                j = i
                while j < n and doc[j].idx < m.end():
                    j += 1
                i = j
                continue
            if low in softener:
                softened = True
                i += 1
                continue
            if low in filler:
                i += 1
                continue
            # a leading vocative: "Jennifer, send …", "Mrs Okafor, …"
            j = i
            while j < n and (doc[j].pos_ == "PROPN" or doc[j].lower_.rstrip(".") in title
                             or doc[j].text == ".") and doc[j].lower_ not in softener:
                j += 1
            if j > i and j < n and doc[j].text in (",", "-", "–", "—") and doc[i].text[:1].isupper():
                i = j + 1  # "Tom, send …", "Tom - send …"
                continue
            if self.options.mode == "negative":
                if low in ("do", "dont") and i + 1 < n and (
                        doc[i + 1].dep_ == "neg" or doc[i + 1].lower_ in ("n't", "n’t", "not", "nt")):
                    vi = i + 2
                elif low in ("dont", "dnt", "never"):
                    vi = i + 1
                else:
                    vi = None
                if vi is not None:
                    if vi < n and doc[vi].pos_ != "AUX" and doc[vi].tag_ != "MD" and (
                            doc[vi].tag_ == "VB" or lex.base_verb(doc[vi].text)):
                        return Opening(vi, vi, True, softened, True, i)
                    return None
            else:
                if low in ("do", "dont", "dnt", "never") and i + 1 < n:
                    return None
                found = self._verb_at(doc, i)
                if found:
                    return Opening(found.start, found.end, False, softened, found.strong, i)
            # an introductory phrase up to a comma: "Hi Tom, …", "If it still fails, …"
            if intros < 2 and (low in lex.intro_word or t.tag_ in ("IN", "TO", "WRB", "UH", "RB")):
                # a subordinate clause ("If you go online, …") ends at a comma; a greeting or a
                # discourse marker may also end at a colon, a dash or an emoji
                subordinate = low in lex.subordinator or t.tag_ in ("IN", "TO", "WRB")
                ends = (",",) if subordinate else (",", ":", ";", "—", "–")
                k = next((k for k in range(i + 1, min(n, i + 14))
                          if doc[k].text in ends or (not subordinate and is_emoji(doc[k]))), None)
                if k is not None and not any(x.text in ("?", "!", ".") for x in doc[i:k]):
                    intros += 1
                    i = k + 1
                    continue
            return None
        return None

    def _verb_at(self, doc, i: int) -> VerbAt | None:
        lex = self.lex
        n = len(doc)
        t = doc[i]
        end = i
        word = t.text
        if (i + 2 < n and doc[i + 1].text == "-" and not t.whitespace_ and not doc[i + 1].whitespace_
                and doc[i + 2].is_alpha):
            word, end = t.text + "-" + doc[i + 2].text, i + 2
        elif t.lower_ in ("double", "triple") and i + 1 < n and doc[i + 1].lower_ == "check":
            word, end = t.text + " " + doc[i + 1].text, i + 1  # "Double check the address"
        low = word.lower()
        first = re.split(r"['’-]", low)[0]
        if (first in lex.never_verb_opener or low in lex.never_verb_opener) and not (
                low == "have" and demand_anyway(lex, "have", doc, end)):
            return None
        known = lex.base_verb(word)
        if known is False:
            return None
        after = [x for x in doc[end + 1:] if not x.is_space]
        nxt = after[0] if after else None
        strong = nxt is not None and (
            nxt.tag_ in ("DT", "PRP$", "CD") or nxt.lower_ in lex.object_pronoun or nxt.tag_ == "RP"
            or nxt.lower_ in lex.particle)
        if lex.courtesy_idiom.match(doc.text, t.idx):
            return None
        if nxt is not None and nxt.lower_ in ("you", "u", "ya", "y'all"):
            return None  # "Thank you", "Bet you…", "Mind you"
        if nxt is not None and nxt.text in (",", "!") or sum(ch.isalpha() for ch in word) < 2:
            return None  # "Look, it's simple.": a discourse marker, not a request
        last = doc[end]
        parse_vb = last.tag_ == "VB" or (t.tag_ == "VB") or (t.tag_ == "VBP" and t.pos_ == "VERB")
        if nxt is not None and nxt.lower_ == "to" and not parse_vb:
            strong = False  # "Pleasure to have you", "Time to go": nouns take "to" as well
        if known is None and not (parse_vb and strong) and low not in lex.extra_verb:
            return None
        if not parse_vb and not strong:
            return None
        if t.tag_ in ("VBD", "VBN", "VBZ", "VBG", "MD") and not strong:
            return None
        if t.tag_ in ("VBD", "VBN") and t.lemma_.lower() not in (low, first):
            return None  # a past form of another verb, its subject dropped as chat drops it: "found it, …"
        if t.tag_ in ("NN", "NNS", "NNP") and t.dep_ in ("nsubj", "nsubjpass") and nxt is not None and nxt.tag_ == "CD":
            return None  # a numbered thing the sentence is about: "step 4 catches people out"
        if t.tag_ == "JJ" and nxt is not None and nxt.tag_ == "IN" and nxt.lower_ in ("for", "from", "to", "at", "by", "until"):
            return None  # a state, its verb dropped: "ready for collection from 3pm", "free from Monday"
        if t.tag_ != "VB" and (nxt is None or not strong or nxt.tag_ == "IN"):
            # a noun that looks like a verb, read as one: "Cover for hip dysplasia ended at …",
            # "Return of the old unit was logged": a finite verb later in the clause is its verb
            for y in doc[end + 1:]:
                if y.is_punct or y.dep_ == "cc":
                    break
                if y.tag_ in ("VBD", "VBZ") and y.dep_ not in ("relcl", "conj"):
                    return None
        h = doc[end].head
        if (h.i > end and h.dep_ == "ROOT" and h.tag_ in ("VBZ", "VBD") and t.dep_ in ("advcl", "csubj", "dep")
                and any(c.dep_ in ("nsubj", "nsubjpass") and c.i > end and c.pos_ in ("NOUN", "PROPN")
                        for c in h.children)):
            return None  # a name hung off a later statement: "Fly By® Check-in is available when …"
        if low == "let" and nxt is not None and nxt.text.lower() == "s" and not t.whitespace_:
            return None  # "lets get this sorted": chat spelling of "let's"
        for x in doc[i:end + 1]:
            if any(c.dep_ in ("nsubj", "nsubjpass", "expl") and c.i < i and not is_emoji(c) for c in x.children):
                return None
            for a in (x, *x.ancestors):
                if a.dep_ in ("nsubj", "nsubjpass") and not (a is x and x.tag_ == "VB") and (
                        a.head.pos_ in ("VERB", "AUX") or not strong):
                    return None  # (a word tagged VB is a verb, whatever its label says; and the
                    # "subject" of an interjection is a mis-parse: "Restart the app please.")
                if a.i < i and a.pos_ in ("VERB", "AUX") and a.dep_ == "ROOT" and a.tag_ != "VB":
                    return None  # the verb hangs off an earlier finite clause
        if nxt is not None and nxt.tag_ in ("VBZ", "VBD", "MD") and not strong:
            return None
        lemma = lex.verb_lemma(word)
        if lemma in self.courtesy and not (lemma in lex.sometimes_demand_verb and demand_anyway(lex, lemma, doc, end)):
            return None
        return VerbAt(i, end, strong or (parse_vb and t.dep_ == "ROOT"))

    def find_parsed(self, doc, offset: int) -> list[Match]:
        lex = self.lex
        text = doc.text
        core = split_tail(text.rstrip())[0].rstrip()
        if is_offer(lex, text) or core.endswith("?") or not core or CONTINUATION.match(core):
            return []
        op = self._locate(doc)
        if op is None:
            return []
        if not op.negated and op.softened != (self.options.mode == "softened"):
            return []
        verb = doc[op.verb]
        if op.softened and not op.negated and _CONTINGENCY.match(text, 0, verb.idx):
            return []  # "If the fault comes back, please call us": polite advice for later
            # (without "please", "If it still fails, restart the router." still reads as an order)
        if op.negated and (lex.verb_lemma(verb.text) in lex.negative_courtesy_verb
                           or lex.negative_courtesy.match(text, verb.idx)):
            return []
        end = len(text.rstrip())
        frame = self._frame(doc, op)
        if frame is None:  # cut off mid-phrase: flagged, with no rewrite
            return [Match(offset, offset + end, groups={"verb": verb.text})]
        return [frame.match(offset, offset + end, verb=verb.text)]

    # ---- the slots of the rewrite -------------------------------------------------------
    def _frame(self, doc, op: Opening) -> Frame | None:
        lex = self.lex
        text = doc.text.rstrip()
        verb = doc[op.verb]
        cut = doc[op.first].idx if op.negated else verb.idx  # where the kept opening ends
        # The opening, minus softeners (re-added as "please") and the fillers that move after
        # the frame ("Just send it" -> "Could you just send it").
        pre = [t for t in doc if t.idx < cut]
        please = any(t.lower_ in lex.softener for t in pre)
        moved: list[str] = []
        drop: set[int] = set()
        j = len(pre) - 1
        while j >= 0:
            t = pre[j]
            if t.lower_ in lex.softener:
                j -= 1
                continue
            if t.lower_ in lex.movable_filler or (t.tag_ == "RB" and t.lower_.endswith("ly")
                                                  and t.lower_ not in ("only", "early")):
                if t.lower_ != "kindly":
                    moved.insert(0, t.text.lower() if not t.text.isupper() or len(t.text) == 1 else t.text)
                drop.add(t.i)
                j -= 1
                continue
            break
        for t in pre:
            if t.lower_ in lex.softener:
                drop.add(t.i)
                if t.i + 1 < len(doc) and doc[t.i + 1].text == "," and doc[t.i + 1].idx < cut:
                    drop.add(t.i + 1)
        kept = "".join(t.text_with_ws for t in pre if t.i not in drop)
        if pre and pre[-1].i in drop and kept and not kept[-1].isspace():
            kept += " "
        shout = shouting(text)
        if not kept.strip():
            case = case_of(text[doc[0].idx:])
        elif (not _LETTER.search(kept)  # only a bullet, a number or a bracket before it
              or kept.rstrip()[-1:] in (".", "!", "?") or emoji_char(kept.rstrip()[-1:] or "a")):
            # after an emoji or a full stop the request starts a sentence: "Hi Sam 👋 Could you …"
            case = case_of(text[cut:])
        else:
            case = "lower"
        plz = "please " if please else ""
        mv = "".join(w + " " for w in moved)
        if shout:
            case, plz, mv = "upper", plz.upper(), mv.upper()
        body, tail = split_tail(text[verb.idx:])
        core, terminal = split_terminal(body)
        if cut_off(core, terminal):
            return None
        capital = not shout and capital_start(text)
        if op.negated:
            ing = gerund(verb.text)
            ask, following, _ = split_clause(core[len(verb.text):])
            return Frame({"lead": kept, "please": plz, "ask": verb.text + ask,
                          "ask_ing": (ing.upper() if shout else ing) + ask,
                          "rest": after_ask(following, terminal, tail, capital)},
                         case, flags(unsafe=True))
        ask, following, split_safe = split_clause(core)
        safe = (split_safe and op.strong and len(doc) <= MAX_SAFE_TOKENS and ";" not in ask
                and not (self._unsafe_verbs and self._unsafe_verbs.match(lex.verb_lemma(verb.lower_))))
        slots = {"lead": kept, "please": plz, "ask": mv + (ask if shout else lower_first(ask)),
                 "rest": after_ask(following, terminal, tail, capital)}
        chained = any(c.dep_ == "conj" and c.pos_ == "VERB" for c in verb.children) or CHAINED.search(
            ask[len(verb.text):])
        if not please and op.verb_end == op.verb and ask.startswith(verb.text) and not chained and not shout:
            slots["ask_ing"] = mv + gerund(verb.text) + ask[len(verb.text):]
        return Frame(slots, case, flags(unsafe=not safe, split_unsure=bool(following) and not split_safe))
