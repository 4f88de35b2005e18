"""Screen learning rate and hidden size for one HanLP component: short runs on a subset of its
training data, each scored on the component's full dev slice (carved from training data; no test set).

The data is prepared once (the same selection, overlap removal and dev slice as the training
script); every point then trains a fresh model from the same seed. A screening run is short, so it
ranks settings by how fast they learn, not by where they converge: read it as a guide for the full run.

Usage:
  python scripts/tune_hparams.py tok --subset 8000 --epochs 2 --out work-data/tune/tok.json -- --drop 0.4
  (options after ``--`` go to the training script's own parser: its settings for every point)
"""
from __future__ import annotations

import argparse
import copy
import importlib
import json
import sys
import time
from pathlib import Path

from train_common import REPO, check_corpora, fit, known_tags_only, portable_args, setup_torch  # noqa: F401  (REPO puts the repo on sys.path)

SCRIPTS = {"tok": "train_tokenizer", "pos": "train_tagger", "ner": "train_ner"}
DEFAULT_POINTS = "2e-3:200,1e-3:200,4e-3:200,2e-3:128,2e-3:300"


def parse_points(text: str) -> list[tuple[float, int]]:
    """Takes ``lr:hidden,lr:hidden``; returns ``[(lr, hidden), ...]``."""
    points = []
    for item in text.split(","):
        lr, sep, hidden = item.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(f"point {item!r} is not lr:hidden")
        points.append((float(lr), int(hidden)))
    return points


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("component", choices=sorted(SCRIPTS))
    p.add_argument("--points", type=parse_points, default=parse_points(DEFAULT_POINTS), help="lr:hidden,...")
    p.add_argument("--subset", type=int, default=8000, help="training samples per point (the first N)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--out", type=Path, required=True, help="JSON with every point's dev scores and times")
    args = p.parse_args(own)
    if args.subset < 1 or args.epochs < 1:
        p.error("--subset and --epochs must be at least 1")
    script = importlib.import_module(SCRIPTS[args.component])
    base = script.parser().parse_args(rest)
    from annotators import hanlp_data as hd
    if not check_corpora(script.required_files(hd.CorpusPaths(base.corpora))):
        return 1
    setup_torch(base.threads)
    trn, dev, _ = script.prepare(base)
    trn = trn[:args.subset]
    dev_all = len(dev)
    dev = known_tags_only(trn, dev)
    print(f"screening on {len(trn)} training samples; dev {len(dev)} of {dev_all}", flush=True)
    results = []
    for lr, hidden in args.points:
        run = copy.copy(base)
        run.lr, run.hidden, run.epochs, run.patience, run.max_minutes = lr, hidden, args.epochs, 0, 0
        run.work_dir = base.work_dir.parent / f"tune-{args.component}" / f"lr{lr:g}-h{hidden}"
        component, embed, fit_extra = script.build(run)
        t0 = time.time()
        best = fit(component, trn, dev, run, embed, **fit_extra)
        history = json.loads((run.work_dir / "history.json").read_text(encoding="utf-8"))
        results.append({"lr": lr, "hidden": hidden, "best_dev": round(float(best), 5),
                        "dev_by_epoch": [h["dev"] for h in history], "seconds": round(time.time() - t0, 1)})
        print(json.dumps(results[-1]), flush=True)
    report = {"component": args.component, "subset": len(trn), "dev": len(dev),
              "dev_dropped_unseen_tags": dev_all - len(dev), "epochs": args.epochs,
              "settings": {k: v for k, v in portable_args(vars(base)).items()
                           if k not in ("lr", "hidden", "epochs", "patience", "max_minutes", "out", "work_dir")},
              "points": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{'lr':>8} {'hidden':>6} {'best dev':>9}  by epoch")
    for r in sorted(results, key=lambda r: -r["best_dev"]):
        print(f"{r['lr']:>8g} {r['hidden']:>6} {r['best_dev']:>9.4f}  {r['dev_by_epoch']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
