"""Where the web app writes uploads while they are screened, and how they are swept away.

Each server writes under its own folder, ``<base>/pt-server-<pid>/``, one
sub-folder per upload, removed as soon as that upload has been screened.
The server folder goes when the server exits (normally, on SIGTERM, SIGINT
or SIGHUP), and a server starting up removes the folders of servers that
are no longer running, so an upload left by ``kill -9`` does not outlive the
next start. The default base is on ``/dev/shm`` (memory, never written to a
disk) when it exists with room to spare, else the system temp folder.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

SERVER_PREFIX = "pt-server-"
# Upload folders of older versions, written straight into the temp folder.
LEGACY_PREFIX = "pt-upload-"
_SERVER_DIR = re.compile(rf"^{SERVER_PREFIX}(\d+)$")


def default_base(room_bytes: int) -> Path:
    """A private folder on tmpfs when it has ``room_bytes`` free, else under the system temp folder."""
    shm = Path("/dev/shm")
    try:
        usable = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > room_bytes
    except OSError:
        usable = False
    parent = shm if usable else Path(tempfile.gettempdir())
    return parent / f"practice-themes-{os.getuid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class UploadArea:
    """This server's upload folder under ``base``."""

    def __init__(self, base: str | Path) -> None:
        self.base = Path(base)
        self.base.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root = self.base / f"{SERVER_PREFIX}{os.getpid()}"

    def sweep_stale(self) -> int:
        """Remove what dead servers (and older versions) left behind; returns how many folders went."""
        removed = 0
        for entry in self.base.iterdir():
            match = _SERVER_DIR.match(entry.name)
            stale = (match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1)))) \
                or entry.name.startswith(LEGACY_PREFIX)
            if stale and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        return removed

    def new_folder(self) -> Path:
        """A fresh private folder for one upload."""
        self.root.mkdir(mode=0o700, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="upload-", dir=self.root))

    def release(self, folder: Path) -> None:
        """Delete one upload's folder, and this server's folder once it is empty."""
        shutil.rmtree(folder, ignore_errors=True)
        try:
            self.root.rmdir()
        except OSError:
            pass  # another upload is still there, or it is already gone

    def remove_all(self) -> None:
        """Delete every upload of this server (on exit)."""
        shutil.rmtree(self.root, ignore_errors=True)
