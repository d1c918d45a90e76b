"""Machine coding against human coding: every number of ``metrics.json``.

``evaluate`` takes already-read inputs and returns a JSON-ready dict;
``run_evaluation`` reads the files, calls it, and writes the report folder.

Reference (the "gold" the machine is scored against): the coder named by
``reference``; else the only coder; else the one coder named like a
consensus; else the majority of the independent coders with ties left out
(``practice_themes.coding.consensus``: one rule, shared with ``summarize --human``).
The human ceiling is ``practice_themes.stats.ceiling`` (shared with ``agreement``);
a consensus coder is never part of it.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from practice_themes.stats.bootstrap import DEFAULT_SEED, bootstrap_ci, bootstrap_metrics
from practice_themes.stats.ceiling import VERDICT_RULE, ceiling_comparison
from practice_themes.coding.consensus import ceiling_coders as choose_ceiling_coders
from practice_themes.coding.consensus import reference_coding
from practice_themes.evaluation.machine import MachineOutput
from practice_themes.evaluation.passages import passage_agreement
from practice_themes.stats.prevalence import ppi_prevalence
from practice_themes.stats.proportions import wilson_ci
from practice_themes.coding.readers import GoldCoding
from practice_themes.stats.coefficients import (
    cohen_kappa,
    fleiss_kappa_from_labels,
    gwet_ac1,
    krippendorff_alpha,
    raw_agreement,
)
from practice_themes.coding.tables import AnnotationError
from practice_themes.stats.metrics import Confusion, confusion_counts
from practice_themes.fileio import file_sha256, to_jsonable

SCHEMA = "practice-themes/evaluation/1"
METRICS = ("precision", "recall", "f1", "agreement", "kappa", "ac1")
PREVALENCE_ASSUMPTION = (
    "The human-coded documents are treated as a simple random sample of the machine-coded corpus, drawn "
    "independently of the machine's tags. Prediction-powered inference (Angelopoulos et al. 2023) then corrects "
    "the machine's tag rate by its average error on that sample. If the sample was chosen for convenience or "
    "enriched for some themes, the corrected estimate and its interval are not valid."
)
ERROR_EXAMPLES = 3  # evidence passages or quotes shown per error


def _binary_theme_block(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Counts and point metrics of one theme (NaN gold cells skipped)."""
    keep = ~np.isnan(gold)
    g, p = gold[keep], pred[keep]
    c = Confusion(*(int(x) for x in confusion_counts(g[:, None], p[:, None])[0]))
    return {
        "n": int(keep.sum()), "tp": c.tp, "fp": c.fp, "fn": c.fn, "tn": c.tn,
        "precision": c.precision, "recall": c.recall, "f1": c.f1,
        "agreement": raw_agreement(g, p), "kappa": cohen_kappa(g, p), "ac1": gwet_ac1(g, p),
    }


def _overall_point(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Micro (pooled doc × theme cells) and macro (mean of defined per-theme values) metrics."""
    counts = confusion_counts(gold, pred)
    micro = Confusion(*(int(x) for x in counts.sum(axis=0)))
    keep = ~np.isnan(gold)
    g, p = gold[keep], pred[keep]
    out = {
        "micro_precision": micro.precision, "micro_recall": micro.recall, "micro_f1": micro.f1,
        "micro_agreement": raw_agreement(g, p), "micro_kappa": cohen_kappa(g, p), "micro_ac1": gwet_ac1(g, p),
    }
    per_theme = [_binary_theme_block(gold[:, t], pred[:, t]) for t in range(gold.shape[1])]
    for metric in METRICS:
        values = [b[metric] for b in per_theme if not math.isnan(b[metric])]
        out[f"macro_{metric}"] = float(np.mean(values)) if values else math.nan
    return out


class _Cached:
    """Evaluate a dict-valued statistic once per resample, then serve each key from the cache."""

    def __init__(self, function: Callable[[np.ndarray], dict[str, float]]):
        self.function = function
        self.cache: dict[bytes, dict[str, float]] = {}

    def key(self, name: str) -> Callable[[np.ndarray], float]:
        def statistic(idx: np.ndarray) -> float:
            token = idx.tobytes()
            if token not in self.cache:
                self.cache[token] = self.function(idx)
            return self.cache[token][name]

        return statistic


def _estimate(value: float, ci: Sequence[float]) -> dict[str, float]:
    return {"estimate": value, "ci_low": ci[0], "ci_high": ci[1]}


MACHINE_COLUMN = "(machine)"


def _human_ceiling(
    matrix: pd.DataFrame, humans: Sequence[str], machine: pd.DataFrame, themes: Sequence[str],
    consensus_kappa: Mapping[str, float], *, n_boot: int, seed: int,
) -> dict[str, Any]:
    """Per theme: the shared ceiling comparison, Fleiss/alpha among the coders, and machine against each coder."""
    per_theme: dict[str, Any] = {}
    for theme in themes:
        table = matrix[theme].unstack("coder").reindex(columns=list(humans))
        table = table[table.index.isin(machine.index)]
        multi = table[table.notna().sum(axis=1) >= 2]
        wide = table.assign(**{MACHINE_COLUMN: machine.loc[table.index, theme].astype(float)})
        comparison = ceiling_comparison(wide, MACHINE_COLUMN, list(humans), n_boot=n_boot, seed=seed)
        vs_coder = []
        for coder in humans:
            rows = table[coder].dropna()
            if len(rows) == 0:
                continue
            g, p = rows.to_numpy(), machine.loc[rows.index, theme].to_numpy(dtype=float)
            vs_coder.append({"coder": coder, "n": int(len(rows)), "agreement": raw_agreement(g, p),
                             "kappa": cohen_kappa(g, p), "ac1": gwet_ac1(g, p)})
        per_theme[theme] = {
            "n_multi_coded": int(len(multi)),
            "comparison": comparison,
            "verdict": comparison["verdict"],
            "statement": comparison["statement"],
            "fleiss_kappa": fleiss_kappa_from_labels(multi.to_numpy(dtype=float)) if len(multi) else math.nan,
            "krippendorff_alpha": krippendorff_alpha(multi.to_numpy(dtype=float).T) if len(multi) else math.nan,
            "machine_vs_coder": vs_coder,
            "machine_vs_reference_kappa": consensus_kappa.get(theme, math.nan),
        }
    return per_theme


VERDICTS = ("below", "within", "above", "cannot tell")


def _calibration(gold: np.ndarray, scores: np.ndarray, themes: Sequence[str], n_bins: int = 10) -> dict[str, Any] | None:
    keep = ~(np.isnan(gold) | np.isnan(scores))
    if not keep.any():
        return None
    g, s = gold[keep], np.clip(scores[keep], 0, 1)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.minimum(np.digitize(s, edges[1:-1]), n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        in_bin = which == b
        n = int(in_bin.sum())
        if n == 0:
            continue
        k = int(g[in_bin].sum())
        mean_score = float(s[in_bin].mean())
        observed = k / n
        low, high = wilson_ci(k, n)
        ece += n / len(s) * abs(mean_score - observed)
        bins.append({"low": float(edges[b]), "high": float(edges[b + 1]), "n": n, "mean_score": mean_score,
                     "observed": observed, "observed_ci_low": low, "observed_ci_high": high})
    per_theme = {}
    for t, theme in enumerate(themes):
        k2 = ~(np.isnan(gold[:, t]) | np.isnan(scores[:, t]))
        if k2.any():
            per_theme[theme] = float(np.mean((scores[k2, t] - gold[k2, t]) ** 2))
    return {"n_bins": n_bins, "n": int(len(s)), "bins": bins, "brier": float(np.mean((s - g) ** 2)),
            "ece": ece, "brier_by_theme": per_theme}


def _errors(
    gold: pd.DataFrame, pred: pd.DataFrame, scores: pd.DataFrame, passages: pd.DataFrame,
    human: pd.DataFrame, themes: Sequence[str],
) -> dict[str, Any]:
    """False positives with the machine's evidence, false negatives with the human quotes."""
    out = {}
    for theme in themes:
        g, p = gold[theme], pred[theme]
        fps, fns = [], []
        for doc in g.index[(g == 0) & (p == 1)]:
            ev = passages[(passages["doc_id"] == doc) & (passages["theme"] == theme)].copy()
            ev["rank_order"] = pd.to_numeric(ev["rank"], errors="coerce")
            ev = ev.sort_values("rank_order").head(ERROR_EXAMPLES)
            fps.append({"doc_id": doc, "score": scores.at[doc, theme] if doc in scores.index else math.nan,
                        "evidence": [{"text": _text(r.text), "page": _int(r.page), "score": _num(r.score)}
                                     for r in ev.itertuples(index=False)]})
        for doc in g.index[(g == 1) & (p == 0)]:
            rows = human[(human["doc_id"] == doc) & (human["theme"] == theme) & (human["present"] == 1)]
            quotes = [{"text": _text(r.quote), "page": _int(r.page), "coder": r.coder}
                      for r in rows.itertuples(index=False) if isinstance(r.quote, str) and r.quote]
            fns.append({"doc_id": doc, "score": scores.at[doc, theme] if doc in scores.index else math.nan,
                        "quotes": quotes[:ERROR_EXAMPLES]})
        if fps or fns:
            out[theme] = {"false_positives": fps, "false_negatives": fns}
    return out


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _int(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else int(number)


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass
class _Aligned:
    """The human reference and the machine's codes on the documents and themes both have."""

    matrix: pd.DataFrame  # (doc_id, coder) x theme, every coder
    coders: list[str]
    ref: pd.DataFrame  # the reference coding, doc x theme
    ref_rule: str
    themes: list[str]
    docs: list[str]  # evaluated: in the reference and the machine output
    missing: list[str]  # in the reference, not in the machine output
    gold_df: pd.DataFrame
    pred_df: pd.DataFrame
    scores_df: pd.DataFrame


def _align(gold: GoldCoding, machine: MachineOutput, theme_ids: Sequence[str], reference: str | None) -> _Aligned:
    """Pick the reference coding and line it up with the machine's, refusing when nothing overlaps."""
    matrix = gold.document_matrix(theme_ids)
    coders = gold.coders
    ref, ref_rule = reference_coding(matrix, coders, reference)
    themes = [t for t in theme_ids if ref[t].notna().any()]
    if not themes:
        raise AnnotationError(f"{gold.source}: no theme has a usable human code")
    docs = [d for d in ref.index if d in machine.labels.index]
    missing = [d for d in ref.index if d not in machine.labels.index]
    if not docs:
        raise AnnotationError(
            f"no document is in both the gold coding and the machine output; gold has e.g. {list(ref.index[:3])}, "
            f"the machine e.g. {list(machine.labels.index[:3])}"
        )
    return _Aligned(
        matrix=matrix, coders=coders, ref=ref, ref_rule=ref_rule, themes=themes, docs=docs, missing=missing,
        gold_df=ref.loc[docs, themes].astype(float), pred_df=machine.labels.loc[docs, themes].astype(float),
        scores_df=machine.scores.reindex(index=docs, columns=themes).astype(float),
    )


def _per_theme(a: _Aligned, labels: Mapping[str, str], *, n_boot: int, seed: int) -> dict[str, Any]:
    """Per theme: counts, both prevalences with Wilson intervals, and every metric with its interval."""
    g, p = a.gold_df.to_numpy(), a.pred_df.to_numpy()
    # _overall bootstraps the micro and macro figures itself, so the per-theme table leaves them out.
    boot = bootstrap_metrics(a.gold_df, a.pred_df, n_boot=n_boot, seed=seed,
                             overall=False).set_index(["theme", "metric"])
    per_theme: dict[str, Any] = {}
    for t, theme in enumerate(a.themes):
        block = _binary_theme_block(g[:, t], p[:, t])
        keep = ~np.isnan(g[:, t])
        k_h, k_m, n = int(g[keep, t].sum()), int(p[keep, t].sum()), int(keep.sum())
        entry: dict[str, Any] = {
            "label": labels[theme], "n": n,
            "prevalence_human": {**_estimate(k_h / n if n else math.nan, wilson_ci(k_h, n)), "ci_method": "wilson"},
            "prevalence_machine": {**_estimate(k_m / n if n else math.nan, wilson_ci(k_m, n)), "ci_method": "wilson"},
            **{c: block[c] for c in ("tp", "fp", "fn", "tn")},
        }
        for metric in METRICS:
            row = boot.loc[(theme, metric)]
            entry[metric] = {"estimate": block[metric], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                             "ci_method": row["ci_method"], "n_boot": int(row["n_boot"]),
                             "n_boot_dropped": int(row["n_boot_dropped"])}
        per_theme[theme] = entry
    return per_theme


def _overall(a: _Aligned, *, n_boot: int, seed: int) -> dict[str, Any]:
    """Micro and macro figures, each with a bootstrap interval over documents (one resample serves them all)."""
    g, p = a.gold_df.to_numpy(), a.pred_df.to_numpy()
    overall_stat = _Cached(lambda idx: _overall_point(g[idx], p[idx]))
    point = _overall_point(g, p)
    overall: dict[str, Any] = {"micro": {}, "macro": {}}
    totals = confusion_counts(g, p).sum(axis=0)
    overall["micro"].update({k: int(v) for k, v in zip(("tp", "fp", "fn", "tn"), totals)})
    for name, value in point.items():
        kind, metric = name.split("_", 1)
        ci = bootstrap_ci(overall_stat.key(name), len(a.docs), n_boot=n_boot, seed=seed)
        overall[kind][metric] = {"estimate": value, **ci.as_dict()}
    return overall


def _ceiling(
    a: _Aligned, machine: MachineOutput, per_theme: Mapping[str, Any], reference: str | None,
    ceiling_coders: Sequence[str] | None, *, n_boot: int, seed: int,
) -> dict[str, Any] | None:
    """The machine against the human ceiling, when at least two independent coders coded."""
    humans, humans_rule = choose_ceiling_coders(a.coders, reference, ceiling_coders)
    if len(humans) < 2:
        return None
    consensus_kappa = {t: per_theme[t]["kappa"]["estimate"] for t in a.themes}
    ceiling = {
        "coders": humans, "coders_rule": humans_rule, "rule": VERDICT_RULE,
        "themes": _human_ceiling(a.matrix, humans, machine.labels, a.themes, consensus_kappa, n_boot=n_boot, seed=seed),
    }
    verdicts = [b["verdict"] for b in ceiling["themes"].values()]
    ceiling["counts"] = {k: verdicts.count(k) for k in VERDICTS}
    return ceiling


def _human_rows(gold: GoldCoding, a: _Aligned, reference: str | None) -> pd.DataFrame:
    """The reference's present rows on the evaluated documents and themes (every coder's without a reference)."""
    human_rows = gold.codes[gold.codes["present"] == 1]
    if reference is not None or len(a.coders) == 1:
        human_rows = human_rows[human_rows["coder"] == (reference or a.coders[0])]
    return human_rows[human_rows["doc_id"].isin(a.docs) & human_rows["theme"].isin(a.themes)]


def _passages(a: _Aligned, machine: MachineOutput, human_rows: pd.DataFrame, texts) -> dict[str, Any] | None:
    """Passage-level agreement of the machine's evidence with the human quotes, where humans quoted."""
    passage_human = human_rows[human_rows["quote"].notna() | human_rows["start"].notna()]
    present_pairs = a.pred_df.stack()
    present_pairs = {pair for pair, v in present_pairs.items() if v == 1}
    machine_passages = machine.passages[
        [pair in present_pairs for pair in zip(machine.passages["doc_id"], machine.passages["theme"])]
    ]
    absent = {pair for pair, v in a.gold_df.stack().items() if v == 0}
    return passage_agreement(machine_passages, passage_human, texts, absent=absent) if len(passage_human) else None


def _prevalence(gold: GoldCoding, a: _Aligned, machine: MachineOutput) -> tuple[dict[str, Any], str]:
    """Bias-corrected corpus prevalence per theme from the simple random sample, and how that sample was chosen."""
    prevalence = {}
    random_docs, sample_note = gold.random_sample(a.docs)
    for theme in a.themes:
        keep = a.gold_df[theme].notna() & a.gold_df.index.isin(random_docs)
        if keep.sum() < 2 or len(machine.labels) < 2:
            continue
        est = ppi_prevalence(machine.labels[theme].to_numpy(dtype=float), a.pred_df.loc[keep, theme].to_numpy(),
                             a.gold_df.loc[keep, theme].to_numpy())
        prevalence[theme] = est.as_dict()
    return prevalence, sample_note


def _settings(a: _Aligned, sample_note: str, *, n_boot: int, seed: int) -> dict[str, Any]:
    """How every figure was computed, for the reader of metrics.json."""
    return {
        "seed": seed, "n_boot": n_boot, "confidence_level": 0.95,
        "bootstrap": ("per-theme precision, recall and agreement: Wilson score intervals (proportions of "
                      "independent documents); F1, κ, AC1 and every micro/macro figure: BCa bootstrap "
                      "(scipy.stats.bootstrap), documents resampled with replacement, the same draws for every "
                      "metric; where BCa is undefined the percentile interval over the defined resamples, named "
                      "in each interval's ci_method with the resamples used and dropped"),
        "ceiling": VERDICT_RULE,
        "reference": a.ref_rule, "document_rule": (
            "A coder's document-level code for a theme is 1 when the coder has any row with present = 1 for it. "
            "A coder coded the documents where they have any row (plus any --coverage list)."
        ),
        "prevalence_assumption": PREVALENCE_ASSUMPTION,
        "prevalence_sample": sample_note,
        "prevalence_ci": "Wilson score interval on the evaluated documents",
        "micro": "pooled over every document × theme cell", "macro": "mean over themes where the metric is defined",
    }


def _documents(a: _Aligned, machine: MachineOutput) -> dict[str, Any]:
    """Which documents were evaluated, and why the others were not."""
    excluded_ids = set(machine.excluded["doc_id"])
    return {
        "n_gold": int(len(a.ref)), "n_machine_ok": int(len(machine.labels)), "n_evaluated": len(a.docs),
        "evaluated": a.docs,
        "missing_predictions": [{"doc_id": d, "reason": "excluded by the machine (status not ok)" if d in excluded_ids
                                 else "not in the machine output"} for d in a.missing],
        "machine_excluded": machine.excluded.to_dict("records"),
        "n_unscored_cells": int(np.isnan(a.gold_df.to_numpy()).sum()),
    }


def evaluate(
    gold: GoldCoding,
    machine: MachineOutput,
    codebook,
    *,
    reference: str | None = None,
    ceiling_coders: Sequence[str] | None = None,
    texts: Mapping[str, str] | None = None,
    seed: int = DEFAULT_SEED,
    n_boot: int = 2000,
    learning_curve: Callable[[list[str], pd.DataFrame], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every metric of machine against human coding, as a JSON-ready dict (NaN = undefined).

    ``learning_curve`` is called with the evaluated doc ids and the reference
    frame and returns the learning-curve block; None leaves it out.
    """
    labels = {t.id: t.label for t in codebook.themes}
    a = _align(gold, machine, list(codebook.ids), reference)
    per_theme = _per_theme(a, labels, n_boot=n_boot, seed=seed)
    overall = _overall(a, n_boot=n_boot, seed=seed)
    ceiling = _ceiling(a, machine, per_theme, reference, ceiling_coders, n_boot=n_boot, seed=seed)
    human_rows = _human_rows(gold, a, reference)
    passages = _passages(a, machine, human_rows, texts)
    prevalence, sample_note = _prevalence(gold, a, machine)
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "settings": _settings(a, sample_note, n_boot=n_boot, seed=seed),
        "documents": _documents(a, machine),
        "coders": a.coders,
        "n_coded_by_coder": {c: int((a.matrix.index.get_level_values("coder") == c).sum()) for c in a.coders},
        "themes": per_theme,
        "overall": overall,
        "ceiling": ceiling,
        "passages": passages,
        "calibration": _calibration(a.gold_df.to_numpy(), a.scores_df.to_numpy(), a.themes),
        "prevalence": prevalence,
        "errors": _errors(a.gold_df, a.pred_df, a.scores_df, machine.passages, human_rows, a.themes),
        "learning_curve": learning_curve(a.docs, a.gold_df) if learning_curve is not None else None,
    }
    result["summary"] = _summary(result)
    return to_jsonable(result)


def _summary(result: dict[str, Any]) -> list[str]:
    """Plain sentences for a reader who will not read the tables."""
    docs, overall = result["documents"], result["overall"]
    lines = []
    micro = overall["micro"]["f1"]
    lines.append(
        f"The machine was compared with human coding on {docs['n_evaluated']} documents and {len(result['themes'])} themes, "
        f"against {result['settings']['reference']}."
    )
    if not math.isnan(micro["estimate"]):
        lines.append(
            f"Overall it found {_pct(overall['micro']['recall']['estimate'])} of the themes the humans coded (recall), and "
            f"{_pct(overall['micro']['precision']['estimate'])} of its tags were right (precision): micro F1 "
            f"{micro['estimate']:.2f} (95% CI {micro['ci_low']:.2f}–{micro['ci_high']:.2f}); macro F1 "
            f"{overall['macro']['f1']['estimate']:.2f}."
        )
    if result["ceiling"]:
        c = result["ceiling"]["counts"]
        humans = result["ceiling"]["coders"]
        lines.append(
            f"Against the human ceiling (how well the {len(humans)} independent coders, {', '.join(humans)}, agreed "
            f"with each other; paired bootstrap of machine κ minus human κ), the machine is above the humans for "
            f"{_themes(c['above'])}, below for {_themes(c['below'])}, within their range for {_themes(c['within'])}, "
            f"and for {_themes(c['cannot tell'])} the data cannot tell."
        )
    if docs["missing_predictions"]:
        lines.append(f"{len(docs['missing_predictions'])} human-coded documents had no usable machine output and were left out.")
    return lines


def _themes(count: int) -> str:
    return f"{count} theme" + ("" if count == 1 else "s")


def _pct(value: float) -> str:
    return "an undefined share" if value is None or math.isnan(value) else f"{value:.0%}"


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name, dist in (("numpy", "numpy"), ("pandas", "pandas"), ("sklearn", "scikit-learn"),
                       ("matplotlib", "matplotlib"), ("practice-themes", "practice-themes")):
        try:
            versions[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def results_hash(metrics: Mapping[str, Any]) -> str:
    """sha256 of the results alone: everything but ``provenance`` (paths, command line, time).

    The same inputs and seed give the same hash wherever the report is written.
    """
    results = {k: v for k, v in metrics.items() if k != "provenance"}
    return hashlib.sha256(json.dumps(results, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


# ``make_fit_predict(texts, theme_ids, gold=..., seed=...)`` returning ``fit_predict(train_ids, test_ids) -> DataFrame``.
FitPredictFactory = Callable[..., Callable[[list[str], list[str]], pd.DataFrame]]


def learning_curve_hook(
    make_fit_predict: FitPredictFactory, texts: Mapping[str, str], seed: int,
) -> Callable[[list[str], pd.DataFrame], dict[str, Any]]:
    """The learning-curve hook ``evaluate`` calls, training with the ``make_fit_predict`` the caller passes in.

    The harness never imports a trainer itself (it sits below the CLI, beside
    the classifier, not above it); the CLI hands one in.
    """
    return lambda docs, gold: curve_block(make_fit_predict(texts, list(gold.columns), gold=gold, seed=seed),
                                          docs, gold, seed=seed)


def curve_block(fit_predict, docs: Sequence[str], gold: pd.DataFrame, *, seed: int, n_repeats: int = 5) -> dict[str, Any]:
    """Run ``learning_curve`` and package it for metrics.json (rows and a per-size summary)."""
    from practice_themes.evaluation.learning_curve import default_sizes, learning_curve, summarise_curve

    curve = learning_curve(fit_predict, list(docs), gold, default_sizes(len(docs)), n_repeats=n_repeats, seed=seed)
    return {
        "method": f"{n_repeats} random document splits (25% held out), nested training prefixes; F1 on held-out documents",
        "rows": curve.to_dict("records"),
        "summary": summarise_curve(curve).to_dict("records"),
    }


def run_evaluation(
    gold_path: str | Path,
    pred_path: str | Path,
    out_dir: str | Path,
    *,
    codebook_path: str | Path | None = None,
    reference: str | None = None,
    ceiling_coders: Sequence[str] | None = None,
    text_path: str | Path | None = None,
    mapping: str | Path | None = None,
    coverage: str | Path | None = None,
    coders: Sequence[str] | None = None,
    ignore_unmapped: bool = False,
    seed: int = DEFAULT_SEED,
    n_boot: int = 2000,
    learning_curve: bool = False,
    make_fit_predict: FitPredictFactory | None = None,
    sheet: str | None = None,
    text_table: Any = None,
) -> dict[str, Any]:
    """Read the inputs, evaluate, and write metrics.json, report.md, report.html and the PNG plots.

    With ``learning_curve`` the learning curve trains with ``make_fit_predict``
    (the CLI passes ``practice_themes.classify.methods.make_fit_predict``).
    """
    from practice_themes.evaluation.machine import read_machine, read_texts
    from practice_themes.coding.readers import read_gold
    from practice_themes.evaluation.report import write_report
    from practice_themes.codebook import DEFAULT_CODEBOOK, load_codebook

    codebook = load_codebook(codebook_path)
    gold = read_gold(gold_path, theme_ids=codebook.ids, coders=coders, mapping=mapping,
                     ignore_unmapped=ignore_unmapped, coverage=coverage, sheet=sheet)
    machine = read_machine(pred_path, codebook.ids)
    texts = read_texts(text_path, text_table) if text_path else {}
    hook = None
    curve_note = "not requested (--learning-curve)"
    if learning_curve:
        hook = learning_curve_hook(make_fit_predict, texts, seed) if texts and make_fit_predict else None
        if hook is None:
            curve_note = ("skipped: needs document texts (--text) and an importable trainer "
                          "(practice_themes.classify.methods.make_fit_predict)")
    metrics = evaluate(gold, machine, codebook, reference=reference, ceiling_coders=ceiling_coders, texts=texts,
                       seed=seed, n_boot=n_boot, learning_curve=hook)
    if metrics["learning_curve"] is None:
        metrics["learning_curve"] = {"status": curve_note}
    inputs = {str(gold_path): file_sha256(gold_path)}
    for path in [*machine.files, mapping, coverage, text_path]:
        if path is not None and Path(path).is_file():  # --text may be a folder of documents
            inputs[str(path)] = file_sha256(path)
    metrics["provenance"] = {
        "versions": _versions(),
        "codebook": {"path": str(codebook_path or DEFAULT_CODEBOOK), "name": codebook.name,
                     "version": codebook.version, "sha256": codebook.sha256},
        "model_hash": machine.manifest.model_hash if machine.manifest else None,
        "run": ({"codebook_sha256": machine.manifest.codebook_sha256,
                 "classifier": machine.manifest.classifier.get("model") or machine.manifest.classifier.get("kind"),
                 "started": machine.manifest.started} if machine.manifest else None),
        "inputs_sha256": inputs,
        "command": " ".join(sys.argv),
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    metrics["provenance"]["results_sha256"] = results_hash(metrics)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    write_report(metrics, out_dir)
    return metrics
