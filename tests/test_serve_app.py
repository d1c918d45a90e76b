"""The screening web app through FastAPI's TestClient: uploads, limits, bad input, tokens, queueing.

The app wraps the keyword stand-in classifier, so no model is loaded here;
the real model behind the real server is driven by ``test_browser.py``.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stand_ins import KeywordClassifier
from practice_themes.codebook import load_codebook
from practice_themes.screen.screener import Screener
from practice_themes.screen.server import ServerSettings, create_app, safe_name, sniff

ROOT = Path(__file__).resolve().parents[1]
DOCX = ROOT / "corpus" / "reviews" / "r08_rapid_review_child_h.docx"
PDF = ROOT / "corpus" / "reviews" / "r12_rapid_review_child_m.pdf"
LOCAL = "http://127.0.0.1"
TOKEN = "correct-horse-battery-staple"


class _CountingClassifier(KeywordClassifier):
    """The keyword stand-in, slowed down, recording how many screenings overlap."""

    def __init__(self, codebook, delay_s: float) -> None:
        super().__init__(codebook, delay_s=delay_s)
        self.active = 0
        self.max_active = 0
        self.calls = 0
        self._lock = threading.Lock()

    def tag(self, passages):
        with self._lock:
            self.active += 1
            self.calls += 1
            self.max_active = max(self.max_active, self.active)
        try:
            return super().tag(passages)
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(KeywordClassifier(load_codebook()))


def _client(screener, tmp_path: Path, **settings) -> TestClient:
    settings.setdefault("work_dir", str(tmp_path))
    return TestClient(create_app(screener, ServerSettings(**settings)), base_url=LOCAL)


def _upload(client: TestClient, name: str, data: bytes, **extra):
    return client.post("/screen", files={"file": (name, data, "application/octet-stream")}, data=extra)


def _encrypted_pdf(path: Path, password: str) -> bytes:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt=password)
    y = 780
    for line in ("Information sharing between the agencies was weak.",
                 "Information about domestic abuse was not shared with the school.",
                 "Domestic abuse incidents were reported to the police twice."):
        c.drawString(60, y, line)
        y -= 16
    c.save()
    return path.read_bytes()


def test_upload_form_and_security_headers(screener, tmp_path):
    response = _client(screener, tmp_path).get("/")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text and 'type="file"' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_docx_upload_shows_report_and_downloads_match(screener, tmp_path):
    client = _client(screener, tmp_path)
    response = _upload(client, DOCX.name, DOCX.read_bytes())
    assert response.status_code == 200
    assert "pre-screening report" in response.text and DOCX.name in response.text
    assert '<mark class="hl"' in response.text
    links = dict(zip(("html", "json"), [part.split('"')[0] for part in response.text.split('href="/reports/')[1:3]]))
    html = client.get(f"/reports/{links['html']}")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "Screen another review" not in html.text  # the download is the standalone report
    data = client.get(f"/reports/{links['json']}").json()
    assert data["document_name"] == DOCX.name and data["n_pages"] >= 1
    present = {t["label"] for t in data["themes"] if t["band"] == "present"}
    assert present and all(label in response.text for label in present)
    assert client.get("/reports/nope.html").status_code == 404


def test_content_decides_not_extension(screener, tmp_path):
    client = _client(screener, tmp_path)
    pdf_named_txt = _upload(client, "notes.txt", PDF.read_bytes())
    assert pdf_named_txt.status_code == 200 and "notes.pdf" in pdf_named_txt.text
    text_named_pdf = _upload(client, "review.pdf", b"Just some plain text pretending to be a PDF.\n" * 20)
    assert text_named_pdf.status_code == 415
    assert "neither a PDF nor a Word (.docx) file" in text_named_pdf.text
    zip_not_docx = _upload(client, "review.docx", _zip_bytes({"hello.txt": "hi"}))
    assert zip_not_docx.status_code == 415


def _zip_bytes(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buf.getvalue()


def test_upload_over_the_size_limit_gets_413_page(screener, tmp_path):
    client = _client(screener, tmp_path, max_upload_bytes=100_000)
    response = _upload(client, "big.pdf", b"%PDF-1.4\n" + b"0" * 300_000)
    assert response.status_code == 413
    assert "File too large" in response.text and "limited to 0.095" in response.text
    # Just over the limit, inside the multipart slack: caught after reading the file.
    response = _upload(client, "big.pdf", b"%PDF-1.4\n" + b"0" * 100_000)
    assert response.status_code == 413
    assert list(tmp_path.iterdir()) == []


def test_corrupt_empty_and_missing_files_get_clear_pages(screener, tmp_path):
    client = _client(screener, tmp_path)
    corrupt = _upload(client, "broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage and no xref\n")
    assert corrupt.status_code == 422 and "broken.pdf is damaged and cannot be read" in corrupt.text
    empty = _upload(client, "empty.pdf", b"")
    assert empty.status_code == 422 and "is empty" in empty.text
    nothing = client.post("/screen", data={"password": "x"})
    assert nothing.status_code == 400 and "Choose a PDF or Word" in nothing.text
    blank_docx = tmp_path.parent / "blank.docx"
    from docx import Document

    Document().save(str(blank_docx))
    blank = _upload(client, "blank.docx", blank_docx.read_bytes())
    assert blank.status_code == 422 and "no text" in blank.text
    assert list(tmp_path.iterdir()) == []


def test_encrypted_pdf_asks_for_password_and_resubmits(screener, tmp_path):
    data = _encrypted_pdf(tmp_path.parent / "locked.pdf", "s3cret")
    client = _client(screener, tmp_path)
    locked = _upload(client, "locked.pdf", data)
    assert locked.status_code == 422 and "is encrypted" in locked.text
    assert 'type="password"' in locked.text
    pending = locked.text.split('name="pending" value="')[1].split('"')[0]
    wrong = client.post("/screen", data={"pending": pending, "password": "nope"})
    assert wrong.status_code == 422 and "Wrong password" in wrong.text
    pending = wrong.text.split('name="pending" value="')[1].split('"')[0]
    opened = client.post("/screen", data={"pending": pending, "password": "s3cret"})
    assert opened.status_code == 200 and "locked.pdf" in opened.text and "Weak information sharing" in opened.text
    # A pending upload is used once.
    again = client.post("/screen", data={"pending": pending, "password": "s3cret"})
    assert again.status_code == 410
    assert list(tmp_path.iterdir()) == []


def test_uploaded_files_are_deleted_after_screening(tmp_path):
    seen: list[list[Path]] = []

    class Spy(Screener):
        def screen(self, path, **kwargs):
            seen.append(list(Path(path).parent.iterdir()))
            return super().screen(path, **kwargs)

    client = _client(Spy(KeywordClassifier(load_codebook())), tmp_path)
    assert _upload(client, "../../etc/x<y>.docx", DOCX.read_bytes()).status_code == 200
    assert _upload(client, "broken.pdf", b"%PDF-1.4 nothing").status_code == 422
    assert [[p.name for p in files] for files in seen] == [["x_y.docx"], ["broken.pdf"]]
    assert all(p.parent.parent.parent == tmp_path for files in seen for p in files)  # <work_dir>/pt-server-PID/upload-*/
    assert list(tmp_path.iterdir()) == []


def test_safe_name_and_sniff():
    assert safe_name("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert safe_name("C:\\Users\\me\\Rapid Review – Child H.docx", ".docx") == "Rapid_Review_Child_H.docx"
    assert safe_name("<script>.pdf", ".pdf") == "script.pdf"
    assert safe_name("...", ".docx") == "upload.docx"
    assert sniff(b"\n\n%PDF-1.5 rest") == ".pdf"
    assert sniff(DOCX.read_bytes()) == ".docx"
    assert sniff(b"PK\x03\x04 not really a zip") is None
    assert sniff(b"GIF89a") is None


def test_token_is_checked_on_every_request(screener, tmp_path):
    client = _client(screener, tmp_path, token=TOKEN)
    assert client.get("/").status_code == 401
    assert client.get("/healthz").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong-token-0000000"}).status_code == 401
    refused = _upload(client, DOCX.name, DOCX.read_bytes())
    assert refused.status_code == 401 and "access token" in refused.text
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/", headers={"X-Access-Token": TOKEN}).status_code == 200
    # A valid ?token= sets a cookie, so the form post and downloads need no token in the URL.
    first = client.get(f"/?token={TOKEN}")
    assert first.status_code == 200 and "pt_token" in first.headers["set-cookie"]
    assert "httponly" in first.headers["set-cookie"].lower()
    assert _upload(client, DOCX.name, DOCX.read_bytes()).status_code == 200
    client.cookies.clear()
    assert client.get("/").status_code == 401


def test_without_token_only_loopback_host_names_are_served(screener, tmp_path):
    app = create_app(screener, ServerSettings(work_dir=str(tmp_path)))
    assert TestClient(app, base_url="http://localhost:8765").get("/").status_code == 200
    assert TestClient(app, base_url="http://[::1]:8765").get("/").status_code == 200
    rebound = TestClient(app, base_url="http://attacker.example:8765").get("/")
    assert rebound.status_code == 400 and "loopback" in rebound.text


def test_concurrent_uploads_queue_one_at_a_time(tmp_path):
    classifier = _CountingClassifier(load_codebook(), delay_s=0.3)
    client = _client(Screener(classifier), tmp_path, max_queue=8)
    data = DOCX.read_bytes()
    with ThreadPoolExecutor(max_workers=4) as pool:
        started = time.perf_counter()
        codes = list(pool.map(lambda i: _upload(client, f"r{i}.docx", data).status_code, range(4)))
        elapsed = time.perf_counter() - started
    assert codes == [200] * 4
    assert classifier.calls == 4 and classifier.max_active == 1
    assert elapsed >= 4 * 0.3
    assert list(tmp_path.iterdir()) == []


def test_full_queue_answers_busy_and_never_crashes(tmp_path):
    classifier = _CountingClassifier(load_codebook(), delay_s=0.5)
    client = _client(Screener(classifier), tmp_path, max_queue=1)
    data = DOCX.read_bytes()
    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda i: _upload(client, f"r{i}.docx", data), range(5)))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 503} and codes.count(200) >= 2 and 503 in codes
    busy = next(r for r in responses if r.status_code == 503)
    assert "Server busy" in busy.text
    assert classifier.max_active == 1
    assert client.get("/").status_code == 200


def test_json_download_is_valid_utf8(screener, tmp_path):
    client = _client(screener, tmp_path)
    response = _upload(client, DOCX.name, DOCX.read_bytes())
    key = response.text.split('href="/reports/')[2].split('"')[0]
    raw = client.get(f"/reports/{key}").content
    assert json.loads(raw.decode("utf-8"))["themes"]
