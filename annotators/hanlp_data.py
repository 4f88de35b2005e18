"""Data preparation for the HanLP BiLSTM-CRF components: readers, splits, normalization, overlap.

Every reader returns plain Python objects and NFKC-normalizes text character by character
(:func:`nfkc_chars`), so that training, evaluation and annotation all see the same characters
and character offsets never move.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Sequence, Set, Tuple

from annotators.errors import CorpusError

#: lines of 199801.txt held out (the file's last 1,000 lines) for POS and joint evaluation
HELD_OUT_LINES = 1000
#: last line (1-based) of the official MSRA NER training part inside dh_msra.txt (SOURCES.md)
MSRA_TRAIN_LAST_LINE = 2_220_537
#: shared-substring length that marks an MSRA training sentence as overlapping an evaluation set
OVERLAP_NGRAM = 20
#: characters that end a sentence when paragraphs are cut into training sequences
SENTENCE_END = set("。！？")
#: sequences longer than this are further cut after a comma-like character
MAX_SEQ_CHARS = 150
SOFT_BREAK = set("，；：、")

Word = Tuple[str, str]  # (surface, PKU tag)


class DataFormatError(CorpusError, ValueError):
    """Raised for malformed input; the message names the file and the 1-based line."""

    def __init__(self, message: str) -> None:
        super().__init__("E-HANLP-DATA", message)


def nfkc_chars(text: str) -> str:
    """Takes a string; returns it with each character NFKC-normalized on its own.

    A character whose NFKC form is not exactly one character (``㎡`` -> ``m2``) is kept as is,
    so the result has the same length and offsets as the input.
    """
    out = []
    for ch in text:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# People's Daily 1998 (word/TAG)
# ---------------------------------------------------------------------------------------------
def parse_pd98_line(line: str, *, path: str = "<string>", lineno: int = 0) -> List[Word]:
    """Takes one ``word/TAG  word/TAG`` line; returns ``[(word, tag), ...]`` with NFKC words."""
    words: List[Word] = []
    for item in line.split():
        word, sep, tag = item.rpartition("/")
        if not sep or not word or not tag:
            raise DataFormatError(f"{path}:{lineno}: token {item!r} is not word/TAG")
        words.append((nfkc_chars(word), tag))
    return words


def read_pd98(path: Path) -> List[List[Word]]:
    """Takes the path of 199801.txt; returns one ``[(word, tag), ...]`` list per non-empty line."""
    paragraphs = []
    with open(path, encoding="utf-8") as src:
        for lineno, line in enumerate(src, 1):
            if line.strip():
                paragraphs.append(parse_pd98_line(line, path=str(path), lineno=lineno))
    return paragraphs


def split_pd98(paragraphs: Sequence[List[Word]], held_out: int = HELD_OUT_LINES
               ) -> Tuple[List[List[Word]], List[List[Word]]]:
    """Takes all paragraphs; returns ``(train, test)`` where test is the last ``held_out`` lines."""
    if len(paragraphs) <= held_out:
        raise ValueError(f"only {len(paragraphs)} paragraphs; cannot hold out {held_out}")
    return list(paragraphs[:-held_out]), list(paragraphs[-held_out:])


def split_sentences(words: List[Word], max_chars: int = MAX_SEQ_CHARS) -> List[List[Word]]:
    """Takes a paragraph; returns sentences cut after 。！？ and long ones after ，；：、."""
    sentences: List[List[Word]] = []
    cur: List[Word] = []
    n = 0
    for word, tag in words:
        cur.append((word, tag))
        n += len(word)
        if word in SENTENCE_END or (n >= max_chars and word in SOFT_BREAK):
            sentences.append(cur)
            cur, n = [], 0
    if cur:
        sentences.append(cur)
    return sentences


def train_dev_split(items: Sequence, every: int = 50) -> Tuple[list, list]:
    """Takes training items; returns ``(train, dev)`` with every ``every``-th item as dev (deterministic)."""
    train = [x for i, x in enumerate(items) if i % every != every - 1]
    dev = [x for i, x in enumerate(items) if i % every == every - 1]
    return train, dev


def bmes(words: Sequence[str]) -> Tuple[List[str], List[str]]:
    """Takes words; returns ``(characters, BMES tags)``."""
    chars: List[str] = []
    tags: List[str] = []
    for w in words:
        chars.extend(w)
        tags.extend(["S"] if len(w) == 1 else ["B"] + ["M"] * (len(w) - 2) + ["E"])
    return chars, tags


def tokenizer_samples(sentences: Iterable[List[Word]]) -> List[dict]:
    """Takes word/tag sentences; returns HanLP tokenizer samples ``{'char': [...], 'tag': [BMES]}``."""
    out = []
    for sent in sentences:
        chars, tags = bmes([w for w, _ in sent])
        if chars:
            out.append({"char": chars, "tag": tags})
    return out


def tagger_samples(sentences: Iterable[List[Word]]) -> List[dict]:
    """Takes word/tag sentences; returns HanLP tagger samples ``{'token': [...], 'tag': [...]}``."""
    return [{"token": [w for w, _ in s], "tag": [t for _, t in s]} for s in sentences if s]


# ---------------------------------------------------------------------------------------------
# SIGHAN 2005 (icwb2-data) and word lists
# ---------------------------------------------------------------------------------------------
def read_segmented(path: Path) -> List[List[str]]:
    """Takes a space-segmented file (gold or training); returns NFKC word lists, one per non-empty line."""
    out = []
    with open(path, encoding="utf-8") as src:
        for line in src:
            words = [nfkc_chars(w) for w in line.split()]
            if words:
                out.append(words)
    return out


def read_raw_lines(path: Path) -> List[str]:
    """Takes an unsegmented file; returns its non-empty lines, stripped and NFKC-normalized."""
    with open(path, encoding="utf-8") as src:
        return [nfkc_chars(line.strip()) for line in src if line.strip()]


def read_word_list(path: Path, *, normalize: bool) -> Set[str]:
    """Takes a one-word-per-line list; returns the set of words, NFKC-normalized if ``normalize``."""
    with open(path, encoding="utf-8") as src:
        words = {line.strip() for line in src if line.strip()}
    return {nfkc_chars(w) for w in words} if normalize else words


# ---------------------------------------------------------------------------------------------
# Character BIO NER files
# ---------------------------------------------------------------------------------------------
def read_bio(path: Path, *, start_line: int = 1, end_line: int | None = None) -> List[dict]:
    """Takes a ``char TAG`` file (tab or space separated, blank line between sentences) and an
    optional 1-based inclusive line range; returns ``[{'token': [chars], 'tag': [BIO]}, ...]``."""
    sentences: List[dict] = []
    chars: List[str] = []
    tags: List[str] = []
    with open(path, encoding="utf-8") as src:
        for lineno, line in enumerate(src, 1):
            if lineno < start_line:
                continue
            if end_line is not None and lineno > end_line:
                break
            line = line.rstrip("\r\n")
            if not line.strip():
                if chars:
                    sentences.append({"token": chars, "tag": tags})
                    chars, tags = [], []
                continue
            parts = line.split("\t") if "\t" in line else line.split(" ")
            if len(parts) != 2 or len(parts[0]) != 1:
                raise DataFormatError(f"{path}:{lineno}: expected 'char<TAB or space>TAG', got {line!r}")
            ch, tag = parts
            if tag != "O" and tag[:2] not in ("B-", "I-"):
                raise DataFormatError(f"{path}:{lineno}: tag {tag!r} is not O, B-X or I-X")
            chars.append(nfkc_chars(ch))
            tags.append(tag)
    if chars:
        sentences.append({"token": chars, "tag": tags})
    return sentences


def read_msra(path: Path, train_last_line: int = MSRA_TRAIN_LAST_LINE) -> Tuple[List[dict], List[dict]]:
    """Takes dh_msra.txt; returns ``(train, test)`` split at the official boundary line."""
    return read_bio(path, end_line=train_last_line), read_bio(path, start_line=train_last_line + 1)


def bio_spans(tags: Sequence[str]) -> List[Tuple[str, int, int]]:
    """Takes BIO tags; returns ``[(label, start, end_exclusive)]``; a stray I- starts a new span."""
    spans = []
    label, start = None, 0
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != label):
            if label is not None:
                spans.append((label, start, i))
            label, start = (tag[2:], i) if tag != "O" else (None, i)
    return spans


# ---------------------------------------------------------------------------------------------
# Overlap between training and evaluation sets
# ---------------------------------------------------------------------------------------------
def ngrams(text: str, n: int = OVERLAP_NGRAM) -> Iterator[str]:
    """Takes a string; yields its character n-grams (the whole string once if shorter than n)."""
    if len(text) < n:
        return
    for i in range(len(text) - n + 1):
        yield text[i:i + n]


def remove_overlap(train: Sequence[str], evaluation: Iterable[str], n: int = OVERLAP_NGRAM
                   ) -> Tuple[List[int], List[int]]:
    """Takes training and evaluation sentences (strings); returns ``(kept, removed)`` training indices,
    removing every training sentence that shares an ``n``-character string with an evaluation
    sentence, or equals one (for sentences shorter than ``n``)."""
    grams: Set[str] = set()
    short: Set[str] = set()
    for text in evaluation:
        if len(text) < n:
            short.add(text)
        grams.update(ngrams(text, n))
    kept, removed = [], []
    for i, text in enumerate(train):
        hit = text in short or any(g in grams for g in ngrams(text, n))
        (removed if hit else kept).append(i)
    return kept, removed


def overlap_counts(train: Sequence[str], evaluation: Sequence[str], n: int = OVERLAP_NGRAM) -> Dict[str, int]:
    """Takes training and evaluation sentences; returns counts of evaluation sentences that occur
    verbatim in training (``exact``) and that share an ``n``-character string with it (``ngram``)."""
    train_set = set(train)
    grams: Set[str] = set()
    for text in train:
        grams.update(ngrams(text, n))
    exact = sum(1 for t in evaluation if t in train_set)
    shared = sum(1 for t in evaluation if t in train_set or any(g in grams for g in ngrams(t, n)))
    return {"eval_sentences": len(evaluation), "exact": exact, f"shares_{n}_chars": shared}


def remove_overlap_with(train: Sequence[str], evaluation: Dict[str, Sequence[str]], n: int = OVERLAP_NGRAM
                        ) -> Tuple[List[int], Dict[str, int]]:
    """Takes training strings and named evaluation sets; returns ``(kept training indices, report)``.

    A training string goes if it shares an ``n``-character string with (or, when short, equals) a
    sentence of any set; the report counts the removals per set (a string may count for several)
    and in all, so the models card can say what was taken out and why.
    """
    report: Dict[str, int] = {"training_before": len(train)}
    gone: Set[int] = set()
    for name, texts in evaluation.items():
        _, removed = remove_overlap(train, texts, n)
        report[f"removed_for_{name}"] = len(removed)
        gone.update(removed)
    kept = [i for i in range(len(train)) if i not in gone]
    report["removed"] = len(gone)
    report["kept"] = len(kept)
    return kept, report


def pd98_evaluation_texts(paths: "CorpusPaths", held_par: Sequence[List[Word]]) -> Dict[str, List[str]]:
    """Takes corpus paths and the held-out 199801 paragraphs; returns the sentences of every set the
    PKU-standard models are scored on."""
    return {
        "pd98_heldout": ["".join(w for w, _ in s) for par in held_par for s in split_sentences(par)],
        "pku_test": ["".join(ws) for ws in read_segmented(paths.pku_test_gold)],
        "ud_test": ["".join(ws) for ws in read_conllu_forms(paths.ud_test)],
    }


def pd98_training_data(paths: "CorpusPaths") -> Tuple[List[List[Word]], Dict[str, int]]:
    """Takes corpus paths; returns (199801 training sentences minus every overlap with an evaluation
    set, a report of counts). The tokenizer and the tagger both train on exactly these."""
    train_par, held_par = split_pd98(read_pd98(paths.pd98))
    sentences = [s for par in train_par for s in split_sentences(par)]
    kept, report = remove_overlap_with(["".join(w for w, _ in s) for s in sentences],
                                       pd98_evaluation_texts(paths, held_par))
    return [sentences[i] for i in kept], report


def ner_training_data(paths: "CorpusPaths") -> Tuple[List[dict], Dict[str, int]]:
    """Takes corpus paths; returns (MSRA training samples minus every overlap with an evaluation
    set — People's Daily NER dev and test, the MSRA test part — and a report of counts)."""
    train, test = read_msra(paths.msra)
    evaluation = {"pd_ner_dev": read_bio(paths.pd_ner_dev), "pd_ner_test": read_bio(paths.pd_ner_test),
                  "msra_test": test}
    kept, report = remove_overlap_with(["".join(s["token"]) for s in train],
                                       {name: ["".join(s["token"]) for s in sents] for name, sents in evaluation.items()})
    return [train[i] for i in kept], report


def read_conllu_forms(path: Path) -> List[List[str]]:
    """Takes a CoNLL-U file; returns the NFKC word forms of each sentence (multi-word ranges skipped)."""
    return [[w for w, _ in s] for s in read_conllu(path)]


def read_conllu(path: Path) -> List[List[Tuple[str, str]]]:
    """Takes a CoNLL-U file; returns ``[(form, UPOS), ...]`` per sentence (NFKC forms)."""
    sents, cur = [], []
    with open(path, encoding="utf-8") as src:
        for lineno, line in enumerate(src, 1):
            line = line.rstrip("\n")
            if not line:
                if cur:
                    sents.append(cur)
                    cur = []
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise DataFormatError(f"{path}:{lineno}: expected 10 columns, got {len(cols)}")
            if "-" in cols[0] or "." in cols[0]:
                continue
            cur.append((nfkc_chars(cols[1]), cols[3]))
    if cur:
        sents.append(cur)
    return sents


def vocabulary(sentences: Iterable[Sequence[str]]) -> Counter:
    """Takes word lists; returns a Counter of words."""
    c: Counter = Counter()
    for s in sentences:
        c.update(s)
    return c


@dataclass
class CorpusPaths:
    """Locations of the annotated corpora below one root folder: ``../shared/corpora`` beside the
    checkout, or the folder ``scripts/get_corpora.py`` fills (same layout)."""
    root: Path

    @property
    def pd98(self) -> Path:
        return self.root / "peoples-daily-1998" / "199801.txt"

    @property
    def pku_test_raw(self) -> Path:
        return self.root / "icwb2-data" / "testing" / "pku_test.utf8"

    @property
    def pku_test_gold(self) -> Path:
        return self.root / "icwb2-data" / "gold" / "pku_test_gold.utf8"

    @property
    def pku_words(self) -> Path:
        return self.root / "icwb2-data" / "gold" / "pku_training_words.utf8"

    @property
    def msra(self) -> Path:
        return self.root / "msra-ner" / "dh_msra.txt"

    @property
    def pd_ner_dev(self) -> Path:
        return self.root / "peoples-daily-ner" / "example.dev"

    @property
    def pd_ner_test(self) -> Path:
        return self.root / "peoples-daily-ner" / "example.test"

    @property
    def ud_test(self) -> Path:
        return self.root / "ud-chinese-gsdsimp" / "zh_gsdsimp-ud-test.conllu"

    def check(self) -> None:
        """Raises FileNotFoundError naming the first missing corpus file."""
        for name in ("pd98", "pku_test_raw", "pku_test_gold", "pku_words", "msra", "pd_ner_dev", "pd_ner_test",
                     "ud_test"):
            p = getattr(self, name)
            if not p.exists():
                raise FileNotFoundError(f"corpus file missing: {p}")
