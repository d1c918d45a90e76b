"""One long-lived process that holds the classifier and screens one file at a time.

Why a process: a screen's deadline must be able to stop classification too
(C code in torch cannot be interrupted from inside), and whatever a large or
hostile file made the screening allocate must leave with it, so a server's
memory returns to where it started. Loading the classifier costs seconds,
so the worker is not started per screen: it is kept, and replaced (killed,
and a fresh one started in the background) only when a screen passes its
deadline, the worker dies, or its memory after a screen has grown past a
ceiling over its baseline.

The worker is started with ``spawn``: a child forked from a process whose
torch thread pool has already run can hang. It leads its own process group,
so killing it also kills the reader child it may have forked for the file,
and a terminal's Ctrl-C reaches only the server, which then closes it.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import signal
from pathlib import Path

from practice_themes import errors
from practice_themes.errors import IngestError, PracticeThemesError
from practice_themes.ingest.limits import DEFAULT_LIMITS, IngestLimits
from practice_themes.process import DocumentTimeoutError
from practice_themes.screen.report import ScreenReport

MB = 1024 * 1024
DEFAULT_GROWTH_BYTES = 200 * MB
# The worker stops reading at the deadline itself; this much later the server stops waiting and kills it.
GRACE_S = 1.0


class ScreenerLoadError(PracticeThemesError):
    """The worker could not load the classifier (a bad codebook or model)."""


class WorkerCrashedError(PracticeThemesError):
    """The screening process died while screening a file."""


def _encode(exc: BaseException) -> tuple:
    """An error as plain values: IngestError subclasses and DocumentTimeoutError do not pickle."""
    if isinstance(exc, IngestError):
        return ("ingest_error", type(exc).__name__, exc.path, exc.detail)
    if isinstance(exc, DocumentTimeoutError):
        return ("timeout", exc.path, exc.limit_s, exc.stage)
    return ("error", f"{type(exc).__name__}: {exc}")


def _decode(message: tuple) -> Exception:
    kind = message[0]
    if kind == "ingest_error":
        _, name, path, detail = message[:4]
        return getattr(errors, name, IngestError)(path, detail)
    if kind == "timeout":
        return DocumentTimeoutError(*message[1:4])
    return RuntimeError(message[1])


def _serve(conn, model: str | None, codebook_path: str | None) -> None:
    """The worker's loop: load once, then answer one screen request at a time until told to stop."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when its worker ends
    import practice_themes  # noqa: F401  (offline switches in the new interpreter)
    from practice_themes.memory import release_memory, rss_bytes
    from practice_themes.orphans import end_with_parent
    from practice_themes.screen.screener import Screener

    # The server died (kill -9): end this worker and its reader child with it.
    end_with_parent(lambda: os.killpg(0, signal.SIGKILL))
    try:
        screener = Screener(model=model, codebook_path=codebook_path)
        screener.warm_up()
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which names it to the user
        conn.send(("load_error", str(exc) or type(exc).__name__))
        return
    release_memory()
    conn.send(("ready", screener.load_seconds, rss_bytes()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, options = request
        try:
            reply = ("ok", screener.screen(path, **options))
        except Exception as exc:  # noqa: BLE001 - every failure goes back as a typed message
            reply = _encode(exc)
        release_memory()
        conn.send((*reply, rss_bytes()))


class ScreenWorker:
    """A screening process with the ``Screener.screen`` interface, for the server and the ``screen`` command.

    Args:
        model: a trained model folder (None: zero-shot from the codebook).
        codebook_path: a codebook YAML (None: the shipped one).
        growth_bytes: how far the worker's memory may stay above its baseline
            after a screen before it is replaced.
        load_timeout_s: how long loading the classifier may take.
        start_method: ``spawn`` or ``forkserver``; never ``fork`` (torch).
    """

    def __init__(self, *, model: str | None = None, codebook_path: str | Path | None = None,
                 growth_bytes: int = DEFAULT_GROWTH_BYTES, load_timeout_s: float = 600.0,
                 start_method: str = "spawn") -> None:
        self.model = model
        self.codebook_path = str(codebook_path) if codebook_path else None
        self.growth_bytes = growth_bytes
        self.load_timeout_s = load_timeout_s
        self._context = mp.get_context(start_method)
        self._process = None
        self._conn = None
        self.ready = False
        self.load_seconds: float | None = None
        self.baseline_rss: int | None = None
        self.replaced = 0  # workers killed and started afresh, for logs and tests
        self._start()
        # Before multiprocessing's own exit handler, which would wait for a live non-daemon child.
        atexit.register(self.close)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _start(self) -> None:
        """Start a worker; it loads in the background, and the next call waits for it."""
        parent_conn, child_conn = self._context.Pipe()
        # Not daemonic: the worker must be allowed to fork the reader child of each file.
        self._process = self._context.Process(target=_serve, args=(child_conn, self.model, self.codebook_path),
                                              name="practice-themes-screen-worker", daemon=False)
        self._process.start()
        child_conn.close()
        self._conn, self.ready = parent_conn, False

    def wait_ready(self) -> float:
        """Block until the worker has loaded its classifier; returns the seconds loading took.

        With no worker (the last one failed to load, or was closed), a fresh one is started first.

        Raises:
            ScreenerLoadError: the classifier could not be loaded, or not in time.
        """
        if self.ready:
            return self.load_seconds or 0.0
        if self._process is None:
            self._start()
        try:
            message = self._conn.recv() if self._conn.poll(self.load_timeout_s) else ("load_error", "timed out")
        except (EOFError, OSError):
            message = ("load_error", f"the screening process exited (code {self._process.exitcode})")
        if message[0] != "ready":
            self._stop()
            raise ScreenerLoadError(f"cannot load the classifier: {message[1]}")
        _, self.load_seconds, self.baseline_rss = message
        self.ready = True
        return self.load_seconds

    def screen(self, path: str | Path, *, password: str | None = None, document_name: str | None = None,
               doc_id: str | None = None, limits: IngestLimits = DEFAULT_LIMITS,
               deadline_s: float | None = None) -> ScreenReport:
        """``Screener.screen`` in the worker; at ``deadline_s`` (plus a grace second) the worker is killed.

        Raises:
            IngestError (and subclasses) as ``Screener.screen``; DocumentTimeoutError
            when the deadline passed; WorkerCrashedError when the worker died;
            ScreenerLoadError when no worker could be loaded.
        """
        self.wait_ready()
        if not self._process.is_alive():  # ended while idle (the OOM killer, a stray signal)
            self._replace()
            self.wait_ready()
        options = {"password": password, "document_name": document_name, "doc_id": doc_id, "limits": limits,
                   "deadline_s": deadline_s}
        self._conn.send((str(path), options))
        wait_s = None if deadline_s is None else deadline_s + GRACE_S
        if not self._conn.poll(wait_s):
            self._replace()
            raise DocumentTimeoutError(str(path), deadline_s, "screening")
        try:
            message = self._conn.recv()
        except (EOFError, OSError):
            code = self._process.exitcode
            self._replace()
            raise WorkerCrashedError(f"{path}: the screening process died (exit code {code}); "
                                     "the file may need more memory than the machine has") from None
        rss = message[-1]
        if rss > (self.baseline_rss or 0) + self.growth_bytes:
            self._replace()  # its memory would not come back otherwise
        if message[0] == "ok":
            return message[1]
        raise _decode(message[:-1])

    def _replace(self) -> None:
        self._stop()
        self.replaced += 1
        self._start()

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.is_alive():
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the worker and its reader child
            except (ProcessLookupError, PermissionError):
                process.kill()
        process.join(timeout=10)
        self._conn.close()
        self.ready = False

    def close(self) -> None:
        """Stop the worker (idempotent; also run at exit)."""
        self._stop()
