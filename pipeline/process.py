"""One document through every stage: the function bulk runs and the screen share."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from pipeline.clean import clean_document
from pipeline.errors import EmptyDocumentError, IngestTimeoutError, NeedsOCRError, PracticeThemesError
from pipeline.ingest import doc_id_for, ingest_file
from pipeline.segment import segment_document
from pipeline.types import DocumentResult

STAGES = ("ingest", "clean", "segment", "classify")
# pdfium is not thread-safe: threads of one process (Dask thread workers, a
# web server) read files one at a time; processes are unaffected.
_INGEST_LOCK = threading.Lock()


class DocumentTimeoutError(PracticeThemesError):
    """A document took longer than the per-document time limit."""

    def __init__(self, path: str, limit_s: float, stage: str) -> None:
        self.path, self.limit_s, self.stage = str(path), limit_s, stage
        super().__init__(f"{path}: took longer than the per-document limit of {limit_s:g} s (during {stage})")


class _Deadline:
    """Per-document time limit.

    In a process's main thread (pool workers, the CLI) SIGALRM interrupts the
    stage that overruns, so one pathological PDF cannot hold a worker for
    hours. Elsewhere (Dask threads) signals are unavailable, so the limit is
    checked between stages instead.
    """

    def __init__(self, limit_s: float | None) -> None:
        self.limit_s = limit_s
        self.expires = time.monotonic() + limit_s if limit_s else None
        self.use_signal = bool(limit_s) and hasattr(signal, "setitimer") and (
            threading.current_thread() is threading.main_thread()
        )
        self.stage = "ingest"

    @contextmanager
    def armed(self) -> Iterator[None]:
        if not self.use_signal:
            yield
            return

        def _expired(signum, frame):  # noqa: ARG001
            raise _Expired()

        previous = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, self.limit_s)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def check(self) -> None:
        if self.expires is not None and time.monotonic() > self.expires:
            raise _Expired()


class _Expired(BaseException):
    # BaseException so that a stage's own ``except Exception`` cannot swallow it.
    pass


def code_file(
    path: str | Path,
    classifier,
    *,
    password: str | None = None,
    timeout_s: float | None = None,
    metadata: dict[str, Any] | None = None,
    doc_id: str | None = None,
) -> DocumentResult:
    """Ingest, clean, segment and classify one file; failures become an error result.

    Args:
        path: a PDF or DOCX file.
        classifier: an object with ``.tag(passages) -> list[ThemeTag]``.
        password: opens an encrypted PDF.
        timeout_s: per-document time limit; an overrun becomes an error result
            with ``error_type="DocumentTimeoutError"`` and the stage it hit.
        metadata: copied onto the result (year, area, review type, ...).
        doc_id: overrides the default id (the file stem).

    Returns:
        A ``DocumentResult`` whose ``timings`` hold seconds per stage. Every
        exception a document can raise is caught and recorded with the stage
        it happened in, so one bad file never stops a run.
    """
    path = Path(path)
    result = DocumentResult(
        doc_id=doc_id or doc_id_for(path), source_path=str(path), status="ok", metadata=dict(metadata or {}),
    )
    deadline = _Deadline(timeout_s)
    try:
        with deadline.armed():
            _run_stages(path, classifier, password, result, deadline)
    except _Expired:
        exc = (IngestTimeoutError(str(path), f"limit {timeout_s:g} s") if deadline.stage == "ingest"
               else DocumentTimeoutError(str(path), timeout_s, deadline.stage))
        _record_error(result, deadline.stage, exc)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise for a bad document"
        _record_error(result, deadline.stage, exc)
    return result


def _record_error(result: DocumentResult, stage: str, exc: Exception) -> None:
    result.tags = []
    result.status = "needs_ocr" if isinstance(exc, NeedsOCRError) else "error"
    result.stage = stage
    result.error_type = type(exc).__name__
    result.error = str(exc) or type(exc).__name__


def _run_stages(path: Path, classifier, password: str | None, result: DocumentResult, deadline: _Deadline) -> None:
    deadline.stage, started = "ingest", time.perf_counter()
    with _INGEST_LOCK:
        doc = ingest_file(path, password=password)
    doc.doc_id = result.doc_id
    doc.metadata.update(result.metadata)
    result.n_pages = doc.n_pages
    if not any(page.text.strip() for page in doc.pages):
        # No text layer at all: a scan (OCR needed) or genuinely blank pages.
        if any(page.needs_ocr for page in doc.pages):
            raise NeedsOCRError(str(path), f"{doc.n_pages} page(s), no extractable text")
        raise EmptyDocumentError(str(path), f"{doc.n_pages} page(s), no extractable text; a scan?")
    result.timings["ingest"] = time.perf_counter() - started
    deadline.check()

    deadline.stage, started = "clean", time.perf_counter()
    clean_document(doc)
    result.timings["clean"] = time.perf_counter() - started
    deadline.check()

    deadline.stage, started = "segment", time.perf_counter()
    passages = segment_document(doc)
    result.n_passages = len(passages)
    result.timings["segment"] = time.perf_counter() - started
    if not passages:
        raise EmptyDocumentError(str(path), "no sentences after cleaning")
    deadline.check()

    deadline.stage, started = "classify", time.perf_counter()
    result.tags = classifier.tag(passages)
    result.timings["classify"] = time.perf_counter() - started
    result.warnings = list(doc.warnings)
