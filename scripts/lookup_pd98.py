"""How does People's Daily 1998 segment and tag a string? The lookup behind corpus/WORD_GUIDELINES.md.

    .venv/bin/python scripts/lookup_pd98.py 我省 以人為本 自治區黨委     # traditional or simplified

For each string: every analysis found (the words covering an occurrence, with their tags), most
frequent first, with counts and one example. `‹` / `›` mark a word that runs past the string's
start / end. The corpus text is compared after NFKC per character (its digits are full width).
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from annotators.simplify import to_simplified

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "peoples-daily-1998" / "199801.txt"


def _fold(word: str) -> str:
    folded = unicodedata.normalize("NFKC", word)
    return folded if len(folded) == len(word) else word


def load(path: Path) -> list[list[tuple[str, str]]]:
    """The corpus as lines of (word, tag), words folded with NFKC where that keeps their length."""
    lines = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            lines.append([(_fold(w), t) for w, _, t in (tok.rpartition("/") for tok in line.split())])
    return lines


def analyses(lines: list[list[tuple[str, str]]], needle: str) -> tuple[Counter[str], dict[str, str]]:
    """Count each analysis of `needle` (simplified) over the corpus; one example context per analysis."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for words in lines:
        text = "".join(w for w, _ in words)
        start = text.find(needle)
        if start < 0:
            continue
        spans, pos = [], 0
        for w, t in words:
            spans.append((pos, pos + len(w), w, t))
            pos += len(w)
        while start >= 0:
            end = start + len(needle)
            cover = [s for s in spans if s[1] > start and s[0] < end]
            key = ("‹" if cover[0][0] < start else "") + " ".join(f"{w}/{t}" for _, _, w, t in cover) \
                + ("›" if cover[-1][1] > end else "")
            counts[key] += 1
            examples.setdefault(key, text[max(0, start - 8):end + 8])
            start = text.find(needle, start + 1)
    return counts, examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("strings", nargs="+", help="strings to look up, traditional or simplified")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="199801.txt (default: %(default)s)")
    parser.add_argument("--top", type=int, default=8, help="analyses shown per string")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"error: no such file: {args.corpus} (pass --corpus, or fetch it with scripts/get_corpora.py)",
              file=sys.stderr)
        return 1
    lines = load(args.corpus)
    for q in args.strings:
        needle = to_simplified(q)
        counts, examples = analyses(lines, needle)
        print(f"== {q} ({needle}): {sum(counts.values())} occurrences")
        for key, n in counts.most_common(args.top):
            print(f"  {n:5d}  {key}    e.g. {examples[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
