"""The learned wording models (detector `wording-model`, `phrasecoach rules train`).

A model is data beside its pack: a TSV of n-gram weights that `rules train` makes from labelled
sentences. These tests train one, load it from a team pack, break its file, and check that the
bundled models are what their training data gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from phrasecoach import Coach
from phrasecoach.errors import DetectorError, PackLimitError
from phrasecoach.kinds import wording
from phrasecoach.kinds.training import train
from phrasecoach.text import checked_sentences

ROOT = Path(__file__).resolve().parents[1]
WRITTEN = ROOT / "tests" / "data" / "written" / "sentences.jsonl"
MODELS = ROOT / "rules" / "core" / "models"

RULE = """\
rules:
  - id: ACME301
    name: blaming-by-model
    category: blame
    message: Reads as blaming the customer.
    why: A team's own model of blame.
    match:
      detector: wording-model
      options:
        {options}
      span: sentence
    examples:
      flag:
        - "[[You typed the wrong number into the form, so it failed.]]"
      pass:
        - "The form failed; I'll fix it for you now."
"""


def _rows() -> list[dict]:
    """Labelled items in the written set's shape, by three writers (ids a-, b-, c-)."""
    blame = ["You typed the wrong number into the form, so it failed.",
             "You entered the wrong card, so of course it was declined.",
             "You forgot to sign it, so it came back.",
             "It failed because you typed the wrong code.",
             "You missed the deadline, so the offer lapsed.",
             "You sent it to the wrong address, so it bounced."]
    clean = ["The form failed; I'll fix it for you now.",
             "Thanks for waiting, your order is on its way.",
             "I can send a new code to your phone now.",
             "Your refund will reach your card in three days.",
             "I have updated the address on your account.",
             "The offer runs until Friday, and I can apply it today."]
    rows = []
    for i, t in enumerate(blame * 3):
        rows.append({"id": f"{'abc'[i % 3]}-b{i}", "text": t, "labels": [{"category": "blame", "quote": t}]})
    for i, t in enumerate(clean * 3):
        rows.append({"id": f"{'abc'[i % 3]}-c{i}", "text": t, "labels": []})
    return rows


def _pack(root: Path, model: str | None, options: str = "file: models/blame.tsv") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text("id: acme\nname: Acme\n", encoding="utf-8")
    (root / "tone.yaml").write_text(RULE.format(options=options), encoding="utf-8")
    if model is not None:
        (root / "models").mkdir(exist_ok=True)
        (root / "models" / "blame.tsv").write_text(model, encoding="utf-8")
    return root


def test_a_trained_model_flags_its_category_and_passes_clean_sentences(tmp_path):
    model = train(_rows(), "blame", min_precision=0.9, max_clean=0.2)
    pack = _pack(tmp_path / "acme", model.dump())
    coach = Coach(packs=[pack], bundled=False)
    rep = coach.check("Sorry for the wait. You typed the wrong number into the form, so it failed.")
    assert [(f.rule, f.text) for f in rep.findings] == [
        ("ACME301", "You typed the wrong number into the form, so it failed.")]
    assert coach.check("Thanks for waiting, your refund will reach your card in three days.").findings == ()


def test_the_file_is_read_back_exactly():
    model = train(_rows(), "blame", min_precision=0.9, max_clean=0.2)
    back = wording.WordingModel.parse(model.dump(), "x.tsv")
    for s in ("You forgot to sign it.", "I can send a new code."):
        assert back.logit(s) == pytest.approx(model.logit(s), abs=1e-4)
    assert back.threshold == model.threshold and back.category == "blame"


def test_a_broken_model_file_is_named_with_its_line(tmp_path):
    pack = _pack(tmp_path / "acme", "@category\tblame\n@bias\t-1\n@threshold\t0.5\nyou typed\tlots\n")
    with pytest.raises(DetectorError) as e:
        Coach(packs=[pack], bundled=False)
    assert "blame.tsv:4" in str(e.value) and "rules train" in str(e.value)


def test_a_missing_model_file_says_where_it_was_looked_for(tmp_path):
    pack = _pack(tmp_path / "acme", None)
    with pytest.raises(DetectorError) as e:
        Coach(packs=[pack], bundled=False)
    assert "models/blame.tsv" in str(e.value).replace("\\", "/")


def test_a_model_outside_the_pack_folder_is_not_read(tmp_path):
    (tmp_path / "elsewhere.tsv").write_text("@category\tblame\n@bias\t-1\n@threshold\t0.5\n", encoding="utf-8")
    pack = _pack(tmp_path / "acme", None, options="file: ../elsewhere.tsv")
    with pytest.raises(PackLimitError) as e:
        Coach(packs=[pack], bundled=False)
    assert "leads outside the pack folder" in str(e.value)


def test_an_oversized_model_file_is_refused_before_it_is_read(tmp_path):
    pack = _pack(tmp_path / "acme", "@category\tblame\n@bias\t-1\n@threshold\t0.5\n")
    with open(pack / "models" / "blame.tsv", "a", encoding="utf-8") as f:
        f.write("#" * (wording.MAX_MODEL_BYTES + 1))
    with pytest.raises(PackLimitError) as e:
        Coach(packs=[pack], bundled=False)
    assert "blame.tsv" in str(e.value)


def test_a_misspelt_option_is_a_load_error(tmp_path):
    pack = _pack(tmp_path / "acme", "@category\tblame\n@bias\t-1\n@threshold\t0.5\n", options="fille: models/blame.tsv")
    with pytest.raises(DetectorError) as e:
        Coach(packs=[pack], bundled=False)
    assert "tone.yaml:2" in str(e.value) and "its options are: file, threshold, min_words" in str(e.value)


def test_rules_train_writes_a_model_and_names_a_bad_row(tmp_path):
    data = tmp_path / "labelled.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _rows()), encoding="utf-8")
    out = tmp_path / "acme" / "models" / "blame.tsv"
    cmd = [sys.executable, "-m", "phrasecoach.cli", "rules", "train", str(data), "--category", "blame",
           "--out", str(out), "--max-clean", "0.2"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "threshold" in p.stdout and out.is_file()
    _pack(tmp_path / "acme", None)  # the rule file beside the model just written
    test = subprocess.run([sys.executable, "-m", "phrasecoach.cli", "rules", "test", str(tmp_path / "acme"),
                           "--alone"], capture_output=True, text=True, timeout=300)
    assert test.returncode == 0 and "2 passed, 0 failed" in test.stdout, test.stdout + test.stderr
    data.write_text(data.read_text() + '{"id": "a-x", "labels": []}\n', encoding="utf-8")
    bad = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and f"labelled.jsonl:{len(_rows()) + 1}" in bad.stderr


@pytest.fixture(scope="module")
def training_rows(tmp_path_factory):
    """The models' training rows, gathered once for the four categories (as train_models does)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import train_models

    if not train_models.wording_data.CORPUS.is_file():
        pytest.skip("../shared/corpus is absent: the models' real sentences are read from it")
    return train_models.training_rows(tmp_path_factory.mktemp("training"))


@pytest.mark.parametrize("category", ["defensive", "blame", "dismissive", "impatience"])
def test_the_bundled_models_are_what_their_data_trains(category, training_rows):
    """A model edited by hand, or left behind when its data grew, fails here
    (remake: python bench/train_models.py)."""
    import train_models

    shipped = wording.load_model(MODELS / f"{category}.tsv")
    fresh = train_models.build(category, training_rows)
    assert fresh.threshold == shipped.threshold
    assert set(fresh.weights) == set(shipped.weights)
    assert max(abs(fresh.weights[g] - shipped.weights[g]) for g in fresh.weights) < 1e-4


def test_the_bundled_signal_model_is_what_its_data_trains():
    """PC7021's model of customer messages, remade from the transcripts and real turns it reads
    (remake: python bench/train_models.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import train_models

    if not train_models.wording_data.CORPUS.is_file():
        pytest.skip("../shared/corpus is absent: the real turns' messages are read from it")
    shipped = wording.load_model(train_models.SIGNAL_MODEL)
    fresh = train_models.signal_model(train_models.signal_rows())
    assert fresh.threshold == shipped.threshold
    assert set(fresh.weights) == set(shipped.weights)
    assert max(abs(fresh.weights[g] - shipped.weights[g]) for g in fresh.weights) < 1e-4


def test_the_threshold_holds_in_each_source_not_only_pooled():
    """Real turns flagged wrongly are not outvoted by a larger written set flagged rightly."""
    ex = ([wording.Example(f"w{i}", i < 50, "a", clean=i >= 50, source="written") for i in range(100)]
          + [wording.Example(f"r{i}", i < 5, "r0", clean=i >= 5, source="real") for i in range(20)])
    # written: positives score 0.9, negatives 0.1; real: its positives 0.9, but five negatives 0.6
    scores = [0.9 if e.positive else 0.1 for e in ex[:100]] + \
             [0.9 if e.positive else (0.6 if i < 10 else 0.1) for i, e in enumerate(ex[100:])]
    th, figs = wording.choose_threshold(ex, scores, min_precision=0.9, max_clean_rate=0.1)
    assert th == 0.65 and figs["real"]["precision"] == 1.0
    pooled_th, _ = wording.choose_threshold([e.__class__(e.text, e.positive, e.group, e.clean, "all") for e in ex],
                                            scores, min_precision=0.9, max_clean_rate=0.1)
    assert pooled_th == 0.15  # pooled, the five real false alarms are outvoted


def test_quoted_words_do_not_count():
    assert wording.unquoted('You wrote "it is not our fault" in your email.') == "You wrote in your email."
    assert wording.unquoted("It's fine, we don't mind.") == "It's fine, we don't mind."


def test_training_sees_the_sentences_the_engine_checks():
    text = "Hello there. You sent it to the wrong address, so it bounced! I'll resend it."
    ex = wording.examples_from_labelled(
        [{"id": "a-1", "text": text, "labels": [{"category": "blame", "quote": "You sent it to the wrong address"}]}],
        "blame", checked_sentences)
    assert [(e.text, e.positive, e.clean) for e in ex] == [
        ("Hello there.", False, True),
        ("You sent it to the wrong address, so it bounced!", True, False),
        ("I'll resend it.", False, True)]


def test_leaving_a_blind_set_out_scores_it_by_rules_model_and_both():
    """`bench/wording_cv.py` (docs/quality.md): a left-out set's every text is counted once per
    row, and a set it cannot leave out is named in a clear error."""
    if not (ROOT.parent / "shared" / "corpus" / "transcripts.jsonl").is_file():
        pytest.skip("../shared/corpus is absent: the real sentences are read from it")
    script = str(ROOT / "bench" / "wording_cv.py")
    rows = [json.loads(x) for x in (ROOT / "tests" / "data" / "blind-15" / "sentences.jsonl").read_text().splitlines() if x]
    labelled = sum(1 for r in rows if any(x["category"] == "impatience" for x in r["labels"]))
    clean = sum(1 for r in rows if not r["labels"])
    p = subprocess.run([sys.executable, script, "--categories", "impatience", "--sets", "blind-15"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    table = {line.split()[1]: line.split() for line in p.stdout.splitlines() if line.startswith("impatience")}
    assert set(table) == {"rules", "model", "rules+model"}
    for k, cols in table.items():
        tp, fn = int(cols[4]), int(cols[6])
        assert tp + fn == labelled and cols[7].endswith(f"/{clean}"), (k, cols)
    sys.path.insert(0, str(ROOT / "bench"))
    import quality

    fresh = next(name for name, (_, _, read) in quality.BLIND.items() if read != "dev")  # never trained on
    bad = subprocess.run([sys.executable, script, "--sets", fresh], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert bad.returncode == 2 and f"not a dev blind set: {fresh}" in bad.stderr
