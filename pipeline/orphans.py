"""Worker processes that end when the process that started them dies."""

from __future__ import annotations

import os
import threading
import time
from typing import Callable


def end_with_parent(end: Callable[[], None], *, poll_s: float = 1.0) -> None:
    """Call ``end`` soon after this process's parent dies (``kill -9`` included).

    A worker whose coordinator is gone would otherwise finish work nobody will collect,
    holding memory and cores a re-run needs. The parent's death shows as a new parent id.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        end()

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


__all__ = ["end_with_parent"]
