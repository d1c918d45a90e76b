"""Page-level checks on real gov.uk PDFs, each verified by eye against the page."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from statistics import median

import pytest

from practice_themes.classify.sections import passage_weight
from practice_themes.clean import clean_document
from practice_themes.ingest import ingest_file
from practice_themes.segment import segment_document

GOV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pdfs" / "gov"
pytestmark = pytest.mark.skipif(not GOV.is_dir(), reason="../shared/data/pdfs/gov not present")


@pytest.fixture(scope="module")
def info_sharing():
    return clean_document(ingest_file(GOV / "Info_sharing_advice_content_May_2024.pdf", ocr=False))


def _page_text(doc, page):
    return "\n".join(doc.text[b.start : b.end] for b in doc.blocks if b.page == page)


def test_page_numbers_are_removed(info_sharing):
    # Every page from 2 on carries only its number ("10" on p.10) as a footer.
    raw = [p for p in info_sharing.pages if p.number >= 2]
    assert all(any(ln.text.strip() == str(p.number) for ln in p.lines) for p in raw)
    for block in info_sharing.blocks:
        assert info_sharing.text[block.start : block.end].strip() != str(block.page)


def test_paragraph_across_page_break_is_one_block_on_its_first_page(info_sharing):
    # p.11 ends "...This openness is also important when deciding whether to share"
    # and p.12 goes on "information with other people, agencies or organisations ...".
    joined = "whether to share information with other people, agencies or organisations"
    (block,) = [b for b in info_sharing.blocks if joined in info_sharing.text[b.start : b.end]]
    assert block.page == 11 and block.kind == "paragraph"
    text = info_sharing.text[block.start : block.end]
    assert text.startswith("Trusted relationships are at the heart")
    assert text.endswith("you should make this clear to them.")
    passages = segment_document(info_sharing)
    last = [p for p in passages if p.start >= block.start and p.end <= block.end][-1]
    assert last.text.startswith("If they have a choice") and last.page == 12


def test_footnotes_are_labelled_and_headings_become_sections(info_sharing):
    # p.10 has notes 15-17 at its foot in small type.
    notes = [info_sharing.text[b.start : b.end] for b in info_sharing.blocks if b.page == 10 and b.region == "footnotes"]
    assert notes and notes[0].startswith("15 Special category data")
    (block,) = [b for b in info_sharing.blocks if info_sharing.text[b.start : b.end].startswith("Consent should not be seen")]
    assert block.section == "Why consent is not usually the most appropriate lawful basis in a safeguarding context"


def test_contents_and_cover_are_labelled(info_sharing):
    regions = {b.page: b.region for b in info_sharing.blocks if b.page <= 3}
    assert regions == {1: "front_matter", 2: "contents", 3: "contents"}


def test_boxed_aside_does_not_split_the_page_flow(info_sharing):
    # The boxed aside at the top of p.11 ("It's important to get the lawful
    # basis right...") comes at the end of the content stream; read by position it comes first.
    page = _page_text(info_sharing, 11)
    assert page.index("It's important to get the lawful basis right") < page.index("The complexities of")


def test_definition_table_rows_read_as_rows(info_sharing):
    rows = [info_sharing.text[b.start : b.end] for b in info_sharing.blocks if b.page == 24 and b.kind == "table_row"]
    assert rows[0].startswith("Data Sharing Agreements (DSA) | Data Sharing Agreements (DSA), also known as")
    assert rows[1].startswith("Lawful basis | You must have a valid lawful basis")


def test_line_end_hyphens_keep_compounds():
    # ADCS p.72 breaks "multi-agency" at a line end; p.53 "trauma-informed".
    doc = clean_document(ingest_file(GOV / "ADCS_Safeguarding_Pressures_Phase9_FINAL.pdf", ocr=False))
    assert "\ufffe" not in doc.text and "\x02" not in doc.text
    p72 = _page_text(doc, 72)
    assert "multi-agency" in p72 and "multi agency" not in p72
    assert "trauma-informed" in doc.text and "traumainformed" not in doc.text


def test_running_header_is_removed_from_every_page():
    doc = clean_document(ingest_file(GOV / "Keeping_children_safe_in_education_2025.pdf", ocr=False))
    heads = [p.lines[0].text.strip() for p in doc.pages[5:40] if p.lines]
    assert heads  # the raw pages do carry the furniture ...
    counts = {h: heads.count(h) for h in heads}
    repeated = [h for h, n in counts.items() if n > 5]
    for text in repeated:  # ... and none of it is left in the cleaned text
        assert f"\n\n{text}\n\n" not in doc.text


# -- all eight PDFs: running page numbers and footnotes never reach the classifier ---------

ALL_GOV = sorted(GOV.glob("*.pdf")) if GOV.is_dir() else []
_WORD = re.compile(r"[A-Za-z]{3,}")
_BARE_NUMBER = re.compile(r"^\s*(?:page\s+)?(\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_NOTE_OPENING = re.compile(r"^\s*\d{1,3}\s?[A-Z]")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


@pytest.fixture(scope="module")
def gov_docs():
    """name -> (cleaned document, raw page lines, passages) for the eight PDFs."""
    out = {}
    for path in ALL_GOV:
        doc = ingest_file(path, ocr=False)
        raw = [list(page.lines) for page in doc.pages]
        clean_document(doc)
        out[path.name] = (doc, raw, segment_document(doc))
    return out


def _body_size(raw) -> float:
    return median(ln.size for lines in raw for ln in lines if ln.size > 0)


def _is_running_page_number(text: str, page: int) -> bool:
    """A bare "12", "Page 12", "12 of 187" or "iv" that is this page's number (chart axis labels are not)."""
    m = _BARE_NUMBER.match(text)
    if not m:
        return False
    token = m.group(1)
    return not token.isdigit() or not text.strip().isdigit() or abs(int(token) - page) <= 3


def test_eight_gov_pdfs_are_present():
    assert len(ALL_GOV) == 8


def test_no_running_page_number_is_scored(gov_docs):
    # KCSIE left its page number as a passage on ~120 pages (set at 0.89 of the page height).
    for name, (_, _, passages) in gov_docs.items():
        left = [(p.page, p.text) for p in passages if passage_weight(p) > 0 and _is_running_page_number(p.text, p.page)]
        assert left == [], name


def test_no_footnote_text_is_scored(gov_docs):
    # Independent of the cleaner's rules: on each page, the lines in small type in the lower half from
    # the first one that opens a note ("4 Early help ...", or a raised mark) down are the notes. No
    # scored passage may be made of note text alone (unless the same words are also body text there).
    for name, (_, raw, passages) in gov_docs.items():
        body = _body_size(raw)
        scored: dict[int, list] = {}
        for p in passages:
            if passage_weight(p) > 0:
                scored.setdefault(p.page, []).append(p)
        leaks = []
        for number, lines in enumerate(raw, start=1):
            small = [ln for ln in lines if not ln.kind and 0 < ln.size < 0.92 * body and ln.top > 0.5]
            openers = [ln.top for ln in small if ln.mark or _NOTE_OPENING.match(ln.text)]
            if not openers:
                continue
            notes = _words(" ".join(ln.text for ln in small if ln.top >= min(openers) - 0.002))
            body_text = _words(" ".join(ln.text for ln in lines if ln.size >= 0.92 * body))
            for p in scored.get(number, []):
                words = _words(p.text)
                if len(words.split()) >= 3 and words in notes and words not in body_text:
                    leaks.append((number, p.text))
        assert leaks == [], name


def test_numbered_paragraphs_survive(gov_docs):
    # KCSIE numbers its paragraphs ("18. Any child may benefit ..."); none may be lost or taken for a note.
    doc, raw, passages = gov_docs["Keeping_children_safe_in_education_2025.pdf"]
    body = _body_size(raw)
    contents = {b.page for b in doc.blocks if b.region == "contents"}
    numbered = re.compile(r"^\s*(\d{1,3})\.\s+[A-Z]")
    in_pdf = {int(m.group(1)) for n, lines in enumerate(raw, 1) if n not in contents for ln in lines
              if abs(ln.size - body) <= 0.05 * body and (m := numbered.match(ln.text))}
    # (Paragraphs 226-228 and 413-449 sit under "References" headings, about references for job
    # applicants, which the region rules take for a bibliography: not a footnote question.)
    kept = {int(m.group(1)) for p in passages if p.region != "footnotes" and (m := numbered.match(p.text))}
    assert len(in_pdf) > 500
    assert in_pdf <= kept


def test_body_text_survives(gov_docs):
    # Words on lines in body type (within 5% of the median size) end up outside the footnotes.
    for name, (doc, raw, _) in gov_docs.items():
        body = _body_size(raw)
        in_pdf = Counter(_WORD.findall(" ".join(ln.text for lines in raw for ln in lines
                                                if ln.size and abs(ln.size - body) <= 0.05 * body).lower()))
        kept = Counter(_WORD.findall(" ".join(doc.text[b.start : b.end] for b in doc.blocks
                                              if b.region != "footnotes").lower()))
        missing = sum((in_pdf - kept).values())
        assert missing <= 0.001 * sum(in_pdf.values()), (name, (in_pdf - kept).most_common(10))
