"""Write coding results: the document x theme table, passage evidence, errors and the manifest.

Files in the output folder:
- ``documents.csv`` / ``documents.parquet``: one row per document, errors included:
  doc_id, status, source_path, content_sha256, n_pages, n_passages, error_type,
  stage, error, the metadata columns, then ``<theme>`` (0/1) and
  ``<theme>_score`` (probability) for every codebook theme. Failed documents
  have empty theme cells, never 0, so they cannot pass for "theme absent".
- ``passages.parquet``: evidence for present themes, strongest first.
- ``errors.csv``: file, doc_id, error_type, stage, reason.
- ``run.json``: versions, hashes, settings, timings and counts (``RunManifest``).
- ``documents.xlsx`` (optional): the three tables and the run summary as sheets.

Rows are sorted by doc_id (passages by doc_id, codebook theme order, rank),
so the same corpus always gives byte-identical tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

from practice_themes.codebook import Codebook
from practice_themes.fileio import atomic_write
from practice_themes.types import DocumentResult

DOCUMENT_COLUMNS = ("doc_id", "status", "source_path", "content_sha256", "n_pages", "n_passages",
                    "error_type", "stage", "error")
PASSAGE_COLUMNS = ("doc_id", "theme", "rank", "score", "page", "start", "end", "section", "region", "text")
ERROR_COLUMNS = ("file", "doc_id", "error_type", "stage", "reason")


def document_row(result: DocumentResult, codebook: Codebook, metadata_columns: Iterable[str] | None = None) -> dict:
    """One row of ``documents.csv``: status, metadata, and presence + probability per theme."""
    row: dict[str, Any] = {
        "doc_id": result.doc_id, "status": result.status, "source_path": result.source_path,
        "content_sha256": result.metadata.get("content_sha256"),
        "n_pages": result.n_pages, "n_passages": result.n_passages,
        "error_type": result.error_type or None, "stage": result.stage or None, "error": result.error or None,
    }
    columns = list(metadata_columns) if metadata_columns is not None else [
        k for k in result.metadata if k not in row
    ]
    for column in columns:
        row[column] = result.metadata.get(column)
    ok = result.status == "ok"
    tags = {t.theme_id: t for t in result.tags}
    for theme_id in codebook.ids:
        tag = tags.get(theme_id) if ok else None
        row[theme_id] = int(tag.present) if tag else None
        row[f"{theme_id}_score"] = round(float(tag.score), 4) if tag else None
    return row


def passage_rows(result: DocumentResult, codebook: Codebook | None = None) -> list[dict]:
    """Evidence rows for every present theme, strongest first (codebook order when given)."""
    order = {t: i for i, t in enumerate(codebook.ids)} if codebook is not None else {}
    tags = sorted(result.tags, key=lambda t: order.get(t.theme_id, len(order))) if order else result.tags
    rows = []
    for tag in tags:
        for rank, ev in enumerate(tag.evidence, start=1):
            p = ev.passage
            rows.append({
                "doc_id": result.doc_id, "theme": tag.theme_id, "rank": rank,
                "score": round(float(ev.score), 4), "page": p.page, "start": p.start, "end": p.end,
                "section": p.section, "region": p.region, "text": p.text,
            })
    return rows


def error_row(result: DocumentResult) -> dict:
    return {"file": result.source_path, "doc_id": result.doc_id, "error_type": result.error_type,
            "stage": result.stage, "reason": result.error}


def build_frames(results: list[DocumentResult], codebook: Codebook, metadata_columns: Iterable[str] | None = None):
    """The documents, passages and errors tables as sorted DataFrames."""
    import pandas as pd

    metadata_columns = list(metadata_columns or [])
    ordered = sorted(results, key=lambda r: r.doc_id)
    docs = pd.DataFrame([document_row(r, codebook, metadata_columns) for r in ordered])
    if docs.empty:
        docs = pd.DataFrame(columns=[*DOCUMENT_COLUMNS, *metadata_columns,
                                     *[c for t in codebook.ids for c in (t, f"{t}_score")]])
    for theme_id in codebook.ids:
        docs[theme_id] = docs[theme_id].astype("Int8")
        docs[f"{theme_id}_score"] = docs[f"{theme_id}_score"].astype("Float64")
    for column in ("n_pages", "n_passages"):
        docs[column] = docs[column].astype("Int64")
    for column in metadata_columns:
        raw = [r.metadata.get(column) for r in ordered]
        present = [v for v in raw if v is not None]
        # Whole-number metadata (year, age) stays whole when some documents lack it.
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            docs[column] = pd.array(raw, dtype="Int64")
    passages = pd.DataFrame([row for r in ordered if r.status == "ok" for row in passage_rows(r, codebook)],
                            columns=list(PASSAGE_COLUMNS))
    errors = pd.DataFrame([error_row(r) for r in ordered if r.status != "ok"], columns=list(ERROR_COLUMNS))
    return docs, passages, errors


def write_outputs(
    results: list[DocumentResult],
    codebook: Codebook,
    outdir: str | Path,
    *,
    metadata_columns: Iterable[str] | None = None,
    manifest: dict | None = None,
    xlsx: bool = False,
) -> dict[str, Path]:
    """Write every table (and the manifest, when given) into ``outdir``; returns the paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    docs, passages, errors = build_frames(results, codebook, metadata_columns)
    paths = {name: outdir / name for name in
             ("documents.csv", "documents.parquet", "passages.parquet", "errors.csv")}
    atomic_write(paths["documents.csv"], lambda p: docs.to_csv(p, index=False))
    atomic_write(paths["documents.parquet"], lambda p: docs.to_parquet(p, index=False))
    atomic_write(paths["passages.parquet"], lambda p: passages.to_parquet(p, index=False))
    atomic_write(paths["errors.csv"], lambda p: errors.to_csv(p, index=False))
    if xlsx:
        paths["documents.xlsx"] = outdir / "documents.xlsx"
        atomic_write(paths["documents.xlsx"], lambda p: _write_xlsx(p, docs, passages, errors, manifest))
    if manifest is not None:
        paths["run.json"] = write_manifest(manifest, outdir)
    return paths


@dataclass
class RunManifest:
    """``run.json``: what ``code`` ran, written by ``code`` and read by ``evaluate``.

    ``fingerprint`` is the classifier's own hash (weights, thresholds,
    codebook and settings), so it is the model hash evaluation reports.
    Keys a newer writer adds are kept in ``extra`` and written back as they were.
    """

    tool: str = "practice-themes code"
    command: list[str] = field(default_factory=list)
    started: str | None = None
    finished: str | None = None
    host: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    codebook: dict[str, Any] = field(default_factory=dict)
    classifier: dict[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    # Written for readers of the JSON; derived, so never read back.
    DERIVED: ClassVar[tuple[str, ...]] = ("model_hash", "codebook_sha256")

    @property
    def model_hash(self) -> str | None:
        return self.fingerprint

    @property
    def codebook_sha256(self) -> str | None:
        return self.codebook.get("sha256")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunManifest":
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        extra = {k: v for k, v in data.items() if k not in known and k not in cls.DERIVED}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        out.update(self.extra)
        out.update({"model_hash": self.model_hash, "codebook_sha256": self.codebook_sha256})
        return out


def write_manifest(manifest: RunManifest | Mapping[str, Any], outdir: str | Path) -> Path:
    """Write ``run.json`` through ``RunManifest``, so its keys are the ones ``read_manifest`` knows."""
    if not isinstance(manifest, RunManifest):
        manifest = RunManifest.from_dict(manifest)
    path = Path(outdir) / "run.json"
    text = json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return path


def read_manifest(path: str | Path) -> RunManifest | None:
    """The ``run.json`` of an output folder (or the file itself); None when there is none."""
    path = Path(path)
    path = path / "run.json" if path.is_dir() else path
    if not path.is_file():
        return None
    return RunManifest.from_dict(json.loads(path.read_text(encoding="utf-8")))


def read_output_csv(path: Path, error: type[Exception], **read_csv_options):
    """A CSV that ``code`` wrote, as a DataFrame; ``error`` naming the file when it is empty or not a CSV."""
    import pandas as pd

    try:
        return pd.read_csv(path, **read_csv_options)
    except pd.errors.EmptyDataError:
        raise error(f"{path}: the file is empty (0 bytes or no header); "
                    "re-run `practice-themes code` to write it again") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not a readable CSV ({type(exc).__name__}: {exc})") from None


def _write_xlsx(path, docs, passages, errors, manifest) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        docs.to_excel(writer, sheet_name="documents", index=False)
        passages.to_excel(writer, sheet_name="evidence", index=False)
        errors.to_excel(writer, sheet_name="errors", index=False)
        if manifest:
            flat = [{"field": k, "value": json.dumps(v, default=str) if isinstance(v, (dict, list)) else v}
                    for k, v in manifest.items()]
            pd.DataFrame(flat).to_excel(writer, sheet_name="run", index=False)
