"""Fast inference for the project's three BiLSTM-CRF components: the engine behind ``nmg-corpus annotate``.

HanLP's ``predict`` sends every sentence through its dataset, transform and data-loader machinery,
runs the BiLSTM on packed float32 batches and decodes the CRF one sentence and one position at a
time; on the SIGHAN PKU test text that overhead is about 40 % of the pipeline's time and the LSTM
kernel the rest (``work-data/bench/PROFILE.md``). This module takes the weights and vocabularies
out of the loaded components and runs them directly:

* ids by plain dictionary lookups; the character and bigram strings of a sentence are built once
  and looked up in both the tokenizer's and the recognizer's vocabularies;
* batches of sentences sorted by length, capped by a sentence count and a padded-character count;
* the BiLSTM at one of three precisions:

  - ``exact``: the component's own LSTM on packed float32 batches, in HanLP's batches, so the
    output is identical to :func:`annotators.hanlp_layer.analyse_with` (the build's path; tested);
  - ``fp32`` / ``bf16``: each direction as a one-direction LSTM over padded batches (the oneDNN
    kernel, which packed sequences cannot use), the backward one over every sentence reversed
    within its own length so that padding never reaches a real position; ``bf16`` runs it in
    bfloat16 (about three times the float32 speed on a CPU with AVX-512 BF16; the scores it
    costs are measured in ``work-data/bench/``);

* a Viterbi decoder vectorised over the batch, with HanLP's CRF arithmetic in float32, so the
  same emissions give the same paths.

The build's HanLP stage does not use this module: its output must not change.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from annotators.hanlp_components import BOS, EOS, CharBigramModule, WordAffixModule

#: the BiLSTM precisions, fastest last; ``exact`` reproduces the build's output
PRECISIONS = ("exact", "fp32", "bf16")
#: the precision ``annotate`` uses unless told otherwise
DEFAULT_PRECISION = "bf16"
#: sentences per batch (HanLP's ``predict`` default in the build is 64 as well)
DEFAULT_BATCH_SIZE = 64
#: padded characters per batch at most (``fp32``/``bf16``): bounds memory on very long sentences
MAX_BATCH_TOKENS = 16384
_SPACE = re.compile(r"\s+")

# (words, PKU tags, entities as (label, start_char, end_char)) for one text, as in hanlp_layer
Analysis = Tuple[List[str], List[str], List[Tuple[str, int, int]]]


def exact_batches(lengths: Sequence[int], batch_size: int) -> List[List[int]]:
    """Takes sequence lengths; returns HanLP's batches (``SortingSampler`` without a token cap): indices
    sorted by ``torch.argsort(descending=True)``, cut every ``batch_size``."""
    order = torch.argsort(torch.tensor(list(lengths)), descending=True).tolist()
    return [order[k:k + batch_size] for k in range(0, len(order), batch_size)]


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int = MAX_BATCH_TOKENS) -> List[List[int]]:
    """Takes sequence lengths; returns batches of indices sorted by length, longest first (ties in input
    order), each at most ``batch_size`` sequences and ``max_tokens`` padded positions (a longer sequence
    goes alone)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__, reverse=True)
    batches: List[List[int]] = []
    current: List[int] = []
    for i in order:
        if current and (len(current) >= batch_size or lengths[current[0]] * (len(current) + 1) > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def _pad(seqs: List[List[int]], width: int) -> torch.Tensor:
    """Takes id lists (longest first); returns a ``(len(seqs), width)`` int64 tensor padded with 0."""
    out = np.zeros((len(seqs), width), dtype=np.int64)
    for row, ids in enumerate(seqs):
        out[row, :len(ids)] = ids
    return torch.from_numpy(out)


def viterbi(emissions: np.ndarray, lengths: Sequence[int], start: np.ndarray, end: np.ndarray,
            transitions: np.ndarray) -> List[List[int]]:
    """Takes float32 emissions ``(batch, length, tags)`` of sequences sorted longest first, their lengths and
    the CRF's start, end and transition scores; returns the best tag path of each sequence. The scores are
    summed in HanLP's order (``score + transitions + emission``), so the paths are the ones its CRF finds."""
    batch, _, _ = emissions.shape
    lens = np.asarray(lengths)
    longest = int(lens[0])
    # active[i]: sequences still running at position i (a prefix, as the batch is sorted)
    active = [int(np.count_nonzero(lens > i)) for i in range(longest)]
    score = start + emissions[:, 0]
    history = np.zeros((max(longest - 1, 0), batch, transitions.shape[0]), dtype=np.int64)
    for i in range(1, longest):
        n = active[i]
        total = score[:n, :, None] + transitions + emissions[:n, i, None, :]
        history[i - 1, :n] = total.argmax(axis=1)
        score[:n] = total.max(axis=1)
    score = score + end
    current = score.argmax(axis=1)
    paths = np.zeros((batch, longest), dtype=np.int64)
    paths[np.arange(batch), lens - 1] = current
    for i in range(longest - 1, 0, -1):
        n = active[i]
        current[:n] = history[i - 1, np.arange(n), current[:n]]
        paths[:n, i - 1] = current[:n]
    return [paths[b, :lens[b]].tolist() for b in range(batch)]


def _one_direction(lstm: nn.LSTM, suffix: str, dtype: torch.dtype) -> nn.LSTM:
    """Takes a one-layer bidirectional LSTM and ``""`` or ``"_reverse"``; returns that direction as a
    one-direction LSTM in ``dtype``."""
    one = nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(one, name).copy_(getattr(lstm, name + suffix))
    return one.to(dtype).eval().requires_grad_(False)


class CrfTagger:
    """One loaded BiLSTM-CRF component (tokenizer, tagger or recognizer), ready for batched inference."""

    def __init__(self, component: Any, precision: str) -> None:
        """Takes a component loaded with ``hanlp.load`` (one of annotators.hanlp_components' classes) and a
        precision from :data:`PRECISIONS`. Raises ValueError for an architecture this engine does not run."""
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
        model = component.model
        model.eval()
        if model.embed_to_rnn is not None or model.crf is None or model.word_lstm.num_layers != 1:
            raise ValueError("the fast path runs one-layer BiLSTM-CRF models without an input projection")
        self.embed = model.embed.requires_grad_(False)
        self.char_level = isinstance(self.embed, CharBigramModule)
        if not self.char_level and not isinstance(self.embed, WordAffixModule):
            raise ValueError(f"unsupported embedding {type(self.embed).__name__}")
        self.src = self.embed.src
        vocabs = component.vocabs
        fields = [self.src, "bigram"] if self.char_level else [self.src, *self.embed.affix.keys()]
        # (token -> id, id of the unknown token) per field; HanLP's locked Vocab maps unknowns the same way
        self.lookups = {f: (vocabs[f].token_to_idx, vocabs[f].token_to_idx[vocabs[f].unk_token]) for f in fields}
        self.tags: List[str] = list(vocabs["tag"].idx_to_token)
        self.precision = precision
        self.lstm = model.word_lstm.requires_grad_(False)
        if precision != "exact":
            dtype = torch.bfloat16 if precision == "bf16" else torch.float32
            self.forward_lstm = _one_direction(self.lstm, "", dtype)
            self.backward_lstm = _one_direction(self.lstm, "_reverse", dtype)
            self.dtype = dtype
        self.out = model.out.requires_grad_(False)
        hidden = self.lstm.hidden_size
        self.out_forward = self.out.weight[:, :hidden].t().contiguous()
        self.out_backward = self.out.weight[:, hidden:].t().contiguous()
        self.out_bias = self.out.bias
        crf = model.crf
        self.crf = tuple(t.detach().float().numpy().copy() for t in
                         (crf.start_transitions, crf.end_transitions, crf.transitions))

    # -- ids ---------------------------------------------------------------------------------------
    def char_ids(self, chars: List[str], bigrams: List[str]) -> Dict[str, List[int]]:
        """Takes a sentence's characters and its n+1 boundary bigrams; returns the id list of each field."""
        (c2i, cunk), (b2i, bunk) = self.lookups[self.src], self.lookups["bigram"]
        return {self.src: [c2i.get(c, cunk) for c in chars], "bigram": [b2i.get(b, bunk) for b in bigrams]}

    def word_ids(self, words: List[str]) -> Dict[str, List[int]]:
        """Takes a sentence's words; returns the id list of the word field and of each affix field."""
        out = {}
        w2i, wunk = self.lookups[self.src]
        out[self.src] = [w2i.get(w, wunk) for w in words]
        for name, (t2i, unk) in self.lookups.items():
            if name == self.src:
                continue
            # the affixes of annotators.hanlp_components.AffixTransform
            if name == "pre1":
                keys = [w[:1] for w in words]
            elif name == "suf1":
                keys = [w[-1:] for w in words]
            elif name == "pre2":
                keys = [w[:2] if len(w) > 1 else "<1>" for w in words]
            else:
                keys = [w[-2:] if len(w) > 1 else "<1>" for w in words]
            out[name] = [t2i.get(k, unk) for k in keys]
        return out

    # -- network -----------------------------------------------------------------------------------
    def _emissions(self, x: torch.Tensor, lens: torch.Tensor) -> np.ndarray:
        """Takes embeddings ``(batch, length, dim)`` sorted longest first and the lengths; returns the
        float32 emission scores ``(batch, length, tags)`` (padding positions hold anything)."""
        if self.precision == "exact":
            packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=True)
            out, _ = self.lstm(packed)
            return self.out(pad_packed_sequence(out, batch_first=True)[0]).numpy()
        batch, length, dim = x.shape
        positions = torch.arange(length).unsqueeze(0)
        # each sentence reversed within its length; padding stays at the end, after every real position
        reverse = torch.where(positions < lens.unsqueeze(1), lens.unsqueeze(1) - 1 - positions, positions)
        rows = (reverse + torch.arange(batch).unsqueeze(1) * length).reshape(-1)
        x = x.to(self.dtype)
        fw, _ = self.forward_lstm(x)
        bw, _ = self.backward_lstm(x.reshape(-1, dim).index_select(0, rows).view(batch, length, dim))
        # the output layer split by direction, so only the small emission tensor is turned back round
        emissions = torch.addmm(self.out_bias, fw.reshape(-1, fw.shape[2]).float(), self.out_forward)
        emissions += (bw.reshape(-1, bw.shape[2]).float() @ self.out_backward).index_select(0, rows)
        return emissions.view(batch, length, -1).numpy()

    def predict_ids(self, ids: List[Dict[str, List[int]]], batches: List[List[int]]) -> List[List[int]]:
        """Takes each sequence's field ids (non-empty sequences) and batches of their indices (longest first);
        returns each sequence's best tag ids, in input order."""
        out: List[List[int]] = [[] for _ in ids]
        with torch.inference_mode():
            for batch in batches:
                lengths = [len(ids[i][self.src]) for i in batch]
                width = lengths[0]
                tensors = {}
                for name in self.lookups:
                    # bigram ids are one longer than the characters (boundary bigrams at both ends)
                    extra = 1 if name == "bigram" else 0
                    tensors[f"{name}_id"] = _pad([ids[i][name] for i in batch], width + extra)
                emissions = self._emissions(self.embed(tensors), torch.tensor(lengths))
                for i, path in zip(batch, viterbi(emissions, lengths, *self.crf)):
                    out[i] = path
        return out


def char_features(text: str) -> Tuple[List[str], List[str]]:
    """Takes a text; returns its characters and its n+1 boundary bigrams (``<s>c0, c0c1, ..., c_{n-1}</s>``)."""
    chars = list(text)
    padded = [BOS, *chars, EOS]
    return chars, [a + b for a, b in zip(padded, padded[1:])]


def bmes_words(text: str, tags: List[str]) -> List[str]:
    """Takes a text and its B/M/E/S tags; returns the words, a new one at every B or S after the first
    character (HanLP's ``bmes_to_words``)."""
    words: List[str] = []
    start = 0
    for i in range(1, len(text)):
        if tags[i] in ("B", "S"):
            words.append(text[start:i])
            start = i
    if text:
        words.append(text[start:])
    return words


def bio_entities(tags: List[str]) -> List[Tuple[str, int, int]]:
    """Takes BIO tags; returns ``(label, start, end)`` spans, end exclusive, sorted. An I- tag that does not
    continue a span of its label starts one (HanLP's ``bio_tags_to_spans``)."""
    spans = set()
    label: Optional[str] = None
    start = 0
    for i, tag in enumerate(tags):
        bio, name = tag[0], tag[2:]
        if bio not in "BIO":
            raise ValueError(f"not a BIO tag: {tag!r}")
        if bio == "I" and name == label:
            continue
        if label is not None:
            spans.add((label, start, i))
        label, start = (None, i) if bio == "O" else (name, i)
    if label is not None:
        spans.add((label, start, len(tags)))
    return sorted(spans, key=lambda s: (s[1], s[2], s[0]))


@dataclass
class FastModels:
    """The tokenizer, tagger and recognizer ready for :meth:`analyse`."""

    tok: CrfTagger
    pos: CrfTagger
    ner: CrfTagger
    precision: str
    batch_size: int = DEFAULT_BATCH_SIZE
    threads: int = 1

    @classmethod
    def from_components(cls, tok: Any, pos: Any, ner: Any, *, precision: str = DEFAULT_PRECISION,
                        batch_size: int = DEFAULT_BATCH_SIZE, threads: int = 1) -> "FastModels":
        """Takes the three loaded components; returns them ready for :meth:`analyse`."""
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, not {batch_size}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        return cls(CrfTagger(tok, precision), CrfTagger(pos, precision), CrfTagger(ner, precision), precision,
                   batch_size, threads)

    def _batches(self, lengths: List[int]) -> List[List[int]]:
        if self.precision == "exact":
            return exact_batches(lengths, self.batch_size)
        return length_batches(lengths, self.batch_size)

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        """Takes normalized simplified texts; returns their words, whitespace runs as words of their own."""
        pieces: List[str] = []
        layout: List[List[Tuple[bool, Any]]] = []
        for text in texts:
            parts: List[Tuple[bool, Any]] = []
            pos = 0
            for m in _SPACE.finditer(text):
                if m.start() > pos:
                    parts.append((True, len(pieces)))
                    pieces.append(text[pos:m.start()])
                parts.append((False, m.group()))
                pos = m.end()
            if pos < len(text):
                parts.append((True, len(pieces)))
                pieces.append(text[pos:])
            layout.append(parts)
        ids = [self.tok.char_ids(*char_features(p)) for p in pieces]
        paths = self.tok.predict_ids(ids, self._batches([len(p) for p in pieces])) if pieces else []
        names = self.tok.tags
        segmented = [bmes_words(p, [names[t] for t in path]) for p, path in zip(pieces, paths)]
        out = []
        for parts in layout:
            words: List[str] = []
            for is_text, val in parts:
                words.extend(segmented[val] if is_text else [val])
            out.append(words)
        return out

    def tag(self, sentences: Sequence[List[str]]) -> List[List[str]]:
        """Takes word lists; returns their PKU tags (an empty list for an empty sentence)."""
        nonempty = [i for i, ws in enumerate(sentences) if ws]
        tags: List[List[str]] = [[] for _ in sentences]
        ids = [self.pos.word_ids(sentences[i]) for i in nonempty]
        names = self.pos.tags
        paths = self.pos.predict_ids(ids, self._batches([len(sentences[i]) for i in nonempty]))
        for i, path in zip(nonempty, paths):
            tags[i] = [names[t] for t in path]
        return tags

    def recognize(self, texts: Sequence[str]) -> List[List[Tuple[str, int, int]]]:
        """Takes normalized simplified texts; returns their PER/LOC/ORG spans as ``(label, start, end)``."""
        nonempty = [i for i, t in enumerate(texts) if t]
        ids = [self.ner.char_ids(*char_features(texts[i])) for i in nonempty]
        names = self.ner.tags
        out: List[List[Tuple[str, int, int]]] = [[] for _ in texts]
        paths = self.ner.predict_ids(ids, self._batches([len(texts[i]) for i in nonempty]))
        for i, path in zip(nonempty, paths):
            out[i] = bio_entities([names[t] for t in path])
        return out

    def analyse(self, texts: Sequence[str]) -> List[Analysis]:
        """Takes normalized simplified texts; returns ``(words, PKU tags, entities)`` per text, as
        :func:`annotators.hanlp_layer.analyse_with` does (whitespace runs are words tagged ``w``). With
        ``threads`` > 1 the recognizer runs beside the tokenizer and tagger."""
        texts = list(texts)
        entities: List[List[Tuple[str, int, int]]] = []
        worker = None
        if self.threads > 1:
            failure: List[BaseException] = []

            def run() -> None:
                try:
                    entities.extend(self.recognize(texts))
                except BaseException as exc:  # re-raised below, in the caller's thread
                    failure.append(exc)
            worker = threading.Thread(target=run, name="nmg-annotate-ner")
            worker.start()
        words = self.segment(texts)
        for text, ws in zip(texts, words):
            if "".join(ws) != text:
                raise RuntimeError(f"segmenter output does not join back to its input: {text[:40]!r}")
        tags = self.tag(words)
        tags = [[("w" if w.isspace() else t) for w, t in zip(ws, ts)] for ws, ts in zip(words, tags)]
        if worker is not None:
            worker.join()
            if failure:
                raise failure[0]
        else:
            entities = self.recognize(texts)
        return [(w, t, e) for w, t, e in zip(words, tags, entities)]
