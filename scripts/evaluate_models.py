"""Re-score the shipped HanLP models on every evaluation set and write or check models/metrics.json.

Prediction only (no training). Usage:
  python scripts/evaluate_models.py            # score, write models/metrics.json
  python scripts/evaluate_models.py --check    # score, exit 1 if anything differs from metrics.json
  python scripts/evaluate_models.py --limit 200 --no-write   # quick look on the first 200 sentences of each set
  python scripts/evaluate_models.py --tables   # print the card's tables from metrics.json (no scoring)
  python scripts/evaluate_models.py --render   # re-render them into the documents (after a new benchmark)

Writing metrics.json also re-renders the score tables inside models/README.md and README.md
(the blocks between ``<!-- begin NAME -->`` and ``<!-- end NAME -->``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from annotators import hanlp_data as hd  # noqa: E402
from annotators import scoring  # noqa: E402
from annotators.paths import default_corpora  # noqa: E402
from annotators.pku_upos import pku_to_upos  # noqa: E402
from annotators.report_cv import ReportCVError  # noqa: E402
from annotators.report_eval import problems as report_problems  # noqa: E402


# ---------------------------------------------------------------------------------------------
# dictionary combination (HanLP's dict_combine idea: merge predicted words that lie inside a
# longest dictionary match whose edges agree with the model's boundaries)
# ---------------------------------------------------------------------------------------------
def build_trie(words: Sequence[str], min_len: int = 2):
    """Takes dictionary words; returns a hanlp_trie.Trie holding those of at least ``min_len`` characters."""
    from hanlp_trie import Trie
    trie = Trie()
    for w in words:
        if len(w) >= min_len:
            trie[w] = True
    return trie


def dict_combine(words: List[str], trie) -> List[str]:
    """Takes predicted words and a trie; returns words where every longest dictionary match whose start
    and end are both predicted boundaries is merged into one word."""
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w)
    bounds = set(starts) | {pos}
    merge = {b: e for b, e, _ in trie.parse_longest("".join(words)) if b in bounds and e in bounds}
    out: List[str] = []
    k = 0
    while k < len(words):
        end = merge.get(starts[k])
        if end is None:
            out.append(words[k])
            k += 1
            continue
        piece = ""
        while k < len(words) and starts[k] < end:
            piece += words[k]
            k += 1
        out.append(piece)
    return out


# ---------------------------------------------------------------------------------------------
# evaluation sets
# ---------------------------------------------------------------------------------------------
def _limit(xs: list, n: int) -> list:
    return xs[:n] if n else xs


def evaluate(models_dir: Path, corpora: Path, limit: int = 0, with_dict: bool = True,
             with_overlap: bool = True, batch_size: int = 128, with_report: bool = True) -> Dict[str, Any]:
    """Takes the models folder and the corpora folder; returns every score as a nested dict."""
    from annotators.hanlp_layer import analyse_with, load_models
    paths = hd.CorpusPaths(corpora)
    paths.check()
    models = load_models(models_dir)
    tok, pos, ner = models.tok, models.pos, models.ner
    metrics: Dict[str, Any] = {"models": models.fingerprints, "normalization": "NFKC per character, every side"}
    timing: Dict[str, float] = {}

    _, held_par = hd.split_pd98(hd.read_pd98(paths.pd98))
    # the sentences the tokenizer and tagger trained on: their words are the "known" words
    pd98_train, pd98_report = hd.pd98_training_data(paths)
    train_vocab = set(hd.vocabulary([[w for w, _ in s] for s in pd98_train]))

    # ---- segmentation: SIGHAN 2005 PKU test -------------------------------------------------
    raw_gold = []
    with open(paths.pku_test_gold, encoding="utf-8") as src:
        raw_gold = [line.split() for line in src if line.split()]
    raw_gold = _limit(raw_gold, limit)
    gold = [[hd.nfkc_chars(w) for w in ws] for ws in raw_gold]
    raw_lines = _limit(hd.read_raw_lines(paths.pku_test_raw), limit)
    texts = ["".join(ws) for ws in gold]
    # the raw test file minus spaces is the gold text; check so the scorer compares like with like
    mismatched = sum(1 for a, b in zip(raw_lines, texts) if a.replace(" ", "").replace("\u3000", "") != b)
    t0 = time.time()
    pred = tok.predict(texts, batch_size=batch_size)
    timing["pku_test_tok_seconds"] = round(time.time() - t0, 2)
    exact_vocab = hd.read_word_list(paths.pku_words, normalize=False)
    nfkc_vocab = hd.read_word_list(paths.pku_words, normalize=True)
    # exact lookup: raw gold words against the raw list; spans are identical because NFKC is per character
    pred_raw = []
    for r, p in zip(raw_gold, pred):
        text_raw = "".join(r)
        spans = scoring.word_spans(p)
        pred_raw.append([text_raw[s:e] for s, e in spans])
    seg = {"model": scoring.segmentation_scores(gold, pred, nfkc_vocab),
           "oov_exact_lookup": {k: v for k, v in scoring.segmentation_scores(raw_gold, pred_raw, exact_vocab).items()
                                if k.startswith(("oov", "iv"))},
           "raw_vs_gold_text_mismatches": mismatched}
    seg["model"]["oov_lookup"] = "NFKC word list vs NFKC gold"
    if with_dict:
        trie = build_trie(sorted(train_vocab))
        combined = [dict_combine(p, trie) for p in pred]
        seg["model+train_dict_combine"] = scoring.segmentation_scores(gold, combined, nfkc_vocab)
    metrics["seg_pku_test"] = seg

    # ---- POS on held-out 199801 lines (gold segmentation) and joint from raw text ------------
    held = _limit([s for par in held_par for s in hd.split_sentences(par)], limit)
    words = [[w for w, _ in s] for s in held]
    gold_tags = [[t for _, t in s] for s in held]
    t0 = time.time()
    pred_tags = pos.predict(words, batch_size=batch_size)
    timing["pd98_heldout_pos_seconds"] = round(time.time() - t0, 2)
    metrics["pos_pd98_heldout"] = scoring.tag_accuracy(gold_tags, pred_tags, words, train_vocab)
    held_texts = ["".join(ws) for ws in words]
    analyses = analyse_with(tok, pos, ner, held_texts, batch_size=batch_size)
    metrics["joint_pd98_heldout"] = {
        "seg": scoring.segmentation_scores(words, [a[0] for a in analyses], train_vocab),
        "seg+pos": scoring.joint_scores(held, [list(zip(a[0], a[1])) for a in analyses]),
    }

    # ---- NER ---------------------------------------------------------------------------------
    ner_sets = {"pd_ner_test": hd.read_bio(paths.pd_ner_test), "pd_ner_dev": hd.read_bio(paths.pd_ner_dev),
                "msra_test": hd.read_msra(paths.msra)[1]}
    for name, sents in ner_sets.items():
        sents = _limit(sents, limit)
        t0 = time.time()
        predicted = ner.predict([s["token"] for s in sents], batch_size=batch_size)
        timing[f"{name}_ner_seconds"] = round(time.time() - t0, 2)
        gold_spans = [hd.bio_spans(s["tag"]) for s in sents]
        pred_spans = [[(label, b, e) for _, label, b, e in es] for es in predicted]
        metrics[f"ner_{name}"] = scoring.entity_scores(gold_spans, pred_spans)

    # ---- UD Chinese GSDSimp test (cross-standard) ---------------------------------------------
    ud = _limit(hd.read_conllu(paths.ud_test), limit)
    ud_words = [[w for w, _ in s] for s in ud]
    ud_pred = tok.predict(["".join(ws) for ws in ud_words], batch_size=batch_size)
    ud_tags = pos.predict(ud_words, batch_size=batch_size)
    metrics["ud_gsdsimp_test"] = {
        "seg": scoring.segmentation_scores(ud_words, ud_pred),
        "upos_on_gold_tokens": scoring.tag_accuracy([[u for _, u in s] for s in ud],
                                                    [[pku_to_upos(t, w) for w, t in zip(ws, ts)]
                                                     for ws, ts in zip(ud_words, ud_tags)]),
        "note": "cross-standard: PKU-style segmentation vs UD (CTB-like) gold; UPOS via annotators/pku_upos.py",
    }

    # ---- overlap between training and evaluation sets -------------------------------------------
    if with_overlap:
        # what the training scripts train on, after their overlap removal; every count should be 0
        pd98_texts = ["".join(w for w, _ in s) for s in pd98_train]
        ner_train, ner_report = hd.ner_training_data(paths)
        ner_texts = ["".join(s["token"]) for s in ner_train]
        metrics["overlap"] = {
            "pd98_train_vs_pku_test": hd.overlap_counts(pd98_texts, texts),
            "pd98_train_vs_pd98_heldout": hd.overlap_counts(pd98_texts, held_texts),
            "pd98_train_vs_ud_test": hd.overlap_counts(pd98_texts, ["".join(ws) for ws in ud_words]),
            "ner_train_vs_pd_ner_test": hd.overlap_counts(ner_texts, ["".join(s["token"]) for s in
                                                                      _limit(ner_sets["pd_ner_test"], limit)]),
            "ner_train_vs_pd_ner_dev": hd.overlap_counts(ner_texts, ["".join(s["token"]) for s in
                                                                     _limit(ner_sets["pd_ner_dev"], limit)]),
            "ner_train_vs_msra_test": hd.overlap_counts(ner_texts, ["".join(s["token"]) for s in
                                                                    _limit(ner_sets["msra_test"], limit)]),
            "pd98_training_selection": pd98_report,
            "ner_training_selection": ner_report,
        }
    # ---- the report: cross-validated variants, and models/gov/ on the news sets (annotators/report_eval.py) ----
    if with_report and not limit and models_dir.resolve() == (REPO / "models").resolve():
        from annotators.report_eval import report_metrics
        metrics.update(report_metrics(REPO, corpora, train_vocab, metrics, models_dir))
    metrics["limit"] = limit
    metrics["_timing_not_compared"] = timing
    return metrics


#: documents whose score tables are rendered from metrics.json
CARD_DOCUMENTS = (REPO / "models" / "README.md", REPO / "README.md")


def render_documents(tables: Dict[str, str]) -> None:
    """Takes the rendered tables; rewrites their blocks in every card document."""
    from annotators.model_card import render_into
    for doc in CARD_DOCUMENTS:
        doc.write_text(render_into(doc.read_text(encoding="utf-8"), tables, where=str(doc)), encoding="utf-8")
        print(f"rendered the tables in {doc.relative_to(REPO)}")


def compare(old: Any, new: Any, path: str = "", tol: float = 0.0) -> List[str]:
    """Takes two metric trees; returns human-readable differences (timing keys are ignored)."""
    diffs: List[str] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            if k.startswith("_"):
                continue
            if k not in old or k not in new:
                diffs.append(f"{path}/{k}: only in {'fresh scores' if k in new else 'metrics.json'}")
            else:
                diffs.extend(compare(old[k], new[k], f"{path}/{k}", tol))
    elif isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        if abs(old - new) > tol:
            diffs.append(f"{path}: metrics.json {old} vs fresh {new}")
    elif old != new:
        diffs.append(f"{path}: metrics.json {old!r} vs fresh {new!r}")
    return diffs


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models-dir", type=Path, default=REPO / "models")
    p.add_argument("--corpora", type=Path, default=default_corpora(REPO),
                   help="folder holding the annotated corpora (default: ../shared/corpora beside the checkout "
                        "when present, else data-cache/corpora, filled by scripts/get_corpora.py)")
    p.add_argument("--metrics", type=Path, default=None, help="default: MODELS_DIR/metrics.json")
    p.add_argument("--check", action="store_true", help="exit 1 if fresh scores differ from the metrics file")
    p.add_argument("--tolerance", type=float, default=0.0)
    p.add_argument("--limit", type=int, default=0, help="score only the first N sentences of each set")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--no-overlap", action="store_true", help="skip the overlap counts (slowest part)")
    p.add_argument("--no-report", action="store_true",
                   help="skip the report's cross-validation and models/gov/ (report_cv, gov_models)")
    p.add_argument("--tables", action="store_true", help="print the card's tables rendered from the metrics file")
    p.add_argument("--render", action="store_true", help="re-render the documents' tables from the metrics file")
    args = p.parse_args(argv)
    metrics_path = args.metrics or args.models_dir / "metrics.json"
    if args.tables or args.render:
        from annotators.model_card import card_tables, read_json
        try:
            tables = card_tables(read_json(metrics_path), REPO)
            if args.render:
                render_documents(tables)
        except (OSError, ValueError) as e:  # a missing input file, bad JSON, a broken block in a document
            print(f"error: {e}", file=sys.stderr)
            return 1
        except KeyError as e:
            print(f"error: {metrics_path} or a file beside it has no entry {e}; re-run the script that writes it",
                  file=sys.stderr)
            return 1
        if not args.render:
            for name, text in tables.items():
                print(f"<!-- {name} -->\n{text}\n")
        return 0
    if not args.corpora.is_dir():
        print(f"error: corpora folder {args.corpora} does not exist; fetch the corpora with "
              "`python scripts/get_corpora.py`, or pass --corpora DIR", file=sys.stderr)
        return 1
    try:
        fresh = evaluate(args.models_dir, args.corpora, args.limit, with_overlap=not args.no_overlap,
                         with_report=not args.no_report)
    except (FileNotFoundError, hd.DataFormatError, ReportCVError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    text = json.dumps(fresh, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if args.check:
        if not metrics_path.exists():
            print(f"error: {metrics_path} does not exist; run without --check first", file=sys.stderr)
            return 1
        old = json.loads(metrics_path.read_text(encoding="utf-8"))
        if args.no_overlap:
            old.pop("overlap", None)
        if args.no_report:
            old.pop("report_cv", None)
            old.pop("gov_models", None)
        diffs = compare(old, fresh, tol=args.tolerance) + report_problems(fresh)
        if diffs:
            print(f"FAILED: {len(diffs)} score(s) differ from {metrics_path}:", file=sys.stderr)
            for d in diffs:
                print("  " + d, file=sys.stderr)
            return 1
        print(f"PASSED: fresh scores equal {metrics_path}")
        return 0
    print(text)
    if not args.no_write:
        metrics_path.write_text(text, encoding="utf-8")
        print(f"wrote {metrics_path}")
        # only the shipped models' scores belong in the documents
        if args.models_dir.resolve() == (REPO / "models").resolve():
            from annotators.model_card import card_tables
            render_documents(card_tables(fresh, REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
