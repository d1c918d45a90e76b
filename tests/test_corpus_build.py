"""corpus/build.py renders review sources into PDFs and DOCX files that look like real reviews."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BUILD_PY = Path(__file__).resolve().parents[1] / "corpus" / "build.py"

FRONT = """---
doc_id: {doc_id}
title: "Local Child Safeguarding Practice Review: Child Z"
running_header: "LCSPR Child Z – CONFIDENTIAL"
partnership: "Testmoor Safeguarding Children Partnership"
review_type: lcspr
area: Testmoor
year: 2022
child_age_group: {age}
format: pdf
layout: single
split: dev
author: "Independent reviewer: T. Example"
---
"""

BODY = """# 1. Introduction
1.1 This review concerns Child Z, aged nine weeks, who was admitted to hospital with a fractured femur.[^1]
1.2 The reviewer spoke with the health visitor, the GP and the **allocated social worker**.
- whether agencies shared what they knew
- whether the *adults in the household* were assessed
## Scope
1.3 The review covers the period from the pregnancy booking to the admission.
# 2. Chronology of key events
| Date | Agency | Event |
|---|---|---|
| 04/01/2021 | Midwifery | Booking appointment; mother disclosed no previous pregnancies. |
| 19/02/2021 | Health visitor | Antenatal contact; a man answered the door and left without giving his name. |
# 3. Analysis
""" + "\n".join(
    f"3.{i} The practitioners involved with the family in the weeks before the admission held different "
    f"pieces of the picture, and at no point were they put together in a single assessment of risk (item {i})."
    for i in range(1, 40)
) + """
[^1]: A fracture in a non-mobile infant should always prompt a child protection medical.
# Appendix: Glossary
- MASH: Multi-Agency Safeguarding Hub.
"""


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("corpus_build", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def write_source(folder: Path, doc_id: str = "t01_child_z", age: str = "under_1", body: str = BODY) -> Path:
    path = folder / f"{doc_id}.md"
    path.write_text(FRONT.format(doc_id=doc_id, age=age) + body, encoding="utf-8")
    return path


def page_texts(pdf_path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def test_parse_source_reads_front_matter_and_every_block_kind(build, tmp_path):
    review = build.parse_source(write_source(tmp_path, age="16_17"))
    assert review.child_age_group == "16_17"  # not YAML's int 1617
    assert review.year == 2022
    kinds = {type(b).__name__ for b in review.blocks}
    assert kinds == {"Heading", "Paragraph", "Bullet", "Table", "Footnote"}
    para = next(b for b in review.blocks if isinstance(b, build.Paragraph))
    assert para.number == "1.1" and para.text.startswith("This review concerns Child Z")
    table = next(b for b in review.blocks if isinstance(b, build.Table))
    assert table.rows[0] == ["Date", "Agency", "Event"] and len(table.rows) == 3
    assert review.footnotes["1"].text.startswith("A fracture in a non-mobile infant")
    assert build.strip_inline("the **allocated** *social* worker.[^1]") == "the allocated social worker."


@pytest.mark.parametrize(
    "doc_id, body, reason",
    [
        ("t02", BODY.replace("[^1]: A fracture", "[^9]: A fracture"), "never defined"),
        ("t03", BODY.replace("| 19/02/2021 | Health visitor |", "| 19/02/2021 |"), "cells"),
        ("t04", "1.1 A paragraph with no section heading.\n", "no '#' section heading"),
    ],
)
def test_parse_source_names_file_and_reason_for_bad_sources(build, tmp_path, doc_id, body, reason):
    path = write_source(tmp_path, doc_id=doc_id, body=body)
    with pytest.raises(build.SourceError, match=reason) as err:
        build.parse_source(path)
    assert str(path) in str(err.value)


def test_parse_source_rejects_doc_id_that_differs_from_file_name(build, tmp_path):
    path = write_source(tmp_path)
    path = path.rename(tmp_path / "other_name.md")
    with pytest.raises(build.SourceError, match="file stem"):
        build.parse_source(path)


def test_render_pdf_has_title_contents_header_footer_table_and_scanned_page(build, tmp_path):
    review = build.parse_source(write_source(tmp_path))
    out = tmp_path / "z.pdf"
    pages = build.render_pdf(review, out, image_pages=(-1,))
    texts = page_texts(out)
    assert pages == len(texts) > 2
    assert "CONFIDENTIAL" in texts[0] and "Testmoor Safeguarding Children Partnership" in texts[0]
    assert "Contents" in texts[1] and "3. Analysis" in texts[1]
    body = texts[2:-1]
    assert all("LCSPR Child Z – CONFIDENTIAL" in t for t in body)
    assert "Page 1 of" in texts[2]
    assert f"Page 1 of {len(texts) - 2}" in texts[2]
    assert "Antenatal contact; a man answered the door" in " ".join(texts[2].split())
    assert "A fracture in a non-mobile infant" in texts[2]  # footnote on the page citing it
    assert texts[-1].strip() == ""  # rasterised: an image with no text layer
    assert out.stat().st_size < 150_000


def test_render_pdf_bullets_carry_a_bullet_glyph(build, tmp_path):
    review = build.parse_source(write_source(tmp_path))
    out = tmp_path / "z.pdf"
    build.render_pdf(review, out)
    assert "\u2022" in page_texts(out)[2]


def test_render_pdf_repeat_body_makes_a_longer_document(build, tmp_path):
    review = build.parse_source(write_source(tmp_path))
    single = build.render_pdf(review, tmp_path / "a.pdf")
    long = build.render_pdf(review, tmp_path / "b.pdf", repeat_body=4)
    assert long - 2 >= 3 * (single - 2)  # body pages, title and contents aside
    assert page_texts(tmp_path / "b.pdf")[1].count("3. Analysis") == 4  # contents lists each repeat


def centre_gutter_text(pdf_path: Path, page_index: int) -> str:
    """Text in a 4 pt strip down the middle of a page, between header and footer."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    try:
        page = pdf[page_index]
        width, height = page.get_size()
        return page.get_textpage().get_text_bounded(width / 2 - 2, 90, width / 2 + 2, height - 90)
    finally:
        pdf.close()


def test_render_pdf_two_column_layout_leaves_a_gutter(build, tmp_path):
    review = build.parse_source(write_source(tmp_path))
    build.render_pdf(review, tmp_path / "one.pdf")
    build.render_pdf(review, tmp_path / "two.pdf", layout="two_column")
    assert centre_gutter_text(tmp_path / "one.pdf", 3).strip()
    assert not centre_gutter_text(tmp_path / "two.pdf", 3).strip()


def test_render_pdf_is_deterministic(build, tmp_path):
    review = build.parse_source(write_source(tmp_path))
    build.render_pdf(review, tmp_path / "a.pdf", image_pages=(3,))
    build.render_pdf(review, tmp_path / "b.pdf", image_pages=(3,))
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_render_docx_uses_word_headings_bullets_table_and_page_fields(build, tmp_path):
    import docx

    review = build.parse_source(write_source(tmp_path))
    out = tmp_path / "z.docx"
    build.render_docx(review, out)
    document = docx.Document(str(out))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "List Bullet"} <= styles
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("1.1\tThis review concerns Child Z") for t in texts)
    assert len(document.tables) == 1
    assert document.tables[0].cell(2, 1).text == "Health visitor"
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "LCSPR Child Z – CONFIDENTIAL"
    assert "NUMPAGES" in section.footer._element.xml
    build.render_docx(review, tmp_path / "again.docx")
    assert out.read_bytes() == (tmp_path / "again.docx").read_bytes()


def test_main_renders_selected_sources_and_writes_metadata_for_all(build, tmp_path):
    src = tmp_path / "source"
    src.mkdir()
    write_source(src, doc_id="t01_child_z")
    write_source(src, doc_id="t02_child_y", age="5_10")
    out, meta = tmp_path / "reviews", tmp_path / "metadata.csv"
    code = build.main(["--only", "t02_child_y", "--source-dir", str(src), "--out-dir", str(out),
                       "--metadata", str(meta)])
    assert code == 0
    assert [p.name for p in out.iterdir()] == ["t02_child_y.pdf"]
    lines = meta.read_text().splitlines()
    assert lines[0] == "doc_id,file,title,review_type,area,year,child_age_group,split"
    assert lines[2].startswith("t02_child_y,reviews/t02_child_y.pdf,")
    assert lines[2].endswith(",lcspr,Testmoor,2022,5_10,dev")
    assert len(lines) == 3
