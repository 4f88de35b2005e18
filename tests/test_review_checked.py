"""Sentence-level `checked`, notes, samples over all sentences, several logs, adjudication, summary."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from annotators.review.cli import main
from annotators.review.commands import export, replay, review_summary, run_review, sample, status
from annotators.review.data import ProposalLine, Sentence, load_proposals, load_sentences, text_hash
from annotators.review.errors import ReviewError
from annotators.review.session import Session
from annotators.review.tui import ReviewApp

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
SENTENCES = load_sentences(FIX / "review_sentences.jsonl")
PROPOSALS = load_proposals(FIX / "review_proposals.jsonl")

# A sentence the proposer found nothing in, though it has a count (28萬人 = text[6:10]).
BARE = "全年新增就業28萬人。"
BARE_ID = "nmg2025-p002-s08"


def small() -> tuple[list[Sentence], dict[str, ProposalLine]]:
    """Three sentences: p002-s02 (4 proposals), p002-s04 (3 proposals), and one with none."""
    keep = ("nmg2025-p002-s02", "nmg2025-p002-s04")
    sentences = [s for s in SENTENCES if s.id in keep] + [Sentence(BARE_ID, text_hash(BARE), BARE, paragraph=2)]
    return sentences, {k: v for k, v in PROPOSALS.items() if k in keep}


def write_inputs(tmp: Path, sentences: list[Sentence], proposals: dict[str, ProposalLine]) -> list[str]:
    """Write sentences and proposals JSONL under tmp; return the CLI options naming them."""
    sent, prop = tmp / "sentences.jsonl", tmp / "proposals.jsonl"
    sent.write_text("".join(json.dumps({"id": s.id, "text_hash": s.text_hash, "text": s.text,
                                        "paragraph": s.paragraph}, ensure_ascii=False) + "\n"
                            for s in sentences), encoding="utf-8")
    prop.write_text("".join(json.dumps({"id": p.sentence_id, "text_hash": p.text_hash, "spans": p.spans},
                                       ensure_ascii=False) + "\n" for p in proposals.values()), encoding="utf-8")
    return ["--sentences", str(sent), "--proposals", str(prop)]


def line(sentences, proposals, log: Path, reviewer: str, script: str, **kw) -> str:
    out = io.StringIO()
    code = run_review(sentences, proposals, log, reviewer, line_mode=True, stdin=io.StringIO(script), stdout=out, **kw)
    assert code == 0, out.getvalue()
    return out.getvalue()


def log_lines(log: Path) -> list[dict]:
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]


# -- checked ---------------------------------------------------------------------------


def test_line_mode_through_a_sentence_without_proposals(tmp_path: Path) -> None:
    sentences, proposals = small()
    log = tmp_path / "l.jsonl"
    out = line(sentences, proposals, log, "alice",
               "g p002-s04\na\nx\na\n"            # the last span of p002-s04 decided ...
               "c\n"                              # ... so the sentence itself is next, until checked
               "add 6 10 CARDINAL value=2.8e5 unit=人\n"
               "c\nq\n", sentence_ids=["nmg2025-p002-s04", BARE_ID])
    assert "nmg2025-p002-s04 · all 3 span(s) decided: read the whole sentence, add any missed span, then c" in out
    assert f"{BARE_ID} · no proposals: read it, add any missed span, then c" in out
    assert f"checked {BARE_ID}; all spans decided and all sentences checked" in out
    assert "every span decided and every sentence checked" in out
    assert "spans 4/4 · sentences 2/2 checked" in out.splitlines()[-1]
    rows = log_lines(log)
    assert [r["action"] for r in rows] == ["accept", "reject", "accept", "checked", "add", "checked"]
    assert rows[-1]["sentence_id"] == BARE_ID and rows[-1]["text_hash"] == text_hash(BARE)
    assert rows[-1]["before"] is None and rows[-1]["after"] is None


def test_checked_is_refused_while_a_proposal_is_undecided(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    s = Session(SENTENCES, PROPOSALS, log, "alice")
    s.goto("p002-s02")
    s.accept()
    with pytest.raises(ReviewError, match=r"cannot mark nmg2025-p002-s02 checked: 3 proposal\(s\) still undecided"):
        s.check()
    s.edit("label", "QUANTITY")
    with pytest.raises(ReviewError, match="unsaved edit"):
        s.check()
    assert [r["action"] for r in log_lines(log)] == ["accept"]


def test_every_sentence_is_in_the_queue_and_checked_is_stale_when_the_text_changes(tmp_path: Path) -> None:
    sentences, proposals = small()
    log = tmp_path / "l.jsonl"
    s = Session(sentences, proposals, log, "alice", sentence_ids=[BARE_ID])
    assert s.cursor == (BARE_ID, None)
    assert "checked" in s.check() and s.done
    assert s.state.progress().head() == "spans 0/7 · sentences 1/3 checked"
    s.close()  # one session per log at a time
    changed = [*sentences[:2], Sentence(BARE_ID, text_hash(BARE + "。"), BARE + "。")]
    again = Session(changed, proposals, log, "alice")
    [problem] = again.problems
    assert problem.kind == "stale" and "checked by alice" in problem.message
    assert again.state.unchecked() == [s.id for s in changed]


def test_undoing_a_span_decision_unchecks_and_undo_of_checked_is_replayed(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    s = Session(SENTENCES, PROPOSALS, log, "alice")
    s.accept()
    s.check()
    assert s.state.is_checked("nmg2025-p001-s01")
    assert s.undo() == "undid checked on nmg2025-p001-s01" and s.cursor == ("nmg2025-p001-s01", None)
    assert not replay(SENTENCES, PROPOSALS, log).is_checked("nmg2025-p001-s01")
    s.check()
    assert replay(SENTENCES, PROPOSALS, log).is_checked("nmg2025-p001-s01")


def test_notes_in_line_mode(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    out = line(SENTENCES, PROPOSALS, log, "alice",
               "note heading year\na\nc\nx because a duration, but the proposer got it wrong\nnote oops\nnote\nc\n")
    assert "note for the next decision: heading year" in out and "note cleared" in out
    assert [(r["action"], r["note"]) for r in log_lines(log)] == [
        ("accept", "heading year"), ("checked", None),
        ("reject", "a duration, but the proposer got it wrong"), ("checked", None)]


def test_because_on_a_refused_decision_does_not_stick(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    out = io.StringIO()
    session = Session(SENTENCES, PROPOSALS, log, "alice")
    from annotators.review.line import run_line

    code = run_line(session, io.StringIO("c because read\na\n"), out, interactive=True)
    assert code == 0 and "still undecided" in out.getvalue()
    assert [r["note"] for r in log_lines(log)] == [None]


def drive(session: Session, script) -> None:
    app = ReviewApp(session)

    async def run() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await script(app, pilot)

    with session:  # the session (and its log lock) ends with the screen
        asyncio.run(run())


def shown(app: ReviewApp, wid: str) -> str:
    content = app.query_one(wid, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def test_screen_c_checks_the_sentence_and_m_sets_a_note(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: ReviewApp, pilot) -> None:
        assert "c sentence checked" in shown(app, "#keys") and "m note" in shown(app, "#keys")
        await pilot.press("c")
        assert "✗ cannot mark nmg2025-p001-s01 checked" in shown(app, "#message")
        await pilot.press("m")
        app.query_one("#prompt", Input).value = "year of the heading"
        await pilot.press("enter")
        assert "note for the next decision: year of the heading" in shown(app, "#details")
        await pilot.press("a")
        assert "all 1 span(s) decided" in shown(app, "#details") and "c: mark this sentence checked" in shown(app, "#details")
        assert shown(app, "#done") == "spans 1/22 · sentences 0/8 checked"
        await pilot.press("c")
        assert "checked nmg2025-p001-s01" in shown(app, "#message")
        assert shown(app, "#done") == "spans 1/22 · sentences 1/8 checked"
        assert "⟦一年⟧" in shown(app, "#sentence")
        await pilot.press("u")
        assert "undid checked" in shown(app, "#message") and shown(app, "#done").endswith("0/8 checked")
        await pilot.press("c", "q")

    drive(Session(SENTENCES, PROPOSALS, log, "alice"), script)
    assert [(r["action"], r["note"]) for r in log_lines(log)] == [
        ("accept", "year of the heading"), ("checked", None), ("undo", None), ("checked", None)]


# -- status and strict export ------------------------------------------------------------


def test_status_lists_unchecked_and_strict_export_refuses_an_unchecked_sentence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentences, proposals = small()
    opts = write_inputs(tmp_path, sentences, proposals)
    log, out = tmp_path / "numeric-alice.jsonl", tmp_path / "out.jsonl"
    line(sentences, proposals, log, "alice", "a\na\na\na\nc\na\nx\na\nc\n")  # the bare sentence: not checked
    text = status(log, sentences, proposals)
    assert f"sentences not checked yet (1):\n  {BARE_ID}" in text and f"next to review: {BARE_ID}" in text
    argv = ["review-export", "--log", str(log), "--out", str(out), "--strict", *opts]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert f"1 sentence(s) not checked yet: {BARE_ID}" in captured.out and "--strict" in captured.err
    assert main([a for a in argv if a != "--strict"]) == 0  # without --strict it still writes, warning
    capsys.readouterr()
    line(sentences, proposals, log, "alice", "c\n")
    assert main(argv) == 0
    assert "not checked" not in capsys.readouterr().out


# -- sampling --------------------------------------------------------------------------------


def test_sample_draws_from_all_sentences_one_per_stratum() -> None:
    sentences = [Sentence(f"d-p{i:03d}-s01", text_hash(str(i)), str(i), paragraph=i) for i in range(20)]
    one = sample(sentences, {}, 0.25, seed=11)  # no proposals at all: still sampled
    assert len(one) == 5 and one == sample(sentences, {}, 0.25, seed=11)
    positions = [int(x[3:6]) for x in one]
    assert [p // 4 for p in positions] == [0, 1, 2, 3, 4]  # one from each quarter-block of the report
    assert {tuple(sample(sentences, {}, 0.25, seed=n)) for n in range(10)} != {tuple(one)}
    with pytest.raises(ReviewError):
        sample(sentences, {}, 0.0, seed=1)


def test_cli_prints_the_sample_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentences, proposals = small()
    opts = write_inputs(tmp_path, sentences, proposals)
    line(sentences, proposals, tmp_path / "numeric-alice.jsonl", "alice", "a\n")
    assert main(["review-status", "--log", str(tmp_path / "numeric-alice.jsonl"), "--sample", "0.5", "--seed", "3",
                 *opts]) == 0
    err = capsys.readouterr().err
    assert "sample: 2 of 3 sentences (fraction 0.5, seed 3; the same fraction and seed always draw" in err


# -- several logs, adjudication, summary -------------------------------------------------------


def reviews(tmp: Path) -> dict[str, Path]:
    """alice (two log files), bob (blind, all three sentences), an adjudicator on top of alice."""
    sentences, proposals = small()
    logs = {name: tmp / f"numeric-{name}.jsonl" for name in ("alice1", "alice2", "bob", "adjudicator")}
    # alice: 6% qualifier changed (a hypothetical correction), 二十一 rejected, 28萬人 added with a wrong value.
    line(sentences, proposals, logs["alice1"], "alice", "edit qualifier exact\na\na\na\na\nc\n",
         sentence_ids=["nmg2025-p002-s02"])
    line(sentences, proposals, logs["alice2"], "alice", "a\nx\na\nc\nadd 6 10 CARDINAL value=28 unit=人\nc\n",
         sentence_ids=["nmg2025-p002-s04", BARE_ID])
    # bob: 2.6萬億元 as QUANTITY, 第20位 rejected, 820.1億斤 value changed, nothing added in the bare sentence.
    line(sentences, proposals, logs["bob"], "bob",
         "a\nedit label QUANTITY\na\nx\na\nc\nedit value 8.2e10\na\nx\na\nc\nc\n")
    return logs


def test_adjudication_on_top_of_the_review_needs_notes_and_overrides(tmp_path: Path) -> None:
    sentences, proposals = small()
    logs = reviews(tmp_path)
    base = [logs["alice1"], logs["alice2"]]
    with pytest.raises(ReviewError, match="every decision needs a reason"), \
            Session(sentences, proposals, logs["adjudicator"], "adjudicator", base_logs=base, require_note=True) as s:
        assert s.cursor == ("nmg2025-p002-s02", None)  # alice checked it, the adjudicator has not
        assert s.state.progress(None, s.checker).head() == "spans 8/8 · sentences 0/3 checked"
        s.check()
    out = line(sentences, proposals, logs["adjudicator"], "adjudicator",
               "/ 2.6\na because sums of money are MONEY\n"
               "/ 第20位\nnote testing undo\nx\nu\n"
               "c because alice's labels stand; \"6%\" stays\n"
               f"g {BARE_ID}\nedit value 280000\na because 28萬 expands to 280000\nc because checked\n",
               base_logs=base)
    assert "error" not in out
    rows = log_lines(logs["adjudicator"])
    assert [r["action"] for r in rows] == ["accept", "reject", "undo", "checked", "correct", "checked"]
    assert all(r["note"] for r in rows if r["action"] != "undo")
    assert rows[3]["note"] == "alice's labels stand; \"6%\" stays"
    # The adjudicator's `before` is alice's current span, from her second log.
    assert rows[4]["before"]["status"] == "added" and rows[4]["before"]["value"] == 28.0
    state = replay(sentences, proposals, [*base, logs["adjudicator"]])
    assert state.problems == []
    [added] = state.live_slots(BARE_ID)
    assert (added.status, added.span["value"], added.reviewer) == ("added", 280000.0, "adjudicator")
    text = status([*base, logs["adjudicator"]], sentences, proposals)
    assert "decisions by reviewer: adjudicator 6, alice 11" in text and "spans 8/8 · sentences 3/3 checked" in text
    # Applied in the other order, the adjudicator's decisions no longer fit: conflicts, reported.
    assert {p.kind for p in replay(sentences, proposals, [logs["adjudicator"], *base]).problems} == {"conflict"}


def test_review_summary_on_a_hand_computed_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentences, proposals = small()
    logs = reviews(tmp_path)
    base = [logs["alice1"], logs["alice2"]]
    line(sentences, proposals, logs["adjudicator"], "adjudicator",
         "/ 2.6\na because MONEY\n/ 第20位\nnote undo me\nx\nu\n"
         f"g {BARE_ID}\nedit value 280000\na because 28萬 = 280000\nc because read\n", base_logs=base)
    result = review_summary(sentences, proposals, base, logs["bob"], 1.0, 0, logs["adjudicator"])
    # Final: 6% corrected; 2.6萬億元 第20位 5年 820.1億斤 第3位 accepted; 二十一 rejected; 28萬人 added.
    assert result["counts"] == {"proposed": 7, "accepted": 5, "corrected": 1, "rejected": 1, "added": 1,
                                "published": 7, "sentences": 3, "sentences_checked": 3}
    # alice vs bob on 3 sentences, items (A, B): 6% (P,P) 2.6萬億元 (MONEY,QUANTITY) 第20位 (ORD,NONE)
    # 5年 (D,D) 820.1億斤 (Q,Q) 第3位 (ORD,ORD) 28萬人 (CARD,NONE): po 4/7; pe = (P1 + ORD 2·1 + D1 + Q 1·2)/49
    # = 6/49; kappa = (28/49 - 6/49)/(43/49) = 22/43. F1 = 2·4/(7+5). Disagreements: 6% qualifier,
    # 2.6萬億元 label, 第20位 span, 820.1億斤 value, 28萬人 span. Adjudicated: the accept and the
    # correction in force (the reject was undone; the `checked` is no span decision).
    assert result["agreement"] == {"span_f1": round(8 / 12, 4), "kappa": round(22 / 43, 4), "sentences": 3,
                                   "fraction": 1.0, "seed": 0, "disagreements": 5, "adjudicated": 2}
    # Proposer: 6 of 7 proposals published unchanged in (start, end, label); 7 published spans.
    assert result["proposer"] == {"precision": round(6 / 7, 4), "recall": round(6 / 7, 4), "exact_matches": 6}
    # No second review: agreement is all null; the CLI writes the same JSON, byte for byte each time.
    solo = review_summary(sentences, proposals, base, None, None, None, None)
    assert set(solo["agreement"]) == set(result["agreement"]) and set(solo["agreement"].values()) == {None}
    opts = write_inputs(tmp_path, sentences, proposals)
    out = tmp_path / "summary.json"
    argv = ["review-summary", "--log", str(base[0]), "--log", str(base[1]), "--second", str(logs["bob"]),
            "--sample", "1", "--seed", "0", "--adjudication", str(logs["adjudicator"]), "--out", str(out), *opts]
    assert main(argv) == 0
    first = out.read_bytes()
    assert main(argv) == 0 and out.read_bytes() == first
    assert json.loads(first) == result
    capsys.readouterr()
