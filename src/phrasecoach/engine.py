"""The engine: text -> sentences -> rules -> findings -> suggestions -> score -> Report.

Two layers. The lexical layer (phrase lists, regexes, lexical detectors) runs on every
sentence. The parse layer (token patterns and parse-needing detectors) runs only on the
sentences a rule's cheap candidate test lets through, batched through `nlp.pipe`; with
`parse="all"` every sentence is parsed instead, which gives the same findings (the
throughput bench checks that on the corpus) at a fraction of the speed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings, load_settings
from .conversation import Scanner
from .errors import PackReadError, SelectionError
from .kinds.base import DetectorContext, Match
from .kinds.prefilter import Haystack, LiteralScan, literal_haystack, word_keys
from .levels import included, measured
from .models import SIGNAL_KINDS, Applicability, Edit, Finding, Report, RewriteResult, Severity, Strength
from .packs.compiled import CompiledRule, compile_rule
from .packs.loader import (LoadedPack, LoadedRule, bundled_packs_dir, check_unique, discover,
                           load_glossary)
from .pipeline import check_pipeline_installed, load_pipeline, one_blas_thread, zone_lock
from .rewrite import apply_edits, choose_edits, overlap_groups
from .rewrite import merge_edits as _merge_edits
from .score import score as compute_score
from .text import checked_sentences, past_greetings, inside_any, quote_spans, valid_text

MAX_REWRITE_PASSES = 4
_CANDIDATE_CACHE = 32768  # sentences; emptied when full (a few MB)
_GATE_CHARS = 2000  # see _gate_parts


def _pack_folder(name: str | Path) -> Path:
    """A pack folder, or the name of an optional bundled pack (`airline`, `telecom`, ...)."""
    path = Path(name)
    if not path.exists() and path.name == str(name):
        bundled = bundled_packs_dir() / str(name)
        if (bundled / "pack.yaml").is_file():
            return bundled
    if not path.exists():
        raise PackReadError("no such pack folder, and no bundled pack of that name", where=str(name),
                            hint=f"bundled packs: {', '.join(optional_packs())}; or give a folder path")
    return path


def optional_packs() -> list[str]:
    """The bundled packs a team can add by name (all but `core`, which is always there)."""
    return sorted(p.name for p in bundled_packs_dir().iterdir()
                  if (p / "pack.yaml").is_file() and p.name != "core")


def _selector_matches(sel: str, lr: LoadedRule) -> bool:
    s = lr.spec
    return (sel == s.id or s.id.startswith(sel) or sel == s.category or sel == s.name
            or sel == lr.pack)


@dataclass
class _Pending:
    text: str
    sents: list[tuple[int, int]]
    quotes: list[tuple[int, int]]
    context: str | None = None
    hits: list[tuple[CompiledRule, Match, tuple[int, int]]] = field(default_factory=list)
    jobs: list[tuple[int, list[CompiledRule]]] = field(default_factory=list)
    fired: frozenset[str] | None = None  # customer-side rules that fire on `context` (once asked)


class Coach:
    """Checks and rewrites customer-service messages.

    >>> coach = Coach()
    >>> report = coach.check("Date of birth?")
    >>> report.findings[0].rule, report.rewritten
    ('PC101', 'May I have your date of birth?')

    Packs and the spaCy pipeline load once per Coach; reuse one Coach for many texts.
    """

    def __init__(self, *, settings: Settings | None = None, config: str | Path | None = None,
                 packs: list[str | Path] | None = None, select: list[str] | None = None,
                 ignore: list[str] | None = None, severity: dict[str, str] | None = None,
                 glossary: list[str | Path] | None = None, model: str | None = None,
                 bundled: bool | None = None, parse: str | None = None, level: str | None = None,
                 nlp=None):
        if settings is None:
            settings = load_settings(
                config, packs=[str(p) for p in packs] if packs is not None else None,
                select=select, ignore=ignore, severity=severity,
                glossary=[str(g) for g in glossary] if glossary is not None else None,
                model=model, bundled=bundled, parse=parse, level=level)
        self.settings = settings
        self.packs: list[LoadedPack] = []
        if settings.bundled:
            self.packs.extend(discover(bundled_packs_dir() / "core"))
        seen = {p.path.resolve() for p in self.packs}
        for p in settings.packs:  # a folder named twice (or the bundled one named again) loads once
            for pack in discover(_pack_folder(p)):
                if pack.path.resolve() not in seen:
                    seen.add(pack.path.resolve())
                    self.packs.append(pack)
        check_unique(self.packs)
        glossary_terms: dict[str, str] = {}
        for p in self.packs:
            glossary_terms.update(p.glossary)
        for g in settings.glossary:
            glossary_terms.update(load_glossary(Path(g)))
        self.glossary = glossary_terms
        lexicons: dict[str, list[str]] = {}
        for p in self.packs:  # a later pack's class of the same name adds to it
            for name, entries in p.meta.lexicons.items():
                lexicons.setdefault(name, []).extend(entries)
        ctx = DetectorContext(glossary=glossary_terms, lexicons=lexicons)
        all_loaded = [r for p in self.packs for r in p.rules]
        for sel in [*settings.select, *settings.ignore]:
            if not any(_selector_matches(sel, r) for r in all_loaded):
                raise SelectionError(f"`{sel}` matches no rule, category or pack",
                                     hint="list them with `phrasecoach rules list`")
        # A rule outside the level runs only when selected by its exact id (ruff's explicit select).
        chosen = [r for r in all_loaded
                  if (not settings.select or any(_selector_matches(s, r) for s in settings.select))
                  and not any(_selector_matches(s, r) for s in settings.ignore)
                  and r.spec.status != "deprecated"
                  and (included(r.spec.level, settings.level) or r.spec.id in settings.select)]
        # a customer-side signal runs whenever the conversation rule it feeds runs (`--select
        # PC701` at the default level brings all its signals, PC7021 too), and not otherwise,
        # whatever its own level says; `--ignore` turns one off
        fed = {r.spec.category for r in chosen if r.spec.match.conversation}
        chosen = [r for r in chosen if r.spec.speaker == "agent" or r.spec.category in fed] + [
            r for r in all_loaded
            if r.spec.speaker != "agent" and r.spec.category in fed and r not in chosen
            and not any(_selector_matches(s, r) for s in settings.ignore) and r.spec.status != "deprecated"]
        self.rules: list[CompiledRule] = [
            compile_rule(r, ctx, Severity(settings.severity[r.spec.id]) if r.spec.id in settings.severity else None)
            for r in chosen]
        self._by_id = {r.id: r for r in self.rules}
        # `requires: signals:` — the customer-side rules a rule needs to fire on the context,
        # compiled beside the rules (whatever their level) and run on a context only when asked
        customer = [r for r in all_loaded if r.spec.speaker == "customer" and r.spec.status != "deprecated"]
        needed: dict[str, LoadedRule] = {}
        for rule in self.rules:
            for req in (a for q in rule.requirements for a in q.alternatives):
                if not req.signals:
                    continue
                named = [c for c in customer if any(_selector_matches(sel, c) or sel == c.spec.signal for sel in req.signals)]
                if not named:
                    raise SelectionError(
                        f"{rule.id} requires signals {', '.join(req.signals)}, which name no "
                        f"customer-side rule", where=req.where,
                        hint="name customer-side rules (`speaker: customer`) by id, name or category; "
                             f"or by the kind of signal ({', '.join(SIGNAL_KINDS)}); "
                             "`phrasecoach rules list --level preview` lists them")
                req.ids = frozenset(c.spec.id for c in named)
                needed.update((c.spec.id, c) for c in named)
        self._context_signals = Scanner([self._by_id.get(i) or compile_rule(c, ctx) for i, c in needed.items()]) \
            if needed else None
        # precision measured on real agent turns, per rule id (levels.MEASURED_FILE in each pack)
        self.measured: dict[str, dict] = {}
        for pack in self.packs:
            self.measured.update(measured(str(pack.path)))
        self._lex_rules = [r for r in self.rules if not r.needs_parse]
        # Phrase rules are found through one index of their forms' words (kinds.phrases);
        # the others are tried one by one behind their own key test.
        phrase_index: dict[str, list[tuple[CompiledRule, frozenset[str]]]] = {}
        for r in self._lex_rules:
            if r.kind == "phrases":
                for key, words in r.phrase_key_sets:
                    phrase_index.setdefault(key, []).append((r, words))
        # per key, per rule, the word sets that select it; one whose words hold another's of
        # the same rule adds nothing
        self._phrase_by_key: dict[str, list[tuple[CompiledRule, list[frozenset[str]]]]] = {}
        for key, entries in phrase_index.items():
            by_rule: dict[str, tuple[CompiledRule, list[frozenset[str]]]] = {}
            for r, words in sorted(entries, key=lambda e: (len(e[1]), sorted(e[1]))):
                sets = by_rule.setdefault(r.id, (r, []))[1]
                if not any(w <= words for w in sets):
                    sets.append(words)
            self._phrase_by_key[key] = list(by_rule.values())
        self._phrase_keys = frozenset(self._phrase_by_key)
        self._other_lex = [r for r in self._lex_rules if r.kind != "phrases"]
        self._parse_rules = [r for r in self.rules if r.needs_parse]
        # every literal a rule's gate or regexes require, found in one pass per text
        self._literal_scan = LiteralScan(x for r in self.rules for lits in r.literals if lits
                                         for group in lits for x in group)
        for r in self.rules:
            if r.literals:
                r._bind(self._literal_scan)
        self._priority = {r.id: r.spec.priority for r in self.rules}
        self._parse_all = settings.parse == "all"
        self._candidates: dict[str, list[CompiledRule]] = {}  # sentence -> parse rules it is a candidate for
        # pipeline.TagAttrs sets POS, TAG and DEP but not MORPH: a pack reading MORPH keeps the real ruler
        self._reads_morph = any(str(attr).upper() == "MORPH" for r in self._parse_rules
                                for pat in (r.token_patterns or ()) for tok in pat
                                for attr in (tok.get("RIGHT_ATTRS", tok) if r.kind == "dependency" else tok))
        self._nlp = nlp
        self._lock = threading.Lock()
        if nlp is None and self._parse_rules:
            check_pipeline_installed(settings.model)  # fail now, not on the first parsed sentence

    # ---- the pipeline -------------------------------------------------------------
    @property
    def needs_parse(self) -> bool:
        return bool(self._parse_rules)

    @property
    def nlp(self):
        """The spaCy pipeline, loaded on first use (never if no loaded rule needs a parse)."""
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = load_pipeline(self.settings.model, fast_attrs=not self._reads_morph)
        return self._nlp

    def warm(self) -> "Coach":
        """Load the pipeline now (services call this at start-up)."""
        if self.needs_parse:
            _ = self.nlp
        return self

    def rule(self, rule_id: str) -> CompiledRule | None:
        return self._by_id.get(rule_id)

    # ---- checking -----------------------------------------------------------------
    def check(self, text: str, context: str | None = None) -> Report:
        """Check one message. `context` is the customer's last message: an acronym the customer
        wrote first is not jargon, and an instruction they asked for is not an order."""
        return next(iter(self.check_many([text], contexts=[context])))

    def check_many(self, texts: Iterable[str], batch_size: int = 1024,
                   contexts: Iterable[str | None] | None = None) -> Iterator[Report]:
        """Check many texts, streaming: parse-needing sentences go through `nlp.pipe` in batches.

        `contexts`, if given, runs beside `texts`: the customer's last message before each.
        `batch_size` texts are checked together: only a few percent of their sentences need a
        parse, and 1,024 texts give the parser batches big enough to run at full speed (about
        10% faster than 256 on the corpus)."""
        chunk: list[tuple[str, str | None]] = []
        ctx_iter = iter(contexts) if contexts is not None else None
        for t in texts:
            chunk.append((t, next(ctx_iter, None) if ctx_iter is not None else None))
            if len(chunk) >= batch_size:
                yield from self._check_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._check_chunk(chunk)

    def _check_chunk(self, items: list[tuple[str, str | None]]) -> list[Report]:
        pend = [self._lexical(t, c) for t, c in items]
        self._parse_layer(pend)
        reports = [self._report(p) for p in pend]
        # the safe rewrite of every text with a finding, re-checked together (one nlp.pipe per pass)
        todo = [i for i, r in enumerate(reports) if r.findings]
        fixed = self._converge_many([(reports[i].text, list(reports[i].findings), items[i][1])
                                     for i in todo], Applicability.safe)
        for i, (new, edits) in zip(todo, fixed):
            if edits:
                reports[i] = reports[i].model_copy(update={"rewritten": new, "edits": tuple(edits)})
        return reports

    def _lexical(self, text: str, context: str | None = None) -> _Pending:
        if not isinstance(text, str):
            raise TypeError(f"check() takes str, not {type(text).__name__}")
        if context is not None and not isinstance(context, str):
            raise TypeError(f"context takes str, not {type(context).__name__}")
        text = valid_text(text)  # a lone surrogate becomes U+FFFD: same offsets, encodable output
        sents = checked_sentences(text)
        p = _Pending(text=text, sents=sents, quotes=quote_spans(text), context=context or None)
        for part, lo, hi in _gate_parts(text, sents):  # the whole text, unless it is long
            self._lexical_part(p, part, lo, hi)
        return p

    def _lexical_part(self, p: _Pending, part: str, lo: int, hi: int) -> None:
        """Run the rules on sentences lo..hi of p.text; which rules could match is decided on
        `part`, the text that holds those sentences."""
        text, sents = p.text, p.sents[lo:hi]
        keys = word_keys(part)
        low = self._literal_scan.haystack(literal_haystack(part))
        phrase_rules: dict[str, CompiledRule] = {}
        for k in keys & self._phrase_keys:
            for r, sets in self._phrase_by_key[k]:
                if r.id not in phrase_rules and any(map(keys.issuperset, sets)):
                    phrase_rules[r.id] = r
        hits = p.hits
        mask = low.mask if isinstance(low, Haystack) else -1  # -1: every bit (no skipping)
        no_context = p.context is None
        # the lexical rules read each sentence after its opening greeting ("Hi Greg, once again,
        # yes" is read from "once again"), so a rule's "^" is where the agent's own words start
        lex_sents = past_greetings(text, sents)
        for rule in [*phrase_rules.values(), *self._other_lex]:
            gate = rule.gate_bits
            if gate and not gate & mask:  # not one string of its gate: the rule cannot match
                continue
            if no_context and rule.needs_context:  # its `requires:` reads a message not given
                continue
            if not rule.quick(part, keys, low):
                continue
            for m, se in rule.find_in_sentences(text, lex_sents, low):
                hits.append((rule, m, se))
        if self._parse_rules:
            quick = [r for r in self._parse_rules
                     if not (no_context and r.needs_context)
                     and (self._parse_all or ((not r.gate_bits or r.gate_bits & mask) and r.quick(part, keys, low)))]
            if quick:
                every = len(quick) == len(self._parse_rules)
                gated = not no_context and not self._parse_all and any(r.signal_gated for r in quick)
                cache = self._candidates
                for i, (s, e) in enumerate(sents, lo):
                    st = text[s:e]
                    if self._parse_all:
                        rs = quick
                    else:  # agents repeat their sentences: a quarter of the corpus's are repeats
                        rs = cache.get(st) if every else None
                        if rs is None:
                            rs = [r for r in quick if r.candidate(st)]
                            if every:
                                if len(cache) >= _CANDIDATE_CACHE:
                                    cache.clear()
                                cache[st] = rs
                    if rs and gated:
                        # a rule whose `requires: signals:` fail on this message is not parsed; the
                        # context is scanned only once a sentence is a candidate (signals_unmet)
                        rs = [r for r in rs if not (r.signal_gated and r.signals_unmet(self._fired(p)))]
                    if rs:
                        p.jobs.append((i, rs))

    def _parse_layer(self, pend: list[_Pending]) -> None:
        jobs = [(p, i, rs) for p in pend for i, rs in p.jobs]
        if not jobs:
            return
        texts = [p.text[p.sents[i][0]:p.sents[i][1]] for p, i, _ in jobs]
        nlp = self.nlp
        for rule in {r.id: r for _, _, rs in jobs for r in rs}.values():
            rule.prepare(nlp)
        # In spaCy's memory zone, the Docs and the strings of words the vocabulary did not know
        # are freed when the batch is done, so a long-running process does not grow with every
        # new word it sees. Only plain values (offsets and strings in Match) leave the zone.
        with zone_lock(nlp), one_blas_thread, nlp.memory_zone():
            docs = list(nlp.pipe(texts, batch_size=128))
            for (p, i, rs), doc in zip(jobs, docs):
                s, e = p.sents[i]
                for rule in rs:
                    for m in rule.find_parsed(doc, s):
                        p.hits.append((rule, m, (s, e)))
            del docs

    def _fired(self, p: _Pending) -> frozenset[str]:
        """The customer-side rules that fire on the message's context (scanned once)."""
        if p.fired is None:
            scanner = self._context_signals
            p.fired = scanner.fired(p.context) if scanner is not None and p.context else frozenset()
        return p.fired

    def _report(self, p: _Pending) -> Report:
        """Findings and strengths of one text; `rewritten` is filled in by _check_chunk."""
        text = p.text
        findings: list[tuple[CompiledRule, Finding]] = []
        strengths: list[Strength] = []
        seen = set()
        for rule, m, sent in p.hits:
            if m.end <= m.start or inside_any(m.start, m.end, p.quotes):
                continue
            if rule.vetoed(text, m, sent, p.context):
                continue
            if rule.requirements and rule.unmet(text, m, sent, p.context, lambda: self._fired(p)):
                continue
            start, end = (sent if rule.spec.match.span == "sentence" else (m.start, m.end))
            key = (rule.id, start, end)
            if key in seen:
                continue
            seen.add(key)
            if rule.is_strength:
                strengths.append(Strength(rule=rule.id, name=rule.spec.name, start=start, end=end,
                                          text=text[start:end], message=rule.spec.message))
                continue
            f = Finding(rule=rule.id, name=rule.spec.name, category=rule.spec.category,
                        severity=rule.severity, start=start, end=end, text=text[start:end],
                        message=rule.spec.message,
                        suggestions=tuple(rule.suggestions(text, m, sent)))
            findings.append((rule, f))
        kept = _resolve_overlaps(findings)
        kept.sort(key=lambda f: (f.start, f.end, f.rule))
        strengths.sort(key=lambda s: (s.start, s.rule))
        sc = compute_score(kept, strengths)
        return Report(text=text, findings=tuple(kept), strengths=tuple(strengths), score=sc,
                      rewritten=text, edits=())

    # ---- conversations ------------------------------------------------------------
    def score_conversation(self, turns, **kwargs):
        """Score one conversation (agent and customer turns, in order): 0-100 with every
        deduction traced to a turn, a span and a rule. See `phrasecoach.transcripts`."""
        from .transcripts.scoring import score_conversation

        return score_conversation(self, turns, **kwargs)

    # ---- rewriting ----------------------------------------------------------------
    def rewrite(self, text: str, applicability: str | Applicability = "safe",
                context: str | None = None) -> RewriteResult:
        """Apply every suggestion up to `applicability` ('safe' or 'unsafe'), until stable."""
        level = Applicability(applicability)
        if level is Applicability.display:
            raise ValueError("display suggestions are never applied; use 'safe' or 'unsafe'")
        report = self.check(text, context=context)
        text = report.text  # as checked: a lone surrogate is U+FFFD there (text.valid_text)
        if level is Applicability.safe:
            return RewriteResult(text=text, rewritten=report.rewritten, edits=report.edits)
        rewritten, edits = self._converge_many([(text, list(report.findings), context)], level)[0]
        return RewriteResult(text=text, rewritten=rewritten, edits=tuple(edits))

    def _converge_many(self, items: list[tuple[str, list[Finding], str | None]],
                       level: Applicability) -> list[tuple[str, list[Edit]]]:
        """Apply non-overlapping edits, re-check, repeat until stable: ruff's fix loop, run for
        many texts at once so each pass parses all their candidate sentences in one batch."""
        contexts = [c for _, _, c in items]
        state = [[text, text, list(findings), []] for text, findings, _ in items]  # original, current, findings, edits
        active = list(range(len(state)))
        for _ in range(MAX_REWRITE_PASSES):
            changed = []
            for i in active:
                original, current, findings, done = state[i]
                edits = choose_edits(findings, level, self._priority)
                if not edits:
                    continue
                new = apply_edits(current, edits)
                if new == current:
                    continue
                state[i][3] = _merge_edits(original, done, edits, current, new)
                state[i][1] = new
                changed.append(i)
            if not changed:
                break
            pend = [self._lexical(state[i][1], contexts[i]) for i in changed]
            self._parse_layer(pend)
            for i, p in zip(changed, pend):
                state[i][2] = list(self._report(p).findings)
            active = changed
        return [(current, edits) for _, current, _, edits in state]


def _gate_parts(text: str, sents: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(part, lo, hi): the text whose words decide which rules run on sentences lo..hi. A
    message up to _GATE_CHARS long is one part, the whole text. A longer one is cut between
    sentences into parts of about _GATE_CHARS, so a long message runs on each stretch only the
    rules that its words allow, as a short one does (linear in the length of the message)."""
    if len(text) <= _GATE_CHARS or not sents:
        return [(text, 0, len(sents))]
    out, lo = [], 0
    for hi in range(1, len(sents) + 1):
        if hi == len(sents) or sents[hi][1] - sents[lo][0] > _GATE_CHARS:
            out.append((text[sents[lo][0]:sents[hi - 1][1]], lo, hi))
            lo = hi
    return out


def _resolve_overlaps(findings: list[tuple[CompiledRule, Finding]]) -> list[Finding]:
    """Drop a finding inside another of higher priority in the same category, and repeats."""
    # the rule id breaks the last tie, so which of two equal findings is kept never depends on
    # the order the rules ran in (a set's order changes with PYTHONHASHSEED)
    order = sorted(findings, key=lambda rf: (-rf[0].spec.priority, -rf[1].severity.rank,
                                             -(rf[1].end - rf[1].start), rf[1].start, rf[0].id))
    out: list[Finding] = []
    for group in overlap_groups(order, lambda rf: (rf[1].start, rf[1].end)):  # clashes stay within a group
        kept: list[tuple[CompiledRule, Finding]] = []
        for rule, f in group:
            clash = False
            for r2, g in kept:
                overlap = f.start < g.end and g.start < f.end
                if not overlap:
                    continue
                same_cat = f.category == g.category
                if same_cat or (g.start <= f.start and f.end <= g.end and r2.spec.priority > rule.spec.priority):
                    clash = True
                    break
            if not clash:
                kept.append((rule, f))
        out.extend(f for _, f in kept)
    return out

