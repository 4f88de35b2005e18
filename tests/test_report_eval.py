"""The report's entries of models/metrics.json (annotators/report_eval.py) and their card tables.

A small fake checkout (a few sentences, their gold, committed predictions and a run record) is scored with
the shipped news models, as `scripts/evaluate_models.py` does for the real one."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotators import report_cv as rc
from annotators import report_eval

REPO = Path(__file__).resolve().parents[1]
TEXTS = ["我区加快发展。", "内蒙古自治区党委领导全区人民。", "呼和浩特建设新机场。", "发展经济，", "改革开放。",
         "自治区人民政府工作。"]


def _gold_row(sid: str, text: str) -> dict:
    words = [text[i:i + 2] for i in range(0, len(text), 2)]
    offsets, pos = [], 0
    for w in words:
        offsets.append([pos, pos + len(w)])
        pos += len(w)
    ents = [{"label": "LOC", "start": 0, "end": 2, "text": text[:2]}] if text.startswith(("呼和", "内蒙")) else []
    return {"id": sid, "text_hash": f"h{sid}", "tokens": words, "token_offsets": offsets, "pos_tags": ["n"] * len(words),
            "entities": ents, "changes": []}


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "corpus" / "interim").mkdir(parents=True)
    (tmp_path / "corpus" / "annotations").mkdir(parents=True)
    sentences = [{"id": f"s{i}", "text_hash": f"hs{i}", "paragraph": i + 1, "text": t, "text_simplified": t}
                 for i, t in enumerate(TEXTS)]
    (tmp_path / report_eval.SENTENCES).write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sentences),
                                                 encoding="utf-8")
    (tmp_path / report_eval.GOLD).write_text("".join(json.dumps(_gold_row(s["id"], s["text"]), ensure_ascii=False) + "\n"
                                                     for s in sentences), encoding="utf-8")
    gold = rc.load_gold(tmp_path / report_eval.GOLD, sentences)
    folds = rc.assign_folds(sentences)
    perfect = [rc.Prediction(g.id, g.words, g.tags, g.entities) for g in gold]
    sha = rc.write_predictions(tmp_path / report_eval.CV_DIR / "predictions" / "oracle.jsonl", perfect, gold, folds)
    runs = tmp_path / report_eval.CV_DIR / "runs"
    runs.mkdir(parents=True)
    (runs / "oracle.json").write_text(json.dumps({"predictions_sha256": {"oracle": sha}}), encoding="utf-8")
    return tmp_path


def test_cv_metrics_score_every_committed_variant_and_the_news_models_afresh(checkout: Path) -> None:
    m = report_eval.cv_metrics(checkout, news_vocab={"发展"}, models_dir=REPO / "models")
    assert list(m["variants"]) == ["news", "news+dict", "oracle"]
    oracle = m["variants"]["oracle"]
    assert oracle["sha256_equals_run_record"] is True and rc.headline(oracle)["seg_f1"] == 100.0
    news = m["variants"]["news"]
    assert news["committed_file_equals_fresh"] is False  # no news.jsonl committed in this checkout
    assert m["gold"]["sentences"] == len(TEXTS) and m["folds"]["k"] == rc.FOLDS
    problems = report_eval.problems({"report_cv": m})
    assert len(problems) == 2 and "news.jsonl" in problems[0] and "news+dict.jsonl" in problems[1]
    # the same inputs give the same figures
    assert report_eval.cv_metrics(checkout, news_vocab={"发展"}, models_dir=REPO / "models") == m


def test_committed_news_predictions_equal_the_fresh_ones(checkout: Path) -> None:
    from annotators import adapt
    sentences = rc.read_jsonl(checkout / report_eval.SENTENCES)
    gold = rc.load_gold(checkout / report_eval.GOLD, sentences)
    folds = rc.assign_folds(sentences)
    tok, pos, ner = (adapt.load_component(REPO / "models" / c) for c in adapt.COMPONENTS)
    pred_dir = checkout / report_eval.CV_DIR / "predictions"
    rc.write_predictions(pred_dir / "news.jsonl", adapt.predict(tok, pos, ner, gold), gold, folds)
    rc.write_predictions(pred_dir / "news+dict.jsonl", report_eval.news_with_dictionaries(tok, pos, ner, gold, folds),
                         gold, folds)
    m = report_eval.cv_metrics(checkout, news_vocab=set(), models_dir=REPO / "models")
    assert m["variants"]["news"]["committed_file_equals_fresh"] is True
    assert m["variants"]["news+dict"]["committed_file_equals_fresh"] is True
    assert report_eval.problems({"report_cv": m}) == []


def test_a_changed_prediction_file_is_reported(checkout: Path) -> None:
    path = checkout / report_eval.CV_DIR / "predictions" / "oracle.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row["tags"][0] = "v"
    lines[0] = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = report_eval.cv_metrics(checkout, news_vocab=set(), models_dir=REPO / "models")
    assert m["variants"]["oracle"]["sha256_equals_run_record"] is False
    assert any("oracle.jsonl: sha256 differs" in p for p in report_eval.problems({"report_cv": m}))


def test_a_broken_run_record_names_the_file(checkout: Path) -> None:
    (checkout / report_eval.CV_DIR / "runs" / "oracle.json").write_text("{}", encoding="utf-8")
    with pytest.raises(rc.ReportCVError, match="oracle.json: not a run record"):
        report_eval.recorded_sha256(checkout)


def test_report_tables_render_from_the_entries(checkout: Path) -> None:
    from annotators.report_card import report_tables
    shipped = json.loads((REPO / "models" / "metrics.json").read_text(encoding="utf-8"))
    shipped.pop("gov_models", None)  # the fake checkout has no models/gov/
    m = {**shipped, "report_cv": report_eval.cv_metrics(checkout, news_vocab=set(), models_dir=REPO / "models")}
    tables = report_tables(m, checkout)
    assert {"report_folds", "report_cv", "report_cv_detail", "report_cv_folds", "report_predictions",
            "report_errors"} <= set(tables)
    assert "`oracle`" in tables["report_cv"] and "100.00 ± 0.00" in tables["report_cv"]
    assert report_tables({}, checkout) == {}


def test_card_lists_variants_news_first_then_by_recipe_each_without_then_with_dictionaries() -> None:
    from annotators.report_card import variants
    m = {"report_cv": {"variants": {n: {} for n in ("mixed+dict", "finetune", "news+dict", "mixed", "oracle",
                                                    "finetune+dict", "news")}}}
    assert [n for n, _ in variants(m)] == ["news", "news+dict", "finetune", "finetune+dict", "mixed", "mixed+dict",
                                           "oracle"]
