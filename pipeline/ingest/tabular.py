"""CSV and JSON-lines tables of texts: one document per row.

``read_table(path, spec)`` gives one ``TableRow`` per data row: the id cell
and the named text columns joined as paragraphs (blank lines), in the order
given. A cell that holds several paragraphs keeps them. The columns are
never guessed: ``TableSpec`` names them (``--id-column``, ``--text-columns``).

Errors name what to fix: a missing column lists the columns the table has;
duplicate or empty ids list the rows. A row whose text cells are all empty is
kept with empty text, so that it becomes that document's error row (the text
reader raises ``EmptyDocumentError``) while the other rows are coded.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from practice_themes.errors import PracticeThemesError
from practice_themes.ingest.text import document_from_text
from practice_themes.types import Document

TABLE_SUFFIXES = (".csv", ".jsonl")
# A coroner's report or a whole review fits in one cell; csv's default limit is 128 KB.
_CSV_FIELD_LIMIT = 1 << 28


class TableError(PracticeThemesError):
    """A table of texts cannot be read as documents (missing column, duplicate ids, ...)."""


@dataclass(frozen=True)
class TableSpec:
    """Which column holds the document id and which hold its text, in reading order."""

    id_column: str
    text_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableRow:
    """One row as a document: ``row`` is its spreadsheet row (CSV, header = 1) or line (JSONL)."""

    doc_id: str
    text: str
    source: Path
    row: int


def is_table(path: str | Path) -> bool:
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a pandas export
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h for h in (reader.fieldnames or []) if h is not None]
        # Numbered as a spreadsheet shows them: the header is row 1.
        return header, list(enumerate(reader, start=2))


def _jsonl_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    records: list[tuple[int, dict[str, Any]]] = []
    header: dict[str, None] = {}
    with open(path, encoding="utf-8-sig") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TableError(f"{path}: line {line_no} is not JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise TableError(f"{path}: line {line_no} is not a JSON object")
            header.update(dict.fromkeys(record))
            records.append((line_no, record))
    return list(header), records


def read_table(path: str | Path, spec: TableSpec) -> list[TableRow]:
    """The rows of a .csv or .jsonl file as documents.

    Raises:
        TableError: unreadable file, a named column missing, an empty or duplicate id.
    """
    path = Path(path)
    if not is_table(path):
        raise TableError(f"{path}: a table must be .csv or .jsonl")
    try:
        header, records = _csv_rows(path) if path.suffix.lower() == ".csv" else _jsonl_rows(path)
        missing = [c for c in (spec.id_column, *spec.text_columns) if c not in header]
        if missing:
            raise TableError(f"{path}: no column {', '.join(map(repr, missing))}; "
                             f"the columns are: {', '.join(header) or 'none'}")
        out: list[TableRow] = []
        for row_no, record in records:
            parts = [_cell_text(record.get(c)) for c in spec.text_columns]
            out.append(TableRow(doc_id=_cell_text(record.get(spec.id_column)),
                                text="\n\n".join(p for p in parts if p), source=path, row=row_no))
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: not UTF-8 (byte offset {exc.start}); re-save the table as UTF-8") from None
    except csv.Error as exc:
        raise TableError(f"{path}: not a readable CSV ({exc})") from None
    _check_ids(path, spec.id_column, out)
    return out


def row_document(row: TableRow) -> Document:
    """The row as an ingested (not yet cleaned) document; its source is the table."""
    return document_from_text(row.text, doc_id=row.doc_id, source_path=str(row.source))


def _check_ids(path: Path, id_column: str, rows: list[TableRow]) -> None:
    unit = "line" if path.suffix.lower() == ".jsonl" else "row"
    empty = [r.row for r in rows if not r.doc_id]
    if empty:
        raise TableError(f"{path}: empty {id_column!r} in {unit}(s) {_few(empty)}")
    where: dict[str, list[int]] = {}
    for r in rows:
        where.setdefault(r.doc_id, []).append(r.row)
    repeated = {d: rows_ for d, rows_ in where.items() if len(rows_) > 1}
    if repeated:
        listed = "; ".join(f"{d!r} in {unit}s {_few(rows_)}" for d, rows_ in list(repeated.items())[:5])
        raise TableError(f"{path}: {id_column!r} must be unique; repeated: {listed}"
                         + (f" (+{len(repeated) - 5} more ids)" if len(repeated) > 5 else ""))


def _few(numbers: list[int], n: int = 10) -> str:
    return ", ".join(map(str, numbers[:n])) + (f", ... (+{len(numbers) - n})" if len(numbers) > n else "")
