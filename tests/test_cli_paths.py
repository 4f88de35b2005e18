"""The command works on the checkout it is run in, never on the one the package was installed from."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotators.paths import CheckoutNotFound, is_repository_root, repository_root

REPO = Path(__file__).resolve().parents[1]
NMG_CORPUS = Path(sys.executable).parent / "nmg-corpus"


def make_checkout(root: Path) -> Path:
    """A second checkout with only the hand-made inputs of the foundation stage."""
    (root / "corpus").mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    for name in ("raw", "lexicon"):
        shutil.copytree(REPO / "corpus" / name, root / "corpus" / name)
    shutil.copy(REPO / "corpus" / "errata.tsv", root / "corpus" / "errata.tsv")
    return root


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(args: list[str], cwd: Path, module: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "annotators.cli", *args] if module else [str(NMG_CORPUS), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_repository_root_from_the_root_and_from_below() -> None:
    assert repository_root(REPO) == REPO
    assert repository_root(REPO / "corpus" / "interim") == REPO
    assert is_repository_root(REPO)


def test_outside_a_checkout_the_error_names_every_folder_looked_in(tmp_path: Path) -> None:
    start = tmp_path / "a" / "b"
    start.mkdir(parents=True)
    with pytest.raises(CheckoutNotFound) as err:
        repository_root(start)
    message = str(err.value)
    assert message.startswith(f"error[E-NO-CHECKOUT]: no nmg-corpus checkout at or above {start}")
    for folder in (start, start.parent, tmp_path, Path("/")):
        assert str(folder) in message


def test_another_projects_folder_is_not_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "something-else"\n', encoding="utf-8")
    assert not is_repository_root(tmp_path)
    (tmp_path / "pyproject.toml").write_text("not toml [", encoding="utf-8")
    assert not is_repository_root(tmp_path)


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_build_in_another_checkout_writes_there_only(tmp_path: Path, module: bool) -> None:
    other = make_checkout(tmp_path / "other")
    before = snapshot(REPO / "corpus")
    r = cli(["build", "--stages", "foundation"], cwd=other / "corpus", module=module)
    assert r.returncode == 0, r.stderr
    assert "wrote interim/sentences.jsonl" in r.stdout  # shown relative to the working directory
    assert (other / "corpus" / "interim" / "sentences.jsonl").is_file()
    assert snapshot(REPO / "corpus") == before


def test_outside_any_checkout_the_command_stops(tmp_path: Path) -> None:
    r = cli(["validate"], cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error[E-NO-CHECKOUT]: no nmg-corpus checkout at or above {tmp_path}")


def test_outside_a_checkout_explicit_folders_work(tmp_path: Path) -> None:
    other = make_checkout(tmp_path / "other")
    assert cli(["build", "--stages", "foundation"], cwd=other).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = cli(["--corpus", str(other / "corpus"), "validate", "--interim-only"], cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "PASSED"
