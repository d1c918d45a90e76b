"""The rate-matched decision rule: each theme's cut tags a fixed multiple of its coded rate."""

import numpy as np
import pytest

from practice_themes.classify.thresholds import rate_matched_thresholds


def test_the_cut_tags_factor_times_the_smoothed_coded_rate():
    scores = np.linspace(0.01, 0.99, 99)[:, None]
    truth = np.zeros((99, 1), dtype=bool)
    truth[:9] = True  # 9 of 99 coded present, wherever they score
    for factor in (1.0, 1.25, 2.0):
        cut = rate_matched_thresholds(scores, truth, factor)[0]
        tagged = int((scores[:, 0] >= cut).sum())
        assert tagged == pytest.approx(factor * (9 + 0.5) / 100 * 99, abs=1)


def test_the_cut_depends_on_the_ranking_not_on_the_scale_of_the_scores():
    rng = np.random.default_rng(0)
    scores = rng.random((40, 3))
    truth = rng.random((40, 3)) < 0.2
    squashed = scores ** 3 * 0.2  # any increasing map
    plain = scores >= rate_matched_thresholds(scores, truth)[None, :]
    assert np.array_equal(plain, squashed >= rate_matched_thresholds(squashed, truth)[None, :])


def test_a_theme_with_no_coded_positive_still_gets_a_cut_near_the_top():
    scores = np.linspace(0, 1, 40)[:, None]
    cut = rate_matched_thresholds(scores, np.zeros((40, 1), dtype=bool), 1.0)[0]
    assert 1 <= (scores >= cut).sum() <= 2  # 0.5 / 41 of 40 documents


def test_bad_shapes_and_factors_are_refused():
    with pytest.raises(ValueError, match="same non-empty"):
        rate_matched_thresholds(np.zeros((3, 2)), np.zeros((3, 1), dtype=bool), 1.0)
    with pytest.raises(ValueError, match="factor must be > 0"):
        rate_matched_thresholds(np.zeros((3, 1)), np.zeros((3, 1), dtype=bool), 0.0)


def _fitted(monkeypatch, codebook, probability, truth, **settings):
    """A RateMatchedClassifier fitted on fixed document probabilities (no encoder needed)."""
    from practice_themes.classify.rate_matched import RateMatchedClassifier
    from practice_themes.classify.training import LabelledPassages
    from practice_themes.classify.zeroshot import ZeroShotClassifier
    from practice_themes.types import Passage

    class Fixed(RateMatchedClassifier):
        """Document probabilities by row number (the documents' ids are d0, d1, ...)."""

        def document_probability_matrix(self, documents):
            return np.array([probability[int(doc[0].doc_id[1:])] for doc in documents])

    docs = []
    for i, labels in enumerate(truth):
        passage = Passage(doc_id=f"d{i}", page=1, start=0, end=5, text="Text.")
        docs.append(LabelledPassages(f"d{i}", [passage], np.zeros((1, len(labels))), np.ones((1, len(labels))),
                                     np.asarray(labels, dtype=np.int8)))
    # The scorer's vectors are not needed for fixed probabilities.
    monkeypatch.setattr(ZeroShotClassifier, "fit", lambda self: self)
    return Fixed(codebook, **settings).fit(docs)


def test_an_uncoded_theme_keeps_the_default_cut_and_says_why(monkeypatch, codebook):
    rng = np.random.default_rng(1)
    n, m = 20, len(codebook)
    probability = rng.random((n, m))
    truth = probability > 0.7
    truth[:, 0] = False
    defaults = {t: 0.42 for t in codebook.ids}
    model = _fitted(monkeypatch, codebook, probability, truth, default_thresholds=defaults)
    theme = codebook.ids[0]
    assert theme in model.default_themes_ and "no coded positive" in model.default_reasons_[theme]
    assert model.theme_thresholds[theme] == 0.42
    assert model.cv_scores_["themes"][theme]["source"] == "default"
    other = codebook.ids[1]
    assert other in model.trained_themes_ and model.theme_thresholds[other] != 0.42
    assert model.cv_scores_["themes"][other]["source"] == "rate-matched"


def test_the_cv_report_is_out_of_fold(monkeypatch, codebook):
    # Labels that are pure noise against the scores: cuts fitted on the same documents would still tag the
    # right number, but out of fold they cannot find the positives, so the report must not look good.
    rng = np.random.default_rng(2)
    n, m = 40, len(codebook)
    probability = rng.random((n, m))
    truth = rng.random((n, m)) < 0.3
    model = _fitted(monkeypatch, codebook, probability, truth, n_splits=4)
    assert model.cv_scores_["macro_f1"] < 0.5
    separated = np.where(truth, 0.5, 0.0) + 0.5 * rng.random((n, m))  # every positive above every negative
    perfect = _fitted(monkeypatch, codebook, separated, truth, n_splits=4, factor=1.0)
    assert perfect.cv_scores_["macro_f1"] > 0.85  # as many tagged as coded: nearly every tag right


def test_training_with_no_theme_coded_present_is_refused(monkeypatch, codebook):
    from practice_themes.errors import TrainingDataError

    with pytest.raises(TrainingDataError, match="no rate to match"):
        _fitted(monkeypatch, codebook, np.zeros((3, len(codebook))), np.zeros((3, len(codebook)), dtype=bool))


def test_with_a_default_a_theme_with_no_coded_positive_keeps_it():
    scores = np.linspace(0, 1, 40)[:, None].repeat(2, axis=1)
    truth = np.zeros((40, 2), dtype=bool)
    truth[-5:, 0] = True
    cuts = rate_matched_thresholds(scores, truth, 1.0, default=np.array([0.9, 0.77]))
    assert cuts[1] == 0.77 and cuts[0] != 0.9


def test_a_theme_the_default_cut_decides_better_keeps_it_and_says_why(monkeypatch, codebook):
    # A clean ranking with the default's cut in the right place: tagging 1.5x the coded rate only adds
    # false positives, so the rate-matched cut must not replace it.
    rng = np.random.default_rng(3)
    n, m = 40, len(codebook)
    truth = rng.random((n, m)) < 0.3
    probability = np.where(truth, 0.6, 0.0) + 0.3 * rng.random((n, m))  # positives 0.6-0.9, negatives 0-0.3
    model = _fitted(monkeypatch, codebook, probability, truth, default_thresholds={t: 0.45 for t in codebook.ids})
    theme = codebook.ids[0]
    assert theme in model.default_themes_
    assert model.default_reasons_[theme].startswith("out-of-fold F1") and "below the default's 1.00" in model.default_reasons_[theme]
    assert model.theme_thresholds[theme] == 0.45 and model.cv_scores_["themes"][theme]["f1"] == 1.0
