"""Generate the student notebooks (notebooks/NN.ipynb) and their solutions (notebooks/solutions/NN.ipynb)
from the sources notebooks/src/NN.nbsrc, or check that the committed ones are up to date.

    python scripts/build_notebooks.py            # write every notebook whose text changed
    python scripts/build_notebooks.py --check    # exit 1, naming them, if any is stale or orphaned
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # annotators/ is importable without installing the package

from annotators.notebook_build import SourceError, build_all, stale  # noqa: E402


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: builds every notebook; with --check only compares. Returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--notebooks", type=Path, default=REPO / "notebooks", help="notebooks folder (default: notebooks/)")
    p.add_argument("--check", action="store_true", help="write nothing; fail if a notebook differs from its source")
    a = p.parse_args(argv)
    folder = a.notebooks.resolve()
    try:
        generated = build_all(folder)
    except (SourceError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    changed = stale(generated)
    existing = set(folder.glob("*.ipynb")) | set((folder / "solutions").glob("*.ipynb"))
    orphans = sorted(existing - set(generated))
    if a.check:
        for path in changed:
            print(f"stale: {path.relative_to(folder)} (run scripts/build_notebooks.py)", file=sys.stderr)
        for path in orphans:
            print(f"orphan: {path.relative_to(folder)} has no source in src/", file=sys.stderr)
        if changed or orphans:
            return 1
        print(f"{len(generated)} notebooks match their sources")
        return 0
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated[path], encoding="utf-8")
    for path in orphans:  # never deleted silently: a hand-made notebook may be someone's work
        print(f"warning: {path.relative_to(folder)} has no source in src/; not generated, left as it is", file=sys.stderr)
    print(f"wrote {len(changed)} of {len(generated)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
