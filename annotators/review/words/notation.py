"""The People's Daily 1998 notation for one sentence: reading it back and writing it.

    過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f

Words are separated by spaces; each is TEXT/TAG, split on the last `/`; TAG is a PKU tag,
or `?` for a word not tagged yet (from-scratch review). An entity is `[` before its first
word and `]LABEL` right after its last word's tag (PER, LOC, ORG); brackets do not nest.
The TEXTs, joined, must give the sentence exactly. A backslash escapes what the notation
would otherwise read as syntax or cannot show: `\\\\` backslash, `\\[` `\\]` brackets, `\\/` a
slash that is not the tag separator, `\\uXXXX` any other character (the writer uses it for
spaces, control and invisible characters, so a line is always safe to print and to paste).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..display import safe_text
from .analysis import Analysis, ChangeError, Entity, Word
from .tags import LABELS, TAGS

UNTAGGED = "?"


class NotationError(ValueError):
    """A line that is not valid notation for the sentence; `column` is 1-based in the typed line."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(f"column {column}: {message}")
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Parsed:
    """A parsed line: the analysis and the 1-based column where each word starts."""

    analysis: Analysis
    columns: tuple[int, ...]


def _escape_char(ch: str) -> str:
    if ch in "\\[]":
        return "\\" + ch
    if ch.isspace() or not ch.isprintable() or safe_text(ch) != ch:
        code = ord(ch)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def escape(text: str) -> str:
    """Write word text for the notation (plain CJK text comes back unchanged)."""
    return "".join(_escape_char(c) for c in text)


def format_analysis(analysis: Analysis) -> str:
    """Return the analysis as one notation line (untagged words as TEXT/?)."""
    starts = {e.start: e for e in analysis.entities}
    ends = {e.end: e for e in analysis.entities}
    parts = []
    for w in analysis.words:
        piece = f"{escape(analysis.text[w.start:w.end])}/{w.tag or UNTAGGED}"
        if w.start in starts:
            piece = "[" + piece
        if w.end in ends:
            piece += "]" + ends[w.end].label
        parts.append(piece)
    return " ".join(parts)


def _unknown_tag(tag: str, word: str) -> str:
    hint = ""
    if tag.upper() in LABELS:
        hint = f" ({tag} is an entity label: write [{word}/n]{tag.upper()})"
    return f"unknown tag {tag!r} in {word + '/' + tag!r}{hint}; tags: {' '.join(TAGS)} (or ? for not tagged yet)"


def parse_notation(line: str, text: str) -> Parsed:
    """Read a notation line for the sentence `text`.

    Returns the analysis with the column of each word; raises NotationError naming the
    column and what is wrong: characters changed, added or missing, an unknown tag or label,
    an unbalanced or nested bracket, an entity boundary inside a word.
    """
    n = len(line)
    i = 0
    pos = 0  # offset in the sentence
    words: list[Word] = []
    columns: list[int] = []
    entities: list[Entity] = []
    open_at: tuple[int, int] | None = None  # (first word index, column) of an unclosed '['

    def fail(index: int, message: str) -> NotationError:
        return NotationError(index + 1, message)

    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            break
        if line[i] == "[":
            if open_at is not None:
                raise fail(i, f"'[' inside the entity opened at column {open_at[1]}: brackets do not nest; "
                              "close the first with ]LABEL")
            open_at = (len(words), i + 1)
            i += 1
            continue
        if line[i] == "]" and open_at is not None and open_at[0] == len(words):
            raise fail(i, f"empty entity: the '[' at column {open_at[1]} has no word before this ']'")
        if line[i] == "]":
            raise fail(i, "']LABEL' must follow the last word's tag directly, without a space: 黨委/n]ORG")
        token_col = i
        chars: list[tuple[str, bool, int]] = []  # (character, escaped, index in line)
        while i < n and not line[i].isspace() and line[i] != "]":
            c = line[i]
            if c == "[":
                raise fail(i, "an entity boundary inside a word: an entity must cover whole words "
                              "('[' goes before a word: [自治區/n 黨委/n]ORG)")
            if c == "\\":
                nxt = line[i + 1] if i + 1 < n else ""
                if nxt in ("\\", "[", "]", "/"):
                    chars.append((nxt, True, i))
                    i += 2
                    continue
                if nxt in ("u", "U"):
                    width = 4 if nxt == "u" else 8
                    digits = line[i + 2:i + 2 + width]
                    try:
                        if len(digits) != width:
                            raise ValueError
                        chars.append((chr(int(digits, 16)), True, i))
                    except ValueError:
                        raise fail(i, f"'\\{nxt}' needs {width} hex digits, e.g. \\u0020 for a space") from None
                    i += 2 + width
                    continue
                raise fail(i, "unknown escape: write \\\\ for a backslash, \\[ \\] \\/ for brackets and slash, "
                              "\\uXXXX for any character")
            chars.append((c, False, i))
            i += 1
        slash = max((k for k, (c, esc, _) in enumerate(chars) if c == "/" and not esc), default=None)
        shown = line[token_col:i]
        if slash is None:
            if i < n and line[i] == "]":
                raise fail(i, f"an entity boundary inside a word: an entity must cover whole words "
                              f"(']LABEL' goes after the word's tag: {shown}/n]ORG)")
            raise fail(token_col, f"{shown!r} has no /TAG: write TEXT/TAG, e.g. 自治區/n ({shown}/? for a word "
                                  "not tagged yet)")
        if slash == 0:
            raise fail(token_col, "empty word before '/'")
        tag = "".join(c for c, _, _ in chars[slash + 1:])
        word = "".join(c for c, _, _ in chars[:slash])
        tag_col = chars[slash][2] + 1
        if not tag:
            raise fail(tag_col, f"missing tag after '/' in {shown!r}")
        if tag == UNTAGGED:
            tag_value = None
        elif tag in TAGS:
            tag_value = tag
        else:
            raise fail(tag_col, _unknown_tag(tag, word))
        start = pos
        for c, _, at in chars[:slash]:
            if pos >= len(text):
                raise fail(at, f"characters added: {c!r} goes past the end of the sentence")
            if c != text[pos]:
                if text[pos + 1:pos + 2] == c:
                    raise fail(at, f"characters changed: {text[pos]!r} (sentence offset {pos}) is missing before "
                                   f"{c!r}; the characters must stay exactly as published")
                raise fail(at, f"characters changed: {c!r} where the sentence has {text[pos]!r} (sentence offset "
                               f"{pos}; the characters must stay exactly as published)")
            pos += 1
        words.append(Word(start, pos, tag_value))
        columns.append(token_col + 1)
        if i < n and line[i] == "]":
            close = i
            i += 1
            label_start = i
            while i < n and line[i].isascii() and line[i].isalpha():
                i += 1
            label = line[label_start:i]
            if open_at is None:
                raise fail(close, "unbalanced bracket: ']' closes no '['")
            if not label:
                raise fail(close, f"']' must be followed by an entity label: {', '.join(LABELS)}")
            if label not in LABELS:
                raise fail(label_start, f"unknown entity label {label!r}; labels: {', '.join(LABELS)}")
            if i < n and not line[i].isspace():
                raise fail(i, f"put a space after ]{label}")
            entities.append(Entity(words[open_at[0]].start, pos, label))
            open_at = None
    if open_at is not None:
        raise fail(open_at[1] - 1, "unbalanced bracket: '[' is never closed (write ]LABEL after the entity's last word)")
    if not words:
        raise fail(0, "empty line: type the sentence as TEXT/TAG words")
    if pos < len(text):
        rest = text[pos:pos + 12]
        raise fail(n, f"characters missing: the line stops at sentence offset {pos} of {len(text)}; the sentence "
                      f"goes on with {rest!r}")
    try:
        analysis = Analysis.build(text, words, entities)
    except ChangeError as exc:  # pragma: no cover - the checks above cover every invariant
        raise fail(0, str(exc)) from None
    return Parsed(analysis, tuple(columns))
