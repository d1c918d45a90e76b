"""Tables from page geometry: cells in the stream become rows of cells.

pypdfium2 emits a table cell by cell, so a chronology reads "12 March",
"Health visitor", "Home visit..." as separate lines, and any purely positional
sort interleaves the cells of one row with the next. Here a table is rebuilt
from where its cells start: cells whose first lines share a top edge form a
row, and a cell with no partner on its line (a second paragraph inside a
cell) joins the cell of its column in the row above. The result is one
``table_row`` line per row, its cells separated by tabs; cleaning turns that
into "Date: ... | Agency: ... | Event: ...".

pdfplumber's ruling-line extraction is available for a page as well
(:func:`pdfplumber_rows`); it is about 50x slower, so it is used only where a
caller asks for it.
"""

from __future__ import annotations

from statistics import median

from practice_themes.ingest.layout import column_frames, frame_of
from practice_themes.types import TextLine

CELL_SEPARATOR = "\t"
_MIN_ROWS = 3  # rows with two or more cells before a page counts as a table


def _cells(lines: list[TextLine]) -> list[list[TextLine]]:
    """Consecutive stream lines that continue one another form one cell."""
    heights = [ln.bottom - ln.top for ln in lines if ln.bottom > ln.top]
    pitch = 1.9 * (median(heights) if heights else 0.015)
    cells: list[list[TextLine]] = []
    for ln in lines:
        if cells:
            prev = cells[-1][-1]
            same_column = abs(ln.x0 - cells[-1][0].x0) < 0.03 or (prev.x0 < ln.x0 < prev.x1)
            below = 0 < ln.top - prev.top <= pitch
            if same_column and below:
                cells[-1].append(ln)
                continue
        cells.append([ln])
    return cells


def _rows_of_cells(cells: list[list[TextLine]]) -> list[list[list[TextLine]]]:
    tolerance = 0.004
    rows: list[list[list[TextLine]]] = []
    for cell in sorted(cells, key=lambda c: (c[0].top, c[0].x0)):
        if rows and abs(cell[0].top - rows[-1][0][0].top) <= tolerance:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return rows


def _split_frames(lines: list[TextLine]) -> tuple[list[tuple[float, float]], list[list[TextLine]], list[TextLine]] | None:
    """A multi-column page's lines per column frame (stream order kept), and
    the lines spanning a gutter; None on a single-column page."""
    frames = column_frames(lines)
    if frames is None:
        return None
    columns: list[list[TextLine]] = [[] for _ in frames]
    spanning: list[TextLine] = []
    for ln in lines:
        k = frame_of(ln, frames)
        (spanning if k is None else columns[k]).append(ln)
    return frames, columns, spanning


def _has_table(lines: list[TextLine]) -> bool:
    if len(lines) < 6:
        return False
    rows = _rows_of_cells(_cells(lines))
    return sum(1 for r in rows if len(r) >= 2) >= _MIN_ROWS


def looks_like_table(lines: list[TextLine]) -> bool:
    """True when at least three rows hold two or more cells side by side.

    Column layout is decided first: on a page set in columns of prose, lines
    of the left and right columns share baselines and would pass for the
    cells of a two-column table, so each column is looked at on its own.
    """
    if len(lines) < 6 or any(ln.size == 0.0 for ln in lines):
        return False
    split = _split_frames(lines)
    if split is None:
        return _has_table(lines)
    return any(_has_table(column) for column in split[1])


def _cell_text(cell: list[TextLine]) -> str:
    return " ".join(ln.text.strip() for ln in cell)


def table_lines(lines: list[TextLine]) -> list[TextLine]:
    """Replace the table part of a page's lines by one ``table_row`` line per row.

    Lines above the first and below the last multi-cell row stay as they are.
    On a page set in columns each column is rebuilt on its own, and its rows
    keep the column's frame and their own tops so that reading order still
    reads the page column by column.
    """
    split = _split_frames(lines) if lines and not any(ln.size == 0.0 for ln in lines) else None
    if split is None:
        return _table_lines(lines)
    frames, columns, spanning = split
    out = list(spanning)
    for (lo, hi), column in zip(frames, columns):
        out.extend(_table_lines(column, frame=(lo, hi)))
    return out


def _table_lines(lines: list[TextLine], frame: tuple[float, float] | None = None) -> list[TextLine]:
    if not _has_table(lines):
        return lines
    rows = _rows_of_cells(_cells(lines))
    multi = [i for i, r in enumerate(rows) if len(r) >= 2]
    if len(multi) < _MIN_ROWS:
        return lines
    first, last = multi[0], multi[-1]
    table: list[list[str]] = []
    starts: list[list[float]] = []
    tops: list[float] = []
    for row in rows[first : last + 1]:
        row = sorted(row, key=lambda c: c[0].x0)
        if len(row) >= 2 or not table:
            table.append([_cell_text(c) for c in row])
            starts.append([c[0].x0 for c in row])
            tops.append(row[0][0].top)
            continue
        x0 = row[0][0].x0
        if len(starts[-1]) >= 2 and abs(x0 - starts[-1][0]) < 0.01 and row[0][0].x1 > starts[-1][1] + 0.01:
            # A lone cell that starts in the first column and runs on over the
            # next is a whole row whose cells the PDF set as one line.
            table.append([_cell_text(row[0])])
            starts.append(starts[-1])
            tops.append(row[0][0].top)
            continue
        # A lone cell inside the table is a further paragraph of the cell
        # above it in the nearest column.
        j = min(range(len(starts[-1])), key=lambda k: abs(starts[-1][k] - x0))
        j = min(j, len(table[-1]) - 1)  # a row set as one line has one cell
        table[-1][j] = f"{table[-1][j]} {_cell_text(row[0])}".strip()
    top = rows[first][0][0].top
    out = [ln for r in rows[:first] for c in r for ln in c]
    for i, cells in enumerate(table):
        kind = "table_header" if i == 0 and looks_like_header(cells) else "table_row"
        if frame is None:
            x0, x1, row_top = 0.0, 1.0, top
        else:  # inside a column: keep to its frame, each row at its own top
            x0, x1, row_top = frame[0], frame[1], tops[i]
        out.append(TextLine(text=CELL_SEPARATOR.join(cells), x0=x0, top=row_top, x1=x1, bottom=row_top, size=-1.0, kind=kind))
    out.extend(ln for r in rows[last + 1 :] for c in r for ln in c)
    return out


def looks_like_header(cells: list[str]) -> bool:
    """A header row: two or more short cells with no sentence punctuation."""
    filled = [c for c in cells if c.strip()]
    return len(filled) >= 2 and all(len(c.split()) <= 4 and not c.rstrip().endswith((".", ",", ";")) for c in filled)


def pdfplumber_rows(path: str, page_number: int, *, password: str | None = None) -> list[list[str]]:
    """Rows of every ruled table on one page, read with pdfplumber (slow, exact)."""
    import pdfplumber

    with pdfplumber.open(path, password=password or "") as pdf:
        page = pdf.pages[page_number - 1]
        try:
            rows = [
                [" ".join((cell or "").split()) for cell in row]
                for table in page.extract_tables()
                for row in table
            ]
        finally:
            page.flush_cache()
    return [r for r in rows if any(r)]
