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
a killed session loses nothing and concurrent writers never interleave; a write that
fails (disk full) is rolled back and reported, never left half-written. Readers take a
shared lock. A cut-off or unparsable line, or one whose fields have the wrong type, is
reported (file:line) and skipped, never silently. A writing session first calls
`open_for_writing()`: it takes the session lock (annotators.review.lock) and moves a
cut-off last line aside to `<log>.damaged`, so the next decision starts a clean line.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import stat
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..fileio import os_reason
from .errors import Problem, ReviewError
from .lock import LogLock

ACTIONS = ("accept", "reject", "correct", "add", "checked", "undo")
# The word layer (annotators.review.words) validates its own before/after shapes.
WORD_ACTIONS = ("split", "merge", "retag", "entity-add", "entity-remove", "entity-relabel", "entity-move",
                "checked", "undo")
# `mode`: how the review started; "scratch" = no proposals shown (blind annotation). Absent = from proposals.
MODES = ("proposals", "scratch")
REQUIRED = ("reviewer", "time", "sentence_id", "text_hash", "action", "before", "after", "layer")


_HEX = re.compile(r"[0-9a-f]{12,64}")


def reviewer_problem(name: object) -> str | None:
    """Why `name` is not a valid reviewer name (a printable word without spaces or slashes), or None."""
    if not isinstance(name, str) or not name.strip():
        return f"reviewer name {name!r} must be a non-empty word"
    if not name.isprintable() or any(c.isspace() or c in "/\\" for c in name):
        return f"reviewer name {name!r} must be one word of printable characters, without spaces or slashes"
    return None


def _time_problem(value: str) -> str | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"'time' {value!r} is not an ISO 8601 date and time"
    if "T" not in value or parsed.tzinfo is None:
        return f"'time' {value!r} must be an ISO 8601 date and time with a time zone (e.g. 2026-01-05T09:30:00.000Z)"
    return None


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
    edit: str | None = None  # id shared by the decisions of one whole-sentence edit (word layer)
    mode: str | None = None  # "scratch" or "proposals"; None (older lines) reads as proposals

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
        # Written only when set, so numeric lines keep their historical shape.
        if self.edit is not None:
            obj["edit"] = self.edit
        if self.mode is not None:
            obj["mode"] = self.mode
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        # Escape what str.splitlines() would split on, so any reader sees exactly one line per decision.
        return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")

    @classmethod
    def from_obj(cls, obj: dict[str, Any], line: int, source: str = "") -> Decision:
        """Build a decision from a parsed log line; raises ValueError naming what is wrong."""
        missing = [k for k in REQUIRED if k not in obj]
        if missing:
            raise ValueError(f"missing field(s) {', '.join(missing)}")
        if obj["action"] not in (WORD_ACTIONS if obj.get("layer") == "words" else ACTIONS):
            raise ValueError(f"unknown action {obj['action']!r}")
        for key in ("before", "after"):
            if obj[key] is not None and not isinstance(obj[key], dict):
                raise ValueError(f"'{key}' must be a span object or null")
        for key in ("reviewer", "time", "sentence_id", "text_hash", "layer"):
            if not isinstance(obj[key], str):
                raise ValueError(f"'{key}' must be a string")
        if obj.get("note") is not None and not isinstance(obj["note"], str):
            raise ValueError("'note' must be a string or null")
        if obj.get("edit") is not None and not isinstance(obj["edit"], str):
            raise ValueError("'edit' must be a string or null")
        if obj.get("mode") is not None and obj["mode"] not in MODES:
            raise ValueError(f"'mode' must be one of {', '.join(MODES)} or null")
        cls._check_values(obj)
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
            edit=obj.get("edit"),
            mode=obj.get("mode"),
        )


    @classmethod
    def _check_values(cls, obj: dict[str, Any]) -> None:
        """Check the values of the top-level fields (types are checked by from_obj); raises ValueError.

        Layer-independent: the span objects in before/after are checked by the layer on replay.
        """
        known = {f.name for f in fields(cls)} - {"line"}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}")
        if obj.get("id") is not None and (not isinstance(obj["id"], str) or not obj["id"].strip()):
            raise ValueError("'id' must be a non-empty string")
        why = reviewer_problem(obj["reviewer"])
        if why:
            raise ValueError(why)
        why = _time_problem(obj["time"])
        if why:
            raise ValueError(why)
        if not obj["sentence_id"].strip():
            raise ValueError("'sentence_id' is empty")
        if not _HEX.fullmatch(obj["text_hash"]):
            raise ValueError(f"'text_hash' {obj['text_hash']!r} is not a hex sha256 prefix (12 to 64 hex digits)")
        undoes = obj.get("undoes")
        if obj["action"] == "undo":
            if not isinstance(undoes, str) or not undoes.strip():
                raise ValueError(f"an undo needs 'undoes', the id of the decision it reverses, as a string, not {undoes!r}")
        elif undoes is not None:
            raise ValueError(f"'undoes' must be null for a {obj['action']} decision, not {undoes!r}")


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (os.write may write less); raises OSError."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(28, "No space left on device")  # errno.ENOSPC: nothing more fits
        view = view[written:]


class DecisionLog:
    """A decision log file: append decisions, read them all or only the new ones."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._offset = 0  # bytes consumed by read_new
        self._lines = 0  # complete lines consumed by read_new
        self._reported: set[int] = set()  # lines already warned about by read_new
        self._ids: dict[str, int] = {}  # decision id -> line, for read_new's duplicate check
        self._lock: LogLock | None = None

    @property
    def damaged_path(self) -> Path:
        """Where a cut-off last line is moved by open_for_writing: `<log>.damaged`."""
        return self.path.with_name(self.path.name + ".damaged")

    def _not_a_directory(self) -> None:
        if self.path.is_dir():
            raise ReviewError(f"{self.path}: is a directory; a review log is a file "
                              f"(e.g. {self.path / 'numeric-NAME.jsonl'})", "E-REVIEW-LOG")

    def exists(self) -> bool:
        """True when the log file exists; raises ReviewError when the path is a directory."""
        self._not_a_directory()
        return self.path.is_file()

    def open_for_writing(self, reviewer: str = "") -> list[Problem]:
        """Start a writing session on this log; return the problems to show the reviewer.

        Takes the session lock (a second session is refused with ReviewError naming the
        process that holds it; the lock is held until close()), creates the log (empty) when it
        is missing, checks that it can be written, and moves a cut-off last line (a kill or a
        full disk during a write) to `<log>.damaged`, reported as a `truncated` problem
        naming both files, so the next decision starts on a line of its own.
        """
        self._not_a_directory()
        if self._lock is not None:
            return []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReviewError(f"{self.path.parent}: cannot create the folder of the review log ({os_reason(exc)})",
                              "E-REVIEW-LOG") from None
        lock = LogLock(self.path)
        lock.acquire(reviewer)
        try:
            problems = self._repair_tail()
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        return problems

    def close(self) -> None:
        """End the writing session: release the lock (safe to call twice, and without open_for_writing)."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def _repair_tail(self) -> list[Problem]:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot open the review log for writing ({os_reason(exc)})",
                              "E-REVIEW-LOG") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ReviewError(f"{self.path}: not a regular file", "E-REVIEW-LOG")
            data = os.pread(fd, info.st_size, 0)
            if not data or data.endswith(b"\n"):
                return []
            keep = data.rfind(b"\n") + 1
            line = data.count(b"\n") + 1
            fragment = data[keep:]
            # Keep the lost bytes for inspection, then cut them off the log.
            side = os.open(self.damaged_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                _write_all(side, fragment + b"\n")
                os.fsync(side)
            finally:
                os.close(side)
            os.ftruncate(fd, keep)
            os.fsync(fd)
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot repair the cut-off last line ({os_reason(exc)})",
                              "E-REVIEW-LOG") from None
        finally:
            os.close(fd)
        return [Problem(str(self.path), line, "truncated",
                        f"the last line was cut off (a kill or a full disk while writing): its {len(fragment)} "
                        f"byte(s) were moved to {self.damaged_path} and the log now ends at line {line - 1}; "
                        f"that decision was not saved, make it again")]

    def append(self, decision: Decision) -> None:
        """Write one decision as one line, flushed and fsync'd before returning.

        Raises ReviewError when the log cannot be written ("disk full" for ENOSPC); the
        log is then left as it was (a partly written line is cut off again).
        """
        data = (decision.to_json() + "\n").encode("utf-8")
        self._not_a_directory()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot open the review log for writing ({os_reason(exc)}); "
                              f"this decision was NOT saved", "E-REVIEW-LOG") from None
        size = -1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            # A line cut off by a kill must not swallow the next decision: end it first.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            _write_all(fd, data)
            os.fsync(fd)
        except OSError as exc:
            if size >= 0:
                try:  # no half-written line: put the log back as it was
                    os.ftruncate(fd, size)
                    os.fsync(fd)
                except OSError:
                    pass  # the next open_for_writing moves a cut-off line aside
            raise ReviewError(f"{self.path}: cannot write the review log ({os_reason(exc)}); "
                              f"this decision was NOT saved", "E-REVIEW-LOG") from None
        finally:
            os.close(fd)  # closing releases the flock (not the session lock)

    def _read_bytes(self, offset: int) -> bytes:
        self._not_a_directory()
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot read the review log ({os_reason(exc)})", "E-REVIEW-LOG") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            size = os.fstat(fd).st_size
            return os.pread(fd, max(0, size - offset), offset) if size > offset else b""
        except OSError as exc:
            raise ReviewError(f"{self.path}: cannot read the review log ({os_reason(exc)})", "E-REVIEW-LOG") from None
        finally:
            os.close(fd)

    def _parse(self, data: bytes, first_line: int, final: bool,
               ids: dict[str, int] | None = None) -> tuple[list[Decision], list[Problem], int, int]:
        """Parse complete lines of `data`; return decisions, problems, bytes and lines consumed.

        `ids` (decision id -> line) carries the ids seen so far, so a repeated id is reported.
        """
        ids = {} if ids is None else ids
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
                decision = Decision.from_obj(obj, number, f"{self.path.name}:")
                if decision.id in ids:
                    raise ValueError(f"duplicate id {decision.id!r} (first on line {ids[decision.id]})")
                ids[decision.id] = number
                decisions.append(decision)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                problems.append(
                    Problem(str(self.path), number, "invalid",
                            f"not valid JSON ({exc}); probably a write cut off by a kill or a full disk; "
                            "line ignored")
                )
            except ValueError as exc:
                problems.append(Problem(str(self.path), number, "invalid", f"{exc}; line ignored"))
        if tail.strip() and final:
            problems.append(
                Problem(str(self.path), number + 1, "truncated",
                        "last line has no newline (a kill or a full disk while writing?); line ignored; "
                        f"the next review session on this log moves it aside to {self.damaged_path}")
            )
        return decisions, problems, consumed, len(pieces)

    def read(self, *, must_exist: bool = False) -> tuple[list[Decision], list[Problem]]:
        """Read the whole log; return decisions in file order and problems found.

        A missing file is an empty log, or with `must_exist` (status, export, diff: only a
        review session creates a log) a ReviewError "log not found". A directory is always
        a ReviewError.
        """
        if must_exist and not self.exists():
            raise ReviewError(f"{self.path}: log not found (only `review` creates a log; check the "
                              f"reviewer name or the path)", "E-REVIEW-LOG")
        decisions, problems, _, _ = self._parse(self._read_bytes(0), 1, final=True)
        return decisions, problems

    def reset(self) -> None:
        """Forget what read_new has consumed, so the next read_new reads the whole log again."""
        self._offset = self._lines = 0
        self._reported = set()
        self._ids = {}

    def read_new(self) -> tuple[list[Decision], list[Problem]]:
        """Read decisions appended since the previous read_new call (complete lines only).

        A cut-off final line is reported once and left unconsumed, so it is seen again
        (as an invalid line) once a later append ends it.
        """
        data = self._read_bytes(self._offset)
        decisions, problems, consumed, lines = self._parse(data, self._lines + 1, final=True, ids=self._ids)
        fresh = [p for p in problems if p.kind != "truncated" or p.line not in self._reported]
        self._reported.update(p.line for p in problems if p.kind == "truncated")
        self._offset += consumed
        self._lines += lines
        return decisions, fresh
