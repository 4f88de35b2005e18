"""The annotation layer: HanLP multi-task output adapter, carrying results back to traditional text."""
import json
from pathlib import Path

import pytest

from annotators import hanlp_layer as hl

FIXTURES = Path(__file__).parent / "fixtures"
MODELS = Path(__file__).resolve().parents[1] / "models"


def test_adapter_on_documented_output():
    doc = json.loads((FIXTURES / "hanlp_mtl_output.json").read_text(encoding="utf-8"))
    texts = doc.pop("texts")
    doc.pop("_comment")
    analyses, keys = hl.adapt_mtl_output(doc)
    assert keys == {"tok": "tok/fine", "pos": "pos/pku", "ner": "ner/msra"}
    for text, (words, tags, ents) in zip(texts, analyses):
        assert "".join(words) == text and len(tags) == len(words)
    # token offsets become character offsets; DATE is not one of PER/LOC/ORG and is dropped
    assert analyses[0][2] == [("ORG", 5, 14)]
    assert texts[1][5:10] == "北京立方庭" and ("LOC", 5, 10) in analyses[1][2]
    assert texts[1][analyses[1][2][1][1]:analyses[1][2][1][2]] == "自然语义科技公司"


def test_adapter_ctb_only_and_single_text():
    doc = json.loads((FIXTURES / "hanlp_mtl_output.json").read_text(encoding="utf-8"))
    single = {"tok/fine": doc["tok/fine"][1], "pos/ctb": doc["pos/ctb"][1], "ner/msra": doc["ner/msra"][1]}
    analyses, keys = hl.adapt_mtl_output(single)
    assert keys["pos"] == "pos/ctb" and len(analyses) == 1 and analyses[0][1][2] == "NR"
    rec = {"id": "s1", "text_hash": "h", "text": "阿婆主來到北京立方庭參觀自然語義科技公司。",
           "text_simplified": "阿婆主来到北京立方庭参观自然语义科技公司。"}
    out = hl.carry_back(rec, analyses[0], tagset="ctb")
    assert out["upos"][2] == "PROPN" and "".join(out["tokens"]) == rec["text"]


class _Fake:
    """Stand-ins for the three components: fixed-width segmentation, constant tags, one entity."""

    class tok:
        @staticmethod
        def predict(texts, batch_size=None):
            return [[t[i:i + 2] for i in range(0, len(t), 2)] for t in texts]

    class pos:
        @staticmethod
        def predict(words, batch_size=None):
            return [["n"] * len(ws) for ws in words]

    class ner:
        @staticmethod
        def predict(chars, batch_size=None):
            return [[("".join(c[:2]), "LOC", 0, 2)] if len(c) >= 2 else [] for c in chars]


def test_annotate_carries_back_to_traditional():
    models = hl.ProjectModels(_Fake.tok, _Fake.pos, _Fake.ner, {})
    sents = [{"id": "a", "text_hash": "x1", "text": "內蒙古自治區人民政府。", "text_simplified": "内蒙古自治区人民政府。"},
             {"id": "b", "text_hash": "x2", "text": "", "text_simplified": ""},
             {"id": "c", "text_hash": "x3", "text": "ＡＢ 發展", "text_simplified": "ＡＢ 发展"}]
    out = hl.annotate_sentences(sents, models=models)
    assert [o["id"] for o in out] == ["a", "b", "c"]
    for rec, o in zip(sents, out):
        assert "".join(o["tokens"]) == rec["text"]
        assert [rec["text"][s:e] for s, e in o["token_offsets"]] == o["tokens"]
        assert len(o["pos_tags"]) == len(o["upos"]) == len(o["tokens"])
    assert out[0]["tokens"][0] == "內蒙" and out[0]["entities"][0] == {"start": 0, "end": 2, "text": "內蒙",
                                                                     "label": "LOC"}
    # the full-width letters were normalized for the model but the output keeps the original text
    assert out[2]["tokens"] == ["ＡＢ", " ", "發展"] and out[2]["pos_tags"][1] == "w"
    assert hl.annotate_sentences(sents, models=models) == out  # deterministic


def test_misaligned_input_is_reported():
    bad = [{"id": "z", "text_hash": "h", "text": "內蒙古", "text_simplified": "内蒙"}]
    with pytest.raises(hl.LayerInputError, match="'z'"):
        hl.annotate_sentences(bad, models=hl.ProjectModels(_Fake.tok, _Fake.pos, _Fake.ner, {}))


def test_read_sentences_names_line(tmp_path):
    f = tmp_path / "s.jsonl"
    f.write_text('{"id": "a", "text_hash": "h", "text": "好", "text_simplified": "好"}\n{oops\n', encoding="utf-8")
    with pytest.raises(hl.LayerInputError, match=r"s.jsonl:2"):
        hl.read_sentences(f)


def test_shipped_models_annotate():
    sents = [{"id": "a", "text_hash": "h", "text": "內蒙古自治區主席王莉霞在呼和浩特作政府工作報告。",
              "text_simplified": "内蒙古自治区主席王莉霞在呼和浩特作政府工作报告。"}]
    out = hl.annotate_sentences(sents, models_dir=MODELS)[0]
    assert "".join(out["tokens"]) == sents[0]["text"]
    assert all(e["text"] == sents[0]["text"][e["start"]:e["end"]] for e in out["entities"])
    assert {e["label"] for e in out["entities"]} <= {"PER", "LOC", "ORG"}
