"""Building display text (rich.text.Text, never markup) for the review views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.cells import cell_len
from rich.text import Text

from .display import safe_text
from .session import Session

STATUS_STYLE = {
    "auto": "bold yellow",
    "accepted": "bold green",
    "corrected": "bold cyan",
    "added": "bold magenta",
    "rejected": "bold red",
}
OPEN, CLOSE = "⟦", "⟧"


def fmt_value(name: str, value: Any) -> str:
    """Format one field value for display: null as '-', floats with digit grouping."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return f"{int(value):,}"
        return f"{value:,.12g}"
    return safe_text(str(value))


def field_input(session: Session) -> str:
    """The 'field=value ...' text the edit prompt starts with, for the shown span."""
    span = session.shown or {}
    parts = [f"label={span.get('label', '')}"]
    for name in session.layer.fields:
        value = span.get(name)
        raw = "" if value is None else (f"{value:.15g}" if isinstance(value, float) else str(value))
        parts.append(f"{name}={raw}")
    return " ".join(parts)


def sentence_text(session: Session, marks: bool = True) -> Text:
    """The current sentence with every span underlined and the shown span highlighted.

    Corpus text goes through safe_text; markers ⟦ ⟧ bracket the shown span so it is
    visible without colour.
    """
    sentence = session.sentence
    if sentence is None:
        return Text("Every span is decided and every sentence checked. g: go to a sentence, /: search, q: quit.")
    plain = safe_text(sentence.text)
    shown = session.shown
    colours: Mapping[str, str] = session.layer.colours
    current = session.slot
    text = Text()
    if shown is None or not marks:
        text.append(plain)
        bounds = (0, 0)
    else:
        s, e = shown["start"], shown["end"]
        text.append(plain[:s])
        text.append(OPEN, style="bold")
        text.append(plain[s:e])
        text.append(CLOSE, style="bold")
        text.append(plain[e:])
        bounds = (s, e)

    def at(i: int) -> int:
        # Display index of character i: the markers shift everything after them.
        if bounds == (0, 0):
            return i
        return i + (i >= bounds[0]) + (i >= bounds[1])

    for slot in session.state.live_slots(sentence.id):
        if current is not None and slot.key == current.key:
            continue
        s, e = slot.span["start"], slot.span["end"]
        style = "strike dim" if slot.status == "rejected" else "underline"
        text.stylize(style, at(s), at(e - 1) + 1)
    if shown is not None and marks:
        s, e = shown["start"], shown["end"]
        text.stylize(f"bold {colours.get(shown['label'], 'reverse')}", s + 1, e + 1)
    return text


def sentence_lines(session: Session, width: int) -> tuple[Text, int | None]:
    """The sentence as sentence_text, broken into lines of at most `width` cells (CJK counts 2)
    without ever breaking inside a span (the shown one with its ⟦ ⟧ markers) that fits on a line.

    Returns the text with explicit line breaks and the line index of the shown span (None
    when no span is shown), so the screen can keep that line in view.
    """
    text = sentence_text(session)
    sentence, shown = session.sentence, session.shown
    if sentence is None:
        return text, None
    keep: list[tuple[int, int]] = []
    marked = (shown["start"], shown["end"]) if shown is not None else None

    def at(i: int) -> int:
        # Display index of character i, after the ⟦ ⟧ markers around the shown span.
        return i if marked is None else i + (i >= marked[0]) + (i >= marked[1])

    for slot in session.state.live_slots(sentence.id):
        keep.append((at(slot.span["start"]), at(slot.span["end"] - 1) + 1))
    if marked is not None:
        keep.append((at(marked[0]) - 1, at(marked[1] - 1) + 2))  # the markers belong to the span
    breaks = wrap_offsets(text.plain, max(width, 4), keep)
    lines = text.divide(breaks)
    shown_line = None
    if marked is not None:
        start = at(marked[0]) - 1
        shown_line = sum(1 for b in breaks if b <= start)
    return Text("\n").join(lines), shown_line


def wrap_offsets(plain: str, width: int, keep: list[tuple[int, int]]) -> list[int]:
    """Offsets at which to break `plain` into lines of at most `width` cells, moving a break
    that falls inside a `keep` range to the range's start when the range fits on one line."""
    breaks: list[int] = []
    line_start, used = 0, 0
    i = 0
    while i < len(plain):
        w = cell_len(plain[i])
        if used + w > width and i > line_start:
            # The outermost span around the break moves whole (the ⟦ ⟧ markers with their span).
            starts = [a for a, b in keep if a < i < b and a > line_start and cell_len(plain[a:b]) <= width]
            cut = min(starts, default=i)
            breaks.append(cut)
            line_start, used, i = cut, 0, cut
            continue
        used += w
        i += 1
    return breaks


def _runs(offsets: list[int]) -> list[tuple[int, int]]:
    """Group sorted offsets into (start, end) runs of consecutive characters."""
    runs: list[tuple[int, int]] = []
    for i in offsets:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def span_details(session: Session) -> Text:
    """Label, surface text, offsets, status and every layer field of the shown span.

    Hints name the keys of the front end in use (session.keys: the screen's or line mode's)."""
    keys = session.keys
    text = Text()
    shown = session.shown
    text.append(safe_text(session.where()), style="bold")
    sentence = session.sentence
    runs = _runs(session.state.uncovered_digits(sentence.id)) if sentence else []
    hint = Text()
    if sentence is not None and runs:
        found = "、".join(safe_text(sentence.text[a:b]) for a, b in runs[:6])
        hint.append(f"\n⚑ digits outside any span: {found} (a missed span? {keys['add']} adds one)", style="yellow")
    if session.note:
        hint.append(f"\nnote for the next decision: {safe_text(session.note)}", style="cyan")
    if shown is None:
        if sentence is not None:
            # What the reviewer is vouching for with c: every span of the sentence and its decision.
            live = session.state.live_slots(sentence.id)
            for i, slot in enumerate(live[:8]):
                text.append("\n" if i == 0 else "  ")
                text.append(f"「{safe_text(slot.span['text'])}」{slot.span['label']} ")
                text.append(slot.status, style=STATUS_STYLE.get(slot.status, "bold"))
            if len(live) > 8:
                text.append(f"  … {len(live) - 8} more ({keys['browse']} to browse)")
            if sentence.id in session.state.stale_proposals:
                text.append(f"\n{safe_text(session.sentence_state())}", style="bold red")
            elif session.state.is_checked(sentence.id, session.checker):
                text.append(f"\n{keys['add']}: add a missed span · {keys['skip']}: go to the next item to review")
            else:
                text.append(f"\n{keys['check']}: mark this sentence checked · {keys['add']}: add a missed span · "
                            f"{keys['skip']}: leave it for later")
        return text + hint
    slot = session.slot
    if session.draft is not None and session.draft.origin_key is None:
        status, note = "new", f"  {keys['save']} saves, {keys['cancel']} drops it"
    else:
        status = slot.status if slot else "?"
        note = ""
        if session.has_unsaved():
            note = f"  edited: {keys['save']} saves, {keys['cancel']} drops it"
    if status != "new":
        text.append(" · ")
        text.append(status, style=STATUS_STYLE.get(status, "bold"))
    if slot is not None and slot.reviewer and status != "new":
        text.append(f" by {safe_text(slot.reviewer)}", style="dim")
    text.append(note, style="bold yellow")
    text.append("\n")
    text.append(f" {safe_text(str(shown['label']))} ", style=f"bold {session.layer.colours.get(shown['label'], 'reverse')}")
    text.append(f"  「{safe_text(shown['text'])}」  {shown['start']}–{shown['end']}\n")
    for i, name in enumerate(session.layer.fields):
        if i:
            text.append("   ")
        text.append(f"{name} ", style="dim")
        text.append(fmt_value(name, shown.get(name)), style="bold")
    if slot is not None and slot.origin is not None and status != "new":
        changed = [(k, v) for k, v in session.layer.core(shown).items() if slot.origin.get(k) != v]
        if changed:
            # old → new, so the proposal's value is never read as the current one
            text.append("\nchanged from proposal: ", style="dim")
            text.append(", ".join(f"{k} {fmt_value(k, slot.origin.get(k))} → {fmt_value(k, v)}"
                                  for k, v in changed), style="dim")
    return text + hint


def plain_item(session: Session) -> str:
    """A plain-text block for the line mode: position, sentence with ⟦span⟧, fields."""
    sentence = session.sentence
    prog = session.state.progress(session.sentence_ids, session.checker)
    if sentence is None:
        return f"[{prog.head()}] every span decided and every sentence checked"
    return "\n".join([f"[{prog.head()}] " + span_details(session).plain,
                      "  " + sentence_text(session).plain])
