"""Bias-corrected corpus prevalence (prediction-powered inference) and the Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from practice_themes.stats.prevalence import PrevalenceEstimate, ppi_lambda, ppi_prevalence, wilson_ci


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


# ppi_py's worked mean example, computed once by hand from its definitions
# (ppi_mean_pointestimate / ppi_mean_ci / _calc_lam_glm).
PPI_Y = np.array([1, 0, 1, 1, 0])
PPI_YHAT = np.array([1, 0, 0, 1, 1])
PPI_YHAT_U = np.array([1, 0, 1, 1, 0, 0, 1, 0])


def test_ppi_lambda_is_ppi_pys_by_hand():
    # cov = mean((Y - .6)(Yhat - .6)) = 0.2 / 5 = 0.04; pooled Yhat: 7 ones in 13, var (ddof 1) = 42/156;
    # lambda = 0.04 / ((1 + 5/8) * 42/156) = 6.24 / 68.25.
    assert ppi_lambda(PPI_Y, PPI_YHAT, PPI_YHAT_U) == pytest.approx(6.24 / 68.25, abs=1e-12)
    # Clipped to [0, 1]: a machine that anti-correlates with the humans gets no weight.
    assert ppi_lambda(PPI_Y, 1 - PPI_Y, PPI_YHAT_U) == 0.0


def test_ppi_plus_plus_on_a_separate_sample_is_ppi_pys_mean_ci_by_hand():
    lam = 6.24 / 68.25
    est = ppi_prevalence(PPI_YHAT_U, PPI_YHAT, PPI_Y, power_tuning=True, sample_in_corpus=False)
    theta = lam * 0.5 + 0.6 - lam * 0.6  # lam * mean(Yhat_u) + mean(Y - lam * Yhat)
    se = math.sqrt((lam * 0.5) ** 2 / 8 + np.var(PPI_Y - lam * PPI_YHAT) / 5)  # ddof 0, as ppi_py
    assert (est.lam, est.corrected) == pytest.approx((lam, theta), abs=1e-12)
    assert (est.ci_low, est.ci_high) == pytest.approx((theta - 1.959963984540054 * se, 1.0))  # upper clipped at 1
    assert (est.method, est.estimand, est.ci_method) == ("ppi++", "population", "normal approximation")


def test_ppi_by_hand_on_a_small_case():
    machine_all = np.array([1, 1, 0, 0, 1, 0, 1, 1, 0, 0])
    machine_sample = np.array([1, 1, 0, 0])
    human_sample = np.array([1, 0, 0, 1])
    est = ppi_prevalence(machine_all, machine_sample, human_sample)
    # One miss (b = 1) and one invention (c = 1) of 4 cancel: rectifier 0, estimate = machine rate.
    assert isinstance(est, PrevalenceEstimate)
    assert est.corrected == pytest.approx(0.5) and est.rectifier == 0.0
    # MOVER: Wilson(1/4) for each cell, correlation -1/3, finite-population factor 1 - 4/10.
    low, high = wilson_ci(1, 4)
    r = -1 / 3
    half = math.sqrt((0.25 - low) ** 2 + (high - 0.25) ** 2 - 2 * r * (0.25 - low) * (high - 0.25))
    assert est.ci_low == pytest.approx(max(0.0, 0.5 - math.sqrt(0.6) * half))
    assert est.ci_high == pytest.approx(min(1.0, 0.5 + math.sqrt(0.6) * half))
    assert est.naive == pytest.approx(0.5)
    assert est.naive_ci == pytest.approx(wilson_ci(5, 10))
    assert est.human_only == pytest.approx(0.5)
    assert (est.n_all, est.n_sample, est.method, est.estimand) == (10, 4, "ppi", "corpus")
    assert est.warning is not None and "only 4 human-coded documents" in est.warning


def test_ppi_with_the_whole_corpus_coded_knows_the_prevalence_exactly():
    machine = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    human = np.array([1, 1, 0, 0, 0, 1, 0, 0])
    est = ppi_prevalence(machine, machine, human)
    assert est.corrected == pytest.approx(3 / 8)
    assert (est.ci_low, est.ci_high) == pytest.approx((3 / 8, 3 / 8))


def test_ppi_small_all_negative_sample_is_not_falsely_precise():
    """Issue 15: 52/400 machine positives, 10 coded documents all 0 gave [0.097, 0.163]."""
    machine = np.array([1] * 52 + [0] * 348)
    est = ppi_prevalence(machine, np.zeros(10), np.zeros(10))
    assert est.human_only_ci == pytest.approx((0.0, 0.2775), abs=5e-4)
    # No error seen in 10 documents does not mean none exist: the interval stays wide.
    assert est.ci_low < 0.05 and est.ci_high > 0.33
    assert est.warning is not None


def test_ppi_covers_at_n_40_under_one_directional_errors():
    """Coverage pin (issue 15): the machine only misses (recall .75, no false positives), 40 coded documents."""
    rng = np.random.default_rng(15)
    reps, covered = 1000, 0
    for _ in range(reps):
        truth = (rng.random(1000) < 0.3).astype(float)
        machine = np.where(truth == 1, rng.random(1000) < 0.75, False).astype(float)
        sample = rng.choice(1000, size=40, replace=False)
        est = ppi_prevalence(machine, machine[sample], truth[sample])
        covered += est.ci_low <= truth.mean() <= est.ci_high
    assert covered / reps >= 0.93


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
