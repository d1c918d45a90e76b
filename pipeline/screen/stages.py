"""Screening keeps the cleaned document, not only the tags.

``practice_themes.process.run_stages`` runs ingest -> clean -> segment -> classify
and returns the document, its passages and the tags, which a screening
report needs to show each quote in place.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits
from practice_themes.process import DocumentTimeoutError
from practice_themes.process import Processed as Screened
from practice_themes.process import run_stages


def screen_document(path: str | Path, classifier, *, password: str | None = None,
                    doc_id: str | None = None, limits: IngestLimits = DEFAULT_LIMITS,
                    deadline_s: float | None = None) -> Screened:
    """Run every stage on ``path`` and keep the intermediate document.

    Args:
        path: a PDF or DOCX file.
        classifier: an object with ``.tag(passages) -> list[ThemeTag]``.
        password: opens an encrypted PDF.
        doc_id: overrides the default id (the file stem), e.g. for an upload
            saved under a temporary name.
        limits: the reader's size checks and its time and memory ceilings.
        deadline_s: the whole screen's time limit. Reading gets what is left of
            it (and is killed at it); the later stages are checked as each starts.

    Raises:
        IngestError (and subclasses) for a file that cannot be read, has no
        text layer, is over a limit, or has no sentences after cleaning;
        DocumentTimeoutError when the deadline passes between stages.
    """
    if deadline_s is None:
        return run_stages(path, classifier, password=password, doc_id=doc_id, limits=limits)
    expires = time.monotonic() + deadline_s
    if limits.timeout_s is None or limits.timeout_s > deadline_s:
        limits = replace(limits, timeout_s=deadline_s)

    def check(stage: str, document) -> None:  # noqa: ARG001
        if time.monotonic() > expires:
            raise DocumentTimeoutError(str(path), deadline_s, stage)

    screened = run_stages(path, classifier, password=password, doc_id=doc_id, limits=limits, on_stage=check)
    check("classify", None)
    return screened


__all__ = ["Screened", "screen_document"]
