"""Publishing the dataset folder to the Hugging Face Hub as a dataset repository.

`upload_folder` has no dry run, so the upload is an explicit list of
`CommitOperationAdd`: `--dry-run` builds exactly the list a real run sends, offline, and
prints every file with its size and SHA-256 (computed locally by huggingface_hub).

The card links to files of the source repository relative to the dataset folder
(`../../annotators/pku_upos.py`), which a Hub user does not have: the uploaded README has
them under the repository URL given as `source_url`, and publishing without one fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .card import check_metadata
from .errors import CorpusError
from .release import HF_README

# Files of the folder that are build records, not part of the published dataset.
NOT_PUBLISHED = {"build_counts.json"}
# A Markdown link target into the source repository, relative to corpus/hf/.
REPO_LINK_RE = re.compile(r"\]\(\.\./\.\./([^)\s]*)\)")
SOURCE_URL_RE = re.compile(r"https?://[^\s()<>]+")


def repository_links(readme: str) -> list[str]:
    """The paths of the source repository that `readme` links to (relative links)."""
    return REPO_LINK_RE.findall(readme)


def with_source_url(readme: str, source_url: str) -> str:
    """`readme` with every relative link into the source repository made absolute under `source_url`
    (e.g. https://github.com/OWNER/nmg-corpus/blob/COMMIT)."""
    if not SOURCE_URL_RE.fullmatch(source_url):
        raise CorpusError("E-PUBLISH", f"--source-url {source_url!r} is not an http(s) URL")
    base = source_url.rstrip("/")
    return REPO_LINK_RE.sub(lambda m: f"]({base}/{m.group(1)})" if m.group(1) else f"]({base})", readme)


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


def operations(hf_dir: Path, source_url: str | None = None) -> list:
    """The commit operations that upload every published file of `hf_dir`, sorted by path; the
    README with its repository links under `source_url`. Raises CorpusError if the README links
    into the repository and no `source_url` is given."""
    from huggingface_hub import CommitOperationAdd

    readme = (hf_dir / HF_README).read_text(encoding="utf-8")
    links = repository_links(readme)
    if links and not source_url:
        shown = ", ".join(sorted({f"../../{p}" for p in links})[:4])
        raise CorpusError("E-PUBLISH", f"{hf_dir / HF_README} links to {len(links)} places of the source repository "
                          f"({shown}, ...); pass --source-url URL (e.g. https://github.com/OWNER/nmg-corpus/blob/COMMIT) "
                          "so that they work on the Hub")
    files = sorted(p for p in hf_dir.rglob("*") if p.is_file() and p.relative_to(hf_dir).as_posix() not in NOT_PUBLISHED)
    ops = []
    for p in files:
        rel = p.relative_to(hf_dir).as_posix()
        content = with_source_url(readme, source_url).encode("utf-8") if rel == HF_README and links else str(p)
        ops.append(CommitOperationAdd(path_in_repo=rel, path_or_fileobj=content))
    return ops


def publish(hf_dir: Path, repo_id: str, *, dry_run: bool, source_url: str | None = None, private: bool = False,
            create_pr: bool = False, commit_message: str = "Upload nmg-corpus dataset") -> list[str]:
    """Check the card offline, then upload (or, with `dry_run`, only list) the folder's files.

    `source_url` is the source repository's URL under which the card's links to its files
    resolve. Returns one line per file: path, size in bytes and SHA-256 (of the bytes uploaded).
    Raises CorpusError if the card fails its offline checks or links without a `source_url`.
    """
    if not (hf_dir / HF_README).is_file():
        raise CorpusError("E-PUBLISH", f"{hf_dir}: no {HF_README}; run `nmg-corpus build` first")
    problems = card_problems(hf_dir)
    if problems:
        raise CorpusError("E-PUBLISH", f"{hf_dir / HF_README}: " + "; ".join(problems))
    ops = operations(hf_dir, source_url)
    lines = [f"{op.path_in_repo}\t{op.upload_info.size}\t{op.upload_info.sha256.hex()}" for op in ops]
    if not dry_run:
        from huggingface_hub import HfApi

        api = HfApi()
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.create_commit(repo_id, ops, repo_type="dataset", commit_message=commit_message, create_pr=create_pr)
    return lines
