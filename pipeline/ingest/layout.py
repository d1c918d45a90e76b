"""Page layout from pypdfium2: lines with geometry, columns and reading order.

pypdfium2 returns a page's text in content-stream order with ``\\r\\n``
between lines. Each line's first and last character boxes give where the line
sits, which is all the cleaning stage needs to find paragraph gaps, running
headers, footnotes and headings. Reading order is rebuilt from that geometry,
because boxed call-outs often sit at the end of the stream but the top of the
page, and two-column pages must be read column by column.
"""

from __future__ import annotations

from statistics import median

from pipeline.types import TextLine

# Share of the page width either side of the centre that a two-column gutter
# may occupy, and the share of lines that must keep to one side of it.
_GUTTER_SLACK = 0.04
_MIN_COLUMN_SHARE = 0.25


def textpage_lines(textpage, width: float, height: float) -> list[TextLine]:
    """The lines of one pypdfium2 text page, in stream order, with geometry."""
    import pypdfium2.raw as pdfium_c

    text = textpage.get_text_range()
    n_chars = textpage.count_chars()
    lines: list[TextLine] = []
    pos = 0
    for raw in text.split("\r\n"):
        stripped = raw.strip()
        if stripped and pos < n_chars:
            first = pos + len(raw) - len(raw.lstrip())
            last = min(pos + len(raw.rstrip()) - 1, n_chars - 1)
            # Size and weight come from the first letter or digit: a bullet
            # glyph is often set in a symbol font of another size.
            lead = next((pos + i for i, ch in enumerate(raw) if ch.isalnum()), first)
            left, _, _, _ = textpage.get_charbox(first, loose=True)
            _, lead_bottom, _, top = textpage.get_charbox(min(lead, n_chars - 1), loose=True)
            # pdfium joins lines broken at a hyphen into one, so the bottom is
            # taken from the last character: it may sit a line lower.
            _, bottom, right, _ = textpage.get_charbox(last, loose=True)
            bottom = min(bottom, lead_bottom)
            weight = pdfium_c.FPDFText_GetFontWeight(textpage.raw, min(lead, n_chars - 1))
            lines.append(
                TextLine(
                    text=raw,
                    x0=left / width,
                    top=1.0 - top / height,
                    x1=right / width,
                    bottom=1.0 - bottom / height,
                    size=max(top - lead_bottom, 0.0),
                    bold=weight >= 600,
                )
            )
        elif stripped:
            lines.append(TextLine(text=raw))
        pos += len(raw) + 2
    return lines


def is_two_column(lines: list[TextLine]) -> bool:
    """True when most lines keep to one half of the page or the other.

    Two clusters of x positions with (almost) nothing crossing the centre line
    is the signature of a two-column layout; titles spanning both columns are
    allowed as long as they are a minority.
    """
    body = [ln for ln in lines if len(ln.text.strip()) > 3]
    if len(body) < 12:
        return False
    mid = 0.5
    left = sum(1 for ln in body if ln.x1 <= mid + _GUTTER_SLACK and ln.x0 < mid - 0.1)
    right = sum(1 for ln in body if ln.x0 >= mid - _GUTTER_SLACK and ln.x1 > mid + 0.1)
    n = len(body)
    return left / n >= _MIN_COLUMN_SHARE and right / n >= _MIN_COLUMN_SHARE and (left + right) / n >= 0.8


def _by_position(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom; lines sharing a baseline go left to right."""
    if not lines:
        return lines
    tolerance = 0.3 * (median(ln.bottom - ln.top for ln in lines) or 0.01)
    ordered = sorted(lines, key=lambda ln: ln.top)
    rows: list[list[TextLine]] = []
    for ln in ordered:
        if rows and abs(ln.top - rows[-1][0].top) <= tolerance:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.x0)]


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Lines in reading order: by position, column by column on two-column pages."""
    if any(ln.x0 == 0.0 and ln.x1 == 1.0 and ln.size == 0.0 for ln in lines):
        return lines  # no geometry for some lines: keep the stream order
    if not is_two_column(lines):
        return _by_position(lines)
    mid = 0.5
    out: list[TextLine] = []
    band: list[TextLine] = []

    def flush() -> None:
        left = [ln for ln in band if ln.x0 < mid - _GUTTER_SLACK]
        right = [ln for ln in band if ln.x0 >= mid - _GUTTER_SLACK]
        out.extend(_by_position(left))
        out.extend(_by_position(right))
        band.clear()

    # A line that crosses the gutter (a title or full-width figure caption)
    # closes the band of columns above it.
    for ln in _by_position(lines):
        if ln.x0 < mid - 0.1 and ln.x1 > mid + 0.1:
            flush()
            out.append(ln)
        else:
            band.append(ln)
    flush()
    return out
