"""Bias-corrected corpus prevalence (prediction-powered inference) and the Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluation.prevalence import PrevalenceEstimate, ppi_prevalence, wilson_ci


def test_wilson_ci_by_hand_at_zero_successes():
    # k = 0: the interval is [0, z^2 / (n + z^2)].
    z2 = 1.959963984540054**2
    low, high = wilson_ci(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(z2 / (10 + z2))


def test_wilson_ci_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n, level in [(81, 263, 0.95), (3, 40, 0.90), (40, 40, 0.99)]:
        expected = proportion_confint(k, n, alpha=1 - level, method="wilson")
        assert wilson_ci(k, n, level) == pytest.approx(expected, abs=1e-12)


def test_wilson_ci_rejects_impossible_counts_and_handles_empty():
    with pytest.raises(ValueError):
        wilson_ci(5, 3)
    assert all(math.isnan(v) for v in wilson_ci(0, 0))


def test_ppi_by_hand_on_a_small_case():
    machine_all = np.array([1, 1, 0, 0, 1, 0, 1, 1, 0, 0])
    machine_sample = np.array([1, 1, 0, 0])
    human_sample = np.array([1, 0, 0, 1])
    est = ppi_prevalence(machine_all, machine_sample, human_sample)
    rectifier = np.mean(machine_sample - human_sample)  # 0: errors cancel
    theta = machine_all.mean() - rectifier
    se = math.sqrt(np.var(machine_all, ddof=1) / 10 + np.var(machine_sample - human_sample, ddof=1) / 4)
    assert isinstance(est, PrevalenceEstimate)
    assert est.corrected == pytest.approx(theta)
    assert est.ci_low == pytest.approx(max(0.0, theta - 1.959963984540054 * se))
    assert est.ci_high == pytest.approx(min(1.0, theta + 1.959963984540054 * se))
    assert est.naive == pytest.approx(0.5)
    assert est.naive_ci == pytest.approx(wilson_ci(5, 10))
    assert est.human_only == pytest.approx(0.5)
    assert (est.n_all, est.n_sample, est.method) == (10, 4, "ppi")


def test_ppi_clips_to_the_unit_interval():
    est = ppi_prevalence([0] * 50, [0, 0, 0, 0, 0], [0, 0, 0, 0, 1])
    assert 0.0 <= est.ci_low <= est.corrected <= est.ci_high <= 1.0


def test_ppi_rejects_mismatched_or_missing_inputs():
    with pytest.raises(ValueError, match="differ in length"):
        ppi_prevalence([0, 1, 1], [0, 1], [1])
    with pytest.raises(ValueError, match="missing"):
        ppi_prevalence([0, 1, 1], [0, 1], [1, math.nan])


def _simulate(rng, *, n_corpus=2000, n_sample=150, prevalence=0.3, sensitivity=0.8, false_pos=0.15):
    truth = (rng.random(n_corpus) < prevalence).astype(float)
    machine = np.where(truth == 1, rng.random(n_corpus) < sensitivity, rng.random(n_corpus) < false_pos)
    machine = machine.astype(float)
    sample = rng.choice(n_corpus, size=n_sample, replace=False)
    return truth, machine, sample


def test_ppi_covers_the_true_prevalence_where_the_naive_rate_does_not():
    # A biased machine (recall .8, false-positive rate .15) over-counts a 30% theme by about 4.5 points.
    rng = np.random.default_rng(20240601)
    reps, covered_ppi, covered_naive, covered_ppi_pp = 300, 0, 0, 0
    widths_ppi, widths_human = [], []
    for _ in range(reps):
        truth, machine, sample = _simulate(rng)
        target = truth.mean()
        est = ppi_prevalence(machine, machine[sample], truth[sample])
        tuned = ppi_prevalence(machine, machine[sample], truth[sample], power_tuning=True)
        covered_ppi += est.ci_low <= target <= est.ci_high
        covered_ppi_pp += tuned.ci_low <= target <= tuned.ci_high
        covered_naive += est.naive_ci[0] <= target <= est.naive_ci[1]
        widths_ppi.append(est.ci_high - est.ci_low)
        widths_human.append(est.human_only_ci[1] - est.human_only_ci[0])
        assert 0.0 <= tuned.lam <= 1.0
    assert 0.91 <= covered_ppi / reps <= 0.99
    assert 0.91 <= covered_ppi_pp / reps <= 0.99
    assert covered_naive / reps < 0.25
    # The machine is informative, so PPI beats coding the sample by hand alone.
    assert np.mean(widths_ppi) < np.mean(widths_human)


def test_ppi_with_a_perfect_machine_reduces_to_the_machine_rate():
    rng = np.random.default_rng(1)
    truth, _, sample = _simulate(rng)
    est = ppi_prevalence(truth, truth[sample], truth[sample])
    assert est.corrected == pytest.approx(truth.mean())
    assert est.rectifier == 0.0
    assert est.as_dict()["naive_ci"] == list(est.naive_ci)
