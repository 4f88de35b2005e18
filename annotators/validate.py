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
from .pipeline import CorpusPaths, read_jsonl, sha256_file
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
            report.fail("V-SIMPLIFIED", place, "text_simplified is not the OpenCC conversion of the text")
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


# --- the dataset folder ----------------------------------------------------------------


def _bio_errors(tags: list[str]) -> list[int]:
    """Positions where an I- tag does not continue a B-/I- of the same type."""
    bad, prev = [], "O"
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            bad.append(i)
        prev = tag
    return bad


def _word_bio(offsets: list[list[int]], entities: list[dict]) -> list[str] | None:
    """BIO tags of whole-word, non-overlapping entities over words; None when an entity is not
    whole words or overlaps another."""
    starts = {a: i for i, (a, _) in enumerate(offsets)}
    ends = {b: i for i, (_, b) in enumerate(offsets)}
    tags = ["O"] * len(offsets)
    for e in entities:
        if e["start"] not in starts or e["end"] not in ends:
            return None
        first, last = starts[e["start"]], ends[e["end"]]
        if any(t != "O" for t in tags[first:last + 1]):
            return None
        tags[first:last + 1] = [f"B-{e['label']}"] + [f"I-{e['label']}"] * (last - first)
    return tags


def _check_word_columns(row: dict, place: str, reviewed: dict | None, hanlp: dict | None, report: Report) -> None:
    """The reviewed word columns are words.jsonl (tags in the review's tag set, entities whole
    words without overlap) and the hanlp_* columns are corpus/interim/hanlp.jsonl."""
    from .dataset import HANLP_PREFIX, NER_LABELS, PKU_LABELS
    from .review.words.notation import TAGS

    def names(col: str, prefix: str = "") -> list[str | None]:
        labels = PKU_LABELS if col == "pos_tags" else NER_LABELS  # ids out of range: reported by V-HF-LABELS
        return [labels[t] if 0 <= t < len(labels) else None for t in row[prefix + col]]

    if reviewed is None:
        report.fail("V-HF-WORDS", place, "sentence missing from annotations/words.jsonl")
    else:
        bio = _word_bio(reviewed["token_offsets"], reviewed["entities"])
        if bio is None:
            report.fail("V-HF-WORDS", place, "a reviewed entity is not whole words or overlaps another")
        unknown = sorted(set(reviewed["pos_tags"]) - set(TAGS))
        if unknown:
            report.fail("V-HF-WORDS", place, f"reviewed tags outside the tag set: {', '.join(map(str, unknown))}")
        if (row["tokens"] != reviewed["tokens"] or [[a, b] for a, b in zip(row["token_starts"], row["token_ends"])]
                != reviewed["token_offsets"] or names("pos_tags") != reviewed["pos_tags"] or names("ner_tags") != bio):
            report.fail("V-HF-WORDS", place, "tokens, pos_tags or ner_tags differ from annotations/words.jsonl")
    if hanlp is None or (row[HANLP_PREFIX + "tokens"] != hanlp["tokens"]
                         or [[a, b] for a, b in zip(row[HANLP_PREFIX + "token_starts"], row[HANLP_PREFIX + "token_ends"])]
                         != hanlp["token_offsets"] or names("pos_tags", HANLP_PREFIX) != hanlp["pos_tags"]):
        report.fail("V-HF-WORDS", place, "hanlp_* columns differ from corpus/interim/hanlp.jsonl")


def _check_word_review(corpus_dir: Path, sentence_ids: list[str], report: Report) -> None:
    """Every sentence is checked in the word review (the plan's logs, replayed) and the logs
    have no problems."""
    from .errors import CorpusError
    from .review.data import load_sentences
    from .review.words.commands import replay
    from .review.words.state import load_word_proposals
    from .reviewed import load_plan

    try:
        plan = load_plan(corpus_dir)["words"]
        sentences = load_sentences(corpus_dir / "interim" / "sentences.jsonl")
        proposals_path = corpus_dir / "interim" / "hanlp.jsonl"
        state = replay(sentences, load_word_proposals(proposals_path), plan.final_logs,
                       proposals_path=str(proposals_path))
    except CorpusError as exc:
        report.fail("V-HF-WORDS", "annotations/review/plan.json", str(exc))
        return
    for sid in sentence_ids:
        if not state.is_checked(sid):
            report.fail("V-HF-WORDS", sid, "not checked in the word review logs")
    for problem in state.problems:
        report.fail("V-HF-WORDS", "word review logs", str(problem))


def validate_dataset(corpus_dir: Path, models_dir: Path, card_source: Path, report: Report | None = None) -> Report:
    """Check every invariant of the dataset folder `corpus_dir/hf` against the layers it was built from."""
    import os
    import tempfile

    import pyarrow.parquet as pq
    import yaml

    from .card import CONFIG_DESCRIPTIONS, PLACEHOLDER_RE, check_metadata, data_fingerprint, render_template
    from .dataset import (CHAR_NER_LABELS, HANLP_PREFIX, MIN_COUNT_FOR_EVERY_SPLIT, NER_LABELS, NUMERIC_LABELS, PKU_LABELS,
                          PUBLISHED_STATUSES, QUALIFIERS, SPLITS, UPOS_LABELS, features, parquet_path)
    from .release import BUILD_INFO, CHECKSUMS, HF_README, checksummed_paths, export_paths, read_checksums
    from .stats import card_figures

    report = report or Report()
    hf = corpus_dir / "hf"
    for check in ("V-HF-FILES", "V-HF-TOKENS", "V-HF-BIO", "V-HF-LABELS", "V-HF-WORDS", "V-HF-NUMERIC", "V-HF-SPLITS",
                  "V-HF-CARD", "V-HF-CHECKSUMS", "V-HF-LOAD", "V-HF-EXPORTS"):
        report.check(check)
    configs = {"default": SPLITS, "char_ner": SPLITS, "documents": ["train"]}
    missing = [parquet_path(c, s) for c, splits in configs.items() for s in splits if not (hf / parquet_path(c, s)).is_file()]
    missing += [p for s in SPLITS for p in export_paths(s).values() if not (hf / p).is_file()]
    missing += [n for n in (HF_README, BUILD_INFO, CHECKSUMS) if not (hf / n).is_file()]
    if missing:
        for m in missing:
            report.fail("V-HF-FILES", str(hf / m), "missing (run `nmg-corpus build`)")
        return report

    sentences = {s["id"]: s for s in read_jsonl(corpus_dir / "interim" / "sentences.jsonl")}
    published = {r["id"]: r for r in read_jsonl(corpus_dir / "annotations" / "numeric_entities.jsonl")}
    reviewed_words = {r["id"]: r for r in read_jsonl(corpus_dir / "annotations" / "words.jsonl")}
    hanlp = {r["id"]: r for r in read_jsonl(corpus_dir / "interim" / "hanlp.jsonl")}
    _check_word_review(corpus_dir, list(sentences), report)
    rows = {s: pq.read_table(hf / parquet_path("default", s)).to_pylist() for s in SPLITS}
    char_rows = {s: pq.read_table(hf / parquet_path("char_ner", s)).to_pylist() for s in SPLITS}

    # Splits: disjoint, complete, whole paragraphs, identical sentences together, frequent labels everywhere.
    seen: dict[str, str] = {}
    para_split: dict[int, str] = {}
    text_split: dict[str, tuple[str, str]] = {}
    for split, split_rows in rows.items():
        for r in split_rows:
            if r["id"] in seen:
                report.fail("V-HF-SPLITS", r["id"], f"in both {seen[r['id']]} and {split}")
            seen[r["id"]] = split
            if para_split.setdefault(r["paragraph"], split) != split:
                report.fail("V-HF-SPLITS", r["id"], f"paragraph {r['paragraph']} is cut across splits")
            other_id, other_split = text_split.setdefault(r["text"], (r["id"], split))
            if other_split != split:
                report.fail("V-HF-SPLITS", r["id"], f"same text as {other_id} in {other_split}, but in {split}")
    for sid in sorted(sentences.keys() - seen.keys()):
        report.fail("V-HF-SPLITS", sid, "sentence missing from every split")

    def split_labels(split_rows: list[dict]) -> Counter:
        return (Counter(NUMERIC_LABELS[e["label"]] for r in split_rows for e in r["numeric_entities"])
                + Counter(NER_LABELS[t][2:] for r in split_rows for t in r["ner_tags"]
                          if 0 <= t < len(NER_LABELS) and NER_LABELS[t].startswith("B-")))

    label_totals = sum((split_labels(split_rows) for split_rows in rows.values()), Counter())
    for split, split_rows in rows.items():
        present = split_labels(split_rows)
        for label, n in sorted(label_totals.items()):
            if n >= MIN_COUNT_FOR_EVERY_SPLIT and not present[label]:
                report.fail("V-HF-SPLITS", split, f"label {label} ({n} in all) is absent from this split")

    for split, split_rows in rows.items():
        for r in split_rows:
            place = f"default/{split} {r['id']}"
            s = sentences.get(r["id"])
            if s is None or (s["text"], s["text_hash"]) != (r["text"], r["text_hash"]):
                report.fail("V-HF-TOKENS", place, "text or text_hash differs from sentences.jsonl")
                continue
            for prefix in ("", HANLP_PREFIX):  # the reviewed word layer and HanLP's beside it
                toks, starts, ends = r[f"{prefix}tokens"], r[f"{prefix}token_starts"], r[f"{prefix}token_ends"]
                n = len(toks)
                if "".join(toks) != r["text"] or not (n == len(starts) == len(ends) == len(r[f"{prefix}pos_tags"])
                                                      == len(r[f"{prefix}upos"]) == len(r[f"{prefix}ner_tags"])):
                    report.fail("V-HF-TOKENS", place, f"{prefix}tokens do not join to the text or columns differ in length")
                elif any(r["text"][a:b] != t for t, a, b in zip(toks, starts, ends)):
                    report.fail("V-HF-TOKENS", place, f"{prefix}token offsets do not point at the tokens")
                for col, names in (("pos_tags", PKU_LABELS), ("upos", UPOS_LABELS), ("ner_tags", NER_LABELS)):
                    if any(not 0 <= t < len(names) for t in r[prefix + col]):
                        report.fail("V-HF-LABELS", place, f"{prefix}{col} has a ClassLabel id outside 0..{len(names) - 1}")
                bad = _bio_errors([NER_LABELS[t] for t in r[f"{prefix}ner_tags"] if 0 <= t < len(NER_LABELS)])
                if bad:
                    report.fail("V-HF-BIO", place, f"{prefix}ner_tags: I- without its B- at token {bad[0]}")
            _check_word_columns(r, place, reviewed_words.get(r["id"]), hanlp.get(r["id"]), report)
            expected = published.get(r["id"], {"spans": []})["spans"]
            got = [{**e, "label": NUMERIC_LABELS[e["label"]], "qualifier": QUALIFIERS[e["qualifier"]],
                    "status": PUBLISHED_STATUSES[e["status"]]} for e in r["numeric_entities"]]
            keys = ("start", "end", "text", "label", "value", "timex", "unit", "qualifier", "status")
            if [{k: e[k] for k in keys} for e in got] != [{k: e[k] for k in keys} for e in sorted(expected, key=lambda e: (e["start"], e["end"]))]:
                report.fail("V-HF-NUMERIC", place, "numeric_entities differ from the reviewed export numeric_entities.jsonl")
            for e in got:
                if r["text"][e["start"]:e["end"]] != e["text"]:
                    report.fail("V-HF-NUMERIC", place, f"span {e['start']}:{e['end']} is not {e['text']!r}")
                if (e["label"] in ("DATE", "TIME")) != (e["timex"] is not None) and e["timex"] is not None:
                    report.fail("V-HF-NUMERIC", place, f"{e['text']}: timex on a {e['label']} span")
                if e["label"] in ("DATE", "TIME") and e["value"] is not None:
                    report.fail("V-HF-NUMERIC", place, f"{e['text']}: a {e['label']} span has a value")
    for split, split_rows in char_rows.items():
        for r in split_rows:
            place = f"char_ner/{split} {r['id']}"
            if r["tokens"] != list(r["text"]) or len(r["ner_tags"]) != len(r["tokens"]):
                report.fail("V-HF-TOKENS", place, "tokens are not the characters of the text")
            if any(not 0 <= t < len(CHAR_NER_LABELS) for t in r["ner_tags"]):
                report.fail("V-HF-LABELS", place, "ner_tags id out of range")
                continue
            tags = [CHAR_NER_LABELS[t] for t in r["ner_tags"]]
            bad = _bio_errors(tags)
            if bad:
                report.fail("V-HF-BIO", place, f"I- without its B- at character {bad[0]}")
            for sp in published.get(r["id"], {"spans": []})["spans"]:
                if tags[sp["start"]] != f"B-{sp['label']}" or any(t != f"I-{sp['label']}" for t in tags[sp["start"] + 1:sp["end"]]):
                    report.fail("V-HF-NUMERIC", place, f"reviewed span {sp['text']!r} is not tagged {sp['label']}")

    # Checksums: the file lists every Parquet and export file, each with its SHA-256.
    checksums: dict[str, str] = {}
    try:
        checksums = read_checksums(hf / CHECKSUMS)
    except CorpusError as exc:
        report.fail("V-HF-CHECKSUMS", CHECKSUMS, exc.message)
    if checksums and sorted(checksums) != checksummed_paths(configs):
        report.fail("V-HF-CHECKSUMS", CHECKSUMS, "does not list exactly the Parquet and export files")
    for name, digest in sorted(checksums.items()):
        if not (hf / name).is_file() or sha256_file(hf / name) != digest:
            report.fail("V-HF-CHECKSUMS", name, f"sha256 differs from {CHECKSUMS}")
    doc_rows = pq.read_table(hf / parquet_path("documents", "train")).to_pylist()
    if [r["source_sha256"] for r in doc_rows] != [SOURCE_SHA256]:
        report.fail("V-HF-CHECKSUMS", parquet_path("documents", "train"), "source_sha256 differs from the recorded source SHA-256")

    # The card: metadata, config fingerprints, figures re-measured from the files.
    readme = (hf / HF_README).read_text(encoding="utf-8")
    _, front, body = readme.split("---\n", 2)
    meta = yaml.safe_load(front)
    for problem in check_metadata(meta):
        report.fail("V-HF-CARD", HF_README, problem)
    card_infos: dict = {}
    try:
        from datasets.info import DatasetInfosDict
        from datasets.utils.metadata import MetadataConfigs
        from huggingface_hub import DatasetCardData

        card_data = DatasetCardData(**meta)
        metadata_configs = MetadataConfigs.from_dataset_card_data(card_data)
        card_infos = DatasetInfosDict.from_dataset_card_data(card_data)
        for config, info in card_infos.items():
            for split, split_info in info.splits.items():
                n = pq.read_metadata(hf / parquet_path(config, split)).num_rows
                if split_info.num_examples != n:
                    report.fail("V-HF-CARD", HF_README, f"{config}/{split}: num_examples {split_info.num_examples}, file has {n}")
            if info.features != features()[config]:
                report.fail("V-HF-CARD", HF_README, f"{config}: dataset_info features differ from the declared features")
        for config, splits in configs.items():
            files = {parquet_path(config, s): sha256_file(hf / parquet_path(config, s)) for s in splits}
            expected = f"{CONFIG_DESCRIPTIONS[config]} Data fingerprint {data_fingerprint(files)}."
            if metadata_configs.get(config, {}).get("description") != expected:
                report.fail("V-HF-CARD", HF_README, f"{config}: description does not end with the fingerprint of its "
                            "Parquet files (rebuild)")
    except Exception as exc:  # any parse failure of the metadata is a card failure
        report.fail("V-HF-CARD", HF_README, f"metadata does not parse: {exc}")
    build_counts = json.loads((hf / BUILD_INFO).read_text(encoding="utf-8"))
    try:
        expected_body = render_template(card_source.read_text(encoding="utf-8"),
                                        card_figures(hf, corpus_dir, models_dir, build_counts), card_source)
        if body.lstrip() != expected_body.lstrip():
            report.fail("V-HF-CARD", HF_README, "card figures differ from the figures measured from the files (rebuild)")
    except CorpusError as exc:
        report.fail("V-HF-CARD", HF_README, exc.message)
    if PLACEHOLDER_RE.search(body):
        report.fail("V-HF-CARD", HF_README, "unfilled placeholder")

    # Loading as users do: offline, fresh cache, ClassLabel names intact, and the card's
    # dataset_info equal to what `datasets` computes for the files.
    with tempfile.TemporaryDirectory() as home:
        saved = {k: os.environ.get(k) for k in ("HF_HOME", "HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")}
        os.environ.update({"HF_HOME": home, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"})
        try:
            import datasets

            datasets.disable_progress_bars()
            for config, splits in configs.items():
                ds = datasets.load_dataset(str(hf.resolve()), config)
                if sorted(ds.keys()) != sorted(splits):
                    report.fail("V-HF-LOAD", config, f"splits {sorted(ds.keys())}, expected {sorted(splits)}")
                if ds[splits[0]].features != features()[config]:
                    report.fail("V-HF-LOAD", config, "loaded features differ from the declared ones")
                info, card_info = ds[splits[0]].info, card_infos.get(config)
                if card_info is None:
                    continue
                computed = ({s: info.splits[s].num_bytes for s in splits}, info.download_size, info.dataset_size)
                in_card = ({s: card_info.splits[s].num_bytes for s in splits if s in card_info.splits},
                           card_info.download_size, card_info.dataset_size)
                if computed != in_card:
                    report.fail("V-HF-CARD", f"{HF_README} {config}", f"dataset_info (num_bytes, download_size, "
                                f"dataset_size) {in_card} differs from what datasets computes, {computed}")
        except Exception as exc:
            report.fail("V-HF-LOAD", str(hf), f"load_dataset failed: {exc}")
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)

    # Exports read back with their own tools: every word, tag and span equals the Parquet rows.
    try:
        import conllu

        from .exports import comparable, conllu_layers, doc_layers, expected_ents, read_docbin, row_layers

        feats = features()["default"]
        for split in SPLITS:
            paths = export_paths(split)
            expected = [row_layers(r, feats) for r in rows[split]]
            parsed = conllu.parse((hf / paths["conllu"]).read_text(encoding="utf-8"))
            if [s.metadata.get("sent_id") for s in parsed] != [r["id"] for r in rows[split]]:
                report.fail("V-HF-EXPORTS", paths["conllu"], "sentence ids differ from the Parquet split")
            for sent, want in zip(parsed, expected):
                place = f"{paths['conllu']} {sent.metadata.get('sent_id')}"
                if [t["id"] for t in sent] != list(range(1, len(sent) + 1)) or "".join(t["form"] for t in sent) != sent.metadata.get("text"):
                    report.fail("V-HF-EXPORTS", place, "ids or forms do not rebuild # text")
                try:
                    got = conllu_layers(sent)
                except (KeyError, ValueError, IndexError) as exc:
                    report.fail("V-HF-EXPORTS", place, f"MISC cannot be read back ({exc!r})")
                    continue
                if got != want:
                    report.fail("V-HF-EXPORTS", place, "words, tags or spans differ from the Parquet row")
            docs = read_docbin(hf / paths["spacy"])
            if [d.user_data.get("id") for d in docs] != [r["id"] for r in rows[split]]:
                report.fail("V-HF-EXPORTS", paths["spacy"], "sentence ids differ from the Parquet split")
            for doc, row, want in zip(docs, rows[split], expected):
                place = f"{paths['spacy']} {doc.user_data.get('id')}"
                if doc.user_data.get("split") != split or doc.text != row["text"]:
                    report.fail("V-HF-EXPORTS", place, "split or text differs from the Parquet row")
                if doc_layers(doc) != comparable(want, numeric_fields=False):
                    report.fail("V-HF-EXPORTS", place, "words, tags or span groups differ from the Parquet row")
                if sorted((e.start_char, e.end_char, e.label_) for e in doc.ents) != expected_ents(want["spans"]):
                    report.fail("V-HF-EXPORTS", place, "doc.ents are not the numeric spans plus the entities overlapping none")
    except Exception as exc:
        report.fail("V-HF-EXPORTS", str(hf / "exports"), f"cannot read the exports back: {exc!r}")
    return report
