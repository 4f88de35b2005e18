"""Train a character CRF (sklearn-crfsuite) for the corpus's entities and score it with seqeval.

Trains on ``train`` of the ``char_ner`` config, picks c1/c2 on ``validation`` (strict IOB2 micro
F1), prints the strict IOB2 report on ``test`` and writes the settings and figures to ``--out``.

    python scripts/train_crf.py --out work-data/runs/crf.json
    python scripts/train_crf.py --quick --out /tmp/crf.json        # one small fit, for CI

Without ``--out`` a full run writes ``work-data/runs/crf.json`` and a ``--quick`` run
``work-data/runs/crf-quick.json``, so a smoke run never replaces the full run's figures.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # annotators/ is importable without installing the package

from annotators.teaching import load_tagging_data, report_and_save, seqeval_scores  # noqa: E402

#: Chinese numerals and magnitudes: a strong cue for the numeric labels
CN_DIGITS = set("零〇一二兩三四五六七八九十百千萬億")
#: default result files of a full and of a --quick run (a quick run must not replace the full one's)
DEFAULT_OUT = REPO / "work-data" / "runs" / "crf.json"
DEFAULT_QUICK_OUT = REPO / "work-data" / "runs" / "crf-quick.json"
#: c1 (L1) x c2 (L2) grid searched on validation in a full run
GRID_C1 = (0.0, 0.05, 0.2)
GRID_C2 = (0.01, 0.1)


@dataclass
class CRFSettings:
    """Settings of one training run (written to the output JSON as they were used)."""

    data: str = str(REPO / "corpus" / "hf")
    config: str = "char_ner"
    label_column: str = "ner_tags"
    max_iterations: int = 100
    seed: int = 13
    quick: bool = False
    grid: list = field(default_factory=lambda: [list(p) for p in itertools.product(GRID_C1, GRID_C2)])


def char_class(ch: str) -> str:
    """Takes one character; returns a coarse class: digit, cn-numeral, latin, punct or han."""
    if ch.isdigit():
        return "digit"
    if ch in CN_DIGITS:
        return "cnnum"
    if ch.isascii() and ch.isalpha():
        return "latin"
    if not ch.isalnum():
        return "punct"
    return "han"


def sentence_features(chars: Sequence[str]) -> list[dict]:
    """Takes a sentence as characters; returns one crfsuite feature dict per character.

    Features: the character, its class, its neighbours within two positions and the bigrams
    around it, enough context for units (萬畝), ordinals (第…) and place-name suffixes (…市).
    """
    padded = ["<s2>", "<s1>", *chars, "</s1>", "</s2>"]
    feats = []
    for i in range(2, len(padded) - 2):
        c = padded[i]
        f = {"bias": 1.0, "c": c, "cls": char_class(c),
             "c-1": padded[i - 1], "c+1": padded[i + 1], "c-2": padded[i - 2], "c+2": padded[i + 2],
             "c-1c": padded[i - 1] + c, "cc+1": c + padded[i + 1], "c-1c+1": padded[i - 1] + padded[i + 1],
             "cls-1": char_class(padded[i - 1]) if i > 2 else "BOS",
             "cls+1": char_class(padded[i + 1]) if i < len(padded) - 3 else "EOS"}
        feats.append(f)
    return feats


def _xy(split, names: list[str], label_column: str) -> tuple[list, list]:
    """Features and label-name sequences for one split."""
    return ([sentence_features(t) for t in split["tokens"]],
            [[names[i] for i in tags] for tags in split[label_column]])


def train_crf(settings: CRFSettings) -> dict:
    """Takes the settings; trains, selects on validation, scores on test. Returns the result record."""
    import sklearn_crfsuite

    # crfsuite's L-BFGS is deterministic: the seed changes nothing and is only recorded (see --help)
    random.seed(settings.seed)
    ds, names = load_tagging_data(Path(settings.data), settings.config, settings.label_column)
    x_train, y_train = _xy(ds["train"], names, settings.label_column)
    x_val, y_val = _xy(ds["validation"], names, settings.label_column)
    x_test, y_test = _xy(ds["test"], names, settings.label_column)
    grid = [[0.1, 0.05]] if settings.quick else settings.grid
    iterations = min(settings.max_iterations, 20) if settings.quick else settings.max_iterations

    tried, best = [], None
    t0 = time.perf_counter()
    for c1, c2 in grid:
        crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=c1, c2=c2, max_iterations=iterations,
                                   all_possible_transitions=True)
        crf.fit(x_train, y_train)
        val_f1 = seqeval_scores(y_val, crf.predict(x_val))["f1"]
        tried.append({"c1": c1, "c2": c2, "validation_f1": round(val_f1, 4)})
        print(f"c1={c1:<5} c2={c2:<5} validation F1 (strict IOB2) = {val_f1:.4f}", flush=True)
        if best is None or val_f1 > best[0]:
            best = (val_f1, c1, c2, crf)
    train_seconds = time.perf_counter() - t0
    val_f1, c1, c2, crf = best
    test = seqeval_scores(y_test, crf.predict(x_test))
    return {
        "script": "scripts/train_crf.py",
        "model": "sklearn-crfsuite CRF (lbfgs), character features",
        "settings": asdict(settings) | {"grid": grid, "max_iterations": iterations},
        "seed": settings.seed,
        "deterministic": "L-BFGS on the whole training set: every seed gives the same model",
        "labels": names,
        "sentences": {s: ds[s].num_rows for s in ("train", "validation", "test")},
        "grid_search": tried,
        "chosen": {"c1": c1, "c2": c2, "validation_f1": round(val_f1, 4)},
        "train_seconds": round(train_seconds, 1),
        "test": {k: v for k, v in test.items() if k != "report"},
        "test_report": test["report"],
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: parses options, runs :func:`train_crf`, prints the test report, writes ``--out``."""
    defaults = CRFSettings()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path(defaults.data), help="Hub-style dataset folder (default: corpus/hf)")
    p.add_argument("--config", default=defaults.config, help="dataset config (default: char_ner)")
    p.add_argument("--label-column", default=defaults.label_column, help="ClassLabel sequence column (default: ner_tags)")
    p.add_argument("--max-iterations", type=int, default=defaults.max_iterations, help="L-BFGS iterations per fit")
    p.add_argument("--seed", type=int, default=defaults.seed,
                   help="recorded in the output only: crfsuite's L-BFGS on the whole training set has no randomness, "
                        "so every seed gives the same model and F1; to see how much a score varies, vary the data "
                        "(folds, random subsets: notebook 04)")
    p.add_argument("--quick", action="store_true", help="one fit of at most 20 iterations, no grid (CI)")
    p.add_argument("--out", type=Path, default=None,
                   help="result JSON (default: work-data/runs/crf.json, crf-quick.json with --quick)")
    a = p.parse_args(argv)
    if not a.data.is_dir():
        print(f"error: dataset folder {a.data} does not exist: build it with `make corpus`, "
              "or pass --data FOLDER", file=sys.stderr)
        return 2
    out = a.out or (DEFAULT_QUICK_OUT if a.quick else DEFAULT_OUT)
    settings = CRFSettings(data=str(a.data.resolve()), config=a.config, label_column=a.label_column,
                           max_iterations=a.max_iterations, seed=a.seed, quick=a.quick)
    return report_and_save(lambda: train_crf(settings), out,
                           lambda r: f"\nchosen c1={r['chosen']['c1']} c2={r['chosen']['c2']}; test (seqeval strict IOB2):")


if __name__ == "__main__":
    sys.exit(main())
