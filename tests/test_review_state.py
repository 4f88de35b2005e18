"""Replay of proposals + decisions, navigation, progress, and a second (toy) layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

from annotators.review.data import ProposalLine, Sentence, load_proposals, load_sentences, text_hash
from annotators.review.errors import ReviewError
from annotators.review.session import Session
from annotators.review.state import NUMERIC, Layer, ReviewState

FIX = ROOT / "tests" / "fixtures"
SENTENCES = load_sentences(FIX / "review_sentences.jsonl")
PROPOSALS = load_proposals(FIX / "review_proposals.jsonl")


def test_fixture_proposals_are_valid_and_ordered() -> None:
    state = ReviewState(NUMERIC, SENTENCES, PROPOSALS)
    assert state.problems == []
    prog = state.progress()
    assert prog.total == 22 and prog.counts["auto"] == 22 and prog.sentences == 8
    assert state.next_unreviewed() == ("nmg2025-p001-s01", "p:2-7-DATE")


def test_statuses_after_replay(tmp_path: Path) -> None:
    s = Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice")
    s.accept()                      # 2024年 accepted
    s.check()                       # its sentence read: checked
    s.edit("timex", "P1Y")          # unchanged value: saving it is an accept
    s.accept()
    s.goto("p002-s02")
    s.edit("qualifier", "over")
    s.accept()                      # 6% corrected
    s.reject()                      # 2.6萬億元 rejected
    s.add(0, 2, "cardinal", {"value": "2"})   # label is case-insensitive
    s.close()  # one session per log at a time
    again = Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice")
    by_text = {x.span["text"]: x.status for sid in ("nmg2025-p001-s01", "nmg2025-p002-s01", "nmg2025-p002-s02")
               for x in again.state.live_slots(sid)}
    assert by_text == {"2024年": "accepted", "一年": "accepted", "6%": "corrected", "2.6萬億元": "rejected",
                       "預計": "added", "第20位": "auto", "5年": "auto"}
    assert again.state.uncovered_digits("nmg2025-p002-s02") == [17, 19]  # the rejected 2.6萬億元
    assert again.state.progress().line().startswith(
        "spans 5/23 · sentences 1/8 checked · accepted 2 · corrected 1 · added 1 · rejected 1")


def test_correcting_back_to_the_proposal_is_accepted(tmp_path: Path) -> None:
    s = Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice")
    s.move("end", 1)
    s.accept()
    s.goto("p001-s01")
    s.move("end", -1)
    s.accept()
    assert s.state.live_slots("nmg2025-p001-s01")[0].status == "accepted"


def test_skip_and_wrap_round(tmp_path: Path) -> None:
    s = Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice", sentence_ids=["nmg2025-p001-s01", "nmg2025-p002-s01"])
    assert s.skip() == "skipped" and s.sentence.id == "nmg2025-p002-s01"
    s.accept()
    assert s.cursor == ("nmg2025-p002-s01", None)  # its last span decided: the sentence is next, to check
    s.check()
    assert s.sentence.id == "nmg2025-p001-s01"  # wrapped round to the skipped span
    assert s.skip() == "nothing else left to review"
    s.accept()
    s.check()
    assert s.done and s.where() == "all spans decided and all sentences checked"


def test_user_mistakes_are_review_errors(tmp_path: Path) -> None:
    s = Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice")
    for call in (lambda: s.edit("label", "MONY"), lambda: s.edit("value", "lots"), lambda: s.edit("colour", "red"),
                 lambda: s.edit("qualifier", "about"), lambda: s.move("start", -5), lambda: s.goto("p999"),
                 lambda: s.search("不存在的詞"), lambda: s.add(3, 3, "DATE")):
        with pytest.raises(ReviewError):
            call()
    with pytest.raises(ReviewError, match="reviewer name"):
        Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "a b")
    assert (tmp_path / "l.jsonl").read_text(encoding="utf-8") == ""  # created by the session, nothing logged


def test_bad_and_stale_proposals_are_reported(tmp_path: Path) -> None:
    text = "增長6%"
    sentences = [Sentence("x-s1", text_hash(text), text)]
    fields = {"value": 6.0, "timex": None, "unit": "%", "qualifier": "exact"}
    spans = [{"start": 2, "end": 4, "text": "6%", "label": "PERCENT", **fields},
             {"start": 2, "end": 4, "text": "6", "label": "PERCENT", **fields},
             {"start": 0, "end": 1, "text": "增", "label": "NUMBER", **fields}]
    state = ReviewState(NUMERIC, sentences,
                        {"x-s1": ProposalLine("x-s1", text_hash(text), spans, 4),
                         "x-s2": ProposalLine("x-s2", "0" * 12, [], 5)})
    kinds = sorted((p.kind, p.line) for p in state.problems)
    assert kinds == [("bad-span", 4), ("bad-span", 4), ("unknown-sentence", 5)]
    stale = ReviewState(state.layer, sentences, {"x-s1": ProposalLine("x-s1", "f" * 12, spans[:1], 1)})
    assert [p.kind for p in stale.problems] == ["stale-proposal"] and stale.progress().total == 0


def test_machinery_is_layer_agnostic(tmp_path: Path) -> None:
    pos = Layer("pos", labels=("NOUN", "VERB"), fields={"lemma": str}, defaults={"lemma": None})
    text = "推動發展"
    sentences = [Sentence("t-s1", text_hash(text), text)]
    proposals = {"t-s1": ProposalLine("t-s1", text_hash(text), [
        {"start": 0, "end": 2, "text": "推動", "label": "NOUN", "lemma": "推動"},
        {"start": 2, "end": 4, "text": "發展", "label": "NOUN", "lemma": "發展"}], 1)}
    s = Session(sentences, proposals, tmp_path / "pos.jsonl", "alice", layer=pos)
    s.edit("label", "verb")
    s.accept()
    s.accept()
    s.close()
    state = Session(sentences, proposals, tmp_path / "pos.jsonl", "alice", layer=pos).state
    assert [(x.span["label"], x.status) for x in state.live_slots("t-s1")] == [("VERB", "corrected"), ("NOUN", "accepted")]
    assert '"layer":"pos"' in (tmp_path / "pos.jsonl").read_text(encoding="utf-8")


def test_search_lands_on_the_span_at_the_hit(tmp_path: Path) -> None:
    s = Session(SENTENCES, PROPOSALS, tmp_path / "l.jsonl", "alice")
    assert s.search("第3位") == "found in nmg2025-p002-s04"
    assert s.slot.span["text"] == "第3位"


COMMANDS = st.lists(st.sampled_from(["a", "x", "s", "u", "e", "[", "}", "n", ",", "."]), max_size=25)


@settings(max_examples=25, deadline=None)
@given(COMMANDS)
def test_replaying_the_log_gives_the_live_state(tmp_path_factory: pytest.TempPathFactory, commands: list[str]) -> None:
    log = tmp_path_factory.mktemp("h") / "l.jsonl"
    s = Session(SENTENCES, PROPOSALS, log, "alice")
    act = {"a": s.accept, "x": s.reject, "s": s.skip, "u": s.undo, "e": lambda: s.edit("qualifier", "over"),
           "[": lambda: s.move("start", -1), "}": lambda: s.move("end", 1), "n": s.begin_add,
           ",": lambda: s.step(-1), ".": lambda: s.step(1)}
    for c in commands:
        try:
            act[c]()
        except ReviewError:
            pass  # e.g. a boundary past the sentence edge: refused, nothing logged
    s.close()
    again = Session(SENTENCES, PROPOSALS, log, "alice")
    assert again.problems == []

    def view(state: ReviewState) -> list[tuple[str, dict, str]]:
        return [(sid, x.span, x.status) for sid in state.scope() for x in state.live_slots(sid)]

    assert view(again.state) == view(s.state)


def test_browsing_from_a_sentence_without_spans(tmp_path: Path) -> None:
    text = "各位代表："
    sentences = [SENTENCES[0], Sentence("nmg2025-p001-s02", text_hash(text), text), *SENTENCES[1:]]
    s = Session(sentences, PROPOSALS, tmp_path / "l.jsonl", "alice")
    s.goto("p001-s02")
    assert s.slot is None and s.where() == "nmg2025-p001-s02 · no proposals: read it, add any missed span, then c"
    s.step(1)
    assert s.sentence.id == "nmg2025-p002-s01"
    s.goto("p001-s02")
    s.step(-1)
    assert s.sentence.id == "nmg2025-p001-s01"
    s.goto("p001-s02")
    assert "added CARDINAL '各位'" in s.add(0, 2, "CARDINAL")
