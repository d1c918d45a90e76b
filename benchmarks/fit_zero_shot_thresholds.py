"""Fit the default classifier's per-theme thresholds: ``models/zero-shot-thresholds.json``.

    .venv/bin/python benchmarks/fit_zero_shot_thresholds.py

The zero-shot scorer's document probabilities on two registers, the real
coroners' reports of ``../shared/data/pfd_dev`` (consensus coding) and the
bundled corpus's dev reviews (coder_a), are pooled, and each theme's
F1-best threshold is shrunk towards the global one by its number of coded
positives (``pipeline/classify/thresholds.py``) with strength
``ZERO_SHOT_STRENGTH``. The strength and the pooling were chosen by grouped
cross-validation (``benchmarks/accuracy.py`` prints the out-of-fold
figures). Rerun after changing the scorer or the codebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pfd  # noqa: E402
from accuracy import (CACHE, bundled_corpus, cached_vectors, default_fit, passages_of,  # noqa: E402
                      probabilities, truth_of)
from practice_themes.classify.zeroshot import (SHIPPED_THRESHOLDS, ZERO_SHOT_STRENGTH, ZERO_SHOT_THRESHOLD,  # noqa: E402
                                              ZeroShotClassifier)
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
        fit = default_fit(probabilities(zs, real.passages), real.truth, probabilities(zs, passages_of(dev)),
                          truth_of(dev), ids, ZERO_SHOT_STRENGTH)
    out = {
        "about": "Per-theme thresholds of the default zero-shot classifier; written by "
                 "benchmarks/fit_zero_shot_thresholds.py. Each theme's F1-best cut, shrunk towards the global "
                 "threshold by n_positive / (n_positive + strength).",
        "codebook_sha256": codebook.sha256, "codebook_version": codebook.version,
        "prior": ZERO_SHOT_THRESHOLD, "strength": ZERO_SHOT_STRENGTH,
        "fitted_on": {"pfd_dev consensus (../shared/data/pfd_dev)": len(real.doc_ids),
                      "bundled corpus dev, coder_a": len(dev)},
        "n_positive": fit.n_positive_, "own": fit.own_, "weight": fit.weights_,
        "thresholds": fit.thresholds_,
    }
    SHIPPED_THRESHOLDS.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SHIPPED_THRESHOLDS}")
    for t in ids:
        print(f"  {t:26s} n+ {fit.n_positive_[t]:3d}  own {fit.own_[t] if fit.own_[t] is not None else '-':>5}  "
              f"-> {fit.thresholds_[t]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
