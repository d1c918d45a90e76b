"""A theme classifier trained from human coding.

Passage features are the sentence embedding, the zero-shot semantic score
of every theme, the theme cue flags and the four polarity flags
(``lexical.LexicalAnalysis.features``). One logistic regression per theme
(one-vs-rest, ``class_weight="balanced"``, written out so that each theme
can carry its own sample weights for unlabelled passages) gives passage
probabilities. Documents use the zero-shot scorer's pooling rule (mean of
the top 3 paragraphs, ``aggregate.py``) followed by one Platt calibration fitted on out-of-fold document scores,
and per-theme thresholds chosen on those same out-of-fold scores. Folds are
grouped by document: no review has passages on both sides of a split.

A theme with too few coded documents or quotes is not trained and keeps
its zero-shot scores.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from pipeline.classify.aggregate import DEFAULT_THRESHOLD, Aggregator, logit, platt, tag_documents
from pipeline.classify.training import LabelledPassages
from pipeline.classify.zeroshot import PassageAnalysis, ZeroShotClassifier
from pipeline.codebook import Codebook
from pipeline.embed import MODEL_NAME
from pipeline.types import Passage, ThemeTag

THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.05), 2)


def passage_features(analysis: PassageAnalysis) -> np.ndarray:
    """[n_kept, d] features of the kept passages: embedding, semantic z, zero-shot probability, cue and polarity flags."""
    zero_shot = analysis.scores[analysis.kept]
    return np.hstack([analysis.vectors, analysis.semantic, zero_shot, analysis.lexical.features()]).astype(np.float64)


def _f1(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(truth & predicted))
    precision = tp / max(float(np.sum(predicted)), 1.0)
    recall = tp / max(float(np.sum(truth)), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_threshold(truth: np.ndarray, probability: np.ndarray, default: float = DEFAULT_THRESHOLD) -> float:
    """The threshold with the best F1; the middle of the best plateau, so it is not on an edge."""
    if truth.sum() == 0 or truth.sum() == len(truth):
        return default
    scores = np.array([_f1(truth.astype(bool), probability >= t)[2] for t in THRESHOLD_GRID])
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(THRESHOLD_GRID[best[len(best) // 2]])


class TrainedClassifier:
    """One-vs-rest logistic regression on passage features, trained from coded documents.

    Parameters
    ----------
    codebook : the codebook the model is trained for.
    C : inverse regularisation strength of each logistic regression.
    min_docs, min_quotes : a theme needs this many coded documents and matched
        quotes to be trained; otherwise it stays zero-shot.
    n_splits : folds for the grouped (by document) threshold/calibration CV.
    unlabelled_weight : sample weight of non-quoted passages in documents coded with the theme.
    pseudo_positives : for a theme coded in a document with no matched quote, this many of its
        top zero-shot passages are taken as positives (0: off).
    """

    kind = "trained"

    def __init__(self, codebook: Codebook, *, C: float = 0.5, min_docs: int = 2, min_quotes: int = 3,
                 n_splits: int = 4, unlabelled_weight: float = 0.1, top_k: int = 3, margin: float = 0.15,
                 rule: str = "mean", distinct_paragraphs: bool = True,
                 n_evidence: int = 3, pseudo_positives: int = 2, precision: str | None = None,
                 name: str = "trained") -> None:
        self.codebook = codebook
        self.C = C
        self.min_docs = min_docs
        self.min_quotes = min_quotes
        self.n_splits = n_splits
        self.unlabelled_weight = unlabelled_weight
        self.top_k = top_k
        self.rule = rule
        self.distinct_paragraphs = distinct_paragraphs
        self.margin = margin
        self.n_evidence = n_evidence
        self.pseudo_positives = pseudo_positives
        self.precision = precision
        self.name = name
        self.threshold_overrides: dict[str, float] = {}

    def settings(self) -> dict:
        return {k: getattr(self, k) for k in ("C", "min_docs", "min_quotes", "n_splits",
                                               "unlabelled_weight", "top_k", "margin", "n_evidence",
                                               "pseudo_positives", "rule", "distinct_paragraphs")}

    # -- training ------------------------------------------------------------------------
    def _zeroshot(self) -> ZeroShotClassifier:
        return ZeroShotClassifier(self.codebook, top_k=self.top_k, margin=self.margin,
                                  n_evidence=self.n_evidence, precision=self.precision).fit()

    def _design(self, docs: list[LabelledPassages]):
        """Stack kept-passage features, labels, weights and document groups over documents."""
        xs, ys, ws, groups, analyses = [], [], [], [], []
        for g, doc in enumerate(docs):
            analysis = self.zeroshot_.analyse(doc.passages)
            analyses.append(analysis)
            xs.append(passage_features(analysis))
            labels, weights = doc.labels[analysis.kept].copy(), doc.weights[analysis.kept].copy()
            self._pseudo_label(doc.doc_labels, analysis.scores[analysis.kept], labels, weights)
            ys.append(labels)
            ws.append(weights)
            groups.append(np.full(len(analysis.kept), g))
        return np.vstack(xs), np.vstack(ys), np.vstack(ws), np.concatenate(groups), analyses

    def _pseudo_label(self, doc_labels: np.ndarray, zero_shot: np.ndarray, labels: np.ndarray,
                      weights: np.ndarray) -> None:
        """A theme coded for a document but with no quote found: its top zero-shot passages become positives.

        Coders often code a document without quoting it (or quote text that
        cleaning changed); without this the theme's document would only add
        down-weighted negatives.
        """
        if not self.pseudo_positives or not len(labels):
            return
        for j in np.flatnonzero(doc_labels):
            if labels[:, j].any():
                continue
            order = np.lexsort((np.arange(len(labels)), -zero_shot[:, j]))[: self.pseudo_positives]
            labels[order, j] = 1
            weights[order, j] = 1.0

    def _fit_heads(self, X: np.ndarray, Y: np.ndarray, W: np.ndarray, columns: list[int]):
        from sklearn.linear_model import LogisticRegression

        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale < 1e-8] = 1.0
        Z = (X - mean) / scale
        coef = np.zeros((len(columns), X.shape[1]))
        intercept = np.zeros(len(columns))
        for r, j in enumerate(columns):
            if Y[:, j].min() == Y[:, j].max():
                intercept[r] = -10.0 if Y[:, j].max() == 0 else 10.0
                continue
            head = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
            head.fit(Z, Y[:, j], sample_weight=W[:, j])
            coef[r], intercept[r] = head.coef_[0], head.intercept_[0]
        return mean, scale, coef, intercept

    @staticmethod
    def _head_probs(X, mean, scale, coef, intercept) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(((X - mean) / scale) @ coef.T + intercept)))

    def fit(self, docs: list[LabelledPassages]) -> "TrainedClassifier":
        """Train on labelled documents: heads, grouped-CV calibration and thresholds."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        if len(docs) < 2:
            raise ValueError(f"training needs at least 2 coded documents, got {len(docs)}")
        ids = self.codebook.ids
        self.zeroshot_ = self._zeroshot()
        X, Y, W, groups, analyses = self._design(docs)
        doc_labels = np.vstack([d.doc_labels for d in docs]).astype(bool)
        self.trained_themes_ = [t for j, t in enumerate(ids)
                                if doc_labels[:, j].sum() >= self.min_docs and Y[:, j].sum() >= self.min_quotes]
        columns = [ids.index(t) for t in self.trained_themes_]
        aggregator = Aggregator(top_k=self.top_k, rule=self.rule, distinct_paragraphs=self.distinct_paragraphs)

        # Out-of-fold document scores, grouped by document.
        oof = np.zeros((len(docs), len(columns)))
        n_splits = min(self.n_splits, len(docs))
        for train_docs, test_docs in GroupKFold(n_splits=n_splits).split(np.arange(len(docs)), groups=np.arange(len(docs))):
            rows = np.isin(groups, train_docs)
            heads = self._fit_heads(X[rows], Y[rows], W[rows], columns)
            for d in test_docs:
                scores = self._doc_scores(analyses[d], heads)
                oof[d] = aggregator.pool(scores, [p.paragraph for p in docs[d].passages])
        truth = doc_labels[:, columns]
        platt_model = LogisticRegression(C=1.0).fit(logit(oof).reshape(-1, 1), truth.reshape(-1).astype(int)) \
            if 0 < truth.sum() < truth.size else None
        self.calibration_ = (float(platt_model.coef_[0, 0]), float(platt_model.intercept_[0])) if platt_model else (1.0, 0.0)
        calibrated = platt(oof, *self.calibration_)
        self.thresholds_ = {t: best_threshold(truth[:, r], calibrated[:, r]) for r, t in enumerate(self.trained_themes_)}
        self.cv_scores_ = self._cv_report(truth, calibrated)
        self.scaler_mean_, self.scaler_scale_, self.coef_, self.intercept_ = self._fit_heads(X, Y, W, columns)
        self.n_documents_ = len(docs)
        self.n_positive_passages_ = {t: int(Y[:, ids.index(t)].sum()) for t in self.trained_themes_}
        return self._ready()

    def _cv_report(self, truth: np.ndarray, calibrated: np.ndarray) -> dict:
        report = {"note": "out-of-fold documents, GroupKFold by document; thresholds tuned on the same "
                          "folds, so these are optimistic", "themes": {}}
        tp = fp = fn = 0
        for r, t in enumerate(self.trained_themes_):
            predicted = calibrated[:, r] >= self.thresholds_[t]
            p, rc, f = _f1(truth[:, r], predicted)
            report["themes"][t] = {"precision": round(p, 4), "recall": round(rc, 4), "f1": round(f, 4),
                                   "threshold": self.thresholds_[t]}
            tp += int(np.sum(truth[:, r] & predicted))
            fp += int(np.sum(~truth[:, r] & predicted))
            fn += int(np.sum(truth[:, r] & ~predicted))
        f1s = [v["f1"] for v in report["themes"].values()]
        report["macro_f1"] = round(float(np.mean(f1s)), 4) if f1s else 0.0
        report["micro_f1"] = round(2 * tp / max(2 * tp + fp + fn, 1), 4)
        return report

    # -- inference -----------------------------------------------------------------------
    def _ready(self) -> "TrainedClassifier":
        self.aggregator_ = Aggregator(top_k=self.top_k, margin=self.margin, n_evidence=self.n_evidence,
                                      rule=self.rule, distinct_paragraphs=self.distinct_paragraphs)
        self._columns = [self.codebook.ids.index(t) for t in self.trained_themes_]
        return self

    def _doc_scores(self, analysis: PassageAnalysis, heads) -> np.ndarray:
        """Passage probabilities of the trained columns for one analysed document."""
        scores = np.zeros((len(analysis.scores), len(heads[3])))
        if len(analysis.kept):
            probs = self._head_probs(passage_features(analysis), *heads)
            scores[analysis.kept] = probs * analysis.weights[analysis.kept, None]
        return scores

    def scores_and_calibration(self, passages: list[Passage]) -> tuple[np.ndarray, np.ndarray]:
        analysis = self.zeroshot_.analyse(passages)
        scores = analysis.scores.copy()  # zero-shot for untrained themes
        heads = (self.scaler_mean_, self.scaler_scale_, self.coef_, self.intercept_)
        scores[:, self._columns] = self._doc_scores(analysis, heads)
        # Untrained themes keep the zero-shot scorer's own calibration (same pooling rule).
        calibration = self.zeroshot_.document_calibration()
        calibration = np.tile([1.0, 0.0], (len(self.codebook), 1)) if calibration is None else calibration
        calibration[self._columns] = self.calibration_
        return scores, calibration

    def score_passages(self, passages: list[Passage]) -> np.ndarray:
        """[n_passages, n_themes] passage probabilities (before document calibration)."""
        return self.scores_and_calibration(passages)[0]

    @property
    def theme_thresholds(self) -> dict[str, float]:
        out = {t: self.thresholds_.get(t, self.zeroshot_.theme_thresholds[t]) for t in self.codebook.ids}
        out.update(self.threshold_overrides)
        return out

    def tag(self, passages: list[Passage]) -> list[ThemeTag]:
        scores, calibration = self.scores_and_calibration(passages)
        return self.aggregator_.tags(passages, scores, self.codebook, self.theme_thresholds, calibration)

    def tag_documents(self, documents: list[list[Passage]]) -> list[list[ThemeTag]]:
        """``tag`` for many short documents at once, encoded in one batch."""
        return tag_documents(self, documents)

    # -- identity ------------------------------------------------------------------------
    def weights_digest(self) -> str:
        digest = hashlib.sha256()
        for array in (self.scaler_mean_, self.scaler_scale_, self.coef_, self.intercept_):
            digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        return digest.hexdigest()

    @property
    def fingerprint(self) -> str:
        payload = {"kind": self.kind, "codebook": self.codebook.sha256, "model": MODEL_NAME,
                   "weights": self.weights_digest(), "calibration": self.calibration_,
                   "settings": self.settings(), "thresholds": self.theme_thresholds}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def describe(self) -> dict:
        return {"kind": self.kind, "model": self.name, "embedding_model": MODEL_NAME,
                "codebook_name": self.codebook.name, "codebook_version": self.codebook.version,
                "codebook_sha256": self.codebook.sha256, "thresholds": self.theme_thresholds,
                "trained_themes": list(self.trained_themes_), "settings": self.settings()}


def make_fit_predict(texts, theme_ids: list[str], *, gold=None, seed: int = 0, **settings):
    """The learning-curve hook: ``fit_predict(train_ids, test_ids) -> DataFrame`` of 0/1 predictions.

    ``texts`` maps doc_id to the document's text; ``gold`` is the doc x theme
    0/1 frame of human coding (NaN = not coded). Document-level coding has no
    quotes, so each coded theme's passages are found by the zero-shot scorer
    (``pseudo_positives``). Themes outside the codebook predict 0. ``seed`` is
    accepted for the harness; training is deterministic.
    """
    import pandas as pd

    from pipeline.classify.text import passages_from_text
    from pipeline.classify.training import Coding, label_passages
    from pipeline.codebook import load_codebook

    if gold is None:
        raise TypeError("make_fit_predict needs gold=<doc x theme 0/1 DataFrame> to train from")
    codebook = settings.pop("codebook", None) or load_codebook()
    ids = codebook.ids
    doc_themes = {str(d): {t for t in gold.columns if t in ids and row.get(t) == 1}
                  for d, row in gold.iterrows()}
    coding = Coding(quotes={}, doc_themes=doc_themes)
    passages: dict[str, list[Passage]] = {}

    def labelled(doc_id: str):
        if doc_id not in texts:
            raise KeyError(f"no text for document {doc_id!r}")
        if doc_id not in passages:
            passages[doc_id] = passages_from_text(texts[doc_id], doc_id=doc_id)
        return label_passages(doc_id, passages[doc_id], coding, ids)

    def fit_predict(train_ids: list[str], test_ids: list[str]) -> "pd.DataFrame":
        model = TrainedClassifier(codebook, **settings).fit([labelled(d) for d in train_ids])
        rows = {d: {t.theme_id: int(t.present) for t in model.tag(labelled(d).passages)} for d in test_ids}
        return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(theme_ids), fill_value=0)

    return fit_predict
