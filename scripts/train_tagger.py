"""Train the PKU POS tagger (FixedRNNTagger over words) on 199801.txt minus its last 1,000 lines.

Usage: python scripts/train_tagger.py [--epochs N] [--max-sentences N] [--out models/pos]
"""
from __future__ import annotations

import sys
import time

from train_common import REPO, base_parser, portable_args, setup_torch, ship  # noqa: F401  (REPO puts the repo on sys.path)

from annotators import hanlp_data as hd


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__.splitlines()[0], "pos")
    p.add_argument("--word-dim", type=int, default=100)
    p.add_argument("--affix-dim", type=int, default=30)
    p.add_argument("--word-min-freq", type=int, default=2)
    p.add_argument("--word-dropout", type=float, default=0.05)
    p.add_argument("--no-affix", action="store_true", help="plain word embedding (the baseline)")
    args = p.parse_args(argv)
    paths = hd.CorpusPaths(args.corpora)
    if not paths.pd98.exists():
        print(f"error: corpus file missing: {paths.pd98}", file=sys.stderr)
        return 1
    setup_torch(args.threads)
    from annotators.hanlp_components import FixedRNNTagger, WordAffixEmbedding

    train_par, _ = hd.split_pd98(hd.read_pd98(paths.pd98))
    sentences = [s for par in train_par for s in hd.split_sentences(par)]
    samples = hd.tagger_samples(sentences)
    trn, dev = hd.train_dev_split(samples)
    if args.max_sentences:
        trn, dev = trn[:args.max_sentences], dev[:max(20, args.max_sentences // 10)]
    print(f"train {len(trn)} sentences, dev {len(dev)}", flush=True)
    embed = args.word_dim if args.no_affix else WordAffixEmbedding(
        "token", args.word_dim, args.affix_dim, args.word_min_freq, 2, args.word_dropout)
    tagger = FixedRNNTagger()
    t0 = time.time()
    tagger.fit(trn, dev, str(args.work_dir), batch_size=args.batch_size, epochs=args.epochs, embed=embed,
               rnn_hidden=args.hidden, drop=args.drop, lr=args.lr, patience=args.patience, devices=-1,
               seed=args.seed, max_minutes=args.max_minutes)
    ship(args.work_dir, args.out, {"component": "FixedRNNTagger", "args": portable_args(vars(args)),
                                   "train_sentences": len(trn), "dev_sentences": len(dev),
                                   "train_minutes": round((time.time() - t0) / 60, 2)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
