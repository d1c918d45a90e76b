"""Headings as section labels, and the regions classification may skip.

``section_kind`` maps a heading's text to one of ``SECTION_KINDS``, the
section types that weight evidence ("5. Findings" -> "findings"); cleaning
stores it on every block, and segmentation on every passage. Regions: ``contents`` pages (a
"Contents" heading, or lines ending in page numbers), ``front_matter`` (a
cover page and anything before the contents), ``footnotes`` (from layout),
``references`` (from a References/Bibliography heading to the next heading)
and ``appendix`` (from an Appendix/Annex heading to the end).
"""

from __future__ import annotations

import re

from practice_themes.clean.paragraphs import RawBlock

# The one vocabulary of section kinds: assigned here, at clean time, carried on each
# block and passage (``section_kind``); classification only looks up its weight.
SECTION_KINDS = (
    "findings", "analysis", "chronology", "background", "introduction", "summary", "conclusion",
    "good_practice", "methodology", "recommendations", "terms_of_reference", "glossary", "contents",
    "references", "other",
)
# First match wins, so the more specific phrases come first; the second half
# only decides headings none of the first half names (a bare "Lessons").
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("good_practice", r"good practice|strengths|what (went|worked) well|positive practice"),
        ("terms_of_reference", r"terms of reference|\bscope\b"),
        ("methodology", r"methodolog|\bmethods?\b|review process|process of the review|how the review"),
        ("recommendations", r"recommendation|next steps|action plan|actions for"),
        ("findings", r"finding|lessons? learn|learning|key issues|themes? (for|from)|what (we|the review) found"),
        ("analysis", r"analysis|appraisal|practice episodes?|discussion|evaluation|reflections?"),
        ("chronology", r"chronolog|timeline|summary of (key )?events|key events|case history|narrative"),
        ("conclusion", r"conclu|closing|final (remarks|comments)"),
        ("background", r"background|family (history|composition|context|structure)|\bcontext\b|pen picture|"
                       r"the child(ren)?\b|about (the )?child|circumstances|case summary"),
        ("introduction", r"introduction|purpose|about this"),
        ("summary", r"summary|\boverview\b"),
        ("terms_of_reference", r"key lines of enquiry|review questions"),
        ("recommendations", r"improvement|actions? for the partnership"),
        ("findings", r"lessons"),
        ("analysis", r"practice issues|themes"),
        ("methodology", r"approach|involvement of the family|family involvement"),
        ("background", r"the family"),
        ("introduction", r"preface|foreword"),
        ("contents", r"contents"),
        ("references", r"references|bibliography|sources"),
        ("glossary", r"glossary|abbreviations|acronyms"),
    )
)
_NUMBER_PREFIX = re.compile(r"^\s*(?:section\s+|part\s+|chapter\s+)?(?:\d{1,3}(?:\.\d{1,3})*\.?|[ivx]{1,5}\.|[a-z]\.)\s+", re.IGNORECASE)


def section_kind(section: str) -> str:
    """The normalised kind of a section heading, one of ``SECTION_KINDS``.

    >>> section_kind("5. Findings")
    'findings'
    >>> section_kind("Terms of Reference")
    'terms_of_reference'
    """
    text = _NUMBER_PREFIX.sub("", section or "").lower()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return "other"


_NUMBERED_HEADING = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.|Part\s+\w+:?|Section\s+\d+:?)\s+[A-Z][^.!?]{1,80}$")
_APPENDIX = re.compile(r"^\s*(?:\d+\.?\s+)?(?:appendix|appendices|annex|annexe)\b", re.IGNORECASE)
_REFERENCES = re.compile(r"^\s*(?:\d+\.?\s+)?(?:references|bibliography|sources|endnotes|further reading|notes)\s*$", re.IGNORECASE)
_CONTENTS = re.compile(r"^\s*(?:table of )?contents\s*$", re.IGNORECASE)
_TOC_LINE = re.compile(r"(?:\.{3,}|…|\s)\s*(?:\d{1,3}|[ivx]{1,5})\s*$")
_KNOWN_TITLES = re.compile(
    r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:introduction|background|findings|analysis|recommendations?|"
    r"terms of reference|chronology|conclusions?|good practice|methodology|summary|executive summary|"
    r"references|appendix\b.*|contents|glossary)\s*:?\s*$",
    re.IGNORECASE,
)


def block_text(block: RawBlock) -> str:
    return " ".join(ln.text.strip() for ln in block.lines)


def is_heading(block: RawBlock, *, body_size: float, body_bold: bool) -> bool:
    """A short line set apart by style, numbering or a known section title."""
    kinds = {ln.kind for ln in block.lines}
    if kinds & {"heading1", "heading2", "title"}:
        return True
    if block.kind != "paragraph" or block.footnote or kinds - {"", "paragraph"}:
        return False
    text = block_text(block)
    words = text.split()
    if not words or len(words) > 16 or len(block.lines) > 3 or len(text) > 140:
        return False
    if text.rstrip().endswith((".", ",", ";")) and not _KNOWN_TITLES.match(text.rstrip(".")):
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    if re.fullmatch(r"[\d\s.,%£$()-]+", text):
        return False
    if _KNOWN_TITLES.match(text):
        return True
    first = block.first
    if first.size > 0 and body_size > 0:
        if first.size >= 1.15 * body_size and all(ln.size >= 1.1 * body_size for ln in block.lines):
            return True
        if all(ln.bold for ln in block.lines) and not body_bold:
            return True
        return False
    # No geometry (OCR or plain text): numbering or capitals must show it.
    return bool(_NUMBERED_HEADING.match(text)) or (text.isupper() and len(words) <= 8)


def heading_level(block: RawBlock, body_size: float) -> int:
    """1 for the main sections, 2 for sub-headings (used to scope regions)."""
    kinds = {ln.kind for ln in block.lines}
    if "heading1" in kinds or "title" in kinds:
        return 1
    if "heading2" in kinds:
        return 2
    text = block_text(block)
    if re.match(r"^\s*\d{1,2}\.\d", text):
        return 2
    if block.first.size > 0 and body_size > 0 and block.first.size < 1.25 * body_size and not _KNOWN_TITLES.match(text):
        return 2
    return 1


def is_contents_page(blocks: list[RawBlock]) -> bool:
    """A "Contents" heading, or most lines end in a page number."""
    lines = [ln.text.strip() for b in blocks for ln in b.lines if ln.text.strip()]
    if not lines:
        return False
    if any(_CONTENTS.match(t) for t in lines[:4]):
        return True
    ending = sum(1 for t in lines if _TOC_LINE.search(t) and len(t) > 6)
    return len(lines) >= 5 and ending / len(lines) >= 0.6


def is_appendix_heading(text: str) -> bool:
    return bool(_APPENDIX.match(text))


def is_references_heading(text: str) -> bool:
    return bool(_REFERENCES.match(text))


def is_cover_page(blocks: list[RawBlock], n_pages: int) -> bool:
    """Page 1 of a longer document with little text on it."""
    words = sum(len(block_text(b).split()) for b in blocks)
    return n_pages >= 4 and words < 120
