"""Append-only JSONL decision log.

One line per decision about one span or one sentence::

    {"id", "reviewer", "time", "sentence_id", "text_hash", "action", "before", "after",
     "layer", "undoes", "note"}

`action` is accept, reject, correct, add, checked or undo; `before`/`after` are span
objects or null (both null for `checked`, the sentence-level "I read the whole sentence
and every numeric entity in it is accounted for"); `undoes` is the id of the decision an
undo reverses (null otherwise); `note` is the reviewer's free-text reason or null (older
lines without it read as null). Each append
is one `write()` on an O_APPEND descriptor under an exclusive `flock`, then `fsync`, so
a killed session loses nothing and concurrent writers never interleave. Readers take a
shared lock. A cut-off or unparsable line is reported (file:line) and skipped, never
silently.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import Problem, ReviewError

ACTIONS = ("accept", "reject", "correct", "add", "checked", "undo")
REQUIRED = ("reviewer", "time", "sentence_id", "text_hash", "action", "before", "after", "layer")


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC with milliseconds, e.g. 2026-11-25T14:00:00.123Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """Return a fresh random decision id (12 hex characters)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Decision:
    """One logged decision; `line` is its 1-based line in the log (0 before writing)."""

    reviewer: str
    sentence_id: str
    text_hash: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    layer: str
    time: str = field(default_factory=utc_now)
    id: str = field(default_factory=new_id)
    undoes: str | None = None
    line: int = 0
    note: str | None = None

    def to_json(self) -> str:
        """Return the decision as one JSON line (no newline), keys in a fixed order."""
        obj = {
            "id": self.id,
            "reviewer": self.reviewer,
            "time": self.time,
            "sentence_id": self.sentence_id,
            "text_hash": self.text_hash,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "layer": self.layer,
            "undoes": self.undoes,
            "note": self.note,
        }
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_obj(cls, obj: dict[str, Any], line: int, source: str = "") -> Decision:
        """Build a decision from a parsed log line; raises ValueError naming what is wrong."""
        missing = [k for k in REQUIRED if k not in obj]
        if missing:
            raise ValueError(f"missing field(s) {', '.join(missing)}")
        if obj["action"] not in ACTIONS:
            raise ValueError(f"unknown action {obj['action']!r}")
        for key in ("before", "after"):
            if obj[key] is not None and not isinstance(obj[key], dict):
                raise ValueError(f"'{key}' must be a span object or null")
        for key in ("reviewer", "time", "sentence_id", "text_hash", "layer"):
            if not isinstance(obj[key], str):
                raise ValueError(f"'{key}' must be a string")
        if obj.get("note") is not None and not isinstance(obj["note"], str):
            raise ValueError("'note' must be a string or null")
        return cls(
            reviewer=obj["reviewer"],
            sentence_id=obj["sentence_id"],
            text_hash=obj["text_hash"],
            action=obj["action"],
            before=obj["before"],
            after=obj["after"],
            layer=obj["layer"],
            time=obj["time"],
            # Older or hand-written lines may lack an id: derive a stable one from file and line
            # (the file name keeps ids apart when several logs are replayed together).
            id=str(obj.get("id") or f"{source}line{line}"),
            undoes=obj.get("undoes"),
            line=line,
            note=obj.get("note"),
        )


class DecisionLog:
    """A decision log file: append decisions, read them all or only the new ones."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._offset = 0  # bytes consumed by read_new
        self._lines = 0  # complete lines consumed by read_new
        self._reported: set[int] = set()  # lines already warned about by read_new

    def append(self, decision: Decision) -> None:
        """Write one decision as one line, flushed and fsync'd before returning.

        Raises ReviewError when the log cannot be written.
        """
        data = (decision.to_json() + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot open the review log for writing ({exc.strerror})", "E-REVIEW-LOG") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            # A line cut off by a kill must not swallow the next decision: end it first.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            written = os.write(fd, data)
            if written != len(data):
                raise ReviewError(f"{self.path}: short write ({written} of {len(data)} bytes); disk full?", "E-REVIEW-LOG")
            os.fsync(fd)
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot write the review log ({exc.strerror})", "E-REVIEW-LOG") from None
        finally:
            os.close(fd)  # closing releases the lock

    def _read_bytes(self, offset: int) -> bytes:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot read the review log ({exc.strerror})", "E-REVIEW-LOG") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            size = os.fstat(fd).st_size
            return os.pread(fd, max(0, size - offset), offset) if size > offset else b""
        finally:
            os.close(fd)

    def _parse(self, data: bytes, first_line: int, final: bool) -> tuple[list[Decision], list[Problem], int, int]:
        """Parse complete lines of `data`; return decisions, problems, bytes and lines consumed."""
        decisions: list[Decision] = []
        problems: list[Problem] = []
        pieces = data.split(b"\n")
        tail = pieces.pop()  # after the last newline: empty, or a cut-off line
        consumed = len(data) - len(tail)
        number = first_line - 1
        for raw in pieces:
            number += 1
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                decisions.append(Decision.from_obj(obj, number, f"{self.path.name}:"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                problems.append(
                    Problem(str(self.path), number, "invalid",
                            f"not valid JSON ({exc}); probably a write cut off by a kill; line ignored")
                )
            except ValueError as exc:
                problems.append(Problem(str(self.path), number, "invalid", f"{exc}; line ignored"))
        if tail.strip() and final:
            problems.append(
                Problem(str(self.path), number + 1, "truncated",
                        "last line has no newline (session killed mid-write?); line ignored")
            )
        return decisions, problems, consumed, len(pieces)

    def read(self) -> tuple[list[Decision], list[Problem]]:
        """Read the whole log; return decisions in file order and problems found.

        A missing file is an empty log.
        """
        decisions, problems, _, _ = self._parse(self._read_bytes(0), 1, final=True)
        return decisions, problems

    def read_new(self) -> tuple[list[Decision], list[Problem]]:
        """Read decisions appended since the previous read_new call (complete lines only).

        A cut-off final line is reported once and left unconsumed, so it is seen again
        (as an invalid line) once a later append ends it.
        """
        data = self._read_bytes(self._offset)
        decisions, problems, consumed, lines = self._parse(data, self._lines + 1, final=True)
        fresh = [p for p in problems if p.kind != "truncated" or p.line not in self._reported]
        self._reported.update(p.line for p in problems if p.kind == "truncated")
        self._offset += consumed
        self._lines += lines
        return decisions, fresh
