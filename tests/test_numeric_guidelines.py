"""The guidelines' bracketed examples run as tests: what 【】 marks is what the proposer finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotators.numeric import propose

GUIDELINES = Path(__file__).resolve().parents[1] / "corpus" / "ANNOTATION_GUIDELINES.md"


def _examples() -> list[str]:
    """Every `…` or > quoted example containing 【】 and not marked †."""
    text = GUIDELINES.read_text(encoding="utf-8")
    found = [e for line in text.splitlines() for e in re.findall(r"`([^`]*)`", line) if "【" in e]
    found += [line[1:].strip() for line in text.splitlines() if line.startswith(">") and "【" in line]
    return [e for e in found if "†" not in e]


EXAMPLES = _examples()


def test_guidelines_have_examples() -> None:
    assert len(EXAMPLES) >= 40


@pytest.mark.parametrize("example", EXAMPLES)
def test_bracketed_spans_are_exactly_the_proposals(example: str) -> None:
    plain = example.replace("【", "").replace("】", "")
    expected = []
    offset = 0
    for m in re.finditer(r"【([^】]*)】", example):
        start = m.start() - offset
        expected.append((start, start + len(m.group(1))))
        offset += 2
    got = [(s["start"], s["end"]) for s in propose({"text": plain})]
    assert got == expected, (plain, [plain[a:b] for a, b in got])
