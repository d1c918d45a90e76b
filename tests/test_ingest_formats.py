"""Word files, OCR of scanned pages, the time limit, and the ingest command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practice_themes.clean import clean_document
from practice_themes.errors import CorruptWordError, IngestTimeoutError, NeedsOCRError, UnsupportedFormatError
from practice_themes.ingest import ingest_file
from practice_themes.ingest.ocr import ocr_available
from practice_themes.segment import segment_document

GOV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pdfs" / "gov"


@pytest.fixture()
def rapid_review(tmp_path: Path) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    word = docx.Document()
    word.sections[0].header.paragraphs[0].text = "Rapid Review Child H – CONFIDENTIAL"
    word.add_heading("Rapid Review: Child H", level=1)
    word.add_heading("4. Findings", level=2)
    word.add_paragraph("4.12 The social worker visited on 3 March. She did not see Child H alone.")
    word.add_paragraph("Dr. Shah (GP) was not invited to the strategy discussion.", style="List Bullet")
    table = word.add_table(rows=2, cols=3)
    for cell, value in zip(table.rows[0].cells, ("Date", "Agency", "Event")):
        cell.text = value
    for cell, value in zip(table.rows[1].cells, ("03/03/2022", "Children's social care", "Home visit; child asleep.")):
        cell.text = value
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    word.add_heading("5. Recommendations", level=2)
    word.add_paragraph("5.1 The partnership should audit joint visits.")
    path = tmp_path / "r08_rapid_review_child_h.docx"
    word.save(path)
    return path


def test_docx_keeps_headings_numbered_paragraphs_bullets_and_tables(rapid_review):
    doc = clean_document(ingest_file(rapid_review))
    assert "CONFIDENTIAL" not in doc.text  # header part is never read
    blocks = [(b.kind, b.section, b.page, doc.text[b.start : b.end]) for b in doc.blocks]
    assert ("heading", "4. Findings", 1, "4. Findings") in blocks
    assert ("paragraph", "4. Findings", 1, "4.12 The social worker visited on 3 March. She did not see Child H alone.") in blocks
    assert ("bullet", "4. Findings", 1, "Dr. Shah (GP) was not invited to the strategy discussion.") in blocks
    assert ("table_row", "4. Findings", 1,
            "Date: 03/03/2022 | Agency: Children's social care | Event: Home visit; child asleep.") in blocks
    assert ("paragraph", "5. Recommendations", 2, "5.1 The partnership should audit joint visits.") in blocks
    passages = segment_document(doc)
    assert passages[0].text == "4.12 The social worker visited on 3 March."


def test_unsupported_and_corrupt_files_name_the_reason(tmp_path):
    with pytest.raises(UnsupportedFormatError, match="notes.rtf"):
        ingest_file(tmp_path / "notes.rtf")
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CorruptWordError, match="broken.docx"):
        ingest_file(bad)


def _scanned_pdf(tmp_path: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    draw.text((100, 200), "The social worker visited the family.", fill=0, font=font)
    draw.text((100, 300), "Professional curiosity was lacking.", fill=0, font=font)
    path = tmp_path / "scan.pdf"
    image.save(path, "PDF", resolution=150)
    return path


def test_scanned_pdf_without_ocr_is_needs_ocr(tmp_path):
    with pytest.raises(NeedsOCRError, match="page 1"):
        ingest_file(_scanned_pdf(tmp_path), ocr=False)


@pytest.mark.skipif(not ocr_available(), reason="OCR needs `pip install -e .[ocr]` and `apt-get install tesseract-ocr`")
def test_scanned_page_is_ocrd_when_tesseract_is_installed(tmp_path):
    doc = ingest_file(_scanned_pdf(tmp_path), ocr=True)
    assert doc.pages[0].ocr and not doc.pages[0].needs_ocr
    assert "social worker visited" in doc.pages[0].text
    assert any("OCR'd" in w for w in doc.warnings)


@pytest.mark.skipif(not GOV.is_dir(), reason="../shared/data/pdfs/gov not present")
def test_time_limit_kills_a_slow_ingestion():
    with pytest.raises(IngestTimeoutError, match="Keeping_children"):
        ingest_file(GOV / "Keeping_children_safe_in_education_2025.pdf", timeout_s=0.05, ocr=False)
    doc = ingest_file(GOV / "Info_sharing_advice_content_May_2024.pdf", timeout_s=60, ocr=False)
    assert doc.n_pages == 28


def _read_in_a_daemonic_process(conn, marker: str) -> None:
    from practice_themes.ingest.timeout import run_with_limits

    def reader():
        Path(marker).write_text("read without limits", encoding="utf-8")

    try:
        run_with_limits(reader, path="report.pdf", timeout_s=5, memory_bytes=64 * 1024 * 1024)
        conn.send(("read", ""))
    except Exception as exc:  # noqa: BLE001 - sent back for the test to check
        conn.send((type(exc).__name__, str(exc)))


def test_a_daemonic_caller_is_refused_rather_than_read_without_limits(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    marker = tmp_path / "marker"
    process = ctx.Process(target=_read_in_a_daemonic_process, args=(child, str(marker)), daemon=True)
    process.start()
    assert parent.poll(60)
    kind, message = parent.recv()
    process.join(10)
    assert kind == "RuntimeError" and "distributed.worker.daemon" in message and "report.pdf" in message
    assert not marker.exists()


def test_ingest_command_writes_passages_and_reports_failures(rapid_review, tmp_path):
    from typer.testing import CliRunner

    from practice_themes.cli import app

    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["ingest", str(rapid_review), str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert f"FAILED {bad}: document has no pages or no text" in result.output
    assert "Traceback" not in result.output and "1 files ok, 1 failed" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and {"doc_id", "page", "start", "end", "section", "region", "text"} <= set(rows[0])
    assert rows[0]["doc_id"] == "r08_rapid_review_child_h" and rows[0]["section"] == "4. Findings"


def test_ingest_and_code_expand_paths_alike(tmp_path):
    # `ingest` had its own folder walk that took .zip files while `code` skipped them,
    # and no globs or list files; both now share practice_themes.bulk.inputs.expand_inputs.
    from typer.testing import CliRunner

    from practice_themes.cli import app

    (tmp_path / "a.zip").write_bytes(b"not a zip")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 1 and "FAILED" in result.output and "a.zip" in result.output
    missing = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope.pdf"), "-o", str(out)])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
