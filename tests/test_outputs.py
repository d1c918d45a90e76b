"""Output tables: one row per document, errors never read as 'theme absent', deterministic order."""

from __future__ import annotations

import json

import pandas as pd

from practice_themes.codebook import load_codebook
from practice_themes.outputs import (
    DOCUMENT_COLUMNS, ERROR_COLUMNS, PASSAGE_COLUMNS, RunManifest, document_row, read_manifest, write_manifest,
    write_outputs,
)
from practice_themes.types import DocumentResult, Evidence, Passage, ThemeTag

CODEBOOK = load_codebook()


def _ok(doc_id: str, present: set[str]) -> DocumentResult:
    tags = []
    for i, theme in enumerate(CODEBOOK.ids):
        hit = theme in present
        ev = [Evidence(Passage(doc_id, page=2, start=5, end=30, text=f"{theme} sentence", section="Findings"), 0.9)]
        tags.append(ThemeTag(theme, 0.9 if hit else 0.1, hit, ev if hit else [], "present" if hit else "absent"))
    return DocumentResult(doc_id=doc_id, source_path=f"{doc_id}.pdf", status="ok", n_pages=3, n_passages=40,
                          tags=tags, metadata={"year": 2020, "content_sha256": "ab"})


def _failed(doc_id: str) -> DocumentResult:
    return DocumentResult(doc_id=doc_id, source_path=f"/in/{doc_id}.pdf", status="error", stage="ingest",
                          error_type="CorruptPDFError", error=f"/in/{doc_id}.pdf: PDF is corrupt or not a PDF")


def test_document_row_layout_and_failed_rows_have_empty_theme_cells():
    row = document_row(_ok("a", {"neglect"}), CODEBOOK, ["year"])
    assert list(row)[: len(DOCUMENT_COLUMNS) + 1] == [*DOCUMENT_COLUMNS, "year"]
    assert row["neglect"] == 1 and row["neglect_score"] == 0.9 and row["domestic_abuse"] == 0
    failed = document_row(_failed("b"), CODEBOOK, ["year"])
    assert failed["year"] is None
    assert all(failed[t] is None and failed[f"{t}_score"] is None for t in CODEBOOK.ids)


def test_tables_are_sorted_typed_and_complete(tmp_path):
    results = [_ok("zeta", {"neglect", "domestic_abuse"}), _failed("beta"), _ok("alpha", set())]
    paths = write_outputs(results, CODEBOOK, tmp_path, metadata_columns=["year"], manifest={"counts": {}}, xlsx=True)
    docs = pd.read_parquet(paths["documents.parquet"])
    assert list(docs["doc_id"]) == ["alpha", "beta", "zeta"]
    assert str(docs["neglect"].dtype) == "Int8" and pd.isna(docs.loc[1, "neglect"])
    csv = pd.read_csv(paths["documents.csv"])
    assert list(csv.columns) == list(docs.columns) and len(csv) == 3
    passages = pd.read_parquet(paths["passages.parquet"])
    assert list(passages.columns) == list(PASSAGE_COLUMNS)
    # zeta's two themes in codebook order, never the failed or theme-less documents.
    order = [t for t in CODEBOOK.ids if t in {"neglect", "domestic_abuse"}]
    assert list(passages["theme"]) == order and set(passages["doc_id"]) == {"zeta"}
    errors = pd.read_csv(paths["errors.csv"])
    assert list(errors.columns) == list(ERROR_COLUMNS)
    assert errors.iloc[0].to_dict() == {"file": "/in/beta.pdf", "doc_id": "beta", "error_type": "CorruptPDFError",
                                        "stage": "ingest", "reason": "/in/beta.pdf: PDF is corrupt or not a PDF"}
    # run.json goes through RunManifest: its keys are the ones `evaluate` reads back.
    written = json.loads(paths["run.json"].read_text())
    assert written["counts"] == {} and written["model_hash"] is None and "fingerprint" in written
    assert read_manifest(tmp_path).counts == {}
    assert pd.read_excel(paths["documents.xlsx"], sheet_name="errors")["doc_id"].tolist() == ["beta"]
    assert not list(tmp_path.glob(".*.tmp*"))


def test_run_manifest_round_trips_and_keeps_unknown_keys(tmp_path):
    manifest = RunManifest(fingerprint="f" * 64, codebook={"sha256": "c" * 64}, extra={"newer_key": [1, 2]})
    write_manifest(manifest, tmp_path)
    back = read_manifest(tmp_path / "run.json")
    assert back == manifest
    assert (back.model_hash, back.codebook_sha256) == ("f" * 64, "c" * 64)
    assert json.loads((tmp_path / "run.json").read_text())["model_hash"] == "f" * 64


def test_same_results_in_any_order_give_identical_files(tmp_path):
    results = [_ok("b", {"neglect"}), _ok("a", {"escalation"}), _failed("c")]
    write_outputs(results, CODEBOOK, tmp_path / "one")
    write_outputs(results[::-1], CODEBOOK, tmp_path / "two")
    for name in ("documents.csv", "errors.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / "passages.parquet"),
                                  pd.read_parquet(tmp_path / "two" / "passages.parquet"))


def test_whole_number_metadata_stays_whole_when_some_documents_lack_it(tmp_path):
    with_year, without = _ok("a", set()), _failed("b")
    without.metadata = {}
    write_outputs([with_year, without], CODEBOOK, tmp_path, metadata_columns=["year"])
    docs = pd.read_parquet(tmp_path / "documents.parquet")
    assert str(docs["year"].dtype) == "Int64" and docs["year"].tolist()[0] == 2020
    assert "2020.0" not in (tmp_path / "documents.csv").read_text()
