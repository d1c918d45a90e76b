"""PDF pages to text with pypdfium2."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from pipeline.errors import CorruptPDFError, EmptyDocumentError, EncryptedPDFError
from pipeline.types import Document, Page


def read_pdf(path: Path, *, password: str | None = None) -> Document:
    try:
        pdf = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPDFError(str(path)) from exc
        raise CorruptPDFError(str(path), str(exc)) from exc
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(Page(number=index + 1, text=textpage.get_text_range()))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    if not pages:
        raise EmptyDocumentError(str(path))
    return Document(doc_id=path.stem, source_path=str(path), pages=pages)
