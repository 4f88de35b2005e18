"""The errata: every entry matches exactly once and restores the expected text."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotators.clean import clean_text
from annotators.errata import ErrataEntry, load_errata, replacements, unescape
from annotators.errors import CorpusError

# What each entry must yield in the clean text (the restored reading, in clean form).
EXPECTED = {
    "E01": "挽回損失71.4億元。科技“突圍”",
    "E02": "確保基礎設施投資超過3000億元",
    "E03": "突破1300億元。現代煤化工",
    "E04": "變為生產力和競爭力",
    "E05": "補獎政策的旗縣全面推開",
    "E06": "國內外大獎。現在文博熱",
    "E07": "開展營商環境領域",
    "E08": "實打實地解決限制過多",
    "E09": "黃河流域專項督察，持續狠抓問題整改",
    "E10": "在多個領域實現“變廢為寶”",
    "E11": "打造一批特色重點專科。要促進",
    "E12": "強化醫保基金常態化監管",
    "E13": "狠抓礦山、危化品、城鎮燃氣、電動自行車",
    "E14": "指引的方向實打實幹，只要各族人民",
    "E15": "推進河套、磴口等大中型灌區",
}


@pytest.fixture(scope="module")
def entries(paths) -> list[ErrataEntry]:
    return load_errata(paths.errata)


def test_every_entry_is_tested(entries) -> None:
    assert sorted(e.id for e in entries) == sorted(EXPECTED)


@pytest.mark.parametrize("entry_id", sorted(EXPECTED))
def test_entry_restores_its_place(entry_id: str, entries, raw_text, foundation) -> None:
    entry = next(e for e in entries if e.id == entry_id)
    assert raw_text.count(entry.raw) == 1
    assert entry.reason.strip()
    clean = foundation.clean
    assert clean.text.count(EXPECTED[entry_id]) == 1
    at = clean.text.index(EXPECTED[entry_id])
    rules = set(clean.rules[at:at + len(EXPECTED[entry_id])])
    assert f"errata:{entry_id}" in rules
    # The restored characters map back inside the corrupted raw string.
    start = raw_text.index(entry.raw)
    rs, re_ = clean.raw_span(at, at + len(EXPECTED[entry_id]))
    assert rs <= start + len(entry.raw) and re_ >= start


def test_unchanged_context_keeps_exact_offsets(entries, raw_text) -> None:
    reps = replacements(entries, raw_text)
    e01 = [r for r in reps if r.errata_id == "E01"]
    # `失71.4億元` sits between two repairs and is not part of either.
    assert [raw_text[r.raw_start:r.raw_end] for r in e01] == ["?fù)p", "??萍?ldquo;"]
    assert [r.text for r in e01] == ["損", "。科技“"]


def test_entry_that_no_longer_matches(raw_text) -> None:
    entry = ErrataEntry("X1", "挽回?fù)p失99億元", "挽回損失99億元", "test", 7)
    with pytest.raises(CorpusError) as exc:
        replacements([entry], raw_text, "errata.tsv")
    assert exc.value.code == "E-ERRATA-NO-MATCH"
    assert "errata.tsv:7" in exc.value.message and "raw offset" in exc.value.message


def test_entry_that_matches_twice(raw_text) -> None:
    entry = ErrataEntry("X2", "各位代表", "各位委員", "test", 9)
    with pytest.raises(CorpusError) as exc:
        replacements([entry], raw_text, "errata.tsv")
    assert exc.value.code == "E-ERRATA-AMBIGUOUS"
    assert f"matches {raw_text.count('各位代表')} times" in exc.value.message


def test_overlapping_entries(raw_text) -> None:
    a = ErrataEntry("A", "開展?fàn)I商", "開展營商", "t", 1)
    b = ErrataEntry("B", "?fàn)I商環(huán)境", "營商環(huán)境", "t", 2)
    with pytest.raises(CorpusError) as exc:
        replacements([a, b], raw_text)
    assert exc.value.code == "E-ERRATA-OVERLAP"


def test_pure_insertion_is_refused(raw_text) -> None:
    entry = ErrataEntry("X3", "各位代表:\n", "各位代表:啊\n", "t", 3)
    with pytest.raises(CorpusError) as exc:
        replacements([entry], raw_text)
    assert exc.value.code == "E-ERRATA-FORMAT"


def test_malformed_tsv(tmp_path: Path) -> None:
    bad = tmp_path / "errata.tsv"
    bad.write_text("# c\nid\traw\trestored\treason\nE1\tonly-two\n", encoding="utf-8")
    with pytest.raises(CorpusError) as exc:
        load_errata(bad)
    assert f"{bad}:3" in exc.value.message


def test_escapes() -> None:
    assert unescape("a\\ue2a6b\\\\") == "a\ue2a6b\\"


def test_errata_are_applied_before_pinyin_removal(raw_text, entries) -> None:
    # Without errata, the pinyin stage alone leaves the corruption in place.
    plain = clean_text(raw_text, []).text
    assert "挽回?fù" in plain and "挽回損失" not in plain
