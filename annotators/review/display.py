"""Making corpus and log text safe to show in a terminal: the one sanitizer of the review tool.

Every value that comes from a sentence, a proposal or a log (texts, reviewer names,
notes, field values, problem messages) goes through `safe_text` (one line) or
`safe_block` (several lines) before any command prints it or the screen draws it.
Each unsafe character is replaced one-for-one by a visible stand-in, so offsets into
the displayed string equal offsets into the corpus text and highlighting stays aligned.
"""

from __future__ import annotations

import unicodedata

# Categories that move the cursor, recolour the terminal, reorder text (bidi controls are
# Cf) or hide text: controls, format characters, line/paragraph separators, lone surrogates,
# private-use and unassigned code points.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ESC shows as ␛, BEL as ␇
    if code == 0x7F:
        return "\u2421"  # ␡
    if unicodedata.category(ch) in _UNSAFE:
        return "\ufffd"
    return ch


def safe_text(text: str) -> str:
    """Return `text` with every control, format (bidi, zero-width) or invisible character replaced.

    Takes any string; returns a string of the same length (one stand-in per character)
    that cannot move the cursor, recolour the terminal, set its title or reorder text.
    A newline becomes ␊: use `safe_block` for text that is meant to span lines.
    """
    if text.isprintable() and text.isascii():
        return text
    return "".join(_stand_in(c) for c in text)


def safe_block(text: str) -> str:
    """Return multi-line `text` made safe line by line: newlines kept, everything else as safe_text."""
    return "\n".join(safe_text(line) for line in text.split("\n"))
