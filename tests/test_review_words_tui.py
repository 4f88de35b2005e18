"""The word layer's review screen driven by Textual's Pilot: every operation, refusals, terminal safety."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from annotators.review.data import load_sentences
from annotators.review.words.analysis import Analysis, Entity, Word
from annotators.review.words.session import WordSession
from annotators.review.words.state import load_word_proposals
from annotators.review.words.tags import TAGS
from annotators.review.words.tui import (
    ALL_KEYS,
    KeyList,
    NotationEditor,
    TagPicker,
    WordReviewApp,
    rank_tags,
    sentence_rows,
)
from annotators.structure import text_hash

FIX = Path(__file__).resolve().parent / "fixtures"
S1, S2, S3, S4, S5, S6 = "t-p001-s01", "t-p002-s01", "t-p002-s02", "t-p003-s01", "t-p003-s02", "t-p004-s01"
LINE2 = "過去/t 一/m 年/q ，/w 在/p [自治區黨委/n]LOC 的/u 堅強/a 領導/v 下/f"


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    """Temporary copies of the word-layer fixtures (sentences, HanLP analyses)."""
    sentences, hanlp = tmp_path / "sentences.jsonl", tmp_path / "hanlp.jsonl"
    shutil.copy(FIX / "review_words_sentences.jsonl", sentences)
    shutil.copy(FIX / "review_words_hanlp.jsonl", hanlp)
    return sentences, hanlp


def open_session(corpus: tuple[Path, Path], log: Path, **kw) -> WordSession:  # type: ignore[no-untyped-def]
    sentences, hanlp = corpus
    return WordSession(load_sentences(sentences), load_word_proposals(hanlp), log, "alice",
                       proposals_path=str(hanlp), **kw)


def drive(session: WordSession, script: Callable[[WordReviewApp, Pilot], Awaitable[None]],
          size: tuple[int, int] = (100, 32)) -> WordReviewApp:
    """Run the screen headless, run `script`, then leave; the session (and its log lock) ends with it."""
    app = WordReviewApp(session)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    with session:
        asyncio.run(main())
    return app


def shown(app: WordReviewApp, wid: str) -> str:
    content = app.query_one(wid, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def decisions(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def actions(log: Path) -> list[str]:
    return [d["action"] for d in decisions(log)]


async def goto(app: WordReviewApp, pilot: Pilot, sid: str) -> None:
    await pilot.press("g")
    app.query_one("#prompt", Input).value = sid
    await pilot.press("enter")
    assert app.session.sentence_id == sid


# -- drawing -------------------------------------------------------------------------------


def test_tags_sit_under_their_words_counting_cjk_cells() -> None:
    text = "過去2024年，在自治區黨委"
    analysis = Analysis.build(text, [Word(0, 2, "t"), Word(2, 6, "m"), Word(6, 7, "q"), Word(7, 8, "w"),
                                     Word(8, 9, "p"), Word(9, 12, "n"), Word(12, 14, "n")],
                              [Entity(9, 14, "ORG")])
    rows, cursor_row = sentence_rows(analysis, 200, cursor=1)
    top, bottom = rows.plain.split("\n")
    assert top.rstrip() == "過去 2024 年 ， 在 [自治區 黨委]ORG"
    assert cursor_row == 0
    # Each tag starts in the cell where its word's first character is.
    for word, tag in (("過去", "t"), ("2024", "m"), ("年", "q"), ("，", "w"), ("在", "p"), ("自治區", "n")):
        col = cell_len(top[:top.index(word)])
        assert bottom[_cell_index(bottom, col):].split(" ")[0] == tag, word
    # The cursor word is drawn reversed, and so is its tag.
    for at in (top.index("2024"), len(top) + 1 + bottom.index("m")):
        assert any(span.start <= at < span.end and span.style.reverse  # type: ignore[union-attr]
                   for span in rows.spans)


def _cell_index(line: str, cells: int) -> int:
    """Index of the character at cell `cells` of a line."""
    used = 0
    for i, ch in enumerate(line):
        if used == cells:
            return i
        used += cell_len(ch)
    raise AssertionError(f"no character at cell {cells}")


def test_rows_never_cut_a_word_and_a_huge_word_wraps_on_rows_of_its_own() -> None:
    text = "一二三四五六七八九十" * 3
    words = [Word(i, i + 2, "n") for i in range(0, 30, 2)]
    rows, _ = sentence_rows(Analysis.build(text, words), 20)
    tops = rows.plain.split("\n")[::2]
    assert all(cell_len(t.rstrip()) <= 20 for t in tops)
    assert "".join(t.replace(" ", "") for t in tops) == text  # every word whole on one row, in order
    scratch, row = sentence_rows(Analysis.unsegmented(text), 20, cursor=0, cut=25)
    lines = scratch.plain.split("\n")
    assert lines[1].startswith("?")  # the untagged whole sentence
    assert "".join(lines[::2]).replace("│", "") == text and "│" in lines[row]


def test_tag_filter_ranks_the_exact_tag_first_then_prefixes_then_meanings() -> None:
    assert rank_tags("") == list(TAGS)
    assert rank_tags("v")[:1] == ["v"] and set(rank_tags("v")) >= {"vn", "vd", "Vg"}
    assert rank_tags("vn") == ["vn"]
    assert rank_tags("place")[:2] == ["ns", "s"]
    assert rank_tags("zzz") == []


# -- operations ----------------------------------------------------------------------------


def test_a_accepts_the_sentence_and_goes_to_the_next_unchecked(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "words-alice.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        assert shown(app, "#sentence").splitlines()[0].rstrip() == "各位 代表 ："
        assert "0/6 sentences checked" in shown(app, "#done")
        await pilot.press("a")  # one key for a correct sentence
        assert "checked t-p001-s01" in shown(app, "#message")
        assert app.session.sentence_id == S2 and "1/6 sentences checked" in shown(app, "#done")
        assert "[自治區黨委]LOC" in shown(app, "#sentence")
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    [d] = decisions(log)
    assert (d["action"], d["sentence_id"], d["after"]) == ("checked", S1, {"notation": "各位/r 代表/n ：/w"})


def test_split_with_the_cut_key_arrows_and_digits(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S3)  # 習近平 總書記 考察 內蒙古
        await pilot.press("s")
        assert app.mode == "split" and "習│近平" in shown(app, "#sentence")
        await pilot.press("right")
        assert "習近│平" in shown(app, "#sentence")
        await pilot.press("left", "enter")  # split 習|近平: s, Enter
        assert "split: 習 | 近平" in shown(app, "#message") and app.mode == "normal"
        assert shown(app, "#sentence").startswith("習 近平 總書記")
        await pilot.press("right", "right", "s", "2")  # 總書記 after 2 characters: s, 2
        assert "split: 總書 | 記" in shown(app, "#message")
        await pilot.press("s", "escape")  # cancel: nothing logged
        assert "split cancelled" in shown(app, "#message")
        await pilot.press("right", "s")  # 記 is one character
        assert "one character: nothing to split" in shown(app, "#message") and app.mode == "normal"
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    assert actions(log) == ["split", "split"]
    assert [w["text"] for w in decisions(log)[1]["after"]["words"]] == ["總書", "記"]


def test_merge_the_next_word_and_a_selection(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S2)
        await pilot.press("m")  # 過去 + 一
        assert "merged: 過去一/?" in shown(app, "#message")
        await pilot.press("right", "right", "shift+right", "shift+right")  # ， 在 + 自治區黨委 selected
        assert "selected words 3-5" in shown(app, "#details")
        await pilot.press("m")  # the selection would cut the LOC entity 自治區黨委 off its word: refused
        assert shown(app, "#message").startswith("✗ merge:") and "whole words" in shown(app, "#message")
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    ds = decisions(log)
    assert ds[0]["action"] == "merge"
    assert len(ds) == 1


def test_merge_of_a_selection_is_one_edit(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S5)  # 請 予 審議 。
        await pilot.press("v", "right", "right", "m")
        assert shown(app, "#sentence").startswith("請予審議 。")
        await pilot.press("u")  # one undo takes back the whole merge
        assert shown(app, "#sentence").startswith("請 予 審議 。")
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    ds = decisions(log)
    assert [d["action"] for d in ds] == ["merge", "merge", "undo", "undo"]
    assert ds[0]["edit"] and ds[0]["edit"] == ds[1]["edit"]


def test_retag_through_the_picker(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S2)
        await pilot.press("end", "left")  # 領導/v
        await pilot.press("t")
        picker = app.screen
        assert isinstance(picker, TagPicker)
        options = picker.query_one("#tags", OptionList)
        assert options.option_count == len(TAGS) and picker.shown[options.highlighted or 0] == "v"  # the current tag
        await pilot.press("v", "n")  # typed into the filter
        assert picker.shown == ["vn"] and "verb used as noun" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        assert not isinstance(app.screen, TagPicker)
        assert "retagged: 領導/vn" in shown(app, "#message") and "/vn verb used as noun" in shown(app, "#details")
        await pilot.press("left", "t", "p", "l", "a", "c", "e", "down", "enter")  # by meaning: place → ns, s
        assert "retagged: 堅強/s" in shown(app, "#message")
        await pilot.press("t", "escape")
        assert "retag cancelled" in shown(app, "#message")
        await pilot.press("t", "z", "z", "enter")  # nothing matches: stays open, says so
        assert isinstance(app.screen, TagPicker) and "no tag matches" in str(
            app.screen.query_one("#picker-title", Static).content)
        await pilot.press("escape", "q")

    drive(open_session(corpus, log), script)
    ds = decisions(log)
    assert [(d["action"], d["after"]["words"][0]["tag"]) for d in ds] == [("retag", "vn"), ("retag", "s")]


def test_entity_add_remove_relabel_move(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S3)  # 習近平/nr 總書記/n 考察/v [內蒙古/ns]LOC
        await pilot.press("e")
        assert app.mode == "entity" and "p PER, l LOC, o ORG" in shown(app, "#message")
        await pilot.press("p")  # add: e, p
        assert "entity added: [習近平]PER" in shown(app, "#message")
        assert shown(app, "#sentence").startswith("[習近平]PER 總書記")
        await pilot.press("e", "o")  # on an entity word: relabel
        assert "[習近平]PER → ORG" in shown(app, "#message")
        await pilot.press("e", "right_curly_bracket")  # move its end one word right (a draft until Enter)
        assert "[習近平 總書記]ORG" in shown(app, "#sentence") and actions(log)[-1] == "entity-relabel"
        await pilot.press("enter")
        assert "entity moved: [習近平] → [習近平總書記]ORG" in shown(app, "#message")
        await pilot.press("e", "x")  # remove
        assert "entity removed: [習近平總書記]ORG" in shown(app, "#message")
        assert shown(app, "#sentence").startswith("習近平 總書記 考察 [內蒙古]LOC")
        await pilot.press("shift+right", "e", "l")  # add over a selection of two words
        assert "entity added: [習近平總書記]LOC" in shown(app, "#message")
        await pilot.press("end", "e", "left_square_bracket", "left_square_bracket", "enter")
        # The LOC 內蒙古 cannot grow onto the first entity: refused, said why, nothing logged.
        assert "overlaps the entity" in shown(app, "#message")
        await pilot.press("e", "escape")
        assert app.mode == "normal" and "cancelled" in shown(app, "#message")
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    assert actions(log) == ["entity-add", "entity-relabel", "entity-move", "entity-remove", "entity-add"]


def test_whole_sentence_edit_is_logged_as_its_changes(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S2)
        await pilot.press("E")
        editor = app.query_one("#editor", NotationEditor)
        assert app.focused is editor and editor.text == LINE2
        assert editor.cursor_location == (0, len(LINE2))  # typing starts at the END of the line
        await pilot.press("x")
        assert editor.text == LINE2 + "x"
        await pilot.press("enter")  # bad line: the editor stays open, the cursor at the error
        assert "✗ edit: column" in shown(app, "#message") and app.mode == "edit"
        assert editor.cursor_location[1] < len(LINE2) + 1
        editor.load_text("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f")
        await pilot.press("enter")
        assert app.mode == "normal" and "edit saved" in shown(app, "#message")
        assert "[自治區 黨委]ORG" in shown(app, "#sentence")
        await pilot.press("E", "escape")  # unchanged: closes at once
        assert app.mode == "normal" and actions(log)[-1] == "entity-relabel"
        await pilot.press("E", "y", "escape")  # changed: warns first
        assert app.mode == "edit" and "esc again discards" in shown(app, "#message")
        await pilot.press("escape")
        assert app.mode == "normal" and "discarded" in shown(app, "#message")
        await pilot.press("u")
        assert "undid edit" in shown(app, "#message") and "[自治區黨委]LOC" in shown(app, "#sentence")
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    ds = decisions(log)
    changes = [d for d in ds if d["action"] != "undo"]
    assert [d["action"] for d in changes] == ["split", "retag", "entity-relabel"]
    assert len({d["edit"] for d in changes}) == 1 and changes[0]["edit"]
    assert [d["action"] for d in ds[len(changes):]] == ["undo"] * 3


def test_undo_note_goto_search_and_prev_next(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await pilot.press("n")
        app.query_one("#prompt", Input).value = "checked against the PDF"
        await pilot.press("enter")
        assert "note for the next decision: checked against the PDF" in shown(app, "#details")
        await pilot.press("a", "u")
        assert "undid checked on t-p001-s01" in shown(app, "#message") and app.session.sentence_id == S1
        await pilot.press("slash")
        app.query_one("#prompt", Input).value = "審議"
        await pilot.press("enter")
        assert app.session.sentence_id == S5 and "word 3/4 審議" in shown(app, "#details")
        await pilot.press("comma")
        assert app.session.sentence_id == S4
        await pilot.press("full_stop", "full_stop")
        assert app.session.sentence_id == S6
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    ds = decisions(log)
    assert [d["action"] for d in ds] == ["checked", "undo"] and ds[0]["note"] == "checked against the PDF"


def test_keys_list_and_key_bar_at_80_columns(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        for wid in ("#head", "#done", "#counts", "#keys", "#prev", "#next"):
            assert all(cell_len(line) <= 78 for line in shown(app, wid).splitlines()), wid
        assert shown(app, "#head").startswith("review words · alice · log ")
        assert "a accept" in shown(app, "#keys") and "q quit" in shown(app, "#keys")
        assert app.query_one("#done").region.right <= 80 and app.query_one("#done").region.width >= len(
            "0/6 sentences checked")
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeyList)
        console = Console(width=78, record=True, file=io.StringIO())
        console.print(app.screen.query_one(Static).content)
        listed = console.export_text()
        for keys, what in ALL_KEYS:
            assert keys in listed and what.split()[0] in listed
        assert re.search(r"vn +verb used as noun", listed) and re.search(r"o ORG +organisation", listed)
        assert max(cell_len(line) for line in listed.splitlines()) <= 78
        await pilot.press("escape")
        assert not isinstance(app.screen, KeyList)
        await pilot.press("ctrl+c")  # quits at once; never "press ctrl+q"

    app = drive(open_session(corpus, tmp_path / "l.jsonl"), script, size=(80, 24))
    assert app.return_code == 0  # ctrl+c quit the app (exit() ran; it did not just say "press ctrl+q")


def test_ctrl_c_with_an_unapplied_edit_asks_once(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await pilot.press("E", "z", "ctrl+c")
        assert "not applied: ctrl+c again quits" in shown(app, "#message") and app.return_code is None
        await pilot.press("ctrl+c")

    app = drive(open_session(corpus, tmp_path / "l.jsonl"), script)
    assert app.return_code == 0 and not (tmp_path / "l.jsonl").read_text(encoding="utf-8")


# -- refusals ------------------------------------------------------------------------------


def long_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """One sentence of 480 characters (240 two-character words) and a short one after it."""
    long_text = "".join(chr(0x4E00 + i) for i in range(480))
    rows = [("t-long-s01", long_text), ("t-long-s02", "各位代表：")]
    sentences, hanlp = tmp_path / "sentences.jsonl", tmp_path / "hanlp.jsonl"
    with open(sentences, "w", encoding="utf-8") as out, open(hanlp, "w", encoding="utf-8") as props:
        for n, (sid, text) in enumerate(rows, 1):
            out.write(json.dumps({"id": sid, "text_hash": text_hash(text), "text": text, "paragraph": n,
                                  "index": 1}, ensure_ascii=False) + "\n")
            offsets = [[i, min(i + 2, len(text))] for i in range(0, len(text), 2)]
            props.write(json.dumps({"id": sid, "text_hash": text_hash(text), "tokens": [text[a:b] for a, b in offsets],
                                    "token_offsets": offsets, "pos_tags": ["n"] * len(offsets), "entities": []},
                                   ensure_ascii=False) + "\n")
    return sentences, hanlp


def test_a_is_refused_until_a_long_sentence_has_been_scrolled_through(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        assert not app.sentence_seen()
        await pilot.press("a")
        assert "longer than the screen" in shown(app, "#message") and not log.read_text(encoding="utf-8")
        for _ in range(10):
            await pilot.press("pagedown")
        assert app.sentence_seen()
        await pilot.press("pageup", "a")
        assert "checked t-long-s01" in shown(app, "#message")
        await pilot.press("q")

    drive(open_session(long_corpus(tmp_path), log), script, size=(80, 24))
    assert actions(log) == ["checked"]


def test_the_cursor_stays_in_view_on_a_long_sentence(tmp_path: Path) -> None:
    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await pilot.press("end")
        top, _, offset, visible = app._box_rows()
        row = top + 1 + app._cursor_row
        assert app._cursor_row > visible and offset <= row < offset + visible
        await pilot.press("q")

    drive(open_session(long_corpus(tmp_path), tmp_path / "l.jsonl"), script, size=(80, 24))


def test_a_stale_sentence_says_so_and_refuses_every_change(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    sentences, hanlp = corpus
    rows = [json.loads(line) for line in hanlp.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        if row["id"] == S1:
            row["text_hash"] = text_hash("the text HanLP saw before an erratum")
    hanlp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        assert app.session.sentence_id == S1
        assert "STALE" in shown(app, "#details") and "re-run HanLP" in shown(app, "#details")
        assert shown(app, "#sentence").strip() == "各位代表："
        for key in ("a", "s", "m", "t", "e", "E"):
            await pilot.press(key)
            assert "STALE" in shown(app, "#message") and app.mode == "normal", key
            assert not isinstance(app.screen, TagPicker)
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    assert actions(log) == []


def test_from_scratch_the_sentence_is_one_untagged_word(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        assert [row.rstrip() for row in shown(app, "#sentence").splitlines()] == ["各位代表：", "?"]
        assert "from scratch" in shown(app, "#head")
        await pilot.press("a")
        assert "untagged" in shown(app, "#message")
        await pilot.press("s", "2", "right", "s", "2", "left", "left")
        assert shown(app, "#sentence").splitlines()[0].rstrip() == "各位 代表 ："
        for tag in ("r", "n", "w"):
            await pilot.press("t", tag, "enter", "right")
        await pilot.press("a")
        assert "checked t-p001-s01" in shown(app, "#message")
        await pilot.press("q")

    drive(open_session(corpus, log, scratch=True), script)
    ds = decisions(log)
    assert [d["action"] for d in ds] == ["split", "split", "retag", "retag", "retag", "checked"]
    assert ds[-1]["after"] == {"notation": "各位/r 代表/n ：/w"} and {d["mode"] for d in ds} == {"scratch"}


# -- terminal safety -------------------------------------------------------------------------


HOSTILE_TEXT = "[bold red]假[/]\x1b]0;PWNED\x07標題\x1b[2J\u202e反轉\u200b完"
HOSTILE_NOTE = "[link=http://x]click[/link] \x1b[31mred"


def hostile_corpus(tmp_path: Path) -> tuple[Path, Path]:
    text = HOSTILE_TEXT
    sentences, hanlp = tmp_path / "sentences.jsonl", tmp_path / "hanlp.jsonl"
    sentences.write_text(json.dumps({"id": "t-evil-s01", "text_hash": text_hash(text), "text": text,
                                     "paragraph": 1, "index": 1}, ensure_ascii=False) + "\n", encoding="utf-8")
    tokens = ["[bold red]", "假", "[/]\x1b]0;PWNED\x07", "標題", "\x1b[2J", "\u202e", "反轉", "\u200b", "完"]
    assert "".join(tokens) == text
    cuts = [sum(len(t) for t in tokens[:n]) for n in range(len(tokens) + 1)]
    offsets = [[a, b] for a, b in zip(cuts, cuts[1:])]
    hanlp.write_text(json.dumps({"id": "t-evil-s01", "text_hash": text_hash(text),
                                 "tokens": [text[a:b] for a, b in offsets],
                                 "token_offsets": offsets, "pos_tags": ["nx"] * len(offsets),
                                 "entities": [{"start": 10, "end": 11, "label": "PER", "text": "假"}]},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    return sentences, hanlp


def all_text(app: WordReviewApp) -> str:
    """Everything the screen draws: every Static, the editor and the prompt."""
    parts = [shown(app, f"#{w.id}") for w in app.query(Static) if w.id]
    parts.append(app.query_one("#editor", NotationEditor).text)
    box = app.query_one("#sentence", Static)
    parts += [str(box.border_title), str(box.border_subtitle)]
    return "\n".join(parts)


def test_hostile_text_is_shown_inert(tmp_path: Path) -> None:
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await pilot.press("n")
        app.query_one("#prompt", Input).value = HOSTILE_NOTE
        await pilot.press("enter", "right", "E")
        screen = all_text(app)
        for bad in ("\x1b", "\x07", "\u202e", "\u200b"):
            assert bad not in screen
        # Markup is shown as typed, not applied; controls as visible stand-ins.
        assert shown(app, "#sentence").startswith("[bold red] [假]PER [/]␛]0;PWNED␇ 標題 ␛[2J \ufffd  反轉")
        assert "[link=http://x]click[/link] ␛[31mred" in shown(app, "#details")
        # The editor holds the escaped line: what is pasted back is the same sentence.
        assert "\\u001b" in app.query_one("#editor", NotationEditor).text
        await pilot.press("enter")  # unchanged line: nothing to change
        assert "nothing to change" in shown(app, "#message")
        await pilot.press("right", "t")  # the word with ESC ] 0 ; … BEL in it
        title = str(app.screen.query_one("#picker-title", Static).content)
        assert "\x1b" not in title and "␛" in title
        await pilot.press("escape", "q")

    drive(open_session(hostile_corpus(tmp_path), log), script, size=(80, 24))


def test_the_fixture_sentence_with_controls_is_safe(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await goto(app, pilot, S6)
        screen = all_text(app)
        assert "\x1b" not in screen and "\u202e" not in screen
        assert "␛[2J" in shown(app, "#sentence")
        await pilot.press("q")

    drive(open_session(corpus, tmp_path / "l.jsonl"), script)


def test_hostile_log_lines_are_reported_inert(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    log = tmp_path / "l.jsonl"
    log.write_text(json.dumps({"id": "x1", "reviewer": "\x1b]0;PWNED\x07[b]eve[/b]", "time": "t", "layer": "words",
                               "sentence_id": S1, "text_hash": "0" * 16, "action": "checked", "before": None,
                               "after": {"notation": "\x1b[2J"}}) + "\n", encoding="utf-8")

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        message = shown(app, "#message")
        assert message.startswith("⚠ 1 problem(s)") and "\x1b" not in message and "\x07" not in message
        await pilot.press("q")

    drive(open_session(corpus, log), script)


def test_checked_and_remarks_are_shown_with_the_sentence(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        await pilot.press("a", "comma")
        box = app.query_one("#sentence", Static)
        assert "checked ✓ by alice" in shown(app, "#details") and str(box.border_subtitle) == "checked ✓"
        assert str(box.border_title) == "1/6 t-p001-s01"
        await goto(app, pilot, S3)
        # HanLP's PER over 近平 lies inside the word 習近平: not drawn, but said.
        assert "HanLP proposed PER '近平'" in shown(app, "#details")
        await pilot.press("q")

    drive(open_session(corpus, tmp_path / "l.jsonl"), script)


def test_the_readme_worked_example(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    """The keys of annotators/review/README.md, "Word layer: the screen", step by step."""
    log = tmp_path / "l.jsonl"

    async def script(app: WordReviewApp, pilot: Pilot) -> None:
        s = app.session
        await goto(app, pilot, S2)
        steps: list[tuple[tuple[str, ...], str]] = [
            (("right",) * 5 + ("s", "3"), "在/p [自治區/n 黨委/n]LOC 的/u"),
            (("m",), "在/p [自治區黨委/n]LOC 的/u"),
            (("end", "left", "t", "v", "n", "enter"), "堅強/a 領導/vn 下/f"),
            (("home",) + ("right",) * 5 + ("e", "o"), "[自治區黨委/n]ORG"),
            (("e", "x"), "在/p 自治區黨委/n 的/u"),
            (("e", "o"), "[自治區黨委/n]ORG"),
            (("right", "right", "shift+right", "e", "l"), "[堅強/a 領導/vn]LOC"),
            (("home",) + ("right",) * 5 + ("s", "3", "e", "left_curly_bracket", "enter"), "[自治區/n]ORG 黨委/n"),
        ]
        for keys, expected in steps:
            await pilot.press(*keys)
            assert expected in s.notation, (keys, shown(app, "#message"))
        await pilot.press("E")
        assert app.query_one("#editor", NotationEditor).cursor_location == (0, len(s.notation))
        fixed = LINE2.replace("[自治區黨委/n]LOC", "[自治區/n 黨委/n]ORG").replace("領導/v", "領導/vn")
        app.query_one("#editor", NotationEditor).load_text(fixed)
        await pilot.press("enter")
        assert s.notation == "過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f"
        await pilot.press("n", *"checked", "enter", "a")
        assert s.sentence_id == S3
        await pilot.press("u")
        assert s.sentence_id == S2 and "undid checked" in shown(app, "#message")
        await pilot.press("q")

    drive(open_session(corpus, log), script)
    ds = decisions(log)
    assert [d["action"] for d in ds][:9] == ["split", "merge", "retag", "entity-relabel", "entity-remove",
                                             "entity-add", "entity-add", "split", "entity-move"]
    assert [d["action"] for d in ds][-2:] == ["checked", "undo"] and ds[-2]["note"] == "checked"


def test_ctrl_c_quits_from_the_tag_picker_and_a_prompt(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    for keys in (("t", "v"), ("n", "x")):
        async def script(app: WordReviewApp, pilot: Pilot, keys: tuple[str, ...] = keys) -> None:
            await pilot.press(*keys, "ctrl+c")  # an input has the focus: ctrl+c still quits, not "copy"

        app = drive(open_session(corpus, tmp_path / "l.jsonl"), script)
        assert app.return_code == 0  # exit() ran: a run_test teardown alone leaves None


@pytest.mark.parametrize("code", [0, 1])
def test_review_without_line_opens_the_screen(tmp_path: Path, corpus: tuple[Path, Path], code: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from annotators.review.words.commands import run_word_review

    opened: list[WordReviewApp] = []

    def fake_run(self: WordReviewApp) -> None:  # the real run needs a terminal
        opened.append(self)
        self.exit(return_code=code)  # 1: what Textual sets when the screen stops on an error

    monkeypatch.setattr(WordReviewApp, "run", fake_run)
    sentences, hanlp = corpus
    out = io.StringIO()
    got = run_word_review(load_sentences(sentences), load_word_proposals(hanlp), tmp_path / "w.jsonl", "alice",
                          line_mode=False, stdout=out)
    assert len(opened) == 1 and opened[0].session.reviewer == "alice" and got == code
    expected = "saved to " if code == 0 else "the screen stopped on an error; decisions made before it are in "
    assert out.getvalue().startswith(expected + str(tmp_path / "w.jsonl"))
