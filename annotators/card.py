"""The dataset card: YAML metadata for the Hub, rendering of DATASET_CARD.md, offline checks.

`DATASET_CARD.md` at the top level is the card's source. It holds `{{ name }}` placeholders
that the build fills with figures measured from the built files (`annotators.stats`); a
placeholder without a figure, or a figure nobody asked for, is an error. Links to files of the
source repository are written `{{ repo }}/path` and rendered relative to the dataset folder
(`../../path`); `publish` turns them into links under the repository URL it is given.
`card.validate()` of huggingface_hub needs the network, so the metadata is checked offline
against the project's own copies of the Hub's allowed identifiers below.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from .errors import CorpusError

# Subsets of the Hub's allowed identifiers (huggingface.co/docs/hub/datasets-cards and the
# hub-docs `languages`, `licenses` and `tasks` lists), enough to catch typos offline.
HUB_LICENSES = {
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "cc0-1.0", "cc-by-2.0", "cc-by-3.0", "cc-by-4.0",
    "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "gpl-3.0",
    "lgpl-3.0", "odc-by", "odbl", "pddl", "other", "unknown",
}
HUB_TASK_CATEGORIES = {
    "token-classification", "text-classification", "text-generation", "translation", "summarization",
    "question-answering", "fill-mask", "feature-extraction", "sentence-similarity", "zero-shot-classification",
    "table-question-answering", "text2text-generation",
}
HUB_TASK_IDS = {
    "named-entity-recognition", "part-of-speech", "parsing", "lemmatization", "word-sense-disambiguation",
    "coreference-resolution", "entity-linking-classification", "language-modeling", "sentiment-classification",
    "multi-class-classification", "multi-label-classification", "topic-classification",
}
HUB_LANGUAGES = {"zh", "en", "mn", "ja", "ko", "bo", "ug"}
HUB_SIZE_CATEGORIES = ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M"]
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


def size_category(n: int) -> str:
    """The Hub's size category for `n` examples."""
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


# What each config holds, shown as its description; the build appends the config's data fingerprint.
CONFIG_DESCRIPTIONS = {
    "default": "One row a sentence: words with PKU and Universal POS tags and PER/LOC/ORG BIO tags (HanLP, silver), "
               "and the reviewed numeric entities (gold).",
    "char_ner": "One row a sentence, one token a character: BIO tags merging PER/LOC/ORG (silver) and the seven "
                "numeric labels (gold).",
    "documents": "One row: the cleaned report as paragraphs with their structure, and its metadata.",
}
# BCP-47 tags of the text: traditional characters (`text`) and simplified characters (`text_simplified`).
LANGUAGE_DETAILS = ["zh-Hant", "zh-Hans"]
BCP47_RE = re.compile(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?")
# Top-level keys of the Hub's dataset card spec (hub-docs datasetcard.md) plus `multilinguality`
# of the canonical cards; anything else is not a Hub field.
HUB_CARD_KEYS = {
    "pretty_name", "language", "language_details", "license", "license_name", "license_link", "license_details",
    "tags", "annotations_creators", "language_creators", "multilinguality", "size_categories", "source_datasets",
    "task_categories", "task_ids", "paperswithcode_id", "configs", "dataset_info", "extra_gated_fields",
    "extra_gated_prompt", "train-eval-index",
}


def data_fingerprint(checksums: dict[str, str]) -> str:
    """16 hex digits of the SHA-256 of `path  sha256` lines: changes whenever one of the files does."""
    lines = "".join(f"{checksums[path]}  {path}\n" for path in sorted(checksums))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:16]


def card_metadata(
    sizes: dict[str, dict[str, int]],
    infos: dict[str, dict],
    feature_yaml: dict[str, list],
    fingerprints: dict[str, str],
    data_file: "callable[[str, str], str]",
) -> dict:
    """The README YAML header: Hub fields, configs with data_files, dataset_info.

    `infos[config]` holds `num_bytes` per split, `download_size` and `dataset_size` as `datasets`
    computes them. Each config's description ends with the fingerprint of its Parquet files:
    `datasets` keys its cache of a local folder on the README's configs and dataset_info, so a
    rebuild that changes a Parquet byte changes the cache key too.
    """
    n_sentences = sum(sizes["default"].values())
    return {
        "pretty_name": "NMG 2025: an annotated teaching corpus of Chinese (Inner Mongolia government work report)",
        "license": "cc-by-nc-sa-4.0",
        "language": ["zh"],
        "language_details": list(LANGUAGE_DETAILS),
        "multilinguality": "monolingual",
        "annotations_creators": ["machine-generated"],  # HanLP, and language-model annotators reviewed it
        "language_creators": ["found"],
        "source_datasets": ["original"],
        "size_categories": [size_category(n_sentences)],
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition", "part-of-speech"],
        "tags": ["chinese", "traditional-chinese", "word-segmentation", "numeric-entities", "teaching"],
        "configs": [
            {"config_name": config, **({"default": True} if config == "default" else {}),
             "description": f"{CONFIG_DESCRIPTIONS[config]} Data fingerprint {fingerprints[config]}.",
             "data_files": [{"split": split, "path": data_file(config, split)} for split in splits]}
            for config, splits in sizes.items()
        ],
        "dataset_info": [
            {"config_name": config, "features": feature_yaml[config],
             "splits": [{"name": split, "num_bytes": infos[config]["num_bytes"][split], "num_examples": n}
                        for split, n in splits.items()],
             "download_size": infos[config]["download_size"],
             "dataset_size": infos[config]["dataset_size"]}
            for config, splits in sizes.items()
        ],
    }


def check_metadata(meta: dict) -> list[str]:
    """Problems with the Hub identifiers of `meta` (empty when all are allowed)."""
    problems = [f"top-level key {k!r} is not a Hub dataset card field" for k in meta if k not in HUB_CARD_KEYS]
    if meta.get("license") not in HUB_LICENSES:
        problems.append(f"license {meta.get('license')!r} is not a Hub licence identifier")
    problems += [f"language {x!r} is not an ISO 639-1 code the Hub lists" for x in meta.get("language", []) if x not in HUB_LANGUAGES]
    details = meta.get("language_details", [])
    if not isinstance(details, list):
        problems.append(f"language_details {details!r} is not a list of BCP-47 codes")
    else:
        problems += [f"language_details {x!r} is not a BCP-47 code in canonical case (e.g. zh-Hant)"
                     for x in details if not BCP47_RE.fullmatch(str(x))]
    problems += [f"task category {x!r} is unknown to the Hub" for x in meta.get("task_categories", []) if x not in HUB_TASK_CATEGORIES]
    problems += [f"task id {x!r} is unknown to the Hub" for x in meta.get("task_ids", []) if x not in HUB_TASK_IDS]
    problems += [f"size category {x!r} is unknown to the Hub" for x in meta.get("size_categories", []) if x not in HUB_SIZE_CATEGORIES]
    return problems


def render_template(template: str, figures: dict[str, str], template_path: Path | str = "DATASET_CARD.md") -> str:
    """Fill every `{{ name }}` of `template` from `figures`; raise on a missing or unused figure."""
    used = set(PLACEHOLDER_RE.findall(template))
    missing = sorted(used - figures.keys())
    if missing:
        raise CorpusError("E-CARD", f"{template_path}: no measured figure for placeholder(s) {', '.join(missing)}")
    unused = sorted(figures.keys() - used)
    if unused:
        raise CorpusError("E-CARD", f"{template_path}: figure(s) {', '.join(unused)} are measured but not shown")
    # The source's editing note (an HTML comment) is not part of the published card.
    template = re.sub(r"<!--.*?-->\n*", "", template, flags=re.S)
    return PLACEHOLDER_RE.sub(lambda m: figures[m.group(1)], template)


def render_card(meta: dict, body: str) -> str:
    """The README.md of the dataset folder: YAML front matter, then the rendered body."""
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=120)
    return f"---\n{header}---\n\n{body.lstrip()}"
