"""Corpus prevalence of a theme with honest uncertainty.

The machine tags every review in a corpus, but its tag rate is biased by its
errors. Humans code a small random sample without that bias but with wide
intervals. Prediction-powered inference (PPI; Angelopoulos et al. 2023,
"Prediction-powered inference", Science 382:669) combines the two: it takes
the machine's rate on the corpus and corrects it by the machine's average
error (the rectifier, human minus machine) on the human-coded sample.

Sampling assumption: the human-coded documents are a simple random sample
of the corpus (every document equally likely to be chosen, chosen
independently of the machine's tags and of the human codes). A sample picked
for convenience, or enriched with documents the machine tagged, breaks the
guarantee.

Two estimands:

- The sample is part of the corpus (``sample_in_corpus=True``, the usual
  case): the target is the share of *this* corpus. The machine's tags of
  the corpus are known exactly, so the only uncertainty is the rectifier,
  estimated from a sample drawn without replacement: its variance carries
  the finite-population factor (1 - n/N). This is the difference estimator
  of survey sampling (Särndal, Swensson & Wretman 1992, ch. 6); when the
  whole corpus is coded (n = N) the interval has width 0 at the human rate.
- A separate sample (``sample_in_corpus=False``): PPI as published, with the
  unlabelled corpus and the sample independent.

Intervals: for plain PPI with 0/1 tags the rectifier is a difference of two
cell proportions of the sample's 2 × 2 table (human 1/machine 0 minus human
0/machine 1). Its interval is the MOVER combination of the two cells' Wilson
intervals (Zou & Donner 2008; Newcombe 1998), which keeps its coverage when
a sample of a few dozen documents shows few or no machine errors, where the
normal approximation says "no error, no uncertainty". PPI++ (power-tuned,
``power_tuning=True``) uses the normal approximation as ppi_py does. Below
``MIN_SAMPLE`` coded documents every estimate carries a warning, and the
human-only Wilson interval is always given beside it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from practice_themes.errors import StatisticsError
from practice_themes.stats.proportions import wilson_ci

__all__ = ["MIN_SAMPLE", "PrevalenceEstimate", "ppi_lambda", "ppi_prevalence", "wilson_ci"]

# Below this many human-coded documents PPI's interval rests on few machine errors; say so.
MIN_SAMPLE = 40


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise StatisticsError(f"level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class PrevalenceEstimate:
    """Naive, human-only and bias-corrected estimates of a theme's corpus prevalence.

    Attributes:
        naive: share of the corpus the machine tagged; biased by its errors.
        naive_ci: Wilson interval for ``naive``; it covers sampling noise
            only, not the machine's bias.
        corrected: the prediction-powered estimate.
        ci_low, ci_high: its confidence interval.
        n_all: documents the machine tagged (the corpus).
        n_sample: documents in the human-coded random sample.
        method: "ppi" or "ppi++" (power-tuned).
        human_only: share of the human sample coded positive (classical estimate).
        human_only_ci: Wilson interval for ``human_only``.
        level: confidence level of all intervals.
        rectifier: mean(machine - human) on the sample: the machine's bias.
        lam: the power-tuning weight (1 for plain PPI).
        ci_method: how ``ci_low``/``ci_high`` were computed.
        estimand: "corpus" (finite population, sample inside it) or
            "population" (separate sample).
        warning: set when the sample is below ``MIN_SAMPLE``.
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
    ci_method: str = ""
    estimand: str = "corpus"
    warning: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (tuples become lists)."""
        out = asdict(self)
        out["naive_ci"] = list(self.naive_ci)
        out["human_only_ci"] = list(self.human_only_ci)
        return out


def _unit_values(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if np.isnan(array).any():
        raise StatisticsError(f"{name} has {int(np.isnan(array).sum())} missing values; drop uncoded documents first")
    if ((array < 0) | (array > 1)).any():
        raise StatisticsError(f"{name} must hold 0/1 tags or probabilities in [0, 1]")
    return array


def _without_sample(machine_all: np.ndarray, machine_sample: np.ndarray) -> np.ndarray:
    """The corpus's machine values with the sample's taken out (as a multiset: only its mean and variance matter)."""
    left = Counter(np.round(machine_all, 12).tolist())
    for value in np.round(machine_sample, 12).tolist():
        if left[value] == 0:
            raise StatisticsError("machine_sample is not part of machine_all; for a sample drawn outside the corpus "
                             "pass sample_in_corpus=False")
        left[value] -= 1
    return np.array([v for v, k in sorted(left.items()) for _ in range(k)], dtype=float)


def ppi_lambda(human: np.ndarray, machine: np.ndarray, machine_unlabelled: np.ndarray) -> float:
    """PPI++'s power-tuning weight for a mean, as ppi_py defines it (``_calc_lam_glm``, clipped).

    lambda = cov(Y, Yhat) / ((1 + n/N) var(Yhat over labelled and unlabelled)),
    with the covariance over the n labelled documents divided by n and the
    variance over all n + N documents divided by n + N - 1; clipped to [0, 1]
    (Angelopoulos, Duchi & Zrnic 2023, "PPI++", eq. for the mean).
    """
    n, big_n = len(human), len(machine_unlabelled)
    pooled = np.concatenate([machine, machine_unlabelled])
    var = float(np.var(pooled, ddof=1)) if len(pooled) > 1 else 0.0
    if big_n == 0 or var == 0:
        return 1.0 if big_n == 0 else 0.0
    cov = float(np.mean((human - human.mean()) * (machine - machine.mean())))
    return float(np.clip(cov / ((1 + n / big_n) * var), 0.0, 1.0))


def _mover_rectifier(human: np.ndarray, machine: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean of human - machine (0/1 each) and its MOVER-Wilson limits: (estimate, lower, upper)."""
    n = len(human)
    b = int(np.sum((human == 1) & (machine == 0)))  # machine missed a theme
    c = int(np.sum((human == 0) & (machine == 1)))  # machine invented one
    p_b, p_c = b / n, c / n
    l_b, u_b = wilson_ci(b, n, level)
    l_c, u_c = wilson_ci(c, n, level)
    # Two cells of one multinomial sample are negatively correlated.
    r = -math.sqrt(p_b * p_c / ((1 - p_b) * (1 - p_c))) if 0 < p_b < 1 and 0 < p_c < 1 else 0.0
    low = math.sqrt(max(0.0, (p_b - l_b) ** 2 + (u_c - p_c) ** 2 - 2 * r * (p_b - l_b) * (u_c - p_c)))
    high = math.sqrt(max(0.0, (u_b - p_b) ** 2 + (p_c - l_c) ** 2 - 2 * r * (u_b - p_b) * (p_c - l_c)))
    return p_b - p_c, low, high


def ppi_prevalence(
    machine_all: Any,
    machine_sample: Any,
    human_sample: Any,
    *,
    level: float = 0.95,
    power_tuning: bool = False,
    sample_in_corpus: bool = True,
    min_sample: int = MIN_SAMPLE,
) -> PrevalenceEstimate:
    """Prediction-powered estimate of the share of a corpus that shows a theme.

    Args:
        machine_all: machine tags (0/1, or probabilities) for all N corpus
            documents; with ``sample_in_corpus`` the sample's documents are
            among them.
        machine_sample: machine tags for the n human-coded documents.
        human_sample: human codes (0/1) for the same n documents, same order.
            They must be a simple random sample of the corpus (see module doc).
        level: confidence level.
        power_tuning: PPI++: weight the machine by ppi_py's lambda in [0, 1].
        sample_in_corpus: the sample was drawn from this corpus (the target
            is the corpus's own prevalence) rather than separately.
        min_sample: below this many coded documents the estimate carries a
            warning.

    Returns:
        A ``PrevalenceEstimate`` with the naive, human-only and corrected
        estimates side by side.
    """
    f_all = _unit_values(machine_all, "machine_all")
    f_s = _unit_values(machine_sample, "machine_sample")
    h_s = _unit_values(human_sample, "human_sample")
    if len(f_s) != len(h_s):
        raise StatisticsError(f"machine_sample and human_sample differ in length: {len(f_s)} vs {len(h_s)}")
    big_n, n = len(f_all), len(h_s)
    if big_n < 2 or n < 2:
        raise StatisticsError(f"need at least 2 corpus and 2 sample documents, got N={big_n}, n={n}")
    z = _z(level)
    f_u = _without_sample(f_all, f_s) if sample_in_corpus else f_all
    lam = ppi_lambda(h_s, f_s, f_u) if power_tuning else 1.0
    binary = np.isin(f_all, (0, 1)).all() and np.isin(h_s, (0, 1)).all()

    if sample_in_corpus:
        # Finite population: the corpus's machine mean is known; the rectifier is estimated without replacement.
        imputed, imputed_var, shrink = lam * float(np.mean(f_all)), 0.0, math.sqrt(1 - n / big_n)
    else:
        imputed, imputed_var, shrink = lam * float(np.mean(f_u)), lam**2 * float(np.var(f_u)) / big_n, 1.0
    residual = h_s - lam * f_s
    corrected = imputed + float(np.mean(residual))
    if lam == 1.0 and binary:
        _, below, above = _mover_rectifier(h_s, f_s, level)
        below = math.sqrt((shrink * below) ** 2 + z**2 * imputed_var)
        above = math.sqrt((shrink * above) ** 2 + z**2 * imputed_var)
        ci_method = "MOVER-Wilson rectifier" + (", finite-population" if sample_in_corpus else "")
    else:
        # ppi_py's standard errors: population standard deviations (ddof 0).
        below = above = z * math.sqrt((shrink**2) * float(np.var(residual)) / n + imputed_var)
        ci_method = "normal approximation" + (", finite-population" if sample_in_corpus else "")

    naive = float(np.mean(f_all))
    sd_all = float(np.std(f_all, ddof=1))
    naive_ci = wilson_ci(int(round(f_all.sum())), big_n, level) if np.isin(f_all, (0, 1)).all() else (
        max(0.0, naive - z * sd_all / math.sqrt(big_n)), min(1.0, naive + z * sd_all / math.sqrt(big_n)))
    k_h = int(round(h_s.sum()))
    human_ci = wilson_ci(k_h, n, level)
    warning = None
    if n < min_sample:
        # About the sample, not the theme: every consumer shows it once, and each theme's human-only
        # interval is in ``human_only_ci`` and in the tables beside the corrected one.
        warning = (f"only {n} human-coded documents (fewer than {min_sample}): the corrected interval rests on the "
                   f"few machine errors such a sample shows; the human-only Wilson interval is given beside it")
    return PrevalenceEstimate(
        naive=naive,
        naive_ci=naive_ci,
        corrected=min(1.0, max(0.0, corrected)),
        ci_low=min(1.0, max(0.0, corrected - below)),
        ci_high=min(1.0, max(0.0, corrected + above)),
        n_all=big_n,
        n_sample=n,
        method="ppi++" if power_tuning else "ppi",
        human_only=k_h / n,
        human_only_ci=human_ci,
        level=level,
        rectifier=float(np.mean(f_s - h_s)),
        lam=lam,
        ci_method=ci_method,
        estimand="corpus" if sample_in_corpus else "population",
        warning=warning,
    )
