"""Word (.docx) files to a ``Document`` whose lines carry their paragraph styles.

Paragraphs and tables are read in body order; headers and footers live in
separate parts and are never read. Styles become line kinds: "Heading 1" ->
``heading1``, "Heading 2".."Heading 9" -> ``heading2``, "Title" -> ``title``,
"List Bullet"/"List Number"/numbered "List Paragraph" -> ``bullet``; table
rows become ``table_row`` lines (cells separated by tabs).

Pages: a .docx has no fixed pages. When Word saved rendered page breaks
(``w:lastRenderedPageBreak``) those are counted, because they match the pages a
reader saw; otherwise hard page breaks (``w:br w:type="page"`` and
``pageBreakBefore``) are counted; a file with neither is all page 1.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from practice_themes.errors import CorruptWordError, EmptyDocumentError, PracticeThemesError
from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits, check_docx
from practice_themes.ingest.tables import CELL_SEPARATOR, looks_like_header
from practice_themes.types import Document, Page, TextLine

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _kind(paragraph) -> str:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    lowered = name.lower()
    if lowered == "title":
        return "title"
    if lowered.startswith("heading"):
        return "heading1" if lowered.strip() == "heading 1" else "heading2"
    if lowered.startswith(("list bullet", "list number")):
        return "bullet"
    p_pr = paragraph._p.pPr
    if lowered.startswith("list paragraph") or (p_pr is not None and p_pr.numPr is not None):
        return "bullet"
    return ""


def _breaks_before(element, rendered: bool) -> int:
    """Page breaks inside (or before) one body paragraph."""
    if rendered:
        return len(element.findall(f".//{_W}lastRenderedPageBreak"))
    hard = sum(1 for br in element.iter(f"{_W}br") if br.get(f"{_W}type") == "page")
    hard += len(element.findall(f"./{_W}pPr/{_W}pageBreakBefore"))
    return hard


def read_docx(path: Path, *, data: bytes | None = None, limits: IngestLimits = DEFAULT_LIMITS) -> Document:
    """Read a Word file: styled lines, tables as rows, pages from saved breaks.

    The archive and its ``document.xml`` are checked against ``limits``
    before python-docx parses anything (InputLimitError).
    """
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    source = io.BytesIO(data) if data is not None else str(path)
    try:
        with zipfile.ZipFile(source) as archive:
            check_docx(archive, str(path), limits)
        word = docx.Document(source)
    except MemoryError:
        raise
    except Exception as exc:  # zipfile, python-docx and lxml raise several unrelated types
        if isinstance(exc, PracticeThemesError):
            raise
        raise CorruptWordError(str(path), f"{type(exc).__name__}: {exc}") from exc
    body = word.element.body
    rendered = body.find(f".//{_W}lastRenderedPageBreak") is not None
    pages: list[list[TextLine]] = [[]]
    for element in body.iterchildren():
        if element.tag == f"{_W}p":
            for _ in range(_breaks_before(element, rendered)):
                if pages[-1]:
                    pages.append([])
            paragraph = Paragraph(element, word)
            text = paragraph.text.replace("\n", " ").strip()
            if text:
                pages[-1].append(TextLine(text=text, kind=_kind(paragraph)))
        elif element.tag == f"{_W}tbl":
            table = Table(element, word)
            for i, row in enumerate(table.rows):
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or value != cells[-1]:  # merged cells repeat
                        cells.append(value)
                if any(cells):
                    kind = "table_header" if i == 0 and looks_like_header(cells) else "table_row"
                    pages[-1].append(TextLine(text=CELL_SEPARATOR.join(cells), kind=kind))
    if not any(pages):
        raise EmptyDocumentError(str(path), "the Word file has no text")
    out = [
        Page(number=i + 1, text="\n".join(ln.text for ln in lines), lines=lines)
        for i, lines in enumerate(pages)
    ]
    doc = Document(doc_id=path.stem, source_path=str(path), pages=out,
                   metadata={"format": "docx", "page_basis": "rendered" if rendered else "hard breaks"})
    return doc
