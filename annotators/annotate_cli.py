"""`nmg-corpus annotate`: the command over :mod:`annotators.annotate` (reading, choosing models, writing)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Tuple

from .errors import CorpusError

ANNOTATE_HELP = """\
Words, PKU 1998 tags, UPOS and PER/LOC/ORG entities for any Chinese text, traditional or
simplified (tokens keep the input's own characters). The text comes from the TEXT argument,
--file PATH, or standard input; each line is a paragraph, split into sentences with the
project's rules. Output goes to standard output or, written only once complete, to --out.

  jsonl   one JSON object per sentence (the fields of corpus/interim/hanlp.jsonl, plus line,
          start, text, models and precision)
  conllu  CoNLL-U: UPOS, the PKU tag as XPOS, NE=BIO and exact offsets in MISC
  pd98    People's Daily 1998 notation, one sentence a line: 過去/t 一/m 年/q [自治區/n 黨委/n]ORG

Models: --models DIR, else models/gov/ (adapted to government prose) when it is complete, else
the shipped models/; standard error says which. --precision exact gives the build's own
output; bf16 (the default on CPUs with AVX-512) is about twice as fast and scores within 0.05
points of it on the news test sets (fp32, the default elsewhere, gave the same output as exact on
them). Exit code 0, or 1 with one error[CODE] line naming the file and place: input that is
not UTF-8, binary (NUL bytes), empty, or a line over 100,000 characters."""


def _read_source(args: argparse.Namespace) -> Tuple[bytes, str, Path | None]:
    """The input bytes, a name for them, and the input file (None for an argument or stdin)."""
    if args.text is not None and args.file is not None:
        raise CorpusError("E-USAGE", "give the text as an argument or with --file, not both")
    if args.text is not None:
        # argv bytes that are not UTF-8 arrive as surrogates; turn them back into bytes to name the offset
        return args.text.encode("utf-8", "surrogateescape"), "the TEXT argument", None
    if args.file is not None and args.file != "-":
        path = Path(args.file)
        return path.read_bytes(), str(path), path
    if sys.stdin is None or (args.file is None and sys.stdin.isatty()):
        raise CorpusError("E-USAGE", "no input: give the text as an argument, with --file PATH, or on standard input")
    return sys.stdin.buffer.read(), "<stdin>", None


def cmd_annotate(args: argparse.Namespace) -> int:
    from . import annotate
    from .fileio import atomic_write_text
    from .hanlp_fast import PRECISIONS
    from .paths import repository_root

    if args.batch_size < 1 or args.threads < 1:
        raise CorpusError("E-USAGE", "--batch-size and --threads must be at least 1")
    if args.precision is None:
        from .hanlp_fast import default_precision
        args.precision = default_precision()
    if args.precision not in PRECISIONS:
        raise CorpusError("E-USAGE", f"--precision must be one of {', '.join(PRECISIONS)}")
    data, source, in_path = _read_source(args)
    out = Path(args.out) if args.out else None
    if out is not None and in_path is not None and out.resolve() == in_path.resolve():
        raise CorpusError("E-USAGE", f"--out {out} is the input file; choose another output file")
    text = annotate.decode_input(data, source)
    given = args.annotate_models or args.models
    if given:
        folder, why = annotate.choose_models(Path(given).expanduser().resolve(), Path.cwd())
    else:
        folder, why = annotate.choose_models(None, repository_root())
    started = time.perf_counter()
    models = annotate.load_fast_models(folder, precision=args.precision, batch_size=args.batch_size,
                                       threads=args.threads)
    loaded = time.perf_counter() - started
    label = _shown(folder)
    result = annotate.annotate_text(text, models, source=source, models_label=label)
    rendered = annotate.render(result, args.format)
    if out is not None:
        atomic_write_text(out, rendered, code="E-ANNOTATE-WRITE")
    else:
        try:
            sys.stdout.buffer.write(rendered.encode("utf-8"))
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped early (| head): nothing more to say
            return 0
    rate = f"{result.characters / result.seconds:,.0f}" if result.seconds else "-"
    print(f"annotate: {len(result.records)} sentences, {result.characters:,} characters from {source} -> "
          f"{out if out is not None else 'standard output'} ({args.format}); {why}; precision {result.precision}, "
          f"{args.threads} thread(s); {result.seconds:.2f} s, {rate} characters/s (models loaded in {loaded:.1f} s)",
          file=sys.stderr)
    if result.char_by_char:
        print(f"note: {len(result.char_by_char)} sentence(s) converted to simplified characters one by one (OpenCC's "
              f"phrase conversion changed their length): {', '.join(result.char_by_char)}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _shown(path: Path) -> str:
    """The folder relative to the working directory when inside it, with a trailing slash."""
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return shown.rstrip("/") + "/"


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the ``annotate`` subcommand to the ``nmg-corpus`` subparsers."""
    from .annotate import FORMATS
    from .hanlp_fast import DEFAULT_BATCH_SIZE, DEFAULT_PRECISION, PRECISIONS

    p = sub.add_parser("annotate", help="words, PKU tags, UPOS and entities for any Chinese text",
                       description=ANNOTATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="?", help="the text to annotate (else --file or standard input)")
    p.add_argument("--file", help="read the text from this UTF-8 file ('-': standard input)")
    p.add_argument("--format", choices=FORMATS, default="jsonl", help="output format (default: jsonl)")
    p.add_argument("--out", help="write here (atomically: nothing is written if annotation fails) instead of "
                                 "standard output")
    p.add_argument("--models", dest="annotate_models", metavar="DIR",
                   help="model set folder holding tok/, pos/, ner/ (default: models/gov/ when complete, else models/)")
    p.add_argument("--precision", default=None, choices=PRECISIONS,
                   help=f"BiLSTM precision (default: {DEFAULT_PRECISION} where the CPU runs it natively, else fp32; "
                        "exact = the build's output)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                   help=f"sentences per batch (default: {DEFAULT_BATCH_SIZE})")
    p.add_argument("--threads", type=int, default=1, help="worker threads (default: 1); the output does not depend "
                                                          "on it")
    p.set_defaults(func=cmd_annotate)
