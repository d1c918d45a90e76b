"""``benchmarks/accuracy.py``'s kappa ceiling: the best kappa any cut on a score reaches, which the README
uses to say that issue 12's kappa goal needs a better ranking, not better thresholds."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_a_score_that_separates_the_codes_has_a_kappa_ceiling_of_one():
    from accuracy import kappa_ceiling

    truth = np.array([0, 0, 0, 1, 1], dtype=bool)
    assert kappa_ceiling(truth, np.array([0.1, 0.2, 0.3, 0.8, 0.9])) == pytest.approx(1.0)


def test_the_kappa_ceiling_is_the_best_cut_not_the_first_or_the_last():
    from accuracy import cohen_kappa, kappa_ceiling

    truth = np.array([0, 0, 1, 0, 1, 1], dtype=bool)
    score = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])  # one negative ranked among the positives
    every_cut = [cohen_kappa(truth, score >= c) for c in score]
    assert kappa_ceiling(truth, score) == pytest.approx(max(every_cut))
    assert kappa_ceiling(truth, score) > max(every_cut[0], every_cut[-1])
    assert kappa_ceiling(truth, score) < 1.0


def test_the_nested_strength_is_chosen_on_each_outer_folds_training_reports_only():
    # A register where every theme's own cut (0.1) is right and the global prior (0.3) is wrong:
    # the inner CV must pick no shrinkage, and the decisions must be the own cut's.
    from sklearn.model_selection import KFold

    from accuracy import nested_strength

    rng = np.random.default_rng(0)
    truth = rng.random((60, 2)) < 0.4
    probability = np.where(truth, 0.15, 0.02) + rng.random((60, 2)) * 0.01
    folds = list(KFold(n_splits=3, shuffle=True, random_state=0).split(probability))
    predicted, chosen = nested_strength(probability, truth, np.empty((0, 2)), np.empty((0, 2), dtype=bool),
                                        ["a", "b"], [0.0, 1e9], folds)
    assert chosen == [0.0, 0.0, 0.0]
    assert (predicted == truth).all()
