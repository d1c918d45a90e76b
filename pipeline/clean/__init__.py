"""Cleaning: raw pages to the cleaned document text and labelled blocks.

``clean_document`` chains small steps, each in its own module:
unicode normalisation (:mod:`.unicode`), note marks and footnotes
(:mod:`.footnotes`), running headers/footers and page numbers
(:mod:`.headers`), paragraphs from wrapped lines (:mod:`.paragraphs`),
line-end hyphens (:mod:`.hyphenation`), headings and regions
(:mod:`.sections`) and table rows (:mod:`.tables`).

A paragraph that runs over a page break becomes one block whose page is the
page it starts on; the notes at the foot of that page follow it.
``doc.metadata["page_starts"]`` lists ``[offset, page]`` pairs so that any
offset into ``doc.text`` maps back to the page it came from (see
:func:`page_at`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from statistics import median

from practice_themes.clean.footnotes import attach_note_marks
from practice_themes.clean.headers import furniture_lines
from practice_themes.clean.hyphenation import build_vocabulary, dehyphenate, join_lines, without_marked_words
from practice_themes.clean.paragraphs import RawBlock, continues_across_pages, page_blocks
from practice_themes.clean.sections import (
    block_text,
    heading_level,
    is_appendix_heading,
    is_contents_page,
    is_cover_page,
    is_heading,
    is_references_heading,
    section_kind,
)
from practice_themes.clean.tables import format_header, format_row, split_cells
from practice_themes.clean.unicode import BULLET, normalise_text
from practice_themes.errors import EmptyDocumentError
from practice_themes.types import Block, Document, TextLine

__all__ = ["clean_document", "normalise_text", "page_at", "section_kind"]

BLOCK_SEPARATOR = "\n\n"
_LEADING_BULLET = re.compile(rf"^\s*[{BULLET}\-–*▪◦]\s+")


def _page_lines(doc: Document) -> list[list[TextLine]]:
    is_docx = doc.metadata.get("format") == "docx"
    pages: list[list[TextLine]] = []
    for page in doc.pages:
        source = page.lines or [TextLine(text=t) for t in page.text.splitlines()]
        lines = []
        for ln in source:
            text = normalise_text(ln.text).strip()
            if not text:
                continue
            kind = ln.kind or ("paragraph" if is_docx else "")
            lines.append(replace(ln, text=text, kind=kind))
        pages.append(lines)
    return pages


def _body_style(pages: list[list[TextLine]]) -> tuple[float, bool]:
    """The body font size (median over lines with geometry) and whether body text is bold."""
    sized = [ln for lines in pages for ln in lines if ln.size > 0]
    if not sized:
        return 0.0, False
    return median(ln.size for ln in sized), sum(ln.bold for ln in sized) > 0.6 * len(sized)


def _block_string(block: RawBlock, vocabulary: frozenset[str]) -> tuple[str, list[tuple[int, int]]]:
    """The block's text and, for each line, its offset in that text."""
    text = ""
    offsets: list[tuple[int, int]] = []
    for i, line in enumerate(block.lines):
        before = len(text)
        text = join_lines(text, line.text, vocabulary) if text else line.text.strip()
        offsets.append((i, min(before + (1 if before else 0), len(text))))
    return text, offsets


def page_at(doc: Document, offset: int, *, keys: list[int] | None = None) -> int:
    """The page that the character at ``offset`` of ``doc.text`` came from.

    ``keys`` (the offsets of ``doc.metadata["page_starts"]``) may be passed in
    when calling this for many offsets.
    """
    starts = doc.metadata.get("page_starts") or []
    if not starts:
        return 1
    if keys is None:
        keys = [s for s, _ in starts]
    i = bisect.bisect_right(keys, offset) - 1
    return starts[max(i, 0)][1]


def clean_document(doc: Document) -> Document:
    """Fill ``doc.text`` and ``doc.blocks`` from ``doc.pages``.

    Raises:
        EmptyDocumentError: when nothing but page furniture was on the pages.
    """
    pages = _page_lines(doc)
    # The marked breaks themselves must not vote: a fragment such as "escal" in
    # "escal<mark>ate" would otherwise pass for a word, so only other
    # occurrences decide.
    vocabulary = build_vocabulary(without_marked_words(ln.text) for lines in pages for ln in lines)
    if doc.metadata.get("format") != "docx":
        pages = _without_furniture(pages)
    body_size, body_bold = _body_style(pages)
    per_page = [page_blocks(lines, p.number, body_size=body_size) for lines, p in zip(pages, doc.pages)]
    ordered = _reading_order(per_page, _page_hints(per_page))
    layout = _Layout(vocabulary, body_size, body_bold)
    for block, hint, breaks in ordered:
        layout.add(block, hint, breaks)
    doc.text = BLOCK_SEPARATOR.join(layout.texts)
    doc.blocks = layout.blocks
    doc.metadata["page_starts"] = sorted(layout.page_starts)
    if not doc.text.strip():
        raise EmptyDocumentError(doc.source_path, "no text left once headers, footers and page numbers were removed")
    return doc


def _without_furniture(pages: list[list[TextLine]]) -> list[list[TextLine]]:
    """Running headers, footers and page numbers dropped (PDF and text; Word has none in its body)."""
    # Note marks first: a raised "1" opening a note at the page foot is not a page number.
    marks_size = _body_style(pages)[0]
    pages = [attach_note_marks(lines, marks_size) for lines in pages]
    drops = furniture_lines(pages)
    return [[ln for i, ln in enumerate(lines) if i not in drop] for lines, drop in zip(pages, drops)]


def _page_hints(per_page: list[list[RawBlock]]) -> list[str]:
    """Each page's region hint: "contents", "front_matter" or "" (decided block by block)."""
    # Contents pages: within the first fifth of the document, consecutive.
    contents: set[int] = set()
    limit = max(6, len(per_page) // 5)
    for i, blocks in enumerate(per_page[:limit]):
        if is_contents_page(blocks):
            contents.add(i)
        elif contents:
            break
    front: set[int] = set()
    if contents:
        front = set(range(min(contents))) - contents
    elif per_page and is_cover_page(per_page[0], len(per_page)):
        front = {0}
    return ["contents" if i in contents else "front_matter" if i in front else "" for i in range(len(per_page))]


def _reading_order(per_page: list[list[RawBlock]], hints: list[str]) -> list[tuple[RawBlock, str, list[tuple[int, int]]]]:
    """(block, region hint, page breaks inside it) in reading order.

    A paragraph that runs over a page break is rejoined into one block (the
    break is kept as (line index, page)); a page's footnotes are placed
    after the paragraph that carries on over the break, so they never split it.
    """
    ordered: list[tuple[RawBlock, str, list[tuple[int, int]]]] = []
    pending_notes: list[RawBlock] = []
    last_body: int | None = None
    for blocks, hint in zip(per_page, hints):
        body = [b for b in blocks if not b.footnote]
        notes = [b for b in blocks if b.footnote]
        if (body and last_body is not None and not hint and not ordered[last_body][1]
                and continues_across_pages(ordered[last_body][0], body[0])):
            prev, _, breaks = ordered[last_body]
            breaks.append((len(prev.lines), body[0].page))
            prev.lines.extend(body[0].lines)
            body = body[1:]
        ordered.extend((b, "", []) for b in pending_notes)
        pending_notes = notes
        for b in body:
            ordered.append((b, hint, []))
            if b.kind in ("paragraph", "bullet"):
                last_body = len(ordered) - 1
    ordered.extend((b, "", []) for b in pending_notes)
    return ordered


class _Layout:
    """Lays blocks end to end into the document text, labelling each with its kind, section and region.

    The heading above a block names its section; appendix and references
    headings open a region that lasts to the end (appendix) or to the next
    heading at the same level or above (references).
    """

    def __init__(self, vocabulary: frozenset[str], body_size: float, body_bold: bool) -> None:
        self.vocabulary, self.body_size, self.body_bold = vocabulary, body_size, body_bold
        self.texts: list[str] = []
        self.blocks: list[Block] = []
        self.page_starts: list[list[int]] = []
        self.offset = 0
        self.section, self.region_state, self.references_level = "", "body", 0
        self.header: list[str] | None = None  # the cells of the table header above, while in a table

    def add(self, block: RawBlock, hint: str, breaks: list[tuple[int, int]]) -> None:
        text, kind, line_offsets = self._text(block)
        if not text:
            return
        region, kind = self._region(block, hint, text, kind)
        if self.texts:
            self.offset += len(BLOCK_SEPARATOR)
        start = self.offset
        self.page_starts.append([start, block.page])
        for line_index, page in breaks:
            within = dict(line_offsets).get(line_index, 0)
            self.page_starts.append([start + min(within, len(text)), page])
        section = "" if region in ("contents", "front_matter") else self.section
        self.blocks.append(Block(page=block.page, start=start, end=start + len(text), kind=kind, section=section,
                                 region=region, section_kind=section_kind(section)))
        self.texts.append(text)
        self.offset += len(text)

    def _text(self, block: RawBlock) -> tuple[str, str, list[tuple[int, int]]]:
        """The block's cleaned text, its kind and each line's offset in the text."""
        if block.kind in ("table_row", "table_header"):
            cells = split_cells(block_text(block))
            if block.kind == "table_header":
                self.header = cells
                text = format_header(cells)
            else:
                text = format_row(cells, self.header)
            text, kind, line_offsets = dehyphenate(text, self.vocabulary), "table_row", [(0, 0)]
        else:
            self.header = None
            text, line_offsets = _block_string(block, self.vocabulary)
            text = dehyphenate(text, self.vocabulary)
            kind = block.kind
            if kind == "bullet":
                text = _LEADING_BULLET.sub("", text)
        return " ".join(text.split()), kind, line_offsets

    def _region(self, block: RawBlock, hint: str, text: str, kind: str) -> tuple[str, str]:
        """(region, kind) of a block; a heading updates the section and region that follow it."""
        if hint:
            return hint, kind
        if block.footnote:
            return "footnotes", kind
        if is_heading(block, body_size=self.body_size, body_bold=self.body_bold):
            kind = "heading"
            level = heading_level(block, self.body_size)
            if is_appendix_heading(text):
                self.region_state = "appendix"
            elif is_references_heading(text):
                self.region_state, self.references_level = "references", level
            elif self.region_state == "references" and level <= self.references_level:
                self.region_state = "body"
            self.section = text.rstrip(":").strip()
        return self.region_state, kind
