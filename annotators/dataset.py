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

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError
from .pku_upos import PKU_TO_UPOS, pku_to_upos

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
#: HanLP's silver word layer sits beside the reviewed one under these column names
HANLP_PREFIX = "hanlp_"
SPLIT_TARGETS = {"train": 0.8, "validation": 0.1, "test": 0.1}
# An entity label (numeric or PER/LOC/ORG) this frequent in the report must occur in every split.
MIN_COUNT_FOR_EVERY_SPLIT = 3
SPLIT_SEED_BASE = 20250114
# How many seeded starts the split search compares, and how far (as a fraction of the report's
# sentences) validation and test may be from their targets.
SPLIT_SEEDS = 20
SPLIT_SIZE_TOLERANCE = 0.01


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
        # the reviewed word layer, then HanLP's own output on the same sentence (prefix `hanlp_`)
        **{f"{prefix}{name}": kind for prefix in ("", HANLP_PREFIX) for name, kind in (
            ("tokens", List(Value("string"))), ("token_starts", List(Value("int32"))),
            ("token_ends", List(Value("int32"))), ("pos_tags", List(ClassLabel(names=PKU_LABELS))),
            ("upos", List(ClassLabel(names=UPOS_LABELS))), ("ner_tags", List(ClassLabel(names=NER_LABELS))))},
        "numeric_entities": List(numeric_span),
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

    # HanLP's entities (the hanlp_ner_tags column) against HanLP's own words: see bio_over_tokens
    entities_boundary_inside_token: int = 0
    entities_merged_in_one_word: int = 0
    entities_dropped_in_one_word: int = 0
    # reviewed entities left out of char_ner because a numeric span overlaps them
    entities_dropped_for_numeric: int = 0
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


def bio_over_chars(length: int, numeric: list[dict], entities: list[dict]) -> tuple[list[str], int]:
    """Character BIO tags merging the numeric spans and the PER/LOC/ORG entities.

    An entity that overlaps a numeric span is dropped (the numeric span stays). Returns the tags
    and the number of entities dropped.
    """
    tags = ["O"] * length
    for span in numeric:
        for i in range(span["start"], span["end"]):
            tags[i] = f"{'B' if i == span['start'] else 'I'}-{span['label']}"
    dropped = 0
    for ent in entities:
        if any(tags[i] != "O" for i in range(ent["start"], ent["end"])):
            dropped += 1
            continue
        for i in range(ent["start"], ent["end"]):
            tags[i] = f"{'B' if i == ent['start'] else 'I'}-{ent['label']}"
    return tags, dropped


def _split_units(sentences: list[dict]) -> list[list[int]]:
    """Paragraphs that must share a split: those holding an identical sentence (e.g. `各位代表！`)
    form one unit, so no sentence of validation or test also occurs in train. Sorted, deterministic."""
    parent: dict[int, int] = {}

    def find(p: int) -> int:
        while parent.setdefault(p, p) != p:
            p = parent[p]
        return p

    first_with_text: dict[str, int] = {}
    for s in sentences:
        find(s["paragraph"])
        other = first_with_text.setdefault(s["text"], s["paragraph"])
        a, b = find(other), find(s["paragraph"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    units: dict[int, list[int]] = defaultdict(list)
    for p in sorted(parent):
        units[find(p)].append(p)
    return [units[k] for k in sorted(units)]


@dataclass
class _SplitState:
    """Sizes and per-label counts of one assignment of units to splits."""

    chosen: list[str]
    sizes: Counter
    counts: dict[str, list[int]]


def assign_splits(sentences: list[dict], labels_by_id: dict[str, list[str]]) -> tuple[dict[int, str], int]:
    """Assign whole paragraphs to train/validation/test, about 80/10/10 by sentences.

    `labels_by_id` maps a sentence id to the labels of its entities (numeric and PER/LOC/ORG).
    Paragraphs sharing an identical sentence form one unit and go to one split. For each seed
    SPLIT_SEED_BASE + k, k < SPLIT_SEEDS, the units are shuffled with `random.Random(seed)`,
    validation and test are filled up to their targets, and a local search then moves or swaps
    units while that lowers the chi-square distance between the label counts of validation and
    test and their share of the sentences. An assignment counts only if validation and test are
    within SPLIT_SIZE_TOLERANCE of the report of their targets and every label with at least
    MIN_COUNT_FOR_EVERY_SPLIT instances is in every split. The lowest distance wins, the lowest
    seed on a tie. Returns paragraph → split and the seed of the winner.
    """
    size: Counter = Counter(s["paragraph"] for s in sentences)
    by_para: dict[int, Counter] = defaultdict(Counter)
    for s in sentences:
        by_para[s["paragraph"]].update(labels_by_id.get(s["id"], []))
    units = _split_units(sentences)
    total = len(sentences)
    label_totals = sum(by_para.values(), Counter())
    required = sorted(label for label, n in label_totals.items() if n >= MIN_COUNT_FOR_EVERY_SPLIT)
    unit_size = [sum(size[p] for p in unit) for unit in units]
    unit_counts = [[sum(by_para[p][label] for p in unit) for label in required] for unit in units]

    def distance(state: _SplitState) -> float:
        if any(abs(state.sizes[s] - SPLIT_TARGETS[s] * total) > SPLIT_SIZE_TOLERANCE * total for s in ("validation", "test")):
            return math.inf
        if any(n == 0 for s in SPLITS for n in state.counts[s]):
            return math.inf
        out = 0.0
        for s in ("validation", "test"):
            share = state.sizes[s] / total
            out += sum((n - share * label_totals[label]) ** 2 / (share * label_totals[label])
                       for n, label in zip(state.counts[s], required))
        return out

    def moved(state: _SplitState, u: int, to: str) -> _SplitState:
        chosen, sizes = list(state.chosen), Counter(state.sizes)
        counts = {s: list(c) for s, c in state.counts.items()}
        frm, chosen[u] = chosen[u], to
        sizes[frm] -= unit_size[u]
        sizes[to] += unit_size[u]
        for i, n in enumerate(unit_counts[u]):
            counts[frm][i] -= n
            counts[to][i] += n
        return _SplitState(chosen, sizes, counts)

    best: tuple[float, int, list[str]] | None = None
    for k in range(SPLIT_SEEDS):
        seed = SPLIT_SEED_BASE + k
        order = list(range(len(units)))
        random.Random(seed).shuffle(order)
        chosen, sizes = [""] * len(units), Counter()
        for u in order:
            # Fill validation and test first, up to their targets; the rest is train.
            for split in ("validation", "test", "train"):
                if split == "train" or sizes[split] + unit_size[u] <= round(SPLIT_TARGETS[split] * total):
                    chosen[u] = split
                    sizes[split] += unit_size[u]
                    break
        state = _SplitState(chosen, sizes, {s: [sum(unit_counts[u][i] for u in range(len(units)) if chosen[u] == s)
                                                for i in range(len(required))] for s in SPLITS})
        score = distance(state)
        improved = True
        while improved:  # first improvement, in a fixed order: deterministic
            improved = False
            for u in range(len(units)):
                for v in [None, *range(u + 1, len(units))]:
                    if v is None:
                        candidates = [moved(state, u, s) for s in SPLITS if s != state.chosen[u]]
                    elif state.chosen[u] != state.chosen[v]:
                        candidates = [moved(moved(state, u, state.chosen[v]), v, state.chosen[u])]
                    else:
                        continue
                    for candidate in candidates:
                        d = distance(candidate)
                        if d < score - 1e-9:
                            state, score, improved = candidate, d, True
        if score < math.inf and (best is None or score < best[0] - 1e-9):
            best = (score, seed, state.chosen)
    if best is None:
        raise CorpusError("E-SPLIT", f"none of {SPLIT_SEEDS} seeded paragraph splits puts every label with at least "
                          f"{MIN_COUNT_FOR_EVERY_SPLIT} instances in every split")
    _, seed, chosen = best
    return {p: chosen[u] for u, unit in enumerate(units) for p in unit}, seed


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


def reviewed_word_columns(sentence: dict, words: dict) -> tuple[dict, list[dict]]:
    """The reviewed layer's word columns for one sentence (tokens, offsets, PKU tags, UPOS from the
    documented mapping on the simplified word, BIO entity tags) and its entities. Raises CorpusError
    when the words do not join to the text, a tag is unknown, or an entity is not whole words or
    overlaps another (the review tool never writes such a layer)."""
    sid, text = sentence["id"], sentence["text"]
    offsets = [tuple(o) for o in words["token_offsets"]]
    if [text[a:b] for a, b in offsets] != words["tokens"] or "".join(words["tokens"]) != text:
        raise CorpusError("E-LAYER", f"{sid}: reviewed words do not join to the sentence text")
    unknown = sorted({t for t in words["pos_tags"] if t not in PKU_TO_UPOS})
    if unknown:
        raise CorpusError("E-LAYER", f"{sid}: reviewed tags not in the PKU tag set: {', '.join(map(str, unknown))}")
    tags, entity_counts = bio_over_tokens(offsets, words["entities"])
    if any(entity_counts.values()):
        raise CorpusError("E-LAYER", f"{sid}: a reviewed entity is not whole words or overlaps another")
    columns = {"tokens": words["tokens"], "token_starts": [a for a, _ in offsets], "token_ends": [b for _, b in offsets],
               "pos_tags": words["pos_tags"],
               "upos": [pku_to_upos(t, sentence["text_simplified"][a:b]) for t, (a, b) in zip(words["pos_tags"], offsets)],
               "ner_tags": tags}
    return columns, words["entities"]


def build_rows(
    sentences: list[dict],
    words_by_id: dict[str, dict],
    hanlp_by_id: dict[str, dict],
    numeric_by_id: dict[str, list[dict]],
    document: dict,
) -> tuple[dict[str, dict[str, list[dict]]], BuildCounts]:
    """Rows of every config and split. `words_by_id` is the reviewed word layer
    (corpus/annotations/words.jsonl), `hanlp_by_id` HanLP's output (published beside it as the
    `hanlp_*` columns), `numeric_by_id` the published (reviewed) numeric spans."""
    check_layer("reviewed word layer", words_by_id, sentences)
    check_layer("HanLP layer", hanlp_by_id, sentences)
    counts = BuildCounts()
    reviewed: dict[str, tuple[dict, list[dict]]] = {}
    silver: dict[str, dict] = {}
    for s in sentences:
        reviewed[s["id"]] = reviewed_word_columns(s, words_by_id[s["id"]])
        h = hanlp_by_id[s["id"]]
        offsets = [tuple(o) for o in h["token_offsets"]]
        hanlp_ner, token_counts = bio_over_tokens(offsets, h["entities"])
        counts.entities_boundary_inside_token += token_counts["boundary_inside_token"]
        counts.entities_merged_in_one_word += token_counts["merged"]
        counts.entities_dropped_in_one_word += token_counts["dropped"]
        silver[s["id"]] = {f"{HANLP_PREFIX}tokens": h["tokens"],
                           f"{HANLP_PREFIX}token_starts": [o[0] for o in offsets],
                           f"{HANLP_PREFIX}token_ends": [o[1] for o in offsets],
                           f"{HANLP_PREFIX}pos_tags": h["pos_tags"], f"{HANLP_PREFIX}upos": h["upos"],
                           f"{HANLP_PREFIX}ner_tags": hanlp_ner}
    # The split balances the labels users train and score on: the numeric spans and the reviewed entities.
    labels_by_id = {s["id"]: [sp["label"] for sp in numeric_by_id.get(s["id"], [])]
                    + [e["label"] for e in reviewed[s["id"]][1]] for s in sentences}
    assignment, counts.split_seed = assign_splits(sentences, labels_by_id)
    configs: dict[str, dict[str, list[dict]]] = {"default": defaultdict(list), "char_ner": defaultdict(list)}
    for s in sentences:
        split = assignment[s["paragraph"]]
        word_columns, entities = reviewed[s["id"]]
        spans = sorted(numeric_by_id.get(s["id"], []), key=lambda sp: (sp["start"], sp["end"]))
        for sp in spans:
            if s["text"][sp["start"]:sp["end"]] != sp["text"] or sp["status"] not in PUBLISHED_STATUSES:
                raise CorpusError("E-LAYER", f"{s['id']}: numeric span {sp} does not match the text or is not reviewed")
        configs["default"][split].append({
            "id": s["id"], "text_hash": s["text_hash"], "part": s["part"], "section": s["section"],
            "section_number": s["section_number"], "paragraph": s["paragraph"], "index": s["index"],
            "is_heading": s["is_heading"], "raw_start": s["raw_start"], "raw_end": s["raw_end"],
            "text": s["text"], "text_simplified": s["text_simplified"], **word_columns, **silver[s["id"]],
            "numeric_entities": [{k: sp[k] for k in ("start", "end", "text", "label", "value", "timex", "unit",
                                                     "qualifier", "status")} for sp in spans],
        })
        char_tags, dropped = bio_over_chars(len(s["text"]), spans, entities)
        counts.entities_dropped_for_numeric += dropped
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
