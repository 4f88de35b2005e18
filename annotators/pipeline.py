"""The foundation stages wired together: raw report → clean text → structure → sentences.

`build_interim` is the plain function behind `nmg-corpus build`; it reads the raw report,
the errata and the character inventories, fails with a CorpusError on anything suspicious,
and writes the interim files (all deterministic, byte for byte):

- `clean.txt`: the clean report, same lines as the raw one;
- `clean_map.tsv`: the alignment of clean and raw text as runs (clean span, raw span, rule);
- `document.json`: document metadata, provenance and the structured paragraphs;
- `sentences.jsonl`: one sentence a line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

from .clean import CleanText, clean_text, find_corruption, load_char_inventory
from .errata import load_errata, replacements
from .errors import CorpusError
from .simplify import OPENCC_CONFIG, to_simplified
from .source import SOURCE_FILENAME, SOURCE_SHA256, SourceText, read_source
from .structure import Document, parse_document


@dataclass(frozen=True)
class CorpusPaths:
    """Where the hand-made inputs and the built files of a corpus checkout live."""

    corpus: Path

    @property
    def raw(self) -> Path:
        return self.corpus / "raw" / SOURCE_FILENAME

    @property
    def errata(self) -> Path:
        return self.corpus / "errata.tsv"

    @property
    def known_chars(self) -> Path:
        return self.corpus / "lexicon" / "known_chars.txt"

    @property
    def allowed_rare(self) -> Path:
        return self.corpus / "lexicon" / "allowed_rare_chars.tsv"

    @property
    def interim(self) -> Path:
        return self.corpus / "interim"


@dataclass
class Foundation:
    """What the foundation stages produced, in memory."""

    source: SourceText
    clean: CleanText
    document: Document


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of the file at `path`."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_foundation(
    paths: CorpusPaths, source_path: Path | None = None, *, expected_sha256: str | None = SOURCE_SHA256
) -> Foundation:
    """Read, restore, clean, check and structure the report.

    `source_path` defaults to the committed raw copy; another copy is held to the same
    checks (UTF-8, SHA-256, errata matching exactly once, no leftover corruption);
    `expected_sha256=None` skips only the hash check (for tests of the later checks).
    Raises CorpusError on the first problem class found, listing every place of it.
    """
    source = read_source(source_path or paths.raw, expected_sha256)
    entries = load_errata(paths.errata)
    clean = clean_text(source.text, replacements(entries, source.text, paths.errata))
    known = load_char_inventory(paths.known_chars)
    allowed = load_char_inventory(paths.allowed_rare)
    findings = find_corruption(clean.text, known, allowed, to_simplified)
    if findings:
        places = "\n".join(
            f"  {f.kind} at clean offset {f.start} (raw offset {clean.raw_starts[f.start]}): {f.context}"
            for f in findings
        )
        raise CorpusError(
            "E-CORRUPTION-LEFT",
            f"{source.path}: {len(findings)} suspected corrupted place(s) left after the errata "
            f"({paths.errata}); restore each with an errata entry or, for a real rare "
            f"character, list it in {paths.allowed_rare}:\n{places}",
        )
    return Foundation(source, clean, parse_document(clean))


def _package_version(name: str) -> str:
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return "not installed"


def write_interim(foundation: Foundation, paths: CorpusPaths) -> list[Path]:
    """Write clean.txt, clean_map.tsv, document.json and sentences.jsonl; return their paths."""
    out = paths.interim
    out.mkdir(parents=True, exist_ok=True)
    clean, doc = foundation.clean, foundation.document
    written = []

    clean_path = out / "clean.txt"
    clean_path.write_text(clean.text, encoding="utf-8")
    written.append(clean_path)

    map_path = out / "clean_map.tsv"
    rows = ["clean_start\tclean_end\traw_start\traw_end\trule"]
    rows += [f"{s.clean_start}\t{s.clean_end}\t{s.raw_start}\t{s.raw_end}\t{s.rule}" for s in clean.segments()]
    map_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    written.append(map_path)

    doc_path = out / "document.json"
    document = {
        "doc_id": "nmg2025",
        "metadata": doc.metadata,
        "provenance": {
            "source_file": SOURCE_FILENAME,
            "source_sha256": foundation.source.sha256,
            "source_bytes": foundation.source.n_bytes,
            "errata_sha256": sha256_file(paths.errata),
            "known_chars_sha256": sha256_file(paths.known_chars),
            "allowed_rare_chars_sha256": sha256_file(paths.allowed_rare),
            "opencc": {"version": _package_version("opencc"), "config": OPENCC_CONFIG},
            "offsets": "raw_start/raw_end are code-point offsets into the raw file decoded as UTF-8; "
                       "clean_start/clean_end are code-point offsets into clean.txt",
        },
        "counts": {"paragraphs": len(doc.paragraphs), "sentences": len(doc.sentences),
                   "clean_chars": len(clean.text)},
        "paragraphs": [asdict(p) for p in doc.paragraphs],
    }
    doc_path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written.append(doc_path)

    sent_path = out / "sentences.jsonl"
    sent_path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in doc.sentences), encoding="utf-8")
    written.append(sent_path)
    return written


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSONL file; raise CorpusError naming the file and line of a malformed line."""
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CorpusError("E-FILE-MISSING", f"{path}: not found (run `nmg-corpus build` first)") from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CorpusError("E-JSONL", f"{path}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    return rows
