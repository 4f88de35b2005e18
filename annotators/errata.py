"""Stage 1: the hand-made errata that restore the corrupted places of the raw report.

`corpus/errata.tsv` has one entry per corrupted place: the corrupted raw string with enough
context to match exactly once, the restored string (same context, repaired) and the reason.
Each entry is turned into fine-grained replacements (a character diff of raw and restored),
so that the unchanged context keeps its exact raw offsets.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, context_snippet

ERRATA_COLUMNS = ["id", "raw", "restored", "reason"]
_HEADER = "\t".join(ERRATA_COLUMNS)
_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})|\\\\")


@dataclass(frozen=True)
class ErrataEntry:
    """One restored place: `raw` context → `restored` context, with the `reason`."""

    id: str
    raw: str
    restored: str
    reason: str
    line: int


@dataclass(frozen=True)
class Replacement:
    """Raw characters [raw_start, raw_end) are replaced by `text`, as decided by `errata_id`."""

    raw_start: int
    raw_end: int
    text: str
    errata_id: str


def unescape(field: str) -> str:
    """Turn the TSV's `\\uXXXX` and `\\\\` escapes into characters."""
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else "\\", field)


def load_errata(path: Path) -> list[ErrataEntry]:
    """Read the errata TSV at `path` (comment lines start with `#`, then a header row).

    Raises CorpusError naming the file and line for a wrong column count, an empty field,
    a duplicate id or a restored string identical to its raw string.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CorpusError("E-ERRATA-MISSING", f"{path}: errata file not found") from None
    entries: list[ErrataEntry] = []
    seen: set[str] = set()
    header_seen = False
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            if fields != ERRATA_COLUMNS:
                raise CorpusError("E-ERRATA-FORMAT", f"{path}:{lineno}: header must be {_HEADER!r}")
            header_seen = True
            continue
        if len(fields) != len(ERRATA_COLUMNS):
            raise CorpusError(
                "E-ERRATA-FORMAT",
                f"{path}:{lineno}: expected {len(ERRATA_COLUMNS)} tab-separated fields, found {len(fields)}",
            )
        entry_id, raw, restored, reason = fields
        if not all(f.strip() for f in fields):
            raise CorpusError("E-ERRATA-FORMAT", f"{path}:{lineno}: empty field in entry {entry_id!r}")
        if entry_id in seen:
            raise CorpusError("E-ERRATA-FORMAT", f"{path}:{lineno}: duplicate id {entry_id!r}")
        seen.add(entry_id)
        raw, restored = unescape(raw), unescape(restored)
        if raw == restored:
            raise CorpusError("E-ERRATA-FORMAT", f"{path}:{lineno}: {entry_id}: restored equals raw")
        entries.append(ErrataEntry(entry_id, raw, restored, reason, lineno))
    return entries


def locate(entry: ErrataEntry, raw_text: str, path: Path | str = "errata") -> int:
    """Return the raw offset of the single match of `entry.raw`; raise unless exactly one."""
    starts = [m.start() for m in re.finditer(re.escape(entry.raw), raw_text)]
    if len(starts) == 1:
        return starts[0]
    if not starts:
        # Say where the best partial match is, so a changed source is easy to inspect.
        head = entry.raw[: max(2, len(entry.raw) // 3)]
        near = raw_text.find(head)
        where = f"; its start {head!r} occurs at raw offset {near}: {context_snippet(raw_text, near, near + len(entry.raw))}" if near >= 0 else ""
        raise CorpusError(
            "E-ERRATA-NO-MATCH",
            f"{path}:{entry.line}: errata {entry.id} no longer matches the raw text{where}",
        )
    places = ", ".join(f"raw offset {s}: {context_snippet(raw_text, s, s + len(entry.raw))}" for s in starts)
    raise CorpusError(
        "E-ERRATA-AMBIGUOUS",
        f"{path}:{entry.line}: errata {entry.id} matches {len(starts)} times ({places}); add context",
    )


def replacements(entries: list[ErrataEntry], raw_text: str, path: Path | str = "errata") -> list[Replacement]:
    """Match every entry exactly once in `raw_text` and return the raw→restored character
    replacements, sorted by raw offset. Unchanged context is left out so it keeps its offsets.

    Raises CorpusError if an entry matches zero or several times, if two entries overlap,
    or if a restoration inserts text that has no corrupted raw counterpart.
    """
    result: list[Replacement] = []
    spans: list[tuple[int, int, str]] = []
    for entry in entries:
        at = locate(entry, raw_text, path)
        spans.append((at, at + len(entry.raw), entry.id))
        matcher = difflib.SequenceMatcher(None, entry.raw, entry.restored, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            if i1 == i2:
                raise CorpusError(
                    "E-ERRATA-FORMAT",
                    f"{path}:{entry.line}: errata {entry.id} inserts {entry.restored[j1:j2]!r} with no "
                    "corrupted raw text to replace; include the corrupted characters around it",
                )
            result.append(Replacement(at + i1, at + i2, entry.restored[j1:j2], entry.id))
    spans.sort()
    for (s1, e1, id1), (s2, _e2, id2) in zip(spans, spans[1:]):
        if s2 < e1:
            raise CorpusError("E-ERRATA-OVERLAP", f"{path}: errata {id1} and {id2} overlap at raw offset {s2}")
    return sorted(result, key=lambda r: r.raw_start)
