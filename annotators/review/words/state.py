"""Word-layer review state: HanLP proposals (or nothing, from scratch) plus replayed decisions.

The same rules as the numeric layer: a decision whose text hash no longer matches its
sentence is STALE (reported, not applied); a decision whose `before` does not match the
current analysis is a CONFLICT (reported, not applied); `undo` reverses one decision
when the sentence still is as that decision left it. `checked` records the sentence's
notation as the reviewer saw it (`after: {"notation": ...}`) and counts only while the
analysis still reads the same: a later change (or regenerated proposals) unchecks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data import Sentence, iter_jsonl, same_hash
from ..errors import Problem, ReviewError
from ..log import Decision
from ..scratch import PROPOSALS, SCRATCH, log_mode  # noqa: F401  (log_mode re-exported)
from .analysis import CHANGES, Analysis, ChangeError, Entity, Word, apply_change
from .notation import format_analysis
from .tags import LABELS, TAGS

LAYER = "words"


@dataclass(frozen=True)
class WordProposal:
    """HanLP's analysis of one sentence (a line of corpus/interim/hanlp.jsonl)."""

    sentence_id: str
    text_hash: str
    tokens: list[str]
    offsets: list[tuple[int, int]]
    tags: list[str]
    entities: list[dict[str, Any]]
    line: int


def load_word_proposals(path: Path) -> dict[str, WordProposal]:
    """Read HanLP's output keyed by sentence id; raises ReviewError (file:line) on a malformed line."""
    out: dict[str, WordProposal] = {}
    for number, obj in iter_jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(obj.get("id"), str):
            raise ReviewError(f"{where}: field 'id' missing or not a string", "E-REVIEW-INPUT")
        tokens, offsets, tags = obj.get("tokens"), obj.get("token_offsets"), obj.get("pos_tags")
        entities = obj.get("entities", [])
        if not (isinstance(tokens, list) and all(isinstance(t, str) for t in tokens)):
            raise ReviewError(f"{where}: 'tokens' must be a list of strings", "E-REVIEW-INPUT")
        if not (isinstance(offsets, list) and all(isinstance(o, list) and len(o) == 2
                                                  and all(isinstance(x, int) and not isinstance(x, bool) for x in o)
                                                  for o in offsets)):
            raise ReviewError(f"{where}: 'token_offsets' must be a list of [start, end] pairs", "E-REVIEW-INPUT")
        if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
            raise ReviewError(f"{where}: 'pos_tags' must be a list of strings", "E-REVIEW-INPUT")
        if not len(tokens) == len(offsets) == len(tags):
            raise ReviewError(f"{where}: tokens, token_offsets and pos_tags differ in length", "E-REVIEW-INPUT")
        if not (isinstance(entities, list) and all(isinstance(e, dict) for e in entities)):
            raise ReviewError(f"{where}: 'entities' must be a list of objects", "E-REVIEW-INPUT")
        if obj["id"] in out:
            raise ReviewError(f"{where}: duplicate analysis for {obj['id']!r}", "E-REVIEW-INPUT")
        out[obj["id"]] = WordProposal(obj["id"], str(obj.get("text_hash", "")), tokens,
                                      [(a, b) for a, b in offsets], tags, entities, number)
    return out


def proposal_analysis(proposal: WordProposal, text: str) -> tuple[Analysis, list[str]]:
    """Turn HanLP's output into an Analysis; returns it with remarks on what could not be kept.

    Raises ChangeError when the tokens do not tile the text (the proposal is unusable). A
    tag outside the PKU set leaves its word untagged; an entity that does not cover whole
    words (or overlaps another) is left out: both are named in the remarks, which the
    reviewer sees with the sentence.
    """
    words: list[Word] = []
    remarks: list[str] = []
    pos = 0
    for token, (start, end), tag in zip(proposal.tokens, proposal.offsets, proposal.tags):
        if start != pos or end <= start or text[start:end] != token:
            raise ChangeError(f"token {token!r} at {start}-{end} does not continue the sentence at offset {pos}")
        if tag not in TAGS:
            remarks.append(f"HanLP tagged {token!r} {tag!r}, which is not a PKU tag: left untagged")
            tag = None
        words.append(Word(start, end, tag))
        pos = end
    if pos != len(text):
        raise ChangeError(f"tokens end at offset {pos}, the sentence at {len(text)}")
    analysis = Analysis(text, tuple(words), ())
    bounds = analysis.boundaries()
    kept: list[Entity] = []
    for obj in proposal.entities:
        start, end, label = obj.get("start"), obj.get("end"), obj.get("label")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)) or label not in LABELS:
            remarks.append(f"HanLP entity {obj!r} is not a PER/LOC/ORG span of this sentence: left out")
            continue
        piece = text[start:end]
        if start not in bounds or end not in bounds:
            inside = analysis.words[analysis.word_at(start if start not in bounds else end - 1)]
            remarks.append(f"HanLP proposed {label} {piece!r}, which is not whole words (inside "
                           f"{text[inside.start:inside.end]!r}): left out; an entity must cover whole words, "
                           "so split the word first if it is one")
            continue
        if any(e.start < end and start < e.end for e in kept):
            remarks.append(f"HanLP proposed {label} {piece!r} overlapping another entity: left out")
            continue
        kept.append(Entity(start, end, label))
    return analysis.with_entities(kept), remarks


def check_decision(decision: Decision) -> str | None:
    """Why a word-layer decision's fields are malformed (shape only), or None when they are fine."""
    action, before, after = decision.action, decision.before, decision.after
    if action == "checked":
        if before is not None or not isinstance(after, dict) or not isinstance(after.get("notation"), str):
            return "checked needs before null and after {\"notation\": \"...\"}"
        return None
    if action == "undo":
        return None if isinstance(decision.undoes, str) and decision.undoes else "undo needs 'undoes' (a decision id)"
    if decision.undoes is not None:
        return f"'undoes' is only for undo, not {action}"
    if action not in CHANGES:
        return f"unknown word-layer action {action!r}"
    if action in ("split", "merge", "retag"):
        if not (isinstance(before, dict) and isinstance(after, dict)):
            return f"{action} needs before and after {{\"words\": [...]}}"
    elif action == "entity-add":
        if before is not None or not isinstance(after, dict):
            return "entity-add needs before null and an entity as after"
    elif action == "entity-remove":
        if not isinstance(before, dict) or after is not None:
            return "entity-remove needs an entity as before and after null"
    elif not (isinstance(before, dict) and isinstance(after, dict)):
        return f"{action} needs entities as before and after"
    return None


@dataclass
class Applied:
    """What one applied decision did to its sentence, so that it can be undone."""

    sentence_id: str
    before: Any  # the Analysis before (or, for checked, the previous checked decision)
    after: Any  # the Analysis after (or the checked decision itself)


@dataclass(frozen=True)
class WordProgress:
    """Sentences checked within a scope, and words still untagged."""

    sentences: int
    checked: int
    stale: int
    untagged: int
    changed: Mapping[str, int] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.checked == self.sentences

    def line(self) -> str:
        """One line, e.g. 'sentences 40/278 checked · changes: split 3, retag 5'."""
        parts = [f"sentences {self.checked}/{self.sentences} checked"]
        if self.stale:
            parts.append(f"{self.stale} stale (re-run HanLP)")
        if self.untagged:
            parts.append(f"{self.untagged} word(s) untagged")
        changes = ", ".join(f"{k} {v}" for k, v in self.changed.items() if v)
        parts.append(f"changes: {changes or 'none'}")
        return " · ".join(parts)


class WordState:
    """Every sentence's current analysis: the proposal (or one untagged word) plus applied decisions."""

    def __init__(
        self,
        sentences: Sequence[Sentence],
        proposals: Mapping[str, WordProposal] | None,
        proposals_path: str = "proposals",
        *,
        scratch: bool = False,
    ) -> None:
        self.sentences = list(sentences)
        self.by_id = {s.id: s for s in self.sentences}
        self.position = {s.id: i for i, s in enumerate(self.sentences)}
        self.scratch = scratch
        self.mode = SCRATCH if scratch else PROPOSALS
        self.current: dict[str, Analysis] = {}
        self.unusable: dict[str, str] = {}  # sentence id -> why there is no analysis to review
        self.remarks: dict[str, list[str]] = {}
        self.problems: list[Problem] = []
        self.decisions: dict[str, Decision] = {}
        self.history: dict[str, list[str]] = {}  # reviewer -> applied decision ids not undone, oldest first
        self.checked: dict[str, Decision] = {}
        self.in_force: dict[str, list[str]] = {s.id: [] for s in self.sentences}  # changes not undone, in order
        self._undo: dict[str, Applied] = {}
        self.last_reason = ""
        if scratch:
            for s in self.sentences:
                self.current[s.id] = Analysis.unsegmented(s.text)
            return
        proposals = proposals or {}
        for sid, prop in proposals.items():
            if sid not in self.by_id:
                self.problems.append(Problem(proposals_path, prop.line, "unknown-sentence",
                                             f"analysis of {sid}, which is not in the sentences file"))
        for s in self.sentences:
            prop = proposals.get(s.id)
            if prop is None:
                self.unusable[s.id] = f"no HanLP analysis for this sentence in {proposals_path}: re-run HanLP"
                continue
            if not same_hash(prop.text_hash, s.text_hash):
                self.unusable[s.id] = (f"STALE: HanLP analysed another text (hash {prop.text_hash}, the sentence now "
                                       f"has {s.text_hash}): re-run HanLP before reviewing this sentence")
                continue
            try:
                self.current[s.id], remarks = proposal_analysis(prop, s.text)
            except ChangeError as exc:
                self.unusable[s.id] = f"{proposals_path}:{prop.line}: unusable HanLP analysis ({exc}): re-run HanLP"
                continue
            if remarks:
                self.remarks[s.id] = remarks
        for sid, why in self.unusable.items():
            line = proposals[sid].line if sid in proposals else 0
            self.problems.append(Problem(proposals_path, line, "stale-proposal", f"{sid}: {why}"))

    # -- replay ----------------------------------------------------------------------

    def apply(self, decision: Decision, path: str = "log") -> Problem | None:
        """Apply one decision; return a Problem (state unchanged) when it cannot be applied."""
        def problem(kind: str, message: str) -> Problem:
            self.last_reason = message
            p = Problem(path, decision.line, kind, f"{decision.action} by {decision.reviewer} at {decision.time} "
                        f"on {decision.sentence_id}: {message}")
            self.problems.append(p)
            return p

        if decision.layer != LAYER:
            return None  # not ours (a shared log)
        if decision.id in self.decisions:
            return None  # already applied (our own write, read back)
        why = check_decision(decision)
        if why is not None:
            return problem("invalid", f"{why}; ignored")
        if (decision.mode or PROPOSALS) != self.mode:
            return problem("mode", f"made {'from scratch' if decision.mode == SCRATCH else 'on the proposals'}, but "
                           f"this replay starts {'from scratch' if self.scratch else 'from the proposals'}; not applied")
        sentence = self.by_id.get(decision.sentence_id)
        if sentence is None:
            return problem("unknown-sentence", "sentence not in the sentences file; not applied")
        if not same_hash(decision.text_hash, sentence.text_hash):
            return problem("stale", f"STALE: made on text hash {decision.text_hash}, sentence now has "
                           f"{sentence.text_hash}; not applied, review this sentence again")
        sid = sentence.id
        if sid in self.unusable:
            return problem("conflict", f"{self.unusable[sid]}; not applied")
        action = decision.action
        if action == "undo":
            entry = self._undo.get(decision.undoes or "")
            if entry is None:
                return problem("conflict", f"undoes {decision.undoes!r}, which was never applied or is undone; ignored")
            if entry.sentence_id != sid:
                return problem("conflict", f"undoes a decision on {entry.sentence_id}, not on this sentence; ignored")
            original = self.decisions[decision.undoes or ""]
            if original.action == "checked":
                if self.checked.get(sid) is not entry.after:
                    return problem("conflict", "sentence checked again since; undo not applied")
                if entry.before is None:
                    del self.checked[sid]
                else:
                    self.checked[sid] = entry.before
            else:
                if self.current[sid] != entry.after:
                    return problem("conflict", "the sentence changed since the decision it undoes; undo not applied")
                self.current[sid] = entry.before
                self.in_force[sid].remove(original.id)
            del self._undo[original.id]
            stack = self.history.get(original.reviewer, [])
            if original.id in stack:
                stack.remove(original.id)
            self.decisions[decision.id] = decision
            return None
        if action == "checked":
            analysis = self.current[sid]
            notation = format_analysis(analysis)
            if decision.after["notation"] != notation:  # type: ignore[index]
                return problem("conflict", "the sentence reads differently from what was checked (changed since, or "
                               "proposals regenerated): not applied, check it again")
            if analysis.untagged():
                return problem("conflict", f"{len(analysis.untagged())} word(s) untagged: tag every word before "
                               "checking the sentence")
            self._undo[decision.id] = Applied(sid, self.checked.get(sid), decision)
            self.checked[sid] = decision
        else:
            before = self.current[sid]
            try:
                after = apply_change(before, action, decision.before, decision.after)
            except ChangeError as exc:
                kind = "conflict" if "changed since" in str(exc) else "invalid"
                return problem(kind, f"{exc}; not applied")
            self.current[sid] = after
            self._undo[decision.id] = Applied(sid, before, after)
            self.in_force[sid].append(decision.id)
        self.history.setdefault(decision.reviewer, []).append(decision.id)
        self.decisions[decision.id] = decision
        return None

    def apply_all(self, decisions: Iterable[Decision], path: str = "log") -> list[Problem]:
        """Apply decisions in order; return the problems found."""
        found = [self.apply(d, path) for d in decisions]
        return [p for p in found if p is not None]

    # -- queries ---------------------------------------------------------------------

    def scope(self, sentence_ids: Iterable[str] | None = None) -> list[str]:
        """Sentence ids in document order, limited to `sentence_ids` when given."""
        if sentence_ids is None:
            return [s.id for s in self.sentences]
        wanted = set(sentence_ids)
        return [s.id for s in self.sentences if s.id in wanted]

    def notation(self, sentence_id: str) -> str:
        """The sentence's current analysis in notation."""
        return format_analysis(self.current[sentence_id])

    def is_checked(self, sentence_id: str, reviewer: str | None = None) -> bool:
        """True when the sentence is checked (by `reviewer`, when given) and still reads as it was checked."""
        decision = self.checked.get(sentence_id)
        if decision is None or (reviewer is not None and decision.reviewer != reviewer):
            return False
        analysis = self.current.get(sentence_id)
        return analysis is not None and decision.after["notation"] == format_analysis(analysis)  # type: ignore[index]

    def unchecked(self, sentence_ids: Iterable[str] | None = None, reviewer: str | None = None) -> list[str]:
        """Sentence ids in scope not (or no longer) checked, in document order."""
        return [sid for sid in self.scope(sentence_ids) if not self.is_checked(sid, reviewer)]

    def next_unchecked(self, after: str | None, sentence_ids: Iterable[str] | None = None,
                       include_current: bool = True, reviewer: str | None = None) -> str | None:
        """The first sentence to check at or after `after` (wrapping); None when all are checked."""
        order = self.scope(sentence_ids)
        start = 0
        if after is not None and after in order:
            start = order.index(after) + (0 if include_current else 1)
        for sid in order[start:] + order[:start]:
            if not self.is_checked(sid, reviewer):
                return sid
        return None

    def changes(self, sentence_id: str) -> list[Decision]:
        """The changes in force on a sentence (applied, not undone), in order."""
        return [self.decisions[i] for i in self.in_force.get(sentence_id, [])]

    def progress(self, sentence_ids: Iterable[str] | None = None, reviewer: str | None = None) -> WordProgress:
        """Sentences checked, stale and untagged words, and changes in force by kind, within the scope."""
        scope = self.scope(sentence_ids)
        changed = {a: 0 for a in CHANGES}
        untagged = 0
        for sid in scope:
            for d in self.changes(sid):
                changed[d.action] += 1
            if sid in self.current:
                untagged += len(self.current[sid].untagged())
        return WordProgress(len(scope), sum(self.is_checked(sid, reviewer) for sid in scope),
                            sum(sid in self.unusable for sid in scope), untagged, changed)

    def last_group(self, reviewer: str) -> list[Decision]:
        """The reviewer's latest applied decisions not undone that belong together (one edit), newest first."""
        stack = self.history.get(reviewer, [])
        if not stack:
            return []
        last = self.decisions[stack[-1]]
        group = [last]
        if last.edit is not None:
            for did in reversed(stack[:-1]):
                d = self.decisions[did]
                if d.edit != last.edit:
                    break
                group.append(d)
        return group
