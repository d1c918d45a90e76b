"""Run ingestion in a forked child process that is killed on a time limit.

pdfium calls are C code that a signal cannot interrupt, so the only reliable
way to stop a pathological file is to run it in a process and kill that.
The child sends back either the ``Document`` or the error's type and fields
(IngestError subclasses do not pickle through their ``(path, detail)``
constructor otherwise).
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable

from pipeline import errors
from pipeline.errors import IngestError, IngestTimeoutError
from pipeline.types import Document


def _child(conn, func: Callable[[], Document]) -> None:
    try:
        conn.send(("ok", func()))
    except IngestError as exc:
        conn.send(("ingest_error", type(exc).__name__, exc.path, exc.detail))
    except BaseException as exc:  # report anything else as a corrupt file
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=3)))
    finally:
        conn.close()


def run_with_timeout(func: Callable[[], Document], *, path: str, timeout_s: float) -> Document:
    """``func()`` in a forked child; IngestTimeoutError after ``timeout_s`` seconds."""
    ctx = multiprocessing.get_context("fork")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child_conn, func), daemon=True)
    process.start()
    child_conn.close()
    try:
        if not parent_conn.poll(timeout_s):
            raise IngestTimeoutError(path, f"no result after {timeout_s:g} s")
        try:
            message = parent_conn.recv()
        except EOFError:
            raise errors.CorruptPDFError(
                path, f"the reader process died (exit code {process.exitcode})"
            ) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        parent_conn.close()
    if message[0] == "ok":
        return message[1]
    if message[0] == "ingest_error":
        _, name, err_path, detail = message
        raise getattr(errors, name, IngestError)(err_path, detail)
    raise errors.CorruptPDFError(path, message[1])
