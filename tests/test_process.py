"""The one stage runner: every caller that needs cleaned text or passages goes through ``run_stages``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from practice_themes.process import run_stages

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_run_stages_stops_after_the_stage_asked_for(tmp_path):
    source = _write(tmp_path / "r.md", "# Findings\n\nThe social worker visited. She saw the child.\n")
    cleaned = run_stages(source, until="clean")
    assert cleaned.passages == [] and "She saw the child." in cleaned.document.text
    segmented = run_stages(source, until="segment")
    assert [p.text for p in segmented.passages] == ["The social worker visited.", "She saw the child."]
    assert segmented.tags == [] and set(segmented.timings) == {"ingest", "clean", "segment"}
    # Without a classifier, nothing is classified.
    assert run_stages(source).tags == []


def test_run_stages_refuses_an_unknown_stage(tmp_path):
    with pytest.raises(ValueError, match="until must be one of"):
        run_stages(_write(tmp_path / "r.txt", "Text."), until="ingest")


def test_training_reads_a_table_row_as_code_does(tmp_path):
    from practice_themes.ingest.tabular import TableRow
    from practice_themes.training import document_passages

    row = TableRow("r1", "Police were called. Mother was assaulted.", tmp_path / "t.csv", 3)
    assert [(p.doc_id, p.text) for p in document_passages(row)] == [
        ("r1", "Police were called."), ("r1", "Mother was assaulted.")]


@pytest.mark.parametrize("call", ["segment_document(", "clean_document("])
def test_the_stage_chain_is_assembled_only_in_process(call):
    # Training, the REFI-QDA export and `ingest` each chained the stages themselves; now only process.py does.
    allowed = {PACKAGE / "process.py"}
    callers = [path for root in (PACKAGE, EVALUATION) for path in root.rglob("*.py")
               if path not in allowed and not path.is_relative_to(PACKAGE / "clean")
               and not path.name.startswith("segment")
               and re.search(r"(?<![\w.])" + re.escape(call), path.read_text(encoding="utf-8"))]
    assert callers == []


def test_a_result_stored_before_passages_carried_a_section_kind_still_reads():
    from practice_themes.bulk.store import result_from_dict

    old = {"doc_id": "d", "source_path": "d.pdf", "status": "ok", "tags": [{
        "theme_id": "neglect", "score": 0.9, "present": True, "band": "present", "evidence": [{"score": 0.8, "passage": {
            "doc_id": "d", "page": 2, "start": 0, "end": 5, "text": "Text.", "section": "Findings", "region": "body",
            "paragraph": 1, "passage_id": 3}}]}]}
    passage = result_from_dict(old).tags[0].evidence[0].passage
    assert (passage.section, passage.section_kind) == ("Findings", "other")


def test_a_missing_file_is_file_missing_not_an_empty_document(tmp_path):
    from practice_themes.errors import EmptyDocumentError, FileMissingError, IngestError
    from practice_themes.ingest import ingest_file
    from practice_themes.process import code_file

    gone = tmp_path / "moved-away.pdf"
    with pytest.raises(FileMissingError, match="moved-away.pdf: file not found") as caught:
        ingest_file(gone, limits=None)
    assert isinstance(caught.value, IngestError) and not isinstance(caught.value, EmptyDocumentError)
    result = code_file(gone, classifier=None)
    assert (result.status, result.stage, result.error_type) == ("error", "ingest", "FileMissingError")
