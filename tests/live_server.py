"""Start a real ``practice-themes serve`` on a free loopback port for a test, and stop it afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(*args: str, start_timeout_s: float = 240) -> Iterator[tuple[str, int]]:
    """``serve --port <free> *args`` until the block ends; yields its base URL and port."""
    import httpx

    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", "from practice_themes.cli import app; app()", "serve", "--port",
                                str(port), *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout_s
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited early: {process.stderr.read()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start within {start_timeout_s:g} s")
            time.sleep(0.3)
        yield base, port
    finally:
        process.terminate()
        process.wait(timeout=30)
