"""Train the PKU POS tagger (FixedRNNTagger over words) on 199801.txt minus its last 1,000 lines
and minus every sentence that overlaps an evaluation set (held-out lines, PKU test, UD test).

Usage: python scripts/train_tagger.py [--epochs N] [--max-sentences N] [--out models/pos]
"""
from __future__ import annotations

import argparse
import sys

from train_common import REPO, base_parser, pd98_files, prepare_pd98, run_script  # noqa: F401  (REPO puts the repo on sys.path)

from annotators import hanlp_data as hd


def parser() -> argparse.ArgumentParser:
    p = base_parser(__doc__.splitlines()[0], "pos")
    p.add_argument("--word-dim", type=int, default=100)
    p.add_argument("--affix-dim", type=int, default=30)
    p.add_argument("--word-min-freq", type=int, default=2)
    p.add_argument("--word-dropout", type=float, default=0.05)
    p.add_argument("--no-affix", action="store_true", help="plain word embedding (the baseline)")
    return p


required_files = pd98_files


def prepare(args: argparse.Namespace) -> tuple[list, list, dict]:
    """Returns the train and dev samples and what train_info.json records about them."""
    return prepare_pd98(args, hd.tagger_samples, "sentences")


def build(args: argparse.Namespace) -> tuple:
    """Returns a fresh component, its embedding and the extra fit() arguments."""
    from annotators.hanlp_components import FixedRNNTagger, WordAffixEmbedding
    embed = args.word_dim if args.no_affix else WordAffixEmbedding(
        "token", args.word_dim, args.affix_dim, args.word_min_freq, 2, args.word_dropout)
    return FixedRNNTagger(), embed, {}


if __name__ == "__main__":
    sys.exit(run_script(sys.modules[__name__]))
