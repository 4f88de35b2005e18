"""Line mode for batch reviewing: `preview` lists upcoming sentences, `addtext` adds by surface text."""

from __future__ import annotations

from pathlib import Path

from tests.test_review_checked import BARE, BARE_ID, line, log_lines, small


def test_preview_lists_sentences_and_spans_without_deciding(tmp_path: Path) -> None:
    sentences, proposals = small()
    log = tmp_path / "l.jsonl"
    out = line(sentences, proposals, log, "alice", "preview 3\nq\n")
    blocks = out.split("== ")[1:]
    assert [b.split("\n", 1)[0] for b in blocks] == [s.id for s in sentences]
    first_spans = [l for l in blocks[0].splitlines() if l.strip().startswith("#")]
    assert len(first_spans) == len(proposals[sentences[0].id].spans) and all("[auto]" in l for l in first_spans)
    assert not log.exists() or log.read_text(encoding="utf-8") == ""


def test_addtext_finds_the_span_and_refuses_ambiguity(tmp_path: Path) -> None:
    sentences, proposals = small()
    log = tmp_path / "l.jsonl"
    out = line(sentences, proposals, log, "alice", f"g {BARE_ID}\naddtext 28萬人 CARDINAL value=2.8e5 unit=人\nq\n",
               sentence_ids=[BARE_ID])
    rows = log_lines(log)
    assert rows[-1]["action"] == "add"
    after = rows[-1]["after"]
    assert (after["start"], after["end"], after["text"]) == (BARE.index("28萬人"), BARE.index("28萬人") + 4, "28萬人")
    assert after["value"] == 2.8e5 and after["unit"] == "人"
    import io
    from annotators.review.commands import run_review
    buf = io.StringIO()
    code = run_review(sentences, proposals, tmp_path / "n.jsonl", "bob", line_mode=True,
                      stdin=io.StringIO("addtext 。 CARDINAL nth=2\n"), stdout=buf, sentence_ids=[BARE_ID])
    assert code == 1 and "nth must be 1..1" in buf.getvalue()
