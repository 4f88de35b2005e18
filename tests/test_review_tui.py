"""The Textual app driven by its own Pilot: accept, edit, undo, add, resume, terminal safety."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Static

from annotators.review.data import ProposalLine, Sentence, load_proposals, load_sentences, text_hash
from annotators.review.session import Session
from annotators.review.tui import ReviewApp

FIX = ROOT / "tests" / "fixtures"
SENTENCES = load_sentences(FIX / "review_sentences.jsonl")
PROPOSALS = load_proposals(FIX / "review_proposals.jsonl")


def drive(session: Session, script: Callable[[ReviewApp, Pilot], Awaitable[None]]) -> ReviewApp:
    """Run the app headless at 100x32, run `script`, then quit."""
    app = ReviewApp(session)

    async def main() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await script(app, pilot)

    with session:  # the session (and its log lock) ends with the screen
        asyncio.run(main())
    return app


def shown(app: ReviewApp, wid: str) -> str:
    content = app.query_one(wid, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def actions(log: Path) -> list[str]:
    return [json.loads(line)["action"] for line in log.read_text(encoding="utf-8").splitlines()]


def test_accept_reject_and_progress(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        assert "⟦2024年⟧" in shown(app, "#sentence") and "DATE" in shown(app, "#details")
        await pilot.press("a", "c", "a", "c", "x")
        assert app.query_one("#progress", ProgressBar).progress == 3 + 2  # spans decided + sentences checked
        assert shown(app, "#counts") == "accepted 2 · corrected 0 · added 0 · rejected 1 · spans left 19"
        assert shown(app, "#done") == "spans 3/22 · sentences 2/8 checked"
        assert "2.6萬億元" in shown(app, "#details") and "span 2/4" in shown(app, "#details")
        assert "rejected PERCENT '6%'" in shown(app, "#message")
        assert "a accept/save" in shown(app, "#keys") and "q quit" in shown(app, "#keys")
        await pilot.press("comma")  # back to the span just rejected, without deciding
        assert "「6%」" in shown(app, "#details") and "rejected by alice" in shown(app, "#details")
        await pilot.press("full_stop")
        assert "「2.6萬億元」" in shown(app, "#details")
        assert shown(app, "#prev").startswith("‹過去一年") and shown(app, "#next").startswith("›工業增加值")
        await pilot.press("q")

    app = drive(Session(SENTENCES, PROPOSALS, log, "alice"), script)
    assert actions(log) == ["accept", "checked", "accept", "checked", "reject"]
    assert app.return_code in (0, None)


def test_edit_fields_and_boundaries_then_save(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        await pilot.press("g")
        prompt = app.query_one("#prompt", Input)
        assert app.focused is prompt
        prompt.value = "p002-s03"
        await pilot.press("enter")
        assert "⟦萬億元⟧" in shown(app, "#sentence")
        await pilot.press("e")
        assert prompt.value == "label=MONEY value=1000000000000 timex= unit=元 qualifier=over"
        prompt.value = "label=QUANTITY value=2 qualifier=exact"
        await pilot.press("enter")
        assert "edited: a saves" in shown(app, "#details")
        await pilot.press("left_square_bracket", "right_curly_bracket", "right_curly_bracket")
        assert "跨⟦過萬億元大關⟧" in shown(app, "#sentence")
        await pilot.press("left_curly_bracket", "right_square_bracket")
        assert "⟦萬億元大⟧" in shown(app, "#sentence")
        await pilot.press("a")
        assert "corrected QUANTITY '萬億元大'" in shown(app, "#message")
        await pilot.press("e")
        prompt.value = "label=MONY"
        await pilot.press("enter")
        assert "✗ label must be one of" in shown(app, "#message")
        await pilot.press("escape", "q")

    drive(Session(SENTENCES, PROPOSALS, log, "alice"), script)
    [decision] = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert decision["action"] == "correct"
    assert decision["after"] == {"start": 7, "end": 11, "text": "萬億元大", "label": "QUANTITY", "value": 2.0,
                                 "timex": None, "unit": "元", "qualifier": "exact", "status": "corrected"}


def test_undo_goes_back_and_logs_an_undo(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        await pilot.press("a", "c", "x", "u")
        assert "undid reject" in shown(app, "#message")
        assert "⟦一年⟧" in shown(app, "#sentence") and "auto" in shown(app, "#details")
        assert "spans 1/22 · sentences 1/8" in shown(app, "#done")
        await pilot.press("q")

    drive(Session(SENTENCES, PROPOSALS, log, "alice"), script)
    assert actions(log) == ["accept", "checked", "reject", "undo"]


def test_add_a_missed_span_by_text_and_by_keys(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        prompt = app.query_one("#prompt", Input)
        await pilot.press("g")
        prompt.value = "p002-s05"
        await pilot.press("enter")
        await pilot.press("n")
        prompt.value = "億 QUANTITY value=1e8"
        await pilot.press("enter")
        assert "⟦億⟧" in shown(app, "#sentence") and "new" in shown(app, "#details")
        await pilot.press("a")
        assert "added QUANTITY '億'" in shown(app, "#message")
        # Select with keys: empty prompt, then move and widen the selection.
        await pilot.press("g")
        prompt.value = "p002-s06"
        await pilot.press("enter", "n", "enter")
        assert "new span" in shown(app, "#details") and "3%⟦，⟧提前" in shown(app, "#sentence")
        await pilot.press(*["left"] * 30)  # stops at the sentence start with a message
        assert shown(app, "#sentence").startswith("⟦各⟧位") and "✗" in shown(app, "#message")
        await pilot.press("right_curly_bracket", "right")
        assert shown(app, "#sentence").startswith("各⟦位代⟧表")
        await pilot.press("escape")
        assert "下降⟦3%⟧，" in shown(app, "#sentence") and "add cancelled" in shown(app, "#message")
        await pilot.press("q")

    drive(Session(SENTENCES, PROPOSALS, log, "alice"), script)
    [add] = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert add["action"] == "add" and add["before"] is None
    assert add["after"] == {"start": 11, "end": 12, "text": "億", "label": "QUANTITY", "value": 1e8, "timex": None,
                            "unit": None, "qualifier": "exact", "status": "added"}


def test_resume_after_kill_with_truncated_line(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"
    first = Session(SENTENCES, PROPOSALS, log, "alice")
    first.accept()
    first.check()
    first.accept()
    first.check()
    first.reject()
    first.close()
    data = log.read_bytes()
    log.write_bytes(data[: len(data) - 30])  # the third write was cut off by the kill

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        message = shown(app, "#message")
        assert "⚠ 1 problem" in message and "[truncated]" in message and ":5:" in message
        assert "l.jsonl.damaged" in message  # the cut-off line was moved aside, and the message says where
        assert "spans 2/22" in shown(app, "#done")
        assert "⟦6%⟧" in shown(app, "#sentence")  # the cut-off reject is up again
        await pilot.press("x", "q")

    drive(Session(SENTENCES, PROPOSALS, log, "alice"), script)
    resumed = Session(SENTENCES, PROPOSALS, log, "alice")
    assert resumed.state.progress().counts["rejected"] == 1
    assert resumed.problems == []  # no permanent [invalid] line: the log is clean again
    assert (tmp_path / "l.jsonl.damaged").read_bytes() == data[data.rfind(b"\n", 0, len(data) - 1) + 1:-30] + b"\n"


HOSTILE = "增長\x1b[31m紅[/link][bold]粗[/]\x07\u202e第3位\x1b]8;;http://x\x1b\\鏈"


def test_markup_and_escape_sequences_render_literally(tmp_path: Path) -> None:
    start = HOSTILE.index("第3位")
    sentences = [Sentence("evil-s1", text_hash(HOSTILE), HOSTILE), *SENTENCES[:1]]
    span = {"start": start, "end": start + 3, "text": "第3位", "label": "ORDINAL", "value": 3.0, "timex": None,
            "unit": "位", "qualifier": "exact"}
    # A proposal with a hostile unit is refused as a bad span; its problem message quotes it, made safe.
    bad = dict(span, start=0, end=2, text="增長", unit="[/link]\x1b[0m\u202e")
    proposals = {"evil-s1": ProposalLine("evil-s1", text_hash(HOSTILE), [span, bad], 1)}
    log = tmp_path / "l\x1b]0;TITLE\x07.jsonl"

    async def script(app: ReviewApp, pilot: Pilot) -> None:
        sentence = shown(app, "#sentence")
        assert "␛[31m紅[/link][bold]粗[/]␇" in sentence and "⟦第3位⟧" in sentence
        assert "[bad-span]" in shown(app, "#message") and "[/link]" in shown(app, "#message")
        assert "l␛]0;TITLE␇.jsonl" in shown(app, "#head")
        await pilot.press("m")
        app.query_one("#prompt", Input).value = "\x1b[2J\u202e注[b]"
        await pilot.press("enter")
        assert "␛[2J�注[b]" in shown(app, "#details")
        for widget in app.query(Static):
            text = widget.content.plain if isinstance(widget.content, Text) else str(widget.content)
            assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        await pilot.press("g")
        app.query_one("#prompt", Input).value = "[/link]\x1b[0m"
        await pilot.press("enter")
        assert "no sentence id matches" in shown(app, "#message") and "\x1b" not in shown(app, "#message")
        await pilot.press("a", "q")

    drive(Session(sentences, proposals, log, "alice"), script)
    assert actions(log) == ["accept"]
