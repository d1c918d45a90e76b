"""Table rows as readable passages.

Ingestion hands over one line per table row with its cells separated by tabs
and marks a header row ``table_header``. A row of a chronology then reads
"Date: 12 March 2021 | Agency: Health visiting | Event: Home visit ..." rather
than interleaved cell fragments.
"""

from __future__ import annotations

from practice_themes.ingest.tables import CELL_SEPARATOR


def split_cells(text: str) -> list[str]:
    """The cells of one row line."""
    return [" ".join(cell.split()) for cell in text.split(CELL_SEPARATOR)]


def format_row(cells: list[str], header: list[str] | None = None) -> str:
    """One readable line for a table row, its cells labelled by the header.

    >>> format_row(["12 March", "GP", "Missed appointment"], ["Date", "Agency", "Event"])
    'Date: 12 March | Agency: GP | Event: Missed appointment'
    """
    if header and len(header) == len(cells):
        parts = [f"{h}: {c}" if h else c for h, c in zip(header, cells) if c]
    else:
        parts = [c for c in cells if c]
    return " | ".join(parts)


def format_header(cells: list[str]) -> str:
    """The header row itself: its labels joined."""
    return " | ".join(c for c in cells if c)
