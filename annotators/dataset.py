"""Stage 6: the Hugging Face dataset (Parquet splits) from the sentence, HanLP and numeric layers.

The schema is declared once here (`FEATURES`) and every table is cast to it when written, so
ClassLabel names survive the round trip through Parquet and the README's `dataset_info`.

Configs:
- `default`: one row a sentence, words with PKU and Universal POS tags, BIO tags for the HanLP
  entities over words, and the reviewed numeric entities as a list of spans;
- `char_ner`: one row a sentence, characters as tokens, BIO tags merging the HanLP entities
  and the reviewed numeric entities (a numeric span wins over an overlapping HanLP entity);
- `documents`: the cleaned report as paragraphs with their structure, and its metadata.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError
from .pku_upos import PKU_TO_UPOS

ENTITY_TYPES = ["PER", "LOC", "ORG"]
NUMERIC_LABELS = ["DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"]
QUALIFIERS = ["exact", "approx", "over", "under"]
PUBLISHED_STATUSES = ["accepted", "corrected", "added"]
UPOS_LABELS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
               "PUNCT", "SCONJ", "SYM", "VERB", "X"]
NER_LABELS = ["O"] + [f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")]
CHAR_NER_LABELS = ["O"] + [f"{p}-{t}" for t in ENTITY_TYPES + NUMERIC_LABELS for p in ("B", "I")]
PKU_LABELS = sorted(PKU_TO_UPOS)
SPLITS = ["train", "validation", "test"]
SPLIT_TARGETS = {"train": 0.8, "validation": 0.1, "test": 0.1}
# A numeric label this frequent in the report must occur in every split.
MIN_COUNT_FOR_EVERY_SPLIT = 3
SPLIT_SEED_BASE = 20250114


def features() -> dict:
    """The `datasets.Features` of every config, declared once."""
    from datasets import ClassLabel, Features, List, Value

    numeric_span = {
        "start": Value("int32"), "end": Value("int32"), "text": Value("string"),
        "label": ClassLabel(names=NUMERIC_LABELS), "value": Value("float64"), "timex": Value("string"),
        "unit": Value("string"), "qualifier": ClassLabel(names=QUALIFIERS),
        "status": ClassLabel(names=PUBLISHED_STATUSES),
    }
    default = Features({
        "id": Value("string"), "text_hash": Value("string"), "part": Value("string"),
        "section": Value("string"), "section_number": Value("int32"), "paragraph": Value("int32"),
        "index": Value("int32"), "is_heading": Value("bool"), "raw_start": Value("int32"),
        "raw_end": Value("int32"), "text": Value("string"), "text_simplified": Value("string"),
        "tokens": List(Value("string")), "token_starts": List(Value("int32")), "token_ends": List(Value("int32")),
        "pos_tags": List(ClassLabel(names=PKU_LABELS)), "upos": List(ClassLabel(names=UPOS_LABELS)),
        "ner_tags": List(ClassLabel(names=NER_LABELS)), "numeric_entities": List(numeric_span),
    })
    char_ner = Features({
        "id": Value("string"), "text": Value("string"), "tokens": List(Value("string")),
        "ner_tags": List(ClassLabel(names=CHAR_NER_LABELS)),
    })
    documents = Features({
        "doc_id": Value("string"), "title": Value("string"), "date": Value("string"), "venue": Value("string"),
        "speaker": Value("string"), "speaker_title": Value("string"), "source_sha256": Value("string"),
        "paragraphs": List({
            "paragraph": Value("int32"), "part": Value("string"), "section": Value("string"),
            "section_number": Value("int32"), "text": Value("string"), "sentence_ids": List(Value("string")),
        }),
    })
    return {"default": default, "char_ner": char_ner, "documents": documents}


@dataclass
class BuildCounts:
    """Figures measured while building, shown by the card and `stats`."""

    entities_boundary_inside_token: int = 0
    entities_merged_in_one_word: int = 0
    entities_dropped_in_one_word: int = 0
    hanlp_entities_dropped_for_numeric: int = 0
    split_seed: int = 0
    notes: list[str] = field(default_factory=list)


def bio_over_tokens(token_offsets: list[tuple[int, int]], entities: list[dict]) -> tuple[list[str], Counter]:
    """BIO tags over tokens: an entity covers every token it overlaps.

    Two entities that reach into the same word (HanLP's recognizer and segmenter disagree, as
    in 京津|冀 over the words 京|津冀) cannot both be tagged: with the same label they become one
    entity over the union of their words (`merged`); with different labels the later one is
    dropped (`dropped`). Returns the tags and a Counter of `boundary_inside_token` (entities
    whose start or end fell inside a word), `merged` and `dropped`.
    """
    counts: Counter = Counter()
    # Group the token ranges of the entities, joining ranges that share a token.
    groups: list[list] = []  # [first token, last token, label]
    for ent in sorted(entities, key=lambda e: (e["start"], e["end"])):
        covered = [i for i, (s, e) in enumerate(token_offsets) if s < ent["end"] and ent["start"] < e]
        if not covered:
            raise CorpusError("E-LAYER", f"entity {ent} covers no token")
        first, last = token_offsets[covered[0]], token_offsets[covered[-1]]
        counts["boundary_inside_token"] += first[0] != ent["start"] or last[1] != ent["end"]
        if groups and covered[0] <= groups[-1][1]:
            if groups[-1][2] == ent["label"]:
                groups[-1][1] = max(groups[-1][1], covered[-1])
                counts["merged"] += 1
            else:
                counts["dropped"] += 1
            continue
        groups.append([covered[0], covered[-1], ent["label"]])
    tags = ["O"] * len(token_offsets)
    for first, last, label in groups:
        for i in range(first, last + 1):
            tags[i] = f"{'B' if i == first else 'I'}-{label}"
    return tags, counts


def bio_over_chars(length: int, numeric: list[dict], hanlp_entities: list[dict]) -> tuple[list[str], int]:
    """Character BIO tags merging reviewed numeric spans and HanLP entities.

    A HanLP entity that overlaps a numeric span is dropped (the reviewed span stays). Returns the
    tags and the number of HanLP entities dropped.
    """
    tags = ["O"] * length
    for span in numeric:
        for i in range(span["start"], span["end"]):
            tags[i] = f"{'B' if i == span['start'] else 'I'}-{span['label']}"
    dropped = 0
    for ent in hanlp_entities:
        if any(tags[i] != "O" for i in range(ent["start"], ent["end"])):
            dropped += 1
            continue
        for i in range(ent["start"], ent["end"]):
            tags[i] = f"{'B' if i == ent['start'] else 'I'}-{ent['label']}"
    return tags, dropped


def assign_splits(sentences: list[dict], numeric_by_id: dict[str, list[dict]]) -> tuple[dict[int, str], int]:
    """Assign whole paragraphs to train/validation/test, about 80/10/10 by sentences.

    Deterministic: paragraph orders are drawn from `random.Random(SPLIT_SEED_BASE + k)` for
    k = 0, 1, … and the first assignment that puts every numeric label with at least
    MIN_COUNT_FOR_EVERY_SPLIT instances into every split is kept. Returns paragraph → split
    and the seed used.
    """
    by_para: dict[int, list[dict]] = defaultdict(list)
    for s in sentences:
        by_para[s["paragraph"]].append(s)
    total = len(sentences)
    label_totals = Counter(sp["label"] for spans in numeric_by_id.values() for sp in spans)
    required = {label for label, n in label_totals.items() if n >= MIN_COUNT_FOR_EVERY_SPLIT}
    for k in range(10_000):
        seed = SPLIT_SEED_BASE + k
        order = sorted(by_para)
        random.Random(seed).shuffle(order)
        assignment: dict[int, str] = {}
        sizes = Counter()
        for para in order:
            # Fill validation and test first, up to their targets; the rest is train.
            n = len(by_para[para])
            for split in ("validation", "test", "train"):
                if split == "train" or sizes[split] + n <= round(SPLIT_TARGETS[split] * total):
                    assignment[para] = split
                    sizes[split] += n
                    break
        if any(abs(sizes[s] - SPLIT_TARGETS[s] * total) > 0.02 * total for s in ("validation", "test")):
            continue
        labels_in = {s: set() for s in SPLITS}
        for para, split in assignment.items():
            for sent in by_para[para]:
                labels_in[split].update(sp["label"] for sp in numeric_by_id.get(sent["id"], []))
        if all(required <= labels_in[s] for s in SPLITS):
            return assignment, seed
    raise CorpusError("E-SPLIT", "no paragraph split puts every frequent numeric label in every split")


def check_layer(name: str, rows_by_id: dict[str, dict], sentences: list[dict]) -> None:
    """Raise CorpusError unless `rows_by_id` has exactly the sentences, with matching text hashes."""
    ids = {s["id"] for s in sentences}
    missing = sorted(ids - rows_by_id.keys())
    extra = sorted(rows_by_id.keys() - ids)
    stale = sorted(s["id"] for s in sentences if s["id"] in rows_by_id and rows_by_id[s["id"]]["text_hash"] != s["text_hash"])
    problems = []
    if missing:
        problems.append(f"{len(missing)} sentence(s) missing, first {missing[0]}")
    if extra:
        problems.append(f"{len(extra)} unknown sentence id(s), first {extra[0]}")
    if stale:
        problems.append(f"{len(stale)} stale sentence(s) whose text changed, first {stale[0]}")
    if problems:
        raise CorpusError("E-LAYER-STALE", f"{name}: " + "; ".join(problems))


def build_rows(
    sentences: list[dict],
    hanlp_by_id: dict[str, dict],
    numeric_by_id: dict[str, list[dict]],
    document: dict,
) -> tuple[dict[str, dict[str, list[dict]]], BuildCounts]:
    """Rows of every config and split. `numeric_by_id` holds the published (reviewed) spans."""
    check_layer("HanLP layer", hanlp_by_id, sentences)
    counts = BuildCounts()
    assignment, counts.split_seed = assign_splits(sentences, numeric_by_id)
    configs: dict[str, dict[str, list[dict]]] = {"default": defaultdict(list), "char_ner": defaultdict(list)}
    for s in sentences:
        split = assignment[s["paragraph"]]
        h = hanlp_by_id[s["id"]]
        offsets = [tuple(o) for o in h["token_offsets"]]
        ner_tags, token_counts = bio_over_tokens(offsets, h["entities"])
        counts.entities_boundary_inside_token += token_counts["boundary_inside_token"]
        counts.entities_merged_in_one_word += token_counts["merged"]
        counts.entities_dropped_in_one_word += token_counts["dropped"]
        spans = sorted(numeric_by_id.get(s["id"], []), key=lambda sp: (sp["start"], sp["end"]))
        for sp in spans:
            if s["text"][sp["start"]:sp["end"]] != sp["text"] or sp["status"] not in PUBLISHED_STATUSES:
                raise CorpusError("E-LAYER", f"{s['id']}: numeric span {sp} does not match the text or is not reviewed")
        configs["default"][split].append({
            "id": s["id"], "text_hash": s["text_hash"], "part": s["part"], "section": s["section"],
            "section_number": s["section_number"], "paragraph": s["paragraph"], "index": s["index"],
            "is_heading": s["is_heading"], "raw_start": s["raw_start"], "raw_end": s["raw_end"],
            "text": s["text"], "text_simplified": s["text_simplified"], "tokens": h["tokens"],
            "token_starts": [o[0] for o in offsets], "token_ends": [o[1] for o in offsets],
            "pos_tags": h["pos_tags"], "upos": h["upos"], "ner_tags": ner_tags,
            "numeric_entities": [{k: sp[k] for k in ("start", "end", "text", "label", "value", "timex", "unit",
                                                     "qualifier", "status")} for sp in spans],
        })
        char_tags, dropped = bio_over_chars(len(s["text"]), spans, h["entities"])
        counts.hanlp_entities_dropped_for_numeric += dropped
        configs["char_ner"][split].append({"id": s["id"], "text": s["text"], "tokens": list(s["text"]),
                                           "ner_tags": char_tags})
    meta = document["metadata"]
    configs["documents"] = {"train": [{
        "doc_id": document["doc_id"], "title": meta["title"], "date": meta["date"], "venue": meta["venue"],
        "speaker": meta["speaker"], "speaker_title": meta["speaker_title"],
        "source_sha256": document["provenance"]["source_sha256"],
        "paragraphs": [{k: p[k] for k in ("paragraph", "part", "section", "section_number", "text", "sentence_ids")}
                       for p in document["paragraphs"]],
    }]}
    ordered = {name: {sp: splits[sp] for sp in SPLITS if sp in splits} for name, splits in configs.items()}
    return ordered, counts


def parquet_path(config: str, split: str) -> str:
    """Path of a split's Parquet file inside the dataset folder (Hub convention)."""
    return f"data/{config}/{split}-00000-of-00001.parquet"


def write_parquet(configs: dict[str, dict[str, list[dict]]], out_dir: Path) -> dict[str, dict[str, int]]:
    """Write every config and split as Parquet under `out_dir/data/`; return row counts.

    Rows are cast to the declared features, so the Parquet schema metadata carries the
    ClassLabel names too.
    """
    import datasets
    from datasets import Dataset

    datasets.disable_progress_bars()
    feats = features()
    sizes: dict[str, dict[str, int]] = {}
    for config, splits in configs.items():
        for split, rows in splits.items():
            path = out_dir / parquet_path(config, split)
            path.parent.mkdir(parents=True, exist_ok=True)
            Dataset.from_list(rows, features=feats[config]).to_parquet(str(path))
            sizes.setdefault(config, {})[split] = len(rows)
    return sizes
