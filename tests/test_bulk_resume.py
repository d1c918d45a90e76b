"""Bulk coding survives kill -9: the re-run finishes the rest, nothing lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from synthetic_reviews import review_paragraphs, write_pdf

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from practice_themes.cli import app; app()", "code"]
SLOW_STAND_IN = "slow-keyword-stand-in"


def _corpus(folder: Path, n: int = 10) -> Path:
    for i in range(n):
        write_pdf(folder / f"review_{i:02d}.pdf", review_paragraphs(i), pages=1 + i % 2)
    return folder


def _run(corpus: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, str(corpus), "-o", str(out), "--no-progress", "--model", SLOW_STAND_IN,
                           "--workers", "1", *extra], capture_output=True, text=True, cwd=ROOT, timeout=120)


def _stored(out: Path) -> int:
    # Finished results only: a run killed mid-write leaves a ".<name>.<random>.tmp.json" (fileio.atomic_write).
    return sum(not p.name.startswith(".") for p in (out / "store").glob("*/*.json"))


def _comparable(out: Path) -> pd.DataFrame:
    docs = pd.read_csv(out / "documents.csv")
    return docs.drop(columns=["source_path"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _corpus(tmp_path_factory.mktemp("resume") / "in")


@pytest.mark.slow
def test_kill_9_then_rerun_matches_an_uninterrupted_run(corpus, tmp_path):
    reference = tmp_path / "reference"
    assert _run(corpus, reference).returncode == 0

    interrupted = tmp_path / "interrupted"
    proc = subprocess.Popen([*CLI, str(corpus), "-o", str(interrupted), "--no-progress", "--model", SLOW_STAND_IN,
                             "--workers", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _stored(interrupted) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)  # the coordinator only, as `kill -9 PID` would
    proc.wait()
    # Orphaned workers notice and exit instead of finishing documents nobody collects.
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"workers outlived the killed run: {[p.pid for p in alive]}"
    done_before = _stored(interrupted)
    assert 3 <= done_before < 10, f"kill landed after {done_before} of 10 documents"
    assert not (interrupted / "documents.csv").exists()

    rerun = _run(corpus, interrupted)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{10 - done_before} coded now, {done_before} reused" in rerun.stdout
    assert _stored(interrupted) == 10

    resumed, expected = _comparable(interrupted), _comparable(reference)
    assert resumed["doc_id"].is_unique and len(resumed) == 10
    pd.testing.assert_frame_equal(resumed, expected)
    ev_resumed = pd.read_parquet(interrupted / "passages.parquet")
    ev_expected = pd.read_parquet(reference / "passages.parquet")
    pd.testing.assert_frame_equal(ev_resumed, ev_expected)


def test_second_concurrent_run_is_refused_naming_the_pid(corpus, tmp_path):
    from practice_themes.bulk.lock import OutdirLock

    out = tmp_path / "busy"
    with OutdirLock(out):
        busy = subprocess.run([*CLI, str(corpus), "-o", str(out), "--no-progress"], capture_output=True,
                              text=True, cwd=ROOT, timeout=60)
    assert busy.returncode == 3
    assert f"PID {os.getpid()}" in busy.stderr and "another practice-themes run" in busy.stderr


def test_lock_left_by_a_killed_run_does_not_block(tmp_path):
    from practice_themes.bulk.lock import OutdirLock

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from practice_themes.bulk.lock import OutdirLock; "
        f"OutdirLock({str(tmp_path)!r}).acquire(); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "held"
    from practice_themes.bulk.lock import OutdirLockedError

    with pytest.raises(OutdirLockedError, match=f"PID {holder.pid}"):
        OutdirLock(tmp_path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (tmp_path / ".lock").read_text()  # the stale file is still there...
    with OutdirLock(tmp_path):  # ...and does not block
        pass


