"""Word-layer operations, the edit-to-decisions diff, replay, undo, stale and from-scratch (in process)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from annotators.review.data import load_sentences
from annotators.review.errors import ReviewError
from annotators.review.log import DecisionLog
from annotators.review.words.analysis import (
    Analysis,
    ChangeError,
    Entity,
    Word,
    apply_change,
    edit_changes,
)
from annotators.review.words.commands import replay
from annotators.review.words.notation import format_analysis, parse_notation
from annotators.review.words.session import WordSession
from annotators.review.words.state import load_word_proposals
from annotators.review.words.tags import LABELS, TAGS
from annotators.structure import text_hash

FIX = Path(__file__).resolve().parent / "fixtures"
SENT_PATH, HANLP_PATH = FIX / "review_words_sentences.jsonl", FIX / "review_words_hanlp.jsonl"
SENTENCES = load_sentences(SENT_PATH)
PROPOSALS = load_word_proposals(HANLP_PATH)
S2 = "t-p002-s01"  # 過去一年，在自治區黨委的堅強領導下 (HanLP: 自治區黨委/n as one word, LOC over it)


def session(log: Path, reviewer: str = "alice", **kw) -> WordSession:  # type: ignore[no-untyped-def]
    return WordSession(SENTENCES, PROPOSALS, log, reviewer, proposals_path=str(HANLP_PATH), **kw)


def lines(log: Path) -> list[dict]:
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def s(tmp_path: Path):  # type: ignore[no-untyped-def]
    sess = session(tmp_path / "words-alice.jsonl")
    sess.goto(S2)
    yield sess
    sess.close()


# -- proposals ----------------------------------------------------------------------------


def test_proposals_become_the_starting_analysis(s: WordSession) -> None:
    assert s.notation == "過去/t 一/m 年/q ，/w 在/p [自治區黨委/n]LOC 的/u 堅強/a 領導/v 下/f"
    s.goto("t-p002-s02")
    # HanLP's PER over 近平 (inside the word 習近平) cannot be shown: left out, and said so.
    assert s.notation == "習近平/nr 總書記/n 考察/v [內蒙古/ns]LOC"
    assert any("'近平'" in r and "whole words" in r for r in s.remarks)


def test_missing_or_stale_proposals_make_the_sentence_unusable(tmp_path: Path) -> None:
    props = dict(PROPOSALS)
    del props["t-p001-s01"]
    rows = [json.loads(x) for x in HANLP_PATH.read_text(encoding="utf-8").splitlines()]
    stale = tmp_path / "hanlp.jsonl"
    for row in rows:
        if row["id"] == S2:
            row["text_hash"] = text_hash("another text")
    stale.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["id"] != "t-p001-s01"),
                     encoding="utf-8")
    sess = WordSession(SENTENCES, load_word_proposals(stale), tmp_path / "w.jsonl", "alice", proposals_path=str(stale))
    try:
        assert sess.sentence_id == "t-p001-s01" and "no HanLP analysis" in (sess.stale or "")
        with pytest.raises(ReviewError, match="re-run HanLP"):
            sess.accept()
        sess.goto(S2)
        assert (sess.stale or "").startswith("STALE")
        for act in (sess.accept, lambda: sess.edit_line("x/n"), lambda: sess.retag("n", 0)):
            with pytest.raises(ReviewError, match="STALE"):
                act()
        assert {p.kind for p in sess.problems} >= {"stale-proposal"}
    finally:
        sess.close()
    assert not (tmp_path / "w.jsonl").read_text()


# -- each operation -------------------------------------------------------------------------


def test_split(s: WordSession) -> None:
    msg = s.split(9)  # 自治區|黨委
    assert msg == "split: 自治區 | 黨委"
    assert "[自治區/n 黨委/n]LOC" in s.notation  # both halves keep the tag; the entity still covers them
    d = lines(s.log.path)[-1]
    assert d["action"] == "split" and d["layer"] == "words" and d["mode"] == "proposals"
    assert d["before"] == {"words": [{"start": 6, "end": 11, "text": "自治區黨委", "tag": "n"}]}
    assert [w["text"] for w in d["after"]["words"]] == ["自治區", "黨委"]
    with pytest.raises(ReviewError, match="already a word boundary"):
        s.split(9)
    with pytest.raises(ReviewError, match="one character"):
        s.split_word(1, word=1)
    assert s.split_word(1, word=0) == "split: 過 | 去"


def test_merge_keeps_a_shared_tag_and_leaves_differing_tags_untagged(s: WordSession) -> None:
    assert s.merge(1) == "merged: 一年/?  (tags differed: give it a tag)".replace("?  (", "? (")
    assert s.notation.startswith("過去/t 一年/? ，/w")
    assert s.analysis is not None and s.analysis.untagged() == [1]
    with pytest.raises(ReviewError, match="untagged"):
        s.accept()
    s.retag("t", 1)
    s.split(9)
    assert s.merge(4) .startswith("merged: 自治區黨委/n")  # both n: the tag stays


def test_merge_refuses_to_cut_an_entity(s: WordSession) -> None:
    with pytest.raises(ReviewError, match="an entity must cover whole words"):
        s.merge(4)  # 在 + [自治區黨委]LOC
    with pytest.raises(ReviewError, match="no next word"):
        s.merge(9)


def test_retag(s: WordSession) -> None:
    assert s.retag("vn", 8) == "retagged: 領導/vn"
    d = lines(s.log.path)[-1]
    assert d["action"] == "retag" and d["before"]["words"][0]["tag"] == "v" and d["after"]["words"][0]["tag"] == "vn"
    with pytest.raises(ReviewError, match="unknown tag 'xx'"):
        s.retag("xx", 8)
    with pytest.raises(ReviewError, match="already tagged vn"):
        s.retag("vn", 8)


def test_entity_add_remove_relabel_move(s: WordSession) -> None:
    assert s.relabel_entity("ORG", word=5) == "entity relabelled: [自治區黨委]LOC → ORG"
    assert s.remove_entity(word=5) == "entity removed: [自治區黨委]ORG"
    assert s.add_entity(5, 5, "org") == "entity added: [自治區黨委]ORG"
    s.split(9)
    assert s.move_entity(5, 5, word=6) == "entity moved: [自治區黨委] → [自治區]ORG"
    assert "[自治區/n]ORG 黨委/n" in s.notation
    with pytest.raises(ReviewError, match="overlaps the entity"):
        s.add_entity(4, 5, "LOC")
    with pytest.raises(ReviewError, match="in no entity"):
        s.remove_entity(word=0)
    with pytest.raises(ReviewError, match="PER, LOC, ORG"):
        s.add_entity(0, 0, "GPE")
    assert [d["action"] for d in lines(s.log.path)] == ["entity-relabel", "entity-remove", "entity-add", "split",
                                                         "entity-move"]


def test_entity_boundary_inside_a_word_is_refused() -> None:
    a = parse_notation("習近平/nr 總書記/n", "習近平總書記").analysis
    with pytest.raises(ChangeError, match="inside the word '習近平': an entity must cover whole words"):
        apply_change(a, "entity-add", None, {"start": 1, "end": 3, "text": "近平", "label": "PER"})


# -- whole-sentence edit ----------------------------------------------------------------------


def test_a_long_corrected_line_logs_each_change(s: WordSession) -> None:
    corrected = "過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f"
    msg = s.edit_line(corrected, note="PKU: 自治區 黨委 are two words")
    assert msg == "edit saved: 1 split, 1 retag, 1 entity-relabel"
    logged = lines(s.log.path)
    assert [d["action"] for d in logged] == ["split", "retag", "entity-relabel"]
    assert len({d["edit"] for d in logged}) == 1 and logged[0]["edit"]
    assert {d["note"] for d in logged} == {"PKU: 自治區 黨委 are two words"}
    assert s.notation == corrected
    # The log alone reproduces the edited sentence.
    state = replay(SENTENCES, PROPOSALS, s.log.path)
    assert state.notation(S2) == corrected
    assert s.edit_line(corrected).startswith("edit: the line is the same")


def test_edit_with_segmentation_tags_and_entities_in_order(s: WordSession) -> None:
    s.goto("t-p003-s01")  # 京蒙/j 協作/vn 深入/ad 推進/v, HanLP's LOC 京 and LOC 蒙 left out
    s.edit_line("[京/j]LOC [蒙/j]LOC 協作深入/? 推進/v")
    actions = [d["action"] for d in lines(s.log.path)]
    assert actions == ["merge", "split", "entity-add", "entity-add"]
    s.edit_line("京蒙/j 協作/vn 深入/ad 推進/v")
    actions = [d["action"] for d in lines(s.log.path)][4:]
    # Entities cut by the new segmentation go first, then merges, splits, retags.
    assert actions == ["entity-remove", "entity-remove", "merge", "split", "retag", "retag"]


def test_edit_errors_name_the_column_and_log_nothing(s: WordSession) -> None:
    with pytest.raises(ReviewError, match=r"edit: column 6: characters changed"):
        s.edit_line("過去/t 二/m 年/q ，/w 在/p 自治區黨委/n 的/u 堅強/a 領導/v 下/f")
    with pytest.raises(ReviewError, match="cannot be made untagged"):
        s.edit_line("過去/? 一/m 年/q ，/w 在/p 自治區黨委/n 的/u 堅強/a 領導/v 下/f")
    assert s.log.path.read_text() == ""


def _random_analysis(rng: random.Random, text: str, tagged: bool = True) -> Analysis:
    cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, len(text) - 1)))
    bounds = [0, *cuts, len(text)]
    words = [Word(a, b, rng.choice(TAGS) if tagged else rng.choice([None, *TAGS])) for a, b in zip(bounds, bounds[1:])]
    entities, i = [], 0
    while i < len(words):
        if rng.random() < 0.4:
            j = min(len(words) - 1, i + rng.randint(0, 2))
            entities.append(Entity(words[i].start, words[j].end, rng.choice(LABELS)))
            i = j + 1
        i += 1
    return Analysis.build(text, words, entities)


def test_edit_changes_reproduce_any_target_in_the_logged_order() -> None:
    rng = random.Random(11)
    order = {"entity-remove-pre": 0, "merge": 1, "split": 2, "retag": 3, "entity": 4}
    for _ in range(500):
        text = "".join(rng.choice("甲乙丙丁戊己庚辛") for _ in range(rng.randint(2, 9)))
        old, new = _random_analysis(rng, text, tagged=False), _random_analysis(rng, text)
        changes = edit_changes(old, new)
        current = old
        phases = []
        for action, before, after in changes:
            current = apply_change(current, action, before, after)
            if action.startswith("entity"):
                phases.append(order["entity-remove-pre"] if action == "entity-remove" and not any(
                    p >= 1 for p in phases) else order["entity"])
            else:
                phases.append(order[action])
        assert current == new
        assert phases == sorted(phases), [c[0] for c in changes]


# -- replay, undo, checked -----------------------------------------------------------------------


def test_accept_checks_and_moves_on_and_a_later_change_unchecks(s: WordSession) -> None:
    assert s.accept() == f"checked {S2}"
    assert s.sentence_id == "t-p002-s02"  # the next sentence not checked
    s.goto("t-p004-s01")
    s.accept()
    assert s.sentence_id == "t-p001-s01"  # wrapping round
    d = lines(s.log.path)[0]
    assert d["action"] == "checked" and d["after"] == {"notation": s.state.notation(S2)}
    s.goto(S2)
    assert s.checked
    s.retag("vn", 8)
    assert not s.checked and s.sentence_state().startswith("not checked")


def test_undo_reverts_one_change_or_a_whole_edit_and_survives_a_restart(tmp_path: Path) -> None:
    log = tmp_path / "words-alice.jsonl"
    sess = session(log)
    sess.goto(S2)
    original = sess.notation
    sess.retag("vn", 8)
    sess.edit_line("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f")
    sess.accept()
    sess.close()
    sess = session(log)  # a new session replays the log
    try:
        assert sess.undo() == f"undid checked on {S2}"
        assert sess.undo() == f"undid edit (2 changes) on {S2}"
        assert sess.notation == original.replace("領導/v", "領導/vn")
        assert sess.undo() == f"undid retag on {S2}"
        assert sess.notation == original
        assert sess.undo() == "nothing to undo"
    finally:
        sess.close()
    undos = [d for d in lines(log) if d["action"] == "undo"]
    assert len(undos) == 4 and len({d["edit"] for d in undos[1:3]}) == 1 and undos[1]["edit"]
    assert replay(SENTENCES, PROPOSALS, log).notation(S2) == original


def test_decisions_on_a_changed_text_are_stale_and_not_applied(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    sess = session(log)
    sess.goto(S2)
    sess.retag("vn", 8)
    sess.accept()
    sess.close()
    sentences = [type(x)(**{**x.__dict__, "text": x.text + "。", "text_hash": text_hash(x.text + "。")})
                 if x.id == S2 else x for x in SENTENCES]
    props = {k: v for k, v in PROPOSALS.items() if k != S2}
    state = replay(sentences, props, log)
    kinds = [p.kind for p in state.problems]
    assert kinds.count("stale") == 2 and "stale-proposal" in kinds
    assert not state.is_checked(S2)


def test_regenerated_proposals_turn_old_decisions_into_conflicts(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    sess = session(log)
    sess.goto(S2)
    sess.retag("vn", 8)
    sess.accept()
    sess.close()
    # HanLP rerun: same text, another analysis (領導 now vn as the reviewer had it, but 下 changed).
    props = dict(PROPOSALS)
    old = props[S2]
    props[S2] = type(old)(**{**old.__dict__, "tags": ["t", "m", "q", "w", "p", "n", "u", "a", "vn", "v"]})
    state = replay(SENTENCES, props, log)
    assert [p.kind for p in state.problems] == ["conflict", "conflict"]
    assert "changed since" in state.problems[0].message and "check it again" in state.problems[1].message
    assert not state.is_checked(S2)


def test_malformed_word_decisions_are_reported_with_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "w.jsonl"
    good = {"id": "a1", "reviewer": "bob", "time": "2026-01-05T09:30:00.000Z", "sentence_id": S2,
            "text_hash": text_hash(SENTENCES[1].text), "layer": "words", "undoes": None, "note": None}
    bad = [
        dict(good, id="b1", action="retag", before={"words": [{"start": 14, "end": 16, "text": "領導", "tag": "v"}]},
             after={"words": [{"start": 14, "end": 16, "text": "領導", "tag": "banana"}]}),
        dict(good, id="b2", action="split", before={"words": "x"}, after={"words": []}),
        dict(good, id="b3", action="entity-add", before=None, after={"start": 6, "end": 11, "text": "自治區黨委",
                                                                     "label": "GPE"}),
        dict(good, id="b4", action="checked", before=None, after=None),
        dict(good, id="b5", action="accept", before=None, after=None),
    ]
    log.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in bad), encoding="utf-8")
    state = replay(SENTENCES, PROPOSALS, log)
    found = {p.line: (p.kind, p.message) for p in state.problems}
    assert found[1][0] == "invalid" and "unknown tag 'banana'" in found[1][1]
    assert found[2][0] == "invalid" and found[3][0] == "invalid" and "GPE" in found[3][1]
    assert found[4][0] == "invalid" and "notation" in found[4][1]
    assert found[5][0] == "invalid" and "unknown action 'accept'" in found[5][1]
    assert state.notation(S2) == "過去/t 一/m 年/q ，/w 在/p [自治區黨委/n]LOC 的/u 堅強/a 領導/v 下/f"


def test_adjudication_on_a_base_log_needs_a_note(tmp_path: Path) -> None:
    base = tmp_path / "words-alice.jsonl"
    sess = session(base)
    sess.goto(S2)
    sess.retag("vn", 8)
    sess.accept()
    sess.close()
    adj = session(tmp_path / "words-adj.jsonl", reviewer="adj", base_logs=[base], require_note=True)
    try:
        adj.goto(S2)
        assert not adj.checked  # alice checked it, not the adjudicator
        with pytest.raises(ReviewError, match="needs a reason"):
            adj.retag("v", 8)
        adj.set_note("領導 is a verb here")
        adj.retag("v", 8)
        assert lines(adj.log.path)[-1]["note"] == "領導 is a verb here"
    finally:
        adj.close()


# -- from scratch ---------------------------------------------------------------------------------


def test_from_scratch_starts_unsegmented_and_untagged(tmp_path: Path) -> None:
    log = tmp_path / "words-bob.jsonl"
    sess = WordSession(SENTENCES, None, log, "bob", scratch=True)
    try:
        assert sess.notation == "各位代表：/?" and sess.remarks == []
        with pytest.raises(ReviewError, match="untagged"):
            sess.accept()
        sess.edit_line("各位/r 代表/n ：/w")
        assert sess.accept() == "checked t-p001-s01"
        sess.goto(S2)
        assert sess.analysis is not None and len(sess.analysis.words) == 1 and not sess.analysis.entities
    finally:
        sess.close()
    logged = lines(log)
    assert {d["mode"] for d in logged} == {"scratch"}
    assert [d["action"] for d in logged] == ["split", "split", "retag", "retag", "retag", "checked"]
    state = replay(SENTENCES, PROPOSALS, log)  # the log's mode picks the base: no proposals
    assert state.scratch and state.is_checked("t-p001-s01") and state.notation(S2) == SENTENCES[1].text + "/?"
    with pytest.raises(ReviewError, match="made from scratch"):
        session(log, reviewer="bob")
    proposals_log = tmp_path / "words-alice.jsonl"
    session(proposals_log).accept()
    with pytest.raises(ReviewError, match="needs a log of its own"):
        WordSession(SENTENCES, None, proposals_log, "alice", scratch=True)


def test_locked_log_refuses_a_second_session(tmp_path: Path) -> None:
    first = session(tmp_path / "w.jsonl")
    try:
        with pytest.raises(ReviewError, match="another review session"):
            session(tmp_path / "w.jsonl")
    finally:
        first.close()
    session(tmp_path / "w.jsonl").close()


def test_hostile_text_shows_escaped(tmp_path: Path) -> None:
    sess = session(tmp_path / "w.jsonl")
    try:
        sess.goto("t-p004-s01")
        assert "\x1b" not in sess.notation and "\u202e" not in sess.notation
        assert sess.notation == "警告/v \\u001b\\[2J/nx 文字/n \\u202e/w 反轉/v"
        sess.edit_line("警告/v \\u001b\\[2J/nx 文字/n \\u202e/w 反轉/n")
        assert DecisionLog(sess.log.path).read()[0][-1].after["words"][0]["tag"] == "n"  # type: ignore[index]
    finally:
        sess.close()


def test_format_of_the_current_analysis_is_what_checked_records(s: WordSession) -> None:
    s.accept()
    assert lines(s.log.path)[-1]["after"]["notation"] == format_analysis(s.state.current[S2])
