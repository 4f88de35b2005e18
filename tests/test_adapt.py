"""Adapting the shipped components (annotators/adapt.py): vocabulary extension, fine-tuning, saving, running.

Uses the shipped models and a few made-up government-style sentences; each test trains for one or two
epochs on them (seconds on one CPU thread)."""
from __future__ import annotations

from pathlib import Path

import pytest

from annotators import adapt
from annotators import report_cv as rc

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"

SENTENCES = [("我区", "r"), ("新质", "b"), ("生产力", "n"), ("加快", "v"), ("发展", "vn"), ("。", "w")]


def _gold(n: int = 4) -> list:
    out = []
    for i in range(n):
        words = tuple(w for w, _ in SENTENCES)
        text = "".join(words)
        out.append(rc.GoldSentence(id=f"s{i}", paragraph=i + 1, text=text, norm=text, words=words,
                                   tags=tuple(t for _, t in SENTENCES), entities=(("LOC", 0, 2),),
                                   record={"id": f"s{i}", "text_hash": "x"}))
    return out


def test_extending_the_vocabulary_leaves_the_output_unchanged() -> None:
    pos = adapt.load_component(MODELS / "pos")
    words = [w for w, _ in SENTENCES]
    before = pos.predict(words)
    n_words = len(pos.vocabs["token"])
    added = adapt.extend_vocabularies(pos, rc.tagger_samples(_gold()), min_freq=2)
    assert added["token"] >= 1 and len(pos.vocabs["token"]) == n_words + added["token"]
    assert pos.model.embed.word.weight.shape[0] == len(pos.vocabs["token"])
    # new rows are copies of UNK: the new words are read exactly as before, as unknown words
    assert pos.predict(words) == before


def test_finetuning_learns_and_the_saved_folder_reloads(tmp_path: Path) -> None:
    pos = adapt.load_component(MODELS / "pos")
    gold = _gold()
    settings = adapt.FinetuneSettings(epochs=3, lr=5e-3, batch_size=4, oversample=4, seed=3)
    history = adapt.finetune(pos, rc.tagger_samples(gold), [], settings,
                             on_epoch=lambda e: {"acc": adapt.pos_accuracy(pos, [SENTENCES])["accuracy"]})
    assert [h["epoch"] for h in history] == [1, 2, 3] and all("acc" in h for h in history)
    assert history[-1]["acc"] == 100.0 and history[-1]["loss"] < history[0]["loss"]
    adapt.save_component(pos, tmp_path / "pos")
    again = adapt.load_component(tmp_path / "pos")
    words = [w for w, _ in SENTENCES]
    assert again.predict(words) == [t for _, t in SENTENCES]
    assert len(again.vocabs["token"]) == len(pos.vocabs["token"])


def test_finetuning_is_deterministic() -> None:
    gold = _gold()
    settings = adapt.FinetuneSettings(epochs=1, lr=2e-3, batch_size=2, oversample=2, seed=5)
    losses = []
    for _ in range(2):
        ner = adapt.load_component(MODELS / "ner")
        losses.append(adapt.finetune(ner, rc.ner_samples(gold), [], settings)[0]["loss"])
    assert losses[0] == losses[1]


def test_predict_with_dictionaries() -> None:
    tok, pos, ner = (adapt.load_component(MODELS / c) for c in adapt.COMPONENTS)
    gold = _gold(1)
    plain = adapt.predict(tok, pos, ner, gold)[0]
    assert "".join(plain.words) == gold[0].norm and len(plain.tags) == len(plain.words)
    dicts = adapt.Adaptations(trie=rc.build_trie(["加快发展"]), entities=rc.build_trie({"新质": "ORG"}))
    combined = adapt.predict(tok, pos, ner, gold, dicts)[0]
    assert "加快发展" in combined.words and "加快" in plain.words
    assert ("ORG", 2, 4) in combined.entities
    assert pos.config.get("dict_tags") is None  # the tagger is left as it was


@pytest.mark.parametrize("name", adapt.COMPONENTS)
def test_report_samples_shapes(name: str) -> None:
    (sample,) = adapt.report_samples(name, _gold(1))
    key = "char" if name == "tok" else "token"
    assert len(sample[key]) == len(sample["tag"])


def test_dictionaries_round_trip_and_bad_lines_are_named(tmp_path: Path) -> None:
    gold = _gold(2)
    counts = adapt.save_dictionaries(tmp_path, gold)
    assert counts == {"words": 5, "entities": 1}  # 我区 新质 生产力 加快 发展 (not 。); 我区/LOC
    assert adapt.load_dictionaries(tmp_path / "absent") is None
    d = adapt.load_dictionaries(tmp_path)
    assert rc.dict_combine(["生产", "力"], d.trie) == ["生产力"]
    assert rc.whitelist_entities("在我区", [], d.entities) == [("LOC", 1, 3)]
    (tmp_path / "dictionary" / "entities.tsv").write_text("我区\tLOC\n北疆\tPLACE\n", encoding="utf-8")
    with pytest.raises(rc.ReportCVError, match=r"entities.tsv:2: expected TEXT<TAB>PER\|LOC\|ORG"):
        adapt.load_dictionaries(tmp_path)
    (tmp_path / "dictionary" / "words.txt").unlink()
    with pytest.raises(rc.ReportCVError, match="words.txt: missing"):
        adapt.load_dictionaries(tmp_path)


def test_training_keeps_the_last_epoch_within_the_news_margin() -> None:
    news = adapt.NewsData(pos_dev=[[("我们", "r"), ("发展", "v"), ("经济", "n")]])
    settings = adapt.FinetuneSettings(epochs=2, lr=2e-2, batch_size=4, oversample=4, seed=3)
    gold = _gold()
    # a news dev score the adapted tagger cannot keep: the shipped component comes back
    comp, history, _, kept = adapt.train_within_news_margin("pos", MODELS, settings, gold, news, 2, 101.0)
    assert kept == 0 and [h["epoch"] for h in history] == [1, 2] and all("news_dev" in h for h in history)
    assert len(comp.vocabs["token"]) == len(adapt.load_component(MODELS / "pos").vocabs["token"])
    # no constraint: the last epoch is kept
    _, history, added, kept = adapt.train_within_news_margin("pos", MODELS, settings, gold, news, 2, 0.0)
    assert kept == 2 and added["token"] >= 1
