"""Per-theme decision thresholds, shrunk towards a prior where a theme has few coded positives.

A threshold chosen on one corpus's few positives is noise: with three coded
documents, one of them moves the F1-best cut anywhere. So each theme's
F1-best threshold is pulled towards a prior threshold (the global one, or the
default model's for that theme) in logit space, with the weight a theme's
evidence earns:

    logit(t) = w * logit(t_best) + (1 - w) * logit(t_prior),   w = n_pos / (n_pos + strength)

``strength`` is a number of coded positives: a theme with that many positives
sits halfway between its own cut and the prior. It is chosen by grouped
cross-validation (``benchmarks/accuracy.py``); a theme with no coded positive
keeps the prior.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from practice_themes.classify.aggregate import logit, sigmoid
from practice_themes.stats.metrics import f1_score as core_f1_score

THRESHOLD_GRID = np.round(np.arange(0.02, 0.981, 0.02), 3)
# A theme with this many coded positive documents moves halfway from the prior towards its own
# F1-best threshold. The stacked model's (``supervised.py``), chosen when the default's thresholds
# used it too; those now have their own, ``zeroshot.ZERO_SHOT_STRENGTH``.
DEFAULT_STRENGTH = 20.0
# Chosen by nested grouped CV on the real development set (benchmarks/rate_factor.py), with the coded
# reports chosen by `practice-themes sample`: 1.5 in 19 of 20 outer folds and on all 100 reports when
# chosen. On codebook 1.4.0's scores the folds pick 1.5 in 9 of 20 (1.0 in 6, 1.25 in 4) and all 100
# reports pick 1.25, but 1.0-1.5 are within the draw-to-draw sd, so 1.5 stays (the annotation loop at
# 40 coded: 0.673 with 1.5, 0.660 with 1.25, 0.648 with 1.0). A rate-matched cut tags 1.5
# times as many coded documents as were coded present. Above 1 because with an imperfect ranking F1 is
# best when a tagger says "present" more often than the theme occurs.
RATE_FACTOR = 1.5


def f1_score(truth: np.ndarray, predicted: np.ndarray) -> float:
    """The metrics core's F1 of boolean arrays, 0 (not NaN) when there is nothing to find and nothing was
    found: the threshold search ranks and averages these, so every one must be a number."""
    return core_f1_score(truth, predicted, zero_division=0.0)


def best_threshold(truth: np.ndarray, probability: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> float | None:
    """The F1-best threshold (middle of the best plateau), or None when ``truth`` has no positive."""
    truth = np.asarray(truth, dtype=bool)
    probability = np.asarray(probability, dtype=np.float64)
    if not truth.any():
        return None
    scores = np.array([f1_score(truth, probability >= t) for t in grid])
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


@dataclass
class ShrunkThresholds:
    """Fit one threshold per theme, shrunk towards ``prior`` by the number of coded positives.

    Parameters
    ----------
    strength : coded positives at which a theme's own threshold and the prior weigh the same.
    grid : candidate thresholds.

    Fitted: ``thresholds_`` (theme -> threshold), ``own_`` (theme -> F1-best threshold or None),
    ``weights_`` (theme -> w) and ``n_positive_`` (theme -> coded positive documents).
    """

    strength: float = DEFAULT_STRENGTH
    grid: np.ndarray = field(default_factory=lambda: THRESHOLD_GRID.copy())

    def fit(self, probability: np.ndarray, truth: np.ndarray, theme_ids: list[str],
            prior: dict[str, float] | float) -> "ShrunkThresholds":
        """``probability`` and ``truth`` are [documents, themes]; ``prior`` a threshold or theme -> threshold."""
        probability = np.asarray(probability, dtype=np.float64)
        truth = np.asarray(truth, dtype=bool)
        if probability.shape != truth.shape or probability.shape[1] != len(theme_ids):
            raise ValueError(f"probability {probability.shape} and truth {truth.shape} must be "
                             f"[documents, {len(theme_ids)} themes]")
        if self.strength < 0:
            raise ValueError(f"strength must be >= 0, got {self.strength}")
        priors = prior if isinstance(prior, dict) else {t: float(prior) for t in theme_ids}
        self.thresholds_, self.own_, self.weights_, self.n_positive_ = {}, {}, {}, {}
        for j, theme in enumerate(theme_ids):
            n_positive = int(truth[:, j].sum())
            own = best_threshold(truth[:, j], probability[:, j], self.grid)
            weight = n_positive / (n_positive + self.strength) if own is not None else 0.0
            prior_t = float(priors[theme])
            mixed = weight * float(logit(own if own is not None else prior_t)) + (1 - weight) * float(logit(prior_t))
            self.thresholds_[theme] = round(float(sigmoid(mixed)), 4)
            self.own_[theme] = own
            self.weights_[theme] = round(weight, 4)
            self.n_positive_[theme] = n_positive
        return self

    def predict(self, probability: np.ndarray, theme_ids: list[str]) -> np.ndarray:
        """[documents, themes] booleans: probability at or above each theme's threshold."""
        cuts = np.array([self.thresholds_[t] for t in theme_ids])
        return np.asarray(probability, dtype=np.float64) >= cuts[None, :]


def rate_matched_thresholds(probability: np.ndarray, truth: np.ndarray, factor: float = RATE_FACTOR,
                            default: np.ndarray | None = None) -> np.ndarray:
    """Per theme, the cut that tags ``factor`` times as many of these documents as were coded present.

    ``probability`` and ``truth`` are [documents, themes]. The coded rate is smoothed, (n_pos + 0.5) /
    (n + 1), so a theme with no coded positive still gets a cut (at about the top 1/(2n) of documents);
    with ``default`` ([themes] cuts) such a theme gets its ``default`` cut instead.
    Unlike an F1-best cut, which a few coded positives move anywhere, this one only needs the theme's
    rate and the ranking of the scores, and it does not depend on how the scores are scaled.
    """
    probability = np.asarray(probability, dtype=np.float64)
    truth = np.asarray(truth, dtype=bool)
    if probability.shape != truth.shape or probability.ndim != 2 or not len(truth):
        raise ValueError(f"probability {probability.shape} and truth {truth.shape} must be the same "
                         f"non-empty [documents, themes]")
    if factor <= 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    rate = np.minimum(factor * (truth.sum(axis=0) + 0.5) / (len(truth) + 1), 1.0)
    cuts = np.array([np.quantile(probability[:, j], 1.0 - rate[j]) for j in range(truth.shape[1])])
    if default is None:
        return cuts
    return np.where(truth.any(axis=0), cuts, np.asarray(default, dtype=np.float64))
