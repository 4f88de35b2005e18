"""Errors and problem reports shared by the review modules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError


class ReviewError(CorpusError):
    """A user mistake (bad file, bad argument, bad command) with a one-line message.

    The message already names the file and line where that applies; the CLI prints
    `error[CODE]: message` and exits 1, never with a traceback. Codes: E-REVIEW-INPUT
    (sentences or proposals file), E-REVIEW-LOG (the decision log), E-REVIEW (a bad
    argument, command or edit).
    """

    def __init__(self, message: str, code: str = "E-REVIEW") -> None:
        super().__init__(code, message)


@dataclass(frozen=True)
class Problem:
    """One thing found while reading a log or proposals that was not applied.

    `kind` is a stable id: truncated, invalid, stale, unknown-sentence, conflict,
    bad-span, stale-proposal, nothing-to-undo.
    """

    path: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: [{self.kind}] {self.message}"


def where(path: Path | str, line: int) -> str:
    """Return `path:line` for messages."""
    return f"{path}:{line}"
