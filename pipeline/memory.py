"""This process's memory: how much it holds, and handing freed memory back after a large piece of work."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def release_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages (``malloc_trim``), where there is glibc.

    Without the trim a long-running process (the web server) keeps the high-water
    mark of its largest document for good.
    """
    gc.collect()
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)


def rss_bytes() -> int:
    """This process's resident memory, the measure both worker kinds compare with their baseline."""
    import psutil

    return psutil.Process().memory_info().rss
