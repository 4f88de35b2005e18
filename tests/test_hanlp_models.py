"""Re-score the shipped models on small slices of the held-out sets (prediction only, a few seconds)."""
import json
from pathlib import Path

import pytest

from annotators import hanlp_data as hd
from annotators import scoring

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"
CORPORA = hd.CorpusPaths(REPO.parent / "shared" / "corpora")



@pytest.fixture(scope="module")
def models():
    from annotators.hanlp_layer import load_models
    return load_models(MODELS)


def test_metrics_file_lists_the_shipped_files(models):
    metrics = json.loads((MODELS / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["models"] == models.fingerprints  # metrics.json describes exactly these files


def test_segmenter_slice(models):
    gold = hd.read_segmented(CORPORA.pku_test_gold)[:200]
    pred = models.tok.predict(["".join(g) for g in gold])
    assert scoring.segmentation_scores(gold, pred)["f1"] > 90.0


def test_tagger_slice(models):
    _, held = hd.split_pd98(hd.read_pd98(CORPORA.pd98))
    sents = [s for p in held[:100] for s in hd.split_sentences(p)]
    pred = models.pos.predict([[w for w, _ in s] for s in sents])
    assert scoring.tag_accuracy([[t for _, t in s] for s in sents], pred)["accuracy"] > 92.0


def test_ner_slice(models):
    sents = hd.read_bio(CORPORA.pd_ner_test)[:300]
    pred = models.ner.predict([s["token"] for s in sents])
    spans = [[(label, b, e) for _, label, b, e in es] for es in pred]
    assert scoring.entity_scores([hd.bio_spans(s["tag"]) for s in sents], spans)["overall"]["f1"] > 80.0
