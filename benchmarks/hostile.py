"""Hostile input against ``screen`` and ``serve``: time and peak memory per file, beside a normal review.

1. **screen**: ``practice-themes screen FILE`` on each hostile file (full-size
   attacks, generated under ``.benchcache/hostile``) and on a normal 42-page
   review. Wall time includes loading the model (as a user sees it); peak RSS
   is the largest single process of the command's tree (the CLI or its reader
   child), sampled every 50 ms. Goal: each file refused or finished within
   30 s and 1 GB, 0 tracebacks.
2. **serve**: a server on loopback; a paragraph bomb and a normal upload sent
   at once; the normal one's response time beside its time alone (goal: its
   usual time); idle RSS of the server process and of its screening worker
   at start, after the normal review and after the bombs (goal: the server
   within 200 MB of its start); then ``kill -9``, a restart, and the files
   left in the upload folder (goal: 0).

    python benchmarks/hostile.py            # everything
    python benchmarks/hostile.py --skip-serve
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hostile_files as hostile  # noqa: E402

CACHE = ROOT / ".benchcache" / "hostile"
CLI = [sys.executable, "-c", "from practice_themes.cli import app; app()"]
MB = 1024 * 1024
GOAL_S, GOAL_MB = 30.0, 1024.0


def build_files() -> dict[str, Path]:
    """The attack files of the issue, at full size, generated once."""
    from screen import review_pdf

    CACHE.mkdir(parents=True, exist_ok=True)
    builders = {
        "paragraph bomb .docx (20 MB XML)": ("pbomb20.docx", lambda p: hostile.paragraph_bomb_docx(p, 600_000)),
        "paragraph bomb .docx (200 MB XML)": ("pbomb200.docx", lambda p: hostile.paragraph_bomb_docx(p, 6_000_000)),
        "whitespace zip bomb (3 GB review.pdf)": ("zipbomb.zip", lambda p: hostile.whitespace_zip_bomb(p, 3072 * MB)),
        "PDF compression bomb (2 GB stream)": ("flatebomb.pdf", lambda p: hostile.pdf_compression_bomb(p, 2048 * MB)),
        "%PDF + 45 MB of spaces": ("spaces.pdf", lambda p: hostile.spaces_pdf(p, 45 * MB)),
        "100,000-page PDF": ("pages100k.pdf", lambda p: hostile.many_pages_pdf(p, 100_000)),
        "one 1.1 M-character paragraph .docx": ("long.docx", hostile.long_paragraph_docx),
    }
    files = {"normal 42-page review (PDF)": review_pdf(40)}
    for label, (name, build) in builders.items():
        path = CACHE / name
        if not path.exists():
            build(path)
        files[label] = path
    return files


def _tree_rss(root: psutil.Process) -> tuple[float, list[float]]:
    """RSS (MB) of ``root`` and of each of its descendants still alive; raises psutil.Error if ``root`` is gone."""
    children = []
    for child in root.children(recursive=True):
        try:
            children.append(child.memory_info().rss / MB)
        except psutil.Error:
            pass
    return root.memory_info().rss / MB, children


def _peak_rss(process: subprocess.Popen, peak: list[float]) -> None:
    """Largest RSS of any process in ``process``'s tree until it ends (MB)."""
    try:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            own, children = _tree_rss(root)
            peak[0] = max(peak[0], own, *children)
            time.sleep(0.05)
    except psutil.Error:
        pass


def screen_one(path: Path, workdir: Path) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen([*CLI, "screen", str(path), "-o", str(workdir / "r.html")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    watcher = threading.Thread(target=_peak_rss, args=(process, peak))
    watcher.start()
    out, err = process.communicate(timeout=900)
    watcher.join()
    wall = time.perf_counter() - started
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    return {"wall": wall, "rss": peak[0], "rc": process.returncode, "traceback": "Traceback" in err + out,
            "outcome": (lines[-1][:110] if lines else "report written")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, work_dir: Path) -> subprocess.Popen:
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--work-dir", str(work_dir)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    import httpx

    for _ in range(600):  # bounded: at most 120 s
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _post(port: int, path: Path) -> tuple[int, float]:
    import httpx

    started = time.perf_counter()
    with open(path, "rb") as handle:
        response = httpx.post(f"http://127.0.0.1:{port}/screen", files={"file": (path.name, handle)}, timeout=600)
    return response.status_code, time.perf_counter() - started


def _idle_rss(server: subprocess.Popen, settle_s: float = 90.0) -> tuple[float, float]:
    """RSS of the server process and of its children (the screening worker, multiprocessing's small
    resource tracker) in MB, once they have stopped changing (a worker replaced after a bomb loads
    its model in the background)."""
    def sample() -> tuple[float, float]:
        own, children = _tree_rss(psutil.Process(server.pid))
        return own, sum(children)

    last, deadline = sample(), time.monotonic() + settle_s
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = sample()
        if abs(sum(now) - sum(last)) < 5:
            return now
        last = now
    return last


def serve_checks(files: dict[str, Path]) -> None:
    normal = files["normal 42-page review (PDF)"]
    bomb = files["paragraph bomb .docx (20 MB XML)"]
    work = Path(tempfile.mkdtemp(prefix="pt-bench-uploads-"))
    port = _free_port()
    server = _start_server(port, work)
    try:
        idle = {"at start": _idle_rss(server)}
        _post(port, normal)  # warm
        alone = _post(port, normal)
        idle["after the normal 42-page review"] = _idle_rss(server)
        results: dict[str, tuple[int, float]] = {}
        threads = [threading.Thread(target=lambda k=k, p=p: results.__setitem__(k, _post(port, p)))
                   for k, p in (("bomb", bomb), ("normal", normal))]
        threads[0].start()
        time.sleep(0.3)  # the bomb is first in the queue
        threads[1].start()
        for t in threads:
            t.join()
        bombs = {}
        for name in ("paragraph bomb .docx (200 MB XML)", "PDF compression bomb (2 GB stream)",
                     "one 1.1 M-character paragraph .docx"):
            bombs[name] = _post(port, files[name])
        idle["after 3 bombs and a 1.1 M-character paragraph"] = _idle_rss(server)
        print("\nserve (loopback)")
        print(f"  normal upload alone:               {alone[1]:6.2f} s (HTTP {alone[0]})")
        print(f"  bomb sent first, then normal:      bomb HTTP {results['bomb'][0]} in {results['bomb'][1]:.2f} s; "
              f"normal HTTP {results['normal'][0]} in {results['normal'][1]:.2f} s")
        for name, (status, seconds) in bombs.items():
            print(f"  {name:34s} HTTP {status} in {seconds:.2f} s")
        start_server = idle["at start"][0]
        print(f"  {'idle RSS, MB':48s} {'server':>7s} {'worker':>7s} {'server vs start':>16s}  (worker: its children)")
        for label, (own, worker) in idle.items():
            print(f"  {label:48s} {own:7.0f} {worker:7.0f} {own - start_server:+15.0f}")
        print("  goal: the server within +200 MB of its start; the worker is replaced when it grows past +200 MB")
        # kill -9 mid-screen, with an upload on disk, then restart
        slow = threading.Thread(target=lambda: _safe_post(port, files["one 1.1 M-character paragraph .docx"]))
        slow.start()
        time.sleep(1.0)
        left_before = [p for p in work.rglob("*") if p.is_file()]
        server.send_signal(signal.SIGKILL)
        server.wait()
        slow.join()
        left_killed = [p for p in work.rglob("*") if p.is_file()]
        server = _start_server(port, work)
        left_after = [p for p in work.rglob("*") if p.is_file()]
        print(f"  files in the upload folder: during a screen {len(left_before)}, after kill -9 "
              f"{len(left_killed)}, after restart {len(left_after)} (goal 0)")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
        left_exit = [p for p in work.rglob("*") if p.is_file()]
        print(f"  after SIGTERM: {len(left_exit)} file(s) left; tracebacks in the server log: "
              f"{err.count('Traceback') if err else 0}")


def _safe_post(port: int, path: Path) -> None:
    try:
        _post(port, path)
    except Exception:  # noqa: BLE001 - the server is killed under it on purpose
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-serve", action="store_true")
    parser.add_argument("--skip-screen", action="store_true")
    args = parser.parse_args()
    files = build_files()
    if not args.skip_screen:
        print(f"screen (goal: each within {GOAL_S:g} s and {GOAL_MB:g} MB, 0 tracebacks)")
        print(f"  {'file':40s} {'on disk':>9s} {'wall s':>7s} {'peak MB':>8s} rc  outcome")
        with tempfile.TemporaryDirectory() as tmp:
            tracebacks = 0
            for label, path in files.items():
                r = screen_one(path, Path(tmp))
                tracebacks += r["traceback"]
                flag = "" if r["wall"] <= GOAL_S and r["rss"] <= GOAL_MB else "  <-- over goal"
                print(f"  {label:40s} {path.stat().st_size / 1024:7.0f}KB {r['wall']:7.1f} {r['rss']:8.0f} "
                      f"{r['rc']:2d}  {r['outcome']}{flag}", flush=True)
            print(f"  tracebacks: {tracebacks}")
    if not args.skip_serve:
        serve_checks(files)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
