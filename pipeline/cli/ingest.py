"""``practice-themes ingest``: files in, the cleaned passages out as JSON lines."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app

INPUT_SUFFIXES = (".pdf", ".docx", ".zip")


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given, folders searched recursively for PDF/DOCX/ZIP files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES))
        else:
            files.append(path)
    return files


@app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(..., help="PDF/DOCX files or folders (searched recursively)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output JSON-lines file, one passage per line."),
    password: str = typer.Option(None, "--password", help="Password for encrypted PDFs."),
    timeout: float = typer.Option(None, "--timeout", help="Per-document time limit in seconds."),
) -> None:
    """Write the passages the classifier would see: doc_id, page, start, end, section, region, text."""
    import json

    from pipeline.clean import clean_document, section_kind
    from pipeline.errors import IngestError
    from pipeline.ingest import doc_id_for, ingest_file
    from pipeline.segment import segment_document

    files = expand_inputs(paths)
    if not files:
        typer.echo("no PDF or DOCX files found", err=True)
        raise typer.Exit(code=1)
    ok = failed = n_pages = n_passages = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for path in files:
            try:
                doc = clean_document(ingest_file(path, password=password, timeout_s=timeout))
                passages = segment_document(doc)
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
                row = {"doc_id": doc_id_for(path), "page": p.page, "start": p.start, "end": p.end,
                       "section": p.section, "section_kind": section_kind(p.section), "region": p.region,
                       "paragraph": p.paragraph, "passage_id": p.passage_id, "text": p.text}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    typer.echo(f"{ok} files ok, {failed} failed; {n_pages} pages, {n_passages} passages -> {out}")
    if failed:
        raise typer.Exit(code=1)
