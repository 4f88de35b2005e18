"""HanLP's word layer (and other segmenters) scored against the reviewed word layer of the report.

The reviewed layer (`corpus/annotations/words.jsonl`) is the gold; HanLP's output
(`corpus/interim/hanlp.jsonl`) was made by models that never saw the report, so these figures are
a fair out-of-domain measurement. Everything is computed on the sentence text (traditional
characters); the out-of-vocabulary split uses the simplified, NFKC-folded form of each gold word
against the tokenizer's training words.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Callable, Collection, Dict, List, Mapping, Sequence, Tuple

from .hanlp_data import nfkc_chars
from .scoring import entity_scores, joint_scores, segmentation_scores, tag_accuracy

Entity = Tuple[str, int, int]
#: how many examples each error class keeps (most frequent first)
EXAMPLES = 6


def _words(record: Mapping[str, Any]) -> List[str]:
    return list(record["tokens"])


def _entities(record: Mapping[str, Any]) -> List[Entity]:
    return [(e["label"], e["start"], e["end"]) for e in record["entities"]]


def _spans(record: Mapping[str, Any]) -> List[Tuple[int, int]]:
    return [tuple(o) for o in record["token_offsets"]]  # type: ignore[misc]


def _simplified_words(record: Mapping[str, Any], simplified: str) -> List[str]:
    return [nfkc_chars(simplified[s:e]) for s, e in _spans(record)]


def segmentation_errors(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Classify every stretch where the two segmentations differ: `over` (one gold word, several
    predicted), `under` (one predicted word, several gold) or `crossing`; counts and the most
    frequent examples as `gold words → predicted words`."""
    counts: Counter[str] = Counter()
    examples: Dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, pred):
        text = "".join(g["tokens"])
        gb = {e for _, e in _spans(g)}
        pb = {e for _, e in _spans(p)}
        gs, ps = _spans(g), _spans(p)
        start = 0
        # walk to each point where both agree on a boundary; a stretch between two such points differs or not
        for end in sorted(gb & pb):
            g_in = [s for s in gs if s[0] >= start and s[1] <= end]
            p_in = [s for s in ps if s[0] >= start and s[1] <= end]
            if g_in != p_in:
                kind = "over" if len(g_in) == 1 else "under" if len(p_in) == 1 else "crossing"
                counts[kind] += 1
                shown = " ".join(text[a:b] for a, b in g_in) + " → " + " ".join(text[a:b] for a, b in p_in)
                examples[kind][shown] += 1
            start = end
    return {kind: {"count": counts[kind], "examples": [f"{ex} ({n})" for ex, n in examples[kind].most_common(EXAMPLES)]}
            for kind in ("over", "under", "crossing")}


def tag_confusions(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]], top: int = 10) -> List[Dict[str, Any]]:
    """The most frequent (gold tag, predicted tag) confusions on words segmented alike, with examples."""
    pairs: Counter[Tuple[str, str]] = Counter()
    words: Dict[Tuple[str, str], Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, pred):
        ptags = dict(zip(_spans(p), p["pos_tags"]))
        for span, word, tag in zip(_spans(g), g["tokens"], g["pos_tags"]):
            other = ptags.get(span)
            if other is not None and other != tag:
                pairs[(tag, other)] += 1
                words[(tag, other)][word] += 1
    return [{"gold": a, "pred": b, "count": n, "examples": [w for w, _ in words[(a, b)].most_common(EXAMPLES)]}
            for (a, b), n in pairs.most_common(top)]


def entity_errors(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Classify entity errors: `label` (same span, other label), `extent` (overlapping spans, not equal),
    `spurious` (predicted, overlapping no gold entity), `missed` (gold, overlapping no prediction)."""
    counts: Counter[str] = Counter()
    examples: Dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, pred):
        text = "".join(g["tokens"])
        # in offset order: a set's order follows string hashing, which changes between processes
        ge, pe = (sorted(set(_entities(r)), key=lambda x: (x[1], x[2], x[0])) for r in (g, p))

        def shown(e: Entity) -> str:
            return f"{text[e[1]:e[2]]}/{e[0]}"

        for e in [x for x in pe if x not in ge]:
            over = [x for x in ge if x[1] < e[2] and e[1] < x[2]]
            if not over:
                counts["spurious"] += 1
                examples["spurious"][shown(e)] += 1
            elif any((x[1], x[2]) == (e[1], e[2]) for x in over):
                counts["label"] += 1
                examples["label"][f"{shown(over[0])} → {shown(e)}"] += 1
            else:
                counts["extent"] += 1
                examples["extent"][f"{' '.join(shown(x) for x in over)} → {shown(e)}"] += 1
        for e in [x for x in ge if x not in pe]:
            if not any(x[1] < e[2] and e[1] < x[2] for x in pe):
                counts["missed"] += 1
                examples["missed"][shown(e)] += 1
    return {kind: {"count": counts[kind], "examples": [f"{ex} ({n})" for ex, n in examples[kind].most_common(EXAMPLES)]}
            for kind in ("label", "extent", "spurious", "missed")}


def score_layer(gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]],
                simplified: Mapping[str, str], vocab: Collection[str]) -> Dict[str, Any]:
    """Takes the gold and predicted word-layer records of the same sentences (same order), each
    sentence's simplified text by id and the tokenizer's training words; returns segmentation
    P/R/F1 with OOV recall, tag accuracy on words segmented alike (known/unknown), joint seg+tag F1,
    entity P/R/F1 per label, and the error classes."""
    ids = [g["id"] for g in gold]
    if ids != [p["id"] for p in pred]:
        raise ValueError("gold and predicted records are not the same sentences in the same order")
    seg = segmentation_scores([_simplified_words(g, simplified[g["id"]]) for g in gold],
                              [_simplified_words(p, simplified[p["id"]]) for p in pred], vocab=vocab)
    g_tags, p_tags, g_words = [], [], []
    for g, p in zip(gold, pred):
        ptags = dict(zip(_spans(p), p["pos_tags"]))
        same = [(i, ptags[s]) for i, s in enumerate(_spans(g)) if s in ptags]
        g_tags.append([g["pos_tags"][i] for i, _ in same])
        p_tags.append([t for _, t in same])
        g_words.append([_simplified_words(g, simplified[g["id"]])[i] for i, _ in same])
    tags = tag_accuracy(g_tags, p_tags, words=g_words, vocab=vocab)
    joint = joint_scores([list(zip(g["tokens"], g["pos_tags"])) for g in gold],
                         [list(zip(p["tokens"], p["pos_tags"])) for p in pred])
    ents = entity_scores([_entities(g) for g in gold], [_entities(p) for p in pred])
    return {"sentences": len(gold), "segmentation": seg, "tags_on_words_segmented_alike": tags,
            "joint_seg_tag": joint, "entities": ents,
            "errors": {"segmentation": segmentation_errors(gold, pred), "tags": tag_confusions(gold, pred),
                       "entities": entity_errors(gold, pred)}}


def segmenter_records(segment: Callable[[List[str]], List[List[str]]], sentences: Sequence[Mapping[str, Any]]
                      ) -> List[Dict[str, Any]]:
    """Runs a segmenter on each sentence's simplified text and carries its words back to the
    traditional text by offset (the two texts align character for character). Raises ValueError
    naming the sentence when a tool's words do not join back to its input."""
    texts = [s["text_simplified"] for s in sentences]
    out = []
    for s, words in zip(sentences, segment(texts)):
        if "".join(words) != s["text_simplified"]:
            raise ValueError(f"{s['id']}: the segmenter's words do not join back to the sentence")
        offsets, pos = [], 0
        for w in words:
            offsets.append([pos, pos + len(w)])
            pos += len(w)
        out.append({"id": s["id"], "tokens": [s["text"][a:b] for a, b in offsets], "token_offsets": offsets,
                    "pos_tags": [], "entities": []})
    return out
