"""Stage 7: exports of the `default` config for other tools: CoNLL-U and spaCy DocBin.

CoNLL-U follows the format's rules: ten columns, word ids 1..n, `# sent_id` and a `# text`
that the forms rebuild (`SpaceAfter=No` on every word but the last, since Chinese
writes no spaces), UPOS in column 4,
the PKU tag as XPOS, HEAD and DEPREL `_` (there is no parse), the HanLP entity BIO tag and
the word's character offsets in MISC (`NER=B-LOC|TokenRange=3:6`).

The DocBin holds one Doc per sentence with words, PKU tags (`token.tag_`), UPOS
(`token.pos_`) and the HanLP entities plus the reviewed numeric entities as `doc.ents`
(entities whose boundaries fall inside a word are snapped outward to whole words, as in
`ner_tags`; a numeric span overlapping a HanLP entity wins, as in `char_ner`).
"""

from __future__ import annotations

from pathlib import Path


def conllu_sentence(row: dict, pos_names: list[str], upos_names: list[str], ner_names: list[str]) -> str:
    """One sentence of the `default` config (ClassLabel ids) as a CoNLL-U block."""
    lines = [f"# sent_id = {row['id']}", f"# text = {row['text']}"]
    tokens = row["tokens"]
    for i, form in enumerate(tokens):
        start, end = row["token_starts"][i], row["token_ends"][i]
        misc = [f"NER={ner_names[row['ner_tags'][i]]}", f"TokenRange={start}:{end}"]
        if i + 1 < len(tokens) and row["token_starts"][i + 1] == end:
            misc.insert(0, "SpaceAfter=No")
        cols = [str(i + 1), form, "_", upos_names[row["upos"][i]], pos_names[row["pos_tags"][i]],
                "_", "_", "_", "_", "|".join(misc)]
        lines.append("\t".join(cols))
    return "\n".join(lines) + "\n\n"


def write_conllu(rows: list[dict], path: Path, pos_names: list[str], upos_names: list[str], ner_names: list[str]) -> None:
    """Write `rows` (the `default` config) as a CoNLL-U file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(conllu_sentence(r, pos_names, upos_names, ner_names) for r in rows), encoding="utf-8")


def doc_entities(row: dict, ner_names: list[str], numeric_names: list[str]) -> list[tuple[int, int, str]]:
    """Entities of a `default` row as (first word, end word, label), numeric spans first."""
    starts, ends = row["token_starts"], row["token_ends"]
    taken: set[int] = set()
    spans: list[tuple[int, int, str]] = []
    for ent in row["numeric_entities"]:
        words = [i for i in range(len(starts)) if starts[i] < ent["end"] and ent["start"] < ends[i]]
        if words and not taken & set(words):
            spans.append((words[0], words[-1] + 1, numeric_names[ent["label"]]))
            taken.update(words)
    i, tags = 0, [ner_names[t] for t in row["ner_tags"]]
    while i < len(tags):
        if tags[i].startswith("B-"):
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + tags[i][2:]:
                j += 1
            if not taken & set(range(i, j)):
                spans.append((i, j, tags[i][2:]))
            i = j
        else:
            i += 1
    return sorted(spans)


def write_docbin(rows: list[dict], path: Path, pos_names: list[str], upos_names: list[str], ner_names: list[str],
                 numeric_names: list[str]) -> None:
    """Write `rows` (the `default` config) as a spaCy DocBin at `path`."""
    import spacy
    from spacy.tokens import Doc, DocBin, Span

    nlp = spacy.blank("zh")
    docbin = DocBin(attrs=["TAG", "POS", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for row in rows:
        n = len(row["tokens"])
        spaces = [row["token_starts"][i + 1] > row["token_ends"][i] if i + 1 < n else False for i in range(n)]
        doc = Doc(nlp.vocab, words=row["tokens"], spaces=spaces,
                  tags=[pos_names[t] for t in row["pos_tags"]], pos=[upos_names[t] for t in row["upos"]])
        doc.ents = [Span(doc, s, e, label=label) for s, e, label in doc_entities(row, ner_names, numeric_names)]
        docbin.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docbin.to_bytes())
