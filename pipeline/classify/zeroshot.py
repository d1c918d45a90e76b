"""Zero-shot theme scoring from the codebook alone.

For each passage (sentence) and theme:

1. **Semantic similarity** ``s`` = (1 - w) x mean of the 3 best cosines to the
   theme's exemplars + w x cosine to "label: definition" (w = 0.25).
2. **Standardised** against ordinary review prose: ``z = (s - mu) / sigma``,
   where mu and sigma are the theme's similarity to neutral review
   sentences (``background.py``), so every theme is on one scale.
3. **Probability** ``p = sigmoid(slope x (z - midpoint) + cue_bonus x [cue named])``:
   a bare keyword only nudges the logit; a described situation with no
   keyword can still score high through ``z``. A cue stated plainly (not
   hedged, not praise) in a body section (findings, analysis, chronology,
   background) adds ``body_cue_bonus`` more: one global rule, chosen as the
   middle of the dev plateau (1.0-2.0 all gain about +0.03 macro-F1).
4. **Contrast**: when the passage is closer to one of the theme's
   ``negative_exemplars`` than to any positive one, p is damped.
5. **Polarity**: absence scopes ("no concerns about ...") are cut out and the
   remainder re-scored; good-practice sentences with no failure marker are
   damped for practice themes; hedged sentences are damped a little.
6. **Paragraph window**: a passage borrows ``window`` of the gap to its
   strongest neighbour in the same paragraph.
7. **Anchors**: for a theme whose codebook entry lists ``anchors`` (its
   topic's vocabulary), a passage in a paragraph that names none of them, nor
   any cue, keeps ``anchor_factor`` of its score. A parent's overdose or a
   baby's distress is near adolescent_risk in meaning, but a paragraph that
   never mentions a young person, an age of 11-17 or self-harm is not about
   it. Practice themes such as disguised compliance have no anchors: a
   described situation needs no keyword.
8. **Section weight** (``sections.py``): recommendations, terms of reference,
   introductions count less; contents, references and footnotes are skipped
   and never encoded.

   Before polarity, **theme competition**: each theme's probability is
   multiplied by ``exp(-(z_best - z_theme) / competition)``, so a sentence
   supports the themes it is *most* about, not every theme it is near
   (a sentence on a mother's depression no longer lifts adolescent_risk).

Documents: the mean of the top 3 paragraphs' best passage scores (one
passage per paragraph, so a theme needs corroboration from three places;
one passing mention counts a third; a text of three paragraphs or fewer pools
its 3 best sentences; a theme whose codebook entry says ``pool: best``, such
as disability, takes its best passage alone, because a child's diagnosis is
stated once and not repeated), then a Platt calibration to a probability:
with ``calibrated`` (the default) each theme's own, shipped with its
threshold in ``models/zero-shot-thresholds.json`` (``calibration.py``);
otherwise one global map (``ZERO_SHOT_CALIBRATION``), ``present`` at
``ZERO_SHOT_THRESHOLD``. See ``aggregate.py``.

Evidence: a tag's quotes are ranked by each sentence's own score (steps 1-5,
7 and 8, without competition and the paragraph window): the sentence a coder
would quote states the theme itself, whatever else it is about and whoever
its neighbours are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from practice_themes.classify.aggregate import Aggregator, sigmoid, tag_documents
from practice_themes.classify.background import NEUTRAL_SENTENCES
from practice_themes.classify.lexical import LexicalAnalysis, LexicalMatcher
from practice_themes.classify.sections import is_substantive, passage_weight
from practice_themes.classify.subject import ADULT_SUBJECT_FACTOR, is_adult_subject
from practice_themes.classify.stacking import BODY_WEIGHT
from practice_themes.codebook import DEFAULT_CODEBOOK, Codebook
from practice_themes.embed import MODEL_NAME, Embedder, cache_dir, default_embedder
from practice_themes.types import Passage, ThemeTag

CONTEXT_KIND = "context"
# The global document calibration, P = sigmoid(a * logit(pooled) + b): a logistic fit of coded-or-not on
# the pooled score over every (bundled dev review, theme) pair. Used alone with ``calibrated=False`` and
# by a theme the shipped file does not list; the per-theme thresholds and calibrations are fitted on its
# scale. The global threshold is its F1-best cut on the bundled dev reviews (pooled 0.225).
ZERO_SHOT_CALIBRATION = (1.5, 1.0)
ZERO_SHOT_THRESHOLD = 0.3
# Per-theme thresholds, each shrunk towards ZERO_SHOT_THRESHOLD by its number of coded positives
# (``thresholds.py``), and per-theme calibrations (``calibration.py``), fitted on real coroners' reports
# and the bundled reviews together by ``benchmarks/fit_zero_shot_thresholds.py``. The thresholds are on
# the calibrated scale. A theme the file does not list keeps ZERO_SHOT_CALIBRATION and ZERO_SHOT_THRESHOLD.
SHIPPED_THRESHOLDS = DEFAULT_CODEBOOK.parent / "zero-shot-thresholds.json"
# Their shrinkage strength. Nested grouped CV on pfd_dev (``benchmarks/accuracy.py`` prints the scan
# and each outer fold's choice) picks 5 or 10 with codebook 1.4.0, and 5 scores best (0 and 10 below).
# With codebook 1.3.x it picked 0 or 5 and 0 scored higher, but 0 sets rare themes' cuts from a few of
# the bundled reviews (domestic abuse 0.64) and then misses one of the Panel's 11 theme paragraphs
# (seed check). Shrinkage pays where a cut rests on a handful of coded documents.
ZERO_SHOT_STRENGTH = 5.0


def shipped_thresholds(path: Path = SHIPPED_THRESHOLDS) -> dict[str, float]:
    """theme id -> the shipped per-theme threshold; empty when the file is absent."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in data["thresholds"].items()}


def shipped_calibration(path: Path = SHIPPED_THRESHOLDS) -> dict[str, tuple[float, float]]:
    """theme id -> the shipped Platt (a, b) on the logit of the pooled score; empty when absent."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): (float(a), float(b)) for k, (a, b) in data.get("calibration", {}).items()}


@dataclass
class PassageAnalysis:
    """Everything zero-shot scoring computed for a list of passages.

    Rows of ``vectors``, ``lexical`` and ``semantic`` refer to ``kept`` (the
    substantive passages with a non-zero weight); ``scores`` (what the document's
    decision pools) and ``evidence`` (what ranks its quotes: each sentence's own
    score, before theme competition and neighbour borrowing) cover every passage,
    zero for the skipped ones.
    """

    kept: np.ndarray
    weights: np.ndarray
    vectors: np.ndarray
    lexical: LexicalAnalysis
    semantic: np.ndarray
    scores: np.ndarray
    evidence: np.ndarray


def codebook_cache_file(codebook: Codebook):
    """The ``.npz`` holding this codebook's exemplar vectors, or None when caching is off."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"codebook-{codebook.sha256[:16]}-{MODEL_NAME}.npz"


class ZeroShotClassifier:
    """Score passages against the codebook's exemplars, definitions and cues; no training data.

    Parameters are the scoring constants described in the module docstring.
    ``use_lexical``/``use_polarity``/``use_sections``/``window`` switch parts off
    (the "embeddings only" benchmark row turns them all off). ``embedder``
    turns sentences into vectors (``embed.Embedder``); None uses the shared
    ``embed.default_embedder()``. ``calibrated`` uses the shipped per-theme
    thresholds and calibrations (``models/zero-shot-thresholds.json``); without
    it every theme has the global ``calibration`` and ``threshold``, the scale
    on which those are fitted. Fitted: ``embedder_``, the one in use,
    ``shipped_thresholds_`` and ``theme_calibration_``.
    """

    kind = "zero-shot"

    def __init__(self, codebook: Codebook, *, n_best_exemplars: int = 3, definition_weight: float = 0.25,
                 midpoint: float = 3.0, slope: float = 1.6, cue_bonus: float = 0.8, body_cue_bonus: float = 1.5,
                 negative_damping: float = 5.0, absence_floor: float = 0.25,
                 good_practice_factor: float = 0.3, hedge_factor: float = 0.8, window: float = 0.2,
                 use_lexical: bool = True, use_polarity: bool = True, use_sections: bool = True,
                 threshold: float = ZERO_SHOT_THRESHOLD, thresholds: dict[str, float] | None = None,
                 top_k: int = 3, margin: float = 0.15, n_evidence: int = 3, competition: float = 1.0,
                 anchor_factor: float = 0.3, rule: str = "mean", distinct_paragraphs: bool = True,
                 floor: float = 0.0, calibration: tuple[float, float] | None = ZERO_SHOT_CALIBRATION,
                 adult_subject_factor: float = ADULT_SUBJECT_FACTOR, calibrated: bool = True,
                 embedder: Embedder | None = None) -> None:
        self.codebook = codebook
        self.n_best_exemplars = n_best_exemplars
        self.definition_weight = definition_weight
        self.midpoint = midpoint
        self.slope = slope
        self.cue_bonus = cue_bonus
        self.body_cue_bonus = body_cue_bonus
        self.negative_damping = negative_damping
        self.absence_floor = absence_floor
        self.good_practice_factor = good_practice_factor
        self.hedge_factor = hedge_factor
        self.window = window
        self.use_lexical = use_lexical
        self.use_polarity = use_polarity
        self.use_sections = use_sections
        self.threshold = threshold
        self.thresholds = dict(thresholds or {})
        self.calibrated = calibrated
        self.top_k = top_k
        self.margin = margin
        self.n_evidence = n_evidence
        self.competition = competition
        self.anchor_factor = anchor_factor
        self.adult_subject_factor = adult_subject_factor
        self.rule = rule
        self.distinct_paragraphs = distinct_paragraphs
        self.floor = floor
        self.calibration = tuple(calibration) if calibration is not None else None
        self.embedder = embedder

    # -- fitting -------------------------------------------------------------------------
    def fit(self) -> "ZeroShotClassifier":
        """Embed exemplars, definitions and negatives; measure each theme's neutral baseline."""
        themes = self.codebook.themes
        self.embedder_ = self.embedder if self.embedder is not None else default_embedder()
        encode = self.embedder_.encode
        # The codebook's ~600 sentences dominate a cold start; their vectors are cached on disk.
        with self.embedder_.memoised(codebook_cache_file(self.codebook)):
            self.exemplar_vectors_ = [encode(list(t.exemplars)) for t in themes]
            self.definition_vectors_ = encode([f"{t.label}: {t.definition}" for t in themes])
            self.negative_vectors_ = [encode(list(t.negative_exemplars)) for t in themes]
            neutral_vectors = encode(list(NEUTRAL_SENTENCES))
        self.is_context_ = np.array([t.kind == CONTEXT_KIND for t in themes])
        self.child_only_ = np.array([t.subject == "child" for t in themes])
        self.null_mean_ = np.zeros(len(themes))
        self.null_std_ = np.ones(len(themes))
        neutral = self._similarity(neutral_vectors)
        self.null_mean_ = neutral.mean(axis=0)
        self.null_std_ = np.maximum(neutral.std(axis=0), 0.02)
        self.matcher_ = LexicalMatcher(self.codebook)
        # An explicit global ``threshold`` or ``calibration`` replaces the shipped per-theme ones. The
        # shipped thresholds are on the shipped calibrations' scale, so the two come and go together.
        use_shipped = (self.calibrated and self.threshold == ZERO_SHOT_THRESHOLD
                       and self.calibration == ZERO_SHOT_CALIBRATION)
        self.shipped_thresholds_ = shipped_thresholds() if use_shipped else {}
        self.theme_calibration_ = shipped_calibration() if use_shipped else {}
        self.aggregator_ = Aggregator(top_k=self.top_k, margin=self.margin, n_evidence=self.n_evidence,
                                      rule=self.rule, distinct_paragraphs=self.distinct_paragraphs, floor=self.floor,
                                      best_only=tuple(j for j, t in enumerate(themes) if t.pool == "best"))
        return self

    @property
    def theme_thresholds(self) -> dict[str, float]:
        """An explicit ``thresholds`` entry, else the shipped per-theme one (``calibrated``), else ``threshold``."""
        shipped = getattr(self, "shipped_thresholds_", {})
        return {t: self.thresholds.get(t, shipped.get(t, self.threshold)) for t in self.codebook.ids}

    # -- semantic side -------------------------------------------------------------------
    def _similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Raw semantic similarity s [n, themes] (before standardising)."""
        out = np.zeros((len(vectors), len(self.codebook)), dtype=np.float64)
        if not len(vectors):
            return out
        definition = vectors @ self.definition_vectors_.T
        for j, exemplars in enumerate(self.exemplar_vectors_):
            cos = vectors @ exemplars.T
            k = min(self.n_best_exemplars, cos.shape[1])
            best = -np.sort(-cos, axis=1)[:, :k].mean(axis=1)
            out[:, j] = (1 - self.definition_weight) * best + self.definition_weight * definition[:, j]
        return out

    def semantic_z(self, vectors: np.ndarray) -> np.ndarray:
        """Similarity in units of the theme's spread over neutral review prose."""
        return (self._similarity(vectors) - self.null_mean_) / self.null_std_

    def _negative_damp(self, vectors: np.ndarray) -> np.ndarray:
        damp = np.ones((len(vectors), len(self.codebook)))
        for j, (pos, neg) in enumerate(zip(self.exemplar_vectors_, self.negative_vectors_)):
            if len(neg) and len(vectors):
                gap = (vectors @ neg.T).max(axis=1) - (vectors @ pos.T).max(axis=1)
                damp[:, j] = np.clip(1.0 - self.negative_damping * np.maximum(gap, 0.0), 0.3, 1.0)
        return damp

    # -- passages ------------------------------------------------------------------------
    def analyse(self, passages: list[Passage]) -> PassageAnalysis:
        """Score every passage; keep the intermediate features for the trained model."""
        n, m = len(passages), len(self.codebook)
        weights = np.array([passage_weight(p) if self.use_sections else 1.0 for p in passages])
        weights *= np.array([is_substantive(p.text) for p in passages], dtype=float) if n else 0.0
        kept = np.flatnonzero(weights > 0)
        texts = [passages[i].text for i in kept]
        lexical = self.matcher_.analyse(texts)
        residual_rows = [r for r, text in enumerate(lexical.residual) if text is not None] if self.use_polarity else []
        residual_texts = [lexical.residual[r] or "." for r in residual_rows]
        all_vectors = self.embedder_.encode(texts + residual_texts)
        vectors = all_vectors[: len(texts)]
        semantic = self.semantic_z(vectors)
        logits = self.slope * (semantic - self.midpoint)
        if self.use_lexical:
            named = lexical.cues > 0
            logits = logits + self.cue_bonus * named
            if self.body_cue_bonus and len(texts):
                # A cue stated outright in findings/analysis/chronology, not hedged and not praise,
                # is strong evidence; in recommendations or terms of reference it stays weak.
                plain = (weights[kept] >= BODY_WEIGHT) & ~lexical.hedge & ~(lexical.good_practice & ~lexical.failure)
                logits = logits + self.body_cue_bonus * (named & plain[:, None])
        own = sigmoid(logits) * self._negative_damp(vectors)
        paragraphs = [passages[i].paragraph for i in kept]
        rest = None
        if self.use_polarity and residual_rows:
            rest = sigmoid(self.slope * (self.semantic_z(all_vectors[len(texts):]) - self.midpoint))
        damp = np.ones_like(own)
        if self.use_lexical and self.anchor_factor < 1 and len(texts) and self.matcher_.has_anchors.any():
            damp *= self._anchor_damp(lexical.anchors, paragraphs)
        if self.use_lexical and self.adult_subject_factor < 1 and len(texts) and self.child_only_.any():
            damp *= self._adult_subject_damp(passages, kept)
        # Two readings of each passage. ``scores`` decide the document: a sentence supports the themes it
        # is most about (competition) and borrows from a strong neighbour in its paragraph (window).
        # ``evidence`` ranks the sentences quoted for a theme: a coder quotes the sentence that states the
        # theme itself, whatever else it is about and whoever its neighbours are.
        decided = own * self._competition(semantic) if self.competition > 0 and len(texts) else own
        decided = self._polarity(decided, lexical, residual_rows, rest) * damp
        if self.window > 0 and len(texts):
            decided = self._borrow_from_neighbours(decided, paragraphs)
        own = self._polarity(own, lexical, residual_rows, rest) * damp
        scores = np.zeros((n, m), dtype=np.float64)
        scores[kept] = decided * weights[kept, None]
        evidence = np.zeros((n, m), dtype=np.float64)
        evidence[kept] = own * weights[kept, None]
        return PassageAnalysis(kept, weights, vectors, lexical, semantic, scores, evidence)

    def _polarity(self, probs: np.ndarray, lexical: LexicalAnalysis, residual_rows: list[int],
                  rest: np.ndarray | None) -> np.ndarray:
        """Absence scopes re-scored without the negated part, praise and hedges damped (a copy)."""
        probs = probs.copy()
        if not self.use_polarity or not len(probs):
            return probs
        if residual_rows and rest is not None:
            rows = np.array(residual_rows)
            probs[rows] = np.maximum(np.minimum(probs[rows], rest), self.absence_floor * probs[rows])
        praise = lexical.good_practice & ~lexical.failure
        probs[np.ix_(praise, ~self.is_context_)] *= self.good_practice_factor
        probs[lexical.hedge] *= self.hedge_factor
        return probs

    def _competition(self, semantic: np.ndarray) -> np.ndarray:
        """exp(-(z_best - z_theme) / tau): a sentence supports a theme as far as it ranks among all themes.

        A sentence about exploitation is close to adolescent_risk too; without
        competition it would lift both. The best theme keeps its score; a
        theme ``tau`` standard units behind it keeps 1/e of it.
        """
        return np.exp(-(semantic.max(axis=1, keepdims=True) - semantic) / self.competition)

    def _anchor_damp(self, anchored: np.ndarray, paragraphs: list[int]) -> np.ndarray:
        """``anchor_factor`` where a theme has anchors and the passage's paragraph names none; else 1."""
        labels, inverse = np.unique(np.asarray(paragraphs), return_inverse=True)
        in_paragraph = np.zeros((len(labels), anchored.shape[1]), dtype=bool)
        np.logical_or.at(in_paragraph, inverse, anchored)
        unanchored = ~in_paragraph[inverse] & self.matcher_.has_anchors[None, :]
        return np.where(unanchored, self.anchor_factor, 1.0)

    def _adult_subject_damp(self, passages: list[Passage], kept: np.ndarray) -> np.ndarray:
        """``adult_subject_factor`` for child-only themes in the kept rows of documents about an adult.

        Grouped by ``doc_id``, because ``tag_documents`` scores many documents in one call.
        """
        texts_of: dict[str, list[str]] = {}
        for p in passages:
            texts_of.setdefault(p.doc_id, []).append(p.text)
        adult = {doc_id: is_adult_subject(texts) for doc_id, texts in texts_of.items()}
        rows = np.array([adult[passages[i].doc_id] for i in kept], dtype=bool)
        damp = np.ones((len(kept), len(self.codebook)))
        damp[np.ix_(rows, self.child_only_)] = self.adult_subject_factor
        return damp

    def _borrow_from_neighbours(self, probs: np.ndarray, paragraphs: list[int]) -> np.ndarray:
        out = probs.copy()
        for r in range(len(probs)):
            neighbours = [q for q in (r - 1, r + 1) if 0 <= q < len(probs) and paragraphs[q] == paragraphs[r]]
            if neighbours:
                best = probs[neighbours].max(axis=0)
                out[r] += self.window * np.maximum(best - probs[r], 0.0)
        return out

    def score_passages(self, passages: list[Passage]) -> np.ndarray:
        """[n_passages, n_themes] passage probabilities, as the document's decision pools them."""
        return self.analyse(passages).scores

    def evidence_scores(self, passages: list[Passage]) -> np.ndarray:
        """[n_passages, n_themes] each sentence's own probability, which ranks evidence (``PassageAnalysis``)."""
        return self.analyse(passages).evidence

    def document_calibration(self) -> np.ndarray | None:
        """[n_themes, 2] Platt (a, b) rows: each theme's shipped one (``calibrated``), else the global
        ``calibration``; None without a calibration."""
        if self.calibration is None:
            return None
        shipped = getattr(self, "theme_calibration_", {})
        return np.array([shipped.get(t, self.calibration) for t in self.codebook.ids], dtype=np.float64)

    def document_probabilities(self, passages: list[Passage], scores: np.ndarray) -> np.ndarray:
        """[n_themes] calibrated document probabilities from this classifier's passage ``scores``."""
        return self.aggregator_.document_probability(scores, self.document_calibration(),
                                                     [p.paragraph for p in passages])

    def tag(self, passages: list[Passage]) -> list[ThemeTag]:
        """One ThemeTag per codebook theme: document probability, band and evidence."""
        analysis = self.analyse(passages)
        return self.aggregator_.tags(passages, analysis.scores, self.codebook, self.theme_thresholds,
                                     self.document_calibration(), evidence_scores=analysis.evidence)

    def tag_documents(self, documents: list[list[Passage]]) -> list[list[ThemeTag]]:
        """``tag`` for many short documents at once, encoded in one batch."""
        return tag_documents(self, documents)

    # -- identity ------------------------------------------------------------------------
    def settings(self) -> dict:
        return {k: getattr(self, k) for k in (
            "n_best_exemplars", "definition_weight", "midpoint", "slope", "cue_bonus", "body_cue_bonus",
            "negative_damping", "absence_floor", "good_practice_factor", "hedge_factor", "window",
            "use_lexical", "use_polarity", "use_sections", "top_k", "margin", "n_evidence",
            "competition", "anchor_factor", "adult_subject_factor", "calibrated", "rule", "distinct_paragraphs", "floor", "calibration")}

    @property
    def fingerprint(self) -> str:
        payload = {"kind": self.kind, "codebook": self.codebook.sha256, "model": MODEL_NAME,
                   "settings": self.settings(), "thresholds": self.theme_thresholds,
                   "theme_calibration": getattr(self, "theme_calibration_", {})}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def describe(self) -> dict:
        return {"kind": self.kind, "model": "zero-shot", "embedding_model": MODEL_NAME,
                "codebook_name": self.codebook.name, "codebook_version": self.codebook.version,
                "codebook_sha256": self.codebook.sha256, "thresholds": self.theme_thresholds,
                "theme_calibration": {t: list(row) for t, row in getattr(self, "theme_calibration_", {}).items()},
                "settings": self.settings()}
