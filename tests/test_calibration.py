"""Per-theme Platt scaling (``classify.calibration``) and the shipped calibrations that go with the thresholds."""

import json

import numpy as np
import pytest

from practice_themes.classify.aggregate import logit, platt, sigmoid
from practice_themes.classify.calibration import ThemeCalibration, map_cut, platt_targets


def _scores(rng, n, a, b):
    """Scores whose true P(coded | score) is sigmoid(a * logit(score) + b), and draws of the codes."""
    score = sigmoid(rng.normal(-1.0, 1.5, n))
    return score, rng.random(n) < sigmoid(a * logit(score) + b)


def test_a_theme_with_many_coded_documents_gets_its_own_curve():
    rng = np.random.default_rng(0)
    score_a, truth_a = _scores(rng, 4000, 2.0, 1.0)
    score_b, truth_b = _scores(rng, 4000, 0.5, -1.0)
    fit = ThemeCalibration(strength=1.0).fit(np.column_stack([score_a, score_b]),
                                             np.column_stack([truth_a, truth_b]), ["a", "b"])
    assert fit.rows_["a"] == pytest.approx((2.0, 1.0), abs=0.2)
    assert fit.rows_["b"] == pytest.approx((0.5, -1.0), abs=0.2)


def test_a_rare_perfectly_separated_theme_stays_finite_and_near_the_global_fit():
    # Without Platt's targets and the prior, three positives above every negative send the slope to infinity.
    rng = np.random.default_rng(1)
    common, common_truth = _scores(rng, 300, 1.0, 0.0)
    rare = np.r_[np.full(3, 0.9), np.full(297, 0.1)]
    fit = ThemeCalibration(strength=1.0).fit(np.column_stack([common, rare]),
                                             np.column_stack([common_truth, rare > 0.5]), ["common", "rare"])
    a, b = fit.rows_["rare"]
    assert np.isfinite([a, b]).all() and 0 < a < 10
    stronger = ThemeCalibration(strength=1000.0).fit(np.column_stack([common, rare]),
                                                     np.column_stack([common_truth, rare > 0.5]), ["common", "rare"])
    assert stronger.rows_["rare"] == pytest.approx(stronger.prior_, abs=0.05)


def test_platt_targets_never_reach_zero_or_one():
    targets = platt_targets(np.array([True, True, False, False, False]))
    assert targets.tolist() == pytest.approx([3 / 4, 3 / 4, 1 / 5, 1 / 5, 1 / 5])


def test_a_cut_carried_onto_another_calibration_decides_exactly_as_before():
    pooled = np.linspace(0.001, 0.999, 2001)
    before, after = (1.5, 1.0), (0.6, 1.4)
    cut = 0.11
    moved = map_cut(cut, before, after)
    np.testing.assert_array_equal(platt(pooled, *before) >= cut, platt(pooled, *after) >= moved - 1e-12)


def test_composed_rows_apply_both_maps_at_once():
    rng = np.random.default_rng(2)
    score, truth = _scores(rng, 500, 1.2, 0.3)
    base = (1.5, 1.0)
    calibrated_once = platt(score, *base)
    fit = ThemeCalibration().fit(calibrated_once[:, None], truth[:, None], ["t"])
    a, b = fit.composed(base)["t"]
    np.testing.assert_allclose(platt(score, a, b), fit.transform(calibrated_once[:, None], ["t"])[:, 0], atol=1e-9)


def test_the_shipped_thresholds_decide_as_the_cuts_before_calibration():
    # They are carried onto each theme's calibration by fit_zero_shot_thresholds.py; a hand edit of one
    # without the other would silently move every decision of that theme.
    from practice_themes.classify.zeroshot import SHIPPED_THRESHOLDS, ZERO_SHOT_CALIBRATION

    shipped = json.loads(SHIPPED_THRESHOLDS.read_text(encoding="utf-8"))
    pooled = np.linspace(0.0005, 0.9995, 4000)
    for theme, cut in shipped["cuts_before_calibration"].items():
        a, b = shipped["calibration"][theme]
        assert a > 0
        before = platt(pooled, *ZERO_SHOT_CALIBRATION) >= cut
        after = platt(pooled, a, b) >= shipped["thresholds"][theme]
        assert (before != after).sum() <= 1, theme  # the rounding to 6 places may move the one score at the cut
