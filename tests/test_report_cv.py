"""Cross-validation on the report (annotators/report_cv.py): folds, gold reading, prediction files, scores."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from annotators import report_cv as rc


def _sentence(sid: str, paragraph: int, text: str) -> dict:
    return {"id": sid, "text_hash": f"h-{sid}", "paragraph": paragraph, "text": text, "text_simplified": text}


def _gold_row(s: dict, words: List[str], tags: List[str], entities=()) -> dict:
    offsets, pos = [], 0
    for w in words:
        offsets.append([pos, pos + len(w)])
        pos += len(w)
    return {"id": s["id"], "text_hash": s["text_hash"], "tokens": words, "token_offsets": offsets, "pos_tags": tags,
            "entities": [{"label": lab, "start": a, "end": b, "text": s["text"][a:b]} for lab, a, b in entities],
            "changes": []}


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# a small report: 10 paragraphs of different sizes, one sentence each
TEXTS = ["我区加快发展。", "内蒙古自治区党委领导。", "呼和浩特建设。", "发展经济，", "我区。", "改革开放。",
         "自治区人民政府工作。", "北疆风景。", "经济发展很快，人民满意。", "党委。"]


@pytest.fixture()
def report(tmp_path: Path):
    sentences = [_sentence(f"s{i:02d}", i + 1, t) for i, t in enumerate(TEXTS)]
    # gold: every character its own word except the first two, tag n, one LOC entity at the start of some
    rows = []
    for s in sentences:
        t = s["text"]
        words = [t[:2]] + list(t[2:])
        ents = [("LOC", 0, 2)] if t.startswith(("我区", "内蒙", "呼和", "北疆")) else []
        rows.append(_gold_row(s, words, ["n"] * len(words), ents))
    gold_path = _write(tmp_path / "words.jsonl", rows)
    return sentences, gold_path


def test_folds_are_whole_paragraphs_balanced_and_seeded() -> None:
    sentences = [_sentence(f"p{p}-s{k}", p, "字" * (p * 3 + k)) for p in range(1, 21) for k in range(2)]
    folds = rc.assign_folds(sentences, k=5, seed=7)
    assert sorted(folds) == list(range(1, 21)) and set(folds.values()) == set(range(5))
    sizes = [sum(len(s["text"]) for s in sentences if folds[s["paragraph"]] == f) for f in range(5)]
    largest_paragraph = max(sum(len(s["text"]) for s in sentences if s["paragraph"] == p) for p in folds)
    assert max(sizes) - min(sizes) <= largest_paragraph
    assert rc.assign_folds(sentences, k=5, seed=7) == folds
    # the seed changes the assignment (ties among the first, empty folds are broken by it)
    assert any(rc.assign_folds(sentences, k=5, seed=s) != folds for s in range(1, 6))


def test_folds_refuse_too_few_paragraphs() -> None:
    with pytest.raises(ValueError, match="paragraphs cannot make 5 folds"):
        rc.assign_folds([_sentence("a", 1, "字"), _sentence("b", 2, "字")], k=5)
    with pytest.raises(ValueError, match="at least 2 folds"):
        rc.assign_folds([_sentence("a", 1, "字")], k=1)


def test_gold_is_read_in_the_models_characters(report, tmp_path: Path) -> None:
    sentences, gold_path = report
    sentences[3]["text_simplified"] = "发展经济,"  # an ASCII comma: NFKC keeps it
    sentences[3]["text"] = "發展經濟，"
    rows = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines()]
    rows[3] = _gold_row(sentences[3], ["發展", "經", "濟", "，"], ["v", "n", "n", "w"])
    _write(gold_path, rows)
    gold = rc.load_gold(gold_path, sentences)
    g = gold[3]
    assert g.norm == "发展经济," and g.words == ("发展", "经", "济", ",") and g.text == "發展經濟，"
    assert [x.id for x in gold] == [s["id"] for s in sentences]


@pytest.mark.parametrize("breakage, message", [
    (lambda r: r.update(text_hash="stale"), "gold is stale"),
    (lambda r: r.update(id="nope"), "is not a sentence of the report"),
    (lambda r: r["token_offsets"].__setitem__(1, [3, 4]), "does not continue the text"),
    (lambda r: r["pos_tags"].__setitem__(0, None), "not reviewed"),
    (lambda r: r.update(entities=[{"label": "GPE", "start": 0, "end": 1}]), "PER/LOC/ORG"),
])
def test_bad_gold_names_file_and_line(report, breakage, message) -> None:
    sentences, gold_path = report
    rows = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines()]
    breakage(rows[2])
    _write(gold_path, rows)
    with pytest.raises(rc.ReportCVError, match=message) as e:
        rc.load_gold(gold_path, sentences)
    assert f"{gold_path}:3" in str(e.value)


def test_missing_or_broken_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(rc.ReportCVError, match="no such file"):
        rc.read_jsonl(tmp_path / "absent.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n{oops\n', encoding="utf-8")
    with pytest.raises(rc.ReportCVError, match=r"bad.jsonl:2: not valid JSON"):
        rc.read_jsonl(tmp_path / "bad.jsonl")


def test_samples_follow_the_gold(report) -> None:
    sentences, gold_path = report
    g = rc.load_gold(gold_path, sentences)[1]
    assert rc.tokenizer_samples([g])[0]["tag"][:3] == ["B", "E", "S"]
    assert rc.tagger_samples([g])[0] == {"token": list(g.words), "tag": list(g.tags)}
    assert rc.ner_samples([g])[0]["tag"][:3] == ["B-LOC", "I-LOC", "O"]
    assert rc.bio_tags(5, [("ORG", 1, 4)]) == ["O", "B-ORG", "I-ORG", "I-ORG", "O"]


def test_predictions_round_trip_and_refuse_misfits(report, tmp_path: Path) -> None:
    sentences, gold_path = report
    gold = rc.load_gold(gold_path, sentences)
    folds = rc.assign_folds(sentences)
    preds = [rc.Prediction(g.id, (g.norm[:2], g.norm[2:]), ("v", "w"), (("ORG", 0, 2),)) for g in gold]
    path = tmp_path / "p.jsonl"
    sha = rc.write_predictions(path, preds, gold, folds)
    assert sha == rc.sha256_bytes(path.read_bytes())
    assert rc.read_predictions(path, gold, folds) == preds
    assert rc.write_predictions(tmp_path / "q.jsonl", preds, gold, folds) == sha  # byte-identical
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[4])
    row["lengths"] = [1]
    lines[4] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(rc.ReportCVError, match=r"p.jsonl:5: word lengths"):
        rc.read_predictions(path, gold, folds)
    path.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    with pytest.raises(rc.ReportCVError, match="no prediction for 6 gold sentence"):
        rc.read_predictions(path, gold, folds)


def test_dictionary_combination_merges_runs_of_predicted_words() -> None:
    trie = rc.build_trie(["我区", "自治区党委", "发展"])
    assert rc.dict_combine(["我", "区", "自治区", "党委", "发", "展", "快"], trie) == ["我区", "自治区党委", "发展", "快"]
    # a dictionary word that crosses a predicted boundary is left alone
    assert rc.dict_combine(["我区发", "展"], trie) == ["我区发", "展"]


def test_lexicon_and_tag_dictionary(report) -> None:
    sentences, gold_path = report
    gold = rc.load_gold(gold_path, sentences)
    lex = rc.lexicon(gold)
    assert "我区" in lex and all(len(w) >= 2 for w in lex)
    assert rc.tag_dictionary(gold, min_count=2)["我区"] == "n"


def test_subsample_takes_whole_paragraphs(report) -> None:
    sentences, gold_path = report
    gold = rc.load_gold(gold_path, sentences)
    half = rc.subsample_paragraphs(gold, 0.5, seed=3)
    assert 0 < len(half) < len(gold)
    assert sum(len(g.norm) for g in half) >= 0.5 * sum(len(g.norm) for g in gold)
    assert rc.subsample_paragraphs(gold, 0.5, seed=3) == half
    assert rc.subsample_paragraphs(gold, 0, seed=3) == [] and rc.subsample_paragraphs(gold, 1, seed=3) == gold


def test_cross_validation_scores(report) -> None:
    sentences, gold_path = report
    gold = rc.load_gold(gold_path, sentences)
    folds = rc.assign_folds(sentences)
    perfect = [rc.Prediction(g.id, g.words, g.tags, g.entities) for g in gold]
    s = rc.cross_validation_scores(gold, perfect, folds, vocab={"我区"})
    assert len(s["folds"]) == 5
    assert rc.headline(s) == {"seg_f1": 100.0, "tag_accuracy": 100.0, "joint_f1": 100.0, "entity_f1": 100.0}
    assert s["mean"]["segmentation/f1"] == {"mean": 100.0, "sd": 0.0}
    # one sentence's first word split in two: one gold word missed, two wrong words predicted
    broken = list(perfect)
    g = gold[0]
    broken[0] = rc.Prediction(g.id, (g.words[0][0], g.words[0][1]) + g.words[1:], ("n",) + g.tags, ())
    s = rc.cross_validation_scores(gold, broken, folds, vocab={"我区"})
    seg = s["pooled"]["segmentation"]
    n = sum(len(x.words) for x in gold)
    assert seg["gold_words"] == n and seg["pred_words"] == n + 1
    assert seg["recall"] == round(100 * (n - 1) / n, 2)
    assert s["pooled"]["entities"]["LOC"]["recall"] < 100
    assert s["pooled"]["errors"]["segmentation"]["over"]["count"] == 1
    fold0 = s["folds"][folds[gold[0].paragraph]]
    assert fold0["segmentation"]["f1"] < 100
    # 我区 is in the news vocabulary; a word absent from it and from the training folds counts as unseen
    assert fold0["segmentation"]["oov_recall_unseen_in_training_folds"] <= 100


def test_scores_refuse_misaligned_predictions(report) -> None:
    sentences, gold_path = report
    gold = rc.load_gold(gold_path, sentences)
    folds = rc.assign_folds(sentences)
    preds = [rc.Prediction(g.id, g.words, g.tags, g.entities) for g in gold]
    with pytest.raises(ValueError, match="same sentences in the same order"):
        rc.cross_validation_scores(gold, preds[::-1], folds, vocab=set())


def test_gazetteer_and_whitelist_follow_hanlp() -> None:
    trie = rc.build_trie({"呼和浩特": "LOC", "自治区党委": "ORG"})
    text = "呼和浩特市和自治区党委"
    # no prediction: both matches are added
    assert rc.whitelist_entities(text, [], trie) == [("LOC", 0, 4), ("ORG", 6, 11)]
    # a predicted entity inside a match is replaced by it; one that a match would cut is kept, the match dropped
    assert rc.whitelist_entities(text, [("ORG", 6, 9)], trie) == [("LOC", 0, 4), ("ORG", 6, 11)]
    assert rc.whitelist_entities(text, [("LOC", 0, 5)], trie) == [("LOC", 0, 5), ("ORG", 6, 11)]
    assert rc.whitelist_entities(text, [("LOC", 2, 5)], trie) == [("LOC", 2, 5), ("ORG", 6, 11)]


def test_gazetteer_keeps_the_majority_label(report) -> None:
    sentences, gold_path = report
    gold = rc.load_gold(gold_path, sentences)
    gz = rc.gazetteer(gold)
    assert gz == {"我区": "LOC", "内蒙": "LOC", "呼和": "LOC", "北疆": "LOC"}
    assert rc.gazetteer(gold, min_len=3) == {}
