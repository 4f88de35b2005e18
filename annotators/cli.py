"""The `nmg-corpus` command: one entry point, one subcommand per job.

    nmg-corpus build [--source PATH] [--stages ...]   raw report → corpus/interim/ → corpus/hf/
    nmg-corpus validate                               check every invariant of the built files
    nmg-corpus stats                                  print the figures the dataset card shows
    nmg-corpus publish --repo-id ID --source-url URL [--dry-run]   upload corpus/hf/ to the Hub
    nmg-corpus review ...                             review numeric entities (see review-* too)
    nmg-corpus annotate [TEXT | --file PATH] [--format conllu|jsonl|pd98]   tokens, tags, entities for any text

Each subcommand is a thin wrapper: it parses arguments, calls plain functions from
`annotators`, prints a short summary and returns an exit code. A user mistake ends in one
`error[CODE]: ...` line and exit code 1, never a traceback.

Folders default to those of the checkout around the working directory
(:func:`annotators.paths.repository_root`), never to the checkout the package was installed
from; outside a checkout the command says where it looked and stops.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import CorpusError
from .paths import CheckoutNotFound, repository_root
from .pipeline import CorpusPaths, read_jsonl, run_foundation, sha256_file, write_interim
from .validate import Report, validate_dataset, validate_interim

STAGES = ["foundation", "hanlp", "numeric", "review", "dataset"]


def _folder(given: str | None, default: str, option: str) -> Path:
    """The folder an option names, else `default` inside the checkout in use; it must exist."""
    path = Path(given).expanduser().resolve() if given else repository_root() / default
    if not path.is_dir():
        raise CorpusError("E-FILE-MISSING", f"{path}: no such folder ({option})")
    return path


def _paths(args: argparse.Namespace) -> CorpusPaths:
    return CorpusPaths(_folder(args.corpus, "corpus", "--corpus"))


def _models(args: argparse.Namespace) -> Path:
    return _folder(args.models, "models", "--models")


def _card_source(args: argparse.Namespace) -> Path:
    path = Path(args.card_source).expanduser().resolve() if args.card_source else repository_root() / "DATASET_CARD.md"
    if not path.is_file():
        raise CorpusError("E-FILE-MISSING", f"{path}: no such file (--card-source)")
    return path


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def stage_hanlp(paths: CorpusPaths, models_dir: Path | None, pretrained: str | None = None) -> list[Path]:
    """Annotate every sentence with the HanLP models in `models_dir` (unused with `pretrained`);
    write hanlp.jsonl and hanlp.meta.json."""
    from . import hanlp_layer

    sentences = read_jsonl(paths.interim / "sentences.jsonl")
    if not pretrained and models_dir is None:
        raise CorpusError("E-USAGE", "the HanLP stage needs a models folder or a pretrained identifier")
    models = None if pretrained else hanlp_layer.load_models(models_dir)
    records = hanlp_layer.annotate_sentences(sentences, models=models, pretrained=pretrained)
    out = paths.interim / "hanlp.jsonl"
    hanlp_layer.write_jsonl(records, out)
    meta = hanlp_layer.build_meta(models, pretrained, None)
    # Name the input by content, not by path, so the file is the same in every checkout.
    meta["input"] = {"file": "corpus/interim/sentences.jsonl",
                     "sha256": sha256_file(paths.interim / "sentences.jsonl")}
    meta_path = paths.interim / "hanlp.meta.json"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return [out, meta_path]


def stage_numeric(paths: CorpusPaths) -> list[Path]:
    """Propose numeric entities (the proposals the numeric review decides on)."""
    from .numeric import propose_file

    proposals = paths.corpus / "annotations" / "numeric_proposals.jsonl"
    propose_file(paths.interim / "sentences.jsonl", proposals)
    return [proposals]


def stage_review(paths: CorpusPaths) -> list[Path]:
    """Export the reviewed numeric and word layers and their review summaries from the logs."""
    from .reviewed import export_reviewed

    return export_reviewed(paths.corpus)


def stage_dataset(paths: CorpusPaths, models_dir: Path, card_source: Path) -> list[Path]:
    """Assemble corpus/hf/: Parquet splits, exports and the rendered card."""
    from .release import write_dataset_folder

    hf = paths.corpus / "hf"
    write_dataset_folder(interim_dir=paths.interim, annotations_dir=paths.corpus / "annotations",
                         models_dir=models_dir, card_source=card_source, hf_dir=hf)
    return sorted(p for p in hf.rglob("*") if p.is_file())


def cmd_build(args: argparse.Namespace) -> int:
    paths = _paths(args)
    stages = args.stages.split(",") if args.stages else STAGES
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise CorpusError("E-USAGE", f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    for stage in STAGES:
        if stage not in stages:
            continue
        if stage == "foundation":
            foundation = run_foundation(paths, Path(args.source) if args.source else None)
            written = write_interim(foundation, paths)
            doc = foundation.document
            summary = f"{len(doc.paragraphs)} paragraphs, {len(doc.sentences)} sentences"
        elif stage == "hanlp":
            # --pretrained replaces the shipped models, so the models folder is not needed then
            written = stage_hanlp(paths, None if args.pretrained else _models(args), args.pretrained)
            summary = "tokens, PKU/UPOS tags and entities for every sentence"
        elif stage == "numeric":
            written = stage_numeric(paths)
            summary = "numeric-entity proposals"
        elif stage == "review":
            written = stage_review(paths)
            summary = "reviewed numeric and word layers from the review logs"
        else:
            written = stage_dataset(paths, _models(args), _card_source(args))
            summary = f"{len(written)} files in {_shown(paths.corpus / 'hf')}"
        print(f"[{stage}] {summary}")
        for path in written:
            print(f"  wrote {_shown(path)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    paths = _paths(args)
    report = validate_interim(paths, Report())
    if not args.interim_only:
        validate_dataset(paths.corpus, _models(args), _card_source(args), report)
    print(report.render())
    return 0 if report.passed else 1


def cmd_stats(args: argparse.Namespace) -> int:
    from .stats import card_figures

    paths = _paths(args)
    hf = paths.corpus / "hf"
    counts = json.loads((hf / "build_counts.json").read_text(encoding="utf-8")) if (hf / "build_counts.json").is_file() else None
    if counts is None:
        raise CorpusError("E-FILE-MISSING", f"{hf}: no built dataset (run `nmg-corpus build`)")
    figures = card_figures(hf, paths.corpus, _models(args), counts)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1, sort_keys=True))
    else:
        for name in sorted(figures, key=lambda k: ("\n" in figures[k], k)):
            value = figures[name]
            print(f"{name}:\n{value}\n" if "\n" in value else f"{name}: {value}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from .publish import publish

    hf = _paths(args).corpus / "hf"
    lines = publish(hf, args.repo_id, dry_run=args.dry_run, source_url=args.source_url, private=args.private,
                    create_pr=args.create_pr)
    print("path\tbytes\tsha256")
    print("\n".join(lines))
    verb = "would upload" if args.dry_run else "uploaded"
    print(f"{verb} {len(lines)} files to dataset repository {args.repo_id}")
    return 0


BUILD_HELP = """\
Build the corpus from the raw report, stage by stage, into the corpus folder:

  foundation  raw/ + errata.tsv -> interim/ (clean.txt, clean_map.tsv, document.json, sentences.jsonl)
  hanlp       interim/sentences.jsonl + MODELS -> interim/hanlp.jsonl, interim/hanlp.meta.json
  numeric     interim/sentences.jsonl -> annotations/numeric_proposals.jsonl
  review      review logs (annotations/review/plan.json) + proposals ->
              annotations/numeric_entities.jsonl, annotations/review_summary.json,
              annotations/words.jsonl, annotations/words_review_summary.json
  dataset     every layer + MODELS + the card source -> hf/ (Parquet, exports, README.md)

Every file written is listed. The same inputs give byte-identical files. Exit code 0 when
every stage ran, 1 with one error[CODE] line (file, line or offset) on bad input."""

VALIDATE_HELP = """\
Check every invariant of the built files: the source hash, the clean text and its offset map,
sentences, the HanLP layer, the reviewed word and numeric layers, and corpus/hf/ (Parquet schema, BIO, labels, splits,
card, checksums, exports, load_dataset). Prints every failure with its place, a count per
check and PASSED or FAILED. Exit code 0 when all pass, 1 otherwise."""

STATS_HELP = """\
Print the figures the dataset card shows (sizes, label counts per split, agreement, model
scores), computed from the built corpus/hf/ and the models' metrics.json. Exit code 0, or 1
when the dataset has not been built."""


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="nmg-corpus", description="Build, check and maintain the nmg-corpus.",
                                     epilog="Folders default to those of the nmg-corpus checkout around the "
                                            "working directory.")
    parser.add_argument("--corpus", help="corpus folder (default: corpus/ of the checkout in use)")
    parser.add_argument("--models", help="trained models folder (default: models/ of the checkout in use)")
    parser.add_argument("--card-source", help="dataset card source (default: DATASET_CARD.md of the checkout in use)")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build the corpus from the raw report into corpus/hf/",
                           description=BUILD_HELP, formatter_class=raw)
    build.add_argument("--source", help="another copy of the report to build from (held to the same checks)")
    build.add_argument("--stages", help=f"comma-separated stages to run (default: all of {','.join(STAGES)})")
    build.add_argument("--pretrained", help="HanLP pretrained identifier or folder instead of the shipped models "
                                            "(needs network access for identifiers)")
    build.set_defaults(func=cmd_build)

    validate = sub.add_parser("validate", help="check every invariant of the built files",
                              description=VALIDATE_HELP, formatter_class=raw)
    validate.add_argument("--interim-only", action="store_true", help="check only corpus/interim/")
    validate.set_defaults(func=cmd_validate)

    stats = sub.add_parser("stats", help="print the figures the dataset card shows, from the built files",
                           description=STATS_HELP, formatter_class=raw)
    stats.add_argument("--json", action="store_true", help="print them as JSON")
    stats.set_defaults(func=cmd_stats)

    publish = sub.add_parser("publish", help="upload corpus/hf/ to the Hugging Face Hub as a dataset repository")
    publish.add_argument("--repo-id", required=True, help="namespace/name of the dataset repository")
    publish.add_argument("--dry-run", action="store_true", help="check the card and list the upload offline")
    publish.add_argument("--source-url", help="URL of the source repository at the published commit (e.g. "
                                              "https://github.com/OWNER/nmg-corpus/blob/COMMIT): the card's links "
                                              "to its files are made absolute under it")
    publish.add_argument("--private", action="store_true", help="create the repository as private")
    publish.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing to main")
    publish.set_defaults(func=cmd_publish)

    from .review.cli import register
    register(sub)
    from .annotate_cli import register as register_annotate
    register_annotate(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.corpus is None and args.func not in (cmd_build, cmd_validate, cmd_stats, cmd_publish):
            # the review commands read CORPUS only for the paths not given explicitly
            try:
                args.corpus = str(repository_root() / "corpus")
            except CheckoutNotFound:
                pass
        return args.func(args)
    except CorpusError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        # a file the command needs inside a folder that exists (say models/metrics.json)
        code = "E-FILE-MISSING" if isinstance(exc, FileNotFoundError) else "E-FILE-ACCESS"
        print(f"error[{code}]: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
