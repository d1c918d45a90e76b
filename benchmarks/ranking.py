"""Can anything here rank pfd_dev's reports better than the default's scores? Per-theme ROC AUC, side by side.

    .venv/bin/python benchmarks/ranking.py [--repeats 3] [--no-constants]

Issue 12's kappa goal is out of reach of any cut on the default's scores
(``accuracy.py`` prints that ceiling), so what is left to try is the ranking
itself. On ``../shared/data/pfd_dev`` (skipped when absent) this prints the
mean ROC AUC over the themes with consensus prevalence >= 5% (and the bundled
dev reviews' mean AUC over themes with at least two coded positives and two
negatives, so a change that only suits one register shows) for:

1. **The scorer's constants, one at a time** (``ZeroShotClassifier``'s
   midpoint, slope, best exemplars, definition weight, competition, cue
   bonus and pooled passages) around the shipped values. AUC needs no
   threshold, so nothing is fitted and nothing needs folds.
2. **Supervised document models**, out of fold (5 folds grouped by report,
   ``--repeats`` shuffles, decision values averaged): per theme, a logistic
   regression on the report's mean sentence embedding, alone and with the
   default's score (its logit) as one more feature; and per theme, one on
   the logits of all 25 themes' default scores. Each at C = 0.1, 1, 10.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pfd  # noqa: E402
from accuracy import CACHE, bundled_corpus, main_themes, passages_of, probabilities, truth_of  # noqa: E402
from practice_themes.classify.aggregate import logit  # noqa: E402
from practice_themes.classify.zeroshot import ZeroShotClassifier  # noqa: E402
from practice_themes.codebook import load_codebook  # noqa: E402
from practice_themes.embed import MODEL_NAME, default_embedder  # noqa: E402

# One constant moved at a time; {} is the shipped scorer.
CONSTANT_GRID: tuple[dict, ...] = (
    {},
    *({"midpoint": v} for v in (1.5, 2.0, 2.5, 3.5)),
    *({"slope": v} for v in (1.0, 2.4)),
    *({"n_best_exemplars": v} for v in (1, 5, 8)),
    *({"definition_weight": v} for v in (0.0, 0.5)),
    *({"competition": v} for v in (0.5, 2.0)),
    *({"cue_bonus": v} for v in (0.4, 1.5)),
    *({"top_k": v} for v in (1, 5)),
)
C_VALUES = (0.1, 1.0, 10.0)


def mean_auc(truth: np.ndarray, score: np.ndarray, themes: list[int]) -> float:
    """Mean over ``themes`` (columns) of the ROC AUC of ``score`` against ``truth``."""
    from sklearn.metrics import roc_auc_score

    return float(np.mean([roc_auc_score(truth[:, j], score[:, j]) for j in themes]))


def judged_themes(truth: np.ndarray, minimum: int = 2) -> list[int]:
    """Columns with at least ``minimum`` positives and ``minimum`` negatives (an AUC there means something)."""
    positives = truth.sum(axis=0)
    return [j for j in range(truth.shape[1]) if positives[j] >= minimum and len(truth) - positives[j] >= minimum]


def out_of_fold_decisions(features, truth: np.ndarray, themes: list[int], *, C: float, repeats: int,
                          folds: int = 5) -> np.ndarray:
    """[documents, themes] out-of-fold decision values of one logistic regression per theme in ``themes``
    (other columns stay 0), averaged over ``repeats`` shuffles of ``folds`` folds, one report per group.
    ``features`` is a [documents, features] array, or a function of the theme's column giving one."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    out = np.zeros(truth.shape)
    for j in themes:
        x = features(j) if callable(features) else features
        for r in range(repeats):
            for train, test in KFold(n_splits=folds, shuffle=True, random_state=r).split(x):
                model = LogisticRegression(C=C, max_iter=3000).fit(x[train], truth[train, j])
                out[test, j] += model.decision_function(x[test]) / repeats
    return out


def mean_embeddings(passages: dict[str, list], doc_ids: list[str], embedder) -> np.ndarray:
    """[documents, 384] each report's mean sentence vector, renormalised."""
    means = np.stack([embedder.encode([p.text for p in passages[d]]).mean(axis=0) for d in doc_ids])
    return means / np.linalg.norm(means, axis=1, keepdims=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="shuffles of the 5 grouped folds")
    parser.add_argument("--no-constants", action="store_true", help="skip the scorer constants (faster)")
    args = parser.parse_args(argv)
    if not pfd.available():
        print("skipped: ../shared/data/pfd_dev not found")
        return 0
    started = time.perf_counter()
    codebook = load_codebook()
    ids = codebook.ids
    embedder = default_embedder()
    with embedder.memoised(CACHE / f"vectors-{MODEL_NAME}.npz"):
        dev = pfd.load(ids, cache=CACHE)
        bundled_dev, _, _ = bundled_corpus(codebook)
        truth, bundled_truth = np.asarray(dev.truth, dtype=bool), truth_of(bundled_dev)
        main_ = main_themes(truth)
        bundled_judged = judged_themes(bundled_truth)
        default = probabilities(ZeroShotClassifier(codebook, calibrated=False).fit(), dev.passages)
        print(f"pfd_dev: {len(truth)} reports; mean ROC AUC over {len(main_)} themes >= 5% "
              f"({', '.join(ids[j] for j in main_)}); bundled dev: {len(bundled_truth)} reviews, {len(bundled_judged)} themes")
        print(f"\nthe default's scores: pfd_dev {mean_auc(truth, default, main_):.3f}   per theme: "
              + ", ".join(f"{ids[j]} {mean_auc(truth, default, [j]):.2f}" for j in main_))

        if not args.no_constants:
            print("\n(1) the scorer's constants, one at a time (no threshold, nothing fitted)")
            print(f"  {'setting':32s} {'pfd_dev':>8s} {'bundled':>8s}")
            for setting in CONSTANT_GRID:
                scorer = ZeroShotClassifier(codebook, calibrated=False, **setting).fit()
                pfd_auc = mean_auc(truth, probabilities(scorer, dev.passages), main_)
                bundled_auc = mean_auc(bundled_truth, probabilities(scorer, passages_of(bundled_dev)), bundled_judged)
                name = ", ".join(f"{k} {v:g}" for k, v in setting.items()) or "shipped"
                print(f"  {name:32s} {pfd_auc:8.3f} {bundled_auc:8.3f}")

        embeddings = mean_embeddings(dev.passages, dev.doc_ids, embedder)
    default_logit = logit(default)
    models = {
        "mean embedding": embeddings,
        "mean embedding + default score": lambda j: np.hstack([embeddings, default_logit[:, [j]]]),
        "all 25 themes' default scores": default_logit,
    }
    print(f"\n(2) supervised document models, out of fold (5 folds grouped by report x {args.repeats}), pfd_dev mean AUC")
    print(f"  {'features':32s} " + " ".join(f"{f'C {c:g}':>8s}" for c in C_VALUES))
    for name, features in models.items():
        cells = [mean_auc(truth, out_of_fold_decisions(features, truth, main_, C=c, repeats=args.repeats), main_)
                 for c in C_VALUES]
        print(f"  {name:32s} " + " ".join(f"{v:8.3f}" for v in cells))
    print(f"  (the default's scores: {mean_auc(truth, default, main_):.3f})")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
