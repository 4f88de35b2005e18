"""Stage 0: read the raw source report and prove it is the expected file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

# SHA-256 of the report as received (../shared/source/README.md); corpus/raw/ holds the copy.
SOURCE_SHA256 = "24af5d1d333dbe5e4f00232f55f32730fbeebd8a12e4583709fc8919389ea995"
SOURCE_FILENAME = "nmg-2025-government-work-report.txt"


@dataclass(frozen=True)
class SourceText:
    """The decoded raw report: `text` (code points), `sha256` of its bytes and its `path`."""

    path: Path
    text: str
    sha256: str
    n_bytes: int


def decode_utf8(data: bytes, path: Path) -> str:
    """Decode `data` as strict UTF-8; raise CorpusError naming the file and byte offset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.end == len(data) and "unexpected end" in exc.reason:
            raise CorpusError(
                "E-SOURCE-TRUNCATED",
                f"{path}: file ends inside a UTF-8 character at byte offset {exc.start} "
                f"(line {line}); the file is truncated",
            ) from None
        raise CorpusError(
            "E-SOURCE-ENCODING",
            f"{path}: not UTF-8 at byte offset {exc.start} (line {line}): "
            f"byte 0x{data[exc.start]:02x} ({exc.reason})",
        ) from None


def read_source(path: Path, expected_sha256: str | None = SOURCE_SHA256) -> SourceText:
    """Read the raw report at `path` as UTF-8, then check its SHA-256.

    Returns the decoded text. Raises CorpusError for a missing file, a non-UTF-8 or truncated
    file (naming the byte offset), or a hash that differs from `expected_sha256` (naming both).
    Pass `expected_sha256=None` to skip the hash check.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError("E-SOURCE-MISSING", f"{path}: source file not found") from None
    except IsADirectoryError:
        raise CorpusError("E-SOURCE-MISSING", f"{path}: is a directory, not a file") from None
    text = decode_utf8(data, path)
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256:
        raise CorpusError(
            "E-SOURCE-CHANGED",
            f"{path}: SHA-256 is {digest}, expected {expected_sha256}; the source changed "
            "(the errata and review decisions were made for the expected file)",
        )
    return SourceText(path=path, text=text, sha256=digest, n_bytes=len(data))
