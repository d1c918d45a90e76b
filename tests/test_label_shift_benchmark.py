"""The EM of ``benchmarks/label_shift.py`` recovers a pure prior shift, so its failure across registers is
the data's (the scores move with the register), not the estimator's."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _calibrated_scores(rng, prior: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact posteriors under ``source`` prior 0.3 for labels drawn at ``prior``: the class-conditional
    score densities are the same in both corpora, only the label frequencies differ."""
    from practice_themes.classify.aggregate import logit, sigmoid

    labels = rng.random(n) < prior
    evidence = rng.normal(np.where(labels, 1.5, -1.5), 1.0)
    posterior = sigmoid(3.0 * evidence + logit(0.3))  # the log likelihood ratio of N(+-1.5, 1) is 3x
    return posterior, labels


def test_em_recovers_a_pure_prior_shift():
    from label_shift import em_label_shift

    rng = np.random.default_rng(0)
    posterior, labels = _calibrated_scores(rng, prior=0.08, n=20000)
    adjusted, prior = em_label_shift(posterior[:, None], np.array([0.3]))
    assert abs(prior[0] - labels.mean()) < 0.02
    # Re-weighting towards the lower prior lowers every posterior, keeping the order.
    assert np.all(adjusted[:, 0] <= posterior + 1e-12)
    assert np.array_equal(np.argsort(adjusted[:, 0], kind="stable"), np.argsort(posterior, kind="stable"))


def test_em_leaves_an_unshifted_corpus_at_its_prior():
    from label_shift import em_label_shift

    rng = np.random.default_rng(1)
    posterior, labels = _calibrated_scores(rng, prior=0.3, n=20000)
    _, prior = em_label_shift(posterior[:, None], np.array([0.3]))
    assert abs(prior[0] - 0.3) < 0.02
