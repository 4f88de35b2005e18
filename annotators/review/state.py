"""Replaying proposals and a decision log into the current review state.

Layer-agnostic: a `Layer` names the layer, its labels and its editable fields with their
parsers, so a token, tag or entity layer can be reviewed with the same machinery. Each
span lives in a `Slot` (one per proposal, one per added span) whose status is auto,
accepted, corrected, added or rejected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..numeric import ALL_UNITS, PERCENT_UNITS
from .data import ProposalLine, Sentence, same_hash
from .errors import Problem, ReviewError
from .log import Decision

STATUSES = ("auto", "accepted", "corrected", "added", "rejected")
KEPT = ("accepted", "corrected", "added")
POSITION = ("start", "end", "text", "label")


def _parse_optional_str(raw: str) -> str | None:
    raw = raw.strip()
    return None if raw in ("", "null", "None", "-") else raw


def _check_number(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number or null, not {value!r}"
    if not math.isfinite(value):
        return f"must be a finite number, not {value!r}"
    return None


# ISO 8601 as the spec uses it: calendar dates (2024, 2024-05, 2024-05-12, XXXX-05-12 for an
# unknown year), quarters and weeks, an optional time, and durations (P5Y, P1.5Y, PT3H).
_NUM = r"\d+(?:\.\d+)?"
_DATE = r"(?:\d{4}|XXXX)(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?|-Q[1-4]|-H[12]|-W(?:0[1-9]|[1-4]\d|5[0-3]))?"
_TIME = r"T(?:[01]\d|2[0-4])(?::[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?"
_DURATION = (rf"P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
             rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?")
TIMEX_RE = re.compile(rf"{_DATE}(?:{_TIME})?|{_TIME}|{_DURATION}")


def _check_timex(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not TIMEX_RE.fullmatch(value) or value in ("P", "PT"):
        return f"must be an ISO 8601 date or duration (2024, 2025-01-14, P5Y, PT3H) or null, not {value!r}"
    return None


def _parse_timex(raw: str) -> str | None:
    value = _parse_optional_str(raw)
    why = _check_timex(value)
    if why:
        raise ReviewError(why)
    return value


# The units the normalizer writes (annotators.numeric), percentages in their canonical form.
NUMERIC_UNITS: tuple[str, ...] = tuple(sorted({PERCENT_UNITS.get(u, u) for u in ALL_UNITS}))


def _check_unit(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value in NUMERIC_UNITS):
        return None
    common = "、".join(("元", "人", "個", "%", "百分點", "位", "項", "家", "倍", "噸", "公里", "千瓦"))
    return (f"must be null or one of the {len(NUMERIC_UNITS)} units of annotators.numeric ({common}, …), "
            f"not {value!r}")


def _parse_unit(raw: str) -> str | None:
    value = _parse_optional_str(raw)
    value = PERCENT_UNITS.get(value, value) if value is not None else None  # 個百分點 → 百分點, ％ → %
    why = _check_unit(value)
    if why:
        raise ReviewError(why)
    return value


def _parse_float(raw: str) -> float | None:
    raw = raw.strip()
    if raw in ("", "null", "None", "-"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ReviewError(f"value must be a number like 2.6e12 or null, not {raw!r}") from None
    if not math.isfinite(value):
        raise ReviewError(f"value must be a finite number, not {raw!r}")
    return value


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        raw = raw.strip()
        if raw not in options:
            raise ReviewError(f"must be one of {', '.join(options)}, not {raw!r}")
        return raw

    return parse


def _check_choice(options: Sequence[str]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if isinstance(value, str) and value in options else f"must be one of {', '.join(options)}, not {value!r}"

    return check


@dataclass(frozen=True)
class Layer:
    """What is reviewed: name, label set, attribute fields (with parsers) and colours.

    `fields` parse what a reviewer types; `checks` validate a stored value (from a log or
    the proposals) and return why it is wrong, or None. A field without a check accepts
    any value.
    """

    name: str
    labels: tuple[str, ...]
    fields: Mapping[str, Callable[[str], Any]]
    colours: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    checks: Mapping[str, Callable[[Any], str | None]] = field(default_factory=dict)

    @property
    def editable(self) -> tuple[str, ...]:
        """Fields a reviewer may edit by name: label, the attribute fields, start and end."""
        return ("label", *self.fields, "start", "end")

    def core(self, span: Mapping[str, Any]) -> dict[str, Any]:
        """Return the span's reviewable content (positions, label, fields), without status."""
        out = {k: span.get(k) for k in POSITION}
        out.update({k: span.get(k) for k in self.fields})
        return out

    def make_span(self, text: str, start: int, end: int, label: str, **values: Any) -> dict[str, Any]:
        """Return a new span dict over `text[start:end]` with defaults for unset fields."""
        span = {"start": start, "end": end, "text": text[start:end], "label": label}
        for name in self.fields:
            span[name] = values.get(name, self.defaults.get(name))
        return span

    def check_span(self, span: Mapping[str, Any], text: str) -> str | None:
        """Return why `span` is not valid over `text`, or None when it is."""
        start, end = span.get("start"), span.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
            return "start and end must be integers"
        if not 0 <= start < end <= len(text):
            return f"offsets {start}-{end} outside the sentence (length {len(text)}) or empty"
        if span.get("text") != text[start:end]:
            return f"text {span.get('text')!r} is not sentence[{start}:{end}] = {text[start:end]!r}"
        if span.get("label") not in self.labels:
            return f"label {span.get('label')!r} is not one of {', '.join(self.labels)}"
        for name, check in self.checks.items():
            why = check(span.get(name))
            if why is not None:
                return f"{name} {why}"
        return None

    def check_logged(self, span: Any, text: str) -> str | None:
        """Return why a span object from a log is not valid over `text` (every key, type and
        value, plus its `status`), or None."""
        if not isinstance(span, Mapping):
            return f"a span must be an object, not {span!r}"
        allowed = {*POSITION, *self.fields, "status"}
        unknown = sorted(set(span) - allowed)
        if unknown:
            return f"unknown span field(s) {', '.join(map(repr, unknown))}"
        missing = [k for k in (*POSITION, *self.fields) if k not in span]
        if missing:
            return f"span field(s) {', '.join(missing)} missing"
        if "status" in span and span["status"] not in STATUSES:
            return f"status {span['status']!r} is not one of {', '.join(STATUSES)}"
        return self.check_span(span, text)

    def parse_field(self, name: str, raw: str) -> Any:
        """Parse a typed value for field `name`; raises ReviewError with a one-line reason."""
        if name == "label":
            label = raw.strip().upper()
            if label not in self.labels:
                raise ReviewError(f"label must be one of {', '.join(self.labels)}, not {raw.strip()!r}")
            return label
        if name in ("start", "end"):
            try:
                return int(raw)
            except ValueError:
                raise ReviewError(f"{name} must be a whole number, not {raw!r}") from None
        if name not in self.fields:
            raise ReviewError(f"unknown field {name!r}; fields: {', '.join(self.editable)}")
        try:
            value = self.fields[name](raw)
        except ReviewError as exc:
            raise ReviewError(f"{name}: {exc.message}") from None
        why = self.checks[name](value) if name in self.checks else None
        if why is not None:
            raise ReviewError(f"{name} {why}")
        return value


NUMERIC_LABELS = ("DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
QUALIFIERS = ("exact", "approx", "over", "under")

NUMERIC = Layer(
    name="numeric",
    labels=NUMERIC_LABELS,
    fields={
        "value": _parse_float,
        "timex": _parse_timex,
        "unit": _parse_unit,
        "qualifier": _choice(QUALIFIERS),
    },
    colours={
        "DATE": "black on #7fb3ff",
        "TIME": "black on #b39dff",
        "PERCENT": "black on #ffd166",
        "MONEY": "black on #7be08a",
        "QUANTITY": "black on #ff9f68",
        "ORDINAL": "black on #ff8fc8",
        "CARDINAL": "black on #66e0e0",
    },
    defaults={"value": None, "timex": None, "unit": None, "qualifier": "exact"},
    checks={"value": _check_number, "timex": _check_timex, "unit": _check_unit,
            "qualifier": _check_choice(QUALIFIERS)},
)

LAYERS: dict[str, Layer] = {NUMERIC.name: NUMERIC}


@dataclass
class Slot:
    """One reviewable span in one sentence: a proposal (origin set) or an added span."""

    key: str
    sentence_id: str
    origin: dict[str, Any] | None
    span: dict[str, Any]
    status: str = "auto"
    reviewer: str | None = None
    time: str | None = None
    removed: bool = False  # an added span whose add was undone

    def snapshot(self) -> tuple[Any, ...]:
        """Return the mutable state, for undo."""
        return (dict(self.span), self.status, self.reviewer, self.time, self.removed)

    def restore(self, snap: tuple[Any, ...]) -> None:
        """Put back a state taken with snapshot()."""
        span, self.status, self.reviewer, self.time, self.removed = snap
        self.span = dict(span)


@dataclass(frozen=True)
class Progress:
    """Counts of slots by status, and of sentences checked, within a scope of sentences."""

    total: int
    counts: Mapping[str, int]
    sentences: int
    sentences_done: int  # every span decided
    checked: int = 0  # marked `checked` (read whole, every entity accounted for)

    @property
    def reviewed(self) -> int:
        """Slots no longer auto."""
        return self.total - self.counts.get("auto", 0)

    @property
    def done(self) -> bool:
        """Every span decided and every sentence checked."""
        return self.reviewed == self.total and self.checked == self.sentences

    def head(self) -> str:
        """Both kinds of progress, e.g. 'spans 120/271 · sentences 40/278 checked'."""
        return f"spans {self.reviewed}/{self.total} · sentences {self.checked}/{self.sentences} checked"

    def short(self) -> str:
        """A line that fits 80 columns: counts by decision."""
        c = self.counts
        return (f"accepted {c.get('accepted', 0)} · corrected "
                f"{c.get('corrected', 0)} · added {c.get('added', 0)} · rejected {c.get('rejected', 0)} · "
                f"spans left {c.get('auto', 0)}")

    def line(self) -> str:
        """Return a one-line summary, e.g. 'spans 3/10 · sentences 1/4 checked · accepted 2 · ...'."""
        parts = [self.head()]
        parts += [f"{s} {self.counts.get(s, 0)}" for s in STATUSES if s != "auto"]
        parts.append(f"spans left {self.counts.get('auto', 0)}")
        return " · ".join(parts)


Cursor = tuple[str, str | None]  # (sentence id, slot key), or (sentence id, None): the sentence itself


class ReviewState:
    """Proposals plus applied decisions: the current status of every span."""

    def __init__(
        self,
        layer: Layer,
        sentences: Sequence[Sentence],
        proposals: Mapping[str, ProposalLine],
        proposals_path: str = "proposals",
    ) -> None:
        self.layer = layer
        self.sentences = list(sentences)
        self.by_id = {s.id: s for s in self.sentences}
        self.position = {s.id: i for i, s in enumerate(self.sentences)}
        self.slots: dict[str, list[Slot]] = {s.id: [] for s in self.sentences}
        self.problems: list[Problem] = []
        self.history: dict[str, list[str]] = {}  # reviewer -> applied decision ids, oldest first
        self.decisions: dict[str, Decision] = {}
        self.checked: dict[str, Decision] = {}  # sentence id -> the `checked` decision in force
        # decision id -> (slot, state before, state after); for `checked`: (None, previous, decision)
        self._undo: dict[str, tuple[Any, Any, Any]] = {}
        self.last_reason = ""  # why the latest apply() refused, without the log location
        # Sentences whose proposals were made on another text: nothing to review until regenerated.
        self.stale_proposals: dict[str, str] = {}
        for sid, line in proposals.items():
            sentence = self.by_id.get(sid)
            if sentence is None:
                self.problems.append(Problem(proposals_path, line.line, "unknown-sentence",
                                             f"proposals for {sid}, which is not in the sentences file"))
                continue
            if not same_hash(line.text_hash, sentence.text_hash):
                self.stale_proposals[sid] = (f"proposals made on text hash {line.text_hash}, the sentence now "
                                             f"has {sentence.text_hash}")
                self.problems.append(Problem(proposals_path, line.line, "stale-proposal",
                                             f"{sid}: {self.stale_proposals[sid]}; proposals skipped, re-run the "
                                             "proposer; the sentence cannot be checked until then"))
                continue
            seen: set[tuple[int, int, str]] = set()
            for span in line.spans:
                core = layer.core(span)
                why = layer.check_span(core, sentence.text)
                if why is None and (core["start"], core["end"], core["label"]) in seen:
                    why = "duplicate proposal"
                if why is not None:
                    self.problems.append(Problem(proposals_path, line.line, "bad-span", f"{sid}: {why}; span skipped"))
                    continue
                seen.add((core["start"], core["end"], core["label"]))
                key = f"p:{core['start']}-{core['end']}-{core['label']}"
                self.slots[sid].append(Slot(key, sid, core, dict(core)))

    # -- replay ---------------------------------------------------------------

    def find_slot(self, sentence_id: str, key: str | None) -> Slot | None:
        """Return the slot with `key` in the sentence (removed ones excluded), or None."""
        for slot in self.slots.get(sentence_id, []):
            if slot.key == key and not slot.removed:
                return slot
        return None

    def _match(self, sentence_id: str, before: Mapping[str, Any]) -> Slot | None:
        want = self.layer.core(before)
        for slot in self.slots.get(sentence_id, []):
            if not slot.removed and self.layer.core(slot.span) == want:
                return slot
        return None

    def _settle(self, slot: Slot, span: Mapping[str, Any], decision: Decision) -> None:
        slot.span = self.layer.core(span)
        if slot.origin is None:
            slot.status = "added"
        else:
            slot.status = "accepted" if self.layer.core(slot.origin) == slot.span else "corrected"
        slot.reviewer, slot.time = decision.reviewer, decision.time

    def apply(self, decision: Decision, path: str = "log") -> Problem | None:
        """Apply one decision; return a Problem (and leave the state unchanged) if it cannot be."""
        def problem(kind: str, message: str) -> Problem:
            self.last_reason = message
            p = Problem(path, decision.line, kind, f"{decision.action} by {decision.reviewer} at "
                        f"{decision.time} on {decision.sentence_id}: {message}")
            self.problems.append(p)
            return p

        if decision.layer != self.layer.name:
            return None  # another layer's decision in a shared log is not ours to apply
        known = self.decisions.get(decision.id)
        if known is not None:
            if replace(known, line=0) == replace(decision, line=0):
                return None  # already applied (our own write, read back)
            return problem("invalid", f"duplicate id {decision.id!r} (already used by another decision); not applied")
        sentence = self.by_id.get(decision.sentence_id)
        if sentence is None:
            return problem("unknown-sentence", "sentence not in the sentences file; not applied")
        if not same_hash(decision.text_hash, sentence.text_hash):
            return problem("stale", f"STALE: made on text hash {decision.text_hash}, sentence now has "
                           f"{sentence.text_hash}; not applied, review this span again")
        action = decision.action
        why = self._shape(decision, sentence.text)
        if why is not None:
            return problem("invalid", f"{why}; not applied")
        if action == "undo":
            entry = self._undo.get(decision.undoes or "")
            if entry is None:
                return problem("conflict", f"undoes {decision.undoes!r}, which was never applied; ignored")
            slot, snap_before, snap_after = entry
            if slot is None:  # undoing a `checked`
                sid = snap_after.sentence_id
                if self.checked.get(sid) is not snap_after:
                    return problem("conflict", "sentence checked again since; undo not applied")
                if snap_before is None:
                    del self.checked[sid]
                else:
                    self.checked[sid] = snap_before
            elif slot.snapshot() != snap_after:
                return problem("conflict", "span changed since the decision it undoes; undo not applied")
            else:
                slot.restore(snap_before)
            del self._undo[decision.undoes or ""]
            stack = self.history.get(decision.reviewer, [])
            if decision.undoes in stack:
                stack.remove(decision.undoes)
            self.decisions[decision.id] = decision
            return None
        if action == "checked":
            if sentence.id in self.stale_proposals:
                return problem("stale", f"the sentence's proposals are stale ({self.stale_proposals[sentence.id]}): "
                               "re-run the proposer, then check the sentence again; not applied")
            open_ = [x for x in self.live_slots(sentence.id) if x.status == "auto"]
            if open_:
                return problem("conflict", f"{len(open_)} proposal(s) in this sentence still undecided ("
                               + "、".join(x.span["text"] for x in open_[:5])
                               + "): accept (a) or reject (x) each before marking the sentence checked")
            self._undo[decision.id] = (None, self.checked.get(sentence.id), decision)
            self.checked[sentence.id] = decision
            self.history.setdefault(decision.reviewer, []).append(decision.id)
            self.decisions[decision.id] = decision
            return None
        if action == "add":
            if decision.after is None:
                return problem("invalid", "add without a span; ignored")
            why = self.layer.check_span(self.layer.core(decision.after), sentence.text)
            if why is not None:
                return problem("bad-span", f"{why}; not applied")
            if self._match(sentence.id, decision.after) is not None:
                return problem("conflict", "this span is already there (perhaps rejected): go to it with , or . "
                               "and accept it; add not applied")
            slot = Slot(f"a:{decision.id}", sentence.id, None, self.layer.core(decision.after), removed=True)
            self.slots[sentence.id].append(slot)
            snap_before = slot.snapshot()
            slot.removed = False
            self._settle(slot, decision.after, decision)
        else:
            if decision.before is None:
                return problem("invalid", f"{action} without a 'before' span; ignored")
            slot = self._match(sentence.id, decision.before)
            if slot is None:
                return problem("conflict", "no current span matches 'before' (changed by another decision or "
                               "new proposals); not applied")
            snap_before = slot.snapshot()
            if action == "reject":
                slot.status, slot.reviewer, slot.time = "rejected", decision.reviewer, decision.time
            elif action == "accept":
                self._settle(slot, slot.span, decision)
            else:  # correct
                if decision.after is None:
                    return problem("invalid", "correct without an 'after' span; ignored")
                why = self.layer.check_span(self.layer.core(decision.after), sentence.text)
                if why is not None:
                    return problem("bad-span", f"{why}; not applied")
                clash = self._match(sentence.id, decision.after)
                if clash is not None and clash is not slot:
                    return problem("conflict", "the corrected span equals another span; not applied")
                self._settle(slot, decision.after, decision)
        self._undo[decision.id] = (slot, snap_before, slot.snapshot())
        self.history.setdefault(decision.reviewer, []).append(decision.id)
        self.decisions[decision.id] = decision
        return None

    # What each action carries: (before, after), True = a span object, False = null, None = either.
    _SHAPES: Mapping[str, tuple[bool | None, bool | None]] = {
        "accept": (True, True), "reject": (True, False), "correct": (True, True), "add": (False, True),
        "checked": (False, False), "undo": (None, None),
    }

    def _shape(self, decision: Decision, text: str) -> str | None:
        """Why the decision's before/after do not fit its action and this layer over `text`, or None."""
        shape = self._SHAPES.get(decision.action)
        if shape is None:
            return f"action {decision.action!r} is not one of {', '.join(self._SHAPES)} for the {self.layer.name} layer"
        for key, want, span in (("before", shape[0], decision.before), ("after", shape[1], decision.after)):
            if span is None:
                if want:
                    return f"{decision.action} needs a '{key}' span"
                continue
            if want is False:
                return f"{decision.action} must have '{key}' null"
            why = self.layer.check_logged(span, text)
            if why is not None:
                return f"'{key}': {why}"
        return None

    def apply_all(self, decisions: Iterable[Decision], path: str = "log") -> list[Problem]:
        """Apply decisions in order; return the problems found."""
        found = [self.apply(d, path) for d in decisions]
        return [p for p in found if p is not None]

    # -- queries --------------------------------------------------------------

    def live_slots(self, sentence_id: str) -> list[Slot]:
        """Slots of a sentence in text order (start, end, key), removed ones excluded."""
        live = [s for s in self.slots.get(sentence_id, []) if not s.removed]
        return sorted(live, key=lambda s: (s.span["start"], s.span["end"], s.key))

    def scope(self, sentence_ids: Iterable[str] | None = None) -> list[str]:
        """Sentence ids in document order, limited to `sentence_ids` when given."""
        if sentence_ids is None:
            return [s.id for s in self.sentences]
        wanted = set(sentence_ids)
        return [s.id for s in self.sentences if s.id in wanted]

    def items(self, sentence_ids: Iterable[str] | None = None) -> list[Cursor]:
        """Every (sentence id, slot key) in review order within the scope."""
        return [(sid, slot.key) for sid in self.scope(sentence_ids) for slot in self.live_slots(sid)]

    def queue(self, sentence_ids: Iterable[str] | None = None) -> list[Cursor]:
        """The review order: each sentence's spans, then the sentence itself (to be checked)."""
        return [c for sid in self.scope(sentence_ids)
                for c in [*((sid, slot.key) for slot in self.live_slots(sid)), (sid, None)]]

    def is_checked(self, sentence_id: str, reviewer: str | None = None) -> bool:
        """True when the sentence is marked checked (by `reviewer`, when given) and no span in it is undecided.

        A span decision undone after the check makes the sentence unchecked again.
        """
        decision = self.checked.get(sentence_id)
        if decision is None or (reviewer is not None and decision.reviewer != reviewer):
            return False
        return all(x.status != "auto" for x in self.live_slots(sentence_id))

    def pending(self, cursor: Cursor, reviewer: str | None = None) -> bool:
        """True when the item still needs a decision: an auto span, or a sentence with every span
        decided that is not checked yet."""
        sid, key = cursor
        if key is not None:
            slot = self.find_slot(sid, key)
            return slot is not None and slot.status == "auto"
        return not self.is_checked(sid, reviewer) and all(x.status != "auto" for x in self.live_slots(sid))

    def next_unreviewed(self, after: Cursor | None = None, sentence_ids: Iterable[str] | None = None,
                        include_current: bool = True, reviewer: str | None = None) -> Cursor | None:
        """Return the first pending item (auto span, or sentence to check) at or after `after`,
        wrapping round; None when every span is decided and every sentence checked.

        With `reviewer`, a sentence counts as checked only when that reviewer checked it
        (adjudication on top of another reviewer's log).
        """
        items = self.queue(sentence_ids)
        start = 0
        if after is not None and after in items:
            start = items.index(after) + (0 if include_current else 1)
        elif after is not None:
            # The cursor's span is gone (undone add): continue from that sentence.
            pos = self.position.get(after[0], -1)
            start = next((i for i, c in enumerate(items) if self.position[c[0]] >= pos), len(items))
        for cursor in items[start:] + items[:start]:
            if self.pending(cursor, reviewer):
                return cursor
        return None

    def unchecked(self, sentence_ids: Iterable[str] | None = None) -> list[str]:
        """Sentence ids in scope not yet checked, in document order."""
        return [sid for sid in self.scope(sentence_ids) if not self.is_checked(sid)]

    def progress(self, sentence_ids: Iterable[str] | None = None, reviewer: str | None = None) -> Progress:
        """Count slots by status, sentences with every slot reviewed, and sentences checked
        (by `reviewer`, when given), within the scope."""
        counts = {s: 0 for s in STATUSES}
        total = done = checked = 0
        scope = self.scope(sentence_ids)
        for sid in scope:
            live = self.live_slots(sid)
            for slot in live:
                counts[slot.status] += 1
                total += 1
            done += all(s.status != "auto" for s in live)
            checked += self.is_checked(sid, reviewer)
        return Progress(total, counts, len(scope), done, checked)

    def kept(self, sentence_id: str) -> list[Slot]:
        """Reviewed slots that stay in the published data (accepted, corrected, added)."""
        return [s for s in self.live_slots(sentence_id) if s.status in KEPT]

    def uncovered_digits(self, sentence_id: str) -> list[int]:
        """Offsets of ASCII digits outside every span not rejected: likely missed spans."""
        text = self.by_id[sentence_id].text
        covered = set()
        for slot in self.live_slots(sentence_id):
            if slot.status != "rejected":
                covered.update(range(slot.span["start"], slot.span["end"]))
        return [i for i, c in enumerate(text) if c.isascii() and c.isdigit() and i not in covered]

    def last_decision(self, reviewer: str) -> Decision | None:
        """The reviewer's latest applied decision that has not been undone, or None."""
        stack = self.history.get(reviewer, [])
        return self.decisions[stack[-1]] if stack else None
