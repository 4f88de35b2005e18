"""A reviewer's word-layer session: state, log, a cursor over sentences and words, and the operations.

The line mode and the screen are thin views over `WordSession`. Every operation returns a
short message for the reviewer, or raises ReviewError with a one-line reason; each change
is written to the log (fsync'd) before the call returns. Word indices are 0-based here
(the line mode numbers words from 1).

    session.split(offset)            new word boundary before sentence character `offset`
    session.split_word(k)            split the cursor word after its k-th character
    session.merge()                  cursor word + next word
    session.retag(tag)               the cursor word's PKU tag
    session.add_entity(first, last, label)       entity over words first..last
    session.remove_entity() / relabel_entity(label) / move_entity(first, last)
                                     the entity containing the cursor word (or word=i)
    session.edit_line(notation, note)            whole-sentence edit in notation
    session.accept()                 `checked`: the sentence is right as it stands
    session.undo()                   undo the latest change, or the whole latest edit
    session.set_note(text), goto(query), next_sentence(), prev_sentence(), search(text),
    session.move_word(delta), set_word(i)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..data import Sentence
from ..errors import Problem, ReviewError
from ..log import Decision, DecisionLog, new_id, reviewer_problem
from .analysis import (
    Analysis,
    Change,
    ChangeError,
    edit_changes,
    entity_add_change,
    entity_move_change,
    entity_relabel_change,
    entity_remove_change,
    merge_change,
    retag_change,
    split_change,
)
from .notation import NotationError, format_analysis, parse_notation
from ..scratch import check_session_mode
from .state import LAYER, WordProposal, WordState
from .tags import LABEL_MEANINGS, TAG_MEANINGS, TAGS


class WordSession:
    """Word-layer review state plus the reviewer's log, position and pending note.

    Takes the sentences, HanLP's analyses keyed by sentence id (ignored with
    `scratch=True`), the log path and the reviewer name; `sentence_ids` limits the
    review to those sentences (a sample); `base_logs` are other reviewers' logs replayed
    first, read-only (adjudication: every decision then needs a note). Holds the log's
    session lock until close().
    """

    tag_meanings: Mapping[str, str] = TAG_MEANINGS
    label_meanings: Mapping[str, str] = LABEL_MEANINGS

    def __init__(
        self,
        sentences: Sequence[Sentence],
        proposals: Mapping[str, WordProposal] | None,
        log_path: Path | str,
        reviewer: str,
        *,
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
        self.scratch = scratch
        self.log = DecisionLog(log_path)
        self.base_logs = [Path(b) for b in base_logs]
        if any(b.resolve() == self.log.path.resolve() for b in self.base_logs):
            raise ReviewError(f"{self.log.path} is both the log written and a --base log")
        self.require_note = require_note
        self._inputs = (list(sentences), proposals, proposals_path)
        self.note: str | None = None
        self.problems: list[Problem] = list(self.log.open_for_writing(reviewer))
        try:
            self._check_mode()
            self.state = self._base_state()
            if sentence_ids is not None:
                ids = list(sentence_ids)
                unknown = [i for i in ids if i not in self.state.by_id]
                if unknown:
                    raise ReviewError(f"unknown sentence id(s): {', '.join(unknown[:5])}")
                self.sentence_ids: list[str] | None = ids
            else:
                self.sentence_ids = None
            self.problems += self.state.problems
            self.sync()
        except BaseException:
            self.log.close()
            raise
        self.sentence_id: str | None = None
        self.word = 0
        self.done = False
        self._go(self.state.next_unchecked(None, self.sentence_ids, reviewer=self.checker))

    def close(self) -> None:
        """Release the log's session lock (every decision is already on disk)."""
        self.log.close()

    def __enter__(self) -> WordSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------

    def _check_mode(self) -> None:
        for path in self.base_logs:
            if not DecisionLog(path).exists():
                raise ReviewError(f"{path}: --base log not found", "E-REVIEW-LOG")
        check_session_mode(self.log.path, self.base_logs, self.scratch)

    def _base_state(self) -> WordState:
        sentences, proposals, proposals_path = self._inputs
        state = WordState(sentences, proposals, proposals_path, scratch=self.scratch)
        for path in self.base_logs:
            decisions, problems = DecisionLog(path).read()
            state.problems += problems
            state.apply_all(decisions, str(path))
        return state

    def sync(self) -> list[Problem]:
        """Apply decisions appended to the log since the last sync."""
        decisions, problems = self.log.read_new()
        problems += self.state.apply_all(decisions, str(self.log.path))
        self.problems += problems
        return problems

    @property
    def checker(self) -> str | None:
        """On top of another reviewer's log, a sentence counts as checked once *this* reviewer checked it."""
        return self.reviewer if self.base_logs else None

    @property
    def scope(self) -> list[str]:
        """Sentence ids under review, in document order."""
        return self.state.scope(self.sentence_ids)

    @property
    def sentence(self) -> Sentence | None:
        """The sentence at the cursor (None when every sentence is checked)."""
        return self.state.by_id[self.sentence_id] if self.sentence_id else None

    @property
    def analysis(self) -> Analysis | None:
        """The current analysis of the sentence at the cursor (None when stale or done)."""
        return self.state.current.get(self.sentence_id) if self.sentence_id else None

    @property
    def stale(self) -> str | None:
        """Why the current sentence cannot be reviewed (stale or missing HanLP analysis), or None."""
        return self.state.unusable.get(self.sentence_id) if self.sentence_id else None

    @property
    def remarks(self) -> list[str]:
        """What HanLP proposed for this sentence that could not be shown (entities inside words...)."""
        return self.state.remarks.get(self.sentence_id, []) if self.sentence_id else []

    @property
    def notation(self) -> str:
        """The current sentence in notation ('' when there is none)."""
        analysis = self.analysis
        return format_analysis(analysis) if analysis is not None else ""

    @property
    def checked(self) -> bool:
        """True when the current sentence is checked (by this reviewer, on top of base logs)."""
        return bool(self.sentence_id) and self.state.is_checked(self.sentence_id, self.checker)

    def position(self) -> tuple[int, int]:
        """1-based position of the current sentence in the scope, and the scope's size."""
        scope = self.scope
        return (scope.index(self.sentence_id) + 1 if self.sentence_id in scope else 0), len(scope)

    def neighbours(self) -> tuple[Sentence | None, Sentence | None]:
        """The sentences before and after the current one in the report."""
        if self.sentence_id is None:
            return None, None
        pos = self.state.position[self.sentence_id]
        sents = self.state.sentences
        return (sents[pos - 1] if pos > 0 else None, sents[pos + 1] if pos + 1 < len(sents) else None)

    def sentence_state(self) -> str:
        """What the current sentence needs, e.g. 'not checked: read it, fix it, then a'."""
        if self.sentence_id is None:
            return "every sentence checked"
        if self.stale:
            return self.stale
        if self.checked:
            return f"checked ✓ by {self.state.checked[self.sentence_id].reviewer}"
        untagged = len(self.analysis.untagged()) if self.analysis else 0
        if untagged:
            return f"not checked: {untagged} word(s) untagged; tag them, then a"
        return "not checked: read it, fix what is wrong, then a"

    # -- moving ----------------------------------------------------------------------

    def _go(self, sid: str | None, word: int = 0) -> None:
        self.sentence_id = sid
        self.done = sid is None
        n = len(self.analysis.words) if self.analysis else 1
        self.word = max(0, min(word, n - 1))

    def _advance(self) -> str:
        nxt = self.state.next_unchecked(self.sentence_id, self.sentence_ids, include_current=False,
                                        reviewer=self.checker)
        self._go(nxt)
        return "" if nxt else "every sentence checked"

    def move_word(self, delta: int) -> str:
        """Move the word cursor by `delta` words (stops at either end)."""
        self.set_word(self.word + delta)
        return ""

    def set_word(self, i: int) -> None:
        """Put the word cursor on word i (0-based); raises ReviewError when there is no such word."""
        analysis = self._analysis()
        if not 0 <= i < len(analysis.words):
            raise ReviewError(f"no word {i + 1}: this sentence has {len(analysis.words)} words")
        self.word = i

    def goto(self, query: str) -> str:
        """Go to a sentence by id, id suffix (p007-s03), or 1-based position in the scope."""
        query = query.strip()
        if not query:
            raise ReviewError("give a sentence id, e.g. nmg2025-p007-s03 or p007-s03, or a number")
        scope = self.scope
        if query.isdigit():
            n = int(query)
            if not 1 <= n <= len(scope):
                raise ReviewError(f"sentence number must be 1-{len(scope)}")
            target = scope[n - 1]
        elif query in self.state.by_id:
            target = query
        else:
            hits = [sid for sid in scope if sid.endswith("-" + query) or sid.endswith(query)] or \
                   [sid for sid in scope if query in sid]
            if not hits:
                raise ReviewError(f"no sentence id matches {query!r}")
            target = hits[0]
        if target not in scope:
            raise ReviewError(f"{target} is not in this review's sample")
        self._go(target)
        return f"at {target}"

    def step_sentence(self, delta: int) -> str:
        """Go to the previous (-1) or next (+1) sentence in the scope, checked or not."""
        scope = self.scope
        if self.sentence_id in scope:
            i = scope.index(self.sentence_id) + delta
        else:
            i = 0 if delta > 0 else len(scope) - 1
        if not 0 <= i < len(scope):
            return "no more sentences that way"
        self._go(scope[i])
        return ""

    def next_sentence(self) -> str:
        """Go to the next sentence in the scope."""
        return self.step_sentence(1)

    def prev_sentence(self) -> str:
        """Go to the previous sentence in the scope."""
        return self.step_sentence(-1)

    def search(self, needle: str) -> str:
        """Go to the next sentence (after the current one, wrapping) containing `needle`; the cursor on the hit."""
        if not needle:
            raise ReviewError("type some text to search for")
        scope = self.scope
        here = scope.index(self.sentence_id) if self.sentence_id in scope else -1
        for sid in scope[here + 1:] + scope[:here + 1]:
            text = self.state.by_id[sid].text
            if needle in text:
                self._go(sid)
                if self.analysis is not None:
                    self.word = self.analysis.word_at(text.index(needle))
                return f"found in {sid}"
        raise ReviewError(f"{needle!r} not found")

    # -- changing --------------------------------------------------------------------

    def _analysis(self) -> Analysis:
        if self.sentence_id is None:
            raise ReviewError("every sentence is checked: go to a sentence first (g ID or /TEXT)")
        if self.stale:
            raise ReviewError(self.stale)
        analysis = self.analysis
        assert analysis is not None
        return analysis

    def _word_index(self, word: int | None) -> int:
        analysis = self._analysis()
        i = self.word if word is None else word
        if not 0 <= i < len(analysis.words):
            raise ReviewError(f"no word {i + 1}: this sentence has {len(analysis.words)} words")
        return i

    def _commit(self, action: str, before: dict | None, after: dict | None, *, undoes: str | None = None,
                edit: str | None = None, note: str | None = None) -> Decision:
        sentence = self.sentence
        assert sentence is not None
        decision = Decision(self.reviewer, sentence.id, sentence.text_hash, action, before, after, LAYER,
                            undoes=undoes, note=note, edit=edit, mode=self.state.mode)
        probe = self.state.apply(decision, "<this session>")
        if probe is not None:
            self.state.problems.remove(probe)
            raise ReviewError(self.state.last_reason)
        try:
            self.log.append(decision)
        except ReviewError:
            self._reload()  # the log is the truth: drop what was not written
            raise
        return decision

    def _reload(self) -> None:
        sid, word = self.sentence_id, self.word
        self.log.reset()
        self.state = self._base_state()
        self.problems = list(self.state.problems)
        self.sync()
        self._go(sid, word)

    def _note_for(self, action: str, note: str | None) -> str | None:
        note = " ".join(note.split()) if note else self.note
        if self.require_note and not note:
            raise ReviewError(f"adjudication: every decision needs a reason; give one first (line mode: note TEXT, "
                              f"or ... because TEXT); {action} not saved")
        return note or None

    def _apply_changes(self, changes: list[Change], note: str | None, what: str) -> list[Decision]:
        """Log `changes` (one edit id when there are several), then clear the pending note."""
        if not changes:
            return []
        self.sync()
        note = self._note_for(what, note)
        edit = new_id() if len(changes) > 1 else None
        written: list[Decision] = []
        try:
            for action, before, after in changes:
                written.append(self._commit(action, before, after, edit=edit, note=note))
        except ReviewError as exc:
            if written:
                raise ReviewError(f"{exc.message} ({len(written)} of {len(changes)} changes of this {what} were "
                                  "saved; the sentence shows what the log holds)") from None
            raise
        self.note = None
        return written

    def _single(self, change_fn, *args, note: str | None = None, what: str) -> Change:  # type: ignore[no-untyped-def]
        analysis = self._analysis()
        try:
            change = change_fn(analysis, *args)
        except ChangeError as exc:
            raise ReviewError(str(exc)) from None
        self._apply_changes([change], note, what)
        return change

    def split(self, offset: int, note: str | None = None) -> str:
        """Split a word so that a new word starts at sentence character `offset`."""
        analysis = self._analysis()
        if not 0 < offset < len(analysis.text):
            raise ReviewError(f"split point {offset} must be inside the sentence (1-{len(analysis.text) - 1})")
        self._single(split_change, offset, note=note, what="split")
        now = self._analysis()
        self.word = now.word_at(offset - 1)
        return f"split: {now.word_text(self.word)} | {now.word_text(self.word + 1)}"

    def split_word(self, k: int, word: int | None = None, note: str | None = None) -> str:
        """Split the cursor word (or word `word`) after its k-th character."""
        i = self._word_index(word)
        w = self._analysis().words[i]
        if w.end - w.start == 1:
            raise ReviewError(f"{self._analysis().word_text(i)!r} is one character: nothing to split")
        if not 0 < k < w.end - w.start:
            raise ReviewError(f"{self._analysis().word_text(i)!r} has {w.end - w.start} character(s): split after "
                              f"1-{w.end - w.start - 1}")
        return self.split(w.start + k, note)

    def merge(self, word: int | None = None, note: str | None = None) -> str:
        """Merge the cursor word (or word `word`) with the next word."""
        i = self._word_index(word)
        self._single(merge_change, i, note=note, what="merge")
        now = self._analysis()
        self.word = i
        w = now.words[i]
        tail = "" if w.tag else " (tags differed: give it a tag)"
        return f"merged: {now.word_text(i)}/{w.tag or '?'}{tail}"

    def retag(self, tag: str, word: int | None = None, note: str | None = None) -> str:
        """Give the cursor word (or word `word`) the PKU tag `tag`."""
        i = self._word_index(word)
        tag = tag.strip()
        if tag not in TAGS:
            raise ReviewError(f"unknown tag {tag!r}; tags: {' '.join(TAGS)} (? lists their meanings)")
        self._single(retag_change, i, tag, note=note, what="retag")
        self.word = i
        return f"retagged: {self._analysis().word_text(i)}/{tag}"

    def add_entity(self, first: int, last: int, label: str, note: str | None = None) -> str:
        """Add an entity (PER, LOC, ORG) over words first..last (0-based, inclusive)."""
        self._single(entity_add_change, first, last, label.strip().upper(), note=note, what="entity")
        self.word = first
        analysis = self._analysis()
        return f"entity added: [{analysis.text[analysis.words[first].start:analysis.words[last].end]}]{label.upper()}"

    def remove_entity(self, word: int | None = None, note: str | None = None) -> str:
        """Remove the entity containing the cursor word (or word `word`)."""
        i = self._word_index(word)
        _, before, _ = self._single(entity_remove_change, i, note=note, what="entity removal")
        return f"entity removed: [{before['text']}]{before['label']}"  # type: ignore[index]

    def relabel_entity(self, label: str, word: int | None = None, note: str | None = None) -> str:
        """Give the entity containing the cursor word (or word `word`) another label."""
        i = self._word_index(word)
        _, before, after = self._single(entity_relabel_change, i, label.strip().upper(), note=note,
                                        what="entity relabel")
        return f"entity relabelled: [{before['text']}]{before['label']} → {after['label']}"  # type: ignore[index]

    def move_entity(self, first: int, last: int, word: int | None = None, note: str | None = None) -> str:
        """Move the entity containing the cursor word (or word `word`) to words first..last."""
        i = self._word_index(word)
        _, before, after = self._single(entity_move_change, i, first, last, note=note, what="entity move")
        self.word = first
        return f"entity moved: [{before['text']}] → [{after['text']}]{after['label']}"  # type: ignore[index]

    def edit_line(self, notation: str, note: str | None = None) -> str:
        """Replace the sentence's analysis by a notation line; log each difference as its own decision.

        Raises ReviewError naming the column and what is wrong when the line is not valid
        notation for this sentence; nothing is logged then.
        """
        analysis = self._analysis()
        try:
            parsed = parse_notation(notation.strip(), analysis.text)
            changes = edit_changes(analysis, parsed.analysis)
        except NotationError as exc:
            raise ReviewError(f"edit: {exc}") from None
        except ChangeError as exc:
            raise ReviewError(f"edit: {exc}") from None
        if not changes:
            return "edit: the line is the same as the current analysis; nothing to change (a accepts it)"
        self._apply_changes(changes, note, "edit")
        self.word = min(self.word, len(self._analysis().words) - 1)  # merges may leave fewer words
        counts: dict[str, int] = {}
        for action, _, _ in changes:
            counts[action] = counts.get(action, 0) + 1
        return "edit saved: " + ", ".join(f"{n} {a}" for a, n in counts.items())

    def set_note(self, text: str) -> str:
        """Set (or with '' clear) the reason logged with the next decision (all changes of an edit)."""
        text = " ".join(text.split())
        self.note = text or None
        return f"note for the next decision: {text}" if text else "note cleared"

    # -- deciding --------------------------------------------------------------------

    def accept(self, note: str | None = None) -> str:
        """Mark the current sentence `checked`: every word, tag and entity is as it should be.

        Refused on a stale sentence and while a word is untagged; on a sentence already
        checked it just moves on. Goes to the next sentence not checked.
        """
        self.sync()
        if self.sentence_id is None:
            return "every sentence checked"
        analysis = self._analysis()
        sid = self.sentence_id
        untagged = analysis.untagged()
        if untagged:
            shown = "、".join(analysis.word_text(i) for i in untagged[:5])
            raise ReviewError(f"cannot check {sid}: {len(untagged)} word(s) untagged ({shown}): tag every word first")
        if self.checked:
            rest = self._advance()
            return f"{sid} was already checked" + (f"; {rest}" if rest else "")
        note = self._note_for("checked", note)
        self._commit("checked", None, {"notation": format_analysis(analysis)}, note=note)
        self.note = None
        rest = self._advance()
        return f"checked {sid}" + (f"; {rest}" if rest else "")

    check = accept

    def undo(self) -> str:
        """Undo this reviewer's latest decision (all changes of the latest edit together); logged as undo."""
        self.sync()
        group = self.state.last_group(self.reviewer)
        if not group:
            return "nothing to undo"
        sid = group[0].sentence_id
        self._go(sid, self.word if sid == self.sentence_id else 0)
        edit = new_id() if len(group) > 1 else None
        for d in group:
            self._commit("undo", d.after, d.before, undoes=d.id, edit=edit)
        self._go(sid, self.word)
        what = group[0].action if len(group) == 1 else f"edit ({len(group)} changes)"
        return f"undid {what} on {sid}"
