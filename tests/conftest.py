"""Shared fixtures: the checkout's corpus paths and one foundation run on the real report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

from annotators.pipeline import CorpusPaths, Foundation, run_foundation

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def paths() -> CorpusPaths:
    return CorpusPaths(REPO_ROOT / "corpus")


@pytest.fixture(scope="session")
def foundation(paths: CorpusPaths) -> Foundation:
    return run_foundation(paths)


@pytest.fixture(scope="session")
def raw_text(foundation: Foundation) -> str:
    return foundation.source.text


@pytest.fixture(scope="session")
def committed_sentences(paths: CorpusPaths) -> list[dict]:
    with open(paths.interim / "sentences.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_script() -> Callable[[str], ModuleType]:
    """Imports ``scripts/NAME.py`` (the scripts are not a package) and returns the module."""
    return _load_script


def pytest_sessionstart(session) -> None:
    """The suite needs the read-only inputs beside the checkout (as in CI): say so clearly."""
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        raise pytest.UsageError(f"{corpora} not found: the tests need ../shared beside the checkout")
