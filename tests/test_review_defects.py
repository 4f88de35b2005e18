"""The defects of issue 16 (numeric review tool), one test or more each; line mode runs in subprocesses.

1 failing export changes nothing · 2 cut-off last line moved aside, "disk full" · 3 every field of
every decision validated on replay · 4 no score for nothing compared, a wrong sample is an error ·
5 (see test_review_hostile.py) · 6 one live session per log · 7 stale proposals refuse `c` ·
8 a failed write exits non-zero and claims nothing · 9 directories and missing logs · 10 the screen.
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Static

from annotators.errors import CorpusError
from annotators.fileio import atomic_write_text
from annotators.review.commands import export, review_summary, run_review
from annotators.review.data import ProposalLine, Sentence, load_proposals, load_sentences, text_hash
from annotators.review.errors import ReviewError
from annotators.review.log import DecisionLog
from annotators.review.render import wrap_offsets
from annotators.review.session import Session
from annotators.review.tui import ReviewApp

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
SENT_PATH, PROP_PATH = FIX / "review_sentences.jsonl", FIX / "review_proposals.jsonl"
SENTENCES = load_sentences(SENT_PATH)
PROPOSALS = load_proposals(PROP_PATH)
INPUTS = ["--sentences", str(SENT_PATH), "--proposals", str(PROP_PATH)]


def cli(*args: str, stdin: str = "", code: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m annotators.review ARGS` (or `code`, a script ending in main()) in a subprocess."""
    cmd = [sys.executable, "-m", "annotators.review", *args] if code is None else [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120)


def line_review(log: Path, script: str, reviewer: str = "alice", **kw) -> str:
    out = io.StringIO()
    code = run_review(SENTENCES, PROPOSALS, log, reviewer, line_mode=True, stdin=io.StringIO(script), stdout=out, **kw)
    assert code == 0, out.getvalue()
    return out.getvalue()


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


# -- 1. a failing export changes nothing -----------------------------------------------------------


def test_failing_strict_export_leaves_the_published_file_untouched(tmp_path: Path) -> None:
    log, out = tmp_path / "numeric-alice.jsonl", tmp_path / "numeric_entities.jsonl"
    line_review(log, "a\nc\n")  # an incomplete review
    out.write_bytes(b'{"published": "before"}\n')
    before = out.read_bytes()
    proc = cli("review-export", "--log", str(log), "--out", str(out), "--strict", *INPUTS)
    assert proc.returncode == 1 and "NOT written" in proc.stdout and "left unchanged" in proc.stderr
    no_traceback(proc)
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "numeric-alice.jsonl", "numeric_entities.jsonl"]  # no temporary file left either
    report = export(SENTENCES, PROPOSALS, log, out, strict=True)
    assert not report.written and out.read_bytes() == before
    proc = cli("review-export", "--log", str(log), "--out", str(out), *INPUTS)  # without --strict: written
    assert proc.returncode == 0 and out.read_bytes() != before and "still unreviewed" in proc.stdout


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "data.jsonl"
    out.write_text("old\n", encoding="utf-8")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("annotators.fileio.os.replace", full)
    with pytest.raises(CorpusError, match="disk full.*left unchanged"):
        atomic_write_text(out, "new\n")
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old\n" and [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]
    old_umask = os.umask(0o022)
    try:
        atomic_write_text(out, "new\n")
    finally:
        os.umask(old_umask)
    assert out.read_text(encoding="utf-8") == "new\n" and (out.stat().st_mode & 0o777) == 0o644
    with pytest.raises(CorpusError, match="is a directory"):
        atomic_write_text(tmp_path, "x")


# -- 2. a cut-off last line, a full disk ------------------------------------------------------------

FULL_DISK = textwrap.dedent(
    """
    import errno, sys
    import annotators.review.log as L
    real, count = L._write_all, [0]
    def write(fd, data):
        count[0] += 1
        if count[0] > int(sys.argv[1]):
            L.os.write(fd, data[: len(data) // 2])  # half a line reaches the disk, then it is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data)
    L._write_all = write
    from annotators.review.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


def test_a_full_disk_says_so_rolls_back_and_claims_nothing(tmp_path: Path) -> None:
    log = tmp_path / "numeric-alice.jsonl"
    proc = cli("1", "review", "--line", "--reviewer", "alice", "--log", str(log), *INPUTS,
               stdin="a\nc\nx\n", code=FULL_DISK)
    no_traceback(proc)
    assert proc.returncode == 1
    assert "disk full" in proc.stdout and "NOT saved" in proc.stdout and "could NOT be written" in proc.stdout
    assert "killed" not in proc.stdout and "saved to" not in proc.stdout
    # The half-written line was cut off again: the log holds exactly the one decision that was written.
    decisions, problems = DecisionLog(log).read()
    assert [d.action for d in decisions] == ["accept"] and problems == []
    assert log.read_bytes().endswith(b"\n")


def test_a_cut_off_line_is_moved_aside_so_strict_export_can_pass_again(tmp_path: Path) -> None:
    log, out = tmp_path / "numeric-alice.jsonl", tmp_path / "out.jsonl"
    ids = ["nmg2025-p001-s01"]
    line_review(log, "a\n", sentence_ids=ids)
    log.write_bytes(log.read_bytes() + b'{"id":"abc","reviewer":"alice","ti')  # a kill mid-write
    status = cli("review-status", "--log", str(log), "--only-ids", ids[0], *INPUTS)
    assert status.returncode == 0 and f"{log}:2: [truncated]" in status.stdout and ".damaged" in status.stdout
    proc = cli("review", "--line", "--reviewer", "alice", "--log", str(log), "--only-ids", ids[0], *INPUTS,
               stdin="c\nq\n")
    assert proc.returncode == 0, proc.stdout
    assert f"moved to {log}.damaged" in proc.stdout and "[truncated]" in proc.stdout
    assert (tmp_path / "numeric-alice.jsonl.damaged").read_bytes() == b'{"id":"abc","reviewer":"alice","ti\n'
    decisions, problems = DecisionLog(log).read()
    assert [d.action for d in decisions] == ["accept", "checked"] and problems == []
    sentences = [s for s in SENTENCES if s.id in ids]
    report = export(sentences, {k: v for k, v in PROPOSALS.items() if k in ids}, log, out, strict=True)
    assert report.complete and report.written


# -- 3. every field of every decision is validated on replay -----------------------------------------

GOOD_SPAN = {"start": 2, "end": 7, "text": "2024年", "label": "DATE", "value": None, "timex": "2024", "unit": None,
             "qualifier": "exact", "status": "accepted"}
GOOD = {"id": "d1", "reviewer": "alice", "time": "2026-01-05T09:30:00.000Z", "sentence_id": "nmg2025-p001-s01",
        "text_hash": SENTENCES[0].text_hash, "action": "correct", "before": dict(GOOD_SPAN, timex=None, status="auto"),
        "after": dict(GOOD_SPAN, status="corrected"), "layer": "numeric", "undoes": None, "note": None}


def junk(**changes: object) -> dict:
    line = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("after_"):
            line["after"][key[6:]] = value
        else:
            line[key] = value
    return line


JUNK = {
    "undoes list": junk(action="undo", undoes=["x"]),
    "undoes on a correct": junk(undoes="d0"),
    "value words": junk(after_value="a lot"),
    "value bool": junk(after_value=True),
    "timex number": junk(after_timex=12),
    "timex words": junk(after_timex="\x1b]0;PWNED\x07\x1b[2J"),
    "unit list": junk(after_unit=["x"]),
    "unit unknown": junk(after_unit="banana"),
    "qualifier": junk(after_qualifier="banana"),
    "time": junk(time="yesterday"),
    "time without zone": junk(time="2026-01-05T09:30:00"),
    "end bool": junk(after_end=True),
    "start after end": junk(after_start=7, after_end=2),
    "end past the text": junk(after_end=99),
    "text not the slice": junk(after_text="2025年"),
    "label": junk(after_label="NUMBER"),
    "status": junk(after_status="great"),
    "unknown span field": junk(after_colour="red"),
    "missing span field": {**GOOD, "after": {k: v for k, v in GOOD["after"].items() if k != "qualifier"}},
    "unknown field": junk(extra=1),
    "reviewer with ESC": junk(reviewer="al\x1b[2Jice"),
    "text hash": junk(text_hash="not-hex"),
    "checked with a span": junk(action="checked"),
    "reject with an after": junk(action="reject"),
    "add with a before": junk(action="add"),
    "id": junk(id=""),
    "note": junk(note=7),
    "after a list": junk(after=[1, 2]),
}


@pytest.mark.parametrize("name", sorted(JUNK))
def test_a_bad_field_is_a_reported_problem_naming_file_and_line(tmp_path: Path, name: str) -> None:
    log, out = tmp_path / "numeric-alice.jsonl", tmp_path / "out.jsonl"
    log.write_text(json.dumps(JUNK[name]) + "\n", encoding="utf-8")
    decisions, problems = DecisionLog(log).read()
    from annotators.review.commands import replay

    state = replay(SENTENCES, PROPOSALS, log)
    assert [(p.path, p.line, p.kind) for p in state.problems] == [(str(log), 1, "invalid")], state.problems
    assert state.live_slots("nmg2025-p001-s01")[0].status == "auto"  # not applied
    report = export(SENTENCES, PROPOSALS, log, out, strict=True)
    assert not report.complete and not out.exists()
    assert not decisions or problems == []  # either refused on reading or by the layer, never both


def test_bad_lines_never_crash_status_export_or_review(tmp_path: Path) -> None:
    log, out = tmp_path / "numeric-alice.jsonl", tmp_path / "out.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in JUNK.values()), encoding="utf-8")
    status = cli("review-status", "--log", str(log), *INPUTS)
    no_traceback(status)
    assert status.returncode == 0 and f"{len(JUNK)} problem(s)" in status.stdout
    assert all(f"{log}:{n}: [invalid]" in status.stdout for n in range(1, len(JUNK) + 1))
    export_ = cli("review-export", "--log", str(log), "--out", str(out), "--strict", *INPUTS)
    no_traceback(export_)
    assert export_.returncode == 1 and not out.exists()
    review = cli("review", "--line", "--reviewer", "alice", "--log", str(log), *INPUTS, stdin="a\nu\nq\n")
    no_traceback(review)
    assert review.returncode == 0 and "undid accept" in review.stdout


def test_edits_are_validated_like_logged_values(tmp_path: Path) -> None:
    with Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice") as s:
        for name, raw in (("timex", "yesterday"), ("timex", "12"), ("unit", "banana"), ("value", "nan")):
            with pytest.raises(ReviewError, match=name):
                s.edit(name, raw)
        assert s.edit("unit", "個百分點").startswith("unit = '百分點'")  # the normalizer's spelling
        assert s.edit("timex", "P1.5Y").startswith("timex = 'P1.5Y'")


def test_a_duplicate_id_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    log.write_text(json.dumps(GOOD) + "\n" + json.dumps(dict(GOOD, note="again")) + "\n", encoding="utf-8")
    decisions, problems = DecisionLog(log).read()
    assert len(decisions) == 1 and [(p.line, p.kind) for p in problems] == [(2, "invalid")]
    assert "duplicate id 'd1' (first on line 1)" in problems[0].message


# -- 4. nothing compared is an error, a wrong sample too ------------------------------------------------


def test_diff_against_an_empty_log_is_an_error_not_a_perfect_score(tmp_path: Path) -> None:
    a, b = tmp_path / "numeric-alice.jsonl", tmp_path / "numeric-bob.jsonl"
    line_review(a, "a\nc\na\nc\n")
    line_review(b, "q\n", reviewer="bob")  # opened and quit: an empty log
    assert b.read_text(encoding="utf-8") == ""
    proc = cli("review-diff", str(a), str(b), *INPUTS)
    no_traceback(proc)
    assert proc.returncode == 1 and "nothing to compare" in proc.stderr and "1.000" not in proc.stdout
    summary = cli("review-summary", "--log", str(a), "--second", str(b), "--sample", "1", "--seed", "0", *INPUTS)
    assert summary.returncode == 1 and "span_f1" not in summary.stdout
    assert "no decision on any sentence of the sample" in summary.stderr


def test_a_sample_that_does_not_match_the_second_log_is_an_error(tmp_path: Path) -> None:
    from annotators.review.commands import sample

    a, b = tmp_path / "numeric-alice.jsonl", tmp_path / "numeric-bob.jsonl"
    line_review(a, "".join("a\n" * len(PROPOSALS[s.id].spans) + "c\n" for s in SENTENCES))
    ids = sample(SENTENCES, PROPOSALS, 0.5, seed=7)
    line_review(b, "".join("a\n" * len(PROPOSALS[i].spans) + "c\n" for i in ids), reviewer="bob", sentence_ids=ids)
    good = cli("review-diff", str(a), str(b), "--sample", "0.5", "--seed", "7", *INPUTS)
    assert good.returncode == 0 and "sentences compared: 4" in good.stdout
    wrong = next(n for n in range(100) if sample(SENTENCES, PROPOSALS, 0.5, seed=n) != ids)
    bad = cli("review-diff", str(a), str(b), "--sample", "0.5", "--seed", str(wrong), *INPUTS)
    assert bad.returncode == 1 and "the sample does not match this log" in bad.stderr and "--seed" in bad.stderr
    with pytest.raises(ReviewError, match="sample does not match"):
        review_summary(SENTENCES, PROPOSALS, [a], b, 0.5, wrong, None)
    # Both read a sentence and kept no span: compared, but F1 is undefined (n/a), never 1.000.
    ids = ["nmg2025-p001-s01"]
    c, d = tmp_path / "numeric-carol.jsonl", tmp_path / "numeric-dave.jsonl"
    line_review(c, "x\nc\n", reviewer="carol", sentence_ids=ids)
    line_review(d, "x\nc\n", reviewer="dave", sentence_ids=ids)
    same = cli("review-diff", str(c), str(d), "--only-ids", ids[0], *INPUTS)
    assert same.returncode == 0 and "span F1 (start, end, label): n/a  (P n/a, R n/a)" in same.stdout


# -- 6. one live session per log ------------------------------------------------------------------------


def test_a_second_live_session_is_refused_naming_the_process(tmp_path: Path) -> None:
    log = tmp_path / "numeric-alice.jsonl"
    cmd = [sys.executable, "-m", "annotators.review", "review", "--line", "--reviewer", "alice", "--log", str(log),
           *INPUTS]
    first = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert first.stdin and first.stdout
    try:
        first.stdin.write("a\n")
        first.stdin.flush()
        deadline = time.time() + 30
        while time.time() < deadline and not (log.exists() and log.read_text(encoding="utf-8").count("\n") == 1):
            time.sleep(0.05)
        second = cli("review", "--line", "--reviewer", "alice", "--log", str(log), *INPUTS, stdin="u\n")
        no_traceback(second)
        assert second.returncode == 1 and f"process {first.pid}" in second.stderr and "E-REVIEW-LOCKED" in second.stderr
        assert log.read_text(encoding="utf-8").count("\n") == 1  # the second session's `u` never ran
        # Readers are not blocked by a live session.
        assert cli("review-status", "--log", str(log), *INPUTS).returncode == 0
        os.kill(first.pid, signal.SIGKILL)  # a killed session leaves its lock file, but no lock
        first.wait()
    finally:
        first.stdin.close()
        first.stdout.close()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert (tmp_path / "numeric-alice.jsonl.lock").exists()
    third = cli("review", "--line", "--reviewer", "alice", "--log", str(log), *INPUTS, stdin="u\nq\n")
    assert third.returncode == 0 and "undid accept" in third.stdout
    assert not (tmp_path / "numeric-alice.jsonl.lock").exists()  # removed by the clean exit


def test_the_lock_holds_in_one_process_too_until_close(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    first = Session(SENTENCES, PROPOSALS, log, "alice")
    with pytest.raises(ReviewError, match=rf"another review session.*process {os.getpid()}"):
        Session(SENTENCES, PROPOSALS, log, "bob")
    first.close()
    with Session(SENTENCES, PROPOSALS, log, "bob") as second:
        assert second.problems == []


# -- 7. stale proposals -------------------------------------------------------------------------------


def stale_inputs() -> tuple[list[Sentence], dict[str, ProposalLine]]:
    """p002-s04's text changed since its proposals were made (its 3 entities would be dropped)."""
    sid = "nmg2025-p002-s04"
    changed = [replace(s, text=s.text + "。", text_hash=text_hash(s.text + "。")) if s.id == sid else s
               for s in SENTENCES]
    return changed, PROPOSALS


def test_a_stale_sentence_says_so_and_refuses_c(tmp_path: Path) -> None:
    sentences, proposals = stale_inputs()
    log = tmp_path / "l.jsonl"
    with Session(sentences, proposals, log, "alice", sentence_ids=["nmg2025-p002-s04"]) as s:
        assert "STALE proposals" in s.where() and "no proposals" not in s.where()
        with pytest.raises(ReviewError, match="checked: its proposals are STALE.*nmg-corpus build --stages numeric"):
            s.check()
    assert log.read_text(encoding="utf-8") == ""
    # A `checked` logged for it (by an older version) is not applied: it stays up for review.
    sid = "nmg2025-p002-s04"
    sentence = next(x for x in sentences if x.id == sid)
    log.write_text(json.dumps(dict(GOOD, action="checked", before=None, after=None, sentence_id=sid,
                                   text_hash=sentence.text_hash)) + "\n", encoding="utf-8")
    from annotators.review.commands import replay

    state = replay(sentences, proposals, log)
    assert not state.is_checked(sid) and [p.kind for p in state.problems] == ["stale-proposal", "stale"]
    out = tmp_path / "out.jsonl"
    assert not export(sentences, proposals, log, out, strict=True).written and not out.exists()


def test_stale_sentence_on_the_screen(tmp_path: Path) -> None:
    sentences, proposals = stale_inputs()

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        assert "STALE proposals" in shown(app, "#details")
        await pilot.press("c")
        assert "✗ cannot mark nmg2025-p002-s04 checked: its proposals are STALE" in shown(app, "#message")
        await pilot.press("q")

    drive(Session(sentences, proposals, tmp_path / "l.jsonl", "alice", sentence_ids=["nmg2025-p002-s04"]), script)
    assert (tmp_path / "l.jsonl").read_text(encoding="utf-8") == ""


# -- 8. a failed write exits non-zero and claims nothing ------------------------------------------------


def test_screen_session_with_a_failed_write_exits_1_without_saved_to(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import annotators.review.log as log_module

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def one_key(app: ReviewApp) -> None:  # stands in for the screen: the reviewer presses a
        try:
            app.session.accept()
        except ReviewError:
            pass

    monkeypatch.setattr(log_module, "_write_all", full)
    monkeypatch.setattr(ReviewApp, "run", one_key)
    log = tmp_path / "l.jsonl"
    assert run_review(SENTENCES, PROPOSALS, log, "alice", line_mode=False) == 1
    captured = capsys.readouterr()
    assert "saved to" not in captured.out and "could NOT be written" in captured.err and "disk full" in captured.err
    assert log.read_text(encoding="utf-8") == ""


def test_a_log_in_a_place_that_cannot_be_written_is_refused_at_the_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    for log in (blocker / "numeric-alice.jsonl", Path("/proc/version")):
        proc = cli("review", "--line", "--reviewer", "alice", "--log", str(log), *INPUTS, stdin="a\n")
        no_traceback(proc)
        assert proc.returncode == 1 and proc.stderr.startswith("error[E-REVIEW-LOG]") and "saved to" not in proc.stdout


# -- 9. directories and missing logs ------------------------------------------------------------------


def test_a_directory_as_log_is_a_clear_error_for_every_command(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    runs = [("review", "--line", "--reviewer", "alice", "--log", str(folder)),
            ("review-status", "--log", str(folder)),
            ("review-export", "--log", str(folder), "--out", str(tmp_path / "o.jsonl")),
            ("review-diff", str(folder), str(folder)),
            ("review-summary", "--log", str(folder))]
    for args in runs:
        proc = cli(*args, *INPUTS, stdin="a\n")
        no_traceback(proc)
        assert proc.returncode == 1 and "is a directory" in proc.stderr, (args, proc.stderr)
    assert list(folder.iterdir()) == [] and not (tmp_path / "o.jsonl").exists()


def test_a_missing_log_is_an_error_except_for_review(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "annotations" / "review").mkdir(parents=True)
    (corpus / "interim").mkdir()
    (corpus / "interim" / "sentences.jsonl").write_bytes(SENT_PATH.read_bytes())
    (corpus / "annotations" / "numeric_proposals.jsonl").write_bytes(PROP_PATH.read_bytes())
    (corpus / "annotations" / "review" / "numeric-alice.jsonl").write_text("", encoding="utf-8")
    code = textwrap.dedent(
        f"""
        import argparse, sys
        from annotators.review.cli import register
        parser = argparse.ArgumentParser()
        parser.add_argument("--corpus", default={str(corpus)!r})
        register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(sys.argv[1:])
        sys.exit(args.func(args))
        """
    )
    status = cli("review-status", "--reviewer", "alcie", code=code)
    no_traceback(status)
    assert status.returncode == 1 and "numeric-alcie.jsonl: log not found" in status.stderr
    assert "numeric-alice.jsonl" in status.stderr  # the logs that do exist
    for args in (("review-export", "--reviewer", "bob"), ("review-diff", str(corpus / "x.jsonl"), str(corpus / "y.jsonl")),
                 ("review-summary", "--log", str(corpus / "x.jsonl"))):
        proc = cli(*args, code=code)
        assert proc.returncode == 1 and "log not found" in proc.stderr, args
    assert not (corpus / "annotations" / "numeric_entities.jsonl").exists()
    review = cli("review", "--line", "--reviewer", "bob", code=code, stdin="a\n")
    assert review.returncode == 0 and (corpus / "annotations" / "review" / "numeric-bob.jsonl").exists()


# -- 10. the screen ---------------------------------------------------------------------------------------


def drive(session: Session, script: Callable[[ReviewApp, Pilot], Awaitable[None]], size: tuple[int, int] = (100, 32)) -> ReviewApp:
    app = ReviewApp(session)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await script(app, pilot)

    with session:
        asyncio.run(main())
    return app


def shown(app: ReviewApp, wid: str) -> str:
    content = app.query_one(wid, Static).content
    return content.plain if isinstance(content, Text) else str(content)


LONG = "".join(f"第{i}段，全區各族幹部群眾團結奮鬥，推動經濟社會高質量發展取得新成效" for i in range(1, 30)) + "。"


def test_a_sentence_longer_than_the_screen_scrolls_and_c_waits_until_it_was_all_seen(tmp_path: Path) -> None:
    sentences = [Sentence("long-s1", text_hash(LONG), LONG), *SENTENCES[:1]]
    proposals = {"long-s1": ProposalLine("long-s1", text_hash(LONG), [], 1)}

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        from textual.containers import VerticalScroll

        middle = app.query_one("#middle", VerticalScroll)
        assert middle.scroll_y == 0 and middle.max_scroll_y > 0
        await pilot.press("c")
        assert "longer than the screen: scroll down" in shown(app, "#message")
        await pilot.press("pagedown")
        assert middle.scroll_y > 0
        await pilot.press("up", "down")
        for _ in range(40):
            if middle.scroll_y >= middle.max_scroll_y:
                break
            await pilot.press("pagedown")
        await pilot.press("c")
        assert "checked long-s1" in shown(app, "#message")
        await pilot.press("q")

    drive(Session(sentences, proposals, tmp_path / "l.jsonl", "alice"), script, size=(80, 24))
    assert [json.loads(x)["action"] for x in (tmp_path / "l.jsonl").read_text(encoding="utf-8").splitlines()] == ["checked"]


def test_lines_never_break_inside_a_span(tmp_path: Path) -> None:
    plain = "就業" * 18 + "⟦20.1萬人⟧，" + "增長6%"
    start = plain.index("⟦")
    breaks = wrap_offsets(plain, 40, [(start, plain.index("⟧") + 1)])
    assert start in breaks  # the whole span moved to the next line
    assert all(cell_len(part) <= 40 for part in (plain[a:b] for a, b in zip([0, *breaks], [*breaks, len(plain)])))
    text = "全年新增城鎮就業" * 4 + "20.1萬人，" + "城鎮調查失業率" * 3 + "5.1%左右。"
    spans = [{"start": text.index("20.1萬人"), "end": text.index("20.1萬人") + 6, "text": "20.1萬人", "label": "CARDINAL",
              "value": 201000.0, "timex": None, "unit": "人", "qualifier": "exact"},
             {"start": text.index("5.1%"), "end": text.index("5.1%") + 4, "text": "5.1%", "label": "PERCENT",
              "value": 5.1, "timex": None, "unit": "%", "qualifier": "approx"}]
    sentences = [Sentence("w-s1", text_hash(text), text)]
    proposals = {"w-s1": ProposalLine("w-s1", text_hash(text), spans, 1)}

    for width in range(60, 90, 3):  # the span falls at a line end for several of these
        async def script(app: ReviewApp, pilot: Pilot) -> None:
            lines = shown(app, "#sentence").split("\n")
            assert any("⟦20.1萬人⟧" in x for x in lines) and any("5.1%" in x for x in lines), lines
            box = app.query_one("#sentence", Static)
            assert all(cell_len(x) <= box.content_region.width for x in lines)
            await pilot.press("q")

        with Session(sentences, proposals, tmp_path / f"{width}.jsonl", "alice") as s:
            app = ReviewApp(s)

            async def main() -> None:
                async with app.run_test(size=(width, 30)) as pilot:
                    await script(app, pilot)

            asyncio.run(main())


def test_the_edit_prompt_always_types_at_the_end(tmp_path: Path) -> None:
    async def script(app: ReviewApp, pilot: Pilot) -> None:
        prompt = app.query_one("#prompt", Input)
        for _ in range(2):
            await pilot.press("e")
            assert prompt.cursor_position == len(prompt.value) > 0
            await pilot.press("space", "l", "a", "b", "e", "l", "=", "C", "A", "R", "D", "I", "N", "A", "L")
            assert prompt.value.endswith(" label=CARDINAL") and prompt.value.startswith("label=DATE")
            await pilot.press("escape")
        await pilot.press("e", "end", "space", "l", "a", "b", "e", "l", "=", "T", "I", "M", "E", "enter")
        assert "TIME" in shown(app, "#details") and "edited" in shown(app, "#details")
        await pilot.press("escape", "q")

    drive(Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice"), script)


def test_moving_away_never_drops_an_unsaved_edit(tmp_path: Path) -> None:
    async def script(app: ReviewApp, pilot: Pilot) -> None:
        await pilot.press("e")
        app.query_one("#prompt", Input).value = "label=TIME"
        await pilot.press("enter")
        for key in ("full_stop", "comma", "s", "u"):
            await pilot.press(key)
            assert "✗ unsaved edit: a saves it, esc drops it" in shown(app, "#message"), key
            assert app.session.has_unsaved() and "⟦2024年⟧" in shown(app, "#sentence")
        await pilot.press("right")  # with a draft the arrows move the span instead of browsing
        assert "2⟦024年工⟧" in shown(app, "#sentence")
        await pilot.press("escape", "full_stop")
        assert "⟦一年⟧" in shown(app, "#sentence")
        await pilot.press("q")

    drive(Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice"), script)
    out = io.StringIO()
    code = run_review(SENTENCES, PROPOSALS, tmp_path / "m.jsonl", "alice", line_mode=True,
                      stdin=io.StringIO("edit label TIME\nnext\n"), stdout=out)
    assert code == 1 and "unsaved edit: a saves it, cancel drops it; then move to the next span" in out.getvalue()


def test_line_mode_hints_name_line_mode_commands(tmp_path: Path) -> None:
    proc = cli("review", "--line", "--reviewer", "alice", "--log", str(tmp_path / "l.jsonl"), *INPUTS,
               stdin="edit label TIME\nedit label CARDINAL\ncancel\na\nc\nq\n")
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout
    assert "cancel drops it" in out and "add START END LABEL" in out
    assert "esc" not in out and "n adds" not in out and "n: add" not in out and ", . to browse" not in out
    proc = cli("review", "--line", "--reviewer", "alice", "--log", str(tmp_path / "l.jsonl"), *INPUTS,
               stdin="a\nedit label DATE\n")  # on the sentence itself: no span to edit
    assert proc.returncode == 1 and "no span here to edit: add START END LABEL" in proc.stdout


def test_e_without_a_span_and_changed_from_proposal(tmp_path: Path) -> None:
    async def script(app: ReviewApp, pilot: Pilot) -> None:
        await pilot.press("a")  # 2024年 accepted: the sentence itself is next, no span shown
        await pilot.press("e")
        message = shown(app, "#message")
        assert "no span here to edit: n adds a missed span" in message and "label must be" not in message
        await pilot.press("g")
        app.query_one("#prompt", Input).value = "p002-s02"
        await pilot.press("enter", "full_stop")
        await pilot.press("e")
        app.query_one("#prompt", Input).value = "label=QUANTITY"
        await pilot.press("enter", "a", "comma")
        assert "changed from proposal: label MONEY → QUANTITY" in shown(app, "#details")
        await pilot.press("q")

    drive(Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice"), script)


def test_span_text_with_an_equals_sign_can_be_added_by_text(tmp_path: Path) -> None:
    text = "兌換比率為1美元=7.1元人民幣。"
    sentences = [Sentence("eq-s1", text_hash(text), text)]
    proposals = {"eq-s1": ProposalLine("eq-s1", text_hash(text), [], 1)}

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        await pilot.press("n")
        app.query_one("#prompt", Input).value = "1美元=7.1元 MONEY value=7.1 unit=元"
        await pilot.press("enter")
        assert "⟦1美元=7.1元⟧" in shown(app, "#sentence")
        await pilot.press("a", "q")

    log = tmp_path / "l.jsonl"
    drive(Session(sentences, proposals, log, "alice"), script)
    [row] = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert row["after"]["text"] == "1美元=7.1元" and row["after"]["value"] == 7.1
    out = io.StringIO()
    code = run_review(sentences, proposals, tmp_path / "m.jsonl", "alice", line_mode=True,
                      stdin=io.StringIO("addtext 1美元=7.1元 MONEY unit=元\n"), stdout=out)
    assert code == 0 and "added MONEY '1美元=7.1元'" in out.getvalue()


def test_header_and_progress_fit_80_columns(tmp_path: Path) -> None:
    log = tmp_path / "a-rather-long-folder-name" / "numeric-alice.jsonl"

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        head = app.query_one("#head", Static)
        assert cell_len(shown(app, "#head")) <= head.content_region.width
        assert "reviewer alice" in shown(app, "#head") and shown(app, "#head").endswith("numeric-alice.jsonl")
        done = app.query_one("#done", Static)
        assert done.region.right <= 80 and done.content_region.width >= cell_len(shown(app, "#done"))
        assert shown(app, "#done") == "spans 0/22 · sentences 0/8 checked"
        await pilot.press("q")

    drive(Session(SENTENCES, PROPOSALS, log, "alice"), script, size=(80, 24))


def test_ctrl_c_quits_like_q(tmp_path: Path) -> None:
    async def script(app: ReviewApp, pilot: Pilot) -> None:
        await pilot.press("e")
        app.query_one("#prompt", Input).value = "label=TIME"
        await pilot.press("enter", "ctrl+c")
        assert "unsaved edit: press q (or ctrl+c) again" in shown(app, "#message")
        assert not any("ctrl+q" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running

    drive(Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice"), script)
