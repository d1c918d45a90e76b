"""Each cleaning step on small hand-made inputs."""

from __future__ import annotations

from practice_themes.clean import clean_document, section_kind
from practice_themes.clean.headers import furniture_key, furniture_lines, is_page_number
from practice_themes.clean.hyphenation import build_vocabulary, dehyphenate, join_lines
from practice_themes.clean.tables import format_row
from practice_themes.clean.unicode import normalise_text
from practice_themes.types import Document, Page, TextLine


def test_unicode_normalisation():
    assert normalise_text("\uf0b7 \u201cﬁrst\u201d\u00a0step\r\n") == '• "first" step\n'
    assert normalise_text("child\u2019s\u200b") == "child's"


def test_page_number_forms():
    for text in ("Page 3 of 40", "- 3 -", "3", "iv", "Page 12", "7 | Child A review"):
        assert is_page_number(text), text
    for text in ("4.12 The social worker", "Findings", "2021"[:0] + "In 2021 the GP"):
        assert not is_page_number(text), text
    assert furniture_key("Page 3 of 40") == furniture_key("Page 4 of 40")


def test_repeated_header_and_footer_are_found_on_every_page():
    pages = [
        [TextLine("LCSPR Child A – CONFIDENTIAL"), TextLine(f"Body line {n} about the family."),
         TextLine("More text here."), TextLine(f"Page {n} of 5")]
        for n in range(1, 6)
    ]
    drops = furniture_lines(pages)
    assert all(d == {0, 3} for d in drops)


def test_hyphenation_uses_the_document_vocabulary():
    vocab = build_vocabulary(["safeguarding partner met", "a multi-agency meeting"])
    assert dehyphenate("the safe\ufffeguarding lead", vocab) == "the safeguarding lead"
    assert dehyphenate("a multi\x02agency plan", vocab) == "a multi-agency plan"
    assert dehyphenate("an ex\x02partner", vocab) == "an ex-partner"
    assert join_lines("the adip-", "iscing text", vocab) == "the adipiscing text"
    assert join_lines("first line", "second", vocab) == "first line second"


def test_table_row_reads_with_its_header():
    assert format_row(["12/03/2021", "GP", "Missed"], ["Date", "Agency", "Event"]) == "Date: 12/03/2021 | Agency: GP | Event: Missed"
    assert format_row(["a", "", "c"]) == "a | c"


def test_section_kinds():
    assert section_kind("5. Findings") == "findings"
    assert section_kind("Recommendations") == "recommendations"
    assert section_kind("2. Terms of reference and methodology") == "terms_of_reference"
    assert section_kind("Chronology of key events") == "chronology"
    assert section_kind("6. Good practice") == "good_practice"
    assert section_kind("Glossary") == "glossary"  # one vocabulary: the glossary kind was classify's alone


def _doc(pages: list[list[str]]) -> Document:
    return Document(doc_id="t", source_path="t.pdf",
                    pages=[Page(number=i + 1, text="\n".join(p)) for i, p in enumerate(pages)])


def test_plain_text_paragraphs_headings_and_page_join():
    doc = clean_document(_doc([
        ["Review of Child A – CONFIDENTIAL", "5. Findings", "5.1 The health visitor saw a bruise and the",
         "mother said the baby had hit herself.", "5.2 Nobody asked about Mr B.", "Page 1 of 3"],
        ["Review of Child A – CONFIDENTIAL", "5.3 The GP recorded the mark but did not ask",
         "how it happened, and the record was", "Page 2 of 3"],
        ["Review of Child A – CONFIDENTIAL", "never shared with the health visitor.", "Appendix A: Glossary",
         "MASH means multi-agency safeguarding hub.", "Page 3 of 3"],
    ]))
    texts = [doc.text[b.start : b.end] for b in doc.blocks]
    assert "CONFIDENTIAL" not in doc.text and "Page 2 of 3" not in doc.text
    assert texts[0] == "5. Findings" and doc.blocks[0].kind == "heading"
    assert texts[1] == "5.1 The health visitor saw a bruise and the mother said the baby had hit herself."
    joined = [b for b in doc.blocks if doc.text[b.start : b.end].startswith("5.3")][0]
    assert doc.text[joined.start : joined.end].endswith("was never shared with the health visitor.")
    assert joined.page == 2 and joined.section == "5. Findings" and joined.region == "body"
    assert doc.blocks[-1].region == "appendix"


def test_prefix_or_short_word_before_a_break_does_not_keep_a_fragment_hyphenated():
    # "ex-/cluded" and "man-/agers" were kept hyphenated because "ex" is a prefix
    # and "man" a word; the fragment after the break is not a word of the document.
    vocab = build_vocabulary(["the man said the school had excluded him", "his partner"])
    assert dehyphenate("he was ex\ufffecluded twice", vocab) == "he was excluded twice"
    assert dehyphenate("CAMHS man\ufffeagers said", build_vocabulary(["the man left"])) == "CAMHS managers said"


def test_marked_fragments_do_not_vote_as_words():
    # pypdfium2 5.x joins "escal<mark>ate" on one line; its fragment "escal"
    # must not enter the vocabulary and keep the hyphen.
    from practice_themes.clean.hyphenation import without_marked_words

    assert "escal" not in build_vocabulary([without_marked_words("a failure to escal\ufffeate it")])


# -- page numbers and footnotes, on pages with geometry -----------------------------------

BODY = 11.0  # body type, points


def _line(text: str, top: float, *, size: float = BODY, x0: float = 0.1, x1: float = 0.85) -> TextLine:
    return TextLine(text, x0=x0, top=top, x1=x1, bottom=top + size / 800, size=size)


def _body_page(first_top: float, texts: list[str], *, x0: float = 0.1, x1: float = 0.85) -> list[TextLine]:
    return [_line(t, first_top + 0.02 * i, x0=x0, x1=x1) for i, t in enumerate(texts)]


def _geometry_doc(pages: list[list[TextLine]]) -> Document:
    return Document(doc_id="g", source_path="g.pdf", pages=[
        Page(number=i + 1, text="\n".join(ln.text for ln in lines), lines=lines) for i, lines in enumerate(pages)
    ])


def _regions(doc: Document) -> dict[str, str]:
    return {doc.text[b.start : b.end]: b.region for b in doc.blocks}


PROSE = [
    "The designated safeguarding lead should take lead responsibility for",
    "safeguarding and child protection, including online safety and the",
    "understanding of the filtering and monitoring systems in place.",
]


def test_page_number_outside_the_edge_band_is_removed():
    # KCSIE sets its page numbers at 0.89-0.91 of the page height, just above the 10% band.
    pages = [_body_page(0.1, PROSE) + [_line(str(n), 0.889, x0=0.49, x1=0.51)] for n in (8, 9, 10)]
    doc = clean_document(_geometry_doc(pages))
    assert all(doc.text[b.start : b.end] not in {"8", "9", "10"} for b in doc.blocks)
    assert "online safety" in doc.text


def test_page_number_below_a_rebuilt_table_is_removed():
    # Table rows rebuilt by ingestion have no position; the page number under them, above a
    # running footer, is still at the foot of the page (Essex report p.52).
    rows = [TextLine(f"Row {i}\t{i * 10}", kind="table_row") for i in range(3)]
    footer = _line("DfE Project 2A: User research", 0.945, x1=0.58)
    pages = [_body_page(0.1, PROSE) + rows + [_line(str(n), 0.93, x0=0.9, x1=0.92), footer] for n in (51, 52)]
    drops = furniture_lines(pages)
    assert all({len(lines) - 2, len(lines) - 1} <= drop for lines, drop in zip(pages, drops))


def test_footnote_in_small_type_is_labelled_and_numbered_paragraph_in_body_type_stays():
    page = _body_page(0.1, ["12 Schools should have a senior board level lead to take leadership",
                            "responsibility for their safeguarding arrangements."])
    page += _body_page(0.80, ["13 Governing bodies should ensure that all staff receive appropriate",
                              "safeguarding and child protection training at induction."])
    page += [_line("4 Early help means providing support as soon as a problem emerges, at any", 0.88, size=7.0),
             _line("point in a child's life.", 0.895, size=9.0)]
    regions = _regions(clean_document(_geometry_doc([page])))
    assert regions["4 Early help means providing support as soon as a problem emerges, at any point in a child's life."] == "footnotes"
    assert regions["12 Schools should have a senior board level lead to take leadership responsibility for their "
                   "safeguarding arrangements."] == "body"
    assert regions["13 Governing bodies should ensure that all staff receive appropriate safeguarding and child "
                   "protection training at induction."] == "body"


def test_small_type_without_a_note_mark_stays_body():
    # A figure's source line in small type at the foot of the page is not a note.
    page = _body_page(0.1, PROSE) + [_line("Source: survey respondents, extrapolated to England.", 0.9, size=9.0)]
    regions = _regions(clean_document(_geometry_doc([page])))
    assert regions["Source: survey respondents, extrapolated to England."] == "body"


def test_raised_mark_after_body_text_is_dropped_and_before_a_note_is_joined_to_it():
    sentence = _line("Schools must make a return to the local authority.", 0.3, x1=0.6)
    reference = TextLine("25", x0=0.6, top=0.3, x1=0.62, bottom=0.3 + 0.008, size=6.5)
    mark = TextLine("25", x0=0.1, top=0.9, x1=0.11, bottom=0.9 + 0.007, size=6.0)
    note = _line(" Under regulation 13 of the School Attendance Regulations 2024.", 0.9, size=8.0, x0=0.11)
    doc = clean_document(_geometry_doc([_body_page(0.1, PROSE) + [sentence, reference, mark, note]]))
    regions = _regions(doc)
    assert regions["Schools must make a return to the local authority."] == "body"
    assert regions["25 Under regulation 13 of the School Attendance Regulations 2024."] == "footnotes"
    assert "25" not in [doc.text[b.start : b.end] for b in doc.blocks]


def test_note_at_the_foot_of_the_left_column_of_a_two_column_page():
    # Reading order puts the right column after the note that closes the left one.
    left = _body_page(0.1, ["The health visitor saw the baby at home and noted", "a small bruise on her cheek but did"], x1=0.45)
    note = [_line("1 The protocol on bruising in non-mobile babies, section 2.", 0.9, size=7.0, x1=0.45)]
    right = _body_page(0.1, ["not refer her for a child protection medical", "that day."], x0=0.55, x1=0.9)
    regions = _regions(clean_document(_geometry_doc([left + note + right])))
    assert regions["1 The protocol on bruising in non-mobile babies, section 2."] == "footnotes"
    assert regions["The health visitor saw the baby at home and noted a small bruise on her cheek but did not refer "
                   "her for a child protection medical that day."] == "body"


def test_bundled_review_footnote_with_its_mark_appended_to_the_line_above():
    # pdfium ends r23 p.6's last body line with the "1" that opens the note below it.
    from pathlib import Path

    from practice_themes.ingest import ingest_file

    pdf = Path(__file__).resolve().parents[1] / "corpus" / "reviews" / "r23_scr_child_y.pdf"
    doc = clean_document(ingest_file(pdf, ocr=False))
    notes = [doc.text[b.start : b.end] for b in doc.blocks if b.region == "footnotes"]
    assert len(notes) == 1 and notes[0].startswith("1 Brandon, M. and others (2008)")
    assert 'the "start again syndrome".' in doc.text and 'syndrome".1' not in doc.text
