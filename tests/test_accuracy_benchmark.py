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
