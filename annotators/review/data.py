"""Reading the review inputs: sentences and span proposals (JSONL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..structure import text_hash  # noqa: F401  (the corpus-wide sentence hash)
from .errors import ReviewError


@dataclass(frozen=True)
class Sentence:
    """One sentence of `corpus/interim/sentences.jsonl`."""

    id: str
    text_hash: str
    text: str
    part: Any = None
    section: Any = None
    paragraph: Any = None
    index: Any = None
    is_heading: bool = False


def same_hash(a: str, b: str) -> bool:
    """True when two text hashes agree: sha256 hex prefixes, compared over the shorter (at least 12)."""
    n = min(len(a), len(b))
    return n >= 12 and a[:n] == b[:n]


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file.

    Raises ReviewError naming file and line for a missing file, a line that is not JSON
    or a line that is not an object.
    """
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise ReviewError(f"{path}: file not found", "E-REVIEW-INPUT") from None
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read ({exc.strerror})", "E-REVIEW-INPUT") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReviewError(f"{path}:{number}: not valid JSON ({exc.msg})", "E-REVIEW-INPUT") from None
            if not isinstance(obj, dict):
                raise ReviewError(f"{path}:{number}: expected a JSON object", "E-REVIEW-INPUT")
            yield number, obj


def load_sentences(path: Path) -> list[Sentence]:
    """Read sentences in file order; raises ReviewError (file:line) on a malformed line."""
    sentences: list[Sentence] = []
    seen: set[str] = set()
    for number, obj in iter_jsonl(path):
        for key in ("id", "text"):
            if not isinstance(obj.get(key), str):
                raise ReviewError(f"{path}:{number}: field '{key}' missing or not a string", "E-REVIEW-INPUT")
        if obj["id"] in seen:
            raise ReviewError(f"{path}:{number}: duplicate sentence id {obj['id']!r}", "E-REVIEW-INPUT")
        seen.add(obj["id"])
        sentences.append(
            Sentence(
                id=obj["id"],
                text_hash=obj.get("text_hash") or text_hash(obj["text"]),
                text=obj["text"],
                part=obj.get("part"),
                section=obj.get("section"),
                paragraph=obj.get("paragraph"),
                index=obj.get("index"),
                is_heading=bool(obj.get("is_heading", False)),
            )
        )
    return sentences


@dataclass(frozen=True)
class ProposalLine:
    """The proposals for one sentence, with where they came from."""

    sentence_id: str
    text_hash: str
    spans: list[dict[str, Any]]
    line: int


def load_proposals(path: Path) -> dict[str, ProposalLine]:
    """Read proposals keyed by sentence id; raises ReviewError (file:line) when malformed."""
    out: dict[str, ProposalLine] = {}
    for number, obj in iter_jsonl(path):
        if not isinstance(obj.get("id"), str):
            raise ReviewError(f"{path}:{number}: field 'id' missing or not a string", "E-REVIEW-INPUT")
        spans = obj.get("spans", [])
        if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
            raise ReviewError(f"{path}:{number}: field 'spans' must be a list of objects", "E-REVIEW-INPUT")
        if obj["id"] in out:
            raise ReviewError(f"{path}:{number}: duplicate proposals for {obj['id']!r}", "E-REVIEW-INPUT")
        out[obj["id"]] = ProposalLine(obj["id"], str(obj.get("text_hash", "")), spans, number)
    return out
