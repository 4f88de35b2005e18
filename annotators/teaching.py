"""Helpers for the teaching notebooks and their tests: finding the corpus, Chinese plots, spans, scores.

Everything here works on in-memory objects or paths passed in; nothing depends on the working
directory except the default starting point of :func:`corpus_dir`, :func:`start_notebook` and
:func:`models_dir` (the checkout a notebook runs in), which is the point of them.
"""
from __future__ import annotations

import io
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Tuple

#: the smallest CJK font Debian ships (package fonts-wqy-microhei, 1.6 MB)
CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
#: where a corpus folder sits inside the repository
CORPUS_REL = Path("corpus") / "hf"
#: environment variable that overrides the corpus location (e.g. a downloaded copy)
CORPUS_ENV = "NMG_CORPUS_HF"
#: environment variable naming a folder where :func:`show_figure` also saves each PNG
PLOT_DIR_ENV = "NMG_PLOT_DIR"

Span = Tuple[int, int]
LabelledSpan = Tuple[int, int, str]


class TeachingError(RuntimeError):
    """A problem with the environment the notebooks run in (missing font, corpus not found)."""


def corpus_dir(start: Optional[Path] = None) -> Path:
    """Takes a folder to start from (default: the working directory); returns the absolute ``corpus/hf``.

    Looks in ``$NMG_CORPUS_HF`` first, then in the nmg-corpus checkout that contains ``start``
    (:func:`annotators.paths.repository_root`). Never falls back to the folder this module was
    installed from: with an editable install that is another checkout, whose data would be read
    without a word. Raises :class:`TeachingError` naming the places tried and the two ways out.
    """
    from .paths import CheckoutNotFound, repository_root

    env = os.environ.get(CORPUS_ENV)
    if env:
        p = Path(env).expanduser().resolve()
        if (p / "README.md").is_file():
            return p
        raise TeachingError(f"${CORPUS_ENV}={env} has no README.md; unset it or point it at a corpus/hf folder")
    try:
        root = repository_root(start)
    except CheckoutNotFound as err:
        raise TeachingError(f"{err.message}. Start Jupyter (or the script) inside the checkout, "
                            f"or set ${CORPUS_ENV} to a corpus/hf folder") from None
    candidate = root / CORPUS_REL
    if not (candidate / "README.md").is_file():
        raise TeachingError(f"{candidate}/README.md not found in the checkout {root}: build the dataset "
                            f"with `make corpus`, or set ${CORPUS_ENV} to a corpus/hf folder")
    return candidate


def start_notebook(start: Optional[Path] = None, font: bool = True) -> Path:
    """The one setup call of every notebook. Takes the folder to search from (default: the working
    directory, which Jupyter sets to the notebook's folder); returns the absolute ``corpus/hf``.

    Prints where the corpus is, makes a missing CJK glyph an error (boxes instead of Chinese),
    registers the CJK font (``font=True``) and silences progress bars. Raises :class:`TeachingError`
    when no corpus is found (see :func:`corpus_dir`).
    """
    # boxes instead of Chinese must be an error, not a warning scrolled past
    warnings.filterwarnings("error", message=r".*Glyph .* missing from")
    warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm without ipywidgets
    corpus = corpus_dir(start)
    if font:
        setup_cjk_font()
    try:
        from datasets import disable_progress_bars
        disable_progress_bars()
    except ImportError:  # datasets is a core dependency; a notebook without it fails at load_dataset anyway
        pass
    print("corpus:", corpus)
    return corpus


def models_dir(start: Optional[Path] = None) -> Path:
    """Takes a folder to start from; returns the ``models/`` folder of the checkout that contains it.
    Raises :class:`TeachingError` when there is no checkout or no models folder."""
    from .paths import CheckoutNotFound, repository_root

    try:
        root = repository_root(start)
    except CheckoutNotFound as err:
        raise TeachingError(f"{err.message}; the project's models live in the checkout's models/ folder") from None
    folder = root / "models"
    if not (folder / "tok").is_dir():
        raise TeachingError(f"{folder}/tok not found: the checkout {root} has no trained models")
    return folder


#: prefix of the columns that hold HanLP's own (silver) word layer beside the reviewed one
SILVER_PREFIX = "hanlp_"
#: the word-layer columns, reviewed (gold) without prefix, HanLP's with :data:`SILVER_PREFIX`
WORD_LAYER = ("tokens", "token_starts", "token_ends", "pos_tags", "upos", "ner_tags")


def has_reviewed_words(features: Any) -> bool:
    """Takes the ``default`` config's features; True when the word layer is reviewed (gold), which the
    dataset shows by publishing HanLP's output beside it as ``hanlp_*`` columns. Older releases have
    only HanLP's layer, in the unprefixed columns."""
    return all(SILVER_PREFIX + c in features for c in WORD_LAYER)


def word_layer(row: dict, silver: bool = False) -> dict:
    """Takes a ``default`` row; returns its word layer as a dict with the unprefixed keys (``tokens``,
    ``token_starts``, ...): the reviewed one, or HanLP's with ``silver=True``. On a release without
    ``hanlp_*`` columns both are the same (HanLP's). Raises KeyError naming a missing column."""
    prefix = SILVER_PREFIX if silver and SILVER_PREFIX + "tokens" in row else ""
    return {c: row[prefix + c] for c in WORD_LAYER}


def word_spans(layer: dict) -> list[Span]:
    """Takes a word layer (see :func:`word_layer`); returns the words as (start, end) character spans."""
    return list(zip(layer["token_starts"], layer["token_ends"]))


def entity_spans(layer: dict, ner_names: Sequence[str]) -> list[LabelledSpan]:
    """Takes a word layer and the ``ner_tags`` label names; returns its entities as (start, end, label)
    character spans (BIO over words mapped through the word offsets)."""
    tags = [ner_names[t] for t in layer["ner_tags"]]
    return [(layer["token_starts"][s], layer["token_ends"][e - 1], lab) for s, e, lab in bio_to_spans(tags)]


def setup_cjk_font(font_path: Path = CJK_FONT_PATH) -> str:
    """Takes a CJK font file; registers it with matplotlib and makes it the default sans-serif.

    Returns the font's family name. Raises :class:`TeachingError` naming the Debian package when the
    file is missing, because matplotlib would otherwise draw empty boxes with only a warning.
    """
    import matplotlib
    from matplotlib import font_manager

    font_path = Path(font_path)
    if not font_path.is_file():
        raise TeachingError(f"CJK font {font_path} not found: install it with "
                            f"`sudo apt-get install {CJK_FONT_PACKAGE}` (Debian/Ubuntu package {CJK_FONT_PACKAGE})")
    font_manager.fontManager.addfont(str(font_path))
    family = font_manager.FontProperties(fname=str(font_path)).get_name()
    rc = matplotlib.rcParams
    rc["font.family"] = "sans-serif"
    rc["font.sans-serif"] = [family] + [f for f in rc["font.sans-serif"] if f != family]
    # the CJK font's minus sign is fine, but DejaVu's unicode minus avoids a box in some fonts
    rc["axes.unicode_minus"] = False
    return family


def figure_png(fig: Any) -> bytes:
    """Takes a matplotlib figure; returns its PNG bytes, raising if any glyph is missing from the fonts."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # a missing glyph means boxes instead of Chinese: make it an error, not a warning
        warnings.filterwarnings("error", message=r".*Glyph .* missing from")
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def show_figure(fig: Any, name: str) -> None:
    """Takes a figure and a file stem; displays it as a PNG in the notebook and closes it.

    When ``$NMG_PLOT_DIR`` is set the PNG is also written there as ``<name>.png`` (for review).
    """
    import matplotlib.pyplot as plt

    png = figure_png(fig)
    plt.close(fig)
    out = os.environ.get(PLOT_DIR_ENV)
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / f"{name}.png").write_bytes(png)
    try:
        from IPython.display import Image, display
    except ImportError:  # plain Python: saving is all we can do
        return
    display(Image(data=png, format="png"))


def token_spans(text: str, tokens: Sequence[str]) -> list[Span]:
    """Takes a text and its tokens in order; returns each token's (start, end) character offsets.

    Tolerates segmenters that drop characters (e.g. whitespace) by searching forward; raises
    ValueError naming the first token that cannot be found in order.
    """
    spans: list[Span] = []
    pos = 0
    for tok in tokens:
        if not tok:
            continue
        i = text.find(tok, pos)
        if i < 0:
            raise ValueError(f"token {tok!r} not found in text after offset {pos}: {text[pos:pos + 20]!r}...")
        spans.append((i, i + len(tok)))
        pos = i + len(tok)
    return spans


def prf(gold: Iterable[Any], pred: Iterable[Any]) -> Tuple[float, float, float]:
    """Takes two collections of hashable items (spans); returns (precision, recall, F1) of exact matches."""
    g, p = set(gold), set(pred)
    tp = len(g & p)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bio_to_spans(tags: Sequence[str]) -> list[LabelledSpan]:
    """Takes IOB2 tags; returns (start, end, label) spans, end exclusive. A stray ``I-`` opens a span."""
    spans: list[LabelledSpan] = []
    start, label = -1, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        inside = tag.startswith("I-") and tag[2:] == label and start >= 0
        if start >= 0 and not inside:
            spans.append((start, i, label))
            start, label = -1, ""
        if tag.startswith("B-") or (tag.startswith("I-") and start < 0):
            start, label = i, tag[2:]
    return spans


def displacy_html(text: str, spans: Iterable[LabelledSpan], title: Optional[str] = None,
                  colors: Optional[dict] = None) -> str:
    """Takes a text and (start, end, label) character spans; returns displaCy's entity HTML (escaped)."""
    from spacy import displacy

    ents = [{"start": s, "end": e, "label": lab} for s, e, lab in sorted(spans)]
    data = {"text": text, "ents": ents, "title": title}
    options = {"colors": colors} if colors else {}
    return displacy.render(data, style="ent", manual=True, jupyter=False, options=options)


def displacy_words_html(words: Sequence[str], tags: Sequence[str]) -> str:
    """Takes words and one tag per word; returns displaCy's word view (each word with its tag under it)."""
    from spacy import displacy

    data = {"words": [{"text": w, "tag": t} for w, t in zip(words, tags)], "arcs": []}
    return displacy.render(data, style="dep", manual=True, jupyter=False,
                           options={"distance": 90, "compact": True, "word_spacing": 25})


def tag_sentence(text: str, models: Any = None) -> dict:
    """Takes any sentence (traditional or simplified) and loaded project models (default: load them
    from the checkout's ``models/``); returns ``{"text", "tokens", "pos_tags", "upos", "entities",
    "numeric"}`` with entities and numeric entities as (start, end, label) character spans of ``text``.

    The models run on the simplified text, as in the corpus build; when the conversion changes the
    length (rare phrase conversions) the analysis is of the simplified text, which is then returned.
    """
    from .hanlp_layer import annotate_sentences, load_models
    from .numeric import propose
    from .simplify import to_simplified

    if not text.strip():
        raise ValueError("the sentence is empty: type some Chinese text")
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        text = simplified
    if models is None:
        models = load_models(models_dir())
    record = annotate_sentences([{"id": "typed", "text_hash": "", "text": text, "text_simplified": simplified}],
                                models=models)[0]
    return {"text": text, "tokens": record["tokens"], "pos_tags": record["pos_tags"], "upos": record["upos"],
            "entities": [(e["start"], e["end"], e["label"]) for e in record["entities"]],
            "numeric": [(e["start"], e["end"], e["label"]) for e in propose({"text": text})]}


def run_notebook(path: Path, timeout: int = 120, cwd: Optional[Path] = None) -> Tuple[Any, float]:
    """Takes a notebook path; executes it with nbclient on this interpreter's kernel.

    Returns (executed notebook, seconds). The kernel always runs ``sys.executable`` (the venv's
    Python), whatever ``python3`` kernelspecs are installed elsewhere. Raises nbclient's
    CellExecutionError on the first failing cell.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    class _ThisPythonKernelManager(KernelManager):
        """A kernel manager whose spec is this interpreter, so notebooks see the same packages."""

        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3 (nmg-corpus)", language="python", resource_dir="")

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    km = _ThisPythonKernelManager()
    client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# Shared by scripts/train_crf.py and scripts/train_bilstm_crf.py: loading a tagging task, scoring it.

def load_tagging_data(data: Path, config: Optional[str], label_column: str) -> Tuple[Any, list[str]]:
    """Takes a Hub-style dataset folder, a config name (None: the folder's default) and a label column.

    Returns (DatasetDict, label names). Raises :class:`TeachingError` when the folder, a split, the
    ``tokens`` column or a ClassLabel sequence column is missing: training on integer ids without
    names would make the report unreadable.
    """
    from datasets import ClassLabel, load_dataset

    data = Path(data).expanduser().resolve()
    if not data.is_dir():
        raise TeachingError(f"dataset folder {data} does not exist")
    try:
        ds = load_dataset(str(data), config) if config else load_dataset(str(data))
    except ValueError as err:  # unknown config name: datasets lists the available ones
        raise TeachingError(f"cannot load {data} (config {config!r}): {err}") from err
    missing = [s for s in ("train", "validation", "test") if s not in ds]
    if missing:
        raise TeachingError(f"{data} has no split(s) {', '.join(missing)} (found: {', '.join(ds)})")
    feats = ds["train"].features
    if "tokens" not in feats:
        raise TeachingError(f"{data} has no 'tokens' column (columns: {', '.join(feats)})")
    feature = feats.get(label_column)
    inner = getattr(feature, "feature", None)
    if not isinstance(inner, ClassLabel):
        raise TeachingError(f"column {label_column!r} of {data} is not a sequence of ClassLabel "
                            f"(columns: {', '.join(feats)}; found {feature!r})")
    return ds, list(inner.names)


def is_bio(names: Sequence[str]) -> bool:
    """Takes label names; True when they form a BIO scheme (``O``, ``B-X``, ``I-X``) to score by spans."""
    return any(n.startswith("B-") for n in names) and all(n == "O" or n[:2] in ("B-", "I-") for n in names)


def seqeval_scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Takes gold and predicted IOB2 sequences; returns strict span-level micro P/R/F1 and a per-label table.

    Uses seqeval's strict mode (``mode="strict", scheme=IOB2``): a span counts only with exact
    boundaries and label, as in CoNLL; the default lenient mode would accept ill-formed I- starts.
    """
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    kw = dict(mode="strict", scheme=IOB2, zero_division=0)
    if not any(bio_to_spans(s) for s in [*gold, *pred]):
        # seqeval's report crashes on an empty label set (e.g. a release with no PER/LOC/ORG at all)
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "per_label": {},
                "report": "no entities in the gold labels or the predictions: nothing to score"}
    table = classification_report(gold, pred, output_dict=True, **kw)
    return {
        "precision": float(precision_score(gold, pred, **kw)),
        "recall": float(recall_score(gold, pred, **kw)),
        "f1": float(f1_score(gold, pred, **kw)),
        "per_label": {k: {m: float(v) for m, v in row.items()} for k, row in table.items()},
        "report": classification_report(gold, pred, digits=3, **kw),
    }


def token_scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Takes gold and predicted tag sequences; returns token accuracy and per-tag P/R/F1/support."""
    from collections import Counter

    pairs = [(g, p) for gs, ps in zip(gold, pred) for g, p in zip(gs, ps)]
    correct = sum(g == p for g, p in pairs)
    n_gold, n_pred = Counter(g for g, _ in pairs), Counter(p for _, p in pairs)
    n_ok = Counter(g for g, p in pairs if g == p)
    per_tag = {}
    for tag in sorted(set(n_gold) | set(n_pred)):
        p = n_ok[tag] / n_pred[tag] if n_pred[tag] else 0.0
        r = n_ok[tag] / n_gold[tag] if n_gold[tag] else 0.0
        per_tag[tag] = {"precision": p, "recall": r, "f1-score": 2 * p * r / (p + r) if p + r else 0.0,
                        "support": n_gold[tag]}
    lines = [f"{'tag':>10} {'precision':>9} {'recall':>9} {'f1-score':>9} {'support':>8}"]
    for tag, row in sorted(per_tag.items(), key=lambda kv: -kv[1]["support"]):
        lines.append(f"{tag:>10} {row['precision']:9.3f} {row['recall']:9.3f} {row['f1-score']:9.3f} {row['support']:8d}")
    accuracy = correct / len(pairs) if pairs else 0.0
    lines.append(f"\n{'accuracy':>10} {accuracy:9.4f} {len(pairs):>28d}")
    return {"accuracy": accuracy, "tokens": len(pairs), "per_label": per_tag, "report": "\n".join(lines)}


def report_and_save(run: Any, out: Path, heading: Any) -> int:
    """Shared tail of the training scripts: call `run()`, print `heading(result)` and the test
    report, write the result JSON to `out`. Returns the exit code (2 on a TeachingError)."""
    import json

    try:
        result = run()
    except TeachingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(heading(result))
    print(result["test_report"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0
