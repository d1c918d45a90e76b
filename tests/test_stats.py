"""Every agreement statistic against a published worked example or a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from practice_themes.stats.bootstrap import Interval, bootstrap_ci, bootstrap_metrics
from practice_themes.stats.coefficients import (
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_labels,
    gwet_ac1,
    gwet_ac1_multi,
    krippendorff_alpha,
    raw_agreement,
    scott_pi,
)
from practice_themes.stats.metrics import Confusion, confusion, micro_macro_f1

nan = math.nan

# Artstein & Poesio (2008), Table 1, as scikit-learn's tests encode it: [[20, 20], [10, 50]].
AP_Y1 = np.array([0] * 40 + [1] * 60)
AP_Y2 = np.array([0] * 20 + [1] * 20 + [0] * 10 + [1] * 50)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers x 12 units
# example with missing values.
KRIPP = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]

# Fleiss (1971) layout as in Wikipedia's worked example: 10 subjects, 14 raters, 5 categories.
FLEISS_WIKI = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def _table_to_labels(a_yes_b_yes: int, a_yes_b_no: int, a_no_b_yes: int, a_no_b_no: int):
    a = [1] * a_yes_b_yes + [1] * a_yes_b_no + [0] * a_no_b_yes + [0] * a_no_b_no
    b = [1] * a_yes_b_yes + [0] * a_yes_b_no + [1] * a_no_b_yes + [0] * a_no_b_no
    return np.array(a), np.array(b)


# --- confusion ---------------------------------------------------------------------------------


def test_confusion_counts_and_ratios_by_hand():
    c = confusion([1, 1, 0, 0, 1, None], [1, 0, 1, 0, 1, 1])
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 1)
    assert c.precision == pytest.approx(2 / 3)
    assert c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 / 3)
    assert c.accuracy == pytest.approx(3 / 5)


def test_confusion_undefined_ratios_are_nan_and_f1_zero_on_pure_errors():
    nothing_predicted = Confusion(tp=0, fp=0, fn=3, tn=5)
    assert math.isnan(nothing_predicted.precision)
    assert nothing_predicted.recall == 0.0
    assert nothing_predicted.f1 == 0.0
    nothing_to_find = Confusion(tp=0, fp=0, fn=0, tn=8)
    assert math.isnan(nothing_to_find.recall)
    assert math.isnan(nothing_to_find.f1)
    invented = Confusion(tp=0, fp=2, fn=0, tn=6)
    assert invented.f1 == 0.0 and invented.precision == 0.0


def test_confusion_rejects_non_binary_codes():
    with pytest.raises(ValueError, match="0/1"):
        confusion([0, 1, 2], [0, 1, 1])


# --- Cohen's kappa, Scott's pi -----------------------------------------------------------------


def test_cohen_kappa_artstein_poesio_table_1():
    assert cohen_kappa(AP_Y1, AP_Y2) == pytest.approx(0.348, abs=5e-4)
    assert cohen_kappa(AP_Y2, AP_Y1) == cohen_kappa(AP_Y1, AP_Y2)
    assert cohen_kappa(AP_Y1, AP_Y1) == pytest.approx(1.0)


def test_cohen_kappa_ignores_labels_outside_the_given_set():
    y1, y2 = np.append(AP_Y1, [2] * 4), np.append(AP_Y2, [2] * 4)
    assert cohen_kappa(y1, y2, labels=[0, 1]) == pytest.approx(cohen_kappa(AP_Y1, AP_Y2))


def test_cohen_kappa_artstein_poesio_multiclass_examples():
    y1 = np.array([0] * 46 + [1] * 44 + [2] * 10)
    assert cohen_kappa(y1, np.array([0] * 52 + [1] * 32 + [2] * 16)) == pytest.approx(0.8013, abs=5e-5)
    assert cohen_kappa(y1, np.array([0] * 50 + [1] * 40 + [2] * 10)) == pytest.approx(0.9315, abs=5e-5)


def test_cohen_kappa_matches_sklearn_on_random_labels_with_missing():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(7)
    a = rng.integers(0, 3, 300).astype(float)
    b = np.where(rng.random(300) < 0.7, a, rng.integers(0, 3, 300)).astype(float)
    a[rng.random(300) < 0.1] = np.nan
    keep = ~np.isnan(a)
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a[keep], b[keep]), abs=1e-12)


def test_string_labels_work_like_numbers():
    a = ["yes" if v else "no" for v in AP_Y1]
    b = ["yes" if v else "no" for v in AP_Y2]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa(AP_Y1, AP_Y2))


def test_kappa_is_nan_when_both_raters_use_one_category():
    assert math.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))


def test_scott_pi_by_hand_on_artstein_poesio_table_1():
    # Pooled marginals 35/100 and 65/100: p_e = .35^2 + .65^2 = .545; (0.7 - .545) / .455.
    assert scott_pi(AP_Y1, AP_Y2) == pytest.approx((0.7 - 0.545) / 0.455)


def test_raw_agreement_skips_missing():
    assert raw_agreement([1, 0, None, 1], [1, 1, 0, 1]) == pytest.approx(2 / 3)


# --- Gwet's AC1 and the prevalence paradox -----------------------------------------------------


def test_gwet_ac1_by_hand_on_artstein_poesio_table_1():
    # pi_1 = (.6 + .7) / 2 = .65; p_e = 2 * .65 * .35 = .455; AC1 = (.7 - .455) / .545.
    assert gwet_ac1(AP_Y1, AP_Y2) == pytest.approx((0.7 - 0.455) / 0.545)


def test_prevalence_paradox_kappa_collapses_while_ac1_stays_high():
    # 118 both yes, 5 A-only, 2 B-only, 0 both no: 94.4% raw agreement on a very common category.
    a, b = _table_to_labels(118, 5, 2, 0)
    p_o = 118 / 125
    pa, pb = 123 / 125, 120 / 125
    kappa_hand = (p_o - (pa * pb + (1 - pa) * (1 - pb))) / (1 - (pa * pb + (1 - pa) * (1 - pb)))
    pi = (pa + pb) / 2
    ac1_hand = (p_o - 2 * pi * (1 - pi)) / (1 - 2 * pi * (1 - pi))
    assert cohen_kappa(a, b) == pytest.approx(kappa_hand)
    assert gwet_ac1(a, b) == pytest.approx(ac1_hand)
    assert cohen_kappa(a, b) < 0.0
    assert gwet_ac1(a, b) > 0.93


def test_gwet_ac1_multi_by_hand_three_raters():
    # Items' (yes, no) counts: (3,0) (2,1) (0,3) (1,2). p_a = (1 + 1/3 + 1 + 1/3) / 4 = 2/3;
    # pi_yes = .5, p_e = .5, AC1 = (2/3 - .5) / .5 = 1/3. Fleiss' kappa is also 1/3 here.
    labels = [[1, 1, 1], [1, 1, 0], [0, 0, 0], [1, 0, 0]]
    assert gwet_ac1_multi(labels) == pytest.approx(1 / 3)
    assert fleiss_kappa_from_labels(labels) == pytest.approx(1 / 3)


def test_gwet_ac1_multi_equals_two_rater_ac1_without_missing():
    y1 = np.array([0] * 46 + [1] * 44 + [2] * 10)
    y2 = np.array([0] * 52 + [1] * 32 + [2] * 16)
    assert gwet_ac1_multi(np.c_[y1, y2]) == pytest.approx(gwet_ac1(y1, y2))


def test_gwet_ac1_multi_uses_items_with_missing_ratings():
    labels = [[1, 1, nan], [1, 1, 0], [0, 0, 0], [1, nan, nan]]
    # p_a over items 1-3: (1 + 1/3 + 1) / 3; pi_yes over all 4 items: (1 + 2/3 + 0 + 1) / 4.
    p_a = (1 + 1 / 3 + 1) / 3
    pi = (1 + 2 / 3 + 0 + 1) / 4
    p_e = 2 * pi * (1 - pi)
    assert gwet_ac1_multi(labels) == pytest.approx((p_a - p_e) / (1 - p_e))


# --- Fleiss' kappa -----------------------------------------------------------------------------


def test_fleiss_kappa_wikipedia_worked_example():
    assert fleiss_kappa(FLEISS_WIKI) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_matches_statsmodels():
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    assert fleiss_kappa(FLEISS_WIKI) == pytest.approx(sm_fleiss(FLEISS_WIKI, method="fleiss"), abs=1e-12)
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, size=(50, 5))
    counts = np.stack([(labels == k).sum(axis=1) for k in range(4)], axis=1)
    assert fleiss_kappa_from_labels(labels) == pytest.approx(sm_fleiss(counts), abs=1e-12)


def test_fleiss_kappa_from_labels_drops_incomplete_items():
    labels = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 0], [1, 0, 0], [1, nan, 0]], dtype=float)
    assert fleiss_kappa_from_labels(labels) == pytest.approx(fleiss_kappa_from_labels(labels[:4]))


def test_fleiss_kappa_rejects_unequal_rating_counts():
    with pytest.raises(ValueError, match="same number of ratings"):
        fleiss_kappa([[2, 1], [1, 1]])


def test_fleiss_kappa_for_two_raters_is_scott_pi():
    assert fleiss_kappa_from_labels(np.c_[AP_Y1, AP_Y2]) == pytest.approx(scott_pi(AP_Y1, AP_Y2))


# --- Krippendorff's alpha ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_published_example_with_missing_data(level, published):
    assert krippendorff_alpha(KRIPP, level=level) == pytest.approx(published, abs=5e-4)


def test_krippendorff_alpha_binary_two_observer_example():
    # Krippendorff (2011), binary data, two observers, no missing: alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha([a, b]) == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_alpha_ignores_rater_order_and_unpairable_units():
    shuffled = [KRIPP[i] for i in (2, 0, 3, 1)]
    assert krippendorff_alpha(shuffled) == pytest.approx(krippendorff_alpha(KRIPP))
    with_lonely_unit = [row + [v] for row, v in zip(KRIPP, [4, nan, nan, nan])]
    assert krippendorff_alpha(with_lonely_unit) == pytest.approx(krippendorff_alpha(KRIPP))


def test_krippendorff_alpha_matches_nltk_when_installed():
    agreement = pytest.importorskip("nltk.metrics.agreement")
    triples = [
        (f"c{c}", f"u{u}", str(int(v)))
        for c, row in enumerate(KRIPP)
        for u, v in enumerate(row)
        if not math.isnan(v)
    ]
    assert krippendorff_alpha(KRIPP) == pytest.approx(agreement.AnnotationTask(data=triples).alpha(), abs=1e-9)


def test_krippendorff_alpha_rejects_unknown_level():
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(KRIPP, level="circular")


# --- F1 over documents x themes ----------------------------------------------------------------


def _frames():
    gold = pd.DataFrame({"t1": [1, 1, 0, 0], "t2": [0, 1, 0, 0], "t3": [0, 0, 0, 0]}, index=["a", "b", "c", "d"])
    pred = pd.DataFrame({"t1": [1, 0, 1, 0], "t2": [0, 1, 0, 0], "t3": [0, 0, 0, 0]}, index=["a", "b", "c", "d"])
    return gold, pred


def test_micro_macro_f1_by_hand():
    gold, pred = _frames()
    out = micro_macro_f1(gold, pred.iloc[::-1])  # order of rows does not matter
    # t1: tp 1, fp 1, fn 1 -> F1 .5; t2: tp 1 -> F1 1; t3 has nothing: no F1, left out of macro.
    assert out["macro_f1"] == pytest.approx(0.75)
    assert out["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))


def test_micro_macro_f1_rejects_mismatched_frames():
    gold, pred = _frames()
    with pytest.raises(ValueError, match="documents differ"):
        micro_macro_f1(gold, pred.drop(index="d"))
    with pytest.raises(ValueError, match="themes differ"):
        micro_macro_f1(gold, pred.drop(columns="t3"))


# --- bootstrap ---------------------------------------------------------------------------------


def test_bootstrap_is_deterministic_for_a_seed():
    a, b = AP_Y1, AP_Y2

    def kappa(idx):
        return cohen_kappa(a[idx], b[idx])

    first = bootstrap_ci(kappa, len(a), n_boot=300, seed=11)
    again = bootstrap_ci(kappa, len(a), n_boot=300, seed=11)
    other = bootstrap_ci(kappa, len(a), n_boot=300, seed=12)
    assert tuple(first) == tuple(again)
    assert tuple(first) != tuple(other)
    low, high = first
    assert low < cohen_kappa(a, b) < high
    assert 0.1 < low and high < 0.6


def test_bootstrap_drops_and_counts_undefined_resamples():
    a = np.array([1, 0, 0, 0, 0, 0])
    b = np.array([1, 0, 0, 0, 0, 1])
    ci = bootstrap_ci(lambda idx: cohen_kappa(a[idx], b[idx]), len(a), n_boot=200, seed=1)
    assert isinstance(ci, Interval)
    # Resamples with no positive from either rater leave kappa undefined.
    assert 0 < ci.n_dropped < 200 and ci.n_used == 200 - ci.n_dropped
    assert not math.isnan(ci.low)
    # BCa needs every resample: the interval says it fell back, and why.
    assert ci.method == f"percentile (BCa undefined: {ci.n_dropped} of 200 resamples undefined)"


def test_bootstrap_bca_is_scipys_bca_over_resampled_units():
    from scipy.stats import bootstrap

    x = np.random.default_rng(3).exponential(size=40)
    ci = bootstrap_ci(lambda idx: float(np.mean(x[idx])), len(x), n_boot=999, seed=7)
    ref = bootstrap((x,), np.mean, n_resamples=999, method="BCa", rng=np.random.default_rng(7))
    assert ci.method == "bca" and (ci.n_boot, ci.n_dropped) == (999, 0)
    assert (ci.low, ci.high) == pytest.approx((ref.confidence_interval.low, ref.confidence_interval.high), rel=1e-9)


def test_proportion_at_the_boundary_gets_wilson_not_a_collapsed_percentile():
    """Precision 2/2 (issue 15's sexual_abuse_family case): the percentile interval was [1, 1]."""
    gold = pd.DataFrame({"t": [1, 1] + [0] * 30})
    pred = pd.DataFrame({"t": [1, 1] + [0] * 30})
    row = bootstrap_metrics(gold, pred, n_boot=300, seed=2).set_index(["theme", "metric"]).loc[("t", "precision")]
    assert row["ci_method"] == "wilson" and row["n_boot"] == 0
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.3424, 1.0), abs=5e-5)


def test_clopper_pearson_matches_the_published_table():
    """Exact 95% Clopper–Pearson limits for x of n = 10, as tabulated to 4 decimals.

    At x = 0 and x = n they have a closed form: 1 - 0.025 ** (1 / 10) = 0.3085.
    """
    from practice_themes.stats.proportions import clopper_pearson_ci

    table = {0: (0.0, 0.3085), 1: (0.0025, 0.4450), 5: (0.1871, 0.8129), 10: (0.6915, 1.0)}
    for x, expected in table.items():
        assert clopper_pearson_ci(x, 10) == pytest.approx(expected, abs=5e-5)


def test_bootstrap_basic_interval_reflects_percentile_about_the_estimate():
    x = np.random.default_rng(0).exponential(size=80)
    mean = lambda idx: float(np.mean(x[idx]))  # noqa: E731
    pct = bootstrap_ci(mean, len(x), n_boot=500, seed=5, method="percentile")
    basic = bootstrap_ci(mean, len(x), n_boot=500, seed=5, method="basic")
    assert basic.low == pytest.approx(2 * x.mean() - pct.high)
    assert basic.high == pytest.approx(2 * x.mean() - pct.low)


def test_bootstrap_metrics_estimates_match_point_statistics():
    rng = np.random.default_rng(4)
    gold = pd.DataFrame(rng.integers(0, 2, size=(60, 3)), columns=["t1", "t2", "t3"])
    pred = gold.where(rng.random((60, 3)) < 0.8, 1 - gold)
    table = bootstrap_metrics(gold, pred, n_boot=300, seed=2)
    assert set(table["metric"]) == {"precision", "recall", "f1", "agreement", "kappa", "ac1", "micro_f1", "macro_f1"}
    row = table.set_index(["theme", "metric"])
    c = confusion(gold["t2"], pred["t2"])
    assert row.loc[("t2", "f1"), "estimate"] == pytest.approx(c.f1)
    assert row.loc[("t2", "kappa"), "estimate"] == pytest.approx(cohen_kappa(gold["t2"], pred["t2"]))
    assert row.loc[("t2", "ac1"), "estimate"] == pytest.approx(gwet_ac1(gold["t2"], pred["t2"]))
    assert row.loc[("(all)", "macro_f1"), "estimate"] == pytest.approx(micro_macro_f1(gold, pred)["macro_f1"])
    inside = (table["ci_low"] <= table["estimate"] + 1e-12) & (table["estimate"] <= table["ci_high"] + 1e-12)
    assert inside.all()
    assert table.equals(bootstrap_metrics(gold, pred, n_boot=300, seed=2))
    # Without the overall rows the per-theme rows are the same, interval for interval.
    themes_only = bootstrap_metrics(gold, pred, n_boot=300, seed=2, overall=False)
    assert themes_only.equals(table[table["theme"] != "(all)"].reset_index(drop=True))


# --- declared scales (--categories) ------------------------------------------------------------


def test_gwet_ac1_multi_matches_irrcac_and_counts_declared_categories():
    """irrCAC's cac.raw4raters (Krippendorff's 4 x 12 data): gwet.ac1.raw gives AC1 0.77544,
    pa 0.8181818, pe 0.1903212 over categories 1-5. Declaring a sixth, unused category
    changes pe to 0.1903212 * 4 / 5 (irrCAC's pe = sum pi (1 - pi) / (q - 1))."""
    labels = np.array(KRIPP, dtype=float).T
    assert gwet_ac1_multi(labels) == pytest.approx(0.77544, abs=5e-6)
    assert gwet_ac1_multi(labels, categories=[1, 2, 3, 4, 5]) == pytest.approx(0.77544, abs=5e-6)
    pa, pe = 0.8181818, 0.1903212 * 4 / 5
    assert gwet_ac1_multi(labels, categories=[1, 2, 3, 4, 5, 6]) == pytest.approx((pa - pe) / (1 - pe), abs=5e-6)


def test_ac1_on_a_scale_with_an_unused_category():
    """Issue 15: on low/medium/high where nobody used "high", the labels seen give Q = 2."""
    a = ["low"] * 6 + ["medium"] * 3 + ["low"]
    b = ["low"] * 6 + ["medium"] * 2 + ["low", "medium"]
    labels = np.c_[a, b]
    p_a = 8 / 10
    pi = {"low": 14 / 20, "medium": 6 / 20, "high": 0.0}
    seen = sum(p * (1 - p) for p in pi.values()) / (2 - 1)
    declared = sum(p * (1 - p) for p in pi.values()) / (3 - 1)
    assert gwet_ac1_multi(labels) == pytest.approx((p_a - seen) / (1 - seen))
    assert gwet_ac1_multi(labels, categories=["low", "medium", "high"]) == pytest.approx((p_a - declared) / (1 - declared))
    with pytest.raises(ValueError, match=r"\['hgih'\] are not among the declared categories"):
        gwet_ac1_multi(np.c_[a, ["hgih"] + b[1:]], categories=["low", "medium", "high"])


def test_ordinal_alpha_takes_the_order_of_declared_text_categories():
    numeric = [[1, 2, 3, 3, 1], [1, 3, 3, 2, 1]]
    text = [["low", "medium", "high", "high", "low"], ["low", "high", "high", "medium", "low"]]
    expected = krippendorff_alpha(numeric, "ordinal")
    assert krippendorff_alpha(text, "ordinal", categories=["low", "medium", "high"]) == pytest.approx(expected)


def test_metrics_core_one_rule_for_undefined_f1_and_kappa():
    """Issue 16: F1 was computed in five places with different answers when undefined; the core says NaN
    unless the caller names another value (the threshold search needs 0, the accuracy benchmark 1 for kappa)."""
    from practice_themes.classify.thresholds import f1_score as threshold_f1
    from practice_themes.stats.metrics import binary_kappa, f1, f1_of_rates, f1_score

    nothing = np.zeros(4, bool)
    assert math.isnan(f1(0, 0, 0)) and f1(0, 0, 0, zero_division=0.0) == 0.0
    assert f1(0, 2, 1) == 0.0  # a theme missed or invented entirely is 0, not NaN
    assert math.isnan(f1_score(nothing, nothing)) and threshold_f1(nothing, nothing) == 0.0
    truth, pred = np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool)
    assert f1_score(truth, pred) == threshold_f1(truth, pred) == pytest.approx(0.5)
    assert Confusion(tp=1, fp=1, fn=1, tn=1).f1 == f1_score(truth, pred)
    assert math.isnan(binary_kappa(nothing, nothing)) and binary_kappa(nothing, nothing, zero_division=1.0) == 1.0
    assert binary_kappa(truth, pred) == pytest.approx(cohen_kappa(truth.astype(int), pred.astype(int)))
    assert math.isnan(f1_of_rates(nan, 0.5)) and f1_of_rates(0.0, 0.0) == 0.0
    assert f1_of_rates(0.5, 1.0) == pytest.approx(2 / 3)


def test_pairwise_kappa_interval_is_one_function_for_agreement_and_the_ceiling():
    """Issue 16: pairwise kappa with a bootstrap lived in agreement.py and again in the ceiling comparison."""
    from practice_themes.stats.bootstrap import pair_kappa_ci
    from practice_themes.stats.coefficients import pair_kappa

    a = np.array([0, 1, 1, 0, 1, 0, 1, 1, -1, 0])
    b = np.array([0, 1, 0, 0, 1, 0, 1, 1, 1, -1])
    keep = (a >= 0) & (b >= 0)
    assert pair_kappa(a, b, 2) == pytest.approx(cohen_kappa(a[keep], b[keep]))
    ci = pair_kappa_ci(a, b, 2, n_boot=200, seed=1)
    assert ci.low <= pair_kappa(a, b, 2) <= ci.high
