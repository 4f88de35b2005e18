"""Stage 2: clean text with an exact map back to the raw report.

One left-to-right pass over the raw text applies, in this order of precedence:
1. errata replacements (restored corruption, `errata:<id>`);
2. inline pinyin removal: `內(nèi)` → `內`; the pinyin is folded into the raw span of the
   character it annotates (`pinyin`);
3. ASCII punctuation → the full-width forms the original used, never between digits
   (`punct`);
4. trailing whitespace at the end of a line is dropped (`drop-space`);
5. everything else is copied (`copy`).

The result keeps, for every clean character, the raw span it came from; `segments()` lists
the alignment as runs that partition both texts, so no raw character is lost unaccounted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errata import Replacement
from .errors import CorpusError, context_snippet

# Tone-marked or plain lowercase pinyin syllable in ASCII parentheses.
PINYIN_RE = re.compile(r"\(([a-zü\u00e0-\u00fc\u0101-\u01dc]+)\)")
# The report used full-width punctuation; the web copy turned these into ASCII.
FULLWIDTH_PUNCT = {",": "，", ";": "；", ":": "：", "!": "！", "(": "（", ")": "）"}
TRAILING_SPACE = {" ", "\t", "\u2002", "\u3000", "\u00a0"}


def is_han(char: str) -> bool:
    """True for a CJK unified ideograph (basic block or extension A)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@dataclass(frozen=True)
class Segment:
    """Clean [clean_start, clean_end) came from raw [raw_start, raw_end) by `rule`."""

    clean_start: int
    clean_end: int
    raw_start: int
    raw_end: int
    rule: str


@dataclass
class CleanText:
    """The clean text and, per clean character, its raw span and the rule that made it."""

    text: str
    raw_starts: list[int]
    raw_ends: list[int]
    rules: list[str]
    dropped: list[Segment]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw [start, end) covering clean characters [start, end) (end exclusive, start < end)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"clean span [{start}, {end}) outside the text (length {len(self.text)})")
        return min(self.raw_starts[start:end]), max(self.raw_ends[start:end])

    def segments(self) -> list[Segment]:
        """Runs of the alignment, in raw order, that partition the raw and the clean text."""
        runs: list[Segment] = []
        for i, rule in enumerate(self.rules):
            rs, re_ = self.raw_starts[i], self.raw_ends[i]
            last = runs[-1] if runs else None
            if last and rule == "copy" == last.rule and last.clean_end == i and last.raw_end == rs:
                runs[-1] = Segment(last.clean_start, i + 1, last.raw_start, re_, rule)
            elif last and rule == last.rule and rule != "copy" and (last.raw_start, last.raw_end) == (rs, re_):
                runs[-1] = Segment(last.clean_start, i + 1, rs, re_, rule)
            else:
                runs.append(Segment(i, i + 1, rs, re_, rule))
        return sorted(runs + self.dropped, key=lambda s: (s.raw_start, s.clean_start))


def clean_text(raw: str, replacements: list[Replacement]) -> CleanText:
    """Clean `raw` (see the module docstring) and return the text with its raw map."""
    by_start = {r.raw_start: r for r in replacements}
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    rules: list[str] = []
    dropped: list[Segment] = []

    def emit(text: str, rs: int, re_: int, rule: str) -> None:
        for ch in text:
            out.append(ch)
            starts.append(rs)
            ends.append(re_)
            rules.append(rule)

    i, n = 0, len(raw)
    while i < n:
        rep = by_start.get(i)
        if rep is not None:
            emit("".join(FULLWIDTH_PUNCT.get(c, c) for c in rep.text), rep.raw_start, rep.raw_end, f"errata:{rep.errata_id}")
            if not rep.text:
                dropped.append(Segment(len(out), len(out), rep.raw_start, rep.raw_end, f"errata:{rep.errata_id}"))
            i = rep.raw_end
            continue
        ch = raw[i]
        m = PINYIN_RE.match(raw, i) if ch == "(" else None
        if m and out and is_han(out[-1]) and ends[-1] == i:
            # Fold the pinyin into the annotated character's raw span.
            ends[-1] = m.end()
            rules[-1] = "pinyin" if rules[-1] in ("copy", "pinyin") else rules[-1]
            i = m.end()
            continue
        if ch in FULLWIDTH_PUNCT and not (
            ch in ",:" and i > 0 and raw[i - 1].isdigit() and i + 1 < n and raw[i + 1].isdigit()
        ):
            emit(FULLWIDTH_PUNCT[ch], i, i + 1, "punct")
            i += 1
            continue
        if ch in TRAILING_SPACE:
            j = i
            while j < n and raw[j] in TRAILING_SPACE:
                j += 1
            if j == n or raw[j] == "\n":
                dropped.append(Segment(len(out), len(out), i, j, "drop-space"))
                i = j
                continue
        emit(ch, i, i + 1, "copy")
        i += 1
    return CleanText("".join(out), starts, ends, rules, dropped)


# --- corruption detectors -------------------------------------------------------------

# Latin text that is real in this report: GDP, IT, IP, the P of compute power (萬P),
# road codes (S22, G0616) and scenic-area grades (5A級).
ALLOWED_LATIN_RE = re.compile(r"GDP|IT|IP|(?<=[0-9萬])P|[GS][0-9]+|(?<=[0-9])A(?=級)")
LATIN_RUN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]+")


@dataclass(frozen=True)
class Finding:
    """A suspected leftover corruption at clean offset `start` (end exclusive)."""

    kind: str
    start: int
    end: int
    text: str
    context: str


def load_char_inventory(path: Path) -> set[str]:
    """Characters listed in the inventory file at `path`: one per line (a TSV may add a
    reason column after a `char` header), `#` comments."""
    chars: set[str] = set()
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        char = line.split("\t", 1)[0]
        if char == "char":  # header row of a TSV inventory
            continue
        if len(char) != 1:
            raise CorpusError("E-INVENTORY-FORMAT", f"{path}:{lineno}: expected one character, found {char!r}")
        chars.add(char)
    return chars


def find_corruption(
    text: str,
    known_simplified: set[str],
    allowed_rare: set[str],
    to_simplified: "callable[[str], str]",
) -> list[Finding]:
    """Find leftover corruption in clean `text`: `?`, U+FFFD, private-use code points, HTML
    entity remnants, control characters, Latin letters outside the allowed patterns, and Han
    characters whose simplified form never occurs in the reference corpora (`known_simplified`)
    unless listed in `allowed_rare`. Returns findings in text order.
    """
    findings: list[Finding] = []

    def add(kind: str, start: int, end: int) -> None:
        findings.append(Finding(kind, start, end, text[start:end], context_snippet(text, start, end)))

    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if ch in "?\ufffd":
            add("question-mark" if ch == "?" else "replacement-char", i, i + 1)
        elif cat == "Co":
            add("private-use", i, i + 1)
        elif cat == "Cc" and ch != "\n":
            add("control-char", i, i + 1)
        elif is_han(ch) and ch not in allowed_rare and to_simplified(ch) not in known_simplified:
            add("rare-char", i, i + 1)
    for m in re.finditer(r"&[a-zA-Z]+;|&#[0-9]+;|[a-z]+quo;", text):
        add("html-entity", m.start(), m.end())
    for m in LATIN_RUN_RE.finditer(text):
        allowed = ALLOWED_LATIN_RE.match(text, m.start())
        if not allowed or allowed.end() < m.end():
            add("stray-latin", m.start(), m.end())
    return sorted(findings, key=lambda f: (f.start, f.kind))
