"""Tables of the models card, rendered from models/metrics.json so that no score is typed by hand.

`scripts/evaluate_models.py --tables` prints them; README.md and models/README.md contain them
verbatim, and a test fails if a document and metrics.json disagree.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Sequence

LABELS = ("PER", "LOC", "ORG")

#: (set, metrics key) of the entity evaluation sets, in the card's order
NER_SETS = (("People's Daily NER example.test", "ner_pd_ner_test"), ("MSRA test part", "ner_msra_test"),
            ("People's Daily NER example.dev", "ner_pd_ner_dev"))

#: (training set vs evaluation set, metrics key) of the overlap table
OVERLAP_ROWS = (("199801 train vs 199801 held-out lines", "pd98_train_vs_pd98_heldout"),
                ("199801 train vs SIGHAN 2005 PKU test", "pd98_train_vs_pku_test"),
                ("199801 train vs UD GSDSimp test", "pd98_train_vs_ud_test"),
                ("MSRA train vs People's Daily NER test", "ner_train_vs_pd_ner_test"),
                ("MSRA train vs People's Daily NER dev", "ner_train_vs_pd_ner_dev"),
                ("MSRA train vs MSRA test", "ner_train_vs_msra_test"))


def read_json(path: Path) -> Any:
    """Takes a JSON file's path; returns its content. Bad JSON is a ValueError naming the file and line."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None


def table(header: Sequence[str], rows: List[Sequence[Any]]) -> str:
    """Takes a header and rows; returns a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _slash(d: Dict[str, Any], keys: Sequence[str]) -> str:
    return " / ".join(f"{d[k]:.2f}" for k in keys)


def scores_table(m: Dict[str, Any]) -> str:
    """Takes metrics.json's content; returns the card's table of every held-out score."""
    seg = m["seg_pku_test"]["model"]
    exact = m["seg_pku_test"]["oov_exact_lookup"]
    pos = m["pos_pd98_heldout"]
    joint = m["joint_pd98_heldout"]
    ud = m["ud_gsdsimp_test"]
    rows = [
        ["SIGHAN 2005 PKU test", "word P / R / F1", f"{_slash(seg, ('precision', 'recall'))} / **{seg['f1']:.2f}**"],
        ["", "OOV rate / OOV recall / IV recall (NFKC lookup)", _slash(seg, ("oov_rate", "oov_recall", "iv_recall"))],
        ["", "OOV rate / OOV recall / IV recall (exact lookup)", _slash(exact, ("oov_rate", "oov_recall", "iv_recall"))],
    ]
    if "model+train_dict_combine" in m["seg_pku_test"]:
        rows.append(["", "with the 199801-train dictionary combined (not shipped) P / R / F1",
                     _slash(m["seg_pku_test"]["model+train_dict_combine"], ("precision", "recall", "f1"))])
    rows += [
        ["199801 last 1,000 lines, gold segmentation", "POS accuracy (known / unknown words)",
         f"**{pos['accuracy']:.2f}** ({pos['known_accuracy']:.2f} / {pos['unknown_accuracy']:.2f}, "
         f"{pos['unknown_tokens']:,} unknown of {pos['tokens']:,})"],
        ["199801 last 1,000 lines, raw text through the pipeline", "seg F1 / seg+POS F1",
         f"{joint['seg']['f1']:.2f} / {joint['seg+pos']['f1']:.2f}"],
    ]
    for name, key in NER_SETS:
        ner = m[key]
        rows.append([name, "strict span F1 PER / LOC / ORG / overall",
                     " / ".join(f"{ner[label]['f1']:.2f}" for label in LABELS) + f" / **{ner['overall']['f1']:.2f}**"])
    rows.append(["UD Chinese GSDSimp test (cross-standard)", "seg F1 / UPOS accuracy on gold tokens",
                 f"{ud['seg']['f1']:.2f} / {ud['upos_on_gold_tokens']['accuracy']:.2f}"])
    return table(["set", "measure", "value"], rows)


def ner_detail_table(m: Dict[str, Any]) -> str:
    """Takes metrics.json's content; returns precision, recall and F1 per label of every entity set."""
    rows = []
    for name, key in NER_SETS:
        for label in LABELS + ("overall",):
            s = m[key][label]
            rows.append([name if label == "PER" else "", label, _slash(s, ("precision", "recall", "f1")),
                         f"{s['gold']:,}", f"{s['pred']:,}"])
    return table(["set", "label", "P / R / F1", "gold", "predicted"], rows)


def overlap_table(m: Dict[str, Any]) -> str:
    """Takes metrics.json's content; returns the overlap left between training and evaluation sets."""
    rows = []
    for name, key in OVERLAP_ROWS:
        o = m["overlap"][key]
        rows.append([name, f"{o['eval_sentences']:,}", o["exact"], o["shares_20_chars"]])
    return table(["training data (as trained on) vs evaluation set", "eval sentences", "identical",
                  "sharing 20 chars"], rows)


def removal_table(m: Dict[str, Any]) -> str:
    """Takes metrics.json's content; returns what the overlap removal took out of each training set."""
    rows = []
    for name, key in (("199801 train (tokenizer, tagger)", "pd98_training_selection"),
                      ("MSRA train (recognizer)", "ner_training_selection")):
        sel = m["overlap"][key]
        per_set = ", ".join(f"{k[len('removed_for_'):]} {v:,}" for k, v in sel.items() if k.startswith("removed_for_"))
        rows.append([name, f"{sel['training_before']:,}", f"{sel['removed']:,}", per_set, f"{sel['kept']:,}"])
    return table(["training set", "sentences before", "removed", "removed because of (a sentence may count twice)",
                  "kept"], rows)


def files_table(m: Dict[str, Any], repo: Path) -> str:
    """Takes metrics.json's content and the repository root; returns every shipped file with its size
    on disk and the sha256 that metrics.json was measured on, and the total."""
    rows, total = [], 0
    for component in ("tok", "pos", "ner"):
        entry = m["models"][component]
        for name, digest in entry["sha256"].items():
            size = (repo / entry["path"] / name).stat().st_size
            total += size
            rows.append([f"`{entry['path']}/{name}`", f"{size:,}", f"`{digest}`"])
    rows.append(["total", f"{total:,}", ""])
    return table(["file", "bytes", "sha256"], rows)


def training_table(repo: Path) -> str:
    """Takes the repository root; returns each shipped model's settings and training run, read from
    its ``train_info.json`` (written by the training script)."""
    rows = []
    for component in ("tok", "pos", "ner"):
        info = read_json(repo / "models" / component / "train_info.json")
        a, history = info["args"], info["history"]
        best = max(history, key=lambda h: h["dev"])
        lrs = sorted({h["lr"] for h in history}, reverse=True)
        rows.append([f"`{component}`", a["hidden"], a["lr"], a["batch_size"], a["drop"],
                     f"{len(history)} / {best['epoch']} (cap {a['epochs']}, patience {a['patience']})",
                     " ".join(f"{h['dev'] * 100:.2f}" for h in history),
                     " → ".join(f"{lr:g}" for lr in lrs)
                     + f" (×{a.get('anneal_factor', '0.5')}, anneal patience {a.get('anneal_patience', '2')})",
                     f"{info['train_minutes']:.1f}"])
    return table(["model", "hidden", "lr", "batch", "dropout", "epochs run / best", "dev score by epoch",
                  "lr after each epoch", "minutes"], rows)


def tuning_table(repo: Path) -> str:
    """Takes the repository root; returns the learning-rate and size screening of ``models/tuning/``."""
    rows = []
    for component in ("tok", "pos", "ner"):
        path = repo / "models" / "tuning" / f"{component}.json"
        if not path.exists():
            continue
        report = read_json(path)
        best = max(report["points"], key=lambda r: r["best_dev"])
        for r in report["points"]:
            rows.append([f"`{component}`" if r is report["points"][0] else "",
                         f"{report['subset']:,} samples, {report['epochs']} epochs" if r is report["points"][0] else "",
                         f"{r['lr']:g}", r["hidden"],
                         " ".join(f"{d * 100:.2f}" for d in r["dev_by_epoch"]) + (" (best)" if r is best else ""),
                         f"{r['seconds']:.0f}"])
    return table(["model", "screening run", "lr", "hidden", "dev score by epoch", "seconds"], rows)


def speed_table(repo: Path) -> str:
    """Takes the repository root; returns the segmenter benchmark of ``models/benchmark.json``
    (written by ``scripts/benchmark_segmenters.py --json``)."""
    bench = read_json(repo / "models" / "benchmark.json")
    if any("output" in r for r in bench["tools"].values()):
        # the benchmark with `annotate`, several rounds and CPU time (issue 18): median, range, CPU figure
        rows = [[name, r["output"], r["version"], f"{r['chars_per_s']:,}",
                 f"{r['pku_test_chars_per_s']:,} ({r['pku_test_chars_per_s_range'][0]:,}–"
                 f"{r['pku_test_chars_per_s_range'][1]:,})", f"{r['pku_test_chars_per_cpu_s']:,}", r["peak_rss_mb"],
                 f"{r['pku_f1']:.2f}", f"{r['pku_oov_recall_nfkc']:.2f}"] for name, r in bench["tools"].items()]
        header = ["tool", "output", "version", "chars/s on the report", f"chars/s on PKU test (median of "
                  f"{bench['rounds']}, range)", "PKU test chars per CPU second", "peak RSS MB", "PKU test F1",
                  "OOV recall (NFKC)"]
    else:
        rows = [[name, r["version"], f"{r['chars_per_s']:,}", f"{r['pku_test_chars_per_s']:,}", r["peak_rss_mb"],
                 f"{r['pku_f1']:.2f}", f"{r['pku_oov_recall_nfkc']:.2f}"] for name, r in bench["tools"].items()]
        header = ["tool", "version", "chars/s on the report", "chars/s on PKU test", "peak RSS MB", "PKU test F1",
                  "OOV recall (NFKC)"]
    lines = [table(header, rows), "",
             f"Segmentation agreement (word F1) of each pair on the report ({bench['report_sentences']} "
             f"sentences, {bench['report_chars']:,} characters):", ""]
    names = list(bench["tools"])
    agree = bench["agreement_f1_on_report"]
    grid = [[a] + ["–" if a == b else f"{agree.get(f'{a} vs {b}', agree.get(f'{b} vs {a}')):.2f}" for b in names]
            for a in names]
    lines.append(table([""] + names, grid))
    if bench["skipped"]:
        lines += ["", "Not measured: " + "; ".join(f"{k} ({v})" for k, v in bench["skipped"].items())]
    return "\n".join(lines)


#: what each variant of scripts/benchmark_annotate.py adds to the one before it
ANNOTATE_STEPS = {
    "hanlp-autograd": "HanLP `predict` for the three components (the build's path before issue 18)",
    "hanlp": "+ `torch.inference_mode` (the build's path now)",
    "exact": "+ `annotate`'s engine: numpy look-ups, length batches, vectorised Viterbi, split output layer",
    "fp32": "+ padded one-direction LSTMs on oneDNN (float32)",
    "int8-dynamic": "`exact` with qint8 dynamic quantization of the LSTMs (not kept)",
    "bf16": "`fp32` with bfloat16 LSTMs (`annotate`'s default on AVX-512)",
    "bf16-2t": "`bf16` on two worker threads",
}


def annotate_speed_table(repo: Path) -> str:
    """Takes the repository root; returns each inference variant's speed and news scores side by side
    (``models/annotate_benchmark.json``, written by ``scripts/benchmark_annotate.py --json``)."""
    bench = read_json(repo / "models" / "annotate_benchmark.json")
    scores = bench.get("scores", {})
    rows = []
    steps = list(ANNOTATE_STEPS)
    # in the order of the steps, each building on the one before (the JSON file is key-sorted)
    for name, s in sorted(bench["speed"].items(), key=lambda kv: steps.index(kv[0]) if kv[0] in steps else len(steps)):
        w, c = s["chars_per_s_wall"], s["chars_per_cpu_s"]
        sc = scores.get(name if name != "bf16-2t" else "bf16")
        rows.append([f"`{name}`", ANNOTATE_STEPS.get(name, ""), f"{w[0]:,} ({w[1]:,}–{w[2]:,})", f"{c[0]:,}",
                     s["texts_differing_from_build"],
                     f"{sc['pku_seg_f1']:.2f}" if sc else "–", f"{sc['pos_accuracy']:.2f}" if sc else "–",
                     f"{sc['ner_f1']:.2f}" if sc else "–"])
    return table(["variant", "change", f"chars/s (median of {bench['rounds']}, range)", "chars per CPU second",
                  f"lines of {bench['texts']:,} analysed unlike the build", "PKU test seg F1",
                  "199801 held-out POS accuracy", "People's Daily NER test F1"], rows)


def card_tables(m: Dict[str, Any], repo: Path | None = None) -> Dict[str, str]:
    """Takes metrics.json's content (and the repository root, for the files table); returns every
    rendered table by name."""
    tables = {"scores": scores_table(m), "ner_detail": ner_detail_table(m), "overlap": overlap_table(m),
              "removal": removal_table(m)}
    if repo is not None:
        tables.update(files=files_table(m, repo), training=training_table(repo), tuning=tuning_table(repo),
                      speed=speed_table(repo))
        if (repo / "models" / "annotate_benchmark.json").exists():
            tables["annotate_speed"] = annotate_speed_table(repo)
        from .report_card import report_tables  # the report's cross-validation and models/gov/ (issue 18)
        tables.update(report_tables(m, repo))
    return tables


def render_into(text: str, tables: Dict[str, str], *, where: str = "<document>") -> str:
    """Takes a document with ``<!-- begin NAME -->`` ... ``<!-- end NAME -->`` blocks; returns it with
    each block's content replaced by the table NAME. An unknown or unclosed block is a ValueError."""
    out, pos = [], 0
    while True:
        start = text.find("<!-- begin ", pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        head_end = text.index("-->", start) + 3
        name = text[start + len("<!-- begin "):head_end - 3].strip()
        close = f"<!-- end {name} -->"
        end = text.find(close, head_end)
        if end < 0:
            raise ValueError(f"{where}: block {name!r} opened at offset {start} is never closed")
        if name not in tables:
            raise ValueError(f"{where}: unknown table {name!r} at offset {start}; known: {sorted(tables)}")
        out.append(text[pos:head_end] + "\n" + tables[name] + "\n")
        pos = end
        out.append(close)
        pos = end + len(close)
