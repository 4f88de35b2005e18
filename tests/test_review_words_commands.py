"""Word-layer export, diff and summary on two small logs that disagree; numeric --from-scratch."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotators.review.commands import diff as numeric_diff
from annotators.review.commands import review_summary, run_review
from annotators.review.data import load_proposals, load_sentences
from annotators.review.errors import ReviewError
from annotators.review.words.commands import diff, export, status, summary
from annotators.review.words.session import WordSession
from annotators.review.words.state import load_word_proposals

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
SENT, HANLP = FIX / "review_words_sentences.jsonl", FIX / "review_words_hanlp.jsonl"
SENTENCES = load_sentences(SENT)
PROPOSALS = load_word_proposals(HANLP)
IDS = [s.id for s in SENTENCES]


def review(log: Path, reviewer: str, plan: dict[str, str | None], skip: tuple[str, ...] = ()) -> None:
    """Edit each sentence to plan[id] (None: as proposed), then accept it, except those in skip."""
    with WordSession(SENTENCES, PROPOSALS, log, reviewer) as s:
        for sid in IDS:
            s.goto(sid)
            if plan.get(sid):
                s.edit_line(plan[sid], note=f"{reviewer}'s reading")  # type: ignore[arg-type]
            if sid not in skip:
                s.accept()


ALICE = {
    "t-p002-s01": "過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f",
    "t-p002-s02": "[習/nr 近平/nr]PER 總書記/n 考察/v [內蒙古/ns]LOC",
}
BOB = {
    "t-p002-s02": "[習近平/nr]PER 總書記/n 考察/v [內蒙古/ns]LOC",
    "t-p003-s01": "[京/j]LOC [蒙/j]LOC 協作/vn 深入/ad 推進/v",
    "t-p004-s01": "警告/v \\u001b\\[2J/nx 文字/n \\u202e/w 反轉/n",
}


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("logs")
    alice, bob = root / "words-alice.jsonl", root / "words-bob.jsonl"
    review(alice, "alice", ALICE)
    review(bob, "bob", BOB, skip=("t-p003-s02",))
    return alice, bob


def test_diff_figures(logs: tuple[Path, Path]) -> None:
    report = diff(*logs, SENTENCES, PROPOSALS)
    assert report.compared == ["t-p001-s01", "t-p002-s01", "t-p002-s02", "t-p003-s01", "t-p004-s01"]
    t = report.tally
    assert (t.words_a, t.words_b, t.words_same) == (28, 27, 23)
    p, r, f = t.segmentation()
    assert (p, r, f) == pytest.approx((23 / 27, 23 / 28, 46 / 55))
    assert t.tag_accuracy() == pytest.approx(21 / 23)
    # Cohen's kappa by hand: po = 21/23; label counts A/B give pe = 50/529; kappa = 433/479.
    assert report.kappa == pytest.approx(433 / 479)
    overall = t.entity_scores()
    assert (overall["a"], overall["b"], overall["matched"]) == (3, 5, 2)
    assert (overall["precision"], overall["recall"], overall["f1"]) == pytest.approx((0.4, 2 / 3, 0.5))
    assert t.entity_scores("ORG") == {"a": 1, "b": 0, "matched": 0, "precision": None, "recall": 0.0, "f1": 0.0}
    assert t.entity_scores("LOC")["f1"] == pytest.approx(0.4) and t.entity_scores("PER")["f1"] == 1.0
    what = [(d["sentence_id"], d["what"], d["a"], d["b"]) for d in report.disagreements]
    assert what == [
        ("t-p002-s01", "segmentation", "自治區 黨委", "自治區黨委"),
        ("t-p002-s01", "tag", "領導/vn", "領導/v"),
        ("t-p002-s01", "entity", "[自治區黨委]ORG", "[自治區黨委]LOC"),
        ("t-p002-s02", "segmentation", "習 近平", "習近平"),
        ("t-p003-s01", "segmentation", "京蒙", "京 蒙"),
        ("t-p003-s01", "entity", "none", "[京]LOC"),
        ("t-p003-s01", "entity", "none", "[蒙]LOC"),
        ("t-p004-s01", "tag", "反轉/v", "反轉/n"),
    ]
    assert report.disagreement_ids() == ["t-p002-s01", "t-p002-s02", "t-p003-s01", "t-p004-s01"]
    text = report.format()
    assert "segmentation F1 (word spans): 0.836  (P 0.852, R 0.821)" in text
    assert "accuracy 0.913, Cohen's kappa 0.904" in text
    assert "  ORG: A 1, B 0, F1 0.000  (P n/a, R 0.000)" in text
    assert "(corrected from HanLP's proposals)" in text


def test_agreement_over_nothing_is_an_error(logs: tuple[Path, Path], tmp_path: Path) -> None:
    empty = tmp_path / "words-carol.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ReviewError, match="nothing to compare"):
        diff(logs[0], empty, SENTENCES, PROPOSALS)
    unchecked = tmp_path / "words-dan.jsonl"
    with WordSession(SENTENCES, PROPOSALS, unchecked, "dan") as s:
        s.goto("t-p002-s01")
        s.retag("vn", 8)  # a change, but nothing checked
    with pytest.raises(ReviewError, match="nothing to compare"):
        diff(logs[0], unchecked, SENTENCES, PROPOSALS)
    with pytest.raises(ReviewError, match="log not found"):
        diff(logs[0], tmp_path / "words-nobody.jsonl", SENTENCES, PROPOSALS)


def test_a_sample_that_does_not_match_the_second_log_is_an_error(logs: tuple[Path, Path]) -> None:
    with pytest.raises(ReviewError, match="outside the sample"):
        diff(*logs, SENTENCES, PROPOSALS, sentence_ids=["t-p001-s01", "t-p002-s01"])


def test_export_writes_every_sentence_with_its_changes(logs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "words.jsonl"
    report = export(SENTENCES, PROPOSALS, logs[0], out, strict=True)
    assert report.complete and report.written
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == IDS
    assert list(rows[0]) == ["id", "text_hash", "tokens", "token_offsets", "pos_tags", "entities", "changes"]
    s2 = rows[1]
    assert s2["tokens"][5:7] == ["自治區", "黨委"] and s2["pos_tags"][9] == "vn"
    assert s2["entities"] == [{"start": 6, "end": 11, "label": "ORG", "text": "自治區黨委"}]
    assert [(c["kind"], c["reviewer"], c["note"]) for c in s2["changes"]] == [
        ("split", "alice", "alice's reading"), ("retag", "alice", "alice's reading"),
        ("entity-relabel", "alice", "alice's reading")]
    assert rows[2]["tokens"][:2] == ["習", "近平"] and rows[2]["entities"][0]["label"] == "PER"
    assert rows[0]["changes"] == []
    first = out.read_bytes()
    export(SENTENCES, PROPOSALS, logs[0], out, strict=True)
    assert out.read_bytes() == first  # same logs, same bytes


def test_strict_export_of_an_incomplete_review_changes_nothing(logs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "words.jsonl"
    out.write_text("published before\n", encoding="utf-8")
    report = export(SENTENCES, PROPOSALS, logs[1], out, strict=True)
    assert not report.complete and not report.written and report.unchecked == ["t-p003-s02"]
    assert out.read_text(encoding="utf-8") == "published before\n"
    assert "not written" in report.format() and "t-p003-s02" in report.format()
    report = export(SENTENCES, PROPOSALS, logs[1], out)  # without --strict: written, with the warning
    assert report.written and len(out.read_text(encoding="utf-8").splitlines()) == 6


def test_summary_counts_agreement_and_modes(logs: tuple[Path, Path]) -> None:
    result = summary(SENTENCES, PROPOSALS, [logs[0]], logs[1], 1.0, 3, None)
    assert result["layer"] == "words"
    primary = result["logs"]["primary"]
    assert [{k: v for k, v in p.items() if k != "entry"} for p in primary] == [
        {"log": "words-alice.jsonl", "mode": "proposals", "decisions": 11}]
    # when the decisions were written, from the log's own time stamps (a batch entry shows as ms gaps)
    entry = primary[0]["entry"]
    assert entry["first"] <= entry["last"] and entry["seconds"] >= 0 and entry["median_gap_ms"] >= 0
    assert result["logs"]["second"]["mode"] == "proposals"
    counts = result["counts"]
    assert counts == {"sentences": 6, "sentences_checked": 6, "words": 32, "entities": 3, "untagged": 0,
                      "splits": 2, "merges": 0, "retags": 1, "entities_added": 1, "entities_removed": 0,
                      "entities_relabelled": 1, "entities_moved": 0, "edits": 2}
    agreement = result["agreement"]
    assert agreement["sentences"] == 5 and agreement["words_compared"] == 23 and agreement["disagreements"] == 8
    assert agreement["segmentation_f1"] == round(46 / 55, 4) and agreement["tag_kappa"] == round(433 / 479, 4)
    assert agreement["entity_f1"] == 0.5 and agreement["entity_f1_by_label"] == {"PER": 1.0, "LOC": 0.4, "ORG": 0.0}
    assert result["proposer"]["sentences"] == 6
    again = summary(SENTENCES, PROPOSALS, [logs[0]], logs[1], 1.0, 3, None)
    assert json.dumps(again) == json.dumps(result)
    with pytest.raises(ReviewError, match="outside the sample"):
        summary(SENTENCES, PROPOSALS, [logs[0]], logs[1], 0.5, 3, None)


def test_summary_says_when_a_log_was_made_from_scratch(logs: tuple[Path, Path], tmp_path: Path) -> None:
    blind = tmp_path / "words-eve.jsonl"
    with WordSession(SENTENCES, None, blind, "eve", scratch=True) as s:
        s.edit_line("各位/r 代表/n ：/w")
        s.accept()
    result = summary(SENTENCES, PROPOSALS, [logs[0]], blind, 1.0, 3, None)
    assert result["logs"]["second"]["mode"] == "scratch"
    assert result["agreement"]["sentences"] == 1 and result["agreement"]["segmentation_f1"] == 1.0
    report = diff(logs[0], blind, SENTENCES, PROPOSALS)
    assert "(from scratch (no proposals shown))" in report.format()
    only = summary(SENTENCES, PROPOSALS, [blind], None, None, None, None)
    assert only["proposer"] is None and only["counts"]["splits"] == 2 and only["counts"]["retags"] == 3


def test_status_lists_what_is_left(logs: tuple[Path, Path]) -> None:
    text = status(logs[1], SENTENCES, PROPOSALS)
    assert "sentences 5/6 checked" in text and "t-p003-s02" in text
    assert "HanLP proposal(s) could not be shown" in text


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annotators.review", *argv, "--sentences", str(SENT),
                           "--proposals", str(HANLP)], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_commands_with_layer_words(logs: tuple[Path, Path], tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    done = _cli("review-diff", "--layer", "words", str(logs[0]), str(logs[1]), "--ids-out", str(ids))
    assert done.returncode == 0, done.stderr
    assert "disagreements: 8 in 4 sentence(s)" in done.stdout
    assert ids.read_text(encoding="utf-8").split() == ["t-p002-s01", "t-p002-s02", "t-p003-s01", "t-p004-s01"]
    for raw in ("\x1b", "\u202e"):  # the hostile sentence's text never reaches the terminal raw
        assert raw not in done.stdout
    out = tmp_path / "words.jsonl"
    done = _cli("review-export", "--layer", "words", "--log", str(logs[1]), "--out", str(out), "--strict")
    assert done.returncode == 1 and not out.exists() and "left unchanged" in done.stderr
    done = _cli("review-export", "--layer", "words", "--log", str(logs[0]), "--out", str(out), "--strict")
    assert done.returncode == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 6
    done = _cli("review-status", "--layer", "words", "--log", str(tmp_path / "missing.jsonl"))
    assert done.returncode == 1 and "log not found" in done.stderr and "Traceback" not in done.stderr
    summary_out = tmp_path / "summary.json"
    done = _cli("review-summary", "--layer", "words", "--log", str(logs[0]), "--second", str(logs[1]),
                "--sample", "1", "--seed", "3", "--out", str(summary_out))
    assert done.returncode == 0, done.stderr
    assert json.loads(summary_out.read_text(encoding="utf-8"))["agreement"]["disagreements"] == 8
    done = _cli("review-diff", "--layer", "words", str(logs[0]), str(tmp_path / "missing.jsonl"))
    assert done.returncode == 1 and "log not found" in done.stderr


# -- numeric layer from scratch ----------------------------------------------------------------

NSENT, NPROP = FIX / "review_sentences.jsonl", FIX / "review_proposals.jsonl"


def test_numeric_from_scratch_shows_no_proposal_and_records_the_mode(tmp_path: Path) -> None:
    sentences, proposals = load_sentences(NSENT), load_proposals(NPROP)
    assert any(p.spans for p in proposals.values())
    blind = tmp_path / "numeric-bob.jsonl"
    out = io.StringIO()
    first = sentences[0]
    start = first.text.index("2024")
    code = run_review(sentences, proposals, blind, "bob", line_mode=True, scratch=True, sentence_ids=[first.id],
                      stdin=io.StringIO(f"add {start} {start + 5} DATE\nc\nq\n"), stdout=out)
    assert code == 0, out.getvalue()
    assert "no proposals" in out.getvalue()
    rows = [json.loads(x) for x in blind.read_text(encoding="utf-8").splitlines()]
    assert [r["action"] for r in rows] == ["add", "checked"] and {r["mode"] for r in rows} == {"scratch"}
    # Continuing that log without --from-scratch is refused: it would show the proposals.
    with pytest.raises(ReviewError, match="made from scratch"):
        run_review(sentences, proposals, blind, "bob", line_mode=True, stdin=io.StringIO("q\n"), stdout=io.StringIO())
    # A review of the proposals on the same sentence, then the comparison says how each was made.
    seen = tmp_path / "numeric-alice.jsonl"
    script = "".join("a\n" for _ in proposals[first.id].spans) + "c\nq\n"
    assert run_review(sentences, proposals, seen, "alice", line_mode=True, sentence_ids=[first.id],
                      stdin=io.StringIO(script), stdout=io.StringIO()) == 0
    report = numeric_diff(seen, blind, sentences, proposals, sentence_ids=[first.id])
    text = report.format()
    assert "(corrected from the proposals)" in text and "(from scratch (no proposals shown))" in text
    result = review_summary(sentences, proposals, [blind], None, None, None, None)
    assert result["modes"] == {"primary": "scratch", "second": None, "adjudication": None}
    assert result["proposer"] is None and result["counts"]["added"] == 1


def test_numeric_from_scratch_through_the_cli(tmp_path: Path) -> None:
    log = tmp_path / "numeric-bob.jsonl"
    done = subprocess.run([sys.executable, "-m", "annotators.review", "review", "--line", "--from-scratch",
                           "--reviewer", "bob", "--log", str(log), "--sentences", str(NSENT), "--proposals",
                           str(NPROP)], input="c\nq\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(log.read_text(encoding="utf-8").splitlines()[0])["mode"] == "scratch"


def test_entry_timing_reads_the_log_time_stamps() -> None:
    from annotators.review.entry import entry_timing
    from annotators.review.log import Decision

    def at(t: str) -> Decision:
        return Decision(id=t[-6:].replace(":", "").replace(".", ""), reviewer="r", time=t, sentence_id="s",
                        text_hash="0" * 16, action="checked", before=None, after=None, layer="words")

    stamps = ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.004Z", "2026-01-01T00:01:02.000Z"]
    assert entry_timing([at(t) for t in stamps]) == {"first": stamps[0], "last": stamps[2], "seconds": 62.0,
                                                     "median_gap_ms": 31000.0}
    assert entry_timing([])["seconds"] is None
