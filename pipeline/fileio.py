"""Small file helpers every floor shares: an atomic write, a file hash, plain-JSON values.

Each exists once so that the store, the output tables, the embedding cache and the
evaluation report agree on what "written", "the same file" and "valid JSON" mean.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

_CHUNK = 1 << 20


def atomic_write(path: str | Path, write: Callable[[Path], None], *, durable: bool = False) -> Path:
    """Call ``write(tmp)`` on a temp file beside ``path``, then rename it over ``path``.

    Readers see the old file or the whole new one, never half (a killed run, a full
    disk). ``durable`` also fsyncs the file before the rename, for results a resumed
    run will trust. The temp name keeps the extension, since pandas picks its Excel
    engine by it.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the files from colleagues
        os.close(fd)
        write(tmp)
        if durable:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: NaN and infinities become None, numpy scalars Python numbers, keys strings."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


__all__ = ["atomic_write", "file_sha256", "to_jsonable"]
