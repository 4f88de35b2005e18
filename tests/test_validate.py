"""`nmg-corpus validate` and the byte-identical rebuild of the interim files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotators.pipeline import CorpusPaths
from annotators.validate import validate_interim

REPO = Path(__file__).resolve().parent.parent
INTERIM_FILES = ["clean.txt", "clean_map.tsv", "document.json", "sentences.jsonl"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotators.cli", *args], capture_output=True, text=True, cwd=REPO)


@pytest.fixture()
def corpus_copy(tmp_path: Path, paths: CorpusPaths) -> CorpusPaths:
    root = tmp_path / "corpus"
    for name in ("raw", "lexicon", "interim"):
        shutil.copytree(paths.corpus / name, root / name)
    shutil.copy(paths.errata, root / "errata.tsv")
    return CorpusPaths(root)


def test_committed_interim_passes(paths: CorpusPaths) -> None:
    report = validate_interim(paths)
    assert report.passed, report.render()
    assert len(report.checks) >= 10


def test_rebuild_is_byte_identical(corpus_copy: CorpusPaths, paths: CorpusPaths) -> None:
    shutil.rmtree(corpus_copy.interim)
    proc = run_cli("--corpus", str(corpus_copy.corpus), "build", "--stages", "foundation")
    assert proc.returncode == 0, proc.stderr
    for name in INTERIM_FILES:
        assert (corpus_copy.interim / name).read_bytes() == (paths.interim / name).read_bytes(), name


def test_validate_reports_every_failure(corpus_copy: CorpusPaths) -> None:
    sent_path = corpus_copy.interim / "sentences.jsonl"
    rows = [json.loads(line) for line in sent_path.read_text(encoding="utf-8").splitlines()]
    rows[3]["text_hash"] = "0" * 16                   # V-SENT-HASH
    rows[5]["text"] = rows[5]["text"] + "。"         # V-SENT-TEXT and V-SENT-COVER
    rows[7]["id"] = rows[8]["id"]                    # V-SENT-ID
    rows[20]["section_number"] = 99                  # V-STRUCTURE
    rows[30]["text_simplified"] = "x"                # V-SIMPLIFIED
    sent_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    clean_path = corpus_copy.interim / "clean.txt"
    clean_path.write_text(clean_path.read_text(encoding="utf-8").replace("挽回損失", "挽回?失"), encoding="utf-8")
    proc = run_cli("--corpus", str(corpus_copy.corpus), "validate", "--interim-only")
    assert proc.returncode == 1
    out = proc.stdout
    for check in ("V-SENT-HASH", "V-SENT-TEXT", "V-SENT-COVER", "V-SENT-ID", "V-STRUCTURE", "V-SIMPLIFIED",
                  "V-CLEAN-CORRUPTION", "V-MAP-RULE"):
        assert check in out, check
    assert f"[{rows[3]['id']}] V-SENT-HASH" in out
    assert out.rstrip().endswith("FAILED")


def test_validate_passes_and_says_so() -> None:
    proc = run_cli("validate")
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASSED")


def test_validate_on_missing_files(tmp_path: Path) -> None:
    proc = run_cli("--corpus", str(tmp_path), "validate", "--interim-only")
    assert proc.returncode == 1 and "V-FILES" in proc.stdout and "Traceback" not in proc.stderr
