"""Passage probabilities to a document probability, a band and evidence.

The rule, the same for every classifier: pool the ``k`` strongest passage
probabilities, by default

    P(theme in document) = 1 - prod_{i in top k} (1 - p_i)

a noisy-OR (k = 3). Each passage is an independent chance that the theme
is really discussed; capping at k keeps a long review's many weak passages
from adding up to a false positive. ``Aggregator`` can instead take the
mean of the top k, pool one passage per paragraph (corroboration from
separate places), and drop passages below a floor; the classifier then
maps the pooled score to a probability with a Platt calibration. A theme is ``present`` when its
probability reaches its threshold, ``possible`` within ``margin`` below
it (and at least half of it), otherwise ``absent``. Evidence is the strongest passages, strongest
first, ties broken by position so output is deterministic; a passage that repeats a quote already
shown is skipped, and a "possible" tag shows none under ``min_evidence_score``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from practice_themes.codebook import Codebook
from practice_themes.errors import SettingError
from practice_themes.types import Evidence, Passage, ThemeTag

DEFAULT_THRESHOLD = 0.5
DEFAULT_MARGIN = 0.15
_WORD = re.compile(r"\w+")


@dataclass
class Aggregator:
    """Pool the strongest passages into a document probability, with per-theme thresholds.

    ``rule`` is ``"noisy_or"`` (1 - prod(1 - p)) or ``"mean"`` over the top
    ``top_k`` pooled scores. With ``distinct_paragraphs`` only the best
    passage of each paragraph is pooled, so three sentences of one paragraph
    count as one piece of evidence and a theme needs corroboration from
    separate parts of the document; a text with no more than ``top_k``
    paragraphs (an excerpt, a report read from a table's three columns) pools
    its ``top_k`` best passages instead. Scores below ``floor`` are dropped (a
    passing mention adds nothing). A text with fewer than ``top_k`` passages
    pools what it has. Theme columns listed in ``best_only`` take their best
    passage alone (a codebook theme with ``pool: best``).
    """

    top_k: int = 3
    margin: float = DEFAULT_MARGIN
    n_evidence: int = 3
    min_evidence_score: float = 0.2
    # A present tag's quote scoring under this share of its best one says nothing about the theme (a list
    # of agency names at 0.007 beside a quote at 0.82). On pfd_dev, 0.05 keeps every coder's quote that
    # no floor keeps (87 of 139 correct tags) and drops 17 of the 57 quotes shown under 0.05; 0.1 and
    # 0.2 lose 1 and 4 coder quotes.
    min_relative_evidence: float = 0.05
    rule: str = "noisy_or"
    distinct_paragraphs: bool = False
    floor: float = 0.0
    best_only: tuple[int, ...] = ()

    def noisy_or(self, passage_scores: np.ndarray) -> np.ndarray:
        """[n_passages, n_themes] passage probabilities -> [n_themes] noisy-OR of the top k."""
        if passage_scores.shape[0] == 0:
            return np.zeros(passage_scores.shape[1], dtype=np.float64)
        k = min(self.top_k, passage_scores.shape[0])
        top = -np.sort(-passage_scores.astype(np.float64), axis=0)[:k]
        return 1.0 - np.prod(1.0 - np.clip(top, 0.0, 1.0), axis=0)

    def pool(self, passage_scores: np.ndarray, paragraphs: list[int] | np.ndarray | None = None) -> np.ndarray:
        """[n_passages, n_themes] -> [n_themes] by this aggregator's rule (see the class docstring)."""
        scores = np.clip(np.asarray(passage_scores, dtype=np.float64), 0.0, 1.0)
        if scores.shape[0] == 0:
            return np.zeros(scores.shape[1], dtype=np.float64)
        # With no more paragraphs than passages pooled, one per paragraph would have to count every
        # paragraph, a coroner's formal opening included, and a one-paragraph excerpt would be judged
        # on its best sentence alone: such a text pools its best sentences instead.
        if self.distinct_paragraphs and paragraphs is not None and len(paragraphs) == len(scores):
            labels, inverse = np.unique(np.asarray(paragraphs), return_inverse=True)
            if len(labels) > self.top_k:
                best = np.zeros((len(labels), scores.shape[1]))
                np.maximum.at(best, inverse, scores)
                scores = best
        k = min(self.top_k, scores.shape[0])
        top = -np.sort(-scores, axis=0)[:k]
        top[top < self.floor] = 0.0
        if self.rule == "mean":
            pooled = top.mean(axis=0)
        elif self.rule == "noisy_or":
            pooled = 1.0 - np.prod(1.0 - top, axis=0)
        else:
            raise ValueError(f"unknown aggregation rule {self.rule!r}; use 'noisy_or' or 'mean'")
        if self.best_only:
            columns = list(self.best_only)
            pooled[columns] = top[0, columns]
        return pooled

    def document_probability(self, passage_scores: np.ndarray, calibration: np.ndarray | None = None,
                             paragraphs: list[int] | np.ndarray | None = None) -> np.ndarray:
        """Pooled score, then per-theme Platt calibration ``sigmoid(a * logit(P) + b)`` when given.

        ``calibration`` is [n_themes, 2] rows of (a, b); (1, 0) leaves a theme unchanged.
        """
        probability = self.pool(passage_scores, paragraphs)
        if calibration is None:
            return probability
        return platt(probability, calibration[:, 0], calibration[:, 1])

    def band(self, probability: float, threshold: float) -> str:
        """``present`` at or above ``threshold``; ``possible`` within ``margin`` below it, but never below half
        of it: a low cut (0.04 for management oversight) would otherwise make every document "possible"."""
        if probability >= threshold:
            return "present"
        if probability >= threshold - min(self.margin, threshold / 2):
            return "possible"
        return "absent"

    def tags(self, passages: list[Passage], passage_scores: np.ndarray, codebook: Codebook,
             thresholds: dict[str, float], calibration: np.ndarray | None = None, *,
             probabilities: np.ndarray | None = None, evidence_scores: np.ndarray | None = None) -> list[ThemeTag]:
        """One ``ThemeTag`` per codebook theme, in codebook order.

        ``probabilities`` [n_themes], when given, are document probabilities from
        elsewhere (the stacked trained model); the passage scores then only pick evidence.
        ``evidence_scores`` [n_passages, n_themes], when given, rank and score the evidence
        instead of ``passage_scores`` (the zero-shot scorer's per-sentence reading).
        """
        if probabilities is None:
            probabilities = self.document_probability(passage_scores, calibration, [p.paragraph for p in passages])
        out = []
        for j, theme in enumerate(codebook.themes):
            probability = float(np.round(probabilities[j], 6))
            threshold = thresholds.get(theme.id, DEFAULT_THRESHOLD)
            band = self.band(probability, threshold)
            evidence: list[Evidence] = []
            if band != "absent" and passage_scores.shape[0]:
                column = (evidence_scores if evidence_scores is not None else passage_scores)[:, j]
                evidence = self.evidence(passages, column, present=band == "present")
            out.append(ThemeTag(theme.id, probability, band == "present", evidence, band))
        return out

    def evidence(self, passages: list[Passage], column: np.ndarray, *, present: bool = True) -> list[Evidence]:
        """The ``n_evidence`` strongest passages of one theme's evidence ``column``, each saying something new.

        A present tag shows them under no fixed floor (a real report's quote can score 0.05 for a theme
        it decides), only none under ``min_relative_evidence`` of its best. A "possible" tag shows only
        passages scoring at least ``min_evidence_score``.
        """
        chosen: list[Evidence] = []
        seen: list[str] = []
        best = float(np.max(column)) if len(column) else 0.0
        floor = self.min_relative_evidence * best if present else self.min_evidence_score
        for i in np.lexsort((np.arange(len(column)), -column)):
            if column[i] <= 0 or column[i] < floor:
                break
            # A sentence repeated, or repeated inside a longer one ("As such, no ambulance was sent"),
            # would fill a quote slot with nothing new.
            text = " " + " ".join(_WORD.findall(passages[i].text.lower())) + " "  # whole words only
            if any(text in other or other in text for other in seen):
                continue
            chosen.append(Evidence(passages[i], float(np.round(column[i], 6))))
            seen.append(text)
            if len(chosen) == self.n_evidence:
                break
        return chosen


def logit(p: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """log(p / (1 - p)), with p kept ``eps`` inside (0, 1) so scores of exactly 0 or 1 stay finite."""
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return np.log(p / (1 - p))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def platt(p: np.ndarray, a, b) -> np.ndarray:
    """Platt scaling of probabilities in logit space."""
    return sigmoid(np.asarray(a) * logit(p) + np.asarray(b))


def parse_threshold_overrides(values: list[str] | None, theme_ids: list[str]) -> dict[str, float]:
    """``["0.4", "neglect=0.6"]`` -> {every theme: 0.4, then neglect: 0.6}.

    A bare number sets every theme; ``THEME=VALUE`` sets one theme and wins
    over a bare number whatever the order.
    """
    overall: dict[str, float] = {}
    specific: dict[str, float] = {}
    for raw in values or []:
        theme, sep, value = raw.partition("=")
        if not sep:
            theme, value = "", raw
        try:
            number = float(value)
        except ValueError:
            raise SettingError(f"--threshold {raw!r}: {value!r} is not a number") from None
        if not 0.0 <= number <= 1.0:
            raise SettingError(f"--threshold {raw!r}: must lie between 0 and 1")
        if not sep:
            overall = {t: number for t in theme_ids}
        elif theme.strip() not in theme_ids:
            raise SettingError(f"--threshold {raw!r}: unknown theme {theme.strip()!r}; known: {', '.join(theme_ids)}")
        else:
            specific[theme.strip()] = number
    return {**overall, **specific}


def tag_documents(classifier, documents: list[list[Passage]]) -> list[list[ThemeTag]]:
    """Tag many documents with one scoring call (one large encoding batch).

    Paragraph numbers are made distinct per document first, so the paragraph
    window never borrows across documents; results equal per-document ``tag``.
    """
    flat: list[Passage] = []
    bounds = []
    paragraph_base = 0
    for passages in documents:
        start = len(flat)
        flat.extend(replace(p, paragraph=p.paragraph + paragraph_base) for p in passages)
        paragraph_base += max((p.paragraph for p in passages), default=0) + 1
        bounds.append((start, len(flat)))
    analysis = classifier.analyse(flat)
    calibration = classifier.document_calibration()
    thresholds = classifier.theme_thresholds
    return [classifier.aggregator_.tags(documents[d], analysis.scores[a:b], classifier.codebook, thresholds,
                                        calibration, evidence_scores=analysis.evidence[a:b])
            for d, (a, b) in enumerate(bounds)]
