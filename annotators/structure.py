"""Stage 3: the document's structure (metadata, parts, sections, paragraphs) and its sentences.

The clean text keeps the raw line structure: one paragraph per non-empty line. The first
four lines are document metadata (title, date and venue, speaker, photo caption), not
speech. Each speech paragraph knows its part (`一、…`, `二、…`; None before part 一), its
numbered section (`（一）` … `（十一）`; None where a part has no sections and for the closing
`各位代表！` paragraphs after the last section) and its number. A part heading is a paragraph
of its own; a section heading is the first sentence of its paragraph. Both are headings.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from . import DOC_ID
from .clean import CleanText
from .errors import CorpusError, context_snippet
from .sentences import split_sentences
from .simplify import simplify

CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
PART_RE = re.compile(r"^([一二三四五六七八九十]+)、([^。！？]+)$")
SECTION_RE = re.compile(r"^（([一二三四五六七八九十]+)）")
DATE_VENUE_RE = re.compile(r"^——(\d{4})年(\d{1,2})月(\d{1,2})日在(.+)上$")
SPEAKER_RE = re.compile(r"^(.+?(?:主席|省長|市長|主任))(\S{2,4})$")
CLOSING_ADDRESS = "各位代表！"
TEXT_HASH_LENGTH = 16


def small_chinese_number(numeral: str) -> int:
    """Value of a Chinese numeral from 一 to 九十九 (section and part markers)."""
    if numeral in CHINESE_DIGITS:
        return CHINESE_DIGITS[numeral]
    tens, _, units = numeral.partition("十")
    if not _ or any(c not in CHINESE_DIGITS for c in tens + units) or len(tens) > 1 or len(units) > 1:
        raise ValueError(f"not a Chinese numeral from 1 to 99: {numeral!r}")
    return CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(units, 0)


def text_hash(text: str) -> str:
    """Short content hash of a sentence (first 16 hex digits of SHA-256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:TEXT_HASH_LENGTH]


def sentence_id(paragraph: int, index: int) -> str:
    """Structural id `nmg2025-p014-s03`: paragraph number and 1-based index in the paragraph."""
    return f"{DOC_ID}-p{paragraph:03d}-s{index:02d}"


@dataclass
class MetadataField:
    """One metadata line: its value(s) and where it is in the clean and raw text."""

    text: str
    clean_start: int
    clean_end: int
    raw_start: int
    raw_end: int


@dataclass
class Paragraph:
    """A speech paragraph (one line of the clean text) with its place in the structure."""

    paragraph: int
    part: str | None
    section: str | None
    section_number: int | None
    is_part_heading: bool
    text: str
    clean_start: int
    clean_end: int
    raw_start: int
    raw_end: int
    sentence_ids: list[str] = field(default_factory=list)


@dataclass
class Document:
    """The parsed report: metadata, paragraphs and sentences (dicts ready for JSONL)."""

    metadata: dict
    paragraphs: list[Paragraph]
    sentences: list[dict]


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            spans.append((start, end))
        start = end + 1
    return spans


def parse_metadata(clean: CleanText, lines: list[tuple[int, int]]) -> dict:
    """Read title, date and venue, speaker and photo caption from the first four lines."""
    if len(lines) < 5:
        raise CorpusError("E-STRUCTURE", f"the clean text has {len(lines)} non-empty lines; expected metadata and speech")

    def field_of(k: int) -> MetadataField:
        s, e = lines[k]
        rs, re_ = clean.raw_span(s, e)
        return MetadataField(clean.text[s:e], s, e, rs, re_)

    title, date_line, speaker, caption = (field_of(k) for k in range(4))
    m = DATE_VENUE_RE.match(date_line.text)
    if not m:
        raise CorpusError("E-STRUCTURE", f"line 2 at clean offset {date_line.clean_start} is not a date and venue line: {date_line.text!r}")
    year, month, day, venue = m.groups()
    sm = SPEAKER_RE.match(speaker.text)
    if not sm:
        raise CorpusError("E-STRUCTURE", f"line 3 at clean offset {speaker.clean_start} is not a speaker line: {speaker.text!r}")
    if "攝" not in caption.text:
        raise CorpusError("E-STRUCTURE", f"line 4 at clean offset {caption.clean_start} is not a photo caption: {caption.text!r}")
    return {
        "title": re.sub(r"\s+", "", title.text),
        "title_as_written": asdict(title),
        "date": f"{int(year):04d}-{int(month):02d}-{int(day):02d}",
        "venue": venue,
        "date_venue_line": asdict(date_line),
        "speaker": sm.group(2),
        "speaker_title": sm.group(1),
        "speaker_line": asdict(speaker),
        "photo_caption": asdict(caption),
    }


def parse_document(clean: CleanText) -> Document:
    """Split the clean text into metadata, structured paragraphs and sentences."""
    lines = _lines(clean.text)
    metadata = parse_metadata(clean, lines)
    paragraphs: list[Paragraph] = []
    sentences: list[dict] = []
    part: str | None = None
    section: str | None = None
    section_number: int | None = None
    for number, (start, end) in enumerate(lines[4:], start=1):
        text = clean.text[start:end]
        part_match = PART_RE.match(text)
        section_match = SECTION_RE.match(text)
        if part_match:
            part, section, section_number = text, None, None
        elif section_match:
            section, section_number = section_match.group(0), small_chinese_number(section_match.group(1))
        elif section is not None and text.startswith(CLOSING_ADDRESS):
            # The closing address after the last section belongs to no section.
            section, section_number = None, None
        rs, re_ = clean.raw_span(start, end)
        para = Paragraph(number, part, section, section_number, bool(part_match), text, start, end, rs, re_)
        spans = split_sentences(text)
        if not spans:
            raise CorpusError("E-STRUCTURE", f"paragraph {number} at clean offset {start} has no sentence: {context_snippet(clean.text, start, end)}")
        for index, (s, e) in enumerate(spans, start=1):
            sent_text = text[s:e]
            simplified, alignment = simplify(sent_text)
            srs, sre = clean.raw_span(start + s, start + e)
            sid = sentence_id(number, index)
            para.sentence_ids.append(sid)
            sentences.append({
                "id": sid,
                "text_hash": text_hash(sent_text),
                "part": part,
                "section": section,
                "section_number": section_number,
                "paragraph": number,
                "index": index,
                "is_heading": bool(part_match) or (bool(section_match) and index == 1),
                "text": sent_text,
                "text_simplified": simplified,
                "simplified_alignment": alignment,
                "clean_start": start + s,
                "clean_end": start + e,
                "raw_start": srs,
                "raw_end": sre,
            })
        paragraphs.append(para)
    return Document(metadata, paragraphs, sentences)
