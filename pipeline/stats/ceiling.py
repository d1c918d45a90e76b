"""Is the machine as good as a second human? The human ceiling, one rule for every command.

For each pair of independent human coders (a, b), on the units both of them
and the machine coded: the humans' kappa, the machine's kappa (the mean of
its kappa with a and with b), and their difference, machine minus human.
Its interval comes from a paired bootstrap over units: each resample
recomputes all three kappas on the same units (BCa, see
``practice_themes.stats.bootstrap``). With several pairs the mean over pairs gets the
same treatment.

The verdict (``VERDICT_RULE``) is "above" or "below" only when the interval
of the mean difference excludes 0, "within" only when the machine is
shown to be above the least-agreeing pair and below the most-agreeing one
(both pair intervals exclude 0), and "cannot tell" otherwise. A kappa that
is undefined (a rater used one category throughout) makes its pair
"undefined": it is listed and left out of the mean, never compared.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any, Hashable, Sequence

import numpy as np
import pandas as pd

from practice_themes.stats.bootstrap import DEFAULT_SEED, Interval, bootstrap_ci
from practice_themes.stats.coefficients import label_codes, pair_kappa

__all__ = ["VERDICT_RULE", "ceiling_comparison"]

VERDICT_RULE = (
    "Paired bootstrap over documents of machine κ minus human κ on the same double-coded documents (machine κ: "
    "its mean κ with the two coders of a pair). 'above'/'below': the interval of the mean difference over coder "
    "pairs excludes 0; 'within': the machine is above the least-agreeing pair and below the most-agreeing pair, "
    "both intervals excluding 0; otherwise 'cannot tell'. Pairs whose κ is undefined are listed and left out."
)


def _difference(codes: np.ndarray, pair: tuple[int, int], machine: int, q: int) -> tuple[float, float, float]:
    """(human κ, machine κ, machine - human) of one pair on the rows of ``codes``."""
    a, b = pair
    human = pair_kappa(codes[:, a], codes[:, b], q)
    machine_k = (pair_kappa(codes[:, machine], codes[:, a], q) + pair_kappa(codes[:, machine], codes[:, b], q)) / 2
    return human, machine_k, machine_k - human


def _verdict(ci: Interval | None) -> str:
    if ci is None or math.isnan(ci.low) or math.isnan(ci.high):
        return "cannot tell"
    if ci.low > 0:
        return "above"
    if ci.high < 0:
        return "below"
    return "cannot tell"


def ceiling_comparison(
    table: pd.DataFrame,
    machine: str,
    humans: Sequence[str],
    *,
    categories: Sequence[Hashable] | None = None,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
) -> dict[str, Any]:
    """Machine against the human ceiling on a units × raters table (labels, NaN = not coded).

    Returns a JSON-ready dict: ``machine``, ``humans``, ``pairs`` (per pair:
    ``a, b, n, human_kappa, machine_kappa, difference`` and its interval and
    ``verdict``), ``undefined_pairs``, ``mean`` (the same over the defined
    pairs, with ``n`` the units any defined pair used), ``verdict``,
    ``statement`` and ``rule``.
    """
    columns = [machine, *humans]
    codes, cats = label_codes(table[columns], categories)
    q = len(cats)
    m = 0
    pairs, undefined = [], []
    for i, j in combinations(range(1, len(columns)), 2):
        rows = np.flatnonzero((codes[:, [m, i, j]] >= 0).all(axis=1))
        entry: dict[str, Any] = {"a": columns[i], "b": columns[j], "n": int(len(rows))}
        human, machine_k, diff = _difference(codes[rows], (i, j), m, q) if len(rows) else (math.nan,) * 3
        entry.update({"human_kappa": human, "machine_kappa": machine_k, "difference": diff})
        if math.isnan(diff):
            entry["verdict"] = "undefined"
            entry["reason"] = ("no unit coded by both and the machine" if not len(rows) else
                               "κ undefined: a rater used one category throughout these units")
            undefined.append(entry)
            continue
        sub = codes[rows]
        ci = bootstrap_ci(lambda idx, s=sub, p=(i, j): _difference(s[idx], p, m, q)[2], len(rows),
                          n_boot=n_boot, seed=seed, level=level)
        entry.update(ci.as_dict())
        entry["verdict"] = _verdict(ci)
        entry["_rows"], entry["_pair"] = rows, (i, j)
        pairs.append(entry)

    result: dict[str, Any] = {"machine": machine, "humans": list(humans), "rule": VERDICT_RULE,
                              "pairs": pairs, "undefined_pairs": undefined}
    if not pairs:
        result["mean"] = None
        result["verdict"] = "cannot tell"
        reason = "; ".join(f"{p['a']} × {p['b']}: {p['reason']}" for p in undefined) or "fewer than two human coders"
        result["statement"] = f"cannot tell: no human pair's κ is defined ({reason})"
        return _strip(result)

    union = np.unique(np.concatenate([p["_rows"] for p in pairs]))
    sub = codes[union]
    masks = [np.isin(union, p["_rows"]) for p in pairs]

    def mean_stat(idx: np.ndarray, part: int) -> float:
        values = [_difference(sub[idx][mask[idx]], p["_pair"], m, q)[part] for p, mask in zip(pairs, masks)]
        return float(np.mean(values))  # NaN in any pair makes the resample undefined (counted, dropped)

    everything = np.arange(len(union))
    ci = bootstrap_ci(lambda idx: mean_stat(idx, 2), len(union), n_boot=n_boot, seed=seed, level=level)
    mean = {"n_pairs": len(pairs), "n": int(len(union)), "human_kappa": mean_stat(everything, 0),
            "machine_kappa": mean_stat(everything, 1), "difference": mean_stat(everything, 2), **ci.as_dict()}
    verdict = _verdict(ci)
    if verdict == "cannot tell" and len(pairs) >= 2:
        lowest = min(pairs, key=lambda p: p["human_kappa"])
        highest = max(pairs, key=lambda p: p["human_kappa"])
        if lowest["verdict"] == "above" and highest["verdict"] == "below":
            verdict = "within"
    result.update({"mean": mean, "verdict": verdict, "statement": _statement(mean, verdict, undefined)})
    return _strip(result)


def _statement(mean: dict[str, Any], verdict: str, undefined: list[dict[str, Any]]) -> str:
    pairs = f"{mean['n_pairs']} coder pair" + ("" if mean["n_pairs"] == 1 else "s")
    text = (f"machine κ {mean['machine_kappa']:.2f} vs human κ {mean['human_kappa']:.2f} ({pairs}, "
            f"{mean['n']} documents): difference {mean['difference']:+.2f}, 95% CI "
            f"{_num(mean['ci_low'])} to {_num(mean['ci_high'])}: {verdict}")
    if undefined:
        text += f"; {len(undefined)} pair(s) with undefined κ left out"
    return text


def _num(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:+.2f}"


def _strip(result: dict[str, Any]) -> dict[str, Any]:
    """Drop the internal row indices kept for the mean."""
    for pair in result["pairs"]:
        pair.pop("_rows", None)
        pair.pop("_pair", None)
    return result
