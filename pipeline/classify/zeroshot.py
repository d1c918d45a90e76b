"""Zero-shot theme scoring from the codebook's exemplars."""

from __future__ import annotations

import numpy as np

from pipeline.codebook import Codebook
from pipeline.embed import encode
from pipeline.types import Evidence, Passage, ThemeTag


class ZeroShotClassifier:
    """Score passages by cosine similarity to each theme's exemplars.

    A passage's theme score is its best cosine to the theme's exemplars,
    mapped to a probability with a logistic curve; the document score is a
    noisy-OR over the ``top_k`` strongest passages.
    """

    def __init__(self, codebook: Codebook, *, top_k: int = 3, midpoint: float = 0.55,
                 slope: float = 20.0, threshold: float = 0.5, n_evidence: int = 3) -> None:
        self.codebook = codebook
        self.top_k = top_k
        self.midpoint = midpoint
        self.slope = slope
        self.threshold = threshold
        self.n_evidence = n_evidence

    def fit(self) -> "ZeroShotClassifier":
        self.exemplar_vectors_ = [encode(list(t.exemplars)) for t in self.codebook.themes]
        return self

    def score_passages(self, passages: list[Passage]) -> np.ndarray:
        vectors = encode([p.text for p in passages])
        scores = np.zeros((len(passages), len(self.codebook)), dtype=np.float32)
        for j, exemplars in enumerate(self.exemplar_vectors_):
            if len(passages):
                cos = (vectors @ exemplars.T).max(axis=1)
                scores[:, j] = 1.0 / (1.0 + np.exp(-self.slope * (cos - self.midpoint)))
        return scores

    def tag(self, passages: list[Passage]) -> list[ThemeTag]:
        scores = self.score_passages(passages)
        tags = []
        for j, theme in enumerate(self.codebook.themes):
            order = np.argsort(-scores[:, j], kind="stable")[: self.top_k]
            top = scores[order, j]
            probability = float(1.0 - np.prod(1.0 - top)) if len(top) else 0.0
            evidence = [Evidence(passages[i], float(scores[i, j])) for i in order[: self.n_evidence]]
            present = probability >= self.threshold
            tags.append(ThemeTag(theme.id, probability, present, evidence if present else [],
                                 "present" if present else "absent"))
        return tags
