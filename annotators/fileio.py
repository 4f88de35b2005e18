"""Writing files so that a failure changes nothing: the shared atomic writer.

`atomic_write_text` / `atomic_write_bytes` write to a temporary file in the destination's
folder, fsync it and rename it over the destination only once everything is written, so a
reader (or a failed run: disk full, read-only folder, a kill) sees either the old file or
the new one, never half of one. `os_reason` turns an OSError into the words a user needs
("disk full", "permission denied", "is a directory").
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import CorpusError

_REASONS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a parent is not a directory",
    errno.ENOENT: "no such file or directory",
}


def os_reason(exc: OSError) -> str:
    """A short reason for an OSError, e.g. 'disk full' for ENOSPC (falls back to strerror)."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def atomic_write_bytes(path: Path | str, data: bytes, *, code: str = "E-WRITE") -> Path:
    """Write `data` to `path` atomically: temp file in the same folder, fsync, rename.

    The destination is replaced only when the whole content is on disk; on any failure the
    temporary file is removed, the destination is left exactly as it was and CorpusError
    (`code`, naming the path and the reason) is raised. The new file gets the mode a plain
    open() would give it (0666 less the umask). Returns the path written.
    """
    out = Path(path)
    if out.is_dir():
        raise CorpusError(code, f"{out}: is a directory, not a file")
    tmp: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        # mkstemp creates 0600; give the file the mode every other output gets.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
        tmp = None
        _fsync_dir(out.parent)
    except OSError as exc:
        raise CorpusError(code, f"{out}: cannot write ({os_reason(exc)}); the file was left unchanged") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return out


def atomic_write_text(path: Path | str, text: str, *, code: str = "E-WRITE") -> Path:
    """Write `text` as UTF-8 with '\\n' line ends to `path` atomically (see atomic_write_bytes)."""
    return atomic_write_bytes(path, text.encode("utf-8"), code=code)


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; some file systems refuse fsync on a directory.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
