"""Ingestion: a PDF or Word file in, a ``Document`` of pages out."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import UnsupportedFormatError
from pipeline.types import Document

SUPPORTED_SUFFIXES = (".pdf", ".docx")


def doc_id_for(path: str | Path) -> str:
    """The document id used everywhere: the file name without its extension."""
    return Path(path).stem


def ingest_file(path: str | Path, *, password: str | None = None) -> Document:
    """Read a PDF or DOCX into a ``Document`` with one ``Page`` per page."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pipeline.ingest.pdf import read_pdf

        return read_pdf(path, password=password)
    if suffix == ".docx":
        from pipeline.ingest.docx import read_docx

        return read_docx(path)
    raise UnsupportedFormatError(str(path), f"got {suffix or 'no extension'!r}")
