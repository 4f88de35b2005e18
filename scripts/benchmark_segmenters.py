"""Benchmark segmenters side by side: the project's HanLP models, its `annotate` path, jieba, thulac and pkuseg.

For each tool, in its own subprocess (so peak RSS is per tool): segment the whole report
(``corpus/interim/sentences.jsonl`` ``text_simplified`` when present, else the raw report's lines)
and the SIGHAN 2005 PKU test; print throughput (characters per second on the report, after
loading), load time, peak RSS, PKU test F1 / OOV recall with the project scorer, and the pairwise
segmentation agreement F1 on the report. All inputs are NFKC-normalized per character.

Tools: ``hanlp-tok`` (the tokenizer through HanLP's ``predict``), ``hanlp-pipeline`` (tokenizer,
tagger and recognizer through HanLP's ``predict``: the build's HanLP stage), ``annotate`` and
``annotate-2t`` (``nmg-corpus annotate``'s fast path, bf16, on one and on two threads: sentence
splitting, simplification, the three models, carrying back and CoNLL-U rendering; each input line is
a paragraph), jieba, thulac, pkuseg. Every tool but ``annotate-2t`` runs on one thread.

The machine may be shared: ``--rounds N`` runs every tool N times, interleaved (round 1: every tool,
round 2: every tool, ...), and reports the median with the lowest and highest figure; CPU time is
reported beside wall time (characters per CPU second hardly depend on other processes' load; for
``annotate-2t`` it adds both threads' time, so read its wall figure).

Usage: python scripts/benchmark_segmenters.py [--tools hanlp-tok,jieba,thulac,pkuseg] [--rounds 3] [--json out.json]
The models card's speed table is rendered from ``--json models/benchmark.json``.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from annotators import hanlp_data as hd  # noqa: E402
from annotators import scoring  # noqa: E402

TOOLS = ("hanlp-tok", "hanlp-pipeline", "annotate", "annotate-2t", "jieba", "thulac", "pkuseg")
#: the distribution whose version each tool reports
PACKAGES = {"hanlp-tok": "hanlp", "hanlp-pipeline": "hanlp", "annotate": "hanlp", "annotate-2t": "hanlp",
            "jieba": "jieba", "thulac": "thulac", "pkuseg": "pkuseg"}
#: what each tool produces
OUTPUTS = {"hanlp-pipeline": "words, tags, entities", "annotate": "words, tags, entities",
           "annotate-2t": "words, tags, entities"}


def report_texts(repo: Path = REPO) -> Tuple[List[str], str]:
    """Returns the report's sentences (NFKC simplified text) and a description of where they came from."""
    sentences = repo / "corpus" / "interim" / "sentences.jsonl"
    if sentences.exists():
        with open(sentences, encoding="utf-8") as src:
            texts = [json.loads(line)["text_simplified"] for line in src if line.strip()]
        return [hd.nfkc_chars(t) for t in texts if t.strip()], str(sentences.relative_to(repo))
    raw = repo / "corpus" / "raw" / "nmg-2025-government-work-report.txt"
    with open(raw, encoding="utf-8") as src:
        texts = [line.strip() for line in src if line.strip()]
    return [hd.nfkc_chars(t) for t in texts], str(raw.relative_to(repo)) + " (traditional, raw lines)"


def load_tool(name: str, models_dir: Path) -> Callable[[List[str]], List[List[str]]]:
    """Takes a tool name; returns a function from texts to word lists. Raises ImportError if not installed."""
    if name == "jieba":
        import jieba
        jieba.setLogLevel(60)
        jieba.initialize()
        return lambda texts: [list(jieba.cut(t)) for t in texts]
    if name == "thulac":
        import thulac
        seg = thulac.thulac(seg_only=True)
        return lambda texts: [[w for w, _ in seg.cut(t)] for t in texts]
    if name == "pkuseg":
        import pkuseg
        seg = pkuseg.pkuseg()
        return lambda texts: [seg.cut(t) for t in texts]
    if name == "hanlp-tok":
        import hanlp
        import torch
        torch.set_num_threads(1)  # same single thread as the other tools
        tok = hanlp.load(str(models_dir / "tok"), devices=-1, verbose=False)
        return lambda texts: tok.predict(texts, batch_size=64)
    if name == "hanlp-pipeline":
        from annotators.hanlp_layer import load_models
        models = load_models(models_dir)
        # the whole layer (segmentation + POS + NER); the words are what is compared
        return lambda texts: [a[0] for a in models.analyse(texts)]
    if name in ("annotate", "annotate-2t"):
        from annotators import annotate
        fast = annotate.load_fast_models(models_dir, precision="bf16", batch_size=64,
                                         threads=2 if name == "annotate-2t" else 1)

        def run(texts: List[str]) -> List[List[str]]:
            # what `nmg-corpus annotate --format conllu` does between reading and writing
            result = annotate.annotate_text("\n".join(texts), fast)
            annotate.render(result, "conllu")
            words: List[List[str]] = [[] for _ in texts]
            for record in result.records:
                words[record["line"] - 1].extend(record["tokens"])
            return words
        return run
    raise ValueError(f"unknown tool {name!r}; known: {', '.join(TOOLS)}")


def worker(name: str, models_dir: Path, corpora: Path, out: Path) -> None:
    """Runs one tool in this process and writes its segmentations, timings and peak RSS to ``out``."""
    t0 = time.time()
    seg = load_tool(name, models_dir)
    load_s = time.time() - t0
    texts, _ = report_texts()
    seg(texts[:5])  # warm-up: lazy initialisation is load time, not throughput
    t0, c0 = time.perf_counter(), time.process_time()
    report = seg(texts)
    report_s, report_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    gold = hd.read_segmented(hd.CorpusPaths(corpora).pku_test_gold)
    t0, c0 = time.perf_counter(), time.process_time()
    pku = seg(["".join(g) for g in gold])
    pku_s, pku_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from importlib.metadata import version
    out.write_text(json.dumps({"tool": name, "version": version(PACKAGES[name]), "load_s": load_s, "report_s": report_s,
                               "report_cpu_s": report_cpu_s, "pku_s": pku_s, "pku_cpu_s": pku_cpu_s,
                               "peak_rss_mb": rss_mb, "report": report, "pku": pku}, ensure_ascii=False),
                   encoding="utf-8")


def _comparable(texts: List[str], segs: List[List[str]]) -> List[int]:
    """Indices where the words join back to the input (some tools drop or change characters)."""
    return [i for i, (t, s) in enumerate(zip(texts, segs)) if "".join(s) == t]


def _spread(values: List[float]) -> Tuple[float, float, float]:
    """Median, lowest and highest of the values."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return median, ordered[0], ordered[-1]


def run(tools: List[str], models_dir: Path, corpora: Path, rounds: int = 1) -> Dict[str, object]:
    """Benchmarks each tool in a subprocess, ``rounds`` times interleaved; returns the summary table (medians,
    with the range over the rounds) and pairwise agreement."""
    texts, source = report_texts()
    n_chars = sum(map(len, texts))
    gold = hd.read_segmented(hd.CorpusPaths(corpora).pku_test_gold)
    vocab = hd.read_word_list(hd.CorpusPaths(corpora).pku_words, normalize=True)
    pku_chars = sum(len(t) for g in gold for t in g)
    results: Dict[str, dict] = {}
    timings: Dict[str, List[dict]] = {}
    skipped: Dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(1, rounds + 1):
            for name in tools:
                if name in skipped:
                    continue
                out = Path(tmp) / f"{name}.json"
                out.unlink(missing_ok=True)
                proc = subprocess.run([sys.executable, __file__, "--worker", name, "--worker-out", str(out),
                                       "--models-dir", str(models_dir), "--corpora", str(corpora)],
                                      capture_output=True, text=True)
                if proc.returncode != 0 or not out.exists():
                    last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                    skipped[name] = last
                    print(f"skip {name}: {last}", file=sys.stderr)
                    continue
                r = json.loads(out.read_text(encoding="utf-8"))
                print(f"round {round_no} {name}: {pku_chars / r['pku_s']:,.0f} chars/s on the PKU test "
                      f"({pku_chars / r['pku_cpu_s']:,.0f} per CPU second)", file=sys.stderr, flush=True)
                timings.setdefault(name, []).append({k: r[k] for k in ("load_s", "report_s", "report_cpu_s", "pku_s",
                                                                      "pku_cpu_s", "peak_rss_mb")})
                if name in results and (r["report"] != results[name]["report"] or r["pku"] != results[name]["pku"]):
                    raise RuntimeError(f"{name} segmented differently in round {round_no}")
                results[name] = r
    table = {}
    for name, r in results.items():
        ok = _comparable(["".join(g) for g in gold], r["pku"])
        s = scoring.segmentation_scores([gold[i] for i in ok], [r["pku"][i] for i in ok], vocab)
        t = timings[name]
        rate = {key: _spread([chars / x[f"{key}_s"] for x in t]) for key, chars in (("report", n_chars),
                                                                                  ("pku", pku_chars))}
        cpu = {key: _spread([chars / x[f"{key}_cpu_s"] for x in t]) for key, chars in (("report", n_chars),
                                                                                     ("pku", pku_chars))}
        table[name] = {"version": r["version"], "output": OUTPUTS.get(name, "words"),
                       "chars_per_s": round(rate["report"][0]), "pku_test_chars_per_s": round(rate["pku"][0]),
                       "pku_test_chars_per_s_range": [round(rate["pku"][1]), round(rate["pku"][2])],
                       "pku_test_chars_per_cpu_s": round(cpu["pku"][0]), "rounds": len(t),
                       "load_s": round(_spread([x["load_s"] for x in t])[0], 1),
                       "peak_rss_mb": round(max(x["peak_rss_mb"] for x in t)),
                       "pku_f1": s["f1"], "pku_oov_recall_nfkc": s["oov_recall"],
                       "pku_sentences_scored": len(ok), "report_words": sum(map(len, r["report"]))}
    agreement = {}
    for a, b in combinations(results, 2):
        ok = sorted(set(_comparable(texts, results[a]["report"])) & set(_comparable(texts, results[b]["report"])))
        s = scoring.segmentation_scores([results[a]["report"][i] for i in ok], [results[b]["report"][i] for i in ok])
        agreement[f"{a} vs {b}"] = s["f1"]
    return {"report_source": source, "report_sentences": len(texts), "report_chars": n_chars, "pku_test_chars": pku_chars,
            "rounds": rounds, "tools": table, "agreement_f1_on_report": agreement, "skipped": skipped}


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--models-dir", type=Path, default=REPO / "models")
    p.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--rounds", type=int, default=1, help="run every tool this many times, interleaved; report the "
                                                         "median and the range (default: 1)")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--worker-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.models_dir, args.corpora, args.worker_out)
        return 0
    if not hd.CorpusPaths(args.corpora).pku_test_gold.exists():
        print(f"error: corpora not found under {args.corpora}", file=sys.stderr)
        return 1
    if args.rounds < 1:
        print("error: --rounds must be at least 1", file=sys.stderr)
        return 1
    res = run([t.strip() for t in args.tools.split(",") if t.strip()], args.models_dir, args.corpora, args.rounds)
    print(f"report: {res['report_source']}, {res['report_sentences']} sentences, {res['report_chars']} chars; "
          f"PKU test {res['pku_test_chars']} chars; {res['rounds']} round(s), medians")
    print(f"{'tool':16} {'chars/s':>9} {'PKU c/s':>9} {'PKU range':>17} {'PKU c/cpu-s':>11} {'load s':>7} "
          f"{'peak MB':>8} {'PKU F1':>7} {'OOV R':>6} {'scored':>7}")
    for name, r in res["tools"].items():
        low, high = r["pku_test_chars_per_s_range"]
        print(f"{name:16} {r['chars_per_s']:>9} {r['pku_test_chars_per_s']:>9} {f'{low}-{high}':>17} "
              f"{r['pku_test_chars_per_cpu_s']:>11} {r['load_s']:>7} {r['peak_rss_mb']:>8} {r['pku_f1']:>7} "
              f"{r['pku_oov_recall_nfkc']:>6} {r['pku_sentences_scored']:>7}")
    print("pairwise agreement F1 on the report:")
    for pair, f1 in res["agreement_f1_on_report"].items():
        print(f"  {pair}: {f1}")
    for name, why in res["skipped"].items():
        print(f"skipped {name}: {why}")
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
