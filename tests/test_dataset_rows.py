"""Row building for the dataset: BIO conversion, merging of layers, deterministic splits."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from annotators.dataset import (
    CHAR_NER_LABELS, NER_LABELS, NUMERIC_LABELS, assign_splits, bio_over_chars, bio_over_tokens, check_layer,
)
from annotators.errors import CorpusError


def test_entity_covers_every_token_it_overlaps() -> None:
    # 內蒙古|自治區|人民|政府 ; an entity 蒙古自治區 starts inside the first token.
    offsets = [(0, 3), (3, 6), (6, 8), (8, 10)]
    tags, counts = bio_over_tokens(offsets, [{"start": 1, "end": 6, "label": "LOC"}])
    assert tags == ["B-LOC", "I-LOC", "O", "O"] and counts["boundary_inside_token"] == 1
    tags, counts = bio_over_tokens(offsets, [{"start": 0, "end": 6, "label": "LOC"}, {"start": 6, "end": 10, "label": "ORG"}])
    assert tags == ["B-LOC", "I-LOC", "B-ORG", "I-ORG"] and counts["boundary_inside_token"] == 0


def test_entities_reaching_into_one_word() -> None:
    # 京|津冀 with the entities 京津 and 冀 (an earlier model produced this on the report): one LOC.
    tags, counts = bio_over_tokens([(0, 1), (1, 3), (3, 5)], [{"start": 0, "end": 2, "label": "LOC"},
                                                              {"start": 2, "end": 3, "label": "LOC"}])
    assert tags == ["B-LOC", "I-LOC", "O"] and counts["merged"] == 1 and counts["boundary_inside_token"] == 2
    # Different labels: the later entity is dropped and counted.
    tags, counts = bio_over_tokens([(0, 4)], [{"start": 0, "end": 2, "label": "LOC"}, {"start": 2, "end": 4, "label": "ORG"}])
    assert tags == ["B-LOC"] and counts["dropped"] == 1


def test_entity_outside_every_token_is_an_error() -> None:
    with pytest.raises(CorpusError):
        bio_over_tokens([(0, 2)], [{"start": 3, "end": 4, "label": "LOC"}])


def test_numeric_span_wins_over_hanlp_entity() -> None:
    numeric = [{"start": 0, "end": 5, "label": "DATE"}]
    hanlp = [{"start": 3, "end": 8, "label": "ORG"}, {"start": 9, "end": 12, "label": "LOC"}]
    tags, dropped = bio_over_chars(12, numeric, hanlp)
    assert dropped == 1
    assert tags[:5] == ["B-DATE"] + ["I-DATE"] * 4 and tags[5:9] == ["O"] * 4 and tags[9:] == ["B-LOC", "I-LOC", "I-LOC"]


def test_label_inventories() -> None:
    assert NER_LABELS[0] == "O" and len(NER_LABELS) == 7
    assert len(CHAR_NER_LABELS) == 1 + 2 * (3 + len(NUMERIC_LABELS))


def _sentences(n_paragraphs: int, per: int) -> list[dict]:
    return [{"id": f"p{p}-s{i}", "paragraph": p, "text_hash": "x", "text": f"p{p}-s{i}"}
            for p in range(1, n_paragraphs + 1) for i in range(per)]


def test_splits_keep_paragraphs_whole_and_are_deterministic() -> None:
    sents = _sentences(40, 5)
    labels = {s["id"]: ["MONEY"] for s in sents[::3]}
    a, seed_a = assign_splits(sents, labels)
    b, seed_b = assign_splits(list(reversed(sents)), labels)
    assert a == b and seed_a == seed_b
    sizes = {k: sum(5 for v in a.values() if v == k) for k in ("train", "validation", "test")}
    assert sizes == {"train": 160, "validation": 20, "test": 20}


def test_frequent_labels_reach_every_split() -> None:
    sents = _sentences(40, 5)
    # ORDINAL occurs in three paragraphs only: the split must give one to each split.
    labels = {f"p{p}-s0": ["ORDINAL"] for p in (2, 17, 33)}
    assignment, _ = assign_splits(sents, labels)
    assert {assignment[p] for p in (2, 17, 33)} == {"train", "validation", "test"}


def test_identical_sentences_share_a_split() -> None:
    sents = _sentences(40, 5)
    for p in (3, 21, 38):  # the same closing line opens three paragraphs
        sents[(p - 1) * 5]["text"] = "各位代表！"
    for _ in range(3):
        assignment, _ = assign_splits(sents, {})
        assert len({assignment[p] for p in (3, 21, 38)}) == 1
        sents = sents[5:] + sents[:5]  # the order of the input does not matter


def test_labels_are_spread_in_proportion() -> None:
    # Paragraphs 1–20 hold one LOC each, 21–40 three MONEY each: a split that took validation
    # from one half only would have no LOC or no MONEY; in proportion, validation and test
    # (a tenth each) hold two LOC and six MONEY.
    sents = _sentences(40, 5)
    labels = {f"p{p}-s0": ["LOC"] if p <= 20 else ["MONEY"] * 3 for p in range(1, 41)}
    assignment, _ = assign_splits(sents, labels)
    for split in ("validation", "test"):
        paras = [p for p, s in assignment.items() if s == split]
        loc, money = sum(p <= 20 for p in paras), 3 * sum(p > 20 for p in paras)
        assert (loc, money) == (2, 6), (split, sorted(paras))


def test_committed_split_is_the_search_result_and_balanced(committed_sentences: list[dict]) -> None:
    import pyarrow.parquet as pq

    from annotators.dataset import SPLITS, parquet_path

    hf = Path(__file__).resolve().parent.parent / "corpus" / "hf"
    rows = {s: pq.read_table(hf / parquet_path("default", s)).to_pylist() for s in SPLITS}
    labels = {r["id"]: [NUMERIC_LABELS[e["label"]] for e in r["numeric_entities"]]
              + [NER_LABELS[t][2:] for t in r["ner_tags"] if NER_LABELS[t].startswith("B-")]
              for split_rows in rows.values() for r in split_rows}
    assignment, _ = assign_splits(committed_sentences, labels)
    assert {r["paragraph"]: s for s, split_rows in rows.items() for r in split_rows} == assignment
    total = Counter(lab for labs in labels.values() for lab in labs)
    n = len(committed_sentences)
    for split in ("validation", "test"):
        share = len(rows[split]) / n
        counts = Counter(lab for r in rows[split] for lab in labels[r["id"]])
        for lab, k in total.items():
            if k >= 20:  # frequent labels: within half to one and a half of their share
                assert 0.5 * share * k <= counts[lab] <= 1.5 * share * k, (split, lab, counts[lab], k)


def test_stale_layer_is_reported() -> None:
    sents = [{"id": "a", "text_hash": "1"}, {"id": "b", "text_hash": "2"}]
    with pytest.raises(CorpusError) as exc:
        check_layer("HanLP layer", {"a": {"text_hash": "1"}, "b": {"text_hash": "9"}}, sents)
    assert "stale" in exc.value.message and "b" in exc.value.message
    with pytest.raises(CorpusError):
        check_layer("HanLP layer", {"a": {"text_hash": "1"}}, sents)
