"""One file through ingest -> clean -> segment -> classify, keeping the document.

``pipeline.process.code_file`` returns tags only; a screening report also
needs the cleaned text and the passages, to show each quote in place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.types import Document, Passage, ThemeTag


@dataclass
class Screened:
    """What screening one file produced: the cleaned document, its sentences and tags."""

    document: Document
    passages: list[Passage]
    tags: list[ThemeTag]
    # Seconds per stage: ingest, clean, segment, classify.
    timings: dict[str, float] = field(default_factory=dict)


def screen_document(path: str | Path, classifier, *, password: str | None = None,
                    doc_id: str | None = None) -> Screened:
    """Run every stage on ``path`` and keep the intermediate document.

    Args:
        path: a PDF or DOCX file.
        classifier: an object with ``.tag(passages) -> list[ThemeTag]``.
        password: opens an encrypted PDF.
        doc_id: overrides the default id (the file stem), e.g. for an upload
            saved under a temporary name.

    Raises:
        IngestError (and subclasses) for a file that cannot be read, has no
        text layer, or has no sentences after cleaning.
    """
    from pipeline.clean import clean_document
    from pipeline.errors import EmptyDocumentError, NeedsOCRError
    from pipeline.ingest import ingest_file
    from pipeline.segment import segment_document

    timings: dict[str, float] = {}
    started = time.perf_counter()
    doc = ingest_file(path, password=password)
    if doc_id:
        doc.doc_id = doc_id
    timings["ingest"] = time.perf_counter() - started
    if not any(page.text.strip() for page in doc.pages):
        if any(page.needs_ocr for page in doc.pages):
            raise NeedsOCRError(str(path), f"{doc.n_pages} page(s), no extractable text")
        raise EmptyDocumentError(str(path), f"{doc.n_pages} page(s), no extractable text")

    started = time.perf_counter()
    clean_document(doc)
    timings["clean"] = time.perf_counter() - started

    started = time.perf_counter()
    passages = segment_document(doc)
    timings["segment"] = time.perf_counter() - started
    if not passages:
        raise EmptyDocumentError(str(path), "no sentences left after cleaning")

    started = time.perf_counter()
    tags = classifier.tag(passages)
    timings["classify"] = time.perf_counter() - started
    return Screened(doc, passages, tags, timings)
