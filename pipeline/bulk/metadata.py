"""Join a per-document metadata CSV (year, area, review type, ...) onto the inputs."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from practice_themes.bulk.inputs import InputFile
from practice_themes.errors import PracticeThemesError

# Columns tried, in order, as the join key.
KEY_COLUMNS = ("doc_id", "id", "file", "file_name", "filename", "path")
# Names the pipeline's own columns use: metadata may not overwrite them.
RESERVED = {"doc_id", "status", "source_path", "content_sha256", "n_pages", "n_passages",
            "error_type", "stage", "error"}


class MetadataError(PracticeThemesError):
    """The metadata file cannot be used."""


@dataclass
class MetadataJoin:
    """Metadata per doc_id, plus the keys that did not line up."""

    key_column: str
    columns: list[str]
    by_doc: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # inputs with no metadata row
    extra: list[str] = field(default_factory=list)  # metadata keys matching no input

    def report(self) -> dict[str, Any]:
        return {"key_column": self.key_column, "columns": self.columns, "matched": len(self.by_doc),
                "missing": self.missing, "extra": self.extra}


def _typed(values: list[str]) -> list[Any]:
    """Whole-number columns (year, age) become ints; everything else stays text; blanks are None."""
    present = [v for v in values if v != ""]
    try:
        numbers = [int(v) for v in present]
    except ValueError:
        return [v if v != "" else None for v in values]
    it = iter(numbers)
    return [next(it) if v != "" else None for v in values]


def _match_keys(item: InputFile) -> list[str]:
    path = item.path
    if item.is_row:  # every row shares the table's path: only its id identifies it
        return [item.doc_id]
    return [item.doc_id, path.name, path.stem, str(path), path.as_posix()]


def join_metadata(path: str | Path, inputs: list[InputFile]) -> MetadataJoin:
    """Read ``path`` and match its rows to ``inputs`` by doc_id, file name or path.

    Raises:
        MetadataError: unreadable file, no key column, or a key given twice.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MetadataError(f"{path}: cannot read metadata CSV ({exc})") from exc
    header = list(rows[0].keys()) if rows else []
    normalised = {h.strip().lower(): h for h in header if h}
    key_header = next((normalised[k] for k in KEY_COLUMNS if k in normalised), None)
    if key_header is None:
        raise MetadataError(
            f"{path}: no key column; name one of {', '.join(KEY_COLUMNS)} (found: {', '.join(header) or 'none'})"
        )
    columns = [h for h in header if h and h != key_header and h.strip().lower() not in RESERVED]
    typed = {c: _typed([(r.get(c) or "").strip() for r in rows]) for c in columns}
    table: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        key = (row.get(key_header) or "").strip()
        if not key:
            raise MetadataError(f"{path}: row {i + 2} has an empty {key_header!r}")
        if key in table:
            raise MetadataError(f"{path}: {key_header} {key!r} appears more than once (row {i + 2})")
        table[key] = {c: typed[c][i] for c in columns}

    join = MetadataJoin(key_column=key_header, columns=columns)
    used: set[str] = set()
    for item in inputs:
        key = next((k for k in _match_keys(item) if k in table), None)
        if key is None:
            join.missing.append(item.doc_id)
            continue
        used.add(key)
        join.by_doc[item.doc_id] = table[key]
    join.extra = [k for k in table if k not in used]
    return join
