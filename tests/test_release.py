"""The dataset folder: Parquet + card + exports, built from the real sentences with stand-in
HanLP and numeric layers (so these tests do not depend on the trained models or the review)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from annotators.errors import CorpusError
from annotators.pipeline import read_jsonl
from annotators.publish import publish
from annotators.release import write_dataset_folder
from annotators.review.data import load_sentences
from annotators.review.log import Decision, DecisionLog
from annotators.review.words.session import WordSession
from annotators.review.words.state import load_word_proposals
from annotators.reviewed import export_words, load_plan
from annotators.validate import validate_dataset
from annotators.word_eval import score_layer

REPO = Path(__file__).resolve().parent.parent


def _stand_in_layers(root: Path) -> None:
    """Write a corpus folder whose HanLP layer splits 2-character words and tags them `n`,
    with 內蒙古 as LOC, whose word review accepts that layer where 內蒙古 is whole words (the
    tool leaves the others out), and whose numeric layer is the proposer's output, accepted."""
    interim, annotations = root / "corpus" / "interim", root / "corpus" / "annotations"
    interim.mkdir(parents=True)
    annotations.mkdir(parents=True)
    for name in ("sentences.jsonl", "document.json"):
        shutil.copy(REPO / "corpus" / "interim" / name, interim / name)
    with open(interim / "hanlp.jsonl", "w", encoding="utf-8") as f:
        for s in read_jsonl(interim / "sentences.jsonl"):
            text = s["text"]
            # Two-character words, except that the first 內蒙古 of a sentence is a word of its own;
            # every 內蒙古 is a LOC, so later ones can have a boundary inside a word.
            first, offsets, i = text.find("內蒙古"), [], 0
            while i < len(text):
                end = i + 3 if i == first else min(i + 2, len(text), first if i < first else len(text))
                offsets.append([i, end])
                i = end
            ents, k = [], first
            while k >= 0:
                ents.append({"start": k, "end": k + 3, "text": "內蒙古", "label": "LOC"})
                k = text.find("內蒙古", k + 3)
            f.write(json.dumps({"id": s["id"], "text_hash": s["text_hash"], "tokens": [text[a:b] for a, b in offsets],
                                "token_offsets": offsets, "pos_tags": ["n"] * len(offsets), "upos": ["NOUN"] * len(offsets),
                                "entities": ents}, ensure_ascii=False) + "\n")
    (interim / "hanlp.meta.json").write_text(json.dumps({"models": {"tok": {"sha256": "0" * 64}}}), encoding="utf-8")
    with open(annotations / "numeric_entities.jsonl", "w", encoding="utf-8") as f:
        for row in read_jsonl(REPO / "corpus" / "annotations" / "numeric_proposals.jsonl"):
            spans = [{**sp, "status": "accepted"} for sp in row["spans"]]
            f.write(json.dumps({"id": row["id"], "text_hash": row["text_hash"], "spans": spans}, ensure_ascii=False) + "\n")
    review = annotations / "review"
    review.mkdir()
    (review / "plan.json").write_text(json.dumps({
        "numeric": {"primary": ["numeric-a.jsonl"], "second": {"log": "numeric-b.jsonl", "sample": 0.2, "seed": 1},
                    "adjudication": None},
        "words": {"primary": ["words-a.jsonl"], "second": None, "adjudication": None}}), encoding="utf-8")
    # Real logs written by the review tool: a numeric `checked` each, and a word review that
    # accepts the stand-in HanLP analysis of every sentence, exported as the reviewed layer.
    sentences = load_sentences(interim / "sentences.jsonl")
    for name, reviewer in (("numeric-a.jsonl", "reviewer-a"), ("numeric-b.jsonl", "reviewer-b")):
        log = DecisionLog(review / name)
        log.open_for_writing(reviewer)
        log.append(Decision(reviewer=reviewer, sentence_id=sentences[0].id, text_hash=sentences[0].text_hash,
                            action="checked", before=None, after=None, layer="numeric"))
        log.close()
    with WordSession(sentences, load_word_proposals(interim / "hanlp.jsonl"), review / "words-a.jsonl",
                     "annotator-a") as session:
        for _ in sentences:
            session.accept()
    export_words(root / "corpus", load_plan(root / "corpus")["words"])
    (annotations / "review_summary.json").write_text(json.dumps({
        "counts": {"proposed": 1, "accepted": 1, "corrected": 0, "rejected": 0, "added": 0, "published": 1},
        "agreement": {"span_f1": 0.9, "kappa": 0.8, "sentences": 56, "fraction": 0.2, "seed": 1, "disagreements": 3},
        "proposer": {"precision": 0.9, "recall": 0.8}}), encoding="utf-8")
    # A word-layer agreement as if a second annotation existed (the summary has none without one).
    summary_path = annotations / "words_review_summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["agreement"] = {"sentences": 56, "fraction": 0.2, "seed": 1, "segmentation_f1": 0.98,
                            "segmentation_precision": 0.97, "segmentation_recall": 0.99, "words_compared": 2000,
                            "tag_accuracy": 0.96, "tag_kappa": 0.95, "entity_f1": 0.9,
                            "entity_f1_by_label": {"PER": 1.0, "LOC": 0.9, "ORG": 0.8}, "disagreements": 7,
                            "adjudicated": 7}
    summary_path.write_text(json.dumps(summary), encoding="utf-8")
    gold = read_jsonl(annotations / "words.jsonl")
    silver = read_jsonl(interim / "hanlp.jsonl")
    simplified = {s["id"]: s["text_simplified"] for s in read_jsonl(interim / "sentences.jsonl")}
    scores = score_layer(gold, silver, simplified, vocab=set())
    (annotations / "word_layer_scores.json").write_text(json.dumps({
        "hanlp": {"version": "2.1.5", **scores},
        "segmenters": {"jieba": {"version": "0.42.1", "segmentation": scores["segmentation"],
                                 "errors": scores["errors"]["segmentation"]}}}, ensure_ascii=False), encoding="utf-8")
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
    # the same inputs (the review logs carry their time stamps), built again from scratch
    shutil.copytree(built / "corpus", other / "corpus", ignore=shutil.ignore_patterns("hf"))
    shutil.copytree(built / "models", other / "models")
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
    import re

    import yaml

    from annotators.card import PLACEHOLDER_RE

    readme = (built / "corpus" / "hf" / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("---\n") and not PLACEHOLDER_RE.search(readme)
    assert "license: cc-by-nc-sa-4.0" in readme and "config_name: char_ner" in readme
    n = sum(1 for _ in open(REPO / "corpus" / "interim" / "sentences.jsonl", encoding="utf-8"))
    assert f"{n} sentences" in readme
    meta = yaml.safe_load(readme.split("---\n", 2)[1])
    assert meta["language_details"] == ["zh-Hant", "zh-Hans"] and "checksums" not in meta
    for info in meta["dataset_info"]:
        assert info["dataset_size"] == sum(s["num_bytes"] for s in info["splits"]) and info["download_size"] > 0
    # Counts read "1 entity", never "1 entities".
    assert not re.search(r"\b1 (?:[A-Za-z]+ )?(?:entities|merges|words)\b", readme)
    for heading in ("### Data instances", "### Exports", "### Curation rationale", "#### Who are the annotators?",
                    "### Personal and sensitive information", "### Out-of-scope use", "## Contributions and contact"):
        assert heading in readme
    assert "exports/conllu/" in readme and 'doc.spans["numeric"]' in readme
    # Links into the source repository are relative to corpus/hf/ and name files that exist.
    links = re.findall(r"\]\(\.\./\.\./([^)]*)\)", readme)
    assert "corpus/ANNOTATION_GUIDELINES.md" in links and "annotators/pku_upos.py" in links
    assert all((REPO / link).exists() for link in links), links


def test_metadata_checks_catch_non_hub_fields() -> None:
    from annotators.card import check_metadata

    base = {"license": "cc-by-nc-sa-4.0", "language": ["zh"], "language_details": ["zh-Hant", "zh-Hans"]}
    assert check_metadata(base) == []
    problems = check_metadata({**base, "checksums": {"source": "0" * 64}, "language_details": "zh-Hant, with zh-Hans"})
    assert any("'checksums' is not a Hub dataset card field" in p for p in problems)
    assert any("language_details" in p and "not a list" in p for p in problems)
    assert check_metadata({**base, "language_details": ["zh-hant"]}) == ["language_details 'zh-hant' is not a BCP-47 code in canonical case (e.g. zh-Hant)"]


def _load_in_fresh_process(hf: Path, home: Path, code: str) -> str:
    """Run `code` (with `datasets` imported and HF = the folder) offline with HF_HOME=home; return stdout."""
    env = {**os.environ, "HF_HOME": str(home), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    prelude = f"import json, datasets\ndatasets.disable_progress_bars()\nHF = {str(hf)!r}\n"
    proc = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_dataset_info_is_what_datasets_computes(built: Path, tmp_path: Path) -> None:
    import yaml

    hf = built / "corpus" / "hf"
    code = """
out = {}
for config in ("default", "char_ner", "documents"):
    ds = datasets.load_dataset(HF, config)
    info = next(iter(ds.values())).info
    out[config] = [{s: info.splits[s].num_bytes for s in ds}, info.download_size, info.dataset_size]
print(json.dumps(out))
"""
    computed = json.loads(_load_in_fresh_process(hf, tmp_path / "home", code))
    meta = yaml.safe_load((hf / "README.md").read_text(encoding="utf-8").split("---\n", 2)[1])
    in_card = {i["config_name"]: [{s["name"]: s["num_bytes"] for s in i["splits"]}, i["download_size"], i["dataset_size"]]
               for i in meta["dataset_info"]}
    assert in_card == computed
    # download_size is the Parquet bytes; num_bytes the in-memory Arrow bytes, not the file size.
    parquet = sorted((hf / "data" / "default").glob("*.parquet"))
    assert computed["default"][1] == sum(p.stat().st_size for p in parquet)
    assert computed["default"][0]["train"] != (hf / "data" / "default" / "train-00000-of-00001.parquet").stat().st_size


def test_a_rebuild_changes_the_cache_key(built: Path, tmp_path: Path) -> None:
    """Load with the default cache, rebuild with one changed tag, load again: the change is there."""
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    hf, home = root / "corpus" / "hf", tmp_path / "home"
    code = "ds = datasets.load_dataset(HF)\nprint(ds['train'].features['pos_tags'].feature.int2str(ds['train'][0]['pos_tags'][0]))"
    assert _load_in_fresh_process(hf, home, code).strip() == "n"
    words = root / "corpus" / "annotations" / "words.jsonl"
    records = read_jsonl(words)
    first_train = json.loads(_load_in_fresh_process(hf, home, "print(json.dumps(datasets.load_dataset(HF)['train'][0]['id']))"))
    for r in records:
        if r["id"] == first_train:
            r["pos_tags"][0] = "v"
    words.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    _build(root)
    assert _load_in_fresh_process(hf, home, code).strip() == "v"
    # The old and the new data sit under two cache keys.
    assert len([p for p in (home / "datasets" / "hf" / "default" / "0.0.0").iterdir() if p.is_dir()]) == 2


def test_validate_catches_tampering(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "tampered"
    shutil.copytree(built, root)
    hf = root / "corpus" / "hf"
    readme = hf / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("license: cc-by-nc-sa-4.0", "license: cc-by-nc-sa"), encoding="utf-8")
    conllu = hf / "exports" / "conllu" / "test.conllu"
    conllu.write_text(conllu.read_text(encoding="utf-8").replace("\n1\t", "\n2\t", 1), encoding="utf-8")  # ids 2, 2, 3…
    conllu = hf / "exports" / "conllu" / "validation.conllu"
    conllu.write_text(conllu.read_text(encoding="utf-8").replace("NE=B-LOC", "NE=O", 1), encoding="utf-8")
    report = validate_dataset(root / "corpus", root / "models", REPO / "DATASET_CARD.md")
    checks = {f.check for f in report.failures}
    assert {"V-HF-CARD", "V-HF-EXPORTS"} <= checks, report.render()
    assert any("license 'cc-by-nc-sa'" in f.message for f in report.failures)
    assert any(f.place.startswith("exports/conllu/validation.conllu ") and f.check == "V-HF-EXPORTS"
               for f in report.failures), report.render()
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
    assert s[0]["misc"]["NE"] in {"O", "B-LOC"} and s[0]["misc"]["SpaceAfter"] == "No"
    assert conllu.parse(s.serialize())[0] == s
    docs = list(DocBin().from_bytes((hf / "exports" / "spacy" / "validation.spacy").read_bytes()).get_docs(spacy.blank("zh").vocab))
    assert docs[0].text == s.metadata["text"] and docs[0][0].tag_ == "n" and docs[0][0].pos_ == "NOUN"
    labels = {e.label_ for d in docs for e in d.ents}
    assert labels and labels <= {"LOC", "DATE", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "TIME"}


SOURCE_URL = "https://github.com/someone/nmg-corpus/blob/0123abc"


def test_the_cache_key_follows_the_data_fingerprint(built: Path, tmp_path: Path) -> None:
    """`datasets` hashes the README, not the Parquet bytes; the fingerprint in the descriptions is what
    ties the key to the data, and validate fails when it is stale."""
    import pyarrow.parquet as pq

    root = tmp_path / "fp"
    shutil.copytree(built, root)
    hf = root / "corpus" / "hf"
    code = "print(datasets.load_dataset_builder(HF, 'default').hash)"
    key = _load_in_fresh_process(hf, tmp_path / "home", code)
    path = hf / "data" / "default" / "train-00000-of-00001.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["text_hash"] = "f" * 16
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    assert _load_in_fresh_process(hf, tmp_path / "home", code) == key  # blind to the Parquet bytes
    report = validate_dataset(root / "corpus", root / "models", REPO / "DATASET_CARD.md")
    assert any(f.check == "V-HF-CARD" and "fingerprint" in f.message for f in report.failures), report.render()
    readme = hf / "README.md"
    text = readme.read_text(encoding="utf-8")
    old = text.split("Data fingerprint ", 1)[1][:16]
    readme.write_text(text.replace(old, "0" * 16, 1), encoding="utf-8")
    assert _load_in_fresh_process(hf, tmp_path / "home", code) != key


def test_publish_dry_run_lists_files(built: Path) -> None:
    import hashlib

    from annotators.publish import operations

    hf = built / "corpus" / "hf"
    lines = publish(hf, "someone/nmg-corpus", dry_run=True, source_url=SOURCE_URL)
    paths = [line.split("\t")[0] for line in lines]
    assert paths[0] == "README.md" and "data/default/train-00000-of-00001.parquet" in paths
    assert "checksums.sha256" in paths and "build_counts.json" not in paths
    path, size, digest = lines[1].split("\t")
    assert int(size) == (hf / path).stat().st_size
    assert digest == hashlib.sha256((hf / path).read_bytes()).hexdigest()
    # The uploaded README links into the source repository under the given URL.
    readme = next(op for op in operations(hf, SOURCE_URL) if op.path_in_repo == "README.md").path_or_fileobj.decode()
    assert "](../../" not in readme and f"]({SOURCE_URL}/corpus/ANNOTATION_GUIDELINES.md)" in readme
    restored = readme.replace(f"]({SOURCE_URL})", "](../../)").replace(f"]({SOURCE_URL}/", "](../../")
    assert f"]({SOURCE_URL})" in readme and restored == (hf / "README.md").read_text(encoding="utf-8")


def test_publish_needs_the_source_url(built: Path) -> None:
    with pytest.raises(CorpusError) as exc:
        publish(built / "corpus" / "hf", "someone/nmg-corpus", dry_run=True)
    assert exc.value.code == "E-PUBLISH" and "--source-url" in exc.value.message and "../../" in exc.value.message
    with pytest.raises(CorpusError):
        publish(built / "corpus" / "hf", "someone/nmg-corpus", dry_run=True, source_url="not a url")


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
    assert proc.returncode == 1 and "--source-url" in proc.stderr and "Traceback" not in proc.stderr
    proc = _cli("--corpus", str(built / "corpus"), "publish", "--repo-id", "someone/nmg", "--dry-run",
                "--source-url", SOURCE_URL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "path\tbytes\tsha256" and "would upload" in proc.stdout
    root = tmp_path / "bad"
    shutil.copytree(built, root)
    readme = root / "corpus" / "hf" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("- token-classification", "- token-tagging"), encoding="utf-8")
    proc = _cli("--corpus", str(root / "corpus"), "publish", "--repo-id", "someone/nmg", "--dry-run",
                "--source-url", SOURCE_URL)
    assert proc.returncode == 1 and "error[E-PUBLISH]" in proc.stderr and "token-tagging" in proc.stderr
    assert "Traceback" not in proc.stderr
