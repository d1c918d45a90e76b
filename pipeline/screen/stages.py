"""Screening keeps the cleaned document, not only the tags.

``pipeline.process.run_stages`` runs ingest -> clean -> segment -> classify
and returns the document, its passages and the tags, which a screening
report needs to show each quote in place.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.process import Processed as Screened
from pipeline.process import run_stages


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
    return run_stages(path, classifier, password=password, doc_id=doc_id)


__all__ = ["Screened", "screen_document"]
