"""One document through every stage: the function bulk runs and the screen share."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from practice_themes.clean import clean_document
from practice_themes.errors import EmptyDocumentError, IngestTimeoutError, NeedsOCRError, PracticeThemesError
from practice_themes.ingest import doc_id_for, ingest_file
from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits
from practice_themes.ingest.tabular import TableRow, row_document
from practice_themes.segment import segment_document
from practice_themes.types import Document, DocumentResult, Passage, ThemeTag

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
    doc_id: str | None = None,
    text: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> DocumentResult:
    """Ingest, clean, segment and classify one file; failures become an error result.

    Args:
        path: a PDF or DOCX file.
        classifier: an object with ``.tag(passages) -> list[ThemeTag]``.
        password: opens an encrypted PDF.
        timeout_s: per-document time limit; an overrun becomes an error result
            with ``error_type="DocumentTimeoutError"`` and the stage it hit.
        doc_id: overrides the default id (the file stem).
        text: the document's text (a row of a table); ``path`` then only names its source.
        limits: the reader's size checks and time and memory ceilings (see ``ingest_file``).

    Returns:
        A ``DocumentResult`` whose ``timings`` hold seconds per stage. Every
        exception a document can raise is caught and recorded with the stage
        it happened in, so one bad file never stops a run.
    """
    path = Path(path)
    result = DocumentResult(
        doc_id=doc_id or doc_id_for(path), source_path=str(path), status="ok",
    )
    deadline = _Deadline(timeout_s)

    def entering(stage: str, document: Document | None) -> None:
        deadline.check()
        deadline.stage = stage
        if document is not None:
            result.n_pages = document.n_pages

    try:
        with deadline.armed():
            processed = run_stages(path, classifier, password=password, doc_id=result.doc_id,
                                   on_stage=entering, timings=result.timings, text=text,
                                   limits=limits)
        result.tags = processed.tags
        result.n_passages = len(processed.passages)
        result.warnings = list(processed.document.warnings)
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


@dataclass
class Processed:
    """One file after every stage: the cleaned document, its sentences and tags."""

    document: Document
    passages: list[Passage]
    tags: list[ThemeTag]
    # Seconds per stage: ingest, clean, segment, classify.
    timings: dict[str, float] = field(default_factory=dict)


def run_stages(
    path: str | Path,
    classifier=None,
    *,
    password: str | None = None,
    doc_id: str | None = None,
    on_stage: Callable[[str, Document | None], None] | None = None,
    timings: dict[str, float] | None = None,
    text: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
    until: str = "classify",
) -> Processed:
    """Run ingest -> clean -> segment -> classify on one file and keep what each made.

    This is the one place the stages are chained: ``code``, ``ingest``,
    training, the screen and the REFI-QDA export all call it. ``until`` stops
    after that stage (``"clean"``: no passages; ``"segment"``: no tags), and
    without a ``classifier`` nothing is classified.

    Raises the stage's error for a bad file (``code_file`` turns it into an
    error row; the screening report shows it). ``on_stage(stage, document)``
    is called as each stage starts, and again once the file has been read
    (``"ingest"`` with the new document), so a caller can enforce a deadline
    or record the page count of a file that then fails. Seconds per stage go
    into ``timings`` (a new dict unless one is given) as each stage ends, so a
    caller keeps the timings of the stages before a failure. With ``text``
    (a table row) the text is read instead of the file at ``path``. The file
    is read in a child process under ``limits`` (time, memory, archive sizes).
    """
    if until not in STAGES[1:]:
        raise ValueError(f"until must be one of {', '.join(STAGES[1:])}; got {until!r}")
    path = Path(path)
    enter = on_stage or (lambda stage, document: None)
    timings = {} if timings is None else timings

    enter("ingest", None)
    started = time.perf_counter()
    if text is not None:
        doc = row_document(TableRow(doc_id or doc_id_for(path), text, path, 0))
    else:
        with _INGEST_LOCK:
            doc = ingest_file(path, password=password, limits=limits)
    if doc_id:
        doc.doc_id = doc_id
    timings["ingest"] = time.perf_counter() - started
    enter("ingest", doc)
    if not any(page.text.strip() for page in doc.pages):
        # No text layer at all: a scan (OCR needed) or genuinely blank pages.
        if any(page.needs_ocr for page in doc.pages):
            raise NeedsOCRError(str(path), f"{doc.n_pages} page(s), no extractable text")
        raise EmptyDocumentError(str(path), f"{doc.n_pages} page(s), no extractable text; a scan?")

    enter("clean", doc)
    started = time.perf_counter()
    clean_document(doc)
    timings["clean"] = time.perf_counter() - started
    if until == "clean":
        return Processed(doc, [], [], timings)

    enter("segment", doc)
    started = time.perf_counter()
    passages = segment_document(doc)
    timings["segment"] = time.perf_counter() - started
    if not passages:
        raise EmptyDocumentError(str(path), "no sentences after cleaning")
    if until == "segment" or classifier is None:
        return Processed(doc, passages, [], timings)

    enter("classify", doc)
    started = time.perf_counter()
    tags = classifier.tag(passages)
    timings["classify"] = time.perf_counter() - started
    return Processed(doc, passages, tags, timings)
