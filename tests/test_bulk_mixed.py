"""One bad file never stops a run: good and bad files together, each bad one an error row."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from synthetic_reviews import review_paragraphs, write_pdf
from practice_themes.codebook import load_codebook
from practice_themes.process import code_file
from stand_ins import KeywordClassifier

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ROBUSTNESS = SHARED / "data" / "pdfs" / "robustness"
STAND_IN = "keyword-stand-in"


def _bad_files(folder: Path) -> dict[str, str]:
    """Bad inputs -> the error_type each must produce."""
    (folder / "zero_bytes.pdf").write_bytes(b"")
    (folder / "not_a_pdf.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n" * 20)
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 broken zip")
    expected = {"zero_bytes": "", "not_a_pdf": "", "notes": ""}
    if ROBUSTNESS.is_dir():
        picks = {
            "pdfminer.six/encryption__aes-128.pdf": "EncryptedPDFError",
            "py-pdf-sample-files/019-grayscale-image__grayscale-image.pdf": "",
        }
        for rel, error_type in picks.items():
            source = ROBUSTNESS / rel
            if source.is_file():
                shutil.copy(source, folder / source.name)
                expected[source.stem] = error_type
    return expected


@pytest.mark.slow
def test_mixed_corpus_codes_good_files_and_reports_every_bad_one(tmp_path):
    corpus = tmp_path / "in"
    good = [write_pdf(corpus / f"good_{i}.pdf", review_paragraphs(i), pages=2).stem for i in range(3)]
    bad = _bad_files(corpus)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", "from practice_themes.cli import app; app()", "code", str(corpus), "-o", str(out),
         "--no-progress", "--workers", "2", "--model", STAND_IN, "--xlsx"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr  # 1: some documents failed
    docs = pd.read_csv(out / "documents.csv")
    assert sorted(docs["doc_id"]) == sorted(good + list(bad))
    ok = docs.set_index("doc_id").loc[good]
    assert (ok["status"] == "ok").all() and (ok["n_pages"] == 2).all()
    failed = docs.set_index("doc_id").loc[list(bad)]
    assert (failed["status"] != "ok").all()
    assert failed["information_sharing"].isna().all(), "a failed document must not read as 'theme absent'"
    for doc_id, error_type in bad.items():
        if error_type:
            assert failed.loc[doc_id, "error_type"] == error_type
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors.columns) == ["file", "doc_id", "error_type", "stage", "reason"]
    assert sorted(errors["doc_id"]) == sorted(bad)
    assert errors["reason"].notna().all() and (errors["stage"] == "ingest").all()
    assert all(Path(f).name in r for f, r in zip(errors["file"], errors["reason"]))
    assert f"{len(bad)} failed" in proc.stdout
    manifest = __import__("json").loads((out / "run.json").read_text())
    assert manifest["counts"]["failed"] == len(bad) and manifest["counts"]["ok"] == 3
    assert sum(manifest["counts"]["by_error_type"].values()) == len(bad)
    assert set(pd.ExcelFile(out / "documents.xlsx").sheet_names) == {"documents", "evidence", "errors", "run"}


class _Sleepy(KeywordClassifier):
    def tag(self, passages):
        import time

        time.sleep(5)
        return super().tag(passages)


def test_per_document_timeout_becomes_an_error_row_with_its_stage(tmp_path):
    path = write_pdf(tmp_path / "slow.pdf", review_paragraphs(1))
    # Warm the stages' lazy imports first, as pool workers do: the limit is for documents, not imports.
    assert code_file(path, KeywordClassifier(load_codebook())).status == "ok"
    result = code_file(path, _Sleepy(load_codebook()), timeout_s=1.0)
    assert result.status == "error" and result.stage == "classify"
    assert result.error_type == "DocumentTimeoutError" and "1 s" in result.error
    assert result.tags == []


def test_unexpected_exception_in_a_stage_is_recorded_not_raised(tmp_path):
    class Broken(KeywordClassifier):
        def tag(self, passages):
            raise RuntimeError("boom")

    result = code_file(write_pdf(tmp_path / "a.pdf", review_paragraphs(2)), Broken(load_codebook()))
    assert (result.status, result.stage, result.error_type, result.error) == ("error", "classify", "RuntimeError", "boom")
    assert set(result.timings) == {"ingest", "clean", "segment"}


def test_unloadable_model_is_a_usage_error_naming_it(tmp_path):
    write_pdf(tmp_path / "in" / "a.pdf", review_paragraphs(3))
    proc = subprocess.run(
        [sys.executable, "-c", "from practice_themes.cli import app; app()", "code", str(tmp_path / "in"), "-o",
         str(tmp_path / "out"), "--no-progress", "--workers", "1", "--model", "no-such-classifier"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert "model not found: no-such-classifier" in " ".join(proc.stderr.split())
    assert "keyword-stand-in" in proc.stderr  # the registered plug-ins are listed


def test_a_plug_in_module_that_cannot_be_imported_is_a_usage_error_naming_it(tmp_path):
    write_pdf(tmp_path / "in" / "a.pdf", review_paragraphs(3))
    env = {**os.environ, "PRACTICE_THEMES_CLASSIFIER_PLUGINS": "stand_ins,no_such_plugin_module"}
    proc = subprocess.run(
        [sys.executable, "-c", "from practice_themes.cli import app; app()", "code", str(tmp_path / "in"), "-o",
         str(tmp_path / "out"), "--no-progress", "--workers", "1", "--model", "keyword-stand-in"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert proc.returncode == 2
    assert "cannot import classifier plug-in module 'no_such_plugin_module'" in " ".join(proc.stderr.split())
