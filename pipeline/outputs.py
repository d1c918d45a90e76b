"""Write coding results: the document x theme table and passage evidence."""

from __future__ import annotations

from pathlib import Path

from pipeline.codebook import Codebook
from pipeline.types import DocumentResult

DOCUMENT_COLUMNS = ("doc_id", "status", "source_path", "n_pages", "n_passages", "error_type", "stage", "error")
PASSAGE_COLUMNS = ("doc_id", "theme", "rank", "score", "page", "start", "end", "section", "region", "text")


def document_row(result: DocumentResult, codebook: Codebook) -> dict:
    """One row of ``documents.csv``: status, metadata, and presence + probability per theme."""
    row = {
        "doc_id": result.doc_id, "status": result.status, "source_path": result.source_path,
        "n_pages": result.n_pages, "n_passages": result.n_passages,
        "error_type": result.error_type, "stage": result.stage, "error": result.error,
    }
    row.update(result.metadata)
    tags = {t.theme_id: t for t in result.tags}
    for theme_id in codebook.ids:
        tag = tags.get(theme_id)
        row[theme_id] = int(tag.present) if tag else None
        row[f"{theme_id}_score"] = round(tag.score, 4) if tag else None
    return row


def passage_rows(result: DocumentResult) -> list[dict]:
    """Evidence rows for every present theme, strongest first."""
    rows = []
    for tag in result.tags:
        for rank, ev in enumerate(tag.evidence, start=1):
            p = ev.passage
            rows.append({
                "doc_id": result.doc_id, "theme": tag.theme_id, "rank": rank,
                "score": round(ev.score, 4), "page": p.page, "start": p.start, "end": p.end,
                "section": p.section, "region": p.region, "text": p.text,
            })
    return rows


def write_tables(results: list[DocumentResult], codebook: Codebook, outdir: str | Path) -> None:
    import pandas as pd

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    docs = pd.DataFrame([document_row(r, codebook) for r in results])
    docs.to_csv(outdir / "documents.csv", index=False)
    rows = [row for r in results for row in passage_rows(r)]
    passages = pd.DataFrame(rows, columns=list(PASSAGE_COLUMNS))
    passages.to_csv(outdir / "passages.csv", index=False)
