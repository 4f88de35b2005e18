"""One writing session per decision log: an exclusive lock held for the whole session.

`LogLock(log_path).acquire(reviewer)` takes `fcntl.flock(LOCK_EX | LOCK_NB)` on
`<log>.lock` and writes the holder (process id, host, reviewer, start time) into it; a
second session on the same log is refused at once with a message naming that process.
The lock belongs to the open file, so it ends with the process, even on SIGKILL: a lock
file left behind by a killed session holds no lock and is simply taken over. A clean
release removes the lock file. Readers (status, export, diff) never take this lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path
from types import TracebackType

from ..fileio import os_reason
from .errors import ReviewError


def lock_path(log_path: Path | str) -> Path:
    """The lock file of a log: `<log>.lock` beside it (numeric-alice.jsonl → numeric-alice.jsonl.lock)."""
    path = Path(log_path)
    return path.with_name(path.name + ".lock")


def _holder(fd: int) -> str:
    """Describe the session holding the lock from what it wrote into the lock file."""
    try:
        raw = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        info = json.loads(raw)
    except (OSError, ValueError):
        return "another process (it has not written its id yet)"
    if not isinstance(info, dict):
        return "another process"
    parts = [f"process {info.get('pid')}"]
    if info.get("host"):
        parts.append(f"on {info['host']}")
    if info.get("reviewer"):
        parts.append(f"reviewer {info['reviewer']}")
    if info.get("since"):
        parts.append(f"since {info['since']}")
    return ", ".join(str(p) for p in parts)


class LogLock:
    """The exclusive lock on one decision log; acquire() before writing, release() at the end.

    Usable as a context manager. Not re-entrant: a second LogLock on the same log is
    refused even in the same process, as a second session must be.
    """

    def __init__(self, log_path: Path | str) -> None:
        self.log_path = Path(log_path)
        self.path = lock_path(self.log_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self, reviewer: str = "") -> None:
        """Take the lock or raise ReviewError naming the process that holds it."""
        from .log import utc_now

        if self._fd is not None:
            return
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise ReviewError(f"{self.path}: cannot create the lock file of {self.log_path} "
                                  f"({os_reason(exc)})", "E-REVIEW-LOG") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                who = _holder(fd)
                os.close(fd)
                raise ReviewError(f"{self.log_path}: another review session is writing this log ({who}); "
                                  f"finish that session first (q), so that two sessions never interleave "
                                  f"their decisions (lock file {self.path})", "E-REVIEW-LOCKED") from None
            except OSError as exc:
                os.close(fd)
                raise ReviewError(f"{self.path}: cannot lock ({os_reason(exc)})", "E-REVIEW-LOG") from None
            # A session that was releasing may have removed the file we opened: lock the one on disk.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            info = {"pid": os.getpid(), "host": socket.gethostname(), "reviewer": reviewer, "since": utc_now()}
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, (json.dumps(info, ensure_ascii=False) + "\n").encode("utf-8"), 0)
            except OSError as exc:
                os.close(fd)
                raise ReviewError(f"{self.path}: cannot write the lock file ({os_reason(exc)})",
                                  "E-REVIEW-LOG") from None
            self._fd = fd
            return
        raise ReviewError(f"{self.path}: the lock file keeps changing; is another session starting?", "E-REVIEW-LOCKED")

    def release(self) -> None:
        """Give the lock up and remove the lock file (safe to call twice)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                os.unlink(self.path)  # while still locked, so nobody takes over a file about to vanish
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> LogLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    def __del__(self) -> None:
        # An abandoned session must not keep its log locked for the life of the process.
        try:
            self.release()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
