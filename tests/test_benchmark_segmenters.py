"""scripts/benchmark_segmenters.py's summary and the models card's speed table rendered from it."""
from __future__ import annotations

import json
from pathlib import Path

from annotators.model_card import speed_table

REPO = Path(__file__).resolve().parents[1]


def test_spread_is_median_lowest_highest(load_script) -> None:
    spread = load_script("benchmark_segmenters")._spread
    assert spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert spread([4.0, 1.0, 2.0, 3.0]) == (2.5, 1.0, 4.0)
    assert spread([7.0]) == (7.0, 7.0, 7.0)


def test_annotate_is_benchmarked_beside_the_other_tools(load_script) -> None:
    script = load_script("benchmark_segmenters")
    assert {"annotate", "annotate-2t", "hanlp-pipeline", "jieba", "thulac", "pkuseg"} <= set(script.TOOLS)
    assert set(script.TOOLS) == set(script.PACKAGES)


def test_speed_table_renders_rounds_ranges_and_cpu_figures(tmp_path: Path) -> None:
    tool = {"version": "2.1.5", "output": "words, tags, entities", "chars_per_s": 21000, "pku_test_chars_per_s": 26000,
            "pku_test_chars_per_s_range": [20000, 29000], "pku_test_chars_per_cpu_s": 30000, "rounds": 3,
            "load_s": 3.1, "peak_rss_mb": 512, "pku_f1": 94.81, "pku_oov_recall_nfkc": 66.6,
            "pku_sentences_scored": 1944, "report_words": 10540}
    bench = {"report_source": "x", "report_sentences": 278, "report_chars": 17929, "pku_test_chars": 172733,
             "rounds": 3, "tools": {"annotate": tool, "jieba": {**tool, "output": "words"}},
             "agreement_f1_on_report": {"annotate vs jieba": 82.95}, "skipped": {}}
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "benchmark.json").write_text(json.dumps(bench), encoding="utf-8")
    text = speed_table(tmp_path)
    assert "| annotate | words, tags, entities | 2.1.5 | 21,000 | 26,000 (20,000–29,000) | 30,000 | 512 | 94.81 |" in text
    assert "median of 3" in text and "| jieba | words |" in text


def test_speed_table_still_renders_the_single_round_file() -> None:
    text = speed_table(REPO)
    bench = json.loads((REPO / "models" / "benchmark.json").read_text(encoding="utf-8"))
    for name in bench["tools"]:
        assert f"| {name} |" in text
