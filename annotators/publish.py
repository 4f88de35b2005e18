"""Publishing the dataset folder to the Hugging Face Hub as a dataset repository.

`upload_folder` has no dry run, so the upload is an explicit list of
`CommitOperationAdd`: `--dry-run` builds exactly the list a real run sends, offline, and
prints every file with its size and SHA-256 (computed locally by huggingface_hub).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .card import check_metadata
from .errors import CorpusError
from .release import HF_README

# Files of the folder that are build records, not part of the published dataset.
NOT_PUBLISHED = {"build_counts.json"}


def card_problems(hf_dir: Path) -> list[str]:
    """Offline checks of the folder's card: Hub identifiers, configs and dataset_info parse."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(hf_dir / HF_README)
    meta = yaml.safe_load(card.content.split("---\n", 2)[1])
    problems = check_metadata(meta)
    try:
        configs = MetadataConfigs.from_dataset_card_data(card.data)
        infos = DatasetInfosDict.from_dataset_card_data(card.data)
    except Exception as exc:  # the Hub would reject a card whose metadata does not parse
        return problems + [f"metadata does not parse: {exc}"]
    if sorted(configs) != sorted(infos):
        problems.append(f"configs {sorted(configs)} and dataset_info {sorted(infos)} name different configs")
    for config in configs.values():
        for data_file in config.get("data_files", []):
            if not (hf_dir / data_file["path"]).is_file():
                problems.append(f"data file {data_file['path']} is missing")
    return problems


def operations(hf_dir: Path) -> list:
    """The commit operations that upload every published file of `hf_dir`, sorted by path."""
    from huggingface_hub import CommitOperationAdd

    files = sorted(p for p in hf_dir.rglob("*") if p.is_file() and p.relative_to(hf_dir).as_posix() not in NOT_PUBLISHED)
    return [CommitOperationAdd(path_in_repo=p.relative_to(hf_dir).as_posix(), path_or_fileobj=str(p)) for p in files]


def publish(hf_dir: Path, repo_id: str, *, dry_run: bool, private: bool = False, create_pr: bool = False,
            commit_message: str = "Upload nmg-corpus dataset") -> list[str]:
    """Check the card offline, then upload (or, with `dry_run`, only list) the folder's files.

    Returns one line per file: path, size in bytes and SHA-256. Raises CorpusError if the card
    fails its offline checks.
    """
    if not (hf_dir / HF_README).is_file():
        raise CorpusError("E-PUBLISH", f"{hf_dir}: no {HF_README}; run `nmg-corpus build` first")
    problems = card_problems(hf_dir)
    if problems:
        raise CorpusError("E-PUBLISH", f"{hf_dir / HF_README}: " + "; ".join(problems))
    ops = operations(hf_dir)
    lines = [f"{op.path_in_repo}\t{op.upload_info.size}\t{op.upload_info.sha256.hex()}" for op in ops]
    if not dry_run:
        from huggingface_hub import HfApi

        api = HfApi()
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.create_commit(repo_id, ops, repo_type="dataset", commit_message=commit_message, create_pr=create_pr)
    return lines
