"""The fast engine behind `annotate`: `exact` reproduces the build's path, its parts match HanLP's."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from annotators import hanlp_data as hd
from annotators import hanlp_fast as hf

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="module")
def models():
    from annotators.hanlp_layer import load_models
    return load_models(REPO / "models", threads=1)


@pytest.fixture(scope="module")
def report_texts() -> list[str]:
    with open(REPO / "corpus" / "interim" / "sentences.jsonl", encoding="utf-8") as src:
        return [hd.nfkc_chars(json.loads(line)["text_simplified"]) for line in src]


@pytest.fixture(scope="module")
def pku_texts() -> list[str]:
    return ["".join(ws) for ws in hd.read_segmented(hd.CorpusPaths(CORPORA).pku_test_gold)[:300]]


def _sorted(analyses):
    return [(w, t, sorted(e)) for w, t, e in analyses]


def test_exact_is_the_builds_output(models, report_texts: list[str], pku_texts: list[str]) -> None:
    from annotators.hanlp_layer import analyse_with
    fast = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="exact")
    texts = report_texts + pku_texts + ["", "  ", "GDP 增长 6%", "a\tb"]
    assert _sorted(fast.analyse(texts)) == _sorted(analyse_with(models.tok, models.pos, models.ner, texts))


def test_fp32_padded_gives_the_same_output(models, report_texts: list[str]) -> None:
    exact = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="exact")
    fp32 = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="fp32")
    assert fp32.analyse(report_texts) == exact.analyse(report_texts)


def test_bf16_differs_on_few_sentences_and_not_with_threads(models, report_texts: list[str],
                                                            pku_texts: list[str]) -> None:
    texts = report_texts + pku_texts
    exact = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="exact").analyse(texts)
    one = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="bf16").analyse(texts)
    two = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="bf16",
                                        threads=2).analyse(texts)
    assert two == one
    differing = sum(a != b for a, b in zip(exact, one))
    # measured: 2 of 278 report sentences and 4 of these 300 PKU lines
    assert differing <= 0.03 * len(texts), differing


def test_stages_alone_match_the_components(models, pku_texts: list[str]) -> None:
    fast = hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="exact")
    words = fast.segment(pku_texts)
    assert words == models.tok.predict(pku_texts, batch_size=64)
    assert fast.tag(words) == [list(t) for t in models.pos.predict(words, batch_size=64)]
    expected = [sorted(((label, b, e) for _, label, b, e in es), key=lambda x: (x[1], x[2], x[0]))
                for es in models.ner.predict([list(t) for t in pku_texts], batch_size=64)]
    assert fast.recognize(pku_texts) == expected


def test_viterbi_finds_the_crfs_paths(models) -> None:
    rng = torch.Generator().manual_seed(0)
    for component in (models.tok, models.pos, models.ner):
        crf = component.model.crf
        n_tags = crf.num_tags
        lengths = sorted((int(x) for x in torch.randint(1, 30, (17,), generator=rng)), reverse=True)
        emissions = torch.randn(len(lengths), lengths[0], n_tags, generator=rng) * 3
        mask = torch.arange(lengths[0]).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        with torch.no_grad():
            expected = crf.decode(emissions, mask)
        start, end, trans = (t.detach().float() for t in (crf.start_transitions, crf.end_transitions,
                                                          crf.transitions))
        paths = hf.viterbi(emissions, lengths, start, end, trans)
        assert [paths[b, :n].tolist() for b, n in enumerate(lengths)] == expected


def test_bio_entities_match_hanlp() -> None:
    from hanlp.utils.span_util import bio_tags_to_spans
    rng = random.Random(0)
    tags = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    for _ in range(500):
        seq = [rng.choice(tags) for _ in range(rng.randint(1, 12))]
        expected = sorted(((label, b, e + 1) for label, (b, e) in bio_tags_to_spans(seq)),
                          key=lambda s: (s[1], s[2], s[0]))
        assert hf.bio_entities(seq) == expected


def test_tables_look_up_as_hanlp_vocabularies(models) -> None:
    tok = models.tok
    tagger = hf.CrfTagger(tok, "bf16")
    chars, bigrams = tok.vocabs["char"], tok.vocabs["bigram"]
    text = "国务院在2024年发布了《规定》。ℤ𠀀<s>x"  # rare, astral and markup-like characters too
    ids = tagger.char_ids(hf.code_points(text), [(0, len(text)), (2, 5)])
    padded = [hf.BOS, *text, hf.EOS]
    assert ids[0][0].tolist() == [chars.get_idx(c) for c in text]
    assert ids[0][1].tolist() == [bigrams.get_idx(a + b) for a, b in zip(padded, padded[1:])][:-1]
    assert ids[0][2].tolist() == [bigrams.get_idx(a + b) for a, b in zip(padded, padded[1:])][1:]
    piece = [hf.BOS, *text[2:5], hf.EOS]
    assert ids[1][1].tolist() == [bigrams.get_idx(a + b) for a, b in zip(piece, piece[1:])][:-1]

    pos = models.pos
    words = ["国务院", "在", "2024年", "发布", "了", "ℤ", "𠀀𠀀", " "]
    joined = "".join(words)
    starts = np.cumsum([0] + [len(w) for w in words[:-1]])
    got = hf.CrfTagger(pos, "bf16").word_ids(words, hf.code_points(joined), starts)
    expected = [[pos.vocabs["token"].get_idx(w) for w in words],
                [pos.vocabs["pre1"].get_idx(w[:1]) for w in words],
                [pos.vocabs["suf1"].get_idx(w[-1:]) for w in words],
                [pos.vocabs["pre2"].get_idx(w[:2] if len(w) > 1 else "<1>") for w in words],
                [pos.vocabs["suf2"].get_idx(w[-2:] if len(w) > 1 else "<1>") for w in words]]
    assert [g.tolist() for g in got] == expected


def test_length_batches_cover_every_sequence_within_the_caps() -> None:
    rng = random.Random(1)
    lengths = [rng.randint(1, 400) for _ in range(1000)]
    batches = hf.length_batches(lengths, 64, max_tokens=4096)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        widths = [lengths[i] for i in b]
        assert widths == sorted(widths, reverse=True)
        assert len(b) <= 64
        assert len(b) == 1 or widths[0] * len(b) <= 4096
    assert hf.length_batches([5000], 64, max_tokens=100) == [[0]]


def test_exact_batches_are_hanlps_unless_huge() -> None:
    from hanlp.common.dataset import SortingSampler
    rng = random.Random(2)
    lengths = [rng.randint(1, 600) for _ in range(500)]
    assert hf.exact_batches(lengths, 64) == list(SortingSampler(lengths, 64))
    huge = [100_000] * 64
    batches = hf.exact_batches(huge, 64)
    assert [len(b) for b in batches] == [10] * 6 + [4] and sorted(sum(batches, [])) == list(range(64))


def test_chunks_are_consecutive_and_bounded() -> None:
    sizes = [30, 50, 10, 200, 5, 5]
    ranges = hf.chunks(sizes, limit=60)
    assert ranges == [(0, 1), (1, 3), (3, 4), (4, 6)]


def test_unknown_precision_and_bad_sizes_are_refused(models) -> None:
    with pytest.raises(ValueError, match="precision"):
        hf.FastModels.from_components(models.tok, models.pos, models.ner, precision="int4")
    with pytest.raises(ValueError, match="batch size"):
        hf.FastModels.from_components(models.tok, models.pos, models.ner, batch_size=0)
    with pytest.raises(ValueError, match="threads"):
        hf.FastModels.from_components(models.tok, models.pos, models.ner, threads=0)


def test_default_precision_falls_back_to_float32_without_bfloat16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf, "torch", type("T", (), {"ops": type("O", (), {"mkldnn": type("M", (), {
        "_is_mkldnn_bf16_supported": staticmethod(lambda: False)})})}))
    assert hf.default_precision() == "fp32"
    monkeypatch.undo()
    assert hf.default_precision() == ("bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32")
