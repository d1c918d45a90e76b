"""Learning curve: how F1 grows with the number of human-coded documents.

Splits are by document (a review's passages never sit on both sides). Each
repeat shuffles the documents with its own seed, holds out a fixed test
fold, and trains on nested prefixes of the rest, so within a repeat a larger
training set always contains the smaller one. The spread across repeats
shows how much of a difference is noise.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from practice_themes.errors import StatisticsError
from practice_themes.stats.metrics import micro_macro_f1

FitPredict = Callable[[list[str], list[str]], pd.DataFrame]


def learning_curve(
    fit_predict: FitPredict,
    doc_ids: Sequence[str],
    gold: pd.DataFrame,
    sizes: Sequence[int],
    *,
    n_repeats: int = 5,
    seed: int = 0,
    test_fraction: float = 0.25,
) -> pd.DataFrame:
    """Micro and macro F1 on held-out documents for each training-set size.

    Args:
        fit_predict: ``fit_predict(train_ids, test_ids)`` trains on the
            training documents and returns 0/1 predictions for the test
            documents (index = test doc ids, columns = themes of ``gold``).
        doc_ids: the human-coded documents to draw from.
        gold: doc × theme 0/1 frame (index = doc_id); NaN = not coded.
        sizes: training-set sizes; sizes larger than the training pool are skipped.
        n_repeats: number of random document splits.
        seed: seed of the split generator.
        test_fraction: share of documents held out for testing in each repeat.

    Returns:
        One row per (repeat, size): ``repeat, n_train, n_test, micro_f1, macro_f1``.
    """
    ids = [str(d) for d in doc_ids]
    missing = [d for d in ids if d not in gold.index]
    if missing:
        raise StatisticsError(f"documents without gold codes: {', '.join(missing[:5])}")
    if len(ids) < 4:
        raise StatisticsError(f"a learning curve needs at least 4 coded documents, got {len(ids)}")
    n_test = max(1, int(math.ceil(len(ids) * test_fraction)))
    pool_size = len(ids) - n_test
    usable = sorted({int(s) for s in sizes if 1 <= int(s) <= pool_size})
    if not usable:
        raise StatisticsError(f"no training size fits: sizes {list(sizes)} vs {pool_size} training documents")
    rng = np.random.default_rng(seed)
    rows = []
    for repeat in range(n_repeats):
        order = [ids[i] for i in rng.permutation(len(ids))]
        test, pool = order[:n_test], order[n_test:]
        for size in usable:
            train = pool[:size]
            predicted = fit_predict(list(train), list(test))
            _check_predictions(predicted, test, gold.columns)
            scores = micro_macro_f1(gold.loc[test], predicted.loc[test, list(gold.columns)].astype(float))
            rows.append({
                "repeat": repeat, "n_train": size, "n_test": len(test),
                "micro_f1": scores["micro_f1"], "macro_f1": scores["macro_f1"],
            })
    return pd.DataFrame(rows, columns=["repeat", "n_train", "n_test", "micro_f1", "macro_f1"])


def _check_predictions(predicted: pd.DataFrame, test: list[str], themes: pd.Index) -> None:
    if not isinstance(predicted, pd.DataFrame):
        raise TypeError(f"fit_predict must return a DataFrame, got {type(predicted).__name__}")
    absent_docs = [d for d in test if d not in predicted.index]
    absent_themes = [t for t in themes if t not in predicted.columns]
    if absent_docs or absent_themes:
        raise StatisticsError(
            f"fit_predict output lacks test documents {absent_docs[:5]} or themes {absent_themes[:5]}"
        )


def summarise_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, min and max of micro/macro F1 per training size."""
    grouped = curve.groupby("n_train")[["micro_f1", "macro_f1"]]
    summary = grouped.agg(["mean", "std", "min", "max"])
    summary.columns = [f"{metric}_{stat}" for metric, stat in summary.columns]
    return summary.reset_index()


def default_sizes(n_docs: int, test_fraction: float = 0.25, steps: int = 6) -> list[int]:
    """Roughly evenly spaced training sizes from 2 documents to the whole training pool."""
    pool = n_docs - max(1, int(math.ceil(n_docs * test_fraction)))
    if pool < 2:
        return [pool] if pool >= 1 else []
    return sorted({int(round(x)) for x in np.linspace(2, pool, num=min(steps, pool - 1))})
