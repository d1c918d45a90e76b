"""Sentence passages: abbreviations, paragraph numbers, anchoring."""

from __future__ import annotations

from practice_themes.segment import segment_document, segment_text
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


def test_a_citation_year_is_not_a_passage_of_its_own():
    # ADCS Safeguarding Pressures: "(Ogden et al., 2023)." came out as "... (Ogden et al.," and "2023)."
    text = "Services exacerbate inequalities (Ogden et al., 2023). Further analysis followed."
    passages, _ = _passages(text)
    assert [p.text for p in passages] == ["Services exacerbate inequalities (Ogden et al., 2023).",
                                          "Further analysis followed."]


def test_a_bracketed_attribution_stays_with_the_quote_it_follows():
    # Essex recording study: '... needs are." (' and 'Practitioner)' were two passages.
    for text in ('She said "it shows what their needs are." (Practitioner) Records were kept.',
                 'She said "it shows what their needs are." (Practitioner)'):
        passages, doc = _passages(text)
        assert passages[0].text == 'She said "it shows what their needs are." (Practitioner)'
        assert [p.text for p in passages[1:]] == (["Records were kept."] if "Records" in text else [])
        assert all(doc.text[p.start : p.end] == p.text for p in passages)


def test_an_opening_bracket_goes_with_the_sentence_it_opens():
    # Coroners' reports: "The MATTERS OF CONCERN are as follows. - (" and "1) The verge ..."; "thoughts. [" and
    # "REDACTED] signposted ...".
    passages, doc = _passages("The MATTERS OF CONCERN are as follows. - (1) The verge has no barrier. (2) It is unlit.")
    assert [p.text for p in passages] == ["The MATTERS OF CONCERN are as follows. -", "(1) The verge has no barrier.",
                                          "(2) It is unlit."]
    passages, doc = _passages("He expressed suicidal thoughts. [REDACTED] signposted him to the Samaritans.")
    assert [p.text for p in passages] == ["He expressed suicidal thoughts.",
                                          "[REDACTED] signposted him to the Samaritans."]
    assert all(doc.text[p.start : p.end] == p.text for p in passages)


def test_paragraph_number_stays_with_its_sentence():
    passages, _ = _passages("4.12 The social worker visited. She saw the child.")
    assert passages[0].text == "4.12 The social worker visited."
    passages, _ = _passages("4. The social worker visited. She saw the child.")
    assert passages[0].text == "4. The social worker visited."
    # KCSiE 2025 para 413 came out as "413. '" and "Settlement agreements' (...) ...".
    passages, _ = _passages("413. 'Settlement agreements' should not be used. She saw the child.")
    assert passages[0].text == "413. 'Settlement agreements' should not be used."


def test_passages_point_into_the_document_text():
    passages, doc = _passages("First sentence here. Second one follows!  Third?")
    assert len(passages) == 3
    for p in passages:
        assert doc.text[p.start : p.end] == p.text and p.page == 3 and p.section == "4. Analysis"


def test_short_table_row_is_one_passage():
    passages, _ = _passages("Date: 1/2/2020 | Agency: GP | Event: Seen. Bruise noted.", kind="table_row")
    assert len(passages) == 1


def test_plain_text_keeps_a_paragraph_number_with_its_sentence_as_documents_do():
    # `tag` had its own splitter, which cut "1." off the sentence it numbers; now both use block_sentences.
    from practice_themes.segment import segment_text

    text = "1. The social worker visited.\n2. She saw the child."
    plain = [p.text for p in segment_text(text)]
    document = [p.text for p in _passages(text)[0]]
    assert plain == document == ["1. The social worker visited.", "2. She saw the child."]


def test_plain_text_passages_point_into_the_text_paragraphs_at_blank_lines_pages_at_form_feeds():
    from practice_themes.segment import segment_text

    text = "  First one here.\nSecond, wrapped\nacross lines.\n\n\nNext paragraph.\fPage two starts. Ends here."
    passages = segment_text(text, doc_id="t")
    assert [(p.text, p.paragraph, p.page) for p in passages] == [
        ("First one here.", 0, 1), ("Second, wrapped\nacross lines.", 0, 1), ("Next paragraph.", 1, 1),
        ("Page two starts.", 2, 2), ("Ends here.", 2, 2)]
    assert all(text[p.start:p.end] == p.text and p.doc_id == "t" for p in passages)
    assert segment_text("  \n\n ") == []


def test_a_list_of_concerns_on_separate_lines_is_one_sentence_per_item():
    # Regression: a coroner's numbered concerns separated only by line breaks ("...diagnosed;\n(2) ...")
    # were one passage of six items, and the item the coder quoted scored 0.001 inside it.
    text = ("The concerns are:\n(1) Blood was taken on admission;\n(2) The results were grossly elevated;\n"
            "(3) The results were not phoned through to the ward.")
    assert [p.text for p in segment_text(text)] == [
        "The concerns are:", "(1) Blood was taken on admission;", "(2) The results were grossly elevated;",
        "(3) The results were not phoned through to the ward."]
    # No full stop before the item either.
    assert [p.text for p in segment_text("The failure to arrange a consultation\n(2) The failure to review it.")] == [
        "The failure to arrange a consultation", "(2) The failure to review it."]


def test_a_wrapped_line_that_starts_with_a_bracketed_number_is_not_a_list_item():
    text = "The duty is set out in section\n(2) of the Children Act 1989 and applies here."
    assert [p.text for p in segment_text(text)] == [text]
