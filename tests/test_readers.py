"""Human and machine coding readers: good files read, bad files fail with the row number."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from practice_themes.evaluation.machine import PredictionError, read_machine, read_texts
from practice_themes.coding.readers import read_coverage, read_gold, read_long, read_wide
from practice_themes.coding.tables import AnnotationError

THEMES = ["information_sharing", "neglect", "domestic_abuse"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_long_table_reads_and_builds_document_codes(tmp_path):
    path = write(tmp_path / "codes.csv", (
        "doc_id,coder,theme,quote,start,end,page,present,note\n"
        "r1,ann,neglect,home was dirty,10,24,3,1,\n"
        "r1,ann,neglect,another quote,40,53,4,1,\n"
        "r1,bob,information_sharing,,,,,,\n"
        "r2,ann,domestic_abuse,,,,,0,read; nothing found\n"
        "r2,bob,neglect,,,,,yes,\n"
    ))
    gold = read_long(path, theme_ids=THEMES, coders=["ann", "bob"])
    assert gold.coders == ["ann", "bob"]
    assert len(gold.codes) == 5
    assert gold.codes.loc[0, "start"] == 10 and gold.codes.loc[0, "page"] == 3
    matrix = gold.document_matrix(THEMES)
    # present=0 still counts r2 as coded by ann, with every theme absent.
    assert matrix.loc[("r2", "ann")].tolist() == [0.0, 0.0, 0.0]
    assert matrix.loc[("r1", "ann"), "neglect"] == 1.0
    assert matrix.loc[("r1", "bob")].tolist() == [1.0, 0.0, 0.0]
    assert matrix.loc[("r2", "bob"), "neglect"] == 1.0
    assert ("r1", "ann") in matrix.index and len(matrix) == 4


def test_coverage_file_adds_documents_coded_with_nothing(tmp_path):
    codes = write(tmp_path / "codes.csv", "doc_id,coder,theme\nr1,ann,neglect\n")
    cover = write(tmp_path / "cover.csv", "doc_id,coder\nr1,ann\nr9,ann\n")
    gold = read_gold(codes, theme_ids=THEMES, coverage=cover)
    matrix = gold.document_matrix(THEMES)
    assert matrix.loc[("r9", "ann")].sum() == 0
    assert len(matrix) == 2


def test_missing_column_suggests_the_closest(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coders,theme\nr1,ann,neglect\n")
    with pytest.raises(AnnotationError, match=r"missing column 'coder' \(did you mean 'coders'\?\)"):
        read_long(path, theme_ids=THEMES)


def test_misspelt_optional_column_is_an_error_not_ignored(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coder,theme,qoute\nr1,ann,neglect,x\n")
    with pytest.raises(AnnotationError, match=r"'qoute' is not recognised \(did you mean 'quote'\?\)"):
        read_long(path, theme_ids=THEMES)


def test_unknown_theme_lists_rows_and_suggestion(tmp_path):
    path = write(tmp_path / "codes.csv", (
        "doc_id,coder,theme\nr1,ann,neglect\nr1,ann,negelct\nr2,ann,negelct\nr2,ann,weather\n"
    ))
    with pytest.raises(AnnotationError) as err:
        read_long(path, theme_ids=THEMES)
    message = str(err.value)
    assert "'negelct' (did you mean 'neglect'?) in rows 3 and 4" in message
    assert "'weather' in row 5" in message


def test_unknown_coder_names_row(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coder,theme\nr1,ann,neglect\nr1,carl,neglect\n")
    with pytest.raises(AnnotationError, match=r"unknown coder 'carl' in row 3"):
        read_long(path, theme_ids=THEMES, coders=["ann", "bob"])


def test_duplicate_rows_are_listed(tmp_path):
    path = write(tmp_path / "codes.csv", (
        "doc_id,coder,theme,quote\nr1,ann,neglect,a\nr1,bob,neglect,a\nr1,ann,neglect,a\n"
    ))
    with pytest.raises(AnnotationError, match=r"duplicate rows .*rows 2 and 4"):
        read_long(path, theme_ids=THEMES)


def test_bad_present_value_names_row_and_column(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coder,theme,present\nr1,ann,neglect,1\nr2,ann,neglect,maybe\n")
    with pytest.raises(AnnotationError, match=r"row 3: column 'present' has 'maybe'"):
        read_long(path, theme_ids=THEMES)


def test_bad_span_is_rejected(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coder,theme,start,end\nr1,ann,neglect,30,10\n")
    with pytest.raises(AnnotationError, match=r"row 2: end \(10\) must be greater than start \(30\)"):
        read_long(path, theme_ids=THEMES)


def test_blank_required_cell_names_row(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coder,theme\nr1,ann,neglect\nr2,,neglect\n")
    with pytest.raises(AnnotationError, match=r"blank 'coder' in row 3"):
        read_long(path, theme_ids=THEMES)


def test_xlsx_with_formulas_stray_spaces_and_numeric_ids(tmp_path):
    path = tmp_path / "codes.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([" doc_id ", "coder", " theme", "present "])
    sheet.append([101, " ann ", "neglect ", "=1"])
    sheet.append([102, "ann", " domestic_abuse", "=0"])
    book.save(path)
    # openpyxl writes formulas without cached values; add them as a spreadsheet program would.
    _add_cached_values(path, {"D2": "1", "D3": "0"})
    gold = read_long(path, theme_ids=THEMES)
    assert gold.codes["doc_id"].tolist() == ["101", "102"]
    assert gold.codes["coder"].tolist() == ["ann", "ann"]
    assert gold.codes["present"].tolist() == [1, 0]
    matrix = gold.document_matrix(THEMES)
    assert matrix.loc[("102", "ann")].sum() == 0


def _add_cached_values(path: Path, values: dict[str, str]) -> None:
    """Put <v> cached results next to formula cells in the sheet XML."""
    import re
    import shutil
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for ref, value in values.items():
                    xml = re.sub(rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f>(<v\s*/>|<v></v>)?', rf"\1<f>\2</f><v>{value}</v>", xml)
                data = xml.encode()
            dst.writestr(item, data)
    shutil.move(tmp, path)


def test_wide_sheet_to_codes_with_blank_as_missing(tmp_path):
    path = write(tmp_path / "wide.csv", "report,ann,bob\nr1,yes,no\nr2,no,\nr3,1,1\n")
    gold = read_wide(path, unit="report", raters=["ann", "bob"], theme="neglect", theme_ids=THEMES)
    matrix = gold.document_matrix(["neglect"])
    assert matrix.loc[("r1", "ann"), "neglect"] == 1.0
    assert matrix.loc[("r1", "bob"), "neglect"] == 0.0
    assert ("r2", "bob") not in matrix.index
    assert gold.coders == ["ann", "bob"]


def test_wide_sheet_duplicate_unit_and_bad_value(tmp_path):
    dup = write(tmp_path / "dup.csv", "report,ann\nr1,yes\nr1,no\n")
    with pytest.raises(AnnotationError, match=r"duplicate unit 'r1'.*rows 2 and 3"):
        read_wide(dup, unit="report", raters=["ann"], theme="neglect")
    bad = write(tmp_path / "bad.csv", "report,ann\nr1,perhaps\n")
    with pytest.raises(AnnotationError, match=r"row 2: column 'ann' has 'perhaps'"):
        read_wide(bad, unit="report", raters=["ann"], theme="neglect")


def test_coverage_rejects_unknown_coder(tmp_path):
    cover = write(tmp_path / "cover.csv", "doc_id,coder\nr1,zed\n")
    with pytest.raises(AnnotationError, match="unknown coder 'zed' in row 2"):
        read_coverage(cover, coders=["ann"])


def _documents_csv(folder: Path) -> Path:
    folder.mkdir()
    rows = [
        {"doc_id": "r1", "status": "ok", "error": "", "information_sharing": 1, "information_sharing_score": 0.9,
         "neglect": 0, "neglect_score": 0.2, "domestic_abuse": 1, "domestic_abuse_score": 0.7},
        {"doc_id": "r2", "status": "error", "error": "encrypted", "information_sharing": None,
         "information_sharing_score": None, "neglect": None, "neglect_score": None, "domestic_abuse": None,
         "domestic_abuse_score": None},
    ]
    pd.DataFrame(rows).to_csv(folder / "documents.csv", index=False)
    pd.DataFrame([{"doc_id": "r1", "theme": "information_sharing", "rank": 1, "score": 0.8, "page": 2,
                   "start": 0, "end": 10, "section": "", "region": "body", "text": "no sharing"}]).to_csv(
        folder / "passages.csv", index=False)
    (folder / "run.json").write_text(json.dumps({"fingerprint": "abc"}))
    return folder


def test_machine_outdir_keeps_ok_rows_and_reports_excluded(tmp_path):
    out = read_machine(_documents_csv(tmp_path / "out"), THEMES)
    assert out.labels.index.tolist() == ["r1"]
    assert out.labels.loc["r1"].tolist() == [1, 0, 1]
    assert out.scores.loc["r1", "domestic_abuse"] == pytest.approx(0.7)
    assert out.excluded.to_dict("records") == [{"doc_id": "r2", "status": "error", "reason": "encrypted"}]
    assert len(out.passages) == 1 and out.manifest.model_hash == "abc"
    assert [p.name for p in out.files] == ["documents.csv", "passages.csv", "run.json"]


def test_machine_missing_theme_column_is_an_error(tmp_path):
    folder = _documents_csv(tmp_path / "out")
    with pytest.raises(PredictionError, match="no prediction column for theme.*escalation"):
        read_machine(folder / "documents.csv", THEMES + ["escalation"])


def test_tag_jsonl(tmp_path):
    path = write(tmp_path / "tags.jsonl", "\n".join([
        json.dumps({"id": "r1", "present": ["neglect"], "scores": {"neglect": 0.8, "domestic_abuse": 0.1},
                    "evidence": {"neglect": [{"text": "dirty home", "start": 5, "end": 15}]}}),
        json.dumps({"id": "r2", "error": "cannot read"}),
    ]) + "\n")
    out = read_machine(path, THEMES)
    assert out.labels.loc["r1"].tolist() == [0, 1, 0]
    assert math.isnan(out.scores.loc["r1", "information_sharing"])
    assert out.passages.loc[0, "text"] == "dirty home"
    assert out.excluded["doc_id"].tolist() == ["r2"]


def test_read_texts_from_ingest_jsonl(tmp_path):
    path = write(tmp_path / "ingest.jsonl", json.dumps({"doc_id": "r1", "text": "Some text."}) + "\n")
    assert read_texts(path) == {"r1": "Some text."}


def test_read_texts_rebuilds_documents_from_ingest_passages(tmp_path):
    lines = [{"doc_id": "r2", "page": 1, "start": 0, "end": 9, "text": "Sentence."},
             {"doc_id": "r2", "page": 2, "start": 11, "end": 18, "text": "Second."}]
    path = write(tmp_path / "passages.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    text = read_texts(path)["r2"]
    assert text == "Sentence.  Second."
    assert text[11:18] == "Second."


# -- document sheets (one row per document, one 0/1 column per theme) --------------------------

def test_doc_sheet_is_detected_and_a_row_of_zeros_is_covered_and_negative(tmp_path):
    path = write(tmp_path / "sheet.csv", (
        "doc_id,sample,information_sharing,neglect,domestic_abuse\n"
        "r1,random,1,0,\n"
        "r2,random,0,0,0\n"
        "r3,informative,1.0,1,0\n"
    ))
    gold = read_gold(path, theme_ids=THEMES)
    assert gold.coders == ["coder"]  # no coder column: one coder named "coder"
    matrix = gold.document_matrix(THEMES)
    assert set(matrix.index.get_level_values("doc_id")) == {"r1", "r2", "r3"}
    # r2 was coded with no theme present: covered, and negative for every theme.
    assert matrix.loc[("r2", "coder")].tolist() == [0.0, 0.0, 0.0]
    # A blank cell is not coded.
    assert math.isnan(matrix.loc[("r1", "coder"), "domestic_abuse"])
    assert matrix.loc[("r3", "coder")].tolist() == [1.0, 1.0, 0.0]
    assert gold.samples == {"r1": "random", "r2": "random", "r3": "informative"}


def test_doc_sheet_xlsx_reads_the_coding_sheet_by_default(tmp_path):
    path = tmp_path / "to_code.xlsx"
    workbook = openpyxl.Workbook()
    about = workbook.active
    about.title = "about"
    about.append(["what", "this is the sample"])
    coding = workbook.create_sheet("coding")
    coding.append(["doc_id", "coder", "sample", *THEMES])
    coding.append(["r1", "ann", "random", 1, 0, 0])
    coding.append(["r2", "ann", "random", 0, 0, 0])
    coding.append(["r3", "ann", "random", None, None, None])
    workbook.create_sheet("evidence").append(["doc_id", "theme", "text"])
    workbook.save(path)
    gold = read_gold(path, theme_ids=THEMES)
    assert gold.coders == ["ann"]
    assert sorted(gold.coverage["doc_id"]) == ["r1", "r2"]
    assert "row 4" in gold.notes[0] and "not coded yet" in gold.notes[0]


def test_doc_sheet_row_of_na_cells_and_no_sample_kind_is_not_coded_yet(tmp_path):
    """"n/a" reads as blank in every theme cell, so such a row is a handed-out row not coded yet, as an empty
    one is; it used to get past the blank-row check and fail on its empty `sample` cell."""
    path = write(tmp_path / "sheet.csv", f"doc_id,sample,{','.join(THEMES)}\n"
                                         "r1,random,1,0,0\nr2,,n/a,n/a,n/a\n")
    gold = read_gold(path, theme_ids=THEMES)
    assert sorted(gold.coverage["doc_id"]) == ["r1"]
    assert "row 3" in gold.notes[0] and "not coded yet" in gold.notes[0]


def test_doc_sheet_unknown_column_suggests_the_theme(tmp_path):
    path = write(tmp_path / "sheet.csv", "doc_id,neglet,information_sharing\nr1,1,0\n")
    with pytest.raises(AnnotationError, match=r"'neglet' \(did you mean 'neglect'\?\) is not a theme id"):
        read_gold(path, theme_ids=THEMES)


def test_doc_sheet_bad_value_names_the_cell(tmp_path):
    path = write(tmp_path / "sheet.csv", "doc_id,neglect,information_sharing\nr1,1,0\nr2,2,0\n")
    with pytest.raises(AnnotationError, match=r"row 3: column 'neglect' has '2'"):
        read_gold(path, theme_ids=THEMES)


def test_doc_sheet_bad_sample_and_duplicate_document(tmp_path):
    bad_sample = write(tmp_path / "a.csv", "doc_id,sample,neglect\nr1,convenience,1\n")
    with pytest.raises(AnnotationError, match=r"row 2: column 'sample' has 'convenience'"):
        read_gold(bad_sample, theme_ids=THEMES)
    twice = write(tmp_path / "b.csv", "doc_id,neglect\nr1,1\nr1,0\n")
    with pytest.raises(AnnotationError, match=r"document 'r1' \(coder 'coder'\) is in rows 2 and 3"):
        read_gold(twice, theme_ids=THEMES)


def test_long_table_conflicting_rows_are_an_error_naming_both(tmp_path):
    path = write(tmp_path / "codes.csv", (
        "doc_id,coder,theme,present\nr1,ann,neglect,1\nr1,ann,domestic_abuse,0\nr1,ann,neglect,0\n"
    ))
    with pytest.raises(AnnotationError, match=r"'r1', coder 'ann', theme 'neglect': present = 1 in row 2 "
                                              r"but present = 0 in row 4"):
        read_long(path, theme_ids=THEMES)


def test_long_table_accepts_present_written_as_a_float(tmp_path):
    path = write(tmp_path / "codes.csv", "doc_id,coder,theme,present\nr1,ann,neglect,1.0\nr1,ann,domestic_abuse,0.0\n")
    matrix = read_long(path, theme_ids=THEMES).document_matrix(THEMES)
    assert matrix.loc[("r1", "ann")].tolist() == [0.0, 1.0, 0.0]


def test_a_half_coded_sample_sheet_reads_its_coded_rows_and_skips_blank_ones(tmp_path):
    # Regression: a handed-out sheet whose uncoded rows have a blank coder cell failed to read.
    from practice_themes.coding.readers import read_gold
    from practice_themes.codebook import load_codebook

    ids = load_codebook().ids
    header = ["doc_id", "sample", "coder", *ids]
    coded = ["r1", "random", "", *["1" if t == "neglect" else "0" for t in ids]]
    zeros = ["r2", "informative", "ann", *["0" for _ in ids]]
    blank = ["r3", "random", "", *["" for _ in ids]]
    sheet = tmp_path / "to_code.csv"
    sheet.write_text("\n".join(",".join(r) for r in (header, coded, zeros, blank)) + "\n", encoding="utf-8")
    gold = read_gold(sheet, theme_ids=ids)
    assert sorted(gold.coverage["doc_id"]) == ["r1", "r2"]
    matrix = gold.document_matrix(ids)
    assert matrix.loc[("r2", "ann")].sum() == 0
    assert gold.samples == {"r1": "random", "r2": "informative"}
    assert any("blank" in note for note in gold.notes)
