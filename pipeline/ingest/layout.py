"""Page layout from pypdfium2: lines with geometry, columns and reading order.

pypdfium2 returns a page's text in content-stream order with ``\\r\\n``
between lines. Each line's first and last character boxes give where the line
sits, which is all the cleaning stage needs to find paragraph gaps, running
headers, footnotes and headings. Reading order is rebuilt from that geometry,
because boxed call-outs often sit at the end of the stream but the top of the
page, and two-column pages must be read column by column.
"""

from __future__ import annotations

import re
from statistics import median

from practice_themes.types import TextLine

# A run of digits that may be a note reference ("...appropriate).112", "time.2 The").
_DIGIT_RUN = re.compile(r"(?<!\d)\d{1,3}(?:,\d{1,3})*(?!\w)")
_TRAILING_DIGITS = re.compile(r"\d{1,3}$")
_LEADING_DIGITS = re.compile(r"\s*(\d{1,3})")
_LETTER = re.compile(r"[^\W\d_]")
_MARK_HEIGHT = 0.85  # a raised note mark is set at most this share of the line's type height
_MARK_RISE = 0.15  # ... and sits at least this share of it above the line's baseline


def _without_note_marks(textpage, raw: str, pos: int, baseline: float, height: float) -> str:
    """``raw`` without the raised, smaller digits of note references set inside the line.

    pdfium returns a superscript "12" as ordinary text ("...as appropriate). 12"),
    which would otherwise read as a number in the sentence. Only digits whose
    boxes are both smaller and raised relative to the line's first letter go.
    """
    if height <= 0:
        return raw
    cuts = []
    for m in _DIGIT_RUN.finditer(raw):
        if m.start() == len(raw) - len(raw.lstrip()):
            continue  # a note's own number opens its line: footnote detection needs it
        _, bottom, _, top = textpage.get_charbox(pos + m.start(), loose=True)
        if top - bottom < _MARK_HEIGHT * height and bottom > baseline + _MARK_RISE * height:
            a, b = m.span()
            before, after = raw[:a].rstrip(), raw[b:].lstrip()
            if before.endswith("(") and after.startswith(")"):  # "(45)" in legislation
                a, b = len(before) - 1, len(raw) - len(after) + 1
            cuts.append((a, b))
    for a, b in reversed(cuts):
        raw = raw[:a] + raw[b:]
    return raw

# How far (share of the page width) a line may stray over the cut between two
# column frames and still belong to the frame it starts in.
_GUTTER_SLACK = 0.04


def _leading_mark(textpage, raw: str, pos: int) -> int:
    """Where the text starts after a raised note mark that opens the line (0 when there is none).

    pdfium breaks a line at a superscript, so a reference mark often opens the
    next line ("4 Early help means ..." after "...benefit from early help."),
    and every footnote opens with one. The mark's digits are smaller than the
    line's first letter and raised above its baseline; they may run straight
    into a number of the text ("3" + "16-19 Academies ...").
    """
    digits = _LEADING_DIGITS.match(raw)
    letter = _LETTER.search(raw, digits.end()) if digits else None
    if letter is None:
        return 0
    _, bottom, _, top = textpage.get_charbox(pos + letter.start(), loose=True)
    size = top - bottom
    end = digits.start(1)
    while end < digits.end(1) and size > 0:
        _, mark_bottom, _, mark_top = textpage.get_charbox(pos + end, loose=True)
        if not (mark_top - mark_bottom < _MARK_HEIGHT * size and mark_bottom > bottom + _MARK_RISE * size):
            break
        end += 1
    if end == digits.start(1):
        return 0
    return end + len(raw[end:]) - len(raw[end:].lstrip())


def _stray_tail(textpage, raw: str, pos: int, left: float, line_height: float,
                width: float, height: float) -> TextLine | None:
    """A note's raised number that pdfium appended to the line above it, as a line of its own.

    pdfium sometimes ends a body line with the "1" that opens the footnote
    below it ("... that the chil-1"); its box lies back at the left margin,
    before the line's own start, which no character of the line itself does,
    and it is set smaller than the line.
    """
    end = raw.rstrip()
    if not end[-1:].isdigit():
        return None
    tail = _TRAILING_DIGITS.search(end)
    if tail is None or tail.start() == len(raw) - len(raw.lstrip()):
        return None
    x0, bottom, x1, top = textpage.get_charbox(pos + tail.start(), loose=True)
    if x1 > left + 1.0 or top - bottom >= _MARK_HEIGHT * line_height:
        return None
    return TextLine(text=tail.group(), x0=x0 / width, top=1.0 - top / height, x1=x1 / width,
                    bottom=1.0 - bottom / height, size=max(top - bottom, 0.0))


def textpage_lines(textpage, width: float, height: float) -> list[TextLine]:
    """The lines of one pypdfium2 text page, in stream order, with geometry."""
    import pypdfium2.raw as pdfium_c

    text = textpage.get_text_range()
    n_chars = textpage.count_chars()
    lines: list[TextLine] = []
    pos = 0
    for segment in text.split("\r\n"):
        raw, stripped = segment, segment.strip()
        if stripped and pos < n_chars:
            first = pos + len(raw) - len(raw.lstrip())
            last = min(pos + len(raw.rstrip()) - 1, n_chars - 1)
            # Size and weight come from the first letter or digit: a bullet
            # glyph is often set in a symbol font of another size.
            lead = next((pos + i for i, ch in enumerate(raw) if ch.isalnum()), first)
            start = _leading_mark(textpage, raw, pos) if raw.lstrip()[:1].isdigit() else 0
            if start:
                lead = pos + start  # the line's type is the text's, not its mark's
            left, _, _, _ = textpage.get_charbox(first, loose=True)
            _, lead_bottom, _, top = textpage.get_charbox(min(lead, n_chars - 1), loose=True)
            stray = _stray_tail(textpage, raw, pos, left, top - lead_bottom, width, height)
            if stray is not None:
                raw = raw[: len(raw.rstrip()) - len(stray.text)]
                last = min(pos + len(raw.rstrip()) - 1, n_chars - 1)
            # pdfium joins lines broken at a hyphen into one, so the bottom is
            # taken from the last character: it may sit a line lower.
            _, bottom, right, _ = textpage.get_charbox(last, loose=True)
            bottom = min(bottom, lead_bottom)
            weight = pdfium_c.FPDFText_GetFontWeight(textpage.raw, min(lead, n_chars - 1))
            text = _without_note_marks(textpage, raw, pos, lead_bottom, top - lead_bottom)
            lines.append(
                TextLine(
                    text=text[start:],
                    mark=raw[:start].strip(),
                    x0=left / width,
                    top=1.0 - top / height,
                    x1=right / width,
                    bottom=1.0 - bottom / height,
                    size=max(top - lead_bottom, 0.0),
                    bold=weight >= 600,
                )
            )
            if stray is not None:
                lines.append(stray)
        elif stripped:
            lines.append(TextLine(text=raw))
        pos += len(segment) + 2
    return lines


_BINS = 200  # resolution of the gutter search: 0.5% of the page width
_MIN_GUTTER_BINS = 2  # a gutter is at least 1% of the page wide
_MAX_CROSSING_SHARE = 0.15  # titles and captions that may span a gutter
_MIN_SIDE_SHARE = 0.15  # lines that must lie wholly on each side of a gutter
_MIN_FRAME_WIDTH = 0.2  # a column of prose is at least a fifth of the page wide
_GUTTER_CROSSING_SLACK = 0.03  # a gutter's bins are crossed by at most this share more lines than its emptiest
_PROSE_WORDS = 3  # a prose line has at least this many words
_MIN_PROSE_SHARE = 0.6  # share of a column's lines that must be prose


def _has_geometry(ln: TextLine) -> bool:
    return ln.x1 > ln.x0 and not (ln.x0 == 0.0 and ln.x1 == 1.0)


def _emptiest_stretch(a: int, b: int, crossing_at: list[int], slack: int) -> tuple[int, int]:
    """The longest stretch of bins a..b crossed by at most ``slack`` more lines than the fewest.

    A run of "free" bins may reach into the hanging indent of the next
    column, where only the paragraph-number lines cross: few enough to pass
    as free when a table's short cells inflate the line count. The real
    gutter is where the fewest lines cross (often only a running header).
    """
    most = min(crossing_at[a:b + 1]) + slack
    best, start = (a, a - 1), None
    for i in range(a, b + 2):
        if i <= b and crossing_at[i] <= most:
            start = i if start is None else start
        elif start is not None:
            if i - start > best[1] - best[0] + 1:
                best = (start, i - 1)
            start = None
    return best


def column_frames(lines: list[TextLine]) -> list[tuple[float, float]] | None:
    """The column frames of a multi-column page, left to right, or None.

    A gutter is a vertical strip, at least 1% of the page wide, that (almost)
    no body line crosses and that has a good share of the lines wholly on
    either side. That alone also matches the columns of a table, so the page
    counts as multi-column only when every frame between gutters is wide and
    filled with prose (lines of several words): a date or agency column of a
    chronology is neither. The search is one pass over the lines into a
    difference array, so it costs next to nothing on single-column pages.
    """
    body = [ln for ln in lines if _has_geometry(ln) and len(ln.text.strip()) > 3]
    n = len(body)
    if n < 12:
        return None
    diff = [0] * (_BINS + 2)
    lefts = [0] * (_BINS + 2)  # lines ending in each bin
    rights = [0] * (_BINS + 2)  # lines starting in each bin
    for ln in body:
        a = min(max(int(ln.x0 * _BINS), 0), _BINS)
        b = min(max(int(ln.x1 * _BINS), 0), _BINS)
        if b > a + 1:
            diff[a + 1] += 1
            diff[b] -= 1
        lefts[b] += 1
        rights[a] += 1
    max_cross = _MAX_CROSSING_SHARE * n
    min_side = max(4, _MIN_SIDE_SHARE * n)
    crossing = 0
    ended = 0  # lines wholly left of the current bin
    started_after = n  # lines starting at or right of the current bin
    runs: list[list[int]] = []
    crossing_at = [0] * _BINS
    for i in range(_BINS):
        crossing += diff[i]
        crossing_at[i] = crossing
        ended += lefts[i - 1] if i else 0
        started_after -= rights[i - 1] if i else 0
        free = i >= int(0.1 * _BINS) and i <= int(0.9 * _BINS) and crossing <= max_cross
        if free and ended >= min_side and started_after >= min_side:
            if runs and runs[-1][1] == i - 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
    runs = [_emptiest_stretch(a, b, crossing_at, max(1, round(_GUTTER_CROSSING_SLACK * n))) for a, b in runs]
    gutters = [(a / _BINS, (b + 1) / _BINS) for a, b in runs if b - a + 1 >= _MIN_GUTTER_BINS]
    if not gutters:
        return None
    edges = [0.0] + [x for g in gutters for x in g] + [1.0]
    frames = [(edges[k], edges[k + 1]) for k in range(0, len(edges), 2)]
    for f0, f1 in frames:
        inside = [ln for ln in body if ln.x0 >= f0 - 0.005 and ln.x1 <= f1 + 0.005]
        if not inside:
            return None
        x0 = min(ln.x0 for ln in inside)
        x1 = max(ln.x1 for ln in inside)
        if x1 - x0 < _MIN_FRAME_WIDTH:
            return None
        prose = sum(1 for ln in inside if len(ln.text.split()) >= _PROSE_WORDS)
        if prose < _MIN_PROSE_SHARE * len(inside):
            return None
    # Frames meet in the middle of each gutter.
    cuts = [(g0 + g1) / 2 for g0, g1 in gutters]
    return [(lo, hi) for lo, hi in zip([0.0] + cuts, cuts + [1.0])]


def frame_of(ln: TextLine, frames: list[tuple[float, float]]) -> int | None:
    """Index of the column frame a line sits in, or None when it spans a gutter."""
    for k, (lo, hi) in enumerate(frames):
        if ln.x0 >= lo - _GUTTER_SLACK / 4 and ln.x1 <= hi + _GUTTER_SLACK / 4:
            return k
    # A line that only just pokes over a cut (a long word) belongs where it starts. A short
    # centred line (a "Page 3 of 5" footer) straddles the cut instead: it spans the gutter,
    # so it is read after the columns rather than glued to the end of the left one.
    for k, (lo, hi) in enumerate(frames):
        if lo <= ln.x0 < hi and ln.x1 <= hi + _GUTTER_SLACK and ln.x1 - hi <= 0.25 * (ln.x1 - ln.x0):
            return k
    return None


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
    """Lines in reading order: by position, column by column on multi-column pages.

    A line that spans a gutter (a title, a full-width figure caption or table
    row) closes the band of columns above it, so a page that starts in one
    column and goes on in two is read band by band.
    """
    if any(ln.x0 == 0.0 and ln.x1 == 1.0 and ln.size == 0.0 for ln in lines):
        return lines  # no geometry for some lines: keep the stream order
    frames = column_frames(lines)
    if frames is None:
        return _by_position(lines)
    out: list[TextLine] = []
    band: list[list[TextLine]] = [[] for _ in frames]

    def flush() -> None:
        for column in band:
            out.extend(_by_position(column))
            column.clear()

    for ln in _by_position(lines):
        k = frame_of(ln, frames)
        if k is None:
            flush()
            out.append(ln)
        else:
            band[k].append(ln)
    flush()
    return out
