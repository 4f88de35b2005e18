"""scripts/adapt_models.py: the commands' argument and input errors (nothing is trained here)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import adapt_models  # noqa: E402

sys.path.remove(str(REPO / "scripts"))


def test_list_names_every_recipe(capsys: pytest.CaptureFixture) -> None:
    assert adapt_models.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("news:", "finetune:", "mixed:"):
        assert name in out


def test_a_command_needs_a_recipe() -> None:
    with pytest.raises(SystemExit) as e:
        adapt_models.main(["cv"])
    assert e.value.code == 2


def test_a_missing_gold_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert adapt_models.main(["cv", "mixed", "--gold", str(tmp_path / "words.jsonl")]) == 1
    assert f"{tmp_path / 'words.jsonl'}: no such file" in capsys.readouterr().err


def test_a_bad_gold_line_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    gold = tmp_path / "words.jsonl"
    gold.write_text(json.dumps({"id": "nope"}) + "\n", encoding="utf-8")
    assert adapt_models.main(["cv", "mixed", "--gold", str(gold)]) == 1
    assert f"{gold}:1: id 'nope' is not a sentence of the report" in capsys.readouterr().err


def test_final_and_curve_need_the_cross_validation_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for command in ("final", "curve"):
        assert adapt_models.main([command, "mixed", "--out-dir", str(tmp_path), "--gov-dir", str(tmp_path / "gov")]) == 1
        assert "cv mixed` first" in capsys.readouterr().err
    assert adapt_models.main(["final", "news"]) == 1
    assert "trains nothing" in capsys.readouterr().err


def test_final_refuses_to_leave_stale_dictionaries(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sys.path.insert(0, str(REPO))
    from annotators import report_cv as rc
    runs = tmp_path / "runs"
    runs.mkdir()
    sha = rc.sha256_bytes((REPO / "corpus" / "annotations" / "words.jsonl").read_bytes())
    folds = [{"components": {c: {"chosen_epochs": 1} for c in ("tok", "pos", "ner")}} for _ in range(5)]
    (runs / "mixed.json").write_text(json.dumps({"gold_sha256": sha, "folds": folds}), encoding="utf-8")
    (tmp_path / "gov" / "dictionary").mkdir(parents=True)
    assert adapt_models.main(["final", "mixed", "--out-dir", str(tmp_path), "--gov-dir", str(tmp_path / "gov")]) == 1
    assert "dictionary exists: pass --dictionaries" in capsys.readouterr().err


def test_missing_corpora_are_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert adapt_models.main(["cv", "mixed", "--corpora", str(tmp_path), "--work-dir", str(tmp_path / "w"),
                              "--out-dir", str(tmp_path / "o")]) == 1
    assert "corpus file missing" in capsys.readouterr().err
