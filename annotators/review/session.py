"""A reviewer's session: state, log, cursor and the one-span-at-a-time commands.

The TUI and the line mode are thin views over `Session`: every command here returns a
short message for the user, or raises ReviewError with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from .data import ProposalLine, Sentence
from .errors import Problem, ReviewError
from .log import Decision, DecisionLog, reviewer_problem
from .scratch import SCRATCH, check_session_mode
from .state import NUMERIC, Cursor, Layer, ReviewState, Slot

# The words a message uses for an action, per front end: the screen's keys, or the line
# mode's commands (a hint must name what the reviewer can actually type).
SCREEN_KEYS: Mapping[str, str] = {
    "save": "a", "reject": "x", "check": "c", "add": "n", "cancel": "esc", "edit": "e",
    "browse": ", .", "skip": "s", "note": "m", "undo": "u", "scroll": "PageDown/↓",
}
LINE_KEYS: Mapping[str, str] = {
    "save": "a", "reject": "x", "check": "c", "add": "add START END LABEL (or addtext TEXT LABEL)",
    "cancel": "cancel", "edit": "edit FIELD VALUE", "browse": "prev/next", "skip": "s",
    "note": "note TEXT", "undo": "u", "scroll": "",
}
# Re-running the numeric stage regenerates stale proposals.
REGENERATE = "nmg-corpus build --stages numeric"


@dataclass
class Draft:
    """A span being edited (origin_key set) or added (origin_key None), not yet logged."""

    span: dict[str, Any]
    origin_key: str | None


class Session:
    """Review state plus the reviewer's log and position.

    Takes the sentences, proposals keyed by sentence id, the log path and the reviewer
    name; `sentence_ids` limits the review to those sentences (a sample).
    """

    def __init__(
        self,
        sentences: Sequence[Sentence],
        proposals: Mapping[str, ProposalLine],
        log_path: Path | str,
        reviewer: str,
        *,
        layer: Layer = NUMERIC,
        sentence_ids: Iterable[str] | None = None,
        proposals_path: str = "proposals",
        base_logs: Sequence[Path | str] = (),
        require_note: bool = False,
        scratch: bool = False,
    ) -> None:
        why = reviewer_problem(reviewer)
        if why is not None:
            raise ReviewError(why)
        self.reviewer = reviewer
        self.keys: Mapping[str, str] = SCREEN_KEYS
        self.write_errors: list[str] = []  # decisions that could not be written (disk full, ...)
        self.layer = layer
        self.log = DecisionLog(log_path)
        self._inputs = (list(sentences), proposals, proposals_path)
        # Adjudication: other reviewers' logs, replayed first and never written.
        self.base_logs = [Path(b) for b in base_logs]
        if any(b.resolve() == self.log.path.resolve() for b in self.base_logs):
            raise ReviewError(f"{self.log.path} is both the log written and a --base log")
        self.require_note = require_note
        self.note: str | None = None  # reason attached to the next decision, then cleared
        # From scratch (blind annotation): no proposals at all, and every decision records it.
        self.mode: str | None = SCRATCH if scratch else None
        if scratch:
            self._inputs = (list(sentences), {}, proposals_path)
        check_session_mode(self.log.path, self.base_logs, scratch)
        self.state = self._base_state()
        if sentence_ids is not None:
            ids = list(sentence_ids)
            unknown = [i for i in ids if i not in self.state.by_id]
            if unknown:
                raise ReviewError(f"unknown sentence id(s): {', '.join(unknown[:5])}")
            self.sentence_ids: list[str] | None = ids
        else:
            self.sentence_ids = None
        # The session lock is held until close(); a cut-off last line is moved aside first.
        repaired = self.log.open_for_writing(reviewer)
        self.problems: list[Problem] = [*repaired, *self.state.problems]
        try:
            self.sync()
        except BaseException:
            self.close()
            raise
        self.cursor: Cursor | None = None
        self.draft: Draft | None = None
        self.done = False
        self._jump(self.state.next_unreviewed(None, self.sentence_ids, reviewer=self.checker))

    def close(self) -> None:
        """End the session: release the log's lock (every decision is already on disk)."""
        self.log.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- reading --------------------------------------------------------------

    def _base_state(self) -> ReviewState:
        sentences, proposals, proposals_path = self._inputs
        state = ReviewState(self.layer, sentences, proposals, proposals_path)
        for path in self.base_logs:
            if not path.exists():
                raise ReviewError(f"{path}: --base log not found", "E-REVIEW-LOG")
            decisions, problems = DecisionLog(path).read()
            state.problems += problems
            state.apply_all(decisions, str(path))
        return state

    @property
    def checker(self) -> str | None:
        # On top of another reviewer's log, a sentence is done once *this* reviewer checked it.
        return self.reviewer if self.base_logs else None

    def sync(self) -> list[Problem]:
        """Apply decisions appended to the log since the last sync (ours or another process's)."""
        decisions, problems = self.log.read_new()
        problems += self.state.apply_all(decisions, str(self.log.path))
        self.problems += problems
        return problems

    @property
    def scope(self) -> list[str]:
        """Sentence ids under review, in document order."""
        return self.state.scope(self.sentence_ids)

    @property
    def sentence(self) -> Sentence | None:
        """The sentence at the cursor."""
        return self.state.by_id[self.cursor[0]] if self.cursor else None

    @property
    def slot(self) -> Slot | None:
        """The span at the cursor (None on a sentence without spans or when done)."""
        return self.state.find_slot(*self.cursor) if self.cursor and self.cursor[1] else None

    @property
    def shown(self) -> dict[str, Any] | None:
        """The span to display: the draft when editing, else the slot's span."""
        if self.draft is not None:
            return self.draft.span
        return self.slot.span if self.slot else None

    def neighbours(self) -> tuple[Sentence | None, Sentence | None]:
        """The sentences before and after the current one in the report."""
        if self.sentence is None:
            return None, None
        pos = self.state.position[self.sentence.id]
        sents = self.state.sentences
        return (sents[pos - 1] if pos > 0 else None, sents[pos + 1] if pos + 1 < len(sents) else None)

    def where(self) -> str:
        """A short position line, e.g. 'nmg2025-p007-s03 · span 2/5'."""
        if self.sentence is None:
            return "all spans decided and all sentences checked"
        sid = self.sentence.id
        live = self.state.live_slots(sid)
        keys = [s.key for s in live]
        if self.draft is not None and self.draft.origin_key is None:
            return f"{sid} · new span"
        if self.cursor and self.cursor[1] in keys:
            return f"{sid} · span {keys.index(self.cursor[1]) + 1}/{len(keys)}"
        return f"{sid} · {self.sentence_state()}"

    def sentence_state(self) -> str:
        """What the current sentence still needs, e.g. 'no proposals: read it, add any missed span, then c'."""
        sentence = self.sentence
        if sentence is None:
            return ""
        live = self.state.live_slots(sentence.id)
        checked = self.state.checked.get(sentence.id)
        if self.state.is_checked(sentence.id, self.checker) and checked is not None:
            return f"sentence checked ✓ by {checked.reviewer}"
        if sentence.id in self.state.stale_proposals:
            return (f"STALE proposals ({self.state.stale_proposals[sentence.id]}): regenerate them "
                    f"({REGENERATE}) before checking this sentence")
        auto = sum(x.status == "auto" for x in live)
        if auto:
            return f"{auto} of {len(live)} span(s) undecided: decide them (a/x), then c"
        if not live:
            return "no proposals: read it, add any missed span, then c"
        return f"all {len(live)} span(s) decided: read the whole sentence, add any missed span, then c"

    # -- moving ---------------------------------------------------------------

    def _jump(self, cursor: Cursor | None) -> None:
        self.cursor, self.draft = cursor, None
        self.done = cursor is None

    def _advance(self) -> str:
        nxt = self.state.next_unreviewed(self.cursor, self.sentence_ids, include_current=False,
                                         reviewer=self.checker)
        if nxt is None:
            self._jump(None)
            return "all spans decided and all sentences checked"
        self._jump(nxt)
        return ""

    def has_unsaved(self) -> bool:
        """True when the draft is a new span, or an edit that differs from the span it edits."""
        draft = self.draft
        if draft is None:
            return False
        slot = self.slot
        return draft.origin_key is None or slot is None or self.layer.core(draft.span) != self.layer.core(slot.span)

    def _leave_draft(self, then: str) -> None:
        """Refuse to move on while an edit is unsaved (it would be lost); drop an unchanged draft."""
        if self.has_unsaved():
            what = "new span" if self.draft is not None and self.draft.origin_key is None else "edit"
            raise ReviewError(f"unsaved {what}: {self.keys['save']} saves it, {self.keys['cancel']} drops it; "
                              f"then {then}")
        self.draft = None

    def skip(self) -> str:
        """Leave the current span unreviewed and go to the next unreviewed one."""
        self._leave_draft("skip")
        if self.cursor is None:
            return "nothing to skip: all spans decided and all sentences checked"
        before = self.cursor
        self._advance()
        if self.cursor == before or self.cursor is None:
            self._jump(before)
            return "nothing else left to review"
        return "skipped"

    def goto(self, query: str) -> str:
        """Jump to a sentence by id, id suffix (p007-s03), or 1-based position in the scope."""
        query = query.strip()
        if not query:
            raise ReviewError("give a sentence id, e.g. nmg2025-p007-s03 or p007-s03, or a number")
        self._leave_draft("go to another sentence")
        scope = self.scope
        target: str | None = None
        if query.isdigit():
            n = int(query)
            if not 1 <= n <= len(scope):
                raise ReviewError(f"sentence number must be 1-{len(scope)}")
            target = scope[n - 1]
        elif query in self.state.by_id:
            target = query
        else:
            hits = [sid for sid in scope if sid.endswith(query) or sid.endswith("-" + query)]
            hits = hits or [sid for sid in scope if query in sid]
            if not hits:
                raise ReviewError(f"no sentence id matches {query!r}")
            target = hits[0]
        if self.sentence_ids is not None and target not in scope:
            raise ReviewError(f"{target} is not in this review's sample")
        self._to_sentence(target)
        return f"at {target}"

    def _to_sentence(self, sid: str, near: int | None = None) -> None:
        live = self.state.live_slots(sid)
        auto = [s for s in live if s.status == "auto"]
        # A search lands on the span at the hit when there is one.
        hit = [s for s in live if near is not None and s.span["start"] <= near < s.span["end"]]
        pick = (hit or auto or live or [None])[0]
        self._jump((sid, pick.key if pick else None))

    def search(self, needle: str) -> str:
        """Go to the next sentence (after the current one, wrapping) whose text contains `needle`."""
        if not needle:
            raise ReviewError("type some text to search for")
        self._leave_draft("search")
        scope = self.scope
        here = scope.index(self.cursor[0]) if self.cursor and self.cursor[0] in scope else -1
        order = scope[here + 1:] + scope[: here + 1]
        for sid in order:
            if needle in self.state.by_id[sid].text:
                self._to_sentence(sid, self.state.by_id[sid].text.index(needle))
                return f"found in {sid}"
        raise ReviewError(f"{needle!r} not found")

    def step(self, delta: int) -> str:
        """Move to the previous (-1) or next (+1) span in the scope, reviewed or not."""
        self._leave_draft(f"move to the {'next' if delta > 0 else 'previous'} span")
        items = self.state.items(self.sentence_ids)
        if not items:
            return "no spans"
        if self.cursor in items:
            i = items.index(self.cursor) + delta
        elif self.cursor is not None:
            # On a sentence without spans: the nearest span after (or before) that sentence.
            pos = self.state.position[self.cursor[0]]
            later = [j for j, c in enumerate(items) if self.state.position[c[0]] > pos]
            i = (later[0] if later else len(items)) if delta > 0 else (later[0] if later else len(items)) - 1
        else:
            i = 0 if delta > 0 else len(items) - 1
        if not 0 <= i < len(items):
            return "no more spans that way"
        self._jump(items[i])
        return ""

    # -- drafting ---------------------------------------------------------------

    def _ensure_draft(self) -> Draft:
        if self.draft is None:
            slot = self.slot
            if slot is None:
                raise ReviewError(self.no_span_message())
            self.draft = Draft(dict(slot.span), slot.key)
        return self.draft

    def no_span_message(self) -> str:
        """What to say when a span command is given where there is no span."""
        if self.sentence is None:
            return "all spans decided and all sentences checked: nothing to edit"
        return (f"no span here to edit: {self.keys['add']} adds a missed span, "
                f"{self.keys['check']} marks the sentence checked")

    def edit(self, name: str, raw: str) -> str:
        """Set one field of the draft (start, end, label or a layer field) from text."""
        name = name.strip().lower()
        if name not in self.layer.editable:
            raise ReviewError(f"unknown field {name!r}; fields: {', '.join(self.layer.editable)}")
        if self.draft is None and self.slot is None:
            raise ReviewError(self.no_span_message())
        value = self.layer.parse_field(name, raw)
        draft = self._ensure_draft()
        if name in ("start", "end"):
            span = dict(draft.span, **{name: value})
            self._set_bounds(draft, span["start"], span["end"])
        else:
            draft.span[name] = value
        return f"{name} = {value!r} (not saved: {self.keys['save']} saves, {self.keys['cancel']} drops it)"

    def edit_many(self, text: str) -> str:
        """Apply 'field=value field=value ...' edits to the draft."""
        pairs = parse_assignments(text)
        if not pairs:
            raise ReviewError("nothing to change; write field=value, e.g. label=MONEY value=2.6e12")
        for name, raw in pairs:
            self.edit(name, raw)
        return f"edited (not saved: {self.keys['save']} saves, {self.keys['cancel']} drops it)"

    def _set_bounds(self, draft: Draft, start: int, end: int) -> None:
        text = self.sentence.text if self.sentence else ""
        if not 0 <= start < end <= len(text):
            raise ReviewError(f"span {start}-{end} must be non-empty and inside the sentence (0-{len(text)})")
        draft.span.update(start=start, end=end, text=text[start:end])

    def move(self, which: str, delta: int) -> str:
        """Move the draft's start or end (which) by delta characters."""
        draft = self._ensure_draft()
        start, end = draft.span["start"], draft.span["end"]
        if which == "start":
            start += delta
        elif which == "end":
            end += delta
        else:
            start, end = start + delta, end + delta
        self._set_bounds(draft, start, end)
        return f"span {start}-{end} {draft.span['text']!r} (not saved)"

    def begin_add(self, start: int | None = None, end: int | None = None, label: str | None = None) -> str:
        """Start a draft for a new span (default: one character after the current span)."""
        sentence = self.sentence
        if sentence is None:
            raise ReviewError("go to a sentence first (g or /)")
        if start is None:
            shown = self.shown
            start = min(shown["end"], len(sentence.text) - 1) if shown else 0
        end = start + 1 if end is None else end
        span = self.layer.make_span(sentence.text, 0, 1, label or self.layer.labels[-1])
        self.draft = Draft(span, None)
        self._set_bounds(self.draft, start, end)
        return (f"adding: [ ] move start, {{ }} move end, ← → move, {self.keys['edit']} sets fields, "
                f"{self.keys['save']} saves, {self.keys['cancel']} drops it")

    def cancel(self) -> str:
        """Drop the draft."""
        if self.draft is None:
            return ""
        was_new = self.draft.origin_key is None
        self.draft = None
        if was_new and self.cursor and self.cursor[1] is None:
            return "add cancelled"
        return "edit cancelled" if not was_new else "add cancelled"

    # -- deciding ---------------------------------------------------------------

    def _commit(self, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None,
                undoes: str | None = None) -> Decision:
        sentence = self.sentence
        assert sentence is not None
        note = self.note
        if self.require_note and action != "undo" and not note:
            raise ReviewError(f"adjudication: every decision needs a reason; give one first "
                              f"(line mode: note TEXT, or {action[0]} because TEXT; screen: m)")
        decision = Decision(self.reviewer, sentence.id, sentence.text_hash, action, before, after,
                            self.layer.name, undoes=undoes, note=note if action != "undo" else None, mode=self.mode)
        # Validate against our state first, so a bad decision is never written.
        probe = self.state.apply(decision, "<this session>")
        if probe is not None:
            self.state.problems.remove(probe)
            raise ReviewError(self.state.last_reason)
        try:
            self.log.append(decision)
        except ReviewError as exc:
            self.write_errors.append(exc.message)
            self._reload()  # the log is the truth: drop the unwritten decision from memory
            raise
        if action != "undo":
            self.note = None
        return decision

    def _reload(self) -> None:
        self.log.reset()  # same DecisionLog: it holds the session lock
        self.state = self._base_state()
        self.problems = list(self.state.problems)
        self.sync()
        if self.cursor and self.cursor[1] and self.state.find_slot(*self.cursor) is None:
            self._to_sentence(self.cursor[0])

    def accept(self) -> str:
        """Save the shown span: accept it, or save the draft as a correction or an addition."""
        self.sync()
        sentence, slot = self.sentence, self.slot
        if sentence is None:
            return "all spans reviewed"
        if self.draft is not None and self.draft.origin_key is None:
            after = dict(self.draft.span, status="added")
            decision = self._commit("add", None, after)
            self._jump((sentence.id, f"a:{decision.id}"))
            msg = f"added {after['label']} {after['text']!r}"
        else:
            if slot is None:
                raise ReviewError(f"no span here: {self.keys['check']} marks the sentence checked, "
                                  f"{self.keys['add']} adds a missed span")
            before = dict(slot.span, status=slot.status)
            if self.draft is not None and self.layer.core(self.draft.span) != self.layer.core(slot.span):
                self._commit("correct", before, dict(self.draft.span, status="corrected"))
                msg = f"corrected {self.draft.span['label']} {self.draft.span['text']!r}"
            else:
                self._commit("accept", before, dict(slot.span, status="accepted" if slot.origin else "added"))
                msg = f"accepted {slot.span['label']} {slot.span['text']!r}"
        rest = self._advance()
        return f"{msg}; {rest}" if rest else msg

    def reject(self) -> str:
        """Reject the span at the cursor (a draft being added is simply cancelled)."""
        self.sync()
        if self.draft is not None and self.draft.origin_key is None:
            return self.cancel()
        slot = self.slot
        if slot is None:
            return ("all spans decided and all sentences checked" if self.sentence is None
                    else f"no span here to reject ({self.keys['check']} marks the sentence checked)")
        self._commit("reject", dict(slot.span, status=slot.status), None)
        msg = f"rejected {slot.span['label']} {slot.span['text']!r}"
        rest = self._advance()
        return f"{msg}; {rest}" if rest else msg

    def add(self, start: int, end: int, label: str, fields: Mapping[str, str] | None = None) -> str:
        """Add a missed span in the current sentence at once (the line mode's `add`)."""
        self.begin_add(start, end, self.layer.parse_field("label", label))
        try:
            for name, raw in (fields or {}).items():
                if name in ("start", "end", "label"):
                    raise ReviewError(f"give {name} as a position argument, not {name}=")
                self.edit(name, raw)
        except ReviewError:
            self.draft = None
            raise
        return self.accept()

    def set_note(self, text: str) -> str:
        """Set (or with '' clear) the reason logged with the next decision."""
        text = " ".join(text.split())
        self.note = text or None
        return f"note for the next decision: {text}" if text else "note cleared"

    def check(self) -> str:
        """Mark the current sentence `checked`: read whole, every numeric entity accounted for.

        Refused while a proposal in it is undecided or an edit is unsaved.
        """
        self.sync()
        sentence = self.sentence
        if sentence is None:
            return "all spans decided and all sentences checked"
        self._leave_draft(f"{self.keys['check']}")
        if sentence.id in self.state.stale_proposals:
            raise ReviewError(f"cannot mark {sentence.id} checked: its proposals are STALE "
                              f"({self.state.stale_proposals[sentence.id]}); regenerate them ({REGENERATE}) first")
        auto = [x for x in self.state.live_slots(sentence.id) if x.status == "auto"]
        if auto:
            raise ReviewError(f"cannot mark {sentence.id} checked: {len(auto)} proposal(s) still undecided ("
                              + "、".join(x.span["text"] for x in auto[:5]) + "); accept (a) or reject (x) each first")
        if self.state.is_checked(sentence.id, self.checker):
            rest = self._advance()
            return f"{sentence.id} was already checked" + (f"; {rest}" if rest else "")
        self._jump((sentence.id, None))
        self._commit("checked", None, None)
        msg = f"checked {sentence.id}"
        rest = self._advance()
        return f"{msg}; {rest}" if rest else msg

    def undo(self) -> str:
        """Log an undo of this reviewer's latest decision and go back to that span."""
        self.sync()
        self._leave_draft(f"{self.keys['undo']}")
        last = self.state.last_decision(self.reviewer)
        if last is None:
            return "nothing to undo"
        entry = self.state._undo.get(last.id)
        slot = entry[0] if entry else None
        self._jump((last.sentence_id, None))
        self._commit("undo", last.after, last.before, undoes=last.id)
        if last.action == "checked":
            pass  # stay on the sentence itself
        elif slot is not None and not slot.removed:
            self._jump((last.sentence_id, slot.key))
        else:
            self._to_sentence(last.sentence_id)
        return f"undid {last.action} on {last.sentence_id}"


def split_fields(words: Sequence[str], layer: Layer, extra: Sequence[str] = ()) -> tuple[list[str], list[tuple[str, str]]]:
    """Split command words into plain words and `field=value` pairs.

    Only a word whose part before `=` is an editable field of `layer` (or one of `extra`,
    e.g. nth) is a pair, so span text containing `=` stays plain text.
    """
    names = {*layer.editable, *extra}
    plain: list[str] = []
    pairs: list[tuple[str, str]] = []
    for word in words:
        name, eq, raw = word.partition("=")
        if eq and name.strip().lower() in names:
            pairs.append((name.strip().lower(), raw))
        else:
            plain.append(word)
    return plain, pairs


def parse_assignments(text: str) -> list[tuple[str, str]]:
    """Parse 'a=1 b=x' into [(a, '1'), (b, 'x')]; raises ReviewError on a word without '='."""
    pairs: list[tuple[str, str]] = []
    for word in text.split():
        if "=" not in word:
            raise ReviewError(f"expected field=value, got {word!r}")
        name, _, raw = word.partition("=")
        pairs.append((name.strip().lower(), raw))
    return pairs
