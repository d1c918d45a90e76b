"""Metadata joins by doc_id or file name, with missing and extra keys reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from practice_themes.bulk.inputs import InputFile
from practice_themes.bulk.metadata import MetadataError, join_metadata


def _inputs(*names: str) -> list[InputFile]:
    return [InputFile(Path("/corpus") / n, Path(n).stem) for n in names]


def test_join_by_doc_id_reports_missing_and_extra(tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("doc_id,year,area\nr01,2019,Northmoor\nr02,2021,\nr99,2020,Eastbridge\n")
    join = join_metadata(meta, _inputs("r01.pdf", "r02.pdf", "r03.docx"))
    assert join.key_column == "doc_id" and join.columns == ["year", "area"]
    assert join.by_doc["r01"] == {"year": 2019, "area": "Northmoor"}  # whole numbers become ints
    assert join.by_doc["r02"] == {"year": 2021, "area": None}  # blanks are missing, not ""
    assert join.missing == ["r03"] and join.extra == ["r99"]


def test_join_by_file_name_and_reserved_columns_are_dropped(tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("File,status,review_type\nr01.pdf,ok,lcspr\nr02.docx,ok,scr\n")
    join = join_metadata(meta, _inputs("r01.pdf", "r02.docx"))
    assert join.key_column == "File" and join.columns == ["review_type"]
    assert join.by_doc == {"r01": {"review_type": "lcspr"}, "r02": {"review_type": "scr"}}
    assert join.missing == [] and join.extra == []


@pytest.mark.parametrize("text, message", [
    ("year,area\n2019,x\n", "no key column"),
    ("doc_id,year\nr01,2019\nr01,2020\n", "appears more than once"),
    ("doc_id,year\n,2019\n", "empty 'doc_id'"),
])
def test_bad_metadata_is_refused_with_the_reason(tmp_path, text, message):
    meta = tmp_path / "meta.csv"
    meta.write_text(text)
    with pytest.raises(MetadataError, match=message):
        join_metadata(meta, _inputs("r01.pdf"))


def test_metadata_reaches_the_documents_table(tmp_path):
    from synthetic_reviews import review_paragraphs, write_pdf
    from practice_themes.cli.app import app  # noqa: F401
    from typer.testing import CliRunner

    import practice_themes.cli  # noqa: F401  (registers the commands)

    for name in ("a", "b"):
        write_pdf(tmp_path / "in" / f"{name}.pdf", review_paragraphs(ord(name)))
    meta = tmp_path / "meta.csv"
    meta.write_text("file,year\na.pdf,2020\nzzz.pdf,2021\n")
    result = CliRunner().invoke(practice_themes.cli.app, [
        "code", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--metadata", str(meta), "--no-progress",
        "--scheduler", "local-threads", "--workers", "1", "--model", "keyword-stand-in"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "no row for 1 (b)" in output and "1 row(s) match no input (zzz.pdf)" in output
    import pandas as pd

    docs = pd.read_csv(tmp_path / "out" / "documents.csv")
    assert docs.set_index("doc_id")["year"].to_dict() == {"a": 2020, "b": None} or (
        docs.set_index("doc_id").loc["a", "year"] == 2020 and pd.isna(docs.set_index("doc_id").loc["b", "year"]))
    assert list(docs.columns[:10]) == ["doc_id", "status", "source_path", "content_sha256", "n_pages", "n_passages",
                                       "error_type", "stage", "error", "year"]
