"""The report's cross-validation figures and the adapted models' news scores, for models/metrics.json.

Called by ``scripts/evaluate_models.py`` (which writes metrics.json and, with ``--check``, compares):

* ``report_cv``: every predictions file in ``models/report_cv/predictions/`` scored against the
  reviewed word layer, per fold, mean and spread over the folds, pooled with error classes. The
  ``news`` predictions are made afresh by the shipped models (and must equal the committed file);
  the adapted variants' fold models are not shipped, so their committed predictions are checked by
  sha256 against the training record (``models/report_cv/runs/*.json``) and re-scored.
* ``gov_models``: the adapted set ``models/gov/`` run afresh on the news test sets, and its loss
  against the shipped models there.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Collection, Dict, List, Mapping, Optional, Sequence

from . import report_cv as rc

#: folder of the committed cross-validation predictions and run records, relative to the repository
CV_DIR = Path("models") / "report_cv"
GOV_DIR = Path("models") / "gov"
GOLD = Path("corpus") / "annotations" / "words.jsonl"
SENTENCES = Path("corpus") / "interim" / "sentences.jsonl"


def _rel(path: Path, repo: Path) -> str:
    try:
        return str(path.resolve().relative_to(repo.resolve()))
    except ValueError:
        return str(path)


def recorded_sha256(repo: Path) -> Dict[str, str]:
    """Takes the repository root; returns ``{variant: sha256}`` of the predictions every run record names."""
    out: Dict[str, str] = {}
    runs = repo / CV_DIR / "runs"
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else []:
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
            out.update(run["predictions_sha256"])
        except (json.JSONDecodeError, KeyError) as e:
            raise rc.ReportCVError(f"{path}: not a run record ({e})") from None
    return out


def cv_metrics(repo: Path, news_vocab: Collection[str], models_dir: Path, threads: int = 1,
               gold_path: Optional[Path] = None) -> Dict[str, Any]:
    """Takes the repository root, the 199801 training words, the shipped models folder and a thread count;
    returns the ``report_cv`` entry of metrics.json."""
    from . import adapt
    sentences = rc.read_jsonl(repo / SENTENCES)
    gold_path = gold_path or repo / GOLD
    gold = rc.load_gold(gold_path, sentences)
    folds = rc.assign_folds(sentences)
    recorded = recorded_sha256(repo)
    variants: Dict[str, Any] = {}
    tok, pos, ner = (adapt.load_component(models_dir / c, threads) for c in adapt.COMPONENTS)
    fresh = {"news": adapt.predict(tok, pos, ner, gold), "news+dict": news_with_dictionaries(tok, pos, ner, gold, folds)}
    pred_dir = repo / CV_DIR / "predictions"
    files = sorted(pred_dir.glob("*.jsonl")) if pred_dir.is_dir() else []
    names = [f.stem for f in files]
    names = [n for n in fresh if n not in names] + names
    for name in names:
        path = pred_dir / f"{name}.jsonl"
        entry: Dict[str, Any] = {"predictions": _rel(path, repo)}
        if name in fresh:
            preds = fresh[name]
            text = "".join(rc.prediction_line(p, g, folds[g.paragraph]) + "\n" for p, g in zip(preds, gold))
            entry["made_by"] = "the shipped models, run afresh" + (
                " with each fold's dictionaries" if name.endswith("+dict") else "")
            entry["sha256"] = rc.sha256_bytes(text.encode("utf-8"))
            entry["committed_file_equals_fresh"] = path.is_file() and path.read_text(encoding="utf-8") == text
        else:
            data = path.read_bytes()
            entry["sha256"] = rc.sha256_bytes(data)
            entry["made_by"] = "fold models of scripts/adapt_models.py (not shipped); committed predictions re-scored"
            entry["sha256_equals_run_record"] = recorded.get(name) == entry["sha256"]
            preds = rc.read_predictions(path, gold, folds)
        entry.update(rc.cross_validation_scores(gold, preds, folds, news_vocab))
        variants[name] = entry
    return {"gold": {"path": _rel(gold_path, repo), "sha256": rc.sha256_bytes(gold_path.read_bytes()),
                     "sentences": len(gold), "words": sum(len(g.words) for g in gold),
                     "entities": sum(len(g.entities) for g in gold), "report_sentences": len(sentences)},
            "folds": {"k": max(folds.values()) + 1, "seed": rc.FOLD_SEED,
                      "rule": "whole paragraphs, largest first to the fold with the fewest characters",
                      "summary": rc.fold_summary(sentences, folds, gold)},
            "oov": "gold words absent from the 199801 training words of models/tok; "
                   "oov_recall_unseen_in_training_folds: absent from those and from the training folds too",
            "variants": variants}


def news_with_dictionaries(tok: Any, pos: Any, ner: Any, gold: Sequence[rc.GoldSentence],
                           folds: Mapping[int, int]) -> List[rc.Prediction]:
    """Takes the shipped components, the gold and the folds; returns every sentence's analysis with HanLP's
    dictionary combination and entity whitelist built from the other folds (variant ``news+dict``)."""
    from . import adapt
    out: Dict[str, rc.Prediction] = {}
    for fold in range(max(folds.values()) + 1):
        train, test = rc.split_by_fold(gold, folds, fold)
        dictionaries = adapt.fold_dictionaries(train)
        out.update((p.id, p) for p in adapt.predict(tok, pos, ner, test, dictionaries))
    return [out[g.id] for g in gold]


def gov_metrics(repo: Path, corpora: Path, news_vocab: Collection[str], shipped: Mapping[str, Any],
                threads: int = 1) -> Dict[str, Any]:
    """Takes the repository root, the corpora folder, the 199801 training words and the shipped models'
    metrics (for the comparison); returns the ``gov_models`` entry: fingerprints, news test scores and the
    loss against the shipped models (positive = the adapted set is worse)."""
    from . import adapt
    from .hanlp_layer import model_fingerprint
    gov = repo / GOV_DIR
    tok, pos, ner, dictionaries = adapt.load_set(gov, threads)
    news = adapt.load_news(corpora, tests_only=True, train_vocab=set(news_vocab))
    scores = adapt.news_test_scores(tok, pos, ner, news, dictionaries)
    base = {"seg_pku_test_f1": shipped["seg_pku_test"]["model"]["f1"],
            "pos_pd98_heldout_accuracy": shipped["pos_pd98_heldout"]["accuracy"],
            "ner_pd_ner_test_f1": shipped["ner_pd_ner_test"]["overall"]["f1"]}
    now = {"seg_pku_test_f1": scores["seg_pku_test"]["f1"],
           "pos_pd98_heldout_accuracy": scores["pos_pd98_heldout"]["accuracy"],
           "ner_pd_ner_test_f1": scores["ner_pd_ner_test"]["overall"]["f1"]}
    out = {"models": {c: model_fingerprint(gov / c) for c in adapt.COMPONENTS}, "news": scores,
           "loss_vs_shipped": {k: round(base[k] - now[k], 2) for k in base}}
    if dictionaries is not None:
        out["dictionaries"] = {f.name: rc.sha256_bytes(f.read_bytes())
                               for f in sorted((gov / adapt.DICTIONARY_DIR).iterdir())}
    return out


def report_metrics(repo: Path, corpora: Path, news_vocab: Collection[str], shipped: Mapping[str, Any],
                   models_dir: Path, threads: int = 1) -> Dict[str, Any]:
    """Takes what :func:`cv_metrics` and :func:`gov_metrics` need; returns the new metrics.json entries
    (``report_cv`` when the reviewed word layer exists, ``gov_models`` when models/gov/ does)."""
    out: Dict[str, Any] = {}
    if (repo / GOLD).is_file():
        out["report_cv"] = cv_metrics(repo, news_vocab, models_dir, threads)
    if (repo / GOV_DIR / "tok" / "config.json").is_file():
        out["gov_models"] = gov_metrics(repo, corpora, news_vocab, shipped, threads)
    return out


def problems(metrics: Mapping[str, Any]) -> List[str]:
    """Takes metrics.json's content; returns what is wrong with the committed predictions (a file that is
    not what its run record or the shipped models produced), as messages; empty when all is well."""
    out = []
    for name, v in metrics.get("report_cv", {}).get("variants", {}).items():
        if v.get("committed_file_equals_fresh") is False:
            out.append(f"{v['predictions']}: differs from what the shipped models predict now "
                       f"(run `python scripts/adapt_models.py cv news`)")
        if v.get("sha256_equals_run_record") is False:
            out.append(f"{v['predictions']}: sha256 differs from its run record in {CV_DIR}/runs/")
    return out
