"""Stage 6–7: assemble the Hugging Face dataset folder `corpus/hf/` from the built layers.

Writes the Parquet splits of every config, the CoNLL-U and spaCy exports, `checksums.sha256`
(every published data and export file, in `sha256sum -c` format) and the README (dataset card
rendered from DATASET_CARD.md with measured figures and YAML metadata whose `dataset_info` is
what `datasets` computes for these files).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from .card import card_metadata, check_metadata, data_fingerprint, render_card, render_template
from .dataset import SPLITS, build_rows, features, parquet_path, write_parquet
from .errors import CorpusError
from .exports import write_conllu, write_docbin
from .pipeline import read_jsonl, sha256_file
from .stats import card_figures, read_split

HF_README = "README.md"
BUILD_INFO = "build_counts.json"
CHECKSUMS = "checksums.sha256"


def export_paths(split: str) -> dict[str, str]:
    """Paths of a split's exports inside the dataset folder."""
    return {"conllu": f"exports/conllu/{split}.conllu", "spacy": f"exports/spacy/{split}.spacy"}


def checksummed_paths(sizes: dict[str, dict[str, int]]) -> list[str]:
    """The files `checksums.sha256` lists: every Parquet split and every export, sorted."""
    paths = [parquet_path(c, s) for c, splits in sizes.items() for s in splits]
    return sorted(paths + [p for s in SPLITS for p in export_paths(s).values()])


def read_checksums(path: Path) -> dict[str, str]:
    """`checksums.sha256` as path → SHA-256; raises CorpusError on a malformed line."""
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise CorpusError("E-CHECKSUMS", f"{path}:{lineno}: expected `SHA256  path`")
        out[name] = digest
    return out


def measured_infos(hf_dir: Path, sizes: dict[str, dict[str, int]]) -> dict[str, dict]:
    """`num_bytes` per split, `download_size` and `dataset_size` of every config, as `datasets`
    computes them (in-memory Arrow bytes; Parquet bytes read), by preparing each config in a
    throw-away cache."""
    import datasets

    datasets.disable_progress_bars()
    feats = features()
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for config, splits in sizes.items():
            builder = datasets.load_dataset_builder(
                "parquet", data_files={s: str(hf_dir / parquet_path(config, s)) for s in splits},
                features=feats[config], cache_dir=cache)
            builder.download_and_prepare()
            info = builder.info
            out[config] = {"num_bytes": {s: info.splits[s].num_bytes for s in splits},
                           "download_size": info.download_size, "dataset_size": info.dataset_size}
    return out


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
    `annotations_dir/{words.jsonl, numeric_entities.jsonl, review_summary.json,
    words_review_summary.json, word_layer_scores.json}`, `models_dir/metrics.json`
    and the card source. Raises CorpusError when a layer is missing, stale or inconsistent.
    """
    sentences = read_jsonl(interim_dir / "sentences.jsonl")
    document = json.loads((interim_dir / "document.json").read_text(encoding="utf-8"))
    hanlp_by_id = {r["id"]: r for r in read_jsonl(interim_dir / "hanlp.jsonl")}
    words_by_id = {r["id"]: r for r in read_jsonl(annotations_dir / "words.jsonl")}
    numeric_rows = read_jsonl(annotations_dir / "numeric_entities.jsonl")
    numeric_by_id: dict[str, list[dict]] = {}
    text_hash_by_id = {s["id"]: s["text_hash"] for s in sentences}
    for row in numeric_rows:
        if text_hash_by_id.get(row["id"]) != row["text_hash"]:
            raise CorpusError("E-LAYER-STALE", f"{annotations_dir / 'numeric_entities.jsonl'}: sentence {row['id']} "
                              "is unknown or its text changed since the review; review it again")
        numeric_by_id[row["id"]] = row["spans"]

    configs, counts = build_rows(sentences, words_by_id, hanlp_by_id, numeric_by_id, document)
    sizes = write_parquet(configs, hf_dir)
    build_counts = asdict(counts)
    (hf_dir / BUILD_INFO).write_text(json.dumps(build_counts, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    # Exports are written from the Parquet files, so they show exactly what users load.
    default_features = features()["default"]
    for split in SPLITS:
        rows = read_split(hf_dir, "default", split)
        paths = export_paths(split)
        write_conllu(rows, hf_dir / paths["conllu"], default_features)
        write_docbin(rows, hf_dir / paths["spacy"], split, default_features)

    checksums = {p: sha256_file(hf_dir / p) for p in checksummed_paths(sizes)}
    (hf_dir / CHECKSUMS).write_text("".join(f"{checksums[p]}  {p}\n" for p in sorted(checksums)), encoding="utf-8")
    fingerprints = {c: data_fingerprint({parquet_path(c, s): checksums[parquet_path(c, s)] for s in splits})
                    for c, splits in sizes.items()}
    feature_yaml = {c: f._to_yaml_list() for c, f in features().items()}
    meta = card_metadata(sizes, measured_infos(hf_dir, sizes), feature_yaml, fingerprints, parquet_path)
    problems = check_metadata(meta)
    if problems:
        raise CorpusError("E-CARD", "; ".join(problems))
    figures = card_figures(hf_dir, annotations_dir.parent, models_dir, build_counts)
    body = render_template(card_source.read_text(encoding="utf-8"), figures, card_source)
    (hf_dir / HF_README).write_text(render_card(meta, body), encoding="utf-8")
    return {"sizes": sizes, "counts": build_counts}
