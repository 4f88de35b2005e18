"""Making corpus text safe to show in a terminal.

Every control character is replaced one-for-one by a visible stand-in, so offsets into
the displayed string equal offsets into the corpus text and highlighting stays aligned.
"""

from __future__ import annotations

# Bidi overrides and isolates reorder what the reviewer sees; zero-width joiners hide text.
_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2028, 0x2029, 0xFEFF} | set(range(0x202A, 0x202F)) | set(
    range(0x2066, 0x206A)
)


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0 or code in _INVISIBLE:
        return "\ufffd"
    return ch


def safe_text(text: str) -> str:
    """Return `text` with every control or invisible formatting character replaced.

    Takes any string; returns a string of the same length (one stand-in per character)
    that cannot move the cursor, recolour the terminal or reorder text.
    """
    if text.isprintable() and not any(ord(c) in _INVISIBLE for c in text):
        return text
    return "".join(_stand_in(c) for c in text)
