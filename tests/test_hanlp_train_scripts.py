"""Smoke runs of the training scripts (--max-sentences, one epoch, tiny model) and of the evaluator's compare."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
sys.path.insert(0, str(REPO / "scripts"))


@pytest.mark.parametrize("script", ["train_tokenizer.py", "train_tagger.py", "train_ner.py"])
def test_training_script_smoke(script, tmp_path):
    out = tmp_path / "model"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--epochs", "1", "--max-sentences", "100",
                           "--hidden", "16", "--threads", "1", "--out", str(out), "--work-dir", str(tmp_path / "w")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {p.name for p in out.iterdir()} >= {"config.json", "vocabs.json", "model.pt", "train_info.json"}


def test_missing_corpora_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "train_tokenizer.py"), "--corpora", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "corpus file missing" in proc.stderr


def test_compare_reports_differences():
    from evaluate_models import compare
    old = {"a": {"f1": 90.0, "n": 3}, "_timing_not_compared": {"x": 1}}
    assert compare(old, {"a": {"f1": 90.0, "n": 3}, "_timing_not_compared": {"x": 2}}) == []
    diffs = compare(old, {"a": {"f1": 90.5, "n": 3}})
    assert diffs == ["/a/f1: metrics.json 90.0 vs fresh 90.5"]


def test_dict_combine_merges_only_on_agreeing_boundaries():
    from evaluate_models import build_trie, dict_combine
    trie = build_trie(["呼和浩特", "人民"])
    assert dict_combine(["呼和", "浩特", "人", "民"], trie) == ["呼和浩特", "人民"]
    # the dictionary match starts inside a predicted word, so nothing is merged
    assert dict_combine(["我呼", "和浩特"], trie) == ["我呼", "和浩特"]


def test_tuning_script_smoke(tmp_path):
    out = tmp_path / "tune.json"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "tune_hparams.py"), "pos", "--subset", "100",
                           "--epochs", "1", "--points", "2e-3:16,1e-3:8", "--out", str(out), "--",
                           "--threads", "1", "--work-dir", str(tmp_path / "w")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [(p["lr"], p["hidden"]) for p in report["points"]] == [(2e-3, 16), (1e-3, 8)]
    assert all(0.0 <= p["best_dev"] <= 1.0 and len(p["dev_by_epoch"]) == 1 for p in report["points"])
    # the whole dev slice of the training script, less the sentences with tags the subset never shows
    assert report["subset"] == 100 and report["dev"] + report["dev_dropped_unseen_tags"] == 824


def test_tuning_points_are_parsed_or_refused():
    from tune_hparams import parse_points
    assert parse_points("2e-3:200,1e-3:128") == [(0.002, 200), (0.001, 128)]
    with pytest.raises(argparse.ArgumentTypeError, match="'0.002' is not lr:hidden"):
        parse_points("0.002")
