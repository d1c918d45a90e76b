"""``practice-themes agreement``: agreement between raters of a wide coding sheet."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_USAGE, exit_on_error

_RATERS_HELP = (
    "Rater columns. Repeat the option (--raters 'Coder A' --raters 'Coder B'), give one "
    "comma-separated value (--raters 'A,B,C'), or list them after one --raters "
    "(--raters A B C). A column whose own name contains a comma is matched whole. "
    "Quote names that contain spaces."
)


@app.command(
    "agreement",
    context_settings={"allow_extra_args": True, "allow_interspersed_args": True},
)
def agreement(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Wide sheet, .csv/.tsv/.xlsx: one row per unit, one column per rater."),
    unit: str = typer.Option(..., "--unit", help="Column naming each unit (document, report)."),
    raters: list[str] = typer.Option(..., "--raters", help=_RATERS_HELP),
    reference: str = typer.Option(None, "--reference", help="Adjudicated/consensus column every rater is compared with."),
    machine: list[str] = typer.Option(
        [], "--machine", help="Rater column(s) that are machines; left out of the human ceiling. Repeatable."
    ),
    sheet: str = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
    out: Path = typer.Option(None, "-o", "--out", help="JSON file to write (default: print the table only)."),
    seed: int = typer.Option(20240601, "--seed", help="Bootstrap seed."),
    n_boot: int = typer.Option(2000, "--n-boot", help="Bootstrap resamples (units are resampled)."),
    categorical: bool = typer.Option(
        False, "--categorical", help="Keep cell labels as categories instead of requiring yes/no or 1/0 codes."
    ),
    categories: str = typer.Option(
        None, "--categories",
        help="The scale, comma-separated and in order, used or not (e.g. 'low,medium,high'): AC1 counts every "
             "category of the scale, and ordinal α takes its order. Default: 0/1, or the labels seen.",
    ),
    ceiling_coders: str = typer.Option(
        None, "--ceiling-coders",
        help="Comma-separated independent human raters that form the human ceiling (default: the raters that "
             "are neither the reference, a machine, nor named like a consensus).",
    ),
) -> None:
    """Agreement between raters of a wide sheet (one row per unit, one column per rater).

    Prints pairwise Cohen's kappa and Gwet's AC1 with bootstrap CIs over units,
    Fleiss' kappa, Krippendorff's alpha and multi-rater AC1, and with --reference
    each rater against the reference. Cells: yes/no, y/n, true/false, 1/0 in any
    case; blank = not coded; XLSX formula cells give their cached values.
    """
    from rich.console import Console

    from practice_themes.evaluation.agreement import agreement_report, read_rater_sheet, split_rater_args
    from practice_themes.coding.tables import read_table

    # Piped output (a file, a README) gets room for the columns instead of 80 folded ones.
    console = Console(width=None if sys.stdout.isatty() else 132)
    extra = [a for a in ctx.args if not a.startswith("-")]
    unknown = [a for a in ctx.args if a.startswith("-")]
    if unknown:
        raise typer.BadParameter(f"unknown option(s) {unknown}")
    # openpyxl complains about pivot-cache parts it does not need; the cells read fine.
    warnings.filterwarnings("ignore", message=".*invalid dependency definitions", category=UserWarning)
    with exit_on_error(console, doing=f"reading {file}", unexpected=EXIT_USAGE):
        given = [*raters, *extra]
        # Reading the headers costs a second pass over the file; only commas need them.
        headers = list(read_table(file, sheet).columns) if any("," in r for r in given) else []
        rater_cols = split_rater_args(given, headers)
        for m in machine:
            if m not in rater_cols:
                rater_cols.append(m)
        wanted = rater_cols + ([reference] if reference and reference not in rater_cols else [])
        table = read_rater_sheet(file, sheet, unit_col=unit, rater_cols=wanted, categorical=categorical)
    # The sheet's own spelling of each header (whitespace may differ from the command line).
    resolved = dict(zip(wanted, table.columns))
    scale = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    with exit_on_error(console, doing="the agreement report", unexpected=EXIT_USAGE):
        ceiling = [resolved.get(c, c) for c in split_rater_args([ceiling_coders], list(table.columns))] \
            if ceiling_coders else None
        report = agreement_report(
            table,
            [resolved[c] for c in rater_cols],
            resolved[reference] if reference else None,
            machines=[resolved[m] for m in machine],
            categories=scale,
            ceiling_raters=ceiling,
            n_boot=n_boot,
            seed=seed,
        )
    report["source"] = {"file": str(file), "sheet": sheet, "unit": table.index.name}
    _print_report(console, report)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        console.print(f"wrote {out}")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _ci(low: float | None, high: float | None) -> str:
    return f"[{_fmt(low)}, {_fmt(high)}]"


def _short(name: str, width: int = 28) -> str:
    from rich.markup import escape

    # Escaped: a column called "[b] coder" must print as typed, not as rich markup.
    return escape(name if len(name) <= width else name[: width - 1] + "…")


def _print_report(console, report: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    everyone = [*report["raters"], *([report["reference"]] if report["reference"] else [])]
    if any(len(n) > 28 for n in everyone):
        console.print("Columns: " + "; ".join(f"{_short(n)!r} = {n!r}" for n in everyone if len(n) > 28), highlight=False, markup=False)
    level = int(round(report["level"] * 100))
    pairs = Table(title=f"Pairwise agreement ({report['n_units']} units; kappa {level}% CI, {report['n_boot']} bootstrap resamples)")
    for column in ("rater A", "rater B", "n", "agree", "Cohen's κ", "κ CI", "Gwet's AC1"):
        pairs.add_column(column, justify="left" if column.startswith("rater") else "right")
    for p in report["pairwise"]:
        pairs.add_row(
            _short(p["a"]), _short(p["b"]), str(p["n"]), f"{p['n_agree']}/{p['n']}", _fmt(p["kappa"]), _ci(p["ci_low"], p["ci_high"]), _fmt(p["ac1"])
        )
    console.print(pairs)

    if "vs_reference" in report:
        ref = Table(title=f"Against the reference: {escape(report['reference'])}")
        for column in ("rater", "n", "agree", "%", "Cohen's κ", "κ CI", "AC1", "precision", "recall", "F1"):
            ref.add_column(column, justify="left" if column == "rater" else "right")
        for r in report["vs_reference"]:
            ref.add_row(
                _short(r["rater"]),
                str(r["n"]),
                f"{r['n_agree']}/{r['n']}",
                _fmt(None if r["agreement"] is None else 100 * r["agreement"], 1),
                _fmt(r["kappa"]),
                _ci(r["ci_low"], r["ci_high"]),
                _fmt(r["ac1"]),
                _fmt(r.get("precision")),
                _fmt(r.get("recall")),
                _fmt(r.get("f1")),
            )
        console.print(ref)

    groups = Table(title="Multi-rater agreement (nominal; Krippendorff's α and AC1 use incomplete units)")
    for column in ("raters", "units", "Fleiss' κ", "CI", "Krippendorff's α", "CI", "Gwet's AC1", "CI"):
        groups.add_column(column, justify="left" if column == "raters" else "right", no_wrap=True)
    rows = [(f"all {len(everyone)} columns", {**report, "raters": everyone})]
    if "among_raters" in report:
        rows.append((f"{len(report['among_raters']['raters'])} raters (no reference)", report["among_raters"]))
    if "human_ceiling" in report:
        rows.append((f"{len(report['human_ceiling']['raters'])} humans (ceiling)", report["human_ceiling"]))
    for label, g in rows:
        groups.add_row(
            label,
            # Fleiss' kappa uses only the units every rater coded; say so when that is fewer.
            str(g["n_units"]) if g["n_complete"] == g["n_units"] else f"{g['n_units']} ({g['n_complete']} complete)",
            _fmt(g["fleiss_kappa"]),
            _ci(*g["fleiss_kappa_ci"]),
            _fmt(g["krippendorff_alpha"]),
            _ci(*g["krippendorff_alpha_ci"]),
            _fmt(g["gwet_ac1"]),
            _ci(*g["gwet_ac1_ci"]),
        )
    console.print(groups)
    for label, g in rows[1:]:
        console.print(f"{label}: {', '.join(g['raters'])}", highlight=False, markup=False)
    for c in report.get("ceiling", []):
        console.print(f"Human ceiling for {c['machine']} ({report['ceiling_coders_rule']}):", highlight=False,
                      markup=False)
        for p in [*c["pairs"], *c["undefined_pairs"]]:
            ci = "" if p["verdict"] == "undefined" else (
                f", 95% CI {_ci(p['ci_low'], p['ci_high'])} ({p['ci_method']}; {p['n_boot'] - p['n_boot_dropped']}"
                f" of {p['n_boot']} resamples)")
            console.print(
                f"  {p['a']} × {p['b']} ({p['n']} units): human κ {_fmt(p['human_kappa'])}, machine κ "
                f"{_fmt(p['machine_kappa'])}, difference {_fmt(p['difference'])}{ci}: {p['verdict']}",
                highlight=False, markup=False)
        console.print(f"  {c['statement']}", highlight=False, markup=False)
