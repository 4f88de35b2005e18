"""scripts/benchmark_annotate.py: its argument checks, its speed summary, and the card table rendered from it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotators.model_card import annotate_speed_table


def test_unknown_variant_and_bad_rounds_are_refused(capsys: pytest.CaptureFixture, load_script) -> None:
    script = load_script("benchmark_annotate")
    assert script.main(["--variants", "bf16,turbo"]) == 2
    assert "unknown variant(s) turbo" in capsys.readouterr().err
    assert script.main(["--rounds", "0"]) == 2
    assert "--rounds must be at least 1" in capsys.readouterr().err


def test_missing_corpora_are_named(tmp_path: Path, capsys: pytest.CaptureFixture, load_script) -> None:
    assert load_script("benchmark_annotate").main(["--corpora", str(tmp_path)]) == 1
    assert str(tmp_path) in capsys.readouterr().err


def test_speed_counts_lines_analysed_unlike_the_build(load_script) -> None:
    script = load_script("benchmark_annotate")

    def engine(words_of):
        return script.Engine(lambda texts: [(words_of(t), ["n"], []) for t in texts], None, None, None)
    runs = {"hanlp": engine(lambda t: [t]), "odd": engine(lambda t: [t] if len(t) < 3 else [t[:1], t[1:]])}
    out = script.speed(runs, ["我们", "发展经济", "改革"], rounds=2)
    assert out["hanlp"]["texts_differing_from_build"] == 0
    assert out["odd"]["texts_differing_from_build"] == 1
    low, high = out["odd"]["chars_per_s_wall"][1:]
    assert low <= out["odd"]["chars_per_s_wall"][0] <= high


def test_a_variant_that_changes_between_rounds_is_an_error(load_script) -> None:
    script = load_script("benchmark_annotate")
    calls = []

    def unstable(texts):
        calls.append(1)
        return [([t] if len(calls) % 2 else list(t), ["n"], []) for t in texts]
    with pytest.raises(RuntimeError, match="unstable analysed the text differently in round 2"):
        script.speed({"unstable": script.Engine(unstable, None, None, None)}, ["发展经济"], rounds=2)


def test_card_table_shows_speed_and_scores_side_by_side(tmp_path: Path) -> None:
    s = {"pku_seg_f1": 94.79, "pos_accuracy": 96.4, "ner_f1": 90.95}
    bench = {"texts": 1944, "rounds": 3, "speed": {
        "hanlp": {"chars_per_s_wall": [12138, 12073, 12491], "chars_per_cpu_s": [12159, 1, 2],
                  "texts_differing_from_build": 0},
        "bf16-2t": {"chars_per_s_wall": [51671, 49671, 59905], "chars_per_cpu_s": [31267, 1, 2],
                    "texts_differing_from_build": 19}},
        "scores": {"hanlp": {**s, "pku_seg_f1": 94.8}, "bf16": s}}
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "annotate_benchmark.json").write_text(json.dumps(bench), encoding="utf-8")
    text = annotate_speed_table(tmp_path)
    assert "| `hanlp` |" in text
    assert "| 12,138 (12,073–12,491) | 12,159 | 0 | 94.80 | 96.40 | 90.95 |" in text
    # two threads give bf16's output: its scores are bf16's
    assert "| 51,671 (49,671–59,905) | 31,267 | 19 | 94.79 | 96.40 | 90.95 |" in text
    assert "median of 3" in text and "lines of 1,944" in text
