"""``practice-themes code``: code a set of reviews into a document x theme table."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app


def _expand(paths: list[Path]) -> list[Path]:
    from pipeline.ingest import SUPPORTED_SUFFIXES

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            files.append(path)
    return files


@app.command("code")
def code(
    paths: list[Path] = typer.Argument(..., help="PDF/DOCX files or folders (searched recursively)."),
    out: Path = typer.Option(Path("results"), "-o", "--out", help="Output folder."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    metadata: Path = typer.Option(None, "--metadata", help="CSV of per-document metadata keyed by doc_id."),
) -> None:
    """Code reviews: write documents.csv and passage evidence, print a summary."""
    from rich.console import Console
    from rich.table import Table

    from pipeline.classify.zeroshot import ZeroShotClassifier
    from pipeline.codebook import load_codebook
    from pipeline.outputs import write_tables
    from pipeline.process import code_file

    codebook = load_codebook(codebook_path)
    classifier = ZeroShotClassifier(codebook).fit()
    results = [code_file(f, classifier) for f in _expand(paths)]
    write_tables(results, codebook, out)
    console = Console()
    table = Table(title=f"Themes found ({len(results)} documents) -> {out}")
    table.add_column("document")
    table.add_column("status")
    table.add_column("themes present")
    for r in results:
        present = ", ".join(t.theme_id for t in sorted(r.tags, key=lambda t: -t.score) if t.present)
        table.add_row(r.doc_id, r.status, present or r.error)
    console.print(table)
    if any(r.status != "ok" for r in results):
        raise typer.Exit(code=1)
