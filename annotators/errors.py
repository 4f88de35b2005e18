"""Errors a user can cause (bad input files, stale hand-made data), each with a stable code.

The command line prints `error[CODE]: message` and exits 1 instead of a traceback.
"""

from __future__ import annotations


class CorpusError(Exception):
    """A problem with an input file or hand-made data that the user must fix.

    `code` is a stable identifier (`E-SOURCE-ENCODING`, ...), `message` names the file and the
    place (line, byte or character offset) and says what was expected.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"error[{code}]: {message}")
        self.code = code
        self.message = message


def context_snippet(text: str, start: int, end: int | None = None, width: int = 12) -> str:
    """Return `text` around [start, end) with the span marked ⟦…⟧, control characters escaped."""
    end = start if end is None else end
    left = text[max(0, start - width):start]
    mid = text[start:end]
    right = text[end:end + width]
    snippet = f"{left}⟦{mid}⟧{right}".replace("\n", "⏎")
    # Escape invisible and control characters so the message shows what is really there.
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in snippet)
