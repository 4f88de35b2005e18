"""Cleaning: pinyin removal, punctuation, the raw-offset map and the corruption detectors."""

from __future__ import annotations

import pytest

from annotators.clean import clean_text, find_corruption, load_char_inventory
from annotators.errata import load_errata, replacements
from annotators.simplify import to_simplified


def clean(raw: str) -> str:
    return clean_text(raw, []).text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("內(nèi)蒙古自治區(qū)", "內蒙古自治區"),
        ("團結(jié)奮斗", "團結奮斗"),
        ("(一)實施重大項目", "（一）實施重大項目"),
        ("(十一)更好統籌(chóu)", "（十一）更好統籌"),
        ("增長6%左右,突破2.6萬億元", "增長6%左右，突破2.6萬億元"),
        ("目標是:增長;下降!", "目標是：增長；下降！"),
        ("1,000人 10:30", "1,000人 10:30"),  # never inside numbers
        ("GDP(gdp)", "GDP（gdp）"),  # pinyin only after a Han character
        ("自治區人民政府主席王莉霞\u2002\n下一行", "自治區人民政府主席王莉霞\n下一行"),
    ],
)
def test_cleaning_rules(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_no_pinyin_left(foundation) -> None:
    text = foundation.clean.text
    assert "(" not in text and ")" not in text
    assert not any(c in text for c in "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ")


def test_real_latin_and_decimals_kept(foundation) -> None:
    text = foundation.clean.text
    for kept in ("單位GDP能耗", "上游IT軟硬件", "旅游“四地”IP", "9.4萬P", "S22白永段", "G0616海烏段", "5A級景區", "2.6萬億元", "71.4億元"):
        assert kept in text, kept


def test_every_clean_char_maps_into_raw(foundation, raw_text) -> None:
    c = foundation.clean
    for i, ch in enumerate(c.text):
        rs, re_ = c.raw_starts[i], c.raw_ends[i]
        assert 0 <= rs < re_ <= len(raw_text)
        if c.rules[i] == "copy":
            assert raw_text[rs:re_] == ch
        elif c.rules[i] == "pinyin":
            assert raw_text[rs] == ch and raw_text[rs + 1] == "("


def test_segments_partition_raw_and_clean(foundation, raw_text) -> None:
    segs = foundation.clean.segments()
    assert segs[0].raw_start == 0 and segs[-1].raw_end == len(raw_text)
    for a, b in zip(segs, segs[1:]):
        assert a.raw_end == b.raw_start and a.clean_end == b.clean_start
    assert segs[-1].clean_end == len(foundation.clean.text)


def test_sentence_raw_round_trip(foundation, paths, raw_text) -> None:
    """Cleaning the raw slice of every sentence gives the sentence back.

    Where a sentence boundary falls inside one errata repair (a restored `。` fused with the
    next characters, as in E01), both sentences map to the whole corrupted run, so the cleaned
    slice may carry the rest of that repair at its edge, and nothing else.
    """
    reps = replacements(load_errata(paths.errata), raw_text)
    for s in foundation.document.sentences:
        rs, re_ = s["raw_start"], s["raw_end"]
        inside = [r for r in reps if rs <= r.raw_start and r.raw_end <= re_]
        shifted = [type(r)(r.raw_start - rs, r.raw_end - rs, r.text, r.errata_id) for r in inside]
        cleaned = clean_text(raw_text[rs:re_], shifted).text
        straddling = [r for r in inside if r.raw_start == 0 + rs or r.raw_end == re_]
        if cleaned != s["text"]:
            assert straddling, s["id"]
            extra = sum(len(r.text) for r in straddling)
            assert s["text"] in cleaned and len(cleaned) - len(s["text"]) < extra, s["id"]
        assert foundation.clean.text[s["clean_start"]:s["clean_end"]] == s["text"]


@pytest.fixture(scope="module")
def detector(paths):
    known = load_char_inventory(paths.known_chars)
    allowed = load_char_inventory(paths.allowed_rare)
    return lambda text: find_corruption(text, known, allowed, to_simplified)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("挽回?失71.4億元", "question-mark"),
        ("確保\ue2a6礎設施", "private-use"),
        ("元。科技&ldquo;突圍", "html-entity"),
        ("科技ldquo;突圍", "html-entity"),
        ("領域實現F變廢為寶", "stray-latin"),
        ("變為生a產力", "stray-latin"),
        ("GDPx增長", "stray-latin"),
        ("實打實嵉解決", "rare-char"),  # 嵉: GBK mojibake that looks like an ordinary character
        ("監管\ufffd", "replacement-char"),
        ("監管\x1b[31m", "control-char"),
    ],
)
def test_detector_finds_each_kind(detector, text: str, kind: str) -> None:
    assert kind in {f.kind for f in detector(text)}


def test_detector_accepts_the_clean_report(detector, foundation) -> None:
    assert detector(foundation.clean.text) == []


def test_detector_accepts_real_latin(detector) -> None:
    assert detector("單位GDP能耗，上游IT軟硬件，打造旅游IP，算力9.4萬P，建成S22、G0616，5A級景區") == []


def test_build_fails_on_unknown_corruption(tmp_path, paths, raw_text) -> None:
    """A raw copy with one more corrupted place fails the build, naming the offset."""
    from annotators.errors import CorpusError
    from annotators.pipeline import run_foundation

    corrupted = raw_text.replace("緊扣鑄牢", "緊扣?牢", 1)
    copy = tmp_path / "report.txt"
    copy.write_text(corrupted, encoding="utf-8")
    with pytest.raises(CorpusError) as exc:
        run_foundation(paths, copy, expected_sha256=None)
    assert exc.value.code == "E-CORRUPTION-LEFT"
    assert f"raw offset {corrupted.index('緊扣?牢') + 2}" in exc.value.message and "question-mark" in exc.value.message
