"""The command detectors: requests phrased as orders, and the slots of the polite asks that
replace them (rules/core/command.yaml, PC101-PC106).

Rewrites come from the sentence itself, not from a list of fixed sentences: the noun phrase or
verb phrase of the original is kept word for word, so names, numbers and the thing asked for
survive; only the frame around it changes. The frames are the rules' `suggest:` templates
("{lead}Could you {please}{ask}?{rest}", "{lead}May I have {ask}?{rest}"); a detector fills
their slots, says how their words are cased where they stand, and caps them at `unsafe` where
it is not sure (frames.py). The word lists are pack data: lexicon classes in
rules/core/pack.yaml that a team pack extends or trims (lexicon.py).

The small spaCy model is unreliable on exactly these sentences (fragments and imperatives are
rare in its training text: "Card expiry date?" comes back as an imperative of *to card*,
"Power-cycle the router" as a noun phrase). So the detectors read the parse together with the
word lexicon of lemminflect: a word opens an imperative when the lexicon knows it as a verb's
base form AND either the parse says VB or the next word is what only a verb is followed by (a
determiner, an object pronoun, a particle). A bare noun phrase is a run of words the lexicon
allows as nouns, adjectives and determiners with no verb-shaped pair in it. Whatever the
parse and the lexicon do not both support is flagged `unsafe`, never left `safe`; negative
imperatives ("Don't call …") are never safe at all.

Every rewrite keeps the rest of the sentence verbatim: a leading greeting, vocative or
subordinate clause ("Hi Tom, …", "If it still fails, …"), a trailing vocative (", Jennifer"),
trailing emoji, and a clause with its own subject, which becomes its own sentence
("Update the app, you're on an old version." -> "Could you update the app? You're on an old
version."; after "and" that split is only `unsafe`). Fillers move after the frame ("Just send
it" -> "Could you just send it?"). Text written in capitals gets its new words in capitals.
A request that is cut off ("please proceed to the 1/2", "reach our team at...") or continues
an earlier message ("...experience with us.") gets no rewrite.

Modules: lexicon (the word lists and word tests), clauses (clause surgery), candidates (the
cheap pre-parse test of the imperative rules), frames (what a detector hands the templates),
imperative, bare_noun and obligation (the three detectors).
"""

from __future__ import annotations

from .bare_noun import BareNounRequest
from .imperative import ImperativeRequest
from .lexicon import clear_caches
from .obligation import ObligationRequest

DETECTORS = {d.name: d for d in (ImperativeRequest, BareNounRequest, ObligationRequest)}

__all__ = ["BareNounRequest", "DETECTORS", "ImperativeRequest", "ObligationRequest", "clear_caches"]
