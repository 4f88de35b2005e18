"""Property tests for the numeric normalizer and proposer (hypothesis).

Example counts are kept small: the machine is shared with a training job.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import cn2an
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotators.numeric import LABELS, QUALIFIERS, _own_cn_int, parse_number, propose

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAGNITUDES = {"": 1, "萬": 10**4, "億": 10**8, "萬億": 10**12}
TO_TRADITIONAL = str.maketrans({"万": "萬", "亿": "億", "两": "兩"})
SENTENCES = Path(__file__).resolve().parents[1] / "corpus" / "interim" / "sentences.jsonl"


def _chinese(n: int) -> str:
    """n written in traditional Chinese numerals (cn2an writes simplified)."""
    return cn2an.an2cn(n).translate(TO_TRADITIONAL)


@SETTINGS
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=2),
       st.sampled_from(sorted(MAGNITUDES)))
def test_arabic_with_magnitude_round_trips(units: int, decimals: int, mag: str) -> None:
    number = Decimal(units).scaleb(-decimals)
    written = f"{number:f}{mag}"
    expected = float(number * MAGNITUDES[mag])
    assert parse_number(written) == expected


@SETTINGS
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["萬", "億"]))
def test_arabic_magnitude_does_not_truncate_like_cn2an_smart(units: int, mag: str) -> None:
    # Four decimals: finer than cn2an smart mode keeps for 萬.
    number = Decimal(units).scaleb(-4)
    assert parse_number(f"{number:f}{mag}") == float(number * MAGNITUDES[mag])


@SETTINGS
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numeral_round_trips(n: int) -> None:
    assert parse_number(_chinese(n)) == float(n)


@SETTINGS
@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["萬億", "億", "萬"]))
def test_chinese_numeral_with_magnitude_round_trips(n: int, mag: str) -> None:
    assert parse_number(_chinese(n) + mag) == float(n * MAGNITUDES[mag])


@SETTINGS
@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_own_reader_agrees_with_cn2an(n: int) -> None:
    written = _chinese(n)
    assert _own_cn_int(written) == cn2an.cn2an(written, "normal") == n


@SETTINGS
@given(st.integers(min_value=1, max_value=10**5), st.sampled_from(["多", "余", "餘"]),
       st.sampled_from(["萬", "億", ""]))
def test_approximator_inside_number_keeps_value(n: int, approx: str, mag: str) -> None:
    assert parse_number(f"{n}{approx}{mag}") == float(n * MAGNITUDES[mag])
    (span,) = propose({"text": f"帶動{n}{approx}{mag}名勞動力就業"})
    assert span["qualifier"] == "approx" and span["value"] == float(n * MAGNITUDES[mag])


# Text built from the report's own building blocks: numerals, units, qualifiers, quotes.
PIECES = [
    "2.6", "萬億", "億", "萬", "千億", "百億", "元", "斤", "千瓦", "%", "個百分點", "成", "個", "項",
    "第", "十一", "兩", "一", "二十", "三", "七", "年", "歲", "月", "日", "位", "大", "倍", "多", "余",
    "以上", "以下", "左右", "超過", "突破", "近", "不足", "“", "”", "、", "和", "，", "。", "（", "）",
    "是", "級", "號", "G", "A", "P", "批", "的", "增長", "達到", "第二", "至", "—", "零", "百",
    "0", "1", "5", "9", "14", "2024", "300", "1.35", "十四五", "一帶一路", "萬元GDP", "之一",
]


def _check_spans(text: str, spans: list[dict]) -> None:
    """Every structural promise the proposer makes about its output."""
    previous_end = 0
    for span in spans:
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert span["text"] == text[span["start"]:span["end"]]
        assert span["start"] >= previous_end, "spans overlap or are unsorted"
        previous_end = span["end"]
        assert span["label"] in LABELS
        assert span["qualifier"] in QUALIFIERS
        assert span["status"] == "auto"
        if span["label"] in ("DATE", "TIME"):
            assert span["value"] is None and span["unit"] is None
        else:
            assert span["timex"] is None
            assert span["value"] is None or isinstance(span["value"], float)
    json.dumps(spans, ensure_ascii=False)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_proposer_spans_are_well_formed(text: str) -> None:
    spans = propose({"text": text})
    _check_spans(text, spans)
    assert propose({"text": text}) == spans


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_proposer_never_crashes_on_any_text(text: str) -> None:
    _check_spans(text, propose({"text": text}))


def _real_sentences() -> list[str]:
    """Texts of the real sentence file, or an empty list before it exists."""
    if not SENTENCES.exists():
        return []
    return [json.loads(line)["text"] for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line]


REAL = _real_sentences()


@SETTINGS
@given(st.integers(min_value=0, max_value=max(len(REAL) - 1, 0)), st.integers(min_value=0, max_value=200),
       st.sampled_from(PIECES))
def test_proposer_on_real_sentences_with_an_insertion(index: int, at: int, piece: str) -> None:
    base = REAL[index] if REAL else "糧食總產量達到820.1億斤。"
    at = min(at, len(base))
    text = base[:at] + piece + base[at:]
    _check_spans(text, propose({"text": text}))


def test_every_real_sentence_gives_well_formed_spans() -> None:
    for text in REAL:
        _check_spans(text, propose({"text": text}))
