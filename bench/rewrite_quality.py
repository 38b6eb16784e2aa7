"""Rewrite quality on requests phrased as orders (the `command` category).

    python bench/rewrite_quality.py [FILE.jsonl] [--errors] [--corpus N] [--seed S]

Takes every sentence of the labelled set (default tests/data/devset.jsonl) whose `labels`
include "command", rewrites it with `Coach.rewrite` at `safe` when every command finding in it
has a safe suggestion, else with the best available (`unsafe`; failing that, the finding's first
`display` suggestion), and prints the share whose rewrite

  (a) re-checks clean: re-checking the rewritten text gives no `command` finding, and no finding
      from a rule whose edit was applied lands on the text that edit wrote (the rewrite does not
      trip its own rule). Findings of other categories that had no applicable suggestion (a
      display-only "Hurry up" in the same message) do not count against it; the share that
      re-checks with no finding at all is printed beside it.
  (b) reads as a polite ask: the sentence holding the rewritten request opens with a request
      frame - "Could/Would/Can/Will/May/Might you|I|we …" or "Would you mind …" - and ends with
      "?" (trailing emoji and smileys aside), or opens with "Please"/"Kindly". The frame may
      follow an opening that the rewrite keeps: a greeting, a name, an introductory phrase ending
      in a comma, colon, semicolon or dash ("If it still fails, could you …"), up to three words ("So could you",
      "And may I have", "Next time could you"), or an emoji.
  (c) keeps every content word of the original request: every word of the command finding's
      text (minus words inside another category's finding whose rule was applied, such as a
      dropped "As I already said,") must appear in the rewritten text, compared lemma-insensitively with
      lemminflect (all lemmas of each word, so "call" matches "calling", "needs" matches "need").
      Not counted as content: articles and determiners, personal pronouns and possessives (me/my,
      you/your, ur and u: a rewrite may turn "me" into "I" or add "your"), auxiliaries and modals
      including the obligation frame the rewrite replaces by design (need to, must, have to,
      gotta, will, 'll, require), the infinitive "to", "and"/"but" (a clause split into its own
      sentence loses its "and"), and "please" with its variants kindly/pls/plz (normalised to
      "please", so a kept softener still counts). A negation (not, never, don't) counts as kept
      when the rewrite says "avoid".

and the share with no rewrite at all (not flagged as `command`, or no suggestion of any kind).
Every share is over all command sentences: a sentence with no rewrite fails (a), (b) and (c).
`--errors` lists each failure with the reason.

`--corpus N` runs the same figures over N agent turns from ../shared/corpus/transcripts.jsonl
that phrasecoach flags as `command` (a deterministic random sample, `--seed`): real wording
the rules were not written against. Those figures have no gold labels (the sample is what the
engine flags), so they measure rewrite quality, not recall. Skipped with a message when the
corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from phrasecoach import Coach
from phrasecoach.models import Applicability, Edit
from phrasecoach.rewrite import apply_edits
from phrasecoach.text import core_span, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts.jsonl"

# ---- (c) content words ------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,:/-]\d+)*")
_NOT_CONTENT = {
    # articles, determiners
    "a", "an", "the", "this", "that", "these", "those", "some", "any",
    # pronouns and possessives (a rewrite may turn "me" into "I" or add "your")
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours", "u", "ur", "yr", "ya",
    "they", "them", "their", "he", "him", "his", "she", "her", "it", "its", "yourself",
    # auxiliaries, modals and the obligation frame that the rewrite replaces
    "be", "am", "is", "are", "was", "were", "been", "being", "do", "does", "did", "have", "has",
    "had", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "need",
    "needs", "gotta", "got", "gonna", "going", "require", "hafta", "ll", "d", "ve", "re", "m", "s",
    "to", "and", "but",
}
_NEGATION = {"not", "never", "n't", "nt", "dont", "don't", "don’t"}
_NORMAL = {"pls": "please", "plz": "please", "kindly": "please", "thx": "thanks", "ty": "thanks"}


@lru_cache(maxsize=65536)
def _lemmas(word: str) -> frozenset[str]:
    from lemminflect import getAllLemmas

    out = {word}
    for forms in getAllLemmas(word).values():
        out.update(forms)
    return frozenset(out)


def _words(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text):
        w = w.lower().replace("’", "'")
        if w.endswith("n't"):
            out += [w[:-3], "n't"]
        elif "'" in w:
            out += w.split("'")
        else:
            out.append(w)
    return [_NORMAL.get(w, w) for w in out if w]


def missing_content(original: str, rewritten: str) -> list[str]:
    have = set()
    for w in _words(rewritten):
        have |= _lemmas(w)
    missing = []
    for w in _words(original):
        if w in _NOT_CONTENT:
            continue
        if w in _NEGATION:
            if not ({"avoid", "not", "never", "n't"} & have):
                missing.append(w)
            continue
        if not (_lemmas(w) & have):
            missing.append(w)
    return missing


# ---- (b) a polite ask ----------------------------------------------------------------------------
_EMOJI_TAIL = re.compile(r"(?:\s|[\U0001F000-\U0001FFFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]|:-?\)|;-?\)|:-?D|<3)+$")
_FRAME = re.compile(r"(?:could|would|can|will|may|might)\s+(?:you|i|we)\b|would\s+you\s+mind\b", re.I)
_PLEASE = re.compile(r"(?:please|kindly)\b", re.I)
def polite_ask(sentence: str) -> bool:
    s = _EMOJI_TAIL.sub("", sentence.strip())
    if not s:
        return False
    starts = {0}
    for m in re.finditer(r"[,;:—–]\s+|[\U0001F000-\U0001FFFF\u2600-\u27BF]\S*\s+", s[:120]):
        starts.add(m.end())
    for p in list(starts):  # up to three words after the start or a comma: "So could you", "then may I"
        for m in re.finditer(r"\s+", s[p:p + 60]):
            if len(s[p:p + m.start()].split()) <= 3:
                starts.add(p + m.end())
    for p in sorted(starts):
        if _FRAME.match(s, p) and s.endswith("?"):
            return True
        if _PLEASE.match(s, p):
            return True
    return False


# ---- one sentence --------------------------------------------------------------------------------
@dataclass
class Outcome:
    text: str
    level: str = "none"  # safe | unsafe | display | none
    rewritten: str = ""
    clean: bool = False
    fully_clean: bool = False
    polite: bool = False
    kept: bool = False
    why: list[str] = field(default_factory=list)


def _display_edit(text: str, finding) -> list[Edit]:
    s = finding.best(Applicability.display)
    if s is None or s.replacement == finding.text:
        return []
    return [Edit(rule=finding.rule, start=finding.start, end=finding.end, original=finding.text,
                 replacement=s.replacement, applicability=s.applicability)]


def _new_spans(edits: list[Edit]) -> list[tuple[int, int, Edit]]:
    out, shift = [], 0
    for e in sorted(edits, key=lambda e: e.start):
        out.append((e.start + shift, e.start + shift + len(e.replacement), e))
        shift += len(e.replacement) - (e.end - e.start)
    return out


def evaluate(coach: Coach, text: str) -> Outcome:
    out = Outcome(text=text)
    report = coach.check(text)
    command = [f for f in report.findings if f.category == "command"]
    if not command:
        out.why.append("not flagged as command")
        return out

    command_rules = {f.rule for f in command}

    def touches(edits):  # an edit that a command rule made
        return [e for e in edits if set(e.rule.split("+")) & command_rules]

    chosen = None
    # the safe rewrite when every command finding has a safe suggestion, else the best available
    all_safe = all(f.best(Applicability.safe) is not None for f in command)
    for level in (("safe", "unsafe") if all_safe else ("unsafe",)):
        res = coach.rewrite(text, level)
        if touches(res.edits):
            chosen, out.level = (res.rewritten, list(res.edits)), level
            break
    if chosen is None:
        edits = [e for f in command for e in _display_edit(text, f)][:1]
        if edits:
            chosen, out.level = (apply_edits(text, edits), edits), "display"
    if chosen is None:
        out.why.append("no suggestion")
        return out
    rewritten, edits = chosen
    out.rewritten = rewritten
    spans = _new_spans(edits)
    applied = {r for e in edits for r in e.rule.split("+")}
    again = coach.check(rewritten)
    bad = [f for f in again.findings if f.category == "command"
           or (f.rule in applied and any(f.start < b and a < f.end for a, b, _ in spans))]
    out.clean = not bad
    out.fully_clean = not again.findings
    if bad:
        out.why.append("re-check: " + ", ".join(f"{f.rule} {f.text!r}" for f in bad))
    # (b): the sentence of the rewritten text where each command edit starts
    # (b): the sentences the command edits wrote (handles and sign-offs trimmed); one of each
    # edit's sentences must be the ask ("Could you update the app? You're on an old version.")
    sents = [core_span(rewritten, s, t) for s, t in sentence_spans(rewritten)]
    asks = []
    polite = []
    for a, b, e in spans:
        if not set(e.rule.split("+")) & command_rules:
            continue
        mine = [rewritten[s:t] for s, t in sents if s < max(b, a + 1) and a < t]
        asks += mine
        polite.append(any(polite_ask(x) for x in mine))
    out.polite = bool(polite) and all(polite)
    if not out.polite:
        out.why.append(f"not a polite ask: {asks!r}")
    # (c): the words of the command findings, minus those another rule's applied edit rewrote
    other = [(g.start, g.end) for g in report.findings if g.category != "command" and g.rule in applied]
    if not touches(edits):
        out.why.append("the command finding was not rewritten")
        out.clean = out.polite = False
    pieces = []
    for f in command:
        chars = [c if not any(a <= f.start + i < b for a, b in other) else " "
                 for i, c in enumerate(f.text)]
        pieces.append("".join(chars))
    missing = missing_content(" ".join(pieces), rewritten)
    out.kept = not missing
    if missing:
        out.why.append(f"lost: {', '.join(missing)}")
    return out


def report(name: str, outcomes: list[Outcome], errors: bool, elapsed: float) -> dict:
    n = len(outcomes)
    levels = {k: sum(1 for o in outcomes if o.level == k) for k in ("safe", "unsafe", "display", "none")}
    figs = {
        "clean": sum(o.clean for o in outcomes) / n,
        "fully_clean": sum(o.fully_clean for o in outcomes) / n,
        "polite": sum(o.polite for o in outcomes) / n,
        "kept": sum(o.kept for o in outcomes) / n,
        "none": levels["none"] / n,
    }
    print(f"{name}: {n} command sentences ({elapsed:.1f} s); rewritten with safe {levels['safe']}, "
          f"unsafe {levels['unsafe']}, display {levels['display']}, none {levels['none']}")
    print(f"  (a) re-checks clean              {100 * figs['clean']:5.1f}%   "
          f"(no finding at all: {100 * figs['fully_clean']:.1f}%)")
    print(f"  (b) reads as a polite ask         {100 * figs['polite']:5.1f}%")
    print(f"  (c) keeps every content word      {100 * figs['kept']:5.1f}%")
    print(f"      no rewrite at all             {100 * figs['none']:5.1f}%")
    target = all(figs[k] >= 0.95 for k in ("clean", "polite", "kept"))
    print(f"  target 95% on (a), (b), (c): {'met' if target else 'NOT met'}")
    if errors:
        for o in outcomes:
            if o.why:
                print(f"  - [{o.level}] {o.text!r}\n      -> {o.rewritten!r}\n      {'; '.join(o.why)}")
    return figs


def corpus_turns(path: Path, n: int, seed: int, coach: Coach) -> list[str]:
    turns = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            conv = json.loads(line)
            for t in conv.get("turns", []):
                if t.get("speaker") == "agent" and isinstance(t.get("text"), str) and t["text"].strip():
                    turns.append(t["text"])
    random.Random(seed).shuffle(turns)
    picked: list[str] = []
    for i in range(0, len(turns), 512):
        chunk = turns[i:i + 512]
        for text, rep in zip(chunk, coach.check_many(chunk)):
            if any(f.category == "command" for f in rep.findings):
                picked.append(text)
                if len(picked) >= n:
                    return picked
    return picked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", default=str(ROOT / "tests" / "data" / "devset.jsonl"))
    ap.add_argument("--errors", action="store_true", help="list every failure with the reason")
    ap.add_argument("--corpus", type=int, metavar="N", default=0,
                    help="also N command-flagged agent turns from the shared transcript corpus")
    ap.add_argument("--corpus-file", default=str(CORPUS))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    coach = Coach(level="picky").warm()  # every measured rule: the rewrites are picky-level rules
    rows = [json.loads(line) for line in Path(args.file).read_text("utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows if "command" in r.get("labels", [])]
    t0 = time.perf_counter()
    outcomes = [evaluate(coach, t) for t in texts]
    report(f"{Path(args.file).name}", outcomes, args.errors, time.perf_counter() - t0)
    if args.corpus:
        path = Path(args.corpus_file)
        if not path.exists():
            print(f"corpus: {path} not found, skipped")
            return 0
        t0 = time.perf_counter()
        turns = corpus_turns(path, args.corpus, args.seed, coach)
        outcomes = [evaluate(coach, t) for t in turns]
        print()
        report(f"corpus sample (seed {args.seed})", outcomes, args.errors, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
