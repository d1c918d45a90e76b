"""Ingestion: a PDF, Word or plain-text file in, a ``Document`` of pages out.

``ingest_file`` is the one entry point. It picks the reader by file type
(also for a single PDF or DOCX inside a .zip). Archives and PDFs are checked
against ``IngestLimits`` before they are expanded, and the reader runs in a
child process with a wall-clock and an address-space limit, killed when
either is exceeded, so one hostile file cannot hold or exhaust the caller.
"""

from __future__ import annotations

import zipfile
from functools import partial
from pathlib import Path

from practice_themes.errors import CorruptZipError, FileMissingError, UnsupportedFormatError
from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits, check_zip
from practice_themes.ingest.text import TEXT_SUFFIXES
from practice_themes.types import Document

SUPPORTED_SUFFIXES = (".pdf", ".docx")
# What ``ingest_file`` reads: the formats above, a zip holding exactly one of them, or text.
READABLE_SUFFIXES = (*SUPPORTED_SUFFIXES, ".zip", *TEXT_SUFFIXES)


def doc_id_for(path: str | Path) -> str:
    """The document id used everywhere: the file name without its extension."""
    return Path(path).stem


def _from_zip(path: Path, limits: IngestLimits) -> tuple[str, bytes]:
    """The one PDF or DOCX inside a zip file: (suffix, bytes), refused before inflating if it is a bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, str(path), limits)
            members = [
                m for m in archive.infolist()
                if not m.is_dir() and Path(m.filename).suffix.lower() in SUPPORTED_SUFFIXES
                and not Path(m.filename).name.startswith(("._", "~$"))
            ]
            if len(members) != 1:
                found = ", ".join(m.filename for m in members) or "none"
                raise UnsupportedFormatError(
                    str(path), f"a .zip must hold exactly one .pdf or .docx; found {found}"
                )
            return Path(members[0].filename).suffix.lower(), archive.read(members[0])
    except zipfile.BadZipFile as exc:
        raise CorruptZipError(str(path), f"not a readable zip file: {exc}") from exc


def _ingest(path: Path, password: str | None, ocr: bool | None, tables: str,
            limits: IngestLimits = DEFAULT_LIMITS) -> Document:
    suffix = path.suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        raise UnsupportedFormatError(str(path), f"got {suffix or 'no extension'!r}")
    if not path.exists():
        raise FileMissingError(str(path))
    data = None
    if suffix == ".zip":
        suffix, data = _from_zip(path, limits)
    if suffix == ".pdf":
        from practice_themes.ingest.pdf import read_pdf

        doc = read_pdf(path, password=password, ocr=ocr, tables=tables, data=data, limits=limits)
    elif suffix == ".docx":
        from practice_themes.ingest.docx import read_docx

        doc = read_docx(path, data=data, limits=limits)
    elif suffix in TEXT_SUFFIXES:
        from practice_themes.ingest.text import read_text_file

        doc = read_text_file(path)
    else:
        raise UnsupportedFormatError(str(path), f"got {suffix or 'no extension'!r}")
    doc.doc_id = doc_id_for(path)
    return doc


def ingest_file(
    path: str | Path,
    *,
    password: str | None = None,
    timeout_s: float | None = None,
    ocr: bool | None = None,
    tables: str = "geometry",
    limits: IngestLimits | None = DEFAULT_LIMITS,
) -> Document:
    """Read a PDF, DOCX (or a zip holding one), .txt or .md into a ``Document``, one ``Page`` per page.

    Args:
        path: the file.
        password: for encrypted PDFs.
        timeout_s: overrides ``limits.timeout_s``.
        ocr: OCR image-only pages (None: when Tesseract is installed).
        tables: "geometry", "pdfplumber" or "off" (see ``read_pdf``).
        limits: size checks and the time and memory ceilings; the reader runs
            in a forked child killed when either ceiling is passed
            (IngestTimeoutError, IngestMemoryError). None reads in-process
            with the default size checks only (for callers that trust the file).

    Raises:
        IngestError subclasses naming the file and the reason.
    """
    path = Path(path)
    if limits is None and timeout_s is None:
        return _ingest(path, password, ocr, tables)
    from dataclasses import replace

    from practice_themes.ingest.timeout import run_with_limits

    limits = limits or DEFAULT_LIMITS
    if timeout_s is not None:
        limits = replace(limits, timeout_s=timeout_s)
    return run_with_limits(partial(_ingest, path, password, ocr, tables, limits), path=str(path),
                           timeout_s=limits.timeout_s, memory_bytes=limits.memory_bytes)
