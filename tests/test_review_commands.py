"""status, diff (F1, kappa), export, sample, line mode and the CLI's error handling."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

from annotators.review.cli import main, register
from annotators.review.commands import cohen_kappa, diff, export, run_review, sample, status
from annotators.review.data import load_proposals, load_sentences
from annotators.review.session import Session

FIX = ROOT / "tests" / "fixtures"
SENT_PATH, PROP_PATH = FIX / "review_sentences.jsonl", FIX / "review_proposals.jsonl"
SENTENCES = load_sentences(SENT_PATH)
PROPOSALS = load_proposals(PROP_PATH)


def line_review(log: Path, reviewer: str, script: str, ids: list[str] | None = None) -> str:
    out = io.StringIO()
    code = run_review(SENTENCES, PROPOSALS, log, reviewer, line_mode=True, sentence_ids=ids,
                      stdin=io.StringIO(script), stdout=out)
    assert code == 0, out.getvalue()
    return out.getvalue()


def test_cohen_kappa_textbook() -> None:
    # 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4
    pairs = [("Y", "Y")] * 20 + [("Y", "N")] * 5 + [("N", "Y")] * 10 + [("N", "N")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([]) is None and cohen_kappa([("A", "A")]) == 1.0


def test_diff_on_a_hand_computed_example(tmp_path: Path) -> None:
    a, b = tmp_path / "numeric-alice.jsonl", tmp_path / "numeric-bob.jsonl"
    ids = ["nmg2025-p002-s02", "nmg2025-p002-s04"]
    line_review(a, "alice", "a\na\na\na\nc\na\nx\na\nc\n", ids)
    line_review(b, "bob", "a\nedit label QUANTITY\na\nx\na\nc\nedit value 8.2e10\na\nx\na\nc\n", ids)
    report = diff(a, b, SENTENCES, PROPOSALS)
    # Items: 6%(P,P) 2.6萬億元(MONEY,QUANTITY) 第20位(ORD,NONE) 5年(D,D) 820.1億斤(Q,Q) 第3位(ORD,ORD)
    # po = 4/6; pe = (P1·1 + ORD2·1 + D1·1 + Q1·2)/36 = 6/36; kappa = (4/6-1/6)/(5/6) = 0.6
    assert report.items == 6 and report.kappa == pytest.approx(0.6)
    assert (report.spans_a, report.spans_b, report.exact_matches, report.labelled_matches) == (6, 5, 5, 4)
    assert report.f1 == pytest.approx(8 / 11) and report.boundary_f1 == pytest.approx(10 / 11)
    assert report.sentences_compared == ids and report.sentences_skipped == 0
    assert [(d["text"], d["what"]) for d in report.disagreements] == [
        ("2.6萬億元", "label"), ("第20位", "span"), ("820.1億斤", "value")]
    text = report.format()
    assert "Cohen's kappa on labels (NONE = not kept), 6 spans: 0.600" in text and "span F1" in text


def test_export_is_sorted_deterministic_and_drops_rejected(tmp_path: Path) -> None:
    log1, log2 = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    script = "a\nc\na\nc\nx\nedit qualifier exact\na\na\na\n"
    line_review(log1, "alice", script + "g p002-s05\nadd 11 12 QUANTITY value=1e8\n")
    # The same decisions made in another order give the same file.
    line_review(log2, "alice", "g p002-s05\nadd 11 12 QUANTITY value=1e8\ng p001-s01\n" + script)
    out1, out2 = tmp_path / "e1.jsonl", tmp_path / "e2.jsonl"
    report = export(SENTENCES, PROPOSALS, log1, out1)
    export(SENTENCES, PROPOSALS, log1, out2)
    assert out1.read_bytes() == out2.read_bytes()
    export(SENTENCES, PROPOSALS, log2, out2)
    assert out1.read_bytes() == out2.read_bytes()
    rows = [json.loads(line) for line in out1.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == sorted(s.id for s in SENTENCES)
    spans = {r["id"]: r["spans"] for r in rows}
    assert [s["text"] for s in spans["nmg2025-p002-s02"]] == ["2.6萬億元", "第20位", "5年"]  # 6% rejected
    assert spans["nmg2025-p002-s02"][0]["status"] == "corrected"
    assert spans["nmg2025-p002-s02"][0]["reviewer"] == "alice"
    assert spans["nmg2025-p002-s05"] == [{"start": 11, "end": 12, "text": "億", "label": "QUANTITY", "value": 1e8,
                                          "timex": None, "unit": None, "qualifier": "exact", "status": "added",
                                          "reviewer": "alice"}]
    assert report.unreviewed == 16 and "16 span(s) still unreviewed" in report.format()


def test_status_reports_progress_and_problems(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    line_review(log, "alice", "a\nc\nx\n")
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('{"cut off')
    text = status(log, SENTENCES, PROPOSALS)
    assert "spans 2/22 · sentences 1/8 checked" in text and "decisions by reviewer: alice 3" in text
    assert "next to review: nmg2025-p002-s01" in text  # its span is decided, the sentence is not checked
    assert "sentences not checked yet (7):\n  nmg2025-p002-s01 nmg2025-p002-s02 " in text
    assert f"{log}:4: [truncated]" in text


def test_sample_is_seeded_spread_and_in_document_order() -> None:
    one = sample(SENTENCES, PROPOSALS, 0.5, seed=7)
    assert one == sample(SENTENCES, PROPOSALS, 0.5, seed=7)
    assert len(one) == 4 and one == [s.id for s in SENTENCES if s.id in one]
    assert {tuple(sample(SENTENCES, PROPOSALS, 0.5, seed=n)) for n in range(10)} != {tuple(one)}


def test_blind_second_review_sees_only_the_sample_and_its_own_log(tmp_path: Path) -> None:
    first = tmp_path / "numeric-alice.jsonl"
    line_review(first, "alice", "a\nc\na\n")
    ids = sample(SENTENCES, PROPOSALS, 0.25, seed=3)
    second = tmp_path / "numeric-bob.jsonl"
    out = line_review(second, "bob", "show\n", ids)
    assert "alice" not in out and "accepted" not in out.split("saved to")[0]
    session = Session(SENTENCES, PROPOSALS, second, "bob", sentence_ids=ids)
    assert session.sentence.id == ids[0] and session.state.progress(ids).reviewed == 0


def test_line_mode_commands_and_safe_output(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    out = line_review(log, "alice", "help\na\n/ 820.1\nx\nu\nshow\ncancel\nprev\nnext\nq\na\n")
    assert "add START END LABEL" in out and "found in nmg2025-p002-s04" in out
    assert "undid reject" in out and "spans 1/22 · sentences 0/8 checked" in out.splitlines()[-1]
    assert [json.loads(x)["action"] for x in log.read_text(encoding="utf-8").splitlines()] == ["accept", "reject", "undo"]


def test_line_mode_stops_at_the_first_bad_command_in_a_script(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    out = io.StringIO()
    code = run_review(SENTENCES, PROPOSALS, log, "alice", line_mode=True,
                      stdin=io.StringIO("a\nedit lable MONEY\na\n"), stdout=out)
    assert code == 1 and "error: stdin line 2: unknown field 'lable'" in out.getvalue()
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1  # the a after the error did not run


def test_cli_user_mistakes_give_one_message_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(SENT_PATH.read_text(encoding="utf-8") + "{oops\n", encoding="utf-8")
    cases = [
        (["review-status", "--reviewer", "a", "--sentences", str(tmp_path / "none.jsonl")], "none.jsonl: file not found"),
        (["review-status", "--reviewer", "a", "--sentences", str(bad), "--proposals", str(PROP_PATH)], "bad.jsonl:9: not valid JSON"),
        (["review", "--line", "--sentences", str(SENT_PATH), "--proposals", str(PROP_PATH)], "give --reviewer"),
        (["review", "--reviewer", "a"], "needs a terminal; for scripts and pipes use --line"),
        (["review", "--line", "--reviewer", "a", "--sample", "0.5", "--sentences", str(SENT_PATH), "--proposals", str(PROP_PATH)], "needs --seed"),
        (["review", "--line", "--reviewer", "a", "--only-ids", "x,y", "--sentences", str(SENT_PATH), "--proposals", str(PROP_PATH)], "unknown sentence id"),
        (["review-diff", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--sentences", str(SENT_PATH), "--proposals", str(PROP_PATH)], "log not found"),
    ]
    for argv, message in cases:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("error[E-REVIEW") and message in err and "Traceback" not in err and err.count("\n") == 1


def test_register_adds_the_four_subcommands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="nmg-corpus")
    register(parser.add_subparsers(dest="command"))
    log = tmp_path / "numeric-alice.jsonl"
    common = ["--sentences", str(SENT_PATH), "--proposals", str(PROP_PATH)]
    args = parser.parse_args(["review-export", "--log", str(log), "--out", str(tmp_path / "o.jsonl"), *common])
    assert args.func(args) == 1  # no log yet
    line_review(log, "alice", "a\n")
    assert args.func(args) == 0 and (tmp_path / "o.jsonl").exists()
    args = parser.parse_args(["review-export", "--log", str(log), "--out", str(tmp_path / "o.jsonl"), "--strict", *common])
    assert args.func(args) == 1  # spans left unreviewed
    for name in ("review", "review-status", "review-diff"):
        assert name in parser.format_help()
    capsys.readouterr()


def test_defaults_follow_the_main_parsers_corpus_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "interim").mkdir(parents=True)
    (corpus / "annotations").mkdir()
    (corpus / "interim" / "sentences.jsonl").write_bytes(SENT_PATH.read_bytes())
    (corpus / "annotations" / "numeric_proposals.jsonl").write_bytes(PROP_PATH.read_bytes())
    parser = argparse.ArgumentParser(prog="nmg-corpus")
    parser.add_argument("--corpus", default=str(corpus))
    register(parser.add_subparsers(dest="command", required=True))
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\nq\n"))
    args = parser.parse_args(["review", "--line", "--reviewer", "alice"])
    assert args.func(args) == 0
    assert (corpus / "annotations" / "review" / "numeric-alice.jsonl").exists()
    args = parser.parse_args(["review-export", "--reviewer", "alice"])
    assert args.func(args) == 0
    assert (corpus / "annotations" / "numeric_entities.jsonl").exists()
    assert "spans 1/22 · sentences 0/8 checked" in capsys.readouterr().out
