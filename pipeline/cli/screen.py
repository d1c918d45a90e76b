"""``practice-themes screen`` and ``practice-themes serve``: pre-screen one review.

``screen`` writes a self-contained HTML report (and optionally JSON);
``serve`` runs the same screening behind a local web page.
Exit codes (screen): 0 report written; 1 the document could not be screened
(corrupt, encrypted, no text, over a size, time or memory limit...); 2 usage
error (no such file, a codebook or model that cannot be loaded). Every failure
is one ``error:`` line, never a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import signal
from pathlib import Path

import typer

from practice_themes.cli.app import app
from practice_themes.cli.exits import EXIT_FAILED, EXIT_USAGE, exit_on_error

TOKEN_ENV = "PRACTICE_THEMES_TOKEN"
_DEFAULT_TIMEOUT_S = 120.0  # practice_themes.ingest.limits.DEFAULT_LIMITS, without importing it at start-up
_DEFAULT_MEMORY_MB = 2048.0
TIMEOUT_OPTION = typer.Option(_DEFAULT_TIMEOUT_S, "--timeout", min=1,
                              help="Seconds one screen may take; reading the file is killed at it.")
MEMORY_OPTION = typer.Option(_DEFAULT_MEMORY_MB, "--memory-limit-mb", min=64,
                             help="Memory the reader of one file may add (its child process is limited to it).")


def _limits(timeout: float, memory_limit_mb: float):
    from practice_themes.ingest.limits import IngestLimits

    return IngestLimits(timeout_s=timeout, memory_bytes=int(memory_limit_mb * 1024 * 1024))


@app.command("screen")
def screen(
    file: Path = typer.Argument(..., help="The review: a PDF, Word (.docx), plain-text (.txt) or Markdown (.md) file."),
    out: Path = typer.Option(None, "-o", "--out", help="HTML report to write, or a folder to write "
                             "<file stem>.screen.html in (default: <file stem>.screen.html here)."),
    json_out: Path = typer.Option(None, "--json", help="Also write the report's content as JSON (a folder: "
                                  "<file stem>.screen.json in it)."),
    password: str = typer.Option(None, "--password", help="Password for an encrypted PDF."),
    model: str = typer.Option(None, "--model", help="Trained model folder (default: zero-shot from the codebook)."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    timeout: float = TIMEOUT_OPTION,
    memory_limit_mb: float = MEMORY_OPTION,
) -> None:
    """Screen one review: themes ranked by probability, evidence quotes linked into the full text."""
    import sys

    if not file.is_file():
        typer.echo(f"error: {file}: no such file", err=True)
        raise typer.Exit(EXIT_USAGE)
    out = _report_path(out or Path("."), file, ".screen.html")
    json_out = _report_path(json_out, file, ".screen.json") if json_out else None
    from practice_themes.screen.render import write_report
    from practice_themes.screen.worker import ScreenWorker

    # The same worker process as serve's: the deadline stops classification too.
    worker = ScreenWorker(model=model, codebook_path=codebook_path)
    try:
        with exit_on_error(doing="loading the classifier"):  # codebook/model problems: exit 2
            worker.wait_ready()
        # Whatever the file provokes is this document failing: one line and exit 1.
        with exit_on_error(document_errors=True, doing=f"{file}: screening", unexpected=EXIT_FAILED):
            report = worker.screen(file, password=password, limits=_limits(timeout, memory_limit_mb),
                                   deadline_s=timeout)
    finally:
        worker.close()
    with exit_on_error(doing="writing the report"):
        written = write_report(report, out, json_out)
    for path in written:
        typer.echo(f"wrote {path}", err=True)
    for band in ("present", "possible"):
        themes = [t for t in report.themes if t.band == band]
        names = ", ".join(f"{t.label} {100 * t.score:.0f}%" for t in themes) or "none"
        typer.echo(f"{band}: {names}", file=sys.stdout)
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)


def _report_path(option: Path, file: Path, suffix: str) -> Path:
    """``option`` itself, or ``<file stem><suffix>`` inside it when it is an existing folder: ``-o reports/``
    used to screen the whole review and then fail to write over the folder."""
    return option / f"{file.stem}{suffix}" if option.is_dir() else option


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Anything but loopback needs --token."),
    port: int = typer.Option(8765, "--port", min=1, max=65535),
    token: str = typer.Option(None, "--token", envvar=TOKEN_ENV,
                              help=f"Access token every request must carry (also ${TOKEN_ENV})."),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", min=0.1, help="Largest upload accepted."),
    queue: int = typer.Option(8, "--queue", min=1, help="Uploads that may wait while one is screened."),
    model: str = typer.Option(None, "--model", help="Trained model folder (default: zero-shot from the codebook)."),
    codebook_path: Path = typer.Option(None, "--codebook", help="Codebook YAML (default: the shipped one)."),
    timeout: float = TIMEOUT_OPTION,
    memory_limit_mb: float = MEMORY_OPTION,
    upload_timeout: float = typer.Option(60.0, "--upload-timeout", min=1,
                                         help="Seconds an upload's body may take to arrive (408 after it)."),
    recycle_growth_mb: float = typer.Option(200.0, "--recycle-growth-mb", min=1,
                                            help="Restart the screening process after a screen that leaves it "
                                                 "this much above its memory at start."),
    work_dir: Path = typer.Option(None, "--work-dir", help="Where uploads are written while screened "
                                                         "(default: /dev/shm when it has room, else the temp folder)."),
) -> None:
    """Serve a local web page: upload a PDF or .docx, read the report, download HTML or JSON."""
    if not is_loopback(host) and not token:
        typer.echo(f"error: --host {host} is reachable from other machines; give --token (or set {TOKEN_ENV})",
                   err=True)
        raise typer.Exit(EXIT_USAGE)
    if token is not None and len(token) < 16:
        typer.echo("error: --token must be at least 16 characters", err=True)
        raise typer.Exit(EXIT_USAGE)
    import uvicorn

    from practice_themes.screen.server import ServerSettings, create_app
    from practice_themes.screen.worker import ScreenWorker

    typer.echo("loading the model ...", err=True)
    worker = ScreenWorker(model=model, codebook_path=codebook_path, growth_bytes=int(recycle_growth_mb * 1024 * 1024))
    with exit_on_error(doing="loading the classifier"):
        load_seconds = worker.wait_ready()
    settings = ServerSettings(token=token, max_upload_bytes=int(max_upload_mb * 1024 * 1024), max_queue=queue,
                              screen_timeout_s=timeout, ingest_memory_bytes=int(memory_limit_mb * 1024 * 1024),
                              upload_timeout_s=upload_timeout, work_dir=str(work_dir) if work_dir else None)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"model ready in {load_seconds:.1f} s; open {url}", err=True)
    web_app = create_app(worker, settings)
    # uvicorn turns SIGINT and SIGTERM into a clean exit; a closed terminal (SIGHUP) should do the same.
    signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
    finally:
        # Also when a second signal cuts the graceful shutdown short, mid-screen.
        web_app.state.uploads.remove_all()
        worker.close()
