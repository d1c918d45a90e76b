"""``practice-themes summarize``: prevalence tables and charts from a ``code`` output folder."""

from __future__ import annotations

from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import exit_on_error


@app.command("summarize")
def summarize(
    outdir: Path = typer.Argument(..., help="Output folder of `practice-themes code`."),
    dest: Path = typer.Option(None, "-o", "--out", help="Where to write the summary (default: OUTDIR/summary)."),
    human: Path = typer.Option(None, "--human",
                               help="Human coding of a sample: a document sheet (doc_id, optional coder and "
                                    "sample, one 0/1 column per theme; .csv or .xlsx sheet 'coding') or a long "
                                    "table; adds the bias-corrected (PPI) prevalence from its random sample."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Draw the PNG charts."),
) -> None:
    """Prevalence per theme, overall and by metadata, with Wilson 95% intervals; co-occurrence; charts."""
    from rich.console import Console
    from rich.table import Table

    from practice_themes.summarize import summarize as run

    console = Console()
    with exit_on_error(doing=f"summarizing {outdir}"):
        summary = run(outdir, dest, human=human, charts=charts)
    table = Table(title=f"Theme prevalence over {summary.n_ok} of {summary.n_documents} documents")
    for column, justify in (("theme", "left"), ("documents", "right"), ("%", "right"), ("95% CI", "right")):
        table.add_column(column, justify=justify)
    for r in summary.prevalence.sort_values(["percent", "theme"], ascending=[False, True]).itertuples():
        table.add_row(r.label, f"{r.k}/{r.n}", f"{r.percent:.1f}", f"{r.ci_low:.1f}–{r.ci_high:.1f}")
    console.print(table)
    for note in summary.ppi_notes:
        console.print(note, highlight=False, markup=False)
    where = dest or outdir / "summary"
    console.print(f"by: {', '.join(summary.group_columns) or 'no metadata columns'}; written to {where}")
