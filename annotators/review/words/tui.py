"""The word layer's review screen: words with their tags under them, entities in colour, one key each.

A thin view over WordSession: every key calls one of its public methods, and each change is
on disk (fsync'd) before the screen redraws, so quitting at any moment loses nothing. Corpus
and log text goes through safe_text and is drawn as rich Text, never parsed as markup.

Modes: normal (the word cursor), split (choose the cut inside the cursor word), entity (a
label key, or the edges of an existing entity), edit (the whole sentence as a notation
line), a one-line prompt (note, go to, search), and the tag picker and key list (screens of
their own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, ProgressBar, Static, TextArea
from textual.widgets.option_list import Option

from ..display import safe_text
from ..errors import ReviewError
from ..tui import fit
from .analysis import Analysis
from .line import _merge_range
from .session import WordSession
from .tags import LABEL_MEANINGS, TAG_MEANINGS, TAGS

# Cells around the sentence text: the box's border and padding, and the scroll bar's gutter.
SENTENCE_FRAME = 5
LABEL_KEYS = {"p": "PER", "l": "LOC", "o": "ORG"}
ENTITY_STYLE = {
    "PER": Style(color="#ffd7ff", bgcolor="#5f005f"),
    "LOC": Style(color="#d7ffd7", bgcolor="#005f00"),
    "ORG": Style(color="#d7ffff", bgcolor="#005f87"),
    "?": Style(bgcolor="#5f5f00"),  # a new entity before its label key
}
BRACKET_STYLE = {
    "PER": Style(color="#ff87ff", bold=True),
    "LOC": Style(color="#87ff87", bold=True),
    "ORG": Style(color="#87d7ff", bold=True),
    "?": Style(color="#ffff5f", bold=True),
}
CURSOR = Style(reverse=True, bold=True)
SELECTED = Style(underline=True, bgcolor="#444444")
DRAFT = Style(underline=True, italic=True)
CUT = Style(color="#ff5f5f", bold=True)
CUT_MARK = "│"
TAG_STYLE = Style(color="#a8a8a8")
UNTAGGED_STYLE = Style(color="#ffd700", bold=True)

# (keys, what they do) per mode: the key bar shows the first few, `?` lists them all.
NORMAL_KEYS: list[tuple[str, str]] = [
    ("← →", "word"), ("s", "split"), ("m", "merge"), ("t", "tag"), ("e", "entity"), ("E", "edit"),
    ("a", "accept"), ("u", "undo"), ("?", "keys"), ("q", "quit"),
]
ALL_KEYS: list[tuple[str, str]] = [
    ("← →  Home End", "move the word cursor one word (first / last word)"),
    ("shift+← →", "select several words (for e and m); esc clears the selection"),
    ("v", "start a selection where shift+arrows do not reach the screen: then ← → extend it"),
    ("s", "split the cursor word: ← → move the cut, 1-9 cut after that many characters, Enter splits"),
    ("m", "merge the cursor word with the next (with a selection: merge the selected words)"),
    ("t", "retag the cursor word: type to filter the tag list, ↑ ↓ choose, Enter sets the tag"),
    ("e", "entity: over the cursor word (or the selection) p PER, l LOC, o ORG adds one; on a word of an "
          "entity: p l o relabel, x remove, [ ] start edge ← →, { } end edge ← →, Enter saves the moved edges "
          "(with a selection: e then Enter moves the entity onto it)"),
    ("E", "edit the whole sentence as one notation line (TEXT/TAG words, [ words ]LABEL); Enter applies, "
          "each difference is logged as its own decision; esc cancels"),
    ("a", "accept: every word, tag and entity is right; marks the sentence checked, goes to the next unchecked"),
    ("u", "undo your latest decision (a whole-sentence edit at once)"),
    ("n", "note: the reason logged with the next decision"),
    (", .", "previous / next sentence (checked or not)"),
    ("g", "go to a sentence (id, id suffix such as p007-s03, or number)"),
    ("/", "search: the next sentence containing the text"),
    ("PgUp PgDn ↑ ↓", "scroll a sentence longer than the screen (a needs all of it to have been shown)"),
    ("esc", "cancel what is under way"),
    ("?", "this list"),
    ("q  ctrl+c", "quit (every decision is already saved)"),
]
MODE_KEYS: dict[str, list[tuple[str, str]]] = {
    "normal": NORMAL_KEYS,
    "select": [("← →", "extend the selection"), ("e", "entity"), ("m", "merge them"), ("esc", "clear")],
    "split": [("← →", "move the cut"), ("1-9", "cut after N characters"), ("Enter", "split"), ("esc", "cancel")],
    "entity-new": [("p", "PER"), ("l", "LOC"), ("o", "ORG"), ("esc", "cancel")],
    "entity-edit": [("p l o", "relabel"), ("x", "remove"), ("[ ]", "start ←→"), ("{ }", "end ←→"),
                    ("Enter", "save edges"), ("esc", "cancel")],
    "edit": [("Enter", "apply the line"), ("esc", "cancel"), ("TEXT/TAG", "words"), ("[ … ]LABEL", "entities")],
    "prompt": [("Enter", "apply"), ("esc", "cancel")],
}

# Every key the app binds, with the name the handlers see.
KEY_NAMES = [
    "left", "right", "shift+left", "shift+right", "home", "end", "up", "down", "pageup", "pagedown", "enter",
    "escape", "s", "m", "t", "e", "E", "a", "u", "n", "v", "x", "d", "delete", "p", "l", "o", "g", "slash", "comma",
    "full_stop", "question_mark", "q", "left_square_bracket", "right_square_bracket", "left_curly_bracket",
    "right_curly_bracket", *"123456789",
]
PROMPT_HINTS = {
    "note": "reason logged with the next decision (empty Enter clears it)",
    "goto": "sentence id (nmg2025-p007-s03, p007-s03) or number",
    "search": "text to find in the next sentences",
}


# -- drawing the sentence ----------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """An entity being placed: words first..last with `label`; `hides` is the entity it replaces, if any."""

    first: int
    last: int
    label: str
    hides: int | None = None


def sentence_rows(
    analysis: Analysis,
    width: int,
    *,
    cursor: int | None = None,
    selection: tuple[int, int] | None = None,
    cut: int | None = None,
    draft: Draft | None = None,
) -> tuple[Text, int]:
    """Lay the words out in rows of at most `width` cells, each word's tag under its first character.

    Entities are bracketed `[ … ]LABEL` and coloured by label; the cursor word is reversed;
    `cut` (characters into the cursor word) draws the split mark; `draft` draws an entity being
    placed instead of the one it hides. A word wider than a row continues on the next rows;
    no other word is cut. Returns the text (a word row, then its tag row, repeated) and the
    row of the cursor (of the cut mark when there is one).
    """
    width = max(width, 8)
    spans: list[tuple[int, int, str, bool]] = []
    for k, e in enumerate(analysis.entities):
        if draft is not None and draft.hides == k:
            continue
        # The words the entity touches: an entity that is not whole words is drawn around them, not lost.
        touched = [i for i, w in enumerate(analysis.words) if w.start < e.end and e.start < w.end]
        spans.append((touched[0], touched[-1], e.label, False))
    if draft is not None:
        spans.append((draft.first, draft.last, draft.label, True))
    opens: dict[int, list[tuple[str, bool]]] = {}
    closes: dict[int, list[tuple[str, bool]]] = {}
    inside: dict[int, tuple[str, bool]] = {}
    for first, last, label, is_draft in spans:
        opens.setdefault(first, []).append((label, is_draft))
        closes.setdefault(last, []).append((label, is_draft))
        for i in range(first, last + 1):
            inside[i] = (label, is_draft)

    lines: list[tuple[Text, Text]] = []
    top, bottom = Text(), Text()
    used = 0
    cursor_line = 0

    def flush() -> None:
        nonlocal top, bottom, used
        lines.append((top, bottom))
        top, bottom, used = Text(), Text(), 0

    for i, w in enumerate(analysis.words):
        word_style = Style()
        if i in inside:
            label, is_draft = inside[i]
            word_style = ENTITY_STYLE[label] + (DRAFT if is_draft else Style())
        if selection is not None and selection[0] <= i <= selection[1]:
            word_style += SELECTED
        if i == cursor:
            word_style += CURSOR
        cells: list[tuple[str, Style]] = []
        for label, is_draft in opens.get(i, []):
            cells.append(("[", BRACKET_STYLE[label] + (DRAFT if is_draft else Style())))
        indent = len(cells)
        cut_at: int | None = None
        for k, ch in enumerate(safe_text(analysis.word_text(i))):
            if i == cursor and cut is not None and k == cut:
                cut_at = len(cells)
                cells.append((CUT_MARK, CUT))
            cells.append((ch, word_style))
        for label, is_draft in closes.get(i, []):
            cells.append(("]" + label, BRACKET_STYLE[label] + (DRAFT if is_draft else Style())))
        tag = safe_text(w.tag) if w.tag else "?"
        tag_style = (TAG_STYLE if w.tag else UNTAGGED_STYLE) + (CURSOR if i == cursor else Style())
        text_cells = sum(cell_len(c) for c, _ in cells)
        block = max(text_cells, indent + cell_len(tag))
        if block <= width:
            if used and used + 1 + block > width:
                flush()
            if used:
                top.append(" ")
                bottom.append(" ")
                used += 1
            if i == cursor:
                cursor_line = len(lines)
            for c, style in cells:
                top.append(c, style)
            top.append(" " * (block - text_cells))
            bottom.append(" " * indent)
            bottom.append(tag, tag_style)
            bottom.append(" " * (block - indent - cell_len(tag)))
            used += block
            continue
        # A word wider than a row (a whole sentence, from scratch) fills this row and goes on below.
        if used and used + 1 + max(cell_len(cells[0][0]), indent + cell_len(tag)) > width:
            flush()
        if used:
            top.append(" ")
            bottom.append(" ")
            used += 1
        if i == cursor:
            cursor_line = len(lines)
        bottom.append(" " * indent)
        bottom.append(tag, tag_style)
        for n, (c, style) in enumerate(cells):
            if used + cell_len(c) > width:
                flush()
            if n == cut_at and i == cursor:
                cursor_line = len(lines)
            top.append(c, style)
            used += cell_len(c)
        bottom.append(" " * max(used - cell_len(bottom.plain), 0))
    if used or not lines:
        flush()
    out = Text()
    for n, (t, b) in enumerate(lines):
        if n:
            out.append("\n")
        out.append_text(t)
        out.append("\n")
        out.append_text(b)
    return out, 2 * cursor_line


def plain_rows(text: str, width: int) -> Text:
    """Sentence text cut into rows of at most `width` cells (a stale sentence: no words to show)."""
    rows, row, used = [], [], 0
    for ch in safe_text(text):
        if used + cell_len(ch) > width and row:
            rows.append("".join(row))
            row, used = [], 0
        row.append(ch)
        used += cell_len(ch)
    rows.append("".join(row))
    return Text("\n".join(rows))


def key_bar(keys: Sequence[tuple[str, str]], cells: int = 1000) -> Text:
    """Keys as reversed labels with what they do, `a accept  u undo …`, closer together when `cells` is short."""
    sep = "  " if cell_len("  ".join(f"{k} {w}" for k, w in keys)) <= cells else " "
    text = Text()
    for n, (key, what) in enumerate(keys):
        if n:
            text.append(sep)
        text.append(key, style="bold reverse")
        text.append(" " + what)
    return text


def key_list() -> Table:
    """Every key with what it does, then the tag set and the entity labels (descriptions wrap in their column)."""
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    table.add_row(Text("Keys", style="bold underline"), Text("esc, ? or q closes this list; PgDn scrolls it"))
    for keys, what in ALL_KEYS:
        table.add_row(Text(keys), Text(what))
    table.add_row(Text(""), Text(""))
    table.add_row(Text("PKU tags", style="bold underline"), Text("t opens them as a list filtered by typing"))
    for tag in TAGS:
        table.add_row(Text(tag), Text(TAG_MEANINGS[tag]))
    table.add_row(Text(""), Text(""))
    table.add_row(Text("Entities", style="bold underline"), Text("label keys after e"))
    for key, label in LABEL_KEYS.items():
        table.add_row(Text(f"{key} {label}"), Text(LABEL_MEANINGS[label]))
    return table


def rank_tags(query: str) -> list[str]:
    """Tags for the picker's filter: the exact tag first, then tags starting with it, then meanings containing it."""
    q = query.strip()
    if not q:
        return list(TAGS)
    low = q.lower()
    order = [t for t in TAGS if t == q]
    order += [t for t in TAGS if t.startswith(q)]
    order += [t for t in TAGS if t.lower().startswith(low)]
    order += [t for t in TAGS if low in TAG_MEANINGS[t].lower()]
    return list(dict.fromkeys(order))


# -- the pieces of the screen ------------------------------------------------------------


class NotationEditor(TextArea):
    """The whole-sentence editor: one notation line, wrapped to the screen; Enter applies it."""

    class Submitted(Message):
        """Enter in the editor: the line as typed."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":  # the line is one line: Enter never inserts a newline
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self.text))
            return
        await super()._on_key(event)


class TagPicker(ModalScreen[str | None]):
    """The PKU tag set with one line of meaning each; typing filters, ↑ ↓ choose, Enter picks, esc cancels."""

    CSS = """
    TagPicker { align: center bottom; }
    #picker { width: 100%; max-width: 100; height: auto; max-height: 70%; border: round $accent;
              background: $surface; padding: 0 1; }
    #picker-title { height: auto; }
    #filter { border: none; height: 1; padding: 0 1; background: $boost; }
    #tags { height: auto; max-height: 10; border: none; padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", show=False),
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "move(-8)", "page up", show=False),
        Binding("pagedown", "move(8)", "page down", show=False),
    ]

    def __init__(self, word: str, current: str | None) -> None:
        super().__init__()
        self.word = word
        self.current = current
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            title = Text("tag for ", style="bold")
            title.append(safe_text(self.word))
            title.append(f" (now {self.current or '?'}): type to filter, ↑↓ Enter, esc cancels")
            yield Static(title, id="picker-title")
            yield Input(id="filter", placeholder="tag or words of its meaning, e.g. vn or place", select_on_focus=False)
            yield OptionList(id="tags")

    def on_mount(self) -> None:
        self._fill("")
        if self.current in self.shown:
            self.query_one("#tags", OptionList).highlighted = self.shown.index(self.current)
        self.query_one("#filter", Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one("#tags", OptionList)
        self.shown = rank_tags(query)
        options.clear_options()
        for tag in self.shown:
            line = Text(f"{tag:<3} ", style="bold")
            line.append(TAG_MEANINGS[tag])
            options.add_option(Option(line, id=tag))
        options.highlighted = 0 if self.shown else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#tags", OptionList)
        if self.shown:
            now = options.highlighted if options.highlighted is not None else 0
            options.highlighted = max(0, min(now + delta, len(self.shown) - 1))

    def _pick(self) -> None:
        options = self.query_one("#tags", OptionList)
        if options.highlighted is None or not self.shown:
            self.query_one("#picker-title", Static).update(Text("no tag matches: delete some of the filter",
                                                                style="bold red"))
            return
        self.dismiss(self.shown[options.highlighted])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class KeyList(ModalScreen[None]):
    """Every key of the screen, then the tag set and the entity labels; esc, ? or q closes it."""

    CSS = """
    KeyList { align: center middle; }
    #keylist { width: 100%; height: 100%; border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keylist"):
            yield Static(key_list())

    def on_mount(self) -> None:
        self.query_one("#keylist", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)


# -- the app -------------------------------------------------------------------------------


class WordReviewApp(App[None]):
    """The word-layer review screen over a WordSession; every decision is logged as soon as it is made."""

    TITLE = "nmg-corpus review --layer words"
    AUTO_FOCUS = None  # keys must reach the bindings, not a hidden input
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { layout: vertical; }
    #head { height: 1; background: $panel; padding: 0 1; }
    #bar { height: 1; padding: 0 1; }
    #bar ProgressBar { width: 1fr; min-width: 12; max-width: 40; }
    #bar ProgressBar Bar { width: 1fr; }
    #done { width: auto; padding: 0 0 0 1; }
    #counts { height: 1; padding: 0 1; color: $text-muted; }
    #middle { height: 1fr; scrollbar-size-vertical: 1; scrollbar-gutter: stable; }
    .context { height: 1; padding: 0 1; color: $text-muted; }
    #sentence { height: auto; border: round $accent; padding: 0 1; }
    #bottom { dock: bottom; height: auto; }
    #details { height: auto; max-height: 7; padding: 0 1; background: $boost; }
    #message { height: auto; max-height: 3; padding: 0 1; }
    #editor { display: none; height: auto; max-height: 8; }
    #editor.open { display: block; }
    #prompt { display: none; }
    #prompt.open { display: block; }
    #keys { height: auto; background: $panel; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(name, f"key({name!r})", name, show=False) for name in KEY_NAMES),
        # Ctrl+C and Ctrl+Q quit like q: every decision is already on disk.
        Binding("ctrl+c", "quit_review", "quit", show=False, priority=True),
        Binding("ctrl+q", "quit_review", "quit", show=False, priority=True),
    ]

    def __init__(self, session: WordSession, log_label: str = "") -> None:
        super().__init__()
        self.session = session
        self.log_label = log_label or str(session.log.path)
        self.mode = "normal"  # normal, split, entity, edit, prompt
        self._prompt_kind = ""
        self._anchor: int | None = None  # selection anchor (word index)
        self._selecting = False  # `v`: arrows extend the selection
        self._cut = 1  # split mode: characters into the cursor word
        self._draft: Draft | None = None  # entity mode
        self._draft_from: tuple[int, int] | None = None  # the edited entity's words before moving its edges
        self._edit_start = ""  # the line the editor opened with
        self._discard_armed = False
        self._quit_armed = False
        self._message = Text()
        # Rows of the current sentence box that have been on screen: `a` needs all of them.
        self._seen_key: tuple[str, int] | None = None
        self._seen_rows: set[int] = set()
        self._cursor_row = 0

    def compose(self) -> ComposeResult:
        yield Static(id="head")
        with Horizontal(id="bar"):
            yield ProgressBar(total=1, show_eta=False, id="progress")
            yield Static(id="done")
        yield Static(id="counts")
        with VerticalScroll(id="middle", can_focus=False):
            yield Static(id="prev", classes="context")
            yield Static(id="sentence")
            yield Static(id="next", classes="context")
        with Vertical(id="bottom"):
            yield Static(id="details")
            yield Static(id="message")
            yield NotationEditor(id="editor", soft_wrap=True, show_line_numbers=False, disabled=True)
            yield Input(id="prompt", disabled=True, select_on_focus=False)
            yield Static(id="keys")

    def on_mount(self) -> None:
        self.watch(self.query_one("#middle", VerticalScroll), "scroll_y", self._note_seen, init=False)
        problems = self.session.problems
        if problems:
            self._say(f"⚠ {len(problems)} problem(s) in the inputs or log, not applied; first: {problems[0]} "
                      "(all are listed on exit and by review-status)", "bold yellow")
        self.refresh_view()

    # -- drawing ---------------------------------------------------------------------

    def _say(self, message: str, style: str = "") -> None:
        self._message = Text(safe_text(message), style=style)

    def _fail(self, message: str) -> None:
        self._say(f"✗ {message}", "bold red")
        self.refresh_view()

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected words (first, last), or None when no selection is under way."""
        if self._anchor is None:
            return None
        return min(self._anchor, self.session.word), max(self._anchor, self.session.word)

    def _width(self) -> int:
        return max(self.size.width - SENTENCE_FRAME, 10)

    def refresh_view(self) -> None:
        """Redraw every panel from the session."""
        s = self.session
        cells = max(self.size.width - 2, 20)
        prog = s.state.progress(s.sentence_ids, s.checker)
        self.query_one("#head", Static).update(self._head(cells))
        self.query_one("#progress", ProgressBar).update(total=max(prog.sentences, 1), progress=prog.checked)
        self.query_one("#done", Static).update(Text(f"{prog.checked}/{prog.sentences} sentences checked"))
        counts = [f"{n} {a}" for a, n in prog.changed.items() if n]
        extra = ([f"{prog.stale} stale"] if prog.stale else []) + (
            [f"{prog.untagged} untagged"] if prog.untagged else [])
        self.query_one("#counts", Static).update(
            Text(fit(" · ".join(["changes: " + (", ".join(counts) or "none"), *extra]), cells)))
        before, after = s.neighbours()
        self.query_one("#prev", Static).update(Text(
            "‹" + fit(safe_text(before.text), cells - 1, from_end=True) if before else "‹(start of report)"))
        self.query_one("#next", Static).update(
            Text("›" + fit(safe_text(after.text), cells - 1)) if after else Text("›(end of report)"))
        width = self._width()
        box = self.query_one("#sentence", Static)
        box.update(self._sentence(width))
        if s.sentence is not None:
            pos, total = s.position()
            box.border_title = Text(f"{pos}/{total} {safe_text(s.sentence.id)}")
            state = "STALE" if s.stale else ("checked ✓" if s.checked else "not checked")
            box.border_subtitle = Text(state)
        else:
            box.border_title, box.border_subtitle = Text("done"), None
        self.query_one("#details", Static).update(self._details(cells))
        self.query_one("#message", Static).update(self._message)
        mode = self.mode
        if mode == "entity":
            mode = "entity-edit" if self._draft_from is not None else "entity-new"
        elif mode == "normal" and self._anchor is not None:
            mode = "select"
        self.query_one("#keys", Static).update(key_bar(MODE_KEYS[mode], cells))
        key = (s.sentence.id if s.sentence else "", width)
        fresh = key != self._seen_key
        if fresh:
            self._seen_key, self._seen_rows = key, set()
        self.call_after_refresh(self._show_sentence, fresh)

    def _sentence(self, width: int) -> Text:
        s = self.session
        if s.sentence is None:
            self._cursor_row = 0
            return Text("Every sentence is checked. g: go to a sentence, /: search, q: quit.")
        analysis = s.analysis
        if analysis is None:
            self._cursor_row = 0
            return plain_rows(s.sentence.text, width)
        text, self._cursor_row = sentence_rows(
            analysis, width, cursor=s.word, selection=self.selection if self.mode == "normal" else None,
            cut=self._cut if self.mode == "split" else None,
            draft=self._draft if self.mode == "entity" else None)
        return text

    def _head(self, cells: int) -> Text:
        """The header line, cut to `cells`: the log path is shortened from the left first."""
        s = self.session
        head = Text()
        head.append("review words", style="bold")
        mode = " · from scratch" if s.scratch else ""
        head.append(fit(f"{mode} · {safe_text(s.reviewer)} · log ", cells - 12))
        room = cells - cell_len(head.plain)
        if room > 4:
            head.append(fit(safe_text(self.log_label), room, from_end=True))
        return head

    def _details(self, cells: int) -> Text:
        """The cursor word with its tag's meaning, its entity, the sentence's state, HanLP remarks."""
        s = self.session
        out = Text()
        if s.sentence is None:
            return out
        analysis = s.analysis
        if analysis is not None:
            i = s.word
            w = analysis.words[i]
            line = f"word {i + 1}/{len(analysis.words)} {safe_text(analysis.word_text(i))} /{w.tag or '?'} "
            line += TAG_MEANINGS[w.tag] if w.tag else "not tagged yet: t tags it"
            out.append(fit(line, cells) + "\n")
            sel = self.selection
            if sel is not None and self.mode == "normal":
                piece = analysis.text[analysis.words[sel[0]].start:analysis.words[sel[1]].end]
                out.append(fit(f"selected words {sel[0] + 1}-{sel[1] + 1}: {safe_text(piece)}", cells) + "\n",
                           style="underline")
            k = analysis.entity_of(i)
            if k is not None:
                e = analysis.entities[k]
                out.append(fit(f"entity [{safe_text(analysis.text[e.start:e.end])}]{e.label}: "
                               f"{LABEL_MEANINGS[e.label]}", cells) + "\n", style=BRACKET_STYLE[e.label])
        state = safe_text(s.sentence_state())
        out.append(state + "\n", style="bold red" if s.stale else ("green" if s.checked else ""))
        if s.note:
            out.append(fit(f"note for the next decision: {safe_text(s.note)}", cells) + "\n", style="italic")
        # What HanLP proposed that could not be shown (an entity inside a word): one line each.
        remarks = s.remarks
        for remark in remarks[:3]:
            out.append(fit(safe_text(remark), cells) + "\n", style="yellow")
        if len(remarks) > 3:
            out.append(f"… {len(remarks) - 3} more remark(s) about HanLP's proposal", style="yellow")
        out.rstrip()
        return out

    def _box_rows(self) -> tuple[int, int, int, int]:
        """(first row of the sentence box in the scroll area, its height, scroll offset, visible height)."""
        middle = self.query_one("#middle", VerticalScroll)
        box = self.query_one("#sentence", Static)
        return box.virtual_region.y, box.outer_size.height, round(middle.scroll_y), \
            middle.scrollable_content_region.height

    def _note_seen(self, *_: object) -> None:
        top, height, offset, visible = self._box_rows()
        self._seen_rows.update(r for r in range(height) if offset <= top + r < offset + visible)

    def sentence_seen(self) -> bool:
        """True once every row of the current sentence box has been on screen."""
        self._note_seen()
        _, height, _, _ = self._box_rows()
        return height > 0 and self._seen_rows >= set(range(height))

    def _show_sentence(self, fresh: bool = False) -> None:
        # A new sentence starts at its top; within one, keep the cursor's rows in view without
        # undoing the reviewer's own scrolling.
        middle = self.query_one("#middle", VerticalScroll)
        box = self.query_one("#sentence", Static)
        top, height, offset, visible = self._box_rows()
        if fresh:
            if height > visible:
                middle.scroll_to(y=top, animate=False, immediate=True)
            else:
                middle.scroll_to_widget(box, animate=False, immediate=True)
        else:
            row = top + 1 + self._cursor_row  # +1: the box's top border; the tag row is the next one
            if not (offset <= row and row + 1 < offset + visible):
                middle.scroll_to(y=max(row - visible // 2, 0), animate=False, immediate=True)
        self._note_seen()

    def on_resize(self) -> None:
        self.refresh_view()

    def _scroll(self, how: str) -> None:
        middle = self.query_one("#middle", VerticalScroll)
        step = max(middle.scrollable_content_region.height - 1, 1)
        delta = {"down": 1, "up": -1, "pagedown": step, "pageup": -step}[how]
        middle.scroll_to(y=middle.scroll_y + delta, animate=False, immediate=True)
        self._note_seen()

    def _run(self, command: Callable[[], str]) -> bool:
        """Run a session call; show its message or its refusal; True when it went through."""
        self._quit_armed = False
        try:
            message = command()
        except ReviewError as exc:
            self._fail(exc.message)
            return False
        self._say(message)
        self.refresh_view()
        return True

    def _usable(self) -> Analysis | None:
        """The analysis to act on, or None after saying why there is none (done, stale)."""
        s = self.session
        if s.sentence is None:
            self._fail("every sentence is checked: go to a sentence first (g or /)")
            return None
        if s.analysis is None:
            self._fail(s.stale or "this sentence has no analysis")
            return None
        return s.analysis

    # -- keys ------------------------------------------------------------------------

    def action_key(self, name: str) -> None:
        """Every bound key lands here and goes to the handler of the current mode."""
        if name in ("up", "down", "pageup", "pagedown") and self.mode != "prompt":
            self._scroll(name)
            return
        {"normal": self._normal_key, "split": self._split_key, "entity": self._entity_key,
         "edit": self._edit_key, "prompt": self._prompt_key}[self.mode](name)

    def _normal_key(self, name: str) -> None:
        s = self.session
        if name != "q":
            self._quit_armed = False
        simple: dict[str, Callable[[], None]] = {
            "s": self._open_split, "m": self._merge, "t": self._open_picker, "e": self._open_entity,
            "E": self._open_edit, "a": self._accept, "u": lambda: self._done_with(s.undo),
            "n": lambda: self._open_prompt("note"), "g": lambda: self._open_prompt("goto"),
            "slash": lambda: self._open_prompt("search"), "comma": lambda: self._done_with(s.prev_sentence),
            "full_stop": lambda: self._done_with(s.next_sentence), "question_mark": lambda: self.push_screen(KeyList()),
            "q": self.exit, "v": self._toggle_select,
        }
        if name in simple:
            simple[name]()
            return
        if name in ("left", "right", "shift+left", "shift+right", "home", "end"):
            self._move(name)
            return
        if name == "escape":
            self._anchor, self._selecting = None, False
            self._say("")
            self.refresh_view()
            return
        if name == "enter":
            self._say("Enter does nothing here: a accepts the sentence, ? lists the keys")
        else:
            self._say(f"{name}: not a key here (after e: p l o x [ ] {{ }}; after s: digits); ? lists the keys")
        self.refresh_view()

    def _move(self, name: str) -> None:
        s = self.session
        analysis = s.analysis
        if analysis is None:
            return
        extend = name.startswith("shift+") or self._selecting
        if extend and self._anchor is None:
            self._anchor = s.word
        elif not extend:
            self._anchor = None
        n = len(analysis.words)
        target = {"left": s.word - 1, "right": s.word + 1, "home": 0, "end": n - 1}[name.removeprefix("shift+")]
        s.set_word(max(0, min(target, n - 1)))
        self._say("")
        self.refresh_view()

    def _toggle_select(self) -> None:
        if self._selecting or self._anchor is not None:
            self._anchor, self._selecting = None, False
            self._say("selection cleared")
        elif self._usable() is not None:
            self._anchor, self._selecting = self.session.word, True
            self._say("selecting: ← → extend the selection, then e (entity) or m (merge); esc clears it")
        self.refresh_view()

    def _done_with(self, command: Callable[[], str]) -> None:
        """Run a command that may change sentence or words: the selection ends with it."""
        self._anchor, self._selecting = None, False
        self._run(command)

    def _accept(self) -> None:
        s = self.session
        if s.sentence is not None and s.analysis is not None and not self.sentence_seen():
            self._fail("this sentence is longer than the screen: scroll down (PageDown or ↓) to read the rest "
                       "before accepting it")
            return
        self._done_with(s.accept)

    def _merge(self) -> None:
        analysis = self._usable()
        if analysis is None:
            return
        sel = self.selection
        if sel is not None and sel[1] > sel[0]:
            if self._run(lambda: _merge_range(self.session, sel[0], sel[1], None)):
                self.session.set_word(sel[0])  # on the merged word
                self._anchor, self._selecting = None, False
                self.refresh_view()
        else:
            self._done_with(self.session.merge)

    # split ------------------------------------------------------------------------

    def _open_split(self) -> None:
        analysis = self._usable()
        if analysis is None:
            return
        self._anchor, self._selecting = None, False
        word = analysis.word_text(self.session.word)
        if len(word) < 2:
            self._fail(f"{word!r} is one character: nothing to split")
            return
        self.mode, self._cut = "split", 1
        self._split_hint()

    def _split_hint(self) -> None:
        s = self.session
        word = safe_text(s.analysis.word_text(s.word)) if s.analysis else ""
        keys = "Enter splits" if len(word) == 2 else \
            f"← → move the cut, 1-{min(len(word) - 1, 9)} cut after that many characters, Enter splits"
        self._say(f"split {word[:self._cut]} {CUT_MARK} {word[self._cut:]}: {keys}, esc cancels")
        self.refresh_view()

    def _split_key(self, name: str) -> None:
        s = self.session
        analysis = s.analysis
        if analysis is None:  # the sentence went away under us (another process): leave the mode
            self.mode = "normal"
            self.refresh_view()
            return
        size = len(analysis.word_text(s.word))
        if name in ("left", "right", "home", "end"):
            self._cut = {"left": max(self._cut - 1, 1), "right": min(self._cut + 1, size - 1),
                         "home": 1, "end": size - 1}[name]
            self._split_hint()
        elif name.isdigit():
            if not 1 <= int(name) < size:
                self._fail(f"this word has {size} characters: cut after 1-{size - 1}")
                return
            self._cut = int(name)
            self._split_key("enter")
        elif name == "enter":
            self.mode = "normal"
            self._run(lambda: s.split_word(self._cut))
        elif name == "escape":
            self.mode = "normal"
            self._say("split cancelled")
            self.refresh_view()
        else:
            self._say("splitting: ← → move the cut, a digit cuts after that many characters, Enter splits, "
                      "esc cancels")
            self.refresh_view()

    # entities ---------------------------------------------------------------------

    def _open_entity(self) -> None:
        analysis = self._usable()
        if analysis is None:
            return
        s = self.session
        first, last = self.selection or (s.word, s.word)
        hit = sorted({k for i in range(first, last + 1) if (k := analysis.entity_of(i)) is not None})
        if len(hit) > 1:
            self._fail(f"the selection touches {len(hit)} entities: select words of one entity (or none)")
            return
        piece = safe_text(analysis.text[analysis.words[first].start:analysis.words[last].end])
        if not hit:
            self._draft, self._draft_from = Draft(first, last, "?"), None
            self._say(f"entity over {piece}: p PER, l LOC, o ORG (esc cancels)")
        else:
            k = hit[0]
            e = analysis.entities[k]
            now = analysis.entity_words(k)
            # With a selection, the entity's new place is the selection (Enter moves it there).
            span = (first, last) if self.selection is not None else now
            self._draft, self._draft_from = Draft(span[0], span[1], e.label, hides=k), now
            self._say(f"entity [{safe_text(analysis.text[e.start:e.end])}]{e.label}: p l o relabel, x remove, "
                      "[ ] start edge, { } end edge, Enter saves the edges, esc cancels")
        self._anchor, self._selecting = None, False
        self.mode = "entity"
        self.refresh_view()

    def _entity_key(self, name: str) -> None:
        s = self.session
        draft = self._draft
        analysis = s.analysis
        if draft is None or analysis is None:
            self.mode = "normal"
            self.refresh_view()
            return
        label = LABEL_KEYS.get(name)
        if name == "escape":
            self._close_entity("entity: cancelled")
            return
        if self._draft_from is None:  # a new entity: only a label key
            if label is None:
                self._say("new entity: p PER, l LOC, o ORG; esc cancels")
                self.refresh_view()
                return
            self._close_entity()
            self._run(lambda: s.add_entity(draft.first, draft.last, label))
            return
        word = self._draft_from[0]
        moved = (draft.first, draft.last) != self._draft_from
        if label is not None:
            if moved:
                self._say("the edges moved: Enter saves them first (or esc), then e and a label key relabels")
                self.refresh_view()
                return
            self._close_entity()
            self._run(lambda: s.relabel_entity(label, word=word))
        elif name in ("x", "d", "delete"):
            self._close_entity()
            self._run(lambda: s.remove_entity(word=word))
        elif name in ("left_square_bracket", "right_square_bracket", "left_curly_bracket", "right_curly_bracket"):
            first, last = draft.first, draft.last
            n = len(analysis.words)
            if name == "left_square_bracket":
                first = max(first - 1, 0)
            elif name == "right_square_bracket":
                first = min(first + 1, last)
            elif name == "left_curly_bracket":
                last = max(last - 1, first)
            else:
                last = min(last + 1, n - 1)
            self._draft = Draft(first, last, draft.label, draft.hides)
            piece = safe_text(analysis.text[analysis.words[first].start:analysis.words[last].end])
            self._say(f"entity → [{piece}]{draft.label}: Enter saves the edges, esc cancels")
            self.refresh_view()
        elif name == "enter":
            if not moved:
                self._say("the edges did not move: [ ] move the start, { } the end; esc leaves")
                self.refresh_view()
                return
            self._close_entity()
            self._run(lambda: s.move_entity(draft.first, draft.last, word=word))
        else:
            self._say("entity: p l o relabel, x remove, [ ] start edge, { } end edge, Enter saves, esc cancels")
            self.refresh_view()

    def _close_entity(self, message: str | None = None) -> None:
        self.mode = "normal"
        self._draft, self._draft_from = None, None
        if message is not None:
            self._say(message)
            self.refresh_view()

    # retag ------------------------------------------------------------------------

    def _open_picker(self) -> None:
        analysis = self._usable()
        if analysis is None:
            return
        s = self.session
        i = s.word
        sid = s.sentence_id

        def chosen(tag: str | None) -> None:
            if tag is None:
                self._say("retag cancelled")
                self.refresh_view()
            elif s.sentence_id != sid:  # pragma: no cover - nothing moves the cursor while the picker is open
                self._fail("the sentence changed while the picker was open: nothing retagged")
            else:
                self._done_with(lambda: s.retag(tag, word=i))

        self._anchor, self._selecting = None, False
        self.push_screen(TagPicker(analysis.word_text(i), analysis.words[i].tag), chosen)

    # whole-sentence edit ----------------------------------------------------------

    def _open_edit(self) -> None:
        if self._usable() is None:
            return
        self._anchor, self._selecting = None, False
        editor = self.query_one("#editor", NotationEditor)
        self._edit_start = self.session.notation
        editor.load_text(self._edit_start)
        editor.disabled = False
        editor.add_class("open")
        editor.focus()
        # Always type at the end of the line.
        editor.move_cursor(editor.document.end)
        self.mode, self._discard_armed = "edit", False
        self._say("edit the sentence's line: Enter applies it, esc cancels")
        self.refresh_view()

    def _close_edit(self) -> None:
        editor = self.query_one("#editor", NotationEditor)
        editor.remove_class("open")
        editor.disabled = True
        self.mode, self._discard_armed = "normal", False
        self.set_focus(None)

    def edit_changed(self) -> bool:
        """True while the editor is open with a line that differs from the one it opened with."""
        return self.mode == "edit" and self.query_one("#editor", NotationEditor).text != self._edit_start

    def on_notation_editor_submitted(self, event: NotationEditor.Submitted) -> None:
        value = " ".join(event.value.split("\n"))
        self._quit_armed = False
        try:
            message = self.session.edit_line(value)
        except ReviewError as exc:
            # Keep the line so that it can be fixed; put the cursor where the error is.
            self._say(f"✗ {exc.message}", "bold red")
            self._discard_armed = False
            found = re.search(r"column (\d+)", exc.message)
            if found:
                editor = self.query_one("#editor", NotationEditor)
                editor.move_cursor((0, min(int(found.group(1)) - 1, len(editor.text))))
            self.refresh_view()
            return
        self._close_edit()
        self._say(message)
        self.refresh_view()

    def _edit_key(self, name: str) -> None:
        if name != "escape":
            return
        if self.edit_changed() and not self._discard_armed:
            self._discard_armed = True
            self._say("the line was changed: esc again discards the change, Enter applies it", "bold yellow")
            self.refresh_view()
            return
        discarded = self._discard_armed
        self._close_edit()
        self._say("edit cancelled" + (": the changed line was discarded" if discarded else ""))
        self.refresh_view()

    # prompts (note, go to, search) -------------------------------------------------

    def _open_prompt(self, kind: str) -> None:
        prompt = self.query_one("#prompt", Input)
        self._anchor, self._selecting = None, False
        self.mode, self._prompt_kind = "prompt", kind
        prompt.placeholder = PROMPT_HINTS[kind]
        prompt.value = (self.session.note or "") if kind == "note" else ""
        prompt.cursor_position = len(prompt.value)  # type at the end
        prompt.disabled = False
        prompt.add_class("open")
        prompt.focus()
        self._say(f"{kind}: type and press Enter (esc cancels)")
        self.refresh_view()

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("open")
        prompt.value = ""
        prompt.disabled = True
        self.mode = "normal"
        self.set_focus(None)

    def _prompt_key(self, name: str) -> None:
        if name == "escape":
            self._close_prompt()
            self._say("cancelled")
            self.refresh_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "prompt":
            return
        kind, value = self._prompt_kind, event.value
        self._close_prompt()
        s = self.session
        command = {"note": lambda: s.set_note(value), "goto": lambda: s.goto(value),
                   "search": lambda: s.search(value)}[kind]
        self._done_with(command)

    # quitting ---------------------------------------------------------------------

    def action_quit_review(self) -> None:
        """Ctrl+C / Ctrl+Q: quit; a changed, unapplied sentence edit asks for a second press first."""
        if self.edit_changed() and not self._quit_armed:
            self._quit_armed = True
            self._say("the edited line is not applied: ctrl+c again quits without it, Enter applies it",
                      "bold yellow")
            self.refresh_view()
            return
        self.exit()
