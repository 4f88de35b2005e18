"""Which checkout is in use: the repository root found from the working directory.

The console command, the scripts and the notebooks read and write the checkout they are run
in. They never fall back to the folder the package was installed from: with an editable
install that is another checkout, and writing there would silently change someone else's files.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import CorpusError

#: the `[project] name` in pyproject.toml that marks a checkout of this repository
PROJECT_NAME = "nmg-corpus"
#: corpora shipped beside the checkout (read-only), used first when present
SHARED_CORPORA = Path("..") / "shared" / "corpora"
#: where scripts/get_corpora.py lays out the corpora it fetches (git-ignored)
FETCHED_CORPORA = Path("data-cache") / "corpora"


class CheckoutNotFound(CorpusError):
    """No checkout of the repository at or above the folder searched from."""

    def __init__(self, message: str) -> None:
        super().__init__("E-NO-CHECKOUT", message)


def is_repository_root(folder: Path) -> bool:
    """Takes a folder; returns True when it holds a pyproject.toml naming nmg-corpus and a corpus/ folder."""
    pyproject = folder / "pyproject.toml"
    if not (pyproject.is_file() and (folder / "corpus").is_dir()):
        return False
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(project, dict) and project.get("name") == PROJECT_NAME


def repository_root(start: Path | str | None = None) -> Path:
    """Takes a folder to start from (default: the working directory); returns the absolute root of
    the nmg-corpus checkout that contains it.

    Walks up from ``start`` only. Raises :class:`CheckoutNotFound` (a CorpusError) naming every
    folder it looked in when none of them is a checkout.
    """
    origin = Path(start if start is not None else Path.cwd()).expanduser().resolve()
    looked = [origin, *origin.parents]
    for folder in looked:
        if is_repository_root(folder):
            return folder
    raise CheckoutNotFound(
        f"no {PROJECT_NAME} checkout at or above {origin}: looked for pyproject.toml (project "
        f"{PROJECT_NAME}) beside a corpus/ folder in {', '.join(str(f) for f in looked)}; "
        f"run from inside the checkout, or name the folders explicitly (e.g. --corpus)")


def default_corpora(root: Path) -> Path:
    """Takes a checkout's root; returns the annotated corpora folder the scripts read by default:
    ``../shared/corpora`` beside the checkout when present, else the folder get_corpora.py fills."""
    shared = (root / SHARED_CORPORA).resolve()
    return shared if shared.is_dir() else root / FETCHED_CORPORA
