"""The four hanlp 2.1.5 fixes: tiny models train, save, reload with hanlp.load and predict aligned output."""
import random

import pytest

import torch  # noqa: E402
import hanlp  # noqa: E402

from annotators import hanlp_components as hc  # noqa: E402

WORDS = ["我们", "是", "中国", "人民", "呼和浩特", "的", "发展", "经济", "。", "，", "内蒙古", "建设", "好"]
TAGS = {"我们": "r", "是": "v", "中国": "ns", "人民": "n", "呼和浩特": "ns", "的": "u", "发展": "vn", "经济": "n",
        "。": "w", "，": "w", "内蒙古": "ns", "建设": "v", "好": "a"}


def _sentences(n, seed=0):
    rng = random.Random(seed)
    return [[rng.choice(WORDS) for _ in range(rng.randint(3, 12))] for _ in range(n)]


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_crf_batch_first_is_fixed(tmp_path):
    from hanlp.components.taggers.rnn_tagger import RNNTagger
    sents = _sentences(60)
    data = [{"token": s, "tag": [TAGS[w] for w in s]} for s in sents]
    tagger = hc.FixedRNNTagger()
    tagger.fit(data, data[:10], str(tmp_path / "pos"), batch_size=16, epochs=1, embed=16, rnn_hidden=16,
               devices=-1, seed=1)
    assert tagger.model.crf.batch_first is True
    # the stock class builds the CRF with the constraints (None) in batch_first: the bug being fixed
    stock = RNNTagger.build_model(tagger, rnn_input=None, rnn_hidden=16, drop=0.5, crf=True)
    assert not stock.crf.batch_first


def test_tokenizer_trains_reloads_and_aligns(tmp_path):
    from annotators.hanlp_data import bmes
    sents = _sentences(300)
    data = [dict(zip(("char", "tag"), bmes(s))) for s in sents]
    save = tmp_path / "tok"
    tok = hc.FixedRNNTokenizer()
    tok.fit(data, data[:30], str(save), batch_size=32, epochs=1,
            embed=hc.CharBigramEmbedding("char", 16, 8, 1), rnn_hidden=16, devices=-1, seed=1, lr=1e-2)
    assert (save / "epochs" / "epoch_1.pt").exists()
    loaded = hanlp.load(str(save), devices=-1, verbose=False)
    assert isinstance(loaded, hc.FixedRNNTokenizer)
    texts = ["".join(s) for s in _sentences(50, seed=7)] + ["", "好"]
    out = loaded.predict(texts)
    assert len(out) == len(texts)
    for text, words in zip(texts, out):
        assert "".join(words) == text  # predictions line up with the input character for character
    assert loaded.predict("我们是中国人民") and isinstance(loaded.predict("我们")[0], str)
    assert texts[0] == "".join(_sentences(50, seed=7)[0])  # input list not mutated


def test_tagger_with_affixes_aligns(tmp_path):
    sents = _sentences(300)
    data = [{"token": s, "tag": [TAGS[w] for w in s]} for s in sents]
    save = tmp_path / "pos"
    tagger = hc.FixedRNNTagger()
    tagger.fit(data, data[:30], str(save), batch_size=32, epochs=2, rnn_hidden=16, devices=-1, seed=1, lr=1e-2,
               embed=hc.WordAffixEmbedding("token", 16, 8, 1, 1, 0.05))
    loaded = hanlp.load(str(save), devices=-1, verbose=False)
    test = _sentences(40, seed=3) + [["没见过的词", "是"]]
    pred = loaded.predict(test)
    assert [len(p) for p in pred] == [len(s) for s in test]  # one tag per input token
    assert all(t in set(TAGS.values()) for p in pred for t in p)


def test_ner_aligns(tmp_path):
    rng = random.Random(0)
    data = []
    for _ in range(200):
        chars, tags = [], []
        for w in _sentences(1, seed=rng.randint(0, 10**6))[0]:
            chars.extend(w)
            label = "LOC" if TAGS[w] == "ns" else None
            tags.extend([f"B-{label}"] + [f"I-{label}"] * (len(w) - 1) if label else ["O"] * len(w))
        data.append({"token": chars, "tag": tags})
    save = tmp_path / "ner"
    ner = hc.FixedRNNNamedEntityRecognizer()
    ner.fit(data, data[:20], str(save), batch_size=32, epochs=2, rnn_hidden=16, devices=-1, seed=1, lr=1e-2,
            embed=hc.CharBigramEmbedding("token", 16, 8, 1), tagging_scheme="BIO", token_delimiter="")
    loaded = hanlp.load(str(save), devices=-1, verbose=False)
    test = [list("我们是内蒙古人民"), [], list("好")]
    out = loaded.predict(test)
    assert len(out) == 3 and out[1] == []
    for chars, ents in zip(test, out):
        for text, label, start, end in ents:
            assert "".join(chars[start:end]) == text and label in {"LOC"}
