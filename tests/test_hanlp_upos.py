"""The PKU -> UPOS mapping covers the PKU tag set and gives valid UPOS."""
from pathlib import Path

import pytest

from annotators.pku_upos import PKU_TO_UPOS, WORD_OVERRIDES, pku_to_upos

UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
        "SCONJ", "SYM", "VERB", "X"}
PD98 = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "peoples-daily-1998" / "199801.txt"
#: the 44 tags of 199801.txt (SOURCES.md: 43 plus the typos vvn/na; Yg occurs once)
PD98_TAGS = {"n", "v", "w", "u", "d", "vn", "m", "p", "nr", "a", "r", "ns", "c", "q", "t", "f", "j", "b", "l",
             "ad", "i", "Ng", "s", "nz", "nt", "an", "y", "Vg", "z", "k", "vd", "Tg", "nx", "Ag", "Dg", "o", "h",
             "e", "Rg", "Bg", "Mg", "vvn", "na", "Yg"}


def test_every_value_is_upos():
    assert set(PKU_TO_UPOS.values()) <= UPOS
    for overrides in WORD_OVERRIDES.values():
        assert set(overrides.values()) <= UPOS


def test_covers_known_tags():
    assert PD98_TAGS <= set(PKU_TO_UPOS)


def test_covers_every_tag_in_199801():
    tags = set()
    with open(PD98, encoding="utf-8") as src:
        for line in src:
            tags.update(item.rpartition("/")[2] for item in line.split())
    assert tags - set(PKU_TO_UPOS) == set()


def test_overrides_and_errors():
    assert pku_to_upos("v", "是") == "AUX"
    assert pku_to_upos("v", "建设") == "VERB"
    assert pku_to_upos("u", "了") == "AUX" and pku_to_upos("u", "的") == "PART"
    with pytest.raises(KeyError, match="XX"):
        pku_to_upos("XX")
