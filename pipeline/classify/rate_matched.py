"""The classifier ``train`` fits by default: the default's scores, each theme's cut matched to its coded rate.

The default classifier's ranking carries over from one register to another
(per-theme ROC AUC 0.77-0.98 on real coroners' reports); where to cut does
not. A user's few dozen coded documents cannot fix the cut by F1: a theme
has a handful of coded positives, and one of them moves the F1-best cut
anywhere. They do say how often each theme occurs. So each theme's cut is
put where the coded documents get ``factor`` times as many tags as they have
coded positives (``thresholds.rate_matched_thresholds``); the cut needs only
that rate and the ranking, not the scale of the scores.

On the real development set (``benchmarks/annotation_loop.py``), with 40
coded reports this beats both F1-best per-theme cuts and the stacked model
(``supervised.TrainedClassifier``, kept as ``train --method stacked``).

A theme with no coded positive keeps the default's cut: there is no rate to
match. So does a theme whose coded documents the default's own cut decides
better out of fold than the rate-matched one (a ranking so clean that
over-tagging by ``factor`` only costs precision). Evidence and "possible"
bands are the default classifier's.
"""

from __future__ import annotations

import numpy as np

from practice_themes.classify.cv_report import ThemeDecider, cv_report
from practice_themes.classify.thresholds import RATE_FACTOR, f1_score, rate_matched_thresholds
from practice_themes.classify.training import LabelledPassages
from practice_themes.classify.zeroshot import ZeroShotClassifier
from practice_themes.codebook import Codebook
from practice_themes.embed import Embedder
from practice_themes.errors import TrainingDataError

NO_POSITIVE = "no coded positive document: no rate to match, so the default's threshold stays"


class RateMatchedClassifier(ZeroShotClassifier):
    """The zero-shot classifier with each theme's cut calibrated to a corpus from its coded documents.

    Parameters
    ----------
    codebook : the codebook the cuts are fitted for.
    factor : a theme's cut tags this many times as many coded documents as were coded present.
    n_splits : folds (grouped by document) for the out-of-fold report.
    default_thresholds : the default's cuts, kept by the themes that stay at the default; None: the shipped ones.
    calibrated : the shipped per-theme calibrations (the shipped thresholds' scale); False: the global one, for
        ``default_thresholds`` fitted on ``ZeroShotClassifier(calibrated=False)`` scores.
    embedder : the sentence embedder (None: the shared default).
    name : the model's name, recorded in ``describe()``.

    Fitted: ``cuts_`` (theme -> cut: rate-matched, or the default's for a theme that stays at it),
    ``default_themes_`` and ``default_reasons_`` (the themes left at the default's cut, and why), ``cv_scores_``,
    ``n_documents_``, ``n_positive_`` (theme -> coded positive documents).
    """

    kind = "rate-matched"

    def __init__(self, codebook: Codebook, *, factor: float = RATE_FACTOR, n_splits: int = 4,
                 default_thresholds: dict[str, float] | None = None, calibrated: bool = True,
                 embedder: Embedder | None = None, name: str = "rate-matched") -> None:
        # ``default_thresholds`` is held once, as ``ZeroShotClassifier.thresholds``: the default's explicit cuts.
        super().__init__(codebook, thresholds=default_thresholds, calibrated=calibrated, embedder=embedder)
        self.factor = factor
        self.n_splits = n_splits
        self.name = name
        self.threshold_overrides: dict[str, float] = {}

    def fit(self, docs: list[LabelledPassages]) -> "RateMatchedClassifier":
        """Fit each theme's cut on the coded ``docs``, and report the cuts' out-of-fold decisions."""
        from sklearn.model_selection import GroupKFold

        if len(docs) < 2:
            raise TrainingDataError(f"training needs at least 2 coded documents, got {len(docs)}")
        truth = np.vstack([d.doc_labels for d in docs]).astype(bool)
        if not truth.any():
            raise TrainingDataError(f"no theme is coded present in any of these {len(docs)} documents, so there "
                                    f"is no rate to match")
        super().fit()
        ids = self.codebook.ids
        default_cuts = self._default_cuts()
        default_cut = np.array([default_cuts[t] for t in ids])
        probability = self.document_probability_matrix([d.passages for d in docs])
        self.n_positive_ = {t: int(truth[:, j].sum()) for j, t in enumerate(ids)}
        # Out of fold: each document is decided by cuts fitted on the other folds' documents alone.
        matched = np.zeros(truth.shape, dtype=bool)
        n_splits = min(self.n_splits, len(docs))
        for train, test in GroupKFold(n_splits=n_splits).split(truth, groups=np.arange(len(docs))):
            fold_cuts = rate_matched_thresholds(probability[train], truth[train], self.factor, default=default_cut)
            matched[test] = probability[test] >= fold_cuts[None, :]
        by_default = probability >= default_cut[None, :]
        self.default_reasons_ = {}
        for j, t in enumerate(ids):
            if not self.n_positive_[t]:
                self.default_reasons_[t] = NO_POSITIVE
                continue
            # Where the default's own cut decides the coded documents better, matching the rate would lose.
            matched_f1, default_f1 = f1_score(truth[:, j], matched[:, j]), f1_score(truth[:, j], by_default[:, j])
            if matched_f1 < default_f1:
                self.default_reasons_[t] = (f"out-of-fold F1 {matched_f1:.2f} with a rate-matched cut, below the "
                                            f"default's {default_f1:.2f} on the same documents")
        self.default_themes_ = [t for t in ids if t in self.default_reasons_]
        fitted = rate_matched_thresholds(probability, truth, self.factor, default=default_cut)
        self.cuts_ = {t: float(default_cut[j] if t in self.default_reasons_ else fitted[j]) for j, t in enumerate(ids)}
        stays = np.array([t in self.default_reasons_ for t in ids])
        decided = np.where(stays[None, :], by_default, matched)
        cuts = self.theme_thresholds
        deciders = {t: ThemeDecider("default", cuts[t], self.default_reasons_[t]) if t in self.default_reasons_
                    else ThemeDecider("rate-matched", cuts[t]) for t in ids}
        self.cv_scores_ = cv_report(ids, truth, decided, deciders,
                                    note=f"out-of-fold documents, {n_splits} folds grouped by document; each fold's "
                                         f"cuts are matched to the other folds' coded rates (factor {self.factor:g}); "
                                         f"themes at the default keep its fixed cuts.")
        self.n_documents_ = len(docs)
        return self

    def _default_cuts(self) -> dict[str, float]:
        """The default classifier's cuts: ``ZeroShotClassifier.theme_thresholds``, without this model's."""
        return ZeroShotClassifier.theme_thresholds.fget(self)

    def document_probability_matrix(self, documents: list[list]) -> np.ndarray:
        """[documents, themes] document probabilities, as ``tag`` reports them, all encoded in one batch."""
        return np.array([[t.score for t in row] for row in self.tag_documents(documents)])

    @classmethod
    def from_fitted(cls, codebook: Codebook, *, cuts: dict[str, float], default_reasons: dict[str, str],
                    cv_scores: dict, n_documents: int, n_positive: dict[str, int], embedder: Embedder | None = None,
                    **settings) -> "RateMatchedClassifier":
        """A ready model from saved cuts (``persistence.load_model``), without the coded documents."""
        model = cls(codebook, embedder=embedder, **settings)
        ZeroShotClassifier.fit(model)
        model.cuts_ = {t: float(c) for t, c in cuts.items() if t in codebook}
        model.default_reasons_ = {t: why for t, why in default_reasons.items() if t in codebook}
        model.default_themes_ = [t for t in codebook.ids if t in model.default_reasons_]
        model.cv_scores_, model.n_documents_, model.n_positive_ = cv_scores, n_documents, dict(n_positive)
        return model

    @property
    def theme_thresholds(self) -> dict[str, float]:
        """The fitted cuts, then ``threshold_overrides``; a theme without either has the default's cut."""
        return {**self._default_cuts(), **getattr(self, "cuts_", {}), **self.threshold_overrides}

    @property
    def trained_themes_(self) -> list[str]:
        """The themes whose cut was matched to their coded rate."""
        return [t for t in self.codebook.ids if t in getattr(self, "cuts_", {}) and t not in self.default_reasons_]

    def settings(self) -> dict:
        return {**super().settings(), "factor": self.factor, "n_splits": self.n_splits, "model": self.kind}

    def describe(self) -> dict:
        return {**super().describe(), "model": self.name, "trained_themes": self.trained_themes_,
                "default_themes": list(getattr(self, "default_themes_", []))}
