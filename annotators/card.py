"""The dataset card: YAML metadata for the Hub, rendering of DATASET_CARD.md, offline checks.

`DATASET_CARD.md` at the top level is the card's source. It holds `{{ name }}` placeholders
that the build fills with figures measured from the built files (`annotators.stats`); a
placeholder without a figure, or a figure nobody asked for, is an error. `card.validate()`
of huggingface_hub needs the network, so the metadata is checked offline against the
project's own copies of the Hub's allowed identifiers below.
"""

from __future__ import annotations

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


def card_metadata(
    sizes: dict[str, dict[str, int]],
    num_bytes: dict[str, dict[str, int]],
    feature_yaml: dict[str, list],
    checksums: dict[str, str],
    data_file: "callable[[str, str], str]",
) -> dict:
    """The README YAML header: Hub fields, configs with data_files, dataset_info, checksums."""
    n_sentences = sum(sizes["default"].values())
    return {
        "pretty_name": "NMG 2025: an annotated teaching corpus of Chinese (Inner Mongolia government work report)",
        "license": "cc-by-nc-sa-4.0",
        "language": ["zh"],
        "language_details": "zh-Hant (machine-converted from a zh-Hans original), with zh-Hans text_simplified",
        "multilinguality": "monolingual",
        "annotations_creators": ["machine-generated", "expert-generated"],
        "language_creators": ["found"],
        "source_datasets": ["original"],
        "size_categories": [size_category(n_sentences)],
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition", "part-of-speech"],
        "tags": ["chinese", "traditional-chinese", "word-segmentation", "numeric-entities", "teaching"],
        "configs": [
            {"config_name": config, **({"default": True} if config == "default" else {}),
             "data_files": [{"split": split, "path": data_file(config, split)} for split in splits]}
            for config, splits in sizes.items()
        ],
        "dataset_info": [
            {"config_name": config, "features": feature_yaml[config],
             "splits": [{"name": split, "num_bytes": num_bytes[config][split], "num_examples": n}
                        for split, n in splits.items()],
             "dataset_size": sum(num_bytes[config].values())}
            for config, splits in sizes.items()
        ],
        "checksums": dict(sorted(checksums.items())),
    }


def check_metadata(meta: dict) -> list[str]:
    """Problems with the Hub identifiers of `meta` (empty when all are allowed)."""
    problems = []
    if meta.get("license") not in HUB_LICENSES:
        problems.append(f"license {meta.get('license')!r} is not a Hub licence identifier")
    problems += [f"language {x!r} is not an ISO 639-1 code the Hub lists" for x in meta.get("language", []) if x not in HUB_LANGUAGES]
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
