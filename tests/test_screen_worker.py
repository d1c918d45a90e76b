"""The screening worker process: its deadline stops classification, it is replaced when it overruns or its
memory grows, and errors keep their types on the way back. The stand-in classifier keeps the model unloaded."""

from __future__ import annotations

import os
import pickle
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import hostile_files as hostile
from practice_themes.classify.loader import PLUGINS_ENV
from stand_ins import KeywordClassifier
from practice_themes.errors import InputLimitError
from practice_themes.process import DocumentTimeoutError
from practice_themes.screen.server import ServerSettings, create_app
from practice_themes.screen.worker import ScreenerLoadError, ScreenWorker

STAND_IN = "keyword-stand-in"  # tests/stand_ins.py, a classifier plug-in registered by conftest.py
# A plug-in of this module, which the spawned worker imports by name (tests/ is on its PYTHONPATH).
SLOW_ON_MARKER = "screen-worker-slow-on-marker"
MARKER = "stallmarker"


class _SlowOnMarker(KeywordClassifier):
    def tag(self, passages):
        if any(MARKER in p.text for p in passages):
            time.sleep(60)  # a classification that runs far past any deadline of these tests
        return super().tag(passages)


# Classification stalls on documents that mention the marker word.
CLASSIFIERS = {SLOW_ON_MARKER: lambda codebook, **_: _SlowOnMarker(codebook)}


@pytest.fixture(scope="module", autouse=True)
def _plugins():
    patch = pytest.MonkeyPatch()
    patch.setenv(PLUGINS_ENV, ",".join(filter(None, [os.environ.get(PLUGINS_ENV), __name__])))
    yield
    patch.undo()


def _text(path: Path, body: str) -> Path:
    path.write_text(f"Findings\n\n{body}\n\nNobody told the health visitor about the previous injury.\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def worker():
    screening = ScreenWorker(model=SLOW_ON_MARKER)
    screening.wait_ready()
    yield screening
    screening.close()


def test_report_comes_back_from_the_worker_and_pickles(worker, tmp_path):
    pid = worker.pid
    report = worker.screen(_text(tmp_path / "r.txt", "The police did not share the referral."), document_name="r")
    assert report.document_name == "r" and report.n_sentences == 2
    assert pickle.loads(pickle.dumps(report)) == report
    worker.screen(_text(tmp_path / "s.txt", "Another ordinary review."))
    assert worker.pid == pid, "a normal screen must not restart the worker (and reload the classifier)"


def test_deadline_stops_classification_and_the_next_screen_runs(worker, tmp_path):
    # Regression: the deadline was checked only between stages, so a long classification ran on past it.
    pid, replaced = worker.pid, worker.replaced
    started = time.monotonic()
    with pytest.raises(DocumentTimeoutError):
        worker.screen(_text(tmp_path / "slow.txt", f"The {MARKER} sentence."), deadline_s=1.0)
    assert time.monotonic() - started < 20  # not the 60 s the classification would take
    assert worker.replaced == replaced + 1 and worker.pid != pid
    assert worker.screen(_text(tmp_path / "r.txt", "An ordinary review."), deadline_s=60).n_sentences == 2


def test_ingest_errors_keep_their_type_through_the_worker(worker, tmp_path):
    bomb = hostile.paragraph_bomb_docx(tmp_path / "bomb.docx")
    with pytest.raises(InputLimitError, match="number of paragraphs"):
        worker.screen(bomb, deadline_s=60)


def test_worker_whose_memory_grew_past_its_ceiling_is_replaced(tmp_path):
    # A ceiling below any real memory (baseline less a terabyte): every screen is over it.
    screening = ScreenWorker(model=STAND_IN, growth_bytes=-(1 << 40))
    try:
        screening.wait_ready()
        pid = screening.pid
        report = screening.screen(_text(tmp_path / "r.txt", "The police did not share the referral."))
        assert report.n_sentences == 2
        assert screening.replaced == 1 and screening.pid != pid
    finally:
        screening.close()


def test_a_classifier_that_cannot_load_is_a_load_error(tmp_path):
    screening = ScreenWorker(codebook_path=tmp_path / "missing.yaml")
    try:
        with pytest.raises(ScreenerLoadError, match="codebook not found"):
            screening.wait_ready()
    finally:
        screening.close()


def test_a_screen_after_a_failed_load_starts_a_fresh_worker(tmp_path):
    # Regression: the failed load left no process and a closed pipe, so every later screen raised
    # AttributeError (a 500 from serve) and no worker was started again.
    from practice_themes.codebook import DEFAULT_CODEBOOK

    codebook = tmp_path / "codebook.yaml"
    screening = ScreenWorker(model=STAND_IN, codebook_path=codebook)
    try:
        with pytest.raises(ScreenerLoadError, match="codebook not found"):
            screening.wait_ready()
        assert screening.pid is None
        with pytest.raises(ScreenerLoadError, match="codebook not found"):  # still missing: said again
            screening.screen(_text(tmp_path / "r.txt", "An ordinary review."))
        codebook.write_text(DEFAULT_CODEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
        assert screening.screen(_text(tmp_path / "r.txt", "An ordinary review.")).n_sentences == 2
        assert screening.pid is not None
    finally:
        screening.close()


def test_server_with_a_worker_answers_422_past_the_deadline_and_the_queue_moves_on(worker, tmp_path):
    client = TestClient(create_app(worker, ServerSettings(work_dir=str(tmp_path / "w"), screen_timeout_s=1.0)),
                        base_url="http://127.0.0.1")
    stalled = hostile.normal_docx(tmp_path / "r.docx").read_bytes()
    # The docx's own text does not carry the marker; a file that does is a plain .docx with one paragraph.
    slow = _marker_docx(tmp_path / "slow.docx")
    refused = client.post("/screen", files={"file": ("slow.docx", slow, "application/octet-stream")})
    assert refused.status_code == 422 and "Screening took too long" in refused.text
    normal = client.post("/screen", files={"file": ("r.docx", stalled, "application/octet-stream")})
    assert normal.status_code == 200
    assert list((tmp_path / "w").iterdir()) == []


def _marker_docx(path: Path) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Findings", level=1)
    document.add_paragraph(f"The {MARKER} paragraph holds the review's first finding about the referral.")
    document.add_paragraph("Nobody told the health visitor about the previous injury.")
    document.save(path)
    return path.read_bytes()


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_screen(tmp_path):
    screening = ScreenWorker(model=STAND_IN)
    try:
        screening.wait_ready()
        os.kill(screening.pid, signal.SIGKILL)
        time.sleep(0.5)
        assert screening.screen(_text(tmp_path / "r.txt", "An ordinary review.")).n_sentences == 2
        assert screening.replaced == 1
    finally:
        screening.close()
