"""Simplified-character version of each sentence (OpenCC `tw2s`), aligned with the text.

The report's traditional text is itself a web converter's output from a simplified original
(hence forms such as `盡管`, `扎實`), so the conversion mostly recovers the original. `tw2s`
rather than `t2s`: plain `t2s` keeps 著 everywhere, so the aspect particle 着 (有著, 沿著, 蘊含著)
and 着力 reach the models as 著, which they mis-analyse; `tw2s` reads 著 as the variant of 着
except in the phrases where it is the character 著 (顯著, 著作, 著名). On this report the two
configurations differ in those ten characters only (tests/test_simplify.py). OpenCC converts
phrases, which can change the length; the alignment is then made explicit: one
`[trad_start, trad_end)` span per simplified character.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import opencc

OPENCC_CONFIG = "tw2s"


@lru_cache(maxsize=1)
def _converter() -> "opencc.OpenCC":
    return opencc.OpenCC(OPENCC_CONFIG)


def to_simplified(text: str) -> str:
    """OpenCC conversion (`OPENCC_CONFIG`) of `text`."""
    return _converter().convert(text)


def align(traditional: str, simplified: str) -> list[tuple[int, int]] | None:
    """Return None when the two strings align character for character (same length);
    otherwise one [start, end) span in `traditional` per character of `simplified`.

    Unequal runs map every simplified character of the run to the whole traditional run.
    """
    if len(traditional) == len(simplified):
        return None
    spans: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, traditional, simplified, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            spans.extend((i1 + k, i1 + k + 1) for k in range(j2 - j1))
        elif op in ("replace", "insert"):
            spans.extend((i1, max(i2, i1 + 1) if i1 < len(traditional) else i1) for _ in range(j2 - j1))
        # "delete": traditional characters with no simplified counterpart map to nothing.
    return spans


def simplify(traditional: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Convert `traditional` to simplified characters; return the simplified text and its alignment (see `align`)."""
    simplified = to_simplified(traditional)
    return simplified, align(traditional, simplified)
