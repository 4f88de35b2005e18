"""Invariant checks over the built files, in the manner of the UD validator.

Every check has a stable id (`V-MAP-PARTITION`, ...); every failure is reported with its id
and place; the run ends with PASSED or FAILED. `nmg-corpus validate` prints the report and
exits 0 or 1.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .clean import FULLWIDTH_PUNCT, PINYIN_RE, find_corruption, load_char_inventory
from .errata import load_errata, replacements
from .errors import CorpusError
from .pipeline import CorpusPaths, read_jsonl
from .simplify import to_simplified
from .source import SOURCE_SHA256, read_source
from .structure import SECTION_RE, sentence_id, small_chinese_number, text_hash


@dataclass
class Failure:
    check: str
    place: str
    message: str

    def __str__(self) -> str:
        return f"[{self.place}] {self.check}: {self.message}"


@dataclass
class Report:
    """Collected failures and the ids of the checks that ran."""

    failures: list[Failure] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    def check(self, check_id: str) -> None:
        if check_id not in self.checks:
            self.checks.append(check_id)

    def fail(self, check_id: str, place: str, message: str) -> None:
        self.check(check_id)
        self.failures.append(Failure(check_id, place, message))

    @property
    def passed(self) -> bool:
        return not self.failures

    def render(self) -> str:
        lines = [str(f) for f in self.failures]
        counts = Counter(f.check for f in self.failures)
        if counts:
            lines.append("failures by check: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        lines.append(f"{len(self.checks)} checks, {len(self.failures)} failures")
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)


def _read_map(path: Path) -> list[tuple[int, int, int, int, str]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines()[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 5:
            raise CorpusError("E-MAP-FORMAT", f"{path}:{lineno}: expected 5 tab-separated fields")
        rows.append((int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]), parts[4]))
    return rows


def validate_interim(paths: CorpusPaths, report: Report | None = None) -> Report:
    """Check the foundation's built files in `paths.interim` against the raw report."""
    report = report or Report()
    try:
        source = read_source(paths.raw, expected_sha256=None)
        clean = (paths.interim / "clean.txt").read_text(encoding="utf-8")
        segments = _read_map(paths.interim / "clean_map.tsv")
        document = json.loads((paths.interim / "document.json").read_text(encoding="utf-8"))
        sentences = read_jsonl(paths.interim / "sentences.jsonl")
    except (CorpusError, FileNotFoundError) as exc:
        report.fail("V-FILES", str(paths.interim), str(exc))
        return report
    raw = source.text

    report.check("V-SOURCE-HASH")
    if source.sha256 != SOURCE_SHA256:
        report.fail("V-SOURCE-HASH", str(paths.raw), f"sha256 {source.sha256}, expected {SOURCE_SHA256}")
    if document["provenance"]["source_sha256"] != source.sha256:
        report.fail("V-SOURCE-HASH", "document.json", "recorded source_sha256 differs from the raw file")

    # The alignment runs must partition both texts, in order, and each run must be explained by its rule.
    report.check("V-MAP-PARTITION")
    report.check("V-MAP-RULE")
    errata_by_id: dict[str, list] = {}
    try:
        for r in replacements(load_errata(paths.errata), raw, paths.errata):
            errata_by_id.setdefault(r.errata_id, []).append(r)
    except CorpusError as exc:
        report.fail("V-MAP-RULE", str(paths.errata), exc.message)
    raw_pos = clean_pos = 0
    for k, (cs, ce, rs, re_, rule) in enumerate(segments, start=2):
        place = f"clean_map.tsv line {k}"
        if rs != raw_pos or cs != clean_pos:
            report.fail("V-MAP-PARTITION", place, f"run starts at raw {rs}/clean {cs}, expected raw {raw_pos}/clean {clean_pos}")
        raw_pos, clean_pos = max(raw_pos, re_), max(clean_pos, ce)
        raw_part, clean_part = raw[rs:re_], clean[cs:ce]
        ok = {
            "copy": raw_part == clean_part,
            "pinyin": len(clean_part) == 1 and raw_part[:1] == clean_part and bool(PINYIN_RE.fullmatch(raw_part[1:])),
            "punct": len(raw_part) == 1 and FULLWIDTH_PUNCT.get(raw_part) == clean_part,
            "drop-space": clean_part == "" and raw_part.strip() == "",
        }.get(rule)
        if rule.startswith("errata:"):
            reps = errata_by_id.get(rule.split(":", 1)[1], [])
            ok = any(r.raw_start == rs and r.raw_end == re_ and "".join(FULLWIDTH_PUNCT.get(c, c) for c in r.text) == clean_part for r in reps)
        if not ok:
            report.fail("V-MAP-RULE", place, f"rule {rule!r} does not turn raw {raw_part!r} into {clean_part!r}")
    if raw_pos != len(raw) or clean_pos != len(clean):
        report.fail("V-MAP-PARTITION", "clean_map.tsv", f"runs end at raw {raw_pos}/clean {clean_pos}, texts end at {len(raw)}/{len(clean)}")

    report.check("V-CLEAN-CORRUPTION")
    known = load_char_inventory(paths.known_chars)
    allowed = load_char_inventory(paths.allowed_rare)
    for f in find_corruption(clean, known, allowed, to_simplified):
        report.fail("V-CLEAN-CORRUPTION", f"clean offset {f.start}", f"{f.kind}: {f.context}")

    # Per-character raw spans rebuilt from the runs, to check every sentence's raw offsets.
    char_starts = [0] * len(clean)
    char_ends = [0] * len(clean)
    for cs, ce, rs, re_, rule in segments:
        for i in range(cs, ce):
            char_starts[i], char_ends[i] = (rs + i - cs, rs + i - cs + 1) if rule == "copy" else (rs, re_)

    for check in ("V-SENT-TEXT", "V-SENT-RAW", "V-SENT-HASH", "V-SENT-ID", "V-SENT-COVER", "V-SIMPLIFIED", "V-STRUCTURE"):
        report.check(check)
    seen_ids: set[str] = set()
    by_paragraph: dict[int, list[dict]] = {}
    for s in sentences:
        place = s.get("id", "?")
        cs, ce = s["clean_start"], s["clean_end"]
        if clean[cs:ce] != s["text"]:
            report.fail("V-SENT-TEXT", place, f"clean.txt[{cs}:{ce}] is not the sentence text")
        elif (min(char_starts[cs:ce]), max(char_ends[cs:ce])) != (s["raw_start"], s["raw_end"]):
            report.fail("V-SENT-RAW", place, f"raw span [{s['raw_start']}, {s['raw_end']}) does not match the map")
        if s["text_hash"] != text_hash(s["text"]):
            report.fail("V-SENT-HASH", place, "text_hash does not match the text")
        if s["id"] != sentence_id(s["paragraph"], s["index"]) or s["id"] in seen_ids:
            report.fail("V-SENT-ID", place, "id is duplicated or not built from paragraph and index")
        seen_ids.add(s["id"])
        by_paragraph.setdefault(s["paragraph"], []).append(s)
        if s["text_simplified"] != to_simplified(s["text"]):
            report.fail("V-SIMPLIFIED", place, "text_simplified is not OpenCC t2s of the text")
        alignment = s["simplified_alignment"]
        if alignment is None and len(s["text_simplified"]) != len(s["text"]):
            report.fail("V-SIMPLIFIED", place, "lengths differ but no alignment is given")
        if alignment is not None and len(alignment) != len(s["text_simplified"]):
            report.fail("V-SIMPLIFIED", place, "alignment length differs from text_simplified")
        section = s["section"]
        if section is not None:
            m = SECTION_RE.match(section)
            if not m or small_chinese_number(m.group(1)) != s["section_number"]:
                report.fail("V-STRUCTURE", place, f"section {section!r} and section_number {s['section_number']} disagree")
            if s["part"] is None:
                report.fail("V-STRUCTURE", place, "a section outside any part")
        elif s["section_number"] is not None:
            report.fail("V-STRUCTURE", place, "section_number without section")
        if s["is_heading"] and not (s["text"] == s["part"] or (s["index"] == 1 and section and s["text"].startswith(section))):
            report.fail("V-STRUCTURE", place, "is_heading on a sentence that is neither a part heading nor a section's first sentence")
    paragraphs = {p["paragraph"]: p for p in document["paragraphs"]}
    if sorted(by_paragraph) != sorted(paragraphs):
        report.fail("V-SENT-COVER", "document.json", "paragraph numbers of sentences and document differ")
    for number, sents in sorted(by_paragraph.items()):
        para = paragraphs.get(number)
        if para is None:
            continue
        if [s["index"] for s in sents] != list(range(1, len(sents) + 1)):
            report.fail("V-SENT-ID", f"paragraph {number}", "sentence indexes are not 1..n in order")
        if "".join(s["text"] for s in sents) != para["text"]:
            report.fail("V-SENT-COVER", f"paragraph {number}", "sentences do not rebuild the paragraph")
        if any((s["part"], s["section"]) != (para["part"], para["section"]) for s in sents):
            report.fail("V-STRUCTURE", f"paragraph {number}", "sentences disagree with their paragraph's part or section")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", document["metadata"].get("date", "")):
        report.fail("V-STRUCTURE", "document.json", "metadata date is not ISO 8601")
    return report
