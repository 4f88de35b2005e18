"""The document's structure: metadata, parts, sections, headings, stable ids."""

from __future__ import annotations

import json

import pytest

from annotators.clean import clean_text
from annotators.errata import load_errata, replacements
from annotators.structure import parse_document, sentence_id, small_chinese_number, text_hash

ROMAN_SECTIONS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]


def test_metadata(foundation) -> None:
    meta = foundation.document.metadata
    assert meta["title"] == "政府工作報告"
    assert meta["date"] == "2025-01-14"
    assert meta["venue"] == "內蒙古自治區第十四屆人民代表大會第三次會議"
    assert meta["speaker"] == "王莉霞" and meta["speaker_title"] == "自治區人民政府主席"
    assert "本報記者 韓卿立 攝" in meta["photo_caption"]["text"]
    # Metadata is not speech.
    texts = "".join(s["text"] for s in foundation.document.sentences)
    assert "本報記者" not in texts and "王莉霞" not in texts


def test_structure_of_every_paragraph(foundation) -> None:
    """The expected (part, section) of all 65 paragraphs, written out from reading the report."""
    paras = foundation.document.paragraphs
    part1, part2 = "一、2024年工作回顧", "二、2025年工作安排"
    expected: list[tuple[str | None, str | None]] = [(None, None)] * 2 + [(part1, None)] * 9 + [(part2, None)] * 5
    section_sizes = [3, 5, 3, 4, 5, 3, 5, 4, 5, 4, 5]
    for numeral, size in zip(ROMAN_SECTIONS, section_sizes):
        expected += [(part2, f"（{numeral}）")] * size
    expected += [(part2, None)] * 3  # the closing 各位代表！ paragraphs
    assert [(p.part, p.section) for p in paras] == expected
    assert [p.paragraph for p in paras] == list(range(1, 66))
    heads = [p.paragraph for p in paras if p.is_part_heading]
    assert heads == [3, 12]


def test_section_numbers_and_headings(foundation) -> None:
    sents = foundation.document.sentences
    headings = [s for s in sents if s["is_heading"]]
    assert [h["section_number"] for h in headings] == [None, None] + list(range(1, 12))
    for h in headings[2:]:
        assert h["index"] == 1 and h["text"].startswith(h["section"]) and h["text"].endswith("。")
    closing = [s for s in sents if s["paragraph"] >= 63]
    assert all(s["section"] is None and s["section_number"] is None for s in closing)
    assert closing[0]["text"] == "各位代表！"


@pytest.mark.parametrize("numeral, value", [("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("九十九", 99)])
def test_small_chinese_number(numeral: str, value: int) -> None:
    assert small_chinese_number(numeral) == value


def test_ids_are_structural(foundation) -> None:
    sents = foundation.document.sentences
    assert len({s["id"] for s in sents}) == len(sents)
    for s in sents:
        assert s["id"] == sentence_id(s["paragraph"], s["index"]) and s["text_hash"] == text_hash(s["text"])


def test_errata_fix_inside_a_paragraph_keeps_other_ids(foundation, paths, raw_text) -> None:
    """Changing one paragraph (dropping errata E03, which restores a 。 and so a sentence
    boundary) changes only that paragraph's sentences."""
    entries = [e for e in load_errata(paths.errata) if e.id != "E03"]
    changed = parse_document(clean_text(raw_text, replacements(entries, raw_text)))
    before = {s["id"]: s["text_hash"] for s in foundation.document.sentences}
    after = {s["id"]: s["text_hash"] for s in changed.sentences}
    differing = {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}
    paragraph = next(p.paragraph for p in foundation.document.paragraphs if "突破1300億元。現代煤化工" in p.text)
    assert differing and {i.split("-s")[0] for i in differing} == {f"nmg2025-p{paragraph:03d}"}
    assert len(changed.sentences) == len(foundation.document.sentences) - 1


def test_committed_sentences_have_the_documented_fields(committed_sentences) -> None:
    required = {"id", "text_hash", "part", "section", "section_number", "paragraph", "index", "is_heading",
                "text", "text_simplified", "raw_start", "raw_end"}
    for s in committed_sentences:
        assert required <= s.keys()
