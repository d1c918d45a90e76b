"""Readers for human coding: long tables, wide sheets and REFI-QDA projects.

Every reader returns a ``GoldCoding``: a long frame of coded rows plus the
(document, coder) pairs that were coded. Which documents a coder coded is
taken to be the documents where that coder has at least one row (a row with
``present`` = 0 counts); a coverage file (``doc_id,coder``) adds documents a
coder read and coded with nothing. In a long table a theme with no row for a
covered document counts as absent; in a wide sheet a blank cell is missing.

Readers validate and never guess: a missing or misspelt column, an unknown
theme or coder, a duplicate row or a bad value raises ``AnnotationError``
naming the file and the spreadsheet row numbers.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from evaluation.tables import AnnotationError, read_table, require_columns, spreadsheet_row, to_binary

LONG_REQUIRED = ("doc_id", "coder", "theme")
LONG_OPTIONAL = ("quote", "start", "end", "page", "present", "note")
LONG_COLUMNS = ("doc_id", "coder", "theme", "present", "quote", "start", "end", "page", "note", "row")

# How many row numbers an error message lists before it says "and N more".
_MAX_ROWS_LISTED = 12


@dataclass
class GoldCoding:
    """Human coding in one shape, whatever file it came from.

    ``codes`` has the columns of ``LONG_COLUMNS`` (``row`` is the spreadsheet
    row, or 0 when the format has none). ``coverage`` lists the (doc_id, coder)
    pairs coded. ``blank_is_missing`` is True for wide sheets, where a theme
    without a row is unknown rather than absent. ``texts`` holds document
    texts a format carries (REFI-QDA sources).
    """

    codes: pd.DataFrame
    coverage: pd.DataFrame
    source: str
    blank_is_missing: bool = False
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def coders(self) -> list[str]:
        return sorted(self.coverage["coder"].unique().tolist())

    def document_matrix(self, theme_ids: Sequence[str]) -> pd.DataFrame:
        """Document-level codes: index (doc_id, coder), one float column per theme.

        1.0 when the coder has a row with present = 1 for the theme, 0.0 when
        the document is covered and the theme is not coded present, NaN when
        unknown (wide sheets with a blank cell).
        """
        index = pd.MultiIndex.from_frame(self.coverage[["doc_id", "coder"]].drop_duplicates())
        fill = math.nan if self.blank_is_missing else 0.0
        matrix = pd.DataFrame(fill, index=index, columns=list(theme_ids), dtype=float)
        codes = self.codes[self.codes["theme"].isin(theme_ids)]
        if len(codes):
            # max over rows: any present row makes the document code 1.
            values = codes.groupby(["doc_id", "coder", "theme"])["present"].max()
            for (doc_id, coder, theme), value in values.items():
                matrix.loc[(doc_id, coder), theme] = float(value)
        return matrix.sort_index()


def format_rows(rows: Iterable[int]) -> str:
    """'rows 3, 7 and 9' with a cap on how many are listed."""
    rows = sorted({int(r) for r in rows})
    shown = [str(r) for r in rows[:_MAX_ROWS_LISTED]]
    more = len(rows) - len(shown)
    if more:
        return "rows " + ", ".join(shown) + f" and {more} more"
    if len(shown) == 1:
        return f"row {shown[0]}"
    return "rows " + ", ".join(shown[:-1]) + f" and {shown[-1]}"


def _as_id(value: Any) -> str | None:
    """An identifier cell as text; Excel turns 101 into 101.0, so undo that."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = " ".join(str(value).split())
    return text or None


def _as_text(value: Any) -> str | None:
    """Free text, with blank cells (None or NaN, depending on the pandas version) as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _as_int(value: Any, *, source: str, row: int, column: str) -> float:
    if value is None:
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AnnotationError(f"{source}: row {row}: column {column!r} has {value!r}, expected a whole number") from None
    if math.isnan(number):
        return math.nan
    if not number.is_integer() or number < 0:
        raise AnnotationError(f"{source}: row {row}: column {column!r} has {value!r}, expected a whole number >= 0")
    return number


def _check_misspelt_optional(frame: pd.DataFrame, known: Sequence[str], source: str) -> None:
    """A column close to a known optional one is a typo; failing beats silently ignoring it."""
    for column in frame.columns:
        if column in known:
            continue
        close = difflib.get_close_matches(column.lower(), known, n=1, cutoff=0.75)
        if close and close[0] not in frame.columns:
            raise AnnotationError(
                f"{source}: column {column!r} is not recognised (did you mean {close[0]!r}?). "
                f"Expected columns: {', '.join(LONG_REQUIRED + LONG_OPTIONAL)}"
            )


def check_themes(codes: pd.DataFrame, theme_ids: Sequence[str] | None, source: str) -> None:
    """Raise listing every unknown theme id with its rows and closest known id."""
    if theme_ids is None:
        return
    known = set(theme_ids)
    bad = codes[~codes["theme"].isin(known)]
    if bad.empty:
        return
    parts = []
    for theme, group in bad.groupby("theme", sort=True):
        close = difflib.get_close_matches(str(theme), list(theme_ids), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"{theme!r}{hint} in {format_rows(group['row'])}")
    raise AnnotationError(f"{source}: unknown theme id " + "; ".join(parts) + ". Theme ids are those of the codebook")


def check_coders(codes: pd.DataFrame, coders: Sequence[str] | None, source: str) -> None:
    """Raise listing coders not in the expected list, with their rows."""
    if coders is None:
        return
    bad = codes[~codes["coder"].isin(set(coders))]
    if bad.empty:
        return
    parts = [f"{coder!r} in {format_rows(g['row'])}" for coder, g in bad.groupby("coder", sort=True)]
    raise AnnotationError(f"{source}: unknown coder " + "; ".join(parts) + f". Expected coders: {', '.join(coders)}")


def read_long(
    path: str | Path,
    *,
    theme_ids: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    sheet: str | None = None,
) -> GoldCoding:
    """Read a long coding table (CSV or XLSX): one row per coded theme per document per coder.

    Required columns ``doc_id, coder, theme``; optional ``quote, start, end,
    page, present, note``. ``present`` defaults to 1.
    """
    source = str(path)
    frame = read_table(path, sheet=sheet)
    require_columns(frame, LONG_REQUIRED, source)
    _check_misspelt_optional(frame, LONG_REQUIRED + LONG_OPTIONAL, source)
    records = []
    blanks: dict[str, list[int]] = {}
    for i, cells in enumerate(frame.to_dict("records")):
        row = spreadsheet_row(i)
        if all(v is None for v in cells.values()):
            continue  # spreadsheets often end in empty rows
        rec = {c: _as_id(cells.get(c)) for c in LONG_REQUIRED}
        for column in LONG_REQUIRED:
            if rec[column] is None:
                blanks.setdefault(column, []).append(row)
        present = to_binary(cells.get("present"), source=source, row=row, column="present")
        rec["present"] = 1 if math.isnan(present) else int(present)
        rec["quote"] = _as_text(cells.get("quote"))
        for column in ("start", "end", "page"):
            rec[column] = _as_int(cells.get(column), source=source, row=row, column=column)
        if not math.isnan(rec["start"]) and not math.isnan(rec["end"]) and rec["end"] <= rec["start"]:
            raise AnnotationError(f"{source}: row {row}: end ({rec['end']:.0f}) must be greater than start ({rec['start']:.0f})")
        if math.isnan(rec["start"]) != math.isnan(rec["end"]):
            raise AnnotationError(f"{source}: row {row}: give both start and end, or neither")
        rec["note"] = _as_text(cells.get("note"))
        rec["row"] = row
        records.append(rec)
    if blanks:
        raise AnnotationError(
            f"{source}: " + "; ".join(f"blank {col!r} in {format_rows(rows)}" for col, rows in blanks.items())
        )
    codes = pd.DataFrame(records, columns=list(LONG_COLUMNS))
    if codes.empty:
        raise AnnotationError(f"{source}: no coding rows")
    _check_duplicates(codes, source)
    check_themes(codes, theme_ids, source)
    check_coders(codes, coders, source)
    coverage = codes[["doc_id", "coder"]].drop_duplicates().reset_index(drop=True)
    return GoldCoding(codes=codes, coverage=coverage, source=source)


def _check_duplicates(codes: pd.DataFrame, source: str) -> None:
    """Exact duplicate rows are almost always a copy-paste slip; list them."""
    content = [c for c in LONG_COLUMNS if c != "row"]
    keyed = codes[content].astype(str)
    dup = keyed.duplicated(keep=False)
    if not dup.any():
        return
    by_content: dict[tuple, list[int]] = {}
    for values, row in zip(keyed[dup].itertuples(index=False, name=None), codes.loc[dup, "row"]):
        by_content.setdefault(values, []).append(row)
    groups = [format_rows(rows) for rows in by_content.values()]
    raise AnnotationError(f"{source}: duplicate rows (identical in every column): " + "; ".join(groups))


def read_coverage(path: str | Path, *, coders: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a ``doc_id,coder`` file listing the documents each coder coded."""
    source = str(path)
    frame = read_table(path)
    require_columns(frame, ("doc_id", "coder"), source)
    rows = []
    for i, cells in enumerate(frame.to_dict("records")):
        doc_id, coder = _as_id(cells.get("doc_id")), _as_id(cells.get("coder"))
        if doc_id is None and coder is None:
            continue
        if doc_id is None or coder is None:
            raise AnnotationError(f"{source}: row {spreadsheet_row(i)}: blank doc_id or coder")
        rows.append({"doc_id": doc_id, "coder": coder, "row": spreadsheet_row(i)})
    coverage = pd.DataFrame(rows, columns=["doc_id", "coder", "row"])
    check_coders(coverage, coders, source)
    return coverage[["doc_id", "coder"]].drop_duplicates().reset_index(drop=True)


def add_coverage(gold: GoldCoding, coverage: pd.DataFrame) -> GoldCoding:
    """Extend the documents each coder coded with an explicit coverage list."""
    merged = pd.concat([gold.coverage, coverage[["doc_id", "coder"]]], ignore_index=True)
    gold.coverage = merged.drop_duplicates().reset_index(drop=True)
    return gold


def read_wide(
    path: str | Path,
    *,
    unit: str,
    raters: Sequence[str],
    theme_column: str | None = None,
    theme: str | None = None,
    theme_ids: Sequence[str] | None = None,
    sheet: str | None = None,
) -> GoldCoding:
    """Read a wide sheet: one row per unit, one yes/no (1/0) column per rater.

    Units are documents (column ``unit``); each row is one theme, named in
    ``theme_column``, or the single ``theme`` of a one-theme study. A blank
    cell means the rater did not code that unit.
    """
    source = str(path)
    if (theme_column is None) == (theme is None):
        raise AnnotationError(f"{source}: give either a theme column or the one theme the sheet codes")
    frame = read_table(path, sheet=sheet)
    require_columns(frame, [unit, *raters] + ([theme_column] if theme_column else []), source)
    records = []
    seen: dict[tuple[str, str], int] = {}
    for i, cells in enumerate(frame.to_dict("records")):
        row = spreadsheet_row(i)
        doc_id = _as_id(cells.get(unit))
        if doc_id is None:
            if all(cells.get(r) is None for r in raters):
                continue
            raise AnnotationError(f"{source}: row {row}: blank {unit!r}")
        row_theme = _as_id(cells.get(theme_column)) if theme_column else theme
        if row_theme is None:
            raise AnnotationError(f"{source}: row {row}: blank {theme_column!r}")
        key = (doc_id, row_theme)
        if key in seen:
            raise AnnotationError(f"{source}: duplicate unit {doc_id!r} (theme {row_theme!r}) in {format_rows([seen[key], row])}")
        seen[key] = row
        for rater in raters:
            value = to_binary(cells.get(rater), source=source, row=row, column=rater)
            if math.isnan(value):
                continue
            records.append({"doc_id": doc_id, "coder": rater, "theme": row_theme, "present": int(value), "row": row})
    codes = pd.DataFrame(records, columns=["doc_id", "coder", "theme", "present", "row"])
    if codes.empty:
        raise AnnotationError(f"{source}: no coded cells in columns {', '.join(raters)}")
    for column in LONG_COLUMNS:
        if column not in codes:
            codes[column] = math.nan if column in ("start", "end", "page") else None
    codes = codes[list(LONG_COLUMNS)]
    check_themes(codes, theme_ids, source)
    coverage = codes[["doc_id", "coder"]].drop_duplicates().reset_index(drop=True)
    return GoldCoding(codes=codes, coverage=coverage, source=source, blank_is_missing=True)


def read_gold(
    path: str | Path,
    *,
    theme_ids: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    mapping: str | Path | None = None,
    ignore_unmapped: bool = False,
    coverage: str | Path | None = None,
    sheet: str | None = None,
) -> GoldCoding:
    """Read human coding from a long table (.csv/.xlsx) or a REFI-QDA project (.qdpx)."""
    path = Path(path)
    if path.suffix.lower() == ".qdpx":
        from evaluation.qdpx import read_qdpx

        if mapping is None:
            raise AnnotationError(f"{path}: a .qdpx project needs a mapping file from code names to theme ids (--mapping)")
        gold = read_qdpx(path, mapping=mapping, theme_ids=theme_ids, ignore_unmapped=ignore_unmapped)
        check_coders(gold.codes, coders, str(path))
    else:
        gold = read_long(path, theme_ids=theme_ids, coders=coders, sheet=sheet)
    if coverage is not None:
        add_coverage(gold, read_coverage(coverage, coders=coders))
    return gold
