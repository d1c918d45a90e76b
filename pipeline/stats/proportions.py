"""Confidence intervals for a proportion k/n: Wilson score and exact Clopper–Pearson.

Both come from statsmodels' ``proportion_confint``. They stay inside [0, 1]
and keep their coverage at 0/n and n/n, where a bootstrap percentile
interval collapses to a point (2/2 resampled is always 2/2).
"""

from __future__ import annotations

import math

from statsmodels.stats.proportion import proportion_confint

from practice_themes.errors import StatisticsError

__all__ = ["PROPORTION_METHODS", "clopper_pearson_ci", "proportion_ci", "wilson_ci"]

# Our name -> statsmodels' name.
PROPORTION_METHODS = {"wilson": "wilson", "clopper-pearson": "beta"}


def proportion_ci(k: int, n: int, level: float = 0.95, method: str = "wilson") -> tuple[float, float]:
    """The ``method`` interval for ``k`` successes in ``n`` trials; (nan, nan) when ``n`` is 0."""
    if method not in PROPORTION_METHODS:
        raise StatisticsError(f"unknown proportion interval {method!r}; use {' or '.join(PROPORTION_METHODS)}")
    if not 0 < level < 1:
        raise StatisticsError(f"level must be between 0 and 1, got {level}")
    if n < 0 or k < 0 or k > n:
        raise StatisticsError(f"a proportion needs 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(k, n, alpha=1 - level, method=PROPORTION_METHODS[method])
    # statsmodels leaves rounding noise (-1e-17, 0.9999999999999999) where the limit is exactly 0 or 1.
    low = 0.0 if k == 0 else min(1.0, max(0.0, float(low)))
    high = 1.0 if k == n else min(1.0, max(0.0, float(high)))
    return (low, high)


def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927): good coverage near 0 and 1, where rare themes live."""
    return proportion_ci(k, n, level, "wilson")


def clopper_pearson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact Clopper–Pearson interval (Clopper & Pearson 1934): conservative, never below nominal."""
    return proportion_ci(k, n, level, "clopper-pearson")
