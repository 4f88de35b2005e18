"""Student and solution notebooks generated from one source per notebook, so that they cannot drift.

A source (``notebooks/src/NN_name.nbsrc``) is plain text cut into cells by marker lines that start
at column 0 with ``%%``::

    %% markdown          a Markdown cell, in both versions
    %% code              a code cell, in both versions
    %% exercise 01.2 medium
                         the statement of exercise 01.2 (difficulty easy, medium or hard), in both
    %% hint              Markdown, student version only (folded in a <details> block)
    %% stub              code, student version only: the exercise left for the student
    %% solution          code, solution version only
    %% discussion        Markdown, solution version only: what the result means
    %% check             code, in both versions: calls a check from annotators.exercise_checks

Every exercise needs at least one hint and exactly one stub, one solution and one check, in any
order before the next exercise. Cells carry tags (``exercise-01.2`` and the kind) that the tests
read. Output is byte-identical for the same source: no outputs, no execution counts, cell ids
derived from the position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

#: the marker kinds, and which version shows each (S: student, A: answers/solutions)
KINDS = {"markdown": "SA", "code": "SA", "exercise": "SA", "hint": "S", "stub": "S", "solution": "A",
         "discussion": "A", "check": "SA"}
#: difficulty name -> the stars shown beside the exercise
LEVELS = {"easy": "★☆☆ 易 · easy", "medium": "★★☆ 中 · medium", "hard": "★★★ 難 · hard"}
_MARKER = re.compile(r"^%% ?(\w+)(.*)$")
_EXERCISE_ARGS = re.compile(r"^\s+(\d\d\.\d+)\s+(\w+)\s*$")
KERNELSPEC = {"display_name": "Python 3 (nmg-corpus)", "language": "python", "name": "python3"}


class SourceError(ValueError):
    """A notebook source breaks the format; the message names the file and line."""


@dataclass
class Block:
    """One cell of a source: its kind, text, the exercise it belongs to and where it starts."""
    kind: str
    text: str
    line: int
    exercise: Optional[str] = None
    level: Optional[str] = None


@dataclass
class Source:
    """A parsed notebook source."""
    path: Path
    blocks: List[Block] = field(default_factory=list)

    @property
    def stem(self) -> str:
        """The notebook's name without extension (``01_corpus_tour``)."""
        return self.path.name.split(".")[0]


def parse_source(path: Path) -> Source:
    """Takes a ``.nbsrc`` file; returns its blocks. Raises :class:`SourceError` naming file and line for an
    unknown marker, a malformed exercise line, text before the first marker, or an incomplete exercise."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    src = Source(path)
    current: Optional[Block] = None
    body: List[str] = []
    exercise: Optional[str] = None

    def close() -> None:
        if current is not None:
            current.text = "\n".join(body).strip("\n")
            src.blocks.append(current)

    for n, line in enumerate(lines, 1):
        m = _MARKER.match(line)
        if not m:
            if current is None and line.strip():
                raise SourceError(f"{path}:{n}: text before the first %% marker")
            body.append(line)
            continue
        close()
        kind, rest = m[1], m[2]
        if kind not in KINDS:
            raise SourceError(f"{path}:{n}: unknown cell kind {kind!r} (known: {', '.join(KINDS)})")
        level = None
        if kind == "exercise":
            a = _EXERCISE_ARGS.match(rest)
            if not a or a[2] not in LEVELS:
                raise SourceError(f"{path}:{n}: write `%% exercise NN.K LEVEL` with LEVEL one of {', '.join(LEVELS)}")
            exercise, level = a[1], a[2]
            if not exercise.startswith(src.stem[:2] + "."):
                raise SourceError(f"{path}:{n}: exercise {exercise} should be numbered {src.stem[:2]}.K in this notebook")
        elif kind in ("markdown", "code"):
            exercise = None
        elif rest.strip():
            raise SourceError(f"{path}:{n}: `%% {kind}` takes no arguments")
        elif exercise is None:
            raise SourceError(f"{path}:{n}: `%% {kind}` outside an exercise")
        current = Block(kind, "", n, exercise, level)
        body = []
    close()
    _check_exercises(src)
    return src


def _check_exercises(src: Source) -> None:
    """Every exercise has hint(s), one stub, one solution, one check; ids are unique."""
    seen: Dict[str, Dict[str, int]] = {}
    first_line: Dict[str, int] = {}
    for b in src.blocks:
        if b.exercise is None:
            continue
        if b.kind == "exercise":
            if b.exercise in seen:
                raise SourceError(f"{src.path}:{b.line}: exercise {b.exercise} appears twice")
            seen[b.exercise], first_line[b.exercise] = {}, b.line
        kinds = seen[b.exercise]
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    for ex, kinds in seen.items():
        for kind, wanted in (("stub", 1), ("solution", 1), ("check", 1)):
            if kinds.get(kind, 0) != wanted:
                raise SourceError(f"{src.path}:{first_line[ex]}: exercise {ex} has {kinds.get(kind, 0)} "
                                  f"`%% {kind}` cells, needs exactly {wanted}")
        if not kinds.get("hint"):
            raise SourceError(f"{src.path}:{first_line[ex]}: exercise {ex} has no `%% hint`")


def _cell_text(block: Block, solution: bool) -> str:
    """The text a block shows in one version."""
    if block.kind == "exercise":
        number = block.exercise.split(".")[1]
        return f"**Exercise {number} · 練習{number}** ({block.exercise}, {LEVELS[block.level]})\n\n{block.text}"
    if block.kind == "hint":
        return f"<details><summary>💡 提示 · Hint</summary>\n\n{block.text}\n\n</details>"
    if block.kind == "stub":
        return f"# ✏️ 你的答案 · Your answer (exercise {block.exercise}): replace each `...`\n{block.text}"
    if block.kind == "solution":
        return f"# Solution · 參考答案 (exercise {block.exercise})\n{block.text}"
    if block.kind == "discussion":
        return f"**Discussion · 討論** ({block.exercise})\n\n{block.text}"
    if block.kind == "check":
        return f"# 檢查 · Check (exercise {block.exercise})\n{block.text}"
    return block.text


def _banner(src: Source, solution: bool) -> str:
    """The line that tells each version where the other one is."""
    if solution:
        return (f"> 🔑 **參考答案版 · Solution version.** The exercises without answers are in "
                f"`../{src.stem}.ipynb`. Both are generated from `src/{src.path.name}`.")
    return (f"> ✏️ **練習版 · Student version.** Each exercise has a stub to fill in, a hint and a check cell; "
            f"the solutions are in `solutions/{src.stem}.ipynb`.")


def build_notebook(src: Source, solution: bool) -> str:
    """Takes a parsed source and the version wanted; returns the notebook as JSON text (nbformat 4.5),
    without outputs, with deterministic cell ids."""
    import nbformat

    version = "A" if solution else "S"
    cells = []
    for b in src.blocks:
        if version not in KINDS[b.kind]:
            continue
        text = _cell_text(b, solution)
        if not cells:  # the title cell gets the pointer to the other version
            text = f"{text}\n\n{_banner(src, solution)}"
        meta = {"tags": [b.kind] + ([f"exercise-{b.exercise}"] if b.exercise else [])} if b.kind != "markdown" and b.kind != "code" else {}
        cell_id = f"c{len(cells):03d}-{b.kind}"
        if b.kind in ("code", "stub", "solution", "check"):
            cell = nbformat.v4.new_code_cell(text, id=cell_id, metadata=meta)
        else:
            cell = nbformat.v4.new_markdown_cell(text, id=cell_id, metadata=meta)
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                                         "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def targets(src: Source, notebooks: Path) -> Dict[Path, str]:
    """Takes a parsed source and the notebooks folder; returns {output path: notebook text} for the
    student version (``notebooks/NN.ipynb``) and the solution version (``notebooks/solutions/NN.ipynb``)."""
    return {notebooks / f"{src.stem}.ipynb": build_notebook(src, solution=False),
            notebooks / "solutions" / f"{src.stem}.ipynb": build_notebook(src, solution=True)}


def build_all(notebooks: Path) -> Dict[Path, str]:
    """Takes the notebooks folder; returns every generated notebook from ``notebooks/src/*.nbsrc``.
    Raises :class:`SourceError` when there is no source."""
    sources = sorted((notebooks / "src").glob("*.nbsrc"))
    if not sources:
        raise SourceError(f"no notebook sources (*.nbsrc) in {notebooks / 'src'}")
    out: Dict[Path, str] = {}
    for path in sources:
        out.update(targets(parse_source(path), notebooks))
    return out


def stale(generated: Dict[Path, str]) -> List[Path]:
    """Takes generated notebooks; returns those whose file is missing or differs from the text."""
    return [p for p, text in generated.items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text]
