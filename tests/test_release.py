"""The dataset folder: Parquet + card + exports, built from the real sentences with stand-in
HanLP and numeric layers (so these tests do not depend on the trained models or the review)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotators.pipeline import read_jsonl
from annotators.publish import publish
from annotators.release import write_dataset_folder
from annotators.validate import validate_dataset

REPO = Path(__file__).resolve().parent.parent


def _stand_in_layers(root: Path) -> None:
    """Write a corpus folder whose HanLP layer splits 2-character words and tags them `n`,
    with 內蒙古 as LOC, and whose numeric layer is the proposer's output, accepted."""
    interim, annotations = root / "corpus" / "interim", root / "corpus" / "annotations"
    interim.mkdir(parents=True)
    annotations.mkdir(parents=True)
    for name in ("sentences.jsonl", "document.json"):
        shutil.copy(REPO / "corpus" / "interim" / name, interim / name)
    with open(interim / "hanlp.jsonl", "w", encoding="utf-8") as f:
        for s in read_jsonl(interim / "sentences.jsonl"):
            text = s["text"]
            offsets = [[i, min(i + 2, len(text))] for i in range(0, len(text), 2)]
            ents = [{"start": k, "end": k + 3, "text": "內蒙古", "label": "LOC"}] if (k := text.find("內蒙古")) >= 0 else []
            # An entity boundary inside a word when 內蒙古 starts at an odd offset.
            f.write(json.dumps({"id": s["id"], "text_hash": s["text_hash"], "tokens": [text[a:b] for a, b in offsets],
                                "token_offsets": offsets, "pos_tags": ["n"] * len(offsets), "upos": ["NOUN"] * len(offsets),
                                "entities": ents}, ensure_ascii=False) + "\n")
    (interim / "hanlp.meta.json").write_text(json.dumps({"models": {"tok": {"sha256": "0" * 64}}}), encoding="utf-8")
    with open(annotations / "numeric_entities.jsonl", "w", encoding="utf-8") as f:
        for row in read_jsonl(REPO / "corpus" / "annotations" / "numeric_proposals.jsonl"):
            spans = [{**sp, "status": "accepted"} for sp in row["spans"]]
            f.write(json.dumps({"id": row["id"], "text_hash": row["text_hash"], "spans": spans}, ensure_ascii=False) + "\n")
    (annotations / "review_summary.json").write_text(json.dumps({
        "counts": {"proposed": 1, "accepted": 1, "corrected": 0, "rejected": 0, "added": 0, "published": 1},
        "agreement": {"span_f1": 0.9, "kappa": 0.8, "sentences": 56, "fraction": 0.2, "seed": 1, "disagreements": 3},
        "proposer": {"precision": 0.9, "recall": 0.8}}), encoding="utf-8")
    models = root / "models"
    models.mkdir()
    shutil.copy(REPO / "models" / "metrics.json", models / "metrics.json")


def _build(root: Path) -> Path:
    hf = root / "corpus" / "hf"
    write_dataset_folder(interim_dir=root / "corpus" / "interim", annotations_dir=root / "corpus" / "annotations",
                         models_dir=root / "models", card_source=REPO / "DATASET_CARD.md", hf_dir=hf)
    return hf


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release")
    _stand_in_layers(root)
    _build(root)
    return root


def test_validate_passes(built: Path) -> None:
    report = validate_dataset(built / "corpus", built / "models", REPO / "DATASET_CARD.md")
    assert report.passed, report.render()


def test_build_is_byte_identical(built: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    _stand_in_layers(other)
    hf2 = _build(other)
    hf1 = built / "corpus" / "hf"
    files = sorted(p.relative_to(hf1) for p in hf1.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(hf2) for p in hf2.rglob("*") if p.is_file())
    for rel in files:
        assert (hf1 / rel).read_bytes() == (hf2 / rel).read_bytes(), rel


def test_load_dataset_offline_with_names(built: Path, tmp_path: Path) -> None:
    code = f"""
import datasets
datasets.disable_progress_bars()
ds = datasets.load_dataset({str(built / 'corpus' / 'hf')!r})
print(sorted(ds), ds['train'].features['pos_tags'].feature.names[:3], ds['train'].features['ner_tags'].feature.names)
c = datasets.load_dataset({str(built / 'corpus' / 'hf')!r}, 'char_ner')
print(c['test'].features['ner_tags'].feature.names[-2:])
row = ds['validation'][0]
print(row['id'], len(row['tokens']) == len(row['pos_tags']))
"""
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf-home"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("['test', 'train', 'validation'] ['Ag', 'Bg', 'Dg']") and "'B-PER'" in lines[0]
    assert lines[1] == "['B-CARDINAL', 'I-CARDINAL']"
    assert lines[2].endswith("True")


def test_card_has_measured_figures_and_metadata(built: Path) -> None:
    readme = (built / "corpus" / "hf" / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("---\n") and "{{" not in readme
    assert "license: cc-by-nc-sa-4.0" in readme and "config_name: char_ner" in readme
    n = sum(1 for _ in open(REPO / "corpus" / "interim" / "sentences.jsonl", encoding="utf-8"))
    assert f"{n} sentences" in readme


def test_validate_catches_tampering(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "tampered"
    shutil.copytree(built, root)
    hf = root / "corpus" / "hf"
    readme = hf / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("license: cc-by-nc-sa-4.0", "license: cc-by-nc-sa"), encoding="utf-8")
    conllu = hf / "exports" / "conllu" / "test.conllu"
    conllu.write_text(conllu.read_text(encoding="utf-8").replace("\n1\t", "\n2\t", 1), encoding="utf-8")  # ids 2, 2, 3…
    report = validate_dataset(root / "corpus", root / "models", REPO / "DATASET_CARD.md")
    checks = {f.check for f in report.failures}
    assert {"V-HF-CARD", "V-HF-EXPORTS"} <= checks, report.render()
    assert any("license 'cc-by-nc-sa'" in f.message for f in report.failures)
    assert report.render().endswith("FAILED")


def test_validate_reports_missing_files(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "missing"
    shutil.copytree(built, root)
    (root / "corpus" / "hf" / "exports" / "spacy" / "train.spacy").unlink()
    report = validate_dataset(root / "corpus", root / "models", REPO / "DATASET_CARD.md")
    assert [f.check for f in report.failures] == ["V-HF-FILES"]
    assert "train.spacy" in report.failures[0].place


def test_validate_catches_wrong_labels_and_splits(built: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    root = tmp_path / "labels"
    shutil.copytree(built, root)
    hf = root / "corpus" / "hf"
    path = hf / "data" / "default" / "test-00000-of-00001.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["ner_tags"][0] = 2                      # I-PER at the start: invalid BIO
    rows[1]["pos_tags"][0] = 999                    # outside the ClassLabel
    rows[2]["tokens"][0] = rows[2]["tokens"][0] + "X"
    rows.append(dict(rows[3]))                      # a sentence in the split twice
    import pyarrow as pa
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    report = validate_dataset(root / "corpus", root / "models", REPO / "DATASET_CARD.md")
    checks = {f.check for f in report.failures}
    assert {"V-HF-BIO", "V-HF-LABELS", "V-HF-TOKENS", "V-HF-SPLITS", "V-HF-CARD", "V-HF-CHECKSUMS"} <= checks, report.render()


def test_exports_read_back(built: Path) -> None:
    import conllu
    import spacy
    from spacy.tokens import DocBin

    hf = built / "corpus" / "hf"
    sents = conllu.parse((hf / "exports" / "conllu" / "validation.conllu").read_text(encoding="utf-8"))
    s = sents[0]
    assert all(len(line.split("\t")) == 10 for line in s.serialize().splitlines() if line and not line.startswith("#"))
    assert "".join(t["form"] for t in s) == s.metadata["text"]
    assert s[0]["head"] is None and s[0]["deprel"] == "_" and s[0]["xpos"] == "n" and s[0]["upos"] == "NOUN"
    assert s[0]["misc"]["NER"] in {"O", "B-LOC"} and s[0]["misc"]["SpaceAfter"] == "No"
    assert conllu.parse(s.serialize())[0] == s
    docs = list(DocBin().from_bytes((hf / "exports" / "spacy" / "validation.spacy").read_bytes()).get_docs(spacy.blank("zh").vocab))
    assert docs[0].text == s.metadata["text"] and docs[0][0].tag_ == "n" and docs[0][0].pos_ == "NOUN"
    labels = {e.label_ for d in docs for e in d.ents}
    assert labels and labels <= {"LOC", "DATE", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "TIME"}


def test_publish_dry_run_lists_files(built: Path) -> None:
    lines = publish(built / "corpus" / "hf", "someone/nmg-corpus", dry_run=True)
    paths = [line.split("\t")[0] for line in lines]
    assert paths[0] == "README.md" and "data/default/train-00000-of-00001.parquet" in paths
    assert "build_counts.json" not in paths
    path, size, digest = lines[1].split("\t")
    import hashlib
    assert int(size) == (built / "corpus" / "hf" / path).stat().st_size
    assert digest == hashlib.sha256((built / "corpus" / "hf" / path).read_bytes()).hexdigest()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotators.cli", *args], capture_output=True, text=True, cwd=REPO)


def test_stats_prints_the_card_figures(built: Path) -> None:
    proc = _cli("--corpus", str(built / "corpus"), "--models", str(built / "models"), "stats", "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    readme = (built / "corpus" / "hf" / "README.md").read_text(encoding="utf-8")
    assert figures["split_table"] in readme and figures["numeric_entity_table"] in readme
    assert figures["n_sentences"] in readme


def test_publish_cli_dry_run_and_bad_card(built: Path, tmp_path: Path) -> None:
    proc = _cli("--corpus", str(built / "corpus"), "publish", "--repo-id", "someone/nmg", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "path\tbytes\tsha256" and "would upload" in proc.stdout
    root = tmp_path / "bad"
    shutil.copytree(built, root)
    readme = root / "corpus" / "hf" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("- token-classification", "- token-tagging"), encoding="utf-8")
    proc = _cli("--corpus", str(root / "corpus"), "publish", "--repo-id", "someone/nmg", "--dry-run")
    assert proc.returncode == 1 and "error[E-PUBLISH]" in proc.stderr and "token-tagging" in proc.stderr
    assert "Traceback" not in proc.stderr
