"""Word-layer notation (People's Daily 1998 style): round trip and every error, with its column."""

from __future__ import annotations

import random

import pytest

from annotators.review.display import safe_text
from annotators.review.words.analysis import Analysis, Entity, Word
from annotators.review.words.notation import NotationError, escape, format_analysis, parse_notation
from annotators.review.words.tags import LABELS, TAGS, TAG_MEANINGS

TEXT = "過去一年，在自治區黨委的堅強領導下"
LINE = "過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f"


def test_parse_reads_words_tags_and_entities() -> None:
    parsed = parse_notation(LINE, TEXT)
    a = parsed.analysis
    assert [a.word_text(i) for i in range(len(a.words))] == ["過去", "一", "年", "，", "在", "自治區", "黨委", "的",
                                                           "堅強", "領導", "下"]
    assert [w.tag for w in a.words] == ["t", "m", "q", "w", "p", "n", "n", "u", "a", "vn", "f"]
    assert a.entities == (Entity(6, 11, "ORG"),)
    assert parsed.columns[:3] == (1, 6, 10)
    assert format_analysis(a) == LINE


def test_extra_spaces_are_allowed_and_normalised() -> None:
    messy = "  過去/t   一/m 年/q ，/w 在/p [ 自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f  "
    assert format_analysis(parse_notation(messy, TEXT).analysis) == LINE


def test_untagged_words_and_one_word_sentence() -> None:
    a = Analysis.unsegmented(TEXT)
    assert format_analysis(a) == TEXT + "/?"
    assert parse_notation(TEXT + "/?", TEXT).analysis == a


def test_slash_in_text_splits_on_the_last_slash() -> None:
    text = "km/h和1/3"
    a = parse_notation("km/h/nx 和/c 1/3/m", text).analysis
    assert [a.word_text(i) for i in range(3)] == ["km/h", "和", "1/3"]
    assert format_analysis(a) == "km/h/nx 和/c 1/3/m"


def test_escapes_round_trip_for_hostile_text() -> None:
    text = "a b\\[x]\x1b[2J\u202e\u200b乙"
    words = (Word(0, 3, "nx"), Word(3, 7, "w"), Word(7, 11, "nx"), Word(11, 13, "w"), Word(13, 14, "n"))
    a = Analysis.build(text, words, [Entity(13, 14, "PER")])
    line = format_analysis(a)
    # Nothing in the line can move the cursor, recolour or reorder the terminal.
    assert safe_text(line) == line and " " not in line.split(" ")[0]
    assert "\\u001b" in line and "\\u202e" in line and "\\u0020" in line and "\\\\" in line and "\\[" in line
    assert parse_notation(line, text).analysis == a


def test_random_round_trip() -> None:
    rng = random.Random(4)
    alphabet = "自治區黨委的堅強領導下一年，/[]\\ \x07A"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, len(text) - 1))) if len(text) > 1 else []
        bounds = [0, *cuts, len(text)]
        words = [Word(a, b, rng.choice([None, *TAGS])) for a, b in zip(bounds, bounds[1:])]
        entities = []
        i = 0
        while i < len(words):
            if rng.random() < 0.3:
                j = rng.randint(i, len(words) - 1)
                entities.append(Entity(words[i].start, words[j].end, rng.choice(LABELS)))
                i = j + 1
            i += 1
        a = Analysis.build(text, words, entities)
        assert parse_notation(format_analysis(a), text).analysis == a


def test_escape_leaves_plain_cjk_alone() -> None:
    assert escape("自治區黨委") == "自治區黨委"


@pytest.mark.parametrize("line, column, words", [
    # characters changed, added, missing
    ("過去/t 二/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 6, "characters changed"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f 了/u", 57, "characters added"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn", 52, "characters missing"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨/n]ORG 的/u 堅強/a 領導/vn 下/f", 37, "'委' (sentence offset 10) is missing"),
    # unknown tag (also the corpus typos and an entity label in the tag's place)
    ("過去/tt 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 4, "unknown tag 'tt'"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/na 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 27, "unknown tag 'na'"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/vvn 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 27, "unknown tag 'vvn'"),
    ("過去/t 一/m 年/q ，/w 在/p 自治區/ORG 黨委/n 的/u 堅強/a 領導/vn 下/f", 26, "ORG is an entity label"),
    ("過去/ 一/m 年/q ，/w 在/p 自治區/n 黨委/n 的/u 堅強/a 領導/vn 下/f", 4, "missing tag"),
    ("過去 一/m 年/q ，/w 在/p 自治區/n 黨委/n 的/u 堅強/a 領導/vn 下/f", 1, "has no /TAG"),
    ("/t 過去一/m 年/q ，/w 在/p 自治區/n 黨委/n 的/u 堅強/a 領導/vn 下/f", 1, "empty word"),
    # unknown entity label, missing label
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORX 的/u 堅強/a 領導/vn 下/f", 34, "unknown entity label 'ORX'"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n] 的/u 堅強/a 領導/vn 下/f", 33, "must be followed by an entity label"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n]ORG的/u 堅強/a 領導/vn 下/f", 37, "put a space after"),
    # unbalanced and nested brackets
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n 的/u 堅強/a 領導/vn 下/f", 22, "'[' is never closed"),
    ("過去/t 一/m 年/q ，/w 在/p 自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 32, "']' closes no '['"),
    ("過去/t 一/m 年/q ，/w 在/p [[自治區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 23, "brackets do not nest"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n [黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 29, "brackets do not nest"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨委/n ]ORG 的/u 堅強/a 領導/vn 下/f", 34, "without a space"),
    ("過去/t 一/m 年/q ，/w 在/p []ORG 自治區/n 黨委/n 的/u 堅強/a 領導/vn 下/f", 23, "empty entity"),
    # an entity boundary inside a word
    ("過去/t 一/m 年/q ，/w 在/p 自治[區/n 黨委/n]ORG 的/u 堅強/a 領導/vn 下/f", 24, "an entity must cover whole words"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區/n 黨]ORG委/n 的/u 堅強/a 領導/vn 下/f", 30, "an entity must cover whole words"),
    ("過去/t 一/m 年/q ，/w 在/p [自治區]ORG/n 黨委/n 的/u 堅強/a 領導/vn 下/f", 26, "an entity must cover whole words"),
    # escapes
    ("過去/t 一/m 年/q ，/w 在/p 自治區/n 黨委/n 的/u 堅強/a 領導/vn 下\\q/f", 49, "unknown escape"),
    ("過去/t 一/m 年/q ，/w 在/p 自治區/n 黨委/n 的/u 堅強/a 領導/vn 下\\u12/f", 49, "hex digits"),
    # nothing typed
    ("   ", 1, "empty line"),
])
def test_every_error_names_its_column(line: str, column: int, words: str) -> None:
    with pytest.raises(NotationError) as info:
        parse_notation(line, TEXT)
    assert info.value.column == column, str(info.value)
    assert words in str(info.value)
    assert str(info.value).startswith(f"column {column}: ")


def test_tag_set_is_pku_without_the_typos_and_has_a_meaning_each() -> None:
    assert "na" not in TAGS and "vvn" not in TAGS and {"n", "nr", "ns", "nt", "vn", "w", "Ng"} <= set(TAGS)
    assert all(TAG_MEANINGS[t].strip() for t in TAGS)
    assert LABELS == ("PER", "LOC", "ORG")
