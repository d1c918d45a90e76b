"""Plain-text (.txt/.md) sources and CSV/JSONL tables of texts, read wherever PDFs are."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from practice_themes.bulk.inputs import InputError, content_sha256, expand_inputs, is_list_file
from practice_themes.clean import clean_document
from practice_themes.cli import app
from practice_themes.cli.table_options import fold_text_columns
from practice_themes.errors import EmptyDocumentError, TextEncodingError
from practice_themes.ingest import ingest_file
from practice_themes.ingest.tabular import TableError, TableSpec, read_table
from practice_themes.segment import segment_document

runner = CliRunner()
SPEC = TableSpec("id", ("circumstances", "concerns"))


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- the reader ---------------------------------------------------------------------------------

def test_txt_paragraphs_come_from_blank_lines_and_single_newlines_are_layout(tmp_path):
    # A hyphen at a line end is resolved by the cleaner's vocabulary, as for PDFs ("partner" is a word here).
    path = _write(tmp_path / "r1.txt", "The social worker visited\nthe family on 3 March.\n\n"
                                       "Mother said her ex-\npartner had left. The partner was not told.\n")
    doc = clean_document(ingest_file(path))
    assert doc.doc_id == "r1" and doc.n_pages == 1
    assert doc.text == ("The social worker visited the family on 3 March.\n\n"
                        "Mother said her ex-partner had left. The partner was not told.")
    passages = segment_document(doc)
    assert [p.text for p in passages] == ["The social worker visited the family on 3 March.",
                                          "Mother said her ex-partner had left.", "The partner was not told."]
    assert {p.page for p in passages} == {1} and [p.paragraph for p in passages] == [0, 1, 1]


def test_a_single_page_passes_through_cleaning_untouched(tmp_path):
    # Header/footer removal needs several pages; a lone "Page 1" or a repeated line must survive.
    text = "Page 1\n\nChild A was seen at home.\n\nChild A was seen at home.\n\n3\n"
    doc = clean_document(ingest_file(_write(tmp_path / "one.txt", text)))
    assert doc.text.split("\n\n") == ["Page 1", "Child A was seen at home.", "Child A was seen at home.", "3"]


def test_form_feeds_make_pages_and_their_running_headers_are_removed(tmp_path):
    pages = [f"Child Q review - CONFIDENTIAL\n\nOn day {n} the health visitor saw Child Q at home.\n\nPage {n} of 3"
             for n in range(1, 4)]
    doc = ingest_file(_write(tmp_path / "export.txt", "\f".join(pages) + "\f"))  # pdftotext ends with \f
    assert doc.n_pages == 3 and doc.metadata["page_basis"] == "form feeds"
    clean_document(doc)
    assert "CONFIDENTIAL" not in doc.text and "Page 2 of 3" not in doc.text
    passages = segment_document(doc)
    assert [(p.page, p.text) for p in passages] == [
        (n, f"On day {n} the health visitor saw Child Q at home.") for n in range(1, 4)]


def test_markdown_headings_become_sections_and_lists_and_tables_are_kept(tmp_path):
    text = ("---\ntitle: front matter is metadata\n---\n# 4. Findings\n\n"
            "4.1 Nobody shared the referral.\n4.2 The health visitor did not see the baby.\n\n"
            "- the GP was not invited;\n- the school was not told.\n\n"
            "| Date | Event |\n|---|---|\n| 03/03/2022 | Home visit |\n\n## Recommendations\n\nAudit joint visits.\n")
    doc = clean_document(ingest_file(_write(tmp_path / "review.md", text)))
    blocks = [(b.kind, b.section, doc.text[b.start:b.end]) for b in doc.blocks]
    assert blocks[0] == ("heading", "4. Findings", "4. Findings")
    assert ("paragraph", "4. Findings", "4.1 Nobody shared the referral.") in blocks
    assert ("paragraph", "4. Findings", "4.2 The health visitor did not see the baby.") in blocks
    assert ("bullet", "4. Findings", "the GP was not invited;") in blocks
    assert any(kind == "table_row" and "03/03/2022" in t and "Home visit" in t for kind, _, t in blocks)
    assert ("paragraph", "Recommendations", "Audit joint visits.") in blocks
    assert "#" not in doc.text and "front matter" not in doc.text and "|---" not in doc.text


def test_a_byte_order_mark_and_windows_newlines_are_read(tmp_path):
    doc = clean_document(ingest_file(_write(tmp_path / "bom.txt", b"\xef\xbb\xbfFirst line\r\nwraps.\r\n\r\nSecond.")))
    assert doc.text == "First line wraps.\n\nSecond."


def test_bytes_that_are_not_utf8_are_a_typed_error_not_replaced(tmp_path):
    path = _write(tmp_path / "latin1.txt", "Caf\u00e9 visit.".encode("latin-1"))
    with pytest.raises(TextEncodingError, match=r"latin1.txt.*0xe9 at offset 3"):
        ingest_file(path)


@pytest.mark.parametrize("content", [b"", b"  \n\n \t\n"])
def test_an_empty_text_file_is_an_empty_document(tmp_path, content):
    with pytest.raises(EmptyDocumentError, match="empty.txt"):
        ingest_file(_write(tmp_path / "empty.txt", content))


# -- tables -------------------------------------------------------------------------------------

def test_csv_rows_become_documents_joining_columns_in_the_given_order(tmp_path):
    path = _csv(tmp_path / "reports.csv", [
        {"id": "r1", "url": "u", "concerns": "Second part.", "circumstances": "First part.\n\nStill first."},
        {"id": "r2", "url": "u", "concerns": "", "circumstances": "Only this."},
    ])
    rows = read_table(path, SPEC)
    assert [(r.doc_id, r.row, r.text) for r in rows] == [
        ("r1", 2, "First part.\n\nStill first.\n\nSecond part."), ("r2", 3, "Only this.")]
    reversed_order = read_table(path, TableSpec("id", ("concerns", "circumstances")))
    assert reversed_order[0].text.startswith("Second part.")


def test_jsonl_rows_become_documents(tmp_path):
    path = _write(tmp_path / "reports.jsonl", "\n".join(json.dumps(r) for r in [
        {"id": 7, "circumstances": "Seen at home.", "concerns": None},
        {"id": 8, "circumstances": "Not seen.", "concerns": "Escalate."}]) + "\n")
    assert [(r.doc_id, r.text) for r in read_table(path, SPEC)] == [
        ("7", "Seen at home."), ("8", "Not seen.\n\nEscalate.")]


def test_a_missing_column_names_the_columns_that_exist(tmp_path):
    path = _csv(tmp_path / "t.csv", [{"id": "a", "circumstances": "x", "url": "u"}])
    with pytest.raises(TableError, match=r"no column 'concerns'; the columns are: id, circumstances, url"):
        read_table(path, SPEC)


def test_duplicate_ids_name_the_rows(tmp_path):
    path = _csv(tmp_path / "t.csv", [{"id": i, "circumstances": "x", "concerns": "y"} for i in ("a", "b", "a")])
    with pytest.raises(TableError, match=r"'a' in rows 2, 4"):
        read_table(path, SPEC)


def test_a_table_needs_its_columns_named(tmp_path):
    path = _csv(tmp_path / "t.csv", [{"id": "a", "circumstances": "x", "concerns": "y"}])
    with pytest.raises(InputError, match="--id-column COLUMN --text-columns"):
        expand_inputs([path])
    with pytest.raises(InputError, match="none was given"):
        expand_inputs([_write(tmp_path / "a.txt", "Text.")], SPEC)


def test_text_columns_take_several_words_or_commas():
    assert fold_text_columns(["t.csv", "--text-columns", "a", "b", "-o", "x"]) == ["t.csv", "--text-columns", "a,b",
                                                                                "-o", "x"]
    assert fold_text_columns(["--text-columns", "a", "b", "--", "t.csv"]) == ["--text-columns", "a,b", "t.csv"]
    assert fold_text_columns(["--text-columns", "a,b"]) == ["--text-columns", "a,b"]


# -- PATH expansion -----------------------------------------------------------------------------

def test_a_txt_is_a_list_file_only_when_every_line_names_a_path(tmp_path):
    review = _write(tmp_path / "docs" / "a.pdf", b"%PDF-1.4")
    listing = _write(tmp_path / "list.txt", "# to code\ndocs/a.pdf\n\ndocs/typo.pdf\n")
    report = _write(tmp_path / "report.txt", "The review found that docs/a.pdf was not shared.\n")
    assert is_list_file(listing) and not is_list_file(report)
    assert is_list_file(_write(tmp_path / "x.lst", "anything")) and not is_list_file(_write(tmp_path / "y.md", "a.pdf"))
    with pytest.raises(InputError, match="typo.pdf: no such file"):  # a mistyped path still errors
        expand_inputs([listing])
    listing.write_text("docs/a.pdf\n")
    assert [i.path for i in expand_inputs([listing])] == [review]
    assert [(i.path, i.doc_id) for i in expand_inputs([report])] == [(report, "report")]


def test_folders_take_text_files_but_not_readmes_or_text_copies_of_a_pdf(tmp_path):
    pdf = _write(tmp_path / "reviews" / "r01.pdf", b"%PDF-1.4")
    _write(tmp_path / "source" / "r01.md", "# copy of r01")
    _write(tmp_path / "README.md", "about this folder")
    txt = _write(tmp_path / "exports" / "r02.txt", "A text export.")
    _csv(tmp_path / "metadata.csv", [{"doc_id": "r01", "year": "2020"}])
    assert [i.path for i in expand_inputs([tmp_path])] == [txt, pdf]


def test_table_rows_expand_with_their_text_and_hash_by_text(tmp_path):
    path = _csv(tmp_path / "t.csv", [{"id": "a", "circumstances": "Same.", "concerns": ""},
                                     {"id": "b", "circumstances": "Other.", "concerns": ""}])
    a, b = expand_inputs([path], SPEC)
    assert (a.doc_id, a.text, a.path, a.row, a.is_row) == ("a", "Same.", path, 2, True)
    assert content_sha256(a) != content_sha256(b)
    _csv(path, [{"id": "a", "circumstances": "Same.", "concerns": ""},
                {"id": "b", "circumstances": "Edited.", "concerns": ""}])
    a2, b2 = expand_inputs([path], SPEC)
    assert content_sha256(a2) == content_sha256(a) and content_sha256(b2) != content_sha256(b)


# -- commands -----------------------------------------------------------------------------------

def test_code_on_a_table_resumes_without_recomputing_and_redoes_only_an_edited_row(tmp_path):
    from practice_themes.bulk.runner import RunSettings, run_corpus
    from practice_themes.bulk.worker import ClassifierSpec

    spec = ClassifierSpec(model="keyword-stand-in")
    settings = RunSettings(workers=1, progress=False, timeout_s=None)
    rows = [{"id": f"r{i}", "circumstances": f"Report {i}: the social worker visited the home.",
             "concerns": "Information was not shared between agencies." if i % 2 else ""} for i in range(4)]
    rows.append({"id": "blank", "circumstances": "", "concerns": ""})
    path = _csv(tmp_path / "reports.csv", rows)
    out = tmp_path / "run"
    first = run_corpus(expand_inputs([path], SPEC), out, spec, settings)
    counts = first.manifest["counts"]
    assert (counts["documents"], counts["ok"], counts["computed"]) == (5, 4, 5)
    failed = [r for r in first.results if r.status != "ok"]
    assert [(r.doc_id, r.error_type) for r in failed] == [("blank", "EmptyDocumentError")]
    again = run_corpus(expand_inputs([path], SPEC), out, spec, settings)
    assert (again.manifest["counts"]["computed"], again.manifest["counts"]["reused_from_store"]) == (0, 5)
    rows[2]["circumstances"] = "Report 2 was rewritten: mother's partner was never assessed."
    _csv(path, rows)
    edited = run_corpus(expand_inputs([path], SPEC), out, spec, settings)
    assert (edited.manifest["counts"]["computed"], edited.manifest["counts"]["reused_from_store"]) == (1, 4)
    docs = (out / "documents.csv").read_text()
    assert "r2," in docs and "blank," in docs


def test_ingest_cli_reads_txt_and_table_rows(tmp_path):
    _write(tmp_path / "in" / "note.txt", "The GP was not told.\n\nNobody escalated it.")
    table = _csv(tmp_path / "t.csv", [{"id": "row1", "circumstances": "Seen at home.", "concerns": "Not seen alone."},
                                      {"id": "row2", "circumstances": "", "concerns": ""}])
    out = tmp_path / "p.jsonl"
    result = runner.invoke(app, ["ingest", str(tmp_path / "in"), str(table), "-o", str(out),
                                 "--id-column", "id", "--text-columns", "circumstances", "concerns"])
    assert result.exit_code == 1, result.output  # row2 is empty: its own failure, the rest are read
    assert "row2" in result.output and "2 files ok, 1 failed" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["doc_id"], r["page"], r["text"]) for r in rows] == [
        ("note", 1, "The GP was not told."), ("note", 1, "Nobody escalated it."),
        ("row1", 1, "Seen at home."), ("row1", 1, "Not seen alone.")]
    usage = runner.invoke(app, ["ingest", str(table), "-o", str(out)])
    assert usage.exit_code == 2 and "--id-column" in usage.output


def test_evaluate_text_reads_a_folder_or_a_table_as_cleaned_text(tmp_path):
    from practice_themes.evaluation.machine import read_texts

    folder = tmp_path / "texts"
    _write(folder / "a.txt", "Line one\nwraps.\n\nTwo.")
    assert read_texts(folder) == {"a": "Line one wraps.\n\nTwo."}
    table = _csv(tmp_path / "t.csv", [{"id": "x", "circumstances": "Seen.", "concerns": "Not seen."}])
    assert read_texts(table, SPEC) == {"x": "Seen.\n\nNot seen."}


def test_train_finds_txt_md_and_table_sources(tmp_path):
    from practice_themes.coding.tables import AnnotationError
    from practice_themes.training import document_passages, find_documents

    _write(tmp_path / "a.txt", "Alpha text.")
    _write(tmp_path / "sub" / "b.md", "# Findings\n\nBeta text.")
    pdf = _write(tmp_path / "c.pdf", b"%PDF-1.4")
    _write(tmp_path / "c.txt", "a text copy of c")
    found = find_documents(tmp_path, ["a", "b", "c"])
    assert found == {"a": tmp_path / "a.txt", "b": tmp_path / "sub" / "b.md", "c": pdf}
    assert [(p.section, p.text) for p in document_passages(found["b"])] == [("Findings", "Beta text.")]
    with pytest.raises(AnnotationError, match="no PDF, DOCX, .md or .txt under .* for coded document.*: d"):
        find_documents(tmp_path, ["a", "d"])
    table = _csv(tmp_path / "t.csv", [{"id": "a", "circumstances": "Row text.", "concerns": ""}])
    rows = find_documents(table, ["a"], SPEC)
    assert rows["a"].text == "Row text." and [p.text for p in document_passages(rows["a"])] == ["Row text."]
    with pytest.raises(AnnotationError, match="--id-column"):
        find_documents(table, ["a"])
