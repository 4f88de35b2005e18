"""Command-line mistakes end in one clear line; help says what each command does; files get the usual mode."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotators.cli import main

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


def one_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The single stderr line of a failed command (and nothing on stdout)."""
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, (out, err)
    return err.strip()


@pytest.mark.parametrize("command", [["validate"], ["stats"], ["build", "--stages", "dataset"]])
def test_models_folder_that_does_not_exist(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--models", "/nonexistent", *command]) == 1
    assert one_error(capsys) == "error[E-FILE-MISSING]: /nonexistent: no such folder (--models)"


@pytest.mark.parametrize("command", [["validate"], ["validate", "--interim-only"], ["stats"], ["build"],
                                     ["publish", "--repo-id", "a/b", "--dry-run"]])
def test_corpus_folder_that_does_not_exist(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", "/nonexistent", *command]) == 1
    assert one_error(capsys) == "error[E-FILE-MISSING]: /nonexistent: no such folder (--corpus)"


def test_card_source_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--card-source", "/nonexistent/CARD.md", "validate"]) == 1
    assert one_error(capsys) == "error[E-FILE-MISSING]: /nonexistent/CARD.md: no such file (--card-source)"


def test_a_file_missing_inside_the_models_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--models", str(tmp_path), "stats"]) == 1
    assert one_error(capsys) == f"error[E-FILE-MISSING]: {tmp_path / 'metrics.json'}: No such file or directory"


@pytest.mark.parametrize("command,words", [
    ("build", ["foundation", "hanlp", "numeric", "dataset", "byte-identical", "Exit code"]),
    ("validate", ["invariant", "PASSED or FAILED", "Exit code 0"]),
    ("stats", ["dataset card", "metrics.json", "Exit code"]),
])
def test_subcommands_have_help_text(command: str, words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for word in words:
        assert word in text, word


def test_reviewed_export_has_the_mode_of_every_other_output(tmp_path: Path) -> None:
    """numeric_entities.jsonl used to come out 0600 (a temporary file renamed into place)."""
    root = tmp_path / "checkout"
    (root / "corpus").mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root)
    for name in ("interim", "annotations"):
        shutil.copytree(REPO / "corpus" / name, root / "corpus" / name)
    written = ("numeric_proposals.jsonl", "numeric_entities.jsonl", "review_summary.json", "words.jsonl",
               "words_review_summary.json")
    for name in written:
        (root / "corpus" / "annotations" / name).unlink()
    old = os.umask(0o022)
    try:
        assert main(["--corpus", str(root / "corpus"), "build", "--stages", "numeric,review"]) == 0
    finally:
        os.umask(old)
    annotations = root / "corpus" / "annotations"
    modes = {p.name: p.stat().st_mode & 0o777 for p in annotations.iterdir() if p.name in written}
    assert modes == dict.fromkeys(written, 0o644)


def test_review_export_follows_the_umask(tmp_path: Path) -> None:
    from annotators.review.commands import export
    from annotators.review.data import load_proposals, load_sentences

    fixtures = REPO / "tests" / "fixtures"
    sentences = load_sentences(fixtures / "review_sentences.jsonl")
    proposals = load_proposals(fixtures / "review_proposals.jsonl")
    old = os.umask(0o027)
    try:
        export(sentences, proposals, [], tmp_path / "out.jsonl")
    finally:
        os.umask(old)
    assert (tmp_path / "out.jsonl").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("script", ["train_crf.py", "train_bilstm_crf.py"])
def test_training_scripts_name_make_corpus(script: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--data", str(tmp_path / "hf")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (f"error: dataset folder {tmp_path / 'hf'} does not exist: "
                                   "build it with `make corpus`, or pass --data FOLDER")


def test_quick_run_never_overwrites_the_full_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import train_crf

    full, quick = tmp_path / "crf.json", tmp_path / "crf-quick.json"
    full.write_text('{"full": true}\n', encoding="utf-8")
    monkeypatch.setattr(train_crf, "DEFAULT_OUT", full)
    monkeypatch.setattr(train_crf, "DEFAULT_QUICK_OUT", quick)
    seen = []

    def fake_train(settings: "train_crf.CRFSettings") -> dict:  # the training itself is tested elsewhere
        seen.append(settings.quick)
        return {"quick": settings.quick, "chosen": {"c1": 0.1, "c2": 0.05}, "test_report": "report"}

    monkeypatch.setattr(train_crf, "train_crf", fake_train)
    assert train_crf.main(["--quick"]) == 0
    assert json.loads(quick.read_text(encoding="utf-8"))["quick"] is True
    assert full.read_text(encoding="utf-8") == '{"full": true}\n'
    assert train_crf.main([]) == 0
    assert json.loads(full.read_text(encoding="utf-8"))["quick"] is False
    assert seen == [True, False]
    assert train_crf.DEFAULT_QUICK_OUT != train_crf.DEFAULT_OUT
    capsys.readouterr()


def test_the_real_defaults_differ() -> None:
    import train_crf

    assert train_crf.DEFAULT_OUT == REPO / "work-data" / "runs" / "crf.json"
    assert train_crf.DEFAULT_QUICK_OUT == REPO / "work-data" / "runs" / "crf-quick.json"
