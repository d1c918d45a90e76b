"""Agreement between any raters of a wide sheet: one row per unit, one column per rater.

A rater may be a person, a consensus verdict or a machine. The report gives
pairwise kappa and AC1 with bootstrap intervals over units, the multi-rater
coefficients (Fleiss' kappa, Krippendorff's alpha, Gwet's AC1), and, with a
reference column, every rater against that reference.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from practice_themes.stats.bootstrap import DEFAULT_SEED, bootstrap_ci, pair_kappa_ci
from practice_themes.stats.ceiling import ceiling_comparison
from practice_themes.fileio import to_jsonable
from practice_themes.coding.consensus import ceiling_coders
from practice_themes.stats.coefficients import (
    category_counts,
    coefficient_from_table,
    fleiss_kappa_complete,
    gwet_ac1_counts,
    krippendorff_alpha_counts,
    label_codes,
    pair_table,
)
from practice_themes.coding.tables import AnnotationError, read_table, require_columns, spreadsheet_row, to_binary
from practice_themes.stats.metrics import Confusion

__all__ = ["agreement_report", "read_rater_sheet", "resolve_columns"]


def _normalise(name: str) -> str:
    return " ".join(str(name).split())


def resolve_columns(available: Sequence[str], wanted: Sequence[str], source: str) -> list[str]:
    """Map requested column names onto the sheet's headers.

    Headers and requests are compared with runs of whitespace (including line
    breaks inside a header cell) collapsed to one space, since a user cannot
    type a header's hidden line break. Anything else must match exactly; a
    miss raises an ``AnnotationError`` with the closest header.
    """
    by_normal: dict[str, str] = {}
    for column in available:
        by_normal.setdefault(_normalise(column), column)
    normal_frame = pd.DataFrame(columns=list(by_normal))
    require_columns(normal_frame, [_normalise(w) for w in wanted], source)
    return [by_normal[_normalise(w)] for w in wanted]


def split_rater_args(values: Sequence[str], available: Sequence[str]) -> list[str]:
    """Expand comma-separated rater arguments, keeping a value whole if it names a column.

    ``["A,B", "C"]`` gives ``["A", "B", "C"]``; ``["Smith, J"]`` stays whole
    when the sheet has a column called "Smith, J".
    """
    normal = {_normalise(c) for c in available}
    out: list[str] = []
    for value in values:
        if _normalise(value) in normal or "," not in value:
            out.append(value.strip())
        else:
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def _check_cached_formulas(path: Path, sheet: str | None, columns: Sequence[str]) -> None:
    """Refuse formula cells with no cached value: they would read as blank, i.e. as missing codes.

    A workbook written by a script (not saved by a spreadsheet program) has
    formulas but no computed results.
    """
    import openpyxl

    wb_f = openpyxl.load_workbook(path, read_only=True, data_only=False)
    wb_v = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws_f = wb_f[sheet] if sheet else wb_f.worksheets[0]
        ws_v = wb_v[sheet] if sheet else wb_v.worksheets[0]
        rows_f = ws_f.iter_rows(values_only=True)
        rows_v = ws_v.iter_rows(values_only=True)
        header = next(rows_f, None) or ()
        next(rows_v, None)
        wanted = {_normalise(c) for c in columns}
        positions = [i for i, h in enumerate(header) if h is not None and _normalise(h) in wanted]
        uncached = []
        for row_number, (row_f, row_v) in enumerate(zip(rows_f, rows_v), start=2):
            for i in positions:
                if i < len(row_f) and isinstance(row_f[i], str) and row_f[i].startswith("="):
                    if i >= len(row_v) or row_v[i] is None:
                        uncached.append(f"{header[i]!r} row {row_number}")
        if uncached:
            raise AnnotationError(
                f"{path}: {len(uncached)} formula cells have no cached value ({', '.join(uncached[:3])}...); "
                "open the file in a spreadsheet program and save it so the results are stored"
            )
    finally:
        wb_f.close()
        wb_v.close()


def read_rater_sheet(
    path: str | Path,
    sheet: str | None = None,
    *,
    unit_col: str,
    rater_cols: Sequence[str],
    categorical: bool = False,
) -> pd.DataFrame:
    """Read a wide coding sheet (CSV or XLSX) as exported, into units × raters.

    Formula cells give the value the spreadsheet program cached (pandas reads
    XLSX through openpyxl with ``data_only=True``); a formula without a cached
    value is an error, not a blank. Headers and cells are stripped. Codes
    yes/no/y/n/true/false/1/0 (any case) become 1/0 and blank cells missing
    (NaN); with ``categorical=True`` cells are kept as text labels instead.

    Args:
        path: the .csv/.tsv/.xlsx file.
        sheet: the XLSX sheet name (default: the first sheet).
        unit_col: the column naming each unit (document, report).
        rater_cols: one column per rater.
        categorical: keep labels as text instead of requiring binary codes.

    Returns:
        A frame indexed by unit (str), one float (or object) column per rater,
        named as the sheet names it.

    Raises:
        AnnotationError: a missing or misspelt column (with the closest match
            and the columns that exist), a code outside the vocabulary, a
            blank or duplicate unit (with its row numbers).
    """
    path = Path(path)
    source = f"{path}" + (f" [sheet {sheet!r}]" if sheet else "")
    frame = read_table(path, sheet)
    columns = resolve_columns(list(frame.columns), [unit_col, *rater_cols], source)
    unit, raters = columns[0], columns[1:]
    if len(set(raters)) != len(raters):
        raise AnnotationError(f"{source}: a rater column is named twice: {raters}")
    if unit in raters:
        raise AnnotationError(f"{source}: {unit!r} is both the unit and a rater column")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _check_cached_formulas(path, sheet, raters)

    blank = frame[columns].isna().all(axis=1)
    frame = frame.loc[~blank]
    no_unit = frame[unit].isna()
    if no_unit.any():
        rows = [spreadsheet_row(i) for i in frame.index[no_unit][:5]]
        raise AnnotationError(f"{source}: codes without a unit in column {unit!r} at rows {rows}")
    units = frame[unit].map(_unit_label)
    dupes = units[units.duplicated(keep=False)]
    if len(dupes):
        first = dupes.iloc[0]
        rows = [spreadsheet_row(i) for i in dupes.index[dupes == first]]
        raise AnnotationError(
            f"{source}: unit {first!r} in column {unit!r} appears more than once, at rows {rows}"
            + (f" ({dupes.nunique()} duplicated units in all)" if dupes.nunique() > 1 else "")
        )

    out = {}
    for rater in raters:
        if categorical:
            out[rater] = [v if v is None else str(v) for v in frame[rater]]
        else:
            out[rater] = [
                to_binary(v, source=source, row=spreadsheet_row(i), column=rater) for i, v in frame[rater].items()
            ]
    result = pd.DataFrame(out, index=pd.Index(units.to_list(), name=unit))
    return result if categorical else result.astype(float)


def _unit_label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pair_stats(codes: np.ndarray, i: int, j: int, q: int) -> dict[str, Any]:
    table = pair_table(codes[:, i], codes[:, j], q)
    n = int(table.sum())
    return {
        "n": n,
        "n_agree": int(np.trace(table)),
        "agreement": float(np.trace(table) / n) if n else math.nan,
        "kappa": coefficient_from_table(table, "cohen"),
        "ac1": coefficient_from_table(table, "gwet"),
        "table": table,
    }


# The key order of each JSON entry, as agreement has always written them.
_INTERVAL_KEYS = ("kappa", "ac1", "ci_low", "ci_high", "ci_dropped", "ci_method")
_PAIR_KEYS = ("n", "n_agree", "agreement", *_INTERVAL_KEYS)
_VS_REFERENCE_KEYS = ("n", "agreement", "n_agree", *_INTERVAL_KEYS)


def _pair_with_interval(codes: np.ndarray, i: int, j: int, q: int, n_boot: int, seed: int,
                        level: float) -> dict[str, Any]:
    """``_pair_stats`` of columns i and j plus the bootstrap interval of their kappa."""
    ci = pair_kappa_ci(codes[:, i], codes[:, j], q, n_boot=n_boot, seed=seed, level=level)
    return {**_pair_stats(codes, i, j, q), "ci_low": ci.low, "ci_high": ci.high, "ci_dropped": ci.n_dropped,
            "ci_method": ci.method}


def _group_stats(
    codes: np.ndarray, names: list[str], cats: list, n_boot: int, seed: int, level: float
) -> dict[str, Any]:
    """Pairwise and multi-rater coefficients among the raters in ``names`` (columns of ``codes``)."""
    q = len(cats)
    pairwise = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            stats = _pair_with_interval(codes, i, j, q, n_boot, seed, level)
            pairwise.append({"a": names[i], "b": names[j], **{k: stats[k] for k in _PAIR_KEYS}})
    counts = category_counts(codes, q)
    rated = counts.sum(axis=1) >= 1
    counts = counts[rated]
    n_raters = len(names)

    def multi(stat):
        point = stat(np.arange(len(counts)))
        ci = bootstrap_ci(stat, len(counts), n_boot=n_boot, seed=seed, level=level)
        return point, ci

    fleiss, fleiss_ci = multi(lambda idx: fleiss_kappa_complete(counts[idx], n_raters))
    alpha, alpha_ci = multi(lambda idx: krippendorff_alpha_counts(counts[idx], cats, "nominal"))
    ac1, ac1_ci = multi(lambda idx: gwet_ac1_counts(counts[idx]))
    return {
        "raters": list(names),
        "n_units": int(len(counts)),
        "n_complete": int(np.sum(counts.sum(axis=1) == n_raters)),
        "pairwise": pairwise,
        "fleiss_kappa": fleiss,
        "fleiss_kappa_ci": [fleiss_ci.low, fleiss_ci.high],
        "krippendorff_alpha": alpha,
        "krippendorff_alpha_ci": [alpha_ci.low, alpha_ci.high],
        "gwet_ac1": ac1,
        "gwet_ac1_ci": [ac1_ci.low, ac1_ci.high],
        "ci_methods": {"fleiss_kappa": fleiss_ci.method, "krippendorff_alpha": alpha_ci.method,
                       "gwet_ac1": ac1_ci.method},
    }


def _rater_columns(
    table: pd.DataFrame, raters: Sequence[str], reference: str | None, machines: Sequence[str],
) -> tuple[list[str], list[str]]:
    """The raters other than the reference, and every column compared (the reference last); refuse bad names."""
    raters = list(dict.fromkeys(raters))
    missing = [c for c in [*raters, *([reference] if reference else []), *machines] if c not in table.columns]
    if missing:
        raise AnnotationError(f"columns not in the table: {missing}; columns are {list(table.columns)}")
    unknown_machines = [m for m in machines if m not in raters]
    if unknown_machines:
        raise AnnotationError(f"machine columns must also be raters: {unknown_machines}")
    others = [r for r in raters if r != reference]
    columns = others + ([reference] if reference else [])
    if len(columns) < 2:
        raise AnnotationError(f"agreement needs at least two rater columns, got {columns}")
    return others, columns


def _vs_reference(
    codes_all: np.ndarray, others: list[str], q: int, binary: bool, n_boot: int, seed: int, level: float,
) -> list[dict[str, Any]]:
    """Each rater against the reference (the last column): agreement, kappa with its interval, AC1, and for
    binary codes the counts with precision, recall and F1."""
    vs_reference = []
    for i, rater in enumerate(others):
        stats = _pair_with_interval(codes_all, i, len(others), q, n_boot, seed, level)
        entry = {"rater": rater, **{k: stats[k] for k in _VS_REFERENCE_KEYS}}
        if binary:
            # Rows of the table are the rater, columns the reference: [[TN, FN], [FP, TP]].
            t = stats["table"]
            c = Confusion(tp=int(t[1, 1]), fp=int(t[1, 0]), fn=int(t[0, 1]), tn=int(t[0, 0]))
            entry.update({"tp": c.tp, "fp": c.fp, "fn": c.fn, "tn": c.tn,
                          "precision": c.precision, "recall": c.recall, "f1": c.f1})
        vs_reference.append(entry)
    return vs_reference


def agreement_report(
    table: pd.DataFrame,
    raters: list[str],
    reference: str | None = None,
    *,
    machines: Sequence[str] = (),
    categories: Sequence[Any] | None = None,
    ceiling_raters: Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
) -> dict[str, Any]:
    """Agreement among raters (units × raters table), optionally against a reference column.

    Args:
        table: one row per unit, one column per rater; 0/1 codes or labels,
            NaN for a unit a rater did not code.
        raters: the rater columns. The reference may be listed too; it is
            never compared with itself.
        reference: a column holding the adjudicated or consensus coding.
        machines: rater columns that are machines. They are left out of
            ``human_ceiling``, the agreement among the human raters only.
        categories: the declared scale (``--categories``), used or not; by
            default 0/1 for binary codes, else the labels seen.
        ceiling_raters: the independent human raters of the ceiling
            (``--ceiling-coders``); by default the non-reference, non-machine
            raters not named like a consensus.
        n_boot, seed, level: bootstrap settings; intervals resample units.

    Returns:
        A JSON-ready dict with ``raters``, ``reference``, ``n_units``,
        ``categories``; ``pairwise`` (every pair of all columns given:
        ``{a, b, n, n_agree, agreement, kappa, ac1, ci_low, ci_high}``, the
        interval being for kappa); ``fleiss_kappa`` (over units all of them
        coded), ``krippendorff_alpha`` (nominal, uses incomplete units) and
        ``gwet_ac1`` over all columns, each with a ``*_ci``. With a reference:
        ``vs_reference`` (each rater's ``{rater, n, agreement, n_agree,
        kappa, ac1, ci_low, ci_high}`` plus ``precision, recall, f1`` for
        binary codes) and ``among_raters`` (the same group statistics on the
        non-reference raters). With machines: ``human_ceiling`` (group
        statistics among the ceiling raters) and ``ceiling``
        (per machine, ``practice_themes.stats.ceiling.ceiling_comparison``: machine κ
        minus human κ per pair and their mean, paired bootstrap, verdict).
    """
    others, columns = _rater_columns(table, raters, reference, machines)
    try:
        codes_all, cats = label_codes(table[columns], categories)
    except ValueError as exc:
        raise AnnotationError(str(exc)) from None
    rated = (codes_all >= 0).any(axis=1)
    codes_all = codes_all[rated]

    overall = _group_stats(codes_all, columns, cats, n_boot, seed, level)
    report: dict[str, Any] = {
        "raters": others,
        "reference": reference,
        "machines": list(machines),
        "categories": [_json_label(c) for c in cats],
        "n_units": int(len(codes_all)),
        "n_boot": n_boot,
        "seed": seed,
        "level": level,
        **{k: v for k, v in overall.items() if k not in ("raters", "n_units")},
    }

    if reference:
        report["vs_reference"] = _vs_reference(codes_all, others, len(cats), cats == [0.0, 1.0], n_boot, seed, level)
        if len(others) >= 2:
            report["among_raters"] = _group_stats(codes_all[:, : len(others)], others, cats, n_boot, seed, level)

    humans, report["ceiling_coders_rule"] = ceiling_coders([r for r in others if r not in machines], None,
                                                           ceiling_raters)
    if machines and len(humans) >= 2:
        idx = [others.index(h) for h in humans]
        report["human_ceiling"] = _group_stats(codes_all[:, idx], humans, cats, n_boot, seed, level)
        report["ceiling"] = [
            ceiling_comparison(table.loc[rated, columns], machine, humans, categories=cats, n_boot=n_boot,
                               seed=seed, level=level)
            for machine in machines
        ]
    return to_jsonable(report)  # the pair tables never reach it: entries copy only the _PAIR_KEYS figures


def _json_label(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


