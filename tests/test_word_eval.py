"""Scoring a word layer against the reviewed one: figures and error classes on small hand-made records."""
from __future__ import annotations

import pytest

from annotators.word_eval import entity_errors, score_layer, segmentation_errors, segmenter_records, tag_confusions


def record(sid: str, words: list[str], tags: list[str], ents: list[tuple[str, int, int]] = ()) -> dict:
    offsets, pos = [], 0
    for w in words:
        offsets.append([pos, pos + len(w)])
        pos += len(w)
    return {"id": sid, "tokens": words, "token_offsets": offsets, "pos_tags": tags,
            "entities": [{"label": l, "start": s, "end": e} for l, s, e in ents]}


GOLD = [record("s1", ["習", "近平", "總書記", "在", "內蒙古"], ["nr", "nr", "n", "p", "ns"],
               [("PER", 0, 3), ("LOC", 7, 10)]),
        record("s2", ["我區", "加快", "發展"], ["n", "v", "v"])]
PRED = [record("s1", ["習近平", "總書記", "在", "內蒙古"], ["v", "n", "p", "ns"], [("PER", 1, 3), ("ORG", 7, 10)]),
        record("s2", ["我", "區加", "快", "發展"], ["r", "n", "d", "vn"])]
SIMPLIFIED = {"s1": "习近平总书记在内蒙古", "s2": "我区加快发展"}


def test_scores_count_what_differs() -> None:
    out = score_layer(GOLD, PRED, SIMPLIFIED, vocab={"总书记", "在", "内蒙古", "加快", "发展"})
    seg = out["segmentation"]
    # gold 8 words, predicted 8; correct spans: 總書記 在 內蒙古 發展 = 4
    assert (seg["gold_words"], seg["pred_words"]) == (8, 8)
    assert seg["precision"] == seg["recall"] == 50.0
    # OOV gold words: 习 近平 我区 → none recovered; IV: 总书记 在 内蒙古 加快 发展 → 4 of 5
    assert seg["oov_recall"] == 0.0 and seg["iv_recall"] == 80.0
    tags = out["tags_on_words_segmented_alike"]
    assert tags["tokens"] == 4 and tags["accuracy"] == 75.0  # 發展 v → vn is the one miss
    assert out["entities"]["overall"]["gold"] == 2 and out["entities"]["overall"]["f1"] == 0.0


def test_error_classes() -> None:
    seg = segmentation_errors(GOLD, PRED)
    assert seg["under"]["count"] == 1 and seg["under"]["examples"] == ["習 近平 → 習近平 (1)"]
    assert seg["crossing"]["count"] == 1 and seg["over"]["count"] == 0
    ents = entity_errors(GOLD, PRED)
    assert ents["label"]["examples"] == ["內蒙古/LOC → 內蒙古/ORG (1)"]
    assert ents["extent"]["examples"] == ["習近平/PER → 近平/PER (1)"]
    assert ents["missed"]["count"] == ents["spurious"]["count"] == 0
    assert tag_confusions(GOLD, PRED) == [{"gold": "v", "pred": "vn", "count": 1, "examples": ["發展"]}]


def test_mismatched_sentences_are_refused() -> None:
    with pytest.raises(ValueError, match="same sentences"):
        score_layer(GOLD, PRED[::-1], SIMPLIFIED, vocab=set())


def test_segmenter_records_carry_words_back_to_the_text() -> None:
    sentences = [{"id": "s2", "text": "我區加快發展", "text_simplified": "我区加快发展"}]
    out = segmenter_records(lambda texts: [["我区", "加快", "发展"] for _ in texts], sentences)
    assert out[0]["tokens"] == ["我區", "加快", "發展"] and out[0]["token_offsets"] == [[0, 2], [2, 4], [4, 6]]
    with pytest.raises(ValueError, match="s2"):
        segmenter_records(lambda texts: [["我区", "加快"] for _ in texts], sentences)
