"""Train a small BiLSTM-CRF sequence tagger (PyTorch, CPU) on any Hub-style token-classification folder.

Reads ``tokens`` and one ClassLabel sequence column (``--label-column``) from ``--data`` /
``--config``, trains on ``train``, keeps the epoch with the best ``validation`` score and reports on
``test``: seqeval strict IOB2 for BIO columns (``ner_tags``), token accuracy and a per-tag table
for tag columns (``pos_tags``, ``upos``). The same script reads folders shaped like
``peoples_daily_ner`` (``tokens`` + ``ner_tags``).

    python scripts/train_bilstm_crf.py --config char_ner --label-column ner_tags --out work-data/runs/bilstm_char_ner.json
    python scripts/train_bilstm_crf.py --config default --label-column upos --epochs 1
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # annotators/ is importable without installing the package

import torch  # noqa: E402
from torch import nn  # noqa: E402

from annotators.teaching import (is_bio, load_tagging_data, report_and_save, seqeval_scores,  # noqa: E402
                                 token_scores)

PAD, UNK = "<pad>", "<unk>"


@dataclass
class BiLSTMSettings:
    """Settings of one training run (written to the output JSON as they were used)."""

    data: str = str(REPO / "corpus" / "hf")
    config: Optional[str] = "char_ner"
    label_column: str = "ner_tags"
    epochs: int = 25
    seed: int = 13
    threads: int = 1
    batch_size: int = 8  # more updates per epoch: the train split has only a few hundred sentences
    embedding_dim: int = 64
    hidden_dim: int = 96
    dropout: float = 0.3
    lr: float = 3e-3
    unk_rate: float = 0.05


class CRF(nn.Module):
    """A linear-chain CRF with start/end transitions, batched over padded sequences (mask: bool, B x T)."""

    def __init__(self, n_tags: int) -> None:
        super().__init__()
        self.trans = nn.Parameter(torch.zeros(n_tags, n_tags))  # trans[i, j]: score of tag i -> tag j
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Takes emissions (B x T x K), gold tags (B x T) and mask; returns the mean negative log-likelihood."""
        return (self._log_partition(emissions, mask) - self._gold_score(emissions, tags, mask)).mean()

    def _gold_score(self, em: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        maskf = mask.float()
        emit = em.gather(2, tags.unsqueeze(2)).squeeze(2)                     # B x T
        trans = self.trans[tags[:, :-1], tags[:, 1:]]                         # B x T-1
        score = self.start[tags[:, 0]] + (emit * maskf).sum(1) + (trans * maskf[:, 1:]).sum(1)
        last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        return score + self.end[last]

    def _log_partition(self, em: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        alpha = self.start + em[:, 0]                                        # B x K
        for t in range(1, em.size(1)):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.trans + em[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)          # padding keeps the last alpha
        return torch.logsumexp(alpha + self.end, dim=1)

    def decode(self, em: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Viterbi: takes emissions and mask; returns the best tag sequence of each sentence (unpadded)."""
        score = self.start + em[:, 0]
        back = []
        for t in range(1, em.size(1)):
            best, idx = (score.unsqueeze(2) + self.trans).max(dim=1)         # B x K
            nxt = best + em[:, t]
            m = mask[:, t].unsqueeze(1)
            score = torch.where(m, nxt, score)
            # on padding, point each tag to itself so the backtrace passes through unchanged
            back.append(torch.where(m, idx, torch.arange(em.size(2)).expand_as(idx)))
        score = score + self.end
        best_last = score.argmax(1)
        paths = [best_last]
        for idx in reversed(back):
            paths.append(idx.gather(1, paths[-1].unsqueeze(1)).squeeze(1))
        full = torch.stack(paths[::-1], dim=1)                                # B x T
        return [full[b, : int(n)].tolist() for b, n in enumerate(mask.sum(1))]


class BiLSTMCRF(nn.Module):
    """Token embedding + first/last-character embeddings -> BiLSTM -> linear emissions -> CRF.

    The character embeddings let word-level configs (whose test words are often unseen) fall back
    on a word's first and last character, which carry much of its class in Chinese.
    """

    def __init__(self, n_words: int, n_chars: int, n_tags: int, s: BiLSTMSettings) -> None:
        super().__init__()
        self.words = nn.Embedding(n_words, s.embedding_dim, padding_idx=0)
        self.chars = nn.Embedding(n_chars, s.embedding_dim // 2, padding_idx=0)
        self.drop = nn.Dropout(s.dropout)
        self.lstm = nn.LSTM(2 * s.embedding_dim, s.hidden_dim, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * s.hidden_dim, n_tags)
        self.crf = CRF(n_tags)

    def emissions(self, w: torch.Tensor, c1: torch.Tensor, c2: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Takes word, first-char and last-char ids (B x T) and mask; returns emission scores (B x T x K)."""
        x = torch.cat([self.words(w), self.chars(c1), self.chars(c2)], dim=2)
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(x), mask.sum(1).cpu(), batch_first=True,
                                                   enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=w.size(1))
        return self.out(self.drop(h))


class Vocab:
    """String-to-id table with <pad>=0 and <unk>=1, built from the training split only."""

    def __init__(self, items: Sequence[str]) -> None:
        self.itos = [PAD, UNK, *sorted(set(items))]
        self.stoi = {s: i for i, s in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def ids(self, items: Sequence[str]) -> list[int]:
        """Takes strings; returns their ids, <unk> for unknown ones."""
        return [self.stoi.get(x, 1) for x in items]


def _batch(sents: list[tuple], words: Vocab, chars: Vocab, unk_rate: float = 0.0,
           rng: Optional[random.Random] = None) -> tuple[torch.Tensor, ...]:
    """Pads a list of (tokens, tag ids) into tensors; replaces rare-ish words by <unk> at unk_rate."""
    T = max(len(t) for t, _ in sents)
    w = torch.zeros(len(sents), T, dtype=torch.long)
    c1, c2, y = w.clone(), w.clone(), w.clone()
    mask = torch.zeros(len(sents), T, dtype=torch.bool)
    for b, (toks, tags) in enumerate(sents):
        ids = words.ids(toks)
        if rng is not None and unk_rate:
            ids = [1 if rng.random() < unk_rate else i for i in ids]  # teaches the model what <unk> means
        n = len(toks)
        w[b, :n] = torch.tensor(ids)
        c1[b, :n] = torch.tensor(chars.ids([t[:1] for t in toks]))
        c2[b, :n] = torch.tensor(chars.ids([t[-1:] for t in toks]))
        y[b, :n] = torch.tensor(tags)
        mask[b, :n] = True
    return w, c1, c2, y, mask


def _predict(model: BiLSTMCRF, sents: list[tuple], words: Vocab, chars: Vocab, batch_size: int) -> list[list[int]]:
    model.eval()
    out: list[list[int]] = []
    with torch.no_grad():
        for i in range(0, len(sents), batch_size):
            w, c1, c2, _, mask = _batch(sents[i:i + batch_size], words, chars)
            out.extend(model.crf.decode(model.emissions(w, c1, c2, mask), mask))
    return out


def _score(gold: list[list[int]], pred: list[list[int]], names: list[str], bio: bool) -> dict:
    g = [[names[i] for i in s] for s in gold]
    p = [[names[i] for i in s] for s in pred]
    return seqeval_scores(g, p) if bio else token_scores(g, p)


def train_bilstm_crf(s: BiLSTMSettings) -> dict:
    """Takes the settings; trains, picks the best epoch on validation, scores on test. Returns the record."""
    torch.set_num_threads(s.threads)  # the machine's cores are shared with other jobs
    random.seed(s.seed)
    torch.manual_seed(s.seed)
    rng = random.Random(s.seed)
    ds, names = load_tagging_data(Path(s.data), s.config, s.label_column)
    bio = is_bio(names)
    metric = "f1" if bio else "accuracy"
    splits = {k: [(list(t), list(y)) for t, y in zip(ds[k]["tokens"], ds[k][s.label_column]) if t]
              for k in ("train", "validation", "test")}
    train_tokens = [tok for toks, _ in splits["train"] for tok in toks]
    words = Vocab(train_tokens)
    chars = Vocab([ch for tok in set(train_tokens) for ch in tok])
    model = BiLSTMCRF(len(words), len(chars), len(names), s)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)

    history, best = [], (-1.0, 0, None)
    t0 = time.perf_counter()
    for epoch in range(1, s.epochs + 1):
        model.train()
        order = list(range(len(splits["train"])))
        rng.shuffle(order)
        total = 0.0
        for i in range(0, len(order), s.batch_size):
            w, c1, c2, y, mask = _batch([splits["train"][j] for j in order[i:i + s.batch_size]], words, chars,
                                        s.unk_rate, rng)
            loss = model.crf.nll(model.emissions(w, c1, c2, mask), y, mask)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item() * w.size(0)
        val = _score([y for _, y in splits["validation"]],
                     _predict(model, splits["validation"], words, chars, s.batch_size), names, bio)
        history.append({"epoch": epoch, "train_loss": round(total / len(order), 4),
                        f"validation_{metric}": round(val[metric], 4), "seconds": round(time.perf_counter() - t0, 1)})
        print(f"epoch {epoch:3d}  loss {total / len(order):9.4f}  validation {metric} {val[metric]:.4f}", flush=True)
        if val[metric] > best[0]:
            best = (val[metric], epoch, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    test = _score([y for _, y in splits["test"]], _predict(model, splits["test"], words, chars, s.batch_size),
                  names, bio)
    return {
        "script": "scripts/train_bilstm_crf.py",
        "model": "BiLSTM-CRF (PyTorch): token + first/last character embeddings",
        "settings": asdict(s),
        "seed": s.seed,
        "labels": names,
        "scheme": "IOB2 (seqeval strict)" if bio else "tags (token accuracy)",
        "sentences": {k: len(v) for k, v in splits.items()},
        "vocabulary": {"tokens": len(words), "characters": len(chars),
                       "test_oov_rate": round(sum(t not in words.stoi for toks, _ in splits["test"] for t in toks)
                                              / max(1, sum(len(toks) for toks, _ in splits["test"])), 4)},
        "epochs": history,
        "best_epoch": best[1],
        f"best_validation_{metric}": round(best[0], 4),
        "train_seconds": round(time.perf_counter() - t0, 1),
        "test": {k: v for k, v in test.items() if k != "report"},
        "test_report": test["report"],
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: parses options, runs :func:`train_bilstm_crf`, prints the test report, writes ``--out``."""
    d = BiLSTMSettings()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path(d.data), help="Hub-style dataset folder (default: corpus/hf)")
    p.add_argument("--config", default=d.config,
                   help="dataset config: char_ner or default for this corpus; 'none' for a folder's only config")
    p.add_argument("--label-column", default=d.label_column, help="ClassLabel sequence column: ner_tags, pos_tags, upos")
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--threads", type=int, default=d.threads, help="torch CPU threads (default 1: the cores are shared)")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--out", type=Path, default=REPO / "work-data" / "runs" / "bilstm_crf.json", help="result JSON")
    a = p.parse_args(argv)
    if a.epochs < 1:
        p.error("--epochs must be at least 1")
    if not a.data.is_dir():
        print(f"error: dataset folder {a.data} does not exist: build it with `make corpus`, "
              "or pass --data FOLDER", file=sys.stderr)
        return 2
    s = BiLSTMSettings(data=str(a.data.resolve()), config=None if a.config.lower() == "none" else a.config,
                       label_column=a.label_column, epochs=a.epochs, seed=a.seed, threads=a.threads,
                       batch_size=a.batch_size, lr=a.lr)
    return report_and_save(lambda: train_bilstm_crf(s), a.out,
                           lambda r: f"\nbest epoch {r['best_epoch']}; test ({r['scheme']}):")


if __name__ == "__main__":
    sys.exit(main())
