"""Theme-agnostic evidence summaries of one document, one row per theme.

The trained model learns from (document, theme) pairs, not from passages:
a bundled corpus has a few dozen coded reviews, far too few for a passage
model per theme, but 25 themes x N reviews pairs are enough for one small
model shared by every theme. Each feature describes *how much and what
kind of* evidence the zero-shot scorer found for a theme in a document,
never which theme it is, so the same weights apply to any theme, including
one added to the codebook later.
"""

from __future__ import annotations

import numpy as np

from practice_themes.classify.aggregate import logit

# Section weight (``sections.passage_weight``) at or above which a passage is body text
# (findings, analysis, chronology, background); below it, introductions, ToR, recommendations.
BODY_WEIGHT = 0.85
# A paragraph "carries" a theme when its best passage scores above these.
PARAGRAPH_LEVELS = (0.3, 0.5)
# A cue backed by the semantic side: the passage's zero-shot score is above this.
BACKED_CUE_SCORE = 0.2

FEATURE_NAMES = (
    "logit_pooled",        # the zero-shot document score, as its aggregator pools it, in logit space
    "top1_paragraph",      # the strongest paragraph
    "top5_paragraph_mean",
    "log_paragraphs_over_0.3",
    "log_paragraphs_over_0.5",
    "log_body_cue_passages",     # affirmative cue in findings/analysis/chronology/background
    "log_weak_cue_passages",     # affirmative cue only in down-weighted sections
    "log_negated_cue_passages",  # cue inside an absence scope ("no concerns about ...")
    "top3_semantic_z",           # mean of the 3 highest semantic z-scores
    "log_rank",                  # the theme's rank among all themes in this document (0 = first)
    "is_context",                # context theme (family circumstances) vs practice theme
    "log_backed_body_cues",      # body cue where the semantic side agrees
    "relative_to_best",          # pooled score / the document's best pooled score
)


def document_features(scores: np.ndarray, paragraphs: np.ndarray, kept: np.ndarray, weights: np.ndarray,
                      semantic: np.ndarray, cues: np.ndarray, negated_cues: np.ndarray,
                      is_context: np.ndarray, *, pooled: np.ndarray) -> np.ndarray:
    """[n_themes, len(FEATURE_NAMES)] evidence summary of one document.

    ``scores`` [n_passages, n_themes] are zero-shot passage probabilities and
    ``paragraphs`` their paragraph numbers; ``kept`` indexes the scored
    passages, to which ``semantic``, ``cues`` and ``negated_cues`` rows refer;
    ``weights`` are every passage's section weights. ``pooled`` [n_themes] is
    the zero-shot document score (``Aggregator.pool``): the model starts from
    the default's own reading, short-text and one-statement (``pool: best``)
    rules included, instead of pooling a second way.
    """
    m = scores.shape[1]
    if scores.shape[0] == 0:
        best = np.zeros((1, m))
    else:
        labels, inverse = np.unique(np.asarray(paragraphs), return_inverse=True)
        best = np.zeros((len(labels), m))
        np.maximum.at(best, inverse, np.clip(scores, 0.0, 1.0))
    top = -np.sort(-best, axis=0)
    pooled = np.asarray(pooled, dtype=np.float64)
    body = (weights[kept] >= BODY_WEIGHT)[:, None]
    named = cues > 0
    kept_scores = scores[kept]
    rank = np.argsort(np.argsort(-pooled, kind="stable"), kind="stable")
    top_z = -np.sort(-semantic, axis=0)[:3].mean(axis=0) if len(semantic) else np.zeros(m)
    columns = [
        logit(pooled),
        top[0],
        top[:5].mean(axis=0),
        np.log1p((best > PARAGRAPH_LEVELS[0]).sum(axis=0)),
        np.log1p((best > PARAGRAPH_LEVELS[1]).sum(axis=0)),
        np.log1p((named & body).sum(axis=0)),
        np.log1p((named & ~body).sum(axis=0)),
        np.log1p((negated_cues > 0).sum(axis=0)),
        top_z,
        np.log1p(rank),
        np.asarray(is_context, dtype=np.float64),
        np.log1p((named & body & (kept_scores > BACKED_CUE_SCORE)).sum(axis=0)),
        pooled / (pooled.max() + 1e-9),
    ]
    return np.stack(columns, axis=1).astype(np.float64)
