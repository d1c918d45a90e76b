"""Sentence passages: abbreviations, paragraph numbers, anchoring."""

from __future__ import annotations

from practice_themes.segment import segment_document
from practice_themes.types import Block, Document


def _passages(text: str, kind: str = "paragraph"):
    doc = Document(doc_id="d", source_path="d.pdf", pages=[], text=text,
                   blocks=[Block(page=3, start=0, end=len(text), kind=kind, section="4. Analysis")],
                   metadata={"page_starts": [[0, 3]]})
    return segment_document(doc), doc


def test_abbreviations_do_not_end_sentences():
    text = ("Dr. Patel saw Mrs. Smith at approx. 10 a.m. on 3 Sept. 2020, e.g. at the clinic (see para. 4.2, "
            "incl. No. 7 on the list). Mr. Jones was not told.")
    passages, _ = _passages(text)
    assert [p.text for p in passages] == [text[: text.index(" Mr. Jones")], "Mr. Jones was not told."]


def test_paragraph_number_stays_with_its_sentence():
    passages, _ = _passages("4.12 The social worker visited. She saw the child.")
    assert passages[0].text == "4.12 The social worker visited."
    passages, _ = _passages("4. The social worker visited. She saw the child.")
    assert passages[0].text == "4. The social worker visited."


def test_passages_point_into_the_document_text():
    passages, doc = _passages("First sentence here. Second one follows!  Third?")
    assert len(passages) == 3
    for p in passages:
        assert doc.text[p.start : p.end] == p.text and p.page == 3 and p.section == "4. Analysis"


def test_short_table_row_is_one_passage():
    passages, _ = _passages("Date: 1/2/2020 | Agency: GP | Event: Seen. Bruise noted.", kind="table_row")
    assert len(passages) == 1
