"""Stage 7: exports of the `default` config for other tools: CoNLL-U and spaCy DocBin.

Both are written from the Parquet rows (ClassLabel ids, names from the declared features) and
carry every layer at its exact character offsets; `row_layers`, `conllu_layers` and
`doc_layers` read the same three things back (words, entity spans per layer, sentence id) so
that `validate` and the tests compare each export with the rows.

CoNLL-U without syntax: ten columns, word ids 1..n, `# sent_id`, `# text` that the forms rebuild
(`SpaceAfter=No` on every word but a paragraph's last, since Chinese writes no spaces), `# newpar id` on
the first sentence of a paragraph, UPOS in column 4, the PKU tag as XPOS, LEMMA, FEATS, HEAD,
DEPREL and DEPS `_` (there is no parse). MISC holds the word's character offsets
(`TokenRange=3:6`), the PER/LOC/ORG BIO tag under `NE`, the key spaCy's `convert` reads
(`MISC_NER_PATTERN` in spacy/training/converters/conllu_to_docs.py), and the numeric layer as
BIO under `Numeric`, with the exact span and its normalization on the span's first word
(`NumericRange=12:14|NumericValue=6.0|NumericUnit=%|…`).

spaCy DocBin: one Doc a sentence, tokens = words with their PKU tag (`tag_`) and UPOS (`pos_`).
A word that a numeric span starts or ends inside is cut there, so that every span sits at its
exact offsets; the pieces get no tag (spaCy reads "" as missing) and the whole word with its
tags is kept in `doc.user_data["split_words"]`. Every layer is a span group (`doc.spans["ner"]`,
`doc.spans["numeric"]`); `doc.ents` holds the numeric spans and the PER/LOC/ORG entities that
overlap none of them (a Doc's entities cannot overlap). `doc.user_data` also holds the sentence
`id` and its `split`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError


@dataclass(frozen=True)
class WordColumn:
    """A word-level column of the `default` config (one ClassLabel id per word) and where each export puts it."""

    column: str
    conllu: str  # "UPOS", "XPOS" or a MISC attribute name
    spacy: str   # the Doc attribute it fills ("pos", "tag")


# Adding a word-level column to the exports is one line here (and one in `features`).
WORD_COLUMNS = (WordColumn("upos", "UPOS", "pos"), WordColumn("pos_tags", "XPOS", "tag"))
SPAN_LAYERS = ("ner", "numeric")
NUMERIC_FIELDS = ("value", "timex", "unit", "qualifier", "status")
# The MISC keys: spaCy's converter reads `NE=` (or `name=`), nothing else, as entities.
CONLLU_NE = "NE"
CONLLU_NUMERIC = "Numeric"
CONLLU_COLUMNS = ["ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC"]
# Token attribute → the `Doc(...)` keyword that sets it.
DOC_KEYWORDS = {"tag": "tags", "pos": "pos", "lemma": "lemmas", "morph": "morphs"}


def label_names(features: dict, column: str) -> list[str]:
    """ClassLabel names of a list column of `features` (a `datasets.Features`)."""
    return list(features[column].feature.names)


def row_words(row: dict, features: dict) -> list[dict]:
    """The words of a `default` row: form, start, end and every WORD_COLUMNS column by name."""
    names = {c.column: label_names(features, c.column) for c in WORD_COLUMNS}
    return [{"form": form, "start": start, "end": end, **{c.column: names[c.column][row[c.column][i]] for c in WORD_COLUMNS}}
            for i, (form, start, end) in enumerate(zip(row["tokens"], row["token_starts"], row["token_ends"]))]


def row_spans(row: dict, features: dict) -> dict[str, list[dict]]:
    """Every span layer of a `default` row at character offsets, sorted: `ner` from the BIO
    `ner_tags` over words, `numeric` from `numeric_entities` (with its normalization)."""
    tags = [label_names(features, "ner_tags")[t] for t in row["ner_tags"]]
    ner, i = [], 0
    while i < len(tags):
        if tags[i].startswith("B-"):
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + tags[i][2:]:
                j += 1
            start, end = row["token_starts"][i], row["token_ends"][j - 1]
            ner.append({"start": start, "end": end, "label": tags[i][2:], "text": row["text"][start:end]})
            i = j
        else:
            i += 1
    span_features = features["numeric_entities"].feature
    numeric = []
    for e in row["numeric_entities"]:
        span = {"start": e["start"], "end": e["end"], "label": span_features["label"].names[e["label"]], "text": e["text"]}
        for key in NUMERIC_FIELDS:
            names = getattr(span_features[key], "names", None)
            span[key] = names[e[key]] if names is not None and e[key] is not None else e[key]
        numeric.append(span)
    return {"ner": ner, "numeric": sorted(numeric, key=lambda s: (s["start"], s["end"]))}


def row_layers(row: dict, features: dict) -> dict:
    """What every export must carry for a `default` row: id, words, span layers."""
    return {"id": row["id"], "words": row_words(row, features), "spans": row_spans(row, features)}


# --- CoNLL-U ---------------------------------------------------------------------------


def _misc_value(sentence_id: str, key: str, value: object) -> str:
    if value is None:
        return "_"
    text = repr(value) if isinstance(value, float) else str(value)
    if not text or text == "_" or any(c in text for c in "|=,\t\n") or text != text.strip():
        raise CorpusError("E-EXPORT", f"{sentence_id}: {key} value {text!r} cannot be written in the CoNLL-U MISC column")
    return text


def _bio_over_words(words: list[dict], spans: list[dict]) -> list[list[str]]:
    """Per word, the BIO tags of the spans it overlaps (usually one; two spans can reach into one word)."""
    tags: list[list[str]] = [[] for _ in words]
    for span in spans:
        covered = [i for i, w in enumerate(words) if w["start"] < span["end"] and span["start"] < w["end"]]
        for k, i in enumerate(covered):
            tags[i].append(f"{'B' if k == 0 else 'I'}-{span['label']}")
    return [t or ["O"] for t in tags]


def conllu_sentence(row: dict, features: dict, paragraph_goes_on: bool = False) -> str:
    """One sentence of the `default` config (ClassLabel ids) as a CoNLL-U block without syntax;
    `paragraph_goes_on` when the next sentence of the file belongs to the same paragraph."""
    layers = row_layers(row, features)
    words, spans, sid = layers["words"], layers["spans"], row["id"]
    # `ner_tags` is BIO over words already: one tag a word.
    ne = [tags[0] for tags in _bio_over_words(words, spans["ner"])]
    numeric = _bio_over_words(words, spans["numeric"])
    starting: dict[int, list[dict]] = {}
    for sp in spans["numeric"]:
        first = min(i for i, w in enumerate(words) if w["start"] < sp["end"] and sp["start"] < w["end"])
        starting.setdefault(first, []).append(sp)
    lines = []
    if row["index"] == 1:
        lines.append(f"# newpar id = {sid.rsplit('-s', 1)[0]}")
    lines += [f"# sent_id = {sid}", f"# text = {row['text']}"]
    for i, w in enumerate(words):
        misc = [f"TokenRange={w['start']}:{w['end']}", f"{CONLLU_NE}={ne[i]}", f"{CONLLU_NUMERIC}={','.join(numeric[i])}"]
        # No space follows a word inside a sentence, nor a sentence inside a paragraph (UD's convention).
        if (words[i + 1]["start"] == w["end"]) if i + 1 < len(words) else paragraph_goes_on:
            misc.insert(0, "SpaceAfter=No")
        if i in starting:
            # The spans starting in this word, comma-separated in the same order in every key; `_` is null.
            here = starting[i]
            ranges = ",".join(f"{sp['start']}:{sp['end']}" for sp in here)
            misc.append(f"{CONLLU_NUMERIC}Range={ranges}")
            misc += [f"{CONLLU_NUMERIC}{key.capitalize()}={','.join(_misc_value(sid, key, sp[key]) for sp in here)}"
                     for key in NUMERIC_FIELDS if any(sp[key] is not None for sp in here)]
        cols = {"ID": str(i + 1), "FORM": w["form"], "MISC": "|".join(misc)}
        cols.update({c.conllu: w[c.column] for c in WORD_COLUMNS if c.conllu in CONLLU_COLUMNS})
        lines.append("\t".join(cols.get(name, "_") for name in CONLLU_COLUMNS))
    return "\n".join(lines) + "\n\n"


def write_conllu(rows: list[dict], path: Path, features: dict) -> None:
    """Write `rows` (the `default` config) as a CoNLL-U file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = [conllu_sentence(r, features, k + 1 < len(rows) and rows[k + 1]["paragraph"] == r["paragraph"])
              for k, r in enumerate(rows)]
    path.write_text("".join(blocks), encoding="utf-8")


def conllu_layers(sentence) -> dict:
    """Id, words and span layers read back from one `conllu.TokenList` of these exports."""

    def offsets(value: str) -> tuple[int, int]:
        a, b = value.split(":")
        return int(a), int(b)

    text = sentence.metadata["text"]
    words, spans = [], {"ner": [], "numeric": []}
    for token in sentence:
        misc = token["misc"] or {}
        start, end = offsets(misc["TokenRange"])
        words.append({"form": token["form"], "start": start, "end": end,
                      **{c.column: token[c.conllu.lower()] if c.conllu in CONLLU_COLUMNS else misc[c.conllu]
                         for c in WORD_COLUMNS}})
        tag = misc[CONLLU_NE]
        if tag.startswith("B-"):
            spans["ner"].append({"start": start, "end": end, "label": tag[2:]})
        elif tag.startswith("I-"):
            if not spans["ner"] or spans["ner"][-1]["label"] != tag[2:] or spans["ner"][-1]["end"] != words[-2]["end"]:
                raise ValueError(f"word {token['id']}: {CONLLU_NE}={tag} continues no entity")
            spans["ner"][-1]["end"] = end
        if f"{CONLLU_NUMERIC}Range" in misc:
            ranges = misc[f"{CONLLU_NUMERIC}Range"].split(",")
            labels = [t[2:] for t in misc[CONLLU_NUMERIC].split(",") if t.startswith("B-")]
            fields = {key: (misc.get(f"{CONLLU_NUMERIC}{key.capitalize()}") or ",".join("_" * len(ranges))).split(",")
                      for key in NUMERIC_FIELDS}
            for k, (r, label) in enumerate(zip(ranges, labels, strict=True)):
                a, b = offsets(r)
                span = {"start": a, "end": b, "label": label, "text": text[a:b]}
                for key in NUMERIC_FIELDS:
                    value = None if fields[key][k] == "_" else fields[key][k]
                    span[key] = float(value) if key == "value" and value is not None else value
                spans["numeric"].append(span)
    for span in spans["ner"]:
        span["text"] = text[span["start"]:span["end"]]
    return {"id": sentence.metadata["sent_id"], "words": words, "spans": spans}


# --- spaCy DocBin ----------------------------------------------------------------------


def doc_for_row(row: dict, split: str, features: dict, vocab):
    """The spaCy Doc of a `default` row: words (cut at numeric span boundaries), tags, span groups, ents."""
    from spacy.tokens import Doc

    layers = row_layers(row, features)
    spans = layers["spans"]
    cuts = sorted({sp[k] for layer in SPAN_LAYERS for sp in spans[layer] for k in ("start", "end")})
    pieces: list[tuple[int, int, dict]] = []
    split_words = []
    for w in layers["words"]:
        inner = [c for c in cuts if w["start"] < c < w["end"]]
        if not inner:
            pieces.append((w["start"], w["end"], {c.spacy: w[c.column] for c in WORD_COLUMNS}))
            continue
        bounds = [w["start"], *inner, w["end"]]
        pieces += [(a, b, {c.spacy: "" for c in WORD_COLUMNS}) for a, b in zip(bounds, bounds[1:])]
        split_words.append({"start": w["start"], "end": w["end"], "text": w["form"],
                            **{c.spacy: w[c.column] for c in WORD_COLUMNS}})
    text = row["text"]
    doc = Doc(vocab, words=[text[a:b] for a, b, _ in pieces],
              spaces=[k + 1 < len(pieces) and pieces[k + 1][0] > b for k, (_, b, _) in enumerate(pieces)],
              **{DOC_KEYWORDS[c.spacy]: [attrs[c.spacy] for _, _, attrs in pieces] for c in WORD_COLUMNS})
    for layer in SPAN_LAYERS:
        group = [doc.char_span(sp["start"], sp["end"], label=sp["label"]) for sp in spans[layer]]
        if any(s is None for s in group):  # cannot happen: every span boundary is a token boundary
            raise CorpusError("E-EXPORT", f"{row['id']}: a {layer} span does not fall on token boundaries")
        doc.spans[layer] = group
    numeric = list(doc.spans["numeric"])
    doc.ents = sorted(numeric + [e for e in doc.spans["ner"]
                                 if not any(e.start < n.end and n.start < e.end for n in numeric)],
                      key=lambda s: s.start)
    doc.user_data.update({"id": row["id"], "split": split, "split_words": split_words})
    return doc


def write_docbin(rows: list[dict], path: Path, split: str, features: dict) -> None:
    """Write `rows` (the `default` config) as a spaCy DocBin at `path`."""
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("zh").vocab
    docbin = DocBin(attrs=["TAG", "POS", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for row in rows:
        docbin.add(doc_for_row(row, split, features, vocab))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docbin.to_bytes())


def read_docbin(path: Path) -> list:
    """The Docs of a DocBin written by `write_docbin`."""
    import spacy
    from spacy.tokens import DocBin

    return list(DocBin().from_bytes(path.read_bytes()).get_docs(spacy.blank("zh").vocab))


def doc_layers(doc) -> dict:
    """Id, words (split words joined back) and span layers read back from a Doc of these exports."""
    split_at = {w["start"]: w for w in doc.user_data["split_words"]}
    words, i = [], 0
    while i < len(doc):
        token = doc[i]
        whole = split_at.get(token.idx)
        if whole is None:
            words.append({"form": token.text, "start": token.idx, "end": token.idx + len(token.text),
                          **{c.column: getattr(token, c.spacy + "_") for c in WORD_COLUMNS}})
            i += 1
            continue
        words.append({"form": whole["text"], "start": whole["start"], "end": whole["end"],
                      **{c.column: whole[c.spacy] for c in WORD_COLUMNS}})
        while i < len(doc) and doc[i].idx < whole["end"]:
            i += 1
    spans = {layer: [{"start": s.start_char, "end": s.end_char, "label": s.label_, "text": s.text}
                     for s in doc.spans[layer]] for layer in SPAN_LAYERS}
    return {"id": doc.user_data["id"], "words": words, "spans": spans}


def expected_ents(spans: dict[str, list[dict]]) -> list[tuple[int, int, str]]:
    """The (start, end, label) that `doc.ents` must hold: numeric spans, and entities overlapping none."""
    numeric = [(s["start"], s["end"], s["label"]) for s in spans["numeric"]]
    ner = [(s["start"], s["end"], s["label"]) for s in spans["ner"]
           if not any(s["start"] < b and a < s["end"] for a, b, _ in numeric)]
    return sorted(numeric + ner)


def comparable(layers: dict, numeric_fields: bool = True) -> dict:
    """`layers` with the numeric normalization left out when an export does not carry it (spaCy)."""
    if numeric_fields:
        return layers
    keep = ("start", "end", "label", "text")
    return {**layers, "spans": {k: [{f: s[f] for f in keep} for s in v] for k, v in layers["spans"].items()}}
