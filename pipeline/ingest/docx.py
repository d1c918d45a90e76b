"""Word (.docx) files to a one-page-per-section ``Document``."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import CorruptPDFError, EmptyDocumentError
from pipeline.types import Document, Page


def read_docx(path: Path) -> Document:
    import docx

    try:
        word = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types
        raise CorruptPDFError(str(path), f"not a readable Word file: {exc}") from exc
    lines = [p.text for p in word.paragraphs]
    text = "\n".join(lines)
    if not text.strip():
        raise EmptyDocumentError(str(path))
    # Word files carry no fixed pages; the whole body is page 1.
    return Document(doc_id=path.stem, source_path=str(path), pages=[Page(number=1, text=text)])
