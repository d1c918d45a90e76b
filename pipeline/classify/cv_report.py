"""The per-theme cross-validation report that ``train`` prints and saves, for any trained classifier.

Per theme: who decides it, the out-of-fold precision, recall and kappa with
95% intervals, the number of coded positive documents, and about how many
more coded documents would narrow recall's interval to +/-0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from practice_themes.classify.thresholds import f1_score
from practice_themes.stats.metrics import binary_kappa
from practice_themes.stats.proportions import wilson_ci

N_RESAMPLES = 1000


@dataclass(frozen=True)
class ThemeDecider:
    """How one theme is decided: ``source`` ("trained", "rate-matched" or "default"), its threshold, and why
    it stayed at the default (None when it did not)."""

    source: str
    threshold: float
    why_default: str | None = None


def more_documents_needed(n_positive: int, n_documents: int, recall: float, half_width: float = 0.1) -> int:
    """About how many more coded documents, at this prevalence, would narrow recall's 95% interval to +/-0.1.

    The normal approximation: n_pos = 1.96^2 r (1 - r) / h^2 coded positives, with r kept off 0 and 1
    so a perfect recall on three positives does not claim certainty.
    """
    r = min(max(recall, 0.1), 0.9)
    needed_positive = int(np.ceil(1.96 ** 2 * r * (1 - r) / half_width ** 2))
    if n_positive >= needed_positive:
        return 0
    prevalence = n_positive / max(n_documents, 1)
    return int(np.ceil((needed_positive - n_positive) / max(prevalence, 1e-9)))


def cv_report(theme_ids: list[str], truth: np.ndarray, decided: np.ndarray,
              deciders: dict[str, ThemeDecider], note: str) -> dict:
    """The report of out-of-fold ``decided`` against ``truth`` ([documents, themes] booleans).

    Intervals: Wilson for precision and recall, percentile bootstrap over documents for kappa.
    """
    report = {"note": note + " Intervals: Wilson for precision and recall, percentile bootstrap over "
                             f"documents ({N_RESAMPLES:,} resamples) for kappa.", "themes": {}}
    truth, decided = np.asarray(truth, dtype=bool), np.asarray(decided, dtype=bool)
    n_docs = truth.shape[0]
    resamples = np.random.default_rng(0).integers(0, n_docs, size=(N_RESAMPLES, n_docs))
    for j, t in enumerate(theme_ids):
        y, d = truth[:, j], decided[:, j]
        tp, n_pred, n_pos = int(np.sum(y & d)), int(d.sum()), int(y.sum())
        decider = deciders[t]
        entry = {"n_positive": n_pos, "source": decider.source, "threshold": decider.threshold}
        if decider.why_default:
            entry["why_default"] = decider.why_default
        if n_pos:
            precision, recall = tp / max(n_pred, 1), tp / n_pos
            kappas = [k for k in (binary_kappa(y[r], d[r]) for r in resamples) if not np.isnan(k)]
            entry.update({
                "precision": round(precision, 4),
                "precision_ci": [round(x, 4) for x in wilson_ci(tp, n_pred)] if n_pred else None,
                "recall": round(recall, 4), "recall_ci": [round(x, 4) for x in wilson_ci(tp, n_pos)],
                "f1": round(f1_score(y, d), 4), "kappa": round(binary_kappa(y, d), 4),
                "kappa_ci": [round(float(np.percentile(kappas, q)), 4) for q in (2.5, 97.5)] if kappas else None,
                "more_documents_for_recall_ci_0.1": more_documents_needed(n_pos, n_docs, recall),
            })
        report["themes"][t] = entry
    coded = [v for v in report["themes"].values() if v["n_positive"]]
    report["macro_f1"] = round(float(np.mean([v["f1"] for v in coded])), 4) if coded else 0.0
    report["micro_f1"] = round(f1_score(truth.ravel(), decided.ravel()), 4)
    return report
