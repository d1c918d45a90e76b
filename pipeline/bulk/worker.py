"""The per-document work unit, picklable for a process pool and for Dask.

Each worker process builds its classifier once (``ClassifierSpec`` ->
module-level cache) and then codes one ``Task`` per call. Nothing here
touches the store: results travel back to the coordinating process, which
is the single writer.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Re-exported: the pool, runner and Dask backends build the classifier from its spec.
from practice_themes.classify.loader import ClassifierSpec, build_classifier  # noqa: F401
from practice_themes.memory import release_memory, rss_bytes
from practice_themes.orphans import end_with_parent
from practice_themes.types import DocumentResult


@dataclass(frozen=True)
class Task:
    """One document to code."""

    key: str
    path: str
    doc_id: str
    password: str | None = None
    timeout_s: float | None = None
    text: str | None = None  # a table row's text; None: read the file at ``path``


_lock = threading.Lock()
_cache: dict[ClassifierSpec, Any] = {}


def get_classifier(spec: ClassifierSpec):
    """This process's classifier for ``spec``, built on first use."""
    with _lock:
        if spec not in _cache:
            if spec.torch_threads:
                import torch

                torch.set_num_threads(spec.torch_threads)
            _cache[spec] = build_classifier(spec)
        return _cache[spec]


def describe(spec: ClassifierSpec, hold_s: float = 0.0) -> dict[str, Any]:
    """Fingerprint and description of the classifier, computed where it lives.

    ``hold_s`` keeps this worker busy a moment, so that one call per worker
    lands on every worker and the whole pool is warm before timing starts.
    """
    classifier = get_classifier(spec)
    if hold_s:
        time.sleep(hold_s)
    info = classifier.describe()  # every classifier keeps the ThemeClassifier protocol
    return {"fingerprint": classifier.fingerprint, "classifier": info, "pid": os.getpid()}


def init_worker(spec: ClassifierSpec) -> None:
    """Process-pool initializer: load the classifier before the first document."""
    import practice_themes  # noqa: F401  (offline switches in the new process)

    global _baseline_rss
    # A worker whose coordinator died finishes nothing anyone collects, while a re-run needs the cores.
    end_with_parent(lambda: os._exit(0))
    try:
        get_classifier(spec)
        _warm_up()
    except Exception:  # noqa: BLE001
        # A raising initializer breaks the pool and hides the reason; the
        # first real call raises the same error with its message instead.
        pass
    _baseline_rss = rss_bytes()


def _warm_up() -> None:
    """Import every stage's libraries now, so the first document's timings are honest."""
    import importlib

    for name in ("practice_themes.process", "practice_themes.ingest.pdf", "practice_themes.ingest.docx"):
        importlib.import_module(name)
    from practice_themes.segment import sentence_pipeline

    sentence_pipeline()


def run_task(task: Task, spec: ClassifierSpec) -> DocumentResult:
    """Code one document. Never raises for a bad document.

    When a time limit is set, a watchdog thread ends the whole worker if the
    document is still running long after the limit, which catches hangs in
    C code that the in-process alarm cannot interrupt; the pool then sees a
    dead worker and the runner isolates the culprit.
    """
    from practice_themes.process import code_file

    classifier = get_classifier(spec)
    watchdog = None
    if task.timeout_s and threading.current_thread() is threading.main_thread():
        watchdog = threading.Timer(task.timeout_s * 2 + 30, os._exit, args=(70,))
        watchdog.daemon = True
        watchdog.start()
    cpu = time.process_time()
    try:
        result = code_file(Path(task.path), classifier, password=task.password, timeout_s=task.timeout_s,
                           doc_id=task.doc_id, text=task.text)
        # CPU seconds beside the wall-clock stage times: shows when workers were starved of cores.
        result.timings["cpu"] = time.process_time() - cpu
        return result
    finally:
        if watchdog is not None:
            watchdog.cancel()


# ---- recycling: a worker that coded a hostile document is replaced, so its memory returns to baseline ----

# Errors of a document that tried to take more time or memory than its share.
RECYCLE_AFTER = frozenset({"InputLimitError", "IngestMemoryError", "IngestTimeoutError", "DocumentTimeoutError"})
DEFAULT_GROWTH_BYTES = 1024 * 1024 * 1024
_baseline_rss: int | None = None  # this worker's memory once its classifier was loaded


def needs_recycling(result: DocumentResult, growth_bytes: int | None) -> bool:
    """True when this worker should be replaced after ``result``: a hostile document, or memory
    that stays more than ``growth_bytes`` above the baseline even after handing freed pages back."""
    if result.error_type in RECYCLE_AFTER:
        return True
    if growth_bytes is None or _baseline_rss is None or rss_bytes() - _baseline_rss <= growth_bytes:
        return False
    release_memory()
    return rss_bytes() - _baseline_rss > growth_bytes


def run_task_reporting(task: Task, spec: ClassifierSpec,
                       growth_bytes: int | None = DEFAULT_GROWTH_BYTES) -> tuple[DocumentResult, bool]:
    """``run_task``, and whether this worker should be replaced afterwards (see ``needs_recycling``)."""
    result = run_task(task, spec)
    return result, needs_recycling(result, growth_bytes)
