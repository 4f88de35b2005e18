"""Notebook 06's answer checks (annotators/domain_shift_checks.py): right answers pass, stubs and typical
wrong answers say "not yet" with what is off, and no check raises."""
from __future__ import annotations

import statistics

import pytest

from annotators import domain_shift_checks as check
from annotators.exercise_checks import NOT_YET, PASS

GOLD = [["我区", "加快", "发展", "。"], ["呼和浩特", "建设", "。"]]
PRED = [["我", "区", "加快", "发展", "。"], ["呼和浩特建设", "。"]]
ADAPTED = [["我区", "加快", "发展", "。"], ["呼和", "浩特", "建设", "。"]]


def _verdict(capsys: pytest.CaptureFixture, result) -> str:
    out = capsys.readouterr().out
    assert (PASS in out) == bool(result) and (NOT_YET in out) == (not result), out
    return out


def right_prf(gold, pred):
    return check.expected_06_1(gold, pred)


def test_06_1(capsys: pytest.CaptureFixture) -> None:
    p, r, f = check.expected_06_1(GOLD, PRED)
    assert (round(p, 2), round(r, 2)) == (round(100 * 4 / 7, 2), round(100 * 4 / 7, 2))
    _verdict(capsys, check.check_06_1(right_prf, GOLD, PRED))
    assert "not" in _verdict(capsys, check.check_06_1(lambda g, p: None, GOLD, PRED)).lower()
    assert "percentage" in _verdict(capsys, check.check_06_1(lambda g, p: tuple(x / 100 for x in right_prf(g, p)), GOLD, PRED))
    assert "tuple" in _verdict(capsys, check.check_06_1(lambda g, p: [1, 2, 3], GOLD, PRED))
    gold, pred = [["我区", "加快"]], [["我", "区", "加快"]]  # precision 1/3, recall 1/2
    assert "swapped" in _verdict(capsys, check.check_06_1(lambda g, p: (50.0, 100 / 3, 40.0), gold, pred))
    _verdict(capsys, check.check_06_1(lambda g, p: 1 / 0, GOLD, PRED))  # an answer that raises is "not yet"


POINTS = [{"fraction": f, "seed": s, "fold": k, "entity_f1": 50 + f / 10 + s + k}
          for f in (25, 100) for s in (1, 2, 3) for k in range(5)] + \
         [{"fraction": 0, "seed": 1, "fold": k, "entity_f1": 40.0 + k} for k in range(5)]


def test_06_2(capsys: pytest.CaptureFixture) -> None:
    want = check.expected_06_2(POINTS, "entity_f1")
    assert want[0] == (42.0, 0.0) and want[25][0] == pytest.approx(2.5 + 50 + 2 + 2)
    assert want[25][1] == pytest.approx(statistics.stdev([1, 2, 3]))
    _verdict(capsys, check.check_06_2(dict(want), POINTS, "entity_f1"))
    _verdict(capsys, check.check_06_2({f: ... for f in (0, 25, 100)}, POINTS, "entity_f1"))
    wrong_sd = {f: (m, s + 1) for f, (m, s) in want.items()}
    assert "spread" in _verdict(capsys, check.check_06_2(wrong_sd, POINTS, "entity_f1"))
    assert "fractions" in _verdict(capsys, check.check_06_2({25: want[25]}, POINTS, "entity_f1"))


def test_06_3(capsys: pytest.CaptureFixture) -> None:
    fixed, broken = check.expected_06_3(GOLD, PRED, ADAPTED)
    assert (fixed, broken) == (2, 0)  # 我区 and 建设 fixed; 呼和浩特 found by neither
    _verdict(capsys, check.check_06_3((fixed, broken), GOLD, PRED, ADAPTED))
    assert "swapped" in _verdict(capsys, check.check_06_3((broken, fixed), GOLD, PRED, ADAPTED))
    _verdict(capsys, check.check_06_3((..., ...), GOLD, PRED, ADAPTED))
    assert "spans" in _verdict(capsys, check.check_06_3((5, 5), GOLD, PRED, ADAPTED))
