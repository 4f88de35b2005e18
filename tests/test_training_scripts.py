"""The two training scripts: one quick run each on the corpus, one on a Hub-style folder shaped like
peoples_daily_ner, and clear errors for wrong arguments."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from datasets import ClassLabel, Dataset, Features, List, Value, load_dataset

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus" / "hf"
#: the label inventory of peoples_daily_ner on the Hub
PEOPLES_DAILY_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh datasets cache shared by the module's runs: the cache key ignores Parquet bytes."""
    return tmp_path_factory.mktemp("hf_home")


def run(script: str, *args: str, hf_home: Path) -> subprocess.CompletedProcess:
    """Runs a script of scripts/ with this venv's Python, offline, on a fresh cache; returns the result."""
    env = dict(os.environ, HF_HOME=str(hf_home), HF_DATASETS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, str(REPO / "scripts" / script), *args], capture_output=True,
                          text=True, env=env, cwd=str(REPO), timeout=300)


def class_names(config: str, column: str) -> list[str]:
    """The corpus's ClassLabel names for a config's sequence column."""
    return load_dataset(str(CORPUS), config)["train"].features[column].feature.names


def test_crf_quick(tmp_path: Path, hf_home: Path) -> None:
    out = tmp_path / "crf.json"
    r = run("train_crf.py", "--quick", "--seed", "7", "--out", str(out), hf_home=hf_home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "micro avg" in r.stdout and "f1-score" in r.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["labels"] == class_names("char_ner", "ner_tags")
    assert result["seed"] == 7
    assert set(result["chosen"]) >= {"c1", "c2"}
    assert 0.0 <= result["test"]["f1"] <= 1.0
    reported = {k for k in result["test"]["per_label"] if not k.endswith("avg")}
    assert reported <= {n[2:] for n in result["labels"] if n != "O"}


@pytest.mark.parametrize("config,column", [("char_ner", "ner_tags"), ("default", "ner_tags"),
                                           ("default", "upos"), ("default", "pos_tags")])
def test_bilstm_crf_one_epoch(config: str, column: str, tmp_path: Path, hf_home: Path) -> None:
    out = tmp_path / "bilstm.json"
    r = run("train_bilstm_crf.py", "--config", config, "--label-column", column, "--epochs", "1",
            "--out", str(out), hf_home=hf_home)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["labels"] == class_names(config, column)
    assert result["seed"] == 13 and result["settings"]["threads"] == 1
    assert len(result["epochs"]) == 1 and result["best_epoch"] == 1
    if column == "ner_tags":
        assert result["scheme"].startswith("IOB2")
        # a release may have no entities of a config's kinds in test (then there is nothing to score)
        assert "micro avg" in r.stdout or "nothing to score" in r.stdout
    else:
        assert result["scheme"].startswith("tags") and "accuracy" in r.stdout
        assert set(result["test"]["per_label"]) <= set(result["labels"])
        assert 0.0 <= result["test"]["accuracy"] <= 1.0


def write_hub_style_folder(root: Path) -> Path:
    """Writes a tiny folder shaped like peoples_daily_ner on the Hub: README YAML configs + Parquet per split."""
    sentences = [("我在北京工作", ["O", "O", "B-LOC", "I-LOC", "O", "O"]),
                 ("王小明去上海", ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "I-LOC"]),
                 ("新華社報道", ["B-ORG", "I-ORG", "I-ORG", "O", "O"]),
                 ("李華在新華社", ["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "I-ORG"])]
    features = Features({"id": Value("string"), "tokens": List(Value("string")),
                         "ner_tags": List(ClassLabel(names=PEOPLES_DAILY_NAMES))})
    (root / "data").mkdir(parents=True)
    sizes = {"train": 6, "validation": 2, "test": 2}
    for split, n in sizes.items():
        rows = [sentences[i % len(sentences)] for i in range(n * 2)]
        ds = Dataset.from_dict({"id": [f"{split}-{i}" for i in range(len(rows))],
                                "tokens": [list(t) for t, _ in rows],
                                "ner_tags": [[PEOPLES_DAILY_NAMES.index(x) for x in tags] for _, tags in rows]},
                               features=features)
        ds.to_parquet(str(root / "data" / f"{split}-00000-of-00001.parquet"))
    names = "\n".join(f"          '{i}': {n}" for i, n in enumerate(PEOPLES_DAILY_NAMES))
    splits = "\n".join(f"  - name: {s}\n    num_bytes: 1000\n    num_examples: {n * 2}" for s, n in sizes.items())
    files = "\n".join(f"  - split: {s}\n    path: data/{s}-00000-of-00001.parquet" for s in sizes)
    (root / "README.md").write_text(f"""---
configs:
- config_name: default
  data_files:
{files}
dataset_info:
  features:
  - name: id
    dtype: string
  - name: tokens
    list: string
  - name: ner_tags
    list:
      class_label:
        names:
{names}
  splits:
{splits}
---
# tiny peoples_daily_ner-shaped fixture
""", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hub_style(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hub_style_folder(tmp_path_factory.mktemp("fixture") / "hub_style_ner")


def test_hub_style_fixture_loads_like_the_hub(hub_style: Path) -> None:
    ds = load_dataset(str(hub_style), download_mode="force_redownload")
    assert ds["train"].features["ner_tags"].feature.names == PEOPLES_DAILY_NAMES


@pytest.mark.parametrize("script,extra", [("train_bilstm_crf.py", ["--epochs", "2"]), ("train_crf.py", ["--quick"])])
def test_scripts_train_on_a_hub_style_folder(script: str, extra: list, hub_style: Path, tmp_path: Path,
                                             hf_home: Path) -> None:
    out = tmp_path / "result.json"
    r = run(script, "--data", str(hub_style), "--config", "default", "--label-column", "ner_tags", *extra,
            "--out", str(out), hf_home=hf_home)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["labels"] == PEOPLES_DAILY_NAMES
    assert "micro avg" in r.stdout


@pytest.mark.parametrize("args,message", [
    (["--label-column", "text"], "not a sequence of ClassLabel"),
    (["--data", "/nonexistent/folder"], "does not exist"),
    (["--config", "no_such_config"], "cannot load"),
])
def test_clear_errors(args: list, message: str, tmp_path: Path, hf_home: Path) -> None:
    r = run("train_bilstm_crf.py", "--epochs", "1", "--out", str(tmp_path / "x.json"), *args, hf_home=hf_home)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
