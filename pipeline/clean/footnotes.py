"""Footnotes: note marks in the body and the notes at the foot of a page, found by geometry.

A note is set in smaller type than the body, at the foot of the page, and
opens with its number (usually raised and smaller still). Text alone cannot
tell a note from a numbered paragraph ("12 Schools should ..." in KCSIE opens
with a bare number too), so type size and position decide: a line in body
type is never a note.

Raised note marks that the PDF reader returns as lines of their own (a "25"
after "... unauthorised absence.") are dropped when they follow body text on
the same row, and become the ``mark`` of the line they precede. A marked
line in body type is body text: its mark, a reference, is left out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from practice_themes.types import TextLine

NOTE_SIZE = 0.92  # notes are set below this share of the body size (9.3 pt notes under 10.4 pt body)
MARK_SIZE = 0.8  # a raised note mark is smaller still
FOOT_TOP = 0.5  # notes start in the lower half of the page
MARK_REACH = 0.05  # how far (share of the page width) a mark may sit from the text it belongs to

_NOTE_START = re.compile(r"^\s*(?:(?:\d{1,3}|[*†‡§])\s?[A-Za-z\"'(]|\(\d{1,3}\)\s?\S)")  # "4 Early help", "(44) 1989 c.41"
_MARK_ONLY = re.compile(r"^\s*(?:\d{1,3}(?:,\s?\d{1,2})*,?|[*†‡§]{1,3})\s*$")  # "25", "3,4", "69,", "*"; not "1,234"


def _small(line: TextLine, body_size: float, share: float) -> bool:
    return not line.kind and 0 < line.size < share * body_size


def _raised_beside(mark: TextLine, line: TextLine) -> bool:
    """The mark shares the line's row but sits above its baseline, as a superscript does."""
    overlap = min(mark.bottom, line.bottom) - max(mark.top, line.top)
    return overlap > 0 and mark.bottom < line.bottom - 0.1 * (line.bottom - line.top)


def attach_note_marks(lines: list[TextLine], body_size: float) -> list[TextLine]:
    """The page's lines with stand-alone raised note marks dropped or joined to their note."""
    if body_size <= 0:
        return lines
    marks = {i for i, ln in enumerate(lines) if _small(ln, body_size, MARK_SIZE) and _MARK_ONLY.match(ln.text)}
    if not marks:
        return lines
    drop: set[int] = set()
    joined: dict[int, TextLine] = {}
    for i in marks:
        mark = lines[i]
        row = [j for j, other in enumerate(lines) if j != i and j not in marks and _raised_beside(mark, other)]
        # A mark just after text on its row is a reference ("absence." + "25"), even when
        # more text follows it on the row; one that only precedes text opens a note.
        if any(0 <= mark.x0 - lines[j].x1 + 0.01 < MARK_REACH for j in row):
            drop.add(i)
            continue
        for j in row:
            if 0 <= lines[j].x0 - mark.x1 + 0.01 < MARK_REACH:
                target = joined.get(j, lines[j])
                joined[j] = replace(target, mark=mark.text.strip(), x0=mark.x0, top=min(mark.top, target.top))
                drop.add(i)
                break
    return [joined.get(j, ln) for j, ln in enumerate(lines) if j not in drop]


def _set_apart(lines: list[TextLine], k: int, body_size: float) -> bool:
    """The note's mark is raised (smaller than the notes' own type), or a gap sets it off the text above."""
    line = lines[k]
    if line.mark or line.size < MARK_SIZE * body_size:
        return True
    return k > 0 and line.top - lines[k - 1].bottom > 0.75 * (line.bottom - line.top)


def _at_column_foot(lines: list[TextLine], k: int, body_size: float) -> bool:
    """No line in body type sits below line ``k`` in the same column (bare numbers aside)."""
    line = lines[k]
    return not any(
        other.top > line.top and min(other.x1, line.x1) - max(other.x0, line.x0) > 0
        and not _small(other, body_size, NOTE_SIZE) and any(ch.isalpha() for ch in other.text)
        for other in lines
    )


def footnote_lines(lines: list[TextLine], body_size: float) -> set[int]:
    """Indices of the page's footnote lines (none without geometry).

    A note opens with a mark, in small type, in the lower half of the page,
    set apart by a raised mark or a gap, with no body-type text below it in
    its column (on a two-column page the notes may close the left column).
    It runs on over the following lines in small type until the text goes
    back up the page. Small lines above the first note (a figure's source
    line, a schedule printed in small type) stay body text.
    """
    notes: set[int] = set()
    if body_size <= 0:
        return notes
    for k, line in enumerate(lines):
        if (k in notes or not _small(line, body_size, NOTE_SIZE) or line.top <= FOOT_TOP
                or not opens_note(line) or not _set_apart(lines, k, body_size)
                or not _at_column_foot(lines, k, body_size)):
            continue
        j = k
        while (j < len(lines) and _small(lines[j], body_size, NOTE_SIZE)
               and (j == k or lines[j].top >= lines[j - 1].top - 0.005)):
            notes.add(j)
            j += 1
    return notes


def opens_note(line: TextLine) -> bool:
    """True when a footnote line starts a new note (with its number or mark)."""
    return bool(line.mark) or bool(_NOTE_START.match(line.text))


def with_mark(line: TextLine) -> TextLine:
    """A note's line with its number back in front of the text ("4 Early help ...")."""
    return replace(line, text=f"{line.mark} {line.text.lstrip()}", mark="") if line.mark else line
