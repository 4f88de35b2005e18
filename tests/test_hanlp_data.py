"""Data preparation: NFKC, 199801 reading and split, BIO reading, MSRA split, overlap removal."""
from pathlib import Path

import pytest

from annotators import hanlp_data as hd


def test_nfkc_chars_keeps_length():
    assert hd.nfkc_chars("５０年ＡＢ，") == "50年AB,"
    # a character whose NFKC form is longer stays as is, so offsets never move
    assert hd.nfkc_chars("㎡") == "㎡"
    assert len(hd.nfkc_chars("１㎡２")) == 3


def test_parse_pd98_line_and_error(tmp_path):
    assert hd.parse_pd98_line("中共中央/nt  总书记/n  ２/m") == [("中共中央", "nt"), ("总书记", "n"), ("2", "m")]
    bad = tmp_path / "bad.txt"
    bad.write_text("我们/r  是/v\n坏词  好/a\n", encoding="utf-8")
    with pytest.raises(hd.DataFormatError, match=r"bad.txt:2"):
        hd.read_pd98(bad)


def test_split_pd98_last_lines():
    pars = [[(str(i), "m")] for i in range(1500)]
    train, test = hd.split_pd98(pars)
    assert len(test) == 1000 and test[0] == [("500", "m")] and train[-1] == [("499", "m")]


def test_split_sentences_and_bmes():
    words = [("我们", "r"), ("好", "a"), ("。", "w"), ("再见", "v")]
    assert hd.split_sentences(words) == [words[:3], words[3:]]
    assert hd.bmes(["我们", "好", "呼和浩特"]) == (list("我们好呼和浩特"), ["B", "E", "S", "B", "M", "M", "E"])


def test_read_bio_tab_and_space(tmp_path):
    f = tmp_path / "x.bio"
    f.write_text("北\tB-LOC\n京\tI-LOC\n\n我 O\n１ O\n", encoding="utf-8")
    sents = hd.read_bio(f)
    assert sents == [{"token": ["北", "京"], "tag": ["B-LOC", "I-LOC"]}, {"token": ["我", "1"], "tag": ["O", "O"]}]
    assert hd.read_bio(f, start_line=4) == sents[1:]
    f.write_text("北\tX-LOC\n", encoding="utf-8")
    with pytest.raises(hd.DataFormatError, match="x.bio:1"):
        hd.read_bio(f)


def test_bio_spans():
    assert hd.bio_spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"]) == [
        ("PER", 0, 2), ("LOC", 3, 4), ("LOC", 4, 5), ("ORG", 5, 6)]


def test_remove_overlap_20_chars():
    shared = "这是一个长度超过二十个字符的句子用于测试重叠删除功能"
    train = ["完全无关的句子", "前缀" + shared[:20] + "后缀", shared[:19], "短句"]
    evaluation = [shared, "短句"]
    kept, removed = hd.remove_overlap(train, evaluation)
    # the 20-character share and the identical short sentence go; the 19-character share stays
    assert kept == [0, 2] and removed == [1, 3]


def test_overlap_counts():
    c = hd.overlap_counts(["甲乙丙", "a" * 25], ["甲乙丙", "b" + "a" * 20, "无关"])
    assert c == {"eval_sentences": 3, "exact": 1, "shares_20_chars": 2}


def test_remove_overlap_with_counts_each_set_and_the_union():
    long = "这是一个长度超过二十个字符的句子用于测试重叠删除功能"
    train = ["无关", long, "短句", "又一个无关的句子"]
    kept, report = hd.remove_overlap_with(train, {"a": [long, "短句"], "b": ["前" + long[2:24]]})
    # index 1 overlaps both sets but is removed once; index 2 equals a short sentence of set a
    assert kept == [0, 3]
    assert report == {"training_before": 4, "removed_for_a": 2, "removed_for_b": 1, "removed": 2, "kept": 2}


def test_read_conllu_skips_ranges_and_names_bad_lines(tmp_path):
    f = tmp_path / "x.conllu"
    row = "\t".join
    f.write_text("# text = 我们好\n" + row(["1-2", "我们", "_", "_", "_", "_", "_", "_", "_", "_"]) + "\n"
                 + row(["1", "我们", "_", "PRON", "_", "_", "0", "root", "_", "_"]) + "\n"
                 + row(["2", "ＡＢ", "_", "X", "_", "_", "1", "dep", "_", "_"]) + "\n\n", encoding="utf-8")
    assert hd.read_conllu(f) == [[("我们", "PRON"), ("AB", "X")]]
    assert hd.read_conllu_forms(f) == [["我们", "AB"]]
    f.write_text("1\t我们\tPRON\n", encoding="utf-8")
    with pytest.raises(hd.DataFormatError, match=r"x.conllu:1: expected 10 columns"):
        hd.read_conllu(f)


CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def test_msra_official_split_counts():
    train, test = hd.read_msra(CORPORA / "msra-ner" / "dh_msra.txt")
    assert len(train) == 50658 and len(test) == 4631
