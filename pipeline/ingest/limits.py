"""Safety limits on one document: checked before a file is expanded or parsed.

A hostile file is small on disk and huge once read: a zip whose member
inflates to gigabytes, a Word file whose ``document.xml`` holds millions of
paragraphs, a PDF whose compressed stream inflates to gigabytes, a PDF of
100,000 pages. The checks here read only headers or stream their data with a
cap, so a bomb is refused in seconds with an ``InputLimitError`` naming the
limit. The time and memory ceilings (``timeout_s``, ``memory_bytes``) are
enforced by running the reader in a child process (``practice_themes.ingest.timeout``).

The defaults suit a 300-page review with room to spare: such a review is
about 1 M characters, 5,000 paragraphs and a document.xml of a few MB.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass

from practice_themes.errors import InputLimitError

MB = 1024 * 1024
# Members smaller than this may compress very well without being a bomb.
_RATIO_FLOOR_BYTES = 1 * MB
_PARAGRAPH_TAGS = (b"<w:p>", b"<w:p ")
_WORD_TEXT = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
# "stream" then its end of line; "endstream" is skipped by looking back.
_PDF_STREAM = re.compile(rb"stream\r?\n")


@dataclass(frozen=True)
class IngestLimits:
    """Per-document ceilings. ``None`` for ``timeout_s``/``memory_bytes`` means no ceiling."""

    timeout_s: float | None = 120.0
    memory_bytes: int | None = 2048 * MB  # address space the reader may add
    max_archive_bytes: int = 256 * MB  # total uncompressed size of a zip or .docx
    # Uncompressed/compressed, per member of 1 MB or more. XML and prose reach 10-300 (repetitive
    # text); zlib tops out near 1,030, which is where crafted bombs sit.
    max_ratio: float = 500.0
    max_members: int = 10_000
    max_document_xml_bytes: int = 64 * MB
    max_paragraphs: int = 100_000
    max_chars: int = 5_000_000
    max_pages: int = 5_000
    max_stream_bytes: int = 256 * MB  # one inflated PDF stream
    max_fallback_bytes: int = 5 * MB  # pdfminer (pure Python, slow) only reads files this small


DEFAULT_LIMITS = IngestLimits()


def _refuse(path: str, what: str, value: float, limit: float, unit: str = "") -> None:
    def fmt(x: float) -> str:
        return f"{x / MB:,.0f} MB" if unit == "bytes" else f"{x:,.0f}{unit}"

    raise InputLimitError(path, f"{what} is {fmt(value)}, over the limit of {fmt(limit)}")


def check_zip(archive: zipfile.ZipFile, path: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """Refuse a zip (or .docx) whose declared sizes make it a bomb, before anything is inflated.

    zipfile never returns more than a member's declared size, so the declared
    sizes bound what reading it can produce.
    """
    members = archive.infolist()
    if len(members) > limits.max_members:
        _refuse(path, "the number of files in the archive", len(members), limits.max_members)
    total = sum(m.file_size for m in members)
    if total > limits.max_archive_bytes:
        _refuse(path, "the archive's uncompressed size", total, limits.max_archive_bytes, "bytes")
    for m in members:
        if m.file_size >= _RATIO_FLOOR_BYTES:
            ratio = m.file_size / max(m.compress_size, 1)
            if ratio > limits.max_ratio:
                raise InputLimitError(path, f"{m.filename} expands {ratio:,.0f} times, over the compression "
                                            f"ratio limit of {limits.max_ratio:g}")


def check_docx(archive: zipfile.ZipFile, path: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """``check_zip`` plus the size, paragraph and character counts of ``word/document.xml``."""
    check_zip(archive, path, limits)
    try:
        info = archive.getinfo("word/document.xml")
    except KeyError:
        return  # python-docx names the missing part
    if info.file_size > limits.max_document_xml_bytes:
        _refuse(path, "word/document.xml", info.file_size, limits.max_document_xml_bytes, "bytes")
    xml = archive.read(info)
    paragraphs = sum(xml.count(tag) for tag in _PARAGRAPH_TAGS)
    if paragraphs > limits.max_paragraphs:
        _refuse(path, "the number of paragraphs", paragraphs, limits.max_paragraphs)
    chars = sum(m.end(1) - m.start(1) for m in _WORD_TEXT.finditer(xml))
    if chars > limits.max_chars:
        _refuse(path, "the text", chars, limits.max_chars, " characters")


def check_pages(n_pages: int, path: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    if n_pages > limits.max_pages:
        _refuse(path, "the number of pages", n_pages, limits.max_pages)


def check_chars(n_chars: int, path: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    if n_chars > limits.max_chars:
        _refuse(path, "the text", n_chars, limits.max_chars, " characters")


def _inflated_size(data, start: int, cap: int) -> int:
    """Bytes one zlib stream at ``data[start:]`` inflates to, counting at most ``cap + 1``."""
    inflater = zlib.decompressobj()
    total, position, step = 0, start, 1 << 16
    pending = b""
    try:
        while total <= cap and not inflater.eof:
            if not pending:
                pending = bytes(data[position:position + step])
                position += step
                if not pending:
                    break
            total += len(inflater.decompress(pending, 1 << 20))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # not (or no longer) a zlib stream: the reader decides what it is
    return total


def check_pdf_streams(data, path: str, limits: IngestLimits = DEFAULT_LIMITS) -> None:
    """Refuse a PDF with a Flate stream that inflates past ``max_stream_bytes``.

    ``data`` is the file's bytes or an mmap of it. Only streams that start
    with a zlib header are inflated (encrypted ones do not), and each is
    inflated into a counter, never kept.
    """
    for match in _PDF_STREAM.finditer(data):
        begin = match.start()
        if data[max(begin - 3, 0):begin] == b"end":
            continue
        start = match.end()
        head = data[start:start + 2]
        if len(head) < 2 or head[0] & 0x0F != 8 or (head[0] * 256 + head[1]) % 31:
            continue
        if _inflated_size(data, start, limits.max_stream_bytes) > limits.max_stream_bytes:
            raise InputLimitError(path, f"a compressed stream at byte {start:,} inflates past the limit of "
                                        f"{limits.max_stream_bytes // MB:,} MB")
