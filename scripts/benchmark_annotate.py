"""Side by side: the speed and the scores of each way of running the project's three models (issue 18).

    python scripts/benchmark_annotate.py                       # speed, 3 rounds; scores too
    python scripts/benchmark_annotate.py --rounds 5 --json models/annotate_benchmark.json
    python scripts/benchmark_annotate.py --profile bf16          # where one variant's time goes (cProfile)

One process loads the shipped models once and runs every variant on the SIGHAN 2005 PKU test text
(1,944 lines, 172,733 characters, NFKC), the rounds interleaved so that a busy neighbour slows every
variant alike; it prints characters per second (wall and per CPU second; median and range) and how
many lines each variant analyses differently from the build's path. Then it scores each variant on
the news evaluation sets of ``scripts/evaluate_models.py`` (PKU test segmentation, POS on the held-out
199801 lines with gold words, People's Daily NER test), each stage alone as in metrics.json:

  hanlp-autograd   the build's path before issue 18: HanLP ``predict`` with autograd on
  hanlp            the build's path now (``hanlp_layer.analyse_with``: the same in inference mode)
  exact            ``annotate``'s engine (``annotators/hanlp_fast.py``): numpy look-ups, length batches,
                   vectorised Viterbi, split output layer; HanLP's packed LSTM kernel
  fp32             the same with padded one-direction LSTMs on oneDNN, float32
  int8-dynamic     ``exact`` with ``torch.ao.quantization.quantize_dynamic`` qint8 LSTMs (tried, not kept)
  bf16             ``fp32`` with bfloat16 LSTMs (``annotate``'s default where the CPU has AVX-512)
  bf16-2t          ``bf16`` on two worker threads (its CPU figure adds both threads)

Model loading is excluded; ``nmg-corpus annotate``'s own work around the engine (splitting, script
conversion, output) is measured by ``scripts/benchmark_segmenters.py`` (tools ``annotate``, ``annotate-2t``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from annotators import hanlp_data as hd  # noqa: E402
from annotators import scoring  # noqa: E402
from annotators.paths import default_corpora  # noqa: E402

VARIANTS = ("hanlp-autograd", "hanlp", "exact", "fp32", "int8-dynamic", "bf16", "bf16-2t")


class Engine:
    """One variant: whole-pipeline analysis, and each stage alone (for the scores)."""

    def __init__(self, analyse: Callable, segment: Callable, tag: Callable, recognize: Callable) -> None:
        self.analyse, self.segment, self.tag, self.recognize = analyse, segment, tag, recognize


def engines(models_dir: Path, names: Sequence[str]) -> Dict[str, Engine]:
    """Takes the models folder and variant names; returns each variant's engine (models loaded once)."""
    import torch
    from annotators.hanlp_fast import FastModels
    from annotators.hanlp_layer import _analyse, analyse_with, load_models
    models = load_models(models_dir, threads=1)
    torch.set_num_threads(1)
    tok, pos, ner = models.tok, models.pos, models.ner

    def hanlp_engine(analyse: Callable) -> Engine:
        return Engine(analyse, lambda t: tok.predict(t, batch_size=64), lambda w: pos.predict(w, batch_size=64),
                      lambda t: [[(lab, b, e) for _, lab, b, e in es]
                                 for es in ner.predict([list(x) for x in t], batch_size=64)])

    def fast_engine(precision: str, threads: int = 1, int8: bool = False) -> Engine:
        fast = FastModels.from_components(tok, pos, ner, precision=precision, threads=threads)
        if int8:
            for t in (fast.tok, fast.pos, fast.ner):
                t.lstm = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(t.lstm), {torch.nn.LSTM},
                                                                dtype=torch.qint8)[0]
        return Engine(fast.analyse, fast.segment, fast.tag, fast.recognize)

    make = {"hanlp-autograd": lambda: hanlp_engine(lambda t: _analyse(tok, pos, ner, t, 64)),
            "hanlp": lambda: hanlp_engine(lambda t: analyse_with(tok, pos, ner, t, 64)),
            "exact": lambda: fast_engine("exact"), "fp32": lambda: fast_engine("fp32"),
            "int8-dynamic": lambda: fast_engine("exact", int8=True), "bf16": lambda: fast_engine("bf16"),
            "bf16-2t": lambda: fast_engine("bf16", threads=2)}
    return {n: make[n]() for n in names}


def _spread(values: List[float]) -> List[int]:
    return [round(statistics.median(values)), round(min(values)), round(max(values))]


def speed(runs: Dict[str, Engine], texts: List[str], rounds: int) -> Dict[str, Any]:
    """Takes the engines, the texts and a round count; returns per variant characters per second (wall, CPU:
    median, low, high) and the number of texts analysed differently from the build's path (``hanlp``)."""
    n = sum(map(len, texts))
    for e in runs.values():
        e.analyse(texts[:20])  # warm-up: first calls allocate and pick kernels
    wall: Dict[str, List[float]] = {k: [] for k in runs}
    cpu: Dict[str, List[float]] = {k: [] for k in runs}
    outputs: Dict[str, list] = {}
    for r in range(rounds):
        for name, e in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            got = [(w, t, sorted(ents)) for w, t, ents in e.analyse(texts)]
            wall[name].append(n / (time.perf_counter() - t0))
            cpu[name].append(n / (time.process_time() - c0))
            if name in outputs and outputs[name] != got:
                raise RuntimeError(f"{name} analysed the text differently in round {r + 1}")
            outputs[name] = got
            print(f"round {r + 1} {name}: {wall[name][-1]:,.0f} chars/s wall, {cpu[name][-1]:,.0f} per CPU s",
                  file=sys.stderr, flush=True)
    reference = outputs.get("hanlp") or outputs.get("hanlp-autograd")
    return {name: {"chars_per_s_wall": _spread(wall[name]), "chars_per_cpu_s": _spread(cpu[name]),
                   "texts_differing_from_build": (sum(1 for a, b in zip(reference, outputs[name]) if a != b)
                                                  if reference is not None else None)}
            for name in runs}


def scores(runs: Dict[str, Engine], corpora: Path) -> Dict[str, Dict[str, float]]:
    """Takes the engines and the corpora folder; returns per variant the news scores of each stage alone."""
    from annotators.adapt import load_news  # the news test sets as scripts/evaluate_models.py reads them
    news = load_news(corpora, tests_only=True)
    pku_texts = ["".join(g) for g in news.pku_test]
    nfkc_vocab = hd.read_word_list(hd.CorpusPaths(corpora).pku_words, normalize=True)
    words = [[w for w, _ in s] for s in news.pd98_heldout]
    gold_tags = [[t for _, t in s] for s in news.pd98_heldout]
    ner_texts = ["".join(s["token"]) for s in news.pd_ner_test]
    gold_spans = [hd.bio_spans(s["tag"]) for s in news.pd_ner_test]
    out: Dict[str, Dict[str, float]] = {}
    for name, e in runs.items():
        if name == "bf16-2t":
            continue  # the same output as bf16 (checked by the speed run's comparison)
        seg = scoring.segmentation_scores(news.pku_test, e.segment(pku_texts), nfkc_vocab)
        tags = scoring.tag_accuracy(gold_tags, e.tag(words), words, news.train_vocab)
        ents = scoring.entity_scores(gold_spans, e.recognize(ner_texts))
        out[name] = {"pku_seg_f1": seg["f1"], "pku_oov_recall": seg["oov_recall"], "pos_accuracy": tags["accuracy"],
                     "pos_unknown_accuracy": tags["unknown_accuracy"], "ner_f1": ents["overall"]["f1"],
                     **{f"ner_{lab}_f1": ents[lab]["f1"] for lab in ("PER", "LOC", "ORG")}}
        print(f"{name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def profile(engine: Engine, texts: List[str], top: int) -> None:
    """Takes an engine, the texts and a count; prints the functions with the most time of their own (cProfile)."""
    import cProfile
    import pstats
    engine.analyse(texts[:20])
    prof = cProfile.Profile()
    prof.enable()
    engine.analyse(texts)
    prof.disable()
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    p.add_argument("--models-dir", type=Path, default=REPO / "models")
    p.add_argument("--corpora", type=Path, default=default_corpora(REPO))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--no-scores", action="store_true", help="speed only")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--profile", metavar="VARIANT", default=None,
                   help="instead of the benchmark: profile one variant on the text (cProfile, by own time)")
    p.add_argument("--top", type=int, default=15, help="--profile: how many functions to print")
    args = p.parse_args(argv)
    if args.profile:
        args.variants = args.profile
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown or not names:
        print(f"error: unknown variant(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(VARIANTS)}",
              file=sys.stderr)
        return 2
    if args.rounds < 1:
        print("error: --rounds must be at least 1", file=sys.stderr)
        return 2
    paths = hd.CorpusPaths(args.corpora)
    if not paths.pku_test_gold.exists():
        print(f"error: {paths.pku_test_gold}: not found (pass --corpora)", file=sys.stderr)
        return 1
    warnings.filterwarnings("ignore")  # torch's deprecation notice for quantize_dynamic, once per LSTM
    import torch
    texts = ["".join(g) for g in hd.read_segmented(paths.pku_test_gold)]
    runs = engines(args.models_dir, names)
    if args.profile:
        profile(runs[args.profile], texts, args.top)
        return 0
    result: Dict[str, Any] = {"text": "SIGHAN 2005 PKU test gold, one text a line, NFKC", "texts": len(texts),
                              "chars": sum(map(len, texts)), "rounds": args.rounds, "torch": torch.__version__,
                              "speed": speed(runs, texts, args.rounds)}
    if not args.no_scores:
        result["scores"] = scores(runs, args.corpora)
    print(f"{result['text']}: {result['texts']} texts, {result['chars']:,} characters; {args.rounds} rounds, "
          f"models loaded once; medians (range)")
    print(f"{'variant':15} {'chars/s wall':>26} {'chars per CPU s':>26} {'lines differing':>16}")
    for name, s in result["speed"].items():
        w, c = s["chars_per_s_wall"], s["chars_per_cpu_s"]
        print(f"{name:15} {f'{w[0]:,} ({w[1]:,}-{w[2]:,})':>26} {f'{c[0]:,} ({c[1]:,}-{c[2]:,})':>26} "
              f"{s['texts_differing_from_build']!s:>16}")
    for name, s in result.get("scores", {}).items():
        print(f"{name:15} PKU seg F1 {s['pku_seg_f1']:.2f}  POS {s['pos_accuracy']:.2f} "
              f"(unknown {s['pos_unknown_accuracy']:.2f})  NER F1 {s['ner_f1']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
