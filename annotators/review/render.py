"""Building display text (rich.text.Text, never markup) for the review views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    """Label, surface text, offsets, status and every layer field of the shown span."""
    text = Text()
    shown = session.shown
    text.append(safe_text(session.where()), style="bold")
    sentence = session.sentence
    runs = _runs(session.state.uncovered_digits(sentence.id)) if sentence else []
    hint = Text()
    if sentence is not None and runs:
        found = "、".join(safe_text(sentence.text[a:b]) for a, b in runs[:6])
        hint.append(f"\n⚑ digits outside any span: {found} (a missed span? n adds one)", style="yellow")
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
                text.append(f"  … {len(live) - 8} more (, . to browse)")
            if session.state.is_checked(sentence.id, session.checker):
                text.append("\nn: add a missed span · s: go to the next item to review")
            else:
                text.append("\nc: mark this sentence checked · n: add a missed span · s: leave it for later")
        return text + hint
    slot = session.slot
    if session.draft is not None and session.draft.origin_key is None:
        status, note = "new", "  a saves, esc cancels"
    else:
        status = slot.status if slot else "?"
        note = ""
        if session.draft is not None and slot is not None and session.layer.core(session.draft.span) != session.layer.core(slot.span):
            note = "  edited: a saves, esc cancels"
    if status != "new":
        text.append(" · ")
        text.append(status, style=STATUS_STYLE.get(status, "bold"))
    if slot is not None and slot.reviewer and status != "new":
        text.append(f" by {safe_text(slot.reviewer)}", style="dim")
    text.append(note, style="bold yellow")
    text.append("\n")
    text.append(f" {shown['label']} ", style=f"bold {session.layer.colours.get(shown['label'], 'reverse')}")
    text.append(f"  「{safe_text(shown['text'])}」  {shown['start']}–{shown['end']}\n")
    for i, name in enumerate(session.layer.fields):
        if i:
            text.append("   ")
        text.append(f"{name} ", style="dim")
        text.append(fmt_value(name, shown.get(name)), style="bold")
    if slot is not None and slot.origin is not None and status != "new":
        changed = [k for k, v in session.layer.core(shown).items() if slot.origin.get(k) != v]
        if changed:
            text.append("\nchanged from proposal: ", style="dim")
            text.append(", ".join(f"{k} {fmt_value(k, slot.origin.get(k))}" for k in changed), style="dim")
    return text + hint


def plain_item(session: Session) -> str:
    """A plain-text block for the line mode: position, sentence with ⟦span⟧, fields."""
    sentence = session.sentence
    prog = session.state.progress(session.sentence_ids, session.checker)
    if sentence is None:
        return f"[{prog.head()}] every span decided and every sentence checked"
    return "\n".join([f"[{prog.head()}] " + span_details(session).plain,
                      "  " + sentence_text(session).plain])
