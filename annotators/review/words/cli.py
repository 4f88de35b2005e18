"""The `--layer words` branch of the review commands (annotators.review.cli dispatches here).

Defaults: HanLP's analyses CORPUS/interim/hanlp.jsonl (`--proposals` overrides), logs
CORPUS/annotations/review/words-<reviewer>.jsonl, export CORPUS/annotations/words.jsonl.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ...fileio import atomic_write_text
from ..data import Sentence, load_sentences
from ..display import safe_text
from ..errors import ReviewError
from .state import WordProposal, load_word_proposals

HANLP = Path("interim/hanlp.jsonl")
EXPORT = Path("annotations/words.jsonl")


def _corpus(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "corpus", None) or "corpus")


def _load(args: argparse.Namespace, *, proposals: bool = True) -> tuple[list[Sentence], dict[str, WordProposal], Path]:
    """Sentences and HanLP's analyses (not read when `proposals` is False: a from-scratch session shows none)."""
    from ..cli import SENTENCES

    corpus = _corpus(args)
    proposals_path = args.proposals or corpus / HANLP
    sentences = load_sentences(args.sentences or corpus / SENTENCES)
    return sentences, load_word_proposals(proposals_path) if proposals else {}, proposals_path


def _log_paths(args: argparse.Namespace) -> list[Path]:
    from ..cli import REVIEW_DIR
    from .commands import default_log_path

    if args.log:
        return list(args.log)
    if not args.reviewer:
        raise ReviewError("give --reviewer NAME (or --log PATH)")
    return [default_log_path(args.reviewer, root=_corpus(args) / REVIEW_DIR)]


def _ids(args: argparse.Namespace, sentences: list[Sentence]) -> list[str] | None:
    from ..cli import _ids as ids

    return ids(args, sentences, {})  # type: ignore[arg-type]  # the sample does not use proposals


def run(args: argparse.Namespace) -> int:
    """`review --layer words`: a word-layer session."""
    from .commands import run_word_review

    if not args.reviewer:
        raise ReviewError("give --reviewer NAME (it is recorded with every decision)")
    if not args.line and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ReviewError("the review screen needs a terminal; for scripts and pipes use --line")
    sentences, proposals, proposals_path = _load(args, proposals=not args.from_scratch)
    paths = _log_paths(args)
    if len(paths) > 1:
        raise ReviewError("review writes one log: give --log once (earlier reviewers' logs go in --base)")
    return run_word_review(sentences, proposals, paths[0], args.reviewer, line_mode=args.line,
                           sentence_ids=_ids(args, sentences), scratch=args.from_scratch, base_logs=args.base,
                           proposals_path=str(proposals_path))


def status(args: argparse.Namespace) -> int:
    """`review-status --layer words`."""
    from .commands import status as word_status

    sentences, proposals, proposals_path = _load(args)
    print(word_status(_log_paths(args), sentences, proposals, sentence_ids=_ids(args, sentences),
                      proposals_path=str(proposals_path)))
    return 0


def consistency(args: argparse.Namespace) -> int:
    """`review-consistency`: the strings analysed in more than one way (exit 0: a listing, not a verdict)."""
    from ..data import iter_jsonl
    from .commands import export_row, replay
    from .consistency import report

    if args.words is not None:
        if not args.words.is_file():
            raise ReviewError(f"{args.words}: no such file", "E-REVIEW-LOG")
        rows = [row for _, row in iter_jsonl(args.words)]
    else:
        sentences, proposals, proposals_path = _load(args)
        state = replay(sentences, proposals, _log_paths(args), proposals_path=str(proposals_path))
        rows = [export_row(state, s) for s in sentences if s.id in state.current and state.is_checked(s.id)]
    print(report(rows)[1])
    return 0


def export(args: argparse.Namespace) -> int:
    """`review-export --layer words [--strict]`: with --strict an incomplete review writes nothing."""
    from .commands import export as word_export

    sentences, proposals, proposals_path = _load(args)
    out = args.out or _corpus(args) / EXPORT
    report = word_export(sentences, proposals, _log_paths(args), out, strict=args.strict,
                         proposals_path=str(proposals_path))
    print(report.format())
    if args.strict and not report.complete:
        print(f"error[E-REVIEW]: --strict: the word review is not complete (every sentence checked, every word "
              f"tagged, no log problems); {safe_text(str(out))} was left unchanged", file=sys.stderr)
        return 1
    return 0


def diff(args: argparse.Namespace) -> int:
    """`review-diff --layer words LOG_A LOG_B`: segmentation, tag and entity agreement, the disagreements."""
    from .commands import diff as word_diff

    sentences, proposals, proposals_path = _load(args)
    report = word_diff(args.log_a, args.log_b, sentences, proposals, sentence_ids=_ids(args, sentences),
                       proposals_path=str(proposals_path))
    print(report.format())
    if args.ids_out is not None:
        ids = report.disagreement_ids()
        atomic_write_text(args.ids_out, "".join(i + "\n" for i in ids), code="E-REVIEW")
        print(f"wrote {len(ids)} sentence id(s) with a disagreement to {safe_text(str(args.ids_out))}")
    return 0


def summary(args: argparse.Namespace) -> int:
    """`review-summary --layer words`: the word-layer figures as JSON."""
    from .commands import summary as word_summary

    sentences, proposals, proposals_path = _load(args)
    if args.second is None and (args.sample is not None or args.seed is not None):
        raise ReviewError("--sample and --seed describe the second review: give --second LOG too")
    result = word_summary(sentences, proposals, args.log, args.second, args.sample, args.seed, args.adjudication,
                          proposals_path=str(proposals_path))
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        atomic_write_text(args.out, text, code="E-REVIEW")
        print(f"wrote {safe_text(str(args.out))}")
    return 0
