"""A real ``serve`` process against a client whose upload trickles in over a raw socket: 408, then the next
upload is screened. The stand-in classifier keeps the model unloaded."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest

import hostile_files as hostile
from live_server import live_server

httpx = pytest.importorskip("httpx", reason="needs httpx (pip install -e '.[test]')")

STAND_IN = "keyword-stand-in"  # tests/stand_ins.py, a classifier plug-in registered by conftest.py
UPLOAD_TIMEOUT_S = 1
BOUNDARY = "pt-test-boundary"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("uploads")
    with live_server("--model", STAND_IN, "--upload-timeout", str(UPLOAD_TIMEOUT_S), "--work-dir", str(work),
                     start_timeout_s=120) as (_, port):
        yield port, work


def _multipart(name: str, data: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _trickle(port: int, body: bytes, *, chunk: int = 16, every_s: float = 0.25, give_up_s: float = 30) -> bytes:
    """POST ``body`` a few bytes at a time and return what the server answers (as soon as it answers)."""
    head = (f"POST /screen HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=give_up_s) as sock:
        sock.sendall(head)
        started, sent = time.monotonic(), 0
        while time.monotonic() - started < give_up_s:
            readable, _, _ = select.select([sock], [], [], every_s)
            if readable:
                break
            if sent < len(body):
                try:
                    sock.sendall(body[sent:sent + chunk])
                except OSError:  # the server closed its side: read what it said
                    break
                sent += chunk
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
    return answer


def test_an_upload_that_trickles_in_gets_408_and_the_next_upload_is_screened(server, tmp_path):
    port, work = server
    review = hostile.normal_docx(tmp_path / "r.docx").read_bytes()
    started = time.monotonic()
    answer = _trickle(port, _multipart("r.docx", review))  # 64 bytes/s: minutes for the whole file
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"Upload too slow" in answer
    assert time.monotonic() - started < 15
    normal = httpx.post(f"http://127.0.0.1:{port}/screen", files={"file": ("r.docx", review)}, timeout=120)
    assert normal.status_code == 200 and "r.docx" in normal.text
    assert [p for p in Path(work).rglob("*") if p.is_file()] == []
