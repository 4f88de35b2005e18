"""Consistency of a reviewed word layer: the same string analysed in more than one way.

The guidelines ask for one decision per question, applied everywhere; an exception (a verb as
predicate here, as the head of a noun phrase there) must be deliberate. This lists every string
that the layer segments, tags or labels differently in different sentences, with the sentences
and the notes of the decisions in force there, so that each difference is either fixed or
justified.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..display import safe_text


@dataclass
class Variant:
    """One string and its analyses: analysis → sentence ids (document order, repeats kept)."""

    kind: str  # "segmentation", "tag" or "entity"
    string: str
    analyses: dict[str, list[str]] = field(default_factory=dict)

    def format(self, notes: Mapping[str, list[str]] | None = None) -> str:
        lines = [f"[{self.kind}] {safe_text(self.string)}"]
        for analysis, ids in sorted(self.analyses.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(dict.fromkeys(ids))
            lines.append(f"    {len(ids):3d}  {safe_text(analysis)}   {shown}")
            if len(ids) > 3 or not notes:
                continue  # notes are shown for the rare analyses, the likely exceptions
            for sid in dict.fromkeys(ids):
                lines += [f"           note ({sid}): {safe_text(n)}" for n in notes.get(sid, [])[:1]]
        return "\n".join(lines)


def _words(row: Mapping[str, Any]) -> list[tuple[int, int, str]]:
    return [(s, e, t) for (s, e), t in zip(row["token_offsets"], row["pos_tags"])]


def _text(row: Mapping[str, Any]) -> str:
    return "".join(row["tokens"])


def tag_variants(rows: Iterable[Mapping[str, Any]]) -> list[Variant]:
    """Word forms given more than one PKU tag."""
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        text = _text(row)
        for s, e, tag in _words(row):
            seen[text[s:e]][f"{text[s:e]}/{tag}"].append(row["id"])
    return [Variant("tag", w, dict(a)) for w, a in sorted(seen.items()) if len(a) > 1]


def segmentation_variants(rows: Sequence[Mapping[str, Any]]) -> list[Variant]:
    """Multi-character words that occur elsewhere split into several words at the same edges."""
    words = {_text(r)[s:e] for r in rows for s, e, _ in _words(r) if e - s > 1}
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        text, spans = _text(row), _words(row)
        starts = {s: i for i, (s, _, _) in enumerate(spans)}
        ends = {e: i for i, (_, e, _) in enumerate(spans)}
        for w in words:
            pos = text.find(w)
            while pos >= 0:
                end = pos + len(w)
                if pos in starts and end in ends:
                    i, j = starts[pos], ends[end]
                    analysis = " ".join(f"{text[s:e]}/{t}" for s, e, t in spans[i:j + 1])
                    found[w][analysis if j > i else f"{w} (one word)"].append(row["id"])
                pos = text.find(w, pos + 1)
    return [Variant("segmentation", w, dict(a)) for w, a in sorted(found.items()) if len(a) > 1]


def entity_variants(rows: Sequence[Mapping[str, Any]]) -> list[Variant]:
    """Entity strings given different labels, or left unmarked elsewhere where they are whole words."""
    names = {_text(r)[e["start"]:e["end"]] for r in rows for e in r["entities"]}
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        text, spans = _text(row), _words(row)
        starts = {s for s, _, _ in spans}
        ends = {e for _, e, _ in spans}
        labels = {(e["start"], e["end"]): e["label"] for e in row["entities"]}
        inside = [(e["start"], e["end"]) for e in row["entities"]]
        for name in names:
            pos = text.find(name)
            while pos >= 0:
                end = pos + len(name)
                if pos in starts and end in ends:
                    label = labels.get((pos, end))
                    if label is None and any(a <= pos and end <= b for a, b in inside):
                        label = "inside a longer entity"
                    found[name][label or "no entity"].append(row["id"])
                pos = text.find(name, pos + 1)
    return [Variant("entity", n, dict(a)) for n, a in sorted(found.items()) if len(a) > 1]


def notes_by_sentence(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The distinct notes of the changes in force, per sentence."""
    return {r["id"]: list(dict.fromkeys(c["note"] for c in r.get("changes", []) if c.get("note"))) for r in rows}


def report(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Variant], str]:
    """All variants and their printable listing, segmentation first, then tags, then entities."""
    variants = segmentation_variants(rows) + tag_variants(rows) + entity_variants(rows)
    notes = notes_by_sentence(rows)
    counts = {k: sum(v.kind == k for v in variants) for k in ("segmentation", "tag", "entity")}
    body = "\n".join(v.format(notes) for v in variants)
    tail = (f"strings analysed in more than one way: {len(variants)} "
            f"(segmentation {counts['segmentation']}, tag {counts['tag']}, entity {counts['entity']})")
    return variants, (body + "\n" if body else "") + tail
