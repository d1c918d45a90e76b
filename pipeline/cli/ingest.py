"""``practice-themes ingest``: files in, the cleaned passages out as JSON lines."""

from __future__ import annotations

from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_FAILED, exit_on_error
from practice_themes.cli.table_options import ID_COLUMN_OPTION, TEXT_COLUMNS_OPTION, TableCommand, table_spec


@app.command("ingest", cls=TableCommand)
def ingest(
    paths: list[Path] = typer.Argument(..., help="PDF/DOCX/ZIP/TXT/MD files, folders (recursive), globs, a list file, "
                                                 "or a .csv/.jsonl table of texts (with --id-column, --text-columns)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output JSON-lines file, one passage per line."),
    password: str = typer.Option(None, "--password", help="Password for encrypted PDFs."),
    timeout: float = typer.Option(None, "--timeout", help="Per-document time limit in seconds."),
    id_column: str = ID_COLUMN_OPTION,
    text_columns: str = TEXT_COLUMNS_OPTION,
) -> None:
    """Write the passages the classifier would see: doc_id, page, start, end, section, region, text."""
    import json
    from dataclasses import replace

    from practice_themes.bulk.inputs import expand_inputs
    from practice_themes.errors import IngestError
    from practice_themes.ingest.limits import DEFAULT_LIMITS
    from practice_themes.process import run_stages

    # The same expansion as `code`, so both commands give a file the same doc_id.
    with exit_on_error(doing="reading the inputs"):
        inputs = expand_inputs(paths, table_spec(id_column, text_columns))
    limits = DEFAULT_LIMITS if timeout is None else replace(DEFAULT_LIMITS, timeout_s=timeout)
    ok = failed = n_pages = n_passages = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for item in inputs:
            path = item.label
            try:
                processed = run_stages(item.path, doc_id=item.doc_id, text=item.text, password=password,
                                       limits=limits, until="segment")
                doc, passages = processed.document, processed.passages
            except IngestError as exc:
                failed += 1
                typer.echo(f"FAILED {path}: {exc.reason}" + (f" ({exc.detail})" if exc.detail else ""), err=True)
                continue
            except Exception as exc:  # a bug or an unforeseen file: report it, keep going
                failed += 1
                typer.echo(f"FAILED {path}: {type(exc).__name__}: {exc}", err=True)
                continue
            ok += 1
            n_pages += doc.n_pages
            n_passages += len(passages)
            for warning in doc.warnings:
                typer.echo(f"WARNING {path}: {warning}", err=True)
            for p in passages:
                row = {"doc_id": item.doc_id, "page": p.page, "start": p.start, "end": p.end,
                       "section": p.section, "section_kind": p.section_kind, "region": p.region,
                       "paragraph": p.paragraph, "passage_id": p.passage_id, "text": p.text}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    typer.echo(f"{ok} files ok, {failed} failed; {n_pages} pages, {n_passages} passages -> {out}")
    if failed:
        raise typer.Exit(EXIT_FAILED)
