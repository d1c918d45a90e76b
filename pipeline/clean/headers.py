"""Running headers, footers and page numbers: found by repetition and position.

A line is page furniture when it sits in the top or bottom band of its page
and either (a) reads as a page number ("Page 3 of 40", "- 3 -", "3", "iv",
"3 | Report title") or (b) its shape, with digits and roman numerals
normalised, recurs in the same band on a good share of the document's pages
("Page 3 of 40" and "Page 4 of 40" match; so do "Child A - CONFIDENTIAL" on
every page). A page number standing alone ("20", "4 of 187", "- iv -") is
furniture in a somewhat wider band, where some layouts set it.
"""

from __future__ import annotations

import re
from collections import Counter

from practice_themes.types import TextLine

EDGE_BAND = 0.1  # top/bottom share of the page height where furniture sits
# A bare page number ("20", "Page 4", "4 of 187", "- iv -") is furniture a little further in:
# KCSIE's numbers sit at 0.89-0.91 of the page height.
NUMBER_BAND = 0.15
EDGE_LINES = 1  # without geometry: this many lines at each end are candidates
MIN_SHARE = 0.25  # share of pages a repeated line must appear on

_ROMAN = r"[ivxlcdm]{1,7}"
_BARE_NUMBER = (
    rf"^\s*(?:page\s*)?(?:\d{{1,4}}|{_ROMAN})(?:\s*(?:of|/)\s*\d{{1,4}})?\s*$"
    rf"|^\s*[-–—]\s*(?:\d{{1,4}}|{_ROMAN})\s*[-–—]\s*$"
)
_BARE_PAGE_NUMBER = re.compile(_BARE_NUMBER, re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    rf"{_BARE_NUMBER}"
    rf"|^\s*(?:\d{{1,4}}|{_ROMAN})\s*[|•·]\s*\S.{{0,80}}$"
    rf"|^.{{0,80}}\S\s*[|•·]\s*(?:page\s*)?\d{{1,4}}\s*$"
    rf"|^\s*page\s+\d{{1,4}}\b.{{0,60}}$",
    re.IGNORECASE,
)


def is_page_number(text: str) -> bool:
    """True for the usual page-number forms."""
    return bool(_PAGE_NUMBER.match(text.strip()))


def is_bare_page_number(text: str) -> bool:
    """True for a page number standing alone: "20", "Page 4", "4 of 187", "- iv -"."""
    return bool(_BARE_PAGE_NUMBER.match(text))


def furniture_key(text: str) -> str:
    """A line's shape for repetition: lower case, digits and roman numerals as #."""
    text = text.strip().lower()
    text = re.sub(r"\d+", "#", text)
    text = re.sub(rf"(?<![a-z]){_ROMAN}(?![a-z])(?=\s*$)", "#", text)
    return re.sub(r"\s+", " ", text)


def _edge_indices(lines: list[TextLine], band: float) -> list[int]:
    """Indices of the lines in the top or bottom ``band`` of their page.

    Table rows rebuilt by ingestion carry no position; they are never
    furniture, and they do not stop the other lines from being placed.
    """
    if lines and any(ln.size > 0 for ln in lines) and all(ln.size > 0 or ln.kind for ln in lines):
        return [i for i, ln in enumerate(lines)
                if ln.size > 0 and (ln.bottom <= band + 0.02 or ln.top >= 1 - band)]
    n = len(lines)
    return sorted({i for i in range(min(EDGE_LINES, n))} | {i for i in range(max(0, n - EDGE_LINES), n)})


def _number_indices(lines: list[TextLine]) -> set[int]:
    """Bare page numbers in the wider number band (by the line's outer edge)."""
    if not (lines and any(ln.size > 0 for ln in lines)):
        return set()
    return {i for i, ln in enumerate(lines)
            if ln.size > 0 and not ln.kind and (ln.top <= NUMBER_BAND or ln.bottom >= 1 - NUMBER_BAND)
            and is_bare_page_number(ln.text)}


def furniture_lines(pages: list[list[TextLine]]) -> list[set[int]]:
    """For each page, the indices of its header, footer and page-number lines."""
    n_pages = sum(1 for lines in pages if lines)
    edges = [_edge_indices(lines, EDGE_BAND) for lines in pages]
    counts: Counter[str] = Counter()
    for lines, idx in zip(pages, edges):
        counts.update({furniture_key(lines[i].text) for i in idx})
    needed = max(2, round(MIN_SHARE * n_pages))
    out: list[set[int]] = []
    for lines, idx in zip(pages, edges):
        drop = {
            i for i in idx
            if lines[i].kind == ""
            and (is_page_number(lines[i].text) or (n_pages >= 2 and counts[furniture_key(lines[i].text)] >= needed))
        }
        out.append(drop | _number_indices(lines))
    return out
