"""Scorers for segmentation, tagging and entity recognition (the project's own, not HanLP's).

All functions take gold and predicted annotations for the same sentences in the same order and
return plain dicts of floats (percentages, rounded to 2 decimals) and counts.
"""
from __future__ import annotations

from collections import Counter
from typing import Collection, Dict, Iterable, List, Sequence, Set, Tuple

Span = Tuple[int, int]


class AlignmentError(ValueError):
    """Gold and prediction do not cover the same text; the message names the sentence index."""


def _pct(num: float, den: float) -> float:
    return round(100.0 * num / den, 2) if den else 0.0


def _f1(p: float, r: float) -> float:
    return round(2 * p * r / (p + r), 2) if p + r else 0.0


def word_spans(words: Sequence[str]) -> List[Span]:
    """Takes a segmented sentence; returns the ``(start, end)`` character span of every word."""
    spans, pos = [], 0
    for w in words:
        spans.append((pos, pos + len(w)))
        pos += len(w)
    return spans


def _check_same_text(i: int, gold: Sequence[str], pred: Sequence[str]) -> None:
    if "".join(gold) != "".join(pred):
        raise AlignmentError(f"sentence {i}: gold and predicted words do not join to the same text: "
                             f"{''.join(gold)[:40]!r} vs {''.join(pred)[:40]!r}")


def segmentation_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
                        vocab: Collection[str] | None = None) -> Dict[str, float]:
    """Takes gold and predicted word lists (and optionally the training vocabulary); returns word-span
    precision, recall, F1 and, with ``vocab``, the recall of gold words not in it (OOV) and of those in it (IV)."""
    if len(gold) != len(pred):
        raise AlignmentError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    correct = n_gold = n_pred = 0
    oov_total = oov_hit = iv_total = iv_hit = 0
    for i, (g, p) in enumerate(zip(gold, pred)):
        _check_same_text(i, g, p)
        gs, ps = word_spans(g), set(word_spans(p))
        n_gold += len(gs)
        n_pred += len(ps)
        text = "".join(g)
        for span in gs:
            hit = span in ps
            correct += hit
            if vocab is not None:
                if text[span[0]:span[1]] in vocab:
                    iv_total += 1
                    iv_hit += hit
                else:
                    oov_total += 1
                    oov_hit += hit
    precision, recall = _pct(correct, n_pred), _pct(correct, n_gold)
    out = {"precision": precision, "recall": recall, "f1": _f1(100.0 * correct / n_pred if n_pred else 0,
                                                               100.0 * correct / n_gold if n_gold else 0),
           "gold_words": n_gold, "pred_words": n_pred}
    if vocab is not None:
        out.update({"oov_rate": _pct(oov_total, n_gold), "oov_recall": _pct(oov_hit, oov_total),
                    "iv_recall": _pct(iv_hit, iv_total), "oov_words": oov_total})
    return out


def tag_accuracy(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
                 words: Sequence[Sequence[str]] | None = None,
                 vocab: Collection[str] | None = None) -> Dict[str, float]:
    """Takes gold and predicted tag lists over the same tokens (and optionally the words and the
    training vocabulary); returns accuracy, and accuracy on known/unknown words when both are given."""
    total = hit = unk_total = unk_hit = 0
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise AlignmentError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
        for j, (a, b) in enumerate(zip(g, p)):
            total += 1
            hit += a == b
            if words is not None and vocab is not None and words[i][j] not in vocab:
                unk_total += 1
                unk_hit += a == b
    if len(gold) != len(pred):
        raise AlignmentError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    out = {"accuracy": _pct(hit, total), "tokens": total}
    if words is not None and vocab is not None:
        out.update({"unknown_accuracy": _pct(unk_hit, unk_total), "unknown_tokens": unk_total,
                    "known_accuracy": _pct(hit - unk_hit, total - unk_total)})
    return out


def joint_scores(gold: Sequence[Sequence[Tuple[str, str]]], pred: Sequence[Sequence[Tuple[str, str]]]
                 ) -> Dict[str, float]:
    """Takes gold and predicted ``(word, tag)`` lists; returns P/R/F1 of (span, tag) pairs (seg+tag)."""
    correct = n_gold = n_pred = 0
    for i, (g, p) in enumerate(zip(gold, pred)):
        _check_same_text(i, [w for w, _ in g], [w for w, _ in p])
        gs = {(s, t) for s, (_, t) in zip(word_spans([w for w, _ in g]), g)}
        ps = {(s, t) for s, (_, t) in zip(word_spans([w for w, _ in p]), p)}
        correct += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    p_, r_ = _pct(correct, n_pred), _pct(correct, n_gold)
    return {"precision": p_, "recall": r_, "f1": _f1(100.0 * correct / n_pred if n_pred else 0,
                                                     100.0 * correct / n_gold if n_gold else 0)}


def entity_scores(gold: Sequence[Iterable[Tuple[str, int, int]]], pred: Sequence[Iterable[Tuple[str, int, int]]]
                  ) -> Dict[str, Dict[str, float]]:
    """Takes gold and predicted ``(label, start, end)`` entity lists per sentence; returns strict span
    P/R/F1 per label and ``overall`` (a span counts only when label, start and end all match)."""
    if len(gold) != len(pred):
        raise AlignmentError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    tp: Counter = Counter()
    ng: Counter = Counter()
    np_: Counter = Counter()
    for g, p in zip(gold, pred):
        gs: Set[Tuple[str, int, int]] = set(g)
        ps: Set[Tuple[str, int, int]] = set(p)
        for label, *_ in gs:
            ng[label] += 1
        for label, *_ in ps:
            np_[label] += 1
        for label, *_ in gs & ps:
            tp[label] += 1
    out: Dict[str, Dict[str, float]] = {}
    for label in sorted(set(ng) | set(np_)):
        p_, r_ = (100.0 * tp[label] / np_[label] if np_[label] else 0), (100.0 * tp[label] / ng[label] if ng[label] else 0)
        out[label] = {"precision": round(p_, 2), "recall": round(r_, 2), "f1": _f1(p_, r_),
                      "gold": ng[label], "pred": np_[label]}
    t, g_, p_n = sum(tp.values()), sum(ng.values()), sum(np_.values())
    p_, r_ = (100.0 * t / p_n if p_n else 0), (100.0 * t / g_ if g_ else 0)
    out["overall"] = {"precision": round(p_, 2), "recall": round(r_, 2), "f1": _f1(p_, r_), "gold": g_, "pred": p_n}
    return out
