"""Benchmark the full build: time and peak memory by stage, and cold-cache load_dataset time.

Each stage runs in its own Python process on a scratch copy of corpus/ (the checkout is not
touched), so its peak RSS is its own. Then `load_dataset` of every config runs in a fresh
process with an empty HF_HOME. Prints a table; run it on an otherwise idle machine:

    .venv/bin/python scripts/benchmark_build.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["foundation", "hanlp", "numeric", "dataset"]
CONFIGS = ["default", "char_ner", "documents"]

# Runs one thing inside a fresh interpreter and reports wall time, CPU time and peak RSS.
PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
{body}
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print("BENCH " + json.dumps({{"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}}))
"""


def probe(body: str, env: dict | None = None) -> dict:
    """Run `body` in a fresh interpreter; return its wall time, CPU time and peak RSS."""
    proc = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr[-2000:]}")
    line = next(l for l in proc.stdout.splitlines() if l.startswith("BENCH "))
    return json.loads(line[6:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the table shows the fastest")
    args = parser.parse_args()
    import os

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("hf"))
        for stage in STAGES:
            runs = [probe(f"from annotators.cli import main\nrc = main(['--corpus', {str(corpus)!r}, 'build', '--stages', {stage!r}])\n"
                          "assert rc == 0") for _ in range(args.repeat)]
            rows.append((f"build: {stage}", min(runs, key=lambda r: r["wall_s"])))
        for config in CONFIGS:
            runs = []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as home:
                    env = {**os.environ, "HF_HOME": home, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
                    runs.append(probe("import datasets\ndatasets.disable_progress_bars()\n"
                                      f"datasets.load_dataset({str(corpus / 'hf')!r}, {config!r})", env))
            rows.append((f"load_dataset cold: {config}", min(runs, key=lambda r: r["wall_s"])))
    print(f"{'step':<32}{'wall s':>9}{'cpu s':>9}{'peak RSS MB':>13}")
    for name, r in rows:
        print(f"{name:<32}{r['wall_s']:>9.2f}{r['cpu_s']:>9.2f}{r['peak_rss_mb']:>13.0f}")
    total = sum(r["wall_s"] for name, r in rows if name.startswith("build"))
    print(f"{'build: all stages':<32}{total:>9.2f}")
    print("(load_dataset figures include interpreter start and `import datasets`)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
