"""One run per output folder: an advisory ``flock`` on ``OUTDIR/.lock``.

The kernel drops a ``flock`` when its holder dies, even by ``kill -9``, so a
stale lock file can never block the next run; the PID written into the file
is only there to name the holder in the refusal message.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from practice_themes.errors import PracticeThemesError

LOCK_NAME = ".lock"


class OutdirLockedError(PracticeThemesError):
    """Another run is writing to the same output folder."""


class OutdirLock:
    """Context manager that holds the output folder's lock for a whole run."""

    def __init__(self, outdir: str | Path) -> None:
        self.path = Path(outdir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> "OutdirLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC (Python's default) keeps spawned workers from inheriting the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise OutdirLockedError(
                f"{self.path.parent}: another practice-themes run is writing here "
                f"(PID {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}). "
                "Wait for it to finish, stop it, or choose another -o folder."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        }).encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "OutdirLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        return {}
