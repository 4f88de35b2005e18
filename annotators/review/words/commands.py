"""Plain functions behind the word-layer commands: run, replay, status, export, diff, summary.

Each takes in-memory sentences and HanLP analyses (`load_word_proposals`) plus paths; the
CLI (annotators.review.cli, `--layer words`) only parses arguments and calls these.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ...fileio import atomic_write_text
from ..data import Sentence
from ..display import safe_text
from ..errors import Problem, ReviewError
from ..entry import entry_timing
from ..log import DecisionLog
from .analysis import CHANGES, Analysis
from ..scratch import SCRATCH, log_mode, mode_words
from .state import LAYER, WordProposal, WordState

LogPaths = Path | str | Sequence[Path | str]


def _paths(logs: LogPaths) -> list[Path]:
    if isinstance(logs, (str, Path)):
        return [Path(logs)]
    return [Path(p) for p in logs]


def default_log_path(reviewer: str, root: Path | str = "corpus/annotations/review") -> Path:
    """The reviewer's word-layer log, e.g. corpus/annotations/review/words-alice.jsonl."""
    return Path(root) / f"{LAYER}-{reviewer}.jsonl"


def run_word_review(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, WordProposal] | None,
    log_path: Path | str,
    reviewer: str,
    *,
    line_mode: bool,
    sentence_ids: Sequence[str] | None = None,
    scratch: bool = False,
    base_logs: Sequence[Path | str] = (),
    proposals_path: str = "proposals",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run a word-layer session (line mode, or the screen when it exists) and return an exit code.

    Decisions go to `log_path` as they are made; `scratch` starts every sentence as one
    untagged word with no entities (blind annotation); `base_logs` are replayed first
    (adjudication: every decision needs a note). Log problems are printed to stderr at the end.
    """
    from .session import WordSession

    session = WordSession(sentences, proposals, log_path, reviewer, sentence_ids=sentence_ids, scratch=scratch,
                          base_logs=base_logs, require_note=bool(base_logs), proposals_path=proposals_path)
    try:
        if line_mode:
            from .line import run_line

            code = run_line(session, stdin or sys.stdin, stdout or sys.stdout)
        else:
            from .tui import WordReviewApp

            app = WordReviewApp(session)
            app.run()
            # Textual sets a non-zero return code when the screen stopped on an error (printed above).
            code = app.return_code or 0
            prog = session.state.progress(session.sentence_ids, session.checker)
            what = "saved to" if code == 0 else "the screen stopped on an error; decisions made before it are in"
            print(f"{what} {safe_text(str(session.log.path))}: {prog.line()}", file=stdout or sys.stdout)
    finally:
        session.close()
    for problem in session.problems:
        print(f"warning: {safe_text(str(problem))}", file=sys.stderr)
    return code


def replay(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, WordProposal] | None,
    log_path: LogPaths,
    *,
    proposals_path: str = "proposals",
    must_exist: bool = True,
) -> WordState:
    """The state after every decision of the log(s), in order, on the base the logs were made on.

    The logs' mode decides the base: from-scratch logs replay on one untagged word per
    sentence, the others on HanLP's analyses. Raises ReviewError for a missing log (with
    `must_exist`) or logs of different modes. Problems are in `state.problems`.
    """
    read = []
    modes = set()
    for path in _paths(log_path):
        decisions, problems = DecisionLog(path).read(must_exist=must_exist)
        mode = log_mode(decisions, path)
        if mode is not None:
            modes.add(mode)
        read.append((path, decisions, problems))
    if len(modes) > 1:
        raise ReviewError(" + ".join(str(p) for p, _, _ in read) + ": these logs mix a from-scratch review and a "
                          "review of the proposals; they cannot be replayed together", "E-REVIEW-LOG")
    state = WordState(sentences, proposals, proposals_path, scratch=modes == {SCRATCH})
    for path, decisions, problems in read:
        state.problems += problems
        state.apply_all(decisions, str(path))
    return state


def _mode_word(state: WordState) -> str:
    return mode_words(state.mode).replace("the proposals", "HanLP's proposals")


def status(
    log_path: LogPaths,
    sentences: Sequence[Sentence],
    proposals: Mapping[str, WordProposal] | None,
    *,
    sentence_ids: Sequence[str] | None = None,
    proposals_path: str = "proposals",
) -> str:
    """A progress report: sentences checked, changes by kind and reviewer, what is left, every problem."""
    paths = _paths(log_path)
    state = replay(sentences, proposals, paths, proposals_path=proposals_path)
    prog = state.progress(sentence_ids)
    lines = [f"{safe_text(' + '.join(map(str, paths)))} (words, {_mode_word(state)}): {prog.line()}"]
    by_reviewer = Counter(d.reviewer for d in state.decisions.values())
    if by_reviewer:
        lines.append("decisions by reviewer: " + ", ".join(f"{safe_text(r)} {n}" for r, n in sorted(by_reviewer.items())))
    nxt = state.next_unchecked(None, sentence_ids)
    lines.append(f"next to review: {safe_text(nxt)}" if nxt else "every sentence in scope is checked")
    unchecked = state.unchecked(sentence_ids)
    if unchecked:
        lines.append(f"sentences not checked yet ({len(unchecked)}):")
        lines += textwrap.wrap(" ".join(safe_text(s) for s in unchecked), 100, initial_indent="  ",
                               subsequent_indent="  ", break_on_hyphens=False)
    remarks = sum(len(state.remarks.get(sid, [])) for sid in state.scope(sentence_ids))
    if remarks:
        lines.append(f"{remarks} HanLP proposal(s) could not be shown (entities not over whole words, unknown tags); "
                     "the review shows them with their sentences")
    if state.problems:
        kinds = Counter(p.kind for p in state.problems)
        lines.append(f"{len(state.problems)} problem(s), not applied: "
                     + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        lines += [f"  {safe_text(str(p))}" for p in state.problems]
    return "\n".join(lines)


# -- export ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordExportReport:
    """What a word-layer export wrote (or, with --strict on an incomplete review, refused to write)."""

    path: Path
    written: bool
    sentences: int
    changes: Mapping[str, int]
    unchecked: list[str]
    untagged: int
    unusable: list[str]
    problems: list[Problem]

    @property
    def complete(self) -> bool:
        """Every sentence checked, every word tagged, no problem in the logs or the proposals."""
        return not (self.unchecked or self.untagged or self.unusable or self.problems)

    def format(self) -> str:
        """A plain-text summary; every value from a log or a sentence is sanitised."""
        changes = ", ".join(f"{k} {v}" for k, v in self.changes.items() if v) or "none"
        if self.written:
            lines = [f"wrote {safe_text(str(self.path))}: {self.sentences} sentences; changes in force: {changes}"]
        else:
            lines = [f"not written: {safe_text(str(self.path))} left unchanged (--strict and the review is not "
                     f"complete); changes in force: {changes}"]
        if self.unchecked:
            shown = ", ".join(safe_text(s) for s in self.unchecked[:10]) + (" …" if len(self.unchecked) > 10 else "")
            lines.append(f"warning: {len(self.unchecked)} sentence(s) not checked yet: {shown}")
        if self.untagged:
            lines.append(f"warning: {self.untagged} word(s) untagged")
        if self.unusable:
            shown = ", ".join(safe_text(s) for s in self.unusable[:10])
            lines.append(f"warning: {len(self.unusable)} sentence(s) without a usable HanLP analysis are NOT in the "
                         f"export (re-run HanLP): {shown}")
        lines += [f"warning: {safe_text(str(p))}" for p in self.problems]
        return "\n".join(lines)


def export_row(state: WordState, sentence: Sentence) -> dict[str, Any]:
    """One line of words.jsonl: the sentence's words, PKU tags, entities and the changes in force."""
    analysis = state.current[sentence.id]
    changes = [{"kind": d.action, "reviewer": d.reviewer, "before": d.before, "after": d.after, "note": d.note}
               for d in state.changes(sentence.id)]
    return {
        "id": sentence.id,
        "text_hash": sentence.text_hash,
        "tokens": [analysis.word_text(i) for i in range(len(analysis.words))],
        "token_offsets": [[w.start, w.end] for w in analysis.words],
        "pos_tags": [w.tag for w in analysis.words],
        "entities": [{"start": e.start, "end": e.end, "label": e.label, "text": analysis.text[e.start:e.end]}
                     for e in analysis.entities],
        "changes": changes,
    }


def export(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, WordProposal] | None,
    log_path: LogPaths,
    out_path: Path | str,
    *,
    strict: bool = False,
    proposals_path: str = "proposals",
) -> WordExportReport:
    """Write words.jsonl, one line per sentence in document order (see export_row).

    Several logs apply in order (an adjudication log last). The file is written to a
    temporary name and renamed; with `strict`, an incomplete review (a sentence not
    checked, a word untagged, a problem in the logs) writes nothing at all.
    """
    state = replay(sentences, proposals, log_path, proposals_path=proposals_path)
    rows = [export_row(state, s) for s in sentences if s.id in state.current]
    prog = state.progress()
    report = WordExportReport(Path(out_path), False, len(rows), dict(prog.changed), state.unchecked(),
                              prog.untagged, [s.id for s in sentences if s.id in state.unusable], state.problems)
    if strict and not report.complete:
        return report
    text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    atomic_write_text(out_path, text, code="E-REVIEW")
    return WordExportReport(**{**report.__dict__, "written": True})


# -- agreement -----------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts behind segmentation, tag and entity agreement of analysis B against reference A."""

    words_a: int = 0
    words_b: int = 0
    words_same: int = 0  # same (start, end)
    tags_same: int = 0  # same span and same tag
    tag_pairs: list[tuple[str, str]] = field(default_factory=list)
    entities_a: Counter[str] = field(default_factory=Counter)
    entities_b: Counter[str] = field(default_factory=Counter)
    entities_same: Counter[str] = field(default_factory=Counter)  # same (start, end, label)
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    def add(self, sid: str, a: Analysis, b: Analysis) -> None:
        """Count one sentence; record each disagreement (segmentation region, tag, entity)."""
        text = a.text
        spans_a = {(w.start, w.end): w.tag for w in a.words}
        spans_b = {(w.start, w.end): w.tag for w in b.words}
        self.words_a += len(spans_a)
        self.words_b += len(spans_b)
        common = sorted(a.boundaries() & b.boundaries())
        for lo, hi in zip(common, common[1:]):
            wa = [w for w in a.words if lo <= w.start and w.end <= hi]
            wb = [w for w in b.words if lo <= w.start and w.end <= hi]
            if len(wa) != 1 or len(wb) != 1:
                self.disagreements.append({"sentence_id": sid, "what": "segmentation", "start": lo, "end": hi,
                                           "a": " ".join(text[w.start:w.end] for w in wa),
                                           "b": " ".join(text[w.start:w.end] for w in wb)})
        for span, tag_a in spans_a.items():
            if span in spans_b:
                tag_b = spans_b[span]
                self.words_same += 1
                self.tag_pairs.append((tag_a or "?", tag_b or "?"))
                if tag_a == tag_b:
                    self.tags_same += 1
                else:
                    self.disagreements.append({"sentence_id": sid, "what": "tag", "start": span[0], "end": span[1],
                                               "a": f"{text[span[0]:span[1]]}/{tag_a or '?'}",
                                               "b": f"{text[span[0]:span[1]]}/{tag_b or '?'}"})
        ents_a, ents_b = set(a.entities), set(b.entities)
        self.entities_a.update(e.label for e in ents_a)
        self.entities_b.update(e.label for e in ents_b)
        self.entities_same.update(e.label for e in ents_a & ents_b)
        only_a = sorted(ents_a - ents_b, key=lambda e: (e.start, e.end))
        only_b = sorted(ents_b - ents_a, key=lambda e: (e.start, e.end))
        shown = lambda e: f"[{text[e.start:e.end]}]{e.label}"  # noqa: E731
        for e in only_a:
            partner = next((x for x in only_b if x.start < e.end and e.start < x.end), None)
            if partner is not None:
                only_b.remove(partner)
            self.disagreements.append({"sentence_id": sid, "what": "entity", "start": e.start, "end": e.end,
                                       "a": shown(e), "b": shown(partner) if partner else "none"})
        for e in only_b:
            self.disagreements.append({"sentence_id": sid, "what": "entity", "start": e.start, "end": e.end,
                                       "a": "none", "b": shown(e)})

    # B against reference A
    def segmentation(self) -> tuple[float, float, float]:
        """Precision, recall and F1 of B's word spans against A's."""
        p = self.words_same / self.words_b if self.words_b else 0.0
        r = self.words_same / self.words_a if self.words_a else 0.0
        return p, r, 2 * self.words_same / (self.words_a + self.words_b) if self.words_a + self.words_b else 0.0

    def tag_accuracy(self) -> float | None:
        """Share of words segmented alike that carry the same tag (None when no word is segmented alike)."""
        return self.tags_same / self.words_same if self.words_same else None

    def entity_scores(self, label: str | None = None) -> dict[str, float | int | None]:
        """Precision, recall, F1 (None when neither side has such an entity) and counts, per label or overall."""
        a = self.entities_a[label] if label else sum(self.entities_a.values())
        b = self.entities_b[label] if label else sum(self.entities_b.values())
        same = self.entities_same[label] if label else sum(self.entities_same.values())
        return {"a": a, "b": b, "matched": same,
                "precision": same / b if b else None, "recall": same / a if a else None,
                "f1": 2 * same / (a + b) if a + b else None}


def _num(value: float | None, places: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


@dataclass
class WordDiffReport:
    """Agreement between two word-layer logs over the sentences both have checked."""

    log_a: str
    log_b: str
    mode_a: str
    mode_b: str
    compared: list[str]
    not_compared: int
    tally: Tally
    kappa: float | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def disagreements(self) -> list[dict[str, Any]]:
        return self.tally.disagreements

    def disagreement_ids(self) -> list[str]:
        """Sentence ids with at least one disagreement, in document (comparison) order."""
        ids = {d["sentence_id"] for d in self.disagreements}
        return [s for s in self.compared if s in ids]

    def format(self) -> str:
        """The report as plain text (every value from a log or a sentence sanitised)."""
        t = self.tally
        p, r, f = t.segmentation()
        lines = [
            f"A = {safe_text(self.log_a)} ({self.mode_a})",
            f"B = {safe_text(self.log_b)} ({self.mode_b})",
            f"sentences compared: {len(self.compared)} (checked in both); not compared: {self.not_compared}",
            f"words: A {t.words_a}, B {t.words_b}, same span {t.words_same}",
            f"segmentation F1 (word spans): {f:.3f}  (P {p:.3f}, R {r:.3f})",
            f"tags on the {t.words_same} words segmented alike: accuracy {_num(t.tag_accuracy())}, "
            f"Cohen's kappa {_num(self.kappa)}",
        ]
        overall = t.entity_scores()
        lines.append(f"entities (start, end, label): A {overall['a']}, B {overall['b']}, F1 {_num(overall['f1'])}  "
                     f"(P {_num(overall['precision'])}, R {_num(overall['recall'])})"
                     + ("  — no entity on either side" if overall["f1"] is None else ""))
        from .tags import LABELS

        for label in LABELS:
            s = t.entity_scores(label)
            lines.append(f"  {label}: A {s['a']}, B {s['b']}, F1 {_num(s['f1'])}  (P {_num(s['precision'])}, "
                         f"R {_num(s['recall'])})")
        lines.append(f"disagreements: {len(self.disagreements)} in {len(self.disagreement_ids())} sentence(s)")
        for d in self.disagreements:
            lines.append(f"  {safe_text(d['sentence_id'])} {d['what']}: A {safe_text(d['a'])} | B {safe_text(d['b'])}")
        lines += [f"warning: {safe_text(str(p))}" for p in self.problems]
        return "\n".join(lines)


def compare_states(state_a: WordState, state_b: WordState, name_a: str = "A", name_b: str = "B",
                   sentence_ids: Sequence[str] | None = None) -> WordDiffReport:
    """Compare two replayed states on the sentences (within `sentence_ids`) checked in both.

    Raises ReviewError when no sentence is checked in both: agreement over nothing is no
    agreement. A is the reference for precision and recall.
    """
    from ..commands import cohen_kappa

    scope = state_a.scope(sentence_ids)
    compared = [sid for sid in scope if state_a.is_checked(sid) and state_b.is_checked(sid)]
    if not compared:
        raise ReviewError(f"nothing to compare: no sentence{' of the sample' if sentence_ids is not None else ''} is "
                          f"checked in both {name_a} and {name_b}")
    tally = Tally()
    for sid in compared:
        tally.add(sid, state_a.current[sid], state_b.current[sid])
    return WordDiffReport(name_a, name_b, _mode_word(state_a), _mode_word(state_b), compared,
                          len(scope) - len(compared), tally, cohen_kappa(tally.tag_pairs),
                          state_a.problems + state_b.problems)


def _check_sample(state_b: WordState, name_b: str, sentence_ids: Sequence[str] | None) -> None:
    if sentence_ids is None:
        return
    wanted = set(sentence_ids)
    outside = [s for s in state_b.scope() if s not in wanted and any(
        d.sentence_id == s for d in state_b.decisions.values())]
    if outside:
        raise ReviewError(f"{name_b} has decisions on {len(outside)} sentence(s) outside the sample (e.g. "
                          f"{', '.join(outside[:3])}): is --sample/--seed the one that review used?")


def diff(
    log_a: LogPaths,
    log_b: LogPaths,
    sentences: Sequence[Sentence],
    proposals: Mapping[str, WordProposal] | None,
    *,
    sentence_ids: Sequence[str] | None = None,
    proposals_path: str = "proposals",
) -> WordDiffReport:
    """Segmentation P/R/F1 on word spans, tag accuracy and Cohen's kappa on words segmented
    alike, entity P/R/F1 per label and overall, and the disagreements, over the sentences
    checked in both logs (within the sample `sentence_ids`). Raises ReviewError when
    nothing is compared, or when B holds decisions outside the sample."""
    state_a = replay(sentences, proposals, log_a, proposals_path=proposals_path)
    state_b = replay(sentences, proposals, log_b, proposals_path=proposals_path)
    name_a = " + ".join(map(str, _paths(log_a)))
    name_b = " + ".join(map(str, _paths(log_b)))
    _check_sample(state_b, name_b, sentence_ids)
    return compare_states(state_a, state_b, name_a, name_b, sentence_ids)


# -- summary (for the dataset card) ------------------------------------------------------------


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _log_info(path: Path) -> dict[str, Any]:
    decisions, _ = DecisionLog(path).read(must_exist=True)
    mode = log_mode(decisions, path)
    return {"log": path.name, "mode": mode, "decisions": len(decisions), "entry": entry_timing(decisions)}


KIND_NAMES = {"split": "splits", "merge": "merges", "retag": "retags", "entity-add": "entities_added",
              "entity-remove": "entities_removed", "entity-move": "entities_moved",
              "entity-relabel": "entities_relabelled"}


def summary(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, WordProposal] | None,
    primary_logs: Sequence[Path],
    second_log: Path | None,
    sample_fraction: float | None,
    sample_seed: int | None,
    adjudication_log: Path | None,
    *,
    proposals_path: str = "proposals",
) -> dict[str, Any]:
    """The word-layer review figures for the dataset card (no times; floats rounded to 4 places).

    logs: each log's file name, mode (proposals = corrected from HanLP's proposals,
    scratch = annotated with no proposal shown) and number of decisions.
    counts: over the final state (primary logs, then the adjudication log): sentences,
    sentences checked, words, entities, untagged words, the changes in force by kind
    (splits, merges, retags, entities added/removed/moved/relabelled) and the edits.
    agreement: the primary logs alone against `second_log` on the second reviewer's
    sample, over the sentences checked in both (see diff); all null without a second log.
    proposer: HanLP's analysis against the final one on the checked sentences (null when
    the primary review was made from scratch).
    """
    from ..commands import sample

    primary = [Path(p) for p in primary_logs]
    if not primary:
        raise ReviewError("review-summary needs at least one primary log")
    logs: dict[str, Any] = {"primary": [_log_info(p) for p in primary],
                            "second": _log_info(Path(second_log)) if second_log is not None else None,
                            "adjudication": _log_info(Path(adjudication_log)) if adjudication_log is not None else None}
    final_logs = primary + ([Path(adjudication_log)] if adjudication_log is not None else [])
    final = replay(sentences, proposals, final_logs, proposals_path=proposals_path)
    prog = final.progress()
    in_force = [d for sid in final.scope() for d in final.changes(sid)]
    counts: dict[str, Any] = {
        "sentences": len(sentences),
        "sentences_checked": prog.checked,
        "words": sum(len(a.words) for a in final.current.values()),
        "entities": sum(len(a.entities) for a in final.current.values()),
        "untagged": prog.untagged,
        **{KIND_NAMES[k]: prog.changed.get(k, 0) for k in CHANGES},
        "edits": len({d.edit for d in in_force if d.edit is not None}),
    }
    agreement: dict[str, Any] = dict.fromkeys(
        ("sentences", "fraction", "seed", "segmentation_f1", "segmentation_precision", "segmentation_recall",
         "words_compared", "tag_accuracy", "tag_kappa", "entity_f1", "entity_f1_by_label", "disagreements",
         "adjudicated"))
    if second_log is not None:
        if sample_fraction is None or sample_seed is None:
            raise ReviewError("the second review's --sample FRACTION and --seed N are needed to compare on its sample")
        ids = sample(sentences, None, sample_fraction, sample_seed)
        state_b = replay(sentences, proposals, second_log, proposals_path=proposals_path)
        _check_sample(state_b, str(second_log), ids)
        report = compare_states(replay(sentences, proposals, primary, proposals_path=proposals_path), state_b,
                                " + ".join(map(str, primary)), str(second_log), ids)
        from .tags import LABELS

        p, r, f = report.tally.segmentation()
        adjudicated = 0
        if adjudication_log is not None:
            adj_ids = {d.id for d in DecisionLog(adjudication_log).read()[0]}
            adjudicated = sum(1 for d in in_force if d.id in adj_ids)
        agreement = {
            "sentences": len(report.compared),
            "fraction": sample_fraction,
            "seed": sample_seed,
            "segmentation_f1": _r(f),
            "segmentation_precision": _r(p),
            "segmentation_recall": _r(r),
            "words_compared": report.tally.words_same,
            "tag_accuracy": _r(report.tally.tag_accuracy()),
            "tag_kappa": _r(report.kappa),
            "entity_f1": _r(report.tally.entity_scores()["f1"]),  # type: ignore[arg-type]
            "entity_f1_by_label": {label: _r(report.tally.entity_scores(label)["f1"])  # type: ignore[arg-type]
                                   for label in LABELS},
            "disagreements": len(report.disagreements),
            "adjudicated": adjudicated,
        }
    proposer: dict[str, Any] | None = None
    if not final.scratch and prog.checked:
        base = WordState(sentences, proposals, proposals_path)
        tally = Tally()
        for sid in final.scope():
            if final.is_checked(sid) and sid in base.current:
                tally.add(sid, final.current[sid], base.current[sid])
        p, r, f = tally.segmentation()
        proposer = {"sentences": sum(final.is_checked(s) for s in final.scope()),
                    "segmentation_f1": _r(f), "segmentation_precision": _r(p), "segmentation_recall": _r(r),
                    "tag_accuracy": _r(tally.tag_accuracy()),
                    "entity_f1": _r(tally.entity_scores()["f1"])}  # type: ignore[arg-type]
    return {"layer": LAYER, "logs": logs, "counts": counts, "agreement": agreement, "proposer": proposer}
