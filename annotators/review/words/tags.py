"""The PKU 1998 tag set and the entity labels of the word layer, each with one line of meaning."""

from __future__ import annotations

from ...pku_upos import PKU_TO_UPOS

# One line per tag for the tag picker and `?`; the set is PKU_TO_UPOS's keys less the two corpus typos.
TAG_MEANINGS: dict[str, str] = {
    "Ag": "adjective morpheme 形語素 (綠 in 綠水)",
    "a": "adjective 形容詞 (堅強, 高)",
    "ad": "adjective used as adverb 副形詞 (積極 in 積極參加)",
    "an": "adjective used as noun 名形詞 (困難 in 克服困難)",
    "b": "distinguishing word 區別詞 (男, 大型, 新型)",
    "Bg": "distinguishing-word morpheme 區別語素",
    "c": "conjunction 連詞 (和, 并, 如果)",
    "d": "adverb 副詞 (不, 也, 更加)",
    "Dg": "adverb morpheme 副語素",
    "e": "interjection 嘆詞 (啊)",
    "f": "localizer 方位詞 (下, 中, 以來)",
    "h": "prefix 前接成分 (非, 超)",
    "i": "idiom 成語 (實事求是)",
    "j": "abbreviation 簡稱略語 (政協, 人大, 京津冀)",
    "k": "suffix 後接成分 (們, 性)",
    "l": "fixed expression 習用語 (總的來說)",
    "m": "numeral 數詞 (一, 2024, 5.5%)",
    "Mg": "numeral morpheme 數語素",
    "n": "common noun 名詞 (代表, 黨委)",
    "Ng": "noun morpheme 名語素",
    "nr": "person name 人名 (surname and given name are separate words: 習/nr 近平/nr)",
    "ns": "place name 地名 (內蒙古, 呼和浩特)",
    "nt": "organisation name 機構團體 (國務院)",
    "nx": "foreign-script string 外文字符 (GDP, 5G)",
    "nz": "other proper noun 其他專名",
    "o": "onomatopoeia 擬聲詞",
    "p": "preposition 介詞 (在, 向, 對)",
    "q": "classifier 量詞 (年, 個, 萬噸)",
    "r": "pronoun 代詞 (我, 各位, 其他)",
    "Rg": "pronoun morpheme 代語素",
    "s": "place word 處所詞 (家裡, 海外)",
    "t": "time word 時間詞 (過去, 今年, 1月)",
    "Tg": "time morpheme 時語素",
    "u": "auxiliary particle 助詞 (的, 地, 得, 了)",
    "v": "verb 動詞 (報告, 是)",
    "vd": "verb used as adverb 副動詞",
    "Vg": "verb morpheme 動語素 (予)",
    "vn": "verb used as noun 名動詞 (發展 in 經濟發展)",
    "w": "punctuation 標點 (，。、)",
    "y": "modal particle 語氣詞 (嗎, 呢)",
    "Yg": "modal-particle morpheme 語氣語素",
    "z": "state word 狀態詞 (綠油油)",
}

#: the PKU 1998 tags a word may carry, in the order of annotators.pku_upos
TAGS: tuple[str, ...] = tuple(t for t in PKU_TO_UPOS if t not in ("na", "vvn"))

LABEL_MEANINGS: dict[str, str] = {
    "PER": "person (a name split into surname and given name is one PER over both words)",
    "LOC": "location: place, region, country, geographic feature",
    "ORG": "organisation: party, government body, company, institution",
}

#: entity labels, in display order
LABELS: tuple[str, ...] = tuple(LABEL_MEANINGS)

if set(TAG_MEANINGS) != set(TAGS):  # pragma: no cover - a guard for whoever edits the tag set
    raise RuntimeError("TAG_MEANINGS and the PKU tag set disagree")


def tag_help() -> str:
    """Return the tag set, one `TAG  meaning` line per tag, then the entity labels."""
    lines = [f"  {tag:<3} {TAG_MEANINGS[tag]}" for tag in TAGS]
    lines += [f"  {label} {meaning}" for label, meaning in LABEL_MEANINGS.items()]
    return "\n".join(lines)
