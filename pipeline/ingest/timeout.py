"""Run ingestion in a forked child process with a time and a memory ceiling.

pdfium calls are C code that a signal cannot interrupt, and a decompression
bomb can allocate gigabytes before any Python check runs, so the only
reliable way to stop a pathological file is to read it in a process that
has an address-space limit (``RLIMIT_AS``) and is killed on a deadline.
Whatever the reader allocated goes back to the system when the child exits,
so the caller's memory stays flat. The child sends back either the
``Document`` or the error's type and fields (IngestError subclasses do not
pickle through their ``(path, detail)`` constructor otherwise).
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import resource
import signal
import traceback
from collections.abc import Callable

from practice_themes import errors
from practice_themes.errors import IngestError, IngestMemoryError, IngestTimeoutError
from practice_themes.types import Document

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _address_space_now() -> int:
    """This process's mapped address space in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * _PAGE


def _limit_memory(memory_bytes: int) -> None:
    # The child is a fork of the caller (which may hold torch and a model), so
    # the ceiling is what the reader may add on top of what is already mapped.
    try:
        ceiling = _address_space_now() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    except (OSError, ValueError):  # no /proc or a hard limit already lower: keep what there is
        pass


def _child(conn, func: Callable[[], Document], memory_bytes: int | None) -> None:
    # Ctrl-C and SIGTERM end the reader at once; the parent's handlers (a web server's) are not ours.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # An allocation refused under the ceiling may abort in C code; that is reported
    # as IngestMemoryError, so the interpreter's crash dump would only be noise.
    faulthandler.disable()
    if memory_bytes:
        _limit_memory(memory_bytes)
    try:
        conn.send(("ok", func()))
    except IngestError as exc:
        conn.send(("ingest_error", type(exc).__name__, exc.path, exc.detail))
    except MemoryError:
        conn.send(("memory",))
    except RecursionError:
        conn.send(("error", "the file nests too deeply to read", ""))
    except BaseException as exc:  # report anything else as a corrupt file of its format
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=3)))
    finally:
        conn.close()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def run_with_limits(func: Callable[[], Document], *, path: str, timeout_s: float | None,
                    memory_bytes: int | None = None) -> Document:
    """``func()`` in a forked child with ``RLIMIT_AS`` raised by ``memory_bytes`` and killed after ``timeout_s``.

    Raises:
        RuntimeError: called in a daemonic process, which cannot start the child.
        IngestTimeoutError: no result in time.
        IngestMemoryError: the reader hit the memory ceiling.
        IngestError subclasses the reader raised; otherwise the corrupt-file
        error of the file's format.
    """
    if multiprocessing.current_process().daemon:
        # A daemonic process may not start children, and reading the file here would drop both limits.
        raise RuntimeError(f"{path}: cannot read the file under its time and memory limits in a daemonic "
                           "process, which may not start the reader child; start Dask workers with "
                           "distributed.worker.daemon: False (DASK_DISTRIBUTED__WORKER__DAEMON=False)")
    ctx = multiprocessing.get_context("fork")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child_conn, func, memory_bytes), daemon=True)
    process.start()
    child_conn.close()
    corrupt = errors.corrupt_error_for(path)
    try:
        if not parent_conn.poll(timeout_s):
            raise IngestTimeoutError(path, f"no result after {timeout_s:g} s")
        try:
            message = parent_conn.recv()
        except EOFError:
            process.join(timeout=5)
            code = process.exitcode
            if memory_bytes and code is not None and code < 0:
                # pdfium and lxml abort or crash when an allocation fails under the ceiling.
                raise IngestMemoryError(path, f"the reader process was ended by signal {-code} "
                                              f"under the memory limit of {_mb(memory_bytes)}") from None
            raise corrupt(path, f"the reader process died (exit code {code})") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        parent_conn.close()
    if message[0] == "ok":
        return message[1]
    if message[0] == "memory":
        raise IngestMemoryError(path, f"limit {_mb(memory_bytes or 0)}")
    if message[0] == "ingest_error":
        _, name, err_path, detail = message
        raise getattr(errors, name, IngestError)(err_path, detail)
    raise corrupt(path, message[1])

