"""Plain text (.txt) and Markdown (.md) to a ``Document`` whose lines are paragraphs.

Paragraphs are separated by blank lines; a single newline inside a paragraph
is layout (hard wrapping) and becomes a space. A line that opens a list item
("- ", "* ", "• ", "1. ") or a numbered paragraph ("4.12 ") starts a new
block, because exports and Markdown put those on consecutive lines.

Like the Word reader (``pipeline/ingest/docx.py``), each block is handed to
the cleaner as one labelled ``TextLine``, so blank-line paragraphs survive
cleaning as they are: plain paragraphs are ``paragraph``, Markdown ``#``
headings ``heading1`` (``##`` and deeper ``heading2``) with the markers
dropped, list items ``bullet`` and Markdown pipe tables ``table_row`` /
``table_header`` (cells separated by tabs). Plain-text headings are left to
the cleaner's own rules (numbering, capitals, known titles).

Pages: a form feed (``\\f``, as ``pdftotext`` writes) starts a new page;
text without one is all page 1. With several pages, the first and last
paragraph of each page go to the cleaner unlabelled, so that running headers,
footers and page numbers can be recognised there as they are in PDFs; a
single page passes through untouched.

Bytes must be UTF-8 (a byte-order mark is allowed): anything else is a
``TextEncodingError`` naming the offset, never silently replaced.
"""

from __future__ import annotations

import re
from pathlib import Path

from practice_themes.errors import EmptyDocumentError, TextEncodingError
from practice_themes.ingest.tables import CELL_SEPARATOR
from practice_themes.types import Document, Page, TextLine

TEXT_SUFFIXES = (".txt", ".md")
FORM_FEED = "\f"
# A hyphen that ended a wrapped line, marked the way pypdfium2 5.x marks one;
# the cleaner's vocabulary then decides "safe-guarding" vs "safeguarding".
_LINE_END_HYPHEN = "\ufffe"

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^\s*[-*+•▪◦–]\s+(?=\S)")
# "4.12 The ..." and "1. Introduction": a new block, kept as text (a numbered heading stays a heading).
_NUMBERED = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)])\s+\S")


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (BOM allowed) with newlines normalised to ``\\n``.

    Raises:
        TextEncodingError: the bytes are not UTF-8; the message gives the first bad offset.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextEncodingError(
            source, f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8; "
                    "re-save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _join_wrapped(lines: list[str]) -> str:
    """One paragraph from its wrapped lines: newlines become spaces, line-end hyphens are marked."""
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + _LINE_END_HYPHEN + line
        else:
            text = f"{text} {line}"
    return text


def _table_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _markdown_block(lines: list[str]) -> list[TextLine] | None:
    """Headings and pipe tables of one Markdown block, or None when it is ordinary text."""
    if len(lines) == 1 and (match := _MD_HEADING.match(lines[0])):
        kind = "heading1" if len(match.group(1)) == 1 else "heading2"
        return [TextLine(text=match.group(2), kind=kind)] if match.group(2) else []
    if len(lines) == 2 and _MD_SETEXT.match(lines[1]) and lines[0].strip():
        return [TextLine(text=lines[0].strip(), kind="heading1" if "=" in lines[1] else "heading2")]
    if all(line.lstrip().startswith("|") for line in lines):
        rows: list[TextLine] = []
        for i, line in enumerate(lines):
            if _MD_TABLE_RULE.match(line):
                if rows and i == 1:
                    rows[0].kind = "table_header"
                continue
            cells = _table_cells(line)
            if any(cells):
                rows.append(TextLine(text=CELL_SEPARATOR.join(cells), kind="table_row"))
        return rows
    return None


def _block_lines(lines: list[str], markdown: bool) -> list[TextLine]:
    """The labelled lines of one blank-line-separated block."""
    if markdown and (special := _markdown_block(lines)) is not None:
        return special
    items: list[list[str]] = []
    for line in lines:
        if not items or _BULLET.match(line) or _NUMBERED.match(line) or (
                markdown and _MD_HEADING.match(line)):
            items.append([line])
        else:
            items[-1].append(line)
    out = []
    for item in items:
        if markdown and len(item) == 1 and (heading := _markdown_block(item)) is not None:
            out.extend(heading)
            continue
        first = item[0]
        bullet = _BULLET.match(first)
        if bullet:
            out.append(TextLine(text=_join_wrapped([first[bullet.end():], *item[1:]]), kind="bullet"))
        else:
            out.append(TextLine(text=_join_wrapped(item), kind="paragraph"))
    return [ln for ln in out if ln.text]


def _page_lines(text: str, markdown: bool) -> list[TextLine]:
    lines: list[TextLine] = []
    block: list[str] = []
    for raw in [*text.split("\n"), ""]:
        if raw.strip():
            block.append(raw)
        elif block:
            lines.extend(_block_lines(block, markdown))
            block = []
    return lines


def document_from_text(text: str, *, doc_id: str, source_path: str, markdown: bool = False) -> Document:
    """A ``Document`` from text already decoded: pages at form feeds, paragraphs at blank lines.

    Raises:
        EmptyDocumentError: there is no text, or only whitespace.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if markdown:
        text = _MD_FRONT_MATTER.sub("", text, count=1)
    if not text.strip():
        raise EmptyDocumentError(source_path, "the text is empty")
    raw_pages = text.split(FORM_FEED)
    while len(raw_pages) > 1 and not raw_pages[-1].strip():  # pdftotext ends with a form feed
        raw_pages.pop()
    pages = []
    for number, raw in enumerate(raw_pages, start=1):
        lines = _page_lines(raw, markdown)
        if len(raw_pages) > 1:
            for i in {0, len(lines) - 1} if lines else ():
                if lines[i].kind == "paragraph":
                    lines[i].kind = ""  # a candidate header/footer for the cleaner
        pages.append(Page(number=number, text="\n".join(ln.text for ln in lines), lines=lines))
    basis = "form feeds" if len(pages) > 1 else "none: page 1"
    return Document(doc_id=doc_id, source_path=source_path, pages=pages,
                    metadata={"format": "markdown" if markdown else "text", "page_basis": basis})


def read_text_file(path: Path, *, data: bytes | None = None) -> Document:
    """Read a .txt or .md file (``.md``: headings, lists and pipe tables are recognised)."""
    raw = path.read_bytes() if data is None else data
    if not raw.strip():
        raise EmptyDocumentError(str(path), "the file is empty")
    return document_from_text(decode_text(raw, str(path)), doc_id=path.stem, source_path=str(path),
                              markdown=path.suffix.lower() == ".md")
