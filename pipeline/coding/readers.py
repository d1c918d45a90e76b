"""Readers for human coding: long tables, document sheets, wide rater sheets and REFI-QDA projects.

Every reader returns a ``GoldCoding``: a long frame of coded rows plus the
(document, coder) pairs that were coded. Which documents a coder coded is
taken to be the documents where that coder has at least one row (a row with
``present`` = 0 counts); a coverage file (``doc_id,coder``) adds documents a
coder read and coded with nothing. In a long table a theme with no row for a
covered document counts as absent; in a wide sheet a blank cell is missing.

A document sheet (what ``sample`` writes into sheet "coding") has one row
per document: ``doc_id``, optional ``coder`` (absent: one coder named
"coder"), optional ``sample`` (``random`` or ``informative``) and one 0/1
column per theme id. A blank theme cell is not coded (NaN); a row of zeros
is a document coded with no theme present, so it is covered and negative
for every theme. A row whose theme cells are all blank is not coded yet and
is left out (listed in ``GoldCoding.notes``).

Readers validate and never guess: a missing or misspelt column, an unknown
theme or coder, a duplicate row or a bad value raises ``AnnotationError``
naming the file and the spreadsheet row numbers.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from practice_themes.coding.gold import (
    LONG_COLUMNS,
    LONG_OPTIONAL,
    LONG_REQUIRED,
    MAX_ROWS_LISTED,
    GoldCoding,
    check_coders,
    check_themes,
    format_rows,
)
from practice_themes.coding.qdpx import read_qdpx
from practice_themes.coding.tables import AnnotationError, read_table, require_columns, spreadsheet_row, to_binary

DOC_SHEET_OPTIONAL = ("coder", "sample", "note")
DOC_SHEET_CODER = "coder"  # the coder of a document sheet without a coder column
SAMPLE_KINDS = ("random", "informative")
CODING_SHEET = "coding"  # the sheet ``sample`` writes the coding into


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
    return _long_from_frame(read_table(path, sheet=sheet), str(path), theme_ids=theme_ids, coders=coders)


def _long_from_frame(
    frame: pd.DataFrame, source: str, *, theme_ids: Sequence[str] | None, coders: Sequence[str] | None
) -> GoldCoding:
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
    _check_conflicts(codes, source)
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


def _check_conflicts(codes: pd.DataFrame, source: str) -> None:
    """A present = 1 row and a present = 0 row for one document, coder and theme contradict each other."""
    spread = codes.groupby(["doc_id", "coder", "theme"])["present"].agg(["min", "max"])
    clashes = spread[spread["min"] != spread["max"]]
    if clashes.empty:
        return
    parts = []
    for doc_id, coder, theme in clashes.index[:MAX_ROWS_LISTED]:
        rows = codes[(codes["doc_id"] == doc_id) & (codes["coder"] == coder) & (codes["theme"] == theme)]
        yes = format_rows(rows.loc[rows["present"] == 1, "row"])
        no = format_rows(rows.loc[rows["present"] == 0, "row"])
        parts.append(f"{doc_id!r}, coder {coder!r}, theme {theme!r}: present = 1 in {yes} but present = 0 in {no}")
    more = len(clashes) - len(parts)
    raise AnnotationError(
        f"{source}: conflicting rows: " + "; ".join(parts) + (f"; and {more} more" if more else "")
        + ". Keep one of each pair"
    )


def read_doc_sheet(
    path: str | Path,
    *,
    theme_ids: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    sheet: str | None = None,
) -> GoldCoding:
    """Read a document sheet: one row per document (and coder), one 0/1 column per theme id.

    See the module docstring for the layout. Unknown columns are refused
    with the closest theme id; cells accept what the long table's
    ``present`` accepts (1/0, yes/no, "1.0").
    """
    return _doc_sheet_from_frame(read_table(path, sheet=sheet), str(path), theme_ids=theme_ids, coders=coders)


def _doc_sheet_from_frame(
    frame: pd.DataFrame, source: str, *, theme_ids: Sequence[str] | None, coders: Sequence[str] | None
) -> GoldCoding:
    require_columns(frame, ("doc_id",), source)
    themes = _doc_sheet_themes(frame, theme_ids, source)
    records, samples, seen = [], {}, {}
    blank_rows, sample_rows = [], {}
    for i, cells in enumerate(frame.to_dict("records")):
        row = spreadsheet_row(i)
        if all(v is None for v in cells.values()):
            continue
        doc_id = _as_id(cells.get("doc_id"))
        values = {theme: to_binary(cells.get(theme), source=source, row=row, column=theme) for theme in themes}
        if doc_id is not None and all(math.isnan(v) for v in values.values()):
            # A row of a handed-out sheet not coded yet (its coder cell is blank too): not a document.
            blank_rows.append(row)
            continue
        # The sample sheet leaves `coder` for the coder to fill in; a blank one is the sheet's one coder.
        coder = (_as_id(cells.get("coder")) if "coder" in frame.columns else None) or DOC_SHEET_CODER
        if doc_id is None:
            raise AnnotationError(f"{source}: row {row}: blank 'doc_id'")
        if (doc_id, coder) in seen:
            raise AnnotationError(
                f"{source}: document {doc_id!r} (coder {coder!r}) is in {format_rows([seen[(doc_id, coder)], row])}"
            )
        seen[(doc_id, coder)] = row
        if "sample" in frame.columns:
            kind = (_as_id(cells.get("sample")) or "").lower()
            if kind not in SAMPLE_KINDS:
                raise AnnotationError(
                    f"{source}: row {row}: column 'sample' has {cells.get('sample')!r}, expected "
                    + " or ".join(SAMPLE_KINDS)
                )
            if samples.setdefault(doc_id, kind) != kind:
                raise AnnotationError(
                    f"{source}: document {doc_id!r} is in the {samples[doc_id]} sample in row "
                    f"{sample_rows[doc_id]} but in the {kind} sample in row {row}"
                )
            sample_rows.setdefault(doc_id, row)
        records.extend({"doc_id": doc_id, "coder": coder, "theme": theme, "present": int(value), "row": row}
                       for theme, value in values.items() if not math.isnan(value))
    codes = pd.DataFrame(records, columns=["doc_id", "coder", "theme", "present", "row"])
    if codes.empty:
        raise AnnotationError(f"{source}: no coded cells in the theme columns ({', '.join(themes[:3])}, ...)")
    codes = _with_long_columns(codes)
    check_coders(codes, coders, source)
    coverage = codes[["doc_id", "coder"]].drop_duplicates().reset_index(drop=True)
    notes = []
    if blank_rows:
        notes.append(f"{source}: {format_rows(blank_rows)} have every theme cell blank; "
                     "read as not coded yet and left out (enter 0 for a theme that is absent)")
    covered = set(coverage["doc_id"])
    return GoldCoding(codes=codes, coverage=coverage, source=source, blank_is_missing=True,
                      samples={d: k for d, k in samples.items() if d in covered}, notes=notes)


def _doc_sheet_themes(frame: pd.DataFrame, theme_ids: Sequence[str] | None, source: str) -> list[str]:
    """The theme columns of a document sheet; any other column is an error naming the closest theme id."""
    others = [c for c in frame.columns if c != "doc_id" and c not in DOC_SHEET_OPTIONAL]
    if theme_ids is None:
        return others
    known = set(theme_ids)
    unknown = [c for c in others if c not in known]
    if unknown:
        parts = []
        for column in unknown:
            close = difflib.get_close_matches(column, list(theme_ids) + list(DOC_SHEET_OPTIONAL), n=1, cutoff=0.6)
            parts.append(f"{column!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise AnnotationError(
            f"{source}: column " + ", ".join(parts) + " is not a theme id. A document sheet has doc_id, optional "
            f"{', '.join(DOC_SHEET_OPTIONAL)}, and one 0/1 column per theme id of the codebook"
        )
    themes = [c for c in others if c in known]
    if not themes:
        raise AnnotationError(f"{source}: no column is a theme id (expected e.g. {', '.join(list(theme_ids)[:3])})")
    return themes


def _with_long_columns(codes: pd.DataFrame) -> pd.DataFrame:
    """Add the long table's optional columns (blank) so every reader returns the same frame."""
    for column in LONG_COLUMNS:
        if column not in codes:
            codes[column] = math.nan if column in ("start", "end", "page") else None
    return codes[list(LONG_COLUMNS)]


def is_doc_sheet(columns: Sequence[str], theme_ids: Sequence[str] | None) -> bool:
    """A long table has a ``theme`` column; a document sheet has ``doc_id`` and theme-id columns instead."""
    if "theme" in columns or "doc_id" not in columns:
        return False
    others = [c for c in columns if c != "doc_id" and c not in DOC_SHEET_OPTIONAL and c not in LONG_OPTIONAL]
    if theme_ids is None:
        return bool(others)
    return any(c in set(theme_ids) or difflib.get_close_matches(c, list(theme_ids), n=1, cutoff=0.75) for c in others)


def coding_sheet(path: str | Path, sheet: str | None) -> str | None:
    """The sheet to read: the one asked for, else "coding" when an .xlsx has it, else the first."""
    if sheet is not None or Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return sheet
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - read_table reports an unreadable file with its own message
        return None
    try:
        return CODING_SHEET if CODING_SHEET in workbook.sheetnames else None
    finally:
        workbook.close()


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
    codes = _with_long_columns(codes)
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
    """Read human coding from a long table, a document sheet (.csv/.xlsx) or a REFI-QDA project (.qdpx).

    A table with a ``theme`` column is a long table; one with ``doc_id`` and
    theme-id columns is a document sheet. In an .xlsx the sheet "coding" is
    read when there is one and ``sheet`` is not given.
    """
    path = Path(path)
    if path.suffix.lower() == ".qdpx":
        if mapping is None:
            raise AnnotationError(f"{path}: a .qdpx project needs a mapping file from code names to theme ids (--mapping)")
        gold = read_qdpx(path, mapping=mapping, theme_ids=theme_ids, ignore_unmapped=ignore_unmapped)
        check_coders(gold.codes, coders, str(path))
    else:
        frame = read_table(path, sheet=coding_sheet(path, sheet))
        source = str(path)
        if is_doc_sheet(list(frame.columns), theme_ids):
            gold = _doc_sheet_from_frame(frame, source, theme_ids=theme_ids, coders=coders)
        else:
            gold = _long_from_frame(frame, source, theme_ids=theme_ids, coders=coders)
    if coverage is not None:
        add_coverage(gold, read_coverage(coverage, coders=coders))
    return gold
