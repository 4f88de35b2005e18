"""Stage `review`: the published reviewed layers, exported from the review logs.

`corpus/annotations/review/plan.json` names, per layer (`numeric`, `words`), the logs: the
primary review (every sentence), the second annotation of a sample made from scratch (for
agreement) and the adjudication log (replayed last). The export is strict: every sentence
checked (and, for numeric, every proposal decided), with no stale or conflicting decision;
otherwise the build stops, says what is left and changes no published file.

Writes `annotations/numeric_entities.jsonl` + `annotations/review_summary.json` and
`annotations/words.jsonl` + `annotations/words_review_summary.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .fileio import atomic_write_text

PLAN = Path("annotations") / "review" / "plan.json"
LAYERS = ("numeric", "words")


@dataclass(frozen=True)
class LayerPlan:
    """The logs of one layer, resolved to paths; `second` and `adjudication` may be absent."""

    layer: str
    primary: list[Path]
    second: Path | None
    sample: float | None
    seed: int | None
    adjudication: Path | None

    @property
    def final_logs(self) -> list[Path]:
        """The logs the published layer is replayed from: primary, then the adjudication."""
        return self.primary + ([self.adjudication] if self.adjudication else [])

    @property
    def logs(self) -> list[tuple[str, Path]]:
        """(role, path) of every log of the plan that exists, in replay order."""
        out = [("primary review", p) for p in self.primary]
        if self.second is not None:
            out.append((f"second annotation, from scratch, of a {self.sample * 100:g} % sample", self.second))
        if self.adjudication is not None:
            out.append(("adjudication", self.adjudication))
        return out


def load_plan(corpus_dir: Path) -> dict[str, LayerPlan]:
    """The review plan of `corpus_dir`, per layer, with log names resolved to paths. A named
    primary or second log that does not exist is an error; an adjudication log named but not
    yet written is taken as absent (nothing to adjudicate yet)."""
    path = corpus_dir / PLAN
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError("E-REVIEW-PLAN", f"{path}: not found") from None
    except json.JSONDecodeError as exc:
        raise CorpusError("E-REVIEW-PLAN", f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    folder = path.parent
    out = {}
    for layer in LAYERS:
        entry = plan.get(layer)
        if not isinstance(entry, dict) or not entry.get("primary"):
            raise CorpusError("E-REVIEW-PLAN", f"{path}: no primary review logs for the {layer!r} layer")
        second = entry.get("second")
        adjudication = folder / entry["adjudication"] if entry.get("adjudication") else None
        resolved = LayerPlan(
            layer=layer, primary=[folder / name for name in entry["primary"]],
            second=folder / second["log"] if second else None,
            sample=second["sample"] if second else None, seed=second["seed"] if second else None,
            adjudication=adjudication if adjudication is not None and adjudication.is_file() else None)
        for log in resolved.primary + ([resolved.second] if resolved.second else []):
            if not log.is_file():
                raise CorpusError("E-REVIEW-PLAN", f"{path}: {layer} review log {log} does not exist")
        out[layer] = resolved
    return out


def _write_summary(path: Path, summary: dict) -> Path:
    atomic_write_text(path, json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                      code="E-REVIEW")
    return path


def export_numeric(corpus_dir: Path, plan: LayerPlan) -> list[Path]:
    """Write `annotations/numeric_entities.jsonl` and `annotations/review_summary.json`."""
    from .review.commands import export, review_summary
    from .review.data import load_proposals, load_sentences

    sentences = load_sentences(corpus_dir / "interim" / "sentences.jsonl")
    proposals = load_proposals(corpus_dir / "annotations" / "numeric_proposals.jsonl")
    out = corpus_dir / "annotations" / "numeric_entities.jsonl"
    report = export(sentences, proposals, plan.final_logs, out, strict=True)
    problems = [str(p) for p in report.problems]
    if report.unreviewed:
        problems.append(f"{report.unreviewed} proposal(s) not yet decided")
    if report.unchecked:
        problems.append(f"{len(report.unchecked)} sentence(s) not yet checked, first {sorted(report.unchecked)[0]}")
    if problems or not report.written:
        raise CorpusError("E-REVIEW-INCOMPLETE", f"{out}: the numeric review is not complete, the file was left "
                          "unchanged: " + "; ".join(problems[:10]))
    summary = review_summary(sentences, proposals, plan.primary, plan.second, plan.sample, plan.seed,
                             plan.adjudication)
    return [out, _write_summary(corpus_dir / "annotations" / "review_summary.json", summary)]


def export_words(corpus_dir: Path, plan: LayerPlan) -> list[Path]:
    """Write `annotations/words.jsonl` and `annotations/words_review_summary.json`."""
    from .review.data import load_sentences
    from .review.words.commands import export, summary
    from .review.words.state import load_word_proposals

    sentences = load_sentences(corpus_dir / "interim" / "sentences.jsonl")
    proposals_path = corpus_dir / "interim" / "hanlp.jsonl"
    proposals = load_word_proposals(proposals_path)
    out = corpus_dir / "annotations" / "words.jsonl"
    report = export(sentences, proposals, plan.final_logs, out, strict=True, proposals_path=str(proposals_path))
    if not report.complete or not report.written:
        raise CorpusError("E-REVIEW-INCOMPLETE", f"{out}: the word review is not complete, the file was left "
                          f"unchanged:\n{report.format()}")
    figures = summary(sentences, proposals, plan.primary, plan.second, plan.sample, plan.seed, plan.adjudication,
                      proposals_path=str(proposals_path))
    return [out, _write_summary(corpus_dir / "annotations" / "words_review_summary.json", figures)]


def export_reviewed(corpus_dir: Path) -> list[Path]:
    """Export both reviewed layers and their summaries from the logs named in the plan.
    Raises CorpusError if a review is incomplete or has problems (nothing is then written)."""
    plan = load_plan(corpus_dir)
    return export_numeric(corpus_dir, plan["numeric"]) + export_words(corpus_dir, plan["words"])
