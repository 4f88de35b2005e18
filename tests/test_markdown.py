"""Every Markdown file of the repository renders, and every table in it parses as a table.

A stray blank line inside a table splits it: the rows after it render as raw `|` text. The
check parses each file with markdown-it-py (CommonMark plus GFM tables, as GitHub and the Hub
render them) and fails on any line that looks like a table row but is not inside a table.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[1]
#: blocks whose lines are shown verbatim, so a `|` there is not a table row
VERBATIM = {"fence", "code_block", "html_block"}


def markdown_files() -> list[Path]:
    """The repository's Markdown files: tracked, plus new files git does not ignore."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.md"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return sorted({REPO / line for line in out.splitlines() if (REPO / line).is_file()})


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _row_like(line: str) -> bool:
    """A line that reads as a table row: `| a | b |`, also inside a block quote or a list item."""
    body = line.strip()
    while body.startswith(">"):
        body = body[1:].strip()
    return body.startswith("|") and body.count("|") >= 2


def broken_table_rows(text: str) -> list[int]:
    """Takes Markdown text; returns the 1-based lines that look like table rows outside any table."""
    covered: set[int] = set()
    for token in parser().parse(text):
        if token.map and (token.type == "table_open" or token.type in VERBATIM):
            covered.update(range(token.map[0], token.map[1]))
    return [i + 1 for i, line in enumerate(text.splitlines()) if i not in covered and _row_like(line)]


def test_markdown_files_found() -> None:
    names = {p.relative_to(REPO).as_posix() for p in markdown_files()}
    assert {"README.md", "corpus/ANNOTATION_GUIDELINES.md", "models/README.md"} <= names


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_tables_parse(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    html = parser().render(text)  # renders without error
    assert html.strip() or not text.strip()
    broken = broken_table_rows(text)
    assert not broken, f"{path.relative_to(REPO)}: lines {broken[:10]} look like table rows but render as text"


def test_check_catches_a_split_table() -> None:
    table = "| n | what |\n|---|---|\n| 1 | one |\n| 2 | two |\n"
    assert broken_table_rows(table) == []
    assert broken_table_rows(table.replace("| 1 | one |\n", "| 1 | one |\n\n")) == [5]
    assert broken_table_rows("```\n| code | only |\n```\n> | a | b |\n> |---|---|\n> | 1 | 2 |\n") == []
    assert broken_table_rows("text\n\n| a | b |\n| 1 | 2 |\n") == [3, 4]  # no delimiter row: not a table
