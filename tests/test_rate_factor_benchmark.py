"""``benchmarks/rate_factor.py``'s pieces on synthetic scores: a theme with no coded positive keeps the
default's cut, and the inner selection finds the factor a constructed case calls for, the smaller on a tie."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_a_theme_with_no_coded_positive_keeps_the_default_cut():
    from rate_factor import rate_matched_decisions

    from practice_themes.classify.thresholds import rate_matched_thresholds

    rng = np.random.default_rng(0)
    p_coded, p_test = rng.random((30, 2)), rng.random((50, 2))
    y_coded = np.zeros((30, 2), dtype=bool)
    y_coded[:6, 0] = True  # theme 0 has coded positives, theme 1 none
    default_cut = np.array([0.99, 0.5])
    decided = rate_matched_decisions(p_coded, y_coded, p_test, default_cut, 1.5)
    assert decided.shape == (50, 2) and decided.dtype == bool
    assert np.array_equal(decided[:, 1], p_test[:, 1] >= 0.5)
    rate_cut = rate_matched_thresholds(p_coded, y_coded, 1.5)[0]
    assert np.array_equal(decided[:, 0], p_test[:, 0] >= rate_cut)
    assert decided[:, 0].any() and rate_cut < 0.99  # the rate-matched cut, not the default's


def _interleaved(rng, n: int = 200, positives: int = 40, themes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Per theme, the top 2 * ``positives`` scores alternate positive, negative; all the rest are negative.
    Tagging twice the coded rate finds every positive at precision 1/2 (F1 2/3); the coded rate finds
    half of them (F1 1/2), three times it every one at precision 1/3 (F1 1/2)."""
    probability, truth = np.empty((n, themes)), np.zeros((n, themes), dtype=bool)
    for j in range(themes):
        rank = rng.permutation(n)  # document -> rank
        probability[:, j] = 1.0 - rank / n
        truth[:, j] = (rank < 2 * positives) & (rank % 2 == 0)
    return probability, truth


def test_the_inner_selection_finds_the_factor_the_scores_call_for():
    from rate_factor import choose_factor

    rng = np.random.default_rng(1)
    probability, truth = _interleaved(rng)
    default_cut = np.full(truth.shape[1], 0.5)
    chosen = choose_factor(probability, truth, default_cut, (1.0, 2.0, 3.0), 100, 5, np.random.default_rng(2))
    assert chosen == 2.0


def test_a_tie_goes_to_the_smaller_factor():
    from rate_factor import best_factor, choose_factor

    assert best_factor({1.5: 0.6, 1.0: 0.6, 2.0: 0.5}) == 1.0
    # Every score the same: every factor's cut tags every document, so all score alike.
    probability = np.full((60, 2), 0.3)
    truth = np.zeros((60, 2), dtype=bool)
    truth[::5] = True
    chosen = choose_factor(probability, truth, np.full(2, 0.5), (2.0, 1.5, 1.25), 30, 3, np.random.default_rng(3))
    assert chosen == 1.25
