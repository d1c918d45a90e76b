"""The metrics core: precision, recall, F1 and Cohen's kappa of binary codes, computed here and nowhere else.

One rule for the undefined case, as scikit-learn's ``zero_division``: a ratio
whose denominator is 0 (precision with nothing predicted, recall with nothing
to find, F1 with neither, kappa when chance agreement is 1) is NaN, so a
report can tell "no data" from "no agreement". A caller that must rank or
average numbers (the threshold search) passes ``zero_division`` instead.
F1 is 2TP / (2TP + FP + FN): the harmonic mean of precision and recall where
both are defined, and 0 (not NaN) when a theme is missed or invented entirely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from practice_themes.errors import StatisticsError
from practice_themes.stats.coefficients import pair_kappa, paired_labels, ratio

__all__ = [
    "f1",
    "f1_of_rates",
    "f1_score",
    "binary_kappa",
    "binary_metrics",
    "Confusion",
    "confusion",
    "align_frames",
    "confusion_counts",
    "f1_from_counts",
    "micro_macro_f1",
]


def _binary(values: np.ndarray, name: str) -> np.ndarray:
    out = np.asarray(values, dtype=float)
    bad = ~np.isin(out, (0.0, 1.0))
    if bad.any():
        raise StatisticsError(f"{name} must be 0/1 codes; found {sorted(set(out[bad].tolist()))[:5]}")
    return out.astype(bool)


def f1(tp: float, fp: float, fn: float, *, zero_division: float = math.nan) -> float:
    """F1 from counts: 2TP / (2TP + FP + FN); ``zero_division`` when TP = FP = FN = 0."""
    return ratio(2 * tp, 2 * tp + fp + fn, zero_division)


def f1_of_rates(precision: float, recall: float) -> float:
    """F1 as the harmonic mean of a precision and a recall measured on different units (e.g. passages
    matched either way); NaN when either is undefined, 0 when both are 0."""
    if math.isnan(precision) or math.isnan(recall):
        return math.nan
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def f1_score(truth: Any, predicted: Any, *, zero_division: float = math.nan) -> float:
    """F1 of two boolean (or 0/1) arrays of the same shape, pooled over every cell."""
    truth, predicted = np.asarray(truth, dtype=bool), np.asarray(predicted, dtype=bool)
    tp = float(np.sum(truth & predicted))
    return f1(tp, float(np.sum(~truth & predicted)), float(np.sum(truth & ~predicted)), zero_division=zero_division)


def binary_kappa(truth: Any, predicted: Any, *, zero_division: float = math.nan) -> float:
    """Cohen's kappa of two boolean (or 0/1) arrays; ``zero_division`` when chance agreement is 1."""
    # 0/1 codes with nothing missing: the contingency-table kappa, without the label bookkeeping of cohen_kappa.
    value = pair_kappa(np.asarray(truth, dtype=int), np.asarray(predicted, dtype=int), 2)
    return zero_division if math.isnan(value) else value


def binary_metrics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Each metric per row of a (..., 4) TP/FP/FN/TN array, NaN where undefined."""
    tp, fp, fn, tn = (counts[..., i].astype(float) for i in range(4))
    n = tp + fp + fn + tn
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1_values = 2 * tp / (2 * tp + fp + fn)
        p_o = (tp + tn) / n
        gold_pos, pred_pos = (tp + fn) / n, (tp + fp) / n
        p_e_kappa = gold_pos * pred_pos + (1 - gold_pos) * (1 - pred_pos)
        kappa = (p_o - p_e_kappa) / (1 - p_e_kappa)
        pi = (gold_pos + pred_pos) / 2
        p_e_ac1 = 2 * pi * (1 - pi)
        ac1 = (p_o - p_e_ac1) / (1 - p_e_ac1)
    kappa = np.where(np.isclose(p_e_kappa, 1.0), np.nan, kappa)
    return {"precision": precision, "recall": recall, "f1": f1_values, "agreement": p_o, "kappa": kappa, "ac1": ac1}


@dataclass(frozen=True)
class Confusion:
    """Counts of a binary prediction against a gold standard.

    ``precision`` is NaN when nothing was predicted positive (0/0) and
    ``recall`` is NaN when the gold standard has no positives (0/0). ``f1`` is
    0 when ``tp == 0`` and there is any error (``fp + fn > 0``), and NaN only
    when there is nothing at all to find or predict (``tp = fp = fn = 0``).
    """

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return f1(self.tp, self.fp, self.fn)

    @property
    def accuracy(self) -> float:
        return ratio(self.tp + self.tn, self.n)

    def as_dict(self) -> dict[str, float]:
        """Counts and the derived ratios, ready for JSON."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "accuracy": self.accuracy,
        }


def confusion(gold: Any, pred: Any) -> Confusion:
    """Count TP/FP/FN/TN of 0/1 ``pred`` against 0/1 ``gold``; units missing in either are skipped."""
    g, p = paired_labels(gold, pred)
    g, p = _binary(g, "gold"), _binary(p, "pred")
    return Confusion(
        tp=int(np.sum(g & p)),
        fp=int(np.sum(~g & p)),
        fn=int(np.sum(g & ~p)),
        tn=int(np.sum(~g & ~p)),
    )


def align_frames(gold_df: pd.DataFrame, pred_df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check that two doc × theme frames cover the same documents and themes; align them."""
    missing_cols = [c for c in gold_df.columns if c not in pred_df.columns]
    extra_cols = [c for c in pred_df.columns if c not in gold_df.columns]
    if missing_cols or extra_cols:
        raise StatisticsError(
            f"gold and prediction themes differ: missing from prediction {missing_cols[:5]}, "
            f"not in gold {extra_cols[:5]}"
        )
    missing_docs = gold_df.index.difference(pred_df.index)
    extra_docs = pred_df.index.difference(gold_df.index)
    if len(missing_docs) or len(extra_docs):
        raise StatisticsError(
            f"gold and prediction documents differ: missing from prediction {list(missing_docs[:5])}, "
            f"not in gold {list(extra_docs[:5])}"
        )
    if gold_df.index.has_duplicates:
        raise StatisticsError(f"duplicate documents in gold: {list(gold_df.index[gold_df.index.duplicated()][:5])}")
    return gold_df, pred_df.loc[gold_df.index, gold_df.columns]


def confusion_counts(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-column TP, FP, FN, TN of docs × themes 0/1 arrays (NaN in gold or pred = skipped).

    Returns a themes × 4 integer array, for fast repeated use by the bootstrap.
    """
    valid = ~(np.isnan(gold) | np.isnan(pred))
    g = (gold == 1) & valid
    p = (pred == 1) & valid
    tp = np.sum(g & p, axis=0)
    fp = np.sum(~g & p, axis=0)
    fn = np.sum(g & ~p, axis=0)
    tn = np.sum(~g & ~p & valid, axis=0)
    return np.stack([tp, fp, fn, tn], axis=1)


def f1_from_counts(counts: np.ndarray) -> tuple[float, float]:
    """Micro and macro F1 from a themes × (TP, FP, FN, TN) array.

    Macro F1 averages the themes whose F1 is defined (some TP, FP or FN);
    a theme absent from both gold and prediction has no F1 and is left out.
    """
    tp, fp, fn = counts[:, 0].astype(float), counts[:, 1].astype(float), counts[:, 2].astype(float)
    micro = f1(tp.sum(), fp.sum(), fn.sum())
    den = 2 * tp + fp + fn
    defined = den > 0
    macro = float(np.mean(2 * tp[defined] / den[defined])) if defined.any() else math.nan
    return micro, macro


def micro_macro_f1(gold_df: pd.DataFrame, pred_df: pd.DataFrame) -> dict[str, float]:
    """Micro and macro F1 of doc × theme 0/1 frames (index = document, columns = theme).

    The frames must hold the same documents and themes. Missing gold cells
    (NaN) are skipped. Macro F1 leaves out themes absent from both frames.
    """
    gold_df, pred_df = align_frames(gold_df, pred_df)
    counts = confusion_counts(gold_df.to_numpy(dtype=float), pred_df.to_numpy(dtype=float))
    micro, macro = f1_from_counts(counts)
    return {"micro_f1": micro, "macro_f1": macro, "n_docs": int(len(gold_df)), "n_themes": int(gold_df.shape[1])}
