"""The models card's tables are rendered from models/metrics.json; the documents must show exactly them."""
import json
from pathlib import Path

import pytest

from annotators.model_card import card_tables, render_into

REPO = Path(__file__).resolve().parents[1]
METRICS = json.loads((REPO / "models" / "metrics.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", ["models/README.md", "README.md"])
def test_documents_show_the_measured_scores(doc):
    text = (REPO / doc).read_text(encoding="utf-8")
    assert "<!-- begin scores -->" in text
    # re-rendering from metrics.json changes nothing: no figure was typed by hand or left stale
    assert render_into(text, card_tables(METRICS, REPO), where=doc) == text


def test_models_card_shows_every_table():
    text = (REPO / "models" / "README.md").read_text(encoding="utf-8")
    for name in card_tables(METRICS, REPO):
        assert f"<!-- begin {name} -->" in text, name


def test_no_overlap_left_between_training_and_evaluation_sets():
    # metrics.json is measured on the training selections the scripts use (CI re-measures it)
    for name, counts in METRICS["overlap"].items():
        if name.endswith("_selection"):
            assert counts["removed"] > 0 and counts["kept"] + counts["removed"] == counts["training_before"]
        else:
            assert counts["exact"] == 0 and counts["shares_20_chars"] == 0, name


def test_render_into_replaces_blocks_and_names_errors():
    tables = {"t": "| a |\n|---|\n| 1 |"}
    doc = "intro\n<!-- begin t -->\nstale\n<!-- end t -->\noutro\n"
    assert render_into(doc, tables) == "intro\n<!-- begin t -->\n| a |\n|---|\n| 1 |\n<!-- end t -->\noutro\n"
    with pytest.raises(ValueError, match="x.md: block 't' opened at offset 0 is never closed"):
        render_into("<!-- begin t -->\n", tables, where="x.md")
    with pytest.raises(ValueError, match="unknown table 'u'"):
        render_into("<!-- begin u -->\n<!-- end u -->", tables)


def test_read_json_names_the_file_and_line(tmp_path):
    from annotators.model_card import read_json
    bad = tmp_path / "benchmark.json"
    bad.write_text('{"tools":\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"benchmark.json:2: not valid JSON"):
        read_json(bad)
