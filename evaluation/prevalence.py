"""Corpus prevalence of a theme with honest uncertainty.

The machine tags every review in a corpus, but its tag rate is biased by its
errors. Humans code a small random sample without that bias but with wide
intervals. Prediction-powered inference (PPI; Angelopoulos et al. 2023,
"Prediction-powered inference", Science 382:669) combines the two: it takes
the machine's rate on the whole corpus and subtracts the machine's average
error measured on the human-coded sample. The result is unbiased whatever the
machine's error, and its interval is narrower than the human-only one when
the machine is good.

Sampling assumption: the human-coded documents are a simple random sample
of the corpus (every document equally likely to be chosen, chosen
independently of the machine's tags and of the human codes). A sample picked
for convenience, or enriched with documents the machine tagged, breaks the
guarantee. The sample may be part of the corpus; the variance formula treats
the corpus and the sample as independent, which is exact for a separate
unlabelled set and a close approximation when the sample is a small
fraction of the corpus.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["PrevalenceEstimate", "ppi_prevalence", "wilson_ci"]


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``k`` successes in ``n`` trials.

    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage
    near 0 and 1, where rare themes live. Returns (nan, nan) when ``n`` is 0.
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"wilson_ci needs 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z = _z(level)
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class PrevalenceEstimate:
    """Naive, human-only and bias-corrected estimates of a theme's corpus prevalence.

    Attributes:
        naive: share of the corpus the machine tagged; biased by its errors.
        naive_ci: Wilson interval for ``naive``; it covers sampling noise
            only, not the machine's bias.
        corrected: the prediction-powered estimate.
        ci_low, ci_high: its confidence interval (normal approximation).
        n_all: documents the machine tagged (the corpus).
        n_sample: documents in the human-coded random sample.
        method: "ppi" or "ppi++" (power-tuned).
        human_only: share of the human sample coded positive (classical estimate).
        human_only_ci: Wilson interval for ``human_only``.
        level: confidence level of all intervals.
        rectifier: mean(machine - human) on the sample: the machine's bias.
        lam: the power-tuning weight (1 for plain PPI).
    """

    naive: float
    naive_ci: tuple[float, float]
    corrected: float
    ci_low: float
    ci_high: float
    n_all: int
    n_sample: int
    method: str
    human_only: float = math.nan
    human_only_ci: tuple[float, float] = field(default=(math.nan, math.nan))
    level: float = 0.95
    rectifier: float = math.nan
    lam: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (tuples become lists)."""
        out = asdict(self)
        out["naive_ci"] = list(self.naive_ci)
        out["human_only_ci"] = list(self.human_only_ci)
        return out


def _unit_values(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if np.isnan(array).any():
        raise ValueError(f"{name} has {int(np.isnan(array).sum())} missing values; drop uncoded documents first")
    if ((array < 0) | (array > 1)).any():
        raise ValueError(f"{name} must hold 0/1 tags or probabilities in [0, 1]")
    return array


def ppi_prevalence(
    machine_all: Any,
    machine_sample: Any,
    human_sample: Any,
    *,
    level: float = 0.95,
    power_tuning: bool = False,
) -> PrevalenceEstimate:
    """Prediction-powered estimate of the share of a corpus that shows a theme.

    theta_pp = mean(machine_all) - mean(machine_sample - human_sample), with
    variance var(machine_all)/N + var(machine_sample - human_sample)/n and a
    normal-approximation interval, clipped to [0, 1].

    Args:
        machine_all: machine tags (0/1, or probabilities) for all N documents.
        machine_sample: machine tags for the n human-coded documents.
        human_sample: human codes (0/1) for the same n documents, same order.
            They must be a simple random sample of the corpus (see module doc).
        level: confidence level.
        power_tuning: use PPI++ (Angelopoulos et al. 2023, "PPI++"): weight
            the machine by the variance-minimising lambda in [0, 1], which
            never does worse than the human-only estimate asymptotically.

    Returns:
        A ``PrevalenceEstimate`` with the naive, human-only and corrected
        estimates side by side.
    """
    f_all = _unit_values(machine_all, "machine_all")
    f_s = _unit_values(machine_sample, "machine_sample")
    h_s = _unit_values(human_sample, "human_sample")
    if len(f_s) != len(h_s):
        raise ValueError(f"machine_sample and human_sample differ in length: {len(f_s)} vs {len(h_s)}")
    big_n, n = len(f_all), len(h_s)
    if big_n < 2 or n < 2:
        raise ValueError(f"need at least 2 corpus and 2 sample documents, got N={big_n}, n={n}")
    z = _z(level)

    lam = 1.0
    if power_tuning:
        var_f = float(np.var(np.concatenate([f_all, f_s]), ddof=1))
        cov = float(np.cov(h_s, f_s, ddof=1)[0, 1])
        lam = min(1.0, max(0.0, cov / ((1 + n / big_n) * var_f))) if var_f > 0 else 0.0

    rectifier = float(np.mean(lam * f_s - h_s))
    corrected = lam * float(np.mean(f_all)) - rectifier
    variance = lam**2 * float(np.var(f_all, ddof=1)) / big_n + float(np.var(h_s - lam * f_s, ddof=1)) / n
    half = z * math.sqrt(variance)

    naive = float(np.mean(f_all))
    naive_ci = wilson_ci(int(round(f_all.sum())), big_n, level) if np.isin(f_all, (0, 1)).all() else (
        max(0.0, naive - z * float(np.std(f_all, ddof=1)) / math.sqrt(big_n)),
        min(1.0, naive + z * float(np.std(f_all, ddof=1)) / math.sqrt(big_n)),
    )
    k_h = int(round(h_s.sum()))
    return PrevalenceEstimate(
        naive=naive,
        naive_ci=naive_ci,
        corrected=min(1.0, max(0.0, corrected)),
        ci_low=min(1.0, max(0.0, corrected - half)),
        ci_high=min(1.0, max(0.0, corrected + half)),
        n_all=big_n,
        n_sample=n,
        method="ppi++" if power_tuning else "ppi",
        human_only=k_h / n,
        human_only_ci=wilson_ci(k_h, n, level),
        level=level,
        rectifier=float(np.mean(f_s - h_s)),
        lam=lam,
    )
