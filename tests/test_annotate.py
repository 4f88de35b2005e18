"""`nmg-corpus annotate`: each output format, traditional and simplified input, and every kind of bad input."""
from __future__ import annotations

import io
import json
import sys
from itertools import groupby
from pathlib import Path

import conllu
import pytest

from annotators import annotate
from annotators.cli import main
from annotators.review.words.notation import parse_notation
from annotators.review.words.tags import TAGS

REPO = Path(__file__).resolve().parents[1]
PARAGRAPH = "過去一年，在自治區黨委的堅強領導下，全區各族幹部群眾奮發進取。內蒙古自治區人民政府向大會報告工作！"
SIMPLIFIED = "过去一年，在自治区党委的坚强领导下，全区各族干部群众奋发进取。内蒙古自治区人民政府向大会报告工作！"


@pytest.fixture(scope="module")
def fast():
    return annotate.load_fast_models(REPO / "models", precision="bf16", batch_size=64, threads=1)


@pytest.fixture(scope="module")
def exact():
    return annotate.load_fast_models(REPO / "models", precision="exact", batch_size=64, threads=1)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, fast):
    """Runs `nmg-corpus annotate ARGS` in this process with the module's loaded models (loading is tested once,
    end to end, below); returns (exit code, stdout, stderr)."""
    def run(args: list[str], capsys: pytest.CaptureFixture[str], stdin: bytes | None = None):
        monkeypatch.setattr(annotate, "load_fast_models", lambda *a, **k: fast)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        monkeypatch.chdir(REPO)
        rc = main(["annotate", *args])
        out, err = capsys.readouterr()
        return rc, out, err
    return run


# ---------------------------------------------------------------------------------------------
# what comes out
# ---------------------------------------------------------------------------------------------
def test_records_keep_the_inputs_own_characters(fast) -> None:
    result = annotate.annotate_text(PARAGRAPH, fast, models_label="models/")
    assert [r["id"] for r in result.records] == ["p1-s1", "p1-s2"]
    assert "".join(r["text"] for r in result.records) == PARAGRAPH
    for r in result.records:
        assert "".join(r["tokens"]) == r["text"]
        assert [r["text"][s:e] for s, e in r["token_offsets"]] == r["tokens"]
        assert len(r["pos_tags"]) == len(r["upos"]) == len(r["tokens"])
        assert PARAGRAPH[r["start"]:r["start"] + len(r["text"])] == r["text"]
        for ent in r["entities"]:
            assert r["text"][ent["start"]:ent["end"]] == ent["text"]
    second = result.records[1]
    assert second["tokens"][:2] == ["內蒙古", "自治區"]  # traditional, as written
    # entities in the input's characters too (the shipped models read 內蒙古自治區 as a place)
    assert [e["text"] for e in second["entities"]][0].startswith("內蒙古自治區")


def test_simplified_and_traditional_input_get_the_same_analysis(fast) -> None:
    trad = annotate.annotate_text(PARAGRAPH, fast).records
    simp = annotate.annotate_text(SIMPLIFIED, fast).records
    for t, s in zip(trad, simp):
        assert t["token_offsets"] == s["token_offsets"] and t["pos_tags"] == s["pos_tags"]
        assert [(e["start"], e["end"], e["label"]) for e in t["entities"]] == \
               [(e["start"], e["end"], e["label"]) for e in s["entities"]]
        assert "".join(s["tokens"]) == s["text"] and s["text"] in SIMPLIFIED


def test_exact_precision_reproduces_the_published_silver_columns(exact) -> None:
    sentences = [json.loads(line) for line in open(REPO / "corpus/interim/sentences.jsonl", encoding="utf-8")]
    silver = {json.loads(line)["id"]: json.loads(line)
              for line in open(REPO / "corpus/interim/hanlp.jsonl", encoding="utf-8")}
    # the report's paragraphs, one a line: annotate must split and analyse them as the build did
    paragraphs = ["".join(s["text"] for s in group) for _, group in groupby(sentences, key=lambda s: s["paragraph"])]
    records = annotate.annotate_text("\n".join(paragraphs), exact).records
    assert len(records) == len(sentences)
    for record, sentence in zip(records, sentences):
        expected = silver[sentence["id"]]
        assert record["text"] == sentence["text"]
        for key in ("tokens", "token_offsets", "pos_tags", "upos", "entities", "text_hash"):
            assert record[key] == expected[key], (sentence["id"], key)


def test_jsonl_format(cli, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = cli([PARAGRAPH, "--format", "jsonl"], capsys)
    assert rc == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["p1-s1", "p1-s2"]
    # the checkout's adapted set is complete, so it is the default
    assert all(r["models"] == "models/gov/" and r["precision"] == "bf16" for r in records)
    assert "2 sentences" in err and "models models/gov/" in err and "bf16" in err


def test_conllu_format_parses_back_and_rebuilds_the_text(cli, capsys: pytest.CaptureFixture[str]) -> None:
    text = PARAGRAPH + "\n\n  GDP 增長\t6%。 \n各位代表："
    rc, out, _ = cli(["--format", "conllu"], capsys, stdin=text.encode("utf-8"))
    assert rc == 0
    sentences = conllu.parse(out)
    assert "".join(s.serialize() for s in sentences) == out
    assert sentences[0].metadata["generator"] == "nmg-corpus annotate"
    assert sentences[0].metadata["models"] == "models/gov/"
    rebuilt: dict[str, str] = {}
    for sent in sentences:
        par = sent.metadata["sent_id"].split("-")[0]
        pieces = []
        for k, tok in enumerate(sent):
            misc = tok["misc"] or {}
            assert tok["upos"] and tok["xpos"]
            start, end = map(int, misc["TokenRange"].split(":"))
            assert sent.metadata["text"][start:end] == tok["form"]
            before = misc.get("SpacesBefore", "")
            after = misc.get("SpacesAfter")
            gap = after if after is not None else ("" if misc.get("SpaceAfter") == "No" or
                                                   (k + 1 == len(sent)) else " ")
            pieces.append(_unescape(before) + tok["form"] + _unescape(gap))
        rebuilt[par] = rebuilt.get(par, "") + "".join(pieces)
    lines = text.split("\n")
    assert rebuilt == {f"p{n}": line for n, line in enumerate(lines, start=1) if line.strip()}


def _unescape(value: str) -> str:
    return (value.replace("\\s", " ").replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
            .replace("\\p", "|").replace("\\\\", "\\"))


def test_conllu_entities_match_the_jsonl_entities(cli, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = cli([PARAGRAPH, "--format", "conllu"], capsys)
    _, js, _ = cli([PARAGRAPH, "--format", "jsonl"], capsys)
    for sent, record in zip(conllu.parse(out), (json.loads(line) for line in js.splitlines())):
        ranges = [r for tok in sent for r in (tok["misc"].get("NERange", "").split(",") if tok["misc"].get("NERange")
                                             else [])]
        assert ranges == [f"{e['start']}:{e['end']}" for e in record["entities"]]
        starts = [tok["misc"]["NE"] for tok in sent if tok["misc"]["NE"].startswith("B-")]
        assert starts == [f"B-{e['label']}" for e in record["entities"]]


def test_pd98_format_parses_back_with_the_review_notation(cli, fast, capsys: pytest.CaptureFixture[str]) -> None:
    text = PARAGRAPH + "\n" + SIMPLIFIED
    rc, out, _ = cli([text, "--format", "pd98"], capsys)
    assert rc == 0
    lines = out.split("\n")
    assert lines[2] == "" and lines[-1] == ""  # paragraphs apart, a final newline
    records = annotate.annotate_text(text, fast).records
    notation = [line for line in lines if line]
    assert len(notation) == len(records) == 4
    for line, record in zip(notation, records):
        parsed = parse_notation(line, record["text"])
        assert [(w.start, w.end, w.tag) for w in parsed.analysis.words] == \
               [(s, e, t) for (s, e), t in zip(record["token_offsets"], record["pos_tags"])]
        assert [(e.start, e.end, e.label) for e in parsed.analysis.entities] == \
               [(e["start"], e["end"], e["label"]) for e in record["entities"]]
    assert all(t in TAGS for r in records for t in r["pos_tags"])


def test_pd98_leaves_out_an_entity_inside_a_word_and_says_so() -> None:
    record = {"id": "p3-s1", "line": 3, "text": "呼和浩特市", "tokens": ["呼和浩特市"], "token_offsets": [[0, 5]],
              "pos_tags": ["ns"], "entities": [{"start": 0, "end": 4, "text": "呼和浩特", "label": "LOC"}]}
    line, warnings = annotate.notation_line(record)
    assert line == "呼和浩特市/ns"
    assert len(warnings) == 1 and "p3-s1" in warnings[0] and "呼和浩特" in warnings[0]


def test_out_file_is_written_whole(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "out.conllu"
    rc, stdout, err = cli([PARAGRAPH, "--format", "conllu", "--out", str(out)], capsys)
    assert rc == 0 and stdout == ""
    assert conllu.parse(out.read_text(encoding="utf-8"))
    assert str(out) in err


def test_models_are_chosen_and_named(tmp_path: Path) -> None:
    def make(folder: Path, skip: str = "") -> None:
        for c in ("tok", "pos", "ner"):
            for f in ("config.json", "vocabs.json", "model.pt"):
                if f"{c}/{f}" != skip:
                    (folder / c).mkdir(parents=True, exist_ok=True)
                    (folder / c / f).write_text("x")
    make(tmp_path / "models")
    folder, why = annotate.choose_models(None, tmp_path)
    assert folder == tmp_path / "models" and "no adapted set" in why
    make(tmp_path / "models" / "gov", skip="ner/model.pt")
    folder, why = annotate.choose_models(None, tmp_path)
    assert folder == tmp_path / "models" and "ner/model.pt" in why
    (tmp_path / "models" / "gov" / "ner" / "model.pt").write_text("x")
    folder, why = annotate.choose_models(None, tmp_path)
    assert folder == tmp_path / "models" / "gov" and "adapted" in why


def test_loading_and_annotating_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    source = tmp_path / "in.txt"
    source.write_text(PARAGRAPH + "\n", encoding="utf-8")
    assert main(["annotate", "--file", str(source), "--models", "models", "--format", "pd98", "--threads", "2",
                 "--precision", "exact"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 2 and "(--models)" in err and "exact" in err


def test_threads_do_not_change_the_output(fast, exact) -> None:
    from annotators.hanlp_fast import FastModels
    two = FastModels(fast.tok, fast.pos, fast.ner, fast.precision, fast.batch_size, threads=2)
    text = "\n".join([PARAGRAPH, SIMPLIFIED] * 30)
    assert annotate.annotate_text(text, two).records == annotate.annotate_text(text, fast).records


def test_a_sentence_whose_conversion_changes_length_is_converted_char_by_char(fast, monkeypatch) -> None:
    real = annotate.to_simplified
    # an OpenCC phrase rule that shortens its phrase
    monkeypatch.setattr(annotate, "to_simplified", lambda t: real(t).replace("党委", "委") if len(t) > 1 else real(t))
    result = annotate.annotate_text(PARAGRAPH, fast)
    assert result.char_by_char == ["p1-s1"]
    assert "".join(result.records[0]["tokens"]) == result.records[0]["text"]


# ---------------------------------------------------------------------------------------------
# bad input: one clear error, no traceback, exit 1, nothing written
# ---------------------------------------------------------------------------------------------
def _error(cli, args: list[str], capsys, stdin: bytes | None = None) -> str:
    rc, out, err = cli(args, capsys, stdin=stdin)
    assert rc == 1 and out == ""
    assert "Traceback" not in err and err.count("\n") == 1
    return err


def test_not_utf8_names_the_file_and_byte_offset(cli, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("第一行\n".encode("utf-8") + "政府工作報告".encode("gb18030"))
    err = _error(cli, ["--file", str(bad)], capsys)
    offset = len("第一行\n".encode("utf-8"))
    assert "E-ANNOTATE-ENCODING" in err and str(bad) in err and f"byte offset {offset}" in err and "line 2" in err


def test_not_utf8_in_the_argument(cli, capsys) -> None:
    arg = (b"abc" + "政府".encode("gb18030")).decode("utf-8", "surrogateescape")
    err = _error(cli, [arg], capsys)
    assert "the TEXT argument" in err and "byte offset 3" in err


def test_utf16_is_named_not_called_binary(cli, tmp_path: Path, capsys) -> None:
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("政府工作報告\n".encode("utf-16"))
    err = _error(cli, ["--file", str(utf16)], capsys)
    assert "E-ANNOTATE-ENCODING" in err and "UTF-16" in err and str(utf16) in err


def test_binary_input_is_refused(cli, tmp_path: Path, capsys) -> None:
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    err = _error(cli, ["--file", str(binary)], capsys)
    assert "E-ANNOTATE-BINARY" in err and "NUL byte at byte offset" in err and str(binary) in err


@pytest.mark.parametrize("content", [b"", b" \n\t\n", "\ufeff".encode("utf-8")])
def test_empty_input_is_refused(cli, tmp_path: Path, capsys, content: bytes) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(content)
    err = _error(cli, ["--file", str(empty)], capsys)
    assert "E-ANNOTATE-EMPTY" in err and str(empty) in err


def test_empty_stdin_is_refused(cli, capsys) -> None:
    err = _error(cli, [], capsys, stdin=b"")
    assert "E-ANNOTATE-EMPTY" in err and "<stdin>" in err


def test_a_ten_megabyte_line_is_refused_naming_the_line(cli, tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes("第一段。\n".encode("utf-8") + "字".encode("utf-8") * 3_500_000 + b"\n")
    assert big.stat().st_size > 10_000_000
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    err = _error(cli, ["--file", str(big), "--out", str(out)], capsys)
    assert f"{big}:2:" in err and "3,500,000 characters" in err and "100,000" in err
    assert out.read_text(encoding="utf-8") == "old\n"  # untouched


def test_a_missing_file(cli, tmp_path: Path, capsys) -> None:
    err = _error(cli, ["--file", str(tmp_path / "nope.txt")], capsys)
    assert "nope.txt" in err


def test_out_cannot_be_the_input_or_a_folder(cli, tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.txt"
    source.write_text(PARAGRAPH, encoding="utf-8")
    err = _error(cli, ["--file", str(source), "--out", str(source)], capsys)
    assert "is the input file" in err and source.read_text(encoding="utf-8") == PARAGRAPH
    err = _error(cli, ["--file", str(source), "--out", str(tmp_path)], capsys)
    assert "is a directory" in err


def test_text_and_file_together_and_an_incomplete_model_set(cli, tmp_path: Path, capsys) -> None:
    assert "not both" in _error(cli, ["文字", "--file", "x.txt"], capsys)
    (tmp_path / "tok").mkdir()
    err = _error(cli, ["文字", "--models", str(tmp_path)], capsys)
    assert "not a complete model set" in err and "pos/model.pt" in err


def test_bad_sizes(cli, capsys) -> None:
    assert "at least 1" in _error(cli, ["文字", "--threads", "0"], capsys)
    assert "at least 1" in _error(cli, ["文字", "--batch-size", "0"], capsys)
