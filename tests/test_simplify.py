"""The simplified text and its alignment with the traditional text."""

from __future__ import annotations

from annotators.simplify import align, simplify


def test_report_sentences_align_one_to_one(committed_sentences) -> None:
    for s in committed_sentences:
        assert len(s["text_simplified"]) == len(s["text"]) and s["simplified_alignment"] is None


def test_machine_conversion_forms() -> None:
    # The traditional text was converted from simplified: forms such as 盡管 and 扎實 go back.
    assert simplify("盡管困難，扎實推進內蒙古")[0] == "尽管困难，扎实推进内蒙古"


def test_alignment_when_length_changes() -> None:
    # A conversion that shortens a run maps each simplified character to the whole run.
    assert align("甲乙丙丁", "甲X丁") == [(0, 1), (1, 3), (3, 4)]
    # Equal-length replacements stay one to one.
    assert align("甲乙丙", "甲X丙") is None
    # A lengthening run maps each of its simplified characters to the traditional run.
    assert align("甲乙丙", "甲XY丙") == [(0, 1), (1, 2), (1, 2), (2, 3)]


def test_alignment_spans_are_inside_the_text() -> None:
    trad, simp = "鍾錶店", "钟表店X"
    spans = align(trad, simp)
    assert spans is not None and len(spans) == len(simp)
    assert all(0 <= s <= e <= len(trad) for s, e in spans)


def test_every_zhe_in_the_report(committed_sentences) -> None:
    # 著 is the aspect particle 着 or the 着 of 着力 everywhere in the report except in 顯著;
    # each occurrence is listed so that a change of converter that breaks one fails here.
    expected = {"顯著": "显著", "著力": "着力", "連著": "连着", "含著": "含着", "跟著": "跟着",
                "有著": "有着", "沿著": "沿着"}
    seen = 0
    for s in committed_sentences:
        for i, ch in enumerate(s["text"]):
            if ch != "著":
                continue
            pair = s["text"][i - 1:i + 1] if s["text"][i + 1:i + 2] != "力" else s["text"][i:i + 2]
            assert pair in expected, (s["id"], pair)
            start = i - 1 if pair.endswith("著") else i
            assert s["text_simplified"][start:start + 2] == expected[pair], (s["id"], pair)
            seen += 1
    assert seen == 11


def test_zhe_outside_the_report() -> None:
    # The character 著 stays where it is not a variant of 着. tw2s does get 土著 wrong (土着);
    # the word is not in the report, and t2s would get every 着 of the report wrong instead.
    assert simplify("著作、著名、顯著")[0] == "著作、著名、显著"
    assert simplify("土著")[0] == "土着"
    assert simplify("隨著、本著、意味著、接著")[0] == "随着、本着、意味着、接着"
