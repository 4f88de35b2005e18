"""Figures of the built dataset, measured from the files: what the card shows and `stats` prints.

Every figure in the rendered card comes from `card_figures`, which reads only built files
(Parquet splits, exports, interim layers, models/metrics.json, the review plan, logs and
summary). `validate` re-renders the card from them and fails if the committed card differs.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import pyarrow.parquet as pq

from .dataset import (CHAR_NER_LABELS, MIN_COUNT_FOR_EVERY_SPLIT, NER_LABELS, NUMERIC_LABELS, SPLIT_SIZE_TOLERANCE,
                      SPLIT_TARGETS, SPLITS, parquet_path)
from .errors import CorpusError
from .model_card import table as _table
from .pipeline import read_jsonl


def read_split(hf_dir: Path, config: str, split: str) -> list[dict]:
    """Rows of one Parquet split as Python dicts (ClassLabel columns as ids)."""
    return pq.read_table(hf_dir / parquet_path(config, split)).to_pylist()


def _fmt(x: float | int | None, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    return f"{x:,}" if isinstance(x, int) else f"{x:.{digits}f}"


def count(n: int, singular: str, plural: str) -> str:
    """`n` with the noun in the right number: "1 entity", "3 entities"."""
    return f"{n:,} {singular if n == 1 else plural}"


def split_counts(hf_dir: Path) -> dict[str, dict[str, int | Counter]]:
    """Per split: sentences, paragraphs, characters, words, headings, and entity label counters."""
    out = {}
    for split in SPLITS:
        rows = read_split(hf_dir, "default", split)
        char_rows = read_split(hf_dir, "char_ner", split)
        entities = Counter(NER_LABELS[t][2:] for r in rows for t in r["ner_tags"] if NER_LABELS[t].startswith("B-"))
        hanlp = Counter(NER_LABELS[t][2:] for r in rows for t in r["hanlp_ner_tags"] if NER_LABELS[t].startswith("B-"))
        numeric = Counter(NUMERIC_LABELS[e["label"]] for r in rows for e in r["numeric_entities"])
        char = Counter(CHAR_NER_LABELS[t][2:] for r in char_rows for t in r["ner_tags"] if CHAR_NER_LABELS[t].startswith("B-"))
        out[split] = {
            "sentences": len(rows), "paragraphs": len({r["paragraph"] for r in rows}),
            "characters": sum(len(r["text"]) for r in rows), "words": sum(len(r["tokens"]) for r in rows),
            "headings": sum(r["is_heading"] for r in rows), "entities": entities, "hanlp": hanlp,
            "numeric": numeric, "char": char,
        }
    return out


def _share(n: int, total: int) -> str:
    return f"{n} ({n / total * 100:.0f} %)" if total else "0"


def example_row(hf_dir: Path) -> str:
    """One `default` train row as `datasets` returns it (ClassLabel ids), one field a line: the
    shortest sentence that has both a numeric entity and a PER/LOC/ORG entity (else any numeric one)."""
    rows = read_split(hf_dir, "default", "train")
    with_both = [r for r in rows if r["numeric_entities"] and any(NER_LABELS[t].startswith("B-") for t in r["ner_tags"])]
    pool = with_both or [r for r in rows if r["numeric_entities"]] or rows
    row = min(pool, key=lambda r: (len(r["text"]), r["id"]))
    lines = [f'  "{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in row.items()]
    return "{\n" + ",\n".join(lines) + "\n}"


def conllu_example(hf_dir: Path) -> str:
    """The shortest sentence of the validation CoNLL-U file with a numeric span, as written."""
    from .release import export_paths

    blocks = (hf_dir / export_paths("validation")["conllu"]).read_text(encoding="utf-8").strip().split("\n\n")
    with_numeric = [b for b in blocks if "Numeric=B-" in b]
    return min(with_numeric or blocks, key=lambda b: (len(b), b))


def export_figures(hf_dir: Path) -> dict[str, str]:
    """What the spaCy DocBins change against the word layer, read from the files: words cut at a
    numeric span boundary, and entities kept out of `doc.ents` because they overlap a numeric span."""
    from .exports import read_docbin
    from .release import export_paths

    cut, left_out = [], []
    for split in SPLITS:
        for doc in read_docbin(hf_dir / export_paths(split)["spacy"]):
            for w in doc.user_data["split_words"]:
                pieces = [t.text for t in doc if w["start"] <= t.idx < w["end"]]
                cut.append([doc.user_data["id"], f"`{w['text']}` ({w['tag']})", " + ".join(f"`{p}`" for p in pieces)])
            ents = {(e.start, e.end, e.label_) for e in doc.ents}
            for e in doc.spans["ner"]:
                if (e.start, e.end, e.label_) not in ents:
                    over = [n for n in doc.spans["numeric"] if n.start < e.end and e.start < n.end]
                    left_out.append([doc.user_data["id"], f"`{e.text}` {e.label_}",
                                     ", ".join(f"`{n.text}` {n.label_}" for n in over)])
    return {
        "n_spacy_split_words": count(len(cut), "word", "words"),
        "spacy_split_words": _table(["sentence", "word (PKU tag)", "tokens in the Doc"], cut) if cut else "(none)",
        "n_spacy_ents_left_out": count(len(left_out), "entity", "entities"),
        "spacy_ents_left_out": (_table(["sentence", "entity", "overlapping numeric span"], left_out)
                                if left_out else "(none)"),
    }


def model_checksums(meta_path: Path) -> str:
    """The SHA-256 of every file of the HanLP models that made the layer, from hanlp.meta.json."""
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    rows = []
    for name, model in sorted(meta.get("models", {}).items()):
        digests = model.get("sha256", {}) if isinstance(model, dict) else {}
        for file_name, digest in sorted(digests.items() if isinstance(digests, dict) else [("", digests)]):
            rows.append([f"`models/{name}/{file_name}`".replace("/`", "`"), f"`{digest}`"])
    if not rows:
        raise CorpusError("E-CARD", f"{meta_path}: no model checksums recorded")
    return _table(["file", "SHA-256"], rows)


def annotator_table(corpus_dir: Path) -> str:
    """Who made each reviewed layer, from the review plan and logs: layer, role, reviewer id, how
    the log was made (from proposals or from scratch), decisions, sentences checked, the first and
    last time stamps and the median gap between decisions (milliseconds show a batch entry)."""
    from .review.entry import entry_timing
    from .review.log import DecisionLog
    from .review.scratch import log_mode
    from .reviewed import load_plan

    rows = []
    for layer, plan in load_plan(corpus_dir).items():
        for role, path in plan.logs:
            decisions, _ = DecisionLog(path).read(must_exist=True)
            if not decisions:
                raise CorpusError("E-CARD", f"{path}: empty review log")
            timing = entry_timing(decisions)
            rows.append([layer, role, ", ".join(sorted({f"`{d.reviewer}`" for d in decisions})),
                         "from scratch" if log_mode(decisions, path) == "scratch" else
                         "on top of the primary review" if role == "adjudication" else "corrected from proposals",
                         _fmt(len(decisions)), len({d.sentence_id for d in decisions if d.action == "checked"}),
                         timing["first"], timing["last"], _fmt(timing["median_gap_ms"])])
    return _table(["layer", "role", "annotator id", "mode", "decisions", "sentences checked", "first decision",
                   "last decision", "median gap (ms)"], rows)


def card_figures(hf_dir: Path, corpus_dir: Path, models_dir: Path, build_counts: dict) -> dict[str, str]:
    """Every `{{ name }}` figure of DATASET_CARD.md, as rendered Markdown strings."""
    counts = split_counts(hf_dir)
    total = {k: sum(counts[s][k] for s in SPLITS) for k in ("sentences", "paragraphs", "characters", "words", "headings")}
    figures: dict[str, str] = {
        "version": version("nmg-corpus"),
        # Links to the source repository, relative to corpus/hf/; `publish` makes them absolute.
        "repo": "../..",
        "n_sentences": _fmt(total["sentences"]), "n_paragraphs": _fmt(total["paragraphs"]),
        "n_characters": _fmt(total["characters"]), "n_words": _fmt(total["words"]),
        "n_headings": _fmt(total["headings"]),
    }
    figures["split_table"] = _table(
        ["split", "paragraphs", "sentences", "characters", "words", "PER/LOC/ORG entities", "numeric entities"],
        [[s, counts[s]["paragraphs"], _share(counts[s]["sentences"], total["sentences"]), _fmt(counts[s]["characters"]),
          _fmt(counts[s]["words"]), sum(counts[s]["entities"].values()), sum(counts[s]["numeric"].values())]
         for s in SPLITS]
        + [["all", total["paragraphs"], total["sentences"], _fmt(total["characters"]), _fmt(total["words"]),
            sum(sum(counts[s]["entities"].values()) for s in SPLITS),
            sum(sum(counts[s]["numeric"].values()) for s in SPLITS)]],
    )

    def label_table(key: str, labels: list[str]) -> str:
        rows = []
        for lab in labels:
            n = sum(counts[s][key][lab] for s in SPLITS)
            rows.append([lab] + [_share(counts[s][key][lab], n) for s in SPLITS] + [n])
        return _table(["label"] + SPLITS + ["all"], rows)

    figures["entity_table"] = label_table("entities", ["PER", "LOC", "ORG"])
    figures["hanlp_entity_table"] = label_table("hanlp", ["PER", "LOC", "ORG"])
    figures["numeric_entity_table"] = label_table("numeric", NUMERIC_LABELS)
    figures["char_ner_table"] = label_table("char", ["PER", "LOC", "ORG"] + NUMERIC_LABELS)
    figures["n_boundary_inside_token"] = count(build_counts["entities_boundary_inside_token"], "HanLP entity", "HanLP entities")
    figures["n_merged_in_one_word"] = count(build_counts["entities_merged_in_one_word"], "merge", "merges")
    figures["n_dropped_in_one_word"] = count(build_counts["entities_dropped_in_one_word"], "entity", "entities")
    figures["n_dropped_for_numeric"] = count(build_counts["entities_dropped_for_numeric"], "entity", "entities")
    figures["split_seed"] = str(build_counts["split_seed"])
    figures["split_rule"] = (
        f"every label of at least {MIN_COUNT_FOR_EVERY_SPLIT} instances in every split, and `validation` and "
        f"`test` each within {SPLIT_SIZE_TOLERANCE * 100:g} % of the report's sentences of their targets "
        f"({SPLIT_TARGETS['validation'] * 100:g} % and {SPLIT_TARGETS['test'] * 100:g} %)")
    figures["source_sha256"] = read_split(hf_dir, "documents", "train")[0]["source_sha256"]
    figures["example_row"] = example_row(hf_dir)
    figures["conllu_example"] = conllu_example(hf_dir)
    figures.update(export_figures(hf_dir))
    figures["model_scores"] = model_scores_table(models_dir / "metrics.json")
    figures["model_checksums"] = model_checksums(corpus_dir / "interim" / "hanlp.meta.json")
    figures["annotators"] = annotator_table(corpus_dir)
    figures.update(review_figures(corpus_dir / "annotations" / "review_summary.json"))
    figures.update(word_review_figures(corpus_dir / "annotations" / "words_review_summary.json"))
    figures.update(word_score_figures(corpus_dir / "annotations" / "word_layer_scores.json"))
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


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}"


def review_figures(summary_path: Path) -> dict[str, str]:
    """Numeric review counts, agreement and proposer quality from the review summary."""
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    counts = summary["counts"]
    agreement = summary["agreement"]
    proposer = summary["proposer"]
    return {
        "review_counts": _table(["proposed", "accepted", "corrected", "rejected", "added", "published"],
                                [[counts[k] for k in ("proposed", "accepted", "corrected", "rejected", "added", "published")]]),
        "review_agreement": (
            f"span F1 {_pct(agreement['span_f1'])}, Cohen's kappa on labels {_fmt(agreement['kappa'], 3)} "
            f"over {agreement['sentences']} sentences ({agreement['fraction'] * 100:.0f} % of the report, "
            f"seed {agreement['seed']}), {count(agreement['disagreements'], 'disagreement', 'disagreements')}"
        ),
        "proposer_quality": (
            f"precision {_pct(proposer['precision'])}, recall {_pct(proposer['recall'])} "
            f"(exact span and label against the published labels)"
        ),
    }


CHANGE_KINDS = [("splits", "splits"), ("merges", "merges"), ("retags", "retags"), ("entities_added", "entities added"),
                ("entities_removed", "entities removed"), ("entities_moved", "entities moved"),
                ("entities_relabelled", "entities relabelled")]


def word_review_figures(summary_path: Path) -> dict[str, str]:
    """Word review figures from words_review_summary.json: the changes in force by kind, the
    agreement of the primary review with the from-scratch annotation (HanLP against the
    published layer comes from word_layer_scores.json, see word_score_figures)."""
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    counts, agreement = summary["counts"], summary["agreement"]
    by_label = agreement["entity_f1_by_label"]
    return {
        "word_counts": _table(["words", "entities", "sentences checked"] + [name for _, name in CHANGE_KINDS],
                              [[_fmt(counts["words"]), counts["entities"], counts["sentences_checked"]]
                               + [counts[k] for k, _ in CHANGE_KINDS]]),
        "word_agreement": _table(
            ["sentences", "words segmented alike", "segmentation F1 (P / R)", "tag accuracy", "tag kappa",
             "entity F1", "PER / LOC / ORG F1", "disagreements", "adjudication decisions in force"],
            [[f"{agreement['sentences']} ({agreement['fraction'] * 100:.0f} %, seed {agreement['seed']})",
              _fmt(agreement["words_compared"]),
              f"{_pct(agreement['segmentation_f1'])} ({_pct(agreement['segmentation_precision'])} / "
              f"{_pct(agreement['segmentation_recall'])})",
              _pct(agreement["tag_accuracy"]), _fmt(agreement["tag_kappa"], 3), _pct(agreement["entity_f1"]),
              " / ".join(_pct(by_label[k]) for k in ("PER", "LOC", "ORG")),
              agreement["disagreements"], agreement["adjudicated"]]]),
    }


def word_score_figures(scores_path: Path) -> dict[str, str]:
    """HanLP (and jieba, thulac, pkuseg) against the reviewed word layer, from word_layer_scores.json
    (written by scripts/evaluate_word_layer.py): the scores, the error classes with examples and
    the comparators' segmentation."""
    scores = json.loads(scores_path.read_text(encoding="utf-8"))
    h = scores["hanlp"]
    seg, tags, joint, ents = (h["segmentation"], h["tags_on_words_segmented_alike"], h["joint_seg_tag"],
                              h["entities"])
    rows = [["segmentation", "word P / R / F1", f"{seg['precision']:.2f} / {seg['recall']:.2f} / **{seg['f1']:.2f}**"],
            ["", "OOV rate / OOV recall / IV recall", f"{seg['oov_rate']:.2f} / {seg['oov_recall']:.2f} / "
                                                      f"{seg['iv_recall']:.2f} ({_fmt(seg['oov_words'])} OOV words)"],
            ["PKU tags", "accuracy on words segmented alike (known / unknown)",
             f"**{tags['accuracy']:.2f}** ({tags['known_accuracy']:.2f} / {tags['unknown_accuracy']:.2f}, "
             f"{_fmt(tags['tokens'])} words)"],
            ["", "joint segmentation + tag P / R / F1", f"{joint['precision']:.2f} / {joint['recall']:.2f} / {joint['f1']:.2f}"]]
    for label in ("PER", "LOC", "ORG", "overall"):
        e = ents.get(label, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 0, "pred": 0})
        rows.append(["entities" if label == "PER" else "", f"{label} P / R / F1 (gold / predicted)",
                     f"{e['precision']:.2f} / {e['recall']:.2f} / " + (f"**{e['f1']:.2f}**" if label == "overall" else
                                                                    f"{e['f1']:.2f}") + f" ({e['gold']} / {e['pred']})"])
    errors = h["errors"]
    names = {"over": "one reviewed word, HanLP split it", "under": "several reviewed words, HanLP joined them",
             "crossing": "boundaries cross", "label": "right span, wrong label", "extent": "overlapping, wrong extent",
             "spurious": "HanLP entity where there is none", "missed": "reviewed entity HanLP missed"}
    error_rows = [[f"segmentation: {names[k]}", v["count"], "; ".join(f"`{x}`" for x in v["examples"][:4])]
                  for k, v in errors["segmentation"].items()]
    error_rows += [[f"tags: {c['gold']} → {c['pred']}", c["count"], ", ".join(f"`{w}`" for w in c["examples"][:4])]
                   for c in errors["tags"][:6]]
    error_rows += [[f"entities: {names[k]}", v["count"], "; ".join(f"`{x}`" for x in v["examples"][:4])]
                   for k, v in errors["entities"].items()]
    seg_rows = [["HanLP (this project's models)", h["version"], f"{seg['precision']:.2f}", f"{seg['recall']:.2f}",
                 f"**{seg['f1']:.2f}**", f"{seg['oov_recall']:.2f}"]]
    seg_rows += [[name, v["version"], f"{v['segmentation']['precision']:.2f}", f"{v['segmentation']['recall']:.2f}",
                  f"{v['segmentation']['f1']:.2f}", f"{v['segmentation']['oov_recall']:.2f}"]
                 for name, v in sorted(scores["segmenters"].items())]
    return {
        "hanlp_vs_gold": _table(["layer", "measure", "value"], rows),
        "hanlp_errors": _table(["error class", "count", "most frequent examples (reviewed → HanLP)"], error_rows),
        "segmenter_comparison": _table(["segmenter", "version", "P", "R", "F1", "OOV recall"], seg_rows),
    }
