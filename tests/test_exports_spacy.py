"""The spaCy DocBin export: every layer at its exact offsets in `doc.spans`, `doc.ents` without
overlaps, sentence id and split in `user_data`; on hand-made rows and on every committed Doc."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import spacy
from spacy.tokens import DocBin

from annotators.dataset import NUMERIC_LABELS, PKU_LABELS, SPLITS, features, parquet_path
from annotators.exports import doc_for_row, doc_layers, read_docbin, write_docbin
from test_exports_conllu import INSIDE, OVERLAP, SHARED, _parquet_spans

REPO = Path(__file__).resolve().parent.parent
HF = REPO / "corpus" / "hf"
FEATS = features()["default"]
VOCAB = spacy.blank("zh").vocab


def _spans(doc, group: str) -> list[tuple[int, int, str]]:
    return [(s.start_char, s.end_char, s.label_) for s in doc.spans[group]]


def test_a_word_is_cut_where_a_numeric_span_starts_inside_it() -> None:
    doc = doc_for_row(INSIDE, "train", FEATS, VOCAB)
    assert [t.text for t in doc] == ["內蒙古", "收入", "破", "億", "元"]
    assert [t.tag_ for t in doc] == ["ns", "n", "", "", "q"] and [t.pos_ for t in doc] == ["PROPN", "NOUN", "", "", "NOUN"]
    assert _spans(doc, "numeric") == [(6, 8, "MONEY")] and _spans(doc, "ner") == [(0, 3, "LOC")]
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(0, 3, "LOC"), (6, 8, "MONEY")]
    assert doc.user_data == {"id": INSIDE["id"], "split": "train",
                             "split_words": [{"start": 5, "end": 7, "text": "破億", "tag": "v", "pos": "VERB"}]}


def test_an_entity_overlapping_a_numeric_span_stays_in_its_group_only() -> None:
    doc = doc_for_row(OVERLAP, "test", FEATS, VOCAB)
    assert [t.text for t in doc] == ["國家", "八大", "行業"] and not doc.user_data["split_words"]
    assert _spans(doc, "ner") == [(0, 4, "ORG")] and _spans(doc, "numeric") == [(2, 4, "CARDINAL")]
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(2, 4, "CARDINAL")]


def test_docbin_round_trip_keeps_every_layer(tmp_path: Path) -> None:
    path = tmp_path / "x.spacy"
    write_docbin([INSIDE, OVERLAP, SHARED], path, "validation", FEATS)
    docs = read_docbin(path)
    assert [d.text for d in docs] == [r["text"] for r in (INSIDE, OVERLAP, SHARED)]
    shared = docs[2]
    assert [t.text for t in shared] == ["2024年", "3", "%"]
    assert _spans(shared, "numeric") == [(0, 5, "DATE"), (5, 7, "PERCENT")]
    for doc, row in zip(docs, (INSIDE, OVERLAP, SHARED)):
        layers = doc_layers(doc)
        assert [w["form"] for w in layers["words"]] == row["tokens"]
        assert [PKU_LABELS.index(w["pos_tags"]) for w in layers["words"]] == row["pos_tags"]
        assert doc.user_data["split"] == "validation"
    write_docbin([INSIDE, OVERLAP, SHARED], tmp_path / "again.spacy", "validation", FEATS)
    assert path.read_bytes() == (tmp_path / "again.spacy").read_bytes()


@pytest.mark.parametrize("split", SPLITS)
def test_committed_docs_match_the_parquet_rows(split: str) -> None:
    rows = pq.read_table(HF / parquet_path("default", split)).to_pylist()
    docs = list(DocBin().from_disk(HF / "exports" / "spacy" / f"{split}.spacy").get_docs(VOCAB))
    assert [d.user_data["id"] for d in docs] == [r["id"] for r in rows]
    for row, doc in zip(rows, docs):
        ner, numeric = _parquet_spans(row)
        assert doc.user_data["split"] == split and doc.text == row["text"], row["id"]
        assert _spans(doc, "ner") == ner and _spans(doc, "numeric") == numeric, row["id"]
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        kept = [e for e in ner if not any(e[0] < b and a < e[1] for a, b, _ in numeric)]
        assert ents == sorted(numeric + kept), row["id"]
        # Tokens are the words, except words cut at a numeric span boundary (listed in user_data).
        cut = {(w["start"], w["end"]): w for w in doc.user_data["split_words"]}
        words = list(zip(row["tokens"], row["token_starts"], row["token_ends"], row["pos_tags"]))
        tokens = [t for t in doc if t.tag_]
        assert [(t.text, t.idx, PKU_LABELS.index(t.tag_)) for t in tokens] == \
            [(w, a, tag) for w, a, b, tag in words if (a, b) not in cut], row["id"]
        for (a, b), w in cut.items():
            assert w["text"] == row["text"][a:b] and any(a < x < b for e in numeric for x in e[:2]), row["id"]
    assert all(lab in NUMERIC_LABELS for d in docs for lab in (s.label_ for s in d.spans["numeric"]))
