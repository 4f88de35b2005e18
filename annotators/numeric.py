"""Numeric-entity normalizer and rule-based proposer (issue 10).

Implements the contract in ``corpus/spec/numeric-entities.md`` (mirrored, with the
project's own decisions, in ``corpus/ANNOTATION_GUIDELINES.md``).

Two layers:

* The **normalizer** (:func:`parse_number`, :func:`read_span`) turns a numeral string into
  a float and a whole span (numeral + unit) into label, value, timex, unit and qualifier.
* The **proposer** (:func:`propose`, :func:`propose_records`, :func:`propose_file`) finds
  candidate spans in a sentence's clean text and fills every field of the contract with
  ``status = "auto"`` for a human reviewer to accept, correct or reject.

Which library reads what, and why:

* ``cn2an`` (0.5.24, ``"normal"`` mode) reads pure Chinese numerals, traditional or
  simplified, with or without ``萬``/``億`` and ``零``: ``十一``, ``兩千``, ``二十``,
  ``一億二千萬``, ``二〇二五``. It is correct on all of these and is the reference reading.
* Our own code reads everything cn2an does not read correctly:
  - digits with a magnitude (``2.6萬億``, ``1.35億``, ``19.3萬``): cn2an's ``"smart"`` mode
    fails on ``萬億`` and *truncates* fractions below the unit (``3.14159萬`` → 31415,
    ``0.0001萬`` → 1), so we multiply with :class:`decimal.Decimal` instead;
  - bare magnitudes (``萬億`` → 1e12, ``千億`` → 1e11, ``百億`` → 1e10, ``億`` → 1e8),
    which cn2an rejects;
  - approximators inside a number (``300多億``, ``1000余``, ``7萬多``), which cn2an rejects:
    we strip them, read the rest, and report ``qualifier = "approx"``;
  - ``成`` (tenths), ``%``, ``百分點``, ``百分之N``, ordinals, dates and durations (timex).
* ``cn2an.transform`` is never used: it rewrites numerals inside ordinary words
  (``統一`` → ``統1``).

The proposer is deterministic: plain regular expressions and word lists, no model.
Its name and version are :data:`PROPOSER` and are written into every output line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator

import cn2an

PROPOSER = "nmg-numeric-rules.v1"

LABELS: tuple[str, ...] = ("DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
QUALIFIERS: tuple[str, ...] = ("exact", "approx", "over", "under")

# --------------------------------------------------------------------------- characters

CN_DIGIT_VALUES: dict[str, int] = {
    "〇": 0, "零": 0, "一": 1, "壹": 1, "二": 2, "貳": 2, "兩": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
CN_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
CN_MAGNITUDES: dict[str, int] = {"萬": 10**4, "万": 10**4, "億": 10**8, "亿": 10**8}
APPROX_MARKS = "多余餘"

_CN_NUM_CHARS = "".join(CN_DIGIT_VALUES) + "".join(CN_SMALL_UNITS) + "".join(CN_MAGNITUDES)
_MAG_ALT = "萬億|万亿|萬|万|億|亿"

# Digits, optional decimals, approximator, magnitude, approximator: 300多億, 7萬多, 2.6萬億.
ARABIC_CORE = rf"\d+(?:\.\d+)?[{APPROX_MARKS}]?(?:{_MAG_ALT})?[{APPROX_MARKS}]?"
# Chinese numerals; 千 before 瓦/伏 and 百 before 分 belong to a unit (千瓦, 百分點).
_CN_CHAR = rf"(?:[{''.join(CN_DIGIT_VALUES)}十萬万億亿]|千(?![瓦伏克米])|百(?!分))"
# An approximator may be followed by a magnitude: 三百多萬.
CN_CORE = rf"{_CN_CHAR}+(?:[{APPROX_MARKS}](?:{_MAG_ALT})?)?"

_ARABIC_FULL_RE = re.compile(rf"(\d+(?:\.\d+)?)({_MAG_ALT})?")

# --------------------------------------------------------------------------- units

PERCENT_UNITS: dict[str, str] = {"%": "%", "％": "%", "個百分點": "百分點", "个百分点": "百分點",
                                 "百分點": "百分點", "百分点": "百分點", "成": "成"}
MONEY_UNITS: tuple[str, ...] = ("人民幣", "美元", "歐元", "港元", "元")
QUANTITY_UNITS: tuple[str, ...] = (
    "平方公里", "平方米", "立方米", "千瓦時", "千瓦", "兆瓦", "千伏", "公里", "千米", "公頃",
    "公斤", "千克", "噸", "斤", "畝", "度", "米", "P",
)
CARDINAL_UNITS: tuple[str, ...] = (
    "人次", "個", "项", "項", "家", "人", "戶", "名", "套", "件", "條", "處", "種", "對", "倍",
    "位", "場", "筆", "列", "所", "座", "臺", "台", "輛", "張", "批", "次", "輪", "級", "大",
    "金", "銀", "銅", "屆", "期", "份", "只", "隻", "頭", "株", "艘", "架",
)
DATE_UNITS: tuple[str, ...] = ("個月", "年", "歲", "天", "周", "週")
TIME_UNITS: tuple[str, ...] = ("小時", "分鐘")

ALL_UNITS: tuple[str, ...] = tuple(sorted(
    set(PERCENT_UNITS) | set(MONEY_UNITS) | set(QUANTITY_UNITS) | set(CARDINAL_UNITS)
    | set(DATE_UNITS) | set(TIME_UNITS),
    key=lambda u: (-len(u), u),
))
_UNIT_ALT = "|".join(re.escape(u) for u in ALL_UNITS)

# One candidate: optional 第, a numeral core, an optional unit or classifier.
NUM_RE = re.compile(rf"(?P<ord>第)?(?P<core>{ARABIC_CORE}|{CN_CORE})(?P<unit>{_UNIT_ALT})?")
# Written-out percentages (百分之二十) are read before the general pattern.
PERCENT_OF_RE = re.compile(rf"百分之(?P<core>{ARABIC_CORE}|{CN_CORE})")
# Fractions (三分之一) are CARDINAL, read before the general pattern.
FRACTION_RE = re.compile(rf"(?P<den>{ARABIC_CORE}|{CN_CORE})分之(?P<num>{ARABIC_CORE}|{CN_CORE})")
# Full and partial calendar dates are read before the general pattern.
_D = rf"(?:\d{{1,4}}|[{''.join(CN_DIGIT_VALUES)}十]{{1,4}})"
DATE_RE = re.compile(
    rf"(?P<y>{_D})年(?P<m>{_D})月(?:(?P<d>{_D})[日號])?|(?P<m2>{_D})月(?P<d2>{_D})[日號]"
    rf"|(?P<m3>{_D})月(?!份額)"
)
# A range joins two numerals by a dash or wave (3—5年); 至/到 only between bare numerals.
RANGE_RE = re.compile(
    rf"(?P<a>{ARABIC_CORE}|{CN_CORE})(?P<ua>{_UNIT_ALT})?(?P<sep>[—–\-－~～]|至|到)"
    rf"(?P<b>{ARABIC_CORE}|{CN_CORE})(?P<ub>{_UNIT_ALT})"
)

# --------------------------------------------------------------------------- qualifiers

QUALIFIERS_BEFORE: tuple[tuple[str, str], ...] = tuple(sorted([
    ("不超過", "under"), ("不超过", "under"),  # guard: otherwise 超過 would read "over"
    ("不低於", "over"), ("不低于", "over"), ("超過", "over"), ("超过", "over"), ("突破", "over"),
    ("跨過", "over"), ("跨过", "over"), ("超", "over"), ("破", "over"), ("逾", "over"),
    ("不足", "under"), ("低於", "under"), ("低于", "under"), ("不到", "under"),
    ("約", "approx"), ("约", "approx"), ("近", "approx"),
], key=lambda p: -len(p[0])))
QUALIFIERS_AFTER: tuple[tuple[str, str], ...] = (
    ("左右", "approx"), ("以上", "over"), ("以下", "under"),
)
# Connectors that make numbers one coordinated list for a closing qualifier.
COORDINATORS: frozenset[str] = frozenset({"、", "和", "及", "與", "与", "或"})

# --------------------------------------------------------------------------- exclusions

# Names of plans, meetings, laws, places, slogans and fixed expressions (spec + this report).
NAME_TERMS: tuple[str, ...] = (
    "十四五", "十五五", "三北", "一帶一路", "兩個確立", "兩個維護", "五位一體", "一湖兩海",
    "二十大", "中全會", "次全會", "東三省", "二連浩特", "二疊紀", "九曲灣", "八項規定",
    "三科統編", "二手", "一國兩制", "千萬工程", "雙一流", "四橫六縱", "長三角", "集二線", "增二線",
)
# Vague, generic and idiomatic uses of a numeral.
VAGUE_TERMS: tuple[str, ...] = (
    "一批", "一手抓", "一體", "一碗水", "一家一家", "一個一個", "一座", "一個地方", "每一",
    "之一", "進一步", "统一", "統一", "逐一", "一些", "一起", "一樣", "一致", "一方面", "一線",
    "一流", "一定", "一直", "一般", "一心一意", "一頭", "一份", "早一天", "新一輪", "一顆顆",
    "一張藍圖", "一條", "零碳", "零基", "零部件", "清零", "一人", "一企一策", "一盤棋",
    "萬無一失", "千方百計", "老百姓", "百姓", "一項目", "一個項目", "一心", "下一代", "零售",
    "一成不變",
)
# Suffixes after a numeral that make it a code, grade, class, list name or phase.
CODE_SUFFIXES: tuple[str, ...] = ("號", "号", "版", "強", "强", "等獎", "等奖", "類", "类", "熱線", "热线")
# Nouns counted directly by a bare Chinese numeral (東部五盟市): the noun stays out.
COUNTED_NOUNS: tuple[str, ...] = ("盟市", "旗縣", "省市", "省區")
# A unit character that starts a word with the next character is no unit (30萬天然氣, 3億成交額).
UNIT_NOT_BEFORE: dict[str, str] = {
    "天": "然空津下", "金": "融額额屬属礦矿幣币", "銀": "行", "銅": "礦矿", "人": "民", "度": "假",
    "列": "入車车", "所": "有以得在", "臺": "灣湾", "台": "灣湾", "頭": "部", "對": "接外於于象",
    "場": "景所地", "名": "單单義义稱称", "家": "庭", "批": "准復复", "處": "理置", "輪": "胎",
    "級": "別别", "戶": "籍口", "周": "邊边期年", "種": "植業业養养", "位": "於于置", "條": "件例",
    "份": "額额", "成": "交為为果本功立效員员都就長长熟型品績绩", "期": "間间待望限",
}

_ENUM_START_RE = re.compile(rf"^\s*(?:[（(][{_CN_NUM_CHARS}\d]+[)）]|[{_CN_NUM_CHARS}]+、|\d+、|\d+[.．](?!\d))")
_ENUM_SHI_RE = re.compile(rf"(?:^|(?<=[：。；，！？\s]))[一二三四五六七八九十]+是")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")

# Clause cues for the label of a numeral with a magnitude but no unit (破億, 突破百億).
MONEY_CUES: tuple[str, ...] = ("額", "总量", "總量", "產值", "投資", "資金", "基金", "收入", "營收",
                               "預算", "利潤", "貸款", "元")
QUANTITY_CUES: tuple[str, ...] = ("裝機", "千瓦", "產量", "噸", "度", "畝", "公里", "立方米")


@dataclass(frozen=True)
class Reading:
    """What a numeral-plus-unit string means: one span's fields except offsets and status."""

    label: str
    value: float | None
    timex: str | None
    unit: str | None
    qualifier: str


# =========================================================================== normalizer


def _decimal_to_float(d: Decimal) -> float:
    """Turn an exact Decimal into the nearest float."""
    return float(d)


def _own_cn_int(s: str) -> int:
    """Read a Chinese integer numeral (digits, 十百千, 萬億, 零); raise ValueError if malformed."""
    if len(s) > 1 and all(ch in CN_DIGIT_VALUES for ch in s):
        # Digit-by-digit form (二〇二五): positional.
        return int("".join(str(CN_DIGIT_VALUES[ch]) for ch in s))
    total, section, small, number = 0, 0, 0, None
    for ch in s:
        if ch in CN_DIGIT_VALUES:
            number = CN_DIGIT_VALUES[ch]
        elif ch in CN_SMALL_UNITS:
            small += (1 if number is None else number) * CN_SMALL_UNITS[ch]
            number = None
        elif ch in ("萬", "万"):
            section += ((small + (number or 0)) or 1) * 10**4
            small, number = 0, None
        elif ch in ("億", "亿"):
            total = ((total + section + small + (number or 0)) or 1) * 10**8
            section, small, number = 0, 0, None
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return total + section + small + (number or 0)


def _is_bare_magnitude(core: str) -> bool:
    """True for a numeral made only of 十百千萬億 with no digit (萬億, 千億, 百億, 億)."""
    return bool(core) and all(ch in "百千萬万億亿" for ch in core)


def _bare_magnitude_value(core: str) -> int:
    """Value of a bare magnitude: the product of its characters (千億 → 1e11)."""
    value = 1
    for ch in core:
        value *= CN_SMALL_UNITS.get(ch) or CN_MAGNITUDES[ch]
    return value


def strip_approximators(numeral: str) -> tuple[str, bool]:
    """Remove 多/餘/余 from a numeral; return the rest and whether one was there."""
    stripped = re.sub(f"[{APPROX_MARKS}]", "", numeral)
    return stripped, stripped != numeral


def parse_number(numeral: str) -> float:
    """Read a numeral string (no unit) as a float.

    Takes Arabic (``2.6``), Arabic with magnitude (``2.6萬億``, ``1.35億``, ``19.3萬``),
    Chinese (``十一``, ``兩``, ``二十``, ``一億二千萬``), bare magnitudes (``萬億``, ``百億``) and
    numerals with an inside approximator (``300多億``, ``1000余``). Returns the value with
    the magnitude expanded; raises ValueError for anything else.
    """
    s, _ = strip_approximators(numeral.strip())
    if not s:
        raise ValueError(f"not a numeral: {numeral!r}")
    m = _ARABIC_FULL_RE.fullmatch(s)
    if m:
        try:
            digits = Decimal(m.group(1))
        except InvalidOperation as exc:  # pragma: no cover - regex guarantees digits
            raise ValueError(f"not a numeral: {numeral!r}") from exc
        mag = m.group(2) or ""
        factor = 1
        for ch in mag:
            factor *= CN_MAGNITUDES[ch]
        # Own Decimal arithmetic: cn2an smart mode truncates fractions and rejects 萬億.
        return _decimal_to_float(digits * factor)
    if not all(ch in _CN_NUM_CHARS for ch in s):
        raise ValueError(f"not a numeral: {numeral!r}")
    if _is_bare_magnitude(s):
        return float(_bare_magnitude_value(s))
    try:
        value = cn2an.cn2an(s, "normal")
    except (ValueError, KeyError, IndexError):
        # cn2an rejects some valid forms (e.g. a trailing 萬億 group); fall back to our reader.
        value = _own_cn_int(s)
    return float(value)


def _fmt_duration_number(value: float) -> str:
    """Format a duration count for ISO 8601 (5 → '5', 1.5 → '1.5')."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _unit_label(unit: str | None, ordinal: bool) -> str:
    """Label implied by a unit or classifier (and a leading 第)."""
    if ordinal:
        return "ORDINAL"
    if unit is None:
        return "CARDINAL"
    if unit in PERCENT_UNITS:
        return "PERCENT"
    if unit in MONEY_UNITS:
        return "MONEY"
    if unit in QUANTITY_UNITS:
        return "QUANTITY"
    if unit in DATE_UNITS:
        return "DATE"
    if unit in TIME_UNITS:
        return "TIME"
    return "CARDINAL"


def _canonical_unit(unit: str | None) -> str | None:
    """Unit as the contract records it: 個百分點 → 百分點, ％ → %, others as written."""
    if unit is None:
        return None
    return PERCENT_UNITS.get(unit, unit)


def _date_timex(core: str, unit: str) -> str | None:
    """Timex for a DATE numeral + unit: years as YYYY, ages and durations as P…."""
    value = parse_number(core)
    if unit == "年":
        plain, _ = strip_approximators(core)
        if re.fullmatch(r"\d{4}", plain) and 1000 <= value <= 2999:
            return plain
        if re.fullmatch(rf"[{''.join(CN_DIGIT_VALUES)}]{{4}}", plain):
            return str(int(value))
        return f"P{_fmt_duration_number(value)}Y"
    if unit == "歲":
        return f"P{_fmt_duration_number(value)}Y"
    if unit == "個月":
        return f"P{_fmt_duration_number(value)}M"
    if unit == "天":
        return f"P{_fmt_duration_number(value)}D"
    if unit in ("周", "週"):
        return f"P{_fmt_duration_number(value)}W"
    return None


def read_span(core: str, unit: str | None = None, *, ordinal: bool = False,
              before: str = "", after: str = "", label: str | None = None) -> Reading:
    """Read one numeral core with its unit into label, value, timex, unit and qualifier.

    ``core`` is the numeral (``2.6萬億``, ``七``), ``unit`` the unit or classifier written
    right after it or None, ``ordinal`` whether ``第`` precedes it; ``before``/``after`` are
    the sentence text around the span, used only for qualifier words; ``label`` overrides
    the unit-implied label (used for unit-less magnitudes). Returns a :class:`Reading`.
    """
    lab = label or _unit_label(unit, ordinal)
    _, inside_approx = strip_approximators(core)
    qualifier = qualifier_from_context(before, after)
    if qualifier == "exact" and inside_approx:
        qualifier = "approx"
    if lab in ("DATE", "TIME"):
        timex = _date_timex(core, unit) if unit in DATE_UNITS else _time_timex(core, unit)
        return Reading(lab, None, timex, None, qualifier)
    value = parse_number(core)
    if unit == "成":
        value *= 10
    return Reading(lab, value, None, _canonical_unit(unit), qualifier)


def _time_timex(core: str, unit: str | None) -> str | None:
    """Timex for TIME durations (3小時 → PT3H); None where the unit is not a duration."""
    value = parse_number(core)
    if unit == "小時":
        return f"PT{_fmt_duration_number(value)}H"
    if unit == "分鐘":
        return f"PT{_fmt_duration_number(value)}M"
    return None


def qualifier_from_context(before: str, after: str) -> str:
    """Qualifier from the words right before and right after a span (the spec's one list).

    ``before`` is the text ending where the span starts, ``after`` the text starting
    where it ends. Returns ``over``, ``under``, ``approx`` or ``exact``.
    """
    for word, qual in QUALIFIERS_AFTER:
        if after.startswith(word):
            return qual
    for word, qual in QUALIFIERS_BEFORE:
        if before.endswith(word):
            # 打破 is "break (a record)", not a threshold.
            if word == "破" and before.endswith("打破"):
                continue
            return qual
    return "exact"


# =========================================================================== proposer


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges inside “…” quotes (marks included); an unclosed quote runs to the end."""
    ranges: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(text):
        if ch == "“":
            if open_at is None:
                open_at = i
        elif ch == "”":
            # A closing mark with no opener: the quote began in an earlier sentence.
            ranges.append((0 if open_at is None else open_at, i + 1))
            open_at = None
    if open_at is not None:
        ranges.append((open_at, len(text)))
    return ranges


def _term_ranges(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Ranges of every occurrence of any term in the text."""
    out: list[tuple[int, int]] = []
    for term in terms:
        for m in re.finditer(re.escape(term), text):
            out.append((m.start(), m.end()))
    return out


def _overlaps(start: int, end: int, ranges: Iterable[tuple[int, int]]) -> bool:
    """True if [start, end) shares a character with any range."""
    return any(start < r_end and r_start < end for r_start, r_end in ranges)


@dataclass
class _Candidate:
    """A matched span before reading: offsets, numeral core, unit, 第."""

    start: int
    end: int
    core: str
    unit: str | None
    ordinal: bool
    core_start: int
    core_end: int


def _exclusion(text: str, c: _Candidate, blocked: list[tuple[int, int]]) -> str | None:
    """Why a candidate is not a numeric entity (a short class name), or None if it is."""
    plain, _ = strip_approximators(c.core)
    is_arabic = plain[:1].isdigit()
    after_core = text[c.core_end:]
    before = text[:c.start]
    if _overlaps(c.start, c.end, blocked):
        return "quote-or-name"
    if not c.ordinal:
        enum = _ENUM_START_RE.match(text)
        if enum and c.start < enum.end():
            return "enumerator"
        for m in _ENUM_SHI_RE.finditer(text):
            if m.start() <= c.core_start < m.end() and c.unit is None:
                return "enumerator"
    # Codes and identifiers: a Latin letter glued to the digits (G0616, S22, 5A級).
    if is_arabic:
        letters = len(before) - len(before.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
        # One or two letters make a road or grid code (G0616, S22); GDP6% is a word then a number.
        if 1 <= letters <= 2:
            return "code"
        if c.unit is None and after_core[:1] and _ASCII_LETTER_RE.fullmatch(after_core[:1]):
            return "code"
        if before.endswith("路") and c.unit is None:
            return "code"
    if c.unit is None and any(after_core.startswith(s) for s in CODE_SUFFIXES):
        return "code"
    if c.unit in ("期", "屆") and not c.ordinal:
        return "name-or-phase"
    if c.unit == "次" and not c.ordinal and after_core.startswith("次全會"):
        return "name-or-phase"
    if c.unit == "級" and not c.ordinal and (is_arabic or _is_bare_magnitude(plain)):
        return "grade-or-size-class"
    # Indicator names built on a unit: 萬元GDP用水量.
    if _is_bare_magnitude(plain) and c.unit in MONEY_UNITS:
        rest = text[c.end:]
        if rest.startswith(("GDP", "工業增加值", "产值", "產值")):
            return "indicator-name"
    # Bare magnitudes count only with a unit, a threshold word or a money noun after them.
    if _is_bare_magnitude(plain) and c.unit is None and not c.ordinal:
        if qualifier_from_context(before, text[c.end:]) == "exact" and not text[c.end:].startswith(
            ("基金", "資金", "投資", "產業基金")
        ):
            return "word-not-number"
    if _is_bare_magnitude(plain) and c.unit is not None and c.unit not in MONEY_UNITS and not c.ordinal:
        # 近萬人 is an amount; 百年, 千億級 are words or size classes.
        countable = c.unit in QUANTITY_UNITS or (c.unit in CARDINAL_UNITS and c.unit not in ("級", "大", "強"))
        if not (countable and qualifier_from_context(before, text[c.end:]) != "exact"):
            return "word-not-number"
    # 一 + classifier is the indefinite article (一批, 一座, 一天), except in durations.
    if not c.ordinal and not is_arabic and plain in ("一", "壹") and c.unit not in (
        "年", "歲", "倍", "成", "%", "％", "個百分點", "百分點", "個月",
    ):
        return "vague"
    if not c.ordinal and not is_arabic and c.unit is None and not _is_bare_magnitude(plain):
        if not after_core.startswith(COUNTED_NOUNS):
            return "word-not-number"
    if is_arabic and c.unit is None and not c.ordinal:
        # A bare integer with no magnitude (331, 12345) is a route, phone or code number.
        if re.fullmatch(r"\d+", plain) and plain == c.core:
            return "code"
    if c.unit != "級" and text[c.end:].startswith("級"):
        # A size class (10萬千瓦級, like 千億級) names a category, not an amount.
        return "grade-or-size-class"
    if c.unit == "大" and before.endswith("黨的"):
        return "quote-or-name"
    return None


def _label_without_unit(text: str, c: _Candidate) -> str:
    """Label for a unit-less magnitude from clause cues: MONEY, QUANTITY or CARDINAL."""
    after = text[c.end:c.end + 4]
    if after.startswith(("基金", "資金", "投資", "產業基金")):
        return "MONEY"
    clause_start = max(text.rfind(p, 0, c.start) for p in "，。；：！？、")
    clause = text[clause_start + 1:c.start]
    if any(cue in clause for cue in QUANTITY_CUES):
        return "QUANTITY"
    if any(cue in clause for cue in MONEY_CUES):
        return "MONEY"
    return "CARDINAL"


def _span_dict(text: str, start: int, end: int, reading: Reading) -> dict:
    """One span as the contract's JSON object."""
    return {
        "start": start,
        "end": end,
        "text": text[start:end],
        "label": reading.label,
        "value": reading.value,
        "timex": reading.timex,
        "unit": reading.unit,
        "qualifier": reading.qualifier,
        "status": "auto",
    }


def _date_span(text: str, m: re.Match) -> dict | None:
    """A calendar-date match (2025年1月14日, 1月14日) as a DATE span, or None if invalid."""
    try:
        if m.group("y"):
            y = int(parse_number(m.group("y")))
            mo = int(parse_number(m.group("m")))
            d = int(parse_number(m.group("d"))) if m.group("d") else None
            ystr = f"{y:04d}"
        elif m.group("m2"):
            ystr = "XXXX"
            mo = int(parse_number(m.group("m2")))
            d = int(parse_number(m.group("d2")))
        else:
            ystr, d = "XXXX", None
            mo = int(parse_number(m.group("m3")))
    except ValueError:
        return None
    if not 1 <= mo <= 12 or (d is not None and not 1 <= d <= 31):
        return None
    timex = f"{ystr}-{mo:02d}" + (f"-{d:02d}" if d is not None else "")
    q = qualifier_from_context(text[:m.start()], text[m.end():])
    return _span_dict(text, m.start(), m.end(), Reading("DATE", None, timex, None, q))


def _range_span(text: str, m: re.Match) -> dict | None:
    """A range (3—5年) as one span with value and timex null, or None if it is no range."""
    ua, ub = m.group("ua"), m.group("ub")
    if m.group("sep") in ("至", "到") and ua is not None:
        # 由18%增至71% style moves have a verb before 至; a unit on both sides is two numbers.
        return None
    if ua is not None and ua != ub:
        return None
    try:
        parse_number(m.group("a"))
        parse_number(m.group("b"))
    except ValueError:
        return None
    q = qualifier_from_context(text[:m.start()], text[m.end():])
    label = _unit_label(ub, False)
    return _span_dict(text, m.start(), m.end(),
                      Reading(label, None, None, None if label in ("DATE", "TIME") else _canonical_unit(ub), q))


def _propagate_list_qualifiers(text: str, spans: list[dict]) -> None:
    """A qualifier closing a coordinated list applies to every number in it (in place)."""
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and text[spans[j]["end"]:spans[j + 1]["start"]] in COORDINATORS \
                and spans[j + 1]["label"] == spans[i]["label"]:
            j += 1
        if j > i:
            closing = qualifier_from_context("", text[spans[j]["end"]:])
            if closing != "exact":
                for k in range(i, j):
                    if spans[k]["qualifier"] == "exact":
                        spans[k]["qualifier"] = closing
        i = j + 1


def _scan(text: str) -> Iterator[tuple[str, dict | _Candidate]]:
    """Scan a sentence left to right: ('span', dict) for dates, ranges, fractions, 百分之N; ('cand', _Candidate) else."""
    i = 0
    n = len(text)
    while i < n:
        m = DATE_RE.match(text, i)
        if m:
            span = _date_span(text, m)
            if span is not None:
                yield "span", span
                i = m.end()
                continue
        m = RANGE_RE.match(text, i)
        if m and (i == 0 or text[i - 1] != "第"):
            span = _range_span(text, m)
            if span is not None:
                yield "span", span
                i = m.end()
                continue
        m = PERCENT_OF_RE.match(text, i)
        if m:
            try:
                value = parse_number(m.group("core"))
            except ValueError:
                value = None
            if value is not None:
                q = qualifier_from_context(text[:m.start()], text[m.end():])
                yield "span", _span_dict(text, m.start(), m.end(), Reading("PERCENT", value, None, "百分之", q))
                i = m.end()
                continue
        m = FRACTION_RE.match(text, i)
        if m:
            try:
                value = parse_number(m.group("num")) / parse_number(m.group("den"))
            except (ValueError, ZeroDivisionError):
                value = None
            if value is not None:
                q = qualifier_from_context(text[:m.start()], text[m.end():])
                yield "span", _span_dict(text, m.start(), m.end(), Reading("CARDINAL", value, None, None, q))
                i = m.end()
                continue
        m = NUM_RE.match(text, i)
        if m:
            core_start, core_end = m.span("core")
            unit, end = m.group("unit"), m.end()
            if unit is not None and text[end:end + 1] and text[end] in UNIT_NOT_BEFORE.get(unit, ""):
                unit, end = None, core_end
            if unit == "成" and any(ch in m.group("core") for ch in CN_MAGNITUDES):
                # 3億成交額: 成 after a magnitude is never "tenths".
                unit, end = None, core_end
            yield "cand", _Candidate(
                start=m.start(), end=end, core=m.group("core"), unit=unit,
                ordinal=m.group("ord") is not None, core_start=core_start, core_end=core_end,
            )
            i = end
            continue
        i += 1


def _blocked_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges where no numeral is an entity: quotations, names and vague expressions."""
    return quoted_ranges(text) + _term_ranges(text, NAME_TERMS) + _term_ranges(text, VAGUE_TERMS)


def propose_with_rejections(text: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """Propose spans for one sentence text and list what was rejected and why.

    Takes the clean sentence text; returns (spans sorted by start, [(matched text, reason)]).
    """
    blocked = _blocked_ranges(text)
    # Dates, ranges and fractions are never vague uses; only quotes and names block them.
    quote_or_name = quoted_ranges(text) + _term_ranges(text, NAME_TERMS)
    spans: list[dict] = []
    rejected: list[tuple[str, str]] = []
    for kind, item in _scan(text):
        if kind == "span":
            assert isinstance(item, dict)
            if _overlaps(item["start"], item["end"], quote_or_name):
                rejected.append((item["text"], "quote-or-name"))
            else:
                spans.append(item)
            continue
        assert isinstance(item, _Candidate)
        c = item
        reason = _exclusion(text, c, blocked)
        if reason is not None:
            rejected.append((text[c.start:c.end], reason))
            continue
        label = None
        if c.unit is None and not c.ordinal:
            label = _label_without_unit(text, c)
        try:
            reading = read_span(c.core, c.unit, ordinal=c.ordinal, before=text[:c.start],
                                after=text[c.end:], label=label)
        except ValueError:
            rejected.append((text[c.start:c.end], "unreadable"))
            continue
        spans.append(_span_dict(text, c.start, c.end, reading))
    spans.sort(key=lambda s: (s["start"], s["end"]))
    _propagate_list_qualifiers(text, spans)
    return spans, rejected


def propose(sentence: dict) -> list[dict]:
    """Propose numeric-entity spans for one sentence record.

    Takes a sentence dict with at least ``text`` (clean traditional Chinese). Returns the
    spans sorted by start, each with start, end, text, label, value, timex, unit,
    qualifier and ``status = "auto"``; spans never overlap.
    """
    spans, _ = propose_with_rejections(sentence["text"])
    return spans


def propose_records(sentences: Iterable[dict]) -> Iterator[dict]:
    """Yield one proposal record per sentence: id, text_hash, proposer, spans."""
    for sentence in sentences:
        yield {
            "id": sentence["id"],
            "text_hash": sentence.get("text_hash"),
            "proposer": PROPOSER,
            "spans": propose(sentence),
        }


def read_sentences(path: str | Path) -> Iterator[dict]:
    """Stream sentence records from a JSON-lines file."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def propose_file(sentences_path: str | Path, out_path: str | Path) -> int:
    """Propose spans for every sentence in ``sentences_path``; write JSON lines to ``out_path``.

    Returns the number of spans written. Output is byte-identical across runs.
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for record in propose_records(read_sentences(sentences_path)):
            total += len(record["spans"])
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    return total
