"""Agreement coefficients, in plain numpy (precision, recall and F1 are ``practice_themes.stats.metrics``).

Every function takes labels as array-likes in which ``None`` or NaN marks a
missing code. Binary codes are 0/1; the agreement coefficients accept any
hashable category labels. Undefined ratios (0/0) come back as NaN, never as a
silent 0 or 1, so a caller can tell "no data" from "no agreement".

Written from the published definitions (Cohen 1960; Scott 1955; Fleiss 1971;
Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"; Gwet 2008,
"Computing inter-rater reliability and its variance in the presence of high
agreement"). No code from the GPL ``krippendorff`` package is used.
"""

from __future__ import annotations

import math
from typing import Any, Hashable, Sequence

import numpy as np
import pandas as pd

from practice_themes.errors import StatisticsError

__all__ = [
    "ratio",
    "paired_labels",
    "raw_agreement",
    "cohen_kappa",
    "scott_pi",
    "gwet_ac1",
    "gwet_ac1_multi",
    "fleiss_kappa",
    "fleiss_kappa_from_labels",
    "krippendorff_alpha",
    "label_codes",
    "category_counts",
    "pair_table",
    "pair_kappa",
    "coefficient_from_table",
    "fleiss_kappa_complete",
    "gwet_ac1_counts",
    "krippendorff_alpha_counts",
]




def ratio(num: float, den: float, zero_division: float = math.nan) -> float:
    """``num / den``, or ``zero_division`` (NaN: undefined, not 0 or 1) when ``den`` is 0."""
    return float(num) / float(den) if den else zero_division


def _missing_mask(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(values), dtype=bool)


def _as_objects(values: Any) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise StatisticsError(f"expected a 1-d sequence of labels, got shape {array.shape}")
    return array


def paired_labels(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both raters' labels for the units where neither is missing."""
    a, b = _as_objects(a), _as_objects(b)
    if len(a) != len(b):
        raise StatisticsError(f"rater label sequences differ in length: {len(a)} vs {len(b)}")
    keep = ~(_missing_mask(a) | _missing_mask(b))
    return a[keep], b[keep]


def _categories(a: np.ndarray, b: np.ndarray, labels: Sequence[Hashable] | None) -> list[Hashable]:
    if labels is not None:
        return list(labels)
    seen = pd.unique(np.concatenate([a, b]))
    cats = sorted(seen, key=lambda v: (str(type(v)), v)) if len(seen) else []
    # With 0/1 codes the scheme has two categories even if a rater used one.
    if cats and all(_is_binary_value(v) for v in cats):
        return [0.0, 1.0]
    return cats


def _is_binary_value(value: Any) -> bool:
    try:
        return float(value) in (0.0, 1.0)
    except (TypeError, ValueError):
        return False


def _contingency(a: Any, b: Any, labels: Sequence[Hashable] | None) -> tuple[np.ndarray, list]:
    """Two-rater contingency table over ``labels``; pairs outside them are dropped (as in sklearn)."""
    a, b = paired_labels(a, b)
    if labels is None and a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
        # Numeric codes, the common case inside bootstrap loops: no per-unit Python work.
        x, y = a.astype(float), b.astype(float)
        seen = np.union1d(x, y)
        values = np.array([0.0, 1.0]) if np.isin(seen, (0.0, 1.0)).all() else seen
        return pair_table(np.searchsorted(values, x), np.searchsorted(values, y), len(values)), values.tolist()
    if labels is None and len(a) and all(_is_binary_value(v) for v in pd.unique(np.concatenate([a, b]))):
        a, b = a.astype(float), b.astype(float)
    cats = _categories(a, b, labels)
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)), dtype=float)
    for x, y in zip(a, b):
        i, j = index.get(x), index.get(y)
        if i is not None and j is not None:
            table[i, j] += 1
    return table, cats


def raw_agreement(a: Any, b: Any) -> float:
    """Share of units (coded by both) on which two raters give the same label."""
    x, y = paired_labels(a, b)
    return ratio(int(np.sum(x == y)), len(x))


def _two_rater(a: Any, b: Any, labels: Sequence[Hashable] | None, chance: str) -> float:
    table, _ = _contingency(a, b, labels)
    return coefficient_from_table(table, chance)


def pair_table(codes_a: np.ndarray, codes_b: np.ndarray, n_cats: int) -> np.ndarray:
    """Two-rater contingency table from integer codes (-1 = missing, skipped)."""
    keep = (codes_a >= 0) & (codes_b >= 0)
    flat = np.bincount(codes_a[keep] * n_cats + codes_b[keep], minlength=n_cats * n_cats)
    return flat.reshape(n_cats, n_cats).astype(float)


def pair_kappa(codes_a: np.ndarray, codes_b: np.ndarray, n_cats: int) -> float:
    """Cohen's kappa of two raters' integer codes (-1 = missing, skipped)."""
    return coefficient_from_table(pair_table(codes_a, codes_b, n_cats), "cohen")


def coefficient_from_table(table: np.ndarray, chance: str) -> float:
    """Chance-corrected agreement of a two-rater contingency table.

    ``chance`` picks p_e: "cohen" (each rater's marginals), "scott" (pooled
    marginals) or "gwet" (AC1). NaN when the table is empty or p_e is 1.
    """
    n = table.sum()
    if n == 0:
        return math.nan
    p = table / n
    observed = float(np.trace(p))
    row, col = p.sum(axis=1), p.sum(axis=0)
    if chance == "cohen":
        expected = float(np.dot(row, col))
    elif chance == "scott":
        expected = float(np.sum(((row + col) / 2) ** 2))
    elif chance == "gwet":
        q = len(row)
        if q < 2:
            return math.nan
        pi = (row + col) / 2
        expected = float(np.sum(pi * (1 - pi)) / (q - 1))
    else:
        raise StatisticsError(f"unknown chance model {chance!r}")
    # Both raters constant on the same category: chance agreement is 1, the coefficient undefined.
    return ratio(observed - expected, 1 - expected) if not math.isclose(expected, 1.0) else math.nan


def cohen_kappa(a: Any, b: Any, labels: Sequence[Hashable] | None = None) -> float:
    """Cohen's kappa for two raters: (p_o - p_e) / (1 - p_e), p_e from each rater's own marginals.

    Args:
        a, b: the two raters' labels, aligned by unit; missing in either drops the unit.
        labels: the category set; units with a label outside it are dropped
            (scikit-learn's convention). By default the labels seen, or {0, 1}
            for binary codes.

    Returns NaN when chance agreement is 1 (both raters used a single category).
    """
    return _two_rater(a, b, labels, "cohen")


def scott_pi(a: Any, b: Any, labels: Sequence[Hashable] | None = None) -> float:
    """Scott's pi for two raters: like kappa but p_e from the pooled marginals."""
    return _two_rater(a, b, labels, "scott")


def gwet_ac1(a: Any, b: Any, labels: Sequence[Hashable] | None = None) -> float:
    """Gwet's AC1 for two raters (Gwet 2008).

    p_e = sum_k pi_k (1 - pi_k) / (Q - 1), with pi_k the pooled share of
    category k and Q the number of categories ({0, 1} for binary codes, so Q
    is 2 even when only one category was used). Unlike kappa it stays high
    when a category is rare and the raters agree (the prevalence paradox).
    """
    return _two_rater(a, b, labels, "gwet")


def _category_key(value: Any) -> Any:
    """Compare 3, 3.0 and "3" as one category; text stays text."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def label_codes(labels: Any, categories: Sequence[Hashable] | None = None) -> tuple[np.ndarray, list]:
    """Units × raters labels as integer codes (-1 = missing) plus the categories.

    ``categories`` declares the scale, in order (for ordinal alpha), used or
    not: AC1's chance agreement depends on how many categories the scale
    has, not on how many the raters happened to use. A label outside the
    declared scale is an error. Without it, 0/1 codes give [0.0, 1.0] even
    if only one was used, and other labels give the sorted labels seen.
    """
    frame = pd.DataFrame(labels)
    values = frame.to_numpy(dtype=object)
    missing = _missing_mask(values)
    present = values[~missing]
    if categories is not None:
        cats = list(categories)
        index = {_category_key(c): i for i, c in enumerate(cats)}
        if len(index) != len(cats):
            raise StatisticsError(f"categories are listed twice: {cats}")
        unknown = sorted({str(v) for v in present if _category_key(v) not in index})
        if unknown:
            raise StatisticsError(f"labels {unknown[:5]} are not among the declared categories {cats}")
        codes = np.full(values.shape, -1, dtype=int)
        codes[~missing] = [index[_category_key(v)] for v in present]
        return codes, cats
    if len(present) and all(_is_binary_value(v) for v in pd.unique(present)):
        cats: list = [0.0, 1.0]
        present = present.astype(float)
    else:
        cats = sorted(pd.unique(present), key=lambda v: (str(type(v)), v))
    index = {c: i for i, c in enumerate(cats)}
    codes = np.full(values.shape, -1, dtype=int)
    codes[~missing] = [index[v] for v in present]
    return codes, cats


def category_counts(codes: np.ndarray, n_cats: int) -> np.ndarray:
    """Units × categories counts of ratings from a units × raters code matrix."""
    counts = np.zeros((codes.shape[0], n_cats), dtype=float)
    for k in range(n_cats):
        counts[:, k] = np.sum(codes == k, axis=1)
    return counts


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa from an items × categories matrix of rating counts.

    Every item must have the same number of ratings n >= 2 (Fleiss 1971).
    Returns NaN when chance agreement is 1.
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0:
        raise StatisticsError(f"fleiss_kappa needs a non-empty items × categories matrix, got shape {table.shape}")
    per_item = table.sum(axis=1)
    n = per_item[0]
    if not np.allclose(per_item, n):
        raise StatisticsError(
            "fleiss_kappa needs the same number of ratings for every item; "
            f"found {sorted(set(per_item.tolist()))[:5]} (use fleiss_kappa_from_labels to drop incomplete items)"
        )
    if n < 2:
        raise StatisticsError(f"fleiss_kappa needs at least 2 ratings per item, got {n:g}")
    n_items = table.shape[0]
    p_j = table.sum(axis=0) / (n_items * n)
    p_i = (np.sum(table**2, axis=1) - n) / (n * (n - 1))
    p_bar = float(p_i.mean())
    p_e = float(np.sum(p_j**2))
    return ratio(p_bar - p_e, 1 - p_e) if not math.isclose(p_e, 1.0) else math.nan


def fleiss_kappa_from_labels(labels: Any, categories: Sequence[Hashable] | None = None) -> float:
    """Fleiss' kappa from an items × raters label matrix (NaN = missing).

    Fleiss' kappa assumes every item has the same raters, so items with any
    missing rating are left out; use ``krippendorff_alpha`` to use them.
    ``categories`` declares the scale (see ``label_codes``).
    """
    codes, cats = label_codes(labels, categories)
    return fleiss_kappa_complete(category_counts(codes, len(cats)), codes.shape[1])


def fleiss_kappa_complete(counts: np.ndarray, n_raters: int) -> float:
    """Fleiss' kappa over the items (rows of ``counts``) that all ``n_raters`` rated."""
    complete = counts[counts.sum(axis=1) == n_raters]
    return fleiss_kappa(complete) if len(complete) else math.nan


def gwet_ac1_multi(labels: Any, categories: Sequence[Hashable] | None = None) -> float:
    """Gwet's AC1 for any number of raters, from an items × raters label matrix (NaN = missing).

    Follows Gwet (2014, ch. 4): p_a averages, over items with at least two
    ratings, sum_k r_ik (r_ik - 1) / (r_i (r_i - 1)); pi_k averages r_ik / r_i
    over items with at least one rating; p_e = sum_k pi_k (1 - pi_k) / (Q - 1).
    With two raters and no missing codes it equals ``gwet_ac1``. Q is the
    number of declared ``categories`` (see ``label_codes``), as in irrCAC's
    ``categories`` argument.
    """
    codes, cats = label_codes(labels, categories)
    return gwet_ac1_counts(category_counts(codes, len(cats)))


def gwet_ac1_counts(counts: np.ndarray) -> float:
    """Multi-rater AC1 from an items × categories count matrix (items may have any number of ratings)."""
    q = counts.shape[1]
    if q < 2:
        return math.nan
    r_i = counts.sum(axis=1)
    rated = r_i >= 1
    pairable = r_i >= 2
    if not pairable.any():
        return math.nan
    c, r = counts[pairable], r_i[pairable][:, None]
    p_a = float(np.mean(np.sum(c * (c - 1) / (r * (r - 1)), axis=1)))
    pi = np.mean(counts[rated] / r_i[rated][:, None], axis=0)
    p_e = float(np.sum(pi * (1 - pi)) / (q - 1))
    return ratio(p_a - p_e, 1 - p_e)


def _delta_squared(values: np.ndarray, n_c: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's difference function between every pair of category values."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    v = np.asarray(values, dtype=float)
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        total = v[:, None] + v[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = ((v[:, None] - v[None, :]) / total) ** 2
        return np.where(total == 0, 0.0, d)
    if level == "ordinal":
        # Ranks are the sorted values; the distance is the mass of the categories between them.
        cum = np.cumsum(n_c)
        d = np.zeros((len(v), len(v)))
        for i in range(len(v)):
            for j in range(i, len(v)):
                mass = cum[j] - (cum[i - 1] if i else 0.0) - (n_c[i] + n_c[j]) / 2
                d[i, j] = d[j, i] = mass**2
        return d
    raise StatisticsError(f"unknown level {level!r}; use nominal, ordinal, interval or ratio")


def krippendorff_alpha(data: Any, level: str = "nominal", categories: Sequence[Hashable] | None = None) -> float:
    """Krippendorff's alpha by the coincidence-matrix method (Krippendorff 2011).

    Args:
        data: raters × units; NaN/None is a missing code. Units with fewer than
            two codes are not pairable and are left out, as the method says.
        level: "nominal" (any labels), or "ordinal", "interval", "ratio"
            (numeric labels).
        categories: the declared scale in order (see ``label_codes``); for
            ordinal alpha it gives the order of text labels.

    Returns 1 - D_o / D_e, or NaN when there is no disagreement to expect
    (a single value used throughout) or no pairable unit.
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise StatisticsError(f"unknown level {level!r}; use nominal, ordinal, interval or ratio")
    values = pd.DataFrame(data).to_numpy(dtype=object).T  # units × raters
    if level != "nominal" and categories is None:
        values = np.where(_missing_mask(values), np.nan, values).astype(float)
    codes, cats = label_codes(values, categories)
    if level == "ordinal" and categories is not None:
        # The declared order is the scale; the distance needs only ranks.
        cats = list(range(len(cats)))
    return krippendorff_alpha_counts(category_counts(codes, len(cats)), cats, level)


def krippendorff_alpha_counts(counts: np.ndarray, cats: Sequence[Any], level: str = "nominal") -> float:
    """Alpha from a units × categories count matrix; ``cats`` gives each column's value."""
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    if not pairable.any():
        return math.nan
    c = counts[pairable]
    w = 1.0 / (m_u[pairable] - 1)
    # Ordered pairs of different coders: n_c n_k off the diagonal, n_c (n_c - 1) on it.
    coincidence = np.einsum("u,uc,uk->ck", w, c, c) - np.diag(np.einsum("u,uc->c", w, c))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return math.nan
    delta = _delta_squared(np.asarray(cats, dtype=object), n_c, level)
    d_o = float(np.sum(coincidence * delta)) / n
    d_e = float(np.sum(np.outer(n_c, n_c) * delta)) / (n * (n - 1))
    return 1.0 - d_o / d_e if d_e > 0 else math.nan
