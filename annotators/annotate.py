"""Annotate any Chinese text with the project's models: words, PKU tags, UPOS and PER/LOC/ORG entities.

The text is read as UTF-8; each line is a paragraph, split into sentences with the project's rules
(:mod:`annotators.sentences`). As in the build, each sentence is converted to simplified characters
(OpenCC ``tw2s``, :mod:`annotators.simplify`) and NFKC-normalized character by character for the
models, and every token and entity is carried back to the input's own characters by offsets:
traditional input gives traditional tokens. Where OpenCC's phrase conversion would change a
sentence's length, that sentence is converted character by character instead, so offsets never move.
The models run through the fast engine :mod:`annotators.hanlp_fast` (``bf16`` where the CPU runs it,
else ``fp32``; ``exact`` gives the build's own output).

Three output formats (:data:`FORMATS`):

* ``jsonl``: one JSON object per sentence, the fields of ``corpus/interim/hanlp.jsonl`` plus ``line``
  (1-based input line), ``start`` (offset of the sentence in its line), ``text``, ``models`` and
  ``precision``;
* ``conllu``: CoNLL-U without syntax, as the dataset's export (:mod:`annotators.exports`): UPOS, the
  PKU tag as XPOS, ``TokenRange`` (offsets in ``# text``), ``NE`` (BIO over the words an entity
  touches) and ``NERange`` (the entity's exact offsets) in MISC; whitespace is not a word: it is
  kept in ``SpaceAfter=No`` / ``SpacesAfter`` / ``SpacesBefore``, so forms and spacing rebuild each line;
* ``pd98``: People's Daily 1998 notation, one sentence a line and an empty line between paragraphs,
  written by the review tool's formatter (:func:`annotators.review.words.notation.format_analysis`):
  ``過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG``. The notation brackets whole words only: an
  entity that ends inside a word is left out of this format and named in :attr:`Result.warnings`.

Bad input is a :class:`~annotators.errors.CorpusError` naming the source and the place: bytes that are
not UTF-8 (byte offset and line), NUL bytes (binary input), no text at all, or a line longer than
:data:`MAX_LINE_CHARS` characters (the limit keeps one sentence's batch within memory; break such a
text into paragraphs, one per line).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .errors import CorpusError
from .hanlp_data import nfkc_chars
from .hanlp_layer import COMPONENTS, MODEL_FILES, carry_back
from .review.words.analysis import Analysis as NotationAnalysis
from .review.words.analysis import Entity as NotationEntity
from .review.words.analysis import Word as NotationWord
from .review.words.notation import format_analysis
from .sentences import split_sentences
from .simplify import to_simplified
from .structure import text_hash

#: output formats
FORMATS = ("conllu", "jsonl", "pd98")
#: the longest input line accepted, in characters
MAX_LINE_CHARS = 100_000
#: the adapted model set, used by default when it is complete
ADAPTED_MODELS = Path("models") / "gov"
#: the news-trained model set shipped with the project
SHIPPED_MODELS = Path("models")
_BOM = "\ufeff"
# byte-order marks of the other Unicode encodings (UTF-32 first: its little-endian mark starts like UTF-16's)
_OTHER_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
               (b"\xfe\xff", "UTF-16"))
# UD's escapes for the spacing MISC attributes
_SPACE_ESCAPES = {" ": "\\s", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", "|": "\\p"}


class AnnotateInputError(CorpusError):
    """Input that cannot be annotated; the message names the source and the place."""


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence of the input: its line (1-based), its index in the line (1-based), its offset in
    the line and its text."""

    line: int
    index: int
    start: int
    text: str

    @property
    def id(self) -> str:
        """``p{line}-s{index}``: the input line is the paragraph."""
        return f"p{self.line}-s{self.index}"


@dataclass
class Result:
    """The annotated sentences (``hanlp.jsonl``-style records with ``line``, ``start`` and ``text``),
    what the annotation used, and remarks for the user."""

    records: List[Dict[str, Any]]
    models: str
    precision: str
    characters: int
    seconds: float
    char_by_char: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------------------------
def decode_input(data: bytes, source: str) -> str:
    """Takes raw input bytes and a name for them; returns the text (a leading UTF-8 byte-order mark
    dropped). Raises AnnotateInputError naming the source, byte offset and line for NUL bytes (binary
    input) and bytes that are not UTF-8 (UTF-16 and UTF-32 named by their byte-order mark), and for
    input with no text."""
    for bom, name in _OTHER_BOMS:
        if data.startswith(bom):
            raise AnnotateInputError("E-ANNOTATE-ENCODING", f"{source}: {name} text (byte-order mark {bom.hex(' ')} at "
                                                            f"byte offset 0), not UTF-8; convert it first (e.g. iconv "
                                                            f"-f {name} -t UTF-8)")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise AnnotateInputError("E-ANNOTATE-BINARY", f"{source}: binary input, not text: NUL byte at byte offset "
                                                      f"{nul} (line {line})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 4].hex(" ")
        raise AnnotateInputError("E-ANNOTATE-ENCODING", f"{source}: not UTF-8 at byte offset {exc.start} (line {line}):"
                                                        f" bytes {bad}; convert the file to UTF-8 first "
                                                        "(e.g. iconv -f GB18030 -t UTF-8)") from None
    if text.startswith(_BOM):
        text = text[1:]
    if not text.strip():
        raise AnnotateInputError("E-ANNOTATE-EMPTY", f"{source}: no text to annotate (the input is empty or only "
                                                     "whitespace)")
    return text


def split_input(text: str, source: str, *, max_line_chars: int = MAX_LINE_CHARS) -> List[SentenceSpan]:
    """Takes the input text; returns its sentences, line by line (``\\n`` ends a line, a ``\\r`` before it is
    the line end too). Raises AnnotateInputError naming the line for a line over ``max_line_chars``."""
    out: List[SentenceSpan] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if len(line) > max_line_chars:
            raise AnnotateInputError("E-ANNOTATE-LONG-LINE", f"{source}:{number}: line of {len(line):,} characters, "
                                                             f"over the limit of {max_line_chars:,}; break the text into"
                                                             " paragraphs, one per line")
        for index, (start, end) in enumerate(split_sentences(line), start=1):
            out.append(SentenceSpan(number, index, start, line[start:end]))
    return out


def simplified_for_models(text: str) -> Tuple[str, bool]:
    """Takes a sentence; returns what the models read (OpenCC ``tw2s``, then NFKC per character, same
    length as the sentence) and whether it had to be converted character by character because the
    phrase conversion changed its length."""
    simplified = to_simplified(text)
    by_char = len(simplified) != len(text)
    if by_char:
        simplified = "".join(c if len(s := to_simplified(c)) != 1 else s for c in text)
    return nfkc_chars(simplified), by_char


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
def missing_model_files(folder: Path) -> List[str]:
    """Takes a model set folder; returns the component files it lacks (``tok/model.pt``, ...)."""
    return [f"{c}/{f}" for c in COMPONENTS for f in MODEL_FILES if not (folder / c / f).is_file()]


def choose_models(given: Optional[Path], root: Path) -> Tuple[Path, str]:
    """Takes the ``--models`` folder (or None) and the checkout's root; returns the model set to use and a
    sentence saying why. Default: ``models/gov/`` (adapted to government prose) when it is complete,
    else the shipped ``models/``. Raises CorpusError when the chosen set lacks a file."""
    if given is not None:
        missing = missing_model_files(given)
        if missing:
            raise CorpusError("E-FILE-MISSING", f"{given}: not a complete model set (missing {', '.join(missing)})")
        return given, f"models {given} (--models)"
    adapted, shipped = root / ADAPTED_MODELS, root / SHIPPED_MODELS
    if adapted.is_dir() and not missing_model_files(adapted):
        return adapted, f"models {ADAPTED_MODELS}/ (adapted to government prose; the default when complete)"
    missing = missing_model_files(shipped)
    if missing:
        raise CorpusError("E-FILE-MISSING", f"{shipped}: not a complete model set (missing {', '.join(missing)})")
    why = "no adapted set" if not adapted.is_dir() else \
        f"{ADAPTED_MODELS}/ is incomplete (missing {', '.join(missing_model_files(adapted))})"
    return shipped, f"models {SHIPPED_MODELS}/ (news-trained; {why})"


def load_fast_models(folder: Path, *, precision: str, batch_size: int, threads: int) -> Any:
    """Takes a model set folder; returns :class:`annotators.hanlp_fast.FastModels` over its components.
    Torch runs on one thread: ``threads`` workers are the parallelism (more torch threads than free
    cores make its kernels spin)."""
    import torch

    from .hanlp_fast import FastModels
    from .hanlp_layer import load_models
    loaded = load_models(folder, threads=1)
    torch.set_num_threads(1)
    return FastModels.from_components(loaded.tok, loaded.pos, loaded.ner, precision=precision,
                                      batch_size=batch_size, threads=threads)


# ---------------------------------------------------------------------------------------------
# annotation
# ---------------------------------------------------------------------------------------------
def annotate_text(text: str, models: Any, *, source: str = "<text>", models_label: str = "",
                  max_line_chars: int = MAX_LINE_CHARS) -> Result:
    """Takes a decoded text and loaded :class:`~annotators.hanlp_fast.FastModels`; returns every sentence's
    record (``id``, ``line``, ``start``, ``text``, ``text_hash``, ``tokens``, ``token_offsets``,
    ``pos_tags``, ``upos``, ``entities``, ``models``, ``precision``), in input order. Raises AnnotateInputError for an
    over-long line."""
    spans = split_input(text, source, max_line_chars=max_line_chars)
    prepared = [simplified_for_models(s.text) for s in spans]
    started = time.perf_counter()
    analyses = models.analyse([p for p, _ in prepared])
    seconds = time.perf_counter() - started
    label = models_label or "models"
    records = []
    for span, analysis in zip(spans, analyses):
        record = carry_back({"id": span.id, "text_hash": text_hash(span.text), "text": span.text}, analysis)
        record.update(line=span.line, start=span.start, text=span.text, models=label, precision=models.precision)
        records.append(record)
    return Result(records, label, models.precision, sum(len(s.text) for s in spans), seconds,
                  [s.id for s, (_, by_char) in zip(spans, prepared) if by_char])


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------
def to_jsonl(result: Result) -> str:
    """Takes a result; returns one sorted-key JSON object per sentence, one a line."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in result.records)


def _spaces(run: str) -> str:
    return "".join(_SPACE_ESCAPES.get(c, f"\\u{ord(c):04x}") for c in run)


def conllu_block(record: Dict[str, Any], *, new_paragraph: bool, paragraph_goes_on: bool,
                 header: Sequence[str] = ()) -> str:
    """Takes one sentence record; returns its CoNLL-U block (comments, one line per non-whitespace word,
    an empty line). ``new_paragraph`` when it is the first sentence of its input line,
    ``paragraph_goes_on`` when the next sentence is in the same line."""
    text = record["text"]
    lead = len(text) - len(text.lstrip())
    shown = text.strip()
    words = [(i, s, e) for i, ((s, e), t) in enumerate(zip(record["token_offsets"], record["tokens"]))
             if not t.isspace()]
    lines = list(header)
    if new_paragraph:
        lines.append(f"# newpar id = p{record['line']}")
    lines += [f"# sent_id = {record['id']}", f"# text = {shown}"]
    starting: Dict[int, List[dict]] = {}
    touched: Dict[int, List[str]] = {}
    for ent in record["entities"]:
        inside = [k for k, (_, s, e) in enumerate(words) if s < ent["end"] and ent["start"] < e]
        if inside:
            starting.setdefault(inside[0], []).append(ent)
        for n, k in enumerate(inside):
            touched.setdefault(k, []).append(f"{'B' if n == 0 else 'I'}-{ent['label']}")
    for k, (i, s, e) in enumerate(words):
        misc = []
        if k == 0 and lead:
            misc.append(f"SpacesBefore={_spaces(text[:lead])}")
        # the whitespace after the word, up to the next word or the end of the sentence
        nxt = words[k + 1][1] if k + 1 < len(words) else len(text)
        run = text[e:nxt]
        if run == " " and k + 1 < len(words):
            pass  # one space: CoNLL-U's default
        elif run:
            misc.append(f"SpacesAfter={_spaces(run)}")
        elif k + 1 < len(words) or paragraph_goes_on:
            misc.append("SpaceAfter=No")
        misc.append(f"TokenRange={s - lead}:{e - lead}")
        misc.append(f"NE={touched.get(k, ['O'])[0]}")
        if k in starting:
            misc.append("NERange=" + ",".join(f"{x['start'] - lead}:{x['end'] - lead}" for x in starting[k]))
        cols = [str(k + 1), record["tokens"][i], "_", record["upos"][i], record["pos_tags"][i], "_", "_", "_", "_",
                "|".join(misc)]
        lines.append("\t".join(cols))
    return "\n".join(lines) + "\n\n"


def to_conllu(result: Result) -> str:
    """Takes a result; returns the CoNLL-U document (the generator and models as comments of the first
    sentence)."""
    header = ["# generator = nmg-corpus annotate", f"# models = {result.models}",
              f"# precision = {result.precision}"]
    records = result.records
    blocks = []
    for k, r in enumerate(records):
        new = k == 0 or records[k - 1]["line"] != r["line"]
        goes_on = k + 1 < len(records) and records[k + 1]["line"] == r["line"]
        blocks.append(conllu_block(r, new_paragraph=new, paragraph_goes_on=goes_on, header=header if k == 0 else ()))
    return "".join(blocks)


def notation_line(record: Dict[str, Any]) -> Tuple[str, List[str]]:
    """Takes one sentence record; returns its People's Daily 1998 notation line and a warning for each
    entity left out because it does not cover whole words."""
    words = tuple(NotationWord(s, e, tag) for (s, e), tag in zip(record["token_offsets"], record["pos_tags"]))
    bounds = {0, *(w.end for w in words)}
    kept, warnings = [], []
    for ent in record["entities"]:
        if ent["start"] in bounds and ent["end"] in bounds:
            kept.append(NotationEntity(ent["start"], ent["end"], ent["label"]))
        else:
            warnings.append(f"{record['id']} (line {record['line']}): {ent['label']} {ent['text']!r} at "
                            f"{ent['start']}-{ent['end']} does not cover whole words: left out of the pd98 notation "
                            "(jsonl and conllu keep it)")
    # built directly, not checked: the model's tags are kept as they are (PKU 1998 has a few outside the
    # review tool's set, such as the corpus typo 'vvn')
    analysis = NotationAnalysis(record["text"], words, tuple(sorted(kept, key=lambda e: (e.start, e.end))))
    return format_analysis(analysis), warnings


def to_pd98(result: Result) -> str:
    """Takes a result; returns the notation, one sentence a line, an empty line between paragraphs.
    Entities left out are added to ``result.warnings``."""
    out: List[str] = []
    previous: Optional[int] = None
    for r in result.records:
        if previous is not None and r["line"] != previous:
            out.append("")
        line, warnings = notation_line(r)
        out.append(line)
        result.warnings.extend(warnings)
        previous = r["line"]
    return "\n".join(out) + "\n" if out else ""


WRITERS = {"conllu": to_conllu, "jsonl": to_jsonl, "pd98": to_pd98}


def render(result: Result, fmt: str) -> str:
    """Takes a result and a format from :data:`FORMATS`; returns the output text."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return WRITERS[fmt](result)
