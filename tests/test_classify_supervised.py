"""``TrainedClassifier.fit``: how C and the threshold are chosen by grouped CV (no encoder needed)."""

import numpy as np
import pytest

from practice_themes.classify.stacking import FEATURE_NAMES
from practice_themes.classify.supervised import C_GRID, TrainedClassifier
from practice_themes.classify.training import LabelledPassages
from practice_themes.codebook import load_codebook


class FixedFeatures(TrainedClassifier):
    """The stacked model over given [themes, features] arrays, one per document id."""

    features_by_doc: dict = {}
    default_by_doc: dict = {}  # the default classifier's document probabilities; zeros when absent

    def _zeroshot(self):
        return None

    def _features(self, passages):
        return None, self.features_by_doc[passages[0]]

    def _default_probability(self, passages, scores):
        return self.default_by_doc.get(passages[0], np.zeros(len(self.codebook)))

    def _default_thresholds(self):
        return {t: 0.5 for t in self.codebook.ids}


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


def test_a_theme_the_default_decides_better_stays_at_the_default(codebook):
    # The trained model must never lose to the default on a theme it could not learn.
    docs, features = make_docs(16, len(codebook), noise=6.0, seed=3)
    FixedFeatures.features_by_doc = features
    perfect = {d.doc_id: d.doc_labels.astype(float) for d in docs}  # the default is right everywhere
    FixedFeatures.default_by_doc = perfect
    try:
        model = FixedFeatures(codebook).fit(docs)
    finally:
        FixedFeatures.default_by_doc = {}
    coded = [t for j, t in enumerate(codebook.ids) if sum(d.doc_labels[j] for d in docs) >= 3]
    assert coded and set(coded) <= set(model.default_themes_)
    assert all("below the default" in model.default_reasons_[t] for t in coded)
    assert not set(model.trained_themes_) & set(model.default_themes_)
    for t in coded:
        assert model.cv_scores_["themes"][t]["source"] == "default"
        assert model.cv_scores_["themes"][t]["f1"] == 1.0


def test_a_rare_theme_stays_at_the_default_and_says_why(codebook):
    docs, features = make_docs(12, len(codebook), noise=0.5)
    for d in docs:
        d.doc_labels[0] = 0
    docs[0].doc_labels[0] = 1
    FixedFeatures.features_by_doc = features
    model = FixedFeatures(codebook).fit(docs)
    theme = codebook.ids[0]
    assert theme in model.default_themes_
    assert model.default_reasons_[theme].startswith("1 coded positive document(s), fewer than 3")


def test_the_cv_report_gives_intervals_positives_and_documents_still_needed(codebook):
    docs, features = make_docs(20, len(codebook), noise=1.0)
    FixedFeatures.features_by_doc = features
    model = FixedFeatures(codebook).fit(docs)
    entry = next(v for v in model.cv_scores_["themes"].values() if v["n_positive"] >= 3)
    low, high = entry["recall_ci"]
    assert low <= entry["recall"] <= high
    assert entry["kappa_ci"][0] <= entry["kappa"] <= entry["kappa_ci"][1] + 1e-9
    assert entry["more_documents_for_recall_ci_0.1"] > 0  # a handful of positives never gives +/-0.1


def test_more_documents_needed_follows_the_normal_approximation():
    from practice_themes.classify.cv_report import more_documents_needed

    # r = 0.5 needs 97 positives for +/-0.1; with 10 of 40 documents positive, 87 more positives = 348 docs.
    assert more_documents_needed(10, 40, 0.5) == 348
    assert more_documents_needed(200, 400, 0.5) == 0


def test_the_stacked_model_starts_from_the_default_pooled_score_pool_best_included():
    # It used to pool a second way (mean of the top 3 paragraphs), so a ``pool: best`` theme such as
    # disability, stated once in a report, was averaged away again under ``--method stacked``.
    from types import SimpleNamespace

    from practice_themes.classify.aggregate import Aggregator, logit
    from practice_themes.classify.supervised import analysis_features

    scores = np.array([[0.9, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3]])
    n, m = scores.shape
    analysis = SimpleNamespace(scores=scores, kept=np.arange(n), weights=np.ones(n), semantic=np.zeros((n, m)),
                               lexical=SimpleNamespace(cues=np.zeros((n, m)), negated_cues=np.zeros((n, m))))
    zeroshot = SimpleNamespace(is_context_=np.zeros(m, dtype=bool),
                               aggregator_=Aggregator(rule="mean", distinct_paragraphs=True, best_only=(0,)))
    passages = [SimpleNamespace(paragraph=i) for i in range(n)]
    features = analysis_features(analysis, passages, zeroshot)
    np.testing.assert_allclose(features[:, FEATURE_NAMES.index("logit_pooled")], logit(np.array([0.9, 0.3])))
