"""Cross-validation of the word-layer models on the report's reviewed sentences.

The report is cut into folds of whole paragraphs (:func:`assign_folds`); every sentence is
scored once, by a model that never trained on its paragraph. This module holds the pure part:
reading the gold (`corpus/annotations/words.jsonl`) into the models' characters (NFKC of
`text_simplified`, per character, so offsets never move), the folds, training samples, the
compact prediction files shipped in `models/report_cv/`, the dictionary combination and the
scores (per fold, their mean and spread, and pooled over the whole report). Training lives in
:mod:`annotators.adapt`; the scripts are `scripts/adapt_models.py` and `scripts/evaluate_models.py`.
"""
from __future__ import annotations

import hashlib
import json
import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Dict, Iterable, List, Mapping, Sequence, Tuple

from .errors import CorpusError
from .hanlp_data import bmes, nfkc_chars
from .word_eval import score_layer

#: number of folds and the seed of the fold assignment (fixed: the shipped predictions depend on them)
FOLDS = 5
FOLD_SEED = 18
#: entity labels of the word layer
LABELS = ("PER", "LOC", "ORG")

Entity = Tuple[str, int, int]


class ReportCVError(CorpusError, ValueError):
    """A gold, sentence or prediction file is unusable; the message names the file and the line."""

    def __init__(self, message: str) -> None:
        super().__init__("E-REPORT-CV", message)


@dataclass(frozen=True)
class GoldSentence:
    """One reviewed sentence in the characters the models see.

    ``norm`` is NFKC (per character) of ``text_simplified``; ``words`` are slices of ``norm`` at the
    gold offsets, so ``"".join(words) == norm``; entities are ``(label, start, end)`` character spans.
    ``record`` is the gold line as read (traditional tokens), for :func:`annotators.word_eval.score_layer`.
    """
    id: str
    paragraph: int
    text: str
    norm: str
    words: Tuple[str, ...]
    tags: Tuple[str, ...]
    entities: Tuple[Entity, ...]
    record: Mapping[str, Any]


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    """Takes a JSON-lines file; returns its records. A missing file or a bad line is a ReportCVError
    naming the file (and the 1-based line)."""
    if not Path(path).is_file():
        raise ReportCVError(f"{path}: no such file")
    rows = []
    with open(path, encoding="utf-8") as src:
        for lineno, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ReportCVError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise ReportCVError(f"{path}:{lineno}: expected a JSON object")
            rows.append(row)
    return rows


def sha256_bytes(data: bytes) -> str:
    """Takes bytes; returns their sha256 as hex."""
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# gold
# ---------------------------------------------------------------------------------------------
def _gold_sentence(row: Mapping[str, Any], sentence: Mapping[str, Any], where: str) -> GoldSentence:
    for key in ("id", "text_hash", "tokens", "token_offsets", "pos_tags", "entities"):
        if key not in row:
            raise ReportCVError(f"{where}: missing key {key!r}")
    text, simplified = sentence["text"], sentence["text_simplified"]
    if row["text_hash"] != sentence["text_hash"]:
        raise ReportCVError(f"{where}: text_hash {row['text_hash']} differs from the sentence's "
                            f"{sentence['text_hash']} (the gold is stale)")
    if len(text) != len(simplified):
        raise ReportCVError(f"{where}: text and text_simplified differ in length")
    offsets = row["token_offsets"]
    if not (len(offsets) == len(row["tokens"]) == len(row["pos_tags"])):
        raise ReportCVError(f"{where}: {len(row['tokens'])} tokens, {len(offsets)} offsets, "
                            f"{len(row['pos_tags'])} tags")
    pos = 0
    for k, (start, end) in enumerate(offsets):
        if start != pos or end <= start or text[start:end] != row["tokens"][k]:
            raise ReportCVError(f"{where}: token {k + 1} {row['tokens'][k]!r} at [{start}, {end}) does not "
                                f"continue the text at offset {pos}")
        pos = end
    if pos != len(text):
        raise ReportCVError(f"{where}: the tokens cover {pos} of {len(text)} characters")
    if any(not isinstance(t, str) or not t for t in row["pos_tags"]):
        raise ReportCVError(f"{where}: a token has no tag (the sentence is not reviewed)")
    entities = []
    for e in row["entities"]:
        if e.get("label") not in LABELS or not (0 <= e.get("start", -1) < e.get("end", -1) <= len(text)):
            raise ReportCVError(f"{where}: entity {e!r} is not a PER/LOC/ORG span inside the text")
        entities.append((e["label"], e["start"], e["end"]))
    norm = nfkc_chars(simplified)
    return GoldSentence(id=row["id"], paragraph=int(sentence["paragraph"]), text=text, norm=norm,
                        words=tuple(norm[s:e] for s, e in offsets), tags=tuple(row["pos_tags"]),
                        entities=tuple(sorted(entities, key=lambda x: (x[1], x[2], x[0]))), record=row)


def load_gold(gold_path: Path, sentences: Sequence[Mapping[str, Any]]) -> List[GoldSentence]:
    """Takes the reviewed word layer and the report's sentence records; returns the gold sentences in
    document order. A gold id that is not a sentence, a duplicate, a stale hash or a misaligned token is a
    ReportCVError naming the file and line; sentences without a gold line are simply absent."""
    by_id = {s["id"]: s for s in sentences}
    order = {s["id"]: i for i, s in enumerate(sentences)}
    out: Dict[str, GoldSentence] = {}
    for lineno, row in enumerate(read_jsonl(gold_path), 1):
        where = f"{gold_path}:{lineno}"
        sid = row.get("id")
        if sid not in by_id:
            raise ReportCVError(f"{where}: id {sid!r} is not a sentence of the report")
        if sid in out:
            raise ReportCVError(f"{where}: id {sid!r} occurs twice")
        out[sid] = _gold_sentence(row, by_id[sid], where)
    return sorted(out.values(), key=lambda g: order[g.id])


# ---------------------------------------------------------------------------------------------
# folds
# ---------------------------------------------------------------------------------------------
def assign_folds(sentences: Sequence[Mapping[str, Any]], k: int = FOLDS, seed: int = FOLD_SEED) -> Dict[int, int]:
    """Takes the report's sentence records; returns ``{paragraph: fold}`` with folds 0..k-1.

    Whole paragraphs, balanced by characters: the largest paragraph first, each to the fold with the
    fewest characters so far (the longest-processing-time rule, as scikit-learn's GroupKFold). The seed
    orders paragraphs of equal size and breaks ties between equally small folds, so a seed gives one
    fixed assignment. Sizes come from every sentence, reviewed or not, so the folds do not move while
    the review is completed.
    """
    if k < 2:
        raise ValueError(f"need at least 2 folds, got {k}")
    size: Counter = Counter()
    for s in sentences:
        size[int(s["paragraph"])] += len(s["text"])
    if len(size) < k:
        raise ValueError(f"{len(size)} paragraphs cannot make {k} folds")
    rng = random.Random(seed)
    paragraphs = sorted(size)
    rng.shuffle(paragraphs)
    paragraphs.sort(key=lambda p: -size[p])  # stable: equal sizes keep the seeded order
    totals = [0] * k
    folds: Dict[int, int] = {}
    for p in paragraphs:
        low = min(totals)
        fold = rng.choice([f for f in range(k) if totals[f] == low])
        folds[p] = fold
        totals[fold] += size[p]
    return dict(sorted(folds.items()))


def fold_summary(sentences: Sequence[Mapping[str, Any]], folds: Mapping[int, int],
                 gold: Sequence[GoldSentence]) -> List[Dict[str, Any]]:
    """Takes the sentence records, the fold assignment and the gold; returns per fold its paragraphs,
    sentences, characters and reviewed (gold) sentences, words and entities."""
    out = [{"fold": f, "paragraphs": [], "sentences": 0, "characters": 0, "gold_sentences": 0, "gold_words": 0,
            "gold_entities": 0} for f in range(max(folds.values()) + 1)]
    for p, f in folds.items():
        out[f]["paragraphs"].append(p)
    for s in sentences:
        row = out[folds[int(s["paragraph"])]]
        row["sentences"] += 1
        row["characters"] += len(s["text"])
    for g in gold:
        row = out[folds[g.paragraph]]
        row["gold_sentences"] += 1
        row["gold_words"] += len(g.words)
        row["gold_entities"] += len(g.entities)
    return out


def split_by_fold(gold: Sequence[GoldSentence], folds: Mapping[int, int], fold: int
                  ) -> Tuple[List[GoldSentence], List[GoldSentence]]:
    """Takes the gold, the assignment and a fold; returns ``(training sentences, held-out sentences)``."""
    train = [g for g in gold if folds[g.paragraph] != fold]
    test = [g for g in gold if folds[g.paragraph] == fold]
    return train, test


def subsample_paragraphs(gold: Sequence[GoldSentence], fraction: float, seed: int) -> List[GoldSentence]:
    """Takes training sentences, a fraction and a seed; returns the sentences of a seeded random share of
    their paragraphs holding about ``fraction`` of the characters (whole paragraphs, as the folds)."""
    if fraction >= 1:
        return list(gold)
    if fraction <= 0:
        return []
    size: Counter = Counter()
    for g in gold:
        size[g.paragraph] += len(g.norm)
    paragraphs = sorted(size)
    random.Random(seed).shuffle(paragraphs)
    target, taken, chosen = fraction * sum(size.values()), 0, set()
    for p in paragraphs:
        if taken >= target:
            break
        chosen.add(p)
        taken += size[p]
    return [g for g in gold if g.paragraph in chosen]


# ---------------------------------------------------------------------------------------------
# training samples (the shapes scripts/train_*.py give HanLP)
# ---------------------------------------------------------------------------------------------
def bio_tags(length: int, entities: Iterable[Entity]) -> List[str]:
    """Takes a text length and ``(label, start, end)`` spans; returns BIO tags per character."""
    tags = ["O"] * length
    for label, start, end in entities:
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def tokenizer_samples(gold: Iterable[GoldSentence]) -> List[dict]:
    """Takes gold sentences; returns ``{'char': [...], 'tag': [BMES]}`` samples."""
    out = []
    for g in gold:
        chars, tags = bmes(g.words)
        out.append({"char": chars, "tag": tags})
    return out


def tagger_samples(gold: Iterable[GoldSentence]) -> List[dict]:
    """Takes gold sentences; returns ``{'token': words, 'tag': PKU tags}`` samples."""
    return [{"token": list(g.words), "tag": list(g.tags)} for g in gold]


def ner_samples(gold: Iterable[GoldSentence]) -> List[dict]:
    """Takes gold sentences; returns ``{'token': characters, 'tag': BIO}`` samples."""
    return [{"token": list(g.norm), "tag": bio_tags(len(g.norm), g.entities)} for g in gold]


# ---------------------------------------------------------------------------------------------
# predictions: one compact line per sentence
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prediction:
    """One sentence's analysis by a model: words of the normalized text, their tags, entity spans."""
    id: str
    words: Tuple[str, ...]
    tags: Tuple[str, ...]
    entities: Tuple[Entity, ...]


def prediction_line(p: Prediction, g: GoldSentence, fold: int) -> str:
    """Takes a prediction, its gold sentence and fold; returns its line in a predictions file
    (word lengths, tags, entities; the text itself is not repeated)."""
    row = {"id": p.id, "fold": fold, "lengths": [len(w) for w in p.words], "tags": list(p.tags),
           "entities": [[label, s, e] for label, s, e in p.entities], "text_hash": g.record["text_hash"]}
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_predictions(path: Path, preds: Sequence[Prediction], gold: Sequence[GoldSentence],
                      folds: Mapping[int, int]) -> str:
    """Takes predictions (one per gold sentence, same order), the gold and the assignment; writes the
    file and returns its sha256."""
    if [p.id for p in preds] != [g.id for g in gold]:
        raise ValueError("predictions and gold are not the same sentences in the same order")
    data = "".join(prediction_line(p, g, folds[g.paragraph]) + "\n" for p, g in zip(preds, gold)).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return sha256_bytes(data)


def read_predictions(path: Path, gold: Sequence[GoldSentence], folds: Mapping[int, int]) -> List[Prediction]:
    """Takes a predictions file, the gold and the assignment; returns one Prediction per gold sentence
    (gold order). A line that does not fit its sentence (lengths, hash, fold) is a ReportCVError naming
    the file and line."""
    by_id = {g.id: g for g in gold}
    found: Dict[str, Prediction] = {}
    for lineno, row in enumerate(read_jsonl(path), 1):
        where = f"{path}:{lineno}"
        g = by_id.get(row.get("id"))
        if g is None:
            raise ReportCVError(f"{where}: id {row.get('id')!r} is not a gold sentence")
        if row.get("text_hash") != g.record["text_hash"]:
            raise ReportCVError(f"{where}: text_hash differs from the gold's (predictions are stale)")
        if row.get("fold") != folds[g.paragraph]:
            raise ReportCVError(f"{where}: fold {row.get('fold')} but the sentence is in fold {folds[g.paragraph]}")
        lengths, tags = row.get("lengths", []), row.get("tags", [])
        if sum(lengths) != len(g.norm) or any(n <= 0 for n in lengths) or len(tags) != len(lengths):
            raise ReportCVError(f"{where}: word lengths or tags do not fit the sentence's {len(g.norm)} characters")
        words, pos = [], 0
        for n in lengths:
            words.append(g.norm[pos:pos + n])
            pos += n
        ents = []
        for e in row.get("entities", []):
            if len(e) != 3 or e[0] not in LABELS or not (0 <= e[1] < e[2] <= len(g.norm)):
                raise ReportCVError(f"{where}: entity {e!r} is not a PER/LOC/ORG span inside the sentence")
            ents.append((e[0], e[1], e[2]))
        found[g.id] = Prediction(g.id, tuple(words), tuple(tags), tuple(ents))
    missing = [g.id for g in gold if g.id not in found]
    if missing:
        raise ReportCVError(f"{path}: no prediction for {len(missing)} gold sentence(s) (first {missing[0]})")
    return [found[g.id] for g in gold]


def as_record(p: Prediction, g: GoldSentence) -> Dict[str, Any]:
    """Takes a prediction and its gold sentence; returns it as a word-layer record on the traditional
    text (the shape of words.jsonl, which :func:`annotators.word_eval.score_layer` reads)."""
    offsets, pos = [], 0
    for w in p.words:
        offsets.append([pos, pos + len(w)])
        pos += len(w)
    if pos != len(g.text):
        raise ValueError(f"{p.id}: the predicted words cover {pos} of {len(g.text)} characters")
    return {"id": p.id, "tokens": [g.text[s:e] for s, e in offsets], "token_offsets": offsets,
            "pos_tags": list(p.tags),
            "entities": [{"label": label, "start": s, "end": e, "text": g.text[s:e]} for label, s, e in p.entities]}


# ---------------------------------------------------------------------------------------------
# HanLP's dictionary combination (hanlp/components/tokenizers/transformer.py, spans_to_tokens)
# ---------------------------------------------------------------------------------------------
def lexicon(gold: Iterable[GoldSentence], min_len: int = 2) -> List[str]:
    """Takes training sentences; returns their distinct gold words of at least ``min_len`` characters
    that contain no digit (numbers are better left to the model), sorted."""
    return sorted({w for g in gold for w in g.words if len(w) >= min_len and not any(c.isdigit() for c in w)})


def dict_combine(words: Sequence[str], trie: Any) -> List[str]:
    """Takes predicted words and a ``hanlp_trie.TrieDict``; returns the words with every run of predicted
    words whose concatenation is a dictionary entry merged into one, longest match first, as HanLP's
    ``dict_combine`` does in its tokenizers."""
    out: List[str] = []
    offset = 0
    for start, end, _ in trie.tokenize(list(words)):
        out.extend(words[offset:start])
        out.append("".join(words[start:end]))
        offset = end
    out.extend(words[offset:])
    return out


def build_trie(words: Iterable[str] | Mapping[str, Any]) -> Any:
    """Takes dictionary words (or a mapping of words to values); returns a ``hanlp_trie.TrieDict`` of them
    (HanLP's own class; a word's value is True when only words are given)."""
    from hanlp_trie import TrieDict
    return TrieDict(dict(words) if isinstance(words, Mapping) else {w: True for w in words})


def gazetteer(gold: Iterable[GoldSentence], min_len: int = 2) -> Dict[str, str]:
    """Takes training sentences; returns ``{entity text: label}`` for their gold entities of at least ``min_len``
    characters (the most frequent label of each; ties by name), for :func:`whitelist_entities`."""
    labels: Dict[str, Counter] = defaultdict(Counter)
    for g in gold:
        for label, s, e in g.entities:
            if e - s >= min_len:
                labels[g.norm[s:e]][label] += 1
    return {t: min(c, key=lambda lab: (-c[lab], lab)) for t, c in sorted(labels.items())}


def whitelist_entities(text: str, entities: Sequence[Entity], trie: Any) -> List[Entity]:
    """Takes a text, the predicted ``(label, start, end)`` entities and a ``hanlp_trie.TrieDict`` of entity texts
    to labels; returns the entities with every longest dictionary match added, as HanLP's NER ``dict_whitelist``
    does (``hanlp/components/ner/transformer_ner.py``): a match that cuts a predicted entity is ignored, one
    that covers predicted entities replaces them."""
    ents = sorted(entities, key=lambda x: (x[1], x[2]))
    for start, end, label in trie.tokenize(text):
        cuts = any(s < start < e or s < end < e for _, s, e in ents)
        if not cuts:
            ents = [x for x in ents if not (start <= x[1] and x[2] <= end)] + [(label, start, end)]
            ents.sort(key=lambda x: (x[1], x[2]))
    return ents


def tag_dictionary(gold: Iterable[GoldSentence], min_count: int = 2) -> Dict[str, str]:
    """Takes training sentences; returns ``{word: tag}`` for words seen at least ``min_count`` times,
    always with the same tag (for HanLP's ``dict_tags``, which forces a tag on a word)."""
    tags: Dict[str, Counter] = defaultdict(Counter)
    for g in gold:
        for w, t in zip(g.words, g.tags):
            tags[w][t] += 1
    return {w: next(iter(c)) for w, c in sorted(tags.items()) if len(c) == 1 and sum(c.values()) >= min_count}


# ---------------------------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------------------------
#: the figures averaged over folds: (section, key) into score_layer's output
MEAN_KEYS = (("segmentation", "precision"), ("segmentation", "recall"), ("segmentation", "f1"),
             ("segmentation", "oov_recall"), ("segmentation", "iv_recall"),
             ("segmentation", "oov_recall_unseen_in_training_folds"),
             ("tags_on_words_segmented_alike", "accuracy"), ("tags_on_words_segmented_alike", "known_accuracy"),
             ("tags_on_words_segmented_alike", "unknown_accuracy"),
             ("joint_seg_tag", "precision"), ("joint_seg_tag", "recall"), ("joint_seg_tag", "f1"))


def score_sentences(gold: Sequence[GoldSentence], preds: Sequence[Prediction], vocab: Collection[str],
                    training_words: Collection[str] = (), errors: bool = False) -> Dict[str, Any]:
    """Takes gold sentences, their predictions (same order), the news training vocabulary and the words of
    the training folds; returns segmentation P/R/F1 with OOV recall (gold words absent from the news
    vocabulary) and the recall of words absent from both, tag accuracy on words segmented alike
    (known/unknown), joint seg+tag P/R/F1 and entity P/R/F1 per label (``annotators.word_eval``)."""
    simplified = {g.id: g.norm for g in gold}
    records = [as_record(p, g) for p, g in zip(preds, gold)]
    scores = score_layer([g.record for g in gold], records, simplified, vocab)
    unseen_hit = unseen = 0
    for g, p in zip(gold, preds):
        pred_spans = set(_spans(p.words))
        for w, span in zip(g.words, _spans(g.words)):
            if w not in vocab and w not in training_words:
                unseen += 1
                unseen_hit += span in pred_spans
    scores["segmentation"]["oov_recall_unseen_in_training_folds"] = round(100 * unseen_hit / unseen, 2) if unseen else 0.0
    scores["segmentation"]["unseen_in_training_folds_words"] = unseen
    if not errors:
        scores.pop("errors")
    return scores


def _spans(words: Sequence[str]) -> List[Tuple[int, int]]:
    out, pos = [], 0
    for w in words:
        out.append((pos, pos + len(w)))
        pos += len(w)
    return out


def _mean_sd(values: Sequence[float]) -> Dict[str, float]:
    return {"mean": round(statistics.fmean(values), 2),
            "sd": round(statistics.stdev(values), 2) if len(values) > 1 else 0.0}


def cross_validation_scores(gold: Sequence[GoldSentence], preds: Sequence[Prediction], folds: Mapping[int, int],
                            vocab: Collection[str]) -> Dict[str, Any]:
    """Takes the gold, one held-out prediction per gold sentence, the assignment and the news training
    vocabulary; returns ``{"folds": [scores per fold], "mean": {figure: {mean, sd}}, "pooled": scores of
    all sentences together, with error classes}``. Entity figures per label are averaged over the folds
    whose gold or predictions hold that label (``folds_with_label`` says how many)."""
    if [p.id for p in preds] != [g.id for g in gold]:
        raise ValueError("predictions and gold are not the same sentences in the same order")
    n_folds = max(folds.values()) + 1
    per_fold = []
    all_training_words: Dict[int, set] = {}
    for f in range(n_folds):
        idx = [i for i, g in enumerate(gold) if folds[g.paragraph] == f]
        if not idx:
            raise ValueError(f"fold {f} has no reviewed sentence")
        train_words = {w for g in gold if folds[g.paragraph] != f for w in g.words}
        all_training_words[f] = train_words
        s = score_sentences([gold[i] for i in idx], [preds[i] for i in idx], vocab, train_words)
        per_fold.append({"fold": f, **s})
    mean: Dict[str, Any] = {}
    for section, key in MEAN_KEYS:
        mean[f"{section}/{key}"] = _mean_sd([s[section][key] for s in per_fold])
    for label in LABELS + ("overall",):
        # a fold with no such entity, gold or predicted, has no precision or recall to average
        have = [s["entities"][label] for s in per_fold
                if label in s["entities"] and s["entities"][label]["gold"] + s["entities"][label]["pred"] > 0]
        if have:
            for key in ("precision", "recall", "f1"):
                mean[f"entities/{label}/{key}"] = _mean_sd([h[key] for h in have])
            mean[f"entities/{label}/folds_with_label"] = len(have)
    pooled = score_sentences(gold, preds, vocab, errors=True)
    # pooled OOV-in-both: each sentence against the words of its own training folds
    hit = total = 0
    for g, p in zip(gold, preds):
        train_words = all_training_words[folds[g.paragraph]]
        pred_spans = set(_spans(p.words))
        for w, span in zip(g.words, _spans(g.words)):
            if w not in vocab and w not in train_words:
                total += 1
                hit += span in pred_spans
    pooled["segmentation"]["oov_recall_unseen_in_training_folds"] = round(100 * hit / total, 2) if total else 0.0
    pooled["segmentation"]["unseen_in_training_folds_words"] = total
    return {"folds": per_fold, "mean": mean, "pooled": pooled}


def headline(scores: Mapping[str, Any]) -> Dict[str, float]:
    """Takes cross_validation_scores' output; returns the four figures the targets name (means over folds)."""
    m = scores["mean"]
    return {"seg_f1": m["segmentation/f1"]["mean"], "tag_accuracy": m["tags_on_words_segmented_alike/accuracy"]["mean"],
            "joint_f1": m["joint_seg_tag/f1"]["mean"], "entity_f1": m["entities/overall/f1"]["mean"]}
