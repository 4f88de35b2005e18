"""Score HanLP's word layer, jieba, thulac and (when installed) pkuseg against the reviewed word layer.

    .venv/bin/python scripts/evaluate_word_layer.py            # writes corpus/annotations/word_layer_scores.json
    .venv/bin/python scripts/evaluate_word_layer.py --check    # recomputes and compares with the file (CI)

The dataset card renders its "How good is HanLP on this report" tables from that file. The
out-of-vocabulary split uses the tokenizer's training words (People's Daily 1998 minus its
held-out lines and every overlap with an evaluation set), so `--corpora` must be available.
jieba, thulac and pkuseg are installed by `make setup` (pkuseg is built with Cython there).
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Dict, List

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotators import hanlp_data as hd  # noqa: E402
from annotators.paths import default_corpora  # noqa: E402
from annotators.word_eval import score_layer, segmenter_records  # noqa: E402

OUT = REPO / "corpus" / "annotations" / "word_layer_scores.json"
COMPARATORS = ("jieba", "thulac", "pkuseg")


def _read_jsonl(path: Path) -> List[Dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (build the corpus with `make corpus`)")
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from None
    return rows


def _segmenter(name: str) -> Callable[[List[str]], List[List[str]]]:
    if name == "jieba":
        import jieba
        jieba.setLogLevel(60)
        return lambda texts: [list(jieba.cut(t)) for t in texts]
    if name == "thulac":
        import thulac
        seg = thulac.thulac(seg_only=True)
        return lambda texts: [[w for w, _ in seg.cut(t)] for t in texts]
    import pkuseg
    seg = pkuseg.pkuseg()
    return lambda texts: [seg.cut(t) for t in texts]


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def evaluate(corpus: Path, corpora: Path, tools: List[str]) -> Dict[str, Any]:
    """Takes the corpus folder, the annotated corpora and the comparator names to run; returns the scores."""
    sentences = _read_jsonl(corpus / "interim" / "sentences.jsonl")
    gold = {r["id"]: r for r in _read_jsonl(corpus / "annotations" / "words.jsonl")}
    silver = {r["id"]: r for r in _read_jsonl(corpus / "interim" / "hanlp.jsonl")}
    missing = [s["id"] for s in sentences if s["id"] not in gold or s["id"] not in silver]
    if missing:
        raise ValueError(f"{len(missing)} sentences lack a reviewed or a HanLP analysis (first {missing[0]})")
    simplified = {s["id"]: s["text_simplified"] for s in sentences}
    train, _ = hd.pd98_training_data(hd.CorpusPaths(corpora))
    vocab = {w for sent in train for w, _ in sent}
    gold_rows = [gold[s["id"]] for s in sentences]
    out: Dict[str, Any] = {
        "gold": "corpus/annotations/words.jsonl", "vocabulary": "199801 training words of models/tok",
        "hanlp": {"version": _installed("hanlp"), **score_layer(gold_rows, [silver[s["id"]] for s in sentences],
                                                                simplified, vocab)},
        "segmenters": {},
    }
    for name in tools:
        records = segmenter_records(_segmenter(name), sentences)
        scores = score_layer([{**g, "pos_tags": [], "entities": []} for g in gold_rows],
                             [{**r, "pos_tags": []} for r in records], simplified, vocab)
        out["segmenters"][name] = {"version": _installed(name), "segmentation": scores["segmentation"],
                                   "errors": scores["errors"]["segmentation"]}
    return out


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--corpora", type=Path, default=default_corpora(REPO),
                        help="annotated corpora (default: ../shared/corpora, else data-cache/corpora)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="recompute and compare with --out; write nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            recorded = json.loads(args.out.read_text(encoding="utf-8"))
        absent = [t for t in COMPARATORS if not _installed(t)]
        if absent:
            print(f"error: {', '.join(absent)} not installed: run `make setup`", file=sys.stderr)
            return 1
        result = evaluate(args.corpus, args.corpora, list(COMPARATORS))
        if args.check:
            if result != recorded:
                print(f"FAILED: fresh scores differ from {args.out}", file=sys.stderr)
                return 1
            print(f"PASSED: fresh scores equal {args.out} (HanLP, {', '.join(COMPARATORS)})")
            return 0
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    h = result["hanlp"]
    print(f"wrote {args.out}: HanLP seg F1 {h['segmentation']['f1']}, tags {h['tags_on_words_segmented_alike']['accuracy']}, "
          f"entities F1 {h['entities']['overall']['f1']}; segmenters: "
          + ", ".join(f"{k} {v['segmentation']['f1']}" for k, v in result["segmenters"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
