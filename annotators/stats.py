"""Figures of the built dataset, measured from the files: what the card shows and `stats` prints.

Every figure in the rendered card comes from `card_figures`, which reads only built files
(Parquet splits, interim layers, models/metrics.json, the review summary). `validate`
re-renders the card from them and fails if the committed card differs.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from .dataset import CHAR_NER_LABELS, NER_LABELS, NUMERIC_LABELS, SPLITS, parquet_path
from .model_card import table as _table


def read_split(hf_dir: Path, config: str, split: str) -> list[dict]:
    """Rows of one Parquet split as Python dicts (ClassLabel columns as ids)."""
    return pq.read_table(hf_dir / parquet_path(config, split)).to_pylist()


def _fmt(x: float | int | None, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    return f"{x:,}" if isinstance(x, int) else f"{x:.{digits}f}"


def split_counts(hf_dir: Path) -> dict[str, dict[str, int | Counter]]:
    """Per split: sentences, paragraphs, characters, words, headings, and entity label counters."""
    out = {}
    for split in SPLITS:
        rows = read_split(hf_dir, "default", split)
        char_rows = read_split(hf_dir, "char_ner", split)
        hanlp = Counter(NER_LABELS[t][2:] for r in rows for t in r["ner_tags"] if NER_LABELS[t].startswith("B-"))
        numeric = Counter(NUMERIC_LABELS[e["label"]] for r in rows for e in r["numeric_entities"])
        char = Counter(CHAR_NER_LABELS[t][2:] for r in char_rows for t in r["ner_tags"] if CHAR_NER_LABELS[t].startswith("B-"))
        out[split] = {
            "sentences": len(rows), "paragraphs": len({r["paragraph"] for r in rows}),
            "characters": sum(len(r["text"]) for r in rows), "words": sum(len(r["tokens"]) for r in rows),
            "headings": sum(r["is_heading"] for r in rows), "hanlp": hanlp, "numeric": numeric, "char": char,
        }
    return out


def card_figures(hf_dir: Path, corpus_dir: Path, models_dir: Path, build_counts: dict) -> dict[str, str]:
    """Every `{{ name }}` figure of DATASET_CARD.md, as rendered Markdown strings."""
    counts = split_counts(hf_dir)
    total = {k: sum(counts[s][k] for s in SPLITS) for k in ("sentences", "paragraphs", "characters", "words", "headings")}
    figures: dict[str, str] = {
        "n_sentences": _fmt(total["sentences"]), "n_paragraphs": _fmt(total["paragraphs"]),
        "n_characters": _fmt(total["characters"]), "n_words": _fmt(total["words"]),
        "n_headings": _fmt(total["headings"]),
    }
    figures["split_table"] = _table(
        ["split", "paragraphs", "sentences", "characters", "words", "HanLP entities", "numeric entities"],
        [[s, counts[s]["paragraphs"], counts[s]["sentences"], _fmt(counts[s]["characters"]), _fmt(counts[s]["words"]),
          sum(counts[s]["hanlp"].values()), sum(counts[s]["numeric"].values())] for s in SPLITS]
        + [["all", total["paragraphs"], total["sentences"], _fmt(total["characters"]), _fmt(total["words"]),
            sum(sum(counts[s]["hanlp"].values()) for s in SPLITS), sum(sum(counts[s]["numeric"].values()) for s in SPLITS)]],
    )

    def label_table(key: str, labels: list[str]) -> str:
        return _table(["label"] + SPLITS + ["all"],
                      [[lab] + [counts[s][key][lab] for s in SPLITS] + [sum(counts[s][key][lab] for s in SPLITS)]
                       for lab in labels])

    figures["hanlp_entity_table"] = label_table("hanlp", ["PER", "LOC", "ORG"])
    figures["numeric_entity_table"] = label_table("numeric", NUMERIC_LABELS)
    figures["char_ner_table"] = label_table("char", ["PER", "LOC", "ORG"] + NUMERIC_LABELS)
    figures["n_boundary_inside_token"] = _fmt(build_counts["entities_boundary_inside_token"])
    figures["n_merged_in_one_word"] = _fmt(build_counts["entities_merged_in_one_word"])
    figures["n_dropped_in_one_word"] = _fmt(build_counts["entities_dropped_in_one_word"])
    figures["n_hanlp_dropped_for_numeric"] = _fmt(build_counts["hanlp_entities_dropped_for_numeric"])
    figures["split_seed"] = str(build_counts["split_seed"])
    figures["model_scores"] = model_scores_table(models_dir / "metrics.json")
    figures.update(review_figures(corpus_dir / "annotations" / "review_summary.json"))
    return figures


# The headline scores of models/metrics.json shown in the card: (task, evaluation set, figure, path).
MODEL_SCORE_ROWS = [
    ("segmentation", "SIGHAN 2005 PKU test", "word F1", ("seg_pku_test", "model", "f1")),
    ("segmentation", "SIGHAN 2005 PKU test", "OOV recall (NFKC word list)", ("seg_pku_test", "model", "oov_recall")),
    ("PKU tags", "People's Daily 1998, last 1,000 lines (gold words)", "accuracy", ("pos_pd98_heldout", "accuracy")),
    ("PKU tags", "People's Daily 1998, last 1,000 lines (gold words)", "accuracy on unknown words", ("pos_pd98_heldout", "unknown_accuracy")),
    ("segmentation + tags", "People's Daily 1998, last 1,000 lines (raw text)", "joint F1", ("joint_pd98_heldout", "seg+pos", "f1")),
    ("PER/LOC/ORG", "People's Daily NER test", "strict span F1", ("ner_pd_ner_test", "overall", "f1")),
    ("PER/LOC/ORG", "MSRA NER test", "strict span F1", ("ner_msra_test", "overall", "f1")),
    ("segmentation (cross-standard)", "UD Chinese GSDSimp test", "word F1", ("ud_gsdsimp_test", "seg", "f1")),
    ("UPOS (cross-standard)", "UD Chinese GSDSimp test", "accuracy on gold words", ("ud_gsdsimp_test", "upos_on_gold_tokens", "accuracy")),
]


def model_scores_table(metrics_path: Path) -> str:
    """The headline model scores from models/metrics.json as a Markdown table."""
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    rows = []
    for task, data, figure, path in MODEL_SCORE_ROWS:
        value = metrics
        for key in path:
            if not isinstance(value, dict) or key not in value:
                raise KeyError(f"{metrics_path}: no score at {'/'.join(path)}")
            value = value[key]
        rows.append([task, data, figure, _fmt(float(value), 2)])
    return _table(["task", "evaluation set", "figure", "score"], rows)


def review_figures(summary_path: Path) -> dict[str, str]:
    """Review counts, agreement and proposer quality from the review summary."""
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    counts = summary["counts"]
    agreement = summary["agreement"]
    proposer = summary["proposer"]
    return {
        "review_counts": _table(["proposed", "accepted", "corrected", "rejected", "added", "published"],
                                [[counts[k] for k in ("proposed", "accepted", "corrected", "rejected", "added", "published")]]),
        "review_agreement": (
            f"span F1 {_fmt(agreement['span_f1'] * 100)}, Cohen's kappa on labels {_fmt(agreement['kappa'], 3)} "
            f"over {agreement['sentences']} sentences ({agreement['fraction'] * 100:.0f} % of the report, "
            f"seed {agreement['seed']}), {agreement['disagreements']} disagreements adjudicated"
        ),
        "proposer_quality": (
            f"precision {_fmt(proposer['precision'] * 100)}, recall {_fmt(proposer['recall'] * 100)} "
            f"(exact span and label against the published labels)"
        ),
    }
