"""Plain line-oriented review: one command per line on stdin, plain text out.

Same log and same one-span-at-a-time flow as the TUI, for scripts and remote shells::

    printf 'a\\na\\nx\\nq\\n' | nmg-corpus review --line --reviewer alice

Commands (one per line; `help` lists them):
  a | accept              save the shown span (accept it, or save the edits as a correction)
  x | reject              reject the shown span
  c | checked             mark the sentence checked: read whole, every numeric entity in it
                          accounted for (refused while a proposal in it is undecided)
  note TEXT               reason logged with the next decision (`note` alone clears it)
  a|x|c|add ... because TEXT   the same, with TEXT as the decision's note
  e | edit FIELD VALUE    change one field of the shown span (label value timex unit
                          qualifier start end); `a` then saves it; VALUE null clears it
  add START END LABEL [field=value ...]   add a missed span in this sentence and save it
  addtext TEXT LABEL [nth=K] [field=value ...]   the same, finding the span by its text
                          (the K-th occurrence in the sentence, default the only one)
  preview [N]             list the current and next N-1 sentences (default 5) with every
                          span, its fields and state, without deciding anything
  s | skip                leave this span for later
  u | undo                undo your previous decision (it is logged as an undo)
  g | goto ID             go to a sentence (id, id suffix such as p007-s03, or number)
  / TEXT | search TEXT    go to the next sentence containing TEXT
  p | prev, next          show the previous / next span, reviewed or not
  show                    print the current span again
  cancel                  drop unsaved edits
  q | quit                stop (every decision is already saved)

When stdin is not a terminal, the first bad command stops the run with exit code 1, so
a script never goes on deciding spans it did not mean to.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TextIO

from .display import safe_block, safe_text
from .errors import ReviewError
from .render import plain_item
from .session import LINE_KEYS, Session, split_fields

HELP = __doc__.split("Commands (one per line; `help` lists them):\n", 1)[1].split("\n\nWhen stdin", 1)[0]


DECIDING = {"a", "accept", "x", "reject", "c", "checked", "add"}


def _dispatch(session: Session, words: list[str]) -> str | None:
    """Run one parsed command; return its message, or None to quit."""
    cmd, args = words[0].lower(), words[1:]
    simple: dict[str, Callable[[], str]] = {
        "a": session.accept, "accept": session.accept,
        "x": session.reject, "reject": session.reject,
        "c": session.check, "checked": session.check,
        "s": session.skip, "skip": session.skip,
        "u": session.undo, "undo": session.undo,
        "cancel": session.cancel,
        "p": lambda: session.step(-1), "prev": lambda: session.step(-1),
        "next": lambda: session.step(1),
        "show": lambda: "",
    }
    if cmd in ("q", "quit", "exit"):
        return None
    if cmd in ("help", "h", "?"):
        return HELP
    if cmd in simple:
        if args:
            raise ReviewError(f"'{cmd}' takes no arguments")
        return simple[cmd]()
    if cmd in ("e", "edit"):
        if len(args) == 1 and "=" in args[0]:
            return session.edit_many(args[0])
        if len(args) != 2:
            raise ReviewError("usage: edit FIELD VALUE (e.g. edit label MONEY, edit value 2.6e12)")
        return session.edit(args[0], args[1])
    if cmd == "add":
        plain, pairs = split_fields(args, session.layer)
        if len(plain) != 3:
            raise ReviewError("usage: add START END LABEL [field=value ...] (offsets in characters, end exclusive)")
        try:
            start, end = int(plain[0]), int(plain[1])
        except ValueError:
            raise ReviewError("add: START and END must be whole numbers") from None
        return session.add(start, end, plain[2], dict(pairs))
    if cmd == "addtext":
        plain, pairs = split_fields(args, session.layer, extra=("nth",))
        fields = dict(pairs)
        if len(plain) != 2:
            raise ReviewError("usage: addtext TEXT LABEL [nth=K] [field=value ...] (TEXT may contain =; "
                              "quote it if it contains spaces)")
        start, end = find_text(session, plain[0], fields.pop("nth", None))
        return session.add(start, end, plain[1], fields)
    if cmd == "preview":
        if len(args) > 1 or (args and not args[0].isdigit()):
            raise ReviewError("usage: preview [N]")
        return preview(session, int(args[0]) if args else 5)
    if cmd in ("g", "goto"):
        return session.goto(" ".join(args))
    if cmd in ("/", "search"):
        return session.search(" ".join(args))
    if cmd.startswith("/") and len(cmd) > 1:
        return session.search(" ".join([words[0][1:], *args]))
    raise ReviewError(f"unknown command {words[0]!r} (type help)")


def find_text(session: Session, needle: str, nth: str | None) -> tuple[int, int]:
    """Offsets of the `nth` (1-based) occurrence of `needle` in the current sentence."""
    sentence = session.sentence
    if sentence is None:
        raise ReviewError("no sentence is shown")
    hits, i = [], sentence.text.find(needle)
    while needle and i >= 0:
        hits.append(i)
        i = sentence.text.find(needle, i + 1)
    if not hits:
        raise ReviewError(f"addtext: {needle!r} does not occur in {sentence.id}")
    if nth is None:
        if len(hits) > 1:
            raise ReviewError(f"addtext: {needle!r} occurs {len(hits)} times in {sentence.id} (at {hits}); add nth=K")
        return hits[0], hits[0] + len(needle)
    if not nth.isdigit() or not 1 <= int(nth) <= len(hits):
        raise ReviewError(f"addtext: nth must be 1..{len(hits)}")
    return hits[int(nth) - 1], hits[int(nth) - 1] + len(needle)


def preview(session: Session, count: int) -> str:
    """The current and following sentences in scope, each with its live spans (read-only)."""
    sentence = session.sentence
    if sentence is None:
        return "nothing left to preview"
    scope = session.scope
    start = scope.index(sentence.id)
    blocks = []
    for sid in scope[start:start + max(1, count)]:
        sent = session.state.by_id[sid]
        checked = session.state.is_checked(sid, session.checker)
        lines = [f"== {sid}{' (checked)' if checked else ''}", f"   {safe_text(sent.text)}"]
        for k, slot in enumerate(session.state.live_slots(sid), start=1):
            span = slot.span
            fields = "  ".join(f"{name} {span.get(name)}" for name in session.layer.fields)
            lines.append(f"   #{k} {span['start']}-{span['end']} 「{safe_text(span['text'])}」 {span['label']}  {fields}  [{slot.status}]")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _command(session: Session, line: str) -> str | None:
    """Run one command line. The text of `note TEXT` and of `... because TEXT` is taken as
    written (quotes and apostrophes included); the rest is split like a shell line."""
    head, _, rest = line.partition(" ")
    if head.lower() == "note":
        return session.set_note(rest)
    reason: str | None = None
    if head.lower() in DECIDING and (" because " in f" {rest} "):
        before, _, reason = f" {rest} ".partition(" because ")
        reason = reason.strip()
        if not reason:
            raise ReviewError("because: write the reason after it, e.g. x because a code, not a number")
        line = f"{head} {before.strip()}".strip()
    words = shlex.split(line) if not line.startswith("/") else ["/", line[1:].strip()]
    if not words:
        return ""
    if reason is None:
        return _dispatch(session, words)
    kept = session.note
    session.note = reason
    try:
        return _dispatch(session, words)
    finally:
        if session.note == reason:  # the decision was refused: the reason must not stick to the next one
            session.note = kept


def run_line(session: Session, stdin: TextIO, stdout: TextIO, *, interactive: bool | None = None) -> int:
    """Read commands from `stdin` until q or end of input; print each span and result to `stdout`.

    Returns 0, or 1 when a command failed in non-interactive use (stops at the first) or
    when any decision could not be written (then nothing claims the review was saved).
    """
    from .commands import write_failure

    if interactive is None:
        interactive = stdin.isatty()
    session.keys = LINE_KEYS  # hints name line-mode commands, not screen keys
    out = stdout
    for problem in session.problems:
        print(f"warning: {safe_text(str(problem))}", file=out)
    print(plain_item(session), file=out)
    number = 0
    status = 0
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        raw = stdin.readline()
        if not raw:
            break
        number += 1
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            message = _command(session, line)
        except ValueError as exc:  # shlex: unbalanced quotes
            message, error = None, ReviewError(f"cannot parse command ({exc})")
            print(f"error: stdin line {number}: {safe_text(error.message)}", file=out, flush=True)
            if not interactive:
                return 1
            continue
        except ReviewError as exc:
            print(f"error: stdin line {number}: {safe_text(exc.message)}", file=out, flush=True)
            if not interactive:
                status = 1
                break
            continue
        if message is None:
            break
        if message:
            # Messages may span lines (help, preview); corpus text inside is made safe line by line.
            print(safe_block(message), file=out)
        print(plain_item(session), file=out, flush=True)
    if session.write_errors:
        print(write_failure(session.log.path, session.write_errors), file=out, flush=True)
        return 1
    prog = session.state.progress(session.sentence_ids, session.checker)
    print(f"saved to {safe_text(str(session.log.path))}: {prog.line()}", file=out, flush=True)
    return status
