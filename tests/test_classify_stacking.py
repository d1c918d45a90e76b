"""The stacked trained model's document features: theme-agnostic, section- and negation-aware."""

import numpy as np

from practice_themes.classify.stacking import FEATURE_NAMES, document_features


def _doc(seed=0, n=12, m=5):
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 1, (n, m))
    paragraphs = np.repeat(np.arange(n // 3), 3)
    kept = np.arange(n)
    weights = np.where(np.arange(n) < n // 2, 1.0, 0.45)  # second half: recommendations
    semantic = rng.normal(0, 2, (n, m))
    cues = np.zeros((n, m), dtype=int)
    negated = np.zeros((n, m), dtype=int)
    return scores, paragraphs, kept, weights, semantic, cues, negated, np.zeros(m, dtype=bool)


def _pooled(scores):
    return scores.max(axis=0) if len(scores) else np.zeros(scores.shape[1])


def test_features_follow_the_theme_not_its_position():
    args = list(_doc())
    order = np.array([3, 0, 4, 1, 2])
    permuted = [a[:, order] if isinstance(a, np.ndarray) and a.ndim == 2 else a for a in args]
    permuted[-1] = args[-1][order]
    features = document_features(*args, pooled=_pooled(args[0]))
    assert features.shape == (5, len(FEATURE_NAMES))
    np.testing.assert_allclose(document_features(*permuted, pooled=_pooled(args[0])[order]), features[order])


def test_the_pooled_feature_is_the_score_it_is_given_not_a_second_pooling():
    # The stacked model ignored ``pool: best`` and the short-text rule because it pooled its own way.
    args = _doc()
    pooled = np.array([0.9, 0.1, 0.5, 0.5, 0.2])
    f = document_features(*args, pooled=pooled)
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    np.testing.assert_allclose(f[:, col["logit_pooled"]], np.log(pooled / (1 - pooled)), atol=1e-6)
    np.testing.assert_allclose(f[:, col["relative_to_best"]], pooled / 0.9, atol=1e-6)
    assert f[0, col["log_rank"]] == 0 and f[1, col["log_rank"]] == np.log1p(4)


def test_cues_count_by_section_and_negation():
    scores, paragraphs, kept, weights, semantic, cues, negated, ctx = _doc()
    cues[0, 1] = 1       # findings
    cues[-1, 2] = 1      # recommendations
    negated[1, 3] = 1    # "no concerns about ..."
    f = document_features(scores, paragraphs, kept, weights, semantic, cues, negated, ctx, pooled=_pooled(scores))
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    assert f[1, col["log_body_cue_passages"]] > 0 and f[1, col["log_weak_cue_passages"]] == 0
    assert f[2, col["log_weak_cue_passages"]] > 0 and f[2, col["log_body_cue_passages"]] == 0
    assert f[3, col["log_negated_cue_passages"]] > 0
    assert f[3, col["log_body_cue_passages"]] == 0 and f[3, col["log_weak_cue_passages"]] == 0


def test_a_document_without_passages_has_finite_features():
    m = 4
    f = document_features(np.zeros((0, m)), np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0),
                          np.zeros((0, m)), np.zeros((0, m), dtype=int), np.zeros((0, m), dtype=int),
                          np.zeros(m, dtype=bool), pooled=np.zeros(m))
    assert f.shape == (m, len(FEATURE_NAMES)) and np.isfinite(f).all()
