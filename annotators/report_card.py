"""The models card's tables on the report: cross-validation, adaptation, the adapted set models/gov/.

Rendered from models/metrics.json (``report_cv``, ``gov_models``), the training records of
models/report_cv/runs/ and models/gov/*/train_info.json, so no figure is typed by hand.
:func:`annotators.model_card.card_tables` adds them when metrics.json has the entries.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

from .model_card import table

COMPONENTS = ("tok", "pos", "ner")
LABELS = ("PER", "LOC", "ORG")


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None


def _ms(mean: Mapping[str, Any], key: str) -> str:
    v = mean.get(key)
    return f"{v['mean']:.2f} ± {v['sd']:.2f}" if v else "–"


def _reading_order(name: str) -> Tuple[int, str, bool]:
    """Sort key of a variant or recipe name: news, then the adapted recipes as listed, each without and then with
    the dictionaries; unknown names last."""
    from .adapt import RECIPES
    order, recipe = list(RECIPES), name.split("+")[0]
    return (order.index(recipe) if recipe in order else len(order), recipe, "+" in name)


def variants(m: Mapping[str, Any]) -> List[Tuple[str, Mapping[str, Any]]]:
    """The cross-validated variants of metrics.json in reading order (:func:`_reading_order`)."""
    return sorted(m["report_cv"]["variants"].items(), key=lambda item: _reading_order(item[0]))


def runs(repo: Path) -> Dict[str, Any]:
    """Takes the repository root; returns the training records of models/report_cv/runs/ by recipe."""
    folder = repo / "models" / "report_cv" / "runs"
    return {p.stem: _read(p) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def folds_table(m: Mapping[str, Any]) -> str:
    """The folds: paragraphs, sentences, characters, reviewed sentences, words and entities."""
    cv = m["report_cv"]
    rows = [[s["fold"], len(s["paragraphs"]), s["sentences"], f"{s['characters']:,}", s["gold_sentences"],
             f"{s['gold_words']:,}", s["gold_entities"]] for s in cv["folds"]["summary"]]
    return table(["fold", "paragraphs", "sentences", "characters", "reviewed sentences", "gold words",
                  "gold entities"], rows)


def cv_table(m: Mapping[str, Any]) -> str:
    """Every variant's mean ± standard deviation over the held-out folds."""
    rows = []
    for name, v in variants(m):
        mean = v["mean"]
        rows.append([f"`{name}`", _ms(mean, "segmentation/f1"), _ms(mean, "segmentation/oov_recall"),
                     _ms(mean, "tags_on_words_segmented_alike/accuracy"),
                     _ms(mean, "tags_on_words_segmented_alike/unknown_accuracy"), _ms(mean, "joint_seg_tag/f1"),
                     _ms(mean, "entities/overall/f1")])
    return table(["variant", "seg F1", "OOV recall", "tag accuracy", "unknown-word tag accuracy", "seg+tag F1",
                  "entity F1"], rows)


def detail_table(m: Mapping[str, Any]) -> str:
    """Every variant pooled over the report (each sentence predicted by its fold's model): segmentation
    P/R, OOV recall both ways, tag accuracy on known words, entity P/R/F1 per label."""
    rows = []
    for name, v in variants(m):
        p = v["pooled"]
        seg, tags, ents = p["segmentation"], p["tags_on_words_segmented_alike"], p["entities"]
        rows.append([f"`{name}`", f"{seg['precision']:.2f} / {seg['recall']:.2f} / {seg['f1']:.2f}",
                     f"{seg['oov_recall']:.2f} ({seg['oov_words']:,}) / {seg['oov_recall_unseen_in_training_folds']:.2f}"
                     f" ({seg['unseen_in_training_folds_words']:,})",
                     f"{tags['known_accuracy']:.2f} / {tags['unknown_accuracy']:.2f}",
                     " / ".join(f"{ents[lab]['f1']:.2f}" if lab in ents else "–" for lab in LABELS + ("overall",)),
                     f"{ents['overall']['precision']:.2f} / {ents['overall']['recall']:.2f}"])
    return table(["variant", "seg P / R / F1", "OOV recall (words): not in 1998 / not in 1998 nor the training folds",
                  "tag accuracy known / unknown words", "entity F1 PER / LOC / ORG / overall",
                  "entity P / R overall"], rows)


def fold_table(m: Mapping[str, Any]) -> str:
    """Each variant fold by fold: seg F1, tag accuracy, entity F1."""
    rows = []
    for name, v in variants(m):
        rows.append([f"`{name}`"] + [f"{f['segmentation']['f1']:.2f} / {f['tags_on_words_segmented_alike']['accuracy']:.2f}"
                                     f" / {f['entities']['overall']['f1']:.2f}" for f in v["folds"]])
    k = len(next(iter(m["report_cv"]["variants"].values()))["folds"])
    return table(["variant (seg F1 / tag accuracy / entity F1)"] + [f"fold {i}" for i in range(k)], rows)


def news_table(m: Mapping[str, Any], repo: Path) -> str:
    """The fold models of each recipe on the news test sets (mean and worst over folds), against the shipped
    models; the figures come from the training records (the fold models are not shipped)."""
    shipped = {"seg_pku_test_f1": m["seg_pku_test"]["model"]["f1"],
               "pos_pd98_heldout_accuracy": m["pos_pd98_heldout"]["accuracy"],
               "ner_pd_ner_test_f1": m["ner_pd_ner_test"]["overall"]["f1"]}
    rows = [["shipped models (`models/`)"] + [f"{shipped[k]:.2f}" for k in shipped] + ["–"]]
    for name, run in sorted(runs(repo).items(), key=lambda item: _reading_order(item[0])):
        summary = run.get("news_test_summary") or {}
        if not summary or name == "news":
            # the news recipe trains nothing: its only new figure is the dictionary column
            if summary:
                d = summary["seg_pku_test_f1_with_report_dict"]
                rows[0][-1] = f"{d['mean']:.2f} (each fold's dictionary)"
            continue
        cells = []
        for k in shipped:
            s = summary[k]
            cells.append(f"{s['mean']:.2f} (worst {s['min']:.2f}; loss {shipped[k] - s['mean']:+.2f})")
        d = summary["seg_pku_test_f1_with_report_dict"]
        rows.append([f"`{name}` fold models"] + cells + [f"{d['mean']:.2f}"])
    return table(["models", "PKU test seg F1", "199801 held-out POS accuracy", "People's Daily NER test F1",
                  "PKU test seg F1 with the report dictionary"], rows)


def gov_news_table(m: Mapping[str, Any]) -> str:
    """models/gov/ on the news test sets, against the shipped models (loss: positive = worse)."""
    g = m["gov_models"]
    shipped = {"seg_pku_test_f1": m["seg_pku_test"]["model"]["f1"],
               "pos_pd98_heldout_accuracy": m["pos_pd98_heldout"]["accuracy"],
               "ner_pd_ner_test_f1": m["ner_pd_ner_test"]["overall"]["f1"]}
    now = {"seg_pku_test_f1": g["news"]["seg_pku_test"]["f1"],
           "pos_pd98_heldout_accuracy": g["news"]["pos_pd98_heldout"]["accuracy"],
           "ner_pd_ner_test_f1": g["news"]["ner_pd_ner_test"]["overall"]["f1"]}
    names = {"seg_pku_test_f1": "SIGHAN 2005 PKU test, seg F1",
             "pos_pd98_heldout_accuracy": "199801 held-out lines, POS accuracy (gold words)",
             "ner_pd_ner_test_f1": "People's Daily NER test, entity F1"}
    rows = [[names[k], f"{shipped[k]:.2f}", f"{now[k]:.2f}", f"{g['loss_vs_shipped'][k]:+.2f}"] for k in names]
    return table(["news test set", "`models/` (news)", "`models/gov/`", "loss"], rows)


def gov_training_table(repo: Path) -> str:
    """How each component of models/gov/ was trained (its train_info.json)."""
    rows = []
    for c in COMPONENTS:
        info = _read(repo / "models" / "gov" / c / "train_info.json")
        s = info["settings"]
        added = ", ".join(f"{k} +{v:,}" for k, v in sorted(info["vocabulary_added"].items())) or "none"
        dev = {h["epoch"]: h["news_dev"] for h in info["history"]}.get(info["epochs"], info["news_dev_shipped"])
        rows.append([f"`{c}`", f"`{info['recipe']}` from `{info['started_from']}`", info["train_sentences"],
                     f"{info['epochs']} of {info['epochs_trained']} "
                     f"(folds chose {' '.join(str(e) for e in info['epochs_chosen_by_fold'])})",
                     f"{info['news_dev_shipped']:.2f} → {dev:.2f}", f"{s['lr']:g}", s["batch_size"], s["oversample"],
                     s["rehearsal"], added, f"{info['train_minutes']:.1f}"])
    return table(["model", "recipe", "report sentences", "epochs kept of trained", "news dev score shipped → kept",
                  "lr", "batch", "report repeats an epoch", "news sentences an epoch", "vocabulary added", "minutes"],
                 rows)


def gov_files_table(m: Mapping[str, Any], repo: Path) -> str:
    """models/gov/'s files with their size and the sha256 its scores were measured on."""
    rows, total = [], 0
    for c in COMPONENTS:
        entry = m["gov_models"]["models"][c]
        for name, digest in entry["sha256"].items():
            size = (repo / entry["path"] / name).stat().st_size
            total += size
            rows.append([f"`{entry['path']}/{name}`", f"{size:,}", f"`{digest}`"])
    for name, digest in m["gov_models"].get("dictionaries", {}).items():
        path = repo / "models" / "gov" / "dictionary" / name
        total += path.stat().st_size
        rows.append([f"`models/gov/dictionary/{name}`", f"{path.stat().st_size:,}", f"`{digest}`"])
    rows.append(["total", f"{total:,}", ""])
    return table(["file", "bytes", "sha256"], rows)


def predictions_table(m: Mapping[str, Any]) -> str:
    """The committed held-out predictions and their sha256."""
    rows = [[f"`{v['predictions']}`", v["made_by"], f"`{v['sha256']}`"] for _, v in variants(m)]
    return table(["predictions", "made by", "sha256"], rows)


def errors_table(m: Mapping[str, Any], variants: List[str]) -> str:
    """The pooled error classes of the given variants, with the most frequent examples."""
    rows = []
    for name in variants:
        e = m["report_cv"]["variants"][name]["pooled"]["errors"]
        for kind in ("over", "under", "crossing"):
            rows.append([f"`{name}`", f"segmentation: {kind}", e["segmentation"][kind]["count"],
                         "; ".join(e["segmentation"][kind]["examples"][:4])])
        for t in e["tags"][:4]:
            rows.append([f"`{name}`", f"tag {t['gold']} → {t['pred']}", t["count"], ", ".join(t["examples"][:4])])
        for kind in ("label", "extent", "spurious", "missed"):
            rows.append([f"`{name}`", f"entity: {kind}", e["entities"][kind]["count"],
                         "; ".join(e["entities"][kind]["examples"][:4])])
    return table(["variant", "error", "count", "most frequent"], rows)


#: the issue's targets: mean over the held-out folds, and the most an adapted set may lose on news
TARGETS = (("seg F1", "segmentation/f1", 96.0), ("tag accuracy", "tags_on_words_segmented_alike/accuracy", 95.0),
           ("entity F1", "entities/overall/f1", 85.0))
NEWS_LOSS_LIMIT = 0.5


def targets_table(m: Mapping[str, Any], repo: Path) -> str:
    """The targets against the news models and the variant models/gov/ was trained as (means over folds), and
    models/gov/'s loss on each news test set against the limit."""
    best = best_variant(m, repo)
    rows = []
    for label, key, target in TARGETS:
        cells = []
        for name in ("news", best):
            v = m["report_cv"]["variants"][name]["mean"][key]["mean"]
            cells.append(f"{v:.2f}")
        got = m["report_cv"]["variants"][best]["mean"][key]["mean"]
        rows.append([f"{label} on the report (mean of the folds)", f"≥ {target:g}", *cells,
                     "met" if got >= target else "**not met**"])
    if "gov_models" in m:
        for k, name in (("seg_pku_test_f1", "PKU test seg F1"), ("pos_pd98_heldout_accuracy", "199801 held-out POS"),
                        ("ner_pd_ner_test_f1", "People's Daily NER test F1")):
            loss = m["gov_models"]["loss_vs_shipped"][k]
            rows.append([f"loss of `models/gov/` on {name}", f"≤ {NEWS_LOSS_LIMIT:g}", "0.00", f"{loss:+.2f}",
                         "met" if loss <= NEWS_LOSS_LIMIT else "**not met**"])
    return table(["target", "asked", "`news`", f"`{best}`", "verdict"], rows)


def curve_table(repo: Path) -> str:
    """The learning curve of models/report_cv/learning_curve.json: per variant and share of the training folds,
    mean ± sd over seeds of the five-fold means."""
    curve = _read(repo / "models" / "report_cv" / "learning_curve.json")
    by: Dict[str, Dict[int, Dict[int, List[Mapping[str, Any]]]]] = {}
    for p in curve["points"]:
        by.setdefault(p["variant"], {}).setdefault(p["fraction"], {}).setdefault(p["seed"], []).append(p)
    rows = []
    for variant, fractions in by.items():
        for fraction, seeds in sorted(fractions.items()):
            cells = []
            for measure in ("seg_f1", "tag_accuracy", "joint_f1", "entity_f1"):
                means = [sum(p[measure] for p in ps) / len(ps) for ps in seeds.values()]
                mean = sum(means) / len(means)
                sd = (sum((x - mean) ** 2 for x in means) / (len(means) - 1)) ** 0.5 if len(means) > 1 else 0.0
                cells.append(f"{mean:.2f} ± {sd:.2f}")
            n = [p["train_sentences"] for ps in seeds.values() for p in ps]
            rows.append([f"`{variant}`", f"{fraction} %", f"{sum(n) / len(n):.0f}", len(seeds), *cells])
    return table(["variant", "training folds used", "report sentences (mean)", "seeds", "seg F1", "tag accuracy",
                  "seg+tag F1", "entity F1"], rows)


def best_variant(m: Mapping[str, Any], repo: Path) -> str:
    """The variant models/gov/ was trained as (its recipe), else the one with the best mean seg+tag F1."""
    info = repo / "models" / "gov" / "tok" / "train_info.json"
    variants = m["report_cv"]["variants"]
    if info.exists():
        info = _read(info)
        variant = info.get("variant", info["recipe"])
        if variant in variants:
            return variant
    return max(variants, key=lambda v: variants[v]["mean"]["joint_seg_tag/f1"]["mean"])


def report_tables(m: Mapping[str, Any], repo: Path) -> Dict[str, str]:
    """Takes metrics.json's content and the repository root; returns the report tables by name (none when
    metrics.json has no ``report_cv`` entry)."""
    out: Dict[str, str] = {}
    if "report_cv" in m:
        best = best_variant(m, repo)
        out.update(report_folds=folds_table(m), report_cv=cv_table(m), report_cv_detail=detail_table(m),
                   report_cv_folds=fold_table(m), report_news=news_table(m, repo),
                   report_predictions=predictions_table(m),
                   report_errors=errors_table(m, ["news"] + ([best] if best != "news" else [])),
                   report_targets=targets_table(m, repo))
        if (repo / "models" / "report_cv" / "learning_curve.json").exists():
            out["report_curve"] = curve_table(repo)
    if "gov_models" in m:
        out.update(gov_news=gov_news_table(m), gov_training=gov_training_table(repo),
                   gov_files=gov_files_table(m, repo))
    return out
