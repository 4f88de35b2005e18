"""Train the character-level segmenter (FixedRNNTokenizer) on 199801.txt minus its last 1,000 lines.

Usage: python scripts/train_tokenizer.py [--epochs N] [--max-sentences N] [--out models/tok]
"""
from __future__ import annotations

import sys

from train_common import REPO, add_bigram_options, base_parser, fit_and_ship, setup_torch, train_dev  # noqa: F401  (REPO puts the repo on sys.path)

from annotators import hanlp_data as hd


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__.splitlines()[0], "tok")
    add_bigram_options(p)
    args = p.parse_args(argv)
    paths = hd.CorpusPaths(args.corpora)
    if not paths.pd98.exists():
        print(f"error: corpus file missing: {paths.pd98}", file=sys.stderr)
        return 1
    setup_torch(args.threads)
    from annotators.hanlp_components import CharBigramEmbedding, FixedRNNTokenizer

    train_par, _ = hd.split_pd98(hd.read_pd98(paths.pd98))
    sentences = [s for par in train_par for s in hd.split_sentences(par)]
    samples = hd.tokenizer_samples(sentences)
    trn, dev = train_dev(samples, args.max_sentences, "sequences")
    embed = args.char_dim if args.no_bigram else CharBigramEmbedding(
        "char", args.char_dim, args.bigram_dim, args.bigram_min_freq)
    fit_and_ship(FixedRNNTokenizer(), trn, dev, args, embed, {"train_sequences": len(trn), "dev_sequences": len(dev)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
