"""The teaching notebooks: committed without outputs, bilingual headings, exercises with solutions, and
each one executes top to bottom (nbclient, this venv's Python) without errors or missing Chinese glyphs."""
from __future__ import annotations

import io
import re
from pathlib import Path

import nbformat
import pytest

from annotators import teaching

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")
#: a notebook that takes longer than this on CPU has grown too heavy for a class
MAX_SECONDS = 120


def test_there_are_four_notebooks() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 4, names
    for stem in ("01_corpus_tour", "02_segmentation_and_pos", "03_named_and_numeric_entities", "04_train_a_tagger"):
        assert f"{stem}.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    assert headings and all(CJK.search(h) and re.search(r"[A-Za-z]{3}", h) for h in headings), headings
    sources = [c.source for c in nb.cells]
    exercises = [i for i, s in enumerate(sources) if "**Exercise" in s]
    assert exercises, f"{path.name} has no exercises"
    for i in exercises:
        assert "Solution" in sources[i + 1], f"{path.name}: exercise in cell {i} is not followed by a solution"
    assert "load_dataset(str(CORPUS)" in "".join(sources)


@pytest.fixture()
def notebook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh datasets cache (so the current Parquet is read) and a folder that collects the plots."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv(teaching.PLOT_DIR_ENV, str(tmp_path / "plots"))
    monkeypatch.delenv(teaching.CORPUS_ENV, raising=False)
    return tmp_path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, notebook_env: Path) -> None:
    nb, seconds = teaching.run_notebook(path, timeout=MAX_SECONDS)
    assert seconds < MAX_SECONDS
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} cell {i}: {out.get('ename')}: {out.get('evalue')}"
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Glyph" not in out["text"], f"{path.name} cell {i} draws a glyph the font lacks"
    for png in (notebook_env / "plots").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_notebook_runs_from_outside_the_checkout(notebook_env: Path) -> None:
    # the first cell must find the corpus without relying on the working directory
    nb, _ = teaching.run_notebook(REPO / "notebooks" / "01_corpus_tour.ipynb", timeout=MAX_SECONDS, cwd=notebook_env)
    assert any(str(REPO / "corpus" / "hf") in o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert len(list((notebook_env / "plots").glob("01_*.png"))) >= 3


def test_chinese_text_draws_without_missing_glyphs() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import warnings

    family = teaching.setup_cjk_font()
    assert family in matplotlib.rcParams["font.sans-serif"]
    fig, ax = plt.subplots()
    ax.set_title("內蒙古自治區政府工作報告 · 句子數")
    ax.bar(["數值實體", "命名實體"], [3, 4])
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning, the missing-glyph one included, fails the test
        fig.savefig(buf, format="png")
    plt.close(fig)
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_missing_glyph_is_an_error_without_the_cjk_font() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("語料")
        with pytest.raises(UserWarning, match="Glyph"):
            teaching.figure_png(fig)
        plt.close(fig)


def test_missing_font_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(teaching.TeachingError, match="fonts-wqy-microhei"):
        teaching.setup_cjk_font(tmp_path / "no-such-font.ttc")


def test_corpus_dir_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(teaching.CORPUS_ENV, raising=False)
    assert teaching.corpus_dir(REPO / "notebooks") == REPO / "corpus" / "hf"
    assert teaching.corpus_dir(tmp_path) == REPO / "corpus" / "hf"  # falls back on the module's own checkout
    monkeypatch.setenv(teaching.CORPUS_ENV, str(tmp_path))
    with pytest.raises(teaching.TeachingError, match="NMG_CORPUS_HF"):
        teaching.corpus_dir()


def test_span_helpers() -> None:
    assert teaching.bio_to_spans(["B-LOC", "I-LOC", "O", "I-ORG", "B-PER", "B-PER"]) == [
        (0, 2, "LOC"), (3, 4, "ORG"), (4, 5, "PER"), (5, 6, "PER")]
    assert teaching.token_spans("內蒙古 自治區", ["內蒙古", "自治區"]) == [(0, 3), (4, 7)]
    with pytest.raises(ValueError, match="not found"):
        teaching.token_spans("內蒙古", ["蒙古", "內"])
    assert teaching.prf({1, 2}, {2, 3}) == (0.5, 0.5, 0.5)
    html = teaching.displacy_html("<b>2024年</b>", [(3, 8, "DATE")])
    assert "&lt;b&gt;" in html and "DATE" in html
