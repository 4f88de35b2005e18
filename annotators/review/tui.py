"""Keyboard-driven Textual app: review one span at a time (accept / reject / edit / add).

All corpus text is shown as rich.text.Text built from safe_text(), never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, ProgressBar, Static

from .display import safe_text
from .errors import ReviewError
from .render import field_input, sentence_lines, span_details
from .session import Session, split_fields

KEY_HELP = [
    ("a", "accept/save"), ("x", "reject"), ("c", "sentence checked"), ("m", "note"), ("e", "edit"),
    ("[ ]", "start ←→"), ("{ }", "end ←→"),
    ("n", "add"), ("u", "undo"), ("s", "skip"), (", .", "prev/next"), ("g", "go to"), ("/", "search"),
    ("PgDn ↓", "scroll"), ("esc", "cancel"), ("q", "quit"),
]
# Cells around the sentence text: the box's border and padding, and the scroll bar's gutter.
SENTENCE_FRAME = 5


class ReviewApp(App[None]):
    """The review TUI over a Session; every decision is logged as soon as it is made."""

    TITLE = "nmg-corpus review"
    AUTO_FOCUS = None  # keys must reach the bindings, not the hidden prompt
    # The span details, messages and keys stay docked at the bottom; a long sentence scrolls.
    CSS = """
    Screen { layout: vertical; }
    #head { height: 1; background: $panel; padding: 0 1; }
    #bar { height: 1; padding: 0 1; }
    #bar ProgressBar { width: 1fr; min-width: 12; max-width: 40; }
    #bar ProgressBar Bar { width: 1fr; }
    #done { width: auto; padding: 0 0 0 1; }
    #counts { height: auto; padding: 0 1; color: $text-muted; }
    #middle { height: 1fr; scrollbar-size-vertical: 1; scrollbar-gutter: stable; }
    .context { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    #sentence { height: auto; border: round $accent; padding: 0 1; }
    #bottom { dock: bottom; height: auto; }
    #details { height: auto; padding: 0 1; border: round $panel; }
    #message { height: auto; padding: 0 1; }
    #prompt { display: none; }
    #prompt.open { display: block; }
    #keys { height: auto; background: $panel; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "accept", show=False),
        Binding("x", "reject", "reject", show=False),
        Binding("c", "check", "sentence checked", show=False),
        Binding("m", "prompt('note')", "note", show=False),
        Binding("e", "edit", "edit", show=False),
        Binding("left_square_bracket", "move('start', -1)", "start ←", show=False),
        Binding("right_square_bracket", "move('start', 1)", "start →", show=False),
        Binding("left_curly_bracket", "move('end', -1)", "end ←", show=False),
        Binding("right_curly_bracket", "move('end', 1)", "end →", show=False),
        Binding("left", "move('both', -1)", "shift ←", show=False),
        Binding("right", "move('both', 1)", "shift →", show=False),
        Binding("n", "add", "add", show=False),
        Binding("u", "undo", "undo", show=False),
        Binding("s", "skip", "skip", show=False),
        Binding("comma", "step(-1)", "previous", show=False),
        Binding("full_stop", "step(1)", "next", show=False),
        Binding("g", "prompt('goto')", "go to", show=False),
        Binding("slash", "prompt('search')", "search", show=False),
        Binding("escape", "cancel", "cancel", show=False),
        Binding("q", "quit_review", "quit", show=False),
        # Ctrl+C and Ctrl+Q quit like q (with the same warning about an unsaved edit).
        Binding("ctrl+c", "quit_review", "quit", show=False, priority=True),
        Binding("ctrl+q", "quit_review", "quit", show=False, priority=True),
        Binding("down", "scroll('down')", "scroll", show=False),
        Binding("up", "scroll('up')", "scroll", show=False),
        Binding("pagedown", "scroll('pagedown')", "scroll", show=False),
        Binding("pageup", "scroll('pageup')", "scroll", show=False),
    ]

    def __init__(self, session: Session, log_label: str = "") -> None:
        super().__init__()
        self.session = session
        self.log_label = log_label or str(session.log.path)
        self._prompt_mode: str | None = None
        self._quit_armed = False
        self._message = Text()
        # Rows of the current sentence box that have been on screen: `c` needs all of them.
        self._seen_key: tuple[str, int] | None = None
        self._seen_rows: set[int] = set()
        self._shown_line: int | None = None

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
            yield Input(id="prompt", disabled=True, select_on_focus=False)
            yield Static(self._keys(), id="keys")

    def on_mount(self) -> None:
        self.watch(self.query_one("#middle", VerticalScroll), "scroll_y", self._note_seen, init=False)
        problems = self.session.problems
        if problems:
            self._say(f"⚠ {len(problems)} problem(s) in the inputs or log, not applied; first: {problems[0]}"
                      " (all are listed on exit and by review-status)", "bold yellow")
        self.refresh_view()

    @staticmethod
    def _keys() -> Text:
        text = Text()
        for i, (key, what) in enumerate(KEY_HELP):
            if i:
                text.append("  ")
            text.append(key, style="bold reverse")
            text.append(" " + what)
        return text

    # -- drawing ----------------------------------------------------------------

    def _say(self, message: str, style: str = "") -> None:
        self._message = Text(safe_text(message), style=style)

    def refresh_view(self) -> None:
        """Redraw every panel from the session."""
        s = self.session
        prog = s.state.progress(s.sentence_ids, s.checker)
        self.query_one("#head", Static).update(self._head(max(self.size.width - 2, 20)))
        # One bar for both kinds of work: spans to decide and sentences to check.
        self.query_one("#progress", ProgressBar).update(total=max(prog.total + prog.sentences, 1),
                                                         progress=prog.reviewed + prog.checked)
        self.query_one("#done", Static).update(Text(prog.head()))
        self.query_one("#counts", Static).update(Text(prog.short()))
        before, after = s.neighbours()
        room = 2 * max(self.size.width - 2, 10) - 2  # two lines of context each side
        self.query_one("#prev", Static).update(
            Text("‹" + fit(safe_text(before.text), room, from_end=True)) if before else Text("‹(start of report)"))
        self.query_one("#next", Static).update(
            Text("›" + fit(safe_text(after.text), room)) if after else Text("›(end of report)"))
        box = self.query_one("#sentence", Static)
        # Our own line breaks: a span (a number with its unit) is never cut across two lines.
        width = max(self.size.width - SENTENCE_FRAME, 10)
        text, self._shown_line = sentence_lines(s, width)
        box.update(text)
        box.border_title = safe_text(s.sentence.id) if s.sentence else "done"
        self.query_one("#details", Static).update(span_details(s))
        self.query_one("#message", Static).update(self._message)
        key = (s.sentence.id if s.sentence else "", width)
        fresh = key != self._seen_key
        if fresh:
            self._seen_key, self._seen_rows = key, set()
        self.call_after_refresh(self._show_sentence, fresh)

    def _head(self, cells: int) -> Text:
        """The header line, cut to `cells`: the log path is shortened from the left first."""
        s = self.session
        head = Text()
        head.append("review", style="bold")
        fixed = f" · {s.layer.name} · reviewer {safe_text(s.reviewer)} · log "
        head.append(fit(fixed, cells - 6))
        room = cells - cell_len(head.plain)
        if room > 4:
            head.append(fit(safe_text(self.log_label), room, from_end=True))
        return head

    def _box_rows(self) -> tuple[int, int, int, int]:
        """(first row of the sentence box in the scroll area, its height, scroll offset, visible height)."""
        middle = self.query_one("#middle", VerticalScroll)
        box = self.query_one("#sentence", Static)
        top = box.virtual_region.y
        return top, box.outer_size.height, round(middle.scroll_y), middle.scrollable_content_region.height

    def _note_seen(self, *_: object) -> None:
        top, height, offset, visible = self._box_rows()
        self._seen_rows.update(r for r in range(height) if offset <= top + r < offset + visible)

    def sentence_seen(self) -> bool:
        """True once every row of the current sentence box has been on screen."""
        self._note_seen()
        _, height, _, _ = self._box_rows()
        return height > 0 and self._seen_rows >= set(range(height))

    def _show_sentence(self, fresh: bool = False) -> None:
        # A new sentence starts at its top; within one, keep the highlighted span's line in view
        # without undoing the reviewer's own scrolling.
        middle = self.query_one("#middle", VerticalScroll)
        box = self.query_one("#sentence", Static)
        top, height, offset, visible = self._box_rows()
        if fresh:
            if height > visible:
                middle.scroll_to(y=top, animate=False, immediate=True)
            else:
                middle.scroll_to_widget(box, animate=False, immediate=True)
        elif self._shown_line is not None:
            row = top + 1 + self._shown_line  # +1: the box's top border
            if not offset <= row < offset + visible:
                middle.scroll_to(y=max(row - visible // 2, 0), animate=False, immediate=True)
        self._note_seen()

    def on_resize(self) -> None:
        self.refresh_view()

    def action_scroll(self, how: str) -> None:
        """Scroll the sentence area (a long sentence does not fit the screen)."""
        middle = self.query_one("#middle", VerticalScroll)
        step = max(middle.scrollable_content_region.height - 1, 1)
        delta = {"down": 1, "up": -1, "pagedown": step, "pageup": -step}[how]
        middle.scroll_to(y=middle.scroll_y + delta, animate=False, immediate=True)
        self._note_seen()

    def _run(self, command: Callable[[], str]) -> None:
        self._quit_armed = False
        try:
            message = command()
            self._say(message)
        except ReviewError as exc:
            self._say(f"✗ {exc.message}", "bold red")
        self.refresh_view()

    # -- actions -------------------------------------------------------------------

    def action_accept(self) -> None:
        self._run(self.session.accept)

    def action_reject(self) -> None:
        self._run(self.session.reject)

    def action_check(self) -> None:
        if self.session.sentence is not None and not self.sentence_seen():
            self._say(f"✗ this sentence is longer than the screen: scroll down (PageDown or ↓) to read the rest "
                      "before marking it checked", "bold red")
            self.refresh_view()
            return
        self._run(self.session.check)

    def action_undo(self) -> None:
        self._run(self.session.undo)

    def action_skip(self) -> None:
        self._run(self.session.skip)

    def action_step(self, delta: int) -> None:
        self._run(lambda: self.session.step(delta))

    def action_move(self, which: str, delta: int) -> None:
        if which == "both" and self.session.draft is None:
            self._run(lambda: self.session.step(delta))  # arrows browse spans unless editing or adding
            return
        self._run(lambda: self.session.move(which, delta))

    def action_cancel(self) -> None:
        if self._prompt_mode is not None:
            self._close_prompt()
            self._say("cancelled")
            self.refresh_view()
            return
        self._run(self.session.cancel)

    def action_edit(self) -> None:
        if self.session.shown is None:
            self._say(f"✗ {self.session.no_span_message()}", "bold red")
            self.refresh_view()
            return
        self.action_prompt("edit")

    def action_add(self) -> None:
        if self.session.sentence is None:
            self._say("✗ go to a sentence first (g or /)", "bold red")
            self.refresh_view()
            return
        self.action_prompt("add")

    def action_prompt(self, mode: str) -> None:
        """Open the input line for edit, add, goto or search."""
        prompt = self.query_one("#prompt", Input)
        placeholders = {
            "edit": "field=value … (label value timex unit qualifier start end); Enter applies, a then saves",
            "add": "TEXT [LABEL] [field=value …] or START END [LABEL]; empty Enter: select with [ ] { } ← →",
            "goto": "sentence id (nmg2025-p007-s03, p007-s03) or number",
            "search": "text to find in the next sentences",
            "note": "reason for the next decision (a, x, c, add); empty Enter clears it",
        }
        self._prompt_mode = mode
        prompt.placeholder = placeholders[mode]
        prompt.value = field_input(self.session) if mode == "edit" else (
            self.session.note or "" if mode == "note" else "")
        # Always type at the end: Input keeps an old cursor position when its value is replaced.
        prompt.cursor_position = len(prompt.value)
        prompt.disabled = False
        prompt.add_class("open")
        prompt.focus()
        self._say(f"{mode}: type and press Enter (esc cancels)")
        self.refresh_view()

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("open")
        prompt.value = ""
        prompt.disabled = True
        self._prompt_mode = None
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        mode, value = self._prompt_mode, event.value
        self._close_prompt()
        if mode == "edit":
            self._run(lambda: self.session.edit_many(value))
        elif mode == "add":
            self._run(lambda: add_from_prompt(self.session, value))
        elif mode == "goto":
            self._run(lambda: self.session.goto(value))
        elif mode == "search":
            self._run(lambda: self.session.search(value))
        elif mode == "note":
            self._run(lambda: self.session.set_note(value))

    def action_quit_review(self) -> None:
        if self.session.draft is not None and not self._quit_armed:
            self._quit_armed = True
            self._say("unsaved edit: press q (or ctrl+c) again to quit without it, a to save it", "bold yellow")
            self.refresh_view()
            return
        self.exit()


def add_from_prompt(session: Session, value: str) -> str:
    """Start an added span from the add prompt: 'TEXT [LABEL] [f=v…]', 'START END [LABEL]' or ''."""
    words = value.split()
    if not words:
        return session.begin_add()
    sentence = session.sentence
    assert sentence is not None
    # Only field=value for a known field is an assignment: span text may contain '='.
    plain, assignments = split_fields(words, session.layer)
    label: str | None = None
    if len(plain) >= 2 and plain[0].isdigit() and plain[1].isdigit():
        start, end = int(plain[0]), int(plain[1])
        rest = plain[2:]
    else:
        needle = plain[0] if plain else ""
        if not needle:
            raise ReviewError("give the text of the span or START END")
        taken = {(s.span["start"], s.span["end"]) for s in session.state.live_slots(sentence.id)}
        hits = [i for i in _find_all(sentence.text, needle) if (i, i + len(needle)) not in taken]
        if not hits:
            raise ReviewError(f"{needle!r} is not in this sentence (or is already a span)")
        start, end = hits[0], hits[0] + len(needle)
        rest = plain[1:]
    if rest:
        label = session.layer.parse_field("label", rest[0])
    if len(rest) > 1:
        raise ReviewError(f"unexpected {' '.join(rest[1:])!r}; fields go as field=value")
    session.begin_add(start, end, label)
    for name, raw in assignments:
        try:
            session.edit(name, raw)
        except ReviewError:
            session.cancel()
            raise
    shown = session.shown or {}
    return f"new {shown.get('label')} {shown.get('text')!r}: e sets fields, [ ] {{ }} adjust, a saves, esc cancels"


def fit(text: str, cells: int, from_end: bool = False) -> str:
    """Cut `text` to at most `cells` terminal cells (CJK counts 2), marking the cut with …."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 1
    for ch in reversed(text) if from_end else text:
        used += cell_len(ch)
        if used > cells:
            break
        out.append(ch)
    return "…" + "".join(reversed(out)) if from_end else "".join(out) + "…"


def _find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out
