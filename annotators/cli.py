"""The `nmg-corpus` command: one entry point, one subcommand per job.

    nmg-corpus build [--source PATH]   raw report → corpus/interim/ (and later layers)
    nmg-corpus validate                check every invariant of the built files

Each subcommand is a thin wrapper: it parses arguments, calls a plain function from
`annotators`, prints a short summary and returns an exit code. A user mistake ends in one
`error[CODE]: ...` line and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import CorpusError
from .pipeline import CorpusPaths, run_foundation, write_interim
from .validate import validate_interim

REPO_ROOT = Path(__file__).resolve().parent.parent


def _paths(args: argparse.Namespace) -> CorpusPaths:
    return CorpusPaths(Path(args.corpus).resolve())


def cmd_build(args: argparse.Namespace) -> int:
    paths = _paths(args)
    foundation = run_foundation(paths, Path(args.source) if args.source else None)
    for path in write_interim(foundation, paths):
        print(f"wrote {path.relative_to(paths.corpus.parent) if path.is_relative_to(paths.corpus.parent) else path}")
    doc = foundation.document
    print(f"{len(doc.paragraphs)} paragraphs, {len(doc.sentences)} sentences, {len(foundation.clean.text)} clean characters")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    report = validate_interim(_paths(args))
    print(report.render())
    return 0 if report.passed else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nmg-corpus", description="Build, check and maintain the nmg-corpus.")
    parser.add_argument("--corpus", default=str(REPO_ROOT / "corpus"), help="corpus folder (default: the checkout's corpus/)")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the corpus from the raw report")
    build.add_argument("--source", help="another copy of the report to build from (held to the same checks)")
    build.set_defaults(func=cmd_build)
    validate = sub.add_parser("validate", help="check every invariant of the built files")
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CorpusError as exc:
        print(str(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
