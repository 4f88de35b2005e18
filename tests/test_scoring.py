"""Hand-made cases for annotators.scoring."""
import pytest

from annotators import scoring


def test_word_spans():
    assert scoring.word_spans(["我们", "是", "人"]) == [(0, 2), (2, 3), (3, 4)]


def test_segmentation_perfect_and_partial():
    gold = [["我们", "是", "中国", "人"]]
    assert scoring.segmentation_scores(gold, gold)["f1"] == 100.0
    pred = [["我们", "是", "中国人"]]
    s = scoring.segmentation_scores(gold, pred)
    # 2 of 3 predicted words correct, 2 of 4 gold words found
    assert s["precision"] == pytest.approx(66.67)
    assert s["recall"] == 50.0
    assert s["f1"] == pytest.approx(57.14)


def test_oov_recall():
    gold = [["我们", "爱", "呼和浩特"]]
    pred = [["我们", "爱", "呼和", "浩特"]]
    s = scoring.segmentation_scores(gold, pred, vocab={"我们", "爱"})
    assert s["oov_words"] == 1 and s["oov_recall"] == 0.0 and s["iv_recall"] == 100.0
    assert s["oov_rate"] == pytest.approx(33.33)


def test_segmentation_rejects_different_text():
    with pytest.raises(scoring.AlignmentError, match="sentence 0"):
        scoring.segmentation_scores([["我们"]], [["你们"]])


def test_tag_accuracy_with_unknown_split():
    s = scoring.tag_accuracy([["n", "v", "n"]], [["n", "v", "v"]], words=[["甲", "乙", "丙"]], vocab={"甲", "乙"})
    assert s["accuracy"] == pytest.approx(66.67)
    assert s["unknown_tokens"] == 1 and s["unknown_accuracy"] == 0.0 and s["known_accuracy"] == 100.0


def test_tag_accuracy_length_mismatch():
    with pytest.raises(scoring.AlignmentError, match="sentence 0"):
        scoring.tag_accuracy([["n"]], [["n", "v"]])


def test_joint_scores_needs_span_and_tag():
    gold = [[("我们", "r"), ("是", "v"), ("人", "n")]]
    pred = [[("我们", "r"), ("是", "d"), ("人", "n")]]
    s = scoring.joint_scores(gold, pred)
    assert s["precision"] == pytest.approx(66.67) and s["f1"] == pytest.approx(66.67)


def test_entity_scores_strict_per_label():
    gold = [[("PER", 0, 3), ("LOC", 4, 6)], [("ORG", 0, 4)]]
    pred = [[("PER", 0, 3), ("LOC", 4, 7)], [("LOC", 0, 4)]]
    s = scoring.entity_scores(gold, pred)
    assert s["PER"]["f1"] == 100.0
    assert s["LOC"]["precision"] == 0.0 and s["LOC"]["gold"] == 1 and s["LOC"]["pred"] == 2
    assert s["ORG"]["recall"] == 0.0 and s["ORG"]["pred"] == 0
    assert s["overall"]["precision"] == pytest.approx(33.33) and s["overall"]["recall"] == pytest.approx(33.33)


def test_entity_scores_empty():
    assert scoring.entity_scores([[]], [[]])["overall"]["f1"] == 0.0
