"""Fit the default classifier's per-theme thresholds and calibrations: ``models/zero-shot-thresholds.json``.

    .venv/bin/python benchmarks/fit_zero_shot_thresholds.py

The zero-shot scorer's document probabilities on two registers, the real
coroners' reports of ``../shared/data/pfd_dev`` (consensus coding) and the
bundled corpus's dev reviews (coder_a), are pooled, and each theme's
F1-best threshold is shrunk towards the global one by its number of coded
positives (``pipeline/classify/thresholds.py``) with strength
``ZERO_SHOT_STRENGTH``. On the same scores each theme then gets its own
Platt calibration (``pipeline/classify/calibration.py``), and its cut is
carried onto that scale, so the decisions are the cuts' and the scores
shown are probabilities. The strengths and the pooling were chosen by
grouped cross-validation (``benchmarks/accuracy.py`` and
``benchmarks/calibration.py`` print the out-of-fold figures). Rerun after
changing the scorer or the codebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pfd  # noqa: E402
from accuracy import (CACHE, bundled_corpus, cached_vectors, default_fit, passages_of,  # noqa: E402
                      probabilities, truth_of)
from practice_themes.classify.calibration import ThemeCalibration, map_cut  # noqa: E402
from practice_themes.classify.zeroshot import (SHIPPED_THRESHOLDS, ZERO_SHOT_CALIBRATION,  # noqa: E402
                                              ZERO_SHOT_STRENGTH, ZERO_SHOT_THRESHOLD, ZeroShotClassifier)
from practice_themes.codebook import load_codebook  # noqa: E402


def main() -> int:
    if not pfd.available():
        print(f"needs {pfd.PFD_DEV} (the real development set); not found", file=sys.stderr)
        return 2
    codebook = load_codebook()
    ids = codebook.ids
    with cached_vectors():
        zs = ZeroShotClassifier(codebook, calibrated=False).fit()
        dev, _, _ = bundled_corpus(codebook)
        real = pfd.load(ids, cache=CACHE)
        real_probability, dev_probability = probabilities(zs, real.passages), probabilities(zs, passages_of(dev))
        fit = default_fit(real_probability, real.truth, dev_probability, truth_of(dev), ids, ZERO_SHOT_STRENGTH)
    calibration = ThemeCalibration().fit(np.vstack([real_probability, dev_probability]),
                                         np.vstack([real.truth, truth_of(dev)]), ids)
    rows = calibration.composed(ZERO_SHOT_CALIBRATION)
    thresholds = {t: round(map_cut(fit.thresholds_[t], ZERO_SHOT_CALIBRATION, rows[t]), 6) for t in ids}
    out = {
        "about": "Per-theme thresholds and calibrations of the default zero-shot classifier; written by "
                 "benchmarks/fit_zero_shot_thresholds.py. cuts_before_calibration: each theme's F1-best cut on the "
                 "global calibration's scale, shrunk towards the global threshold (prior) by "
                 "n_positive / (n_positive + strength) (own, weight). calibration: each theme's Platt (a, b) on "
                 "the logit of the pooled score, P = sigmoid(a * logit(pooled) + b), fitted with a prior at the "
                 "global fit (calibration_prior, calibration_strength). thresholds: the cuts carried onto that "
                 "scale; they decide exactly as cuts_before_calibration.",
        "codebook_sha256": codebook.sha256, "codebook_version": codebook.version,
        "prior": ZERO_SHOT_THRESHOLD, "strength": ZERO_SHOT_STRENGTH,
        "fitted_on": {"pfd_dev consensus (../shared/data/pfd_dev)": len(real.doc_ids),
                      "bundled corpus dev, coder_a": len(dev)},
        "n_positive": fit.n_positive_, "own": fit.own_, "weight": fit.weights_,
        "cuts_before_calibration": fit.thresholds_,
        "calibration_strength": calibration.strength, "calibration_prior": list(calibration.prior_),
        "calibration": {t: [round(a, 6), round(b, 6)] for t, (a, b) in rows.items()},
        "thresholds": thresholds,
    }
    SHIPPED_THRESHOLDS.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SHIPPED_THRESHOLDS}")
    for t in ids:
        print(f"  {t:26s} n+ {fit.n_positive_[t]:3d}  own {fit.own_[t] if fit.own_[t] is not None else '-':>5}  "
              f"-> {fit.thresholds_[t]:.3f}, calibrated {thresholds[t]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
