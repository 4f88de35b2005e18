"""Train the PKU POS tagger (FixedRNNTagger over words) on 199801.txt minus its last 1,000 lines.

Usage: python scripts/train_tagger.py [--epochs N] [--max-sentences N] [--out models/pos]
"""
from __future__ import annotations

import sys

from train_common import REPO, base_parser, fit_and_ship, setup_torch, train_dev  # noqa: F401  (REPO puts the repo on sys.path)

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
    trn, dev = train_dev(samples, args.max_sentences, "sentences")
    embed = args.word_dim if args.no_affix else WordAffixEmbedding(
        "token", args.word_dim, args.affix_dim, args.word_min_freq, 2, args.word_dropout)
    fit_and_ship(FixedRNNTagger(), trn, dev, args, embed, {"train_sentences": len(trn), "dev_sentences": len(dev)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
