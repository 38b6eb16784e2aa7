"""pipeline.TagAttrs stands in for the trained pipeline's attribute ruler: same POS, TAG and DEP."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.pipeline import TagAttrs, load_pipeline
from phrasecoach.config import DEFAULT_MODEL
from phrasecoach.text import sentence_spans

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "transcripts.jsonl"


@pytest.fixture(scope="module")
def pipelines():
    return load_pipeline(DEFAULT_MODEL), load_pipeline(DEFAULT_MODEL, fast_attrs=False)


def _differences(fast, real, texts):
    out = []
    for a, b in zip(fast.pipe(texts), real.pipe(texts)):
        for x, y in zip(a, b):
            if (x.pos_, x.tag_, x.dep_) != (y.pos_, y.tag_, y.dep_):
                out.append((a.text, x.text, (x.pos_, x.tag_, x.dep_), (y.pos_, y.tag_, y.dep_)))
    return out


def test_the_default_pipeline_uses_tag_attrs(pipelines):
    fast, real = pipelines
    assert isinstance(fast.get_pipe("attribute_ruler"), TagAttrs)
    assert not isinstance(real.get_pipe("attribute_ruler"), TagAttrs)
    assert fast.pipe_names == real.pipe_names


def test_same_attributes_as_the_ruler_on_examples_and_devset(pipelines):
    coach = Coach()
    texts = [e.text.replace("[[", "").replace("]]", "") for r in coach.rules for e in r.spec.examples.flag]
    texts += [t.text for r in coach.rules for t in r.spec.examples.pass_]
    texts += [json.loads(line)["text"] for line in (DATA / "devset.jsonl").read_text().splitlines()]
    texts += ["There is a   gap.", "I ain't sure.", "Is there anything else?", "\n", "Don't do that!"]
    assert _differences(*pipelines, texts) == []


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_file(), reason=f"the transcript corpus is not at {CORPUS}")
def test_same_attributes_as_the_ruler_on_corpus_sentences(pipelines):
    with open(CORPUS, encoding="utf-8") as f:
        turns = [t["text"] for line in itertools.islice(f, 1500) for t in json.loads(line)["turns"]]
    sents = [t[s:e] for t in turns for s, e in sentence_spans(t)]
    assert len(sents) > 3000
    assert _differences(*pipelines, sents) == []


def test_patterns_of_an_unknown_shape_keep_the_real_ruler():
    regex_pos = [{"patterns": [[{"LOWER": {"REGEX": "^x+$"}}]], "attrs": {"POS": "X"}, "index": 0}]
    assert not TagAttrs.supports(regex_pos)
    lemma_only = [{"patterns": [[{"LOWER": {"REGEX": "^x+$"}}]], "attrs": {"LEMMA": "x"}, "index": 0}]
    assert TagAttrs.supports(lemma_only)  # TagAttrs never sets a lemma, so the pattern is moot


def test_a_pack_reading_morph_keeps_the_real_ruler(tmp_path):
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text("id: morph\nname: Reads MORPH\n", encoding="utf-8")
    (pack / "style.yaml").write_text("""\
rules:
  - id: MOR101
    name: past-tense-blame
    category: blame
    severity: info
    message: Past tense after "you".
    why: A test rule that reads morphology.
    match:
      tokens:
        - [{LOWER: you}, {MORPH: {IS_SUPERSET: ["Tense=Past"]}}]
    examples:
      flag:
        - text: "Sorry, [[you deleted]] the file."
      pass:
        - "Sorry, you can delete the file."
""", encoding="utf-8")
    coach = Coach(packs=[pack], bundled=False)
    assert not isinstance(coach.nlp.get_pipe("attribute_ruler"), TagAttrs)
    assert [f.rule for f in coach.check("Sorry, you deleted the file.").findings] == ["MOR101"]
    assert Coach().nlp.get_pipe("attribute_ruler").__class__ is TagAttrs
