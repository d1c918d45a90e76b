"""Every awkward PDF in ../shared/data/pdfs/robustness: a Document or its specific error."""

from __future__ import annotations

from pathlib import Path

import pytest

from practice_themes.clean import clean_document
from practice_themes.errors import (
    EmptyDocumentError,
    EncryptedPDFError,
    NeedsOCRError,
    WrongPasswordError,
)
from practice_themes.ingest import ingest_file
from practice_themes.segment import segment_document

ROBUSTNESS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pdfs" / "robustness"
pytestmark = pytest.mark.skipif(not ROBUSTNESS.is_dir(), reason="../shared/data/pdfs/robustness not present")

PASSWORDS = {
    "pdfminer.six/encryption__aes-128-m.pdf": "foo",
    "pdfminer.six/encryption__aes-128.pdf": "foo",
    "pdfminer.six/encryption__aes-256-m.pdf": "foo",
    "pdfminer.six/encryption__aes-256.pdf": "foo",
    "pdfminer.six/encryption__rc4-128.pdf": "foo",
    "pdfminer.six/encryption__rc4-40.pdf": "foo",
    "pdfminer.six/encryption__aes-256-r6.pdf": "usersecret",
    "pdfplumber/password-example.pdf": "test",
    "py-pdf-sample-files/005-libreoffice-writer-password__libreoffice-writer-password.pdf": "openpassword",
}
EXPECTED_ERRORS = {
    **{name: EncryptedPDFError for name in PASSWORDS},
    "pdfplumber/empty.pdf": EmptyDocumentError,  # 0 bytes
    "pdfplumber/issue-297-example.pdf": EmptyDocumentError,  # a page with nothing on it
    # Image-only pages with no text layer (OCR switched off in this test).
    "pdfminer.six/contrib__pdf-with-jbig2.pdf": NeedsOCRError,
    "pdfminer.six/encryption__encrypted_doc_no_id.pdf": NeedsOCRError,
    "py-pdf-sample-files/007-imagemagick-images__imagemagick-ASCII85Decode.pdf": NeedsOCRError,
    "py-pdf-sample-files/007-imagemagick-images__imagemagick-CCITTFaxDecode.pdf": NeedsOCRError,
    "py-pdf-sample-files/007-imagemagick-images__imagemagick-lzw.pdf": NeedsOCRError,
    "py-pdf-sample-files/007-imagemagick-images__imagemagick-images.pdf": NeedsOCRError,  # a label per image
    "py-pdf-sample-files/019-grayscale-image__grayscale-image.pdf": NeedsOCRError,
    "py-pdf-sample-files/023-cmyk-image__cmyk-image.pdf": NeedsOCRError,
    # An image plus a word or two of text (under MIN_TEXT_CHARS): the content is the image.
    "pdfplumber/malformed-from-issue-932.pdf": NeedsOCRError,
    "py-pdf-sample-files/008-reportlab-inline-image__inline-image.pdf": NeedsOCRError,
}


def _files() -> list[str]:
    if not ROBUSTNESS.is_dir():
        return []
    found = [p for p in ROBUSTNESS.rglob("*") if p.suffix.lower() in (".pdf", ".zip")]
    return sorted(str(p.relative_to(ROBUSTNESS)) for p in found)


def test_robustness_set_is_complete():
    assert len(_files()) == 80


@pytest.mark.parametrize("name", _files())
def test_each_file_gives_text_or_its_specific_error(name):
    path = ROBUSTNESS / name
    expected = EXPECTED_ERRORS.get(name)
    if expected is not None:
        with pytest.raises(expected) as caught:
            ingest_file(path, ocr=False, timeout_s=30)
        assert str(path) in str(caught.value)
        return
    doc = clean_document(ingest_file(path, ocr=False, timeout_s=30))
    assert doc.text.strip(), f"{name}: empty text without an error"
    assert all(p.number == i + 1 for i, p in enumerate(doc.pages))
    for passage in segment_document(doc):
        assert doc.text[passage.start : passage.end] == passage.text
        assert 1 <= passage.page <= doc.n_pages


@pytest.mark.parametrize("name,password", sorted(PASSWORDS.items()))
def test_encrypted_files_open_with_their_password(name, password):
    doc = clean_document(ingest_file(ROBUSTNESS / name, password=password, ocr=False))
    assert doc.text.strip()


def test_wrong_password_is_its_own_error():
    with pytest.raises(WrongPasswordError):
        ingest_file(ROBUSTNESS / "pdfplumber/password-example.pdf", password="not-it", ocr=False)


def test_empty_password_opens_file_with_no_user_password():
    with pytest.raises(NeedsOCRError):  # opens, but its pages are images
        ingest_file(ROBUSTNESS / "pdfminer.six/encryption__encrypted_doc_no_id.pdf", password="", ocr=False)


def test_pdf_inside_zip_is_read():
    doc = clean_document(ingest_file(ROBUSTNESS / "pdfplumber/issue-948.zip", ocr=False))
    assert doc.doc_id == "issue-948" and doc.text.strip()


def test_pdfium_unreadable_file_falls_back_to_pdfminer():
    doc = ingest_file(ROBUSTNESS / "py-pdf-sample-files/017-unreadable-meta-data__unreadablemetadata.pdf", ocr=False)
    assert doc.metadata["extractor"] == "pdfplumber" and any(p.text.strip() for p in doc.pages)
