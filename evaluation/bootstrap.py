"""Bootstrap confidence intervals that resample units (documents), not passages.

Passages from one review are not independent: resampling them understates
the uncertainty. Every interval here resamples whole units with a fixed
seed, so the same data and seed always give the same interval.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

from evaluation.stats import align_frames, confusion_counts, f1_from_counts

__all__ = ["Interval", "bootstrap_ci", "bootstrap_metrics", "DEFAULT_SEED"]

DEFAULT_SEED = 20240601


class Interval(tuple):
    """A ``(low, high)`` pair that also says how many resamples were usable.

    It unpacks like a plain tuple; ``n_dropped`` counts the resamples whose
    statistic was undefined (NaN), which were left out of the interval.
    """

    def __new__(cls, low: float, high: float, *, n_boot: int, n_dropped: int, method: str):
        self = super().__new__(cls, (float(low), float(high)))
        self.n_boot = n_boot
        self.n_dropped = n_dropped
        self.method = method
        return self

    @property
    def low(self) -> float:
        return self[0]

    @property
    def high(self) -> float:
        return self[1]


def _resample_indices(n_units: int, n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_units, size=(n_boot, n_units))


def _interval(
    estimates: np.ndarray, point: float, level: float, method: str, n_boot: int
) -> Interval:
    valid = estimates[~np.isnan(estimates)]
    n_dropped = int(len(estimates) - len(valid))
    if len(valid) == 0:
        return Interval(math.nan, math.nan, n_boot=n_boot, n_dropped=n_dropped, method=method)
    alpha = (1 - level) / 2
    lo_q, hi_q = np.quantile(valid, [alpha, 1 - alpha])
    if method == "percentile":
        low, high = lo_q, hi_q
    elif method == "basic":
        # The "reverse percentile" interval: reflects the bootstrap quantiles about the estimate.
        low, high = 2 * point - hi_q, 2 * point - lo_q
    else:
        raise ValueError(f"unknown bootstrap method {method!r}; use 'percentile' or 'basic'")
    return Interval(low, high, n_boot=n_boot, n_dropped=n_dropped, method=method)


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n_units: int,
    *,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
    method: str = "percentile",
) -> Interval:
    """A bootstrap confidence interval for ``statistic`` over resampled units.

    Args:
        statistic: called with an integer array of ``n_units`` unit indices
            drawn with replacement; it computes the statistic on those units
            (e.g. ``lambda idx: cohen_kappa(a[idx], b[idx])``).
        n_units: number of units (documents) to resample.
        n_boot: number of resamples.
        seed: seed of numpy's default generator; fixed so results reproduce.
        level: coverage, e.g. 0.95.
        method: "percentile" or "basic".

    Returns:
        An ``Interval`` (unpacks as ``(low, high)``). Resamples where the
        statistic is undefined (NaN, e.g. kappa when every resampled unit has
        the same label) are dropped and counted in ``Interval.n_dropped``.
    """
    if n_units < 1:
        return Interval(math.nan, math.nan, n_boot=n_boot, n_dropped=n_boot, method=method)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    indices = _resample_indices(n_units, n_boot, seed)
    estimates = np.array([statistic(idx) for idx in indices], dtype=float)
    point = float(statistic(np.arange(n_units))) if method == "basic" else math.nan
    return _interval(estimates, point, level, method, n_boot)


_METRICS = ("precision", "recall", "f1", "agreement", "kappa", "ac1")


def _binary_metrics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Each metric per row of a (..., 4) TP/FP/FN/TN array, NaN where undefined."""
    tp, fp, fn, tn = (counts[..., i].astype(float) for i in range(4))
    n = tp + fp + fn + tn
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * tp / (2 * tp + fp + fn)
        p_o = (tp + tn) / n
        gold_pos, pred_pos = (tp + fn) / n, (tp + fp) / n
        p_e_kappa = gold_pos * pred_pos + (1 - gold_pos) * (1 - pred_pos)
        kappa = (p_o - p_e_kappa) / (1 - p_e_kappa)
        pi = (gold_pos + pred_pos) / 2
        p_e_ac1 = 2 * pi * (1 - pi)
        ac1 = (p_o - p_e_ac1) / (1 - p_e_ac1)
    kappa = np.where(np.isclose(p_e_kappa, 1.0), np.nan, kappa)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "agreement": p_o,
        "kappa": kappa,
        "ac1": ac1,
    }


def bootstrap_metrics(
    gold_df: pd.DataFrame,
    pred_df: pd.DataFrame,
    *,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per-theme metrics with percentile bootstrap CIs, resampling documents (rows).

    Args:
        gold_df, pred_df: doc × theme 0/1 frames with the same index and
            columns (NaN in gold = not coded, skipped).

    Returns:
        A long frame with columns ``theme, metric, estimate, ci_low, ci_high,
        n_dropped``: one row per theme and metric (precision, recall, f1,
        agreement, kappa, ac1), plus rows for theme ``"(all)"`` with metrics
        ``micro_f1`` and ``macro_f1``. Every resample uses the same document
        draw for all themes, so the intervals are jointly consistent.
    """
    gold_df, pred_df = align_frames(gold_df, pred_df)
    gold = gold_df.to_numpy(dtype=float)
    pred = pred_df.to_numpy(dtype=float)
    n_docs, n_themes = gold.shape
    themes = [str(c) for c in gold_df.columns]

    point_counts = confusion_counts(gold, pred)
    point = _binary_metrics(point_counts)
    point_micro, point_macro = f1_from_counts(point_counts)

    indices = _resample_indices(n_docs, n_boot, seed) if n_docs else np.zeros((0, 0), dtype=int)
    boot_counts = np.stack([confusion_counts(gold[idx], pred[idx]) for idx in indices]) if n_docs else None
    rows = []
    if boot_counts is not None:
        boot = _binary_metrics(boot_counts)  # each n_boot × n_themes
    for name in _METRICS:
        for t, theme in enumerate(themes):
            estimates = boot[name][:, t] if boot_counts is not None else np.array([math.nan])
            ci = _interval(estimates, math.nan, level, "percentile", n_boot)
            rows.append(_row(theme, name, point[name][t], ci))
    if boot_counts is not None:
        micro_macro = np.array([f1_from_counts(c) for c in boot_counts])
    else:
        micro_macro = np.full((1, 2), math.nan)
    for j, (name, est) in enumerate((("micro_f1", point_micro), ("macro_f1", point_macro))):
        ci = _interval(micro_macro[:, j], math.nan, level, "percentile", n_boot)
        rows.append(_row("(all)", name, est, ci))
    return pd.DataFrame(rows, columns=["theme", "metric", "estimate", "ci_low", "ci_high", "n_dropped"])


def _row(theme: str, metric: str, estimate: float, ci: Interval) -> dict:
    return {
        "theme": theme,
        "metric": metric,
        "estimate": float(estimate),
        "ci_low": ci.low,
        "ci_high": ci.high,
        "n_dropped": ci.n_dropped,
    }
