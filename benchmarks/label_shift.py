"""Does an EM label-shift adjustment carry the default's decisions from one register to another?

    .venv/bin/python benchmarks/label_shift.py

Issue 12 lists, as one possible decision rule, a corpus-level adjustment of
priors estimated from the unlabelled scores (EM for label shift: Saerens,
Latinne and Decaestecker 2002, "Adjusting the outputs of a classifier to new
a priori probabilities"). This measures it where it would have to work: the
thresholds are fitted on one register and applied to the other.

For each direction, on the source register:

1. the zero-shot scorer's document probabilities are mapped to calibrated
   posteriors by one logistic regression with a shared slope on logit(p)
   and one intercept per theme;
2. the per-theme thresholds are fitted as the default's are
   (``ShrunkThresholds``, the default's strength, ``ZERO_SHOT_STRENGTH``).

On the target register, unlabelled, EM re-estimates each theme's prior and
re-weights the posteriors by the ratio of new to source priors; a theme is
present when its adjusted posterior reaches the calibrated threshold. Beside
it: the thresholds alone, unadjusted, and a single EM step (the prior moved
once, to the mean posterior), which cannot run away to 0 or 1.

Registers: the real coroners' reports of ``../shared/data/pfd_dev`` (1.95
themes per report) and the bundled corpus (fictional reviews, about 8 per
review). Skipped when pfd_dev is absent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pfd  # noqa: E402
from accuracy import (CACHE, bundled_corpus, cached_vectors, main_themes, passages_of, probabilities,  # noqa: E402
                      scores_table, truth_of)
from practice_themes.classify.aggregate import logit, platt  # noqa: E402
from practice_themes.classify.thresholds import ShrunkThresholds  # noqa: E402
from practice_themes.classify.zeroshot import ZERO_SHOT_STRENGTH, ZERO_SHOT_THRESHOLD, ZeroShotClassifier  # noqa: E402
from practice_themes.codebook import load_codebook  # noqa: E402

class SharedSlopeCalibration:
    """Posterior = sigmoid(a * logit(p) + b_theme), the scorer's own Platt form with one slope shared by
    every theme and one intercept per theme."""

    def fit(self, probability: np.ndarray, truth: np.ndarray) -> "SharedSlopeCalibration":
        from sklearn.linear_model import LogisticRegression

        n, m = probability.shape
        features = np.hstack([logit(probability).reshape(-1, 1), np.tile(np.eye(m), (n, 1))])
        model = LogisticRegression(C=1.0, max_iter=5000).fit(features, truth.reshape(-1))
        self.slope_ = float(model.coef_[0, 0])
        self.intercepts_ = model.coef_[0, 1:] + model.intercept_[0]
        return self

    def transform(self, probability: np.ndarray) -> np.ndarray:
        return platt(probability, self.slope_, self.intercepts_)


def reweighted(posterior: np.ndarray, prior: np.ndarray, source_prior: np.ndarray) -> np.ndarray:
    """Posteriors under ``prior`` instead of ``source_prior`` (Bayes' rule on the prior ratio)."""
    up, down = prior / source_prior, (1 - prior) / (1 - source_prior)
    return up * posterior / (up * posterior + down * (1 - posterior))


def em_label_shift(posterior: np.ndarray, source_prior: np.ndarray, iterations: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Saerens et al.'s EM, one binary problem per theme: (adjusted posteriors, estimated target priors)."""
    prior = source_prior.copy()
    for _ in range(iterations):
        prior = np.clip(reweighted(posterior, prior, source_prior).mean(axis=0), 1e-4, 1 - 1e-4)
    return reweighted(posterior, prior, source_prior), prior


def transfer(source: tuple, targets: dict[str, tuple], ids: list[str], main: list[int] | None) -> None:
    """Fit the thresholds and the calibration on ``source`` once; apply them, with and without EM, to each target."""
    p_source, y_source = source
    thresholds = ShrunkThresholds(strength=ZERO_SHOT_STRENGTH).fit(p_source, y_source, ids, ZERO_SHOT_THRESHOLD)
    calibration = SharedSlopeCalibration().fit(p_source, y_source)
    source_prior = np.clip(calibration.transform(p_source).mean(axis=0), 1e-3, 1 - 1e-3)
    cut = calibration.transform(np.array([[thresholds.thresholds_[t] for t in ids]]))
    for name, (p_target, y_target) in targets.items():
        posterior = calibration.transform(p_target)
        adjusted, prior = em_label_shift(posterior, source_prior)
        one_step, _ = em_label_shift(posterior, source_prior, iterations=1)
        rows = {"thresholds alone": thresholds.predict(p_target, ids), "EM-adjusted": adjusted >= cut,
                "one EM step": one_step >= cut}
        print(f"\n{name} (coded themes per document: {y_target.sum(axis=1).mean():.2f})")
        for label, predicted in rows.items():
            table = scores_table(y_target, predicted, ids, main)
            print(f"  {label:18s} macro-F1 {table['macro_f1']:.3f}  micro-F1 {table['micro_f1']:.3f}  "
                  f"themes per document {table['themes_per_doc']:.2f}")
        shown = main if main is not None else range(len(ids))
        print("  EM's prevalence estimates (true): " + ", ".join(
            f"{ids[j]} {prior[j]:.2f} ({y_target[:, j].mean():.2f})" for j in list(shown)[:6]))


def main() -> int:
    if not pfd.available():
        print(f"needs {pfd.PFD_DEV} (the real development set); not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    codebook = load_codebook()
    ids = codebook.ids
    with cached_vectors():
        dev, heldout, _ = bundled_corpus(codebook)
        real = pfd.load(ids, cache=CACHE)
        scorer = ZeroShotClassifier(codebook, calibrated=False).fit()
        p_real = probabilities(scorer, real.passages)
        p_dev = probabilities(scorer, passages_of(dev))
        p_held = probabilities(scorer, passages_of(heldout))
    y_dev, y_held = truth_of(dev), truth_of(heldout)
    main_real = main_themes(real.truth)
    transfer((p_dev, y_dev), {"bundled dev -> pfd_dev (macro-F1 over the themes >= 5%)": (p_real, real.truth)},
             ids, main_real)
    transfer((p_real, real.truth), {"pfd_dev -> bundled dev (all themes)": (p_dev, y_dev),
                                    "pfd_dev -> bundled held-out (all themes)": (p_held, y_held)}, ids, None)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
