"""Decision log: durability, concurrent writers, truncated lines, stale decisions, undo."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from annotators.review.data import load_proposals, load_sentences, text_hash
from annotators.review.log import Decision, DecisionLog
from annotators.review.session import Session

FIX = ROOT / "tests" / "fixtures"
SENTENCES = load_sentences(FIX / "review_sentences.jsonl")
PROPOSALS = load_proposals(FIX / "review_proposals.jsonl")


def session(log: Path, reviewer: str = "alice", sentences=SENTENCES) -> Session:
    return Session(sentences, PROPOSALS, log, reviewer)


def test_each_decision_is_one_flushed_line(tmp_path: Path) -> None:
    log = tmp_path / "review" / "numeric-alice.jsonl"
    s = session(log)
    s.accept()
    s.check()
    s.reject()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first["action"] == "accept" and first["layer"] == "numeric" and first["reviewer"] == "alice"
    assert first["time"].endswith("Z") and first["text_hash"] == SENTENCES[0].text_hash
    assert first["before"]["status"] == "auto" and first["after"]["status"] == "accepted"
    assert first["note"] is None
    checked = json.loads(lines[1])
    assert checked["action"] == "checked" and checked["before"] is None and checked["after"] is None
    assert checked["sentence_id"] == SENTENCES[0].id and checked["text_hash"] == SENTENCES[0].text_hash
    assert json.loads(lines[2])["after"] is None


def test_truncated_last_line_is_reported_and_next_write_starts_a_new_line(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    s = session(log)
    s.accept()
    s.check()
    s.accept()
    s.close()
    full = log.read_bytes()
    cut = full.splitlines(keepends=True)[0][:40]
    log.write_bytes(full + cut)  # a kill mid-write
    # Readers report it and leave it; they say what the next session will do.
    [problem] = DecisionLog(log).read()[1]
    assert problem.kind == "truncated" and problem.line == 4 and "l.jsonl.damaged" in problem.message
    assert log.read_bytes() == full + cut
    # Opening the log for writing moves the cut-off line aside, named in the message.
    resumed = session(log)
    [problem] = resumed.problems
    assert problem.kind == "truncated" and problem.line == 4 and str(log) in str(problem)
    assert f"moved to {log}.damaged" in problem.message
    assert (tmp_path / "l.jsonl.damaged").read_bytes() == cut + b"\n" and log.read_bytes() == full
    assert resumed.state.progress().reviewed == 2
    assert resumed.cursor == ("nmg2025-p002-s01", None)  # resumes at the sentence waiting for its check
    resumed.check()
    decisions, problems = DecisionLog(log).read()
    assert [d.line for d in decisions] == [1, 2, 3, 4] and problems == []  # no permanent [invalid] line


def test_invalid_middle_line_and_missing_fields_are_reported(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    session(log).accept()
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
        handle.write(json.dumps({"reviewer": "bob"}) + "\n")
    decisions, problems = DecisionLog(log).read()
    assert len(decisions) == 1
    assert [(p.kind, p.line) for p in problems] == [("invalid", 2), ("invalid", 3)]
    assert "missing field" in problems[1].message


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from annotators.review.log import Decision, DecisionLog
    log = DecisionLog(sys.argv[2])
    pad = sys.argv[3] * 3000  # long lines make torn writes likely if the locking were wrong
    for i in range(150):
        span = {"start": i, "end": i + 1, "text": pad, "label": "CARDINAL"}
        log.append(Decision(sys.argv[3], f"s{i}", "0" * 12, "add", None, span, "numeric"))
    """
)


def test_two_processes_writing_one_log_never_corrupt_it(tmp_path: Path) -> None:
    log = tmp_path / "shared.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(ROOT), str(log), name]) for name in ("甲", "乙")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    decisions, problems = DecisionLog(log).read()
    assert problems == []
    assert len(decisions) == 300
    assert {d.reviewer for d in decisions} == {"甲", "乙"}
    for name in ("甲", "乙"):  # each writer's lines stay in its own order
        assert [d.sentence_id for d in decisions if d.reviewer == name] == [f"s{i}" for i in range(150)]


def test_session_sees_decisions_appended_by_another_writer(tmp_path: Path) -> None:
    log = tmp_path / "shared.jsonl"
    alice = session(log, "alice")
    other = Decision("bob", SENTENCES[0].id, SENTENCES[0].text_hash, "accept",
                     dict(alice.slot.span, status="auto"), dict(alice.slot.span, status="accepted"), "numeric")
    DecisionLog(log).append(other)  # a plain append (no session) is still seen
    msg = alice.reject()  # alice re-reads the log first: the span is no longer auto
    assert "rejected" in msg
    alice.close()
    assert session(log).problems == []


def test_stale_decision_is_reported_not_applied(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    s = session(log)
    s.accept()  # nmg2025-p001-s01
    s.check()
    s.accept()  # nmg2025-p002-s01
    changed = [replace(x, text=x.text + "。", text_hash=text_hash(x.text + "。")) if x.id == "nmg2025-p002-s01" else x
               for x in SENTENCES]
    proposals = dict(PROPOSALS)
    proposals["nmg2025-p002-s01"] = replace(PROPOSALS["nmg2025-p002-s01"], text_hash=text_hash(changed[1].text))
    s.close()
    resumed = Session(changed, proposals, log, "alice")
    [problem] = resumed.problems
    assert problem.kind == "stale" and problem.line == 3 and "STALE" in problem.message
    assert resumed.state.find_slot("nmg2025-p002-s01", resumed.state.live_slots("nmg2025-p002-s01")[0].key).status == "auto"
    assert resumed.state.live_slots("nmg2025-p001-s01")[0].status == "accepted"
    assert resumed.sentence.id == "nmg2025-p002-s01"  # the stale span is up for review again


def test_undo_is_logged_and_replayed(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    s = session(log)
    s.accept()
    s.check()
    s.reject()
    assert s.undo().startswith("undid reject")
    assert s.sentence.id == "nmg2025-p002-s01" and s.slot.status == "auto"
    assert s.undo().startswith("undid checked")
    assert s.cursor == ("nmg2025-p001-s01", None) and not s.state.is_checked("nmg2025-p001-s01")
    assert s.undo().startswith("undid accept")
    assert s.undo() == "nothing to undo"
    actions = [json.loads(line)["action"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert actions == ["accept", "checked", "reject", "undo", "undo", "undo"]
    undo = json.loads(log.read_text(encoding="utf-8").splitlines()[3])
    assert undo["after"]["status"] == "auto" and undo["before"] is None and undo["undoes"]
    s.close()
    assert session(log).state.progress().reviewed == 0


def test_killed_line_session_resumes_where_it_stopped(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    cmd = [sys.executable, "-m", "annotators.review", "review", "--line", "--reviewer", "alice",
           "--sentences", str(FIX / "review_sentences.jsonl"), "--proposals", str(FIX / "review_proposals.jsonl"),
           "--log", str(log)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin and proc.stdout
    proc.stdin.write("a\nc\nx\n")
    proc.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not (log.exists() and log.read_text(encoding="utf-8").count("\n") == 3):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()
    resumed = session(log)
    assert resumed.problems == []
    assert resumed.state.progress().counts["accepted"] == 1 and resumed.state.progress().counts["rejected"] == 1
    assert resumed.where() == ("nmg2025-p002-s01 · all 1 span(s) decided: read the whole sentence, "
                               "add any missed span, then c")


def test_decision_round_trip() -> None:
    d = Decision("alice", "s", "a" * 12, "accept", {"start": 0}, {"start": 0, "status": "accepted"}, "numeric")
    back = Decision.from_obj(json.loads(d.to_json()), 7)
    assert replace(back, line=0) == d
