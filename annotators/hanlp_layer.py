"""HanLP annotation layer: segmentation, PKU POS, UPOS and PER/LOC/ORG entities for each sentence.

The models run on ``text_simplified`` (OpenCC tw2s of ``text``, same length, aligned character
for character) after per-character NFKC (:func:`annotators.hanlp_data.nfkc_chars`, which keeps
offsets); every result is carried back to the traditional ``text`` by character offsets.

Two back ends:

* the project's own models under ``models/`` (``tok``, ``pos``, ``ner``), trained offline with
  ``scripts/train_*.py``;
* for online users, a HanLP pretrained multi-task model (an identifier such as
  ``CLOSE_TOK_POS_NER_SRL_DEP_SDP_CON_ELECTRA_SMALL_ZH`` or a model folder) whose output keys
  are task/standard pairs (``tok/fine``, ``pos/pku`` or ``pos/ctb``, ``ner/msra``), converted by
  :func:`adapt_mtl_output`.

Run ``python -m annotators.hanlp_layer --help`` for the file-to-file command.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from annotators.errors import CorpusError
from annotators.hanlp_data import nfkc_chars
from annotators.pipeline import sha256_file
from annotators.pku_upos import pku_to_upos

#: the three component folders under a models directory
COMPONENTS = ("tok", "pos", "ner")
#: files hashed to identify a component folder
MODEL_FILES = ("config.json", "vocabs.json", "model.pt")
#: HanLP MSRA / OntoNotes entity labels mapped to the project's three labels; others are dropped
NER_LABELS = {"PERSON": "PER", "PER": "PER", "NR": "PER", "LOCATION": "LOC", "LOC": "LOC", "NS": "LOC",
              "GPE": "LOC", "ORGANIZATION": "ORG", "ORG": "ORG", "NT": "ORG"}
#: CTB tags to UPOS, used only when a pretrained model offers ``pos/ctb`` and not ``pos/pku``
CTB_TO_UPOS = {"AD": "ADV", "AS": "AUX", "BA": "ADP", "CC": "CCONJ", "CD": "NUM", "CS": "SCONJ", "DEC": "PART",
               "DEG": "PART", "DER": "PART", "DEV": "PART", "DT": "DET", "ETC": "PART", "FW": "X", "IJ": "INTJ",
               "JJ": "ADJ", "LB": "ADP", "LC": "ADP", "M": "NOUN", "MSP": "PART", "NN": "NOUN", "NR": "PROPN",
               "NT": "NOUN", "OD": "NUM", "ON": "INTJ", "P": "ADP", "PN": "PRON", "PU": "PUNCT", "SB": "ADP",
               "SP": "PART", "URL": "X", "VA": "ADJ", "VC": "AUX", "VE": "VERB", "VV": "VERB", "EM": "SYM",
               "IC": "X", "NOI": "X"}
_SPACE = re.compile(r"\s+")

# (words, tags, entities as (label, start_char, end_char)) for one sentence
Analysis = Tuple[List[str], List[str], List[Tuple[str, int, int]]]


class LayerInputError(CorpusError, ValueError):
    """A sentence record is unusable; the message names the file line or the sentence id."""

    def __init__(self, message: str) -> None:
        super().__init__("E-HANLP-INPUT", message)


def model_fingerprint(folder: Path) -> Dict[str, Any]:
    """Takes a component folder; returns its class path and the sha256 of each model file."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return {"path": _display_path(folder), "classpath": config.get("classpath"),
            "sha256": {f: sha256_file(folder / f) for f in MODEL_FILES if (folder / f).exists()}}


@dataclass
class ProjectModels:
    """The project's three components, loaded with ``hanlp.load``, and their fingerprints."""
    tok: Any
    pos: Any
    ner: Any
    fingerprints: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def analyse(self, texts: Sequence[str], batch_size: int = 64) -> List[Analysis]:
        """Takes normalized simplified texts; returns ``(words, PKU tags, entities)`` per text."""
        return analyse_with(self.tok, self.pos, self.ner, texts, batch_size=batch_size)


def load_models(models_dir: Path, threads: int = 1) -> ProjectModels:
    """Takes the models folder (holding ``tok/``, ``pos/``, ``ner/``) and a torch thread count; returns the
    loaded models. Raises FileNotFoundError naming a missing component folder.
    """
    import hanlp
    import torch
    # more threads than free cores makes torch's CPU kernels spin and crawl on a shared machine
    torch.set_num_threads(threads)
    loaded = {}
    prints = {}
    for name in COMPONENTS:
        folder = Path(models_dir) / name
        if not (folder / "config.json").exists():
            raise FileNotFoundError(f"model folder missing or incomplete: {folder} (run scripts/train_*.py)")
        loaded[name] = hanlp.load(str(folder), devices=-1, verbose=False)
        prints[name] = model_fingerprint(folder)
    return ProjectModels(loaded["tok"], loaded["pos"], loaded["ner"], prints)


def _segment_keep_spaces(tok: Callable, texts: Sequence[str], batch_size: int) -> List[List[str]]:
    """Segments each text's non-space runs with ``tok``; whitespace runs become their own tokens."""
    pieces: List[Tuple[int, str]] = []
    layout: List[List[Tuple[bool, int | str]]] = []
    for text in texts:
        parts: List[Tuple[bool, int | str]] = []
        pos = 0
        for m in _SPACE.finditer(text):
            if m.start() > pos:
                parts.append((True, len(pieces)))
                pieces.append((len(layout), text[pos:m.start()]))
            parts.append((False, m.group()))
            pos = m.end()
        if pos < len(text):
            parts.append((True, len(pieces)))
            pieces.append((len(layout), text[pos:]))
        layout.append(parts)
    segmented = tok.predict([p for _, p in pieces], batch_size=batch_size) if pieces else []
    out = []
    for parts in layout:
        words: List[str] = []
        for is_text, val in parts:
            words.extend(segmented[val] if is_text else [val])
        out.append(words)
    return out


def analyse_with(tok: Any, pos: Any, ner: Any, texts: Sequence[str], batch_size: int = 64) -> List[Analysis]:
    """Takes the three components and normalized texts; returns ``(words, PKU tags, entities)`` per text."""
    import torch
    # HanLP's predict leaves autograd on; inference mode changes no number, only skips the bookkeeping
    with torch.inference_mode():
        return _analyse(tok, pos, ner, texts, batch_size)


def _analyse(tok: Any, pos: Any, ner: Any, texts: Sequence[str], batch_size: int) -> List[Analysis]:
    words = _segment_keep_spaces(tok, texts, batch_size)
    for text, ws in zip(texts, words):
        if "".join(ws) != text:
            raise RuntimeError(f"segmenter output does not join back to its input: {text[:40]!r}")
    nonempty = [i for i, ws in enumerate(words) if ws]
    tags: List[List[str]] = [[] for _ in texts]
    if nonempty:
        predicted = pos.predict([words[i] for i in nonempty], batch_size=batch_size)
        for i, t in zip(nonempty, predicted):
            tags[i] = list(t)
    # whitespace tokens are not PKU words; tag them as punctuation-like 'w'
    tags = [[("w" if w.isspace() else t) for w, t in zip(ws, ts)] for ws, ts in zip(words, tags)]
    ents = ner.predict([list(t) for t in texts], batch_size=batch_size)
    entities = [[(label, start, end) for _, label, start, end in es] for es in ents]
    return [(w, t, e) for w, t, e in zip(words, tags, entities)]


def adapt_mtl_output(doc: Dict[str, Any], *, pos_key: Optional[str] = None, ner_key: str = "ner/msra",
                     tok_key: Optional[str] = None) -> Tuple[List[Analysis], Dict[str, str]]:
    """Takes a HanLP multi-task output (a ``Document`` or dict, for one text or a list of texts) with keys
    such as ``tok/fine``, ``pos/pku``/``pos/ctb``, ``ner/msra`` (``(text, label, start_token, end_token)``
    tuples, end exclusive); returns ``(analyses, used_keys)``, entity offsets in characters, labels mapped to
    PER/LOC/ORG (other labels dropped). With ``pos/ctb`` only, tags are CTB (UPOS via :data:`CTB_TO_UPOS`)."""
    doc = dict(doc)
    tok_key = tok_key or next((k for k in ("tok/fine", "tok/coarse", "tok") if k in doc), None)
    if tok_key is None:
        raise KeyError(f"no tokenization in the model output; keys: {sorted(doc)}")
    pos_key = pos_key or next((k for k in ("pos/pku", "pos/ctb", "pos/863", "pos") if k in doc), None)
    toks = doc[tok_key]
    flat = bool(toks) and isinstance(toks[0], str)

    def batched(value: Any) -> list:
        return [value] if flat else list(value)

    toks = batched(toks)
    tags = batched(doc[pos_key]) if pos_key else [["x"] * len(t) for t in toks]
    ners = batched(doc[ner_key]) if ner_key in doc else [[] for _ in toks]
    analyses: List[Analysis] = []
    for i, (ws, ts, es) in enumerate(zip(toks, tags, ners)):
        if len(ws) != len(ts):
            raise ValueError(f"sentence {i}: {len(ws)} tokens but {len(ts)} {pos_key} tags")
        starts = [0]
        for w in ws:
            starts.append(starts[-1] + len(w))
        entities = []
        for ent in es:
            _, label, b, e = ent[:4]
            mapped = NER_LABELS.get(str(label).upper())
            if mapped and 0 <= b < e <= len(ws):
                entities.append((mapped, starts[b], starts[e]))
        analyses.append((list(ws), list(ts), entities))
    return analyses, {"tok": tok_key, "pos": pos_key or "", "ner": ner_key if ner_key in doc else ""}


def _upos(tag: str, word: str, tagset: str) -> str:
    if word.isspace():
        return "X"
    if tagset == "ctb":
        return CTB_TO_UPOS.get(tag, "X")
    return pku_to_upos(tag, word)


def carry_back(record: dict, analysis: Analysis, tagset: str = "pku") -> dict:
    """Takes a sentence record and the analysis of its simplified text; returns the output record with
    traditional-text tokens, offsets, tags, UPOS and entities. Raises LayerInputError if misaligned."""
    text = record["text"]
    words, tags, entities = analysis
    offsets, pos = [], 0
    for w in words:
        offsets.append([pos, pos + len(w)])
        pos += len(w)
    if pos != len(text):
        raise LayerInputError(f"sentence {record.get('id')!r}: analysis covers {pos} characters, text has {len(text)}")
    tokens = [text[s:e] for s, e in offsets]
    return {
        "id": record["id"],
        "text_hash": record["text_hash"],
        "tokens": tokens,
        "token_offsets": offsets,
        "pos_tags": list(tags),
        "upos": [_upos(t, w, tagset) for w, t in zip(words, tags)],
        "entities": [{"start": s, "end": e, "text": text[s:e], "label": label}
                     for label, s, e in sorted(entities, key=lambda x: (x[1], x[2], x[0]))],
    }


def _check_record(record: dict, where: str) -> str:
    for key in ("id", "text_hash", "text", "text_simplified"):
        if key not in record:
            raise LayerInputError(f"{where}: missing key {key!r}")
    if len(record["text"]) != len(record["text_simplified"]):
        raise LayerInputError(f"{where}: text ({len(record['text'])} chars) and text_simplified "
                              f"({len(record['text_simplified'])} chars) are not aligned")
    return nfkc_chars(record["text_simplified"])


def annotate_sentences(sentences: List[dict], *, models_dir: Optional[Path] = None,
                       models: Optional[ProjectModels] = None, pretrained: Optional[str] = None,
                       batch_size: int = 64) -> List[dict]:
    """Takes sentence records (``id``, ``text_hash``, ``text``, ``text_simplified``) and either a models
    folder, loaded models, or a HanLP pretrained identifier/folder; returns one output record per sentence
    (same order), deterministic for fixed models."""
    texts = [_check_record(r, f"sentence {r.get('id', i)!r}") for i, r in enumerate(sentences)]
    if pretrained:
        import hanlp
        mtl = hanlp.load(pretrained)
        analyses, keys = adapt_mtl_output(mtl(texts))
        tagset = "ctb" if keys["pos"].endswith("ctb") else "pku"
    else:
        if models is None:
            if models_dir is None:
                raise ValueError("give models_dir, models or pretrained")
            models = load_models(models_dir)
        analyses, tagset = models.analyse(texts, batch_size=batch_size), "pku"
    return [carry_back(r, a, tagset) for r, a in zip(sentences, analyses)]


def read_sentences(path: Path) -> List[dict]:
    """Takes a JSON-lines file; returns its records. Raises LayerInputError naming the file and line."""
    out = []
    with open(path, encoding="utf-8") as src:
        for lineno, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LayerInputError(f"{path}:{lineno}: not JSON ({e.msg})") from None
            _check_record(record, f"{path}:{lineno}")
            out.append(record)
    return out


def _display_path(path: Path) -> str:
    """Path relative to the repository when inside it (output must not depend on the checkout's location)."""
    repo = Path(__file__).resolve().parents[1]
    try:
        return str(Path(path).resolve().relative_to(repo))
    except ValueError:
        return str(path)


def build_meta(models: Optional[ProjectModels], pretrained: Optional[str], input_path: Optional[Path]) -> dict:
    """Takes the models used and the input file; returns the header recorded beside the output."""
    import hanlp
    meta: Dict[str, Any] = {"layer": "hanlp", "hanlp_version": hanlp.__version__,
                            "normalization": "NFKC per character on text_simplified (length-preserving)",
                            "pos_tagset": "PKU 1998", "upos_mapping": "annotators/pku_upos.py",
                            "entity_labels": ["PER", "LOC", "ORG"]}
    if pretrained:
        meta["models"] = {"pretrained": pretrained}
    elif models is not None:
        meta["models"] = models.fingerprints
    if input_path is not None:
        meta["input"] = {"path": _display_path(input_path), "sha256": sha256_file(input_path)}
    return meta


def write_jsonl(records: Iterable[dict], path: Path) -> int:
    """Writes records as sorted-key JSON lines; returns how many were written."""
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: sentences.jsonl in, hanlp.jsonl and hanlp.meta.json out; returns the exit code."""
    repo = Path(__file__).resolve().parents[1]
    p = argparse.ArgumentParser(description="HanLP annotation layer")
    p.add_argument("--input", type=Path, default=repo / "corpus" / "interim" / "sentences.jsonl")
    p.add_argument("--output", type=Path, default=repo / "corpus" / "interim" / "hanlp.jsonl")
    p.add_argument("--models-dir", type=Path, default=repo / "models")
    p.add_argument("--pretrained", default=None, help="HanLP pretrained identifier or folder (needs the network)")
    args = p.parse_args(argv)
    if not args.input.exists():
        print(f"error: input not found: {args.input}", file=sys.stderr)
        return 1
    try:
        sentences = read_sentences(args.input)
        models = None if args.pretrained else load_models(args.models_dir)
        records = annotate_sentences(sentences, models=models, pretrained=args.pretrained)
    except (LayerInputError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    n = write_jsonl(records, args.output)
    meta_path = args.output.with_suffix(".meta.json")
    meta_path.write_text(json.dumps(build_meta(models, args.pretrained, args.input), ensure_ascii=False, indent=1,
                                    sort_keys=True) + "\n", encoding="utf-8")
    print(f"{n} sentences -> {args.output} (meta: {meta_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
