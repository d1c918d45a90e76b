"""Each cleaning step on small hand-made inputs."""

from __future__ import annotations

from pipeline.clean import clean_document, section_kind
from pipeline.clean.headers import furniture_key, furniture_lines, is_page_number
from pipeline.clean.hyphenation import build_vocabulary, dehyphenate, join_lines
from pipeline.clean.tables import format_row
from pipeline.clean.unicode import normalise_text
from pipeline.types import Document, Page, TextLine


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
    assert section_kind("Glossary") == "other"


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
    from pipeline.clean.hyphenation import without_marked_words

    assert "escal" not in build_vocabulary([without_marked_words("a failure to escal\ufffeate it")])
