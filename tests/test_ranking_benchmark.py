"""``benchmarks/ranking.py``'s pieces on synthetic data: out-of-fold decisions never score a report with a
model that saw it, and learn a feature that carries the codes; themes too rare for an AUC are left out."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_out_of_fold_decisions_learn_a_separating_feature_and_leave_other_themes_at_zero():
    from ranking import mean_auc, out_of_fold_decisions

    rng = np.random.default_rng(0)
    truth = np.zeros((60, 3), dtype=bool)
    truth[:30, 0] = True
    truth[::2, 1] = True
    features = np.column_stack([truth[:, 0] + rng.normal(0, 0.3, 60), rng.normal(size=60)])
    decided = out_of_fold_decisions(features, truth, [0, 1], C=1.0, repeats=2)
    assert mean_auc(truth, decided, [0]) > 0.95
    assert 0.2 < mean_auc(truth, decided, [1]) < 0.8  # noise stays noise out of fold
    assert not decided[:, 2].any()


def test_a_memorised_feature_does_not_leak_into_out_of_fold_decisions():
    from ranking import mean_auc, out_of_fold_decisions

    rng = np.random.default_rng(1)
    truth = (rng.random((80, 1)) < 0.5)
    ids = np.eye(80)  # one indicator per report: in fold it fits the codes perfectly, out of fold it knows nothing
    decided = out_of_fold_decisions(ids, truth, [0], C=100.0, repeats=1)
    assert mean_auc(truth, decided, [0]) < 0.7


def test_judged_themes_need_two_positives_and_two_negatives():
    from ranking import judged_themes

    truth = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=bool)
    assert judged_themes(truth) == [0]
