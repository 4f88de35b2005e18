"""argparse wiring for the review commands.

Flat subcommands, so the common case stays short (``nmg-corpus review --line --reviewer
alice``)::

    nmg-corpus review         --reviewer NAME [--line] [--log PATH] [--base LOG ...]
                              [--sample F --seed N | --only-ids IDS]
    nmg-corpus review-status  --reviewer NAME | --log PATH [--log PATH ...]  [--sample F --seed N | --only-ids IDS]
    nmg-corpus review-diff    LOG_A LOG_B [--sample F --seed N | --only-ids IDS] [--ids-out FILE]
    nmg-corpus review-export  --reviewer NAME | --log PATH [--log PATH ...]  [--out PATH] [--strict]
    nmg-corpus review-summary --log PATH [--log PATH ...] [--second LOG --sample F --seed N]
                              [--adjudication LOG] [--out PATH]

Several --log options apply in order (an adjudication log last overrides the earlier
decisions on the same spans).

All take --sentences (default CORPUS/interim/sentences.jsonl) and --proposals (default
CORPUS/annotations/numeric_proposals.jsonl); a log defaults to
CORPUS/annotations/review/numeric-<reviewer>.jsonl and the export to
CORPUS/annotations/numeric_entities.jsonl. CORPUS is the main parser's --corpus when it
defines one (args.corpus), else ./corpus.

Wiring into the main CLI::

    from annotators.review.cli import register
    register(subparsers)            # subparsers = parser.add_subparsers(dest="command")
    args = parser.parse_args()
    sys.exit(args.func(args))       # every handler returns an exit code

User mistakes print one ``error[E-REVIEW...]: FILE:LINE: ...`` line to stderr and return 1,
as the rest of the CLI does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .data import ProposalLine, Sentence, load_proposals, load_sentences
from ..errors import CorpusError
from .display import safe_text
from .errors import ReviewError

# Relative to the corpus folder: the main CLI's --corpus when it has one, else ./corpus.
SENTENCES = Path("interim/sentences.jsonl")
PROPOSALS = Path("annotations/numeric_proposals.jsonl")
REVIEW_DIR = Path("annotations/review")
EXPORT = Path("annotations/numeric_entities.jsonl")


def _corpus(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "corpus", None) or "corpus")


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sentences", type=Path, help=f"sentences JSONL (default CORPUS/{SENTENCES})")
    parser.add_argument("--proposals", type=Path, help=f"proposals JSONL (default CORPUS/{PROPOSALS})")


def _who(parser: argparse.ArgumentParser, many: bool = True) -> None:
    parser.add_argument("--reviewer", help="reviewer name; picks the default log")
    if many:
        parser.add_argument("--log", type=Path, action="append",
                            help=f"decision log (default CORPUS/{REVIEW_DIR}/numeric-<reviewer>.jsonl); "
                                 "repeat to apply several logs in order, e.g. the review then the adjudication")
    else:
        parser.add_argument("--log", type=Path, action="append",
                            help=f"the log to write (default CORPUS/{REVIEW_DIR}/numeric-<reviewer>.jsonl)")


def _scope(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample", type=float, metavar="FRACTION",
                        help="review only a seeded random sample of sentences (blind second review)")
    parser.add_argument("--seed", type=int, default=None, help="seed for --sample (required with it)")
    parser.add_argument("--only-ids", metavar="IDS",
                        help="comma-separated sentence ids, or @FILE with one id per line")


def _layer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", choices=("numeric", "words"), default="numeric",
                        help="numeric entities (default) or words: segmentation, PKU tags and PER/LOC/ORG entities "
                             "(proposals default to CORPUS/interim/hanlp.jsonl, logs to words-<reviewer>.jsonl)")


def _by_layer(numeric: Callable[[argparse.Namespace], int], words: str) -> Callable[[argparse.Namespace], int]:
    """Run `numeric`, or with --layer words the handler `words` of annotators.review.words.cli."""
    def run(args: argparse.Namespace) -> int:
        if getattr(args, "layer", "numeric") == "words":
            from .words import cli as words_cli

            return int(getattr(words_cli, words)(args))
        return numeric(args)

    return run


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add review, review-status, review-diff, review-export and review-summary to `subparsers`.

    Each sets `func`, a handler taking the parsed namespace and returning an exit code.
    """
    p = subparsers.add_parser("review", help="review numeric-entity proposals one span at a time",
                              description="Review proposals span by span (TUI, or --line for stdin commands).")
    _inputs(p)
    _who(p, many=False)
    p.add_argument("--line", action="store_true", help="plain line mode: commands on stdin, text out")
    _layer(p)
    p.add_argument("--from-scratch", action="store_true",
                   help="blind annotation: no proposals shown (words: each sentence starts as one untagged word; "
                        "numeric: the annotator adds every span); recorded on every decision of the log")
    p.add_argument("--base", type=Path, action="append", default=[], metavar="LOG",
                   help="adjudicate: replay these reviewers' logs first (read-only) and decide on top of them; "
                        "every decision then needs a note")
    _scope(p)
    p.set_defaults(func=_handler(_by_layer(_run, "run")))

    p = subparsers.add_parser("review-status", help="progress and problems of a review log")
    _inputs(p)
    _layer(p)
    _who(p)
    _scope(p)
    p.set_defaults(func=_handler(_by_layer(_status, "status")))

    p = subparsers.add_parser("review-diff", help="agreement (span F1, Cohen's kappa) between two review logs")
    _inputs(p)
    p.add_argument("log_a", type=Path, nargs="+",
                   help="first reviewer's log (reference); several logs (a primary review made in slices by "
                        "several annotators) are replayed in the order given")
    p.add_argument("log_b", type=Path, help="second reviewer's log")
    _layer(p)
    _scope(p)
    p.add_argument("--ids-out", type=Path, metavar="FILE",
                   help="write the ids of sentences with a disagreement, one a line (for review --only-ids @FILE)")
    p.set_defaults(func=_handler(_by_layer(_diff, "diff")))

    p = subparsers.add_parser("review-export", help=f"write reviewed spans to CORPUS/{EXPORT} "
                                                    "(--layer words: CORPUS/annotations/words.jsonl)")
    _inputs(p)
    _layer(p)
    _who(p)
    p.add_argument("--out", type=Path, help=f"output JSONL (default CORPUS/{EXPORT})")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 unless every span is decided, every sentence checked and the logs have no problems")
    p.set_defaults(func=_handler(_by_layer(_export, "export")))

    p = subparsers.add_parser("review-summary", help="review figures (counts, agreement, proposer) as JSON")
    _inputs(p)
    _layer(p)
    p.add_argument("--log", type=Path, action="append", required=True,
                   help="primary reviewer's log; repeat for several, in order")
    p.add_argument("--second", type=Path, help="second reviewer's log (blind sample review)")
    p.add_argument("--sample", type=float, metavar="FRACTION", help="the second review's --sample")
    p.add_argument("--seed", type=int, help="the second review's --seed")
    p.add_argument("--adjudication", type=Path, metavar="LOG", help="adjudication log, applied after --log")
    p.add_argument("--out", type=Path, help="write the JSON here (default: print it)")
    p.set_defaults(func=_handler(_by_layer(_summary, "summary")))

    p = subparsers.add_parser("review-consistency",
                              help="word layer: every string segmented, tagged or labelled in more than one way")
    _inputs(p)
    _who(p)
    p.add_argument("--words", type=Path, metavar="FILE",
                   help="an exported words.jsonl to check instead of replaying --log/--reviewer")
    p.set_defaults(func=_handler(_consistency))


def _consistency(args: argparse.Namespace) -> int:
    from .words import cli as words_cli

    return words_cli.consistency(args)


def _handler(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except CorpusError as exc:  # ReviewError, or an error from the corpus modules
            print(safe_text(str(exc)), file=sys.stderr)  # messages quote log and sentence values
            return 1
        except KeyboardInterrupt:
            print("interrupted; every decision made so far is saved", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return 1

    return run


def _load(args: argparse.Namespace) -> tuple[list[Sentence], dict[str, ProposalLine]]:

    corpus = _corpus(args)
    return (load_sentences(args.sentences or corpus / SENTENCES),
            load_proposals(args.proposals or corpus / PROPOSALS))


def _log_paths(args: argparse.Namespace, must_exist: bool = True) -> list[Path]:
    """The logs named by --log, else the reviewer's default log.

    With `must_exist` (every command but review, which creates its log) a missing log or a
    directory is an error naming the logs that do exist in that folder.
    """
    from .commands import default_log_path
    from .log import DecisionLog

    if args.log:
        paths = list(args.log)
    elif not args.reviewer:
        raise ReviewError("give --reviewer NAME (or --log PATH)")
    else:
        paths = [default_log_path(args.reviewer, root=_corpus(args) / REVIEW_DIR)]
    for path in paths:
        log = DecisionLog(path)  # a directory is refused here, for review too
        if must_exist and not log.exists():
            others = sorted(p.name for p in path.parent.glob("*.jsonl")) if path.parent.is_dir() else []
            hint = f"; logs in {path.parent}: {', '.join(others)}" if others else ""
            raise ReviewError(f"{path}: log not found (check the reviewer name or --log; only `review` "
                              f"creates a log){hint}", "E-REVIEW-LOG")
    return paths


def _log_path(args: argparse.Namespace) -> Path:
    paths = _log_paths(args, must_exist=False)
    if len(paths) > 1:
        raise ReviewError("review writes one log: give --log once (earlier reviewers' logs go in --base)")
    return paths[0]


def _ids(args: argparse.Namespace, sentences: list[Sentence], proposals: dict[str, ProposalLine]) -> list[str] | None:
    from .commands import sample

    if args.sample is not None and args.only_ids:
        raise ReviewError("use --sample or --only-ids, not both")
    if args.sample is not None:
        if args.seed is None:
            raise ReviewError("--sample needs --seed N so the same sample can be drawn again")
        ids = sample(sentences, proposals, args.sample, args.seed)
        print(f"sample: {len(ids)} of {len(sentences)} sentences (fraction {args.sample}, seed {args.seed}; "
              f"the same fraction and seed always draw the same sentences)", file=sys.stderr)
        return ids
    if args.seed is not None:
        raise ReviewError("--seed only makes sense with --sample")
    if args.only_ids:
        spec: str = args.only_ids
        if spec.startswith("@"):
            try:
                words = Path(spec[1:]).read_text(encoding="utf-8").split()
            except OSError as exc:
                raise ReviewError(f"{spec[1:]}: cannot read ({exc.strerror})") from None
        else:
            words = [w.strip() for w in spec.split(",") if w.strip()]
        known = {s.id for s in sentences}
        unknown = [w for w in words if w not in known]
        if unknown:
            raise ReviewError(f"--only-ids: unknown sentence id(s) {', '.join(unknown[:5])}")
        return words
    return None


def _run(args: argparse.Namespace) -> int:
    from .commands import run_review

    if not args.reviewer:
        raise ReviewError("give --reviewer NAME (it is recorded with every decision)")
    if not args.line and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ReviewError("the review screen needs a terminal; for scripts and pipes use --line")
    sentences, proposals = _load(args)
    ids = _ids(args, sentences, proposals)
    return run_review(sentences, proposals, _log_path(args), args.reviewer, line_mode=args.line, sentence_ids=ids,
                      base_logs=args.base, scratch=args.from_scratch)


def _status(args: argparse.Namespace) -> int:
    from .commands import status

    sentences, proposals = _load(args)
    print(status(_log_paths(args), sentences, proposals, sentence_ids=_ids(args, sentences, proposals)))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from .commands import diff

    sentences, proposals = _load(args)
    for path in (*args.log_a, args.log_b):
        if not path.exists():
            raise ReviewError(f"{path}: log not found", "E-REVIEW-LOG")
    report = diff(args.log_a, args.log_b, sentences, proposals, sentence_ids=_ids(args, sentences, proposals),
                  sample_of_b=args.sample is not None)
    print(report.format())
    if args.ids_out is not None:
        from ..fileio import atomic_write_text

        ids = sorted({d["sentence_id"] for d in report.disagreements},
                     key=[s.id for s in sentences].index)
        atomic_write_text(args.ids_out, "".join(i + "\n" for i in ids), code="E-REVIEW")
        print(safe_text(f"wrote {len(ids)} sentence id(s) with a disagreement to {args.ids_out}"))
    return 0


def _export(args: argparse.Namespace) -> int:
    from .commands import export

    sentences, proposals = _load(args)
    logs = _log_paths(args)
    report = export(sentences, proposals, logs, args.out or _corpus(args) / EXPORT, strict=args.strict)
    print(report.format())
    if args.strict and not report.complete:
        print(safe_text(f"error[E-REVIEW]: --strict: the review is not complete (every span decided, every "
                        f"sentence checked, no log problems); {report.path} was left unchanged; see the "
                        "warnings above"), file=sys.stderr)
        return 1
    return 0


def _summary(args: argparse.Namespace) -> int:
    import json

    from .commands import review_summary

    sentences, proposals = _load(args)
    if args.second is None and (args.sample is not None or args.seed is not None):
        raise ReviewError("--sample and --seed describe the second review: give --second LOG too")
    from ..fileio import atomic_write_text

    warnings: list = []
    result = review_summary(sentences, proposals, args.log, args.second, args.sample, args.seed, args.adjudication,
                            warnings=warnings)
    for problem in warnings:
        print(f"warning: {safe_text(str(problem))}", file=sys.stderr)
    # ensure_ascii: the JSON stays byte-identical and cannot carry a terminal control character.
    text = json.dumps(result, ensure_ascii=True, indent=2) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        atomic_write_text(args.out, text, code="E-REVIEW")
        print(safe_text(f"wrote {args.out}"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (python -m annotators.review ...) for use before the main CLI wires it."""
    parser = argparse.ArgumentParser(prog="python -m annotators.review")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))
