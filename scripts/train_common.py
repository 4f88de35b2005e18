"""Shared helpers for the training scripts: argument defaults, threads, shipping a model folder."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    # the saved configs name classes in annotators.*, so the repo root must be importable
    sys.path.insert(0, str(REPO))

#: files a HanLP component folder needs; checkpoints and logs stay in the work folder
SHIP_FILES = ("config.json", "vocabs.json", "model.pt")


def base_parser(description: str, name: str) -> argparse.ArgumentParser:
    """Takes a description and a model name; returns a parser with the options every script shares."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora",
                   help="folder holding the shared corpora (default: ../shared/corpora)")
    p.add_argument("--out", type=Path, default=REPO / "models" / name, help="shipped model folder")
    p.add_argument("--work-dir", type=Path, default=REPO / "work-data" / "runs" / name,
                   help="training folder: per-epoch checkpoints, log, history")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--max-sentences", type=int, default=0, help="use only this many training sentences (smoke run)")
    p.add_argument("--max-minutes", type=float, default=0, help="stop before this wall-clock budget is exceeded")
    p.add_argument("--patience", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--drop", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    return p


def portable_args(args: dict) -> dict:
    """Takes parsed arguments; returns them as strings, paths relative to the repository where possible."""
    out = {}
    for k, v in args.items():
        if isinstance(v, Path):
            try:
                v = Path(os.path.relpath(v.resolve(), REPO))
            except ValueError:
                pass
        out[k] = str(v)
    return out


def setup_torch(threads: int) -> None:
    """Takes a thread count; limits torch to it (2 cores are shared on the training machine)."""
    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)


def to_half(path: Path) -> None:
    """Rewrites a saved state dict with float tensors stored as float16 (half the size on disk).

    ``load_state_dict`` copies them back into the float32 parameters, so loading is unchanged;
    the shipped scores in models/metrics.json are measured on these files.
    """
    import torch
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
    torch.save(state, path)


def ship(work_dir: Path, out: Path, extra: dict) -> None:
    """Copies the best model's files from ``work_dir`` to ``out`` (weights as float16) and writes
    ``train_info.json``."""
    out.mkdir(parents=True, exist_ok=True)
    for f in SHIP_FILES:
        shutil.copy2(work_dir / f, out / f)
    to_half(out / "model.pt")
    history = work_dir / "history.json"
    info = dict(extra)
    if history.exists():
        info["history"] = json.loads(history.read_text(encoding="utf-8"))
    (out / "train_info.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"shipped {work_dir} -> {out}")


def add_bigram_options(p: argparse.ArgumentParser) -> None:
    """Adds the character and bigram embedding options of the tokenizer and the recognizer."""
    p.add_argument("--char-dim", type=int, default=100)
    p.add_argument("--bigram-dim", type=int, default=50)
    p.add_argument("--bigram-min-freq", type=int, default=3)
    p.add_argument("--no-bigram", action="store_true", help="plain character embedding (the baseline)")


def train_dev(samples: list, max_sentences: int, unit: str) -> tuple[list, list]:
    """Takes samples; returns the train and dev parts (cut to ``max_sentences`` for a smoke run)."""
    from annotators import hanlp_data as hd
    trn, dev = hd.train_dev_split(samples)
    if max_sentences:
        trn, dev = trn[:max_sentences], dev[:max(20, max_sentences // 10)]
    print(f"train {len(trn)} {unit}, dev {len(dev)}", flush=True)
    return trn, dev


def fit_and_ship(component, trn: list, dev: list, args: argparse.Namespace, embed, info: dict, **fit_extra) -> None:
    """Trains ``component`` with the shared options, then ships its best epoch with ``info``,
    the arguments and the training time in ``train_info.json``."""
    import time
    t0 = time.time()
    component.fit(trn, dev, str(args.work_dir), batch_size=args.batch_size, epochs=args.epochs, embed=embed,
                  rnn_hidden=args.hidden, drop=args.drop, lr=args.lr, patience=args.patience, devices=-1,
                  seed=args.seed, max_minutes=args.max_minutes, **fit_extra)
    ship(args.work_dir, args.out, {"component": type(component).__name__, "args": portable_args(vars(args)),
                                   **info, "train_minutes": round((time.time() - t0) / 60, 2)})
