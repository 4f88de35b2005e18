"""A clone of the repository has the labelling contract its guidelines implement."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "corpus" / "spec" / "numeric-entities.md"


def test_the_spec_is_an_exact_copy_of_the_contract() -> None:
    assert SPEC.read_bytes() == (REPO.parent / "shared" / "spec" / "numeric-entities.md").read_bytes()


def test_guidelines_link_the_copy() -> None:
    guidelines = REPO / "corpus" / "ANNOTATION_GUIDELINES.md"
    links = re.findall(r"\]\(([^)#]+)\)", guidelines.read_text(encoding="utf-8"))
    assert "spec/numeric-entities.md" in links
    for link in links:
        if "://" not in link:
            assert (guidelines.parent / link).is_file(), link


def test_nothing_points_outside_the_repository_for_the_contract() -> None:
    for rel in ("corpus/ANNOTATION_GUIDELINES.md", "annotators/numeric.py", "README.md"):
        text = (REPO / rel).read_text(encoding="utf-8")
        assert "shared/spec" not in text, rel
        assert "corpus/spec/numeric-entities.md" in text, rel
