"""Stage 6–7: assemble the Hugging Face dataset folder `corpus/hf/` from the built layers.

Writes the Parquet splits of every config, the CoNLL-U and spaCy exports, and the README
(dataset card rendered from DATASET_CARD.md with measured figures and YAML metadata,
including the checksums of the source, the models and every data file).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from .card import card_metadata, check_metadata, render_card, render_template
from .dataset import NER_LABELS, NUMERIC_LABELS, PKU_LABELS, SPLITS, UPOS_LABELS, build_rows, features, parquet_path, write_parquet
from .errors import CorpusError
from .exports import write_conllu, write_docbin
from .pipeline import read_jsonl, sha256_file
from .stats import card_figures, read_split

HF_README = "README.md"
BUILD_INFO = "build_counts.json"


def export_paths(split: str) -> dict[str, str]:
    """Paths of a split's exports inside the dataset folder."""
    return {"conllu": f"exports/conllu/{split}.conllu", "spacy": f"exports/spacy/{split}.spacy"}


def write_dataset_folder(
    *,
    interim_dir: Path,
    annotations_dir: Path,
    models_dir: Path,
    card_source: Path,
    hf_dir: Path,
) -> dict:
    """Build `hf_dir` from the interim and annotation layers. Returns the build summary.

    Inputs: `interim_dir/{sentences.jsonl, document.json, hanlp.jsonl, hanlp.meta.json}`,
    `annotations_dir/{numeric_entities.jsonl, review_summary.json}`, `models_dir/metrics.json`
    and the card source. Raises CorpusError when a layer is missing, stale or inconsistent.
    """
    sentences = read_jsonl(interim_dir / "sentences.jsonl")
    document = json.loads((interim_dir / "document.json").read_text(encoding="utf-8"))
    hanlp_by_id = {r["id"]: r for r in read_jsonl(interim_dir / "hanlp.jsonl")}
    numeric_rows = read_jsonl(annotations_dir / "numeric_entities.jsonl")
    numeric_by_id: dict[str, list[dict]] = {}
    text_hash_by_id = {s["id"]: s["text_hash"] for s in sentences}
    for row in numeric_rows:
        if text_hash_by_id.get(row["id"]) != row["text_hash"]:
            raise CorpusError("E-LAYER-STALE", f"{annotations_dir / 'numeric_entities.jsonl'}: sentence {row['id']} "
                              "is unknown or its text changed since the review; review it again")
        numeric_by_id[row["id"]] = row["spans"]

    configs, counts = build_rows(sentences, hanlp_by_id, numeric_by_id, document)
    sizes = write_parquet(configs, hf_dir)
    build_counts = asdict(counts)
    (hf_dir / BUILD_INFO).write_text(json.dumps(build_counts, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    # Exports are written from the Parquet files, so they show exactly what users load.
    for split in SPLITS:
        rows = read_split(hf_dir, "default", split)
        paths = export_paths(split)
        write_conllu(rows, hf_dir / paths["conllu"], PKU_LABELS, UPOS_LABELS, NER_LABELS)
        write_docbin(rows, hf_dir / paths["spacy"], PKU_LABELS, UPOS_LABELS, NER_LABELS, NUMERIC_LABELS)

    hanlp_meta = json.loads((interim_dir / "hanlp.meta.json").read_text(encoding="utf-8"))
    checksums = {"source": document["provenance"]["source_sha256"]}
    for name, model in sorted(hanlp_meta.get("models", {}).items()):
        digests = model.get("sha256", {}) if isinstance(model, dict) else {}
        for file_name, digest in sorted(digests.items() if isinstance(digests, dict) else [("", digests)]):
            checksums[f"models/{name}/{file_name}".rstrip("/")] = digest
    for config, splits in sizes.items():
        for split in splits:
            checksums[parquet_path(config, split)] = sha256_file(hf_dir / parquet_path(config, split))
    num_bytes = {c: {s: (hf_dir / parquet_path(c, s)).stat().st_size for s in splits} for c, splits in sizes.items()}
    feature_yaml = {c: f._to_yaml_list() for c, f in features().items()}
    meta = card_metadata(sizes, num_bytes, feature_yaml, checksums, parquet_path)
    problems = check_metadata(meta)
    if problems:
        raise CorpusError("E-CARD", "; ".join(problems))
    figures = card_figures(hf_dir, annotations_dir.parent, models_dir, build_counts)
    body = render_template(card_source.read_text(encoding="utf-8"), figures, card_source)
    (hf_dir / HF_README).write_text(render_card(meta, body), encoding="utf-8")
    return {"sizes": sizes, "counts": build_counts}
