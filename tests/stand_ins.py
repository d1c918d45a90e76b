"""Test stand-ins for the classifier: fast, deterministic, no embedding model.

Registered as classifier plug-ins through ``PRACTICE_THEMES_CLASSIFIER_PLUGINS``
(set by ``conftest.py``, with this folder on ``PYTHONPATH``), so worker
processes and CLI subprocesses started by a test find them by name.
"""

from __future__ import annotations

class KeywordClassifier:
    """A fast, deterministic stand-in classifier for exercising the bulk machinery.

    A theme is present when a word of its label (five letters or more)
    appears in a passage; its probability is ``hits / (hits + 2)``. It makes
    no claim to accuracy: it lets tests run without loading the embedding model. Select it with
    ``--model keyword-stand-in`` (``CLASSIFIERS`` below, found through
    ``PRACTICE_THEMES_CLASSIFIER_PLUGINS``, which ``conftest.py`` sets).
    """

    def __init__(self, codebook, *, delay_s: float = 0.0, n_evidence: int = 3,
                 thresholds: dict[str, float] | None = None) -> None:
        import json
        import re

        self.codebook = codebook
        self.delay_s = delay_s
        self.n_evidence = n_evidence
        self.thresholds = dict(thresholds or {})
        self.words_ = {t.id: [w for w in re.findall(r"[a-z]+", t.label.lower()) if len(w) >= 5]
                       for t in codebook.themes}
        import hashlib

        self.fingerprint = hashlib.sha256(
            f"keyword-stand-in|{codebook.sha256}|{delay_s}|{n_evidence}|{json.dumps(self.thresholds, sort_keys=True)}"
            .encode()).hexdigest()

    def describe(self) -> dict:
        return {"kind": "keyword-stand-in", "codebook_version": self.codebook.version,
                "codebook_sha256": self.codebook.sha256}

    def score_passages(self, passages):
        import numpy as np

        scores = np.zeros((len(passages), len(self.codebook)), dtype=np.float32)
        for i, passage in enumerate(passages):
            text = passage.text.lower()
            for j, theme in enumerate(self.codebook.themes):
                scores[i, j] = float(any(w in text for w in self.words_[theme.id]))
        return scores

    def tag(self, passages):
        import time

        from practice_themes.types import Evidence, ThemeTag

        if self.delay_s:
            time.sleep(self.delay_s)  # paces a run so a test can interrupt it midway
        scores = self.score_passages(passages)
        tags = []
        for j, theme in enumerate(self.codebook.themes):
            hits = [i for i in range(len(passages)) if scores[i, j] > 0]
            probability = len(hits) / (len(hits) + 2)
            present = probability >= self.thresholds.get(theme.id, 0.5)
            evidence = [Evidence(passages[i], 1.0) for i in hits[: self.n_evidence]] if present else []
            tags.append(ThemeTag(theme.id, probability, present, evidence, "present" if present else "absent"))
        return tags

    def tag_documents(self, documents):
        return [self.tag(passages) for passages in documents]


def keyword_classifier(codebook, *, thresholds=None, embedder=None) -> KeywordClassifier:
    return KeywordClassifier(codebook, thresholds=thresholds)


def slow_keyword_classifier(codebook, *, thresholds=None, embedder=None) -> KeywordClassifier:
    """The stand-in, taking half a second per document."""
    return KeywordClassifier(codebook, delay_s=0.5, thresholds=thresholds)


# Plug-in names for ``classify.loader`` (``--model keyword-stand-in``).
CLASSIFIERS = {"keyword-stand-in": keyword_classifier, "slow-keyword-stand-in": slow_keyword_classifier}

