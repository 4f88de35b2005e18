"""Reading the raw report: UTF-8, truncation and hash checks give clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotators.errors import CorpusError
from annotators.source import SOURCE_SHA256, read_source


def test_committed_raw_is_the_received_source(paths) -> None:
    source = read_source(paths.raw)
    assert source.sha256 == SOURCE_SHA256
    shared = Path(__file__).resolve().parents[2] / "shared" / "source" / paths.raw.name
    if shared.exists():  # the read-only original beside the checkout
        assert shared.read_bytes() == paths.raw.read_bytes()


def test_non_utf8_names_file_and_byte_offset(tmp_path: Path) -> None:
    bad = tmp_path / "report.txt"
    bad.write_bytes("內蒙古\n自治區".encode("utf-8") + b"\xff\xfe" + "政府".encode("utf-8"))
    with pytest.raises(CorpusError) as exc:
        read_source(bad)
    assert exc.value.code == "E-SOURCE-ENCODING"
    assert str(bad) in exc.value.message and "byte offset 19" in exc.value.message and "line 2" in exc.value.message


def test_gbk_file_is_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("政府工作報告".encode("big5"))
    with pytest.raises(CorpusError) as exc:
        read_source(bad)
    assert exc.value.code == "E-SOURCE-ENCODING" and "byte offset 0" in exc.value.message


def test_truncated_file(tmp_path: Path, paths) -> None:
    data = paths.raw.read_bytes()
    cut = tmp_path / "cut.txt"
    cut.write_bytes(data[:-2])  # the report ends in `章!`: cut inside the 3-byte `章`
    with pytest.raises(CorpusError) as exc:
        read_source(cut)
    assert exc.value.code == "E-SOURCE-TRUNCATED"
    assert f"byte offset {len(data) - 4}" in exc.value.message


def test_changed_source_names_both_hashes(tmp_path: Path, paths) -> None:
    changed = tmp_path / "changed.txt"
    changed.write_bytes(paths.raw.read_bytes().replace("各位代表".encode(), "各位委員".encode(), 1))
    with pytest.raises(CorpusError) as exc:
        read_source(changed)
    assert exc.value.code == "E-SOURCE-CHANGED"
    assert SOURCE_SHA256 in exc.value.message and read_source(changed, None).sha256 in exc.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as exc:
        read_source(tmp_path / "nope.txt")
    assert exc.value.code == "E-SOURCE-MISSING"


@pytest.mark.parametrize(
    "content, code",
    [(b"\xff\xfe", "E-SOURCE-ENCODING"), ("內".encode()[:2], "E-SOURCE-TRUNCATED"), ("政府".encode(), "E-SOURCE-CHANGED")],
)
def test_cli_reports_source_errors_without_traceback(tmp_path: Path, content: bytes, code: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "corpus-copy"
    proc = subprocess.run(
        [sys.executable, "-m", "annotators.cli", "build", "--source", str(bad)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 1
    assert f"error[{code}]" in proc.stderr and str(bad) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
