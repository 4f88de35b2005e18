"""Train the character-level segmenter (FixedRNNTokenizer) on 199801.txt minus its last 1,000 lines
and minus every sentence that overlaps an evaluation set (held-out lines, PKU test, UD test).

Usage: python scripts/train_tokenizer.py [--epochs N] [--max-sentences N] [--out models/tok]
"""
from __future__ import annotations

import argparse
import sys

from train_common import REPO, add_bigram_options, base_parser, pd98_files, prepare_pd98, run_script  # noqa: F401  (REPO puts the repo on sys.path)

from annotators import hanlp_data as hd


def parser() -> argparse.ArgumentParser:
    p = base_parser(__doc__.splitlines()[0], "tok")
    add_bigram_options(p)
    return p


required_files = pd98_files


def prepare(args: argparse.Namespace) -> tuple[list, list, dict]:
    """Returns the train and dev samples and what train_info.json records about them."""
    return prepare_pd98(args, hd.tokenizer_samples, "sequences")


def build(args: argparse.Namespace) -> tuple:
    """Returns a fresh component, its embedding and the extra fit() arguments."""
    from annotators.hanlp_components import CharBigramEmbedding, FixedRNNTokenizer
    embed = args.char_dim if args.no_bigram else CharBigramEmbedding(
        "char", args.char_dim, args.bigram_dim, args.bigram_min_freq)
    return FixedRNNTokenizer(), embed, {}


if __name__ == "__main__":
    sys.exit(run_script(sys.modules[__name__]))
