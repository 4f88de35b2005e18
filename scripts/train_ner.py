"""Train the PER/LOC/ORG recognizer (FixedRNNNamedEntityRecognizer over characters, BIO) on the MSRA
training part minus every sentence sharing a 20-character string with (or equal to) a sentence of
People's Daily NER dev/test or the MSRA test part.

Usage: python scripts/train_ner.py [--epochs N] [--max-sentences N] [--out models/ner]
"""
from __future__ import annotations

import argparse
import sys

from train_common import REPO, add_bigram_options, base_parser, run_script, train_dev  # noqa: F401  (REPO puts the repo on sys.path)

from annotators import hanlp_data as hd


def parser() -> argparse.ArgumentParser:
    p = base_parser(__doc__.splitlines()[0], "ner")
    add_bigram_options(p)
    return p


def required_files(paths: hd.CorpusPaths) -> list:
    return [paths.msra, paths.pd_ner_dev, paths.pd_ner_test]


def prepare(args: argparse.Namespace) -> tuple[list, list, dict]:
    """Returns the train and dev samples and what train_info.json records about them."""
    samples, overlap = hd.ner_training_data(hd.CorpusPaths(args.corpora))
    print(overlap, flush=True)
    trn, dev = train_dev(samples, args.max_sentences, "sentences")
    return trn, dev, {"overlap": overlap, "train_sentences": len(trn), "dev_sentences": len(dev)}


def build(args: argparse.Namespace) -> tuple:
    """Returns a fresh component, its embedding and the extra fit() arguments."""
    from annotators.hanlp_components import CharBigramEmbedding, FixedRNNNamedEntityRecognizer
    embed = args.char_dim if args.no_bigram else CharBigramEmbedding(
        "token", args.char_dim, args.bigram_dim, args.bigram_min_freq)
    return FixedRNNNamedEntityRecognizer(), embed, {"tagging_scheme": "BIO", "token_delimiter": ""}


if __name__ == "__main__":
    sys.exit(run_script(sys.modules[__name__]))
