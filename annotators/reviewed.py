"""Stage 5b: the published numeric layer, exported from the review logs.

`corpus/annotations/review/plan.json` names the logs: the primary review (every sentence),
the second blind review of a sample (for agreement) and the adjudication log (applied last).
The export is strict: every proposal decided and every sentence checked, with no stale or
conflicting decision; otherwise the build stops and says what is left.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import CorpusError

PLAN = Path("annotations") / "review" / "plan.json"


def load_plan(corpus_dir: Path) -> dict:
    """The review plan of `corpus_dir`, with log names resolved to paths."""
    path = corpus_dir / PLAN
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError("E-REVIEW-PLAN", f"{path}: not found") from None
    except json.JSONDecodeError as exc:
        raise CorpusError("E-REVIEW-PLAN", f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    folder = path.parent
    resolved = {
        "primary": [folder / name for name in plan["primary"]],
        "second": folder / plan["second"]["log"] if plan.get("second") else None,
        "sample": plan["second"]["sample"] if plan.get("second") else None,
        "seed": plan["second"]["seed"] if plan.get("second") else None,
        "adjudication": folder / plan["adjudication"] if plan.get("adjudication") else None,
    }
    for log in resolved["primary"]:
        if not log.is_file():
            raise CorpusError("E-REVIEW-PLAN", f"{path}: primary review log {log} does not exist")
    return resolved


def export_reviewed(corpus_dir: Path) -> list[Path]:
    """Write `annotations/numeric_entities.jsonl` and `annotations/review_summary.json` from the
    logs named in the plan. Raises CorpusError if the review is incomplete or has problems."""
    from .review.commands import export, review_summary
    from .review.data import load_proposals, load_sentences

    plan = load_plan(corpus_dir)
    sentences = load_sentences(corpus_dir / "interim" / "sentences.jsonl")
    proposals = load_proposals(corpus_dir / "annotations" / "numeric_proposals.jsonl")
    adjudication = plan["adjudication"] if plan["adjudication"] and plan["adjudication"].is_file() else None
    logs = plan["primary"] + ([adjudication] if adjudication else [])
    out = corpus_dir / "annotations" / "numeric_entities.jsonl"
    report = export(sentences, proposals, logs, out)
    problems = [str(p) for p in report.problems]
    if report.unreviewed:
        problems.append(f"{report.unreviewed} proposal(s) not yet decided")
    if report.unchecked:
        problems.append(f"{len(report.unchecked)} sentence(s) not yet checked, first {sorted(report.unchecked)[0]}")
    if problems:
        raise CorpusError("E-REVIEW-INCOMPLETE", f"{out}: the review is not complete: " + "; ".join(problems[:10]))
    second = plan["second"] if plan["second"] and plan["second"].is_file() else None
    summary = review_summary(sentences, proposals, plan["primary"], second, plan["sample"], plan["seed"], adjudication)
    summary_path = corpus_dir / "annotations" / "review_summary.json"
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return [out, summary_path]
