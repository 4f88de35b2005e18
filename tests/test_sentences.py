"""Sentence splitting rules, on the hard cases of this report and on constructed ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotators.sentences import split_sentences


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # Rule 1: 。！？ end a sentence.
        ("甲。乙！丙？", ["甲。", "乙！", "丙？"]),
        # A run of marks is one end.
        ("真的嗎？！好。", ["真的嗎？！", "好。"]),
        # Rule 2: a closing quote stays with its sentence.
        ("他說：“要守好底線。”我們做到了。", ["他說：“要守好底線。”", "我們做到了。"]),
        # Rule 3: no split inside a quotation or a book title.
        ("推動“有人沒活干。有活沒人干”問題解決。", ["推動“有人沒活干。有活沒人干”問題解決。"]),
        ("學習《決定！》精神。再出發。", ["學習《決定！》精神。", "再出發。"]),
        # Rule 4: ； does not end a sentence.
        ("地區生產總值增長6%左右；規模以上工業增加值增長7%左右。", ["地區生產總值增長6%左右；規模以上工業增加值增長7%左右。"]),
        # Rule 5: a heading without a final mark is one sentence; ： does not end one.
        ("一、2024年工作回顧", ["一、2024年工作回顧"]),
        ("各位代表：", ["各位代表："]),
        # The vocative of the closing paragraphs is a sentence of its own.
        ("各位代表！蒙古馬精神是跑出來的。", ["各位代表！", "蒙古馬精神是跑出來的。"]),
        # A section heading is the first sentence of its paragraph.
        ("（一）實施重大項目謀劃行動，堅定不移抓投資。固定資產投資今年要增長10%左右。",
         ["（一）實施重大項目謀劃行動，堅定不移抓投資。", "固定資產投資今年要增長10%左右。"]),
        # Decimal points are no sentence ends.
        ("突破2.6萬億元。增長6.4%。", ["突破2.6萬億元。", "增長6.4%。"]),
        ("", []),
    ],
)
def test_rules(text: str, expected: list[str]) -> None:
    assert split(text) == expected


@given(st.text(alphabet="甲乙。！？；：“”《》，", max_size=40))
def test_spans_cover_text_exactly(text: str) -> None:
    spans = split_sentences(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(s < e for s, e in spans)


def test_real_quotes_stay_whole(committed_sentences) -> None:
    for s in committed_sentences:
        assert s["text"].count("“") == s["text"].count("”"), s["id"]
