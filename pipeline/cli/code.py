"""``practice-themes code``: code a corpus of reviews into a document x theme table.

Exit codes: 0 every document coded; 1 some documents failed (see errors.csv);
2 usage error (bad path, metadata or option); 3 another run holds OUTDIR;
4 the run itself failed (a bug or a broken environment); 130 interrupted. The mapping
from errors to these codes is ``cli/exits.py``, shared by every command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_FAILED, EXIT_OK, exit_on_error
from practice_themes.cli.table_options import ID_COLUMN_OPTION, TEXT_COLUMNS_OPTION, TableCommand, table_spec

_PER_DOCUMENT_ROWS = 30  # above this, print theme prevalence instead of one row per document
_THEMES_SHOWN = 4


@app.command("code", cls=TableCommand)
def code(
    paths: list[str] = typer.Argument(
        ..., help="PDF/DOCX/TXT/MD files, folders (recursive), glob patterns, list files (.lst, or a .txt of paths), "
                  "or .csv/.jsonl tables of texts (with --id-column and --text-columns)."),
    out: Path = typer.Option(Path("results"), "-o", "--out", help="Output folder (also the resumable store)."),
    metadata: Path = typer.Option(None, "--metadata", help="CSV of per-document metadata keyed by doc_id or file name."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Worker processes (0: one per core)."),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Run on Dask: a scheduler address (tcp://host:8786) or 'local'."),
    model: str = typer.Option(None, "--model",
                              help="Trained model: a folder, or a shipped model's name (lr-v1); or a classifier "
                                   "plug-in's name (entry-point group practice_themes.classifiers, or a module "
                                   "named in PRACTICE_THEMES_CLASSIFIER_PLUGINS). Default: zero-shot from the codebook."),
    threshold: list[str] = typer.Option(None, "--threshold",
                                        help="Override thresholds: a number for every theme, or THEME=x (repeatable)."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    timeout: float = typer.Option(600.0, "--timeout", min=0, help="Per-document time limit in seconds (0: none)."),
    password: str = typer.Option(None, "--password", help="Password for encrypted PDFs."),
    xlsx: bool = typer.Option(False, "--xlsx", help="Also write documents.xlsx."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show the progress bar."),
    recycle_growth_mb: float = typer.Option(1024.0, "--recycle-growth-mb", min=1,
                                            help="Replace a worker process whose memory stays this much above its "
                                                 "start after a document (a worker is also replaced after a file "
                                                 "over a size, memory or time limit)."),
    id_column: str = ID_COLUMN_OPTION,
    text_columns: str = TEXT_COLUMNS_OPTION,
) -> None:
    """Code reviews: documents.csv/.parquet, passages.parquet, errors.csv, run.json.

    Re-running the same command resumes: documents already in OUTDIR's store
    are not recomputed unless the file, codebook or model changed.
    Exit codes: 0 all coded, 1 some documents failed, 2 usage error, 3 OUTDIR busy, 4 run failed.
    """
    from rich.console import Console

    from practice_themes.bulk.inputs import expand_inputs
    from practice_themes.bulk.metadata import join_metadata
    from practice_themes.bulk.runner import RunSettings, run_corpus
    from practice_themes.classify.aggregate import parse_threshold_overrides
    from practice_themes.classify.loader import ClassifierSpec, check_model
    from practice_themes.codebook import load_codebook

    console = Console(stderr=True)
    with exit_on_error(console, doing="the run"):
        inputs = expand_inputs(paths, table_spec(id_column, text_columns))
        codebook = load_codebook(codebook_path)
        joined = join_metadata(metadata, inputs) if metadata else None
        if joined is not None and (joined.missing or joined.extra):
            console.print(f"[yellow]metadata:[/yellow] {len(joined.by_doc)} of {len(inputs)} documents matched by "
                          f"{joined.key_column!r}; no row for {len(joined.missing)}"
                          + (f" ({_few(joined.missing)})" if joined.missing else "")
                          + f"; {len(joined.extra)} row(s) match no input"
                          + (f" ({_few(joined.extra)})" if joined.extra else ""), soft_wrap=True)
        overrides = parse_threshold_overrides(threshold, codebook.ids)
        check_model(model)  # a missing model is a usage error, not a failure in every worker
        spec = ClassifierSpec(model=model, codebook_path=str(codebook_path) if codebook_path else None,
                              thresholds_json=json.dumps(overrides, sort_keys=True) if overrides else None)
        settings = RunSettings(workers=workers, scheduler=scheduler, timeout_s=timeout or None, password=password,
                               xlsx=xlsx, progress=progress,
                               recycle_growth_bytes=int(recycle_growth_mb * 1024 * 1024))
        # Finished documents are in the store whatever happens next: a re-run resumes.
        outcome = run_corpus(inputs, out, spec, settings, metadata=joined, command=sys.argv)
    _print_summary(outcome, codebook)
    raise typer.Exit(EXIT_FAILED if outcome.n_failed else EXIT_OK)

def _few(items: list[str], n: int = 5) -> str:
    return ", ".join(items[:n]) + (f", ... (+{len(items) - n})" if len(items) > n else "")


def _print_summary(outcome, codebook) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = outcome.manifest["counts"]
    results = sorted(outcome.results, key=lambda r: r.doc_id)
    if len(results) <= _PER_DOCUMENT_ROWS:
        table = Table(title=f"Themes found ({len(results)} documents) -> {outcome.outdir}")
        table.add_column("document")
        table.add_column("status")
        table.add_column(f"themes present (strongest {_THEMES_SHOWN}; all in documents.csv)")
        for r in results:
            present = [t.theme_id for t in sorted(r.tags, key=lambda t: -t.score) if t.present]
            shown = ", ".join(present[:_THEMES_SHOWN]) + (f" (+{len(present) - _THEMES_SHOWN})"
                                                           if len(present) > _THEMES_SHOWN else "")
            table.add_row(r.doc_id, r.status, shown or (r.error if r.status != "ok" else "-"))
    else:
        ok = [r for r in results if r.status == "ok"]
        table = Table(title=f"Theme prevalence over {len(ok)} coded documents -> {outcome.outdir}")
        table.add_column("theme")
        table.add_column("documents", justify="right")
        table.add_column("%", justify="right")
        for theme_id in codebook.ids:
            k = sum(1 for r in ok for t in r.tags if t.theme_id == theme_id and t.present)
            table.add_row(theme_id, f"{k}/{len(ok)}", f"{100 * k / len(ok):.1f}" if ok else "-")
    console.print(table)
    wall = outcome.manifest["timings"].get("wall", 0.0)
    console.print(
        f"{counts['documents']} documents: {counts['ok']} ok, {counts['failed']} failed "
        f"({counts['computed']} coded now, {counts['reused_from_store']} reused from the store"
        + (f", {counts['repaired_in_store']} invalid store file(s) recomputed" if counts.get("repaired_in_store") else "")
        + f") in {wall:.1f} s."
    )
    if counts["failed"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in counts["by_error_type"].items())
        console.print(f"[red]failures[/red] ({kinds}); see {outcome.outdir / 'errors.csv'}")
