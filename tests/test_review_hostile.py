"""Hostile text (markup, ANSI, control and bidi characters) in sentences, notes and logs, through every
numeric review command: review (line mode and screen), review-status, review-diff, review-export,
review-summary. Nothing that reaches the terminal may carry a raw control or bidi character."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from rich.text import Text
from textual.widgets import Input, Static

from annotators.review.data import load_proposals, load_sentences, text_hash
from annotators.review.display import safe_block, safe_text
from annotators.review.session import Session
from annotators.review.tui import ReviewApp

ROOT = Path(__file__).resolve().parents[1]

# ESC sequences (colour, clear screen, window title, hyperlink), BEL, C1 CSI, bidi override and
# isolate, zero-width and line-separator characters, and Rich markup.
EVIL = "\x1b[31m\x1b[2J\x1b]0;PWNED\x07\x9b1m\u202e\u2066\u200b\u2028[bold][/link]"
UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u200b", "\u2028")
SID = "evil-p001-s01\x1b[2J"  # a hostile sentence id too
TEXT = f"增長{EVIL}6%左右，第{EVIL}3位。"


def clean(text: str) -> None:
    found = [c for c in UNSAFE if c in text]
    assert not found, (found, text[:2000])


def inputs(tmp: Path) -> list[str]:
    p6 = TEXT.index("6%")
    p3 = TEXT.index("第")
    spans = [
        {"start": p6, "end": p6 + 2, "text": "6%", "label": "PERCENT", "value": 6.0, "timex": None, "unit": "%",
         "qualifier": "approx"},
        # the hostile characters are inside this span's text: diff and preview print it
        {"start": p3, "end": TEXT.index("3位") + 2, "text": TEXT[p3:TEXT.index("3位") + 2], "label": "ORDINAL",
         "value": 3.0, "timex": None, "unit": "位", "qualifier": "exact"},
    ]
    sentences, proposals = tmp / "sentences.jsonl", tmp / "proposals.jsonl"
    sentences.write_text(json.dumps({"id": SID, "text": TEXT, "text_hash": text_hash(TEXT)}, ensure_ascii=False)
                         + "\n", encoding="utf-8")
    proposals.write_text(json.dumps({"id": SID, "text_hash": text_hash(TEXT), "spans": spans}, ensure_ascii=False)
                         + "\n", encoding="utf-8")
    return ["--sentences", str(sentences), "--proposals", str(proposals)]


def run(*args: str, stdin: str = "") -> str:
    proc = subprocess.run([sys.executable, "-m", "annotators.review", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout + proc.stderr


def test_hostile_text_through_every_command(tmp_path: Path) -> None:
    opts = inputs(tmp_path)
    a, b = tmp_path / "numeric-alice.jsonl", tmp_path / "numeric-bob.jsonl"
    out = run("review", "--line", "--reviewer", "alice", "--log", str(a), *opts,
              stdin=f"preview\nnote {EVIL}\na\na because {EVIL}\nc\nq\n")
    clean(out)
    assert "␛[31m" in out and "note for the next decision: ␛[31m" in out  # shown, made visible
    out = run("review", "--line", "--reviewer", "carol", "--log", str(tmp_path / "c.jsonl"), *opts,
              stdin=f"/ {EVIL}\nedit unit {EVIL}\n")  # a search, then an error quoting the value
    clean(out)
    assert "found in evil-p001-s01␛[2J" in out and "error: stdin line 2: unit:" in out
    out = run("review", "--line", "--reviewer", "bob", "--log", str(b), *opts, stdin="a\nx\nq\n")
    clean(out)
    rows = [json.loads(x) for x in a.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["note"] == " ".join(EVIL.split()) and rows[1]["note"] == EVIL.strip()  # stored as typed
    # Hostile values in a log: a bad reviewer name and timex (reported), a hostile note (valid, stored).
    bad = dict(rows[0], id="x1", reviewer=f"mallory{EVIL}", note=EVIL)
    worse = dict(rows[0], id="x2", after=dict(rows[0]["after"], timex=EVIL))
    with open(b, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(bad, ensure_ascii=False) + "\n" + json.dumps(worse, ensure_ascii=False) + "\n")
        handle.write(f"{EVIL} not json\n")
    for args in (["review-status", "--log", str(b)],
                 ["review-status", "--reviewer", f"mallory{EVIL}", "--log", str(tmp_path / f"x{EVIL}.jsonl")],
                 ["review-diff", str(a), str(b)],
                 ["review-export", "--log", str(b), "--out", str(tmp_path / "out.jsonl")],
                 ["review-export", "--log", str(b), "--out", str(tmp_path / "out.jsonl"), "--strict"],
                 ["review-summary", "--log", str(a), "--second", str(b), "--sample", "1", "--seed", "0"],
                 ["review", "--line", "--reviewer", f"mallory{EVIL}", "--log", str(tmp_path / "m.jsonl")],
                 ["review", "--line", "--reviewer", "alice", "--log", str(b)]):
        out = run(*args, *opts, stdin="q\n")
        clean(out)
    diff = run("review-diff", str(a), str(b), *opts)
    assert "label: A ORDINAL | B NONE" not in diff and "span: A ORDINAL | B NONE" in diff and "「第␛[31m" in diff
    status = run("review-status", "--log", str(b), *opts)
    assert "[invalid]" in status and "next to review" in status and "evil-p001-s01␛[2J" in status
    # The exported data keeps the text exactly: only what is shown is made safe.
    clean(run("review-export", "--log", str(a), "--out", str(tmp_path / "out.jsonl"), "--strict", *opts))
    export = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert export["id"] == SID and EVIL in export["spans"][-1]["text"]


def test_hostile_text_on_the_screen(tmp_path: Path) -> None:
    opts = inputs(tmp_path)
    sentences, proposals = load_sentences(Path(opts[1])), load_proposals(Path(opts[3]))
    log = tmp_path / "numeric-alice.jsonl"
    log.write_text(json.dumps({"id": "x1", "reviewer": f"mallory{EVIL}", "time": "2026-01-05T09:30:00.000Z",
                               "sentence_id": SID, "text_hash": text_hash(TEXT), "action": "checked", "before": None,
                               "after": None, "layer": "numeric", "undoes": None, "note": EVIL},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    app = ReviewApp(Session(sentences, proposals, log, "alice"))

    def everything() -> str:
        return "\n".join(w.content.plain if isinstance(w.content, Text) else str(w.content) for w in app.query(Static))

    async def main() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            assert "[invalid]" in everything()  # the hostile reviewer's line, reported
            for keys in (("m",), ("e",), ("n",), ("g",), ("slash",)):
                await pilot.press(*keys)
                app.query_one("#prompt", Input).value = EVIL
                await pilot.press("enter")
                clean(everything())
                await pilot.press("escape")
            await pilot.press("a", "full_stop", "comma")
            clean(everything())
            assert "␛[31m" in everything() and "[bold][/link]" in everything()  # markup shown, not applied
            await pilot.press("q")

    with app.session:
        asyncio.run(main())


def test_safe_text_keeps_offsets_and_replaces_every_unsafe_character() -> None:
    text = f"a{EVIL}b\u00ad\u061c\u200e\ufeff\U000e0041\ud800\ue000　全"
    shown = safe_text(text)
    assert len(shown) == len(text)  # one stand-in per character: offsets stay aligned
    clean(shown)
    assert all(c not in shown for c in "\u00ad\u061c\u200e\ufeff\U000e0041\ud800\ue000")
    assert shown.endswith("　全") and shown.startswith("a␛[31m")  # ordinary CJK and the ideographic space stay
    assert safe_block("x\x1by\nz\u202e") == "x␛y\nz\ufffd"
