"""Answer checks for notebook 06 (domain shift), in the style of :mod:`annotators.exercise_checks`.

Each ``check_06_K(answer, ...)`` recomputes the expected answer from the data the notebook passes
(never from copied figures), prints one verdict line and returns a true Verdict when the answer is right.
"""
from __future__ import annotations

import statistics
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from .exercise_checks import Verdict, Wrong, _call, _close, _need, verdict


def _spans(words: Sequence[str]) -> set:
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def expected_06_1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Tuple[float, float, float]:
    """Word precision, recall and F1 (percent, unrounded) of ``pred`` against ``gold``, word lists per sentence."""
    hit = n_gold = n_pred = 0
    for g, p in zip(gold, pred):
        gs, ps = _spans(g), _spans(p)
        hit += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    precision, recall = 100 * hit / n_pred, 100 * hit / n_gold
    return precision, recall, 2 * precision * recall / (precision + recall) if hit else 0.0


def check_06_1(fn: Any, gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Verdict:
    """Exercise 06.1: ``fn(gold, pred)`` returns (precision, recall, F1) in percent."""
    def run() -> str:
        got = _call(fn, gold, pred)
        if not (isinstance(got, tuple) and len(got) == 3):
            raise Wrong(f"expected a tuple (precision, recall, f1), got {type(got).__name__}")
        want = expected_06_1(gold, pred)
        if _close(got[0], want[1], 0.01) and _close(got[1], want[0], 0.01) and not _close(want[0], want[1], 0.01):
            raise Wrong("precision and recall are swapped: precision divides by the predicted words")
        for name, g, w in zip(("precision", "recall", "F1"), got, want):
            if not _close(g, w, 0.01):
                if _close(g, w / 100, 1e-4):
                    raise Wrong(f"{name} should be a percentage (×100)")
                raise Wrong(f"{name} is {g:.2f}, expected {w:.2f}")
        return f"P {want[0]:.2f} / R {want[1]:.2f} / F1 {want[2]:.2f}"
    return verdict("06.1", run)


def expected_06_2(points: Sequence[Mapping[str, Any]], measure: str) -> Dict[int, Tuple[float, float]]:
    """For each fraction: the mean over seeds of the fold-mean of ``measure``, and its standard deviation
    over seeds (0 when there is one seed)."""
    by: Dict[int, Dict[int, List[float]]] = {}
    for p in points:
        by.setdefault(p["fraction"], {}).setdefault(p["seed"], []).append(p[measure])
    out = {}
    for fraction, seeds in sorted(by.items()):
        means = [statistics.fmean(v) for _, v in sorted(seeds.items())]
        out[fraction] = (statistics.fmean(means), statistics.stdev(means) if len(means) > 1 else 0.0)
    return out


def check_06_2(answer: Any, points: Sequence[Mapping[str, Any]], measure: str) -> Verdict:
    """Exercise 06.2: ``answer`` maps each fraction to (mean, sd) over seeds of the fold-mean ``measure``."""
    def run() -> str:
        got = _need(answer)
        if not isinstance(got, dict):
            raise Wrong(f"expected a dict {{fraction: (mean, sd)}}, got {type(got).__name__}")
        want = expected_06_2(points, measure)
        if sorted(got) != sorted(want):
            raise Wrong(f"fractions {sorted(got)}, expected {sorted(want)}")
        for f, (m, s) in want.items():
            gm, gs = _need(got[f])
            if not _close(gm, m, 0.01):
                flat = statistics.fmean(p[measure] for p in points if p["fraction"] == f)
                if _close(gm, flat, 1e-6) and not _close(flat, m, 0.01):
                    raise Wrong(f"at {f} %: average each seed's folds first, then over seeds")
                raise Wrong(f"at {f} %: mean {gm:.2f}, expected {m:.2f}")
            if not _close(gs, s, 0.01):
                raise Wrong(f"at {f} %: spread {gs:.2f}, expected {s:.2f} (statistics.stdev over the seeds' means)")
        return ", ".join(f"{f} %: {m:.2f} ± {s:.2f}" for f, (m, s) in want.items())
    return verdict("06.2", run)


def expected_06_3(gold: Sequence[Sequence[str]], before: Sequence[Sequence[str]],
                  after: Sequence[Sequence[str]]) -> Tuple[int, int]:
    """Gold words found by ``after`` but not ``before`` (fixed), and found by ``before`` but not ``after``
    (broken)."""
    fixed = broken = 0
    for g, b, a in zip(gold, before, after):
        gs, bs, as_ = _spans(g), _spans(b), _spans(a)
        fixed += len(gs & as_ - bs)
        broken += len(gs & bs - as_)
    return fixed, broken


def check_06_3(answer: Any, gold: Sequence[Sequence[str]], before: Sequence[Sequence[str]],
               after: Sequence[Sequence[str]]) -> Verdict:
    """Exercise 06.3: ``answer`` is (fixed, broken) gold words between two segmentations."""
    def run() -> str:
        got = _need(answer)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise Wrong("expected a tuple (fixed, broken)")
        want = expected_06_3(gold, before, after)
        if tuple(got) == want[::-1] and want[0] != want[1]:
            raise Wrong("fixed and broken are swapped")
        if tuple(got) != want:
            raise Wrong(f"got {got}, expected {want}: compare word spans, not word strings")
        return f"{want[0]} gold words fixed, {want[1]} broken"
    return verdict("06.3", run)
