"""Paragraphs rebuilt from hard-wrapped lines.

A new paragraph starts at a vertical gap larger than the page's usual line
spacing, at a numbered paragraph ("4.12 ..."), a bullet, a change of font
size or weight (headings), after a short line that ends a sentence, and at
every line that ingestion labelled (Word paragraphs, table rows). The page's
footnotes (:mod:`.footnotes`) are grouped apart, one block per note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from practice_themes.clean.footnotes import footnote_lines, opens_note, with_mark
from practice_themes.types import TextLine

_BULLET_START = re.compile(r"^\s*(?:[•\-–*▪◦o]\s+|\(?[a-z]\)\s+|\(?[ivx]{1,4}\)\s+)")
_NUMBERED_START = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})+\.?\s+\S|^\s*\d{1,3}[.)]\s+[A-Z\"'(]")
_TERMINAL = (".", "!", "?", ":", ";", '"', "'", ")")


@dataclass
class RawBlock:
    """Lines of one page that belong together, before they become a ``Block``."""

    page: int
    lines: list[TextLine] = field(default_factory=list)
    kind: str = "paragraph"
    footnote: bool = False

    @property
    def first(self) -> TextLine:
        return self.lines[0]

    @property
    def last(self) -> TextLine:
        return self.lines[-1]


def starts_paragraph(text: str) -> bool:
    """True when a line opens a numbered paragraph or a list item."""
    return bool(_NUMBERED_START.match(text) or _BULLET_START.match(text))


def looks_like_title(text: str) -> bool:
    """A short capitalised line with no closing punctuation: a heading in plain text."""
    text = text.strip()
    return (0 < len(text.split()) <= 8 and (text[0].isupper() or text[0].isdigit())
            and not text.endswith((".", ",", ";", "-")) and not text.isdigit())


def is_bullet(text: str) -> bool:
    return bool(_BULLET_START.match(text))


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


def _has_geometry(lines: list[TextLine]) -> bool:
    """True when the page's text lines (table rows aside) carry positions."""
    text_lines = [ln for ln in lines if not ln.kind]
    return bool(text_lines) and all(ln.size > 0 for ln in text_lines)


def _break_between(prev: TextLine, line: TextLine, *, gap_limit: float, right_edge: float,
                   geometry: bool, longest: int) -> bool:
    if prev.kind or line.kind:
        return True
    if line.mark and geometry and line.x0 >= prev.x1 - 0.01 and min(prev.bottom, line.bottom) > max(prev.top, line.top):
        return False  # the rest of a row that pdfium broke at a note reference: "help." + "4 Early help means"
    if starts_paragraph(line.text):
        return True
    if not geometry:
        short = len(prev.text.strip()) < 0.7 * longest
        if ends_sentence(prev.text) and (short or looks_like_title(line.text)):
            return True
        return looks_like_title(prev.text) and line.text.lstrip()[:1].isupper()
    if line.top < prev.top - 0.005:  # back up the page: next column or a boxed aside
        return ends_sentence(prev.text)
    if line.top - prev.bottom > gap_limit:
        return True
    # A change of weight or size sets a heading apart; a bold word that
    # merely opens a line inside a paragraph does not.
    if prev.bold != line.bold and (ends_sentence(prev.text) or prev.x1 < right_edge - 0.12):
        return True
    if abs(prev.size - line.size) > max(1.2, 0.12 * max(prev.size, line.size)):
        return True
    if ends_sentence(prev.text) and prev.x1 < right_edge - 0.12:
        return True
    # Back at the left margin after indented text: a list item has ended.
    return line.x0 < prev.x0 - 0.02 and ends_sentence(prev.text)


def _note_blocks(lines: list[TextLine], page: int) -> list[RawBlock]:
    """The notes at the foot of a page, one block per note mark."""
    blocks: list[RawBlock] = []
    for line in lines:
        if blocks and not opens_note(line):
            blocks[-1].lines.append(line)
        else:
            blocks.append(RawBlock(page=page, lines=[with_mark(line)], footnote=True))
    return blocks


def page_blocks(lines: list[TextLine], page: int, *, body_size: float) -> list[RawBlock]:
    """Group a page's lines (furniture already removed) into blocks; footnotes come last."""
    if not lines:
        return []
    geometry = _has_geometry(lines)
    notes: list[TextLine] = []
    if geometry and body_size > 0:
        marked = footnote_lines(lines, body_size)
        if marked:
            notes = [ln for i, ln in enumerate(lines) if i in marked]
            lines = [ln for i, ln in enumerate(lines) if i not in marked]
    blocks: list[RawBlock] = []
    if lines:
        blocks = _body_blocks(lines, page, geometry=geometry)
    return blocks + _note_blocks(notes, page)


def _body_blocks(lines: list[TextLine], page: int, *, geometry: bool) -> list[RawBlock]:
    gap_limit = right_edge = 0.0
    longest = max(len(ln.text.strip()) for ln in lines)
    text_lines = [ln for ln in lines if not ln.kind]
    if geometry and text_lines:
        h = median(ln.bottom - ln.top for ln in text_lines)
        gaps = [b.top - a.bottom for a, b in zip(text_lines, text_lines[1:]) if 0 <= b.top - a.top <= 2.5 * h]
        usual = median(gaps) if gaps else 0.0
        gap_limit = max(usual + 0.35 * h, usual * 1.8)
        right_edge = sorted(ln.x1 for ln in text_lines)[int(0.9 * (len(text_lines) - 1))]
    blocks: list[RawBlock] = []
    for line in lines:
        if blocks and not _break_between(blocks[-1].last, line, gap_limit=gap_limit, right_edge=right_edge,
                                         geometry=geometry, longest=longest):
            blocks[-1].lines.append(line)
            continue
        kind = {"table_row": "table_row", "table_header": "table_header", "bullet": "bullet"}.get(line.kind, "")
        if not kind:
            kind = "bullet" if is_bullet(line.text) else "paragraph"
        blocks.append(RawBlock(page=page, lines=[line], kind=kind))
    return blocks


def continues_across_pages(prev: RawBlock, nxt: RawBlock) -> bool:
    """True when ``nxt`` (first block of a page) carries on ``prev`` (last of the one before)."""
    if prev.kind not in ("paragraph", "bullet") or nxt.kind != "paragraph" or prev.footnote or nxt.footnote:
        return False
    tail, head = prev.last.text.rstrip(), nxt.first.text.lstrip()
    if not tail or not head or starts_paragraph(head):
        return False
    if prev.last.size and nxt.first.size and (prev.last.bold != nxt.first.bold
                                               or abs(prev.last.size - nxt.first.size) > 1.2):
        return False
    if tail[-1] in "\x02\ufffe-" or tail.endswith(","):
        return True
    return not ends_sentence(tail) and (head[0].islower() or head[0].isdigit() or head[0] in "(\"'")
