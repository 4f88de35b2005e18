"""Cross-validate the word-layer models on the report and adapt them to it (issue 18).

    python scripts/adapt_models.py list                      # the recipes and their settings
    python scripts/adapt_models.py cv finetune               # 5 folds: train, predict the held-out fold
    python scripts/adapt_models.py curve finetune            # learning curve (0/25/50/100 % of the training folds)
    python scripts/adapt_models.py final finetune            # train on every reviewed sentence -> models/gov/

`cv RECIPE` writes, for the recipe and the recipe with HanLP's dictionary combination (`RECIPE+dict`),
one held-out prediction per reviewed sentence to models/report_cv/predictions/ and the training record
(epochs chosen per fold on an inner split, news test scores of every fold model) to
models/report_cv/runs/RECIPE.json. Each finished fold is kept in --work-dir, so an interrupted run resumes.
`scripts/evaluate_models.py` then scores the predictions into models/metrics.json (and `--check`
re-scores them in CI without training). Training runs on CPU with --threads torch threads.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from annotators import adapt  # noqa: E402
from annotators import hanlp_data as hd  # noqa: E402
from annotators import report_cv as rc  # noqa: E402
from annotators.paths import default_corpora  # noqa: E402

CV_DIR = REPO / "models" / "report_cv"
GOV_DIR = REPO / "models" / "gov"


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _gold_sha(path: Path) -> str:
    return rc.sha256_bytes(path.read_bytes())


def _prediction_json(p: rc.Prediction) -> Dict[str, Any]:
    return {"id": p.id, "words": list(p.words), "tags": list(p.tags), "entities": [list(e) for e in p.entities]}


def _prediction_from_json(d: Dict[str, Any]) -> rc.Prediction:
    return rc.Prediction(d["id"], tuple(d["words"]), tuple(d["tags"]), tuple(tuple(e) for e in d["entities"]))


class Context:
    """Inputs shared by the commands: the report, the gold, the folds, the news data (read once, lazily)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sentences = rc.read_jsonl(args.sentences)
        self.gold = rc.load_gold(args.gold, self.sentences)
        self.gold_sha = _gold_sha(args.gold)
        self.folds = rc.assign_folds(self.sentences)
        self._news: Optional[adapt.NewsData] = None
        self._news_dev_base: Dict[str, float] = {}

    @property
    def news(self) -> adapt.NewsData:
        if self._news is None:
            t0 = time.time()
            self._news = adapt.load_news(self.args.corpora)
            print(f"news data read in {time.time() - t0:.0f} s", flush=True)
        return self._news

    def news_dev_base(self, name: str) -> float:
        if name not in self._news_dev_base:
            comp = adapt.load_component(self.args.models_dir / name, self.args.threads)
            self._news_dev_base[name] = adapt.news_dev_score(name, comp, self.news)
        return self._news_dev_base[name]


def run_fold(ctx: Context, recipe: adapt.Recipe, fold: int) -> Dict[str, Any]:
    """Trains the recipe's components for one fold (epochs chosen on an inner split) and predicts the held-out
    fold with and without the dictionary combination; returns the fold's record with its predictions."""
    k = max(ctx.folds.values()) + 1
    train, test = rc.split_by_fold(ctx.gold, ctx.folds, fold)
    inner_fold = (fold + 1) % k
    inner_train = [g for g in train if ctx.folds[g.paragraph] != inner_fold]
    inner_dev = [g for g in train if ctx.folds[g.paragraph] == inner_fold]
    record: Dict[str, Any] = {"fold": fold, "train_sentences": len(train), "test_sentences": len(test),
                              "inner_dev_fold": inner_fold, "components": {}}
    comps = {}
    for name in adapt.COMPONENTS:
        t0 = time.time()
        if recipe.settings is None:
            comps[name] = adapt.load_component(ctx.args.models_dir / name, ctx.args.threads)
            continue
        settings = recipe.settings[name]
        epochs, inner = adapt.choose_epochs(name, ctx.args.models_dir, settings, inner_train, inner_dev, ctx.news,
                                            ctx.news_dev_base(name), ctx.args.threads)
        comp, history, added = adapt.train_component(name, ctx.args.models_dir, settings, train, ctx.news, epochs,
                                                     ctx.args.threads)
        comps[name] = comp
        record["components"][name] = {"chosen_epochs": epochs, "inner_history": inner, "history": history,
                                      "vocabulary_added": added, "seconds": round(time.time() - t0, 1)}
        print(f"  fold {fold} {name}: {epochs} epochs chosen on fold {inner_fold}, "
              f"{time.time() - t0:.0f} s", flush=True)
    dictionaries = adapt.fold_dictionaries(train)
    trie = dictionaries.trie
    plain = adapt.predict(comps["tok"], comps["pos"], comps["ner"], test)
    combined = adapt.predict(comps["tok"], comps["pos"], comps["ner"], test, dictionaries)
    record["predictions"] = {recipe.name: [_prediction_json(p) for p in plain],
                             f"{recipe.name}+dict": [_prediction_json(p) for p in combined]}
    if not ctx.args.no_news:
        t0 = time.time()
        record["news_test"] = adapt.news_test_scores(comps["tok"], comps["pos"], comps["ner"], ctx.news)
        record["news_test_dict_seg"] = adapt.seg_f1(comps["tok"], ctx.news.pku_test, trie=trie)
        print(f"  fold {fold}: news test sets scored in {time.time() - t0:.0f} s", flush=True)
    return record


def _summary(records: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Means over folds of the news test figures the targets name."""
    if any("news_test" not in r for r in records):
        return {}
    figs = {"seg_pku_test_f1": [r["news_test"]["seg_pku_test"]["f1"] for r in records],
            "seg_pku_test_f1_with_report_dict": [r["news_test_dict_seg"]["f1"] for r in records],
            "pos_pd98_heldout_accuracy": [r["news_test"]["pos_pd98_heldout"]["accuracy"] for r in records],
            "ner_pd_ner_test_f1": [r["news_test"]["ner_pd_ner_test"]["overall"]["f1"] for r in records]}
    return {k: {"by_fold": v, "mean": round(statistics.fmean(v), 2), "min": min(v)} for k, v in figs.items()}


def _recipe(ctx: Context) -> adapt.Recipe:
    """The recipe named on the command line, with --max-epochs applied (smoke runs)."""
    recipe = adapt.RECIPES[ctx.args.recipe]
    if ctx.args.max_epochs and recipe.settings:
        recipe = adapt.dataclasses.replace(recipe, settings={
            c: adapt.dataclasses.replace(s, epochs=min(s.epochs, ctx.args.max_epochs)) for c, s in recipe.settings.items()})
    return recipe


def cmd_cv(ctx: Context) -> int:
    recipe = _recipe(ctx)
    work = ctx.args.work_dir / "cv" / recipe.name
    k = max(ctx.folds.values()) + 1
    records = []
    t_all = time.time()
    for fold in ctx.args.folds if ctx.args.folds else range(k):
        cache = work / f"fold{fold}.json"
        if cache.exists():
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if cached.get("gold_sha256") == ctx.gold_sha and cached.get("recipe") == recipe.name:
                print(f"fold {fold}: kept from {cache}", flush=True)
                records.append(cached)
                continue
        print(f"fold {fold}: training {recipe.name}", flush=True)
        t0 = time.time()
        rec = run_fold(ctx, recipe, fold)
        rec.update(gold_sha256=ctx.gold_sha, recipe=recipe.name, seconds=round(time.time() - t0, 1))
        _dump(cache, rec)
        records.append(rec)
    if len(records) < k:
        print(f"{len(records)} of {k} folds done (--folds); nothing shipped yet")
        return 0
    records.sort(key=lambda r: r["fold"])
    written, headlines = {}, {}
    for variant in (recipe.name, f"{recipe.name}+dict"):
        preds = {d["id"]: _prediction_from_json(d) for r in records for d in r["predictions"][variant]}
        ordered = [preds[g.id] for g in ctx.gold]
        path = ctx.args.out_dir / "predictions" / f"{variant}.jsonl"
        written[variant] = rc.write_predictions(path, ordered, ctx.gold, ctx.folds)
        headlines[variant] = rc.headline(rc.cross_validation_scores(ctx.gold, ordered, ctx.folds, ctx.news.train_vocab))
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    run = {"recipe": recipe.name, "description": recipe.description,
           "settings": {c: s.as_dict() for c, s in (recipe.settings or {}).items()},
           "news_dev_margin": adapt.NEWS_DEV_MARGIN, "gold_sha256": ctx.gold_sha,
           "predictions_sha256": written, "news_test_summary": _summary(records),
           "folds": [{k2: v for k2, v in r.items() if k2 != "predictions"} for r in records]}
    _dump(ctx.args.out_dir / "runs" / f"{recipe.name}.json", run)
    for variant, figures in headlines.items():
        print(f"{variant}: {figures}")
    print(f"{time.time() - t_all:.0f} s")
    return 0


def cmd_list(_: argparse.Namespace) -> int:
    for r in adapt.RECIPES.values():
        print(f"{r.name}: {r.description}")
        for c, s in (r.settings or {}).items():
            print(f"  {c}: {s.as_dict()}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=("list", "cv", "curve", "final"))
    p.add_argument("recipe", nargs="?", choices=sorted(adapt.RECIPES))
    p.add_argument("--gold", type=Path, default=REPO / "corpus" / "annotations" / "words.jsonl",
                   help="the reviewed word layer (default corpus/annotations/words.jsonl)")
    p.add_argument("--sentences", type=Path, default=REPO / "corpus" / "interim" / "sentences.jsonl")
    p.add_argument("--corpora", type=Path, default=default_corpora(REPO))
    p.add_argument("--models-dir", type=Path, default=REPO / "models", help="the shipped news-trained models")
    p.add_argument("--out-dir", type=Path, default=CV_DIR, help="where predictions and run records go")
    p.add_argument("--gov-dir", type=Path, default=GOV_DIR, help="where `final` writes the adapted models")
    p.add_argument("--work-dir", type=Path, default=REPO / "work-data" / "adapt")
    p.add_argument("--folds", type=int, nargs="*", help="only these folds (the rest are kept or left to later)")
    p.add_argument("--no-news", action="store_true", help="skip the news test sets (faster; nothing shipped)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-epochs", type=int, default=0, help="cap every recipe's epochs (smoke runs)")
    p.add_argument("--dictionaries", action="store_true",
                   help="final: also ship the words and entities of every reviewed sentence (variant RECIPE+dict)")
    p.add_argument("--fractions", type=int, nargs="+", default=[0, 25, 50, 100], help="curve: percentages")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="curve: seeds")
    args = p.parse_args(argv)
    if args.command == "list":
        return cmd_list(args)
    if args.recipe is None:
        p.error(f"{args.command} needs a recipe: {', '.join(adapt.RECIPES)}")
    try:
        ctx = Context(args)
    except (rc.ReportCVError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        return {"cv": cmd_cv, "curve": cmd_curve, "final": cmd_final}[args.command](ctx)
    except (FileNotFoundError, rc.ReportCVError, hd.DataFormatError) as e:  # a corpus file missing or malformed
        print(f"error: {e}", file=sys.stderr)
        return 1


def _chosen_epochs(ctx: Context, recipe: adapt.Recipe) -> Dict[str, List[int]]:
    """The epochs chosen per fold in the recipe's cross-validation run (which must be on this gold)."""
    path = ctx.args.out_dir / "runs" / f"{recipe.name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: run `python scripts/adapt_models.py cv {recipe.name}` first")
    run = json.loads(path.read_text(encoding="utf-8"))
    if run["gold_sha256"] != ctx.gold_sha:
        raise ValueError(f"{path} was made on another version of the gold; run `cv {recipe.name}` again")
    return {c: [f["components"][c]["chosen_epochs"] for f in run["folds"]] for c in adapt.COMPONENTS}


def _curve_point(test: List[rc.GoldSentence], preds: List[rc.Prediction], part: List[rc.GoldSentence],
                 vocab: set) -> Dict[str, float]:
    """The figures a learning-curve point records for one held-out fold."""
    s = rc.score_sentences(test, preds, vocab, {w for g in part for w in g.words})
    return {"seg_f1": s["segmentation"]["f1"], "oov_recall": s["segmentation"]["oov_recall"],
            "tag_accuracy": s["tags_on_words_segmented_alike"]["accuracy"], "joint_f1": s["joint_seg_tag"]["f1"],
            "entity_f1": s["entities"]["overall"]["f1"]}


def cmd_curve(ctx: Context) -> int:
    """Learning curve: each fold's models trained on a seeded share of its training paragraphs (the epochs
    its cross-validation run chose), scored on the held-out fold with and without that share's dictionaries;
    0 % is the shipped models."""
    recipe = _recipe(ctx)
    if recipe.settings is None:
        print("error: the news recipe trains nothing", file=sys.stderr)
        return 1
    try:
        chosen = _chosen_epochs(ctx, recipe)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    work = ctx.args.work_dir / "curve" / recipe.name
    k = max(ctx.folds.values()) + 1
    # at 100 % with the recipe's own seed the models are the cross-validation run's: reuse its predictions
    cv_preds = {}
    for variant in (recipe.name, f"{recipe.name}+dict"):
        path = ctx.args.out_dir / "predictions" / f"{variant}.jsonl"
        cv_preds[variant] = {p.id: p for p in rc.read_predictions(path, ctx.gold, ctx.folds)}
    points = []
    for fraction in ctx.args.fractions:
        for seed in ctx.args.seeds if fraction else ctx.args.seeds[:1]:
            for fold in range(k):
                cache = work / f"f{fraction}-s{seed}-fold{fold}.json"
                if cache.exists():
                    cached = json.loads(cache.read_text(encoding="utf-8"))
                    if cached[0].get("gold_sha256") == ctx.gold_sha:
                        points.extend(cached)
                        continue
                t0 = time.time()
                train, test = rc.split_by_fold(ctx.gold, ctx.folds, fold)
                part = rc.subsample_paragraphs(train, fraction / 100, seed)
                if fraction >= 100 and all(seed == recipe.settings[c].seed for c in adapt.COMPONENTS):
                    preds = {v: [cv_preds[v][g.id] for g in test] for v in cv_preds}
                else:
                    comps = {}
                    for name in adapt.COMPONENTS:
                        epochs = chosen[name][fold] if part else 0
                        settings = adapt.dataclasses.replace(recipe.settings[name], seed=seed)
                        comps[name], _, _ = adapt.train_component(name, ctx.args.models_dir, settings, part, ctx.news,
                                                                  epochs, ctx.args.threads)
                    dictionaries = adapt.fold_dictionaries(part)
                    preds = {recipe.name: adapt.predict(comps["tok"], comps["pos"], comps["ner"], test),
                             f"{recipe.name}+dict": adapt.predict(comps["tok"], comps["pos"], comps["ner"], test,
                                                                  dictionaries)}
                seconds = round(time.time() - t0, 1)
                made = [{"variant": v, "fraction": fraction, "seed": seed, "fold": fold, "train_sentences": len(part),
                         "train_characters": sum(len(g.norm) for g in part),
                         **_curve_point(test, ps, part, ctx.news.train_vocab),
                         "gold_sha256": ctx.gold_sha, "seconds": seconds} for v, ps in preds.items()]
                _dump(cache, made)
                points.extend(made)
                print(f"{fraction} % seed {seed} fold {fold}: " + "; ".join(
                    f"{p['variant']} seg {p['seg_f1']} tags {p['tag_accuracy']} entities {p['entity_f1']}" for p in made)
                    + f" ({seconds:.0f} s)", flush=True)
    out = {"recipe": recipe.name, "description": recipe.description, "gold_sha256": ctx.gold_sha,
           "fractions": ctx.args.fractions, "seeds": ctx.args.seeds,
           "epochs": "per fold and component, as chosen in the recipe's cross-validation run",
           "dictionaries": f"{recipe.name}+dict: the words and entities of the same share of the training folds",
           "points": [{k2: v for k2, v in p.items() if k2 not in ("gold_sha256", "seconds")} for p in points]}
    _dump(ctx.args.out_dir / "learning_curve.json", out)
    print(f"wrote {ctx.args.out_dir / 'learning_curve.json'}: {len(points)} points")
    return 0


def cmd_final(ctx: Context) -> int:
    """Trains the recipe on every reviewed sentence for the median of the epochs the folds chose, keeps the last
    epoch whose news dev score is within the margin (the folds' rule), and writes the components to --gov-dir,
    float16, each with a train_info.json."""
    recipe = _recipe(ctx)
    if recipe.settings is None:
        print("error: the news recipe trains nothing; the shipped models are models/", file=sys.stderr)
        return 1
    try:
        chosen = _chosen_epochs(ctx, recipe)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    stale = ctx.args.gov_dir / adapt.DICTIONARY_DIR
    if stale.exists() and not ctx.args.dictionaries:
        # dictionaries of an earlier set beside new models would be used with them without a word
        print(f"error: {stale} exists: pass --dictionaries to rewrite it, or remove it", file=sys.stderr)
        return 1
    for name in adapt.COMPONENTS:
        t0 = time.time()
        epochs = int(statistics.median_low(chosen[name]))
        settings = recipe.settings[name]
        base = ctx.news_dev_base(name)
        # more report sentences than any fold saw: the news dev rule of the folds' choice is applied again
        comp, history, added, kept = adapt.train_within_news_margin(name, ctx.args.models_dir, settings, ctx.gold,
                                                                    ctx.news, epochs, base, ctx.args.threads)
        folder = ctx.args.gov_dir / name
        adapt.save_component(comp, folder)
        info = {"recipe": recipe.name, "description": recipe.description, "settings": settings.as_dict(),
                "variant": recipe.name + ("+dict" if ctx.args.dictionaries else ""),
                "epochs": kept, "epochs_trained": epochs, "epochs_chosen_by_fold": chosen[name],
                "news_dev_shipped": base, "news_dev_margin": adapt.NEWS_DEV_MARGIN, "history": history,
                "vocabulary_added": added, "started_from": f"models/{name}", "gold_sha256": ctx.gold_sha,
                "train_sentences": len(ctx.gold), "train_minutes": round((time.time() - t0) / 60, 2)}
        _dump(folder / "train_info.json", info)
        print(f"{name}: {epochs} epochs on {len(ctx.gold)} sentences, epoch {kept} kept (news dev "
              f"{next((h['news_dev'] for h in history if h['epoch'] == kept), base)} vs {base} shipped) -> {folder} "
              f"({time.time() - t0:.0f} s)")
    if ctx.args.dictionaries:
        counts = adapt.save_dictionaries(ctx.args.gov_dir, ctx.gold)
        print(f"dictionaries of every reviewed sentence -> {ctx.args.gov_dir / adapt.DICTIONARY_DIR}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
