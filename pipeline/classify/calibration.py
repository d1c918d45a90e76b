"""Per-theme Platt scaling with a prior at the global fit: document scores a user can read as probabilities.

The default's per-theme thresholds (``thresholds.ShrunkThresholds``) put
each theme's cut where F1 is best, which on real text is far from 0.5: a
management-oversight score of 0.05 was "present" while 81% of the reports
tagged present were coded for it. A displayed "5%" then says nothing about
how sure the tool is. So each theme gets its own Platt scaling

    P(coded | score) = sigmoid(a * logit(score) + b)

fitted by maximum a posteriori on coded documents, with a Gaussian prior
(precision ``strength``) centred on one global fit over every (document,
theme) pair: a theme with many coded documents earns its own curve, a rare
one stays near the global. The targets are Platt's (1999): (N+ + 1) / (N+ + 2)
for a positive, 1 / (N- + 2) for a negative, so a theme whose few positives
are perfectly separated still gets a finite slope. Every map is increasing,
so a cut carried through it (``map_cut``) decides exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from practice_themes.classify.aggregate import logit, platt, sigmoid

# Precision of the prior at the global fit, in units of one document's log-likelihood. Chosen by grouped
# CV on pfd_dev (``benchmarks/calibration.py``: out-of-fold log-loss 0.364 at 0.1-1, 0.373 at 10, 0.412
# at 100, against 0.651 for the one global calibration the default had before).
CALIBRATION_STRENGTH = 1.0


def platt_targets(truth: np.ndarray) -> np.ndarray:
    """Platt's smoothed targets for one theme's boolean ``truth``."""
    truth = np.asarray(truth, dtype=bool)
    n_pos, n_neg = int(truth.sum()), int((~truth).sum())
    return np.where(truth, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))


def _map_fit(x: np.ndarray, y: np.ndarray, prior: tuple[float, float], strength: float) -> tuple[float, float]:
    """(a, b) maximising the log-likelihood of targets ``y`` under sigmoid(a x + b), minus the prior's penalty."""
    from scipy.optimize import minimize

    centre = np.asarray(prior, dtype=np.float64)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        z = params[0] * x + params[1]
        residual = sigmoid(z) - y
        value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * strength * np.sum((params - centre) ** 2)
        gradient = np.array([residual @ x, residual.sum()]) + strength * (params - centre)
        return float(value), gradient

    result = minimize(loss, centre, jac=True, method="L-BFGS-B")
    return float(result.x[0]), float(result.x[1])


@dataclass
class ThemeCalibration:
    """Fit one Platt scaling per theme on document scores, shrunk towards a global one.

    ``strength`` is the prior's precision (0: each theme on its own; large: the
    global fit for every theme). Fitted: ``prior_`` (the global (a, b)),
    ``rows_`` (theme id -> (a, b) on the logit of the scores it was fitted on),
    ``n_positive_``.
    """

    strength: float = CALIBRATION_STRENGTH
    prior_: tuple[float, float] = field(init=False, default=(1.0, 0.0))
    rows_: dict[str, tuple[float, float]] = field(init=False, default_factory=dict)
    n_positive_: dict[str, int] = field(init=False, default_factory=dict)

    def fit(self, probability: np.ndarray, truth: np.ndarray, theme_ids: list[str]) -> "ThemeCalibration":
        probability = np.asarray(probability, dtype=np.float64)
        truth = np.asarray(truth, dtype=bool)
        x = logit(probability)
        self.prior_ = _map_fit(x.ravel(), truth.ravel().astype(np.float64), (1.0, 0.0), 0.0)
        self.rows_, self.n_positive_ = {}, {}
        for j, theme in enumerate(theme_ids):
            self.n_positive_[theme] = int(truth[:, j].sum())
            self.rows_[theme] = _map_fit(x[:, j], platt_targets(truth[:, j]), self.prior_, self.strength)
        return self

    def transform(self, probability: np.ndarray, theme_ids: list[str]) -> np.ndarray:
        """[documents, themes] calibrated probabilities of ``probability`` (columns in ``theme_ids`` order)."""
        rows = np.array([self.rows_.get(t, self.prior_) for t in theme_ids])
        return platt(probability, rows[:, 0], rows[:, 1])

    def composed(self, base: tuple[float, float]) -> dict[str, tuple[float, float]]:
        """theme -> (a, b) on the logit of the raw pooled score, when the scores this was fitted on were
        themselves ``sigmoid(base[0] * logit(pooled) + base[1])``: one Platt map instead of two."""
        return {t: (a * base[0], a * base[1] + b) for t, (a, b) in self.rows_.items()}


def map_cut(cut: float, before: tuple[float, float], after: tuple[float, float]) -> float:
    """The cut on ``after``'s scale that decides exactly as ``cut`` did on ``before``'s, both Platt maps
    (a, b) of the same pooled score with a > 0."""
    pooled_logit = (float(logit(np.float64(cut))) - before[1]) / before[0]
    return float(sigmoid(np.float64(after[0] * pooled_logit + after[1])))
