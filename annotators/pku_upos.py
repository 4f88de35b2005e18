"""Mapping from the PKU 1998 (People's Daily) POS tag set to Universal Dependencies UPOS.

The tag mapping is deterministic per tag; a few closed-class words get the UPOS that UD Chinese
(GSD) gives them, because PKU lumps them into a broader class (copula and modals in ``v``,
aspect markers in ``u``, determiners in ``r``, subordinators in ``c``). Used both by the
annotation layer and to score the tagger on UD Chinese GSDSimp as a cross-standard figure.
"""
from __future__ import annotations

from typing import Dict

PKU_TO_UPOS: Dict[str, str] = {
    "Ag": "ADJ",    # adjective morpheme (形语素), e.g. 绿 in 绿水
    "a": "ADJ",     # adjective (形容词)
    "ad": "ADV",    # adjective used adverbially (副形词), e.g. 积极 in 积极参加
    "an": "NOUN",   # adjective used as a noun (名形词), e.g. 困难 in 克服困难
    "b": "ADJ",     # distinguishing word / non-predicate adjective (区别词), e.g. 男, 大型
    "Bg": "ADJ",    # distinguishing-word morpheme (区别语素)
    "c": "CCONJ",   # conjunction (连词); subordinators are overridden to SCONJ below
    "d": "ADV",     # adverb (副词)
    "Dg": "ADV",    # adverb morpheme (副语素)
    "e": "INTJ",    # interjection (叹词)
    "f": "ADP",     # localizer (方位词): UD Chinese treats postpositional 上/中/里 as ADP
    "h": "PART",    # prefix (前接成分), e.g. 非, 超
    "i": "VERB",    # idiom (成语): most are predicative
    "j": "PROPN",   # abbreviation (简称略语), mostly of organisations and places: 中共, 政协, 沪
    "k": "PART",    # suffix (后接成分), e.g. 们, 性; UD Chinese tags 们 as PART
    "l": "X",       # fixed expression (习用语): mixed classes, no single UPOS fits
    "m": "NUM",     # numeral (数词)
    "Mg": "NUM",    # numeral morpheme (数语素)
    "n": "NOUN",    # common noun (名词)
    "na": "NOUN",   # typo in 199801.txt (镇国寺/na), a noun
    "Ng": "NOUN",   # noun morpheme (名语素)
    "nr": "PROPN",  # person name (人名); surname and given name are separate tokens
    "ns": "PROPN",  # place name (地名)
    "nt": "PROPN",  # organisation name (机构团体)
    "nx": "X",      # foreign-script string (外文字符), e.g. Internet
    "nz": "PROPN",  # other proper noun (其他专名)
    "o": "INTJ",    # onomatopoeia (拟声词)
    "p": "ADP",     # preposition (介词)
    "q": "NOUN",    # classifier (量词): UD Chinese GSD tags classifiers NOUN
    "r": "PRON",    # pronoun (代词); demonstrative determiners are overridden to DET below
    "Rg": "PRON",   # pronoun morpheme (代语素)
    "s": "NOUN",    # place word (处所词), e.g. 家里, 海外
    "t": "NOUN",    # time word (时间词), e.g. 今年, 1月
    "Tg": "NOUN",   # time morpheme (时语素)
    "u": "PART",    # auxiliary particle (助词) 的/地/得/所; aspect markers overridden to AUX
    "v": "VERB",    # verb (动词); copula and modals overridden to AUX
    "vd": "ADV",    # verb used adverbially (副动词)
    "Vg": "VERB",   # verb morpheme (动语素)
    "vn": "NOUN",   # verb used as a noun (名动词), e.g. 发展 in 经济发展
    "vvn": "NOUN",  # typo in 199801.txt (面试/vvn), read as vn
    "w": "PUNCT",   # punctuation (标点)
    "y": "PART",    # sentence-final modal particle (语气词), e.g. 吗, 呢
    "Yg": "PART",   # modal-particle morpheme (语气语素)
    "z": "ADJ",     # state word (状态词), e.g. 绿油油
}

#: (PKU tag, word) pairs whose UPOS differs from the tag's default, as in UD Chinese GSD
WORD_OVERRIDES: Dict[str, Dict[str, str]] = {
    # copula and modal verbs are AUX in UD
    "v": {w: "AUX" for w in ("是", "能", "能够", "会", "可以", "可", "应该", "应当", "应", "要", "必须", "得",
                              "愿意", "敢", "肯", "将", "可能")},
    # aspect markers are AUX in UD Chinese; 的/地/得/所 stay PART
    "u": {w: "AUX" for w in ("了", "着", "过")},
    # demonstratives and quantifying pronouns that modify nouns are DET
    "r": {w: "DET" for w in ("这", "那", "该", "每", "各", "此", "本", "其他", "其它", "某", "这些", "那些",
                              "任何", "这个", "那个", "这样", "那样", "哪")},
    # subordinating conjunctions are SCONJ
    "c": {w: "SCONJ" for w in ("因为", "如果", "虽然", "虽", "即使", "只要", "只有", "尽管", "假如", "要是", "无论",
                                "不管", "既然", "以便", "除非", "若", "倘若", "如", "由于", "因", "就是")},
}


def pku_to_upos(tag: str, word: str = "") -> str:
    """Takes a PKU tag (and optionally the word); returns its UPOS. Raises KeyError naming an unknown tag."""
    if tag not in PKU_TO_UPOS:
        raise KeyError(f"PKU tag {tag!r} has no UPOS mapping (known: {', '.join(sorted(PKU_TO_UPOS))})")
    return WORD_OVERRIDES.get(tag, {}).get(word, PKU_TO_UPOS[tag])
