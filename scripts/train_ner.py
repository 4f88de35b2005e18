"""Train the PER/LOC/ORG recognizer (FixedRNNNamedEntityRecognizer over characters, BIO) on the MSRA
training part minus every sentence sharing a 20-character string with People's Daily NER dev/test.

Usage: python scripts/train_ner.py [--epochs N] [--max-sentences N] [--out models/ner]
"""
from __future__ import annotations

import sys

from train_common import REPO, add_bigram_options, base_parser, fit_and_ship, setup_torch, train_dev  # noqa: F401  (REPO puts the repo on sys.path)

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
    add_bigram_options(p)
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
    trn, dev = train_dev(samples, args.max_sentences, "sentences")
    embed = args.char_dim if args.no_bigram else CharBigramEmbedding(
        "token", args.char_dim, args.bigram_dim, args.bigram_min_freq)
    fit_and_ship(FixedRNNNamedEntityRecognizer(), trn, dev, args, embed,
                 {"overlap": report, "train_sentences": len(trn), "dev_sentences": len(dev)},
                 tagging_scheme="BIO", token_delimiter="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
