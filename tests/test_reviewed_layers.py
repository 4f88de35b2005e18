"""Stage `review`: the published reviewed layers exported from the committed review logs, and the
checks `validate` makes on the word layer."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotators.errors import CorpusError
from annotators.review.words.consistency import entity_variants, report, segmentation_variants, tag_variants
from annotators.reviewed import export_reviewed, load_plan

REPO = Path(__file__).resolve().parent.parent
OUTPUTS = ["numeric_entities.jsonl", "review_summary.json", "words.jsonl", "words_review_summary.json"]


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", root, ignore=shutil.ignore_patterns("hf", "*.lock"))
    return root


def test_export_reproduces_the_committed_layers(corpus_copy: Path) -> None:
    for name in OUTPUTS:
        (corpus_copy / "annotations" / name).unlink()
    written = export_reviewed(corpus_copy)
    assert sorted(p.name for p in written) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert (corpus_copy / "annotations" / name).read_bytes() == (REPO / "corpus" / "annotations" / name).read_bytes()


def test_every_sentence_is_reviewed_in_both_layers() -> None:
    sentences = [json.loads(x) for x in (REPO / "corpus/interim/sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    words = [json.loads(x) for x in (REPO / "corpus/annotations/words.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in words] == [s["id"] for s in sentences]
    summary = json.loads((REPO / "corpus/annotations/words_review_summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["sentences_checked"] == len(sentences) and summary["counts"]["untagged"] == 0
    # the agreement comes from a from-scratch annotation that could disagree, and did
    assert summary["logs"]["second"]["mode"] == "scratch" and summary["agreement"]["disagreements"] > 0
    assert 0 < summary["agreement"]["segmentation_f1"] < 1


def test_an_incomplete_review_stops_the_build_and_changes_nothing(corpus_copy: Path) -> None:
    log = corpus_copy / "annotations" / "review" / "words-annotator-c.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    last_checked = max(i for i, line in enumerate(lines) if '"action":"checked"' in line)
    log.write_text("".join(lines[:last_checked]), encoding="utf-8")  # the last sentence's `checked` is gone
    before = {n: (corpus_copy / "annotations" / n).read_bytes() for n in ("words.jsonl", "words_review_summary.json")}
    with pytest.raises(CorpusError, match="word review is not complete"):
        export_reviewed(corpus_copy)
    for name, data in before.items():
        assert (corpus_copy / "annotations" / name).read_bytes() == data


def test_plan_errors_name_the_file(corpus_copy: Path) -> None:
    plan_path = corpus_copy / "annotations" / "review" / "plan.json"
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    plan["words"]["primary"].append("words-nobody.jsonl")
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    with pytest.raises(CorpusError, match="words-nobody.jsonl does not exist"):
        load_plan(corpus_copy)
    del plan["words"]
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    with pytest.raises(CorpusError, match="no primary review logs for the 'words' layer"):
        load_plan(corpus_copy)
    plan_path.write_text("{", encoding="utf-8")
    with pytest.raises(CorpusError, match="plan.json:1: invalid JSON"):
        load_plan(corpus_copy)


def test_validate_checks_the_word_layer_against_its_sources(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", root, ignore=shutil.ignore_patterns("*.lock"))
    words = root / "annotations" / "words.jsonl"
    rows = [json.loads(x) for x in words.read_text(encoding="utf-8").splitlines()]
    rows[3]["pos_tags"][0] = "zz"                              # a tag outside the tag set
    words.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    hanlp = root / "interim" / "hanlp.jsonl"
    rows = [json.loads(x) for x in hanlp.read_text(encoding="utf-8").splitlines()]
    rows[7]["pos_tags"][0] = "nx"                              # hanlp_* no longer the HanLP layer
    hanlp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    adjudication = root / "annotations" / "review" / "words-adjudicator.jsonl"
    lines = adjudication.read_text(encoding="utf-8").splitlines(keepends=True)
    adjudication.write_text("".join(lines[:-1]), encoding="utf-8")  # a sentence the adjudication left unchecked
    proc = subprocess.run([sys.executable, "-m", "annotators.cli", "--corpus", str(root), "validate"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    out = proc.stdout
    assert "[default/" in out and "V-HF-WORDS: reviewed tags outside the tag set: zz" in out
    assert "hanlp_* columns differ from corpus/interim/hanlp.jsonl" in out
    assert "V-HF-WORDS: not checked in the word review logs" in out or "stale" in out or "conflict" in out, out


def _row(sid: str, words: list[tuple[str, str]], ents: list[tuple[int, int, str]] = ()) -> dict:
    offsets, pos = [], 0
    for w, _ in words:
        offsets.append([pos, pos + len(w)])
        pos += len(w)
    return {"id": sid, "tokens": [w for w, _ in words], "token_offsets": offsets, "pos_tags": [t for _, t in words],
            "entities": [{"start": a, "end": b, "label": lab} for a, b, lab in ents]}


def test_consistency_lists_each_kind_of_variant() -> None:
    rows = [_row("s1", [("我區", "n"), ("發展", "v")], [(0, 2, "LOC")]),
            _row("s2", [("我", "r"), ("區", "n"), ("發展", "vn")]),
            _row("s3", [("我區", "n"), ("發展", "v")])]
    assert [(v.string, sorted(v.analyses)) for v in segmentation_variants(rows)] == [
        ("我區", ["我/r 區/n", "我區 (one word)"])]
    assert [(v.string, v.analyses) for v in tag_variants(rows)] == [
        ("發展", {"發展/v": ["s1", "s3"], "發展/vn": ["s2"]})]
    assert [(v.string, v.analyses) for v in entity_variants(rows)] == [("我區", {"LOC": ["s1"], "no entity": ["s2", "s3"]})]
    assert report(rows)[1].endswith("strings analysed in more than one way: 3 (segmentation 1, tag 1, entity 1)")
    assert report(rows[2:])[1] == "strings analysed in more than one way: 0 (segmentation 0, tag 0, entity 0)"
