"""Column layout is decided before table detection (pipeline/ingest/layout.py, tables.py)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from practice_themes.clean import clean_document
from practice_themes.ingest import ingest_file
from practice_themes.ingest.layout import column_frames, reading_order
from practice_themes.ingest.tables import looks_like_table, table_lines
from practice_themes.types import TextLine

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ROOT / "corpus" / "reviews"
ROW_START = re.compile(r"^\d{2}/(\d{2}/)?\d{4}\b")


def _doc(name: str):
    path = REVIEWS / f"{name}.pdf"
    if not path.exists():
        pytest.skip(f"{path} not present")
    return clean_document(ingest_file(str(path)))


def _blocks(doc):
    return [(b.page, b.kind, doc.text[b.start : b.end]) for b in doc.blocks]


@pytest.mark.parametrize("name", ["r03_lcspr_child_c", "r22_scr_child_x"])
def test_two_column_prose_is_not_read_as_table_rows(name):
    doc = _doc(name)
    blocks = _blocks(doc)
    # Before the fix, left- and right-column lines sharing a baseline were
    # merged into rows: "1. Introduction | SEND case officer."
    for _, kind, text in blocks:
        if kind in ("table_row", "table_header"):
            assert ROW_START.match(text), text
    flat = " ".join(doc.text.split())
    if name == "r03_lcspr_child_c":
        assert (
            "after her primary school raised concerns about her anxiety and her difficulty with changes of routine"
            in flat
        )
    # Every coded quote for the document reads as one run of text.
    codings = ROOT / "annotations" / "codings.csv"
    if codings.exists():
        with codings.open(newline="") as fh:
            quotes = {r["quote"] for r in csv.DictReader(fh) if r["doc_id"] == name}
        missing = [q for q in quotes if " ".join(q.split()) not in flat]
        assert len(missing) <= 1, missing  # r22: one agency cell shares a line with its event cell


@pytest.mark.parametrize("name", ["r03_lcspr_child_c", "r15_lcspr_child_q", "r22_scr_child_x", "r24_lcspr_child_z"])
def test_chronology_in_a_column_still_comes_out_one_row_per_block(name):
    doc = _doc(name)
    rows = [text for _, _, text in _blocks(doc) if ROW_START.match(text)]
    assert len(rows) >= 8
    for text in rows:
        # a row never carries another row's date or body prose from the other column
        assert not re.search(r"\s\d\.\d\s", text), text
        assert len(ROW_START.findall(text)) == 1


def test_table_filling_the_left_column_does_not_hide_the_gutter():
    # r24 p3: the chronology fills the top of the left column, so short cells inflate the line
    # count and the free strip ran on into the right column's hanging indent. The page was
    # then not two-column, and paragraph 5.4 was read interleaved with the table's rows.
    doc = _doc("r24_lcspr_child_z")
    flat = " ".join(doc.text.split())
    assert ("Finding 2: Leaving school 5.4 Brookfield Academy excluded Z permanently in December 2020 "
            "after he was found handing cannabis to younger pupils." in flat)
    assert "Page 3 of 5" not in flat


def test_centred_footer_spans_the_gutter_but_a_long_word_stays_in_its_column():
    from practice_themes.ingest.layout import frame_of

    frames = [(0.0, 0.5), (0.5, 1.0)]
    footer = _line("Page 3 of 5", 0.463, 0.537, 0.95)
    overhang = _line("a line of the left column whose last word runs over", 0.11, 0.52, 0.4)
    assert frame_of(footer, frames) is None  # before: read at the end of the left column
    assert frame_of(overhang, frames) == 0


def test_single_column_chronology_table_still_yields_rows():
    doc = _doc("r01_lcspr_child_a")
    rows = [(page, text) for page, _, text in _blocks(doc) if ROW_START.match(text.strip())]
    assert len(rows) >= 10
    assert any(text.startswith("27/10/2020 Police Neighbour called police") for _, text in rows)
    assert all(len(re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text)) == 1 for _, text in rows)


def _line(text, x0, x1, top, size=10.0):
    return TextLine(text=text, x0=x0, top=top, x1=x1, bottom=top + 0.012, size=size)


def test_synthetic_single_column_table_is_rebuilt_and_not_taken_for_columns():
    lines = [_line("Date", 0.12, 0.18, 0.10), _line("Agency", 0.30, 0.38, 0.10), _line("Event", 0.50, 0.56, 0.10)]
    for i, (date, agency, event) in enumerate(
        [("01/2020", "GP", "Seen with a cough."), ("02/2020", "Police", "Call-out at home."),
         ("03/2020", "School", "Absent all week."), ("04/2020", "CAMHS", "Referral declined."),
         ("05/2020", "Health visitor", "Home visit."), ("06/2020", "MASH", "No further action.")]
    ):
        top = 0.13 + 0.03 * i
        lines += [_line(date, 0.12, 0.2, top), _line(agency, 0.30, 0.42, top), _line(event, 0.50, 0.8, top)]
    assert column_frames(lines) is None  # a date column is not a column of prose
    assert looks_like_table(lines)
    rows = [ln.text.split("\t") for ln in table_lines(lines)]
    assert rows[0] == ["Date", "Agency", "Event"]
    assert rows[2] == ["02/2020", "Police", "Call-out at home."]


def test_synthetic_two_column_page_reads_left_column_then_right():
    left = [f"left column line {i} with several words" for i in range(10)]
    right = [f"right column line {i} with several words" for i in range(10)]
    lines = []
    for i in range(10):  # the stream interleaves the columns baseline by baseline
        top = 0.1 + 0.02 * i
        lines += [_line(left[i], 0.12, 0.47, top), _line(right[i], 0.53, 0.88, top)]
    assert column_frames(lines) is not None
    assert not looks_like_table(lines)
    assert [ln.text for ln in reading_order(lines)] == left + right
