"""Training data: human coding (quotes per theme) joined to the documents' passages.

Labels, per theme T:

- a passage that overlaps a quote coded T is **positive** for T;
- every passage of a document nobody coded T is **negative** for T;
- the other passages of a document coded T are **unlabelled**: coders quote
  a few examples, not every sentence, so these are kept as negatives with a
  small weight (``unlabelled_weight``) rather than trusted as negatives.

Document labels (coded T or not) drive threshold tuning and evaluation.
Reading the coded documents themselves is ``practice_themes.training``'s job
(it runs the stages, which sit above this module).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from practice_themes.coding.tables import AnnotationError
from practice_themes.types import Passage



@dataclass
class Coding:
    """Human coding of a set of documents: quotes and document-level theme sets."""

    quotes: dict[str, list[tuple[str, str]]]  # doc_id -> [(theme, quote)]
    doc_themes: dict[str, set[str]]
    sha256: str = ""
    source: str = ""

    @property
    def doc_ids(self) -> list[str]:
        return sorted(self.doc_themes)

    def subset(self, doc_ids) -> "Coding":
        keep = set(doc_ids)
        return Coding({d: q for d, q in self.quotes.items() if d in keep},
                      {d: t for d, t in self.doc_themes.items() if d in keep}, self.sha256, self.source)


def read_annotations(paths: list[str | Path] | str | Path, theme_ids: list[str] | None = None,
                     coder: str | None = None) -> Coding:
    """Read one or more human coding files: a long table, a document sheet or a REFI-QDA project.

    A document the coder coded with no theme present is kept, with an empty theme set.

    Parsing and validation are the evaluation harness's (``practice_themes.coding.readers.read_gold``):
    misspelt columns, unknown themes, duplicates and ``present = 0`` rows are handled
    the same way for training as for evaluation. With ``coder``, only that coder's
    rows are used; otherwise all coders are pooled.
    """
    from practice_themes.coding.readers import read_gold

    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    quotes: dict[str, list[tuple[str, str]]] = {}
    doc_themes: dict[str, set[str]] = {}
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        if not path.is_file():
            raise AnnotationError(f"annotations file not found: {path}")
        digest.update(path.read_bytes())
        gold = read_gold(path, theme_ids=theme_ids)
        codes, covered = gold.codes, gold.coverage
        if coder is not None:
            codes, covered = codes[codes["coder"] == coder], covered[covered["coder"] == coder]
        # Every document a coder coded counts (the reader's coverage leaves out sheet rows not coded
        # yet), including one coded with no theme present: it is a negative for all themes, and
        # dropping it would bias every threshold upwards.
        for doc_id in covered["doc_id"]:
            doc_themes.setdefault(doc_id, set())
        for row in codes[codes["present"] == 1].itertuples(index=False):
            doc_themes.setdefault(row.doc_id, set()).add(row.theme)
            quote = row.quote.strip() if isinstance(row.quote, str) else ""
            if quote:
                quotes.setdefault(row.doc_id, []).append((row.theme, quote))
    if not doc_themes:
        raise AnnotationError(f"{', '.join(map(str, paths))}: no rows" + (f" for coder {coder!r}" if coder else ""))
    if coder is not None:
        digest.update(coder.encode())
    return Coding(quotes, doc_themes, digest.hexdigest(), ", ".join(str(p) for p in paths))


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _overlaps(passage: str, quote: str) -> bool:
    """Does a passage overlap a quote? Containment either way, or most of the passage's words."""
    p, q = _norm(passage), _norm(quote)
    if not p or not q:
        return False
    if p in q or q in p:
        return True
    p_words, q_words = p.split(), set(q.split())
    if len(p_words) < 4:
        return False
    return sum(w in q_words for w in p_words) >= 0.7 * len(p_words) and len(q_words) >= 4


@dataclass
class LabelledPassages:
    """Passage labels for one document: ``labels`` and ``weights`` are [n_passages, n_themes]."""

    doc_id: str
    passages: list[Passage]
    labels: np.ndarray
    weights: np.ndarray
    doc_labels: np.ndarray
    unmatched_quotes: list[str] = field(default_factory=list)


def label_passages(doc_id: str, passages: list[Passage], coding: Coding, theme_ids: list[str], *,
                   unlabelled_weight: float = 0.1) -> LabelledPassages:
    """Passage and document labels for one coded document (see the module docstring)."""
    n, m = len(passages), len(theme_ids)
    labels = np.zeros((n, m), dtype=np.int8)
    coded = coding.doc_themes.get(doc_id, set())
    doc_labels = np.array([t in coded for t in theme_ids], dtype=np.int8)
    unmatched = []
    for theme, quote in coding.quotes.get(doc_id, []):
        if theme not in theme_ids:
            continue
        j = theme_ids.index(theme)
        hits = [i for i, p in enumerate(passages) if _overlaps(p.text, quote)]
        if not hits:
            unmatched.append(quote)
        labels[hits, j] = 1
    weights = np.ones((n, m), dtype=np.float64)
    weights[:, doc_labels.astype(bool)] = unlabelled_weight
    weights[labels.astype(bool)] = 1.0
    return LabelledPassages(doc_id, passages, labels, weights, doc_labels, unmatched)
