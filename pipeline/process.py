"""One document through every stage: the function bulk runs and the screen share."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.clean import clean_document
from pipeline.errors import IngestError
from pipeline.ingest import doc_id_for, ingest_file
from pipeline.segment import segment_document
from pipeline.types import DocumentResult


def code_file(path: str | Path, classifier, *, password: str | None = None) -> DocumentResult:
    """Ingest, clean, segment and classify one file; failures become an error result."""
    path = Path(path)
    result = DocumentResult(doc_id=doc_id_for(path), source_path=str(path), status="ok")
    stage = "ingest"
    try:
        started = time.perf_counter()
        doc = ingest_file(path, password=password)
        result.n_pages = doc.n_pages
        result.timings["ingest"] = time.perf_counter() - started
        stage, started = "clean", time.perf_counter()
        clean_document(doc)
        result.timings["clean"] = time.perf_counter() - started
        stage, started = "segment", time.perf_counter()
        passages = segment_document(doc)
        result.n_passages = len(passages)
        result.timings["segment"] = time.perf_counter() - started
        stage, started = "classify", time.perf_counter()
        result.tags = classifier.tag(passages)
        result.timings["classify"] = time.perf_counter() - started
        result.warnings = list(doc.warnings)
    except IngestError as exc:
        result.status, result.stage = "error", stage
        result.error, result.error_type = str(exc), type(exc).__name__
    return result
