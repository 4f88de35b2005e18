"""Fast inference for the project's three BiLSTM-CRF components: the engine behind ``nmg-corpus annotate``.

HanLP's ``predict`` sends every sentence through its dataset, transform and data-loader machinery,
looks every character up in Python, runs the BiLSTM on packed float32 batches and decodes the CRF one
sentence and one position at a time. This module takes the weights and vocabularies out of the loaded
components and runs them directly (the profile, and each change's effect on speed and scores, are in the models
card, ``models/README.md``, section "Speed of `annotate`"; ``scripts/benchmark_annotate.py`` measures them):

* the text is turned into code points once; characters, character bigrams and word affixes are
  looked up in numpy tables built from the vocabularies, for the tokenizer and the recognizer alike;
  only whole words go through a dictionary;
* batches of sequences sorted by length, capped by a sequence count and a padded-position count;
* the BiLSTM at one of three precisions:

  - ``exact``: the component's own LSTM on packed float32 batches, in HanLP's batches, so the
    output is identical to :func:`annotators.hanlp_layer.analyse_with`, the build's path (tested);
  - ``fp32`` / ``bf16``: each direction as a one-direction LSTM over padded batches (the oneDNN
    kernel, which packed sequences cannot use), the backward one over every sequence reversed within
    its own length, so padding never reaches a real position; ``bf16`` runs it in bfloat16;

* the output layer split by direction, so only the small emission tensor is turned back round;
* a Viterbi decoder vectorised over the batch, with HanLP's CRF arithmetic in float32 (same
  emissions, same paths);
* with ``threads`` > 1, chunks of the input (fixed by the input alone, so the output does not depend
  on the thread count) run in parallel threads, each on one torch thread.

The build's HanLP stage does not use this module: its output must not change.
"""
from __future__ import annotations

import re
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from annotators.hanlp_components import BOS, EOS, CharBigramModule, WordAffixModule

#: the BiLSTM precisions; ``exact`` reproduces the build's output, ``bf16`` is the fastest
PRECISIONS = ("exact", "fp32", "bf16")
#: the precision ``annotate`` uses unless told otherwise, where oneDNN runs bfloat16 (see default_precision)
DEFAULT_PRECISION = "bf16"
#: sequences per batch (the build's HanLP stage uses 64 as well)
DEFAULT_BATCH_SIZE = 64
#: padded positions per batch at most (``fp32``/``bf16``): bounds memory on very long sentences
MAX_BATCH_TOKENS = 16384
#: the same for ``exact``, far above any batch of the report or the test sets (HanLP's batches there)
EXACT_MAX_TOKENS = 1 << 20
#: a batch of at least MIN_BATCH_SIZE sequences ends where the length falls below this share of its first
BATCH_LENGTH_RATIO = 0.9
MIN_BATCH_SIZE = 8
#: characters per chunk of input (bounds memory; the PKU test text is one chunk)
CHUNK_CHARS = 1_000_000
_SPACE = re.compile(r"\s+")
# code points of the boundary bigrams' <s> and </s> (beyond Unicode), and the radix of a bigram key
_BOS, _EOS = 0x110000, 0x110001
_RADIX = 0x110002

# (words, PKU tags, entities as (label, start_char, end_char)) for one text, as in hanlp_layer
Analysis = Tuple[List[str], List[str], List[Tuple[str, int, int]]]


def default_precision() -> str:
    """Returns :data:`DEFAULT_PRECISION` where oneDNN runs bfloat16 on this CPU (AVX-512), else ``fp32``:
    without it bfloat16 LSTMs are emulated and slower than float32."""
    return DEFAULT_PRECISION if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


# ---------------------------------------------------------------------------------------------
# batching and decoding
# ---------------------------------------------------------------------------------------------
def exact_batches(lengths: Sequence[int], batch_size: int, max_tokens: int = EXACT_MAX_TOKENS) -> List[List[int]]:
    """Takes sequence lengths; returns HanLP's batches (``SortingSampler`` without a token cap): indices
    sorted by ``torch.argsort(descending=True)``, cut every ``batch_size``; a batch over ``max_tokens``
    padded positions is cut further, so that long sentences cannot exhaust memory."""
    order = torch.argsort(torch.tensor(list(lengths), dtype=torch.long), descending=True).tolist()
    out: List[List[int]] = []
    for k in range(0, len(order), batch_size):
        batch = order[k:k + batch_size]
        per = max(1, max_tokens // max(lengths[batch[0]], 1))
        out.extend(batch[j:j + per] for j in range(0, len(batch), per))
    return out


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int = MAX_BATCH_TOKENS,
                   ratio: float = BATCH_LENGTH_RATIO, min_size: int = MIN_BATCH_SIZE) -> List[List[int]]:
    """Takes sequence lengths; returns batches of indices sorted by length, longest first (ties in input
    order), each at most ``batch_size`` sequences and ``max_tokens`` padded positions (a longer sequence
    goes alone). A batch of at least ``min_size`` also ends where the length drops below ``ratio`` of its
    first: the padded LSTM computes padding positions too."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__, reverse=True)
    batches: List[List[int]] = []
    current: List[int] = []
    for i in order:
        if current and (len(current) >= batch_size or lengths[current[0]] * (len(current) + 1) > max_tokens
                        or (len(current) >= min_size and lengths[i] < ratio * lengths[current[0]])):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def viterbi(emissions: torch.Tensor, lengths: Sequence[int], start: torch.Tensor, end: torch.Tensor,
            transitions: torch.Tensor) -> np.ndarray:
    """Takes float32 emissions ``(batch, length, tags)`` of sequences sorted longest first, their lengths and
    the CRF's start, end and transition scores; returns the best tag paths as a ``(batch, length)`` array
    (zeros past each length). Scores are summed in HanLP's order, ``(score + transition) + emission``, and
    ties go to the first tag, so the paths are the ones HanLP's CRF finds."""
    batch = emissions.shape[0]
    lens = np.asarray(lengths)
    longest = int(lens[0])
    # active[i]: sequences still running at position i (a prefix, as the batch is sorted)
    active = [int(np.count_nonzero(lens > i)) for i in range(longest)]
    # transposed so that the maximum runs over the last, contiguous axis: total[b, to, from]
    into = transitions.t().contiguous()
    score = start + emissions[:, 0]
    history = torch.zeros((max(longest - 1, 0), batch, transitions.shape[0]), dtype=torch.long)
    for i in range(1, longest):
        n = active[i]
        total = (score[:n].unsqueeze(1) + into) + emissions[:n, i].unsqueeze(2)
        best, history[i - 1, :n] = total.max(dim=2)
        score[:n] = best
    score = score + end
    steps = history.numpy()
    current = score.max(dim=1)[1].numpy().copy()
    paths = np.zeros((batch, longest), dtype=np.int64)
    paths[np.arange(batch), lens - 1] = current
    for i in range(longest - 1, 0, -1):
        n = active[i]
        current[:n] = steps[i - 1, np.arange(n), current[:n]]
        paths[:n, i - 1] = current[:n]
    return paths


def bio_entities(tags: Sequence[str]) -> List[Tuple[str, int, int]]:
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


# ---------------------------------------------------------------------------------------------
# lookups
# ---------------------------------------------------------------------------------------------
def code_points(text: str) -> np.ndarray:
    """Takes a text; returns its code points as int64."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _symbol(token: str) -> Optional[int]:
    """The code of a one-character token, or of <s> / </s>; None for anything else."""
    if token == BOS:
        return _BOS
    if token == EOS:
        return _EOS
    return ord(token) if len(token) == 1 else None


class CharTable:
    """A vocabulary of single characters as an array indexed by code point."""

    def __init__(self, token_to_idx: Dict[str, int], unk: int) -> None:
        self.ids = np.full(_RADIX, unk, dtype=np.int64)
        for token, idx in token_to_idx.items():
            if len(token) == 1:
                self.ids[ord(token)] = idx

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        return self.ids[codes]


class PairTable:
    """A vocabulary of two-symbol strings (character bigrams, ``<s>c``, ``c</s>``, two-character affixes)
    looked up by an integer key ``first * radix + second``; ``extra`` maps other whole tokens to ids."""

    def __init__(self, token_to_idx: Dict[str, int], unk: int) -> None:
        keys, ids = [], []
        for token, idx in token_to_idx.items():
            pair = None
            if token.startswith(BOS) and len(token) == len(BOS) + 1:
                pair = (_BOS, ord(token[-1]))
            elif token.endswith(EOS) and len(token) == len(EOS) + 1:
                pair = (ord(token[0]), _EOS)
            elif len(token) == 2:
                pair = (ord(token[0]), ord(token[1]))
            if pair is not None:
                keys.append(pair[0] * _RADIX + pair[1])
                ids.append(idx)
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        self.keys = np.asarray(keys, dtype=np.int64)[order]
        self.values = np.asarray(ids, dtype=np.int64)[order]
        self.unk = unk
        self.token_to_idx = token_to_idx

    def __call__(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        keys = first * _RADIX + second
        if not len(self.keys):
            return np.full(keys.shape, self.unk, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[at] == keys, self.values[at], self.unk)


def _one_direction(lstm: nn.LSTM, suffix: str, dtype: torch.dtype) -> nn.LSTM:
    """Takes a one-layer bidirectional LSTM and ``""`` or ``"_reverse"``; returns that direction as a
    one-direction LSTM in ``dtype``."""
    one = nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(one, name).copy_(getattr(lstm, name + suffix))
    return one.to(dtype).eval().requires_grad_(False)


# ---------------------------------------------------------------------------------------------
# one component
# ---------------------------------------------------------------------------------------------
class CrfTagger:
    """One loaded BiLSTM-CRF component (tokenizer, tagger or recognizer), ready for batched inference.

    Its input is a list of id arrays per sequence: ``(chars, left bigrams, right bigrams)`` for the
    character models, ``(words, pre1, suf1, pre2, suf2)`` for the word model; the embedding of a
    position is the concatenation of those rows, exactly what the component's embedding module computes.
    """

    def __init__(self, component: Any, precision: str) -> None:
        """Takes a component loaded with ``hanlp.load`` (one of annotators.hanlp_components' classes) and a
        precision from :data:`PRECISIONS`. Raises ValueError for an architecture this engine does not run."""
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
        model = component.model
        model.eval()
        if model.embed_to_rnn is not None or model.crf is None or model.word_lstm.num_layers != 1:
            raise ValueError("the fast path runs one-layer BiLSTM-CRF models without an input projection")
        embed = model.embed
        vocabs = component.vocabs
        self.char_level = isinstance(embed, CharBigramModule)
        if self.char_level:
            chars = vocabs[embed.src]
            bigrams = vocabs["bigram"]
            self.chars = CharTable(chars.token_to_idx, chars.token_to_idx[chars.unk_token])
            self.bigrams = PairTable(bigrams.token_to_idx, bigrams.token_to_idx[bigrams.unk_token])
            # left and right bigram share one table, as in CharBigramModule.forward
            tables = [embed.char.weight, embed.bigram.weight, embed.bigram.weight]
        elif isinstance(embed, WordAffixModule):
            words = vocabs[embed.src]
            self.words = (words.token_to_idx, words.token_to_idx[words.unk_token])
            self.affixes = {}
            for name in embed.affix.keys():
                v = vocabs[name]
                unk = v.token_to_idx[v.unk_token]
                self.affixes[name] = (CharTable if name.endswith("1") else PairTable)(v.token_to_idx, unk)
            self.one_char = {n: vocabs[n].token_to_idx.get("<1>", vocabs[n].token_to_idx[vocabs[n].unk_token])
                             for n in ("pre2", "suf2") if n in self.affixes}
            tables = [embed.word.weight] + [emb.weight for emb in embed.affix.values()]
        else:
            raise ValueError(f"unsupported embedding {type(embed).__name__}")
        self.tags: List[str] = list(vocabs["tag"].idx_to_token)
        self.precision = precision
        self.lstm = model.word_lstm.requires_grad_(False)
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        # the rows are gathered straight into the LSTM's precision (a bfloat16 row is the rounded float32 row)
        self.tables = [t.detach().to(self.dtype) for t in tables]
        if precision != "exact":
            self.forward_lstm = _one_direction(self.lstm, "", self.dtype)
            self.backward_lstm = _one_direction(self.lstm, "_reverse", self.dtype)
        out = model.out
        hidden = self.lstm.hidden_size
        self.out = out.requires_grad_(False)
        self.out_forward = out.weight.detach()[:, :hidden].t().contiguous()
        self.out_backward = out.weight.detach()[:, hidden:].t().contiguous()
        self.out_bias = out.bias.detach()
        crf = model.crf
        self.crf = tuple(t.detach().float() for t in (crf.start_transitions, crf.end_transitions, crf.transitions))

    # -- ids ---------------------------------------------------------------------------------------
    def char_ids(self, codes: np.ndarray, spans: Sequence[Tuple[int, int]]) -> List[List[np.ndarray]]:
        """Takes the code points of a text (or of several, concatenated) and ``[start, end)`` spans in them;
        returns each span's ``[chars, left bigrams, right bigrams]`` ids, every span bounded by <s> and </s>."""
        if not spans:
            return []
        starts = np.fromiter((s for s, _ in spans), dtype=np.int64, count=len(spans))
        ends = np.fromiter((e for _, e in spans), dtype=np.int64, count=len(spans))
        lengths = ends - starts
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        # the spans' code points laid end to end
        index = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        c = codes[index]
        before = np.empty_like(c)
        before[1:] = c[:-1]
        before[offsets[:-1]] = _BOS
        after = np.empty_like(c)
        after[:-1] = c[1:]
        after[offsets[1:] - 1] = _EOS
        char = self.chars(c)
        left = self.bigrams(before, c)
        right = self.bigrams(c, after)
        return [[char[a:b], left[a:b], right[a:b]] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]

    def word_ids(self, words: Sequence[str], codes: np.ndarray, starts: np.ndarray) -> List[np.ndarray]:
        """Takes words, the code points they were cut from and each word's start in them; returns the ids
        of the words and of each affix (first/last one and two characters, ``<1>`` for one-character
        words, as annotators.hanlp_components.AffixTransform), each an array over all the words."""
        w2i, unk = self.words
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
        ends = starts + lengths
        first, last = codes[starts], codes[ends - 1]
        # the second and the second-to-last character; clipped for one-character words, masked below
        second, before_last = codes[np.minimum(starts + 1, ends - 1)], codes[np.maximum(ends - 2, starts)]
        single = lengths == 1
        out = [np.fromiter((w2i.get(w, unk) for w in words), dtype=np.int64, count=len(words))]
        for name, table in self.affixes.items():
            if name == "pre1":
                out.append(table(first))
            elif name == "suf1":
                out.append(table(last))
            elif name == "pre2":
                out.append(np.where(single, self.one_char[name], table(first, second)))
            else:
                out.append(np.where(single, self.one_char[name], table(before_last, last)))
        return out

    # -- network -----------------------------------------------------------------------------------
    def _embed(self, ids: List[List[np.ndarray]], batch: List[int], width: int) -> torch.Tensor:
        """Takes every sequence's id arrays, a batch of their indices (longest first) and its width; returns
        the embeddings ``(batch, width, dim)``, zeros at padding positions."""
        lengths = np.fromiter((len(ids[i][0]) for i in batch), dtype=np.int64, count=len(batch))
        mask = np.arange(width)[None, :] < lengths[:, None]
        parts = []
        for k, table in enumerate(self.tables):
            padded = np.zeros((len(batch), width), dtype=np.int64)
            padded[mask] = np.concatenate([ids[i][k] for i in batch])
            parts.append(table[torch.from_numpy(padded)])
        return torch.cat(parts, 2)

    def _emissions(self, x: torch.Tensor, lens: torch.Tensor) -> torch.Tensor:
        """Takes embeddings ``(batch, length, dim)`` sorted longest first and the lengths; returns the
        float32 emission scores ``(batch, length, tags)`` (padding positions hold anything)."""
        if self.precision == "exact":
            # HanLP's RNNTaggingModel.forward in eval mode (dropout is the identity)
            packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=True)
            out, _ = self.lstm(packed)
            return self.out(pad_packed_sequence(out, batch_first=True)[0])
        batch, length, dim = x.shape
        positions = torch.arange(length).unsqueeze(0)
        # each sequence reversed within its length; padding stays at the end, after every real position
        reverse = torch.where(positions < lens.unsqueeze(1), lens.unsqueeze(1) - 1 - positions, positions)
        rows = (reverse + torch.arange(batch).unsqueeze(1) * length).reshape(-1)
        fw, _ = self.forward_lstm(x)
        bw, _ = self.backward_lstm(x.reshape(-1, dim).index_select(0, rows).view(batch, length, dim))
        emissions = torch.addmm(self.out_bias, fw.reshape(-1, fw.shape[2]).float(), self.out_forward)
        emissions += (bw.reshape(-1, bw.shape[2]).float() @ self.out_backward).index_select(0, rows)
        return emissions.view(batch, length, -1)

    def _run(self, ids: List[List[np.ndarray]], batch: List[int]) -> np.ndarray:
        """Takes every sequence's id arrays and one batch of their indices (longest first); returns the
        batch's best paths ``(batch, width)``."""
        lengths = [len(ids[i][0]) for i in batch]
        # inference mode is per thread: entered here, where the work runs
        with torch.inference_mode():
            x = self._embed(ids, batch, lengths[0])
            return viterbi(self._emissions(x, torch.tensor(lengths)), lengths, *self.crf)

    def submit(self, ids: List[List[np.ndarray]], batches: List[List[int]],
               pool: Optional[Executor] = None) -> Callable[[], List[np.ndarray]]:
        """Takes each sequence's id arrays (non-empty sequences), batches of their indices (longest first)
        and optionally a thread pool to run the batches on; returns a function that returns each
        sequence's best tag ids, in input order (waiting for the pool's work)."""
        runs = ([pool.submit(self._run, ids, b) for b in batches] if pool is not None
                else [self._run(ids, b) for b in batches])

        def collect() -> List[np.ndarray]:
            out: List[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(ids)
            for batch, run in zip(batches, runs):
                paths = run.result() if pool is not None else run
                for row, i in enumerate(batch):
                    out[i] = paths[row, :len(ids[i][0])]
            return out
        return collect


# ---------------------------------------------------------------------------------------------
# the three together
# ---------------------------------------------------------------------------------------------
def chunks(sizes: Sequence[int], limit: int = CHUNK_CHARS) -> List[Tuple[int, int]]:
    """Takes the sizes of consecutive items; returns ``[start, end)`` index ranges of about ``limit`` in
    total each (a larger item is a chunk of its own)."""
    out: List[Tuple[int, int]] = []
    start, total = 0, 0
    for i, n in enumerate(sizes):
        if i > start and total + n > limit:
            out.append((start, i))
            start, total = i, 0
        total += n
    if start < len(sizes):
        out.append((start, len(sizes)))
    return out


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
        """Takes the three loaded components; returns them ready for :meth:`analyse`. Raises ValueError for
        an unknown precision or a batch size or thread count below 1."""
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

    def _recognize_submit(self, texts: Sequence[str], codes: np.ndarray, text_starts: List[int],
                          pool: Optional[Executor]) -> Callable[[], List[List[Tuple[str, int, int]]]]:
        """Starts the recognizer on texts whose code points lie end to end in ``codes``; returns a function
        that returns their entities."""
        nonempty = [i for i, t in enumerate(texts) if t]
        ids = self.ner.char_ids(codes, [(text_starts[i], text_starts[i + 1]) for i in nonempty])
        done = self.ner.submit(ids, self._batches([len(texts[i]) for i in nonempty]), pool)
        names = self.ner.tags

        def collect() -> List[List[Tuple[str, int, int]]]:
            entities: List[List[Tuple[str, int, int]]] = [[] for _ in texts]
            for i, path in zip(nonempty, done()):
                entities[i] = bio_entities([names[t] for t in path.tolist()])
            return entities
        return collect

    def _segment(self, texts: Sequence[str], codes: np.ndarray, text_starts: List[int],
                 pool: Optional[Executor]) -> List[List[Tuple[int, int]]]:
        """Segments texts whose code points lie end to end in ``codes``; returns each text's word spans in
        ``codes``. Whitespace runs are words of their own; the tokenizer sees the runs between them."""
        pieces: List[Tuple[int, int]] = []
        layout: List[List[Tuple[bool, Any]]] = []
        for text, base in zip(texts, text_starts):
            parts: List[Tuple[bool, Any]] = []
            pos = 0
            for m in _SPACE.finditer(text):
                if m.start() > pos:
                    parts.append((True, len(pieces)))
                    pieces.append((base + pos, base + m.start()))
                parts.append((False, (base + m.start(), base + m.end())))
                pos = m.end()
            if pos < len(text):
                parts.append((True, len(pieces)))
                pieces.append((base + pos, base + len(text)))
            layout.append(parts)
        ids = self.tok.char_ids(codes, pieces)
        paths = self.tok.submit(ids, self._batches([e - s for s, e in pieces]), pool)()
        # a word starts at every B or S after a piece's first character (HanLP's bmes_to_words)
        starts_word = np.asarray([t in ("B", "S") for t in self.tok.tags])
        spans: List[List[Tuple[int, int]]] = []
        for parts in layout:
            bounds: List[Tuple[int, int]] = []
            for is_text, val in parts:
                if not is_text:
                    bounds.append(val)
                    continue
                s, e = pieces[val]
                cuts = np.flatnonzero(starts_word[paths[val][1:]]) + 1 + s
                edges = [s, *cuts.tolist(), e]
                bounds.extend(zip(edges[:-1], edges[1:]))
            spans.append(bounds)
        return spans

    def _tag(self, words: Sequence[List[str]], spans: Sequence[List[Tuple[int, int]]], codes: np.ndarray,
             pool: Optional[Executor]) -> List[List[str]]:
        """Tags word lists whose spans in ``codes`` are given; returns the PKU tags ([] for no words)."""
        nonempty = [i for i, ws in enumerate(words) if ws]
        flat_words = [w for i in nonempty for w in words[i]]
        flat_starts = np.fromiter((s for i in nonempty for s, _ in spans[i]), dtype=np.int64, count=len(flat_words))
        columns = self.pos.word_ids(flat_words, codes, flat_starts) if flat_words else []
        ids: List[List[np.ndarray]] = []
        k = 0
        for i in nonempty:
            n = len(words[i])
            ids.append([col[k:k + n] for col in columns])
            k += n
        paths = self.pos.submit(ids, self._batches([len(words[i]) for i in nonempty]), pool)()
        names = self.pos.tags
        tags: List[List[str]] = [[] for _ in words]
        for i, path in zip(nonempty, paths):
            tags[i] = [names[t] for t in path.tolist()]
        return tags

    def _analyse_chunk(self, texts: Sequence[str], pool: Optional[Executor]) -> List[Analysis]:
        joined = "".join(texts)
        codes = code_points(joined)
        text_starts = np.cumsum([0] + [len(t) for t in texts]).tolist()
        # the recognizer needs only the text: its batches go first, to run beside the tokenizer's
        entities = self._recognize_submit(texts, codes, text_starts, pool)
        spans = self._segment(texts, codes, text_starts, pool)
        words = [[joined[s:e] for s, e in bounds] for bounds in spans]
        for text, ws in zip(texts, words):
            if "".join(ws) != text:
                raise RuntimeError(f"segmenter output does not join back to its input: {text[:40]!r}")
        # every word is tagged, whitespace ones too (as the build does), then whitespace is tagged 'w'
        tags = self._tag(words, spans, codes, pool)
        tags = [["w" if w.isspace() else t for w, t in zip(ws, ts)] for ws, ts in zip(words, tags)]
        return [(w, t, e) for w, t, e in zip(words, tags, entities())]

    def _over_chunks(self, items: Sequence[Any], work: Callable[[Sequence[Any], Optional[Executor]], list],
                     size: Callable[[Any], int] = len) -> list:
        """Runs ``work(chunk, pool)`` over chunks of ``items`` of about :data:`CHUNK_CHARS` characters
        (``size`` counts an item's; ``exact``: one chunk, as in the build); returns the results in order."""
        items = list(items)
        ranges = [(0, len(items))] if self.precision == "exact" else chunks([size(x) for x in items])
        if self.threads == 1:
            return [r for lo, hi in ranges for r in work(items[lo:hi], None)]
        # one torch thread per worker (the caller sets it): the workers are the parallelism
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="nmg-annotate") as pool:
            return [r for lo, hi in ranges for r in work(items[lo:hi], pool)]

    def analyse(self, texts: Sequence[str]) -> List[Analysis]:
        """Takes normalized simplified texts; returns ``(words, PKU tags, entities)`` per text, entities
        sorted, as :func:`annotators.hanlp_layer.analyse_with` does (whitespace runs are words tagged ``w``).
        The texts go in chunks of about :data:`CHUNK_CHARS` characters (``exact``: one chunk, as in the
        build); with ``threads`` > 1 each chunk's batches run on that many threads. Batches depend on
        the input only, so the output does not depend on the thread count."""
        return self._over_chunks(texts, self._analyse_chunk)

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        """Takes normalized simplified texts; returns their words (the tokenizer alone)."""
        def work(part: Sequence[str], pool: Optional[Executor]) -> List[List[str]]:
            joined = "".join(part)
            starts = np.cumsum([0] + [len(t) for t in part]).tolist()
            return [[joined[s:e] for s, e in b] for b in self._segment(part, code_points(joined), starts, pool)]
        return self._over_chunks(texts, work)

    def tag(self, sentences: Sequence[List[str]]) -> List[List[str]]:
        """Takes word lists; returns their PKU tags (the tagger alone, on the words as given)."""
        def work(part: Sequence[List[str]], pool: Optional[Executor]) -> List[List[str]]:
            flat = [w for ws in part for w in ws]
            starts = np.cumsum([0] + [len(w) for w in flat]).tolist()
            spans, k = [], 0
            for ws in part:
                spans.append([(starts[k + j], starts[k + j + 1]) for j in range(len(ws))])
                k += len(ws)
            return self._tag(part, spans, code_points("".join(flat)), pool)
        return self._over_chunks(sentences, work, lambda ws: sum(map(len, ws)))

    def recognize(self, texts: Sequence[str]) -> List[List[Tuple[str, int, int]]]:
        """Takes normalized simplified texts; returns their PER/LOC/ORG spans (the recognizer alone)."""
        def work(part: Sequence[str], pool: Optional[Executor]) -> List[List[Tuple[str, int, int]]]:
            joined = "".join(part)
            starts = np.cumsum([0] + [len(t) for t in part]).tolist()
            return self._recognize_submit(part, code_points(joined), starts, pool)()
        return self._over_chunks(texts, work)
