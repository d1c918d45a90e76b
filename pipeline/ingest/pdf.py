"""PDF files to a ``Document`` of pages with layout lines.

pypdfium2 does the reading: text, character boxes and, for image-only pages,
rendering for OCR. Pages are processed one at a time and closed at once, so
memory stays flat as documents grow. When pdfium cannot open a file at all,
pdfplumber (pdfminer) is tried before the file is called corrupt.
"""

from __future__ import annotations

from pathlib import Path

from practice_themes.errors import (
    CorruptPDFError,
    EmptyDocumentError,
    EncryptedPDFError,
    NeedsOCRError,
    WrongPasswordError,
)
from practice_themes.ingest.layout import reading_order, textpage_lines
from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits, check_pages, check_pdf_streams
from practice_themes.ingest.ocr import ocr_available, ocr_page
from practice_themes.ingest.quality import is_garbled
from practice_themes.ingest.tables import CELL_SEPARATOR, looks_like_table, pdfplumber_rows, table_lines
from practice_themes.types import Document, Page, TextLine

# A page with fewer letters or digits than this and an image on it is a scan.
MIN_TEXT_CHARS = 20


def _open(path: Path, password: str | None, data: bytes | None):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data if data is not None else str(path), password=password)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            if password is None:
                raise EncryptedPDFError(str(path)) from exc
            raise WrongPasswordError(str(path)) from exc
        return None


def _has_images(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def page_ranges(numbers: list[int]) -> str:
    """"4-6, 9" for [4, 5, 6, 9] (en dash between the ends of a run)."""
    parts: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(f"{start}" if start == prev else f"{start}\u2013{prev}")
        start = prev = n
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}\u2013{prev}")
    return ", ".join(parts)


def _pages_phrase(numbers: list[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + page_ranges(numbers)


def read_pdf(
    path: Path,
    *,
    password: str | None = None,
    ocr: bool | None = None,
    tables: str = "geometry",
    data: bytes | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> Document:
    """Read a PDF into pages of text with layout lines.

    Args:
        path: the file (also used to name it in errors).
        password: opens encrypted files.
        ocr: OCR image-only pages; None means "when Tesseract is installed".
        tables: "geometry" rebuilds table rows from character positions (fast),
            "pdfplumber" uses pdfplumber's ruling-line extraction on pages that
            look like tables (exact, ~50x slower per page), "off" keeps cells
            as separate lines.
        data: the file's bytes, when it does not come from ``path`` (a zip).
        limits: compressed streams, page count and the fallback parser's
            input size are checked against these (InputLimitError).
    """
    if data is None and path.stat().st_size == 0:
        raise EmptyDocumentError(str(path), "file is empty (0 bytes)")
    _check_streams(path, data, limits)
    pdf = _open(path, password, data)
    if pdf is None:
        _check_fallback(path, data, limits)
        return _read_with_pdfplumber(path, password=password, data=data)
    try:
        check_pages(len(pdf), str(path), limits)
    except BaseException:
        pdf.close()
        raise
    use_ocr = ocr_available() if ocr is None else (ocr and ocr_available())
    pages: list[Page] = []
    scanned: list[int] = []
    ocred: list[int] = []
    garbled: list[int] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            number = index + 1
            try:
                width, height = page.get_width() or 1.0, page.get_height() or 1.0
                textpage = page.get_textpage()
                try:
                    lines = textpage_lines(textpage, width, height)
                finally:
                    textpage.close()
                record = Page(number=number, text="")
                if _alnum("".join(ln.text for ln in lines)) < MIN_TEXT_CHARS and _has_images(page):
                    if use_ocr:
                        lines = [TextLine(text=t) for t in ocr_page(page).splitlines() if t.strip()]
                        record.ocr = True
                        ocred.append(number)
                    else:
                        record.needs_ocr = True
                        scanned.append(number)
                elif tables != "off" and looks_like_table(lines):
                    if tables == "pdfplumber":
                        rows = pdfplumber_rows(str(path), number, password=password) if data is None else []
                        if rows:
                            lines = [TextLine(text=CELL_SEPARATOR.join(r), kind="table_row") for r in rows]
                        else:
                            lines = table_lines(lines)
                    else:
                        lines = table_lines(lines)
                    lines = reading_order(lines)
                else:
                    lines = reading_order(lines)
                record.lines = lines
                record.text = "\n".join(ln.text for ln in lines)
                if not record.ocr and is_garbled(record.text):
                    record.garbled = True
                    garbled.append(number)
                pages.append(record)
            finally:
                page.close()
    finally:
        pdf.close()
    return _finish(path, pages, scanned=scanned, ocred=ocred, garbled=garbled, extractor="pypdfium2")


def _check_streams(path: Path, data: bytes | None, limits: IngestLimits) -> None:
    """Refuse a compression bomb before pdfium inflates it (an mmap keeps a large file off the heap)."""
    if data is not None:
        check_pdf_streams(data, str(path), limits)
        return
    import mmap

    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        check_pdf_streams(view, str(path), limits)


def _check_fallback(path: Path, data: bytes | None, limits: IngestLimits) -> None:
    """pdfminer is pure Python: only small files that hold PDF objects are worth its time."""
    size = len(data) if data is not None else path.stat().st_size
    if size > limits.max_fallback_bytes:
        raise CorruptPDFError(str(path), f"pdfium cannot open it, and at {size / 2**20:,.1f} MB it is over the "
                                         f"{limits.max_fallback_bytes / 2**20:g} MB limit of the slower fallback parser")
    head = data if data is not None else path.read_bytes()
    if b" obj" not in head and b"\nobj" not in head:
        raise CorruptPDFError(str(path), "pdfium cannot open it and it holds no PDF objects")


def _finish(path: Path, pages: list[Page], *, scanned: list[int], ocred: list[int],
            garbled: list[int], extractor: str) -> Document:
    if not pages:
        raise EmptyDocumentError(str(path), "the PDF has no pages")
    # A few stray characters on a scanned page (a stamp, a label) are not a text layer.
    has_text = any(_alnum(p.text) and not p.needs_ocr for p in pages)
    if not has_text:
        if scanned:
            raise NeedsOCRError(str(path), f"no text layer on {_pages_phrase(scanned)}")
        raise EmptyDocumentError(str(path), f"no text on any of its {len(pages)} pages")
    doc = Document(doc_id=path.stem, source_path=str(path), pages=pages,
                   metadata={"format": "pdf", "extractor": extractor})
    if scanned:
        doc.warnings.append(f"{_pages_phrase(scanned)} had no text layer (needs OCR)")
    if ocred:
        doc.warnings.append(f"{_pages_phrase(ocred)} had no text layer and {'was' if len(ocred) == 1 else 'were'} OCR'd")
    if garbled:
        verb = "has" if len(garbled) == 1 else "have"
        doc.warnings.append(f"{_pages_phrase(garbled)} {verb} a text layer that does not read as English "
                            "(garbled font encoding, or not English)")
    return doc


def _read_with_pdfplumber(path: Path, *, password: str | None, data: bytes | None) -> Document:
    """Fallback for files pdfium refuses: pdfminer's more lenient parser."""
    import io

    import pdfplumber

    source = io.BytesIO(data) if data is not None else str(path)
    pages: list[Page] = []
    try:
        with pdfplumber.open(source, password=password or "") as pdf:
            for index, page in enumerate(pdf.pages):
                try:
                    text = page.extract_text() or ""
                finally:
                    page.flush_cache()
                lines = [TextLine(text=t) for t in text.splitlines() if t.strip()]
                pages.append(Page(number=index + 1, text="\n".join(ln.text for ln in lines), lines=lines))
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise CorruptPDFError(str(path), f"neither pdfium nor pdfminer can parse it: {type(exc).__name__}: {exc}") from exc
    garbled = [p.number for p in pages if is_garbled(p.text)]
    for p in pages:
        p.garbled = p.number in garbled
    return _finish(path, pages, scanned=[], ocred=[], garbled=garbled, extractor="pdfplumber")
