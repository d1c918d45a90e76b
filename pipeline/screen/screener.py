"""A loaded classifier plus the one call that turns a file into a ``ScreenReport``.

The ``screen`` command and ``serve`` both screen in a ``ScreenWorker``
process (``practice_themes.screen.worker``), which builds one ``Screener``
when it starts and reuses it until the worker is replaced, so only loading
pays for the model. A ``Screener`` also screens in the calling process
(``create_app`` takes either; the tests use that).
"""

from __future__ import annotations

import time
from pathlib import Path

from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits
from practice_themes.screen.report import ScreenReport


class Screener:
    """Screen single reviews with one classifier.

    Args:
        classifier: a fitted classifier (``.codebook``, ``.tag``); None loads
            the default one described by ``model`` and ``codebook_path``.
        model: a trained model folder (None: zero-shot from the codebook).
        codebook_path: a codebook YAML (None: the shipped one).
    """

    def __init__(self, classifier=None, *, model: str | None = None, codebook_path: str | Path | None = None) -> None:
        started = time.perf_counter()
        if classifier is None:
            # The zero-shot fit reads the codebook vectors from the embedding cache: fast after the first run.
            from practice_themes.classify.loader import ClassifierSpec, build_classifier

            classifier = build_classifier(ClassifierSpec(model=model,
                                                         codebook_path=str(codebook_path) if codebook_path else None))
        self.classifier = classifier
        self.codebook = classifier.codebook
        self.info = classifier.describe()  # every classifier keeps the ThemeClassifier protocol
        for key, value in (("codebook_name", self.codebook.name), ("codebook_version", self.codebook.version),
                           ("codebook_sha256", self.codebook.sha256)):
            self.info.setdefault(key, value)
        self.fingerprint = classifier.fingerprint
        self.load_seconds = time.perf_counter() - started

    def warm_up(self) -> None:
        """Screen a two-sentence text once: every stage's lazy set-up (the sentence splitter, the model's
        buffers) is then in the baseline, so the first real screen does not read as memory growth."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="pt-warm-up-") as folder:
            path = Path(folder) / "warm-up.txt"
            path.write_text("Findings\n\nThe health visitor shared the concern with the GP. "
                            "Nobody told the school.\n", encoding="utf-8")
            self.screen(path)

    def screen(self, path: str | Path, *, password: str | None = None, document_name: str | None = None,
               doc_id: str | None = None, limits: IngestLimits = DEFAULT_LIMITS,
               deadline_s: float | None = None) -> ScreenReport:
        """Screen one PDF or DOCX file (``limits`` and ``deadline_s`` as in ``screen_document``).

        Raises:
            IngestError (and subclasses): the file cannot be read, is encrypted,
            has no text, is over a limit, and so on; the message names the file
            and reason. DocumentTimeoutError: the deadline passed.
        """
        from practice_themes.screen.report import build_report
        from practice_themes.screen.stages import screen_document

        screened = screen_document(path, self.classifier, password=password, doc_id=doc_id, limits=limits,
                                   deadline_s=deadline_s)
        started = time.perf_counter()
        report = build_report(screened, self.codebook, classifier_info=self.info, fingerprint=self.fingerprint,
                              document_name=document_name)
        report.timings["report"] = round(time.perf_counter() - started, 4)
        return report
