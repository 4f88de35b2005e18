"""Train the PER/LOC/ORG recognizer (FixedRNNNamedEntityRecognizer over characters, BIO) on the MSRA
training part minus every sentence sharing a 20-character string with People's Daily NER dev/test.

Usage: python scripts/train_ner.py [--epochs N] [--max-sentences N] [--out models/ner]
"""
from __future__ import annotations

import sys
import time

from train_common import REPO, base_parser, portable_args, setup_torch, ship  # noqa: F401  (REPO puts the repo on sys.path)

from annotators import hanlp_data as hd


def ner_training_data(paths: hd.CorpusPaths) -> tuple[list[dict], dict]:
    """Takes corpus paths; returns (MSRA training samples minus the overlap, a report of counts)."""
    train, test = hd.read_msra(paths.msra)
    evaluation = ["".join(s["token"]) for s in hd.read_bio(paths.pd_ner_dev) + hd.read_bio(paths.pd_ner_test)]
    kept, removed = hd.remove_overlap(["".join(s["token"]) for s in train], evaluation)
    report = {"msra_train_sentences": len(train), "removed_overlap": len(removed), "kept": len(kept),
              "msra_test_sentences": len(test)}
    return [train[i] for i in kept], report


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__.splitlines()[0], "ner")
    p.add_argument("--char-dim", type=int, default=100)
    p.add_argument("--bigram-dim", type=int, default=50)
    p.add_argument("--bigram-min-freq", type=int, default=3)
    p.add_argument("--no-bigram", action="store_true", help="plain character embedding (the baseline)")
    args = p.parse_args(argv)
    paths = hd.CorpusPaths(args.corpora)
    for f in (paths.msra, paths.pd_ner_dev, paths.pd_ner_test):
        if not f.exists():
            print(f"error: corpus file missing: {f}", file=sys.stderr)
            return 1
    setup_torch(args.threads)
    from annotators.hanlp_components import CharBigramEmbedding, FixedRNNNamedEntityRecognizer

    samples, report = ner_training_data(paths)
    print(report, flush=True)
    trn, dev = hd.train_dev_split(samples)
    if args.max_sentences:
        trn, dev = trn[:args.max_sentences], dev[:max(20, args.max_sentences // 10)]
    print(f"train {len(trn)} sentences, dev {len(dev)}", flush=True)
    embed = args.char_dim if args.no_bigram else CharBigramEmbedding(
        "token", args.char_dim, args.bigram_dim, args.bigram_min_freq)
    ner = FixedRNNNamedEntityRecognizer()
    t0 = time.time()
    ner.fit(trn, dev, str(args.work_dir), batch_size=args.batch_size, epochs=args.epochs, embed=embed,
            rnn_hidden=args.hidden, drop=args.drop, lr=args.lr, patience=args.patience, devices=-1,
            seed=args.seed, max_minutes=args.max_minutes, tagging_scheme="BIO", token_delimiter="")
    ship(args.work_dir, args.out, {"component": "FixedRNNNamedEntityRecognizer",
                                   "args": portable_args(vars(args)), "overlap": report,
                                   "train_sentences": len(trn), "dev_sentences": len(dev),
                                   "train_minutes": round((time.time() - t0) / 60, 2)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
