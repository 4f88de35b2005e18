"""Write corpus/lexicon/known_chars.txt: every Han character seen in the reference corpora.

The cleaning stage's rare-character detector flags a report character whose simplified form
never occurs in People's Daily 1998 or the MSRA NER corpus: a strong sign of GBK/UTF-8
mojibake. The inventory is committed so that a build needs no corpora.

    python scripts/build_char_inventory.py --corpora ../shared/corpora
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotators.clean import is_han  # noqa: E402

SOURCES = ["peoples-daily-1998/199801.txt", "msra-ner/dh_msra.txt"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "lexicon" / "known_chars.txt")
    args = parser.parse_args()
    chars: set[str] = set()
    header = ["# Han characters (simplified, NFKC) seen in the reference corpora; one a line.",
              "# Made by scripts/build_char_inventory.py from:"]
    for rel in SOURCES:
        path = args.corpora / rel
        if not path.is_file():
            print(f"error: {path}: corpus file not found (pass --corpora)", file=sys.stderr)
            return 1
        data = path.read_bytes()
        header.append(f"#   {rel} sha256 {hashlib.sha256(data).hexdigest()}")
        chars.update(c for c in unicodedata.normalize("NFKC", data.decode("utf-8")) if is_han(c))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(header + sorted(chars)) + "\n", encoding="utf-8")
    print(f"wrote {len(chars)} characters to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
