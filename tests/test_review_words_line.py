"""Word-layer line mode through real subprocesses: every command, errors, a SIGKILL and resume."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
SENT, HANLP = FIX / "review_words_sentences.jsonl", FIX / "review_words_hanlp.jsonl"
S2 = "t-p002-s01"
START = "過去/t 一/m 年/q ，/w 在/p [自治區黨委/n]LOC 的/u 堅強/a 領導/v 下/f"


def args(log: Path, *extra: str, reviewer: str = "alice") -> list[str]:
    return [sys.executable, "-m", "annotators.review", "review", "--layer", "words", "--line", "--reviewer", reviewer,
            "--log", str(log), "--sentences", str(SENT), "--proposals", str(HANLP), *extra]


def run(log: Path, script: str, *extra: str, reviewer: str = "alice") -> subprocess.CompletedProcess[str]:
    return subprocess.run(args(log, *extra, reviewer=reviewer), input=script, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def logged(log: Path) -> list[dict]:
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]


def test_every_command_in_one_session(tmp_path: Path) -> None:
    log = tmp_path / "words-alice.jsonl"
    script = "\n".join([
        "show",
        "a",                                    # t-p001-s01 checked as it stands
        "show",                                 # now at t-p002-s01
        "split 自治區|黨委 because PKU splits it",
        "tag 領導 vn",
        "relabel 6 ORG",
        "move 6 6-7",                           # 自治區 黨委 were split: the entity already covers both: a no-op move is refused
    ]) + "\n"
    done = run(log, script)
    assert done.returncode == 1
    assert "error: stdin line 7: entity-move keeps the label and changes the span" in done.stdout
    assert [d["action"] for d in logged(log)] == ["checked", "split", "retag", "entity-relabel"]
    assert logged(log)[1]["note"] == "PKU splits it" and logged(log)[2]["note"] is None
    script = "\n".join([
        f"g {S2}",
        "move 6 6",                             # [自治區]ORG
        "unent 自治區",
        "ent 自治區黨委 ORG",
        "merge 自治區+黨委",
        "split 6 3",
        "merge 6-7",
        "split 6 3",
        "note checked against the PDF",
        "a",
        "prev",
        "next",
        "/ 內蒙古",
        "u",
        "tags",
        "?",
        "q",
        "a",                                    # after q: never run
    ]) + "\n"
    done = run(log, script)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for expected in ("entity moved: [自治區黨委] → [自治區]ORG", "entity removed: [自治區]ORG",
                     "entity added: [自治區黨委]ORG", "merged: 自治區黨委/n", "split: 自治區 | 黨委",
                     f"checked {S2}", "found in t-p002-s02", f"undid checked on {S2}",
                     "nr  person name", "PER person", "split W K | split A|B", "saved to "):
        assert expected in out, expected
    actions = [d["action"] for d in logged(log)]
    assert actions[4:] == ["entity-move", "entity-remove", "entity-add", "merge", "split", "merge", "split",
                           "checked", "undo"]
    assert logged(log)[-2]["note"] == "checked against the PDF"
    assert out.count("\n== ") >= 10  # the sentence is shown after every command


def test_show_prints_the_notation_alone_on_a_line_and_numbers_words(tmp_path: Path) -> None:
    done = run(tmp_path / "w.jsonl", f"g {S2}\nshow\nq\n")
    assert done.returncode == 0
    out = done.stdout.splitlines()
    assert START in out
    numbered = out[out.index(START) + 1]
    assert numbered.split() == ["1:過去", "2:一", "3:年", "4:，", "5:在", "6:自治區黨委", "7:的", "8:堅強", "9:領導", "10:下"]
    assert "entities: 6 [自治區黨委]LOC" in done.stdout


def test_edit_line_logs_each_change_and_bad_lines_stop_a_script(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    corrected = "過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f"
    done = run(log, f"g {S2}\nedit {corrected} because PKU 1998\na\n")
    assert done.returncode == 0, done.stdout
    assert "edit saved: 1 split, 1 retag, 1 entity-relabel" in done.stdout
    assert [d["action"] for d in logged(log)] == ["split", "retag", "entity-relabel", "checked"]
    assert {d["note"] for d in logged(log)[:3]} == {"PKU 1998"}
    bad = run(log, f"g {S2}\nedit 過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/xx 下/f\na\n")
    assert bad.returncode == 1
    assert "error: stdin line 2: edit: column 50: unknown tag 'xx'" in bad.stdout
    assert len(logged(log)) == 4  # nothing written, and the `a` after the error never ran


def test_undo_of_an_edit_and_unknown_commands(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    done = run(log, f"g {S2}\nedit 過去一年/t ，/w 在/p 自治區黨委/n 的/u 堅強/a 領導/v 下/f\nu\nfrobnicate\n")
    assert done.returncode == 1
    assert "edit saved: 2 merge, 1 retag, 1 entity-remove" in done.stdout
    assert "undid edit (4 changes)" in done.stdout
    assert "unknown command 'frobnicate'" in done.stdout
    assert [d["action"] for d in logged(log)] == ["merge", "merge", "retag", "entity-remove"] + ["undo"] * 4


def test_hostile_text_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    done = run(log, "g t-p004-s01\nshow\nnote \x1b]0;PWNED\x07 \u202eevil\na\nq\n")
    assert done.returncode == 0, done.stdout
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in done.stdout and bad not in done.stderr
    assert "警告/v \\u001b\\[2J/nx 文字/n \\u202e/w 反轉/v" in done.stdout
    # The note is logged as typed (whitespace collapsed), shown sanitised.
    assert "PWNED" in logged(log)[-1]["note"]


def test_from_scratch_line_mode(tmp_path: Path) -> None:
    log = tmp_path / "words-bob.jsonl"
    done = run(log, "show\na\n", "--from-scratch", reviewer="bob")
    assert done.returncode == 1
    assert "各位代表：/?" in done.stdout and "untagged" in done.stdout
    done = run(log, "edit 各位/r 代表/n ：/w\na\nq\n", "--from-scratch", reviewer="bob")
    assert done.returncode == 0, done.stdout
    assert {d["mode"] for d in logged(log)} == {"scratch"}
    again = run(log, "q\n", reviewer="bob")  # without --from-scratch: refused, the log says how it was made
    assert again.returncode == 1 and "made from scratch" in again.stderr and "Traceback" not in again.stderr


def test_main_cli_dispatches_the_layer(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    done = subprocess.run([sys.executable, "-m", "annotators.cli", "review", "--layer", "words", "--line",
                           "--reviewer", "alice", "--log", str(log), "--sentences", str(SENT), "--proposals",
                           str(HANLP)], input="a\nq\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert logged(log)[0]["layer"] == "words" and logged(log)[0]["action"] == "checked"


def _read_until(proc: subprocess.Popen[bytes], needle: bytes, timeout: float = 60) -> bytes:
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, seen.decode("utf-8", "replace")
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, seen.decode("utf-8", "replace")
            seen += chunk
    return seen


def test_sigkill_mid_session_then_resume(tmp_path: Path) -> None:
    log = tmp_path / "words-alice.jsonl"
    proc = subprocess.Popen(args(log), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    assert proc.stdin is not None
    try:
        proc.stdin.write("a\n".encode())
        proc.stdin.write(f"g {S2}\nedit 過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f\n".encode())
        proc.stdin.flush()
        _read_until(proc, "edit saved".encode())
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the lock file stays behind
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    before = logged(log)
    assert [d["action"] for d in before] == ["checked", "split", "retag", "entity-relabel"]
    # A write cut off by a kill: half a line at the end of the log.
    with log.open("ab") as handle:
        handle.write(b'{"id":"cut","reviewer":"alice","time":"2026-')
    done = run(log, "show\na\nq\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[truncated]" in done.stdout
    # It resumes where the review stood: the first sentence not checked is the edited one, as edited.
    first = done.stdout.split("\n== ", 1)[0] + done.stdout.split("\n== ", 1)[1][:400]
    assert S2 in first and "[自治區/n 黨委/n]ORG" in first
    after = logged(log)
    assert after[:4] == before and after[4]["action"] == "checked" and after[4]["sentence_id"] == S2
    assert "cut" not in log.read_text(encoding="utf-8")


def test_two_live_sessions_on_one_log(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    proc = subprocess.Popen(args(log), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    try:
        _read_until(proc, b"== 1/6")
        second = run(log, "a\n")
        assert second.returncode == 1 and "another review session" in second.stderr
        assert "Traceback" not in second.stderr
        assert proc.stdin is not None
        proc.stdin.write(b"q\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert run(log, "a\n").returncode == 0


def test_a_failed_write_stops_the_session_and_claims_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from annotators.review.data import load_sentences
    from annotators.review.errors import ReviewError
    from annotators.review.log import DecisionLog
    from annotators.review.words.commands import run_word_review
    from annotators.review.words.state import load_word_proposals

    real = DecisionLog.append
    calls = []

    def full_disk(self, decision):  # type: ignore[no-untyped-def]
        calls.append(decision.action)
        if len(calls) > 1:
            raise ReviewError(f"{self.path}: cannot write the review log (disk full); this decision was NOT saved",
                              "E-REVIEW-LOG")
        real(self, decision)

    monkeypatch.setattr(DecisionLog, "append", full_disk)
    out = io.StringIO()
    log = tmp_path / "w.jsonl"
    code = run_word_review(load_sentences(SENT), load_word_proposals(HANLP), log, "alice", line_mode=True,
                           stdin=io.StringIO(f"a\ng {S2}\ntag 9 vn\na\n"), stdout=out)
    text = out.getvalue()
    assert code == 1
    assert "disk full" in text and "stopped: a decision could not be written" in text and "saved to" not in text
    assert [d["action"] for d in logged(log)] == ["checked"]
    assert calls == ["checked", "retag"]  # the `a` after the failure never ran


def test_hostile_values_in_a_log_are_sanitised_in_every_command(tmp_path: Path) -> None:
    from annotators.structure import text_hash

    log = tmp_path / "words-mallory.jsonl"
    text = "過去一年，在自治區黨委的堅強領導下"
    evil = "\x1b]0;PWNED\x07\x1b[2J\u202e"
    rows = [
        {"id": "e1", "reviewer": "mallory", "time": "2026-01-05T09:30:00.000Z", "sentence_id": S2,
         "text_hash": text_hash(text), "action": "retag", "layer": "words", "undoes": None, "note": evil,
         "before": {"words": [{"start": 14, "end": 16, "text": "領導", "tag": "v"}]},
         "after": {"words": [{"start": 14, "end": 16, "text": "領導", "tag": evil}]}, "mode": "proposals"},
        {"id": "e2", "reviewer": "mallory" + evil, "time": "2026-01-05T09:30:00.000Z", "sentence_id": S2 + evil,
         "text_hash": text_hash(text), "action": "checked", "layer": "words", "undoes": None, "note": None,
         "before": None, "after": {"notation": evil}},
    ]
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + evil + "\n", encoding="utf-8")
    base = [sys.executable, "-m", "annotators.review"]
    inputs = ["--sentences", str(SENT), "--proposals", str(HANLP)]
    runs = [
        [*base, "review-status", "--layer", "words", "--log", str(log), *inputs],
        [*base, "review-export", "--layer", "words", "--log", str(log), "--out", str(tmp_path / "o.jsonl"), *inputs],
        [*base, "review-diff", "--layer", "words", str(log), str(log), *inputs],
    ]
    for argv in runs:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
        for raw in ("\x1b", "\x07", "\u202e"):
            assert raw not in done.stdout and raw not in done.stderr, argv
        assert "Traceback" not in done.stderr
    status = subprocess.run(runs[0], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "[invalid]" in status.stdout and "unknown tag" in status.stdout
