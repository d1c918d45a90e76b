"""Bootstrap confidence intervals that resample units (documents), not passages.

Passages from one review are not independent: resampling them understates
the uncertainty. Every interval here resamples whole units with a fixed
seed, so the same data and seed always give the same interval, and the same
draws serve every statistic of one call.

The default is the BCa interval (bias-corrected and accelerated; Efron
1987), computed by ``scipy.stats.bootstrap``. BCa needs every resample and
every jackknife value to be defined; when some resamples are undefined (NaN,
e.g. kappa on a resample where one rater used a single category) or the
bootstrap distribution is degenerate, the interval falls back to the
percentile interval over the defined resamples and says so in its
``method``. Every interval carries how many resamples it used and dropped.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy.stats import bootstrap as scipy_bootstrap

from practice_themes.errors import StatisticsError
from practice_themes.stats.proportions import wilson_ci
from practice_themes.stats.coefficients import pair_kappa
from practice_themes.stats.metrics import align_frames, binary_metrics, confusion_counts, f1_from_counts

__all__ = ["Interval", "bootstrap_ci", "bootstrap_metrics", "proportion_interval", "DEFAULT_SEED", "METHODS"]

DEFAULT_SEED = 20240601
METHODS = ("bca", "percentile", "basic")
BCA_FALLBACK = "percentile (BCa undefined: {reason})"


@dataclass(frozen=True)
class Interval:
    """A confidence interval that says how it was made.

    ``method`` is "bca", "percentile", "basic", a percentile fallback naming
    why BCa was undefined, or "wilson" for a proportion. ``n_boot`` is the
    number of resamples drawn (0 for a formula interval) and ``n_dropped``
    how many had an undefined statistic and were left out.
    """

    low: float
    high: float
    method: str
    n_boot: int = 0
    n_dropped: int = 0

    def __iter__(self):
        # Unpacks as (low, high), like the plain tuple it replaces.
        return iter((self.low, self.high))

    @property
    def n_used(self) -> int:
        return self.n_boot - self.n_dropped

    def as_dict(self) -> dict[str, Any]:
        return {"ci_low": self.low, "ci_high": self.high, "ci_method": self.method,
                "n_boot": self.n_boot, "n_boot_dropped": self.n_dropped}


def proportion_interval(k: int, n: int, level: float = 0.95) -> Interval:
    """The Wilson interval of k/n as an ``Interval`` (no resampling)."""
    low, high = wilson_ci(k, n, level)
    return Interval(low, high, "wilson")


def _percentile(distribution: np.ndarray, point: float, level: float, method: str, n_boot: int,
                label: str | None = None) -> Interval:
    valid = distribution[~np.isnan(distribution)]
    n_dropped = int(len(distribution) - len(valid))
    label = label or method
    if len(valid) == 0:
        return Interval(math.nan, math.nan, label, n_boot, n_dropped)
    alpha = (1 - level) / 2
    lo_q, hi_q = np.quantile(valid, [alpha, 1 - alpha])
    if method == "basic":
        # The "reverse percentile" interval: reflects the bootstrap quantiles about the estimate.
        lo_q, hi_q = 2 * point - hi_q, 2 * point - lo_q
    return Interval(float(lo_q), float(hi_q), label, n_boot, n_dropped)


def _run(statistic: Callable, n_units: int, *, n_boot: int, seed: int, level: float, method: str,
         vectorized: bool) -> Any:
    """scipy.stats.bootstrap over unit indices; the statistic gets index arrays."""
    with warnings.catch_warnings():
        # Degenerate or NaN distributions are detected and reported below, not warned about.
        warnings.simplefilter("ignore")
        return scipy_bootstrap(
            (np.arange(n_units),), statistic, n_resamples=n_boot, vectorized=vectorized,
            confidence_level=level, method={"bca": "BCa"}.get(method, method), rng=np.random.default_rng(seed),
        )


def _from_result(result: Any, point: float, level: float, method: str, n_boot: int) -> Interval:
    distribution = np.asarray(result.bootstrap_distribution, dtype=float)
    n_dropped = int(np.isnan(distribution).sum())
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if method == "bca":
        if n_dropped:
            reason = f"{n_dropped} of {n_boot} resamples undefined"
        elif np.ptp(distribution) == 0:
            reason = "every resample gives the same value"
        elif not (math.isfinite(low) and math.isfinite(high)):
            reason = "undefined jackknife values"
        else:
            return Interval(low, high, "bca", n_boot, 0)
        return _percentile(distribution, point, level, "percentile", n_boot, BCA_FALLBACK.format(reason=reason))
    return _percentile(distribution, point, level, method, n_boot)


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n_units: int,
    *,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
    method: str = "bca",
) -> Interval:
    """A bootstrap confidence interval for ``statistic`` over resampled units.

    Args:
        statistic: called with an integer array of unit indices drawn with
            replacement; it computes the statistic on those units (e.g.
            ``lambda idx: cohen_kappa(a[idx], b[idx])``).
        n_units: number of units (documents) to resample.
        n_boot: number of resamples.
        seed: seed of numpy's default generator; fixed so results reproduce.
        level: coverage, e.g. 0.95.
        method: "bca" (default, with the percentile fallback described in
            the module docstring), "percentile" or "basic".

    Returns:
        An ``Interval`` (unpacks as ``(low, high)``) with its method and the
        numbers of resamples used and dropped.
    """
    if method not in METHODS:
        raise StatisticsError(f"unknown bootstrap method {method!r}; use {', '.join(METHODS)}")
    if not 0 < level < 1:
        raise StatisticsError(f"level must be between 0 and 1, got {level}")
    if n_units < 2:
        return Interval(math.nan, math.nan, method, n_boot, n_boot)
    point = float(statistic(np.arange(n_units)))
    result = _run(lambda idx: float(statistic(np.asarray(idx, dtype=int))), n_units, n_boot=n_boot, seed=seed,
                  level=level, method=method, vectorized=False)
    return _from_result(result, point, level, method, n_boot)


def pair_kappa_ci(
    codes_a: np.ndarray, codes_b: np.ndarray, n_cats: int, *, n_boot: int = 2000, seed: int = DEFAULT_SEED,
    level: float = 0.95,
) -> Interval:
    """Bootstrap interval of Cohen's kappa of two raters' integer codes, resampling the units both coded."""
    both = (codes_a >= 0) & (codes_b >= 0)
    a, b = codes_a[both], codes_b[both]
    return bootstrap_ci(lambda idx: pair_kappa(a[idx], b[idx], n_cats), len(a), n_boot=n_boot, seed=seed, level=level)


_METRICS = ("precision", "recall", "f1", "agreement", "kappa", "ac1")
# Per-theme proportions of independent documents: a formula interval, exact at the boundary.
_PROPORTIONS = {"precision": (0, (0, 1)), "recall": (0, (0, 2)), "agreement": ((0, 3), (0, 1, 2, 3))}


def _counts_of(gold: np.ndarray, pred: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """TP/FP/FN/TN per theme for index arrays of shape (..., n): result (..., themes, 4)."""
    g, p = gold[idx], pred[idx]  # (..., n, themes)
    valid = ~(np.isnan(g) | np.isnan(p))
    gp, pp = (g == 1) & valid, (p == 1) & valid
    return np.stack([np.sum(gp & pp, axis=-2), np.sum(~gp & pp & valid, axis=-2),
                     np.sum(gp & ~pp, axis=-2), np.sum(~gp & ~pp & valid, axis=-2)], axis=-1)


def bootstrap_metrics(
    gold_df: pd.DataFrame,
    pred_df: pd.DataFrame,
    *,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
    overall: bool = True,
) -> pd.DataFrame:
    """Per-theme metrics with intervals over documents (rows).

    Precision, recall and agreement of one theme are proportions of
    independent documents and get the Wilson interval. F1, kappa and AC1 get
    the BCa bootstrap interval, and so do micro and macro F1 (pooled cells of
    one document are not independent). Every resample uses the same document
    draw for all themes and metrics.

    Args:
        gold_df, pred_df: doc × theme 0/1 frames with the same index and
            columns (NaN in gold = not coded, skipped).
        overall: also the ``"(all)"`` micro and macro F1 rows; a caller that
            computes its own overall figures skips their two bootstraps.

    Returns:
        A long frame with columns ``theme, metric, estimate, ci_low,
        ci_high, ci_method, n_boot, n_boot_dropped``: one row per theme and
        metric, plus (with ``overall``) rows for theme ``"(all)"`` with
        metrics ``micro_f1`` and ``macro_f1``.
    """
    gold_df, pred_df = align_frames(gold_df, pred_df)
    gold = gold_df.to_numpy(dtype=float)
    pred = pred_df.to_numpy(dtype=float)
    n_docs = gold.shape[0]
    themes = [str(c) for c in gold_df.columns]
    point_counts = confusion_counts(gold, pred)
    point = binary_metrics(point_counts)
    rows = []
    for name in _METRICS:
        for t, theme in enumerate(themes):
            if name in _PROPORTIONS:
                k_cells, n_cells = _PROPORTIONS[name]
                k_cells = (k_cells,) if isinstance(k_cells, int) else k_cells
                k = int(point_counts[t, list(k_cells)].sum())
                n = int(point_counts[t, list(n_cells)].sum())
                ci = proportion_interval(k, n, level)
            else:
                index = _METRICS.index(name)
                ci = _theme_bootstrap(gold[:, [t]], pred[:, [t]], index, n_boot, seed, level)
            rows.append(_row(theme, name, point[name][t], ci))
    point_micro, point_macro = f1_from_counts(point_counts)
    for j, (name, est) in enumerate((("micro_f1", point_micro), ("macro_f1", point_macro)) if overall else ()):
        ci = bootstrap_ci(lambda idx, j=j: f1_from_counts(_counts_of(gold, pred, idx))[j], n_docs,
                          n_boot=n_boot, seed=seed, level=level)
        rows.append(_row("(all)", name, est, ci))
    return pd.DataFrame(rows, columns=["theme", "metric", "estimate", "ci_low", "ci_high", "ci_method",
                                       "n_boot", "n_boot_dropped"])


def _theme_bootstrap(gold: np.ndarray, pred: np.ndarray, metric_index: int, n_boot: int, seed: int,
                     level: float) -> Interval:
    """BCa interval of one binary metric of one theme, vectorised over resamples."""
    name = _METRICS[metric_index]
    n_docs = gold.shape[0]
    if n_docs < 2:
        return Interval(math.nan, math.nan, "bca", n_boot, n_boot)

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        return binary_metrics(_counts_of(gold, pred, np.asarray(idx, dtype=int)))[name][..., 0]

    point = float(statistic(np.arange(n_docs)))
    result = _run(statistic, n_docs, n_boot=n_boot, seed=seed, level=level, method="bca", vectorized=True)
    return _from_result(result, point, level, "bca", n_boot)


def _row(theme: str, metric: str, estimate: float, ci: Interval) -> dict:
    return {"theme": theme, "metric": metric, "estimate": float(estimate), **ci.as_dict()}
