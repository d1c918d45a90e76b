"""Are the default's document probabilities probabilities? Out-of-fold calibration, side by side.

    .venv/bin/python benchmarks/calibration.py

On ``../shared/data/pfd_dev`` (skipped when absent), 5 folds grouped by
report: each fold's per-theme Platt scalings (``classify.calibration``) are
fitted on the other folds' reports and the bundled dev reviews, as
``fit_zero_shot_thresholds.py`` fits the shipped ones, and scored on the
fold's reports. For each prior strength this prints the Brier score and the
log-loss over the themes with consensus prevalence >= 5% (and over every
theme coded at least once), against the one global calibration every theme
shared before; a reliability table (mean probability against the coded rate
in bins); and, among the reports the default tags present, the mean
probability shown against the share the coders coded. The bundled corpus's
held-out reviews are scored with the fit on all of them.
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
                      shrunk_out_of_fold, truth_of)
from practice_themes.classify.calibration import CALIBRATION_STRENGTH, ThemeCalibration  # noqa: E402
from practice_themes.classify.zeroshot import ZERO_SHOT_STRENGTH, ZeroShotClassifier  # noqa: E402
from practice_themes.codebook import load_codebook  # noqa: E402

STRENGTHS = (0.1, 1.0, 10.0, 100.0)
BINS = (0.1, 0.3, 0.5, 0.7, 0.9)


def brier_and_log_loss(probability: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """scikit-learn's Brier score and log-loss over every (document, theme) pair."""
    from sklearn.metrics import brier_score_loss, log_loss

    p, t = np.ravel(probability), np.ravel(truth).astype(int)
    return float(brier_score_loss(t, p)), float(log_loss(t, p, labels=[0, 1]))


def reliability(probability: np.ndarray, truth: np.ndarray) -> str:
    """'mean probability -> coded rate (n)' per bin of ``BINS``."""
    p, t = np.ravel(probability), np.ravel(truth).astype(bool)
    bins = np.digitize(p, BINS)
    return "  ".join(f"{p[bins == b].mean():.2f}->{t[bins == b].mean():.2f} ({(bins == b).sum()})"
                     for b in range(len(BINS) + 1) if (bins == b).any())


def out_of_fold(probability, truth, bundled_probability, bundled_truth, ids, strength, folds) -> np.ndarray:
    out = np.zeros(np.shape(probability))
    for train, test in folds:
        fit = ThemeCalibration(strength=strength).fit(np.vstack([probability[train], bundled_probability]),
                                                      np.vstack([truth[train], bundled_truth]), ids)
        out[test] = fit.transform(probability[test], ids)
    return out


def main() -> int:
    from sklearn.model_selection import KFold

    if not pfd.available():
        print(pfd.MISSING)
        return 0
    started = time.perf_counter()
    codebook = load_codebook()
    ids = codebook.ids
    with cached_vectors():
        dev = pfd.load(ids, cache=CACHE)
        bundled_dev, bundled_held, _ = bundled_corpus(codebook)
        # The default's scores with the one global calibration, before any per-theme fit.
        scorer = ZeroShotClassifier(codebook, calibrated=False).fit()
        probability = probabilities(scorer, dev.passages)
        bundled_probability = probabilities(scorer, passages_of(bundled_dev))
        held_probability = probabilities(scorer, passages_of(bundled_held))
    truth, bundled_truth, held_truth = np.asarray(dev.truth, dtype=bool), truth_of(bundled_dev), truth_of(bundled_held)
    main_ = main_themes(truth)
    coded = [j for j in range(len(ids)) if truth[:, j].any()]
    folds = list(KFold(n_splits=5, shuffle=True, random_state=0).split(probability))
    print(f"pfd_dev: {len(truth)} reports, out of fold (5 folds grouped by report; each fold fitted on the other "
          f"folds and the {len(bundled_truth)} bundled dev reviews); bundled held-out: {len(held_truth)} reviews, "
          f"fitted on all\n")
    print(f"  {'calibration':34s} {'pfd 6 themes':>20s} {'pfd all coded':>20s} {'bundled held-out':>20s}")
    print(f"  {'':34s} {'Brier  log-loss':>20s} {'Brier  log-loss':>20s} {'Brier  log-loss':>20s}")

    def row(name, oof, held):
        cells = [brier_and_log_loss(oof[:, main_], truth[:, main_]), brier_and_log_loss(oof[:, coded], truth[:, coded]),
                 brier_and_log_loss(held, held_truth)]
        print(f"  {name:34s} " + " ".join(f"{b:9.4f} {ll:9.4f}" for b, ll in cells))

    row("one global (the default before)", probability, held_probability)
    per_theme = {}
    for strength in STRENGTHS:
        per_theme[strength] = out_of_fold(probability, truth, bundled_probability, bundled_truth, ids, strength, folds)
        held = ThemeCalibration(strength=strength).fit(np.vstack([probability, bundled_probability]),
                                                       np.vstack([truth, bundled_truth]), ids).transform(held_probability, ids)
        mark = " (shipped)" if strength == CALIBRATION_STRENGTH else ""
        row(f"per theme, prior {strength:g}{mark}", per_theme[strength], held)
    shipped = per_theme[CALIBRATION_STRENGTH]
    print("\nreliability on pfd_dev's 6 themes, mean probability -> coded rate (pairs):")
    print(f"  one global:  {reliability(probability[:, main_], truth[:, main_])}")
    print(f"  per theme:   {reliability(shipped[:, main_], truth[:, main_])}")
    # The decisions are the default's out-of-fold ones; calibration is increasing, so it changes none of them.
    decided = shrunk_out_of_fold(probability, truth, bundled_probability, bundled_truth, ids, ZERO_SHOT_STRENGTH, folds)
    print("\namong the reports the default tags present (out of fold): mean probability shown, before -> after, "
          "and the share coded")
    for j in main_:
        present = decided[:, j]
        if present.any():
            print(f"  {ids[j]:24s} {present.sum():3d} tagged   {probability[present, j].mean():.2f} -> "
                  f"{shipped[present, j].mean():.2f}   coded {truth[present, j].mean():.2f}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
