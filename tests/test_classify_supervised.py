"""``TrainedClassifier.fit``: how C and the threshold are chosen by grouped CV (no encoder needed)."""

import numpy as np
import pytest

from pipeline.classify.stacking import FEATURE_NAMES
from pipeline.classify.supervised import C_GRID, TrainedClassifier
from pipeline.classify.training import LabelledPassages
from pipeline.codebook import load_codebook


class FixedFeatures(TrainedClassifier):
    """The stacked model over given [themes, features] arrays, one per document id."""

    features_by_doc: dict = {}

    def _zeroshot(self):
        return None

    def _features(self, passages):
        return None, self.features_by_doc[passages[0]]


def make_docs(n_docs: int, n_themes: int, *, noise: float, seed: int = 0):
    """Documents whose first feature separates coded from uncoded themes, plus noise."""
    rng = np.random.default_rng(seed)
    docs, features = [], {}
    for i in range(n_docs):
        labels = (rng.random(n_themes) < 0.3).astype(np.int8)
        X = rng.normal(0.0, 1.0, (n_themes, len(FEATURE_NAMES)))
        X[:, 0] = 3.0 * labels + rng.normal(0.0, noise, n_themes)
        doc_id = f"d{i}"
        features[doc_id] = X
        docs.append(LabelledPassages(doc_id, [doc_id], np.zeros((1, n_themes)), np.ones((1, n_themes)), labels))
    return docs, features


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def test_c_is_chosen_from_the_candidates_and_recorded(codebook):
    docs, features = make_docs(12, len(codebook), noise=2.0)
    FixedFeatures.features_by_doc = features
    model = FixedFeatures(codebook).fit(docs)
    assert model.C is None and model.C_ in C_GRID
    scores = model.cv_scores_["C_candidates"]
    assert set(scores) == {str(c) for c in C_GRID}
    assert scores[str(model.C_)] == max(scores.values())
    assert model.cv_scores_["C"] == model.C_


def test_a_fixed_c_is_not_searched(codebook):
    docs, features = make_docs(12, len(codebook), noise=2.0)
    FixedFeatures.features_by_doc = features
    model = FixedFeatures(codebook, C=0.3).fit(docs)
    assert model.C_ == 0.3 and list(model.cv_scores_["C_candidates"]) == ["0.3"]


def test_a_tie_between_candidates_keeps_the_most_regularised(codebook):
    # Perfectly separable: every C scores the same pooled F1, so the first (strongest) wins.
    docs, features = make_docs(12, len(codebook), noise=0.0)
    FixedFeatures.features_by_doc = features
    model = FixedFeatures(codebook, Cs=(0.3, 1.0, 3.0)).fit(docs)
    assert set(model.cv_scores_["C_candidates"].values()) == {1.0}
    assert model.C_ == 0.3
