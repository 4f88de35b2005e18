"""Plain functions behind the review commands: run, status, diff, export, sample, summary.

Each takes in-memory sentences and proposals (see data.load_sentences/load_proposals)
plus paths for the logs and outputs; the CLI only parses arguments and calls these.
"""

from __future__ import annotations

import json
import random
import sys
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from ..errors import CorpusError
from ..fileio import atomic_write_text
from .data import ProposalLine, Sentence
from .display import safe_block, safe_text
from .errors import Problem, ReviewError
from .entry import entry_timing
from .log import DecisionLog
from .scratch import PROPOSALS, SCRATCH, logs_mode, mode_words
from .state import KEPT, NUMERIC, Layer, ReviewState

LogPaths = Path | str | Sequence[Path | str]


def _paths(logs: LogPaths) -> list[Path]:
    """One log path or several, as a list (order kept: later logs apply after earlier ones)."""
    if isinstance(logs, (str, Path)):
        return [Path(logs)]
    return [Path(p) for p in logs]


def default_log_path(reviewer: str, layer: Layer = NUMERIC, root: Path | str = "corpus/annotations/review") -> Path:
    """Return the reviewer's default log path, e.g. corpus/annotations/review/numeric-alice.jsonl."""
    return Path(root) / f"{layer.name}-{reviewer}.jsonl"


def replay(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine],
    log_path: LogPaths,
    *,
    layer: Layer = NUMERIC,
) -> ReviewState:
    """Return the state after applying every decision of the log(s) to the proposals.

    Several logs apply in the order given, each in file order: a decision in a later log
    (an adjudication) acts on the span as the earlier logs left it, so its `before` is
    the earlier reviewer's current span and it overrides that reviewer's decision.
    Problems (stale, truncated, conflicting lines) are in `state.problems`. Every log
    must exist (ReviewError otherwise): only a review session creates a log.
    """
    # A from-scratch log was made with no proposal shown: replay it on none.
    scratch = logs_mode(_paths(log_path)) == SCRATCH
    state = ReviewState(layer, sentences, {} if scratch else proposals)
    for path in _paths(log_path):
        decisions, problems = DecisionLog(path).read(must_exist=True)
        state.problems += problems
        state.apply_all(decisions, str(path))
    return state


def run_review(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine],
    log_path: Path | str,
    reviewer: str,
    *,
    line_mode: bool,
    sentence_ids: Sequence[str] | None = None,
    layer: Layer = NUMERIC,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    base_logs: Sequence[Path | str] = (),
    scratch: bool = False,
) -> int:
    """Run a review session (Textual TUI, or line mode reading stdin) and return an exit code.

    With `scratch` (blind annotation) no proposal is shown: the annotator adds every span,
    and every decision records `mode: scratch`.

    Decisions go to `log_path` as they are made; `sentence_ids` limits the review to a
    sample. With `base_logs` (adjudication) those logs are replayed first, read-only, and
    every decision needs a note. Problems found in the log are printed to stderr at the end.
    The session holds the log's lock until it ends. Returns 1 when any decision could not
    be written (disk full, read-only log): nothing then claims the review was saved.
    """
    from .session import Session

    with Session(sentences, proposals, log_path, reviewer, layer=layer, sentence_ids=sentence_ids,
                 base_logs=base_logs, require_note=bool(base_logs), scratch=scratch) as session:
        if line_mode:
            from .line import run_line

            code = run_line(session, stdin or sys.stdin, stdout or sys.stdout)
        else:
            from .tui import ReviewApp

            ReviewApp(session).run()
            code = 0
            if not session.write_errors:
                prog = session.state.progress(session.sentence_ids, session.checker)
                print(f"saved to {safe_text(str(session.log.path))}: {prog.line()}", file=stdout or sys.stdout)
    for problem in session.problems:
        print(f"warning: {safe_text(str(problem))}", file=sys.stderr)
    if session.write_errors:
        if not line_mode:  # line mode has said so on its own output
            print(write_failure(session.log.path, session.write_errors), file=sys.stderr)
        return 1
    return code


def write_failure(log_path: Path | str, errors: Sequence[str]) -> str:
    """The closing message of a session in which decisions could not be written."""
    return safe_text(f"error[E-REVIEW-LOG]: {len(errors)} decision(s) could NOT be written to {log_path} "
                     f"(first: {errors[0]}); the log holds only the decisions made before; "
                     "check it with review-status")


def status(
    log_path: LogPaths,
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine],
    *,
    sentence_ids: Sequence[str] | None = None,
    layer: Layer = NUMERIC,
) -> str:
    """Return a progress report for one log (or several, in order): counts by status, per
    reviewer, the sentences not yet checked, and every problem. Every log must exist.

    The text is made safe for a terminal (display.safe_block): log values cannot inject
    escape sequences."""
    paths = _paths(log_path)
    state = replay(sentences, proposals, paths, layer=layer)
    prog = state.progress(sentence_ids)
    lines = [f"{' + '.join(map(str, paths))}: {prog.line()}"]
    by_reviewer = Counter(d.reviewer for d in state.decisions.values())
    if by_reviewer:
        lines.append("decisions by reviewer: " + ", ".join(f"{r} {n}" for r, n in sorted(by_reviewer.items())))
    nxt = state.next_unreviewed(None, sentence_ids)
    lines.append(f"next to review: {nxt[0]}" if nxt else "every span in scope is decided and every sentence checked")
    unchecked = state.unchecked(sentence_ids)
    if unchecked:
        lines.append(f"sentences not checked yet ({len(unchecked)}):")
        lines += textwrap.wrap(" ".join(unchecked), 100, initial_indent="  ", subsequent_indent="  ",
                               break_on_hyphens=False)
    missed = [sid for sid in state.scope(sentence_ids) if state.uncovered_digits(sid)]
    if missed:
        shown = ", ".join(missed[:10]) + (" …" if len(missed) > 10 else "")
        lines.append(f"digits outside any span (missed spans, or codes that are no entity) in "
                     f"{len(missed)} sentence(s): {shown}")
    if state.problems:
        kinds = Counter(p.kind for p in state.problems)
        lines.append(f"{len(state.problems)} problem(s), not applied: "
                     + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        lines += [f"  {p}" for p in state.problems]
    return safe_block("\n".join(lines))


# -- agreement ---------------------------------------------------------------------

NONE_LABEL = "NONE"


@dataclass
class DiffReport:
    """Agreement between two reviewers' logs over the sentences both have fully reviewed."""

    log_a: str
    log_b: str
    sentences_compared: list[str]
    sentences_skipped: int
    spans_a: int
    spans_b: int
    exact_matches: int
    labelled_matches: int
    kappa: float | None
    items: int
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    # Undefined ratios (no spans on a side) are None, printed n/a: never a perfect score for nothing.

    @property
    def precision(self) -> float | None:
        """Labelled matches over B's spans (A taken as reference); None when B kept none."""
        return self.labelled_matches / self.spans_b if self.spans_b else None

    @property
    def recall(self) -> float | None:
        """Labelled matches over A's spans; None when A kept none."""
        return self.labelled_matches / self.spans_a if self.spans_a else None

    @property
    def f1(self) -> float | None:
        """Labelled span F1 (same start, end and label); None when neither side kept a span."""
        denom = self.spans_a + self.spans_b
        return 2 * self.labelled_matches / denom if denom else None

    @property
    def boundary_f1(self) -> float | None:
        """Unlabelled span F1 (same start and end); None when neither side kept a span."""
        denom = self.spans_a + self.spans_b
        return 2 * self.exact_matches / denom if denom else None

    def format(self) -> str:
        """Return the report as plain text, made safe for a terminal (display.safe_block)."""
        def num(x: float | None) -> str:
            return "n/a" if x is None else f"{x:.3f}"

        lines = [
            f"A = {self.log_a}", f"B = {self.log_b}",
            f"sentences compared: {len(self.sentences_compared)} (fully reviewed in both); "
            f"skipped {self.sentences_skipped}",
            f"spans kept: A {self.spans_a}, B {self.spans_b}",
            f"span F1 (start, end, label): {num(self.f1)}  (P {num(self.precision)}, R {num(self.recall)})",
            f"boundary F1 (start, end): {num(self.boundary_f1)}",
            f"Cohen's kappa on labels (NONE = not kept), {self.items} spans: {num(self.kappa)}",
            f"disagreements: {len(self.disagreements)}",
        ]
        for d in self.disagreements:
            lines.append(f"  {safe_text(d['sentence_id'])} {d['start']}-{d['end']} 「{safe_text(d['text'])}」: "
                         f"{d['what']}: A {safe_text(str(d['a']))} | B {safe_text(str(d['b']))}")
        lines += [f"warning: {p}" for p in self.problems]
        return safe_block("\n".join(lines))


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa for (label A, label B) pairs; None when there are none, 1.0 when chance agreement is total."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    count_a = Counter(a for a, _ in pairs)
    count_b = Counter(b for _, b in pairs)
    expected = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def diff(
    log_a: LogPaths,
    log_b: LogPaths,
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine],
    *,
    layer: Layer = NUMERIC,
    sentence_ids: Sequence[str] | None = None,
    sample_of_b: bool = False,
) -> DiffReport:
    """Compare two reviewers' logs on the sentences both have fully reviewed (and decided on).

    Raises ReviewError when a log is missing, when no sentence can be compared, and, with
    `sample_of_b` (`sentence_ids` is the second reviewer's --sample), when log B has
    decisions outside that sample: a wrong --sample or --seed must not compare a few
    sentences by chance.

    A sentence is compared when both reviewers decided every span in it and made at least
    one decision there (a `checked` counts, so a sentence without proposals that both read
    is compared). `sentence_ids` limits the comparison (e.g. to the second reviewer's
    sample). Items for kappa are the union of (sentence, start, end) over both reviewers'
    kept spans, each labelled with the kept label or NONE; F1 takes A as the reference.
    Disagreements list boundary/label mismatches and differing fields on matched spans.
    """
    state_a = replay(sentences, proposals, log_a, layer=layer)
    state_b = replay(sentences, proposals, log_b, layer=layer)
    # Each side says how it was made (corrected from the proposals, or from scratch).
    name_a = " + ".join(map(str, _paths(log_a))) + f" ({mode_words(logs_mode(_paths(log_a)))})"
    name_b = " + ".join(map(str, _paths(log_b))) + f" ({mode_words(logs_mode(_paths(log_b)))})"
    if sample_of_b and sentence_ids is not None:
        check_sample(state_b, name_b, sentence_ids)
    return compare(state_a, state_b, name_a, name_b, sentence_ids, layer=layer)


def check_sample(state: ReviewState, name: str, sentence_ids: Sequence[str]) -> None:
    """Raise ReviewError unless the decisions of `state` (a second review) all lie in the sample."""
    wanted = set(sentence_ids)
    touched = {d.sentence_id for d in state.decisions.values()}
    outside = [s.id for s in state.sentences if s.id in touched - wanted]
    if outside or not touched & wanted:
        shown = ", ".join(outside[:5]) + (" …" if len(outside) > 5 else "")
        raise ReviewError(f"{name}: the sample does not match this log: "
                          + (f"it has decisions on {len(outside)} sentence(s) outside the sample ({shown})"
                             if outside else "it has no decision on any sentence of the sample")
                          + "; give the --sample FRACTION and --seed N the second review was made with")


def compare(
    state_a: ReviewState,
    state_b: ReviewState,
    name_a: str = "A",
    name_b: str = "B",
    sentence_ids: Sequence[str] | None = None,
    *,
    layer: Layer = NUMERIC,
) -> DiffReport:
    """The comparison behind diff(), on two replayed states (see diff for the rules).

    Raises ReviewError when no sentence is fully reviewed in both: nothing compared has no score.
    """
    sentences = [state_a.by_id[sid] for sid in state_a.scope(sentence_ids)]
    touched_a = {d.sentence_id for d in state_a.decisions.values()}
    touched_b = {d.sentence_id for d in state_b.decisions.values()}
    compared, skipped = [], 0
    for s in sentences:
        done_a = all(x.status != "auto" for x in state_a.live_slots(s.id))
        done_b = all(x.status != "auto" for x in state_b.live_slots(s.id))
        if done_a and done_b and s.id in touched_a and s.id in touched_b:
            compared.append(s.id)
        elif s.id in touched_a or s.id in touched_b:
            skipped += 1
    if not compared:
        raise ReviewError(f"nothing to compare: no sentence{' of the sample' if sentence_ids is not None else ''} "
                          f"is fully reviewed in both {name_a} ({len(touched_a)} sentence(s) with decisions) "
                          f"and {name_b} ({len(touched_b)})")
    pairs: list[tuple[str, str]] = []
    disagreements: list[dict[str, Any]] = []
    spans_a = spans_b = exact = labelled = 0
    for sid in compared:
        kept_a = {(x.span["start"], x.span["end"]): x.span for x in state_a.kept(sid)}
        kept_b = {(x.span["start"], x.span["end"]): x.span for x in state_b.kept(sid)}
        spans_a += len(kept_a)
        spans_b += len(kept_b)
        text = state_a.by_id[sid].text
        for key in sorted(set(kept_a) | set(kept_b)):
            a, b = kept_a.get(key), kept_b.get(key)
            la = a["label"] if a else NONE_LABEL
            lb = b["label"] if b else NONE_LABEL
            pairs.append((la, lb))
            base = {"sentence_id": sid, "start": key[0], "end": key[1], "text": text[key[0]:key[1]]}
            if a and b:
                exact += 1
                labelled += la == lb
                if la != lb:
                    disagreements.append(dict(base, what="label", a=la, b=lb))
                else:
                    for name in layer.fields:
                        if a.get(name) != b.get(name):
                            disagreements.append(dict(base, what=name, a=a.get(name), b=b.get(name)))
            else:
                disagreements.append(dict(base, what="span", a=la, b=lb))
    return DiffReport(name_a, name_b, compared, skipped, spans_a, spans_b, exact, labelled,
                      cohen_kappa(pairs), len(pairs), disagreements, state_a.problems + state_b.problems)


# -- export ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportReport:
    """What export wrote: counts by status and what was left out."""

    path: Path
    sentences: int
    spans: Mapping[str, int]
    unreviewed: int
    problems: list[Problem]
    unchecked: list[str] = field(default_factory=list)
    written: bool = True

    @property
    def complete(self) -> bool:
        """Every span decided, every sentence checked, no problem in the logs."""
        return not (self.unreviewed or self.unchecked or self.problems)

    def format(self) -> str:
        """Return a plain-text summary, made safe for a terminal (display.safe_block)."""
        kept = ", ".join(f"{k} {self.spans.get(k, 0)}" for k in KEPT)
        if self.written:
            lines = [f"wrote {self.path}: {self.sentences} sentences, spans {kept}; "
                     f"rejected {self.spans.get('rejected', 0)} left out"]
        else:
            lines = [f"NOT written: {self.path} is unchanged (--strict and the review is not complete); "
                     f"it would have {self.sentences} sentences, spans {kept}"]
        if self.unreviewed:
            lines.append(f"warning: {self.unreviewed} span(s) still unreviewed (auto) were left out")
        if self.unchecked:
            shown = ", ".join(self.unchecked[:10]) + (" …" if len(self.unchecked) > 10 else "")
            lines.append(f"warning: {len(self.unchecked)} sentence(s) not checked yet: {shown}")
        lines += [f"warning: {p}" for p in self.problems]
        return safe_block("\n".join(lines))


def export(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine],
    log_path: LogPaths,
    out_path: Path | str,
    *,
    layer: Layer = NUMERIC,
    strict: bool = False,
) -> ExportReport:
    """Write the reviewed spans, one JSON line per sentence sorted by id, spans by (start, end).

    Each line: {"id", "text_hash", "spans": [{start, end, text, label, <fields>, status,
    reviewer}]}. Only accepted, corrected and added spans are written; the file is
    written to a temporary name in its folder and renamed (annotators.fileio), so readers
    never see half a file and a failed write leaves it unchanged. With `strict`, nothing
    is written unless the review is complete (report.written is then False). Several
    logs apply in order (an adjudication log last overrides the reviewer's decisions);
    every log must exist.
    """
    state = replay(sentences, proposals, log_path, layer=layer)
    counts: Counter[str] = Counter()
    lines = []
    for sentence in sorted(sentences, key=lambda s: s.id):
        spans = []
        for slot in state.live_slots(sentence.id):
            counts[slot.status] += 1
            if slot.status in KEPT:
                spans.append(dict(layer.core(slot.span), status=slot.status, reviewer=slot.reviewer))
        spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
        lines.append(json.dumps({"id": sentence.id, "text_hash": sentence.text_hash, "spans": spans},
                                ensure_ascii=False, separators=(",", ":")))
    out = Path(out_path)
    report = ExportReport(out, len(lines), dict(counts), counts.get("auto", 0), state.problems, state.unchecked())
    if strict and not report.complete:
        return replace(report, written=False)
    try:
        atomic_write_text(out, "".join(line + "\n" for line in lines), code="E-REVIEW-EXPORT")
    except CorpusError as exc:
        raise ReviewError(exc.message, "E-REVIEW-EXPORT") from None
    return report


# -- sampling ----------------------------------------------------------------------


def sample(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine] | None,
    fraction: float,
    seed: int,
) -> list[str]:
    """Choose round(fraction × N) of ALL N sentences for a blind second review.

    Sentences without proposals are included: the second reviewer must also find what the
    proposer missed. The report, in document (paragraph) order, is cut into `want`
    consecutive strata of (nearly) equal size and one sentence is drawn from each with
    random.Random(seed), so the sample spreads evenly over the report. The same sentences,
    fraction and seed always give the same sample (reproducible; Python's Random is
    stable across versions for randrange). Returned in document order. `proposals` is
    not used for the draw (kept for the call signature).
    """
    if not 0 < fraction <= 1:
        raise ReviewError(f"--sample must be a fraction in (0, 1], not {fraction}")
    pool = list(sentences)
    if not pool:
        raise ReviewError("no sentences to sample from")
    n = len(pool)
    want = min(n, max(1, round(fraction * n)))
    rng = random.Random(seed)
    chosen = []
    for i in range(want):
        lo, hi = i * n // want, (i + 1) * n // want
        chosen.append(pool[lo + rng.randrange(hi - lo)].id)
    return chosen


# -- summary (for the dataset card) ---------------------------------------------------


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def review_summary(
    sentences: Sequence[Sentence],
    proposals: Mapping[str, ProposalLine],
    primary_logs: Sequence[Path],
    second_log: Path | None,
    sample_fraction: float | None,
    sample_seed: int | None,
    adjudication_log: Path | None,
    *,
    layer: Layer = NUMERIC,
    warnings: list[Problem] | None = None,
) -> dict[str, Any]:
    """Return the review figures for the dataset card (deterministic: no times, floats rounded to 4 places).

    counts: over the final state, primary logs then the adjudication log: proposals
    (valid, non-duplicate), spans by final status, published (= accepted + corrected +
    added), sentences and sentences checked.
    agreement: the primary logs alone (no adjudication) against `second_log`, on the
    sentences of the second reviewer's sample (`sample(sentences, ..., fraction, seed)`)
    that both compared (see diff): span F1 on exact (start, end, label), Cohen's kappa on
    labels of spans matched by offsets, the number of sentences compared, the number of
    disagreement items, and `adjudicated`, the adjudication log's span decisions in
    force (applied and not undone; `checked` and `undo` lines not counted). All null without `second_log`.
    proposer: the original proposals against the published spans, exact (start, end,
    label): precision = matches / proposals, recall = matches / published spans.

    Raises ReviewError when a log is missing, when the second log has decisions outside
    the sample (wrong fraction or seed) and when no sentence can be compared. `warnings`,
    when given, receives the problems found in the logs (they are not applied).
    """
    primary = [Path(p) for p in primary_logs]
    if not primary:
        raise ReviewError("review-summary needs at least one primary log")
    for path in [*primary, *(p for p in (second_log, adjudication_log) if p is not None)]:
        if not Path(path).exists():
            raise ReviewError(f"{path}: log not found", "E-REVIEW-LOG")
    final_logs = primary + ([Path(adjudication_log)] if adjudication_log is not None else [])
    final = replay(sentences, proposals, final_logs, layer=layer)
    if warnings is not None:
        warnings += final.problems
    statuses: Counter[str] = Counter()
    proposed = matches = published = 0
    for s in sentences:
        live = final.live_slots(s.id)
        kept = {(x.span["start"], x.span["end"], x.span["label"]) for x in live if x.status in KEPT}
        published += len(kept)
        statuses.update(x.status for x in live)
        for slot in final.slots[s.id]:
            if slot.origin is not None:
                proposed += 1
                matches += (slot.origin["start"], slot.origin["end"], slot.origin["label"]) in kept
    counts = {
        "proposed": proposed,
        "accepted": statuses["accepted"],
        "corrected": statuses["corrected"],
        "rejected": statuses["rejected"],
        "added": statuses["added"],
        "published": published,
        "sentences": len(sentences),
        "sentences_checked": len(sentences) - len(final.unchecked()),
    }
    agreement: dict[str, Any] = dict.fromkeys(
        ("span_f1", "kappa", "sentences", "fraction", "seed", "disagreements", "adjudicated"))
    if second_log is not None:
        if sample_fraction is None or sample_seed is None:
            raise ReviewError("the second review's --sample FRACTION and --seed N are needed to compare on its sample")
        ids = sample(sentences, proposals, sample_fraction, sample_seed)
        second = replay(sentences, proposals, second_log, layer=layer)
        if warnings is not None:
            warnings += second.problems
        check_sample(second, str(second_log), ids)
        report = compare(replay(sentences, proposals, primary, layer=layer), second,
                         str(" + ".join(map(str, primary))), str(second_log), sentence_ids=ids, layer=layer)
        adjudicated = 0
        if adjudication_log is not None:
            adj_ids = {d.id for d in DecisionLog(adjudication_log).read()[0]}
            undone = {d.undoes for d in final.decisions.values() if d.action == "undo"}
            adjudicated = sum(1 for d in final.decisions.values()
                              if d.id in adj_ids and d.action not in ("undo", "checked") and d.id not in undone)
        agreement = {
            "span_f1": None if report.f1 is None else round(report.f1, 4),
            "kappa": None if report.kappa is None else round(report.kappa, 4),
            "sentences": len(report.sentences_compared),
            "fraction": sample_fraction,
            "seed": sample_seed,
            "disagreements": len(report.disagreements),
            "adjudicated": adjudicated,
        }
    # How each log was made: corrected from the proposals, or from scratch (no proposal shown).
    modes = {"primary": logs_mode(primary) or PROPOSALS,
             "second": (logs_mode([second_log]) or PROPOSALS) if second_log is not None else None,
             "adjudication": (logs_mode([adjudication_log]) or PROPOSALS) if adjudication_log is not None else None}
    return {
        "counts": counts,
        "agreement": agreement,
        # A from-scratch review saw no proposal: there is nothing to score the proposer on.
        "proposer": None if modes["primary"] == SCRATCH else {
            "precision": _ratio(matches, proposed), "recall": _ratio(matches, published), "exact_matches": matches},
        "modes": modes,
        # When each log's decisions were written (a log entered in batch shows it here).
        "entry": {"primary": [{"log": Path(p).name, **entry_timing(DecisionLog(p).read()[0])} for p in primary],
                  "second": None if second_log is None else
                  {"log": Path(second_log).name, **entry_timing(DecisionLog(second_log).read()[0])},
                  "adjudication": None if adjudication_log is None else
                  {"log": Path(adjudication_log).name, **entry_timing(DecisionLog(adjudication_log).read()[0])}},
    }
