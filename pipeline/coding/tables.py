"""Reading coding spreadsheets as people export them.

Shared by every reader of human coding: CSV or XLSX, formula cells with
cached values, stray spaces in headers and cells, yes/no vocabularies.
Errors name the file, the row number (as a spreadsheet user counts rows)
and the closest existing column, and never guess.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from practice_themes.errors import CodingError


class AnnotationError(CodingError):
    """A coding file cannot be read as given; the message says where and why."""


_TRUE = {"1", "yes", "y", "true", "t", "present", "x"}
_FALSE = {"0", "no", "n", "false", "f", "absent"}


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX sheet with every cell as text, headers and cells stripped.

    XLSX formula cells are read through openpyxl, which returns the value
    cached by the spreadsheet program, not the formula.
    """
    path = Path(path)
    if not path.is_file():
        raise AnnotationError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".tsv":
            frame = pd.read_csv(path, dtype=str, sep="\t", keep_default_na=False, encoding="utf-8-sig")
        else:
            raise AnnotationError(f"{path}: unsupported file type {suffix!r}; use .csv, .tsv or .xlsx")
    except ValueError as exc:
        if isinstance(exc, AnnotationError):
            raise
        raise AnnotationError(f"{path}: cannot read sheet {sheet!r}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.map(_clean_cell)).astype(object)


def _clean_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return value


def spreadsheet_row(index: int) -> int:
    """The row number a spreadsheet user sees for a 0-based data row (header is row 1)."""
    return int(index) + 2


def require_columns(frame: pd.DataFrame, required: Iterable[str], source: str) -> None:
    """Raise an ``AnnotationError`` naming each missing column and its closest match."""
    present = list(frame.columns)
    problems = []
    for column in required:
        if column in present:
            continue
        close = difflib.get_close_matches(column, present, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"missing column {column!r}{hint}")
    if problems:
        raise AnnotationError(
            f"{source}: " + "; ".join(problems) + f". Columns found: {', '.join(map(repr, present))}"
        )


def to_binary(value: Any, *, source: str = "", row: int | None = None, column: str = "") -> float:
    """Map yes/no/true/false/1/0 (any case) to 1.0/0.0 and blank to NaN; else raise."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return math.nan
        if value in (0, 1):
            return float(value)
    text = str(value).strip().lower()
    # "1.0"/"0.0": how a spreadsheet or pandas writes a whole number stored as a float.
    if text in ("1.0", "0.0"):
        return float(text)
    if text in _TRUE:
        return 1.0
    if text in _FALSE:
        return 0.0
    if text in ("", "na", "n/a", "nan", "none", "-"):
        return math.nan
    where = f"{source}: row {row}" if row is not None else source
    raise AnnotationError(f"{where}: column {column!r} has {value!r}, expected yes/no or 1/0")
