"""``practice-themes evaluate`` and ``practice-themes export-qdpx``.

``evaluate`` scores machine output against human coding and writes
metrics.json, report.md, report.html and PNG plots. ``export-qdpx`` writes
the machine's coding as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or
QualCoder. Exit codes: 0 done, 2 bad input (one line says which file and why; never a traceback).
"""

from __future__ import annotations

from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_USAGE, exit_on_error
from practice_themes.cli.table_options import ID_COLUMN_OPTION, TEXT_COLUMNS_OPTION, TableCommand, table_spec


@app.command("evaluate", cls=TableCommand)
def evaluate(
    gold: Path = typer.Option(..., "--gold", help="Human coding: long table or document sheet (.csv/.xlsx; sheet "
                                                  "'coding' by default) or REFI-QDA project (.qdpx)."),
    pred: Path = typer.Option(..., "--pred", help="Machine output: a `code` folder, its documents.csv, or `tag` .jsonl."),
    out: Path = typer.Option(Path("report"), "-o", "--out", help="Report folder."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    reference: str = typer.Option(None, "--reference",
                                  help="Coder to score the machine against (default: a coder named like a consensus, "
                                       "else the majority of the coders, ties left out)."),
    ceiling_coders: str = typer.Option(
        None, "--ceiling-coders",
        help="Comma-separated independent coders that form the human ceiling (default: every coder not named like "
             "a consensus, e.g. 'consensus' or 'adjudicated').",
    ),
    text: Path = typer.Option(None, "--text", help="Texts to locate human quotes in: `ingest` JSONL (passages with "
                                                   "offsets), JSONL of whole texts, or the documents (a file, a folder "
                                                   "of PDF/DOCX/TXT/MD, or a .csv/.jsonl table with --id-column)."),
    mapping: Path = typer.Option(None, "--mapping", help="YAML or CSV mapping .qdpx code names to theme ids."),
    coverage: Path = typer.Option(None, "--coverage", help="CSV doc_id,coder of documents each coder coded."),
    coders: str = typer.Option(None, "--coders", help="Comma-separated list of expected coder names."),
    sheet: str = typer.Option(None, "--sheet", help="Worksheet name for .xlsx gold files."),
    ignore_unmapped: bool = typer.Option(False, "--ignore-unmapped", help="Skip .qdpx codes absent from the mapping."),
    seed: int = typer.Option(None, "--seed", help="Bootstrap seed (default: a fixed project seed)."),
    n_boot: int = typer.Option(2000, "--n-boot", min=10, help="Bootstrap resamples."),
    learning_curve: bool = typer.Option(False, "--learning-curve",
                                        help="Also train on growing subsets (needs --text and a supervised trainer)."),
    id_column: str = ID_COLUMN_OPTION,
    text_columns: str = TEXT_COLUMNS_OPTION,
) -> None:
    """Score machine coding against human coding: metrics.json, report.md, report.html, plots."""
    from rich.console import Console

    from practice_themes.evaluation.evaluate import run_evaluation
    from practice_themes.stats.bootstrap import DEFAULT_SEED

    with exit_on_error(Console(stderr=True), doing=f"evaluating {pred} against {gold}", unexpected=EXIT_USAGE):
        fit_predict_factory = _trainer() if learning_curve else None
        metrics = run_evaluation(
            gold, pred, out, codebook_path=codebook_path, reference=reference,
            ceiling_coders=[c.strip() for c in ceiling_coders.split(",")] if ceiling_coders else None,
            text_path=text, mapping=mapping,
            coverage=coverage, coders=[c.strip() for c in coders.split(",")] if coders else None,
            ignore_unmapped=ignore_unmapped, seed=DEFAULT_SEED if seed is None else seed, n_boot=n_boot,
            learning_curve=learning_curve, make_fit_predict=fit_predict_factory, sheet=sheet,
            text_table=table_spec(id_column, text_columns),
        )
    for line in metrics["summary"]:
        typer.echo(line)
    typer.echo(f"Report: {out / 'report.html'}  (metrics: {out / 'metrics.json'})")


def _trainer():
    """The supervised trainer the learning curve uses; the harness receives it rather than importing it."""
    from practice_themes.classify.methods import make_fit_predict

    return make_fit_predict


@app.command("export-qdpx")
def export_qdpx(
    results: Path = typer.Argument(..., help="A `practice-themes code` output folder (documents.csv + passages)."),
    out: Path = typer.Option(..., "-o", "--out", help="The .qdpx file to write."),
    text: Path = typer.Option(None, "--text", help="`ingest` JSONL (passages with offsets) or JSONL of whole texts."),
    source_dir: Path = typer.Option(None, "--source-dir", help="Folder of the source files, re-ingested for their text."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
) -> None:
    """Write the machine's coding as a REFI-QDA project (.qdpx): one code per theme, one selection per passage.

    Document texts come from --text, else from re-ingesting --source-dir, else
    from each document's source_path in documents.csv.
    """
    from rich.console import Console

    from practice_themes.evaluation.qdpx_export import export_results

    with exit_on_error(Console(stderr=True), doing=f"exporting {results}", unexpected=EXIT_USAGE):
        summary = export_results(results, out, text_path=text, source_dir=source_dir, codebook_path=codebook_path)
    typer.echo(f"Wrote {out}: {summary['documents']} documents, {summary['selections']} coded passages, "
               f"{summary['themes']} codes.")
