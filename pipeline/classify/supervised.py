"""A theme classifier trained from human coding: one stacked document-level model for every theme.

Per-theme passage models starve on a few dozen coded reviews (a rare theme
has two or three coded documents). Instead the zero-shot scorer runs first,
and ONE logistic regression learns, over every (document, theme) pair, how
far to trust its evidence: the pooled zero-shot score, the strongest
paragraphs, how many separate paragraphs carry the theme, cue phrases in
body sections vs. recommendations or terms of reference, negated cues, the
theme's rank in the document and whether it is a practice or context theme
(``stacking.FEATURE_NAMES``). The features never name a theme, so the
weights are shared by all themes, learn from all of them, and carry over
to a theme no training document was coded with.

The model is scikit-learn's: ``StandardScaler`` then ``LogisticRegression``.
Its regularisation strength C (``GridSearchCV``) and one global decision
threshold (``TunedThresholdClassifierCV``, F1) are chosen over folds grouped
by document (``GroupKFold``: no review is on both sides of a split). Each
theme's threshold is then shrunk from the global one towards its own F1-best
cut on the out-of-fold probabilities (``thresholds.ShrunkThresholds``), and a
theme the model does not decide better than the default classifier stays at
the default. The same out-of-fold probabilities give the reported CV scores.
Evidence is the zero-shot scorer's strongest passages.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from practice_themes.classify.aggregate import DEFAULT_THRESHOLD, Aggregator
from practice_themes.classify.cv_report import ThemeDecider, cv_report
from practice_themes.classify.sections import is_substantive, passage_weight
from practice_themes.classify.stacking import FEATURE_NAMES, document_features
from practice_themes.classify.thresholds import (DEFAULT_STRENGTH, THRESHOLD_GRID, ShrunkThresholds,
                                                  best_threshold, f1_score)
from practice_themes.classify.training import LabelledPassages
from practice_themes.classify.zeroshot import PassageAnalysis, ZeroShotClassifier
from practice_themes.codebook import Codebook
from practice_themes.embed import MODEL_NAME, Embedder
from practice_themes.errors import TrainingDataError
from practice_themes.types import Passage, ThemeTag

# Candidate regularisation strengths, chosen by grouped CV when ``C`` is not fixed: on 18 coded
# reviews C barely mattered; on 28 the weaker settings won, so the choice is left to the data.
C_GRID = (0.1, 0.3, 1.0, 3.0)
# The pipeline's arrays, in the order ``weights_digest`` hashes them and ``weights.npz`` stores them.
PIPELINE_ARRAYS = ("scaler_mean", "scaler_scale", "coef", "intercept")


def stacked_pipeline(C: float):
    """The unfitted model: standardise the document features, then one logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000))


def pipeline_arrays(pipeline) -> dict[str, np.ndarray]:
    """The fitted pipeline's arrays by ``PIPELINE_ARRAYS`` name."""
    scaler, lr = pipeline[0], pipeline[-1]
    return {"scaler_mean": scaler.mean_, "scaler_scale": scaler.scale_, "coef": lr.coef_, "intercept": lr.intercept_}


def _best_f1(truth: np.ndarray, probability: np.ndarray) -> float:
    """F1 at the F1-best threshold: ranks candidate models before their threshold is tuned."""
    cut = best_threshold(truth, probability)
    return 0.0 if cut is None else f1_score(np.asarray(truth, dtype=bool), np.asarray(probability) >= cut)


def _best_f1_scorer():
    from sklearn.metrics import make_scorer

    return make_scorer(_best_f1, response_method="predict_proba")


def analysis_features(analysis: PassageAnalysis, passages: list[Passage], zeroshot: ZeroShotClassifier) -> np.ndarray:
    """``stacking.document_features`` of one document analysed by ``zeroshot``, from its pooled scores."""
    paragraphs = np.array([p.paragraph for p in passages])
    return document_features(analysis.scores, paragraphs, analysis.kept, analysis.weights, analysis.semantic,
                             analysis.lexical.cues, analysis.lexical.negated_cues, zeroshot.is_context_,
                             pooled=zeroshot.aggregator_.pool(analysis.scores, paragraphs))


class StackedTagging:
    """``tag`` and ``tag_documents`` for a classifier whose document probabilities come from
    ``document_scores``, thresholded by ``theme_thresholds`` through ``aggregator_``."""

    def tag(self, passages: list[Passage]) -> list[ThemeTag]:
        scores, probabilities = self.document_scores(passages)
        return self.aggregator_.tags(passages, scores, self.codebook, self.theme_thresholds,
                                     probabilities=probabilities)

    def tag_documents(self, documents: list[list[Passage]]) -> list[list[ThemeTag]]:
        """``tag`` for many short documents: their sentences are encoded in one batch first."""
        return tag_each(self, documents)

    @property
    def embedder_(self):
        """The embedder of the zero-shot scorer underneath."""
        return self.zeroshot_.embedder_


class TrainedClassifier(StackedTagging):
    """A stacked logistic regression over theme-agnostic document evidence, trained from coded documents.

    The regression is scikit-learn's ``StandardScaler`` + ``LogisticRegression`` pipeline; C is chosen
    by ``GridSearchCV`` and the global threshold by ``TunedThresholdClassifierCV``, both over the same
    document-grouped folds (``GroupKFold``: no review on both sides of a split).

    Parameters
    ----------
    codebook : the codebook the model is trained for.
    C : inverse regularisation strength of the logistic regression; None (default) chooses it from
        ``Cs`` by the grouped CV, by the mean fold F1 at each fold's best threshold. Fitted: ``C_``.
    Cs : the candidates for ``C``.
    min_docs : a theme counts as trained (``trained_themes_``) with this many coded training documents.
        A theme with fewer, or whose out-of-fold F1 is below the default classifier's on the same
        documents, stays at the default (``default_themes_``, with the reason in ``default_reasons_``):
        training must never lose to the default on a theme it could not learn.
    n_splits : folds for the grouped (by document) CV.
    strength : shrinkage of the per-theme thresholds towards the model's one global threshold, in
        coded positive documents (``thresholds.ShrunkThresholds``).
    top_k, margin, n_evidence : the zero-shot pooling depth, the "possible" band and evidence count.
    embedder : the sentence embedder of the zero-shot scorer underneath (None: the shared default).
    default_thresholds : the default classifier's thresholds, for the themes that stay at the default;
        None: the shipped ones.
    calibrated : the default classifier underneath uses the shipped per-theme calibrations (and so the
        shipped thresholds' scale); False: the global one, for ``default_thresholds`` fitted on that scale
        (``ZeroShotClassifier(calibrated=False)``), as the benchmarks fit them without the shipped file.
    name : the model's name, recorded in ``describe()``.

    Fitted: ``pipeline_`` (the scaler + regression), ``C_``, ``global_threshold_``, ``thresholds_``,
    ``threshold_fit_``, ``trained_themes_``, ``default_themes_``, ``default_reasons_``, ``cv_scores_``,
    ``n_documents_``, ``n_positive_passages_``, ``zeroshot_``.
    """

    kind = "trained"

    def __init__(self, codebook: Codebook, *, C: float | None = None, Cs: tuple[float, ...] = C_GRID,
                 min_docs: int = 3, n_splits: int = 4, strength: float = DEFAULT_STRENGTH,
                 top_k: int = 3, margin: float = 0.15, n_evidence: int = 3, embedder: Embedder | None = None,
                 default_thresholds: dict[str, float] | None = None, calibrated: bool = True,
                 name: str = "trained") -> None:
        self.codebook = codebook
        self.C = C
        self.Cs = tuple(Cs)
        self.min_docs = min_docs
        self.n_splits = n_splits
        self.strength = strength
        self.top_k = top_k
        self.margin = margin
        self.n_evidence = n_evidence
        self.embedder = embedder
        self.name = name
        self.default_thresholds = dict(default_thresholds) if default_thresholds else None
        self.calibrated = calibrated
        self.threshold_overrides: dict[str, float] = {}

    def settings(self) -> dict:
        return {"C": self.C, "Cs": list(self.Cs), "min_docs": self.min_docs, "n_splits": self.n_splits, "strength": self.strength,
                "top_k": self.top_k, "margin": self.margin, "n_evidence": self.n_evidence, "model": "stacked-document-lr",
                "features": list(FEATURE_NAMES)}

    @classmethod
    def from_fitted(cls, codebook: Codebook, *, pipeline, chosen_C: float, global_threshold: float,
                    thresholds: dict[str, float], trained_themes: list[str], default_reasons: dict[str, str],
                    cv_scores: dict, n_documents: int, n_positive_passages: dict[str, int],
                    embedder: Embedder | None = None, name: str = "trained", **settings) -> "TrainedClassifier":
        """A ready model from saved fitted state (``persistence.load_model``), without training."""
        model = cls(codebook, embedder=embedder, name=name, **settings)
        model.zeroshot_ = model._zeroshot()
        model.pipeline_ = pipeline
        model.C_ = chosen_C
        model.global_threshold_ = global_threshold
        model.thresholds_ = dict(thresholds)
        model.trained_themes_ = list(trained_themes)
        model.default_reasons_ = dict(default_reasons)
        model.default_themes_ = [t for t in codebook.ids if t in model.default_reasons_]
        model.cv_scores_ = cv_scores
        model.n_documents_ = n_documents
        model.n_positive_passages_ = dict(n_positive_passages)
        return model._ready()

    # -- training ------------------------------------------------------------------------
    def _zeroshot(self) -> ZeroShotClassifier:
        return ZeroShotClassifier(self.codebook, top_k=self.top_k, margin=self.margin, n_evidence=self.n_evidence,
                                  thresholds=self.default_thresholds, calibrated=self.calibrated,
                                  embedder=self.embedder).fit()

    def _features(self, passages: list[Passage]) -> tuple[PassageAnalysis, np.ndarray]:
        """(the zero-shot analysis, [n_themes, n_features] document features)."""
        analysis = self.zeroshot_.analyse(passages)
        return analysis, analysis_features(analysis, passages, self.zeroshot_)

    def fit(self, docs: list[LabelledPassages]) -> "TrainedClassifier":
        """Train on labelled documents: grouped CV for C and the thresholds, CV scores, then the final model."""
        from sklearn.model_selection import GridSearchCV, GroupKFold, TunedThresholdClassifierCV, cross_val_predict

        if len(docs) < 2:
            raise TrainingDataError(f"training needs at least 2 coded documents, got {len(docs)}")
        ids = self.codebook.ids
        self.zeroshot_ = self._zeroshot()
        # One zero-shot analysis per document gives both the stacked features and the default's probabilities.
        analysed = [self._features(d.passages) for d in docs]
        features = np.stack([f for _, f in analysed])  # [docs, themes, F]
        default_probability = np.stack([self._default_probability(d.passages, analysis)
                                        for d, (analysis, _) in zip(docs, analysed)])
        truth = np.vstack([d.doc_labels for d in docs]).astype(bool)
        n_docs, n_themes, n_features = features.shape
        X, y = features.reshape(-1, n_features), truth.reshape(-1).astype(int)
        if y.min() == y.max():
            raise TrainingDataError(f"training needs a theme coded present somewhere and absent somewhere; in these "
                             f"{n_docs} documents every theme is {'present' if y.max() else 'absent'}")
        self.trained_themes_ = [t for j, t in enumerate(ids) if truth[:, j].sum() >= self.min_docs]
        # Every row of a document shares its group, so one review never sits on both sides of a split;
        # the same folds serve the C search, the threshold tuning and the out-of-fold report.
        groups = np.repeat(np.arange(n_docs), n_themes)
        folds = list(GroupKFold(n_splits=min(self.n_splits, n_docs)).split(X, y, groups=groups))
        Cs = [self.C] if self.C is not None else list(self.Cs)
        # refit=False: the final model is the threshold tuner's refit below. A tie keeps the earlier,
        # more strongly regularised candidate (GridSearchCV's best_index_ is the first of the best).
        search = GridSearchCV(stacked_pipeline(Cs[0]), {"logisticregression__C": Cs}, scoring=_best_f1_scorer(),
                              cv=folds, refit=False).fit(X, y)
        self.C_ = float(Cs[search.best_index_])
        tuned = TunedThresholdClassifierCV(stacked_pipeline(self.C_), scoring="f1", cv=folds,
                                           thresholds=THRESHOLD_GRID, refit=True).fit(X, y)
        self.pipeline_ = tuned.estimator_
        # One global cut is the prior; a theme with enough coded positives moves towards its own.
        self.global_threshold_ = float(tuned.best_threshold_)
        oof = cross_val_predict(stacked_pipeline(self.C_), X, y, cv=folds,
                                method="predict_proba")[:, 1].reshape(n_docs, n_themes)
        self.threshold_fit_ = ShrunkThresholds(strength=self.strength).fit(oof, truth, ids, self.global_threshold_)
        self.thresholds_ = dict(self.threshold_fit_.thresholds_)
        self._choose_default_themes(truth, oof, default_probability)
        self.trained_themes_ = [t for t in self.trained_themes_ if t not in self.default_themes_]
        self.cv_scores_ = self._cv_report(truth, self._decide(oof, default_probability))
        self.cv_scores_["C"] = self.C_
        self.cv_scores_["C_candidates"] = {str(c): round(float(f), 4)
                                           for c, f in zip(Cs, search.cv_results_["mean_test_score"])}
        self.cv_scores_["global_threshold"] = self.global_threshold_
        self.n_documents_ = n_docs
        self.n_positive_passages_ = {t: int(sum(d.labels[:, ids.index(t)].sum() for d in docs))
                                     for t in self.trained_themes_}
        return self._ready()

    def _default_probability(self, passages: list[Passage], analysis: PassageAnalysis) -> np.ndarray:
        """The default (zero-shot) classifier's document probabilities, from its ``analysis`` of ``passages``."""
        return self.zeroshot_.document_probabilities(passages, analysis.scores)

    def _default_thresholds(self) -> dict[str, float]:
        return self.zeroshot_.theme_thresholds

    def _choose_default_themes(self, truth: np.ndarray, oof: np.ndarray, default_probability: np.ndarray) -> None:
        """Themes that stay at the default classifier, and why."""
        default_cut = self._default_thresholds()
        self.default_reasons_ = {}
        for j, t in enumerate(self.codebook.ids):
            n_positive = int(truth[:, j].sum())
            if n_positive < self.min_docs:
                self.default_reasons_[t] = f"{n_positive} coded positive document(s), fewer than {self.min_docs}"
                continue
            trained_f1 = f1_score(truth[:, j], oof[:, j] >= self.thresholds_[t])
            default_f1 = f1_score(truth[:, j], default_probability[:, j] >= default_cut[t])
            if trained_f1 < default_f1:
                self.default_reasons_[t] = (f"out-of-fold F1 {trained_f1:.2f} below the default's "
                                            f"{default_f1:.2f} on the same documents")
        self.default_themes_ = [t for t in self.codebook.ids if t in self.default_reasons_]

    def _decide(self, probability: np.ndarray, default_probability: np.ndarray) -> np.ndarray:
        """[documents, themes] decisions: each theme by the trained model or, for default themes, the default."""
        ids = self.codebook.ids
        default_cut = self._default_thresholds()
        decided = np.zeros(probability.shape, dtype=bool)
        for j, t in enumerate(ids):
            if t in self.default_themes_:
                decided[:, j] = default_probability[:, j] >= default_cut[t]
            else:
                decided[:, j] = probability[:, j] >= self.thresholds_[t]
        return decided

    def _cv_report(self, truth: np.ndarray, decided: np.ndarray) -> dict:
        """``cv_report.cv_report`` of the out-of-fold decisions, each theme by the trained model or the default."""
        default_cut = self._default_thresholds()
        deciders = {t: ThemeDecider("default", default_cut[t], self.default_reasons_[t]) if t in self.default_themes_
                    else ThemeDecider("trained", self.thresholds_[t]) for t in self.codebook.ids}
        return cv_report(self.codebook.ids, truth, decided, deciders,
                         note="out-of-fold documents, GroupKFold by document; C and the thresholds are tuned on the "
                              "same folds, so these are slightly optimistic.")

    # -- inference -----------------------------------------------------------------------
    def _ready(self) -> "TrainedClassifier":
        self.aggregator_ = Aggregator(top_k=self.top_k, margin=self.margin, n_evidence=self.n_evidence,
                                      rule="mean", distinct_paragraphs=True)
        return self

    def document_scores(self, passages: list[Passage]) -> tuple[np.ndarray, np.ndarray]:
        """(zero-shot evidence scores [n_passages, n_themes], document probabilities [n_themes]).

        A default theme's probability is the default classifier's, judged by its threshold.
        """
        analysis, features = self._features(passages)
        probabilities = self.pipeline_.predict_proba(features)[:, 1]
        defaults = [j for j, t in enumerate(self.codebook.ids) if t in getattr(self, "default_themes_", ())]
        if defaults:
            probabilities[defaults] = self._default_probability(passages, analysis)[defaults]
        return analysis.evidence, np.round(probabilities, 6)

    @property
    def theme_thresholds(self) -> dict[str, float]:
        default_cut = self._default_thresholds()
        out = {t: default_cut[t] if t in getattr(self, "default_themes_", ()) else self.thresholds_.get(t, DEFAULT_THRESHOLD)
               for t in self.codebook.ids}
        out.update(self.threshold_overrides)
        return out

    # -- identity ------------------------------------------------------------------------
    def weights_digest(self) -> str:
        digest = hashlib.sha256()
        for array in pipeline_arrays(self.pipeline_).values():
            digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        return digest.hexdigest()

    @property
    def fingerprint(self) -> str:
        payload = {"kind": self.kind, "codebook": self.codebook.sha256, "model": MODEL_NAME,
                   "weights": self.weights_digest(), "zero_shot": self.zeroshot_.fingerprint,
                   "settings": self.settings(), "thresholds": self.theme_thresholds}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def describe(self) -> dict:
        return {"kind": self.kind, "model": self.name, "embedding_model": MODEL_NAME,
                "codebook_name": self.codebook.name, "codebook_version": self.codebook.version,
                "codebook_sha256": self.codebook.sha256, "thresholds": self.theme_thresholds,
                "trained_themes": list(self.trained_themes_),
                "default_themes": list(getattr(self, "default_themes_", [])), "settings": self.settings()}


def tag_each(classifier, documents: list[list[Passage]]) -> list[list[ThemeTag]]:
    """Encode every document's scorable sentences in one batch, then ``classifier.tag`` each document."""
    texts = [p.text for doc in documents for p in doc if passage_weight(p) > 0 and is_substantive(p.text)]
    embedder = classifier.embedder_
    with embedder.memoised():
        embedder.encode(texts)
        return [classifier.tag(doc) for doc in documents]
