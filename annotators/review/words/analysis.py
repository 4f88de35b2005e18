"""A sentence's word analysis (words, PKU tags, entities) and the changes a reviewer can make to it.

An `Analysis` is an immutable value: words tile the sentence text without gaps, each with a
PKU tag or None (not tagged yet, from-scratch review); entities cover whole words, do not
overlap, and carry PER, LOC or ORG. A change is `(action, before, after)` with JSON-ready
before/after objects, exactly what the decision log stores:

    split           {"words": [w]}        -> {"words": [w1, w2]}   (halves keep w's tag)
    merge           {"words": [w1, w2]}   -> {"words": [w]}        (tag kept when equal, else None)
    retag           {"words": [w]}        -> {"words": [w']}       (same span, another tag)
    entity-add      null                  -> e
    entity-remove   e                     -> null
    entity-relabel  e                     -> e'                     (same span, another label)
    entity-move     e                     -> e'                     (same label, another span)

with w = {"start", "end", "text", "tag"} and e = {"start", "end", "text", "label"}.
`apply_change` checks a change against an analysis and returns the new analysis;
`edit_changes` turns one analysis into another as a list of such changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .tags import LABELS, TAGS

SEGMENTATION = ("split", "merge")
ENTITY_ACTIONS = ("entity-add", "entity-remove", "entity-relabel", "entity-move")
CHANGES = (*SEGMENTATION, "retag", *ENTITY_ACTIONS)

Change = tuple[str, dict[str, Any] | None, dict[str, Any] | None]


class ChangeError(ValueError):
    """A change that cannot be made; the message says why in the reviewer's terms."""


@dataclass(frozen=True)
class Word:
    """One word: text[start:end] with a PKU tag, or None when not tagged yet."""

    start: int
    end: int
    tag: str | None


@dataclass(frozen=True)
class Entity:
    """A PER/LOC/ORG entity over text[start:end], always whole words."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Analysis:
    """Words, tags and entities of one sentence."""

    text: str
    words: tuple[Word, ...]
    entities: tuple[Entity, ...] = ()

    # -- building ---------------------------------------------------------------

    @classmethod
    def unsegmented(cls, text: str) -> Analysis:
        """One untagged word over the whole sentence and no entities (from-scratch review)."""
        return cls(text, (Word(0, len(text), None),), ())

    @classmethod
    def build(cls, text: str, words: Sequence[Word], entities: Sequence[Entity] = ()) -> Analysis:
        """Return a checked analysis; raises ChangeError when words or entities are not valid."""
        analysis = cls(text, tuple(words), tuple(sorted(entities, key=lambda e: (e.start, e.end))))
        why = analysis.problem()
        if why is not None:
            raise ChangeError(why)
        return analysis

    def problem(self) -> str | None:
        """Why this analysis breaks an invariant, or None when it is valid."""
        if not self.words:
            return "no words"
        pos = 0
        for w in self.words:
            if w.start != pos or w.end <= w.start:
                return f"words do not tile the sentence at offset {pos}"
            if w.tag is not None and w.tag not in TAGS:
                return f"unknown tag {w.tag!r} on {self.text[w.start:w.end]!r}"
            pos = w.end
        if pos != len(self.text):
            return f"words end at offset {pos}, the sentence at {len(self.text)}"
        bounds = self.boundaries()
        last_end = 0
        for e in self.entities:
            if e.label not in LABELS:
                return f"unknown entity label {e.label!r}"
            if e.start not in bounds or e.end not in bounds or e.end <= e.start:
                return f"entity {self.text[e.start:e.end]!r} does not cover whole words"
            if e.start < last_end:
                return f"entity {self.text[e.start:e.end]!r} overlaps another entity"
            last_end = e.end
        return None

    # -- queries -----------------------------------------------------------------

    def boundaries(self) -> set[int]:
        """Offsets where a word starts or ends (0 and len(text) included)."""
        return {0, *(w.end for w in self.words)}

    def word_text(self, i: int) -> str:
        """The text of word i."""
        w = self.words[i]
        return self.text[w.start:w.end]

    def word_at(self, offset: int) -> int:
        """Index of the word containing character `offset`."""
        for i, w in enumerate(self.words):
            if w.start <= offset < w.end:
                return i
        raise ChangeError(f"offset {offset} is outside the sentence (0-{len(self.text) - 1})")

    def find_word(self, start: int, end: int) -> int | None:
        """Index of the word spanning exactly start-end, or None."""
        for i, w in enumerate(self.words):
            if w.start == start and w.end == end:
                return i
        return None

    def entity_of(self, i: int) -> int | None:
        """Index (into entities) of the entity containing word i, or None."""
        w = self.words[i]
        for k, e in enumerate(self.entities):
            if e.start <= w.start and w.end <= e.end:
                return k
        return None

    def entity_words(self, k: int) -> tuple[int, int]:
        """First and last word index of entity k."""
        e = self.entities[k]
        inside = [i for i, w in enumerate(self.words) if e.start <= w.start and w.end <= e.end]
        return inside[0], inside[-1]

    def untagged(self) -> list[int]:
        """Indices of words without a tag."""
        return [i for i, w in enumerate(self.words) if w.tag is None]

    # -- JSON objects (the log's before/after) -----------------------------------

    def word_obj(self, w: Word) -> dict[str, Any]:
        """The log object of a word."""
        return {"start": w.start, "end": w.end, "text": self.text[w.start:w.end], "tag": w.tag}

    def entity_obj(self, e: Entity) -> dict[str, Any]:
        """The log (and export) object of an entity."""
        return {"start": e.start, "end": e.end, "text": self.text[e.start:e.end], "label": e.label}

    def with_words(self, words: Sequence[Word]) -> Analysis:
        return Analysis(self.text, tuple(words), self.entities)

    def with_entities(self, entities: Sequence[Entity]) -> Analysis:
        return Analysis(self.text, self.words, tuple(sorted(entities, key=lambda e: (e.start, e.end))))


# -- reading and checking log objects ----------------------------------------------------


def _int(obj: Mapping[str, Any], key: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ChangeError(f"'{key}' must be a whole number")
    return value


def parse_word(obj: Any, text: str) -> Word:
    """Read a word object {start, end, text, tag} over `text`; raises ChangeError naming the bad field."""
    if not isinstance(obj, dict):
        raise ChangeError("a word must be an object {start, end, text, tag}")
    start, end = _int(obj, "start"), _int(obj, "end")
    if not 0 <= start < end <= len(text):
        raise ChangeError(f"word offsets {start}-{end} outside the sentence (length {len(text)}) or empty")
    if obj.get("text") != text[start:end]:
        raise ChangeError(f"word text {obj.get('text')!r} is not sentence[{start}:{end}] = {text[start:end]!r}")
    tag = obj.get("tag")
    if tag is not None and tag not in TAGS:
        raise ChangeError(f"unknown tag {tag!r}")
    return Word(start, end, tag)


def parse_entity(obj: Any, text: str) -> Entity:
    """Read an entity object {start, end, text, label} over `text`; raises ChangeError naming the bad field."""
    if not isinstance(obj, dict):
        raise ChangeError("an entity must be an object {start, end, text, label}")
    start, end = _int(obj, "start"), _int(obj, "end")
    if not 0 <= start < end <= len(text):
        raise ChangeError(f"entity offsets {start}-{end} outside the sentence (length {len(text)}) or empty")
    if obj.get("text") != text[start:end]:
        raise ChangeError(f"entity text {obj.get('text')!r} is not sentence[{start}:{end}] = {text[start:end]!r}")
    if obj.get("label") not in LABELS:
        raise ChangeError(f"entity label {obj.get('label')!r} is not one of {', '.join(LABELS)}")
    return Entity(start, end, obj["label"])


def _words_of(obj: Any, text: str, count: int | None) -> list[Word]:
    if not isinstance(obj, dict) or not isinstance(obj.get("words"), list):
        raise ChangeError("expected {\"words\": [...]}")
    words = [parse_word(w, text) for w in obj["words"]]
    if count is not None and len(words) != count:
        raise ChangeError(f"expected {count} word(s), found {len(words)}")
    for a, b in zip(words, words[1:]):
        if a.end != b.start:
            raise ChangeError("the words are not consecutive")
    return words


def _describe(text: str, e: Entity) -> str:
    return f"[{text[e.start:e.end]}]{e.label}"


def apply_change(analysis: Analysis, action: str, before: Any, after: Any) -> Analysis:
    """Return `analysis` with one change made; raises ChangeError when the change does not fit.

    `before` must describe the current words or entity exactly (else the analysis changed
    since: a conflict); `after` must keep every invariant (entities over whole words, no
    overlap, known tags and labels).
    """
    text = analysis.text
    if action in ("split", "merge", "retag"):
        old = _words_of(before, text, {"split": 1, "merge": 2, "retag": 1}[action])
        new = _words_of(after, text, {"split": 2, "merge": 1, "retag": 1}[action])
        first = analysis.find_word(old[0].start, old[0].end)
        if first is None or any(first + k >= len(analysis.words) or analysis.words[first + k] != w
                                for k, w in enumerate(old)):
            shown = " ".join(f"{text[w.start:w.end]}/{w.tag or '?'}" for w in old)
            raise ChangeError(f"the word(s) {shown} are not in the current analysis (changed since)")
        if (new[0].start, new[-1].end) != (old[0].start, old[-1].end):
            raise ChangeError("the new word(s) must cover exactly the old word(s)")
        if action == "retag":
            if new[0].tag is None:
                raise ChangeError("retag needs a tag")
            if new[0].tag == old[0].tag:
                raise ChangeError(f"{text[old[0].start:old[0].end]} is already tagged {old[0].tag}")
        if action == "merge":
            cut = old[0].end
            for e in analysis.entities:
                if e.start < cut < e.end:
                    continue  # both words inside the entity: fine
                if e.start == cut or e.end == cut:
                    raise ChangeError(f"merging {text[old[0].start:old[-1].end]!r} would put a boundary of the entity "
                                      f"{_describe(text, e)} inside a word: an entity must cover whole words; "
                                      "remove or move the entity first")
        words = list(analysis.words)
        words[first:first + len(old)] = new
        return analysis.with_words(words)
    if action not in ENTITY_ACTIONS:
        raise ChangeError(f"unknown change {action!r}")
    entities = list(analysis.entities)
    if action != "entity-add":
        old_e = parse_entity(before, text)
        if old_e not in entities:
            raise ChangeError(f"the entity {_describe(text, old_e)} is not in the current analysis (changed since)")
        entities.remove(old_e)
        if action == "entity-remove":
            if after is not None:
                raise ChangeError("entity-remove has no 'after'")
            return analysis.with_entities(entities)
    elif before is not None:
        raise ChangeError("entity-add has no 'before'")
    new_e = parse_entity(after, text)
    if action == "entity-relabel" and ((new_e.start, new_e.end) != (old_e.start, old_e.end) or new_e.label == old_e.label):
        raise ChangeError("entity-relabel keeps the span and changes the label")
    if action == "entity-move" and (new_e.label != old_e.label or (new_e.start, new_e.end) == (old_e.start, old_e.end)):
        raise ChangeError("entity-move keeps the label and changes the span")
    bounds = analysis.boundaries()
    for offset in (new_e.start, new_e.end):
        if offset not in bounds:
            i = analysis.word_at(offset)
            raise ChangeError(f"{text[new_e.start:new_e.end]!r}: offset {offset} is inside the word "
                              f"{analysis.word_text(i)!r}: an entity must cover whole words (split the word first)")
    for e in entities:
        if e.start < new_e.end and new_e.start < e.end:
            raise ChangeError(f"{_describe(text, new_e)} overlaps the entity {_describe(text, e)}: entities do not "
                              "nest or overlap; remove or move that one first")
    entities.append(new_e)
    return analysis.with_entities(entities)


# -- building changes from intentions (the session's single operations) ------------------


def split_change(analysis: Analysis, offset: int) -> Change:
    """Split the word containing character offset-1|offset so that a new word starts at `offset`."""
    if offset in analysis.boundaries():
        raise ChangeError(f"offset {offset} is already a word boundary: nothing to split")
    i = analysis.word_at(offset)
    w = analysis.words[i]
    left, right = Word(w.start, offset, w.tag), Word(offset, w.end, w.tag)
    return ("split", {"words": [analysis.word_obj(w)]},
            {"words": [analysis.word_obj(left), analysis.word_obj(right)]})


def merge_change(analysis: Analysis, i: int) -> Change:
    """Merge word i with word i+1 (the tag is kept when both agree, else the word is left untagged)."""
    if not 0 <= i < len(analysis.words) - 1:
        raise ChangeError("no next word to merge with" if i == len(analysis.words) - 1 else f"no word {i}")
    a, b = analysis.words[i], analysis.words[i + 1]
    merged = Word(a.start, b.end, a.tag if a.tag == b.tag else None)
    return ("merge", {"words": [analysis.word_obj(a), analysis.word_obj(b)]}, {"words": [analysis.word_obj(merged)]})


def retag_change(analysis: Analysis, i: int, tag: str) -> Change:
    """Give word i the tag `tag`."""
    if tag not in TAGS:
        raise ChangeError(f"unknown tag {tag!r}; tags: {' '.join(TAGS)}")
    w = analysis.words[i]
    return ("retag", {"words": [analysis.word_obj(w)]}, {"words": [analysis.word_obj(Word(w.start, w.end, tag))]})


def _span(analysis: Analysis, first: int, last: int) -> tuple[int, int]:
    n = len(analysis.words)
    if not (0 <= first <= last < n):
        raise ChangeError(f"words {first + 1}-{last + 1} are not in this sentence (it has {n} words)")
    return analysis.words[first].start, analysis.words[last].end


def entity_add_change(analysis: Analysis, first: int, last: int, label: str) -> Change:
    """Add an entity over words first..last (inclusive)."""
    if label not in LABELS:
        raise ChangeError(f"entity label must be one of {', '.join(LABELS)}, not {label!r}")
    start, end = _span(analysis, first, last)
    return ("entity-add", None, analysis.entity_obj(Entity(start, end, label)))


def _entity_at(analysis: Analysis, i: int) -> Entity:
    k = analysis.entity_of(i)
    if k is None:
        raise ChangeError(f"word {analysis.word_text(i)!r} is in no entity")
    return analysis.entities[k]


def entity_remove_change(analysis: Analysis, i: int) -> Change:
    """Remove the entity containing word i."""
    e = _entity_at(analysis, i)
    return ("entity-remove", analysis.entity_obj(e), None)


def entity_relabel_change(analysis: Analysis, i: int, label: str) -> Change:
    """Give the entity containing word i another label."""
    if label not in LABELS:
        raise ChangeError(f"entity label must be one of {', '.join(LABELS)}, not {label!r}")
    e = _entity_at(analysis, i)
    return ("entity-relabel", analysis.entity_obj(e), analysis.entity_obj(Entity(e.start, e.end, label)))


def entity_move_change(analysis: Analysis, i: int, first: int, last: int) -> Change:
    """Move the entity containing word i to words first..last (its label stays)."""
    e = _entity_at(analysis, i)
    start, end = _span(analysis, first, last)
    return ("entity-move", analysis.entity_obj(e), analysis.entity_obj(Entity(start, end, e.label)))


# -- from one analysis to another (a whole-sentence edit) ---------------------------------


def edit_changes(old: Analysis, new: Analysis) -> list[Change]:
    """Return the changes that turn `old` into `new`, in the logged order.

    Segmentation first (entities that the new segmentation would cut are removed before,
    then merges, then splits; merged and split words take tags mechanically), then retags,
    then entity changes (removals, relabels, moves, additions). Raises ChangeError when a
    word would have to lose its tag. Replaying the result with apply_change gives `new`.
    """
    if old.text != new.text:
        raise ChangeError("the sentence text differs")
    changes: list[Change] = []
    current = old

    def do(change: Change) -> None:
        nonlocal current
        current = apply_change(current, *change)
        changes.append(change)

    new_bounds = new.boundaries()
    # Entities with a boundary the new segmentation removes cannot survive the merges: remove them first.
    for e in old.entities:
        if e.start not in new_bounds or e.end not in new_bounds:
            do(("entity-remove", current.entity_obj(e), None))
    common = sorted(old.boundaries() & new_bounds)
    regions = list(zip(common, common[1:]))
    for a, b in regions:  # merges: every old word of a region that changes becomes one word
        while True:
            inside = [i for i, w in enumerate(current.words) if a <= w.start and w.end <= b]
            if len(inside) < 2:
                break
            do(merge_change(current, inside[0]))
    for a, b in regions:  # splits, left to right
        for w in new.words:
            if a < w.start < b:
                do(split_change(current, w.start))
    for target in new.words:  # retags
        i = current.find_word(target.start, target.end)
        assert i is not None
        have = current.words[i].tag
        if target.tag != have:
            if target.tag is None:
                raise ChangeError(f"{new.text[target.start:target.end]!r} has a tag ({have}) and cannot be made "
                                  "untagged: give it a tag")
            do(retag_change(current, i, target.tag))
    # Entities: exact matches stay; same span, other label: relabel; overlapping: move; the rest: remove / add.
    want = list(new.entities)
    have_e = list(current.entities)
    for e in list(have_e):
        if e in want:
            want.remove(e)
            have_e.remove(e)
    pairs: list[tuple[Entity, Entity]] = []
    for e in list(have_e):
        same = [t for t in want if (t.start, t.end) == (e.start, e.end)]
        over = same or [t for t in want if t.start < e.end and e.start < t.end]
        if over:
            pairs.append((e, over[0]))
            want.remove(over[0])
            have_e.remove(e)
    for e in have_e:
        do(("entity-remove", current.entity_obj(e), None))
    for e, t in pairs:
        if (e.start, e.end) == (t.start, t.end):
            do(("entity-relabel", current.entity_obj(e), current.entity_obj(t)))
    pending: list[tuple[Entity | None, Entity]] = [(e, t) for e, t in pairs if (e.start, e.end) != (t.start, t.end)]
    pending += [(None, t) for t in want]
    while pending:
        for n, (e, t) in enumerate(pending):
            others = [x for x in current.entities if x != e]
            if not any(x.start < t.end and t.start < x.end for x in others):
                pending.pop(n)
                if e is None:
                    do(("entity-add", None, current.entity_obj(t)))
                else:
                    moved = Entity(t.start, t.end, e.label)
                    do(("entity-move", current.entity_obj(e), current.entity_obj(moved)))
                    if moved.label != t.label:
                        do(("entity-relabel", current.entity_obj(moved), current.entity_obj(t)))
                break
        else:
            # Every move is blocked by another entity still in its old place: free one.
            e, t = next((e, t) for e, t in pending if e is not None)
            pending.remove((e, t))
            do(("entity-remove", current.entity_obj(e), None))
            pending.append((None, t))
    if current != new:  # pragma: no cover - the algorithm above is complete; this guards against regressions
        raise RuntimeError("internal error: the computed changes do not reproduce the edited line")
    return changes
