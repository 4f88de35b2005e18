"""HanLP 2.1.5 BiLSTM-CRF components with the four known bugs fixed, plus small embeddings.

The bugs (see ``shared/guides/hanlp-notes.md``; site-packages is never edited):

1. ``hanlp/components/taggers/rnn/rnntaggingmodel.py:66`` builds ``CRF(n_out, crf_constraints)``
   so ``batch_first`` is falsy: fixed by setting ``model.crf.batch_first = True`` after build.
2. ``hanlp/components/tokenizers/tok.py:34`` appends ``config.transform`` even when it is ``None``.
3. ``tok.py:36`` appends the ``[vocabs]`` list as one transform (``'list' object is not callable``).
4. ``tok.py:42`` ``update_metrics`` lacks the ``prediction`` argument that ``rnn_tagger.py:101`` passes.

Also added, because training time is the constraint here: a checkpoint per epoch, an optional
wall-clock budget, and no Viterbi decoding of training batches (the training metric is unused).
Models saved by these classes load with ``hanlp.load(folder)`` as long as this module is importable.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from typing import Any, Callable, Dict, List, Optional

import torch
from torch import nn
from torch.utils.data import DataLoader

from hanlp.common.transform import TransformList
from hanlp.common.vocab import Vocab
from hanlp.components.ner.rnn_ner import RNNNamedEntityRecognizer
from hanlp.components.taggers.rnn_tagger import RNNTagger
from hanlp.components.tokenizers.tok import RNNTokenizer
from hanlp.datasets.tokenization.loaders.chunking_dataset import ChunkingDataset
from hanlp.layers.embeddings.embedding import Embedding, EmbeddingDim

BOS, EOS = "<s>", "</s>"


# ---------------------------------------------------------------------------------------------
# Transforms (classes, not lambdas: a lambda saved into a component's config breaks reloading)
# ---------------------------------------------------------------------------------------------
class BigramTransform:
    """Adds ``bigram``: n+1 boundary bigrams for n characters (``<s>c0, c0c1, ..., c_{n-1}</s>``)."""

    def __init__(self, src: str) -> None:
        self.src = src

    def __call__(self, sample: dict) -> dict:
        chars = sample.get(self.src)
        if chars is not None:
            padded = [BOS] + list(chars) + [EOS]
            sample["bigram"] = [a + b for a, b in zip(padded, padded[1:])]
        return sample

    def __eq__(self, other: object) -> bool:
        # build_dataloader only inserts a transform that is not already present
        return isinstance(other, BigramTransform) and other.src == self.src


class AffixTransform:
    """Adds ``pre1``/``suf1``/``pre2``/``suf2`` (first/last one and two characters of each word)."""

    def __init__(self, src: str) -> None:
        self.src = src

    def __call__(self, sample: dict) -> dict:
        words = sample.get(self.src)
        if words is not None:
            sample["pre1"] = [w[:1] for w in words]
            sample["suf1"] = [w[-1:] for w in words]
            sample["pre2"] = [w[:2] if len(w) > 1 else "<1>" for w in words]
            sample["suf2"] = [w[-2:] if len(w) > 1 else "<1>" for w in words]
        return sample

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AffixTransform) and other.src == self.src


# ---------------------------------------------------------------------------------------------
# Embedding modules
# ---------------------------------------------------------------------------------------------
class CharBigramModule(nn.Module, EmbeddingDim):
    """Character embedding concatenated with the left and the right character bigram embeddings."""

    def __init__(self, src: str, n_chars: int, n_bigrams: int, char_dim: int, bigram_dim: int) -> None:
        super().__init__()
        self.src = src
        self.char = nn.Embedding(n_chars, char_dim, padding_idx=0)
        self.bigram = nn.Embedding(n_bigrams, bigram_dim, padding_idx=0)

    @property
    def embedding_dim(self) -> int:
        return self.char.embedding_dim + 2 * self.bigram.embedding_dim

    def forward(self, batch: dict, mask: torch.Tensor = None, **kwargs) -> torch.Tensor:
        """Takes the padded batch; returns ``(batch, length, dim)`` embeddings."""
        chars = batch[f"{self.src}_id"]
        bigrams = self.bigram(batch["bigram_id"])
        # bigram position i is (c[i-1], c[i]) and i+1 is (c[i], c[i+1])
        return torch.cat([self.char(chars), bigrams[:, :-1], bigrams[:, 1:]], -1)


class WordAffixModule(nn.Module, EmbeddingDim):
    """Word embedding plus affix-character embeddings, with word dropout to UNK while training."""

    def __init__(self, src: str, n_words: int, n_affix: Dict[str, int], word_dim: int, affix_dim: int,
                 unk_idx: int, word_dropout: float) -> None:
        super().__init__()
        self.src = src
        self.word = nn.Embedding(n_words, word_dim, padding_idx=0)
        self.affix = nn.ModuleDict({k: nn.Embedding(n, affix_dim, padding_idx=0) for k, n in n_affix.items()})
        self.unk_idx = unk_idx
        self.word_dropout = word_dropout

    @property
    def embedding_dim(self) -> int:
        return self.word.embedding_dim + len(self.affix) * next(iter(self.affix.values())).embedding_dim

    def forward(self, batch: dict, mask: torch.Tensor = None, **kwargs) -> torch.Tensor:
        """Takes the padded batch; returns ``(batch, length, dim)`` embeddings."""
        words = batch[f"{self.src}_id"]
        if self.training and self.word_dropout:
            # teach the UNK vector from real contexts so unknown words lean on their affixes
            drop = torch.rand(words.shape, device=words.device) < self.word_dropout
            words = words.masked_fill(drop & words.gt(0), self.unk_idx)
        parts = [self.word(words)] + [emb(batch[f"{k}_id"]) for k, emb in self.affix.items()]
        return torch.cat(parts, -1)


class _VocabEmbedding(Embedding):
    """An embedding builder that declares extra vocabularies, pruned by frequency."""

    def extra_vocab_fields(self) -> Dict[str, int]:
        """Returns ``{field: min_freq}`` for the vocabularies this embedding needs."""
        raise NotImplementedError


class CharBigramEmbedding(_VocabEmbedding):
    def __init__(self, src: str = "char", char_dim: int = 100, bigram_dim: int = 50,
                 bigram_min_freq: int = 3) -> None:
        """Character + bigram embedding builder; bigrams seen fewer than ``bigram_min_freq`` times are UNK."""
        super().__init__()
        self.src = src
        self.char_dim = char_dim
        self.bigram_dim = bigram_dim
        self.bigram_min_freq = bigram_min_freq

    def extra_vocab_fields(self) -> Dict[str, int]:
        return {"bigram": self.bigram_min_freq}

    def transform(self, **kwargs) -> Optional[Callable]:
        return BigramTransform(self.src)

    def module(self, vocabs=None, **kwargs) -> nn.Module:
        return CharBigramModule(self.src, len(vocabs[self.src]), len(vocabs["bigram"]), self.char_dim,
                                self.bigram_dim)


class WordAffixEmbedding(_VocabEmbedding):
    def __init__(self, src: str = "token", word_dim: int = 100, affix_dim: int = 30, word_min_freq: int = 2,
                 affix_min_freq: int = 2, word_dropout: float = 0.05) -> None:
        """Word + first/last character(s) embedding builder for a word-level tagger."""
        super().__init__()
        self.src = src
        self.word_dim = word_dim
        self.affix_dim = affix_dim
        self.word_min_freq = word_min_freq
        self.affix_min_freq = affix_min_freq
        self.word_dropout = word_dropout

    def extra_vocab_fields(self) -> Dict[str, int]:
        fields = {k: self.affix_min_freq for k in ("pre1", "suf1", "pre2", "suf2")}
        fields[self.src] = self.word_min_freq
        return fields

    def transform(self, **kwargs) -> Optional[Callable]:
        return AffixTransform(self.src)

    def module(self, vocabs=None, **kwargs) -> nn.Module:
        n_affix = {k: len(vocabs[k]) for k in ("pre1", "suf1", "pre2", "suf2")}
        return WordAffixModule(self.src, len(vocabs[self.src]), n_affix, self.word_dim, self.affix_dim,
                               vocabs[self.src].unk_idx, self.word_dropout)


# ---------------------------------------------------------------------------------------------
# Component mixin
# ---------------------------------------------------------------------------------------------
class _FixedRNNMixin:
    """Shared fixes and training conveniences for the RNN tagger family."""

    def build_model(self, rnn_input, rnn_hidden, drop, crf, **kwargs) -> torch.nn.Module:
        model = super().build_model(rnn_input, rnn_hidden, drop, crf, **kwargs)
        if getattr(model, "crf", None) is not None:
            # bug 1: CRF(n_out, crf_constraints) put the constraints into batch_first
            model.crf.batch_first = True
        return model

    def build_vocabs(self, dataset, logger):
        """Builds tag/token vocabularies, plus frequency-pruned ones an embedding declares."""
        key = self.config.token_key
        self.vocabs.tag = Vocab(unk_token=None, pad_token=None)
        embed = self._convert_embed()
        extra = embed.extra_vocab_fields() if isinstance(embed, _VocabEmbedding) else {}
        if key not in extra:
            self.vocabs[key] = Vocab()
        counters = {f: Counter() for f in extra}
        for each in dataset:
            for f, c in counters.items():
                c.update(each[f])
        for f, min_freq in extra.items():
            vocab = Vocab()
            for token, n in counters[f].most_common():
                if n < min_freq:
                    break
                vocab.add(token)
            self.vocabs[f] = vocab
        self.vocabs.lock()
        self.vocabs.summary(logger)

    def fit_dataloader(self, trn: DataLoader, criterion, optimizer, metric, logger: logging.Logger,
                       ratio_width=None, **kwargs):
        """One epoch of training without decoding training batches; returns the mean loss."""
        self.model.train()
        total, n = 0.0, 0
        for batch in trn:
            optimizer.zero_grad()
            out, mask = self.feed_batch(batch)
            loss = self.compute_loss(criterion, out, batch["tag_id"], mask)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            optimizer.step()
            total += loss.item()
            n += 1
        return total / max(n, 1)

    def execute_training_loop(self, trn: DataLoader, dev: DataLoader, epochs, criterion, optimizer, metric,
                              save_dir, logger, patience, **kwargs):
        """Trains with early stopping on ``dev``; saves ``epochs/epoch_N.pt`` every epoch and the best as
        ``model.pt``; stops early when ``config.max_minutes`` of wall clock is spent."""
        from torch.optim.lr_scheduler import ReduceLROnPlateau
        from hanlp_common.util import merge_dict
        criterion = self.build_criterion()
        scheduler = self.build_scheduler(**merge_dict(self.config, optimizer=optimizer, overwrite=True))
        max_minutes = self.config.get("max_minutes") or 0
        patience = patience or epochs
        start = time.time()
        best_e, best = 0, -1.0
        history = []
        os.makedirs(os.path.join(save_dir, "epochs"), exist_ok=True)
        for epoch in range(1, epochs + 1):
            t0 = time.time()
            loss = self.fit_dataloader(trn, criterion, optimizer, metric, logger)
            _, dev_metric = self.evaluate_dataloader(dev, criterion, logger)
            score = float(dev_metric.score)
            if scheduler is not None:
                scheduler.step(score) if isinstance(scheduler, ReduceLROnPlateau) else scheduler.step(epoch)
            self.save_weights(os.path.join(save_dir, "epochs"), filename=f"epoch_{epoch}.pt")
            if score > best:
                best_e, best = epoch, score
                self.save_weights(save_dir)
            history.append({"epoch": epoch, "loss": round(loss, 4), "dev": round(score, 5),
                            "lr": optimizer.param_groups[0]["lr"], "seconds": round(time.time() - t0, 1)})
            logger.info(f"epoch {epoch}: loss {loss:.4f} dev {score:.4%} best {best:.4%}@{best_e} "
                        f"lr {optimizer.param_groups[0]['lr']:.2e} {time.time() - t0:.0f}s")
            with open(os.path.join(save_dir, "history.json"), "w", encoding="utf-8") as out:
                json.dump(history, out, indent=1)
            if epoch - best_e >= patience:
                logger.info("early stop: patience spent")
                break
            elapsed = (time.time() - start) / 60
            if max_minutes and elapsed + elapsed / epoch > max_minutes:
                logger.info(f"stop: time budget of {max_minutes} minutes would be exceeded")
                break
        self.load_weights(save_dir)
        self.config.best_epoch = best_e
        self.config.best_dev = best
        self.config.epochs_run = len(history)
        self.config.train_minutes = round((time.time() - start) / 60, 2)
        self.save_config(save_dir)
        logger.info(f"best dev {best:.4%} at epoch {best_e}")
        return best


class FixedRNNTagger(_FixedRNNMixin, RNNTagger):
    """``RNNTagger`` with the CRF fix (word-level POS tagging)."""


class FixedRNNTokenizer(_FixedRNNMixin, RNNTokenizer):
    """``RNNTokenizer`` with the CRF fix and the three ``tok.py`` fixes."""

    def build_dataset(self, data, transform=None):
        dataset = ChunkingDataset(data)
        # bug 2: config.transform may be stored as None
        if self.config.get("transform"):
            dataset.append_transform(self.config.transform)
        # bug 3: rnn_tagger passes transform=[vocabs], a list, not a callable
        if transform:
            for each in (transform if isinstance(transform, (list, tuple)) else [transform]):
                dataset.append_transform(each)
        return dataset

    def update_metrics(self, metric, logits, y, mask, batch, prediction=None):
        # bug 4: rnn_tagger.py:101 passes prediction, tok.py:42 did not accept it
        pred = self.decode_output(logits, mask, batch) if prediction is None else prediction
        metric(self._id_to_tags(pred), batch["tag"])

    def predict(self, sentence: Any, batch_size: int = None, **kwargs):
        """Takes a string or a list of strings; returns a list of words or a list of lists of words."""
        flat = isinstance(sentence, str)
        sentences = [sentence] if flat else list(sentence)
        # the stock predict mutates its input list in place
        chars = [list(s) for s in sentences]
        nonempty = [i for i, c in enumerate(chars) if c]
        words: List[List[str]] = [[] for _ in chars]
        if nonempty:
            outputs = RNNTagger.predict(self, [chars[i] for i in nonempty], batch_size, **kwargs)
            for i, out in zip(nonempty, outputs):
                words[i] = out
        return words[0] if flat else words


class FixedRNNNamedEntityRecognizer(_FixedRNNMixin, RNNNamedEntityRecognizer):
    """``RNNNamedEntityRecognizer`` with the CRF fix."""

    def predict(self, tokens: Any, batch_size: int = None, **kwargs):
        """Takes a list of characters or a list of such lists; returns ``(text, label, start, end)`` tuples."""
        flat = bool(tokens) and isinstance(tokens[0], str)
        batch = [tokens] if flat else list(tokens)
        nonempty = [i for i, t in enumerate(batch) if len(t)]
        out: List[list] = [[] for _ in batch]
        if nonempty:
            preds = RNNNamedEntityRecognizer.predict(self, [list(batch[i]) for i in nonempty], batch_size, **kwargs)
            for i, p in zip(nonempty, preds):
                out[i] = p
        return out[0] if flat else out
