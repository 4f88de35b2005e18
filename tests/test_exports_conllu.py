"""The CoNLL-U export: both entity layers in MISC, read back by `conllu` and by spaCy's converter,
on hand-made rows and on every sentence of the committed exports."""

from __future__ import annotations

from pathlib import Path

import conllu
import pyarrow.parquet as pq
import pytest

from annotators.dataset import (NER_LABELS, NUMERIC_LABELS, PKU_LABELS, PUBLISHED_STATUSES, QUALIFIERS, SPLITS,
                                UPOS_LABELS, features, parquet_path)
from annotators.errors import CorpusError
from annotators.exports import conllu_layers, conllu_sentence, row_layers

REPO = Path(__file__).resolve().parent.parent
HF = REPO / "corpus" / "hf"
FEATS = features()["default"]


def make_row(text: str, words: list[tuple[str, str, str, str]], numeric: list[tuple], index: int = 1) -> dict:
    """A `default` row with ClassLabel ids: words as (form, PKU, UPOS, NER BIO), numeric spans as
    (start, end, label, value, timex, unit, qualifier)."""
    starts, pos = [], 0
    for form, *_ in words:
        starts.append(pos)
        pos += len(form)
    assert pos == len(text)
    return {
        "id": f"nmg2025-p001-s{index:02d}", "index": index, "text": text, "tokens": [w[0] for w in words],
        "token_starts": starts, "token_ends": [s + len(w[0]) for s, w in zip(starts, words)],
        "pos_tags": [PKU_LABELS.index(w[1]) for w in words], "upos": [UPOS_LABELS.index(w[2]) for w in words],
        "ner_tags": [NER_LABELS.index(w[3]) for w in words],
        "numeric_entities": [{"start": a, "end": b, "text": text[a:b], "label": NUMERIC_LABELS.index(label),
                              "value": value, "timex": timex, "unit": unit, "qualifier": QUALIFIERS.index(q),
                              "status": PUBLISHED_STATUSES.index("accepted")}
                             for a, b, label, value, timex, unit, q in numeric],
    }


# 內蒙古|收入|破億|元 with the numeric span 億元 starting inside the word 破億.
INSIDE = make_row("內蒙古收入破億元", [("內蒙古", "ns", "PROPN", "B-LOC"), ("收入", "n", "NOUN", "O"),
                                   ("破億", "v", "VERB", "O"), ("元", "q", "NOUN", "O")],
                  [(6, 8, "MONEY", 1e8, None, "元", "over")])
# 國家|八大|行業: the entity 國家八大 (ORG) overlaps the numeric span 八大.
OVERLAP = make_row("國家八大行業", [("國家", "n", "NOUN", "B-ORG"), ("八大", "m", "NUM", "I-ORG"),
                                 ("行業", "n", "NOUN", "O")], [(2, 4, "CARDINAL", 8.0, None, None, "exact")], index=2)
# 2024年3|%: two numeric spans reach into the word 2024年3.
SHARED = make_row("2024年3%", [("2024年3", "m", "NUM", "O"), ("%", "q", "NOUN", "O")],
                  [(0, 5, "DATE", None, "2024", None, "exact"), (5, 7, "PERCENT", 3.0, None, "%", "exact")], index=3)


def _misc(block: str) -> list[str]:
    return [line.split("\t")[9] for line in block.splitlines() if line and not line.startswith("#")]


def test_both_layers_and_exact_numeric_spans_in_misc() -> None:
    block = conllu_sentence(INSIDE, FEATS)
    assert block.startswith("# newpar id = nmg2025-p001\n# sent_id = nmg2025-p001-s01\n# text = 內蒙古收入破億元\n")
    lines = [line.split("\t") for line in block.splitlines() if line and not line.startswith("#")]
    assert [c[3] for c in lines] == ["PROPN", "NOUN", "VERB", "NOUN"] and [c[4] for c in lines] == ["ns", "n", "v", "q"]
    assert all(c[2] == c[5] == c[6] == c[7] == c[8] == "_" for c in lines)
    misc = _misc(block)
    assert misc[0] == "SpaceAfter=No|TokenRange=0:3|NE=B-LOC|Numeric=O"
    assert misc[2] == ("SpaceAfter=No|TokenRange=5:7|NE=O|Numeric=B-MONEY|NumericRange=6:8|NumericValue=100000000.0"
                       "|NumericUnit=元|NumericQualifier=over|NumericStatus=accepted")
    assert misc[3] == "TokenRange=7:8|NE=O|Numeric=I-MONEY"
    assert _misc(conllu_sentence(INSIDE, FEATS, paragraph_goes_on=True))[3] == "SpaceAfter=No|" + misc[3]


def test_two_spans_in_one_word_are_listed_in_order() -> None:
    misc = _misc(conllu_sentence(SHARED, FEATS))
    assert misc[0] == ("SpaceAfter=No|TokenRange=0:6|NE=O|Numeric=B-DATE,B-PERCENT|NumericRange=0:5,5:7"
                       "|NumericValue=_,3.0|NumericTimex=2024,_|NumericUnit=_,%|NumericQualifier=exact,exact"
                       "|NumericStatus=accepted,accepted")
    assert misc[1] == "TokenRange=6:7|NE=O|Numeric=I-PERCENT"


@pytest.mark.parametrize("row", [INSIDE, OVERLAP, SHARED], ids=["inside", "overlap", "shared"])
def test_conllu_reads_back_every_layer(row: dict) -> None:
    text = conllu_sentence(row, FEATS)
    (sentence,) = conllu.parse(text)
    assert sentence.serialize() == text
    assert conllu_layers(sentence) == row_layers(row, FEATS)


def test_a_value_that_misc_cannot_hold_is_an_error() -> None:
    bad = make_row("一萬元", [("一萬元", "m", "NUM", "O")], [(0, 3, "MONEY", 1e4, None, "元|x", "exact")])
    with pytest.raises(CorpusError) as exc:
        conllu_sentence(bad, FEATS)
    assert exc.value.code == "E-EXPORT" and "nmg2025-p001-s01" in exc.value.message


def _spacy_convert(text: str) -> list:
    """spaCy's own CoNLL-U reader (what `spacy convert -c conllu` runs), one Doc a sentence."""
    from spacy.training.converters import conllu_to_docs

    return list(conllu_to_docs(text, n_sents=1, no_print=True))


def test_spacy_converter_reads_the_entities() -> None:
    docs = _spacy_convert("".join(conllu_sentence(r, FEATS) for r in (INSIDE, OVERLAP, SHARED)))
    assert [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs] == [[(0, 3, "LOC")], [(0, 4, "ORG")], []]
    assert [t.tag_ for t in docs[0]] == ["ns", "n", "v", "q"] and [t.pos_ for t in docs[0]] == ["PROPN", "NOUN", "VERB", "NOUN"]


def _parquet_spans(row: dict) -> tuple[list, list]:
    """The entities of a Parquet row at character offsets, decoded here independently of the exporter."""
    ner, open_entity = [], None
    for tag, start, end in zip(row["ner_tags"], row["token_starts"], row["token_ends"]):
        name = NER_LABELS[tag]
        if name.startswith("I-") and open_entity and open_entity[2] == name[2:]:
            open_entity[1] = end
            continue
        open_entity = [start, end, name[2:]] if name.startswith("B-") else None
        if open_entity:
            ner.append(open_entity)
    numeric = sorted((e["start"], e["end"], NUMERIC_LABELS[e["label"]]) for e in row["numeric_entities"])
    return [tuple(e) for e in ner], numeric


@pytest.mark.parametrize("split", SPLITS)
def test_committed_files_carry_every_entity(split: str) -> None:
    rows = pq.read_table(HF / parquet_path("default", split)).to_pylist()
    text = (HF / "exports" / "conllu" / f"{split}.conllu").read_text(encoding="utf-8")
    parsed = conllu.parse(text)
    converted = _spacy_convert(text)
    assert [s.metadata["sent_id"] for s in parsed] == [r["id"] for r in rows] and len(converted) == len(rows)
    n_entities = 0
    for row, sentence, doc in zip(rows, parsed, converted):
        ner, numeric = _parquet_spans(row)
        n_entities += len(ner) + len(numeric)
        layers = conllu_layers(sentence)
        assert [w["form"] for w in layers["words"]] == row["tokens"], row["id"]
        assert [(s["start"], s["end"], s["label"]) for s in layers["spans"]["ner"]] == ner, row["id"]
        assert [(s["start"], s["end"], s["label"]) for s in layers["spans"]["numeric"]] == numeric, row["id"]
        assert layers == row_layers(row, FEATS), row["id"]
        # The converter adds a space after a paragraph's last word (no SpaceAfter=No there).
        assert [t.text for t in doc] == row["tokens"] and doc.text.rstrip(" ") == row["text"], row["id"]
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == ner, row["id"]
    assert n_entities > 0
