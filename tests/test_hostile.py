"""Hostile input, built at test time and small on disk: every path refuses it in bounded time and memory.

Bombs (paragraphs, a whitespace zip, a PDF compression bomb, 6,000 pages,
``%PDF`` and spaces) are refused by the checks before expansion or by the
reader's child process; ``tag`` answers every line; the server refuses
cross-site requests, stops a screen at its deadline and sweeps its uploads;
a corrupt store heals; the CLIs print one line, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import hostile_files as hostile
from synthetic_reviews import review_paragraphs, write_pdf
from stand_ins import KeywordClassifier
from practice_themes.codebook import load_codebook
from practice_themes.errors import CorruptPDFError, CorruptWordError, IngestMemoryError, InputLimitError
from practice_themes.ingest import ingest_file
from practice_themes.ingest.limits import IngestLimits
from practice_themes.screen.screener import Screener
from practice_themes.screen.server import ServerSettings, create_app

MB = 1024 * 1024
LOCAL = "http://127.0.0.1"
CLI = [sys.executable, "-c", "from practice_themes.cli import app; app()"]
STAND_IN = "keyword-stand-in"


# The archive and stream limits are lowered so the bombs (and the test's own inflating) stay
# small; benchmarks/hostile.py runs the full-size attacks against the defaults.
SMALL = IngestLimits(max_archive_bytes=32 * MB, max_stream_bytes=32 * MB)


@pytest.mark.parametrize(("builder", "error", "limit_words"), [
    (hostile.paragraph_bomb_docx, InputLimitError, "number of paragraphs"),
    (lambda p: hostile.whitespace_zip_bomb(p.with_suffix(".zip"), 40 * MB), InputLimitError, "uncompressed size"),
    (lambda p: hostile.pdf_compression_bomb(p.with_suffix(".pdf"), 40 * MB), InputLimitError, "inflates past"),
    (lambda p: hostile.many_pages_pdf(p.with_suffix(".pdf")), InputLimitError, "number of pages"),
    (lambda p: hostile.spaces_pdf(p.with_suffix(".pdf"), 6 * MB), CorruptPDFError, "fallback parser"),
])
def test_bombs_are_refused_in_seconds_and_little_memory(tmp_path, builder, error, limit_words):
    path = builder(tmp_path / "bomb.docx")
    assert path.stat().st_size < 7 * MB
    refused = _ingest_in_a_fresh_interpreter(path, SMALL)
    assert refused["error"] == error.__name__ and limit_words in refused["message"]
    assert refused["seconds"] < 15
    assert refused["children_peak_mb"] < 1024  # the reader's child, which did all the work
    assert refused["parent_growth_bytes"] < 100 * MB


def _ingest_in_a_fresh_interpreter(path: Path, limits: IngestLimits) -> dict:
    """``ingest_file(path, limits=limits)`` in a new interpreter, with what it cost.

    RUSAGE_CHILDREN keeps the peak of every child a process ever waited for, so in the pytest
    process it would report an earlier test's model-loading CLI run, not this file's reader.
    """
    script = """
import json, resource, sys, time
import psutil
from practice_themes.ingest import ingest_file
from practice_themes.ingest.limits import IngestLimits
path, limits = sys.argv[1], IngestLimits(**json.loads(sys.argv[2]))
before, started = psutil.Process().memory_info().rss, time.monotonic()
try:
    ingest_file(path, limits=limits)
    error, message = None, ""
except Exception as exc:
    error, message = type(exc).__name__, str(exc)
print(json.dumps({"error": error, "message": message, "seconds": time.monotonic() - started,
                  "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "parent_growth_bytes": psutil.Process().memory_info().rss - before}))
"""
    done = subprocess.run([sys.executable, "-c", script, str(path), json.dumps(dataclasses.asdict(limits))],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_memory_ceiling_ends_the_reader(tmp_path):
    # With the stream check out of the way, pdfium itself inflates the bomb: the ceiling stops it.
    path = hostile.pdf_compression_bomb(tmp_path / "bomb.pdf", 200 * MB)
    with pytest.raises(IngestMemoryError, match="128 MB"):
        ingest_file(path, limits=IngestLimits(memory_bytes=128 * MB, max_stream_bytes=2**40))


def test_a_word_file_is_never_called_a_pdf(tmp_path):
    bad = tmp_path / "minutes.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptWordError, match="Word file is corrupt") as caught:
        ingest_file(bad)
    assert "PDF" not in str(caught.value)


def test_a_paragraph_longer_than_spacy_max_length_is_segmented(tmp_path):
    from practice_themes.clean import clean_document
    from practice_themes.segment import segment_document

    doc = clean_document(ingest_file(hostile.long_paragraph_docx(tmp_path / "long.docx")))
    passages = segment_document(doc)
    assert len(passages) > 15_000
    assert all(doc.text[p.start:p.end] == p.text for p in passages[::500])
    assert max(len(p.text) for p in passages) < 200


# ---- tag ------------------------------------------------------------------------------------------------

class _TagStandIn(KeywordClassifier):
    def tag_documents(self, documents):
        return [self.tag(passages) for passages in documents]


def test_tag_answers_every_line_whatever_it_holds():
    from practice_themes.cli.tag import tag_lines

    lines = [
        json.dumps({"id": "ok", "text": "Information was not shared with the school."}).encode(),
        hostile.nested_json_line(100_000).encode(),
        hostile.long_text_line(1_100_000).encode(),
        b'{"id": "latin1", "text": "caf\xe9 visit"}',
        b"not json",
    ]
    written: list[dict] = []
    tagged, errors = tag_lines(lines, _TagStandIn(load_codebook()), written.append)
    assert (tagged, errors) == (2, 3) and len(written) == len(lines)
    by_line = {r.get("line"): r for r in written if "error" in r}
    assert "nested too deeply" in by_line[2]["error"] and by_line[2]["error"].startswith("line 2:")
    assert "not UTF-8 (byte 0xe9" in by_line[4]["error"]
    assert "not valid JSON" in by_line[5]["error"]
    assert [r["id"] for r in written if "error" not in r] == ["ok", "long"]


# ---- server ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(KeywordClassifier(load_codebook()))


def _client(screener, tmp_path: Path, **settings) -> TestClient:
    return TestClient(create_app(screener, ServerSettings(work_dir=str(tmp_path), **settings)), base_url=LOCAL)


def _upload(client: TestClient, name: str, data: bytes, headers: dict | None = None):
    return client.post("/screen", files={"file": (name, data, "application/octet-stream")}, headers=headers or {})


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_cross_site_posts_are_refused(screener, tmp_path, headers):
    response = _upload(_client(screener, tmp_path), "r.docx", hostile.normal_docx(tmp_path / "r.docx").read_bytes(),
                       headers)
    assert response.status_code == 403 and "another site" in response.text


def test_own_page_posts_are_accepted(screener, tmp_path):
    data = hostile.normal_docx(tmp_path / "r.docx").read_bytes()
    own = {"Origin": LOCAL, "Sec-Fetch-Site": "same-origin"}
    assert _upload(_client(screener, tmp_path / "w"), "r.docx", data, own).status_code == 200


def test_own_page_post_with_origin_null_under_no_referrer_is_accepted(screener, tmp_path):
    # Regression: Chromium posts the server's own form with Origin: null because the page is served
    # with Referrer-Policy: no-referrer; every upload from a real browser was refused as cross-site.
    data = hostile.normal_docx(tmp_path / "r.docx").read_bytes()
    own = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert _upload(_client(screener, tmp_path / "w"), "r.docx", data, own).status_code == 200


def test_bomb_upload_is_refused_and_the_next_upload_is_screened(screener, tmp_path):
    client = _client(screener, tmp_path / "w")
    bomb = hostile.paragraph_bomb_docx(tmp_path / "bomb.docx").read_bytes()
    started = time.monotonic()
    refused = _upload(client, "bomb.docx", bomb)
    assert refused.status_code == 422 and "number of paragraphs" in refused.text
    assert time.monotonic() - started < 15
    assert _upload(client, "r.docx", hostile.normal_docx(tmp_path / "r.docx").read_bytes()).status_code == 200
    assert list((tmp_path / "w").iterdir()) == []


def test_a_screen_past_its_deadline_is_a_422_and_the_queue_moves_on(tmp_path):
    slow = Screener(KeywordClassifier(load_codebook(), delay_s=1.5))
    client = _client(slow, tmp_path / "w", screen_timeout_s=0.5)
    data = hostile.normal_docx(tmp_path / "r.docx").read_bytes()
    response = _upload(client, "r.docx", data)
    assert response.status_code == 422 and "within the limit of 0.5 s" in response.text
    assert list((tmp_path / "w").iterdir()) == []


def test_uploads_left_by_a_dead_server_are_swept_at_start_up(screener, tmp_path):
    dead = tmp_path / "pt-server-999999999"  # no such pid
    (dead / "upload-x").mkdir(parents=True)
    (dead / "upload-x" / "confidential_child_X.docx").write_bytes(b"secret")
    legacy = tmp_path / "pt-upload-abc"
    legacy.mkdir()
    app = create_app(screener, ServerSettings(work_dir=str(tmp_path)))
    assert not dead.exists() and not legacy.exists()
    own = app.state.uploads.new_folder()
    (own / "x.pdf").write_bytes(b"x")
    app.state.uploads.remove_all()  # what every exit path calls
    assert list(tmp_path.iterdir()) == []


# ---- store ----------------------------------------------------------------------------------------------

def _code(corpus: Path, out: Path) -> dict:
    done = subprocess.run([*CLI, "code", str(corpus), "-o", str(out), "--model", STAND_IN, "--workers", "1"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return json.loads((out / "run.json").read_text())


def test_a_corrupt_store_heals_on_rerun(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for i in range(4):
        write_pdf(corpus / f"review_{i}.pdf", review_paragraphs(i, n=3))
    out = tmp_path / "out"
    assert _code(corpus, out)["counts"]["repaired_in_store"] == 0
    clean = (out / "documents.csv").read_text()
    files = sorted((out / "store").glob("*/*.json"))
    assert len(files) == 4
    files[0].write_text(files[0].read_text()[:40])  # truncated
    files[1].write_text("")  # emptied
    extra = json.loads(files[2].read_text())
    extra["result"]["surprise"] = 1  # an extra field
    files[2].write_text(json.dumps(extra))
    edited = json.loads(files[3].read_text())
    edited["result"]["tags"] = []  # other valid JSON
    edited["result"]["status"] = "ok"
    files[3].write_text(json.dumps(edited))
    manifest = _code(corpus, out)
    assert manifest["counts"]["repaired_in_store"] == 4 and manifest["counts"]["computed"] == 4
    assert (out / "documents.csv").read_text() == clean


# ---- one line, never a traceback ------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_evaluate_on_an_empty_documents_csv_or_a_run_without_passages(tmp_path):
    from practice_themes.codebook import load_codebook as codebook

    ids = codebook().ids
    gold = tmp_path / "gold.csv"
    gold.write_text("doc_id,coder,theme,quote\nd1,a,neglect,x\nd2,a,information_sharing,y\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "documents.csv").write_bytes(b"")
    run = tmp_path / "run"
    run.mkdir()
    header = ["doc_id", "status", *ids, *[f"{t}_score" for t in ids]]
    rows = [",".join(header)] + [",".join([d, "ok", *["0"] * len(ids), *["0.1"] * len(ids)]) for d in ("d1", "d2")]
    (run / "documents.csv").write_text("\n".join(rows) + "\n")
    for pred in (empty / "documents.csv", run):
        done = _cli("evaluate", "--gold", str(gold), "--pred", str(pred), "-o", str(tmp_path / "report"),
                    "--n-boot", "10")
        assert "Traceback" not in done.stderr + done.stdout
        assert done.returncode in (0, 2)
        if done.returncode == 2:
            assert done.stderr.strip().startswith("error:")
        if pred == empty / "documents.csv":  # named as an empty file, not as pandas' EmptyDataError
            assert done.returncode == 2 and "the file is empty" in done.stderr


def test_train_with_one_coded_document_is_a_clear_error(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_pdf(corpus / "d1.pdf", review_paragraphs(1, n=3))
    coding = tmp_path / "coding.csv"
    coding.write_text("doc_id,coder,theme,quote,note\nd1,a,neglect,,\n")
    done = _cli("train", str(coding), "--corpus", str(corpus), "-o", str(tmp_path / "model"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "at least 2 coded documents" in done.stderr


def test_screen_refuses_a_bomb_in_one_line(tmp_path):
    bomb = hostile.whitespace_zip_bomb(tmp_path / "bomb.zip")
    done = _cli("screen", str(bomb), "-o", str(tmp_path / "r.html"), "--model", STAND_IN)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error:") and "limit of 256 MB" in done.stderr
