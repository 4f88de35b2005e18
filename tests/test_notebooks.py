"""The teaching notebooks: generated from one source per notebook into a student and a solution version
that match their sources; committed without outputs; bilingual headings; objectives, prerequisites and
time up front; every exercise with a difficulty, a hint, a stub and a check. The student versions run top
to bottom with the stubs unfilled and every check says "not yet"; the solution versions pass every check.
Both execute (nbclient, this venv's Python) without errors or missing Chinese glyphs."""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from annotators import domain_shift_checks
from annotators import exercise_checks as checks
from annotators import notebook_build, teaching

REPO = Path(__file__).resolve().parent.parent
NB_DIR = REPO / "notebooks"
STEMS = sorted(p.name.split(".")[0] for p in (NB_DIR / "src").glob("*.nbsrc"))
STUDENT = [NB_DIR / f"{s}.ipynb" for s in STEMS]
SOLUTIONS = [NB_DIR / "solutions" / f"{s}.ipynb" for s in STEMS]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: a notebook that takes longer than this on a CI CPU has grown too heavy for a class (and for CI's budget)
MAX_SECONDS = 180
#: the longest a single cell may run
CELL_TIMEOUT = 150


def test_every_notebook_is_there_in_two_versions() -> None:
    for stem in ("01_corpus_tour", "02_segmentation_and_pos", "03_named_and_numeric_entities",
                 "04_train_a_tagger", "05_fine_tune_a_transformer", "06_domain_shift"):
        assert stem in STEMS, f"notebooks/src/{stem}.nbsrc missing"
    for path in STUDENT + SOLUTIONS:
        assert path.is_file(), f"{path} missing: run scripts/build_notebooks.py"


def test_committed_notebooks_match_their_sources() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_notebooks
    finally:
        sys.path.remove(str(REPO / "scripts"))
    assert build_notebooks.main(["--check"]) == 0, "a notebook differs from its source: run scripts/build_notebooks.py"


def test_generation_is_byte_identical() -> None:
    assert notebook_build.build_all(NB_DIR) == notebook_build.build_all(NB_DIR)


@pytest.mark.parametrize("text, message", [
    ("stray text\n%% markdown\n# t\n", "text before the first"),
    ("%% markdown\n# t\n%% widget\nx\n", "unknown cell kind 'widget'"),
    ("%% markdown\n# t\n%% hint\nh\n", "outside an exercise"),
    ("%% markdown\n# t\n%% exercise 09.1 easy\nq\n", "numbered 01.K"),
    ("%% markdown\n# t\n%% exercise 01.1 trivial\nq\n", "LEVEL one of"),
    ("%% markdown\n# t\n%% exercise 01.1 easy\nq\n%% hint\nh\n%% stub\ns\n%% solution\na\n", "0 `%% check` cells"),
    ("%% markdown\n# t\n%% exercise 01.1 easy\nq\n%% stub\ns\n%% solution\na\n%% check\nc\n", "no `%% hint`"),
])
def test_bad_source_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "01_x.nbsrc"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(notebook_build.SourceError, match=re.escape(message)) as err:
        notebook_build.parse_source(path)
    assert re.search(rf"{re.escape(str(path))}:\d+:", str(err.value))


def test_versions_split_the_cells(tmp_path: Path) -> None:
    path = tmp_path / "01_x.nbsrc"
    path.write_text("%% markdown\n# 標題 · Title\n%% exercise 01.1 hard\nQ?\n%% hint\nH\n%% stub\nanswer = ...\n"
                    "%% solution\nanswer = 1\n%% discussion\nD\n%% check\ncheck(answer)\n", encoding="utf-8")
    src = notebook_build.parse_source(path)
    student = nbformat.reads(notebook_build.build_notebook(src, solution=False), as_version=4)
    solution = nbformat.reads(notebook_build.build_notebook(src, solution=True), as_version=4)
    kinds = lambda nb: [c.metadata.get("tags", ["?"])[0] if c.metadata.get("tags") else c.cell_type for c in nb.cells]
    assert kinds(student) == ["markdown", "exercise", "hint", "stub", "check"]
    assert kinds(solution) == ["markdown", "exercise", "solution", "discussion", "check"]
    assert "answer = 1" not in "".join(c.source for c in student.cells)
    assert "answer = ..." not in "".join(c.source for c in solution.cells)
    assert "solutions/01_x.ipynb" in student.cells[0].source and "★★★" in student.cells[1].source


def _all_notebooks() -> list:
    return [pytest.param(p, id=f"{p.parent.name}/{p.stem}") for p in STUDENT + SOLUTIONS]


@pytest.mark.parametrize("path", _all_notebooks())
def test_committed_notebook_is_clean_and_complete(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {i} has outputs"
    sources = [c.source for c in nb.cells]
    text = "\n".join(sources)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    assert headings and all(CJK.search(h) and re.search(r"[A-Za-z]{3}", h) for h in headings), headings
    for part in ("學習目標 · Learning objectives", "先備知識 · Prerequisites", "預計時間 · Estimated time"):
        assert part in sources[0], f"{path.name}: the first cell lacks {part!r}"
    # the one import that finds the corpus; no hand-made repository search left
    assert "from annotators.teaching import start_notebook\n\nCORPUS = start_notebook()" in sources[1]
    assert "find_repo" not in text and "sys.path.insert" not in text
    assert "load_dataset(str(CORPUS)" in text
    solution = path.parent.name == "solutions"
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    exercises = sorted({t for ts in tags for t in ts if t.startswith("exercise-")})
    assert len(exercises) >= 3, f"{path.name} has {len(exercises)} exercises"
    for ex in exercises:
        kinds = [next(iter(ts - {ex})) for ts in tags if ex in ts]
        wanted = ["exercise", "solution", "check"] if solution else ["exercise", "hint", "stub", "check"]
        assert [k for k in kinds if k != "discussion"] == wanted, (path.name, ex, kinds)
        statement = next(c.source for c, ts in zip(nb.cells, tags) if ex in ts and "exercise" in ts)
        assert re.search(r"(★☆☆ 易 · easy|★★☆ 中 · medium|★★★ 難 · hard)", statement), statement[:80]
        check_cell = next(c.source for c, ts in zip(nb.cells, tags) if ex in ts and "check" in ts)
        assert f"check_{ex.split('-')[1].replace('.', '_')}(" in check_cell, check_cell


@pytest.fixture()
def notebook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh datasets cache (so the current Parquet is read) and a folder that collects the plots."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv(teaching.PLOT_DIR_ENV, str(tmp_path / "plots"))
    monkeypatch.delenv(teaching.CORPUS_ENV, raising=False)
    return tmp_path


def _execute(path: Path, plots: Path) -> tuple[Any, list[tuple[str, str]]]:
    """Runs a notebook; asserts no error, no missing glyph, valid PNGs and the time limit. Returns the
    notebook and (exercise, stdout) of every check cell."""
    nb, seconds = teaching.run_notebook(path, timeout=CELL_TIMEOUT)
    print(f"{path.relative_to(REPO)}: {seconds:.1f} s")
    assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.0f} s"
    found = []
    for i, cell in enumerate(nb.cells):
        outs = cell.get("outputs", [])
        for out in outs:
            assert out.get("output_type") != "error", f"{path.name} cell {i}: {out.get('ename')}: {out.get('evalue')}"
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Glyph" not in out["text"], f"{path.name} cell {i} draws a glyph the font lacks"
        if "check" in cell.metadata.get("tags", []):
            ex = next(t for t in cell.metadata["tags"] if t.startswith("exercise-"))
            found.append((ex, "".join(o.get("text", "") for o in outs if o.get("name") == "stdout")))
    for png in plots.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return nb, found


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_student_notebook_runs_and_every_check_says_not_yet(path: Path, notebook_env: Path) -> None:
    nb, found = _execute(path, notebook_env / "plots")
    assert found
    for ex, out in found:
        # a check that passed on the unfilled stub would teach nothing
        assert checks.NOT_YET in out and checks.PASS not in out, (ex, out)
    if path.stem.startswith("05"):
        # the offline transformer must learn something (the notebook raises otherwise): read the figures back
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        m = re.search(r"loss: ([\d.]+) over the first three logs, ([\d.]+) over the last three", text)
        assert m and float(m[2]) < float(m[1]) / 2, m and m.group(0)
        assert "BertTokenizerFast(vocab_file=...)" in text and "micro avg" in text


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_passes_every_check(path: Path, notebook_env: Path) -> None:
    _, found = _execute(path, notebook_env / "plots")
    assert found
    for ex, out in found:
        assert checks.PASS in out and checks.NOT_YET not in out, (ex, out)
    plots = {p.stem for p in (notebook_env / "plots").glob("*.png")}
    wanted = {"01": 4, "02": 2, "04": 1, "05": 1, "06": 2}.get(path.stem[:2], 0)
    assert len([p for p in plots if p.startswith(path.stem[:2])]) >= wanted, plots


def test_notebook_outside_a_checkout_fails_with_a_clear_message(notebook_env: Path) -> None:
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError) as err:
        teaching.run_notebook(NB_DIR / "01_corpus_tour.ipynb", timeout=CELL_TIMEOUT, cwd=notebook_env)
    message = str(err.value)
    assert "TeachingError" in message and "no nmg-corpus checkout" in message and teaching.CORPUS_ENV in message


def test_corpus_dir_never_falls_back_to_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(teaching.CORPUS_ENV, raising=False)
    assert teaching.corpus_dir(REPO / "notebooks" / "solutions") == REPO / "corpus" / "hf"
    with pytest.raises(teaching.TeachingError, match="no nmg-corpus checkout"):
        teaching.corpus_dir(tmp_path)  # the module's own checkout is not a fallback
    other = tmp_path / "copy"
    (other / "corpus").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "nmg-corpus"\n', encoding="utf-8")
    with pytest.raises(teaching.TeachingError, match="make corpus"):
        teaching.corpus_dir(other)  # a checkout without a built dataset says so
    monkeypatch.setenv(teaching.CORPUS_ENV, str(REPO / "corpus" / "hf"))
    assert teaching.corpus_dir(tmp_path) == REPO / "corpus" / "hf"
    monkeypatch.setenv(teaching.CORPUS_ENV, str(tmp_path))
    with pytest.raises(teaching.TeachingError, match="NMG_CORPUS_HF"):
        teaching.corpus_dir()


# --- the checks on their own: stubs and wrong answers never pass, and never raise -----------------

ROWS = [
    {"id": "s1", "paragraph": 1, "part": None, "text": "內蒙古自治區。", "tokens": ["內蒙古", "自治區", "。"],
     "token_starts": [0, 3, 6], "token_ends": [3, 6, 7], "upos": [1, 0, 2], "pos_tags": [0, 1, 2],
     "ner_tags": [1, 2, 0], "numeric_entities": []},
    {"id": "s2", "paragraph": 2, "part": "一、", "text": "呼和浩特", "tokens": ["呼和浩特"], "token_starts": [0],
     "token_ends": [4], "upos": [1], "pos_tags": [0], "ner_tags": [1], "numeric_entities": []},
]
NER = ["O", "B-LOC", "I-LOC"]


def _stub_function(*args: Any) -> None:
    ...


@pytest.mark.parametrize("name, args", [
    ("check_01_1", lambda stub: (stub, ROWS)),
    ("check_01_2", lambda stub: (stub, ROWS, ["NOUN", "PROPN", "PUNCT"])),
    ("check_01_3", lambda stub: (stub, ROWS, NER)),
    ("check_02_1", lambda stub: (stub, ROWS, ["ns", "n", "w"], {"ns": "PROPN"})),
    ("check_02_2", lambda stub: (stub, ROWS)),
    ("check_02_3", lambda stub: (stub, ROWS, ROWS)),
    ("check_03_1", lambda stub: (_stub_function, ROWS, lambda t: [])),
    ("check_03_2", lambda stub: (_stub_function, ROWS, lambda t: [])),
    ("check_03_3", lambda stub: (stub, ROWS, ["MONEY"], ["exact"])),
    ("check_04_1", lambda stub: ({0: [stub] * 5, 2: [stub] * 5}, (0, 2), 5, lambda w, k: 0.5)),
    ("check_04_2", lambda stub: ({0.5: [stub] * 3, 1.0: [stub] * 3}, (0.5, 1.0), (0, 1, 2), lambda idx: 0.5, 10)),
    ("check_04_3", lambda stub: ([(stub, stub)] * 5, None)),
    ("check_05_1", lambda stub: (stub, {}, ROWS, NER)),
    ("check_05_2", lambda stub: (_stub_function, NER)),
    ("check_05_3", lambda stub: (_stub_function, None, None, ["內蒙古"])),
    ("check_06_1", lambda stub: (_stub_function, [["我區", "加快"]], [["我", "區", "加快"]])),
    ("check_06_2", lambda stub: ({0: stub, 25: stub}, [{"fraction": f, "seed": 1, "fold": 0, "entity_f1": 50.0}
                                                     for f in (0, 25)], "entity_f1")),
    ("check_06_3", lambda stub: (stub, [["我區", "加快"]], [["我", "區", "加快"]], [["我區", "加快"]])),
])
@pytest.mark.parametrize("stub", [Ellipsis, None, (Ellipsis, Ellipsis)], ids=["ellipsis", "none", "tuple"])
def test_a_check_never_passes_a_stub(name: str, args: Any, stub: Any, capsys: pytest.CaptureFixture) -> None:
    module = domain_shift_checks if name.startswith("check_06") else checks  # notebook 06 has its own module
    assert not getattr(module, name)(*args(stub))
    out = capsys.readouterr().out
    assert out.startswith(checks.NOT_YET) and checks.PASS not in out, out


def test_checks_accept_right_answers_and_explain_wrong_ones(capsys: pytest.CaptureFixture) -> None:
    assert checks.check_01_1((1, 1), ROWS) or checks.check_01_1((2, 1), ROWS)
    assert not checks.check_01_1((3, 1), ROWS)
    assert checks.check_01_3({"LOC": 2}, ROWS, NER)
    assert not checks.check_01_3({"LOC": 3}, ROWS, NER)  # two B- and one I- tag: tags, not entities
    assert "B- and I- tags" in capsys.readouterr().out
    want = checks.expected_01_2(ROWS, ["NOUN", "PROPN", "PUNCT"])
    assert checks.check_01_2(want, ROWS, ["NOUN", "PROPN", "PUNCT"])
    as_percent = {p: (a, s * 100) for p, (a, s) in want.items()}
    assert not checks.check_01_2(as_percent, ROWS, ["NOUN", "PROPN", "PUNCT"])
    assert "not a percentage" in capsys.readouterr().out
    assert checks.check_05_1((0.0, 0.0), {c: 0 for r in ROWS for c in r["tokens"]}, ROWS, NER)
    assert not checks.check_05_1((1.0, 1.0), {c: 0 for r in ROWS for c in r["tokens"]}, ROWS, NER)


def test_compute_metrics_check_rejects_lenient_scoring() -> None:
    import numpy as np
    from seqeval.metrics import f1_score, precision_score, recall_score

    names = ["O", "B-LOC", "I-LOC"]

    def lenient(eval_pred: Any) -> dict:  # seqeval's default mode repairs an entity that starts with I-
        logits, labels = eval_pred
        gold, pred = [], []
        for p, lab in zip(np.asarray(logits).argmax(-1), labels):
            keep = lab != -100
            gold.append([names[i] for i in lab[keep]])
            pred.append([names[i] for i in p[keep]])
        return {"precision": precision_score(gold, pred), "recall": recall_score(gold, pred), "f1": f1_score(gold, pred)}

    def strict(eval_pred: Any) -> dict:
        return checks._reference_metrics(np.asarray(eval_pred[0]), np.asarray(eval_pred[1]), names)

    assert not checks.check_05_2(lenient, names)
    assert checks.check_05_2(strict, names)


def test_a_check_survives_an_answer_that_raises(capsys: pytest.CaptureFixture) -> None:
    def broken(text: str) -> list:
        raise KeyError("oops")

    assert not checks.check_03_1(broken, ROWS, lambda t: [])
    assert "raised KeyError" in capsys.readouterr().out


# --- helpers shared by the notebooks -------------------------------------------------------------

def test_word_layer_helpers() -> None:
    old = dict(ROWS[0])
    assert not teaching.has_reviewed_words(old)
    assert teaching.word_layer(old, silver=True) == teaching.word_layer(old)  # an old release: HanLP's layer only
    new = dict(old, **{f"hanlp_{c}": v for c, v in teaching.word_layer(old).items()})
    new["hanlp_tokens"], new["hanlp_token_starts"], new["hanlp_token_ends"] = ["內蒙古自治區", "。"], [0, 6], [6, 7]
    new["hanlp_ner_tags"], new["hanlp_pos_tags"], new["hanlp_upos"] = [1, 0], [0, 2], [1, 2]
    assert teaching.has_reviewed_words(new)
    assert teaching.word_spans(teaching.word_layer(new, silver=True)) == [(0, 6), (6, 7)]
    assert teaching.entity_spans(teaching.word_layer(new), NER) == [(0, 6, "LOC")]
    assert teaching.entity_spans(teaching.word_layer(new, silver=True), NER) == [(0, 6, "LOC")]


def test_crf_seed_changes_nothing(tmp_path: Path) -> None:
    # scripts/train_crf.py --seed is documented as recorded only: L-BFGS has no randomness
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import train_crf
    finally:
        sys.path.remove(str(REPO / "scripts"))
    runs = [train_crf.train_crf(train_crf.CRFSettings(quick=True, seed=seed)) for seed in (1, 2)]
    assert runs[0]["seed"] != runs[1]["seed"]
    assert runs[0]["test"] == runs[1]["test"] and runs[0]["grid_search"] == runs[1]["grid_search"]


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


def test_span_helpers() -> None:
    assert teaching.bio_to_spans(["B-LOC", "I-LOC", "O", "I-ORG", "B-PER", "B-PER"]) == [
        (0, 2, "LOC"), (3, 4, "ORG"), (4, 5, "PER"), (5, 6, "PER")]
    assert teaching.token_spans("內蒙古 自治區", ["內蒙古", "自治區"]) == [(0, 3), (4, 7)]
    with pytest.raises(ValueError, match="not found"):
        teaching.token_spans("內蒙古", ["蒙古", "內"])
    assert teaching.prf({1, 2}, {2, 3}) == (0.5, 0.5, 0.5)
    html = teaching.displacy_html("<b>2024年</b>", [(3, 8, "DATE")])
    assert "&lt;b&gt;" in html and "DATE" in html
    words = teaching.displacy_words_html(["內蒙古", "<b>"], ["ns", "w"])
    assert "內蒙古" in words and "ns" in words and "<b>" not in words
