"""Word-layer line mode: one command per line on stdin, plain text out.

    printf 'a\\nedit 過去/t 一/m 年/q ，/w\\nq\\n' | nmg-corpus review --layer words --line --reviewer alice

Commands (one per line; `?` or `help` lists them, `tags` lists the tag set):
  show                    print the sentence again: its notation line, then the words numbered
  a | checked             the sentence is right as it stands: mark it checked, go to the next one
                          (refused while a word is untagged or the sentence is stale)
  edit NOTATION           replace the whole sentence by a corrected notation line (copy the line
                          `show` prints, fix it, paste it after `edit `); each difference is logged
                          as its own decision (split, merge, retag, entity change)
  split W K | split A|B   split word W after its K-th character, or where | is in the text A|B
                          (e.g. split 習|近平)
  merge W | merge W-V | merge A+B   merge word W with the next (W-V: words W to V; A+B: the
                          consecutive words A and B, e.g. merge 自治區+黨委)
  tag W TAG | tag TEXT TAG          give word W (or the word TEXT) the PKU tag TAG
  ent W[-V] LABEL | ent TEXT LABEL  add an entity (PER, LOC, ORG) over words W..V, or over the
                          consecutive words that spell TEXT (e.g. ent 自治區黨委 ORG)
  unent W|TEXT            remove the entity containing word W (or word TEXT)
  relabel W|TEXT LABEL    give the entity containing word W (or word TEXT) another label
  move W|TEXT V[-U]|TEXT2 move the entity containing word W to words V..U (or to TEXT2)
  ... because NOTE        any command that changes or checks (a, edit, split, merge, tag, ent,
                          unent, relabel, move) with NOTE as its reason, logged with it
  note TEXT               reason logged with the next decision (`note` alone clears it)
  u | undo                undo your latest decision (a whole edit at once); logged as undo
  g ID | goto ID          go to a sentence (id, id suffix such as p007-s03, or number)
  next | prev             the next / previous sentence, checked or not
  / TEXT                  go to the next sentence containing TEXT
  tags                    the PKU tag set and the entity labels, one line of meaning each
  ? | help                this list
  q | quit                stop (every decision is already saved)

Words are numbered from 1 as `show` lists them. When stdin is not a terminal, the first
bad command stops the run with exit code 1, so a script never goes on deciding sentences
it did not mean to.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TextIO

from ..display import safe_block, safe_text
from ..errors import ReviewError
from .analysis import Word
from .notation import format_analysis
from .session import WordSession
from .tags import tag_help

HELP = __doc__.split("Commands (one per line; `?` or `help` lists them, `tags` lists the tag set):\n", 1)[1]
HELP = HELP.split("\n\nWords are numbered", 1)[0]

DECIDING = {"a", "accept", "checked", "c", "edit", "e", "split", "merge", "tag", "t", "ent", "unent", "relabel",
            "move"}


def item(session: WordSession) -> str:
    """The current sentence for line mode: a header, the notation line alone, the words numbered."""
    sentence = session.sentence
    if sentence is None:
        prog = session.state.progress(session.sentence_ids, session.checker)
        return f"== every sentence checked ({prog.line()}); g ID or / TEXT to revisit one, q to quit"
    pos, total = session.position()
    lines = [f"== {pos}/{total} {safe_text(sentence.id)} · {safe_text(session.sentence_state())}"]
    analysis = session.analysis
    if analysis is None:
        lines.append(safe_text(sentence.text))
        return "\n".join(lines)
    lines.append(safe_text(session.notation))
    numbered = [f"{i}:{safe_text(analysis.word_text(i - 1))}" for i in range(1, len(analysis.words) + 1)]
    lines += textwrap.wrap("  ".join(numbered), 100, initial_indent="   ", subsequent_indent="   ",
                           break_on_hyphens=False, break_long_words=False)
    if analysis.entities:
        ents = []
        for k, e in enumerate(analysis.entities):
            first, last = analysis.entity_words(k)
            where = f"{first + 1}" if first == last else f"{first + 1}-{last + 1}"
            ents.append(f"{where} [{safe_text(analysis.text[e.start:e.end])}]{e.label}")
        lines.append("   entities: " + ", ".join(ents))
    for remark in session.remarks:
        lines.append(f"   note: {safe_text(remark)}")
    return "\n".join(lines)


# -- addressing words -----------------------------------------------------------------


def _word(session: WordSession, ref: str) -> int:
    """0-based index of word `ref`: a 1-based number, or the text of exactly one word."""
    analysis = session._analysis()
    if ref.isdigit():
        n = int(ref)
        if not 1 <= n <= len(analysis.words):
            raise ReviewError(f"no word {n}: this sentence has {len(analysis.words)} words")
        return n - 1
    hits = [i for i in range(len(analysis.words)) if analysis.word_text(i) == ref]
    if not hits:
        raise ReviewError(f"no word {ref!r} in this sentence (words are numbered by show)")
    if len(hits) > 1:
        raise ReviewError(f"{ref!r} is word {', '.join(str(i + 1) for i in hits)}: give the number")
    return hits[0]


def _words(session: WordSession, ref: str) -> tuple[int, int]:
    """First and last 0-based word index of `ref`: N, N-M, or the text of consecutive whole words."""
    analysis = session._analysis()
    if ref.isdigit():
        i = _word(session, ref)
        return i, i
    left, dash, right = ref.partition("-")
    if dash and left.isdigit() and right.isdigit():
        first, last = _word(session, left), _word(session, right)
        if last < first:
            raise ReviewError(f"{ref}: the first word number must not be greater than the last")
        return first, last
    starts = {w.start: i for i, w in enumerate(analysis.words)}
    ends = {w.end: i for i, w in enumerate(analysis.words)}
    hits, at = [], analysis.text.find(ref)
    while ref and at >= 0:
        if at in starts and at + len(ref) in ends:
            hits.append((starts[at], ends[at + len(ref)]))
        at = analysis.text.find(ref, at + 1)
    if not hits:
        if ref in analysis.text:
            raise ReviewError(f"{ref!r} is not whole words here: an entity must cover whole words "
                              "(split the word first)")
        raise ReviewError(f"{ref!r} does not occur in this sentence")
    if len(hits) > 1:
        raise ReviewError(f"{ref!r} occurs {len(hits)} times: give word numbers (N-M)")
    return hits[0]


def _split(session: WordSession, args: list[str], note: str | None) -> str:
    if len(args) == 2 and args[0].isdigit() and args[1].isdigit():
        return session.split_word(int(args[1]), _word(session, args[0]), note)
    if len(args) == 1 and args[0].count("|") == 1:
        left, _, right = args[0].partition("|")
        if not left or not right:
            raise ReviewError("split A|B: text on both sides of |, e.g. split 習|近平")
        analysis = session._analysis()
        bounds = analysis.boundaries()
        hits, at = [], analysis.text.find(left + right)
        while at >= 0:
            cut = at + len(left)
            if cut not in bounds:
                hits.append(cut)
            at = analysis.text.find(left + right, at + 1)
        if not hits:
            raise ReviewError(f"no word to split at {args[0]!r} (not in the sentence, or already a word boundary)")
        if len(hits) > 1:
            raise ReviewError(f"{args[0]!r} occurs {len(hits)} times: use split W K")
        return session.split(hits[0], note)
    raise ReviewError("usage: split W K (word W after its K-th character) or split A|B (e.g. split 習|近平)")


def _merge(session: WordSession, args: list[str], note: str | None) -> str:
    if len(args) != 1:
        raise ReviewError("usage: merge W, merge W-V or merge A+B (e.g. merge 自治區+黨委)")
    ref = args[0]
    analysis = session._analysis()
    if "+" in ref:
        parts = ref.split("+")
        hits = [i for i in range(len(analysis.words) - len(parts) + 1)
                if all(analysis.word_text(i + k) == p for k, p in enumerate(parts))]
        if not hits:
            raise ReviewError(f"no consecutive words {' '.join(parts)} in this sentence")
        if len(hits) > 1:
            raise ReviewError(f"{ref!r} occurs {len(hits)} times: use merge W-V")
        first, last = hits[0], hits[0] + len(parts) - 1
    else:
        first, last = _words(session, ref) if "-" in ref else (_word(session, ref),) * 2
        if first == last:
            last = first + 1
    if last >= len(analysis.words):
        raise ReviewError("no next word to merge with")
    return _merge_range(session, first, last, note)


def _merge_range(session: WordSession, first: int, last: int, note: str | None) -> str:
    if last == first + 1:
        return session.merge(first, note)
    # Several words: one notation edit, so the merges share an edit id and undo together.
    analysis = session._analysis()
    words = list(analysis.words)
    tags = {w.tag for w in words[first:last + 1]}
    merged = Word(words[first].start, words[last].end, tags.pop() if len(tags) == 1 else None)
    target = analysis.with_words(words[:first] + [merged] + words[last + 1:])
    if target.problem() is not None:
        raise ReviewError(f"merge: {target.problem()}: an entity must cover whole words; remove or move it first")
    return session.edit_line(format_analysis(target), note)


def _dispatch(session: WordSession, cmd: str, rest: str, note: str | None) -> str | None:
    args = rest.split()
    simple: dict[str, Callable[[], str]] = {
        "u": session.undo, "undo": session.undo,
        "next": session.next_sentence, "n": session.next_sentence,
        "prev": session.prev_sentence, "p": session.prev_sentence,
        "show": lambda: "",
    }
    if cmd in ("q", "quit", "exit"):
        return None
    if cmd in ("?", "help", "h"):
        return HELP
    if cmd == "tags":
        return tag_help()
    if cmd in simple:
        if args:
            raise ReviewError(f"'{cmd}' takes no arguments")
        return simple[cmd]()
    if cmd in ("a", "accept", "checked", "c"):
        if args:
            raise ReviewError(f"'{cmd}' takes no arguments (to change the sentence use edit)")
        return session.accept(note)
    if cmd in ("edit", "e"):
        if not rest.strip():
            raise ReviewError("usage: edit NOTATION (the corrected line; show prints the current one)")
        return session.edit_line(rest, note)
    if cmd == "split":
        return _split(session, args, note)
    if cmd == "merge":
        return _merge(session, args, note)
    if cmd in ("tag", "t"):
        if len(args) != 2:
            raise ReviewError("usage: tag W TAG or tag TEXT TAG (tags lists the tag set)")
        return session.retag(args[1], _word(session, args[0]), note)
    if cmd == "ent":
        if len(args) != 2:
            raise ReviewError("usage: ent W[-V] LABEL or ent TEXT LABEL (labels PER, LOC, ORG)")
        first, last = _words(session, args[0])
        return session.add_entity(first, last, args[1], note)
    if cmd == "unent":
        if len(args) != 1:
            raise ReviewError("usage: unent W or unent TEXT")
        return session.remove_entity(_words(session, args[0])[0], note)
    if cmd == "relabel":
        if len(args) != 2:
            raise ReviewError("usage: relabel W LABEL or relabel TEXT LABEL")
        return session.relabel_entity(args[1], _words(session, args[0])[0], note)
    if cmd == "move":
        if len(args) != 2:
            raise ReviewError("usage: move W V[-U] (the entity containing word W to words V..U), or TEXT TEXT2")
        first, last = _words(session, args[1])
        return session.move_entity(first, last, _words(session, args[0])[0], note)
    if cmd in ("g", "goto"):
        return session.goto(rest)
    if cmd in ("/", "search"):
        return session.search(rest.strip())
    raise ReviewError(f"unknown command {cmd!r} (? lists the commands)")


def command(session: WordSession, line: str) -> str | None:
    """Run one command line; return its message, or None to quit.

    The text after `note` and after ` because ` is taken as written.
    """
    if line.startswith("/"):
        return _dispatch(session, "/", line[1:], None)
    head, _, rest = line.partition(" ")
    cmd = head.lower() if head.isascii() else head
    if cmd == "note":
        return session.set_note(rest)
    note: str | None = None
    if cmd in DECIDING and " because " in f" {rest} ":
        before, _, note = f" {rest} ".partition(" because ")
        note = note.strip()
        if not note:
            raise ReviewError("because: write the reason after it, e.g. a because checked against the PDF")
        rest = before.strip()
    return _dispatch(session, cmd, rest, note)


def run_line(session: WordSession, stdin: TextIO, stdout: TextIO, *, interactive: bool | None = None) -> int:
    """Read commands from `stdin` until q or end of input; print each sentence and result to `stdout`.

    Returns 0, or 1 when a command failed in non-interactive use (the run stops there) or
    a decision could not be written (always stops; nothing after it is claimed as saved).
    """
    if interactive is None:
        interactive = stdin.isatty()
    out = stdout
    for problem in session.problems:
        print(f"warning: {safe_text(str(problem))}", file=out)
    print(item(session), file=out, flush=True)
    number = 0
    status = 0
    write_failed = False
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
            message = command(session, line)
        except ReviewError as exc:
            print(f"error: stdin line {number}: {safe_text(exc.message)}", file=out, flush=True)
            if exc.code == "E-REVIEW-LOG":
                status, write_failed = 1, True
                break
            if not interactive:
                status = 1
                break
            continue
        if message is None:
            break
        if message:
            print(safe_block(message), file=out)
        print(item(session), file=out, flush=True)
    prog = session.state.progress(session.sentence_ids, session.checker)
    if write_failed:
        print(f"stopped: a decision could not be written; {session.log.path} holds what was saved before it: "
              f"{prog.line()}", file=out, flush=True)
    else:
        print(f"saved to {safe_text(str(session.log.path))}: {prog.line()}", file=out, flush=True)
    return status
