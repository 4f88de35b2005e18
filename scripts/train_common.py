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

from annotators.paths import default_corpora  # noqa: E402

#: the way out printed when a corpus file is missing
GET_CORPORA_HINT = "fetch the corpora with `python scripts/get_corpora.py`, or pass --corpora DIR"
#: files a HanLP component folder needs; checkpoints and logs stay in the work folder
SHIP_FILES = ("config.json", "vocabs.json", "model.pt")


def base_parser(description: str, name: str) -> argparse.ArgumentParser:
    """Takes a description and a model name; returns a parser with the options every script shares."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--corpora", type=Path, default=default_corpora(REPO),
                   help="folder holding the annotated corpora (default: ../shared/corpora beside the checkout "
                        "when present, else data-cache/corpora, filled by scripts/get_corpora.py)")
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
    p.add_argument("--anneal-factor", type=float, default=0.5, help="learning-rate factor when the dev score stalls")
    p.add_argument("--anneal-patience", type=int, default=2,
                   help="epochs without a better dev score before the learning rate is multiplied by the factor")
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


def known_tags_only(trn: list, dev: list) -> list:
    """Takes train and dev samples; returns the dev samples whose tags all occur in ``trn``.

    HanLP's tag vocabulary has no UNK, so a dev tag that training never shows cannot be encoded;
    the number left out is printed (it is 0 on the full data, and matters for smoke runs and subsets).
    """
    seen = {t for sample in trn for t in sample["tag"]}
    kept = [sample for sample in dev if set(sample["tag"]) <= seen]
    if len(kept) < len(dev):
        print(f"dev: left out {len(dev) - len(kept)} of {len(dev)} samples with tags unseen in training", flush=True)
    return kept


def train_dev(samples: list, max_sentences: int, unit: str) -> tuple[list, list]:
    """Takes samples; returns the train and dev parts (cut to ``max_sentences`` for a smoke run)."""
    from annotators import hanlp_data as hd
    trn, dev = hd.train_dev_split(samples)
    if max_sentences:
        trn, dev = trn[:max_sentences], dev[:max(20, max_sentences // 10)]
    dev = known_tags_only(trn, dev)
    print(f"train {len(trn)} {unit}, dev {len(dev)}", flush=True)
    return trn, dev


def pd98_files(paths) -> list:
    """Takes corpus paths; returns the files the 199801-trained scripts read (training data, and the
    evaluation sets whose overlap they remove)."""
    return [paths.pd98, paths.pku_test_gold, paths.ud_test]


def prepare_pd98(args: argparse.Namespace, to_samples, unit: str) -> tuple[list, list, dict]:
    """Takes the arguments, a function from word/tag sentences to HanLP samples and the unit's name;
    returns the train and dev samples of the 199801 training selection and what train_info.json
    records about them."""
    from annotators import hanlp_data as hd
    sentences, overlap = hd.pd98_training_data(hd.CorpusPaths(args.corpora))
    print(overlap, flush=True)
    trn, dev = train_dev(to_samples(sentences), args.max_sentences, unit)
    return trn, dev, {"overlap": overlap, f"train_{unit}": len(trn), f"dev_{unit}": len(dev)}


def check_corpora(files: list) -> bool:
    """Takes the corpus files a script needs; prints an error naming the first missing one."""
    for f in files:
        if not Path(f).exists():
            print(f"error: corpus file missing: {f}; {GET_CORPORA_HINT}", file=sys.stderr)
            return False
    return True


def fit(component, trn: list, dev: list, args: argparse.Namespace, embed, **fit_extra) -> float:
    """Trains ``component`` with the shared options into ``args.work_dir``; returns the best dev score."""
    return component.fit(trn, dev, str(args.work_dir), batch_size=args.batch_size, epochs=args.epochs, embed=embed,
                         rnn_hidden=args.hidden, drop=args.drop, lr=args.lr, patience=args.patience, devices=-1,
                         seed=args.seed, max_minutes=args.max_minutes, anneal_factor=args.anneal_factor,
                         anneal_patience=args.anneal_patience, **fit_extra)


def run_script(script, argv: list[str] | None = None) -> int:
    """The main() of a training script module that defines ``parser``, ``required_files``, ``prepare``
    and ``build``: trains on the prepared data, then ships the best epoch with ``train_info.json``."""
    import time
    from annotators import hanlp_data as hd
    args = script.parser().parse_args(argv)
    if not check_corpora(script.required_files(hd.CorpusPaths(args.corpora))):
        return 1
    setup_torch(args.threads)
    trn, dev, info = script.prepare(args)
    component, embed, fit_extra = script.build(args)
    t0 = time.time()
    fit(component, trn, dev, args, embed, **fit_extra)
    ship(args.work_dir, args.out, {"component": type(component).__name__, "args": portable_args(vars(args)),
                                   **info, "train_minutes": round((time.time() - t0) / 60, 2)})
    return 0
