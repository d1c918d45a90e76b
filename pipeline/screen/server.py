"""The local web app: upload a review, read its screening report, download HTML or JSON.

Safety rules, because rapid reviews are confidential:

* Uploads are accepted by content (``%PDF-`` header, or a zip holding
  ``word/document.xml``), never by extension, and only up to a size limit,
  checked from Content-Length before the body is read.
* An upload is written under a sanitised name into a private folder of
  this server's own upload area (``practice_themes.screen.uploads``), deleted as
  soon as it has been screened, whatever happened; the area is swept at
  start-up and on exit. Reports are kept in memory only (the last few).
* One screening runs at a time; others wait in a bounded queue and get a
  "busy" page when it is full, never a crash. Each screen has a deadline
  (422 when it passes, and the queue moves on). ``serve`` screens in a
  ``ScreenWorker`` process that is killed at the deadline, classification
  included, and replaced when its memory has grown, so the server's own
  memory stays where it started; that worker reads each file in a child
  process with a time and memory ceiling. An upload that arrives too slowly
  is refused (408).
* With a token, every request must carry it (``Authorization: Bearer``,
  ``X-Access-Token``, ``?token=`` or the cookie set after a valid one).
  Without one (loopback only), requests must name a loopback Host, which
  stops a web page from reaching the app through DNS rebinding.
* A request that changes anything (POST) must come from the app's own page:
  a ``Sec-Fetch-Site`` other than same-origin/none is refused (403), and
  where a browser sends no ``Sec-Fetch-Site``, an ``Origin`` other than the
  server's own (``Origin: null`` included), so no other web page can drive
  the server from the user's browser.
"""

from __future__ import annotations

import asyncio
import atexit
import hmac
import logging
import re
import secrets
import threading
import time
import unicodedata
import zipfile
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from practice_themes.errors import (CorruptFileError, EmptyDocumentError, EncryptedPDFError, IngestError,
                             IngestMemoryError, IngestTimeoutError, InputLimitError, NeedsOCRError,
                             UnsupportedFormatError, WrongPasswordError)
from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits
from practice_themes.memory import release_memory
from practice_themes.process import DocumentTimeoutError
from practice_themes.screen.render import TEMPLATE_DIR, render_html, render_json
from practice_themes.screen.report import ScreenReport
from practice_themes.screen.uploads import UploadArea, default_base
from practice_themes.screen.worker import WorkerCrashedError

log = logging.getLogger(__name__)

COOKIE = "pt_token"
TOKEN_HEADER = "x-access-token"
MULTIPART_SLACK = 64 * 1024  # form boundaries and the password field on top of the file itself
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SAME_ORIGIN_FETCH = ("same-origin", "none")


@dataclass
class ServerSettings:
    """How the web app guards itself.

    Attributes:
        token: the access token; None only when bound to loopback.
        max_upload_bytes: the largest file accepted (413 above it).
        max_queue: uploads allowed to wait while one is screened (503 above it).
        work_dir: where this server's upload folder is made (default: /dev/shm
            when it has room, else the system temp folder).
        keep_reports: how many finished reports stay downloadable (memory only).
        pending_ttl_s: how long an encrypted upload waits for its password (memory only).
        screen_timeout_s: one screen's deadline (422 after it).
        ingest_memory_bytes: the address space the reader of one file may add.
        upload_timeout_s: how long an upload's body may take to arrive (408 after it).
    """

    token: str | None = None
    max_upload_bytes: int = 50 * 1024 * 1024
    max_queue: int = 8
    work_dir: str | None = None
    keep_reports: int = 20
    pending_ttl_s: float = 600.0
    screen_timeout_s: float = DEFAULT_LIMITS.timeout_s or 120.0
    ingest_memory_bytes: int | None = DEFAULT_LIMITS.memory_bytes
    upload_timeout_s: float = 60.0

    def limits(self) -> IngestLimits:
        return IngestLimits(timeout_s=self.screen_timeout_s, memory_bytes=self.ingest_memory_bytes)


class UploadRejected(Exception):
    """An upload that is answered with a message page instead of a report."""

    def __init__(self, status: int, title: str, message: str, *, pending: str | None = None,
                 name: str = "") -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.pending, self.name = status, title, message, pending, name


def sniff(data: bytes) -> str | None:
    """``".pdf"`` or ``".docx"`` from the bytes themselves, else None."""
    # Readers accept a PDF header anywhere in the first 1024 bytes.
    if b"%PDF-" in data[:1024]:
        return ".pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return ".docx"
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def safe_name(name: str, suffix: str) -> str:
    """A file name safe to show and to write: no folders, ASCII letters, digits, ``._-`` only."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(base).stem).strip("._-")[:80] or "upload"
    return stem + suffix


@lru_cache(maxsize=1)
def _pages():
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True).get_template("page.html.j2")


def page(title: str, message: str = "", *, status: int = 200, form: bool = False, pending: str | None = None,
         name: str = "", settings: ServerSettings | None = None):
    """A small HTML page: the upload form, or a message (with a password field for encrypted PDFs)."""
    limit_mb = (settings or ServerSettings()).max_upload_bytes / (1024 * 1024)
    html = _pages().render(title=title, message=message, form=form, pending=pending, name=name,
                           limit=f"{limit_mb:g} MB")
    return HTMLResponse(html, status_code=status)


def _status_page(status: int, title: str, message: str):
    return page(title, message, status=status)


class _Store:
    """Finished reports (for download) and encrypted uploads awaiting a password, in memory only."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.reports: OrderedDict[str, ScreenReport] = OrderedDict()
        self.pending: dict[str, tuple[float, bytes, str]] = {}

    def add_report(self, report: ScreenReport) -> str:
        key = secrets.token_urlsafe(16)
        self.reports[key] = report
        while len(self.reports) > self.settings.keep_reports:
            self.reports.popitem(last=False)
        return key

    def park(self, data: bytes, name: str) -> str:
        self._expire()
        key = secrets.token_urlsafe(16)
        self.pending[key] = (time.monotonic(), data, name)
        while len(self.pending) > self.settings.keep_reports:
            self.pending.pop(next(iter(self.pending)))
        return key

    def unpark(self, key: str) -> tuple[bytes, str] | None:
        self._expire()
        item = self.pending.pop(key, None)
        return (item[1], item[2]) if item else None

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.settings.pending_ttl_s
        for key in [k for k, (t, _, _) in self.pending.items() if t < cutoff]:
            del self.pending[key]


def _host_is_loopback(host_header: str) -> bool:
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[: host.find("]") + 1]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host in LOOPBACK_HOSTS


def _cross_site(request) -> str | None:
    """Why a state-changing request did not come from this server's own page, or None if it did."""
    fetch_site = request.headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site:
        # Fetch Metadata, which no page can forge, decides when the browser sends it. Origin cannot:
        # under this server's Referrer-Policy: no-referrer, Chromium posts our own form with Origin: null.
        return None if fetch_site in SAME_ORIGIN_FETCH else f"Sec-Fetch-Site: {fetch_site}"
    origin = request.headers.get("origin")
    if origin is None:
        return None  # not a browser (curl, scripts): the Host and token checks apply
    own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    if origin.strip().lower() != own:
        return f"Origin: {origin[:100]}"
    return None


def _presented_token(request) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came in the query string."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    if TOKEN_HEADER in request.headers:
        return request.headers[TOKEN_HEADER], False
    if "token" in request.query_params:
        return request.query_params["token"], True
    return request.cookies.get(COOKIE), False


def create_app(screener, settings: ServerSettings | None = None):
    """The FastAPI app around one screener.

    Args:
        screener: what screens a saved upload: a ``ScreenWorker`` (``serve``:
            a process the deadline can kill) or a ``Screener`` (in this
            process); anything with ``.screen(path, password=, document_name=,
            doc_id=, limits=, deadline_s=)``.
        settings: limits and the token; defaults suit a loopback-only server.
    """
    settings = settings or ServerSettings()
    uploads = _upload_area(settings)

    @asynccontextmanager
    async def lifespan(_app):
        try:
            yield
        finally:
            uploads.remove_all()

    app = FastAPI(title="practice-themes screening", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.uploads = uploads
    app.middleware("http")(_guard(settings))
    _add_routes(app, _Screening(screener, settings, uploads))
    return app


def _upload_area(settings: ServerSettings) -> UploadArea:
    """This server's upload folder, after sweeping what dead servers left; removed again at exit."""
    uploads = UploadArea(settings.work_dir or default_base(4 * settings.max_upload_bytes))
    swept = uploads.sweep_stale()
    if swept:
        log.warning("removed %d upload folder(s) left by a server that did not exit cleanly", swept)
    atexit.register(uploads.remove_all)
    return uploads


def _guard(settings: ServerSettings):
    """The middleware every request passes: token or loopback Host, same-site POSTs, a declared size."""

    async def guard(request: Request, call_next):
        token_ok_from_query = False
        if settings.token:
            presented, from_query = _presented_token(request)
            if not presented or not hmac.compare_digest(presented.encode(), settings.token.encode()):
                response = _status_page(401, "Access token needed",
                                        "This screening server needs its access token. Open the link printed "
                                        "when the server started (it ends in ?token=...).")
                return _secure(response)
            token_ok_from_query = from_query
        elif not _host_is_loopback(request.headers.get("host", "")):
            return _secure(_status_page(400, "Wrong address", "This server only answers on its loopback address "
                                                              "(127.0.0.1 or localhost)."))
        if request.method not in SAFE_METHODS:
            reason = _cross_site(request)
            if reason:
                return _secure(_status_page(403, "Request from another site refused",
                                            "This server only accepts uploads from its own page "
                                            f"({reason}). Open the server's address and upload there."))
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return _secure(_status_page(411, "Upload refused", "The upload did not say how large it is."))
            if int(length) > settings.max_upload_bytes + MULTIPART_SLACK:
                return _secure(_too_large(settings))
        response = await call_next(request)
        if token_ok_from_query:
            # Later pages (the form post, downloads) then authenticate without the token in their URL.
            response.set_cookie(COOKIE, settings.token, httponly=True, samesite="strict")
        return _secure(response)

    return guard


def _add_routes(app: FastAPI, screening: "_Screening") -> None:
    settings, store = screening.settings, screening.store

    @app.get("/")
    async def index():
        return page("Screen a review", form=True, settings=settings)

    @app.get("/healthz")
    async def healthz():
        return PlainTextResponse("ok")

    @app.post("/screen")
    async def screen_upload(request: Request):
        try:
            report = await screening.handle(request)
        except UploadRejected as exc:
            return page(exc.title, exc.message, status=exc.status, pending=exc.pending, name=exc.name,
                        settings=settings)
        key = store.add_report(report)
        toolbar = {"back": "/", "html": f"/reports/{key}.html", "json": f"/reports/{key}.json"}
        return HTMLResponse(render_html(report, toolbar=toolbar))

    @app.get("/reports/{key}.{fmt}")
    async def download(key: str, fmt: str):
        report = store.reports.get(key)
        if report is None or fmt not in ("html", "json"):
            return page("Report not found", "That report is no longer held. Screen the file again.", status=404)
        stem = safe_name(report.document_name, "")
        if fmt == "html":
            body, media = render_html(report), "text/html; charset=utf-8"
        else:
            body, media = render_json(report), "application/json"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{stem}.screen.{fmt}"'})

    @app.get("/screen")
    async def screen_get():
        return RedirectResponse("/", status_code=303)


class _Screening:
    """One upload's way to a report: receive the form, wait in the queue, screen, answer errors with pages."""

    def __init__(self, screener, settings: ServerSettings, uploads: UploadArea) -> None:
        self.screener, self.settings, self.uploads = screener, settings, uploads
        self.store = _Store(settings)
        # Thread primitives, not asyncio ones: screening runs in worker threads, and a
        # threading lock does not care which event loop (or test client) is asking.
        self.one_at_a_time = threading.Lock()
        self.queue_guard = threading.Lock()
        self.in_system = 0

    async def handle(self, request: Request) -> ScreenReport:
        """The report for one POST, or UploadRejected."""
        try:
            form = await asyncio.wait_for(request.form(max_files=1, max_fields=4), self.settings.upload_timeout_s)
        except asyncio.TimeoutError:
            raise UploadRejected(408, "Upload too slow", f"The upload did not arrive within "
                                                         f"{self.settings.upload_timeout_s:g} s. Try again.") from None
        data, name, password = await self.read_upload(form)
        with self.queue_guard:
            # One screening runs and up to max_queue wait; beyond that, say so.
            if self.in_system > self.settings.max_queue:
                raise UploadRejected(503, "Server busy", f"{self.in_system - 1} reviews are already waiting. "
                                                         "Try again in a minute.")
            self.in_system += 1
        try:
            return await run_in_threadpool(self.screen_queued, data, name, password)
        finally:
            with self.queue_guard:
                self.in_system -= 1

    async def read_upload(self, form) -> tuple[bytes, str, str | None]:
        """The file's bytes, its safe name and the password, from a fresh upload or a parked one."""
        settings = self.settings
        password = form.get("password") or None
        if isinstance(password, str) and len(password) > 1024:
            raise UploadRejected(400, "Password too long", "The password field holds more than 1024 characters.")
        pending = form.get("pending")
        if pending:
            parked = self.store.unpark(str(pending))
            if parked is None:
                raise UploadRejected(410, "Upload expired", "That upload is no longer held; please upload the "
                                                            "file again.")
            data, name = parked
            return data, name, password
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise UploadRejected(400, "No file", "Choose a PDF or Word (.docx) file to screen.")
        data = await upload.read(settings.max_upload_bytes + 1)
        await upload.close()
        if len(data) > settings.max_upload_bytes:
            raise UploadRejected(413, *_too_large_text(settings))
        if not data:
            raise UploadRejected(422, "Empty file", f"{safe_name(upload.filename, '')} is empty (0 bytes).")
        suffix = sniff(data)
        if suffix is None:
            raise UploadRejected(415, "Not a PDF or Word file",
                                 f"{safe_name(upload.filename, '')} is neither a PDF nor a Word (.docx) file, "
                                 "judging by its content. Save the review as PDF or .docx and try again.")
        return data, safe_name(upload.filename, suffix), password

    def screen_queued(self, data: bytes, name: str, password: str | None) -> ScreenReport:
        with self.one_at_a_time:
            return self.screen_bytes(data, name, password)

    def screen_bytes(self, data: bytes, name: str, password: str | None) -> ScreenReport:
        """Write the upload to a private folder, screen it, and delete the folder whatever happens."""
        folder = self.uploads.new_folder()
        try:
            path = folder / name
            path.write_bytes(data)
            return self.screener.screen(path, password=password, document_name=name, doc_id=Path(name).stem,
                                        limits=self.settings.limits(), deadline_s=self.settings.screen_timeout_s)
        except EncryptedPDFError as exc:  # and WrongPasswordError: the upload waits for a password
            raise self.rejection(exc, name, pending=self.store.park(data, name)) from None
        except Exception as exc:  # noqa: BLE001 - one bad file must never take the server down
            raise self.rejection(exc, name) from None
        finally:
            self.uploads.release(folder)
            del data
            release_memory()

    def rejection(self, exc: Exception, name: str, *, pending: str | None = None) -> UploadRejected:
        """The page that answers a screen that raised ``exc``."""
        limit_s = self.settings.screen_timeout_s
        detail = f" ({exc.detail})" if isinstance(exc, IngestError) and exc.detail else ""
        if isinstance(exc, WrongPasswordError):
            return UploadRejected(422, "Wrong password", f"{name} is encrypted and that password does not open it. "
                                                          "Try again.", pending=pending, name=name)
        if isinstance(exc, EncryptedPDFError):
            return UploadRejected(422, "Password needed", f"{name} is encrypted. Enter its password to screen it.",
                                  pending=pending, name=name)
        if isinstance(exc, NeedsOCRError):
            return UploadRejected(422, "No text layer", f"{name} is a scan with no text layer, so there is nothing "
                                                         f"to screen without OCR ({exc.detail}).")
        if isinstance(exc, EmptyDocumentError):
            return UploadRejected(422, "Empty document", f"{name} has no text to screen ({exc.detail}).")
        if isinstance(exc, (IngestTimeoutError, DocumentTimeoutError)):
            return UploadRejected(422, "Screening took too long", f"{name} could not be screened within the limit "
                                                                  f"of {limit_s:g} s, so it was stopped. "
                                                                  "The file was not kept.")
        if isinstance(exc, (InputLimitError, IngestMemoryError)):
            return UploadRejected(422, "File refused", f"{name} was not screened: {exc.reason}{detail}.")
        if isinstance(exc, (CorruptFileError, UnsupportedFormatError)):
            return UploadRejected(422, "File cannot be read", f"{name} is damaged and cannot be read: "
                                                              f"{exc.reason}{detail}.")
        if isinstance(exc, IngestError):
            return UploadRejected(422, "File cannot be read", f"{name}: {exc.reason}{detail}.")
        if isinstance(exc, WorkerCrashedError):
            return UploadRejected(422, "File refused", f"{name} was not screened: the screening process died on "
                                                       "it (it may need more memory than this machine has).")
        log.error("screening %s failed: %s: %s", name, type(exc).__name__, exc, exc_info=exc)
        return UploadRejected(500, "Screening failed", f"Something went wrong while screening {name}. "
                                                       "The file was not kept.")


def _too_large_text(settings: ServerSettings) -> tuple[str, str]:
    return ("File too large", f"Uploads are limited to {settings.max_upload_bytes / (1024 * 1024):g} MB. "
                              "Split or compress the file, or start the server with a larger --max-upload-mb.")


def _too_large(settings: ServerSettings):
    return page(*_too_large_text(settings), status=413, settings=settings)


def _secure(response):
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response
